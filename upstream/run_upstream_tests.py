"""Run Starlette's, Flask's, aiohttp-session's and Django's own session tests against
client-session, and count the gaps.

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
- aiohttp-session, its cookie storages' test files: ``EncryptedCookieStorage(secret_key, ...)``
  becomes the documented switch, ``EncryptedCookieSessionStorage(legacy_secret_key=secret_key,
  ...)`` (keys from ``CLIENT_SESSION_KEYS``, set to a strong key; the old storage's cookies read
  once), and ``SimpleCookieStorage`` (the unsigned JSON storage its other files test with)
  becomes ``EncryptedCookieSessionStorage``, one import line added after the file's imports.
  Its ``conftest.py`` (Redis and Memcached in Docker) is left out: these files use none of it.
- Django, ``tests/sessions_tests/``: ``tests.py`` is run unchanged through subclasses that give
  its test classes this engine (``django_sessions/test_client_session.py``: every test of
  ``SessionTestsMixin``, and ``SessionMiddlewareTests`` under Django's middleware and, in a copy
  whose ``SessionMiddleware`` import line names ours, under this package's), with Django's test
  database and system checks (``django_sessions/conftest.py``) and its test settings but for
  the engine and a strong ``SECRET_KEY`` (``django_sessions/upstream_settings.py``).

Each test that fails against ours for a documented, deliberate difference is listed below with
the reason; the run fails when the failing tests are not exactly those (a new gap, or a listed one
that now passes). Usage::

    python upstream/run_upstream_tests.py starlette --sdist-dir DIR [pytest args...]
    python upstream/run_upstream_tests.py flask --sdist-dir DIR [pytest args...]
    python upstream/run_upstream_tests.py aiohttp-session --sdist-dir DIR [pytest args...]
    python upstream/run_upstream_tests.py django --sdist-dir DIR [pytest args...]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
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
    ini: tuple[str, ...] = ()  # lines added to the run's pytest.ini, as the upstream's own
    environment: dict[str, str] = field(default_factory=dict)  # set for the run
    reported: tuple[str, ...] = ()  # other distributions whose versions the summary names


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

# The test files of aiohttp-session's cookie storages (its others test Redis, Memcached, NaCl).
_AIOHTTP_SESSION_FILES = (
    "tests/test_encrypted_cookie_storage.py",
    "tests/test_cookie_storage.py",
    "tests/test_abstract_storage.py",
    "tests/test_path_domain.py",
    "tests/test_http_exception.py",
    "tests/test_response_types.py",
)
# Its tests of SimpleCookieStorage that write or read the unsigned JSON cookie itself.
_JSON_COOKIE = (
    "makes or reads SimpleCookieStorage's cookie as plain JSON; ours is sealed (AES-256-GCM), "
    "and an unsigned cookie is never a session: anyone could write one. The same test over "
    "sealed cookies passes in packages/client-session-aiohttp/tests/"
    "test_aiohttp_session_cookie_storages.py"
)

# Its tests that read a cookie EncryptedCookieStorage wrote (made with Fernet).
_RESEALED = (
    "a cookie of the old storage is resealed in ours on the response that reads it, so the "
    "session says at once that it changed (assert not session._changed fails; it is not new, "
    "and its content is the old cookie's)"
)

AIOHTTP_SESSION = Upstream(
    distribution="aiohttp-session",
    members=("tests/__init__.py", "tests/typedefs.py", *_AIOHTTP_SESSION_FILES),
    test_runs=(("cookie storages", _AIOHTTP_SESSION_FILES),),
    expected_failures={
        "tests/test_encrypted_cookie_storage.py::test_load_existing_session": _RESEALED,
        "tests/test_encrypted_cookie_storage.py::test_load_existing_session_with_fernet": (
            _RESEALED
        ),
        "tests/test_encrypted_cookie_storage.py::test_change_session": (
            "decrypts the new cookie with Fernet: the storage writes ours (AES-256-GCM under "
            "CLIENT_SESSION_KEYS); the old storage's Fernet cookies are read, never written"
        ),
        "tests/test_encrypted_cookie_storage.py::test_clear_cookie_on_session_invalidation": (
            "expects the deleting cookie without HttpOnly (aiohttp's del_cookie drops it); ours "
            "keeps every attribute of the cookie it deletes"
        ),
        "tests/test_cookie_storage.py::test_load_existing_session": _JSON_COOKIE,
        "tests/test_cookie_storage.py::test_change_session": _JSON_COOKIE,
        "tests/test_cookie_storage.py::test_clear_cookie_on_session_invalidation": _JSON_COOKIE,
        "tests/test_path_domain.py::test_with_same_path_domain": _JSON_COOKIE,
        "tests/test_path_domain.py::test_with_different_path": _JSON_COOKIE,
        "tests/test_path_domain.py::test_with_different_domain": _JSON_COOKIE,
        "tests/test_path_domain.py::test_invalidate_with_same_path_domain": _JSON_COOKIE,
        "tests/test_abstract_storage.py::test_max_age_also_returns_expires": (
            "looks for aiohttp-session's spelling of the date, 'expires=Thu, 01-Jan-1970 "
            "00:00:10 GMT', with time.time mocked: ours writes RFC 6265's 'Expires=Thu, 01 Jan "
            "1970 00:00:10 GMT' (browsers read both), and the storage's clock is its clock= "
            "argument, which mock.patch('time.time') does not move"
        ),
        "tests/test_abstract_storage.py::test_max_age_session_reset": (
            "moves time by mocking time.time, which the storage's clock (its clock= argument) "
            "does not follow, and reads the cookie as SimpleCookieStorage's JSON; the same "
            "rule (each use renews, max_age unused ends it) over a clock given to the storage "
            "passes in packages/client-session-aiohttp/tests/test_aiohttp_session_idioms.py"
        ),
    },
    ini=(
        "asyncio_mode = auto",  # pytest-aiohttp's async tests, as aiohttp-session runs them
        "asyncio_default_fixture_loop_scope = function",
        # aiohttp-session keeps plain str keys on the request, which aiohttp 3.14 warns about
        # (NotAppKeyWarning): aiohttp-session's to fix, as in this repository's pytest settings.
        "filterwarnings =\n    error\n    ignore::UserWarning:aiohttp_session",
    ),
    environment={"CLIENT_SESSION_KEYS": STRONG_SECRET},
    reported=("aiohttp",),
)

_DJANGO_TESTS = "tests/sessions_tests/test_client_session.py"
_NO_STORE = "nothing is stored on the server"
_CLIENT_SIDE = (
    "expects save() to raise UpdateError because another request deleted the session: a "
    "cookie engine cannot know what was done to another copy of the cookie (Django's "
    "CookieSessionTests skips it for signed_cookies: 'CookieSession is stored in the client "
    "and there is no way to query it')"
)
_TIMEDELTA = (
    "replaces django.utils.timezone.now to fix the moment set_expiry(timedelta) counts from; "
    "the engine counts from its own clock (CLIENT_SESSION_CLOCK, time.time by default), which "
    "the test leaves alone, so the dates differ by the microseconds between the two readings "
    "(test_custom_expiry_datetime, the same with a date, passes)"
)
_EMPTIED = (
    "reads the saved session back from Django's database table (Session.objects.get), which "
    f"this engine does not have: {_NO_STORE}; and an emptied session deletes its cookie here, "
    "where Django's database engines keep an empty record under the same key"
)
_DELETION = (
    "compares the deleting Set-Cookie with Django's delete_cookie text ('sessionid=\"\"; "
    "expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax'): this middleware "
    "writes the deletion every adapter writes, with the cookie's own attributes (HttpOnly "
    "included, the domain without its leading dot, as browsers read it) in RFC 6265's "
    "spelling; a browser deletes the cookie either way (under Django's middleware, which "
    "writes Django's text, the test passes)"
)

DJANGO = Upstream(
    distribution="django",
    members=("tests/sessions_tests/",),
    test_runs=(("sessions", (_DJANGO_TESTS,)),),
    expected_failures={
        f"{_DJANGO_TESTS}::ClientSessionTests::test_save": (
            f"asserts exists(session_key) after save(): {_NO_STORE}, so exists() is always "
            "False (Django's CookieSessionTests skips this test for signed_cookies)"
        ),
        f"{_DJANGO_TESTS}::ClientSessionTests::test_save_async": (
            f"asserts aexists(session_key) after asave(): {_NO_STORE}, as test_save"
        ),
        f"{_DJANGO_TESTS}::ClientSessionTests::"
        "test_session_save_does_not_resurrect_session_logged_out_in_other_context": _CLIENT_SIDE,
        f"{_DJANGO_TESTS}::ClientSessionTests::"
        "test_session_asave_does_not_resurrect_session_logged_out_in_other_context": _CLIENT_SIDE,
        f"{_DJANGO_TESTS}::ClientSessionTests::test_custom_expiry_timedelta": _TIMEDELTA,
        f"{_DJANGO_TESTS}::ClientSessionTests::test_custom_expiry_timedelta_async": _TIMEDELTA,
        f"{_DJANGO_TESTS}::ClientSessionTests::test_decode_failure_logged_to_security": (
            "decodes two values that are not in the engine's format at all and expects "
            "Django's WARNING 'Session data corrupted' on django.security.SuspiciousSession: "
            "garbage is DEBUG on client_session (reason malformed); a value in the format that "
            "fails authentication is the WARNING on django.security.SuspiciousSession (reason "
            "forged), so that junk sent by bots does not page whoever watches that logger"
        ),
        f"{_DJANGO_TESTS}::DjangoMiddlewareTests::test_empty_session_saved": _EMPTIED,
        f"{_DJANGO_TESTS}::ClientSessionMiddlewareTests::test_empty_session_saved": _EMPTIED,
        f"{_DJANGO_TESTS}::ClientSessionMiddlewareTests::test_session_delete_on_end": _DELETION,
        f"{_DJANGO_TESTS}::ClientSessionMiddlewareTests::"
        "test_session_delete_on_end_with_custom_domain_and_path": _DELETION,
    },
)

UPSTREAMS = {
    "starlette": STARLETTE,
    "flask": FLASK,
    "aiohttp-session": AIOHTTP_SESSION,
    "django": DJANGO,
}


def _sdist(directory: Path, distribution: str) -> Path:
    installed = version(distribution)
    # An sdist's name is the project's, or its normalized form (aiohttp_session-2.12.1.tar.gz).
    for name in (distribution, re.sub(r"[-_.]+", "_", distribution)):
        path = directory / f"{name}-{installed}.tar.gz"
        if path.is_file():
            return path
    sys.exit(f"{path} is missing: download the sdist of the installed {distribution} first")


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


# The documented switch from aiohttp-session's storage: keys from CLIENT_SESSION_KEYS, and the
# old secret read as legacy_secret_key (docs/aiohttp.md).
_ENCRYPTED_COOKIE_STORAGE = """from client_session_aiohttp import EncryptedCookieSessionStorage


