"""Read `.bib` files into `Reference`s, and edit them without touching anything else.

`parse_bib` splits the text with bibtexparser 2 (its splitter only: the middlewares would
copy and rewrite every value, and we need few of them) and locates every block's exact
character span in the original text. That gives a `BibDocument` whose `render(edits)`
rebuilds the file from slices of the original: entries without edits come back byte for
byte, and an edited entry keeps its own layout (field order, indentation, `=` spacing,
delimiters, trailing comma).

At scale (a 100,000-entry file), each block is taken over as the splitter makes it, and
little is kept of it: its span, key and type, and the fields only of entries whose text may
name an arXiv paper; a `Reference` is built when first used (`ParsedBib.references`), so a
job that needs only the arXiv entries (`enrich`, `ids`) never builds the others. Problems
still come in file order.

`@string` macros (and `#` concatenations) are resolved in every value a `Reference`
carries, so it means the same wherever it is written; `BibEntry.fields` keeps the raw text
of the file for lossless edits. `@string`, `@preamble`,
comments and blocks that fail to parse stay in the text; failures, duplicate keys and
duplicate fields are reported to the `Problems` collector with file and line.
"""

from __future__ import annotations

import gc
import logging
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import overload

from bibtexparser.model import (
    Block,
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


@dataclass(frozen=True, slots=True)
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

    `references` builds each entry's `Reference` when it is first asked for (iterating
    builds them all); `arxiv_references()` gives those that name an arXiv paper without
    building the others'. `bridge.bibfile.BibDocument` builds on this to edit the text
    losslessly.
    """

    text: str
    source: str
    blocks: list[BibBlock]
    entries: list[BibEntry]
    references: Sequence[Reference]
    may_name_arxiv: list[int] = field(default_factory=list)
    """Indices of the entries whose text may name an arXiv id (a superset of those that do,
    decided from the raw text; see `_may_name_arxiv`). No other entry has an `arxiv_id`."""

    def arxiv_references(self) -> list[Reference]:
        """The references that name an arXiv paper, in file order."""
        return [ref for index in self.may_name_arxiv
                if (ref := self.references[index]).arxiv_id]


class BibEntry:
    """One `@type{key, ...}` entry: its span in the text and its raw fields.

    The fields of an entry that cannot name an arXiv paper are not kept while parsing (in a
    large file they are most of its text, held again): they are split again from the
    entry's text when first asked for.
    """

    __slots__ = ("_bare", "_fields", "_raw_fields", "_text", "end", "entry_type", "index",
                 "key", "line", "start")

    def __init__(self, index: int, key: str, entry_type: str, start: int, end: int, line: int,
                 text: str, raw_fields: list[tuple[str, str]] | None = None,
                 bare: dict[str, str] | None = None) -> None:
        self.index = index
        self.key = key
        self.entry_type = entry_type
        """Lower case."""
        self.start = start
        self.end = end
        self.line = line
        """1-based line of the entry's `@`."""
        self._text = text
        self._raw_fields = raw_fields
        self._fields: dict[str, str] | None = None
        self._bare = bare
        """Lower-case name to the evaluated value, for first fields that are neither
        delimited nor a number (macros, `#` concatenations), with the `@string`s defined
        before the entry."""

    @property
    def raw_fields(self) -> list[tuple[str, str]]:
        """Every field as written (name in its own case, value with its delimiters), in
        order, duplicates included: what the lossless editor locates in the text."""
        if self._raw_fields is None:
            self._raw_fields = _split_fields(self._text[self.start:self.end])
        return self._raw_fields

    @property
    def fields(self) -> dict[str, str]:
        """Lower-case field name to raw value text, outer delimiters removed; first one wins."""
        if self._fields is None:
            fields: dict[str, str] = {}
            for name, value in self.raw_fields:
                name = name.lower()
                if name not in fields:
                    fields[name] = strip_delimiters(value)[0]
            self._fields = fields
        return self._fields

    def __repr__(self) -> str:
        return (f"BibEntry(index={self.index}, key={self.key!r}, "
                f"entry_type={self.entry_type!r}, start={self.start}, end={self.end}, "
                f"line={self.line})")


