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

import itertools
import logging
import re
from collections import Counter
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
from ..errors import InvalidArxivId, Problems
from ..latex import has_rich_markup, latex_to_unicode
from ..model import Author, Provenance, Reference
from ..names import OTHERS, split_bibtex_names

__all__ = [
    "BibBlock",
    "BibDocument",
    "BibEntry",
    "arxiv_id_from_fields",
    "parse_bib",
    "read_bibtex",
]

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


@dataclass(frozen=True)
class BibBlock:
    """One top-level block of the file and where it is in the text."""

    kind: str
    """`entry`, `string`, `preamble`, `comment` (explicit or implicit) or `failed`."""
    start: int
    end: int
    line: int
    """1-based line of the block's first character."""


@dataclass
class _FieldSpan:
    """Where one field sits in the text (absolute offsets), for in-place edits."""

    name: str
    name_start: int
    name_end: int
    eq: int
    value_start: int
    value_end: int
    delimiter: str
    """`{`, `"` or `` (a bare number, macro or `#` concatenation)."""


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
    _block: Entry = field(repr=False, compare=False)
    _spans: list[_FieldSpan] | None = field(default=None, repr=False, compare=False)
    _values: dict[str, tuple[str, str, str]] = field(default_factory=dict, repr=False,
                                                     compare=False)
    """Lower-case name to (raw value, value without delimiters, delimiter)."""


class BibDocument:
    """A parsed `.bib` text that can be written back with some entries edited."""

    def __init__(self, text: str, source: str, blocks: list[BibBlock],
                 entries: list[BibEntry], references: list[Reference]):
        self.text = text
        self.source = source
        self.blocks = blocks
        self.entries = entries
        self.references = references

    def __repr__(self) -> str:
        return f"BibDocument({self.source!r}, {len(self.entries)} entries)"

    def render(self, edits: Mapping[int, Mapping[str, str]]) -> str:
        """The whole text with `edits` (entry index -> {field name: LaTeX value}) applied.

        Entries without edits, and everything between entries, are copied byte for byte.
        An existing field (matched without regard to case) keeps its name, position and
        delimiter and gets the new value; new fields are added at the end in the entry's own
        style (indent, alignment, name case, delimiters, line endings). Only additions show
        in a line diff: see `_insertion`.
        """
        if not edits:
            return self.text
        pieces: list[str] = []
        cursor = 0
        for index in sorted(edits):
            if not 0 <= index < len(self.entries):
                raise IndexError(f"{self.source}: no entry with index {index}")
            changes = edits[index]
            if not changes:
                continue
            entry = self.entries[index]
            pieces.append(self.text[cursor:entry.start])
            pieces.append(self._render_entry(entry, changes))
            cursor = entry.end
        pieces.append(self.text[cursor:])
        return "".join(pieces)

    def _render_entry(self, entry: BibEntry, changes: Mapping[str, str]) -> str:
        for name, value in changes.items():
            if not _braces_balanced(value):
                raise ValueError(
                    f"{self.source}:{entry.line}: value for {name!r} of {entry.key!r} "
                    "has unbalanced braces"
                )
        # Names are case-insensitive: of `Title` and `title`, the last one given wins.
        merged: dict[str, tuple[str, str]] = {}
        for name, value in changes.items():
            merged.pop(name.lower(), None)
            merged[name.lower()] = (name, value)
        text = self.text
        spans = _field_spans(text, entry)
        style = _EntryStyle.of(text, entry, spans)
        by_name: dict[str, _FieldSpan] = {}
        for span in spans:
            by_name.setdefault(span.name.lower(), span)

        replacements: list[tuple[int, int, str]] = []
        appended: list[tuple[str | None, str]] = []
        for name, value in merged.values():
            span = by_name.get(name.lower())
            if span is None:
                appended.append(style.new_field(name, value))
                continue
            delimiter = span.delimiter or ("" if value.isdigit() else style.delimiter)
            replacements.append((span.value_start, span.value_end, _enclose(value, delimiter)))
        if appended:
            replacements.append(_insertion(text, entry, spans, style, appended))

        out: list[str] = []
        cursor = entry.start
        for start, end, new in sorted(replacements, key=lambda r: (r[0], r[1])):
            out.append(text[cursor:start])
            out.append(new)
            cursor = end
        out.append(text[cursor:entry.end])
        return "".join(out)


