"""What the settings code read to build an app's codec, so that the cache re-checks exactly that.

The interface builds an app's codec once, from the app's settings, and keeps it in
``app.extensions``; each request must still find out whether a setting changed since (tests
change them at run time, and so may an application). Rather than a list of the settings the
codec depends on, kept in step with the code that reads them by hand, the settings code reads
the app through :class:`AppSettings`, which notes each value it hands out:

- an ``app.config`` key, by ``[]``, ``get`` or ``in`` (a key that is not there is noted as
  missing, so that setting it to None later is a change too);
- an environment variable (``CLIENT_SESSION_KEYS``, read only when the config holds no key);
- ``app.secret_key`` and ``app.permanent_session_lifetime``: Flask's are config attributes,
  read here from the noted config (under whatever key the app's class gives them); an app
  class that computes one otherwise has its answer noted;
- a session interface's ``get_cookie_*`` hook: Flask's own reads the noted config here; a
  subclass's answer is noted, and the hook is asked again on each request.

:class:`Readings` is what was noted, and the cache's key: on each request it reads those
values again, and only those, and the codec is rebuilt when one differs.
"""

from __future__ import annotations

import copy
import datetime
import functools
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, TypeVar, cast

from flask import Flask
from flask.config import ConfigAttribute
from flask.sessions import SessionInterface

__all__ = ["AppSettings", "Readings"]

_T = TypeVar("_T")


class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<absent>"


# What a key that is not set reads as: unlike None, which a setting may hold.
_ABSENT: Final = _Absent()


def _kept(value: object) -> object:
    # A copy of a mutable container, so that a change made in place
    # (SECRET_KEY_FALLBACKS.append(old)) differs from what was read.
    if isinstance(value, (list, dict, set)):
        return copy.copy(value)
    return value


class _NotedMapping(Mapping[str, Any]):
    """A mapping read by key alone, each key's first value noted in ``noted``."""

    __slots__ = ("_mapping", "_noted")

    def __init__(self, mapping: Mapping[str, Any], noted: dict[str, object]) -> None:
        self._mapping = mapping
        self._noted = noted

    def __getitem__(self, key: str) -> Any:
        value = self._mapping.get(key, _ABSENT)
        # The first value read is the one the codec was built from.
        self._noted.setdefault(key, _kept(value))
        if value is _ABSENT:
            raise KeyError(key)
        return value

    # Mapping's get and __contains__ read through __getitem__, so they note too.

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the settings are read by key, so that each key read is noted")

    def __len__(self) -> int:
        raise TypeError("the settings are read by key, so that each key read is noted")


class Readings:
    """The values the settings code read to build an app's codec (see the module's docstring).

    Its repr names what was read but never a value: they include the keys.
    """

    __slots__ = ("_absent", "_answers", "_config_keys", "_config_values", "_environ")

    def __init__(
        self,
        config: dict[str, object],
        environ: dict[str, object],
        answers: list[tuple[Callable[[], object], object]],
    ) -> None:
        self._config_keys = tuple(config)
        self._config_values = list(config.values())
        self._absent = (_ABSENT,) * len(config)  # the default of each config.get
        self._environ = tuple(environ.items())
        self._answers = tuple(answers)

    def hold(self, app: Flask) -> bool:
        """True while every value read is what it was: the codec built from them still fits."""
        # One C-level pass over the config keys read; equal lists compare item by item.
        if list(map(app.config.get, self._config_keys, self._absent)) != self._config_values:
            return False
        for name, value in self._environ:
            if os.environ.get(name, _ABSENT) != value:
                return False
        # A generator costs more than the whole check when there is nothing to ask.
        return not self._answers or all(ask() == answer for ask, answer in self._answers)

    def __repr__(self) -> str:
        read = [f"app.config[{key!r}]" for key in self._config_keys]
        read += [f"os.environ[{name!r}]" for name, _ in self._environ]
        read += [_asked(ask) for ask, _ in self._answers]
        return f"Readings({', '.join(read)}; values hidden)"


def _asked(ask: Callable[[], object]) -> str:
    if isinstance(ask, functools.partial) and ask.func is getattr:
        return f"app.{ask.args[1]}"
    return f"{getattr(ask, '__name__', ask)!s}(app)"


class AppSettings:
    """A Flask app as the settings code reads it: ``config``, ``environ``, ``secret_key``,
    ``permanent_session_lifetime`` and :meth:`ask` note each value they hand out, and
    :meth:`readings` returns what was noted. ``default_config`` (Flask's defaults, the same for
    every app of a class) is not noted."""

    __slots__ = ("_answers", "_config_read", "_environ_read", "app", "config", "environ")

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._config_read: dict[str, object] = {}
        self._environ_read: dict[str, object] = {}
        self._answers: list[tuple[Callable[[], object], object]] = []
        self.config: Mapping[str, Any] = _NotedMapping(app.config, self._config_read)
        self.environ: Mapping[str, str] = _NotedMapping(os.environ, self._environ_read)

    @property
    def default_config(self) -> Mapping[str, Any]:
        """Flask's default for each of its settings."""
        return self.app.default_config

    @property
    def secret_key(self) -> str | bytes | None:
        """``app.secret_key``."""
        return self._app_attribute("secret_key")  # type: ignore[no-any-return]

    @property
    def permanent_session_lifetime(self) -> datetime.timedelta:
        """``app.permanent_session_lifetime``."""
        return self._app_attribute("permanent_session_lifetime")  # type: ignore[no-any-return]

    def _app_attribute(self, name: str) -> Any:
        found = inspect.getattr_static(type(self.app), name, None)
        if isinstance(found, ConfigAttribute):
            # Flask's: the config key it names, with its converter, read from the noted config.
            return found.__get__(cast(Flask, self), type(self.app))
        return self._answer(functools.partial(getattr, self.app, name))

    def ask(self, hook: Callable[[Flask], _T]) -> _T:
        """``hook(app)``, for a session interface's ``get_cookie_*`` hook: Flask's own reads
        the noted config here; any other (a subclass's) is asked with the app itself, and its
        answer noted, to be asked again on each request."""
        function = getattr(hook, "__func__", None)
        if function is not None and function is getattr(SessionInterface, function.__name__, None):
            return hook(cast(Flask, self))
        return self._answer(functools.partial(hook, self.app))

    def _answer(self, ask: Callable[[], _T]) -> _T:
        answer = ask()
        self._answers.append((ask, _kept(answer)))
        return answer

    def readings(self) -> Readings:
        """What was read so far."""
        return Readings(self._config_read, self._environ_read, self._answers)