def EncryptedCookieStorage(secret_key, **options):
    return EncryptedCookieSessionStorage(legacy_secret_key=secret_key, **options)
"""


def _adapt_aiohttp_session(root: Path) -> None:
    _replace(
        root / "tests/test_encrypted_cookie_storage.py",
        r"^from aiohttp_session\.cookie_storage import EncryptedCookieStorage\n",
        _ENCRYPTED_COOKIE_STORAGE,
        count=1,
    )
    for name in _AIOHTTP_SESSION_FILES[1:]:
        # SimpleCookieStorage's arguments are aiohttp-session's, which ours takes.
        _replace(
            root / name,
            r"^(from aiohttp_session import [^()]*?(?:\([^()]*\))?)$",
            r"\1\nfrom client_session_aiohttp import EncryptedCookieSessionStorage as "
            "SimpleCookieStorage",
            count=1,
        )


# The test module, settings and conftest that run Django's session tests against the engine.
_DJANGO_FILES = Path(__file__).resolve().parent / "django_sessions"


def _adapt_django(root: Path) -> None:
    sessions_tests = root / "tests/sessions_tests"
    ours = sessions_tests / "tests_our_middleware.py"
    shutil.copyfile(sessions_tests / "tests.py", ours)
    _replace(
        ours,
        r"^from django\.contrib\.sessions\.middleware import SessionMiddleware$",
        "from client_session_django import SessionMiddleware",
        count=1,
    )
    shutil.copy(_DJANGO_FILES / "test_client_session.py", sessions_tests)
    for name in ("conftest.py", "upstream_settings.py"):
        shutil.copy(_DJANGO_FILES / name, root / "tests")


ADAPT = {
    "starlette": _adapt_starlette,
    "flask": _adapt_flask,
    "aiohttp-session": _adapt_aiohttp_session,
    "django": _adapt_django,
}


def _outcomes(report: Path) -> dict[str, str]:
    """Test id -> "passed", "failed" or "skipped", from a JUnit XML report. A test id is
    pytest's: ``tests/test_x.py::test_y``, or ``tests/test_x.py::TestClass::test_y`` for a
    method (the report's classname ends with its class, capitalized as classes are)."""
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        parts = case.get("classname", "").split(".")
        classes: list[str] = []
        while len(parts) > 1 and parts[-1][:1].isupper():
            classes.insert(0, parts.pop())
        test_id = "::".join([f"{'/'.join(parts)}.py", *classes, str(case.get("name"))])
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
        settings = ["addopts = -p no:cacheprovider --strict-markers", "xfail_strict = true"]
        if not any(line.startswith("filterwarnings") for line in upstream.ini):
            settings.append("filterwarnings =\n    error")
        (root / "pytest.ini").write_text("\n".join(["[pytest]", *settings, *upstream.ini, ""]))
        environment = {**os.environ, **upstream.environment}
        for label, args in upstream.test_runs:
            report = root / "report.xml"
            command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *args]
            subprocess.run([*command, *pytest_args], cwd=root, env=environment, check=False)
            outcomes = _outcomes(report)
            failed = {test for test, outcome in outcomes.items() if outcome == "failed"}
            base_ids = {test.split("[")[0] for test in failed}
            counts = {kind: list(outcomes.values()).count(kind) for kind in ("passed", "failed")}
            beside = "".join(f" with {name} {version(name)}" for name in upstream.reported)
            print(
                f"\n{sdist.name} {label}{beside}: {len(outcomes)} tests, {counts['passed']} "
                f"passed, {counts['failed']} failed"
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
