"""Pasted text to paper records: every clue a paste carries about each paper it mentions.

`read_text` reads a paste line by line and builds one `Reference` per paper, in order, with
whatever the text says about it: the arXiv id and version, title, authors ("et al." sets
`authors_truncated`), abstract, comment lines (``32 pages, 20 figures``), a date, the URLs
it mentions (`links`), and provenance (source and the 1-based line the record starts on).
A paper without an id still comes out, so resolution can search for it by title or abstract.

The shapes it understands, which can be mixed in one paste:

* **arXiv listings with the id after the abstract**: ``abstract`` / optional comment lines /
  ``arXiv:ID`` glued to the next abstract's first word (``arXiv:2310.13798Reinforcement``).
  An id glued to a word closes the record before it; the word starts the next record.
* **Aggregator listings**: a category-and-date line (``CLJun 28, 2023Code``), then the title
  run straight into the author list (``...in Language ModelsEsin Durmus, Karina Nguyen,
  Thomas I. Liao et al. · openai, stanford``), then the abstract. The date goes to `date` as
  ISO; the organisation tags after the ``·`` are dropped (never taken for authors).
* **Labelled fields**: ``Title:``, ``Authors:``, ``Abstract:``, ``Comments:``,
  ``Journal-ref:``, ``DOI:`` (arXiv's own abstract and listing pages). A label seen again
  starts the next record, so a run of ``Abstract:`` lines gives one record each. arXiv's
  dateline (``[Submitted on 14 Feb 2024 (v1), ...]``) gives the first version's date, its
  ``Cite as: arXiv:ID`` line the id; its breadcrumb and page furniture are skipped, so a
  whole abstract page copied from the browser is one record.
* **Generic pastes and reading lists**: ids, arXiv URLs and arXiv DOIs anywhere (one record
  per distinct id, first-seen order, repeats ignored); blank lines separate records; a short
  line is a title, a list of names is the authors, a long line is the abstract.

Text on a line with an id gives that paper no title unless it is quoted or labelled: prose
around an id ("see arXiv:... for details") is not a title, and a wrong title would stick
when resolution fills only missing fields. URLs that merely spell an arXiv id are not links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..arxiv_id import IdMatch, find_ids
from ..model import Author, Provenance, Reference
from ..names import split_plain_name

__all__ = ["read_text"]

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
# `CLJun 28, 2023Code`: a category code, a date, and an optional "Code" badge.
_AGGREGATOR_PREFIX = re.compile(
    r"^(?P<cat>[A-Z][A-Za-z]{1,3})?(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"[a-z]*\.? (?P<day>\d{1,2}), (?P<year>(?:19|20)\d\d)(?P<badge>[A-Z][a-z]+)?$"
)
# arXiv's datelines: "[Submitted on 14 Feb 2024 (v1), last revised ...]" on an abstract page,
# "Submitted 20 October, 2023; originally announced ..." in its search results. The date is
# the first version's.
_DATELINE = re.compile(
    r"^\[?Submitted(?: on)? (?P<day>\d{1,2}) (?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec)[a-z]*\.?,? (?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# Lines of arXiv's abstract page that are not about any paper: the subject breadcrumb
# ("Computer Science > Computation and Language"), the DOI tooltip, the submission history.
_PAGE_FURNITURE = re.compile(
    r"^(?:(?:Computer Science|Mathematics|Physics|Statistics|Quantitative Biology"
    r"|Quantitative Finance|Electrical Engineering and Systems Science|Economics"
    r"|Astrophysics|Condensed Matter|Nonlinear Sciences) > [^>]+"
    r"|(?:High Energy Physics - (?:Experiment|Lattice|Phenomenology|Theory)"
    r"|General Relativity and Quantum Cosmology|Mathematical Physics|Quantum Physics"
    r"|Nuclear (?:Experiment|Theory))(?: > [^>]+)?"
    r"|Focus to learn more|arXiv-issued DOI via DataCite(?: \(pending registration\))?"
    r"|Submission history|From: .+ \[view email\]|\[v\d+\]"
    r"|(?:\[v\d+\] )?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} \w{3} \d{4} [\d:]+ UTC \(.+\))$"
)
_CITE_AS = re.compile(r"^cite as\s*[:|]?\s*\|?$", re.IGNORECASE)
_LABEL = re.compile(
    r"^(?P<label>title|authors?|abstract|comments?|journal[- ]ref|doi|subjects|categories)"
    r"[ \t]*:[ \t]*(?P<value>.*)$",
    re.IGNORECASE,
)
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)?\.(?:[A-Z]{2}|[a-z]+(?:-[a-z]+)?)|[a-z]+-[a-z]+")
_URL = re.compile(r"https?://[^\s<>\"'\]\[{}|\\^`]+", re.IGNORECASE)
_JOURNAL_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>{}]+")
_COMMENT = re.compile(
    r"\b\d+\s*(?:pages?|pp|figures?|figs?|tables?)\b|\bpages?\b.*\bfigures?\b"
    r"|^(?:accepted|to appear|appeared|published|submitted|camera[- ]ready|extended abstract"
    r"|workshop|in proceedings|proceedings|project page|website)\b"
    r"|\bsee https?://",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•·‣▪–]|\[\d+\]|\(\d+\)|\d+[.)])\s+")
_QUOTED = re.compile(r"[\"“]([^\"“”]{8,})[\"”]")
_ET_AL = re.compile(r"[\s,]*\bet\.?\s*al\.?\s*$", re.IGNORECASE)
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "des", "la", "le",
    "dos", "das", "bin", "ibn", "al", "el", "ter", "ten", "y",
})
_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
_SURNAME_PREFIXES = frozenset({
    "Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le", "Van", "Von", "Fitz", "St", "Des", "Del",
    "Della", "Ten", "Ter", "Vander", "Vanden", "Al", "El", "Ben", "Bin", "Abu",
})
_VANCOUVER = re.compile(r"(?P<last>[^\W\d_][\w'’-]+(?: [^\W\d_][\w'’-]+)*) (?P<ini>[A-Z]{1,3})")
_INNER_CAPITAL = re.compile(r"(?<=[^\W\d_])(?=[A-Z])")
_INITIAL = re.compile(r"^(?:[^\W\d_]\.)+(?:-[^\W\d_]\.)?$")
_PROSE_CHARS = 200
_URL_TRAILING = ".,;:!?)]}'\""


@dataclass
class _Draft:
    """A record being assembled; `seal` turns it into a `Reference`."""

    line: int
    arxiv_id: str | None = None
    version: int | None = None
    title: str | None = None
    authors: list[Author] = field(default_factory=list)
    truncated: bool = False
    abstract: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    date: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    primary_category: str | None = None
    categories: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    awaiting_title_line: bool = False

    def has_content(self) -> bool:
        return bool(self.arxiv_id or self.title or self.authors or self.abstract
                    or self.comments or self.doi or self.links)

    def seal(self, source: str) -> Reference:
        return Reference(
            arxiv_id=self.arxiv_id,
            arxiv_version=self.version,
            title=self.title,
            authors=list(self.authors),
            authors_truncated=self.truncated,
            abstract=" ".join(self.abstract) or None,
            comment=" ".join(self.comments) or None,
            date=self.date,
            doi=self.doi,
            journal_ref=self.journal_ref,
            primary_category=self.primary_category,
            categories=list(self.categories),
            links=list(self.links),
            fields=dict(self.fields),
            provenance=Provenance(source, self.line),
        )


class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.records: list[Reference] = []
        self.seen_ids: set[str] = set()
        self.draft: _Draft | None = None
        self.last_kind = ""
        # Set when some line starts with an `arXiv:` id glued to a word: the listing shape
        # where every id closes its own abstract, so lines between are that paper's comments.
        self.expects_trailing_id = False
        self.pending_label = ""
        # The ids of lines `_glued_id_line` already scanned, by line: each is read once.
        self.scanned: dict[str, list[IdMatch]] = {}

    # Record boundaries.
    def current(self, line: int) -> _Draft:
        if self.draft is None:
            self.draft = _Draft(line)
        return self.draft

    def flush(self) -> None:
        if self.draft is not None and self.draft.has_content():
            self.records.append(self.draft.seal(self.source))
        self.draft = None
        self.last_kind = ""
        self.pending_label = ""

    def fresh(self, line: int) -> _Draft:
        self.flush()
        return self.current(line)

    # Lines.
    def feed(self, number: int, line: str) -> None:
        text = line.strip()
        if not text:
            self.flush()
            return
        self.feed_line(number, text)
        # A line's URLs belong to the record the line ended up in.
        urls = [u.rstrip(_URL_TRAILING) for u in _URL.findall(text)]
        urls = [u for u in urls if not find_ids(u)]  # an arXiv URL is the id, not a link
        if urls:
            links = self.draft.links if self.draft else (
                self.records[-1].links if self.records else self.current(number).links)
            links.extend(u for u in dict.fromkeys(urls) if u not in links)

    def feed_line(self, number: int, text: str) -> None:
        if _PAGE_FURNITURE.match(text):
            return
        matches = self.scanned.pop(text, None)
        if matches is None:
            matches = find_ids(text)
        if not matches and text.endswith(":") and len(text) < 80 and not _LABEL.match(text):
            return  # a heading ("Reading list for Thursday:"), not a paper
        if _BULLET.match(text):
            self.flush()  # every item of a list is its own paper
        prefix = _AGGREGATOR_PREFIX.match(text)
        if prefix:
            draft = self.fresh(number)
            draft.date = _iso_date(prefix)
            draft.awaiting_title_line = True
            return
        dateline = _DATELINE.match(text)
        if dateline:
            # Before the title on arXiv's abstract page; a record that already has a date
            # or an abstract is finished, so the dateline opens the next one.
            draft = self.current(number)
            if draft.date is not None or draft.abstract:
                draft = self.fresh(number)
            draft.date = _iso_date(dateline)
            return
        if matches:
            self.feed_ids(number, text, matches)
            return
        self.feed_plain(number, text)

    def feed_ids(self, number: int, text: str, matches: list[IdMatch]) -> None:
        head = _strip_bullet(text[: matches[0].start]).strip()
        # "Cite as: arXiv:ID" on arXiv's abstract page: the id of the record above it.
        if head and not _CITE_AS.match(head):
            self.feed_head(number, head)
        for index, match in enumerate(matches):
            ident = match.arxiv_id
            next_start = matches[index + 1].start if index + 1 < len(matches) else len(text)
            tail = text[match.end:next_start]
            glued = tail[:1].isalpha()
            if ident.id in self.seen_ids:
                if glued:  # a repeated id still ends its abstract
                    self.fresh(number).abstract.append(tail.strip())
                    self.last_kind = "abstract"
                continue
            self.seen_ids.add(ident.id)
            draft = self.current(number)
            if draft.arxiv_id is not None:
                draft = self.fresh(number)
            draft.arxiv_id = ident.id
            draft.version = ident.version
            self.last_kind = "id"
            if glued:
                # arXiv listings: the id closes its abstract; the glued word opens the next
                # paper's abstract.
                self.fresh(number).abstract.append(tail.strip())
                self.last_kind = "abstract"
            else:
                self.take_tail(draft, tail)

    def feed_head(self, number: int, head: str) -> None:
        """Words before the first id of a line: a title ("Title (arXiv:ID)"), or prose."""
        if _is_prose(head):
            self.feed_plain(number, head)
        elif _QUOTED.search(head) or _title_like(head, before_id=True):
            self.take_list_entry(number, head, new_if_id=True)

    def take_tail(self, draft: _Draft, tail: str) -> None:
        """Words after an id on its line: a quoted or title-cased title, or an abstract."""
        words = tail.strip().lstrip("-–—:|,.) ").strip()
        quoted = _QUOTED.search(words)
        if quoted and draft.title is None:
            draft.title = _clean(quoted.group(1))
        elif _is_prose(words) and not draft.abstract:
            draft.abstract.append(words)
        elif draft.title is None and _title_like(words, before_id=False):
            draft.title = _clean(words).rstrip(".")

    def feed_plain(self, number: int, text: str) -> None:
        draft = self.current(number)
        if self.pending_label:
            # "Abstract:" alone on its line: the value is on the next one.
            pending, self.pending_label = self.pending_label, ""
            self.feed_label(number, pending, text)
            return
        if draft.awaiting_title_line:
            draft.awaiting_title_line = False
            self.take_title_and_authors(draft, text)
            self.last_kind = "title"
            return
        label = _LABEL.match(text)
        if label:
            self.feed_label(number, label.group("label").lower(), label.group("value").strip())
            return
        doi = _JOURNAL_DOI.search(text)
        if doi and not _is_prose(text):
            if draft.doi is not None or draft.arxiv_id is not None:
                draft = self.fresh(number)
            draft.doi = doi.group(0).rstrip(_URL_TRAILING)
            rest = _strip_doi(text, doi.group(0))
            if rest and draft.title is None and _title_like(rest, before_id=True):
                draft.title = _clean(_strip_bullet(rest))
                self.last_kind = "title"
            return
        if _is_prose(text):
            continues = self.last_kind == "abstract" and text[0].islower()
            if draft.abstract and not continues:
                draft = self.fresh(number)
            draft.abstract.append(text)
            self.last_kind = "abstract"
            return
        awaiting_id = (self.expects_trailing_id and draft.abstract
                       and draft.arxiv_id is None)
        if awaiting_id or (_COMMENT.search(text)
                           and (draft.abstract or draft.arxiv_id or draft.title)):
            draft.comments.append(text)
            self.last_kind = "comment"
            return
        names = _names_line(text, strict=draft.title is None)
        if names is not None and not draft.authors:
            draft.authors, draft.truncated = names
            self.last_kind = "authors"
            return
        self.take_list_entry(number, text)

    def feed_label(self, number: int, label: str, value: str) -> None:
        if not value:
            self.pending_label = label
            return
        draft = self.current(number)
        if label == "title":
            if draft.title is not None:
                draft = self.fresh(number)
            draft.title = _clean(value) or None
            self.last_kind = "title"
        elif label.startswith("author"):
            if draft.authors:
                draft = self.fresh(number)
            names = _names_line(value, strict=False)
            if names is None:
                # A label is evidence enough: trust it even for names we would not guess
                # ("ATLAS Collaboration", "danah boyd").
                items, truncated = _split_names(value)
                names = [split_plain_name(item) for item in items], truncated
            draft.authors, draft.truncated = names
            self.last_kind = "authors"
        elif label == "abstract":
            if draft.abstract:
                draft = self.fresh(number)
            if value:
                draft.abstract.append(value)
            self.last_kind = "abstract"
        elif label.startswith("comment"):
            if value:
                draft.comments.append(value)
            self.last_kind = "comment"
        elif label.startswith("journal"):
            draft.journal_ref = value or None
        elif label == "doi":
            doi = _JOURNAL_DOI.search(value)
            if doi:
                draft.doi = doi.group(0).rstrip(_URL_TRAILING)
        elif label in ("subjects", "categories"):
            # "Computation and Language (cs.CL); Machine Learning (cs.LG)" or "cs.CL cs.LG"
            found = re.findall(r"\(([^()]+)\)", value) if "(" in value else re.split(
                r"[\s,;]+", value)
            codes = [c.strip() for c in found if _CATEGORY.fullmatch(c.strip())]
            if codes:
                draft.primary_category = codes[0]
                draft.categories = list(dict.fromkeys(codes))

    def take_title_and_authors(self, draft: _Draft, text: str) -> None:
        # The organisation tags after the `·` are the aggregator's labels, not bibliographic
        # data: `fields` is passed through to the .bib, so they are dropped here.
        title, authors, truncated, _organisations = _split_title_authors(text)
        draft.title = title
        draft.authors = authors
        draft.truncated = truncated

    def take_list_entry(self, number: int, text: str, *, new_if_id: bool = False) -> None:
        """A short line: one entry of a reading list, or the title of the current record."""
        draft = self.current(number)
        if (draft.title is not None or draft.abstract or draft.comments
                or (new_if_id and draft.arxiv_id)):
            draft = self.fresh(number)
        entry = _strip_bullet(text)
        quoted = _QUOTED.search(entry)
        if quoted:
            draft.title = _clean(quoted.group(1))
            before = entry[: quoted.start()].strip(" ,:;")
            names = None
            if before:
                names = (_names_line(before.rstrip("."), strict=False)
                         or _citation_authors(before))
            if names is not None:
                draft.authors, draft.truncated = names
            if cited := re.search(r"\b(?:19|20)\d\d\b", entry[quoted.end():][:40]):
                draft.date = cited.group()
        else:
            authors, truncated, title, year = _lead_authors(entry)
            if authors:
                draft.authors, draft.truncated = authors, truncated
            if year:
                draft.date = year
            if _URL.search(title):
                # "Check out https://... for code" is a link, not a title; a Title Case
                # remainder ("Project Page https://...") still is one.
                title = _URL.sub(" ", title)
                title = title if _title_like(title, before_id=False) else ""
            draft.title = _clean(title) or None
        self.last_kind = "title"


def read_text(text: str, source: str = "<text>") -> list[Reference]:
    """One `Reference` per paper mentioned in a paste, in order (see the module docstring).

    >>> refs = read_text("Attention Is All You Need\\nhttps://arxiv.org/abs/1706.03762v5")
    >>> [(r.arxiv_id, r.arxiv_version, r.title, r.provenance.line) for r in refs]
    [('1706.03762', 5, 'Attention Is All You Need', 1)]
    >>> [r.arxiv_id for r in read_text("arXiv:2310.13798, 2310.13548 and arXiv:2310.13798v2")]
    ['2310.13798', '2310.13548']
    >>> read_text("Abstract:We study X.\\nAbstract:We study Y.")[1].abstract
    'We study Y.'
    """
    reader = _Reader(source)
    lines = text.splitlines()
    reader.expects_trailing_id = any(_glued_id_line(line, reader.scanned) for line in lines)
    for number, line in enumerate(lines, start=1):
        reader.feed(number, line)
    reader.flush()
    return reader.records


def _glued_id_line(line: str, scanned: dict[str, list[IdMatch]]) -> bool:
    if not line[:6].lower().startswith("arxiv"):
        return False
    matches = find_ids(line)
    if line == line.rstrip():
        scanned[line] = matches  # the line as `feed_line` will see it: no need to scan again
    return bool(matches) and matches[0].start == 0 and line[matches[0].end:][:1].isalpha()


def _title_like(text: str, *, before_id: bool) -> bool:
    """A title rather than prose: Title Case, or (before an id) a capitalised phrase ending
    in the punctuation that separates it from the id ("Scaling laws (", "Title. ")."""
    words = text.strip().split()
    if len(words) < 2 or len(text) > _PROSE_CHARS or not words[0][:1].isupper():
        return False
    long_words = [w.strip("()[]{},.:;\"'“”") for w in words]
    long_words = [w for w in long_words if len(w) >= 4 and w[:1].isalpha()]
    capitalised = [w for w in long_words if w[0].isupper()]
    if len(long_words) >= 2 and len(capitalised) >= 0.6 * len(long_words):
        return True
    return before_id and text.rstrip()[-1:] in ",.:;(-–—["


def _iso_date(prefix: re.Match[str]) -> str:
    month = _MONTHS[prefix.group("mon").lower()]
    return f"{prefix.group('year')}-{month:02d}-{int(prefix.group('day')):02d}"


def _clean(text: str) -> str:
    """Whitespace collapsed, and the punctuation that tied a title to what followed dropped."""
    return " ".join(text.split()).strip().rstrip(" ,;:.([-–—|").strip()


def _strip_bullet(text: str) -> str:
    return _BULLET.sub("", text, count=1).strip()


def _strip_doi(text: str, doi: str) -> str:
    return re.sub(r"(?i)\b(?:doi:?|https?://(?:dx\.)?doi\.org/)\s*$", "",
                  text.replace(doi, "")).strip(" ,.;:()[]")


def _is_prose(text: str) -> bool:
    """An abstract-like line: long, with sentences."""
    if len(text) >= _PROSE_CHARS:
        return True
    return len(text.split()) >= 25 and ". " in text


def _is_name(item: str) -> bool:
    """One person's name written first-name-first: `Thomas I. Liao`, `Ludwig van Beethoven`."""
    words = item.split()
    if not 2 <= len(words) <= 6:
        return False
    first = words[0]
    if not (_INITIAL.match(first) or _is_given_name(first)):
        return False
    for word in words[1:-1]:
        if not (_INITIAL.match(word) or word in _PARTICLES or _is_capitalised(word)):
            return False
    last = words[-1]
    return _is_capitalised(last) or last in _SUFFIXES


