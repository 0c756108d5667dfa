"""What an adapter provides to be tested: a harness that serves the route contract."""

from __future__ import annotations

import abc
import contextlib
from importlib.metadata import EntryPoint, entry_points
from typing import ClassVar, NoReturn

import pytest

from client_session_core import Clock, SessionPolicy

__all__ = ["HARNESS_ENTRY_POINT_GROUP", "Harness", "installed_harnesses"]

HARNESS_ENTRY_POINT_GROUP = "client_session_conformance.harnesses"
"""The entry-point group under which adapters register their harness class."""


class Harness(abc.ABC):
    """Serves the route contract (:data:`ROUTES`) through one adapter.

    An adapter implements :meth:`serve` with its own framework and a real HTTP server;
    the suite drives it over HTTP only, so it tests exactly what a browser would see.
    Instances are made with no arguments, once per test class.
    """

    name: ClassVar[str]
    """A short name for reports and test ids: ``"starlette"``, ``"flask"``, ``"tornado"``."""

    server_joins_cookie_fields_with_commas: ClassVar[bool] = False
    """True when the server joins several ``Cookie`` fields of one request with ``,``
    before the adapter sees them (WSGI servers: werkzeug's, gunicorn, wsgiref, as for any
    other header), so that no adapter can join them with ``"; "``; False when the adapter
    gets each field and joins them with ``"; "`` (RFC 9113 section 8.2.3)."""

    @abc.abstractmethod
    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the route contract with ``policy`` and ``clock``.

        Use a real server bound to 127.0.0.1 on an ephemeral port (port 0), running in a
        background thread; yield its base URL (``"http://127.0.0.1:PORT"``) once it accepts
        connections; on exit, stop the server and join the thread, with a bounded wait.
        Every session the adapter loads and commits must use ``policy`` and ``clock``
        (``SessionCodec(policy, clock=clock)`` or the adapter's equivalent options).
        """

    key_text_options: ClassVar[tuple[str, ...]] = ()
    """Each documented way the adapter takes its keys as one text, spelled as a user writes it:
    ``"SessionMiddleware(secret_key=...)"``, ``"app.config['CLIENT_SESSION_KEYS']"``, the
    ``CLIENT_SESSION_KEYS`` environment variable. The suite serves each one through
    :meth:`serve_with_key_text` and checks that ``"new,old"`` is a rotation there (the key-text
    section of :class:`SessionConformance`); its names are test ids. Empty (the default) for a
    harness whose adapter takes no key text: the section then skips, saying so."""

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        """Serve the route contract with the keys given as ``key_text`` through ``option``
        (one of :attr:`key_text_options`), every other option at the adapter's default.

        As :meth:`serve`, on 127.0.0.1 and port 0, yielding the base URL; and the adapter's
        clock is ``clock``. Pass ``key_text`` on exactly as an application would (the
        argument, the setting, or the environment variable, for which
        :func:`~client_session_conformance.serving.keys_in_environment` sets it for the
        server's lifetime): the suite checks what the adapter makes of the text. A harness
        with :attr:`key_text_options` overrides this.
        """
        raise NotImplementedError(
            f"{type(self).__name__}.key_text_options names {self.key_text_options!r}, but the "
            f"harness does not implement serve_with_key_text(option, key_text, clock): serve "
            f"the route contract with the keys given as key_text through that option"
        )


class _UnavailableHarness(Harness):
    """Stands in for a registered harness that cannot be imported: every test of it skips."""

    skip_reason: ClassVar[str]
    """The harness's name and the package it needs."""

    def serve(self, policy: SessionPolicy, clock: Clock) -> NoReturn:
        """Skip the test, saying what to install."""
        pytest.skip(self.skip_reason)


def _unavailable(entry_point: EntryPoint, error: ModuleNotFoundError) -> type[Harness]:
    if error.name is None:
        reason = f"harness {entry_point.name!r} cannot be imported: {error}"
    else:
        reason = (
            f"harness {entry_point.name!r} needs the package {error.name!r}, which is not installed"
        )
    return type(
        f"Unavailable{entry_point.name.title()}Harness",
        (_UnavailableHarness,),
        {"name": entry_point.name, "skip_reason": reason, "__module__": __name__},
    )


def installed_harnesses() -> dict[str, type[Harness]]:
    """Every harness registered under :data:`HARNESS_ENTRY_POINT_GROUP`, by entry-point name.

    A harness that imports a module which is not installed here (its framework, its
    adapter) is returned as a stand-in whose tests skip, naming the missing package: the
    other harnesses still run. Any other error while importing a harness propagates, as a
    bug to fix rather than a reason to skip. A registered object that is not a :class:`Harness`
    subclass is a packaging error, and raises :class:`TypeError` naming it.
    """
    harnesses: dict[str, type[Harness]] = {}
    for entry_point in sorted(entry_points(group=HARNESS_ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            loaded = entry_point.load()
        except ModuleNotFoundError as error:
            harnesses[entry_point.name] = _unavailable(entry_point, error)
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, Harness)):
            raise TypeError(
                f"entry point {entry_point.name!r} = {entry_point.value!r} in group "
                f"{HARNESS_ENTRY_POINT_GROUP!r} is not a Harness subclass"
            )
        harnesses[entry_point.name] = loaded
    return harnesses
