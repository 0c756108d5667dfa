"""Render the reStructuredText markup of the packages' docstrings as Markdown, for mkdocstrings.

The docstrings are written for Sphinx and for ``help()``: cross-reference roles
(``:class:`KeyRing```, ``:func:`~client_session_core.generate_key```, ``:meth:``, ``:attr:``,
``:data:``, ``:mod:``, ``:exc:``), inline literals in double backquotes, and literal blocks
introduced by a paragraph ending in ``::``. mkdocstrings renders docstrings as Markdown, where
all three show as raw text. This griffe extension (mkdocs.yml, the python handler's
``extensions``) rewrites each docstring once its package is loaded, before it is rendered:

- a role becomes a cross-reference that mkdocs-autorefs resolves when the site is built: a link
  where its target is documented on the site, inline code where it is not (``time.time``). The
  target is resolved as Sphinx would, in the scope of the documented object (a method's
  ``:meth:`reload``` is its class's ``reload``); ``~`` shows the last name alone, ``!`` never
  links, ``Title <target>`` shows the title, and a function's or method's name gets ``()``;
- ``` ``x`` ``` becomes ``` `x` ```;
- a paragraph ending in ``::`` loses one colon (both, with the ``::`` alone on its line or
  after a space, as reST does) and the indented block after it becomes a fenced code block,
  Python when it parses as Python, plain text otherwise; a doctest block (``>>>``) becomes a
  fenced ``pycon`` block.

Nothing inside a literal block is rewritten. The sources stay as they are: this runs on the
docs site's copy of the docstrings only, and ships in no wheel. ``nox -s docs`` fails when a
built page still shows a role or a ``::`` (raw_markup.py, beside this file).
"""

from __future__ import annotations

import ast
import re
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from griffe import (
    AliasResolutionError,
    CyclicAliasError,
    Docstring,
    Extension,
    GriffeLoader,
    Module,
    NameResolutionError,
    Object,
)

# The roles of Sphinx's Python domain (with or without the ``py:`` domain) and an inline
# literal, in one pattern so that a role written inside a literal stays as written.
_INLINE = re.compile(
    r"``(?P<literal>[^`]|[^`].*?[^`])``(?!`)"
    r"|:(?:py:)?(?P<role>class|func|meth|attr|data|const|mod|exc|obj|type):`(?P<content>[^`]+)`",
    re.DOTALL,
)
_EXPLICIT_TITLE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_CALLABLE_ROLES = frozenset({"func", "meth"})  # Sphinx's add_function_parentheses

Resolver = Callable[[str], str]
"""Gives the identifier that a role's target names, seen from the docstring's object."""


