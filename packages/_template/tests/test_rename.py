"""The README's rename command, run as the README shows it, gives a package that passes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
NAME = "myframework"
# A "template" that is still an identifier or a name after the rename: part of a longer name
# (client_session_template, _template, TemplateHarness), quoted, or upper case.
LEFTOVER = re.compile(
    r"[A-Za-z0-9_-]template|template[A-Za-z0-9_]|Template[A-Z0-9_]|[A-Za-z0-9_]Template"
    r"|TEMPLATE|[\"']template"
)
KEPT_BLOCK = re.compile(r"<!-- rename: keep -->.*?<!-- rename: end -->", re.S)


def _documented_command() -> str:
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```sh\n(.*?)```", KEPT_BLOCK.findall(readme)[0], re.S)
    assert len(blocks) == 1, "the README shows one rename command"
    command = blocks[0].strip()
    assert "\n" not in command, command
    assert "NAME" in command, command
    return command.replace("NAME", NAME)


def _run_documented_command(root: Path) -> None:
    # The README's own command, in a shell, as a contributor pastes it.
    subprocess.run(  # noqa: S603 - the command of this repository's README
        ["/bin/sh", "-c", _documented_command()], cwd=root, check=True, timeout=60
    )


def _copy_template(root: Path) -> None:
    shutil.copytree(
        TEMPLATE, root / "packages" / "_template", ignore=shutil.ignore_patterns("__pycache__")
    )


def test_the_documented_command_renames_every_form(tmp_path: Path) -> None:
    _copy_template(tmp_path)
    _run_documented_command(tmp_path)
    package = tmp_path / "packages" / f"client-session-{NAME}"
    files = sorted(path for path in package.rglob("*") if path.is_file())
    names = {path.relative_to(package).as_posix() for path in files}
    assert f"src/client_session_{NAME}/__init__.py" in names
    assert "rename.py" not in names
    assert "tests/test_rename.py" not in names
    leftovers = []
    for path in files:
        text = KEPT_BLOCK.sub("", path.read_text(encoding="utf-8"))
        leftovers += [f"{path.name}: {line}" for line in text.splitlines() if LEFTOVER.search(line)]
    assert leftovers == []
    harness = (package / "tests" / "harness.py").read_text(encoding="utf-8")
    assert "class MyframeworkHarness(Harness):" in harness
    assert f'name = "{NAME}"' in harness
    harness_asgi = (package / "tests" / "harness_asgi.py").read_text(encoding="utf-8")
    assert "class MyframeworkASGIHarness(Harness):" in harness_asgi
    assert f'name = "{NAME}-asgi"' in harness_asgi
    tests = (package / "tests" / "test_conformance.py").read_text(encoding="utf-8")
    assert "class TestMyframeworkConformance(SessionConformance):" in tests
    pyproject = (package / "pyproject.toml").read_text(encoding="utf-8")
    assert f'name = "client-session-{NAME}"' in pyproject
    # The README's instructions are copied as they are.
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    copied = (package / "README.md").read_text(encoding="utf-8")
    assert KEPT_BLOCK.findall(copied) == KEPT_BLOCK.findall(readme)


def test_the_renamed_package_passes_the_conformance_suite(tmp_path: Path) -> None:
    _copy_template(tmp_path)
    _run_documented_command(tmp_path)
    package = tmp_path / "packages" / f"client-session-{NAME}"
    environment = {**os.environ, "PYTHONPATH": str(package / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x", "tests"],
        cwd=package,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout), result.stdout[-3000:]
