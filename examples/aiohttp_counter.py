"""The seed's counter as an aiohttp application: ``python examples/aiohttp_counter.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie, through aiohttp-session's ``get_session`` and client-session-aiohttp's storage. Keys come
from CLIENT_SESSION_KEYS; without it, a demo key is generated and announced.
"""

import os

from aiohttp import web
from aiohttp_session import get_session, setup

from client_session_aiohttp import EncryptedCookieSessionStorage, generate_key

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")


async def counter(request: web.Request) -> web.Response:
    session = await get_session(request)
    session["count"] = session.get("count", 0) + 1
    return web.Response(text=f"You have visited this page {session['count']} times.\n")


def make_app() -> web.Application:
    app = web.Application()
    # No keys given: the storage reads CLIENT_SESSION_KEYS.
    # One cookie name for every server of a fleet (the demo's --cookie-name sets it).
    name = os.environ.get("COUNTER_COOKIE_NAME", "AIOHTTP_SESSION")
    setup(app, EncryptedCookieSessionStorage(cookie_name=name))
    app.router.add_get("/", counter)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=8000)
