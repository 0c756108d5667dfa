"""The seed's counter as a FastAPI application: ``python examples/fastapi_counter.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie. Keys come from CLIENT_SESSION_KEYS; without it, a demo key is generated and announced.
"""

import os

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from client_session_asgi import SessionMiddleware, generate_key

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")

app = FastAPI()
# No secret_key: it reads CLIENT_SESSION_KEYS. The cookie's name is Starlette's session_cookie:
# one name for every server of a fleet (the demo's --cookie-name sets COUNTER_COOKIE_NAME).
app.add_middleware(
    SessionMiddleware, session_cookie=os.environ.get("COUNTER_COOKIE_NAME", "session")
)


@app.get("/", response_class=PlainTextResponse)
async def counter(request: Request) -> str:
    request.session["count"] = request.session.get("count", 0) + 1
    return f"You have visited this page {request.session['count']} times.\n"


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
