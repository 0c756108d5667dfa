"""Run Starlette's and Flask's own session tests against client-session, and count the gaps.

The tests are the frameworks' own files, from the sdist of the version installed beside our
adapters (``nox -s upstream`` gets that sdist with pip, as it gets any package). Nothing is
fetched here and no upstream code is kept in this repository: the files are unpacked into a
temporary directory, and only these lines change before pytest runs them:

- Starlette, ``tests/middleware/test_session.py``: the import line
  ``from starlette.middleware.sessions import ...`` becomes ``from client_session_asgi import ...``,
  and the secret ``"example"`` becomes a strong key (a weak secret is refused at start-up).
- Flask, ``tests/conftest.py``: ``SECRET_KEY="test key"`` becomes a strong key, and the ``app``
  fixture sets ``app.session_interface = EncryptedCookieSessionInterface()`` (Flask's one
  attribute, the drop-in's one line). ``tests/test_basic.py`` is run unchanged: its session tests
  (``-k session``), then the whole file.

Each test that fails against ours for a documented, deliberate difference is listed below with
the reason; the run fails when the failing tests are not exactly those (a new gap, or a listed one
that now passes). Usage::

    python upstream/run_upstream_tests.py starlette --sdist-dir DIR [pytest args...]
    python upstream/run_upstream_tests.py flask --sdist-dir DIR [pytest args...]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

# A strong secret for the tests, made here: 32 random bytes, as `client-session keygen` makes.
STRONG_SECRET = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


@dataclass(frozen=True)
class Upstream:
    distribution: str
    members: tuple[str, ...]  # the sdist's test files to unpack, below tests/
    test_runs: tuple[tuple[str, tuple[str, ...]], ...]  # (label, pytest arguments)
    expected_failures: dict[str, str]  # test id -> why ours differs on purpose


STARLETTE = Upstream(
    distribution="starlette",
    members=(
        "tests/__init__.py",
        "tests/types.py",
        "tests/conftest.py",
        "tests/middleware/__init__.py",
        "tests/middleware/test_session.py",
    ),
    test_runs=(("session", ("tests/middleware/test_session.py",)),),
    expected_failures={
        "tests/middleware/test_session.py::test_session_expires": (
            "max_age=-1 is refused at start-up (Starlette then refuses every cookie it writes)"
        ),
        "tests/middleware/test_session.py::test_session_zero_max_age": (
            "max_age=0 is refused at start-up (Starlette then writes cookies that expire at once)"
        ),
    },
)

FLASK = Upstream(
    distribution="flask",
    members=("tests/",),
    test_runs=(
        ("session", ("tests/test_basic.py", "-k", "session")),
        ("whole file", ("tests/test_basic.py",)),
    ),
    expected_failures={
        "tests/test_basic.py::test_session_secret_key_fallbacks": (
            'SECRET_KEY "0 key" and its fallbacks are weak secrets, refused as keys'
        ),
    },
)

UPSTREAMS = {"starlette": STARLETTE, "flask": FLASK}


def _sdist(directory: Path, distribution: str) -> Path:
    installed = version(distribution)
    path = directory / f"{distribution}-{installed}.tar.gz"
    if not path.is_file():
        sys.exit(f"{path} is missing: download the sdist of the installed {distribution} first")
    return path


def _unpack(sdist: Path, members: tuple[str, ...], target: Path) -> None:
    with tarfile.open(sdist) as archive:
        root = archive.getnames()[0].split("/")[0]
        for member in archive.getmembers():
            inner = member.name.removeprefix(f"{root}/")
            if member.isfile() and any(
                inner == wanted or (wanted.endswith("/") and inner.startswith(wanted))
                for wanted in members
            ):
                member.name = inner
                archive.extract(member, target, filter="data")


def _replace(path: Path, pattern: str, replacement: str, *, count: int = 0) -> None:
    text = path.read_text()
    changed, made = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if made == 0 or (count and made != count):
        sys.exit(f"{path}: expected {count or 'some'} match(es) of {pattern!r}, found {made}")
    path.write_text(changed)


def _adapt_starlette(root: Path) -> None:
    test_file = root / "tests/middleware/test_session.py"
    _replace(
        test_file,
        r"^from starlette\.middleware\.sessions import (.+)$",
        r"from client_session_asgi import \1",
        count=1,
    )
    _replace(test_file, r'secret_key="example"', f'secret_key="{STRONG_SECRET}"')
    for package in ("tests/__init__.py", "tests/middleware/__init__.py"):
        (root / package).touch()


def _adapt_flask(root: Path) -> None:
    conftest = root / "tests/conftest.py"
    _replace(conftest, r'SECRET_KEY="test key"', f'SECRET_KEY="{STRONG_SECRET}"', count=1)
    _replace(
        conftest,
        r'^(    app = Flask\("flask_test", root_path=os\.path\.dirname\(__file__\)\))$',
        r"\1\n    app.session_interface = EncryptedCookieSessionInterface()",
        count=1,
    )
    _replace(
        conftest,
        r"^from flask import Flask$",
        "from flask import Flask\n"
        "from client_session_wsgi.flask import EncryptedCookieSessionInterface",
        count=1,
    )


ADAPT = {"starlette": _adapt_starlette, "flask": _adapt_flask}


def _outcomes(report: Path) -> dict[str, str]:
    """Test id -> "passed", "failed" or "skipped", from a JUnit XML report."""
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        module = case.get("classname", "").replace(".", "/")
        test_id = f"{module}.py::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[test_id] = "failed"
        elif case.find("skipped") is not None:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = "passed"
    return outcomes


def run(upstream: Upstream, sdist_dir: Path, pytest_args: list[str]) -> bool:
    sdist = _sdist(sdist_dir, upstream.distribution)
    ok = True
    with tempfile.TemporaryDirectory(prefix=f"upstream-{upstream.distribution}-") as workdir:
        root = Path(workdir)
        _unpack(sdist, upstream.members, root)
        ADAPT[upstream.distribution](root)
        # The frameworks' own pytest settings that matter: warnings are errors, as in theirs.
        (root / "pytest.ini").write_text(
            "[pytest]\naddopts = -p no:cacheprovider --strict-markers\n"
            "filterwarnings =\n    error\nxfail_strict = true\n"
        )
        for label, args in upstream.test_runs:
            report = root / "report.xml"
            command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *args]
            subprocess.run([*command, *pytest_args], cwd=root, check=False)
            outcomes = _outcomes(report)
            failed = {test for test, outcome in outcomes.items() if outcome == "failed"}
            base_ids = {test.split("[")[0] for test in failed}
            counts = {kind: list(outcomes.values()).count(kind) for kind in ("passed", "failed")}
            print(
                f"\n{sdist.name} {label}: {len(outcomes)} tests, {counts['passed']} passed, "
                f"{counts['failed']} failed"
            )
            for test in sorted(failed):
                reason = upstream.expected_failures.get(test.split("[")[0], "NOT DOCUMENTED")
                print(f"  failed: {test} - {reason}")
            expected = {
                test
                for test in upstream.expected_failures
                if any(ran.split("[")[0] == test for ran in outcomes)
            }
            if base_ids != expected:
                print(f"  unexpected: {sorted(base_ids ^ expected)}")
                ok = False
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framework", choices=sorted(UPSTREAMS))
    parser.add_argument("--sdist-dir", type=Path, required=True)
    arguments, pytest_args = parser.parse_known_args()
    if not run(UPSTREAMS[arguments.framework], arguments.sdist_dir, pytest_args):
        sys.exit(1)


if __name__ == "__main__":
    main()