def _is_given_name(word: str) -> bool:
    # A given name has no capital after its first letter, except after a hyphen
    # ("Jean-Pierre"); that is what tells "Esin" from "ModelsEsin" or "DonaldEsin".
    parts = word.split("-")
    return all(len(p) >= 2 and p[0].isupper() and p[1:].isalpha() and p[1:].islower()
               for p in parts)


def _is_capitalised(word: str) -> bool:
    """A capitalised surname word; inner capitals only after a known prefix (`McDonald`),
    so a title word glued to a name (`SuiteYuval`) is not one."""
    core = word.strip(".")
    if not (len(core) >= 2 and core[0].isupper()
            and all(c.isalpha() or c in "-'’" for c in core)
            and any(c.islower() for c in core)):
        return False
    for part in re.split(r"[-'’]", core):
        pieces = _INNER_CAPITAL.split(part)
        if any(piece not in _SURNAME_PREFIXES for piece in pieces[:-1]):
            return False
    return True


def _split_names(text: str) -> tuple[list[str], bool]:
    truncated = False
    stripped = _ET_AL.sub("", text)
    if stripped != text:
        truncated = True
    items = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*;\s*", stripped)]
    return [p for p in items if p], truncated


def _names_line(text: str, *, strict: bool) -> tuple[list[Author], bool] | None:
    """The authors if `text` is a list of names, else None.

    `strict` asks for more evidence (an "et al.", an initial, three names or an "and"), for
    lines that could also be a title.
    """
    if not text or len(text) > 2000 or any(c.isdigit() for c in text):
        return None
    items, truncated = _split_names(text)
    if not items or not all(_is_name(item) for item in items):
        return None
    if strict and not (truncated or len(items) >= 3 or " and " in text
                       or any(_INITIAL.match(w) for i in items for w in i.split())):
        return None
    return [split_plain_name(item) for item in items], truncated


