"""A `.bib` file as a lossless document, and the one merge that adds to it.

`BibDocument.parse` reads a text with the BibTeX reader and keeps every block's span, so
`render(edits)` rebuilds the file from slices of the original: entries without edits come
back byte for byte, and an edited entry keeps its own layout (field order, indentation,
`=` spacing, delimiters, trailing comma, line endings).

`merge(text, source, plan)` is the only code that changes an existing `.bib`: `import`
appends new papers and skips those already there, `enrich` fills missing fields in each
entry's own style, `pull` updates changed entries and appends new ones, and `tex` appends
rendered references and raw entries copied from another file. It is pure (text in, text
out), so `bridge._io.update_file` can re-apply it to whatever the file holds at the moment
of writing, and nothing another process or the user added meanwhile is lost::

    from bridge._io import update_file
    from bridge.bibfile import BibDocument, MergePlan, merge

    # (a) references (resolved, from a writer's point of view): append the missing ones
    plan = MergePlan(references=refs, dialect="bibtex", formula=None)  # keys as given
    # (b) entries copied byte for byte from a master library, with the @strings they use
    master = BibDocument.parse(master_text, "master.bib")
    plan = MergePlan(raw_entries=[master.raw_entry("knuth84")])

    result = merge(existing_text, "refs.bib", plan)   # pure: result.text, .appended...
    update_file("refs.bib", lambda text: merge(text or "", "refs.bib", plan).text)

An entry already in the text (same key, case-insensitive, or same identity: arXiv id by
default) is never appended again; `plan.existing` says whether it is left alone (`skip`),
gets the fields it lacks (`fill`), or also gets changed values rewritten (`update`). Fields
are never removed. Appended text goes after everything the file holds, separated by one
blank line, in the file's own line endings.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from .citekeys import DEFAULT_FORMULA, assign_keys
from .errors import Problems
from .latex import braces_balanced
from .model import Reference
from .readers.bibtex import BibBlock, BibEntry, field_family, parse_bib, strip_delimiters
from .writers.bibtex import bibtex_fields, render_entry

_T = TypeVar("_T")

__all__ = ["BibDocument", "FieldSpan", "MergePlan", "MergeResult", "RawEntry", "arxiv_identity",
           "dialect_of", "merge"]


@dataclass(frozen=True)
class RawEntry:
    """An entry's text as another file has it, with the `@string` blocks it needs.

    Made by `BibDocument.raw_entry`; `merge` appends it byte for byte, after those of its
    `@string`s the target does not define yet.
    """

    key: str
    text: str
    strings: tuple[tuple[str, str], ...] = ()
    """(macro name, the `@string` block's text) for every macro the entry uses, directly or
    through other macros, in the order the source defines them."""


class BibDocument:
    """A parsed `.bib` text that can be written back with some entries edited."""

    def __init__(self, text: str, source: str, blocks: list[BibBlock],
                 entries: list[BibEntry], references: Sequence[Reference],
                 may_name_arxiv: Sequence[int] | None = None):
        self.text = text
        self.source = source
        self.blocks = blocks
        self.entries = entries
        self.references = references
        """One per entry; `bridge.readers.bibtex.parse_bib` builds each when first used."""
        self.may_name_arxiv = (range(len(entries)) if may_name_arxiv is None
                               else may_name_arxiv)
        """Indices of the entries that may name an arXiv paper: no other one does."""
        self._spans: dict[int, list[FieldSpan]] = {}

    @classmethod
    def parse(cls, text: str, source: str, problems: Problems | None = None) -> BibDocument:
        """Read `text` (problems go to `problems`) into a document.

        >>> doc = BibDocument.parse("@misc{k,\\n  title = {A {GPU} Study},\\n}\\n", "x.bib")
        >>> doc.render({0: {"year": "2023"}})
        '@misc{k,\\n  title = {A {GPU} Study},\\n  year = {2023},\\n}\\n'
        """
        parsed = parse_bib(text, source, problems)
        return cls(parsed.text, parsed.source, parsed.blocks, parsed.entries,
                   parsed.references, parsed.may_name_arxiv)

    def arxiv_references(self) -> list[Reference]:
        """The references that name an arXiv paper, in file order, building no other.

        >>> doc = BibDocument.parse("@misc{a, title = {A}}\\n@misc{b, eprint = {2310.13798}}",
        ...                         "x.bib")
        >>> [ref.key for ref in doc.arxiv_references()]
        ['b']
        """
        return [ref for index in self.may_name_arxiv
                if (ref := self.references[index]).arxiv_id]

    def __repr__(self) -> str:
        return f"BibDocument({self.source!r}, {len(self.entries)} entries)"

    def raw_entry(self, key: str) -> RawEntry | None:
        """The first entry under `key` (any case) as a `RawEntry`, or None.

        >>> doc = BibDocument.parse('@string{a = "Ann."}\\n@string{b = a # " Phys."}\\n'
        ...                         '@article{k, journal = b}\\n', "m.bib")
        >>> raw = doc.raw_entry("K")
        >>> raw.key, raw.text
        ('k', '@article{k, journal = b}')
        >>> raw.strings
        (('a', '@string{a = "Ann."}'), ('b', '@string{b = a # " Phys."}'))
        """
        wanted = key.lower()
        block = next((b for b in self.blocks if b.kind == "entry" and b.name.lower() == wanted),
                     None)
        if block is None:
            return None
        strings = {b.name.lower(): b for b in self.blocks
                   if b.kind == "string" and b.start < block.start}
        needed: set[str] = set()
        pending = list(block.uses)
        while pending:
            name = pending.pop()
            if name in strings and name not in needed:
                needed.add(name)
                pending.extend(strings[name].uses)
        chosen = sorted((strings[n] for n in needed), key=lambda b: b.start)
        return RawEntry(block.name, self.text[block.start:block.end],
                        tuple((b.name, self.text[b.start:b.end]) for b in chosen))

    def render(self, edits: Mapping[int, Mapping[str, str]]) -> str:
        """The whole text with `edits` (entry index -> {field name: LaTeX value}) applied.

        Entries without edits, and everything between entries, are copied byte for byte.
        An existing field (matched without regard to case) keeps its name, position and
        delimiter and gets the new value; new fields are added at the end in the entry's own
        style (indent, alignment, name case, delimiters, line endings). Only additions show
        in a line diff: see `_insertion`.
        """
        # Grown by `+=` rather than joined from a list: CPython extends a string nothing
        # else refers to in place, so a large file is held once more, not twice more (its
        # slices, then the joined text). Elsewhere it is the same text, only slower.
        rendered = ""
        cursor = 0
        for index in sorted(edits):
            if not 0 <= index < len(self.entries):
                raise IndexError(f"{self.source}: no entry with index {index}")
            changes = edits[index]
            if not changes:
                continue
            entry = self.entries[index]
            rendered += self.text[cursor:entry.start]
            rendered += self._render_entry(entry, changes)
            cursor = entry.end
        rendered += self.text[cursor:]
        return rendered

    def _render_entry(self, entry: BibEntry, changes: Mapping[str, str]) -> str:
        for name, value in changes.items():
            if not braces_balanced(value):
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
        spans = self.field_spans(entry)
        style = _EntryStyle.of(text, entry, spans)
        by_name: dict[str, FieldSpan] = {}
        for located in spans:
            by_name.setdefault(located.name.lower(), located)

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

    def field_spans(self, entry: BibEntry) -> list[FieldSpan]:
        """Locate each field of an entry; the reader keeps names and values, not offsets."""
        if (cached := self._spans.get(entry.index)) is not None:
            return cached
        text = self.text
        spans: list[FieldSpan] = []
        cursor = _after_key(text, entry)
        for name, value in entry.raw_fields:
            # Between the previous value and this name there is only a comma and white
            # space, and between `=` and the value only white space (the splitter strips
            # both), so the first match from the cursor is the right one.
            name_start = text.find(name, cursor, entry.end)
            name_end = name_start + len(name)
            eq = text.find("=", name_end, entry.end)
            value_start = text.find(value, eq + 1, entry.end)
            value_end = value_start + len(value)
            if min(name_start, eq, value_start) < 0:
                raise ValueError(f"cannot locate field {name!r} of entry {entry.key!r}")
            delimiter = strip_delimiters(value)[1]
            spans.append(FieldSpan(name, name_start, name_end, eq, value_start, value_end,
                                    delimiter))
            cursor = value_end
        self._spans[entry.index] = spans
        return spans


# ---------------------------------------------------------------------------- merge


def arxiv_identity(ref: Reference) -> Iterator[str]:
    """The default identity of a paper for `merge`: its arXiv id, when it has one."""
    if ref.arxiv_id:
        yield f"arxiv:{ref.arxiv_id.lower()}"


def _own_key(ref: Reference) -> Sequence[str | None]:
    return (ref.key,)


@dataclass(frozen=True)
class MergePlan:
    """What `merge` adds to a `.bib` text. Every part is optional.

    `references` are matched against the entries of the text: first by the keys
    `keys_of(ref)` names (default: its own key), then by `identity(ref)` (default: arXiv
    id; `pull` passes `zotero.items.identity_keys`, which adds DOI and title + year). Each
    entry matches at most one reference. A matched entry is treated as `existing` says;
    an unmatched reference is appended (when `append`) in `dialect`, under its own key, or,
    when it has none or its key is taken and `formula` is given, under a new key made by
    `formula` that no entry uses. With `formula=None` a reference without a key is refused
    (ValueError): `tex` writes keys exactly as cited.

    `raw_entries` are appended byte for byte unless the text has an entry with that key;
    their `@string`s go first, those the text does not define yet.
    """

    references: Sequence[Reference] = ()
    existing: Literal["skip", "fill", "update"] = "skip"
    append: bool = True
    dialect: str = "bibtex"
    formula: str | None = DEFAULT_FORMULA
    raw_entries: Sequence[RawEntry] = ()
    keys_of: Callable[[Reference], Sequence[str | None]] = _own_key
    identity: Callable[[Reference], Iterable[str]] = arxiv_identity


@dataclass
class MergeResult:
    """The merged text and what happened to each reference and entry."""

    text: str
    filled: list[str] = field(default_factory=list)
    """Keys of existing entries that gained fields (and had none rewritten)."""
    updated: list[str] = field(default_factory=list)
    """Keys of existing entries with a field value rewritten (`update`)."""
    unchanged: list[str] = field(default_factory=list)
    """Keys of existing entries a reference matched that needed no change."""
    appended: list[str] = field(default_factory=list)
    """Keys of the entries appended (references, then raw entries)."""
    written: list[Reference] = field(default_factory=list)
    """The appended references, as written (with their keys)."""
    present: list[Reference] = field(default_factory=list)
    """The references the text already had, each a copy carrying the entry's key."""
    edits: dict[int, dict[str, str]] = field(default_factory=dict)
    """Entry index (in the text merged into) -> the fields written into it."""
    edited: list[str] = field(default_factory=list)
    """Keys of the entries in `edits` (`entry at line N` for one without a key), in order."""

    @property
    def changed(self) -> bool:
        return bool(self.edits or self.appended)


def merge(text: str, source: str, plan: MergePlan, problems: Problems | None = None, *,
          document: BibDocument | None = None) -> MergeResult:
    """`text` with `plan` applied; every byte the plan does not change stays as it was.

    `document` is `text` already parsed by the caller (used only when it is that text, from
    `source`), so that a large file is not parsed twice.

    >>> from bridge.model import Reference
    >>> text = "@misc{old,\\n  eprint = {2310.13798},\\n  archivePrefix = {arXiv},\\n}\\n"
    >>> new = [Reference(arxiv_id="2310.13798", title="Old one", date="2023"),
    ...        Reference(arxiv_id="1706.03762", key="vaswani", title="Attention", date="2017")]
    >>> result = merge(text, "refs.bib", MergePlan(references=new, existing="fill"))
    >>> result.filled, result.appended, [r.key for r in result.present]
    (['old'], ['vaswani'], ['old'])
    >>> print(result.text)
    @misc{old,
      eprint = {2310.13798},
      archivePrefix = {arXiv},
      title = {Old one},
      year = {2023},
      doi = {10.48550/arXiv.2310.13798},
      url = {https://arxiv.org/abs/2310.13798},
    }
    <BLANKLINE>
    @misc{vaswani,
      title = {Attention},
      year = {2017},
      eprint = {1706.03762},
      archivePrefix = {arXiv},
      doi = {10.48550/arXiv.1706.03762},
      url = {https://arxiv.org/abs/1706.03762},
    }
    <BLANKLINE>
    """
    if document is None or document.source != source or document.text != text:
        document = BibDocument.parse(text, source, problems)
    result = MergeResult(text)
    matched, fresh = _match(document, plan)
    for ref, entry in matched:
        result.present.append(ref.copy(key=entry.key or ref.key))
        if plan.existing == "skip":
            continue
        changes, rewritten = _changes(entry, ref, plan)
        label = _label(entry)
        if changes:
            result.edits[entry.index] = changes
            (result.updated if rewritten else result.filled).append(label)
        else:
            result.unchanged.append(label)
    result.edited = [_label(document.entries[i]) for i in sorted(result.edits)]
    merged = document.render(result.edits)

    taken = {entry.key.lower() for entry in document.entries}
    blocks: list[str] = []
    if plan.append and fresh:
        if plan.formula is None:  # keys as given: a second reference under a key is that entry
            fresh, again = _first_per_key(fresh)
            result.present.extend(again)
        result.written = _keyed(fresh, plan.formula, taken)
        for ref in result.written:
            blocks.append(render_entry(ref, plan.dialect))
            result.appended.append(ref.key or "")
    defined = {b.name.lower() for b in document.blocks if b.kind == "string"}
    for raw in plan.raw_entries:
        if raw.key.lower() in taken:
            continue
        taken.add(raw.key.lower())
        for name, string_text in raw.strings:
            if name.lower() not in defined:
                defined.add(name.lower())
                blocks.append(_with_newline(string_text))
        blocks.append(_with_newline(raw.text))
        result.appended.append(raw.key)
    result.text = _appended(merged, blocks)
    return result


def _label(entry: BibEntry) -> str:
    return entry.key or f"entry at line {entry.line}"


def _match(document: BibDocument,
           plan: MergePlan) -> tuple[list[tuple[Reference, BibEntry]], list[Reference]]:
    """Pair each reference with the entry it already has, if any; the rest are fresh."""
    by_key: dict[str, list[BibEntry]] = {}
    by_identity: dict[str, list[BibEntry]] = {}
    wanted = {key.lower() for ref in plan.references for key in plan.keys_of(ref) if key}
    for entry in document.entries:
        if (lowered := entry.key.lower()) in wanted:
            by_key.setdefault(lowered, []).append(entry)
    # Only an entry that names an arXiv paper has an arXiv identity: building the other
    # entries' references (most of a large file) would find none.
    with_identity = (document.may_name_arxiv if plan.identity is arxiv_identity
                     else range(len(document.entries)))
    for index in with_identity:
        for ident in plan.identity(document.references[index]):
            by_identity.setdefault(ident, []).append(document.entries[index])
    used: set[int] = set()

    def first_unused(candidates: list[BibEntry]) -> BibEntry | None:
        return next((e for e in candidates if e.index not in used), None)

    matched: list[tuple[Reference, BibEntry]] = []
    fresh: list[Reference] = []
    for ref in plan.references:
        found = None
        for key in plan.keys_of(ref):
            if key and (found := first_unused(by_key.get(key.lower(), []))):
                break
        if found is None:
            for ident in sorted(plan.identity(ref)):
                if found := first_unused(by_identity.get(ident, [])):
                    break
        if found is None:
            fresh.append(ref)
        else:
            used.add(found.index)
            matched.append((ref, found))
    return matched, fresh


def _changes(entry: BibEntry, ref: Reference, plan: MergePlan) -> tuple[dict[str, str], bool]:
    """The fields to write into an entry for `ref`, and whether any existing one changes.

    `fill` adds the fields whose family (`field_family`) the entry lacks; `update` also
    rewrites a field whose value differs other than in white space. The entry's dialect
    wins over the plan's: a biblatex entry (`@online`, or `date`, `eprinttype`...) gets
    biblatex fields.
    """
    own = {name.lower(): value for name, value in entry.fields.items()}
    families = {field_family(name) for name in own}
    changes: dict[str, str] = {}
    rewritten = False
    for name, value in bibtex_fields(ref, dialect_of(entry, plan.dialect)):
        lower = name.lower()
        if lower in own:
            if plan.existing == "update" and _squash(own[lower]) != _squash(value):
                changes[name] = value
                rewritten = True
        elif field_family(lower) not in families and not _said_elsewhere(lower, own):
            changes[name] = value
    return changes, rewritten


def _said_elsewhere(name: str, own: Mapping[str, str]) -> bool:
    """Whether an entry already says what field `name` would: a URL in `howpublished`
    (`\\url{...}`, the old arXiv export) is the entry's URL, and a second one would print
    twice under plainnat."""
    return name == "url" and "://" in own.get("howpublished", "")


def dialect_of(entry: BibEntry, default: str) -> str:
    names = set(entry.fields)
    if entry.entry_type == "online" or names & {"eprinttype", "eprintclass", "date"}:
        return "biblatex"
    if names & {"archiveprefix", "primaryclass", "year"}:
        return "bibtex"
    return default


def _squash(value: str) -> str:
    return " ".join(value.split())


def _keyed(refs: list[Reference], formula: str | None, taken: set[str]) -> list[Reference]:
    """Copies of `refs` with keys no entry of the text (nor an earlier one of them) has."""
    keyed: list[Reference] = []
    for ref in refs:
        copy = ref.copy()
        if copy.key and copy.key.lower() in taken:
            copy.key = None
        if copy.key:
            taken.add(copy.key.lower())
        elif formula is None:
            raise ValueError(f"{ref.describe()}: no citation key to append it under")
        keyed.append(copy)
    if formula is not None:
        assign_keys(keyed, formula=formula, taken=taken)
        taken.update(ref.key.lower() for ref in keyed if ref.key)
    return keyed


def _first_per_key(refs: list[Reference]) -> tuple[list[Reference], list[Reference]]:
    """(the first reference under each key, the later ones), keys compared as BibTeX does."""
    seen: set[str] = set()
    first: list[Reference] = []
    later: list[Reference] = []
    for ref in refs:
        key = (ref.key or "").lower()
        (later if key and key in seen else first).append(ref)
        seen.add(key)
    return first, later


def _with_newline(block: str) -> str:
    return block if block.endswith("\n") else block + "\n"


def _appended(text: str, blocks: list[str]) -> str:
    """`text` followed by `blocks`, one blank line before each, in the text's line endings."""
    if not blocks:
        return text
    added = "\n".join(blocks)
    if text.strip("\ufeff \t\r\n"):
        if text.endswith("\n\n") or text.endswith("\r\n\r\n"):
            separator = ""
        elif text.endswith("\n"):
            separator = "\n"
        else:
            separator = "\n\n"
        added = separator + added
    newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or len(text)] else "\n"
    if newline != "\n":
        added = added.replace("\r\n", "\n").replace("\n", newline)
    return text + added


