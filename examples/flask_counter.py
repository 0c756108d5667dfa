"""The seed's counter as a Flask application: ``python examples/flask_counter.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie. Keys come from CLIENT_SESSION_KEYS; without it, a demo key is generated and announced.
"""

import os

from flask import Flask, session

from client_session_wsgi import generate_key
from client_session_wsgi.flask import ClientSession

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")

app = Flask(__name__)
# One cookie name for every server of a fleet (the demo's --cookie-name sets it).
app.config["SESSION_COOKIE_NAME"] = os.environ.get("COUNTER_COOKIE_NAME", "session")
ClientSession(app)  # keys: CLIENT_SESSION_KEYS, checked here


@app.get("/")
def counter() -> str:
    session["count"] = session.get("count", 0) + 1
    return f"You have visited this page {session['count']} times.\n"


if __name__ == "__main__":
    app.run("127.0.0.1", 8000)
