"""The class options that mypyc reads, without a run-time dependency on mypy-extensions.

mypy (and so mypyc, when ``hatch_build.py`` compiles the core) sees mypy-extensions' own
``mypyc_attr``, which it recognises by name and applies at compile time: a compiled class
never calls it. At run time, in either build, the name is this no-op, so the core installs
with ``cryptography`` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["mypyc_attr"]

if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr
else:

    def mypyc_attr(*attrs: str, **options: Any) -> Any:
        """mypy-extensions' ``mypyc_attr``: options for the compiler, nothing at run time."""
        return lambda decorated: decorated