def parse_bib(text: str, source: str, problems: Problems | None = None, *,
              every_reference: bool = False) -> ParsedBib:
    """Split a `.bib` text into blocks and entries, with one `Reference` per entry.

    References are built when first used, except (while parsing) those of entries that may
    name an arXiv paper; `every_reference` builds them all while parsing, for a caller that
    will use them all (cheaper than splitting each entry's fields again later).

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
    # A parse makes many small objects that all live as long as the document, and no
    # cycles: the cyclic collector would only re-scan them, over and over as they pile up
    # (a third of a large file's parse time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _Parser(text, source, problems, every_reference).parse()
    finally:
        if was_enabled:
            gc.enable()


def read_bibtex(text: str, source: str, problems: Problems | None = None) -> list[Reference]:
    """One `Reference` per entry of a `.bib` text, in file order.

    >>> [ref] = read_bibtex('@misc{k, eprint = {2310.13798v2}, archivePrefix = "arXiv"}', "x")
    >>> ref.arxiv_id, ref.arxiv_version, ref.provenance.line
    ('2310.13798', 2, 1)
    """
    return list(parse_bib(text, source, problems, every_reference=True).references)


class _Taken(Block):
    """Stands in bibtexparser's library for a block `_Parser.take` has already taken over."""


_TAKEN = _Taken()


class _StreamingSplitter(Splitter):
    """bibtexparser's splitter, handing each entry and `@string` over as soon as it is split.

    `Splitter.split` keeps every block in a `Library` until the whole text is split: for a
    large file, every value as bibtexparser objects, several times the file's size. These
    two handlers (bibtexparser 2's own, pinned `<3`) pass each entry and `@string` to `take`
    with its offset in the text and leave a placeholder, so only what `parse_bib` keeps
    survives; comments, preambles and failed blocks stay in the library, in file order.
    """

    def __init__(self, text: str, take: Callable[[Block, int], None]) -> None:
        super().__init__(text)
        self._take = take

    # The splitter reads "\n" + text, so a mark at m.start() is at m.start() - 1 in text.
    def _handle_entry(self, m: re.Match[str], m_val: str) -> Block:  # type: ignore[override]
        self._take(super()._handle_entry(m, m_val), m.start() - 1)
        return _TAKEN

    def _handle_string(self, m: re.Match[str]) -> Block:  # type: ignore[override]
        self._take(super()._handle_string(m), m.start() - 1)
        return _TAKEN


@dataclass
class _EntryNotes:
    """What `parse` must know of a taken entry beyond its `BibEntry`; only the few entries
    with anything to note have one."""

    duplicate_fields: list[str]
    build_now: bool
    """Whether the `Reference` is built while parsing: the entry may name an arXiv paper,
    or building it may report a problem (which must come in file order)."""
    too_long: bool


_NOTHING_TO_NOTE = _EntryNotes([], False, False)


@dataclass
class _TakenString:
    block: BibBlock
    too_long: bool


@dataclass
class _TakenFailure:
    start: int
    end: int
    line: int
    reason: str


