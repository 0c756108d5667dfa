"""rest_markup.py: the docstrings' reST as Markdown, for mkdocstrings."""

from __future__ import annotations

import re
from pathlib import Path

import griffe
import pytest
from rest_markup import RestMarkup, rest_to_markdown

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted([*ROOT.glob("packages/*/src"), ROOT / "conformance" / "src"])

# A scope as griffe resolves names in it: the names a module defines or imports.
SCOPE = {
    "KeyRing": "client_session_core._keys.KeyRing",
    "Session": "client_session_core._session.Session",
}


def resolve(target: str) -> str:
    first, dot, rest = target.partition(".")
    return SCOPE[first] + dot + rest if first in SCOPE else target


def markdown(text: str) -> str:
    return rest_to_markdown(text, resolve)


def ref(identifier: str, title: str) -> str:
    return f'<autoref identifier="{identifier}" optional>`{title}`</autoref>'


def test_a_role_is_an_optional_cross_reference_to_the_name_seen_from_the_docstring() -> None:
    assert markdown("Returns a :class:`Session`.") == (
        f"Returns a {ref('client_session_core._session.Session', 'Session')}."
    )


def test_a_dotted_name_resolves_its_first_part() -> None:
    assert markdown(":meth:`KeyRing.from_env`") == (
        ref("client_session_core._keys.KeyRing.from_env", "KeyRing.from_env()")
    )


def test_a_name_that_resolves_to_nothing_stays_as_written() -> None:
    assert markdown(":func:`time.time`") == ref("time.time", "time.time()")


@pytest.mark.parametrize(
    ("role", "title"),
    [
        (":class:`~client_session_core.SessionPolicy`", "SessionPolicy"),
        (":py:class:`~client_session_core.SessionPolicy`", "SessionPolicy"),
        (":func:`~client_session_core.generate_key`", "generate_key()"),
        (":meth:`~client_session_core.KeyRing.from_text()`", "from_text()"),
        (":mod:`.serving`", "serving"),
    ],
)
def test_the_title_is_as_sphinx_shows_it(role: str, title: str) -> None:
    assert f">`{title}`<" in markdown(role)


def test_an_explicit_title_is_shown_and_its_target_linked() -> None:
    assert markdown(":class:`the ring <KeyRing>`") == (
        ref("client_session_core._keys.KeyRing", "the ring")
    )


def test_an_exclamation_mark_shows_code_without_a_link() -> None:
    assert markdown("see :class:`!KeyRing`") == "see `KeyRing`"


@pytest.mark.parametrize("role", [":exc:", ":attr:", ":data:", ":obj:", ":const:"])
def test_every_role_of_the_python_domain(role: str) -> None:
    assert markdown(f"{role}`KeyRing`").startswith("<autoref")


def test_a_role_split_over_two_lines() -> None:
    assert markdown("a :class:`Key\nRing` here") == (
        'a <autoref identifier="Key\nRing" optional>`Key\nRing`</autoref> here'
    )


def test_an_inline_literal_is_a_code_span_and_hides_a_role_inside_it() -> None:
    assert markdown("``cookie_name`` and ``a :class:`X` b``") == (
        "`cookie_name` and `` a :class:`X` b ``"
    )


def test_a_field_list_is_left_to_the_sphinx_parser() -> None:
    assert markdown(":param keys: the ring") == ":param keys: the ring"


def test_a_literal_block_becomes_a_fenced_python_block() -> None:
    text = "Start-up::\n\n    codec = SessionCodec(policy)\n\n\n    app = make(codec)\n\nAfter."
    assert markdown(text) == (
        "Start-up:\n\n```python\ncodec = SessionCodec(policy)\n\n\napp = make(codec)\n```\n\nAfter."
    )


@pytest.mark.parametrize(
    ("introduction", "shown"),
    [("In settings.py::", "In settings.py:"), ("The command ::", "The command")],
)
def test_the_introduction_keeps_one_colon_or_none_after_a_space(
    introduction: str, shown: str
) -> None:
    assert markdown(f"{introduction}\n\n    x = 1").split("\n")[0] == shown


def test_a_marker_alone_disappears() -> None:
    assert markdown("Text.\n\n::\n\n    x = 1") == "Text.\n\n```python\nx = 1\n```"


