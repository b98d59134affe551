"""Read `.bib` files into `Reference`s, and edit them without touching anything else.

`parse_bib` splits the text with bibtexparser 2 (its splitter only: the middlewares would
copy and rewrite every value, and we need few of them) and locates every block's exact
character span in the original text. That gives a `BibDocument` whose `render(edits)`
rebuilds the file from slices of the original: entries without edits come back byte for
byte, and an edited entry keeps its own layout (field order, indentation, `=` spacing,
delimiters, trailing comma).

`@string` macros (and `#` concatenations) are resolved in every value a `Reference`
carries, so it means the same wherever it is written; `BibEntry.fields` keeps the raw text
of the file for lossless edits. `@string`, `@preamble`,
comments and blocks that fail to parse stay in the text; failures, duplicate keys and
duplicate fields are reported to the `Problems` collector with file and line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bibtexparser.model import (
    Entry,
    ExplicitComment,
    ImplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)
from bibtexparser.splitter import Splitter

from ..arxiv_id import find_ids, parse
from ..errors import BibParseError, InvalidArxivId, Problems
from ..latex import has_rich_markup, latex_to_unicode
from ..model import Author, Provenance, Reference
from ..names import OTHERS, split_bibtex_names

__all__ = [
    "MAX_BRACE_DEPTH",
    "MAX_EXPANSION",
    "BibBlock",
    "BibEntry",
    "ParsedBib",
    "arxiv_id_from_fields",
    "field_family",
    "parse_bib",
    "read_bibtex",
    "strip_delimiters",
]

MAX_BRACE_DEPTH = 100
"""Deepest brace nesting in a title or abstract that is decoded as TeX."""
MAX_EXPANSION = 1_000_000
"""Longest text (in characters) an `@string` or a value may expand to: real macros are
journal names; a chain of macros each doubling the last would otherwise eat all memory."""

# The splitter logs every block it cannot parse; we report those as Problems instead, so
# keep Python's last-resort handler from printing them when the app configured no logging.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

# BibTeX's predefined month macros; a month field may use them bare (`month = jan`).
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_DEFAULT_MACROS = dict(zip(_MONTHS, _MONTH_NAMES, strict=True))
_MONTH_NUMBER = {name: i for i, name in enumerate(_MONTHS, start=1)}

_YEAR = re.compile(r"\d{4}")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_SPACE = re.compile(r"\s+")
# What latex_to_unicode would change: commands, groups, math, ties, dashes, TeX quotes.
_TEX = re.compile(r"[\\{}$~%&]|--|``|''")
# "arXiv" as a word: PsyArXiv, EarthArXiv and friends are other servers with other ids.
_ARXIV_WORD = re.compile(r"(?<![a-z])arxiv", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_BRACE_MARKS = re.compile(r"(?<!\\)[{}]")
_QUOTE_MARKS = re.compile(r'(?<!\\)[{}"]')
_CATEGORY_IN_BRACKETS = re.compile(r"\[([a-z][a-z-]*(?:\.[A-Za-z-]+)?)\]")

# Fields whose content is modelled on the Reference, so they do not ride along in `fields`.
_MODELLED = frozenset({"title", "author", "editor", "abstract"})
# Free text that may cite *other* papers: an id there does not identify this entry.
_NO_ID_FIELDS = frozenset({
    "abstract", "title", "subtitle", "titleaddon", "shorttitle", "booktitle", "annote",
    "annotation", "review", "comment", "comments", "keywords", "file", "mendeley-tags",
})
# Fields that hold nothing but an arXiv id (Better BibTeX's secondary `arxiv`, Mendeley).
_ID_FIELDS = ("arxiv", "arxivid", "arxiv_id")
# Where a bare id sits when the journal says "arXiv" (or DBLP's "CoRR").
_ID_SLOTS = ("volume", "number", "pages", "eid", "journal", "journaltitle")


# Field names that mean the same thing: biblatex's own alias table (manual, "Field Aliases":
# biber maps the left name to the right one when it reads a file), plus `year`, which a
# biblatex `date` holds. An entry that has one name of a family has that field.
_FAMILY = {
    "address": "location", "annote": "annotation", "archiveprefix": "eprinttype",
    "journal": "journaltitle", "key": "sortkey", "pdf": "file", "primaryclass": "eprintclass",
    "school": "institution", "year": "date",
}


def field_family(name: str) -> str:
    """The name that stands for `name` and its aliases: two fields of one family are one field.

    This is the one home of the rule: `enrich` does not add a field whose family the entry
    already has, and the writer does not pass a field through beside one of its family.

    >>> [field_family(n) for n in ("Year", "date", "archivePrefix", "journal", "title")]
    ['date', 'date', 'eprinttype', 'journaltitle', 'title']
    """
    name = name.lower()
    return _FAMILY.get(name, name)


@dataclass(frozen=True)
class BibBlock:
    """One top-level block of the file and where it is in the text."""

    kind: str
    """`entry`, `string`, `preamble`, `comment` (explicit or implicit) or `failed`."""
    start: int
    end: int
    line: int
    """1-based line of the block's first character."""
    name: str = ""
    """The entry's key, or the macro an `@string` defines (as written)."""
    uses: tuple[str, ...] = ()
    """Lower-case names of the macros the block's values use (bare words, `#` parts)."""


