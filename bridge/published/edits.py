"""`enrich --published`: the edits that turn a .bib entry into its published version.

The entry keeps its key, its own fields and its style; what changes is the entry type
(`@misc` -> `@article`, by `restructure`), `doi` (the published DOI replaces arXiv's), the
year (or `date`), and the venue fields (`journal`/`booktitle`, `volume`, `number`, `pages`,
`publisher`), each replaced or added in the entry's own layout by `BibDocument.render`. A
field that only restated the arXiv id (`journal = {arXiv preprint arXiv:...}` on what is
now an `@inproceedings`) is removed with its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..bibfile import BibDocument, FieldSpan, dialect_of
from ..errors import Problems
from ..model import Reference
from ..writers.bibtex import bibtex_fields
from .find import PUBLISHED_FIELDS

__all__ = ["publish_entries", "published_changes", "restructure", "stale_fields"]

_CHANGED = frozenset({*PUBLISHED_FIELDS, "journaltitle", "doi", "year", "date"})


def published_changes(upgraded: Reference, original: Mapping[str, str],
                      dialect: str) -> dict[str, str]:
    """The fields of an upgraded entry that differ from the entry's `original` values
    (lower-case name -> value as written, without delimiters).

    >>> up = Reference(arxiv_id="1610.01959", entry_type="article", date="2017",
    ...                doi="10.1109/TSP.2017.2708023", fields={"journal": "IEEE TSP"})
    >>> published_changes(up, {"year": "2016", "journal": "IEEE TSP"}, "bibtex")
    {'year': '2017', 'doi': '10.1109/TSP.2017.2708023'}
    """
    changes = {}
    for name, value in bibtex_fields(upgraded, dialect):
        if name.lower() in _CHANGED and original.get(name.lower()) != value:
            changes[name] = value
    return changes


_TYPE_SPELLING = {"inproceedings": "InProceedings", "incollection": "InCollection"}


def _typed_as(old: str, new: str) -> str:
    """`new` in the case of `old`: `@Misc` -> `@Article`, `@MISC` -> `@ARTICLE`."""
    if old.isupper():
        return new.upper()
    if old[:1].isupper():
        return _TYPE_SPELLING.get(new, new.capitalize())
    return new


def _field_line(text: str, span: FieldSpan, end: int) -> tuple[int, int] | None:
    """The whole lines a field sits on (name first on its line, value, then an optional
    comma, ending its line), or None when it shares a line with something else."""
    line_start = text.rfind("\n", 0, span.name_start) + 1
    if text[line_start:span.name_start].strip():
        return None
    after = span.value_end
    while after < end and text[after] in " \t":
        after += 1
    if after < end and text[after] == ",":
        after += 1
    while after < end and text[after] in " \t\r":
        after += 1
    if after >= end or text[after] != "\n":
        return None
    return line_start, after + 1


def restructure(document: BibDocument, types: Mapping[int, str],
                drops: Mapping[int, Iterable[str]]) -> str:
    """The document's text with entry types changed (`types`: entry index -> new type,
    written in the old one's case) and fields removed (`drops`: entry index -> lower-case
    field names); every other byte as it was. A field that shares its line with another is kept."""
    text = document.text
    cuts: list[tuple[int, int, str]] = []
    for index in sorted(set(types) | set(drops)):
        entry = document.entries[index]
        if index in types:
            start = text.index("@", entry.start) + 1
            while text[start].isspace():
                start += 1
            end = start
            while text[end].isalnum() or text[end] in "_-":
                end += 1
            cuts.append((start, end, _typed_as(text[start:end], types[index])))
        names = {name.lower() for name in drops.get(index, ())}
        for span in document.field_spans(entry):
            lines = _field_line(text, span, entry.end) if span.name.lower() in names else None
            if lines:
                cuts.append((*lines, ""))
    pieces: list[str] = []
    cursor = 0
    for start, end, new in sorted(cuts):
        pieces += [text[cursor:start], new]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def stale_fields(preprint: Reference, upgraded: Reference) -> list[str]:
    """Fields of the preprint's entry that `upgrade` dropped (they only named the arXiv
    preprint) and that the published version does not fill again.

    >>> pre = Reference(arxiv_id="2310.13548",
    ...                 fields={"journal": "arXiv preprint arXiv:2310.13548"})
    >>> stale_fields(pre, pre.copy(entry_type="inproceedings", fields={"booktitle": "ICLR"}))
    ['journal']
    """
    return [name for name in preprint.fields
            if name.lower() not in {n.lower() for n in upgraded.fields}
            and preprint.restates_arxiv_id(name, preprint.fields[name])]


def publish_entries(text: str, source: str,
                    upgrades: Mapping[str, tuple[Reference, Reference]]) -> tuple[str, list[str]]:
    """`text` with each entry that names an arXiv id in `upgrades` (arXiv id -> (preprint,
    published version)) turned into its published version in its own style, and the keys of
    the entries changed. Runs after the merge has filled the fields the entry lacked, so what
    is left is the type, the values that differ (doi, year, venue) and the stale fields."""
    document = BibDocument.parse(text, source, Problems())
    types: dict[int, str] = {}
    drops: dict[int, list[str]] = {}
    edits: dict[int, dict[str, str]] = {}
    for index in document.may_name_arxiv:  # no other entry names an arXiv id
        entry, ref = document.entries[index], document.references[index]
        pair = upgrades.get(ref.arxiv_id or "")
        if pair is None:
            continue
        preprint, published = pair
        original = {name.lower(): value.strip() for name, value in entry.fields.items()}
        if changes := published_changes(published, original, dialect_of(entry, "bibtex")):
            edits[index] = changes
        if published.entry_type and published.entry_type != (entry.entry_type or "").lower():
            types[index] = published.entry_type
        if stale := stale_fields(preprint, published):
            drops[index] = stale
    touched = sorted(set(edits) | set(types) | set(drops))
    if not touched:
        return text, []
    keys = [document.entries[i].key or f"entry at line {document.entries[i].line}"
            for i in touched]
    if types or drops:
        document = BibDocument.parse(restructure(document, types, drops), source,
                                     Problems())
    return (document.render(edits) if edits else document.text), keys
