"""Fill references from arXiv: look up the ones with ids, search for the ones without.

Papers with an id are looked up in one batched `ArxivClient.lookup` call. Papers without one
are searched for (`build_queries`), and every hit is checked (`verify`) before it is taken
(`pick`): real listings are full of near misses — papers that share their first title words,
authors with the same surname at other institutions, abstracts that open with the same
sentence — so a weak or ambiguous match is reported with its candidates, never taken.

Thresholds (scores are rapidfuzz percentages, 0-100, on text normalised by `_normalise`:
LaTeX markup dropped, accents folded, case-folded, punctuation turned into spaces):

* `TITLE_THRESHOLD` (90, `fuzz.token_sort_ratio`): pasted titles differ from arXiv's in case,
  punctuation, LaTeX and the odd typo; those cost a few points. A title that shares only its
  first words with another scores far lower (one extra or missing word in a ten-word title
  costs ~10 points). A title below it still passes when the record carries the paper's whole
  abstract (`ratio` >= `ABSTRACT_THRESHOLD`, never a fragment): papers are renamed between
  versions and arXiv answers with the newest title. Such a match is never "exact".
* Authors: every surname the record gives (for a truncated "et al." list, the ones given) must
  be among the candidate's, with a compatible first initial when both have one. Surnames are
  not unique, so the author check only ever rejects; it never makes a match on its own.
* `ABSTRACT_THRESHOLD` (90, `fuzz.ratio`, order-sensitive): two abstracts that share a long
  first sentence and then diverge land around 40-60. A record whose abstract is much shorter
  than the candidate's (a pasted fragment) is compared with `fuzz.partial_ratio`, so a
  fragment matches every paper that contains it — and is then ambiguous, as it should be.
* `AMBIGUITY_MARGIN` (5): two accepted candidates closer than this are tied, unless exactly
  one of them is an exact match (same normalised title or abstract); several exact matches
  are tied too.
* Ties are broken by the record's other clues (`_CLUES`): its abstract (similar as above),
  DOI, journal reference, first author, author order (the record's authors in the paper's
  order), year (one in which the paper had a version, first to latest) and comment line. A
  clue *tells the candidates apart* when it agrees with some and disagrees with others; the
  one candidate that agrees with every such clue is taken. Clues that contradict each other
  (a paste that mixes two papers), several candidates agreeing with all, or no clue that
  tells them apart: ambiguous. A clue only chooses among tied candidates; it never makes a
  rejected one a match.
* `NEAR_MISS_SCORE` (75): a rejected candidate scoring at least this is reported alongside an
  unresolved record, so the user can see what almost matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from bridge.fold import fold, strip_accents
from bridge.model import Author, Reference
from bridge.progress import NO_PROGRESS, Progress

if TYPE_CHECKING:
    from bridge.arxiv.client import ArxivClient

__all__ = [
    "ABSTRACT_PHRASE_WORDS",
    "ABSTRACT_THRESHOLD",
    "AMBIGUITY_MARGIN",
    "DATE_POLICIES",
    "MIN_FRAGMENT_CHARS",
    "NEAR_MISS_SCORE",
    "SEARCH_MAX_RESULTS",
    "TITLE_THRESHOLD",
    "Change",
    "Match",
    "Pick",
    "ResolveReport",
    "build_queries",
    "merge",
    "pick",
    "resolve",
    "verify",
]

TITLE_THRESHOLD = 90.0
"""Minimum `token_sort_ratio` of normalised titles for a search hit to be accepted."""
ABSTRACT_THRESHOLD = 90.0
"""Minimum abstract similarity (`ratio`, or `partial_ratio` for fragments) for abstract-only
records."""
MIN_FRAGMENT_CHARS = 80
"""An abstract fragment shorter than this (normalised) says too little to verify anything."""
AMBIGUITY_MARGIN = 5.0
"""Accepted candidates whose scores differ by less than this are ambiguous."""
NEAR_MISS_SCORE = 75.0
"""Rejected candidates at or above this score are reported as near misses."""
ABSTRACT_PHRASE_WORDS = 8
"""Words in the phrase searched for when a record has only an abstract."""
SEARCH_MAX_RESULTS = 10
"""Hits asked for per search query."""
DATE_POLICIES = ("first", "latest")

DatePolicy = Literal["first", "latest"]


# --------------------------------------------------------------------------- text helpers

_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?|\\.")


# Words (after `_normalise`: "don't" -> "don t") that flip a title's meaning.
_NEGATIONS = frozenset({"not", "no", "non", "don", "doesn", "isn", "aren", "cannot", "never",
                        "without", "t"})


def _normalise(text: str | None) -> str:
    r"""Text reduced to what a comparison should see: `bridge.fold.fold`, the one fold.

    >>> _normalise("Language Models (Mostly) Know What They Know")
    'language models mostly know what they know'
    >>> _normalise(r"The {$K$} L1-norm of $\mathbf X$ -- Café")
    'the k l1 norm of x cafe'
    """
    return fold(text)


def _surname_key(author: Author) -> str:
    return _normalise(author.family).replace(" ", "")


def _last_key(author: Author) -> str:
    return _normalise(author.last).replace(" ", "")


def _initial(author: Author) -> str:
    first = _normalise(author.first)
    return first[:1]


# --------------------------------------------------------------------------- queries

# Characters that arXiv's Lucene-based query parser treats as syntax (or chokes on) even
# inside quotes; they carry nothing a search needs.
_QUERY_SYNTAX = re.compile(r"[\"'`:()\[\]{}\\$^_~*?!+=<>|&/#%@;,–—]|(?<!\w)-+|-+(?!\w)")
_OPERATOR_WORD = re.compile(r"\b(AND|OR|ANDNOT|NOT)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(A-Z])")
_CLAUSE_WORD = re.compile(r"^[A-Za-z]+$")
_STOPWORDS = frozenset(re.findall(r"\w+", """
    a an and are as at be but by can for from has have in into is it its of on or our
    such that the their then there these they this those to was we were which while with
    would will not no more most than also how what when where who whose"""))


def _query_phrase(text: str) -> str:
    """A title made safe to put inside `"..."` in a search_query.

    >>> _query_phrase('Constitutional AI: Harmlessness from AI Feedback')
    'Constitutional AI Harmlessness from AI Feedback'
    >>> _query_phrase('Language Models (Mostly) Know What They Know')
    'Language Models Mostly Know What They Know'
    >>> _query_phrase('Cats AND Dogs: $\\\\alpha$-"tests"')
    'Cats and Dogs alpha tests'
    >>> _query_phrase('Measuring Faithfulness in Chain-of-Thought Reasoning')
    'Measuring Faithfulness in Chain-of-Thought Reasoning'
    """
    text = _LATEX_COMMAND.sub(lambda m: m.group(0)[1:] if m.group(0)[1:].isalpha() else " ",
                              text)
    text = _QUERY_SYNTAX.sub(" ", text)
    # Inside quotes the operators should be literal, but arXiv's parser is not reliable about
    # it; lower case is the same to its case-insensitive index.
    text = _OPERATOR_WORD.sub(lambda m: m.group(0).lower(), text)
    return " ".join(text.split())


def _query_surname(author: Author) -> str:
    """`au:` term for the first author: folded to ASCII, quoted when not a single word."""
    name = " ".join(_query_phrase(strip_accents(author.family)).split())
    return name if re.fullmatch(r"[A-Za-z]+", name) else f'"{name}"'


def _abstract_phrases(abstract: str, count: int = 2) -> list[str]:
    """Distinctive runs of `ABSTRACT_PHRASE_WORDS` plain words, from different sentences.

    A phrase never crosses punctuation, a hyphen or a LaTeX fragment (search engines tokenise
    those differently), and comes from after the first sentence when there is more than one:
    opening sentences are the part most often shared with other papers. Among the candidate
    runs, the one with the most letters in non-stopwords wins (long rare words are what make
    a phrase distinctive); ties go to the earliest.
    """
    sentences = [s for s in _SENTENCE_END.split(" ".join(abstract.split())) if s]
    # (opening sentence?, -weight, sentence, position, phrase): sorts best first
    scored: list[tuple[bool, int, int, int, str]] = []
    for order, sentence in enumerate(sentences):
        opening = order == 0 and len(sentences) > 1
        # Clauses: maximal runs of plain words separated by single spaces only.
        run: list[str] = []
        runs: list[list[str]] = []
        for token in sentence.split(" "):
            if _CLAUSE_WORD.match(token):
                run.append(token)
                continue
            stripped = token.rstrip(",.;:!?")
            if stripped and _CLAUSE_WORD.match(stripped):
                run.append(stripped)
            runs.append(run)
            run = []
        runs.append(run)
        position = 0
        for words in runs:
            for start in range(len(words) - ABSTRACT_PHRASE_WORDS + 1):
                window = words[start : start + ABSTRACT_PHRASE_WORDS]
                weight = sum(len(w) for w in window if w.casefold() not in _STOPWORDS)
                scored.append((opening, -weight, order, position + start, " ".join(window)))
            position += len(words)
    scored.sort()
    phrases: list[str] = []
    used_sentences: set[int] = set()
    for _opening, _weight, order, _position, phrase in scored:
        if order in used_sentences:
            continue
        used_sentences.add(order)
        phrases.append(phrase)
        if len(phrases) == count:
            break
    return phrases


def build_queries(ref: Reference) -> list[str]:
    """arXiv `search_query` strings to try for a record without an id, best first.

    With a title: title phrase and first author's surname, then the title alone (the
    surname may be spelled differently on arXiv). With an abstract: phrase searches on two
    distinctive phrases of it, after the title ones when there is a title too (a title with
    a typo, or one the paper has since been renamed from, finds nothing). Nothing searchable
    gives no queries.

    >>> from bridge.model import Author, Reference
    >>> build_queries(Reference(title="Constitutional AI: Harmlessness from AI Feedback",
    ...                         authors=[Author("Bai", "Yuntao")]))
    ['ti:"Constitutional AI Harmlessness from AI Feedback" AND au:Bai', \
'ti:"Constitutional AI Harmlessness from AI Feedback"']
    >>> build_queries(Reference())
    []
    """
    queries = []
    if ref.title and _query_phrase(ref.title):
        title = _query_phrase(ref.title)
        if ref.authors:
            queries.append(f'ti:"{title}" AND au:{_query_surname(ref.authors[0])}')
        queries.append(f'ti:"{title}"')
    if ref.abstract:
        queries += [f'abs:"{phrase}"' for phrase in _abstract_phrases(ref.abstract)]
    return queries


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Match:
    """How well a search hit fits a record, and whether it may be taken."""

    candidate: Reference
    score: float
    """Title similarity (records with a title) or abstract similarity (abstract-only, or a
    title that fails but a whole abstract that passes), 0-100."""
    accepted: bool
    exact: bool
    """Same normalised title (or abstract) and the authors agree."""
    reason: str


def _authors_missing(given: Sequence[Author], found: Sequence[Author]) -> list[str]:
    """The given authors that have no counterpart (surname, and initial when known)."""
    missing = []
    for person in given:
        key, last, initial = _surname_key(person), _last_key(person), _initial(person)
        if not key:
            continue
        counterpart = False
        for other in found:
            if key not in (_surname_key(other), _last_key(other)) and last != _last_key(other):
                continue
            other_initial = _initial(other)
            if initial and other_initial and initial != other_initial:
                continue
            counterpart = True
            break
        if not counterpart:
            missing.append(person.display())
    return missing


def verify(ref: Reference, candidate: Reference) -> Match:
    """Score a search hit against the record it is meant to be; pure.

    >>> from bridge.model import Author, Reference
    >>> ref = Reference(title="Constitutional AI: Harmlessness from AI Feedback",
    ...                 authors=[Author("Bai", "Yuntao")], authors_truncated=True)
    >>> hit = ref.copy(arxiv_id="2212.08073", authors_truncated=False,
    ...                authors=[Author("Bai", "Yuntao"), Author("Kadavath", "Saurav")])
    >>> verify(ref, hit).accepted, verify(ref, hit).exact
    (True, True)
    >>> other = hit.copy(authors=[Author("Bai", "Xiaoming")])
    >>> verify(ref, other).reason
    'authors not on the paper: Yuntao Bai'
    """
    prefix = ""
    if ref.title:
        if not candidate.title:
            return Match(candidate, 0.0, False, False, "candidate has no title")
        from rapidfuzz import fuzz  # here: importing it costs every command's start-up

        mine, theirs = _normalise(ref.title), _normalise(candidate.title)
        score = round(fuzz.token_sort_ratio(mine, theirs), 1)
        identical = exact = mine == theirs
        what = "title"
        threshold = TITLE_THRESHOLD
        negations = _NEGATIONS & (set(mine.split()) ^ set(theirs.split()))
        if negations and score >= threshold:
            # "... What They Know" vs "... What They Don't Know" scores 93: the one word
            # that flips the meaning is the one a similarity score weighs least.
            return Match(candidate, score, False, False,
                         f"titles differ in a negation ({', '.join(sorted(negations))})")
        whole = _whole_abstract_similarity(ref, candidate) if score < threshold else None
        if whole is not None and whole >= ABSTRACT_THRESHOLD:
            # Papers are renamed between versions, and arXiv answers with the newest title;
            # a whole abstract (never a fragment) is as specific as a title.
            prefix = f"title similarity {score:g} < {threshold:g}, but "
            identical = _normalise(ref.abstract) == _normalise(candidate.abstract)
            exact = False  # the title the record gives is not the paper's
            score, what, threshold = whole, "abstract", ABSTRACT_THRESHOLD
    elif ref.abstract:
        if not candidate.abstract:
            return Match(candidate, 0.0, False, False, "candidate has no abstract")
        mine, theirs = _normalise(ref.abstract), _normalise(candidate.abstract)
        if len(mine) < MIN_FRAGMENT_CHARS:
            return Match(candidate, 0.0, False, False, "abstract too short to verify")
        score, what = _abstract_similarity(mine, theirs)
        identical = exact = mine == theirs
        threshold = ABSTRACT_THRESHOLD
    else:
        return Match(candidate, 0.0, False, False, "record has no title or abstract")

    if score < threshold:
        return Match(candidate, score, False, False,
                     f"{what} similarity {score:g} < {threshold:g}")
    missing = _authors_missing(ref.authors, candidate.authors)
    if missing:
        return Match(candidate, score, False, False,
                     f"authors not on the paper: {', '.join(missing)}")
    return Match(candidate, score, True, exact,
                 f"{prefix}{what} {'identical' if identical else f'similarity {score:g}'}, "
                 "authors agree")


def _abstract_similarity(mine: str, theirs: str) -> tuple[float, str]:
    """Similarity of two normalised abstracts, and what was compared: `ratio` of the whole,
    or `partial_ratio` when the record's is much shorter (a pasted fragment)."""
    from rapidfuzz import fuzz

    if len(mine) < 0.9 * len(theirs):
        return round(fuzz.partial_ratio(mine, theirs), 1), "abstract fragment"
    return round(fuzz.ratio(mine, theirs), 1), "abstract"


