"""Is this candidate the published version of that preprint? Pure; no I/O.

A candidate (from Crossref or DBLP, found through arXiv's own journal DOI or Semantic
Scholar's ids) is taken only when all three checks pass against the arXiv record. Wrong
matches are the known failure of such tools (a same-titled paper by another team, a
workshop version from the year before), so every check can only reject, and the weakest
one sets the evidence score.

Thresholds (text folded by `bridge.resolve`'s `_normalise`, the same folding the search
verification uses: LaTeX markup dropped, accents folded, case-folded, punctuation to spaces):

* `TITLE_THRESHOLD` (90, `fuzz.token_sort_ratio`, the search threshold of
  `bridge.resolve`): a published title differs from the preprint's in case, hyphenation,
  the odd word fixed in review; those cost a few points. A different paper that shares the
  first words scores far lower. A title that **gained (or lost) a subtitle** is compared by
  its main title: the part before the first `:`, ` - `, ` – `, ` — ` or `?` must score the
  same 90 against the other title ("Sycophancy in Language Models" vs "Sycophancy in
  Language Models: An Empirical Study"). A negation on one side only (`not`, `don't`...)
  rejects whatever the score, as in search.
* `AUTHOR_OVERLAP_THRESHOLD` (0.5): the preprint's authors found among the candidate's
  (same folded surname, same first initial where both have one), divided by the longer of
  the two lists. Versions of one paper gain or lose an author or two between arXiv and the
  proceedings (a 3-author preprint published with 5 authors scores 0.6); a same-titled
  paper by another team shares at most a common surname (0.0-0.2).
* Year: the publication's year must not be before the preprint's first version (a paper
  cannot be published before it was written; a "published version" dated earlier is a
  different, older paper with the same title, or an earlier workshop version).

The evidence score is the weakest of the title similarity and the author overlap (as a
percentage): 100 means identical title and identical author list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..model import Reference
from ..resolve import _NEGATIONS, TITLE_THRESHOLD, _authors_missing, _normalise

__all__ = ["AUTHOR_OVERLAP_THRESHOLD", "TITLE_THRESHOLD", "Evidence", "verify_published"]

AUTHOR_OVERLAP_THRESHOLD = 0.5
"""Minimum share of authors in common (matched / longer list) for a candidate to be taken."""

# Where a subtitle starts: a colon, a spaced dash, or a question mark ending the main title.
_SUBTITLE_BREAK = re.compile(r"\s*(?::|\s[-–—]\s|\?)\s*")


@dataclass(frozen=True)
class Evidence:
    """How a candidate fared against the preprint, and whether it may be taken."""

    accepted: bool
    score: float
    """The weakest evidence, 0-100: min(title similarity, author overlap in percent)."""
    title_score: float
    authors_matched: int
    authors_total: int
    """The longer of the two author lists."""
    reason: str


def _main_title(title: str) -> str | None:
    """The part of a title before its subtitle, or None when it has none.

    >>> _main_title("Sycophancy in Language Models: An Empirical Study")
    'Sycophancy in Language Models'
    >>> _main_title("Is Attention All You Need? Revisiting Transformers")
    'Is Attention All You Need'
    >>> _main_title("Chain-of-Thought Prompting") is None
    True
    """
    parts = _SUBTITLE_BREAK.split(title.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0]
    return None


def _title_score(preprint: str, published: str) -> tuple[float, str]:
    mine, theirs = _normalise(preprint), _normalise(published)
    score = round(fuzz.token_sort_ratio(mine, theirs), 1)
    if score >= TITLE_THRESHOLD:
        return score, "identical title" if mine == theirs else f"title similarity {score:g}"
    # A subtitle gained (or dropped) on the way to publication: compare the main titles.
    for longer, shorter, what in ((published, mine, "gained"), (preprint, theirs, "lost")):
        main = _main_title(longer)
        if main is None:
            continue
        main_score = round(fuzz.token_sort_ratio(_normalise(main), shorter), 1)
        if main_score >= TITLE_THRESHOLD:
            return main_score, f"title {what} a subtitle"
    return score, f"title similarity {score:g} < {TITLE_THRESHOLD:g}"


def verify_published(preprint: Reference, candidate: Reference) -> Evidence:
    """Score `candidate` (a published record) against the arXiv record `preprint`.

    >>> from bridge.model import Author
    >>> pre = Reference(arxiv_id="2310.13548", title="Towards Understanding Sycophancy",
    ...                 authors=[Author("Sharma", "Mrinank"), Author("Tong", "Meg")],
    ...                 arxiv_published="2023-10-20")
    >>> pub = pre.copy(arxiv_id=None, date="2024", authors=[Author("Sharma", "M."),
    ...                Author("Tong", "Meg")])
    >>> verify_published(pre, pub)
    Evidence(accepted=True, score=100.0, title_score=100.0, authors_matched=2, \
authors_total=2, reason='identical title, 2/2 authors, 2024 >= 2023')
    >>> verify_published(pre, pub.copy(date="2022")).reason
    'published 2022, before the preprint (2023)'
    """
    if not candidate.title or not preprint.title:
        return Evidence(False, 0.0, 0.0, 0, 0, "no title to compare")
    title_score, title_reason = _title_score(preprint.title, candidate.title)
    total = max(len(preprint.authors), len(candidate.authors))
    matched = len(preprint.authors) - len(_authors_missing(preprint.authors, candidate.authors))
    overlap = matched / total if total else 0.0
    score = round(min(title_score, 100 * overlap), 1)

    def refused(reason: str) -> Evidence:
        return Evidence(False, score, title_score, matched, total, reason)

    if title_score < TITLE_THRESHOLD:
        return refused(title_reason)
    negations = _NEGATIONS & (set(_normalise(preprint.title).split())
                              ^ set(_normalise(candidate.title).split()))
    if negations:
        return refused(f"titles differ in a negation ({', '.join(sorted(negations))})")
    if overlap < AUTHOR_OVERLAP_THRESHOLD:
        return refused(f"only {matched}/{total} authors in common "
                       f"(< {AUTHOR_OVERLAP_THRESHOLD:.0%})")
    first = preprint.arxiv_published or preprint.date
    if not candidate.year:
        return refused("the candidate has no publication year")
    if first and candidate.year < first[:4]:
        return refused(f"published {candidate.year}, before the preprint ({first[:4]})")
    year_text = f", {candidate.year} >= {first[:4]}" if first else ""
    return Evidence(True, score, title_score, matched, total,
                    f"{title_reason}, {matched}/{total} authors{year_text}")
