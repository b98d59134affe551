"""Citation keys: the formulas we can make them with, and unique assignment.

Pure functions, no I/O. Formulas (`FORMULAS`):

* `auth-year-title` (default) -- what arXiv's BibTeX export and Google Scholar make:
  the first author's surname (the Last part, without particles like "van"), lower-cased and
  folded to ASCII by `bridge.fold.to_ascii` (Rønnow -> ronnow), then the year, then the
  first title word that is not a function word
  (a, an, the, on, of, in, ...; "towards" counts, as it does for Google Scholar):
  `kundu2023specific`.
* `bbt` -- Better BibTeX's default `auth.lower + shorttitle(3,3) + year`: the surname with
  its particles (Zotero keeps "van der Maaten" whole), the first three title words not in
  BBT's skip-word list, each capitalised, then the year: `vaswaniAttentionAllYou2017`.
* `arxiv-id` -- the bare arXiv id without version; the `/` of an old-style id becomes `_`
  (`hep-th_9901001`), since `/` is a path separator for tools that name files after keys.

An institution's "surname" is its first word that is not a function word ("The LIGO
Scientific Collaboration" gives `ligo`). With no author the key starts with `anon`; with no
year the year is left out. Keys contain only ASCII letters, digits, `_`, `-`, `.` and `:`.

Clashes follow Better BibTeX: the first reference keeps the bare key, later ones get `a`,
`b`, ... `z`, `aa`, `ab`... A key a reference already has is never changed, and keys in
`taken` (say, those already in the target file) are never given out again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice

from .errors import UnknownFormat
from .fold import to_ascii
from .model import Reference

__all__ = ["DEFAULT_FORMULA", "FORMULAS", "assign_keys", "make_key", "repair_keys", "sanitize_key",
           "with_keys"]

DEFAULT_FORMULA = "auth-year-title"
FORMULAS = ("auth-year-title", "bbt", "arxiv-id")

# Google Scholar / arXiv style: only the function words a title commonly starts with.
_STOP_WORDS = frozenset(
    ("a", "an", "the", "on", "of", "in", "for", "to", "and", "at", "by", "from", "with", "as",
     "is", "or")
)
# Better BibTeX's default skipWords preference.
_BBT_SKIP_TEXT = """
a ab aboard about above across after against al along amid among an and anti around as at
before behind below beneath beside besides between beyond but by d da das de del dell dello
dei degli della delle dem den der des despite die do down du during ein eine einem einen
einer eines el en et except for from gli i il in inside into is l la las le les like lo los
near nor of off on onto or over past per plus round save since so some sur than the through
to toward towards un una unas under underneath une unlike uno unos until up upon versus via
von while with within without yet zu zum
"""
_BBT_SKIP_WORDS = frozenset(_BBT_SKIP_TEXT.split())

_MATH = re.compile(r"\$[^$]*\$")
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_\-.:]")
_UNICODE_WORD = re.compile(r"[^\W_]+")
_NOT_ASCII_ALNUM = re.compile(r"[^A-Za-z0-9]")


def _words(title: str) -> Iterator[str]:
    """ASCII title words, with math, LaTeX commands and punctuation removed, as needed.

    A generator: a key takes the first word or three, and a bulk import makes thousands.
    """
    # Imported here: the LaTeX tables are large, and the command line imports this module
    # for its FORMULAS alone.
    from .latex import latex_to_unicode

    text = _MATH.sub(" ", latex_to_unicode(title))
    # Split on the Unicode text first, so a curly apostrophe separates words as ' does.
    for word in _UNICODE_WORD.finditer(text):
        if word[0].isascii():
            yield word[0]  # already the one ASCII word it would fold to
        else:
            yield from re.findall(r"[A-Za-z0-9]+", to_ascii(word[0]))


def sanitize_key(key: str) -> str:
    """Drop every character BibTeX or biber would choke on in a key.

    >>> sanitize_key("Müller 2020, {x}")
    'Mller2020x'
    """
    return _KEY_CHARS.sub("", key)


def _surname(ref: Reference, *, with_particles: bool) -> str:
    people = ref.authors or ref.editors
    if not people:
        return "anon"
    first = people[0]
    if first.is_institution:
        name = next((w for w in _words(first.last) if w.lower() not in _STOP_WORDS), "")
    else:
        name = first.family if with_particles else first.last
    from .latex import latex_to_unicode

    folded = _NOT_ASCII_ALNUM.sub("", to_ascii(latex_to_unicode(name)))
    return folded.lower() or "anon"


def _year(ref: Reference) -> str:
    year = ref.year or (ref.arxiv_published or "")[:4]
    return year if year.isdigit() else ""


def make_key(ref: Reference, formula: str = DEFAULT_FORMULA) -> str:
    """The key `formula` makes for `ref` (not yet made unique).

    >>> from bridge.model import Author
    >>> ref = Reference(arxiv_id="2310.13798", date="2023-10-20",
    ...                 title="Specific versus General Principles for Constitutional AI",
    ...                 authors=[Author("Kundu", "Sandipan"), Author("Bai", "Yuntao")])
    >>> make_key(ref)
    'kundu2023specific'
    >>> make_key(ref, "bbt")
    'kunduSpecificGeneralPrinciples2023'
    >>> make_key(Reference(arxiv_id="hep-th/9901001"), "arxiv-id")
    'hep-th_9901001'
    """
    if formula == "arxiv-id":
        if ref.arxiv_id:
            return sanitize_key(ref.arxiv_id.replace("/", "_"))
        formula = DEFAULT_FORMULA  # nothing to go by: fall back to the default formula
    if formula == "auth-year-title":
        word = next((w.lower() for w in _words(ref.title or "")
                     if w.lower() not in _STOP_WORDS), "")
        key = _surname(ref, with_particles=False) + _year(ref) + word
    elif formula == "bbt":
        words = islice((w for w in _words(ref.title or "")
                        if w.lower() not in _BBT_SKIP_WORDS), 3)
        short = "".join(w[:1].upper() + w[1:] for w in words)
        key = _surname(ref, with_particles=True) + short + _year(ref)
    else:
        raise UnknownFormat(f"citation key formula {formula}", list(FORMULAS))
    return sanitize_key(key) or "ref"


def _suffixes() -> Iterable[str]:
    """a, b, ..., z, aa, ab, ..."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def assign_keys(refs: list[Reference], *, formula: str = DEFAULT_FORMULA,
                taken: set[str] | None = None) -> None:
    """Give every reference without a key a unique one; existing keys are never changed.

    `taken` holds keys already in use elsewhere (say, in the file being written to); it is
    updated with the keys handed out. Keys compare case-insensitively, as BibTeX does.

    >>> from bridge.model import Author
    >>> refs = [Reference(title="Deep learning", date="2015", authors=[Author("LeCun")])
    ...         for _ in range(3)]
    >>> refs[2].key = "mine"
    >>> assign_keys(refs, taken={"other"})
    >>> [r.key for r in refs]
    ['lecun2015deep', 'lecun2015deepa', 'mine']
    """
    used = {key.lower() for key in (taken or set())}
    used.update(ref.key.lower() for ref in refs if ref.key)
    for ref in refs:
        if ref.key:
            continue
        base = make_key(ref, formula)
        key = base
        if key.lower() in used:
            key = next(base + s for s in _suffixes() if (base + s).lower() not in used)
        used.add(key.lower())
        ref.key = key
        if taken is not None:
            taken.add(key)