def _lead_authors(entry: str) -> tuple[list[Author], bool, str, str | None]:
    """A reference-list line -> its authors, whether they were cut short, title, and year.

    >>> def show(line):
    ...     authors, more, title, year = _lead_authors(line)
    ...     return [a.display() for a in authors], more, title, year
    >>> show("Vaswani et al. Attention Is All You Need. NeurIPS 2017")
    (['Vaswani'], True, 'Attention Is All You Need', None)
    >>> show("Bai et al. (2022). Constitutional AI: Harmlessness from AI Feedback.")
    (['Bai'], True, 'Constitutional AI: Harmlessness from AI Feedback', '2022')
    >>> show("Perez E, Huang S, Song F. Red Teaming Language Models. 2022")
    (['E. Perez', 'S. Huang', 'F. Song'], False, 'Red Teaming Language Models', None)
    >>> show("Lanham, T., Chen, A. (2023). Measuring Faithfulness in CoT Reasoning")
    (['T. Lanham', 'A. Chen'], False, 'Measuring Faithfulness in CoT Reasoning', '2023')
    """
    match = re.match(r"^(?P<names>[^.:]+?\bet\.? al\.?)[,.:]?\s+(?P<rest>.+)$", entry)
    if match:
        names = match.group("names")
        items, _ = _split_names(names)
        if items and all(len(i.split()) <= 4 and i[0].isupper() for i in items):
            authors = [_reference_name(i) for i in items]
            year, rest = _leading_year(match.group("rest"))
            return authors, True, _first_sentence(rest), year
    # APA (`Lanham, T., Chen, A.`) and Vancouver (`Perez E, Huang S.`) lists: their initials
    # hold dots too, so the list ends at the last `. ` before which everything is names.
    best = None
    for end in (m.start() + 1 for m in re.finditer(r"\.\s+", entry)):
        found = _citation_authors(entry[:end])
        if found:
            best = (found, entry[end:].strip())
    if best:
        (authors, truncated), rest = best
        year, rest = _leading_year(rest)
        return authors, truncated, _first_sentence(rest), year
    return [], False, entry, None