class _Parser:
    """One `parse_bib`: takes blocks over from the splitter, then reports them in order."""

    def __init__(self, text: str, source: str, problems: Problems,
                 every_reference: bool = False) -> None:
        self.text = text
        self.every_reference = every_reference
        self.source = source
        self.problems = problems
        self.macros: dict[str, str] = dict(_DEFAULT_MACROS)
        # In file order: an entry is its BibBlock here and its BibEntry in `taken_entries`
        # (nothing more per entry: a large file has very many).
        self.taken: list[BibBlock | _TakenString | _TakenFailure] = []
        self.taken_entries: list[BibEntry] = []
        self.notes: dict[int, _EntryNotes] = {}
        self.entry_count = 0

    def parse(self) -> ParsedBib:
        text, source, problems = self.text, self.source, self.problems
        library = _StreamingSplitter(text, self.take).split()
        blocks: list[BibBlock] = []
        entries: list[BibEntry] = []
        built: list[Reference | None] = []
        may_name_arxiv: list[int] = []
        first_line_of_key: dict[str, int] = {}
        pending = iter(self.taken)
        pending_entries = iter(self.taken_entries)
        cursor = 0
        for block in library.blocks:
            if block is _TAKEN:
                taken = next(pending)
                if isinstance(taken, _TakenFailure):
                    problems.add(f"could not parse this block, kept as is: {taken.reason}",
                                 source, taken.line)
                    blocks.append(BibBlock("failed", taken.start, taken.end, taken.line))
                    cursor = taken.end
                    continue
                if isinstance(taken, _TakenString):
                    blocks.append(taken.block)
                    cursor = taken.block.end
                    if taken.too_long:
                        raise _too_long(source, taken.block.line)
                    continue
                blocks.append(taken)
                cursor = taken.end
                entry = next(pending_entries)
                notes = self.notes.get(entry.index, _NOTHING_TO_NOTE)
                for name in notes.duplicate_fields:
                    problems.add(f"duplicate field {name!r} in entry {entry.key!r}; "
                                 "the first one is used", source, entry.line)
                if entry.key in first_line_of_key:
                    problems.add(
                        f"duplicate key {entry.key!r} (first at line "
                        f"{first_line_of_key[entry.key]}); both entries are kept",
                        source, entry.line,
                    )
                else:
                    first_line_of_key[entry.key] = entry.line
                entries.append(entry)
                if notes.too_long:
                    raise _too_long(source, entry.line)
                if notes.build_now:
                    may_name_arxiv.append(entry.index)
                if notes.build_now or self.every_reference:
                    built.append(_make_reference(entry, source, problems))
                else:
                    built.append(None)
                continue
            raw = block.raw or ""
            start = text.find(raw, cursor)
            line = (block.start_line or 0) + 1
            if start < 0:
                # Cannot happen with bibtexparser's splitter (every raw is a slice of the
                # text); rendering copies the text regardless, so only this span is lost.
                problems.add("could not locate a block in the text; it is kept as is",
                             source, line)
                continue
            end = start + len(raw)
            cursor = end
            if isinstance(block, ParsingFailedBlock):
                reason = getattr(block.error, "abort_reason", None) or str(block.error)
                problems.add(f"could not parse this block, kept as is: {reason.strip()}",
                             source, line)
                blocks.append(BibBlock("failed", start, end, line))
            elif isinstance(block, Preamble):
                blocks.append(BibBlock("preamble", start, end, line))
            elif isinstance(block, ExplicitComment | ImplicitComment):
                blocks.append(BibBlock("comment", start, end, line))
        return ParsedBib(text, source, blocks, entries, _References(entries, built, source),
                         may_name_arxiv)

    def take(self, block: Block, start: int) -> None:
        """Keep what the document needs of a block the splitter has just made."""
        raw = block.raw or ""
        line = (block.start_line or 0) + 1
        if not self.text.startswith(raw, start):
            # Cannot happen (see `_StreamingSplitter`); find it as the other blocks are.
            start = self.text.find(raw, max(start, 0))
        end = start + len(raw)
        if isinstance(block, ParsingFailedBlock):
            inner = block.ignore_error_block
            if not isinstance(inner, Entry | String):
                reason = getattr(block.error, "abort_reason", None) or str(block.error)
                self.taken.append(_TakenFailure(start, end, line, reason.strip()))
                return
            block = inner
        if isinstance(block, String):
            self.taken.append(self._take_string(block, start, end, line))
        elif isinstance(block, Entry):
            self._take_entry(block, start, end, line)

    def _take_string(self, block: String, start: int, end: int, line: int) -> _TakenString:
        value = block.value.strip()
        taken = _TakenString(BibBlock("string", start, end, line, block.key,
                                      tuple(_macro_names(value))), False)
        try:
            self.macros[block.key.lower()] = _evaluate(value, self.macros)
        except _ExpansionTooLong:
            taken.too_long = True
        return taken

    def _take_entry(self, block: Entry, start: int, end: int, line: int) -> None:
        seen: set[str] = set()
        duplicates: list[str] = []
        uses: dict[str, None] = {}
        bare: dict[str, str] = {}
        too_long = False
        for f in block.fields:
            name = f.key.lower()
            first = name not in seen
            if first:
                seen.add(name)
            else:
                duplicates.append(f.key)
            value = f.value
            # Delimited values and numbers are their own text; only bare words (macros)
            # and `#` concatenations need evaluating.
            if (value[:1] in '{"' and strip_delimiters(value)[1]) or value.isdigit():
                continue
            uses.update(dict.fromkeys(_macro_names(value)))
            if first:
                try:
                    bare[name] = _evaluate(value, self.macros)
                except _ExpansionTooLong:
                    too_long = True
        raw = block.raw or ""
        may_name_arxiv = _may_name_arxiv(raw) or any(map(_may_name_arxiv, bare.values()))
        # A title or abstract nested deeper than MAX_BRACE_DEPTH is reported while parsing;
        # it cannot be unless the entry (or a macro it uses) has that many braces.
        deep = raw.count("{") > MAX_BRACE_DEPTH or any(
            value.count("{") > MAX_BRACE_DEPTH for value in bare.values())
        build_now = may_name_arxiv or deep
        # One string per entry type, not one per entry: a large file has few types.
        entry_type = sys.intern(block.entry_type.lower())
        entry = BibEntry(self.entry_count, block.key, entry_type, start, end,
                         line, self.text,
                         [(f.key, f.value) for f in block.fields]
                         if build_now or self.every_reference else None,
                         bare or None)
        if duplicates or build_now or too_long:
            self.notes[self.entry_count] = _EntryNotes(duplicates, build_now, too_long)
        self.entry_count += 1
        self.taken.append(BibBlock("entry", start, end, line, block.key, tuple(uses)))
        self.taken_entries.append(entry)


