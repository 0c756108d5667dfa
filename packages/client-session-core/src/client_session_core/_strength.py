"""How many bits of guessing a secret is worth: a conservative estimate, and its threshold.

Every way a key arrives (bytes, a generated key's text, a passphrase, the environment, a
key file) is judged by :func:`estimate_bits` against :data:`MIN_SECRET_BITS`.

The estimate is the cost of the cheapest description of the secret as a series of pieces,
each costed as an attacker who knows these patterns would guess it (the idea of zxcvbn,
without its word lists):

==================  =====================================================================
piece               bits
==================  =====================================================================
a character         log2 of the alphabet the text draws from: 26 for each case of letters
                    it uses, 10 for digits, 33 for anything else (the printable ASCII
                    others), added; a non-letter, non-digit character that already
                    occurred is 1 + log2(how many such characters occurred): a separator
                    used again
a word-like run     3 to 15 letters, all lowercase, all uppercase or capitalized, with a
                    vowel (a e i o u y) and never three vowels or three consonants in a
                    row: 13 bits (log2 of a 7776-word Diceware list), plus 1 unless
                    lowercase
a sequence          3 or more characters whose code points step by one constant -4..4
                    (``abcd``, ``9753``, ``aaaa``): the first character's bits + log2(9)
                    + log2(length)
a keyboard walk     3 or more keys in a straight line on a US QWERTY keyboard, one shift
                    state (``qwerty``, ``1qaz``, ``;lkj``): log2(47) + 2 + log2(length)
a repeat            3 or more characters copying earlier ones (the copy may overlap its
                    source, as in ``abcabcab``): 1 + log2(start) + log2(length)
==================  =====================================================================

A text that says it is a placeholder (it holds one of :data:`PLACEHOLDER_MARKERS`, in any
case: ``changeme``, ``__TODO:_GENERATE_YOUR_OWN_RANDOM_VALUE_HERE__`` as Tornado's docs write
it, ``django-insecure-``) is worth 0 bits, however long: it was copied from documentation.
The markers are six letters or more, so that a random key holds one by chance about once in
millions.

Bytes cost 8 bits each, with sequences (the first byte 8 bits) and repeats as above; bytes
that are UTF-8 text are worth no more than that text. Only the first :data:`MAX_JUDGED`
characters (or bytes) are judged.

The estimate counts only the patterns it knows, so it can be fooled upwards (it cannot
know that a phrase is famous), and it is harsh on random text of lowercase letters alone
(judged as words). A generated key (``client-session keygen``: about 250 bits for its text
here, 256 for its bytes) is always the better choice.
"""

from __future__ import annotations

import math
from typing import AnyStr

__all__ = ["MAX_JUDGED", "MIN_SECRET_BITS", "PLACEHOLDER_MARKERS", "estimate_bits"]

MIN_SECRET_BITS = 128
MAX_JUDGED = 256

