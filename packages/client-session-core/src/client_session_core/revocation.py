"""Revocation: logout that ends every copy of a session, without storing sessions.

Three reaches: one session (:meth:`Revocations.revoke_session_id`, logout or an
administrator's kill), one user everywhere (:meth:`Revocations.revoke_user`, a password
change), and everyone (the policy's ``not_before``, as before). The store holds revocations
only, each until no session it refuses can be alive; every process keeps a copy in memory,
refreshed in the background, so no request waits on the store::

    from client_session_core import KeyRing, SessionPolicy
    from client_session_core.revocation import RedisRevocationStore, Revocations

    revocations = Revocations(RedisRevocationStore.from_url("redis://127.0.0.1:6379/0"))
    policy = SessionPolicy(keys=KeyRing.from_env(), revocations=revocations)

:class:`MemoryRevocationStore` serves one process (and tests); :class:`RedisRevocationStore`
(``pip install 'client-session-core[redis]'``) a fleet. Another backend is one class with the
four methods of :class:`RevocationStore`. ``docs/revocation.md`` has the details, and
``docs/threat-model.md`` what each reach stops.
"""

from ._revocation import DEFAULT_INTERVAL, DEFAULT_MAX_STALENESS, OnStale, Revocations
from ._revocation_memory import MemoryRevocationStore
from ._revocation_redis import DEFAULT_PREFIX, RedisClient, RedisRevocationStore
from ._revocation_store import RevocationChanges, RevocationStore, Watch

__all__ = [
    "DEFAULT_INTERVAL",
    "DEFAULT_MAX_STALENESS",
    "DEFAULT_PREFIX",
    "MemoryRevocationStore",
    "OnStale",
    "RedisClient",
    "RedisRevocationStore",
    "RevocationChanges",
    "RevocationStore",
    "Revocations",
    "Watch",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and getattr(_obj, "__module__", "").startswith(
        "client_session_core._"
    ):
        _obj.__module__ = __name__
del _name, _obj
