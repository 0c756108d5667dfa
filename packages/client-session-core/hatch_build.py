"""The wheel's build hook: compile the request path with mypyc when asked.

``CLIENT_SESSION_CORE_COMPILE=1`` builds a wheel whose per-request modules are C extensions
compiled by mypyc from these same sources; unset (or 0), the wheel is pure Python. Both run
the same code and pass the same tests. The compiled build needs a C compiler and the
Python headers; mypy and setuptools are fetched as build requirements only for it::

    CLIENT_SESSION_CORE_COMPILE=1 pip install ./packages/client-session-core

The extensions are built in a temporary directory, never beside the sources, so an
editable install of the same tree keeps running the ``.py`` files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMPILE_ENV = "CLIENT_SESSION_CORE_COMPILE"
# Every request runs through these. The rest (keys, policy, errors, the CLI, the compile
# hints) runs at start-up or on errors and stays Python.
COMPILED_MODULES = (
    "_codec",
    "_commit",
    "_cookies",
    "_envelope",
    "_lifetime",
    "_serializer",
    "_session",
    "_size",
)
# mypy is pinned: the C it generates is part of what the tests vouch for.
BUILD_REQUIREMENTS = ("mypy==2.4.1", "setuptools>=70")
_EXTENSION_SUFFIXES = (".so", ".pyd")

# Run in a child process: setuptools and mypyc configure logging and exit on errors.
_COMPILE_SCRIPT = """
import sys
from mypyc.build import mypycify
from setuptools import setup

out, sources = sys.argv[1], sys.argv[2:]
# cryptography is not a build requirement: mypy takes its objects as Any.
options = ["--ignore-missing-imports", *sources]
setup(
    name="client-session-core-extensions",
    ext_modules=mypycify(options, opt_level="3", target_dir=out + "/c"),
    script_args=["build_ext", "--build-lib", out + "/lib", "--build-temp", out + "/tmp"],
)
"""


def compile_requested() -> bool:
    """Whether ``CLIENT_SESSION_CORE_COMPILE`` asks for the compiled build."""
    value = os.environ.get(COMPILE_ENV, "").strip().lower()
    if value in {"", "0", "false", "no"}:
        return False
    if value in {"1", "true", "yes"}:
        return True
    raise ValueError(
        f"{COMPILE_ENV}={value!r} is not understood: set it to 1 to compile the core with "
        "mypyc, or to 0 (the default) for the pure-Python build"
    )


def _compile(work_dir: str, sources: list[str]) -> tuple[Path, list[Path]]:
    """mypyc's build of ``sources`` in ``work_dir``: the build directory, and the extensions."""
    process = subprocess.run(  # noqa: S603 - this interpreter, our own script and files
        [sys.executable, "-c", _COMPILE_SCRIPT, work_dir, *sources],
        cwd=work_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if process.returncode:
        raise RuntimeError(
            f"compiling the core with mypyc failed (it needs a C compiler and the Python "
            f"headers); unset {COMPILE_ENV} for the pure-Python build. mypyc said:\n"
            f"{process.stdout}"
        )
    built = Path(work_dir, "lib")
    extensions = [path for path in built.rglob("*") if path.suffix in _EXTENSION_SUFFIXES]
    compiled = {path.name.split(".")[0] for path in extensions}
    missing = [Path(source).stem for source in sources if Path(source).stem not in compiled]
    if missing:
        raise RuntimeError(f"mypyc built no extension for {', '.join(missing)}")
    return built, extensions


class CompileRequestPath(BuildHookInterface):  # type: ignore[type-arg]
    """Adds the mypyc-compiled extensions to the wheel when ``CLIENT_SESSION_CORE_COMPILE=1``."""

    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        return list(BUILD_REQUIREMENTS) if compile_requested() else []

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._work_dir: str | None = None
        if self.target_name != "wheel" or not compile_requested():
            return
        if version == "editable":
            raise RuntimeError(
                f"{COMPILE_ENV}=1 builds a compiled wheel, and an editable install runs the "
                f"sources: install without -e, or unset {COMPILE_ENV}"
            )
        package = Path(self.root, "src", "client_session_core")
        sources = [str(package / f"{module}.py") for module in COMPILED_MODULES]
        self._work_dir = tempfile.mkdtemp(prefix="client-session-core-mypyc-")
        try:
            built, extensions = _compile(self._work_dir, sources)
        except BaseException:
            shutil.rmtree(self._work_dir, ignore_errors=True)  # finalize() will not run
            raise
        for path in extensions:
            # The package's modules, and mypyc's shared runtime beside the package.
            build_data["force_include"][str(path)] = path.relative_to(built).as_posix()
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work_dir = getattr(self, "_work_dir", None)
        if work_dir is not None:
            shutil.rmtree(work_dir, ignore_errors=True)
