"""The one data model that crosses module lines: `Reference` and the `Author` names in it.

Every reader produces `Reference` records and every writer consumes them. Text fields hold
plain Unicode (readers decode LaTeX, writers encode it again); `fields` carries whatever a
source had that we do not model, so a round trip loses nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

__all__ = ["ARXIV_DOI_PREFIX", "PREPRINT_TYPES", "Author", "Provenance", "Reference",
           "names_arxiv_as_venue"]

ARXIV_DOI_PREFIX = "10.48550/arXiv."

PREPRINT_TYPES = frozenset({"misc", "online", "electronic", "unpublished", "preprint"})
"""BibTeX/BibLaTeX entry types an arXiv paper comes as when it is the preprint itself."""

# "arXiv preprint arXiv:2310.13798" (Google Scholar), "{arXiv}", "ArXiv e-prints" (ADS),
# "arXiv:2310.13798 [cs]" (Zotero), and DBLP's "CoRR" with volume "abs/2310.13798".
_ARXIV_VENUE = re.compile(r"(?i)^\W*(?:arxiv|corr\W*$)")


def names_arxiv_as_venue(venue: str) -> bool:
    """Whether a journal name is arXiv itself (so the paper is a preprint, not published).

    >>> [names_arxiv_as_venue(v) for v in ("arXiv preprint arXiv:2212.08073", "{ArXiv}",
    ...     "ArXiv e-prints", "CoRR", "Physical Review D", "Proceedings of CoRR-ish")]
    [True, True, True, True, False, False]
    """
    return bool(_ARXIV_VENUE.match(venue))


@dataclass(frozen=True)
class Author:
    """A person (or an institution) split the way BibTeX splits names.

    `first`, `von`, `last` and `jr` are BibTeX's four name parts, as Unicode text.
    An institution ("The ATLAS Collaboration") has only `last` and `is_institution` set, so
    writers brace it whole instead of splitting it.
    """

    last: str
    first: str = ""
    von: str = ""
    jr: str = ""
    is_institution: bool = False

    @property
    def family(self) -> str:
        """The surname with its particle, as it is sorted and cited: `van Beethoven`."""
        return f"{self.von} {self.last}".strip()

    def display(self) -> str:
        """First-name-first form for people: `Ludwig van Beethoven, Jr`."""
        if self.is_institution:
            return self.last
        name = " ".join(part for part in (self.first, self.von, self.last) if part)
        return f"{name}, {self.jr}" if self.jr else name


@dataclass(frozen=True)
class Provenance:
    """Where a record came from, so messages and edits can point back at it."""

    source: str
    """A file path, `<stdin>`, or `zotero:<library>`."""
    line: int | None = None
    """1-based line of the record's first line in `source`, when it came from a file."""
    zotero_key: str | None = None
    zotero_version: int | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class Reference:
    """One bibliographic record, whatever it came from.

    arXiv papers carry `arxiv_id` in the canonical form of `bridge.arxiv_id.normalise`
    (`2310.13798`, `hep-th/9901001`: no `arXiv:` prefix, no version) and the version, if the
    input named one, in `arxiv_version`.
    """

    arxiv_id: str | None = None
    arxiv_version: int | None = None
    title: str | None = None
    authors: list[Author] = field(default_factory=list)
    authors_truncated: bool = False
    """True when the source listed only the first authors ("... et al.")."""
    editors: list[Author] = field(default_factory=list)
    abstract: str | None = None
    date: str | None = None
    """The date cited, ISO 8601 and possibly partial: `2023`, `2023-10`, `2023-10-20`."""
    arxiv_published: str | None = None
    """ISO date of the first arXiv version, as the API reports it."""
    arxiv_updated: str | None = None
    """ISO date of the latest arXiv version, as the API reports it."""
    primary_category: str | None = None
    categories: list[str] = field(default_factory=list)
    doi: str | None = None
    """The journal DOI. The arXiv DOI (10.48550/arXiv.ID) is derived, never stored here."""
    journal_ref: str | None = None
    comment: str | None = None
    url: str | None = None
    links: list[str] = field(default_factory=list)
    key: str | None = None
    """The citation key, if the source had one or one has been assigned."""
    entry_type: str | None = None
    """The BibTeX entry type in lower case (`article`, `misc`...), if the source had one."""
    fields: dict[str, str] = field(default_factory=dict)
    """Everything else, lower-case field name to value, passed through untouched."""
    tags: list[str] = field(default_factory=list)
    provenance: Provenance | None = None

    @property
    def versioned_id(self) -> str | None:
        """`2310.13798v2` when a version is known, else the bare id."""
        if self.arxiv_id is None:
            return None
        return f"{self.arxiv_id}v{self.arxiv_version}" if self.arxiv_version else self.arxiv_id

    @property
    def arxiv_doi(self) -> str | None:
        """The DOI arXiv registers for every paper: `10.48550/arXiv.2310.13798`."""
        return f"{ARXIV_DOI_PREFIX}{self.arxiv_id}" if self.arxiv_id else None

    @property
    def arxiv_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.versioned_id}" if self.arxiv_id else None

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None

    @property
    def is_arxiv_preprint(self) -> bool:
        """Whether this is an arXiv paper as a preprint, not a published version citing it.

        The one rule every writer follows (BibTeX `@misc`, CSL `article`, Zotero `preprint`),
        as Zotero's arXiv translator decides it: an arXiv paper is a preprint unless its
        source said it was published. An `@article` whose journal is arXiv itself
        (`journal = {arXiv preprint arXiv:...}`, `{CoRR}`) or missing was not published.

        >>> [Reference(arxiv_id="2212.08073", entry_type=t, fields=f).is_arxiv_preprint
        ...  for t, f in [(None, {}), ("misc", {}), ("article", {}),
        ...    ("article", {"journal": "arXiv preprint arXiv:2212.08073"}),
        ...    ("article", {"journal": "Nature"}), ("inproceedings", {}), ("phdthesis", {})]]
        [True, True, True, True, False, False, False]
        >>> Reference(entry_type="misc").is_arxiv_preprint  # no arXiv id: not an arXiv paper
        False
        """
        if not self.arxiv_id:
            return False
        if self.entry_type is None or self.entry_type.lower() in PREPRINT_TYPES:
            return True
        if self.entry_type.lower() != "article":
            return False
        journal = self.fields.get("journal") or self.fields.get("journaltitle") or ""
        return not journal.strip("{} ") or names_arxiv_as_venue(journal)

    def restates_arxiv_id(self, name: str, value: str) -> bool:
        """Whether a field only says again that this is an arXiv paper (ADS, BibDesk, DBLP).

        Once the paper is written as a preprint these fields say nothing new (and biber
        flags them as invalid for @misc/@online), so writers leave them out.

        >>> ref = Reference(arxiv_id="1802.03426")
        >>> [ref.restates_arxiv_id(n, v) for n, v in [("journal", "{arXiv}"),
        ...     ("volume", "1802"), ("number", "03426"), ("pages", "arXiv:1802.03426"),
        ...     ("volume", "abs/1802.03426"), ("journal", "CoRR"), ("volume", "12")]]
        [True, True, True, True, True, True, False]
        """
        name = name.lower()
        if name in ("journal", "journaltitle"):
            return names_arxiv_as_venue(value)
        if name in ("volume", "number", "pages", "eid") and self.arxiv_id:
            text = value.strip("{} ").lower()
            return len(text) >= 4 and (self.arxiv_id.lower() in text or text in self.arxiv_id)
        return False

    def ids_conflict(self, *, arxiv_id: str | None, doi: str | None) -> bool:
        """Whether a record with these ids must be another paper, whatever its title says.

        The rule that refuses a title match: both sides have an arXiv id and they differ,
        or both have a (journal) DOI and they differ; DOIs compare case-insensitively.
        Missing ids never conflict.

        >>> ref = Reference(arxiv_id="2212.08073", doi="10.1000/ABC")
        >>> [ref.ids_conflict(arxiv_id=a, doi=d) for a, d in [("2212.08073", "10.1000/abc"),
        ...     (None, None), ("2310.13798", None), (None, "10.1000/xyz")]]
        [False, False, True, True]
        """
        if self.arxiv_id and arxiv_id and self.arxiv_id != arxiv_id:
            return True
        return bool(self.doi and doi and self.doi.lower() != doi.lower())

    def copy(self, **changes: object) -> Reference:
        """A copy with `changes` applied; lists and dicts are copied, not shared.

        >>> ref = Reference(title="T", categories=["cs.CL"])
        >>> other = ref.copy(key="k")
        >>> other.categories.append("cs.AI")
        >>> (ref.key, ref.categories, other.key, other == Reference(title="T", key="k",
        ...  categories=["cs.CL", "cs.AI"]))
        (None, ['cs.CL'], 'k', True)
        """
        # Copied state to state, not through `dataclasses.replace`: a bulk import copies
        # every paper several times, and replace's keyword __init__ was a tenth of it.
        state = self.__dict__.copy()
        state["authors"] = self.authors.copy()
        state["editors"] = self.editors.copy()
        state["categories"] = self.categories.copy()
        state["links"] = self.links.copy()
        state["fields"] = self.fields.copy()
        state["tags"] = self.tags.copy()
        for name in changes:
            if name not in _REFERENCE_FIELDS:
                raise TypeError(f"Reference has no field {name!r}")
        state.update(changes)
        fresh = object.__new__(type(self))
        fresh.__dict__.update(state)
        return fresh

    def describe(self) -> str:
        """A short human label for messages: the id, else the title, else where it came from."""
        if self.arxiv_id:
            return f"arXiv:{self.versioned_id}"
        if self.title:
            short = self.title if len(self.title) <= 60 else self.title[:57] + "..."
            return f'"{short}"'
        if self.key:
            return self.key
        return str(self.provenance) if self.provenance else "a record without id or title"


_REFERENCE_FIELDS = frozenset(f.name for f in fields(Reference))
