"""CSL-JSON input: the mirror of `bridge.writers.csljson`, so what we write reads back.

A CSL-JSON file is an array of items, as the schema says. Each item becomes a
`Reference` the way the writer made it, read backwards:

* `id` is the citation key; `type` maps to a BibTeX entry type (`article-journal` ->
  `article`, `paper-conference` -> `inproceedings`, ...; CSL's `article`, a preprint, -> `misc`).
* The arXiv id comes from `number` (`arXiv:2310.13798`), the arXiv DOI or the arXiv URL; for
  such a paper `publisher: "arXiv"` and the abs URL are the writer's derived values and are
  dropped, and a `note` is the journal reference (where the writer puts it).
* `DOI` is the journal DOI unless it is arXiv's own; names keep `non-dropping-particle`,
  `dropping-particle` and `suffix`; `literal` names are institutions; `issued` date parts
  (or a `raw`/`literal` date with a year) become an ISO date.
* CSL variables with a BibTeX field (`container-title`, `volume`, `issue`, `page`,
  `publisher`...) go to `fields` under the BibTeX name; the rest are not modelled and stay out.

Broken JSON is a one-line `UnreadableInput` with the line of the error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .. import arxiv_id
from ..errors import InvalidArxivId, Problems, UnreadableInput
from ..model import ARXIV_DOI_PREFIX, Author, Provenance, Reference
from . import Reader

__all__ = ["CslJsonReader", "csl_reference", "load_json_items"]

_TYPES = {
    "article-journal": "article", "article-magazine": "article",
    "article-newspaper": "article", "paper-conference": "inproceedings", "book": "book",
    "chapter": "incollection", "thesis": "phdthesis", "report": "techreport",
    "manuscript": "unpublished", "webpage": "online", "post-weblog": "online",
    "dataset": "dataset", "software": "software", "article": "misc", "document": "misc",
}
# CSL variable -> BibTeX field (the writer's `_FIELDS` read backwards; `container-title` is
# the journal of an article, the booktitle of anything else).
_FIELDS = {
    "volume": "volume", "issue": "number", "page": "pages", "publisher": "publisher",
    "publisher-place": "address", "edition": "edition", "ISBN": "isbn", "ISSN": "issn",
    "note": "note", "collection-title": "series",
}
_YEAR = re.compile(r"\b(\d{4})\b")


def load_json_items(text: str, source: str, kind: str = "CSL-JSON", *,
                    one_item: bool = False) -> list[Any]:
    """The items of a JSON array of `kind`; one-line errors naming the line.

    CSL-JSON is an array even for one item; `one_item` also takes a lone object (the Zotero
    API answers `/items/KEY` with one).

    >>> load_json_items('[{"id": "a"}]', "x.json")
    [{'id': 'a'}]
    >>> load_json_items('[{"id": "a",\\n "title": }]', "x.json")
    Traceback (most recent call last):
    ...
    bridge.errors.UnreadableInput: x.json:2: is not CSL-JSON (Expecting value)
    """
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(source, f"is not {kind} ({exc.msg})", exc.lineno) from None
    if one_item and isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise UnreadableInput(source, f"is not {kind}: not an array of items")
    return data


def _author(name: Mapping[str, Any]) -> Author:
    if "literal" in name and "family" not in name:
        return Author(str(name["literal"]), is_institution=True)
    von = " ".join(str(name[part]) for part in ("dropping-particle", "non-dropping-particle")
                   if name.get(part))
    return Author(str(name.get("family", "")), str(name.get("given", "")), von,
                  str(name.get("suffix", "")))


def _date(issued: Any) -> str | None:
    """`{"date-parts": [[2023, 10, 20]]}` -> `2023-10-20`; a raw date gives its year."""
    if not isinstance(issued, Mapping):
        return None
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            numbers = [int(p) for p in parts[0][:3]]
        except (TypeError, ValueError):
            numbers = []
        if numbers:
            return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])
    text = str(issued.get("raw") or issued.get("literal") or "")
    year = _YEAR.search(text)
    return year.group(1) if year else None


def _arxiv_of(item: Mapping[str, Any]) -> arxiv_id.ArxivId | None:
    for variable in ("number", "DOI", "URL"):
        value = item.get(variable)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            return arxiv_id.parse(value)
        except InvalidArxivId:
            continue
    return None


def csl_reference(item: Mapping[str, Any], source: str = "<csl-json>") -> Reference:
    """One CSL-JSON item as a `Reference`.

    >>> ref = csl_reference({"id": "kundu2023specific", "type": "article", "title": "T",
    ...     "author": [{"family": "Kundu", "given": "Sandipan"}], "publisher": "arXiv",
    ...     "issued": {"date-parts": [[2023, 10, 20]]}, "number": "arXiv:2310.13798",
    ...     "DOI": "10.48550/arXiv.2310.13798", "URL": "https://arxiv.org/abs/2310.13798"})
    >>> ref.key, ref.arxiv_id, ref.date, ref.doi, ref.url, ref.fields, ref.is_arxiv_preprint
    ('kundu2023specific', '2310.13798', '2023-10-20', None, None, {}, True)
    """
    found = _arxiv_of(item)
    csl_type = str(item.get("type") or "document")
    ref = Reference(key=str(item["id"]) if item.get("id") not in (None, "") else None,
                    entry_type=_TYPES.get(csl_type, "misc"),
                    title=item.get("title") or None, abstract=item.get("abstract") or None,
                    date=_date(item.get("issued")), provenance=Provenance(source))
    ref.authors = [_author(a) for a in item.get("author") or [] if isinstance(a, Mapping)]
    ref.editors = [_author(a) for a in item.get("editor") or [] if isinstance(a, Mapping)]
    doi = str(item.get("DOI") or "").strip()
    if doi and not doi.lower().startswith(ARXIV_DOI_PREFIX.lower()):
        ref.doi = doi
    url = str(item.get("URL") or "").strip() or None
    if found is not None:
        ref.arxiv_id, ref.arxiv_version = found.id, found.version
        if url and "arxiv.org/abs/" in url:
            url = None  # the writer derives it from the id
    ref.url = url
    container = item.get("container-title")
    if container:
        ref.fields["journal" if ref.entry_type == "article" else "booktitle"] = str(container)
    for variable, name in _FIELDS.items():
        value = item.get(variable)
        if value in (None, ""):
            continue
        if found is not None and variable == "number":
            continue
        ref.fields[name] = str(value)
    if found is not None:
        if ref.fields.get("publisher") == "arXiv":
            del ref.fields["publisher"]  # the repository, which the writer adds itself
        if ref.is_arxiv_preprint and "note" in ref.fields and not container:
            ref.journal_ref = ref.fields.pop("note")
    return ref


class CslJsonReader(Reader):
    """CSL-JSON (`.json`): an array of items, as Zotero, pandoc and our writer make it."""

    name = "csl-json"
    suffixes = (".json",)

    def read(self, text: str, source: str, problems: Problems) -> list[Reference]:
        refs = []
        for position, item in enumerate(load_json_items(text, source), 1):
            if not isinstance(item, Mapping):
                problems.add(f"item {position} is not a CSL-JSON object; skipped", source)
                continue
            refs.append(csl_reference(item, source))
        return refs
