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


_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ATOM_FEED = _ATOM + "feed"
_TOTAL = _OPENSEARCH + "totalResults"


def _feed_root(content: bytes) -> etree._Element | None:
    """The root of an answer that is an Atom feed with its opensearch counters: what every
    real API answer is; None for anything else. `arxiv`'s parser recovers from anything (an
    HTML error page parses as an empty feed), so this strict parse comes first.

    >>> _feed_root(b"<html><body>Service Unavailable</body></html>") is None
    True
    >>> _feed_root(b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>') is None
    True
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError:
        return None
    if root is None or root.tag != _ATOM_FEED or root.find(_TOTAL) is None:
        return None
    return root


def _counter(root: etree._Element, tag: str) -> int:
    # As `arxiv._feed.parse` reads the opensearch counters: missing or not a number is 0.
    found = root.find(tag)
    if found is None or found.text is None:
        return 0
    try:
        return int(found.text.strip())
    except ValueError:
        return 0


# The children of an <entry> read once each, the first of a tag winning, as `find` would.
_ENTRY_TEXT = {_ATOM + "id": "id", _ATOM + "updated": "updated", _ATOM + "published":
               "published", _ATOM + "title": "title", _ATOM + "summary": "summary",
               _ARXIV + "comment": "comment", _ARXIV + "journal_ref": "journal_ref",
               _ARXIV + "doi": "doi"}
_AUTHOR, _NAME = _ATOM + "author", _ATOM + "name"
_CATEGORY, _PRIMARY = _ATOM + "category", _ARXIV + "primary_category"


def _entry_reference(entry: etree._Element) -> Reference | None:
    """The `Reference` for one <entry>, read straight from the tree: the same values
    `to_reference(arxiv's Result)` gives, without building the Result (its links, authors
    and datetimes) first. None where `arxiv` skips the entry (no id or dates); raises
    InvalidArxivId if its id is not an arXiv id."""
    text: dict[str, str | None] = {}
    names: list[str] = []
    terms: list[str] = []
    primary: str | None = None
    found_primary = False
    for child in entry:
        tag = child.tag
        key = _ENTRY_TEXT.get(tag) if isinstance(tag, str) else None
        if key is not None:
            if key not in text:
                text[key] = child.text
        elif tag == _AUTHOR:
            name = child.find(_NAME)
            names.append(name.text if name is not None and name.text is not None else "")
        elif tag == _CATEGORY:
            term = child.get("term")
            if term is not None:
                terms.append(term)
        elif tag == _PRIMARY and not found_primary:
            found_primary = True
            primary = child.get("term")
    entry_id = text.get("id")
    if not entry_id:
        return None
    updated = arxiv_feed._parse_datetime(text.get("updated"))
    published_at = arxiv_feed._parse_datetime(text.get("published"))
    if updated is None or published_at is None:
        return None
    aid = parse_id(entry_id.split("arxiv.org/abs/")[-1])
    primary = primary or ""
    categories = [primary] if primary else []
    categories += [c for c in terms if c and c not in categories]
    published = published_at.date().isoformat()
    return Reference(
        arxiv_id=aid.id,
        arxiv_version=aid.version,
        title=clean_text(text.get("title") or ""),
        authors=[split_plain_name(name) for name in (clean_text(n) for n in names) if name],
        abstract=clean_text(text.get("summary") or ""),
        date=published,
        arxiv_published=published,
        arxiv_updated=updated.date().isoformat(),
        primary_category=primary or (categories[0] if categories else None),
        categories=categories,
        doi=_journal_doi(text.get("doi")),
        journal_ref=clean_text(text.get("journal_ref")),
        comment=clean_text(text.get("comment")),
        url=f"https://arxiv.org/abs/{aid.id}",
    )


def parse_page(content: bytes) -> Page:
    """Parse one API answer. Entries whose id is not an arXiv id (error entries) are skipped.

    An answer that is not a well-formed feed is `malformed` and has no references: it
    proves nothing about the ids asked. The answer is parsed once, and each entry read
    straight into a `Reference` (`to_reference`'s rules, `arxiv._feed`'s reading).
    """
    root = _feed_root(content)
    if root is None:
        return Page(total=0, start=0, malformed=True)
    references = []
    for entry in root.iterfind(_ATOM + "entry"):
        try:
            ref = _entry_reference(entry)
        except InvalidArxivId:
            continue
        if ref is not None:
            references.append(ref)
    return Page(total=_counter(root, _TOTAL), start=_counter(root, _OPENSEARCH + "startIndex"),
                references=references)
