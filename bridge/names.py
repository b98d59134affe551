"""Personal names: BibTeX's split into First/von/Last/Jr, plain "First Last" names, and back.

Pure functions, no I/O. `split_bibtex_name` follows BibTeX's own rules (the algorithm of
`bibtex.web`, as pybtex also implements it):

* the string is cut into words at brace depth 0 on whitespace and `~`; commas at depth 0
  separate "von Last", "Jr" and "First";
* a word is lower case ("von") when its first letter at depth 0 is lower case; a special
  character `{\\"o}` counts by its letter, any other brace group makes the word caseless,
  which counts as upper case;
* without commas the von part runs from the first to the last lower-case word before the
  last word, First is what comes before it and Last the rest; with commas the von part is
  the leading lower-case words of the first part (its last word is always Last).

Documented departures, each where BibTeX loses or garbles text (checked against real
`bibtex` over every name in the corpora, see tests/test_texlive.py):

* a special character has the case of the letter it spells, also where BibTeX gives a
  letter command outside its own list (`{\\dj}`, `{\\th}`) no case, or reads a nested
  command's name (`{\\'{\\r A}}`, Ǻ) as the letter;

* a hyphenated word is one word, with the case of its first part: BibTeX splits
  `Yen-lu Chow` into First `Yen`, von `lu`; we keep First `Yen-lu`, and `Ahmed al-Hassan`
  keeps Last `al-Hassan`;
* `\\~` and `\\-` at depth 0 are accents, not separators (`Pi\\~{n}a` is one word);
* a trailing comma is ignored, as BibTeX does after its warning; a fourth comma-separated
  part is kept in First instead of being an error;
* BibLaTeX's extended form `family=Oord, given=Aaron, prefix=van den` is understood.

A name that is one brace group (`{Barnes and Noble, Inc.}`) is an institution. The parts of
the returned `Author` are LaTeX-decoded Unicode with ties turned into spaces.

`split_bibtex_names` keeps BibTeX's `and others` as a final `OTHERS` author, exactly as
BibTeX treats it; `is_others` tells it apart, and writers print it back as `and others`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .latex import balance_braces, escape_specials, latex_to_unicode, unicode_to_latex
from .model import Author

__all__ = [
    "OTHERS",
    "format_bibtex_name",
    "format_bibtex_names",
    "is_others",
    "split_bibtex_name",
    "split_bibtex_names",
    "split_plain_name",
]

OTHERS = Author(last="others")
"""BibTeX's marker for a truncated author list (`... and others`)."""

# Control sequences that are letters by themselves in BibTeX's special characters.
_FOREIGN_LETTERS = {"i", "j", "oe", "OE", "ae", "AE", "aa", "AA", "o", "O", "l", "L", "ss"}


def is_others(author: Author) -> bool:
    """True for the `others` that ends a truncated BibTeX author list."""
    return author == OTHERS


@dataclass
class _Word:
    text: str


def _split_top(text: str, separators: str) -> list[tuple[str, str]]:
    """Cut text at brace depth 0 on any of `separators`; returns (piece, separator) pairs."""
    if "{" not in text and "\\" not in text:
        # All of it is at depth 0 and nothing is escaped: a plain split, done by `re`.
        parts = _separator_split(separators).split(text)
        parts.append("")
        return list(zip(parts[::2], parts[1::2], strict=True))
    pieces: list[tuple[str, str]] = []
    depth = 0
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and depth == 0 and i + 1 < len(text):
            current.append(text[i : i + 2])  # `\~` or `\-` is not a separator
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        if depth == 0 and char in separators:
            pieces.append(("".join(current), char))
            current = []
        else:
            current.append(char)
        i += 1
    pieces.append(("".join(current), ""))
    return pieces


@functools.cache
def _separator_split(separators: str) -> re.Pattern[str]:
    return re.compile(f"([{re.escape(separators)}])")


def _words(part: str) -> list[_Word]:
    """The words of one comma-separated part (ties separate words like spaces)."""
    return [_Word(piece) for piece, _ in _split_top(part.strip(), " \t\n~") if piece]