def _whole_abstract_similarity(ref: Reference, candidate: Reference) -> float | None:
    """`ratio` of the two abstracts when the record has a whole one (not a fragment)."""
    mine, theirs = _normalise(ref.abstract), _normalise(candidate.abstract)
    if len(mine) < MIN_FRAGMENT_CHARS or not theirs or len(mine) < 0.9 * len(theirs):
        return None
    from rapidfuzz import fuzz

    return round(fuzz.ratio(mine, theirs), 1)


# --------------------------------------------------------------------------- tie-breaking
#
# Each clue compares one thing the record says with a candidate: True (agrees), False
# (disagrees), None (the record or the candidate does not say). See `_break_tie`.


def _abstract_clue(ref: Reference, paper: Reference) -> bool | None:
    mine, theirs = _normalise(ref.abstract), _normalise(paper.abstract)
    if len(mine) < MIN_FRAGMENT_CHARS or not theirs:
        return None
    return _abstract_similarity(mine, theirs)[0] >= ABSTRACT_THRESHOLD


def _doi_clue(ref: Reference, paper: Reference) -> bool | None:
    if not ref.doi or not paper.doi:
        return None
    return ref.doi.strip().casefold() == paper.doi.strip().casefold()


def _contains_either_way(mine: str, theirs: str) -> bool | None:
    if not mine or not theirs:
        return None
    return f" {mine} " in f" {theirs} " or f" {theirs} " in f" {mine} "


