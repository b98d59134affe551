"""CSL-JSON output, the way Zotero exports the same papers.

An arXiv preprint is what Zotero makes of its Preprint item type (zotero/zotero-bits#88,
zotero/zotero#2481; which papers are preprints is `Reference.is_arxiv_preprint`, the rule
every writer shares): `type: "article"`, `publisher: "arXiv"` (the repository),
`number: "arXiv:<id>"` (the archive ID), `DOI`, `URL` and `issued` as date parts. The
primary category is left out: CSL has no variable for it.
`DOI` follows the BibTeX writer: the journal DOI when there is one, else arXiv's.
Text is plain Unicode; LaTeX in pass-through fields is decoded. Names are split into
`family`/`given` with `non-dropping-particle` and `suffix`; institutions are `literal`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from ..citekeys import DEFAULT_FORMULA, with_keys
from ..latex import latex_to_unicode
from ..model import Author, Reference
from ..names import is_others
from . import Writer

__all__ = ["CslJsonWriter", "csl_item"]

_TYPES = {
    "article": "article-journal", "inproceedings": "paper-conference",
    "conference": "paper-conference", "proceedings": "book", "book": "book",
    "inbook": "chapter", "incollection": "chapter", "phdthesis": "thesis",
    "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report",
    "report": "report", "manual": "report", "unpublished": "manuscript",
    "online": "webpage", "misc": "document", "dataset": "dataset", "software": "software",
}
# BibTeX field -> CSL variable, for pass-through fields worth carrying over.
_FIELDS = {
    "journal": "container-title", "journaltitle": "container-title",
    "booktitle": "container-title", "volume": "volume", "number": "issue", "pages": "page",
    "publisher": "publisher", "address": "publisher-place", "location": "publisher-place",
    "edition": "edition", "isbn": "ISBN", "issn": "ISSN", "note": "note",
    "school": "publisher", "institution": "publisher", "series": "collection-title",
}


def _name(author: Author) -> dict[str, str]:
    if author.is_institution:
        return {"literal": author.last}
    name = {"family": author.last}
    if author.first:
        name["given"] = author.first
    if author.von:
        name["non-dropping-particle"] = author.von
    if author.jr:
        name["suffix"] = author.jr
    return name


def _date_parts(date: str) -> dict[str, list[list[int]]] | None:
    parts = [int(p) for p in date.split("-")[:3] if p.isdigit()]
    return {"date-parts": [parts]} if parts else None


def csl_item(ref: Reference) -> dict[str, Any]:
    """One reference as a CSL-JSON item (a dict ready for `json.dumps`).

    >>> item = csl_item(Reference(arxiv_id="2310.13798", key="kundu2023specific",
    ...                           title="Constitutional AI", date="2023-10-20"))
    >>> item["type"], item["number"], item["issued"]
    ('article', 'arXiv:2310.13798', {'date-parts': [[2023, 10, 20]]})
    """
    item: dict[str, Any] = {"id": ref.key or ref.versioned_id or ref.describe()}
    preprint = ref.is_arxiv_preprint
    if preprint:
        item["type"] = "article"
    else:
        item["type"] = _TYPES.get(ref.entry_type or "", "article" if ref.arxiv_id else "document")
    if ref.title:
        item["title"] = ref.title
    authors = [a for a in ref.authors if not is_others(a)]
    if authors:
        item["author"] = [_name(a) for a in authors]
    if ref.editors:
        item["editor"] = [_name(a) for a in ref.editors]
    date = ref.date or ref.arxiv_published
    if date and (issued := _date_parts(date)):
        item["issued"] = issued
    for name, value in ref.fields.items():
        variable = _FIELDS.get(name.lower())
        if preprint and ref.restates_arxiv_id(name, value):
            continue  # `journal = {arXiv preprint arXiv:...}` is the repository, said below
        if variable and variable not in item:
            text = latex_to_unicode(value).strip()
            item[variable] = text.replace("–", "-") if variable == "page" else text
    if preprint:  # the repository and archive ID; a published version has its own venue
        item.setdefault("publisher", "arXiv")
        item["number"] = f"arXiv:{ref.versioned_id}"
    if ref.journal_ref and "container-title" not in item:
        item.setdefault("note", ref.journal_ref)
    doi = ref.doi or (ref.arxiv_doi if preprint else None)
    if doi:
        item["DOI"] = doi
    url = ref.arxiv_url if preprint else (ref.url or ref.arxiv_url)
    if url:
        item["URL"] = url
    if ref.abstract:
        item["abstract"] = ref.abstract
    return item


class CslJsonWriter(Writer):
    """CSL-JSON (`.json`): a JSON array of items, UTF-8, two-space indented."""

    name = "csl-json"
    suffixes = (".json",)

    def __init__(self, *, formula: str = DEFAULT_FORMULA):
        self.formula = formula

    def write_stream(self, refs: Iterable[Reference], stream: TextIO) -> None:
        refs = with_keys(refs, formula=self.formula)
        items = [csl_item(ref) for ref in refs]
        stream.write(json.dumps(items, ensure_ascii=False, indent=2) + "\n")
