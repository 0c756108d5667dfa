"""The seed's counter as a Starlette application: ``python examples/starlette_counter.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie. Keys come from CLIENT_SESSION_KEYS; without it, a demo key is generated and announced.
"""

import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from client_session_asgi import SessionMiddleware, generate_key

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")


async def counter(request: Request) -> PlainTextResponse:
    request.session["count"] = request.session.get("count", 0) + 1
    return PlainTextResponse(f"You have visited this page {request.session['count']} times.\n")


# No secret_key: the middleware reads CLIENT_SESSION_KEYS.
# The cookie's name, Starlette's session_cookie ("session"): one name for every server of a
# fleet, whatever its framework (the demo's --cookie-name sets COUNTER_COOKIE_NAME).
cookie_name = os.environ.get("COUNTER_COOKIE_NAME", "session")
app = Starlette(
    routes=[Route("/", counter)],
    middleware=[Middleware(SessionMiddleware, session_cookie=cookie_name)],
)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
