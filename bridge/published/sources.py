"""What Crossref, Semantic Scholar and DBLP answer, read into our own shapes. Pure; no I/O.

A published version is a `Reference` whose `entry_type` is the BibTeX type it is cited as
(`article`, `inproceedings`, `incollection`), with `title`, `authors`, `date` (the
publication's), `doi`, and in `fields` the venue fields as raw .bib text (`journal` or
`booktitle`, `volume`, `number`, `pages`, `publisher`).

* Crossref `/works/{doi}` `message`: `type` gives the entry type (`journal-article`,
  `proceedings-article`, `book-chapter`; anything else, `posted-content` preprints above
  all, is not a published version and gets no entry type); the title is `title` plus
  `: subtitle` when Crossref splits them, as Zotero's Crossref translator joins them; the
  date is `issued` (Crossref: the earliest of print and online publication).
* Semantic Scholar batch record: only the ids we follow (`externalIds.DOI`,
  `externalIds.DBLP`) and the venue and year, for the report.
* DBLP `/rec/{key}.bib` (its standard BibTeX, proceedings merged in): read with our own
  BibTeX reader. A CoRR record (`journals/corr/...`, `journal = {CoRR}`) is DBLP's copy of
  an arXiv paper, never a published version.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ..errors import Problems
from ..latex import escape_specials, unicode_to_latex
from ..model import ARXIV_DOI_PREFIX, Author, Reference
from ..readers.bibtex import read_bibtex

__all__ = [
    "CROSSREF_ENTRY_TYPES",
    "S2Record",
    "crossref_reference",
    "dblp_reference",
    "is_arxiv_doi",
    "is_corr_key",
    "s2_record",
]

CROSSREF_ENTRY_TYPES = {
    "journal-article": "article",
    "proceedings-article": "inproceedings",
    "book-chapter": "incollection",
}
"""Crossref type id -> BibTeX entry type; other types are not a published version."""

_TAG = re.compile(r"<[^>]+>")
_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")  # DBLP tells namesakes apart: "Wei Wang 0001"


def _bib_text(text: str) -> str:
    """Plain Unicode as a raw .bib value (LaTeX specials escaped, non-ASCII encoded)."""
    return unicode_to_latex(escape_specials(" ".join(text.split())))


def _plain(text: str) -> str:
    # Crossref titles may carry JATS/HTML markup (<i>, <sub>) and entities (&amp;); the
    # words are what count.
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _first(values: Any) -> str | None:
    if isinstance(values, list) and values and isinstance(values[0], str) and values[0].strip():
        return _plain(values[0])
    return None


def _date_parts(value: Any) -> str | None:
    try:
        parts = [int(p) for p in value["date-parts"][0] if p is not None]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if not parts:
        return None
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:3])])


def is_arxiv_doi(doi: str) -> bool:
    return doi.lower().startswith(ARXIV_DOI_PREFIX.lower())


def is_corr_key(key: str) -> bool:
    """DBLP's CoRR records are arXiv copies: `journals/corr/abs-2107-03374`."""
    return key.lower().startswith("journals/corr/")


def crossref_reference(message: dict[str, Any]) -> Reference:
    """A Crossref work as a published-version `Reference` (entry_type None: not one).

    >>> ref = crossref_reference({"DOI": "10.1109/TSP.2017.2708023", "type":
    ...     "journal-article", "title": ["Efficient L1-Norm Principal-Component Analysis"],
    ...     "author": [{"given": "Panos P.", "family": "Markopoulos"}],
    ...     "container-title": ["IEEE Transactions on Signal Processing"], "volume": "65",
    ...     "issue": "16", "page": "4252-4264", "publisher": "IEEE",
    ...     "issued": {"date-parts": [[2017, 8, 15]]}})
    >>> ref.entry_type, ref.date, ref.fields["pages"], ref.fields["number"]
    ('article', '2017-08-15', '4252--4264', '16')
    """
    entry_type = CROSSREF_ENTRY_TYPES.get(str(message.get("type", "")))
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if title and subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    authors = []
    for person in message.get("author") or []:
        if not isinstance(person, dict):
            continue
        if person.get("family"):
            authors.append(Author(last=str(person["family"]), first=str(person.get("given", ""))))
        elif person.get("name"):
            authors.append(Author(last=str(person["name"]), is_institution=True))
    fields: dict[str, str] = {}
    container = _first(message.get("container-title"))
    if container:
        fields["journal" if entry_type == "article" else "booktitle"] = _bib_text(container)
    for name, key in (("volume", "volume"), ("number", "issue")):
        if entry_type == "article" and message.get(key):
            fields[name] = _bib_text(str(message[key]))
    if message.get("page"):
        fields["pages"] = _bib_text(str(message["page"])).replace("-", "--").replace(
            "----", "--")
    if entry_type != "article" and message.get("publisher"):
        fields["publisher"] = _bib_text(str(message["publisher"]))
    date = None
    for key in ("issued", "published-print", "published-online", "published"):
        date = _date_parts(message.get(key))
        if date:
            break
    return Reference(title=title, authors=authors, date=date, doi=str(message.get("DOI", "")),
                     entry_type=entry_type, fields=fields)


@dataclass(frozen=True)
class S2Record:
    """What Semantic Scholar says about one arXiv paper."""

    arxiv_id: str
    doi: str | None
    """The published DOI (an arXiv DOI is dropped: it names the preprint)."""
    dblp_key: str | None
    venue: str
    year: int | None
    title: str | None


def s2_record(arxiv_id: str, data: dict[str, Any]) -> S2Record:
    """One paper of a batch answer.

    >>> s2_record("2310.13548", {"externalIds": {"ArXiv": "2310.13548", "DBLP":
    ...     "conf/iclr/SharmaTKDABDHJK24"}, "venue": "ICLR", "year": 2023})
    S2Record(arxiv_id='2310.13548', doi=None, dblp_key='conf/iclr/SharmaTKDABDHJK24', \
venue='ICLR', year=2023, title=None)
    """
    external = data.get("externalIds") or {}
    doi = external.get("DOI") or None
    if doi and is_arxiv_doi(str(doi)):
        doi = None
    venue = (data.get("publicationVenue") or {}).get("name") or data.get("venue") or ""
    year = data.get("year")
    return S2Record(arxiv_id=arxiv_id, doi=str(doi) if doi else None,
                    dblp_key=str(external["DBLP"]) if external.get("DBLP") else None,
                    venue=str(venue), year=year if isinstance(year, int) else None,
                    title=data.get("title"))


_DBLP_KEEP = ("journal", "booktitle", "volume", "number", "pages", "publisher")


def dblp_reference(text: str, key: str) -> Reference | None:
    """DBLP's standard BibTeX of one record as a published-version `Reference`.

    A CoRR record comes back with entry_type None (never a published version); a text that
    holds no entry gives None.
    """
    refs = read_bibtex(text, f"dblp:{key}", Problems())
    if not refs:
        return None
    record = refs[0]
    authors = [Author(_DBLP_HOMONYM.sub("", a.last), a.first, a.von, a.jr, a.is_institution)
               for a in record.authors]
    fields = {name: value for name, value in record.fields.items() if name in _DBLP_KEEP}
    corr = is_corr_key(key) or fields.get("journal", "").strip("{}").lower() == "corr"
    entry_type = None if corr else record.entry_type
    return Reference(title=record.title, authors=authors, date=record.date,
                     doi=record.doi, entry_type=entry_type, fields=fields)
