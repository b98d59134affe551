"""The one data model that crosses module lines: `Reference` and the `Author` names in it.

Every reader produces `Reference` records and every writer consumes them. Text fields hold
plain Unicode (readers decode LaTeX, writers encode it again); `fields` carries whatever a
source had that we do not model, so a round trip loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["ARXIV_DOI_PREFIX", "Author", "Provenance", "Reference"]

ARXIV_DOI_PREFIX = "10.48550/arXiv."


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

    def copy(self, **changes: object) -> Reference:
        """A copy with `changes` applied; lists and dicts are copied, not shared."""
        fresh = replace(
            self,
            authors=list(self.authors),
            editors=list(self.editors),
            categories=list(self.categories),
            links=list(self.links),
            fields=dict(self.fields),
            tags=list(self.tags),
        )
        for name, value in changes.items():
            setattr(fresh, name, value)
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
