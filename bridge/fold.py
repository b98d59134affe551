"""Folding text: the one rule for comparing names and titles, and for spelling them in ASCII.

Pure functions, no I/O. Two sources spell the same name differently ("Rønnow" and "Ronnow",
"Straße" and "Strasse", "Lukošiūtė" and "Lukosiute"), and arXiv stores names both ways, so
every comparison goes through `fold`, and every ASCII spelling (citation keys, arXiv query
terms) through `to_ascii`. Both share `strip_accents`, so they never disagree on a letter.

* Letters that Unicode does not decompose are spelled out the way BibTeX's own commands
  spell them (`\\o` o, `\\ss` ss, `\\ae` ae, `\\l` l, ...), so "Rønnow" folds to "ronnow",
  never to "rnnow".
* Accents (combining marks) are dropped; letters of other scripts (Greek, CJK) stay: a
  Greek title must still compare equal to itself.
* For matching, case is folded (`casefold`, so "ß" and "ss" agree), TeX commands and braces
  are dropped, and every other run of non-letters and non-digits is one space.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "strip_accents", "to_ascii"]

# Letters NFKD leaves whole, spelled as BibTeX spells them (\o, \ss, \ae, \l, \dh, \th, \ng...).
_SPELLED_OUT = str.maketrans({
    "ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
    "ı": "i", "ȷ": "j", "ŋ": "ng", "Ŋ": "NG", "ħ": "h", "Ħ": "H",
})
# A TeX word command (`\\mathbf`) separates words; an accent command (`\\"{u}`) is part of one.
_TEX_WORD_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
_TEX_SYMBOL_COMMAND = re.compile(r"\\[^A-Za-z]")
_TEX_GROUPING = re.compile(r"[{}]")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def strip_accents(text: str) -> str:
    """Accents off and special letters spelled out; case and everything else kept.

    >>> strip_accents("Rønnow Straße, Lukošiūtė, Łukasz, Ærø, Gödel")
    'Ronnow Strasse, Lukosiute, Lukasz, AEro, Godel'
    """
    if text.isascii():
        return text  # ASCII is its own NFKD form, with no special letter or accent
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def to_ascii(text: str) -> str:
    """`strip_accents`, then anything still not ASCII (other scripts, symbols) removed.

    >>> to_ascii("Rønnow Straße – α test")
    'Ronnow Strasse   test'
    """
    if text.isascii():
        return text  # most names and titles: nothing to strip or drop
    return "".join(char for char in strip_accents(text) if char.isascii())


def fold(text: str | None) -> str:
    r"""Text reduced to what a comparison should see: the one matching fold.

    >>> fold("Rønnow Straße")
    'ronnow strasse'
    >>> fold(r"The {$K$} L1-norm of $\mathbf X$ -- Café")
    'the k l1 norm of x cafe'
    >>> fold(r'G{\"o}del, {C}onstitutional AI!')
    'godel constitutional ai'
    >>> fold("Don't")
    'don t'
    >>> fold("Ελληνικά Title")
    'ελληνικα title'
    """
    if not text:
        return ""
    text = _TEX_WORD_COMMAND.sub(" ", text)
    text = _TEX_GROUPING.sub("", _TEX_SYMBOL_COMMAND.sub("", text))
    text = strip_accents(text).casefold()
    return " ".join(_NOT_LETTER_OR_DIGIT.sub(" ", text).split())