def _too_long(source: str, line: int) -> BibParseError:
    return BibParseError(
        source, line, f"@string expansion longer than {MAX_EXPANSION:,} characters "
        "(a macro defined in terms of itself, doubled?); refusing to expand it")


class _References(Sequence[Reference]):
    """One `Reference` per entry, each built when first asked for.

    Entries that may name an arXiv paper, or whose reading reports a problem, were built
    while parsing (so problems come in file order); building any other reports nothing.
    """

    def __init__(self, entries: list[BibEntry], built: list[Reference | None],
                 source: str) -> None:
        self._entries = entries
        self._built = built
        self._source = source

    def __len__(self) -> int:
        return len(self._built)

    @overload
    def __getitem__(self, index: int) -> Reference: ...
    @overload
    def __getitem__(self, index: slice) -> list[Reference]: ...

    def __getitem__(self, index: int | slice) -> Reference | list[Reference]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        ref = self._built[index]
        if ref is None:
            ref = _make_reference(self._entries[index], self._source, Problems())
            self._built[index] = ref
        return ref

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self)} references>"


# What an entry must contain (braces dropped, any case) to name an arXiv id in any way
# `arxiv_id_from_fields` reads: `arXiv` (archivePrefix, eprinttype, the arxiv* fields, the
# arXiv DOI, a journal that says arXiv), DBLP's `CoRR`, or an id that `find_ids` finds
# (its scan needs 4 digits, a dot and 4 digits for a new id, a slash and 7 digits for an
# old one: `_ARXIV_HINT` is a cheap test that skips it for most entries).
_ARXIV_HINT = re.compile(r"arxiv|\bcorr\b|\d{4}\.\d{4}|/\d{7}", re.IGNORECASE)
_ARXIV_WORD_HINT = re.compile(r"arxiv|\bcorr\b", re.IGNORECASE)


def _may_name_arxiv(text: str) -> bool:
    """Whether a raw entry (or a value it takes from a macro) may name an arXiv id.

    A cheap superset of the entries `arxiv_id_from_fields` finds an id in. It finds one in
    a value with its braces dropped, by `find_ids` or the words above; the same is found
    in the whole entry with its braces dropped, where values are separated by `=`, `,` and
    white space, which an id may touch as it may touch the ends of its value.

    >>> _may_name_arxiv("@misc{k, eprint = {2310.13798}}")
    True
    >>> _may_name_arxiv("@misc{k, doi = {10.1145/3292500.3330701}}")
    False
    """
    plain = text.replace("{", "").replace("}", "")
    if _ARXIV_HINT.search(plain) is None:
        return False
    return bool(_ARXIV_WORD_HINT.search(plain) or find_ids(plain))


def _split_fields(entry_text: str) -> list[tuple[str, str]]:
    """The (name, raw value) pairs of one entry's text, split again as `parse_bib` did."""
    block: Block | None = Splitter(entry_text).split().blocks[0]
    if isinstance(block, ParsingFailedBlock):
        block = block.ignore_error_block
    assert isinstance(block, Entry), "an entry split once splits the same way again"
    return [(f.key, f.value) for f in block.fields]


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

def _make_reference(entry: BibEntry, source: str, problems: Problems) -> Reference:
    # Values the parse evaluated (macros, `#`) replace their raw text; the others are
    # their own text.
    bare = entry._bare or {}
    resolved = {name: bare.get(name, inner) for name, inner in entry.fields.items()}
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
