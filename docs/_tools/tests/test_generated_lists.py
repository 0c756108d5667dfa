"""generated_lists.py: the lists that name every package come from their metadata, and a
list that drifts fails `nox -s lint`."""

from __future__ import annotations

from pathlib import Path

import pytest
from generated_lists import ROOT, run


def _pyproject(directory: Path, name: str, description: str, entry_points: str = "") -> None:
    directory.mkdir(parents=True)
    module = name.replace("-", "_")
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\ndescription = "{description}"\n{entry_points}\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["src/{module}"]\n',
        encoding="utf-8",
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    _pyproject(tmp_path / "packages/client-session-core", "client-session-core", "The core.")
    _pyproject(
        tmp_path / "packages/client-session-zope",
        "client-session-zope",
        "Encrypted cookie sessions for Zope: a Zope product.",
    )
    _pyproject(tmp_path / "packages/_template", "client-session-template", "Not listed.")
    _pyproject(
        tmp_path / "conformance",
        "client-session-conformance",
        "The suite.",
        '[project.entry-points."client_session_conformance.harnesses"]\n'
        'reference = "client_session_conformance._reference:ReferenceHarness"\n'
        'zope = "client_session_conformance.harnesses.zope:ZopeHarness"\n'
        'zope-wsgi = "client_session_conformance.harnesses.zope:ZopeWSGIHarness"\n'
        'quart = "client_session_conformance.harnesses.quart:QuartHarness"\n',
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text(
        "Packages:\n\n<!-- generated: packages -->\nold\n<!-- end generated -->\n", "utf-8"
    )
    (tmp_path / "conformance/README.md").write_text(
        "Modules (<!-- generated: harness-modules -->x<!-- end generated -->) and the\n"
        "harnesses <!-- generated: harness-names --><!-- end generated -->.\n",
        "utf-8",
    )
    return tmp_path


def test_the_lists_are_written_from_the_metadata(root: Path) -> None:
    assert run(root, check=False) == []
    assert (root / "docs/index.md").read_text("utf-8") == (
        "Packages:\n\n<!-- generated: packages -->\n\n"
        "| distribution | import | what it is |\n| --- | --- | --- |\n"
        "| `client-session-core` | `client_session_core` | The core |\n"
        "| `client-session-zope` | `client_session_zope` | a Zope product |\n"
        "| `client-session-conformance` | `client_session_conformance` | The suite |\n"
        "\n<!-- end generated -->\n"
    )
    assert (root / "conformance/README.md").read_text("utf-8") == (
        "Modules (<!-- generated: harness-modules -->`zope.py`, `quart.py`"
        "<!-- end generated -->) and the\nharnesses <!-- generated: harness-names -->"
        "`zope`, `zope-wsgi` and `quart`<!-- end generated -->.\n"
    )
    assert run(root, check=True) == []


def test_check_changes_nothing_and_names_each_file_that_drifts(root: Path) -> None:
    before = (root / "docs/index.md").read_text("utf-8")
    assert run(root, check=True) == [
        "docs/index.md: a generated list differs (run `nox -s generate`)",
        "conformance/README.md: a generated list differs (run `nox -s generate`)",
    ]
    assert (root / "docs/index.md").read_text("utf-8") == before


def test_a_list_whose_markers_are_gone_is_a_problem(root: Path) -> None:
    (root / "docs/index.md").write_text("Packages: none.\n", "utf-8")
    assert run(root, check=False) == [
        "no file has the generated list 'packages' of ('docs/index.md', 'conformance/README.md')"
    ]


def test_an_unknown_list_is_refused(root: Path) -> None:
    unknown = "<!-- generated: adaptors --><!-- end generated -->"
    (root / "docs/index.md").write_text(unknown, "utf-8")
    with pytest.raises(ValueError, match="no generated list 'adaptors'"):
        run(root, check=True)


def test_this_repository_is_up_to_date() -> None:
    assert run(ROOT, check=True) == []
