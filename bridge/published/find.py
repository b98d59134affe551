"""Which preprints were published, and the entry each becomes.

`find_published(preprints, services)` follows DESIGN.md's order of sources:

1. arXiv's own journal DOI (the record's `doi`) -> Crossref `/works/{doi}`;
2. else Semantic Scholar's batch answer for `ARXIV:<id>` -> its DOI -> Crossref, or, with
   no DOI (or one Crossref does not know), its DBLP key -> DBLP. A DBLP key of CoRR is
   DBLP's copy of the arXiv paper and is never followed.

Every candidate is checked with `verify_published`; a weak or conflicting one is reported
with its evidence (`status` "refused"), never taken. `upgrade` (pure) turns a preprint into
its published version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from ..model import Reference
from ..progress import NO_PROGRESS, Progress
from .sources import CROSSREF_ENTRY_TYPES, S2Record, is_arxiv_doi, is_corr_key
from .verify import Evidence, verify_published

if TYPE_CHECKING:  # the services pull in httpx, which `refbridge ids` never needs
    from .services import Services

__all__ = ["PUBLISHED_FIELDS", "Finding", "find_published", "upgrade"]

PUBLISHED_FIELDS = ("journal", "booktitle", "volume", "number", "pages", "publisher")
"""The venue fields a published version brings (raw .bib text in `Reference.fields`)."""
# Their BibLaTeX names: an entry that spells the venue `journaltitle` gets it there.
_SAME_AS = {"journal": ("journaltitle",), "number": ("issue",)}

Status = Literal["published", "refused", "none"]
ARXIV_DOI_TO_CROSSREF = "arXiv DOI -> Crossref"
S2_TO_CROSSREF = "Semantic Scholar -> Crossref"
S2_TO_DBLP = "Semantic Scholar -> DBLP"


@dataclass(frozen=True)
class Finding:
    """What was found for one preprint."""

    preprint: Reference
    status: Status
    """`published`: verified, taken. `refused`: a candidate that failed verification.
    `none`: no candidate (arXiv-only, or the services know only the preprint)."""
    candidate: Reference | None = None
    source: str = ""
    """How the candidate was reached, e.g. `Semantic Scholar -> DBLP`."""
    evidence: Evidence | None = None
    note: str = ""
    """Why there is no candidate, or why it was refused."""

    @property
    def venue(self) -> str:
        fields = self.candidate.fields if self.candidate else {}
        return fields.get("journal") or fields.get("booktitle") or ""


def _judge(preprint: Reference, candidate: Reference | None, source: str,
           missing: str) -> Finding:
    if candidate is None:
        return Finding(preprint, "none", note=missing)
    if candidate.entry_type is None:
        return Finding(preprint, "refused", candidate, source,
                       note="not a journal or proceedings paper")
    evidence = verify_published(preprint, candidate)
    status: Status = "published" if evidence.accepted else "refused"
    return Finding(preprint, status, candidate, source, evidence, evidence.reason)


def _via_s2(preprint: Reference, record: S2Record | None, services: Services) -> Finding:
    if record is None:
        return Finding(preprint, "none", note="unknown to Semantic Scholar")
    if record.doi:
        candidate = services.crossref(record.doi)
        if candidate is not None:
            return _judge(preprint, candidate, S2_TO_CROSSREF, "")
    key = record.dblp_key
    if key and not is_corr_key(key):
        return _judge(preprint, services.dblp(key), S2_TO_DBLP, f"DBLP has no record {key}")
    if key:
        return Finding(preprint, "none", note="only the arXiv version is known (DBLP: CoRR)")
    if record.doi:
        return Finding(preprint, "none", note=f"Crossref does not know {record.doi}")
    return Finding(preprint, "none", note="only the arXiv version is known")


def find_published(preprints: list[Reference], services: Services, *,
                   records: Mapping[str, Reference] | None = None,
                   progress: Progress = NO_PROGRESS) -> list[Finding]:
    """One `Finding` per preprint (records without an arXiv id get status `none`).

    `records` maps a preprint's `versioned_id` to arXiv's own record of it, which is what a
    candidate is verified against (title, full author list, first version's date); a
    preprint without one is verified as it is.
    """
    records = records or {}

    def journal_doi(ref: Reference) -> str | None:
        # arXiv's own record first: the entry may carry a DOI the user typed.
        doi = records.get(ref.versioned_id or "", ref).doi or ref.doi
        return doi if doi and not is_arxiv_doi(doi) else None

    s2_wanted = [ref.arxiv_id for ref in preprints if ref.arxiv_id and not journal_doi(ref)]
    s2 = services.s2(s2_wanted) if s2_wanted else {}
    findings: list[Finding] = []
    progress.start("Finding published versions", len(preprints))
    for ref in preprints:
        if not ref.arxiv_id:
            findings.append(Finding(ref, "none", note="not an arXiv paper"))
            progress.advance()
            continue
        arxiv_record = records.get(ref.versioned_id or "", ref)
        doi = journal_doi(ref)
        if doi:
            finding = _judge(arxiv_record, services.crossref(doi), ARXIV_DOI_TO_CROSSREF,
                             f"Crossref does not know {doi}")
        else:
            finding = _via_s2(arxiv_record, s2.get(ref.arxiv_id), services)
        findings.append(replace(finding, preprint=ref))
        progress.advance()
    progress.finish()
    return findings


def upgrade(preprint: Reference, published: Reference) -> Reference:
    """The preprint cited as its published version; pure.

    The entry type, DOI, date and venue fields are the publication's; the key, the arXiv
    id and category (so `eprint`, `archivePrefix`, `primaryClass` stay), the title, the
    authors and the abstract are the preprint's (as Zotero's arXiv translator keeps them).
    Fields that only restated the arXiv id (`journal = {arXiv preprint arXiv:...}`) go.

    >>> from bridge.model import Author
    >>> pre = Reference(arxiv_id="1610.01959", title="T", date="2016-10-06", key="k",
    ...                 fields={"journal": "arXiv preprint arXiv:1610.01959"})
    >>> pub = Reference(entry_type="article", doi="10.1109/TSP.2017.2708023", date="2017-08-15",
    ...                 fields={"journal": "IEEE Trans. Signal Process.", "volume": "65"})
    >>> up = upgrade(pre, pub)
    >>> up.entry_type, up.key, up.doi, up.date, up.fields
    ('article', 'k', '10.1109/TSP.2017.2708023', '2017-08-15', \
{'journal': 'IEEE Trans. Signal Process.', 'volume': '65'})
    """
    if published.entry_type not in CROSSREF_ENTRY_TYPES.values() and \
            published.entry_type not in ("article", "inproceedings"):
        raise ValueError(f"not a published version: entry type {published.entry_type!r}")
    upgraded = preprint.copy(entry_type=published.entry_type, doi=published.doi,
                             date=published.date or preprint.date)
    replaced = set(PUBLISHED_FIELDS)
    for name in PUBLISHED_FIELDS:
        replaced.update(_SAME_AS.get(name, ()))
    upgraded.fields = {name: value for name, value in preprint.fields.items()
                       if name.lower() not in replaced
                       and not preprint.restates_arxiv_id(name, value)}
    upgraded.fields.update({name: value for name, value in published.fields.items()
                            if name in PUBLISHED_FIELDS})
    if not upgraded.url:
        upgraded.url = preprint.arxiv_url
    return upgraded
