"""The seed's counter as a Litestar application: ``python examples/litestar_counter.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie. Keys come from CLIENT_SESSION_KEYS; without it, a demo key is generated and announced.
"""

import os
from typing import Any

from litestar import Litestar, MediaType, Request, get

from client_session_litestar import ClientSessionConfig, generate_key

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")


@get("/", media_type=MediaType.TEXT, sync_to_thread=False)
def counter(request: Request[Any, Any, Any]) -> str:
    request.session["count"] = request.session.get("count", 0) + 1
    return f"You have visited this page {request.session['count']} times.\n"


# No secret: the configuration reads CLIENT_SESSION_KEYS.
# The cookie's name, Litestar's key ("session"): one name for every server of a fleet,
# whatever its framework (the demo's --cookie-name sets COUNTER_COOKIE_NAME).
session_config = ClientSessionConfig(key=os.environ.get("COUNTER_COOKIE_NAME", "session"))
app = Litestar(route_handlers=[counter], middleware=[session_config.middleware])

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
