"""raw_markup.py: reST left as text in the built site fails `nox -s docs`."""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_markup import main, scan_page

PAGE = Path("api/core/index.html")


def findings(body: str) -> list[str]:
    return [f"{found.what}: {found.text}" for found in scan_page(body, PAGE)]


def test_a_role_before_the_name_markdown_made_code() -> None:
    assert findings("<p>Returns a :class:<code>Session</code>.</p>") == [
        "a role before its name: Returns a :class:"
    ]


def test_a_role_with_a_domain() -> None:
    assert findings("<p>See :py:meth:<code>load</code></p>") == [
        "a role before its name: See :py:meth:"
    ]


def test_a_role_whose_backquotes_survived() -> None:
    assert findings("<td>a :func:`generate_key` call</td>") == [
        "a role with its backquotes: a :func:`generate_key` call"
    ]


def test_a_paragraph_ending_in_a_literal_block_marker() -> None:
    assert findings("<p>In <code>settings.py</code>::</p><pre><code>X = 1</code></pre>") == [
        "a paragraph ending in '::': In settings.py::"
    ]


def test_a_marker_alone() -> None:
    assert findings("<li><p>::</p></li>") == ["a paragraph ending in '::': ::"]


@pytest.mark.parametrize(
    "body",
    [
        "<p>Write <code>:class:</code> roles in docstrings</p>",
        "<pre><code>text ::\n:class:`X`</code></pre>",
        "<p>A C++ name: <code>std::</code></p>",
        "<p>It is 12:30: <code>now</code></p>",
        "<p>Returns a <a href='#x'><code>Session</code></a>.</p>",
        "<p>keys: <code>CLIENT_SESSION_KEYS</code></p>",
    ],
)
def test_code_and_ordinary_text_are_not_findings(body: str) -> None:
    assert findings(body) == []


def test_a_finding_names_its_page_and_the_heading_above_it() -> None:
    body = '<h2 id="client_session_core.KeyRing">KeyRing</h2><p>A :class:<code>Key</code></p>'
    (found,) = scan_page(body, PAGE)
    assert str(found) == (
        "api/core/index.html#client_session_core.KeyRing: a role before its name: 'A :class:'"
    )


def test_the_command_fails_on_a_site_with_raw_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "index.html").write_text("<p>Home</p>", encoding="utf-8")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "index.html").write_text("<p>See ::</p>", encoding="utf-8")
    assert main([str(tmp_path)]) == 1
    assert "api/index.html: a paragraph ending in '::': 'See ::'" in capsys.readouterr().err


def test_the_command_passes_a_clean_site(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>Home: <code>a::</code></p>", encoding="utf-8")
    assert main([str(tmp_path)]) == 0


def test_the_command_refuses_a_directory_that_is_not_a_site(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 2