def _journal_ref_clue(ref: Reference, paper: Reference) -> bool | None:
    return _contains_either_way(_normalise(ref.journal_ref), _normalise(paper.journal_ref))


def _comment_clue(ref: Reference, paper: Reference) -> bool | None:
    # A pasted comment line is arXiv's comment, sometimes run together with the next line.
    return _contains_either_way(_normalise(ref.comment), _normalise(paper.comment))


def _first_author_clue(ref: Reference, paper: Reference) -> bool | None:
    if not ref.authors or not paper.authors or not _surname_key(ref.authors[0]):
        return None
    return not _authors_missing(ref.authors[:1], paper.authors[:1])


def _author_order_clue(ref: Reference, paper: Reference) -> bool | None:
    """The record's authors appear in the candidate's list in the same order."""
    if len(ref.authors) < 2:
        return None
    positions = []
    for person in ref.authors:
        found = [i for i, other in enumerate(paper.authors)
                 if not _authors_missing([person], [other])]
        if not found:
            return None
        positions.append(found[0])
    return positions == sorted(set(positions))


def _year_clue(ref: Reference, paper: Reference) -> bool | None:
    """The record's year is one the paper had a version in (first to latest)."""
    year = ref.year
    first = (paper.arxiv_published or paper.date or "")[:4]
    if not year or not year.isdigit() or not first:
        return None
    latest = max(first, (paper.arxiv_updated or first)[:4])
    return first <= year <= latest


