"""The names ``client_session_core`` exported before ``adapter`` and ``wire`` took them.

Importable from the package until every importer in this repository has switched to
``client_session_core.adapter`` (adapter authors) or ``client_session_core.wire`` (wire-format
tooling); no longer in the package's ``__all__``, and not documented there.
"""

from __future__ import annotations

from ._commit import Action, Commit
from ._cookie_style import CANONICAL_COOKIE_STYLE, CookieStyle
from ._cookies import vary_covers_cookie, vary_with_cookie
from ._envelope import Envelope, Sealer, seal_for_test_vector
from ._errors import NO_VALUE, Option, OptionSpelling, spelled_as_arguments, spelled_as_settings
from ._legacy import (
    LegacyCookies,
    LegacyReader,
    LegacySession,
    canonical_base64,
    check_legacy_secret,
    check_legacy_secrets,
    cutoff_timestamp,
    signed_within,
)
from ._policy import DROP_IN_ABSOLUTE_LIFETIME, drop_in_absolute_lifetime, whole_seconds
from ._session import CookieOrigin

__all__ = [
    "CANONICAL_COOKIE_STYLE",
    "DROP_IN_ABSOLUTE_LIFETIME",
    "NO_VALUE",
    "Action",
    "Commit",
    "CookieOrigin",
    "CookieStyle",
    "Envelope",
    "LegacyCookies",
    "LegacyReader",
    "LegacySession",
    "Option",
    "OptionSpelling",
    "Sealer",
    "canonical_base64",
    "check_legacy_secret",
    "check_legacy_secrets",
    "cutoff_timestamp",
    "drop_in_absolute_lifetime",
    "seal_for_test_vector",
    "signed_within",
    "spelled_as_arguments",
    "spelled_as_settings",
    "vary_covers_cookie",
    "vary_with_cookie",
    "whole_seconds",
]
