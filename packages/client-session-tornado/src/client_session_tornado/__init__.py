"""client-session-tornado: encrypted, authenticated cookie sessions for Tornado.

Configure sessions once in the Application settings, as ``cookie_secret`` is, and mix
:class:`SessionMixin` into the handlers that use ``self.session``::

    import tornado.web
    from client_session_tornado import SessionMixin, client_session_codec


    class CounterHandler(SessionMixin, tornado.web.RequestHandler):
        def get(self) -> None:
            self.session["count"] = self.session.get("count", 0) + 1
            self.write({"count": self.session["count"]})


    app = tornado.web.Application(
        [(r"/", CounterHandler)],
        client_session=client_session_codec(),  # keys from CLIENT_SESSION_KEYS
    )

Every line of crypto, expiry and cookie formatting is in ``client_session_core``; this
package only reads the Cookie header and adds the headers the core returns.
"""

from client_session_core.adapter import (
    ConfigurationError,
    KeyRing,
    Session,
    SessionCodec,
    SessionPolicy,
    SessionTooLarge,
    generate_key,
)

from ._legacy import tornado_signed_cookies
from ._mixin import SessionMixin
from ._settings import SETTING, client_session_codec, session_codec

__version__ = "0.1.0"

__all__ = [
    "SETTING",
    "ConfigurationError",
    "KeyRing",
    "Session",
    "SessionCodec",
    "SessionMixin",
    "SessionPolicy",
    "SessionTooLarge",
    "client_session_codec",
    "generate_key",
    "session_codec",
    "tornado_signed_cookies",
]