_CLUES: tuple[tuple[str, Callable[[Reference, Reference], bool | None]], ...] = (
    ("abstract", _abstract_clue),
    ("DOI", _doi_clue),
    ("journal reference", _journal_ref_clue),
    ("first author", _first_author_clue),
    ("author order", _author_order_clue),
    ("year", _year_clue),
    ("comment", _comment_clue),
)
"""What a record can say about a paper besides its title and authors, strongest first."""


def _break_tie(ref: Reference, tied: list[Match]) -> Pick:
    """Choose among matches that verify equally well, by every other clue of the record.

    A clue *tells them apart* when it agrees with some and disagrees with others. The one
    candidate that agrees with every such clue is taken; clues that contradict each other
    (no candidate agrees with all of them), or several candidates agreeing with all, leave
    it ambiguous; so do clues that tell nothing apart. A clue can only choose among the
    tied: it never turns a rejected candidate into a match.
    """
    verdicts = {name: [clue(ref, match.candidate) for match in tied] for name, clue in _CLUES}
    telling = [name for name, said in verdicts.items() if True in said and False in said]
    if not telling:
        return Pick(None, "ambiguous", tied)
    fits = [match for i, match in enumerate(tied)
            if all(verdicts[name][i] is True for name in telling)]
    if len(fits) != 1:
        return Pick(None, "ambiguous", fits or tied)
    others = len(tied) - 1
    reason = (f"{fits[0].reason}; told from {others} other{'s' if others > 1 else ''} by: "
              f"{', '.join(telling)}")
    return Pick(fits[0].candidate, "accepted", [replace(fits[0], reason=reason)])


