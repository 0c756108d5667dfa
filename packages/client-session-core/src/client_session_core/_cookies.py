"""Reading the Cookie header, writing Set-Cookie values (RFC 6265), and reading Vary."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Final

from ._policy import SessionPolicy

__all__ = ["CookieWriter", "parse_cookie_header", "vary_covers_cookie", "vary_with_cookie"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
# Read on every request (parse_cookie_header): Final, a C global in the compiled build.
_WSP: Final = " \t"


def parse_cookie_header(header: str, prefix: str) -> dict[str, str]:
    """The cookies in ``header`` whose names start with ``prefix``; the first of each name wins.

    RFC 6265 section 5.4 has the browser send cookies with longer paths first, so the
    first of several same-named cookies is the most specific one. Pairs are separated by
    ``;`` only, as section 5.4 writes them and as browsers and Starlette read them: a comma
    belongs to the value it is in, so ``prefs=dark,session=X`` is one cookie, ``prefs``,
    and cannot smuggle a ``session`` in front of the real one. Any input is accepted: pairs
    without ``=`` are skipped, spaces and tabs around names and values are dropped, one
    pair of surrounding double quotes is removed (section 4.1.1 allows them), and the work
    is one linear pass.

    A value is cut at its first comma: no value this core writes holds one, and a WSGI
    server that joins several Cookie fields with commas (werkzeug's, gunicorn) puts one
    there, after the last cookie of a field.
    """
    found: dict[str, str] = {}
    if prefix not in header:
        return found
    for pair in header.split(";"):
        name, sep, value = pair.partition("=")
        if not sep:
            continue
        # Only SP and HTAB (section 5.2), not str.strip()'s Unicode whitespace, so that
        # every implementation finds the same cookies in the same header.
        name = name.strip(_WSP)
        if name.startswith(prefix) and name not in found:
            value = value.partition(",")[0].strip(_WSP)
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1]
            found[name] = value
    return found


def vary_covers_cookie(values: Iterable[str]) -> bool:
    """Whether a response's ``Vary`` header values already cover the Cookie header.

    They do when one of their comma-separated field names is ``Cookie`` or ``*`` (RFC 9110
    section 12.5.5), in any case. An adapter that sees they do not adds ``Cookie`` to the
    response's ``Vary`` once, rather than sending a second ``Vary: Cookie``.
    """
    for value in values:
        for field in value.split(","):
            name = field.strip(_WSP).lower()
            if name == "cookie" or name == "*":
                return True
    return False


def vary_with_cookie(values: Sequence[str]) -> str | None:
    """The one ``Vary`` value a response must carry to vary on the Cookie header, given
    the ``Vary`` values it already has; None when those already cover it.

    ::

        vary_with_cookie([])  # "Cookie": the usual case
        vary_with_cookie(["Accept-Encoding"])  # "Accept-Encoding, Cookie"
        vary_with_cookie(["accept, cookie"])  # None: leave the response's Vary as it is

    An adapter replaces the response's ``Vary`` headers with the value returned: one header
    listing every field name (RFC 9110 section 12.5.5 allows a list header to be split, but
    caches and tests read the first), never a second ``Vary: Cookie`` beside the first.
    """
    if not values:
        return "Cookie"
    if vary_covers_cookie(values):
        return None
    names = ", ".join(value.strip(_WSP) for value in values if value.strip(_WSP))
    return f"{names}, Cookie" if names else "Cookie"


_last_http_date: tuple[int, str] = (0, _EPOCH)


def http_date(timestamp: int) -> str:
    """An RFC 7231 IMF-fixdate, as Expires wants it (RFC 6265 section 5.1.1).

    The last answer is kept: under load most responses in one second share it.
    """
    global _last_http_date
    cached_timestamp, cached = _last_http_date
    if timestamp == cached_timestamp:
        return cached
    t = time.gmtime(timestamp)
    date = (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )
    _last_http_date = (timestamp, date)
    return date


class CookieWriter:
    """Formats Set-Cookie values with the policy's attributes, in its cookie style, built once.

    The style (:class:`~client_session_core.adapter.CookieStyle`) is data: the spelling and order of
    each attribute. The attributes before ``Max-Age`` and those after it are joined here,
    once, so that each response only fills in the value and the lifetime.
    """

    __slots__ = ("_after", "_before", "_deleted_value", "_deletion", "_expires", "_max_age")

    def __init__(self, policy: SessionPolicy) -> None:
        style = policy.cookie_style
        attributes: dict[str, str | None] = {"path": f"{style.path}={policy.path}"}
        if policy.domain is not None:
            # RFC 6265 section 5.2.3: a leading dot is ignored by browsers; some clients
            # (werkzeug's test client) then fail to match the domain, so by default it is
            # not sent. A style that keeps it writes the domain exactly as configured.
            domain = policy.domain if style.keep_domain_dot else policy.domain.removeprefix(".")
            attributes["domain"] = f"{style.domain}={domain}"
        if policy.secure:
            attributes["secure"] = style.secure
        if policy.http_only:
            attributes["http_only"] = style.http_only
        if policy.same_site is not None:
            attributes["same_site"] = f"{style.same_site}={style.same_site_value(policy.same_site)}"
        if policy.partitioned:
            attributes["partitioned"] = style.partitioned
        split = style.order.index("max_age")
        self._before = "".join(
            f"; {attributes[name]}" for name in style.order[:split] if name in attributes
        )
        self._after = "".join(
            f"; {attributes[name]}" for name in style.order[split + 1 :] if name in attributes
        )
        self._max_age = f"; {style.max_age}="
        self._expires = f"; {style.expires}=" if style.expires_with_max_age else None
        expired = f"{style.expires}={_EPOCH}"
        self._deletion = (
            f"; {style.max_age}=0; {expired}" if style.delete_with_max_age else f"; {expired}"
        )
        self._deleted_value = style.deleted_value

    def set(self, name: str, value: str, max_age: int | None, now: int) -> str:
        """A Set-Cookie value; ``max_age=None`` makes a browser-session cookie."""
        if max_age is None:
            return f"{name}={value}{self._before}{self._after}"
        if self._expires is None:
            return f"{name}={value}{self._before}{self._max_age}{max_age}{self._after}"
        return (
            f"{name}={value}{self._before}{self._max_age}{max_age}"
            f"{self._expires}{http_date(now + max_age)}{self._after}"
        )

    def delete(self, name: str) -> str:
        """A Set-Cookie value that deletes ``name``, with the same Path, Domain and flags.

        RFC 6265 section 3.1: a cookie is replaced only by one of the same name, domain
        and path; Max-Age=0 and an Expires in the past make the browser drop it.
        """
        return f"{name}={self._deleted_value}{self._before}{self._deletion}{self._after}"

    def overhead(self, name: str, *, max_age: int | None, now: int) -> int:
        """The length of a Set-Cookie for ``name`` with an empty value."""
        return len(self.set(name, "", max_age=max_age, now=now))