@dataclass
class ParsedBib:
    """A `.bib` text split into blocks, with one `Reference` per entry.

    `bridge.bibfile.BibDocument` builds on this to edit the text losslessly.
    """

    text: str
    source: str
    blocks: list[BibBlock]
    entries: list[BibEntry]
    references: list[Reference]


@dataclass
class BibEntry:
    """One `@type{key, ...}` entry: its span in the text and its raw fields."""

    index: int
    key: str
    entry_type: str
    start: int
    end: int
    line: int
    fields: dict[str, str]
    """Lower-case field name to raw value text, outer delimiters removed; first one wins."""
    raw_fields: list[tuple[str, str]] = field(default_factory=list, repr=False, compare=False)
    """Every field as written (name in its own case, value with its delimiters), in order,
    duplicates included: what the lossless editor locates in the text."""
    _values: dict[str, tuple[str, str, str]] = field(default_factory=dict, repr=False,
                                                     compare=False)
    """Lower-case name to (raw value, value without delimiters, delimiter)."""


def parse_bib(text: str, source: str, problems: Problems | None = None) -> ParsedBib:
    """Split a `.bib` text into blocks and entries, with one `Reference` per entry.

    `@string` values are expanded as they are defined; one that would exceed
    `MAX_EXPANSION` characters (a doubling chain) raises `BibParseError` naming the line.

    >>> parsed = parse_bib("@misc{k,\\n  title = {A {GPU} Study},\\n}\\n", "x.bib")
    >>> [(e.key, e.start, e.end, e.line) for e in parsed.entries]
    [('k', 0, 37, 1)]
    >>> parsed.references[0].title
    'A GPU Study'
    """
    if problems is None:
        problems = Problems()
    library = Splitter(text).split()
    macros: dict[str, str] = dict(_DEFAULT_MACROS)
    blocks: list[BibBlock] = []
    entries: list[BibEntry] = []
    references: list[Reference] = []
    first_line_of_key: dict[str, int] = {}
    cursor = 0
    for block in library.blocks:
        raw = block.raw or ""
        start = text.find(raw, cursor)
        if start < 0:
            # Cannot happen with bibtexparser's splitter (every raw is a slice of the text);
            # rendering copies the text regardless, so only this block's span is lost.
            problems.add("could not locate a block in the text; it is kept as is", source,
                         (block.start_line or 0) + 1)
            continue
        end = start + len(raw)
        cursor = end
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            inner = block.ignore_error_block
            if isinstance(inner, Entry | String):
                block = inner
            else:
                reason = getattr(block.error, "abort_reason", None) or str(block.error)
                problems.add(f"could not parse this block, kept as is: {reason.strip()}",
                             source, line)
                blocks.append(BibBlock("failed", start, end, line))
                continue
        try:
            if isinstance(block, Entry):
                uses = tuple(dict.fromkeys(
                    name for f in block.fields for name in _macro_names(f.value)))
                blocks.append(BibBlock("entry", start, end, line, block.key, uses))
                entry = _make_entry(block, len(entries), start, end, line, source, problems)
                if entry.key in first_line_of_key:
                    problems.add(
                        f"duplicate key {entry.key!r} (first at line "
                        f"{first_line_of_key[entry.key]}); both entries are kept",
                        source, line,
                    )
                else:
                    first_line_of_key[entry.key] = line
                entries.append(entry)
                references.append(_make_reference(entry, macros, source, problems))
            elif isinstance(block, String):
                value = block.value.strip()
                blocks.append(BibBlock("string", start, end, line, block.key,
                                       tuple(_macro_names(value))))
                macros[block.key.lower()] = _evaluate(value, macros)
            elif isinstance(block, Preamble):
                blocks.append(BibBlock("preamble", start, end, line))
            elif isinstance(block, ExplicitComment | ImplicitComment):
                blocks.append(BibBlock("comment", start, end, line))
        except _ExpansionTooLong:
            raise BibParseError(
                source, line, f"@string expansion longer than {MAX_EXPANSION:,} characters "
                "(a macro defined in terms of itself, doubled?); refusing to expand it"
            ) from None
    return ParsedBib(text, source, blocks, entries, references)