# Lowercase and uppercase letters, digits, and the 33 printable ASCII others (space too).
_CLASS_SIZES = {"lower": 26, "upper": 26, "digit": 10, "other": 33}
_BYTE_BITS = 8.0
_WORD_BITS = math.log2(7776)
_WORD_LETTERS = range(3, 16)
_VOWELS = frozenset("aeiouy")
_MAX_SAME_KIND = 2
_MIN_RUN = 3
_MAX_STEP = 4
_STEP_BITS = math.log2(2 * _MAX_STEP + 1)
# US QWERTY, unshifted and shifted: a key's row and column, rows aligned on their first key.
_ROWS = ("1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_SHIFTED_ROWS = ("!@#$%^&*()_+", "QWERTYUIOP{}|", 'ASDFGHJKL:"', "ZXCVBNM<>?")
_KEYS = {
    char: (shift, row, column)
    for shift, rows in enumerate((_ROWS, _SHIFTED_ROWS))
    for row, keys in enumerate(rows)
    for column, char in enumerate(keys)
}
_DIRECTIONS = frozenset({(0, 1), (0, -1), (1, 0), (-1, 0)})
_WALK_BITS = math.log2(47) + 2  # a starting key, and one of the four directions


PLACEHOLDER_MARKERS = (
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "replaceme",
    "replace_me",
    "replace-me",
    "your_own",
    "your-own",
    "yourown",
    "generate_your",
    "insecure",
    "notsecret",
    "not_secret",
    "not-secret",
)
"""Words that only a placeholder copied from documentation holds (compared lowercased)."""


def _is_placeholder(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS)


def estimate_bits(secret: str | bytes) -> float:
    """Bits of guessing ``secret`` is worth, by the model of this module's docstring."""
    if isinstance(secret, str):
        if _is_placeholder(secret):
            return 0.0
        text = secret[:MAX_JUDGED]
        return _cheapest(text, [ord(char) for char in text], _character_costs(text), text)
    data = secret[:MAX_JUDGED]
    as_bytes = _cheapest(data, list(data), [_BYTE_BITS] * len(data), None)
    try:
        # Text handed over as bytes is no stronger than that text.
        return min(as_bytes, estimate_bits(secret.decode("utf-8")))
    except UnicodeDecodeError:
        return as_bytes


def _character_costs(text: str) -> list[float]:
    """What each character costs alone: log2 of the alphabet the text draws from (the
    sizes of the classes it uses, added), or less for a separator used again."""
    classes = {_class_of(char) for char in text}
    alphabet_bits = math.log2(sum(_CLASS_SIZES[kind] for kind in classes)) if text else 0.0
    costs = []
    others: set[str] = set()
    for char in text:
        if _class_of(char) != "other":
            costs.append(alphabet_bits)
        elif char in others:
            costs.append(1 + math.log2(len(others)))
        else:
            costs.append(alphabet_bits)
            others.add(char)
    return costs


def _class_of(char: str) -> str:
    if char.isalpha() and char.islower():
        return "lower"
    if char.isalpha() and char.isupper():
        return "upper"
    if char.isdigit():
        return "digit"
    return "other"


def _cheapest(symbols: AnyStr, codes: list[int], single: list[float], text: str | None) -> float:
    """The cost of the cheapest series of pieces that spells ``symbols`` (a shortest path
    from its start to its end, each piece an edge); ``text`` is ``symbols`` when it is text,
    which adds walks and words to the pieces."""
    n = len(symbols)
    best = [0.0] + [math.inf] * n
    for start in range(n):
        here = best[start]
        _relax(best, start + 1, here + single[start])
        for end, bits in _pieces(symbols, codes, single, start, text):
            _relax(best, end, here + bits)
    return best[n]


def _relax(best: list[float], end: int, bits: float) -> None:
    if bits < best[end]:
        best[end] = bits


def _pieces(
    symbols: AnyStr, codes: list[int], single: list[float], start: int, text: str | None
) -> list[tuple[int, float]]:
    """Every piece of 3 symbols or more that begins at ``start``: (its end, its bits)."""
    found: list[tuple[int, float]] = []
    n = len(symbols)
    # A repeat: the longest run from ``start`` that also begins earlier (find() searches
    # symbols[:end - 1], so a copy found there begins before ``start``).
    end = start + _MIN_RUN
    while end <= n and symbols.find(symbols[start:end], 0, end - 1) != -1:
        found.append((end, 1 + math.log2(start) + math.log2(end - start)))
        end += 1
    if start + 1 < n:
        step = codes[start + 1] - codes[start]
        if -_MAX_STEP <= step <= _MAX_STEP:
            end = start + 2
            while end < n and codes[end] - codes[end - 1] == step:
                end += 1
                found.append((end, single[start] + _STEP_BITS + math.log2(end - start)))
    if text is not None:
        found.extend(_walks(text, start))
        found.extend(_words(text, start))
    return found


def _walks(text: str, start: int) -> list[tuple[int, float]]:
    """Keyboard walks from ``start``: each key one step on from the last, in one direction."""
    if start + 1 >= len(text):
        return []
    first, second = _KEYS.get(text[start]), _KEYS.get(text[start + 1])
    if first is None or second is None or first[0] != second[0]:
        return []
    direction = (second[1] - first[1], second[2] - first[2])
    if direction not in _DIRECTIONS:
        return []
    walks = []
    shift, row, column = second
    for end in range(start + 2, len(text)):
        row, column = row + direction[0], column + direction[1]
        if _KEYS.get(text[end]) != (shift, row, column):
            break
        walks.append((end + 1, _WALK_BITS + math.log2(end + 1 - start)))
    return walks


def _words(text: str, start: int) -> list[tuple[int, float]]:
    """Word-like runs from ``start``: lowercase, UPPERCASE or Capitalized letters."""
    if not _is_cased_letter(text[start]):
        return []
    capitals = text[start].isupper()
    if capitals and start + 1 < len(text) and text[start + 1].islower():
        capitals = False  # Capitalized: the rest is lowercase
    bits = _WORD_BITS + (0 if text[start].islower() else 1)
    words = []
    vowels = consonants = 0
    has_vowel = False
    for end in range(start, min(len(text), start + _WORD_LETTERS.stop - 1)):
        char = text[end]
        if not _is_cased_letter(char) or (end > start and char.isupper() != capitals):
            break
        # Pronounceable: never three vowels or three consonants in a row.
        if char.lower() in _VOWELS:
            vowels, consonants, has_vowel = vowels + 1, 0, True
        else:
            vowels, consonants = 0, consonants + 1
        if vowels > _MAX_SAME_KIND or consonants > _MAX_SAME_KIND:
            break
        if has_vowel and end + 1 - start in _WORD_LETTERS:
            words.append((end + 1, bits))
    return words


def _is_cased_letter(char: str) -> bool:
    return char.isalpha() and (char.islower() or char.isupper())