_YEAR_FIRST = re.compile(r"^\(?(?P<year>(?:19|20)\d\d)[a-z]?\)?[.,:]?\s+")
_APA_INITIALS = re.compile(r"(?:[^\W\d_]\.[\s-]?)+")
_SURNAME = re.compile(r"[^\W\d_][\w'’-]*(?: [^\W\d_][\w'’-]*)*")


def _leading_year(text: str) -> tuple[str | None, str]:
    """`(2022). Title` -> ('2022', 'Title')."""
    match = _YEAR_FIRST.match(text)
    return (match.group("year"), text[match.end():]) if match else (None, text)


def _citation_authors(text: str) -> tuple[list[Author], bool] | None:
    """Authors written as reference lists write them, if `text` is nothing else.

    APA pairs surname and initials (`Lanham, T., Chen, A. B., & Li, D.`); Vancouver puts
    bare initials after the surname (`Perez E, Huang S`), and needs two names or an
    "et al." so that a title like "Towards AGI" is not taken for one.
    """
    body = _ET_AL.sub("", text.strip())
    truncated = body != text.strip()
    body = re.sub(r",?\s*(?:&|\band\b)\s+", ", ", body).strip(" ,")
    tokens = [token.strip() for token in re.split(r",\s*", body) if token.strip()]
    if not tokens:
        return None
    pairs = list(zip(tokens[::2], tokens[1::2], strict=False))
    if len(tokens) % 2 == 0 and all(
            _SURNAME.fullmatch(last) and last[0].isupper()
            and _APA_INITIALS.fullmatch(initials.strip()) for last, initials in pairs):
        return [Author(last=last, first=" ".join(initials.split())) for last, initials in pairs
                ], truncated
    vancouver = body.rstrip(".")
    tokens = [token.strip() for token in re.split(r",\s*", vancouver)]
    if (len(tokens) >= 2 or truncated) and all(_VANCOUVER.fullmatch(t) for t in tokens):
        return [_reference_name(t) for t in tokens], truncated
    return None


