"""The seed's counter as a Tornado application: ``python examples/tornado_counter.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie. Keys come from CLIENT_SESSION_KEYS; without it, a demo key is generated and announced.
"""

import asyncio
import os

import tornado.web

from client_session_tornado import SessionMixin, client_session_codec, generate_key

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")


class CounterHandler(SessionMixin, tornado.web.RequestHandler):
    def get(self) -> None:
        self.session["count"] = self.session.get("count", 0) + 1
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write(f"You have visited this page {self.session['count']} times.\n")


def make_app() -> tornado.web.Application:
    # Configured once, as cookie_secret is; no keys given: it reads CLIENT_SESSION_KEYS.
    # One cookie name for every server of a fleet (the demo's --cookie-name sets it).
    codec = client_session_codec(cookie_name=os.environ.get("COUNTER_COOKIE_NAME", "session"))
    return tornado.web.Application([(r"/", CounterHandler)], client_session=codec)


async def main() -> None:
    make_app().listen(8000, "127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
