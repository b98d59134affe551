"""Our side of the arXiv Atom feed: `arxiv.Result` objects in, `Reference` records out.

The `arxiv` package parses the Atom itself (`arxiv._feed.parse`, an lxml parser that keeps
`arxiv:affiliation` and the opensearch counters); this module only turns its `Result`s into
`Reference`s and cleans the text the way every writer wants it:

* titles and abstracts have their whitespace collapsed, which also unwraps the hard line
  wrapping of the classic (pre-2026) format ("...in the Large\\n  Connectivity Limit");
* text that was UTF-8 decoded as Latin-1 somewhere on the way ("WÃ¼bben", seen in recorded
  answers) is repaired when, and only when, the repair decodes cleanly;
* dates become ISO `YYYY-MM-DD` (UTC), the primary category comes first in `categories`;
* `doi` is the journal DOI: the first one when `arxiv:doi` lists several, and never the
  arXiv DOI (10.48550/arXiv.ID), which `Reference.arxiv_doi` derives.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field

import arxiv  # type: ignore[import-untyped]  # the package ships no type information
from arxiv import _feed as arxiv_feed
from lxml import etree  # type: ignore[import-untyped]  # arxiv's own parser

from ..arxiv_id import parse as parse_id
from ..errors import InvalidArxivId
from ..model import ARXIV_DOI_PREFIX, Reference
from ..names import split_plain_name

__all__ = ["Page", "clean_text", "parse_page", "to_reference"]

# `arxiv` logs "Skipping entry ..." warnings for entries it cannot use; we already skip
# them (and say so where it matters), so keep Python's last-resort handler from printing
# them on the user's terminal.
logging.getLogger("arxiv").addHandler(logging.NullHandler())

_SPACES = re.compile(r"\s+")
# A lead byte of a 2-4 byte UTF-8 sequence followed by a continuation byte, both read as
# Latin-1: the fingerprint of double-decoded UTF-8.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")


@dataclass
class Page:
    """One answer of the API: its opensearch counters and the papers in it."""

    total: int
    start: int
    references: list[Reference] = field(default_factory=list)
    malformed: bool = False


def clean_text(text: str | None) -> str | None:
    """Collapse whitespace and repair double-decoded UTF-8; empty becomes None.

    >>> clean_text("  Quantum Criticality on a Bethe Lattice in the Large\\n  Connectivity Limit")
    'Quantum Criticality on a Bethe Lattice in the Large Connectivity Limit'
    >>> clean_text("Dirk WÃ¼bben")
    'Dirk Wübben'
    >>> clean_text("Ã la carte"), clean_text("   ")
    ('Ã la carte', None)
    """
    if text is None:
        return None
    text = _SPACES.sub(" ", text).strip()
    if _MOJIBAKE.search(text):
        # If it does not decode, it was not double-decoded after all: keep what arXiv sent.
        with contextlib.suppress(UnicodeError):
            text = text.encode("latin-1").decode("utf-8")
    return text or None


def to_reference(result: arxiv.Result) -> Reference:
    """The `Reference` for one API entry; raises InvalidArxivId if its id is not an arXiv id."""
    aid = parse_id(result.get_short_id())
    categories = [result.primary_category] if result.primary_category else []
    categories += [c for c in result.categories if c and c not in categories]
    published = result.published.date().isoformat()
    return Reference(
        arxiv_id=aid.id,
        arxiv_version=aid.version,
        title=clean_text(result.title),
        authors=[split_plain_name(name) for name in
                 (clean_text(a.name) for a in result.authors) if name],
        abstract=clean_text(result.summary),
        date=published,
        arxiv_published=published,
        arxiv_updated=result.updated.date().isoformat(),
        primary_category=result.primary_category or (categories[0] if categories else None),
        categories=categories,
        doi=_journal_doi(result.doi),
        journal_ref=clean_text(result.journal_ref),
        comment=clean_text(result.comment),
        url=f"https://arxiv.org/abs/{aid.id}",
    )


def _journal_doi(text: str | None) -> str | None:
    """
    >>> _journal_doi(" 10.1103/PhysRevB.85.115117  10.1103/Other.1 ")
    '10.1103/PhysRevB.85.115117'
    >>> _journal_doi("10.48550/arXiv.2310.13798") is None
    True
    """
    cleaned = clean_text(text)
    if not cleaned:
        return None
    first = cleaned.split()[0]
    return None if first.lower().startswith(ARXIV_DOI_PREFIX.lower()) else first


_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_TOTAL = "{http://a9.com/-/spec/opensearch/1.1/}totalResults"


def _is_atom_feed(content: bytes) -> bool:
    """Whether an answer is an Atom feed with its opensearch counters: what every real API
    answer is. `arxiv`'s parser recovers from anything (an HTML error page parses as an
    empty feed), so this is asked first.

    >>> _is_atom_feed(b"<html><body>Service Unavailable</body></html>")
    False
    >>> _is_atom_feed(b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>')
    False
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError:
        return False
    return root is not None and root.tag == _ATOM_FEED and root.find(_TOTAL) is not None


def parse_page(content: bytes) -> Page:
    """Parse one API answer. Entries whose id is not an arXiv id (error entries) are skipped.

    An answer that is not a well-formed feed is `malformed` and has no references: it
    proves nothing about the ids asked.
    """
    if not _is_atom_feed(content):
        return Page(total=0, start=0, malformed=True)
    feed = arxiv_feed.parse(content)
    references = []
    for result in feed.results:
        try:
            references.append(to_reference(result))
        except InvalidArxivId:
            continue
    return Page(total=feed.header.total_results, start=feed.header.start_index,
                references=references, malformed=feed.malformed)