@dataclass(frozen=True)
class Pick:
    """The outcome of choosing among search hits for one record."""

    chosen: Reference | None
    status: Literal["accepted", "ambiguous", "weak", "none"]
    matches: list[Match] = field(default_factory=list)
    """Accepted: the chosen match. Ambiguous: the accepted ones. Weak: the near misses."""

    @property
    def candidates(self) -> list[Reference]:
        return [m.candidate for m in self.matches]


def _dedupe_papers(papers: Iterable[Reference]) -> list[Reference]:
    seen: set[str] = set()
    unique = []
    for paper in papers:
        key = paper.arxiv_id or f"#{id(paper)}"
        if key not in seen:
            seen.add(key)
            unique.append(paper)
    return unique


def pick(ref: Reference, candidates: Iterable[Reference]) -> Pick:
    """Take the one candidate that verifies clearly, or say why none can be taken; pure.

    Several exact matches, or several accepted candidates within `AMBIGUITY_MARGIN` of the
    best and no exact one, are tied: the record's other clues break the tie
    (`_break_tie`), or it is ambiguous. Weak: nothing accepted, but near misses exist.
    """
    matches = [verify(ref, paper) for paper in _dedupe_papers(candidates)]
    ranked = sorted(matches, key=lambda m: -m.score)  # stable: search order breaks ties
    accepted = [m for m in ranked if m.accepted]
    if not accepted:
        near = [m for m in ranked if m.score >= NEAR_MISS_SCORE]
        return Pick(None, "weak" if near else "none", near)
    exact = [m for m in accepted if m.exact]
    if len(exact) == 1:
        return Pick(exact[0].candidate, "accepted", exact)
    if len(exact) > 1:
        return _break_tie(ref, exact)
    close = [m for m in accepted if accepted[0].score - m.score < AMBIGUITY_MARGIN]
    if len(close) > 1:
        return _break_tie(ref, close)
    return Pick(accepted[0].candidate, "accepted", accepted[:1])


