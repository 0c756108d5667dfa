"""The drop-in's policy: Flask's settings and its session interface's hooks as the core's
:class:`~client_session_core.SessionPolicy`, and the errors of a commit in Flask's words.

Flask's :class:`~flask.sessions.SessionInterface` answers for the cookie through its
``get_cookie_*`` hooks (``SESSION_COOKIE_NAME`` and the others, unless a subclass answers
itself); the rest comes from ``app.config`` (:mod:`._flask_settings` reads each value).
"""

from __future__ import annotations

from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface

from client_session_core.adapter import (
    ConfigurationError,
    LegacyOption,
    LifetimeTooLong,
    Serializer,
    SessionPolicy,
    SessionTooLarge,
    max_age_lifetimes,
    same_site_option,
)

from ._flask_legacy import flask_legacy_cookies_for
from ._flask_reads import AppSettings
from ._flask_settings import (
    absolute_lifetime_setting,
    cookie_domain,
    cookie_size,
    in_flask_words,
    key_ring,
    seconds_or_none,
)

__all__ = ["drop_in_policy", "in_flask_words_at_commit"]


def drop_in_policy(
    interface: SessionInterface,
    app: AppSettings,
    *,
    legacy_cookies: LegacyOption,
    started: float,
    tagged: TaggedJSONSerializer,
    serializer: Serializer,
) -> SessionPolicy | None:
    """The app's policy, from the ``get_cookie_*`` hooks of ``interface`` and the app's
    config, each read through ``app`` (so noted); None when no key is configured.
    ``tagged`` reads Flask's own cookies, ``serializer`` writes ours."""
    ring = key_ring(app)
    if ring is None:
        return None
    legacy = None
    if legacy_cookies is not False and legacy_cookies is not None:
        legacy = flask_legacy_cookies_for(legacy_cookies, app, started=started, serializer=tagged)
    try:
        # Flask checks the time since the cookie was last written against
        # PERMANENT_SESSION_LIFETIME, permanent or not, and caps nothing else; its sessions
        # start non-permanent.
        lifetimes = max_age_lifetimes(
            int(app.permanent_session_lifetime.total_seconds()),
            persistent=False,
            absolute_lifetime=absolute_lifetime_setting(app),
        )
        return SessionPolicy(
            keys=ring,
            cookie_name=app.ask(interface.get_cookie_name),
            **lifetimes.options(),
            # The longest session.set_lifetime() may give; None: the absolute lifetime.
            max_session_lifetime=seconds_or_none(
                app.config.get("CLIENT_SESSION_MAX_SESSION_LIFETIME")
            ),
            # "Log everyone out": what time.time() or an aware datetime gives.
            not_before=app.config.get("CLIENT_SESSION_NOT_BEFORE"),
            # Never re-issued on the core's schedule: Flask's rule, in save_session, decides.
            renew_after=None,
            path=app.ask(interface.get_cookie_path) or "/",
            domain=cookie_domain(app.ask(interface.get_cookie_domain)),
            secure=bool(app.ask(interface.get_cookie_secure)),
            http_only=bool(app.ask(interface.get_cookie_httponly)),
            same_site=same_site_option(app.ask(interface.get_cookie_samesite)),
            partitioned=bool(_partitioned(interface, app)),
            max_cookie_size=cookie_size(app.config.get("MAX_COOKIE_SIZE")),
            # Flask compresses a large session into one cookie; ours may spread over a
            # few (docs/cookie-size.md), an old cookie resealed included.
            max_chunks=app.config.get("CLIENT_SESSION_MAX_CHUNKS", 1),
            # Flask leaves a cookie it cannot open alone, so that one server still on an
            # old SECRET_KEY during a rotation does not log everyone out.
            clear_invalid=False,
            serializer=serializer,
            legacy_cookies=legacy,
            # A Revocations object, as Flask-Session's SESSION_REDIS is a client: one per
            # process, kept by the config, so that a rebuilt codec shares its thread and copy.
            revocations=app.config.get("CLIENT_SESSION_REVOCATIONS"),
            # False while a running fleet is upgraded, readers first (docs/migrating.md):
            # identities are read and kept, but no session gets one.
            write_identity=app.config.get("CLIENT_SESSION_WRITE_IDENTITY", True),
        )
    except ConfigurationError as exc:
        # The core names its own options; say it with the settings the app holds.
        raise exc.in_words_of(in_flask_words) from None


def _partitioned(interface: SessionInterface, app: AppSettings) -> object:
    # Flask 3.1 added SESSION_COOKIE_PARTITIONED and its hook; read the setting before.
    if hasattr(SessionInterface, "get_cookie_partitioned"):
        return app.ask(interface.get_cookie_partitioned)
    return app.config.get("SESSION_COOKIE_PARTITIONED", False)


def _longest_lifetime_named(policy: SessionPolicy) -> str:
    # Which setting gave the policy its session_lifetime_ceiling.
    if policy.max_session_lifetime is not None:
        return "CLIENT_SESSION_MAX_SESSION_LIFETIME"
    if policy.absolute_lifetime is not None:
        return (
            "the absolute lifetime, CLIENT_SESSION_ABSOLUTE_LIFETIME (by default 30 days, or "
            "PERMANENT_SESSION_LIFETIME when longer), as CLIENT_SESSION_MAX_SESSION_LIFETIME "
            "is not set"
        )
    return (
        "PERMANENT_SESSION_LIFETIME, as neither CLIENT_SESSION_MAX_SESSION_LIFETIME nor "
        "CLIENT_SESSION_ABSOLUTE_LIFETIME is set"
    )


def in_flask_words_at_commit(
    error: LifetimeTooLong | SessionTooLarge, policy: SessionPolicy
) -> LifetimeTooLong | SessionTooLarge:
    """``error``, of the same type and with the same attributes, its message naming the
    Flask settings that decide it instead of the core's options (the core words its
    message when it raises; only its fields are an adapter's to spell)."""
    if isinstance(error, LifetimeTooLong):
        worded: LifetimeTooLong | SessionTooLarge = LifetimeTooLong(
            error.label, error.seconds, error.limit
        )
        message = (
            f"session.set_lifetime({error.label}={error.seconds}) is longer than the longest "
            f"session lifetime, {error.limit} s, from {_longest_lifetime_named(policy)}: "
            "shorten it, or raise CLIENT_SESSION_MAX_SESSION_LIFETIME (seconds or a timedelta)"
        )
    else:
        worded = SessionTooLarge(error.size, error.limit)
        message = str(error).replace("with max_chunks", "with CLIENT_SESSION_MAX_CHUNKS")
    worded.args = (message,)
    return worded