def repair_keys(refs: list[Reference], taken: Iterable[str] = ()) -> None:
    """Make keys typed into a tool that does not check them (Zotero's `citationKey`) usable.

    A key BibTeX or biber cannot read (white space, braces, quotes, `#%'()=\\~`, a comma,
    non-ASCII) is cut down to what they accept (`sanitize_key`); one they can read
    (`DBLP:ms/Hoffmann2008`, `abramowitz+stegun`) is the user's and stays as it is. A key
    that is then empty, or already used by an earlier reference or in `taken`, is removed,
    so that `assign_keys` makes it anew by the formula.

    >>> refs = [Reference(key=key) for key in ["a b", "A{}B", "other", "}", "DBLP:ms/H08"]]
    >>> repair_keys(refs, taken={"other"})
    >>> [r.key for r in refs]
    ['ab', None, None, None, 'DBLP:ms/H08']
    """
    seen = {key.lower() for key in taken}
    for ref in refs:
        if ref.key and (_UNREADABLE_KEY.search(ref.key) or not ref.key.isascii()
                        or not ref.key.isprintable()):
            ref.key = sanitize_key(ref.key) or None
        if ref.key and ref.key.lower() in seen:
            ref.key = None
        elif ref.key:
            seen.add(ref.key.lower())


# What BibTeX or biber cannot read in a key (bridge.writers.bibtex refuses the same).
_UNREADABLE_KEY = re.compile(r"[\s,{}\"#%'()=\\~]")


def with_keys(refs: Iterable[Reference], *, formula: str = DEFAULT_FORMULA,
              taken: Iterable[str] = ()) -> list[Reference]:
    """The references, each with a unique key; the ones given a key are copies.

    What every writer and job does before writing: the caller's references are never
    changed, and keys in `taken` (those of the file being added to) are never given out.

    >>> ref = Reference(title="Deep learning", date="2015")
    >>> [r.key for r in with_keys([ref, ref.copy(key="x")], taken={"anon2015deep"})]
    ['anon2015deepa', 'x']
    >>> ref.key is None
    True
    """
    refs = list(refs)
    if all(ref.key for ref in refs):
        return refs
    keyed = [ref if ref.key else ref.copy() for ref in refs]
    assign_keys(keyed, formula=formula, taken=set(taken))
    return keyed