def test_a_block_that_is_not_python_is_text_and_keeps_its_markup() -> None:
    text = "::\n\n    client-session keygen   :class:`Key` ``raw``"
    assert markdown(text) == "```text\nclient-session keygen   :class:`Key` ``raw``\n```"


def test_a_block_inside_an_indented_paragraph_keeps_its_indentation() -> None:
    text = "- an item::\n\n      x = 1\n\n- the next"
    assert markdown(text) == "- an item:\n\n  ```python\n  x = 1\n  ```\n\n- the next"


def test_a_block_holding_a_fence_gets_a_longer_fence() -> None:
    assert markdown("Example::\n\n    ```python") == "Example:\n\n````text\n```python\n````"


def test_a_marker_without_an_indented_block_is_left_for_the_site_check() -> None:
    assert markdown("Example::\nnot indented") == "Example::\nnot indented"


def test_a_doctest_block_is_a_pycon_block() -> None:
    assert markdown("Use:\n\n>>> 1 + 1\n2\n\nDone.") == (
        "Use:\n\n```pycon\n>>> 1 + 1\n2\n```\n\nDone."
    )


def test_in_a_loaded_package_a_method_resolves_in_its_class(tmp_path: Path) -> None:
    package = tmp_path / "ring"
    package.mkdir()
    (package / "__init__.py").write_text(
        '"""The ring: :class:`Ring`."""\n\n'
        "class Ring:\n"
        '    """A ring; :meth:`rotate` turns it::\n\n'
        "        ring.rotate()\n\n"
        '    Once.\n    """\n\n'
        "    def rotate(self) -> None:\n"
        '        """Turn it, as :func:`~os.replace` does."""\n',
        encoding="utf-8",
    )
    ring = griffe.load(
        "ring", search_paths=[tmp_path], extensions=griffe.load_extensions(RestMarkup)
    )
    assert ring.docstring is not None
    assert ring.docstring.value == f"The ring: {ref('ring.Ring', 'Ring')}."
    assert ring["Ring"].docstring.value == (
        f"A ring; {ref('ring.Ring.rotate', 'rotate()')} turns it:\n\n"
        "```python\nring.rotate()\n```\n\nOnce."
    )
    assert (
        ring["Ring.rotate"].docstring.value == f"Turn it, as {ref('os.replace', 'replace()')} does."
    )


def _docstrings(obj: griffe.Object) -> list[tuple[str, str]]:
    found = [(obj.path, obj.docstring.value)] if obj.docstring else []
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, griffe.Object):
            found += _docstrings(member)
    return found


_FENCED = re.compile(r"^(\s*)(`{3,}).*?^\1\2$", re.MULTILINE | re.DOTALL)
_RAW = re.compile(r":(?:[a-z]+:)?[a-z]+:`|::$", re.MULTILINE)


@pytest.mark.parametrize("source", SOURCES, ids=[source.parent.name for source in SOURCES])
def test_no_rest_markup_is_left_in_the_packages_docstrings(source: Path) -> None:
    # The site shows the public names only; every docstring is rewritten all the same.
    extensions = griffe.load_extensions(RestMarkup)
    left = []
    for init in sorted(source.glob("*/__init__.py")):
        package = griffe.load(init.parent.name, search_paths=[source], extensions=extensions)
        assert isinstance(package, griffe.Object)
        for path, docstring in _docstrings(package):
            left += [f"{path}: {raw}" for raw in _RAW.findall(_FENCED.sub("", docstring))]
    assert not left


def test_a_package_announced_twice_is_rewritten_once(tmp_path: Path) -> None:
    docstring = '"""Example::\n\n    :class:`Kept` as written\n\nEnd."""\n'
    (tmp_path / "once.py").write_text(docstring, encoding="utf-8")
    extension = RestMarkup()
    module = griffe.load("once", search_paths=[tmp_path])
    assert isinstance(module, griffe.Module)
    loader = griffe.GriffeLoader(search_paths=[tmp_path])
    extension.on_package(pkg=module, loader=loader)
    extension.on_package(pkg=module, loader=loader)
    assert module.docstring is not None
    assert module.docstring.value == "Example:\n\n```text\n:class:`Kept` as written\n```\n\nEnd."