# ---------------------------------------------------------------------------- layout


@dataclass
class FieldSpan:
    """Where one field sits in the text (absolute offsets), for in-place edits."""

    name: str
    name_start: int
    name_end: int
    eq: int
    value_start: int
    value_end: int
    delimiter: str
    """`{`, `"` or `` (a bare number, macro or `#` concatenation)."""


def _insertion(text: str, entry: BibEntry, spans: list[FieldSpan], style: _EntryStyle,
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
    def of(cls, text: str, entry: BibEntry, spans: list[FieldSpan]) -> _EntryStyle:
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
        """The separator without the lead of the next line: `,\\n` in most files."""
        if self.lead is None:
            return self.separator
        return self.separator[: len(self.separator) - len(self.lead)]


def _enclose(value: str, delimiter: str) -> str:
    if delimiter == '"' and strip_delimiters(f'"{value}"')[1] != '"':
        delimiter = "{"
    if delimiter == '"':
        return f'"{value}"'
    if delimiter == "" and value.isdigit():
        return value
    return f"{{{value}}}"


def _after_key(text: str, entry: BibEntry) -> int:
    """Offset just after the citation key (before the comma that follows it)."""
    opening = entry.start
    while text[opening] not in "{(":
        opening += 1
    key = entry.key
    at = text.find(key, opening + 1, entry.end) if key else -1
    return at + len(key) if at >= 0 else opening + 1


def _mode(values: Iterable[_T]) -> _T:
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