def read_bibtex(text: str, source: str, problems: Problems | None = None) -> list[Reference]:
    """One `Reference` per entry of a `.bib` text, in file order.

    >>> [ref] = read_bibtex('@misc{k, eprint = {2310.13798v2}, archivePrefix = "arXiv"}', "x")
    >>> ref.arxiv_id, ref.arxiv_version, ref.provenance.line
    ('2310.13798', 2, 1)
    """
    return parse_bib(text, source, problems).references


def arxiv_id_from_fields(fields: Mapping[str, str]) -> tuple[str, int | None] | None:
    """The arXiv id (and version, if given) an entry's fields name, or None.

    `fields` maps field names (any case) to values (braces are ignored). In order:
    `eprint` with `archivePrefix`/`eprinttype` arXiv (or an untyped eprint that is an
    arXiv id), a field named `arxiv`/`arxivid`, an arXiv DOI, a bare id in
    `volume`/`number`/`pages` of an entry whose journal is arXiv (or DBLP's CoRR,
    `abs/...`; or split as volume `1802`, number `03426`), then any `arXiv:` id, arXiv
    URL or arXiv DOI in the other fields. Free text (title, abstract, notes on other
    papers) is ignored, and so are eprints of other types (googlebooks, jstor, hdl...).

    >>> arxiv_id_from_fields({"eprint": "math/0307200v3", "eprinttype": "arxiv"})
    ('math/0307200', 3)
    >>> arxiv_id_from_fields({"journal": "CoRR", "volume": "abs/1706.03762"})
    ('1706.03762', None)
    >>> arxiv_id_from_fields({"eprint": "4HIWAAAAYAAJ", "eprinttype": "googlebooks"}) is None
    True
    """
    raw = {name.lower(): value for name, value in fields.items()}

    def plain(name: str) -> str:
        value = raw.get(name)
        return _plain(value) if value else ""

    eprint = plain("eprint")
    kind = plain("archiveprefix") or plain("eprinttype")
    if eprint:
        if kind:
            if kind.lower() == "arxiv" and (found := _loose_id(eprint)):
                return found
        elif found := _strict_id(eprint):
            return found
    for name in _ID_FIELDS:
        if (value := plain(name)) and (found := _strict_id(value)):
            return found
    doi = plain("doi")
    if doi and (m := _ARXIV_DOI.search(doi)) and (found := _strict_id(m.group(1))):
        return found
    journal = plain("journal") or plain("journaltitle")
    if journal.lower() == "corr" or _ARXIV_WORD.search(journal):
        for slot in _ID_SLOTS:
            value = plain(slot)
            if not value:
                continue
            if value.lower().startswith("abs/"):
                value = value[4:]
            if found := _strict_id(value) or _marked_id(value, anywhere=slot != "journal"):
                return found
        # BibDesk users split a new-style id over volume and number (1802 + 03426).
        volume, number = plain("volume"), plain("number")
        if (len(volume) == 4 and volume.isdigit() and number.isdigit()
                and (found := _strict_id(f"{volume}.{number}"))):
            return found
    for name, value in raw.items():
        if name in _NO_ID_FIELDS or name in ("eprint", "doi"):
            continue
        if found := _marked_id(_plain(value), anywhere=False):
            return found
    return None


