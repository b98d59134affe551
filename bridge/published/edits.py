"""`enrich --published`: the edits that turn a .bib entry into its published version.

The entry keeps its key, its own fields and its style; what changes is the entry type
(`@misc` -> `@article`), `doi` (the published DOI replaces arXiv's), the year (or `date`),
and the venue fields (`journal`/`booktitle`, `volume`, `number`, `pages`, `publisher`),
each replaced or added in the entry's own layout by `BibDocument.render`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Reference
from ..readers.bibtex import BibDocument
from ..writers.bibtex import bibtex_fields
from .find import PUBLISHED_FIELDS

__all__ = ["published_changes", "retype_entries"]

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


def retype_entries(text: str, document: BibDocument, types: Mapping[int, str]) -> str:
    """`text` with the entry type of each entry index in `types` changed, nothing else.

    The new type is written in the case of the old one (`@Misc` -> `@Article`).
    """
    pieces: list[str] = []
    cursor = 0
    for index in sorted(types):
        entry = document.entries[index]
        at = text.index("@", entry.start)
        start = at + 1
        while start < len(text) and text[start].isspace():
            start += 1
        end = start
        while end < len(text) and (text[end].isalnum() or text[end] in "_-"):
            end += 1
        old = text[start:end]
        new = types[index]
        if old.isupper():
            new = new.upper()
        elif old[:1].isupper():
            new = new.capitalize()
        pieces += [text[cursor:start], new]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
