"""The Zotero item of a preprint cited as its published version.

What Zotero's own arXiv translator (zotero/translators: arXiv.org.js, `parseSingleEntry`)
makes for a paper whose arXiv record has a journal DOI: it starts from the preprint (title,
creators, abstract, `url` = the unversioned abs page, `extra` = `arXiv:<id> [<category>]`,
`libraryCatalog` = `arXiv.org`), looks the DOI up (DOI content negotiation, i.e. Crossref)
and takes from that item its `itemType` (`journalArticle`, `conferencePaper`), `volume`,
`issue`, `pages`, `date` and `publicationTitle` (a conference paper's `proceedingsTitle`);
`DOI` stays the journal DOI; no `repository`, `archiveID` or `number` (those are only set
for a preprint without a DOI).

`bridge.zotero.items.reference_to_item` already maps an upgraded `Reference` (entry type
`article`/`inproceedings`, venue fields, the published DOI, the arXiv line in `extra`);
`published_item` adds what only the arXiv translator sets, so Zotero (and Better BibTeX)
see the item as one the translator made.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import Reference
from ..zotero.from_arxiv import ARXIV_ABS
from ..zotero.items import ARXIV_CATALOG, reference_to_item
from .sources import is_arxiv_doi

__all__ = ["is_published_version", "published_item"]

_PUBLISHED_ITEM_TYPES = {"article": "journalArticle", "inproceedings": "conferencePaper"}


def is_published_version(ref: Reference) -> bool:
    """An arXiv paper cited as its journal or proceedings version."""
    return bool(ref.arxiv_id and ref.doi and not is_arxiv_doi(ref.doi)
                and ref.entry_type in _PUBLISHED_ITEM_TYPES and not ref.is_arxiv_preprint)


def published_item(ref: Reference, *, collections: Iterable[str] = (),
                   tags: Iterable[str] = ()) -> dict[str, Any]:
    """The Zotero item (API JSON) for `ref`: as the arXiv translator makes it for a paper
    with a journal DOI when `ref` is a published version, else `reference_to_item`'s.

    >>> from bridge.model import Author
    >>> ref = Reference(arxiv_id="1610.01959", entry_type="article", title="T",
    ...     authors=[Author("Markopoulos", "Panos P.")], doi="10.1109/TSP.2017.2708023",
    ...     date="2017-08-15", primary_category="cs.DS",
    ...     fields={"journal": "IEEE Transactions on Signal Processing", "volume": "65",
    ...             "number": "16", "pages": "4252--4264"})
    >>> item = published_item(ref)
    >>> [item[k] for k in ("itemType", "publicationTitle", "issue", "pages", "extra")]
    ['journalArticle', 'IEEE Transactions on Signal Processing', '16', '4252-4264', \
'arXiv:1610.01959 [cs.DS]']
    >>> item["url"], item["libraryCatalog"], item["DOI"]
    ('http://arxiv.org/abs/1610.01959', 'arXiv.org', '10.1109/TSP.2017.2708023')
    """
    item = reference_to_item(ref, collections=collections, tags=tags)
    if not is_published_version(ref):
        return item
    # The translator keeps the arXiv record's URL (the Atom `<id>`, `http://`) and takes the
    # venue's fields from the DOI's CSL-JSON, whose page ranges have a hyphen.
    item["url"] = f"{ARXIV_ABS}{ref.arxiv_id}"
    if "pages" in item:
        item["pages"] = item["pages"].replace("\u2013", "-")
    item["libraryCatalog"] = ARXIV_CATALOG
    return item