def _reference_name(item: str) -> Author:
    """A name as reference lists write it: `Ouyang L` / `Wu JX` (surname, bare initials) or
    first-name-first."""
    vancouver = _VANCOUVER.fullmatch(item)
    if vancouver:
        initials = " ".join(f"{c}." for c in vancouver.group("ini"))
        return Author(last=vancouver.group("last"), first=initials)
    return split_plain_name(item)


def _first_sentence(text: str) -> str:
    # "Attention Is All You Need. NeurIPS 2017." -> the title, not the venue (some venues
    # start in lower case: "... Models. arXiv").
    parts = re.split(r"(?<=[a-z?!])\.\s+(?=[A-Z0-9]|(?:arXiv|bioRxiv|medRxiv|eLife)\b)", text,
                     maxsplit=1)
    return parts[0].rstrip(".")


def _split_title_authors(text: str) -> tuple[str | None, list[Author], bool, str | None]:
    """Split an aggregator line where the title runs into its first author.

    >>> t, a, more, aff = _split_title_authors(
    ...     "Constitutional AI: Harmlessness from AI FeedbackYuntao Bai, Saurav Kadavath, "
    ...     "Sandipan Kundu et al. · anthropic, berkeley")
    >>> t, [x.display() for x in a], more, aff
    ('Constitutional AI: Harmlessness from AI Feedback', ['Yuntao Bai', 'Saurav Kadavath', \
'Sandipan Kundu'], True, 'anthropic, berkeley')
    """
    affiliations = None
    body = text
    if " · " in text:
        body, _, affiliations = text.partition(" · ")
        affiliations = affiliations.strip() or None
    body = body.strip()
    truncated = bool(_ET_AL.search(body))
    body = _ET_AL.sub("", body)
    for cut in _glue_points(body):
        items, _ = _split_names(body[cut:])
        if items and all(_is_name(item) for item in items):
            title = _clean(body[:cut])
            return title, [split_plain_name(i) for i in items], truncated, affiliations
    return _clean(body) or None, [], truncated, affiliations


def _glue_points(text: str) -> list[int]:
    """Where a capitalised word is glued to the character before it: candidate title ends."""
    return [i for i in range(1, len(text) - 1)
            if text[i].isupper() and not text[i - 1].isspace() and text[i - 1] not in "-('\"“"
            and (text[i + 1].islower() or text[i + 1] == ".")]
