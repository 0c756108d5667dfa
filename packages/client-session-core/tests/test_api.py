"""The public surface: every exported name imports, and classes show the package's name."""

from __future__ import annotations

from typing import get_origin

import client_session_core


def test_every_public_name_is_exported() -> None:
    for name in client_session_core.__all__:
        assert getattr(client_session_core, name) is not None
    assert client_session_core.__version__ == "0.1.0"


def test_public_classes_belong_to_the_package() -> None:
    classes = [
        getattr(client_session_core, name)
        for name in client_session_core.__all__
        if isinstance(getattr(client_session_core, name), type)
        # Aliases such as Clock or OptionSpelling (Callable[...], which Python 3.10 calls a type)
        and get_origin(getattr(client_session_core, name)) is None
    ]
    assert len(classes) >= 15
    for cls in classes:
        assert cls.__module__ == "client_session_core", cls
    assert repr(client_session_core.InvalidReason.FORGED) == "<InvalidReason.FORGED: 'forged'>"


def test_aliases_are_left_alone() -> None:
    assert client_session_core.Clock.__module__ == "collections.abc"


def test_the_adapter_kit_and_the_wire_module_own_their_classes() -> None:
    import client_session_core.adapter as kit
    import client_session_core.revocation as revocation
    import client_session_core.wire as wire

    for module in (kit, wire):
        for name in module.__all__:
            obj = getattr(module, name)
            assert obj is not None
            if isinstance(obj, type) and get_origin(obj) is None:
                # A class an application imports too keeps the name of the public module it
                # imports it from: the package, or client_session_core.revocation.
                home = (
                    "client_session_core"
                    if name in client_session_core.__all__
                    else revocation.__name__
                    if name in revocation.__all__
                    else None
                )
                assert obj.__module__ == (home or module.__name__), obj
    assert kit.LegacyCookies.__module__ == "client_session_core.adapter"
    assert wire.Envelope.__module__ == "client_session_core.wire"
    # An adapter needs nothing from the package that the kit does not export.
    assert set(client_session_core.__all__) - set(kit.__all__) <= {
        "COMPILED",
        "KeyFile",
        "MAX_DEPTH",
    }


def test_the_package_exports_what_an_application_needs_alone() -> None:
    import client_session_core.adapter as kit
    import client_session_core.wire as wire

    for name in ("Envelope", "Sealer", "seal_for_test_vector", "Commit", "LegacyCookies"):
        assert name not in client_session_core.__all__
    assert {"Envelope", "Sealer", "seal_for_test_vector"} <= set(wire.__all__)
    assert {"Commit", "LegacyCookies", "max_age_lifetimes"} <= set(kit.__all__)
