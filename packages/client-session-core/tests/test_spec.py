"""docs/wire-format.md is the source of truth: what it states that a machine can check is
checked here against the code, so that the page and the code cannot drift apart unnoticed."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from client_session_core import MAX_DEPTH, InvalidReason, _envelope, _keys

SPEC = (Path(__file__).resolve().parents[3] / "docs" / "wire-format.md").read_text("utf-8")


def _section(title: str) -> str:
    """The text of the section headed ``## title`` (up to the next ``## ``)."""
    return SPEC.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table_rows(text: str) -> list[list[str]]:
    """The cells of each row of the first Markdown table in ``text``, header excluded."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_byte_layout_table_is_the_header_the_code_packs() -> None:
    rows = {cells[2]: (cells[0], cells[1]) for cells in _table_rows(_section("Byte layout"))}
    fields = ["version", "flags", "kid", "created_at", "issued_at", "salt", "nonce"]
    # The code's header struct, one format character (with its count) per field.
    formats = re.findall(r"\d*[A-Za-z]", _envelope._HEADER.format.lstrip("<>!="))
    assert len(formats) == len(fields)
    offset = 0
    for field, field_format in zip(fields, formats, strict=True):
        size = struct.calcsize(">" + field_format)
        assert rows[field] == (str(offset), str(size)), field
        offset += size
    assert offset == _envelope.HEADER_SIZE
    # With flag bit 1, the own-lifetime fields follow the fixed header.
    for field in ("idle", "absolute"):
        assert rows[field] == (str(offset), str(struct.calcsize(">I"))), field
        offset += struct.calcsize(">I")
    assert offset == _envelope.LIFETIME_HEADER_SIZE == _envelope.HEADER_SIZE + 8
    assert _envelope.FLAG_OWN_LIFETIME == 0x02
    assert "bit 1 (`0x02`): own lifetime" in SPEC
    assert rows["ciphertext"][0] == "h"
    assert f"h = {_envelope.HEADER_SIZE}, or {_envelope.LIFETIME_HEADER_SIZE} with flag bit 1" in (
        SPEC
    )
    assert rows["tag"] == ("h + n", str(_envelope.TAG_SIZE))
    assert (_envelope.SALT_SIZE, _envelope.NONCE_SIZE) == (16, 12)
    assert f"The envelope is at least {_envelope.OVERHEAD} bytes" in SPEC


@pytest.mark.parametrize(
    ("spec_text", "code_value"),
    [
        ('info = "client-session/v1/seal"', _envelope._SEAL_INFO),
        ('message = "client-session/v1/kid"', _keys._KID_LABEL),
        ('salt = "client-session/v1/passphrase"', _keys._PASSPHRASE_SALT),
        ('info = "client-session/v1/long-secret"', _keys._LONG_SECRET_INFO),
    ],
)
def test_the_labels_are_the_codes(spec_text: str, code_value: bytes) -> None:
    assert spec_text in SPEC
    assert spec_text.split('"')[1].encode("ascii") == code_value


def test_the_read_steps_name_every_reason_code_and_no_other() -> None:
    rows = _table_rows(_section("Reading a cookie"))
    named = {code for cells in rows for code in re.findall(r"`(\w+)`", cells[-1])}
    assert named == {reason.value for reason in InvalidReason}


def test_the_nesting_limit_is_the_codes() -> None:
    stated = re.findall(r"`MAX_DEPTH` = (\d+)", SPEC)
    assert stated
    assert {int(value) for value in stated} == {MAX_DEPTH}


def test_the_canonical_last_characters_are_the_codes() -> None:
    stated = re.search(r"the last\s+character is one of `([A-Za-z0-9]+)`", SPEC)
    assert stated is not None
    assert frozenset(stated.group(1).encode()) == _envelope._CANONICAL_LAST[3]


def test_the_subkey_budget_is_the_codes() -> None:
    stated = re.search(r"uses a subkey for at most 2\^(\d+) messages", _section("Sealing"))
    assert stated is not None
    assert 2 ** int(stated.group(1)) == _envelope.SUBKEY_USES


def test_the_identity_block_table_is_the_codes() -> None:
    text = _section("Byte layout").split("### Session identity (flag bit 2)", 1)[1]
    rows = {cells[2]: (cells[0], cells[1]) for cells in _table_rows(text)}
    assert rows["session id"] == ("0", str(_envelope.SESSION_ID_SIZE)) == ("0", "16")
    assert rows["user length"] == (str(_envelope.SESSION_ID_SIZE), "1")
    assert rows["user id"] == (str(_envelope.IDENTITY_SIZE), "u")
    assert f"else 1 to {_envelope.MAX_USER_ID_SIZE}" in text
    assert _envelope.FLAG_IDENTITY == 0x04
    assert "bit 2 (`0x04`): identity" in SPEC
    assert "bits 3-7 reserved, MUST be 0" in SPEC