# --- entries and references -------------------------------------------------------------

def _make_entry(block: Entry, index: int, start: int, end: int, line: int, source: str,
                problems: Problems) -> BibEntry:
    fields: dict[str, str] = {}
    values: dict[str, tuple[str, str, str]] = {}
    for f in block.fields:
        name = f.key.lower()
        if name in fields:
            problems.add(f"duplicate field {f.key!r} in entry {block.key!r}; "
                         "the first one is used", source, line)
            continue
        inner, delimiter = strip_delimiters(f.value)
        fields[name] = inner
        values[name] = (f.value, inner, delimiter)
    entry = BibEntry(index, block.key, block.entry_type.lower(), start, end, line, fields,
                     [(f.key, f.value) for f in block.fields])
    entry._values = values
    return entry


def _make_reference(entry: BibEntry, macros: Mapping[str, str], source: str,
                    problems: Problems) -> Reference:
    # Delimited values and numbers are their own text; only bare words (macros) and `#`
    # concatenations need evaluating.
    resolved = {
        name: inner if delimiter or inner.isdigit() else _evaluate(raw, macros)
        for name, (raw, inner, delimiter) in entry._values.items()
    }
    get = resolved.get
    ref = Reference(key=entry.key or None, entry_type=entry.entry_type,
                    provenance=Provenance(source, entry.line))
    # What the entry says once its @strings are expanded: written to another file, which
    # will not have them, `journal = aap` must still mean what it meant here.
    rest = {name: resolved.get(name.lower(), value) for name, value in entry.fields.items()}
    for name in _MODELLED:
        rest.pop(name, None)

    if (title := get("title")) is not None:
        ref.title = _decode(title, "title", entry, source, problems) or None
        if has_rich_markup(title):  # italics, sub/superscripts: Zotero keeps them (items.py)
            rest["title"] = title
    if (authors := get("author")) is not None:
        ref.authors, ref.authors_truncated = _names(authors)
    if (editors := get("editor")) is not None:
        ref.editors, _ = _names(editors)
    if (abstract := get("abstract")) is not None:
        ref.abstract = _decode(abstract, "abstract", entry, source, problems) or None
    ref.date, used = _date(get("date"), get("year"), get("month"))
    for name in used:
        rest.pop(name, None)

    found = arxiv_id_from_fields(resolved)
    kind = _plain(get("archiveprefix") or get("eprinttype") or "").lower()
    if kind == "arxiv" and (eprint := get("eprint")) and not _loose_id(_plain(eprint)):
        problems.add(f"entry {entry.key!r}: eprint {eprint!r} is not an arXiv identifier",
                     source, entry.line)
    if found:
        ref.arxiv_id, ref.arxiv_version = found
        if kind == "arxiv":
            for name in ("eprint", "archiveprefix", "eprinttype"):
                rest.pop(name, None)
    if doi := get("doi"):
        doi = _DOI_PREFIX.sub("", _plain(doi))
        rest.pop("doi", None)
        if not _ARXIV_DOI.match(doi):
            ref.doi = doi
    if url := get("url"):
        ref.url = _plain(url)
        rest.pop("url", None)
    category = get("primaryclass") or get("eprintclass")
    if category:
        ref.categories = [c.strip() for c in _plain(category).split(",") if c.strip()]
        ref.primary_category = ref.categories[0] if ref.categories else None
        rest.pop("primaryclass", None)
        rest.pop("eprintclass", None)
    elif found:
        for name in ("journal", "number"):
            if m := _CATEGORY_IN_BRACKETS.search(_plain(get(name, ""))):
                ref.primary_category = m.group(1)
                ref.categories = [m.group(1)]
                break
    ref.fields = rest
    return ref