def _case(word: str) -> str:
    """'lower', 'upper' or 'caseless', by BibTeX's von test."""
    i = 0
    depth = 0
    while i < len(word):
        char = word[i]
        if char == "{":
            if depth == 0 and word[i + 1 : i + 2] == "\\":
                # A special character: its case is the case of its letter, the first one
                # after the accent command (or the foreign letter itself: {\ss}, {\O}).
                match = re.match(r"\{\\([A-Za-z]+|.)", word[i:])
                if match and match.group(1) in _FOREIGN_LETTERS:
                    return "upper" if match.group(1)[0].isupper() else "lower"
                # Otherwise the case of the letter it spells: {\"o}, {\v C}, {\'{\r A}}
                # (BibTeX would read the `r` of `\r`), {\dj} (BibTeX gives it no case).
                spelled = latex_to_unicode(word[i : _group_close(word, i) + 1])
                letter = next((c for c in spelled if c.isalpha()), "")
                if letter:
                    return "upper" if letter.isupper() else "lower"
                return "caseless"
            depth += 1
            i += 1
            continue
        if char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and char.isalpha():
            return "upper" if char.isupper() else "lower"
        i += 1
    return "caseless"


def _group_close(word: str, start: int) -> int:
    """Index of the brace closing the group that opens at word[start]."""
    depth = 0
    for index in range(start, len(word)):
        if word[index] == "{":
            depth += 1
        elif word[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(word)


def _is_lower(word: _Word) -> bool:
    return _case(word.text) == "lower"


def _join(words: list[_Word]) -> str:
    return " ".join(word.text for word in words)


def _decode(text: str) -> str:
    return " ".join(latex_to_unicode(text).split())


def _von_last(words: list[_Word]) -> tuple[list[_Word], list[_Word]]:
    """Split the words before the first comma into von and Last."""
    last_lower = -1
    for index, word in enumerate(words[:-1]):
        if _is_lower(word):
            last_lower = index
        else:
            # von words must come first; an upper-case word before any lower one ends it
            if last_lower == -1:
                break
    if last_lower == -1:
        return [], words
    return words[: last_lower + 1], words[last_lower + 1 :]


def split_bibtex_name(name: str) -> Author:
    """Split one BibTeX name into an `Author`, decoding LaTeX.

    >>> split_bibtex_name("Ludwig van Beethoven")
    Author(last='Beethoven', first='Ludwig', von='van', jr='', is_institution=False)
    >>> split_bibtex_name("van Beethoven, Jr, Ludwig")
    Author(last='Beethoven', first='Ludwig', von='van', jr='Jr', is_institution=False)
    >>> split_bibtex_name(r"{Adam{\\'o}w}, M.")
    Author(last='Adamów', first='M.', von='', jr='', is_institution=False)
    >>> split_bibtex_name("{Adibekyan}, V.~Z.").first
    'V. Z.'
    >>> split_bibtex_name(r"Brukner, {\\v C}aslav")
    Author(last='Brukner', first='Časlav', von='', jr='', is_institution=False)
    >>> split_bibtex_name("{Barnes and Noble, Inc.}")
    Author(last='Barnes and Noble, Inc.', first='', von='', jr='', is_institution=True)
    >>> split_bibtex_name("Jean-Paul Sartre").first
    'Jean-Paul'
    """
    text = " ".join(name.split())
    if not text:
        return Author(last="")
    parts = [piece.strip() for piece, _ in _split_top(text, ",")]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()  # BibTeX ignores a trailing comma (with a warning)
    if len(parts) > 1 and all(_KEY_VALUE.match(part) for part in parts):
        return _split_extended(parts)
    first_words: list[_Word]
    jr_text = ""
    if len(parts) == 1:
        words = _words(parts[0])
        if len(words) == 1 and _is_single_group(words[0].text):
            return Author(last=_decode(words[0].text), is_institution=True)
        von_start = None
        von_end = None
        for index, word in enumerate(words[:-1]):
            if _is_lower(word):
                if von_start is None:
                    von_start = index
                von_end = index
        if von_start is None or von_end is None:
            first_words, von_words, last_words = words[:-1], [], words[-1:]
        else:
            first_words = words[:von_start]
            von_words = words[von_start : von_end + 1]
            last_words = words[von_end + 1 :]
    else:
        von_words, last_words = _von_last(_words(parts[0]))
        if len(parts) == 2:
            first_words = _words(parts[1])
        else:
            jr_text = parts[1]
            first_words = _words(", ".join(parts[2:]))
    return Author(
        last=_decode(_join(last_words)),
        first=_decode(_join(first_words)),
        von=_decode(_join(von_words)),
        jr=_decode(jr_text),
    )


_KEY_VALUE = re.compile(r"^([a-z-]+)\s*=\s*(.*)$", re.DOTALL)
_EXTENDED_PARTS = {"family": "last", "given": "first", "prefix": "von", "suffix": "jr"}


def _split_extended(parts: list[str]) -> Author:
    """BibLaTeX's extended name format: `family=Oord, given=Aaron, prefix=van den`."""
    values: dict[str, str] = {}
    for part in parts:
        match = _KEY_VALUE.match(part)
        if match and match.group(1) in _EXTENDED_PARTS:
            values[_EXTENDED_PARTS[match.group(1)]] = _decode(match.group(2).strip('"'))
    if "last" not in values:
        return Author(last=_decode(", ".join(parts)))
    return Author(last=values["last"], first=values.get("first", ""),
                  von=values.get("von", ""), jr=values.get("jr", ""))


def _is_single_group(word: str) -> bool:
    """True when word is one brace group that is not a special character like {\\"o}."""
    if not (word.startswith("{") and word.endswith("}")) or word.startswith("{\\"):
        return False
    depth = 0
    for index, char in enumerate(word):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and index != len(word) - 1:
                return False
    return True


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_bibtex_names(field: str) -> list[Author]:
    """Split a whole author or editor field on ` and ` at brace depth 0, in any case.

    >>> [a.last for a in split_bibtex_names("Kundu, Sandipan AND {Bai}, Y. and {Barnes and Noble}")]
    ['Kundu', 'Bai', 'Barnes and Noble']
    >>> split_bibtex_names("Smolin, John A. and others")[-1] == OTHERS
    True
    >>> split_bibtex_names("  ")
    []
    """
    text = " ".join(field.split())
    if not text:
        return []
    if "{" not in text:  # no groups: every ` and ` separates
        return [split_bibtex_name(name) for name in _AND.split(text) if name.strip()]
    names: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and char == " ":
            match = _AND.match(text, i)
            if match:
                names.append(text[start:i])
                start = i = match.end()
                continue
        i += 1
    names.append(text[start:])
    return [split_bibtex_name(name) for name in names if name.strip()]


# Words that mark an institution rather than a person in a plain-text author list.
_INSTITUTION_WORDS = re.compile(
    r"\b(collaboration|consortium|team|group|project|institute|university|laboratory|"
    r"committee|association|society|organi[sz]ation|council|initiative|network|"
    r"foundation|corporation|inc|ltd|llc|gmbh|working)\b",
    re.IGNORECASE,
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_INITIAL = re.compile(r"^(?:[A-Z]\.?)(?:[-.]?[A-Z]\.?)*$")
# Capitalised particles that belong to the surname when they come right before it.
_CAPITAL_PARTICLES = frozenset((
    "Da", "Das", "De", "Del", "Della", "Der", "Den", "Di", "Do", "Dos", "Du", "La", "Le", "Van",
    "Von", "Ben", "Bin", "Ibn", "Al", "El", "St.", "Ter", "Ten",
))


def split_plain_name(name: str) -> Author:
    """Split a name written first-name-first ("Thomas I. Liao"), as the arXiv API gives it.

    BibTeX's rules apply (lower-case particles start the surname: "Ludwig van Beethoven"),
    with additions for names nobody braced:

    * after a given name and middle initials, everything is surname
      ("Kees A. Schouhamer Immink"); names that start with initials ("A. J. Han Vinck")
      are left to BibTeX's rule, since their given names may follow the initials;
    * capitalised particles right before the last word join the surname
      ("Adrian Del Maestro", "Pascale Le Gall"), as long as they are not the first word;
    * a trailing "Jr", "Sr", "II"... is the Jr part;
    * a lower-case first word stays a given name ("danah boyd");
    * names naming a collaboration, consortium, team... are institutions;
    * a name with a comma is read the BibTeX way ("Last, First").

    >>> split_plain_name("Peter H. N. de With")
    Author(last='With', first='Peter H. N.', von='de', jr='', is_institution=False)
    >>> split_plain_name("Kees A. Schouhamer Immink").last
    'Schouhamer Immink'
    >>> split_plain_name("Adrian Del Maestro").last
    'Del Maestro'
    >>> split_plain_name("ATLAS Collaboration")
    Author(last='ATLAS Collaboration', first='', von='', jr='', is_institution=True)
    >>> split_plain_name("Martin Luther King Jr.").jr
    'Jr.'
    """
    text = " ".join(name.split())
    if not text:
        return Author(last="")
    if _INSTITUTION_WORDS.search(latex_to_unicode(text)):
        return Author(last=_decode(text.strip("{}")), is_institution=True)
    if "," in text:
        head, _, tail = text.rpartition(",")
        if tail.strip().lower() in _SUFFIXES:
            author = split_plain_name(head)
            return Author(author.last, author.first, author.von, tail.strip())
        return split_bibtex_name(text)
    words = [piece for piece, _ in _split_top(text, " ") if piece]
    jr = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        jr = words.pop()
    if len(words) == 1:
        return Author(last=_decode(words[0]), jr=_decode(jr))
    cut = None
    if not _INITIAL.match(words[0]):
        initials = [i for i in range(1, len(words) - 1) if _INITIAL.match(words[i])]
        if initials:
            cut = initials[-1] + 1
    if cut is None:
        lower = [i for i in range(1, len(words) - 1) if _case(words[i]) == "lower"]
        if lower:
            cut = lower[0]
        else:
            cut = len(words) - 1
            while cut > 1 and words[cut - 1] in _CAPITAL_PARTICLES:
                cut -= 1
    rest = words[cut:]
    von_end = 0
    while von_end < len(rest) - 1 and _case(rest[von_end]) == "lower":
        von_end += 1
    return Author(
        last=_decode(" ".join(rest[von_end:])),
        first=_decode(" ".join(words[:cut])),
        von=_decode(" ".join(rest[:von_end])),
        jr=_decode(jr),
    )


def _protect(part: str) -> str:
    """Brace a name part that BibTeX would otherwise split at a comma or an `and`."""
    if "," in part or _AND_WORD.search(part):
        return "{" + part + "}"
    return part


_AND_WORD = re.compile(r"(?i)(^|\s)and(\s|$)")


def format_bibtex_name(author: Author, *, latex: bool = True) -> str:
    """The BibTeX form of a name: `von Last, Jr, First`, institutions braced whole.

    With `latex=True` (BibTeX) non-ASCII letters become LaTeX; with `latex=False`
    (BibLaTeX) they stay UTF-8. Specials (`& % $ # _`) are escaped either way.

    >>> format_bibtex_name(Author("Beethoven", "Ludwig", "van", "Jr"))
    'van Beethoven, Jr, Ludwig'
    >>> format_bibtex_name(Author("Brukner", "Časlav"))
    'Brukner, {\\\\v C}aslav'
    >>> format_bibtex_name(Author("Kjær", "Søren"), latex=False)
    'Kjær, Søren'
    >>> format_bibtex_name(Author("ATLAS Collaboration", is_institution=True))
    '{ATLAS Collaboration}'
    """

    def encode(text: str) -> str:
        text = balance_braces(escape_specials(text))
        return unicode_to_latex(text) if latex else text

    if author.is_institution:
        return "{" + encode(author.last) + "}"
    last = _protect(encode(author.last))
    if author.von:
        family = encode(author.von) + " " + last
    elif " " in author.last and (not author.first or _case(last.split(" ")[0]) == "lower"):
        # Keep a multi-word surname whole where BibTeX would split it: a lower-case first
        # word would become von, and without a First part the first words would be First.
        family = "{" + last + "}"
    else:
        family = last
    first = _protect(encode(author.first))
    if author.jr:
        # An empty First stays an (empty) group so the Jr part is not read as First.
        return f"{family}, {_protect(encode(author.jr))}, {first or '{}'}"
    if author.first:
        return f"{family}, {first}"
    return family


def format_bibtex_names(authors: list[Author], *, latex: bool = True,
                        truncated: bool = False) -> str:
    """A whole author field: names joined by ` and `, `and others` when truncated.

    >>> format_bibtex_names([Author("Smolin", "John A."), OTHERS])
    'Smolin, John A. and others'
    """
    names = [format_bibtex_name(a, latex=latex) for a in authors]
    if truncated and (not authors or not is_others(authors[-1])):
        names.append("others")
    return " and ".join(names)