# --------------------------------------------------------------------------- merging


@dataclass(frozen=True)
class Change:
    """One field filled or replaced, for `--dry-run` and the `--json` report."""

    label: str
    field: str
    old: str | None
    new: str


def _authors_text(authors: Sequence[Author], truncated: bool = False) -> str | None:
    if not authors:
        return None
    text = "; ".join(a.display() for a in authors)
    return f"{text}; et al." if truncated else text


def _label(ref: Reference) -> str:
    # A .bib user knows entries by key; pasted text has none, so fall back to the id/title.
    return ref.key or ref.describe()


def _chosen_date(ref: Reference, paper: Reference, date_policy: str) -> str | None:
    # A lookup of a versioned id returns that version's entry, in which arXiv reports
    # `published` as v1's date and `updated` as that version's date: so the version's own
    # date is `updated`. Unversioned: v1's date ("first") or the newest version's ("latest").
    if ref.arxiv_version is not None or date_policy == "latest":
        return paper.arxiv_updated or paper.arxiv_published
    return paper.arxiv_published or paper.arxiv_updated


def merge(ref: Reference, paper: Reference, *, overwrite: bool = False,
          date_policy: str = "first") -> tuple[Reference, list[Change]]:
    """`ref` filled from the arXiv record `paper`, and the changes made; pure.

    Missing fields are filled; fields the record already has are replaced only with
    `overwrite`. A truncated ("et al.") or empty author list is replaced by the full one —
    that is filling. A partial date (`2023`) that the arXiv date extends is refined. The id
    is only ever filled, never changed, and the version the record named is kept.
    """
    if date_policy not in DATE_POLICIES:
        raise ValueError(f"date_policy must be one of {DATE_POLICIES}, not {date_policy!r}")
    merged = ref.copy()
    changes: list[Change] = []
    label = _label(ref)

    def put(name: str, new: object, old_text: str | None, new_text: str | None,
            fill: bool) -> None:
        if new_text is None or old_text == new_text:
            return
        if old_text is None or fill or overwrite:
            setattr(merged, name, new)
            changes.append(Change(label, name, old_text, new_text))

    if not ref.arxiv_id and paper.arxiv_id:
        put("arxiv_id", paper.arxiv_id, None, paper.arxiv_id, True)

    for name in ("title", "abstract"):
        value = getattr(paper, name)
        put(name, value, getattr(ref, name) or None, value or None, False)

    if paper.authors:
        old = _authors_text(ref.authors, ref.authors_truncated)
        new = _authors_text(paper.authors)
        fill = not ref.authors or ref.authors_truncated
        if old != new and (old is None or fill or overwrite):
            merged.authors = list(paper.authors)
            merged.authors_truncated = False
            changes.append(Change(label, "authors", old, new or ""))

    date = _chosen_date(ref, paper, date_policy)
    if date:
        refines = bool(ref.date) and len(ref.date or "") < len(date) and date.startswith(
            ref.date or "")
        put("date", date, ref.date or None, date, refines)

    for name in ("arxiv_published", "arxiv_updated", "primary_category", "doi",
                 "journal_ref", "comment"):
        value = getattr(paper, name)
        put(name, value, getattr(ref, name) or None, value or None, False)

    if paper.categories:
        put("categories", list(paper.categories), " ".join(ref.categories) or None,
            " ".join(paper.categories), False)

    if merged.arxiv_id:
        url = merged.arxiv_url
        put("url", url, ref.url or None, url, False)
    return merged, changes


# --------------------------------------------------------------------------- resolve


