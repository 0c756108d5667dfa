"""How Set-Cookie attributes are spelled and ordered: data the cookie writer is given.

RFC 6265 section 5.2 has browsers match attribute names case-insensitively and in any order,
so every spelling below means the same cookie to a browser. A test suite written against one
framework's headers is stricter: it greps for ``path=/`` or ``httponly``. A drop-in for that
framework gives the writer that framework's style, as data; everything else uses
:data:`CANONICAL_COOKIE_STYLE`, the spelling of RFC 6265's own examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ._errors import ConfigurationError

__all__ = ["ATTRIBUTES", "CANONICAL_COOKIE_STYLE", "CookieStyle"]

ATTRIBUTES: Final = (
    "path",
    "domain",
    "max_age",
    "secure",
    "http_only",
    "same_site",
    "partitioned",
)
"""The attributes a style orders; ``max_age`` stands for ``Max-Age`` and ``Expires``."""

# RFC 6265 section 4.1.1: an attribute name is a token, as a cookie name is.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# A value written where a cookie value goes: printable ASCII without ";", "," or space.
_COOKIE_OCTETS = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")


@dataclass(frozen=True, slots=True, kw_only=True)
class CookieStyle:
    """The spelling and order of the attributes of every ``Set-Cookie`` a codec writes.

    Each name field is how that attribute is spelled; ``order`` lists the attributes of
    :data:`ATTRIBUTES`, each once; ``same_site_values`` spells ``lax``, ``strict`` and
    ``none``. ``expires_with_max_age=False`` leaves ``Expires`` out beside ``Max-Age``.
    ``keep_domain_dot`` writes a configured ``.example.com`` as it is (browsers ignore the
    dot, RFC 6265 section 5.2.3). A deletion writes ``deleted_value`` as the value and, with
    ``delete_with_max_age``, ``Max-Age=0`` before an ``Expires`` in 1970; without it, only
    the ``Expires``.
    """

    path: str = "Path"
    domain: str = "Domain"
    max_age: str = "Max-Age"
    expires: str = "Expires"
    expires_with_max_age: bool = True
    secure: str = "Secure"
    http_only: str = "HttpOnly"
    same_site: str = "SameSite"
    same_site_values: tuple[str, str, str] = ("Lax", "Strict", "None")
    partitioned: str = "Partitioned"
    order: tuple[str, ...] = ATTRIBUTES
    keep_domain_dot: bool = False
    deleted_value: str = ""
    delete_with_max_age: bool = True

    def __post_init__(self) -> None:
        names = [self.path, self.domain, self.max_age, self.secure, self.http_only]
        names += [self.same_site, self.partitioned, self.expires, *self.same_site_values]
        for name in names:
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                raise ConfigurationError(
                    f"a cookie attribute is spelled with letters, digits and !#$%&'*+-.^_`|~, "
                    f"not {name!r}"
                )
        if sorted(self.order) != sorted(ATTRIBUTES):
            raise ConfigurationError(
                f"order lists each of {', '.join(ATTRIBUTES)} once, not {self.order!r}"
            )
        if not _COOKIE_OCTETS.fullmatch(self.deleted_value):
            raise ConfigurationError(
                f"deleted_value {self.deleted_value!r} is not a cookie value (RFC 6265 4.1.1)"
            )

    def same_site_value(self, same_site: str) -> str:
        """How ``same_site`` (``"lax"``, ``"strict"`` or ``"none"``) is written."""
        return self.same_site_values[("lax", "strict", "none").index(same_site)]


CANONICAL_COOKIE_STYLE: Final = CookieStyle()
"""``Path=/; Domain=example.com; Max-Age=N; Expires=...; Secure; HttpOnly; SameSite=Lax;
Partitioned``, and deletions with ``Max-Age=0`` and an ``Expires`` in 1970."""