class RestMarkup(Extension):
    """Rewrite the reST markup of every docstring of a loaded package into Markdown."""

    def __init__(self) -> None:
        super().__init__()
        # Rewritten once each (a package can be announced twice, and the rewriting is not
        # idempotent: a second pass would take a fenced block's lines for text). Weakly, as
        # `mkdocs serve` loads the packages anew on each rebuild.
        self._rewritten: weakref.WeakSet[Docstring] = weakref.WeakSet()

    def on_package(self, *, pkg: Module, loader: GriffeLoader, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is None or obj.docstring in self._rewritten:
                continue
            self._rewritten.add(obj.docstring)
            resolve = _resolver(obj, loader)
            obj.docstring.value = rest_to_markdown(obj.docstring.value, resolve)


def _objects(obj: Object) -> Iterator[Object]:
    """``obj`` and every object defined in it (not the names it imports), depth first."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, Object):
            yield from _objects(member)


def _resolver(obj: Object, loader: GriffeLoader) -> Resolver:
    def resolve(target: str) -> str:
        """The full path of ``target`` in ``obj``'s scope, as Sphinx looks for it first; or
        ``target`` as written when that names nothing loaded (another package's name, or the
        standard library's): in ``client_session_wsgi``, ``flask.json`` is Flask's, since the
        package's own ``flask`` module has no ``json``."""
        first, dot, rest = target.partition(".")
        try:
            path = obj.resolve(first) + dot + rest
            loader.modules_collection.get_member(path)
        except (NameResolutionError, KeyError, AliasResolutionError, CyclicAliasError):
            return target
        return path

    return resolve


def rest_to_markdown(text: str, resolve: Resolver) -> str:
    """``text`` (a cleaned docstring) with its roles, literals and literal blocks in Markdown."""
    lines = text.split("\n")
    out: list[str] = []
    prose: list[str] = []  # lines of text since the last block: a role can span two of them

    def end_prose(*last: str, block_follows: bool = True) -> None:
        text = "\n".join([*prose, *last]).rstrip()
        prose.clear()
        if text:
            out.append(_inline(text, resolve))
        if out and block_follows:
            out.append("")  # a blank line between a paragraph and a block

    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith(">>>") and (index == 0 or not lines[index - 1].strip()):
            end = index
            while end < len(lines) and lines[end].strip():
                end += 1
            end_prose()
            out += _fenced(lines[index:end], _indent(line), "pycon")
            index = end
            continue
        block_end = _literal_block_end(lines, index) if line.rstrip().endswith("::") else None
        if block_end is None:
            prose.append(line)
            index += 1
            continue
        end_prose(_introduction(line.rstrip()))
        block = lines[index + 1 : block_end]
        language = "python" if _parses_as_python(block) else "text"
        out += _fenced(block, _content_indent(line), language)
        index = block_end
    end_prose(block_follows=False)
    return "\n".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+")


def _content_indent(line: str) -> int:
    """Where the text of ``line`` starts: after its list marker, if it opens a list item."""
    item = _LIST_ITEM.match(line)
    return item.end() if item else _indent(line)


def _literal_block_end(lines: list[str], index: int) -> int | None:
    """Where the literal block announced by ``lines[index]`` ends (exclusive), if one follows:
    after a blank line, every line indented deeper than the announcing one, or blank."""
    base = _indent(lines[index])
    end = index + 1
    if end >= len(lines) or lines[end].strip():
        return None
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    while end > index + 1 and not lines[end - 1].strip():
        end -= 1  # the blank lines after the block are the text's
    return end if end > index + 1 else None


def _introduction(line: str) -> str:
    """The paragraph's last line without its ``::`` marker, as reST prints it."""
    if line.strip() == "::":
        return ""  # the marker alone: no text
    if line.endswith(" ::"):
        return line[:-3]  # "text ::": no colon
    return line[:-1]  # "text::": one colon


def _parses_as_python(block: list[str]) -> bool:
    try:
        ast.parse(_dedent(block))
    except SyntaxError:
        return False
    return True


def _dedent(block: list[str]) -> str:
    depth = min((_indent(line) for line in block if line.strip()), default=0)
    return "\n".join(line[depth:] for line in block)


def _fenced(block: list[str], indent: int, language: str) -> list[str]:
    body = _dedent(block).strip("\n").split("\n")
    longest = max((len(run) for line in body for run in re.findall("`{3,}", line)), default=2)
    fence = "`" * (longest + 1)
    margin = " " * indent
    return [
        f"{margin}{fence}{language}",
        *(f"{margin}{line}" if line else "" for line in body),
        f"{margin}{fence}",
    ]


def _inline(text: str, resolve: Resolver) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["literal"] is not None:
            return _code(match["literal"])
        return _cross_reference(match["role"], match["content"], resolve)

    return _INLINE.sub(replace, text)


def _code(text: str) -> str:
    """A Markdown code span showing ``text`` as it is, backquotes included."""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall("`+", text)) + 1)
    return f"{fence} {text} {fence}"


def _cross_reference(role: str, content: str, resolve: Resolver) -> str:
    """An optional autoref: mkdocs-autorefs links it when the site documents its identifier
    and otherwise leaves its title, as Sphinx leaves an unresolved reference's text."""
    explicit = _EXPLICIT_TITLE.match(content)
    if explicit:
        title, target = explicit["title"], explicit["target"]
    else:
        target = content
        title = target.lstrip("!")
        if title.startswith("~"):
            title = title.lstrip("~").rpartition(".")[2]
        title = title.lstrip(".")
        if role in _CALLABLE_ROLES and not title.endswith(")"):
            title += "()"
    if target.startswith("!"):
        return _code(title)  # Sphinx: no link
    identifier = resolve(target.lstrip("~").lstrip("."))
    return f'<autoref identifier="{identifier}" optional>{_code(title)}</autoref>'
