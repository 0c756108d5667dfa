"""The seed's counter as a plain WSGI application: ``python examples/wsgi_counter.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie. Keys come from CLIENT_SESSION_KEYS; without it, a demo key is generated and announced.
"""

import os

from client_session_wsgi import KeyRing, SessionMiddleware, SessionPolicy, generate_key, get_session

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")


def counter(environ, start_response):
    session = get_session(environ)
    session["count"] = session.get("count", 0) + 1
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [f"You have visited this page {session['count']} times.\n".encode()]


# One cookie name for every server of a fleet (the demo's --cookie-name sets it).
cookie_name = os.environ.get("COUNTER_COOKIE_NAME", "session")
app = SessionMiddleware(counter, SessionPolicy(keys=KeyRing.from_env(), cookie_name=cookie_name))

if __name__ == "__main__":
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", 8000, app)
