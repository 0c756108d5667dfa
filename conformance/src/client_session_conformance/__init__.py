"""client-session-conformance: the tests every client-session adapter passes.

Certify an adapter with a harness that serves the route contract (:data:`ROUTES`) and a
one-line subclass of the suite, collected by pytest because its name starts with ``Test``::

    from client_session_conformance import SessionConformance


    class TestStarletteConformance(SessionConformance):
        harness_class = StarletteHarness

:class:`InteropConformance` checks that every installed adapter (entry-point group
:data:`HARNESS_ENTRY_POINT_GROUP`) reads every other's cookies and the test vectors.

Two modules sit beside this one and are imported on their own: :mod:`.serving`, the servers a
harness runs its application on (uvicorn, werkzeug, gunicorn), and :mod:`.harnesses`, the
harnesses of this repository's adapters, each of which imports its framework.
"""

import pytest

# The suite's assertions live in this installed package, not in a test module: ask pytest to
# rewrite them too, so that a failure shows the compared values. This must run before the
# modules are imported.
pytest.register_assert_rewrite(
    "client_session_conformance._interop",
    "client_session_conformance._key_text_suite",
    "client_session_conformance._legacy_suite",
    "client_session_conformance._revocation_suite",
    "client_session_conformance._suite",
)

from client_session_core.testing import ManualClock  # noqa: E402

from ._client import SessionClient, SetCookie, parse_set_cookie  # noqa: E402
from ._harness import HARNESS_ENTRY_POINT_GROUP, Harness, installed_harnesses  # noqa: E402
from ._interop import InteropConformance  # noqa: E402
from ._legacy_suite import LegacyCookieWriter, LegacyUpgradeConformance  # noqa: E402
from ._redis import redis_unavailable, serve_redis  # noqa: E402
from ._reference import ReferenceHarness  # noqa: E402
from ._routes import (  # noqa: E402
    ROUTES,
    Route,
    append_nested,
    arevoke_session,
    arevoke_user,
    clear_session,
    count_visit,
    end_session,
    leave_untouched,
    merge_session,
    regenerate_session,
    remember_session,
    revoke_session,
    revoke_user,
    start_session,
    store_blob,
    view_session,
    who_is,
)
from ._servers import Served, ServerPool  # noqa: E402
from ._suite import SessionConformance  # noqa: E402
from ._vectors import (  # noqa: E402
    CookieHeaderVector,
    InvalidVector,
    ValidVector,
    load_cookie_header_vectors,
    load_invalid_vectors,
    load_valid_vectors,
)

__version__ = "0.1.0"

__all__ = [
    "HARNESS_ENTRY_POINT_GROUP",
    "ROUTES",
    "CookieHeaderVector",
    "Harness",
    "InteropConformance",
    "InvalidVector",
    "LegacyCookieWriter",
    "LegacyUpgradeConformance",
    "ManualClock",
    "ReferenceHarness",
    "Route",
    "Served",
    "ServerPool",
    "SessionClient",
    "SessionConformance",
    "SetCookie",
    "ValidVector",
    "append_nested",
    "arevoke_session",
    "arevoke_user",
    "clear_session",
    "count_visit",
    "end_session",
    "installed_harnesses",
    "leave_untouched",
    "load_cookie_header_vectors",
    "load_invalid_vectors",
    "load_valid_vectors",
    "merge_session",
    "parse_set_cookie",
    "redis_unavailable",
    "regenerate_session",
    "remember_session",
    "revoke_session",
    "revoke_user",
    "serve_redis",
    "start_session",
    "store_blob",
    "view_session",
    "who_is",
]