def _names(text: str) -> tuple[list[Author], bool]:
    """The names of an author/editor field, and whether it ended in `and others`."""
    authors = split_bibtex_names(text)
    truncated = False
    while authors and authors[-1] == OTHERS:
        authors.pop()
        truncated = True
    return authors, truncated


def _date(date: str | None, year: str | None,
          month: str | None) -> tuple[str | None, tuple[str, ...]]:
    """ISO (partial) date from biblatex `date`, else `year` + `month`; and the fields used.

    A field we cannot read (`year = {in press}`) is not used, so it rides along in `fields`.
    """
    if date and (m := _ISO_DATE.match(_plain(date))):
        return "-".join(part for part in m.groups() if part), ("date",)
    if not year or not (y := _YEAR.search(year)):
        return None, ()
    if month and (number := _month_number(_plain(month))):
        return f"{y.group()}-{number:02d}", ("year", "month")
    return y.group(), ("year",)


def _month_number(text: str) -> int | None:
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return _MONTH_NUMBER.get(text[:3]) if len(text) >= 3 else None


def _decode(text: str, name: str, entry: BibEntry, source: str, problems: Problems) -> str:
    """Plain Unicode for a title or abstract: single spaces, outer braces off, LaTeX decoded.

    Braces nested deeper than `MAX_BRACE_DEPTH` inside are not TeX a person wrote: the
    value is kept with its braces dropped, undecoded, and the problem reported.
    """
    text = _strip_outer_braces(_SPACE.sub(" ", text).strip())
    # Most titles hold no TeX at all; skipping the decoder for them is most of its cost.
    if not _TEX.search(text):
        return text
    if (depth := _brace_depth(text)) > MAX_BRACE_DEPTH:
        problems.add(f"entry {entry.key!r}: braces nested {depth} deep in {name} (more than "
                     f"{MAX_BRACE_DEPTH}); kept without braces, TeX not decoded",
                     source, entry.line)
        return _plain(text)
    return latex_to_unicode(text).strip()


def _brace_depth(text: str) -> int:
    """How deep braces nest in the text (unescaped ones, as `_BRACE_MARKS` finds them)."""
    depth = deepest = 0
    for m in _BRACE_MARKS.finditer(text):
        depth += 1 if m.group() == "{" else -1
        deepest = max(deepest, depth)
    return deepest


def _strip_outer_braces(text: str) -> str:
    """The text without the brace pairs that enclose all of it (and the spaces inside them).

    One pass over the text, whatever the depth: `{{{...}}}` nested 20,000 deep costs what
    20,000 characters cost, not 20,000 scans.

    >>> [_strip_outer_braces(t) for t in ("{ {A} {B} }", "{{A}}", "{A}{B}")]
    ['{A} {B}', 'A', '{A}{B}']
    """
    if not text.startswith("{"):
        return text
    closing: dict[int, int] = {}
    opened: list[int] = []
    for m in _BRACE_MARKS.finditer(text):
        if m.group() == "{":
            opened.append(m.start())
        elif opened:
            closing[opened.pop()] = m.start()
    lo, hi = 0, len(text)
    while hi - lo > 1 and text[lo] == "{" and closing.get(lo) == hi - 1:
        lo, hi = lo + 1, hi - 1
        while lo < hi and text[lo] == " ":
            lo += 1
        while hi > lo and text[hi - 1] == " ":
            hi -= 1
    return text[lo:hi]


# --- values -----------------------------------------------------------------------------