def _insertion(text: str, entry: BibEntry, spans: list[_FieldSpan], style: _EntryStyle,
               fields: list[tuple[str | None, str]]) -> tuple[int, int, str]:
    """Where and what to insert so that new fields read as the entry's own.

    New fields go after the last one. When that would change the last field's line (no
    trailing comma, or the closing brace on that line), they go on lines of their own just
    before it instead: a line diff then shows additions only, and the entry keeps its habit.
    """
    if not spans:
        at = style.after_key
        tail_has_comma = text[at:entry.end].lstrip().startswith(",")
        inserted = "".join(f"{style.separator}{field}" for _, field in fields)
        return at, at, inserted if tail_has_comma else inserted + style.newline
    last = spans[-1]
    # Appending after the last value leaves its line as it was only if the rest of that
    # line is exactly what a separator puts there (`,` after the value, or nothing).
    line_end = text.find("\n", last.value_end, entry.end)
    rest = text[last.value_end:entry.end if line_end < 0 else line_end].rstrip("\r")
    lead = style.lead
    if lead is not None and rest != style.line_break.rstrip("\r\n"):
        line_start = last.name_start - len(lead)
        if text[line_start - 1:last.name_start] == "\n" + lead:
            inserted = "".join(f"{new_lead}{field}{style.line_break}"
                               for new_lead, field in fields)
            return line_start, line_start, inserted
    inserted = "".join(f"{style.line_break}{new_lead or ''}{field}"
                       for new_lead, field in fields)
    return last.value_end, last.value_end, inserted


@dataclass
class _EntryStyle:
    """How an entry lays out its fields, so that appended fields look like their siblings."""

    separator: str
    """What goes between a value and the next field name (comma and line break included)."""
    lead: str | None
    """What starts a field's line after the separator's line break (indent, or `  , ` in
    comma-first style); None when fields do not start lines."""
    indent: str | None
    """`lead` when it is plain white space (so alignment can be computed), else None."""
    before_eq: str
    after_eq: str
    delimiter: str
    name_case: str
    newline: str
    after_key: int
    eq_column: int | None
    """Column of `=` when the entry pads names to align it (left-aligned names)."""
    name_end_column: int | None
    """Column where names end when the entry right-aligns them (NASA ADS)."""

    @classmethod
    def of(cls, text: str, entry: BibEntry, spans: list[_FieldSpan]) -> _EntryStyle:
        newline = "\r\n" if "\r\n" in text[entry.start:entry.end] else "\n"
        after_key = _after_key(text, entry)
        if not spans:
            return cls(f",{newline}  ", "  ", "  ", " ", " ", "{", "lower", newline,
                       after_key, None, None)
        separators = [text[after_key:spans[0].name_start]]
        separators += [text[a.value_end:b.name_start] for a, b in itertools.pairwise(spans)]
        separator = separators[-1]
        leads = [s[s.rindex("\n") + 1:] if "\n" in s else None for s in separators]
        indents = [lead if lead is not None and not lead.strip() else None for lead in leads]
        before = [text[s.name_end:s.eq] for s in spans]
        after = [text[s.eq + 1:s.value_start] for s in spans]
        quoted = sum(1 for s in spans if s.delimiter == '"')
        braced = sum(1 for s in spans if s.delimiter == "{")
        eq_column = name_end_column = None
        plain = [i for i in indents if i is not None]
        if len(plain) == len(indents) and len(spans) > 1:
            name_ends = [len(i) + len(s.name) for i, s in zip(plain, spans, strict=True)]
            if len(set(plain)) == 1 and len(set(before)) > 1:
                eq_column = _mode(end + len(b) for end, b in zip(name_ends, before, strict=True))
            elif len(set(plain)) > 1:
                name_end_column = _mode(name_ends)
        return cls(
            separator=separator,
            lead=leads[-1],
            indent=indents[-1],
            before_eq=_mode(before),
            after_eq=_mode(after),
            delimiter='"' if quoted > braced else "{",
            name_case=_name_case([s.name for s in spans]),
            newline=newline,
            after_key=after_key,
            eq_column=eq_column,
            name_end_column=name_end_column,
        )

    def new_field(self, name: str, value: str) -> tuple[str | None, str]:
        """(lead, `name = {value}`) of a new field laid out like its siblings."""
        name = _apply_case(name, self.name_case)
        before = self.before_eq
        lead = self.lead
        if self.indent is not None:
            if self.name_end_column is not None:
                lead = " " * max(self.name_end_column - len(name), 1)
            elif self.eq_column is not None:
                pad = self.eq_column - len(self.indent) - len(name)
                before = " " * pad if pad > 0 else " "
        return lead, f"{name}{before}={self.after_eq}{_enclose(value, self.delimiter)}"

    @property
    def line_break(self) -> str:
        """The separator without the lead of the next line: `,\n` in most files."""
        if self.lead is None:
            return self.separator
        return self.separator[: len(self.separator) - len(self.lead)]


