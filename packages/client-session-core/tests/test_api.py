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