def _plain(value: str) -> str:
    """A value without quotes, braces and runs of spaces, for matching ids and keywords."""
    if len(value) > 1 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]
    return _SPACE.sub(" ", value.replace("{", "").replace("}", "")).strip()


def _encloses_whole(value: str, opening: str) -> bool:
    """Whether the delimiter at value[0] is closed by the one at value[-1]."""
    last = len(value) - 1
    if last < 1 or value[last] != ("}" if opening == "{" else '"'):
        return False
    inner = value[1:last]
    if opening == '"':
        if '"' not in inner:
            return True
        depth = 0
        for m in _QUOTE_MARKS.finditer(inner):
            char = m.group()
            if char == "{":
                depth += 1
            elif char == "}":
                depth = max(depth - 1, 0)
            elif depth == 0:
                return False
        return True
    if "{" not in inner and "}" not in inner:
        return not inner.endswith("\\")
    depth = 0
    for m in _BRACE_MARKS.finditer(value):
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0 and m.start() != last:
                return False
    return depth == 0


def strip_delimiters(value: str) -> tuple[str, str]:
    """(text inside the outer delimiters, delimiter); bare values come back as they are.

    >>> strip_delimiters("{A {B}}"), strip_delimiters('"x"'), strip_delimiters("jan")
    (('A {B}', '{'), ('x', '"'), ('jan', ''))
    """
    if len(value) > 1 and value[0] in '{"' and _encloses_whole(value, value[0]):
        return value[1:-1], value[0]
    return value, ""


class _ExpansionTooLong(Exception):
    """A value would expand past `MAX_EXPANSION` characters."""


def _evaluate(value: str, macros: Mapping[str, str]) -> str:
    """The text a raw value stands for: delimiters removed, macros and `#` resolved."""
    inner, delimiter = strip_delimiters(value)
    if delimiter or inner.isdigit():
        return inner
    parts = [_evaluate_part(part, macros) for part in _split_concatenation(value)]
    # Checked before joining: each macro is already bounded, so this never builds a bomb.
    if sum(map(len, parts)) > MAX_EXPANSION:
        raise _ExpansionTooLong
    return "".join(parts)


def _evaluate_part(part: str, macros: Mapping[str, str]) -> str:
    inner, delimiter = strip_delimiters(part)
    if delimiter or inner.isdigit():
        return inner
    return macros.get(part.lower(), part)


def _macro_names(value: str) -> list[str]:
    """Lower-case names of the macros a raw value uses (`jan`, `aap # " 12"` -> aap).

    >>> _macro_names('aap # " vol. " # 12 # {x}')
    ['aap']
    """
    inner, delimiter = strip_delimiters(value)
    if delimiter or inner.isdigit():
        return []
    return [part.lower() for part in _split_concatenation(value)
            if not strip_delimiters(part)[1] and not part.isdigit()]


def _split_concatenation(value: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:i].strip())
            start = i + 1
    parts.append(value[start:].strip())
    return [p for p in parts if p]


# --- arXiv ids --------------------------------------------------------------------------

def _strict_id(text: str) -> tuple[str, int | None] | None:
    """The id if the whole text is one (an `arXiv:` prefix allowed)."""
    try:
        found = parse(text.strip())
    except InvalidArxivId:
        return None
    return found.id, found.version


def _loose_id(text: str) -> tuple[str, int | None] | None:
    """The id of a value known to be an arXiv eprint: the whole value, or the first id in it."""
    if found := _strict_id(text):
        return found
    matches = find_ids(text)
    return (matches[0].arxiv_id.id, matches[0].arxiv_id.version) if matches else None


def _marked_id(text: str, *, anywhere: bool) -> tuple[str, int | None] | None:
    """The first id written in an arXiv form (`arXiv:`, a URL of the paper, arXiv DOI).

    With `anywhere`, a bare id counts too (the caller knows the value is about arXiv).
    """
    for match in find_ids(text):
        if anywhere or match.cued:
            return match.arxiv_id.id, match.arxiv_id.version
    return None