def parse_bib(text: str, source: str, problems: Problems | None = None) -> BibDocument:
    """Parse a `.bib` text into a `BibDocument` (entries, spans, References).

    >>> doc = parse_bib("@misc{k,\\n  title = {A {GPU} Study},\\n}\\n", "x.bib")
    >>> [(e.key, e.start, e.end, e.line) for e in doc.entries]
    [('k', 0, 37, 1)]
    >>> doc.render({0: {"year": "2023"}})
    '@misc{k,\\n  title = {A {GPU} Study},\\n  year = {2023},\\n}\\n'
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
        if isinstance(block, Entry):
            blocks.append(BibBlock("entry", start, end, line))
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
            blocks.append(BibBlock("string", start, end, line))
            macros[block.key.lower()] = _evaluate(block.value.strip(), macros)
        elif isinstance(block, Preamble):
            blocks.append(BibBlock("preamble", start, end, line))
        elif isinstance(block, ExplicitComment | ImplicitComment):
            blocks.append(BibBlock("comment", start, end, line))
    return BibDocument(text, source, blocks, entries, references)


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
        if name in _NO_ID_FIELDS or name in ("eprint", "doi") or not _ARXIV_WORD.search(value):
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
        inner, delimiter = _strip_delimiters(f.value)
        fields[name] = inner
        values[name] = (f.value, inner, delimiter)
    entry = BibEntry(index, block.key, block.entry_type.lower(), start, end, line, fields,
                     block)
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
        ref.title = _decode(title) or None
        if has_rich_markup(title):  # italics, sub/superscripts: Zotero keeps them (items.py)
            rest["title"] = title
    if (authors := get("author")) is not None:
        ref.authors, ref.authors_truncated = _names(authors)
    if (editors := get("editor")) is not None:
        ref.editors, _ = _names(editors)
    if (abstract := get("abstract")) is not None:
        ref.abstract = _decode(abstract) or None
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


def _decode(text: str) -> str:
    """Plain Unicode for a title or abstract: single spaces, outer braces off, LaTeX decoded."""
    text = _SPACE.sub(" ", text).strip()
    while len(text) > 1 and text[0] == "{" and _encloses_whole(text, "{"):
        text = text[1:-1].strip()
    # Most titles hold no TeX at all; skipping the decoder for them is most of its cost.
    return latex_to_unicode(text).strip() if _TEX.search(text) else text


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


def _strip_delimiters(value: str) -> tuple[str, str]:
    """(text inside the outer delimiters, delimiter); bare values come back as they are."""
    if len(value) > 1 and value[0] in '{"' and _encloses_whole(value, value[0]):
        return value[1:-1], value[0]
    return value, ""


def _evaluate(value: str, macros: Mapping[str, str]) -> str:
    """The text a raw value stands for: delimiters removed, macros and `#` resolved."""
    inner, delimiter = _strip_delimiters(value)
    if delimiter or inner.isdigit():
        return inner
    return "".join(_evaluate_part(part, macros) for part in _split_concatenation(value))


def _evaluate_part(part: str, macros: Mapping[str, str]) -> str:
    inner, delimiter = _strip_delimiters(part)
    if delimiter or inner.isdigit():
        return inner
    return macros.get(part.lower(), part)


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


def _braces_balanced(value: str) -> bool:
    depth = 0
    for i, char in enumerate(value):
        if char in "{}" and i and value[i - 1] == "\\":
            continue
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def _enclose(value: str, delimiter: str) -> str:
    if delimiter == '"' and not _encloses_whole(f'"{value}"', '"'):
        delimiter = "{"
    if delimiter == '"':
        return f'"{value}"'
    if delimiter == "" and value.isdigit():
        return value
    return f"{{{value}}}"


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
    """The first id written in an arXiv form (`arXiv:`, arxiv.org URL, arXiv DOI).

    With `anywhere`, a bare id counts too (the caller knows the value is about arXiv).
    """
    if not anywhere and not _ARXIV_WORD.search(text):
        return None
    for match in find_ids(text):
        if anywhere or _ARXIV_WORD.search(text, match.start, match.end):
            return match.arxiv_id.id, match.arxiv_id.version
    return None


# --- layout of one entry, for edits -----------------------------------------------------

def _after_key(text: str, entry: BibEntry) -> int:
    """Offset just after the citation key (before the comma that follows it)."""
    opening = entry.start
    while text[opening] not in "{(":
        opening += 1
    key = entry._block.key
    at = text.find(key, opening + 1, entry.end) if key else -1
    return at + len(key) if at >= 0 else opening + 1


def _field_spans(text: str, entry: BibEntry) -> list[_FieldSpan]:
    """Locate each field of an entry; bibtexparser keeps names and values but not offsets."""
    if entry._spans is not None:
        return entry._spans
    spans: list[_FieldSpan] = []
    cursor = _after_key(text, entry)
    for f in entry._block.fields:
        # Between the previous value and this name there is only a comma and white space,
        # and between `=` and the value only white space (the splitter strips both), so
        # the first match from the cursor is the right one.
        name_start = text.find(f.key, cursor, entry.end)
        name_end = name_start + len(f.key)
        eq = text.find("=", name_end, entry.end)
        value_start = text.find(f.value, eq + 1, entry.end)
        value_end = value_start + len(f.value)
        if min(name_start, eq, value_start) < 0:
            raise ValueError(f"cannot locate field {f.key!r} of entry {entry.key!r}")
        delimiter = _strip_delimiters(f.value)[1]
        spans.append(_FieldSpan(f.key, name_start, name_end, eq, value_start, value_end,
                                delimiter))
        cursor = value_end
    entry._spans = spans
    return spans


def _mode(values) -> object:
    return Counter(values).most_common(1)[0][0]


def _name_case(names: list[str]) -> str:
    if all(n == n.lower() for n in names):
        return "lower"
    if all(n == n.upper() for n in names):
        return "upper"
    if all(n == "-".join(part.capitalize() for part in n.split("-")) for n in names):
        return "capitalized"
    return "as-given"


def _apply_case(name: str, case: str) -> str:
    # A lower-case entry keeps arXiv's own spelling of `archivePrefix` and `primaryClass`:
    # Google Scholar and arXiv write them that way beside lower-case names.
    if case == "upper":
        return name.upper()
    if case == "capitalized":
        return "-".join(part.capitalize() for part in name.split("-"))
    return name