@dataclass
class ResolveReport:
    """What `resolve` did. The four outcome lists partition the distinct papers asked for."""

    references: list[Reference] = field(default_factory=list)
    """Every input record in input order, filled where possible, one for one with the input
    (so a caller can zip them); a paper given twice is filled twice and listed in
    `duplicates`."""
    resolved: list[Reference] = field(default_factory=list)
    """Filled by looking up the id they carried."""
    found_by_search: list[Reference] = field(default_factory=list)
    """Had no id; found by search and verified (now carry the id)."""
    not_found: list[Reference] = field(default_factory=list)
    """Id unknown to arXiv, or nothing searchable, or no candidate came close."""
    ambiguous: list[tuple[Reference, list[Reference]]] = field(default_factory=list)
    """Records no candidate could be taken for safely, with the candidates that came close:
    several that fit equally well, or only near misses."""
    changes: list[Change] = field(default_factory=list)
    duplicates: list[tuple[Reference, Reference]] = field(default_factory=list)
    """(dropped record, the earlier record it duplicates): the same arXiv paper twice."""

    @property
    def complete(self) -> bool:
        return not self.not_found and not self.ambiguous


def _search(ref: Reference, client: ArxivClient) -> Pick:
    """Run the record's queries in turn until one gives a clear answer."""
    seen: list[Reference] = []
    result = Pick(None, "none")
    for query in build_queries(ref):
        seen = _dedupe_papers([*seen, *client.search(query, max_results=SEARCH_MAX_RESULTS)])
        result = pick(ref, seen)
        # A broader query cannot settle an ambiguity, only add to it.
        if result.status in ("accepted", "ambiguous"):
            break
    return result


def resolve(refs: list[Reference], client: ArxivClient, *, overwrite: bool = False,
            date_policy: str = "first", progress: Progress = NO_PROGRESS) -> ResolveReport:
    """Fill every record from arXiv; records that cannot be resolved are reported, not raised.

    All ids go to the client in one `lookup` call (it batches and caches); records without
    one are searched for, one query at a time. `ArxivError` from the client propagates.
    The same paper twice (same id, whatever the version) is counted once in the outcome
    lists and listed in `duplicates`.
    """
    if date_policy not in DATE_POLICIES:
        raise ValueError(f"date_policy must be one of {DATE_POLICIES}, not {date_policy!r}")
    report = ResolveReport()
    ids = list(dict.fromkeys(r.versioned_id for r in refs if r.versioned_id))
    found = client.lookup(ids).found if ids else {}

    progress.start("Resolving references", len(refs))
    filled: list[Reference] = []
    changes_of: dict[int, list[Change]] = {}
    for ref in refs:
        if ref.arxiv_id:
            paper = found.get(ref.versioned_id or "")
            if paper is None:
                report.not_found.append(ref)
                filled.append(ref)
            else:
                merged, changes = merge(ref, paper, overwrite=overwrite, date_policy=date_policy)
                report.resolved.append(merged)
                changes_of[id(merged)] = changes
                filled.append(merged)
        else:
            outcome = _search(ref, client)
            if outcome.chosen is not None:
                merged, changes = merge(ref, outcome.chosen, overwrite=overwrite,
                                        date_policy=date_policy)
                report.found_by_search.append(merged)
                changes_of[id(merged)] = changes
                filled.append(merged)
            elif outcome.matches:
                report.ambiguous.append((ref, outcome.candidates))
                filled.append(ref)
            else:
                report.not_found.append(ref)
                filled.append(ref)
        progress.advance()
    progress.finish()

    first_seen: dict[str, Reference] = {}
    for ref in filled:
        report.references.append(ref)
        report.changes.extend(changes_of.get(id(ref), []))
        if ref.arxiv_id and ref.arxiv_id in first_seen:
            report.duplicates.append((ref, first_seen[ref.arxiv_id]))
            _discard(report, ref)
        elif ref.arxiv_id:
            first_seen[ref.arxiv_id] = ref
    return report


def _discard(report: ResolveReport, ref: Reference) -> None:
    """Drop a duplicate from the outcome lists, so they keep partitioning `references`."""
    for bucket in (report.resolved, report.found_by_search, report.not_found):
        for i, item in enumerate(bucket):
            if item is ref:
                del bucket[i]
                return
