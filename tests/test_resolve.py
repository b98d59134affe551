"""Unit tests of the pure parts of bridge.resolve: queries, verification, picking, merging.

Strings are taken from the samples in shared/samples (titles, truncated author lists and
abstracts as users paste them); candidate papers carry the real arXiv metadata of the papers.
"""

from __future__ import annotations

import pytest

from bridge.model import Author, Reference
from bridge.resolve import (
    ABSTRACT_THRESHOLD,
    NEAR_MISS_SCORE,
    TITLE_THRESHOLD,
    Change,
    build_queries,
    merge,
    pick,
    verify,
)
from tests.paths import SAMPLES
from tests.sample_papers import DECOYS

ABSTRACTS = [
    line.removeprefix("Abstract:")
    for line in (SAMPLES / "abstracts-only.txt").read_text(encoding="utf-8").splitlines()
]
SPECIFIC_ABSTRACT, COT_ABSTRACT, MORAL_ABSTRACT, EVALS_ABSTRACT, CAI_ABSTRACT, OVERSIGHT_ABSTRACT, \
    L1PCA_ABSTRACT = ABSTRACTS


def _a(name: str) -> Author:
    first, _, last = name.rpartition(" ")
    return Author(last, first)


def _authors(*names: str) -> list[Author]:
    return [_a(n) for n in names]


CAI = Reference(
    arxiv_id="2212.08073", arxiv_version=1,
    title="Constitutional AI: Harmlessness from AI Feedback",
    authors=_authors("Yuntao Bai", "Saurav Kadavath", "Sandipan Kundu", "Amanda Askell",
                     "Jackson Kernion", "Jared Kaplan"),
    abstract=CAI_ABSTRACT,
    arxiv_published="2022-12-15", arxiv_updated="2022-12-15",
    primary_category="cs.CL", categories=["cs.CL", "cs.AI"],
    url="https://arxiv.org/abs/2212.08073v1",
)
SPECIFIC = Reference(
    arxiv_id="2310.13798", arxiv_version=1,
    title="Specific versus General Principles for Constitutional AI",
    authors=_authors("Sandipan Kundu", "Yuntao Bai", "Saurav Kadavath", "Jared Kaplan"),
    abstract=SPECIFIC_ABSTRACT,
    arxiv_published="2023-10-20", arxiv_updated="2023-10-20",
    primary_category="cs.CL", categories=["cs.CL", "cs.AI"],
)
# Title, authors, abstract and v1 date are arXiv's; the v3 date, DOI and journal reference are
# illustrative (not checked against arXiv) and only feed the date-policy and DOI tests.
L1PCA = Reference(
    arxiv_id="1610.01959", arxiv_version=3,
    title="Efficient L1-Norm Principal-Component Analysis via Bit Flipping",
    authors=_authors("Panos P. Markopoulos", "Sandipan Kundu", "Shubham Chamadia",
                     "Dimitris A. Pados"),
    abstract=L1PCA_ABSTRACT,
    arxiv_published="2016-10-06", arxiv_updated="2017-05-23",
    primary_category="cs.DS", categories=["cs.DS", "cs.LG"],
    doi="10.1109/TSP.2017.2708023",
    journal_ref="IEEE Transactions on Signal Processing, vol. 65, no. 16, pp. 4252-4264, 2017",
)
# Near misses, made up for the tests (and in tests/data/sample_papers.json).
CAI_SAME_START = CAI.copy(
    arxiv_id="2401.90001", title="Constitutional AI: Harmlessness from AI Feedback in Multilingual "
    "Settings", authors=_authors("Xiaoming Bai", "Wei Zhang"))
CAI_OTHER_BAI = CAI.copy(arxiv_id="2401.90002", authors=_authors("Xiaoming Bai", "Wei Zhang"))
KNOW = Reference(
    arxiv_id="2207.05221", title="Language Models (Mostly) Know What They Know",
    authors=_authors("Saurav Kadavath", "Tom Conerly", "Amanda Askell"))
DONT_KNOW = KNOW.copy(arxiv_id="2401.90003",
                      title="Language Models (Mostly) Know What They Don't Know")
EVALS = Reference(
    arxiv_id="2212.09251", title="Discovering Language Model Behaviors with Model-Written "
    "Evaluations", authors=_authors("Ethan Perez", "Sam Ringer", "Kamilė Lukošiūtė"),
    abstract=EVALS_ABSTRACT)
EVALS_SAME_OPENING = Reference(
    arxiv_id="2401.90004", title="Scaling Behaviour Audits for Dialogue Agents",
    authors=_authors("Priya Raman"),
    abstract=EVALS_ABSTRACT.split(". ")[0] + ". We audit dialogue agents for regressions "
    "between releases with a fixed suite of behavioural probes, and find that most regressions "
    "come from changes to the system prompt rather than to the weights.")



def _paper(data: dict) -> Reference:
    """A paper of tests/data/sample_papers.json as the arXiv client returns it."""
    first, last = data["versions"][0], data["versions"][-1]
    return Reference(arxiv_id=data["id"], arxiv_version=last["version"], title=data["title"],
                     authors=_authors(*data["authors"]), abstract=data["abstract"],
                     date=first["date"], arxiv_published=first["date"],
                     arxiv_updated=last["date"], comment=data.get("comment"))


# Two papers of the same title whose author lists overlap (Lindqvist, Okafor; in the other
# order), from tests/data/sample_papers.json.
TWIN_A = _paper(DECOYS["2402.90001"])
TWIN_B = _paper(DECOYS["2402.90002"])

# ------------------------------------------------------------------------------ build_queries

QUERY_CASES = [
    pytest.param(
        Reference(title="Constitutional AI: Harmlessness from AI Feedback",
                  authors=_authors("Yuntao Bai", "Saurav Kadavath", "Sandipan Kundu"),
                  authors_truncated=True),
        ['ti:"Constitutional AI Harmlessness from AI Feedback" AND au:Bai',
         'ti:"Constitutional AI Harmlessness from AI Feedback"'],
        id="title+authors, colon stripped"),
    pytest.param(
        Reference(title="Language Models (Mostly) Know What They Know",
                  authors=_authors("Saurav Kadavath")),
        ['ti:"Language Models Mostly Know What They Know" AND au:Kadavath',
         'ti:"Language Models Mostly Know What They Know"'],
        id="parentheses stripped"),
    pytest.param(
        Reference(title="Red Teaming Language Models to Reduce Harms: Methods, Scaling "
                  "Behaviors, and Lessons Learned", authors=_authors("Deep Ganguli")),
        ['ti:"Red Teaming Language Models to Reduce Harms Methods Scaling Behaviors and '
         'Lessons Learned" AND au:Ganguli',
         'ti:"Red Teaming Language Models to Reduce Harms Methods Scaling Behaviors and '
         'Lessons Learned"'],
        id="commas stripped"),
    pytest.param(
        Reference(title="Measuring Faithfulness in Chain-of-Thought Reasoning",
                  authors=[Author("Lanham", "Tamera")]),
        ['ti:"Measuring Faithfulness in Chain-of-Thought Reasoning" AND au:Lanham',
         'ti:"Measuring Faithfulness in Chain-of-Thought Reasoning"'],
        id="inner hyphens kept"),
    pytest.param(
        Reference(title="Discovering Language Model Behaviors with Model-Written Evaluations",
                  authors=[Author("Showk", "Sheer", von="El"), Author("Perez", "Ethan")]),
        ['ti:"Discovering Language Model Behaviors with Model-Written Evaluations" '
         'AND au:"El Showk"',
         'ti:"Discovering Language Model Behaviors with Model-Written Evaluations"'],
        id="two-word surname quoted"),
    pytest.param(
        Reference(title="Discovering Language Model Behaviors", authors=[_a("Kamilė Lukošiūtė")]),
        ['ti:"Discovering Language Model Behaviors" AND au:Lukosiute',
         'ti:"Discovering Language Model Behaviors"'],
        id="accents folded in au:"),
    pytest.param(
        Reference(title="In-context Learning and Induction Heads"),
        ['ti:"In-context Learning and Induction Heads"'],
        id="title only; operator word lower-cased"),
    pytest.param(
        Reference(title="Sums $\\sum_i x_i$ AND {Products} OR not?"),
        ['ti:"Sums sum i x i and Products or not"'],
        id="LaTeX and operators"),
    pytest.param(
        Reference(abstract=SPECIFIC_ABSTRACT),
        ['abs:"long list of constitutions targeting potentially harmful behaviors"',
         'abs:"approach effectively prevents the expression of such behaviors"'],
        id="abstract: Specific versus General"),
    pytest.param(
        Reference(abstract=COT_ABSTRACT),
        ['abs:"or from information encoded via the particular phrasing"',
         'abs:"show large variation across tasks in how strongly"'],
        id="abstract: CoT faithfulness"),
    pytest.param(
        Reference(abstract=EVALS_ABSTRACT),
        ['abs:"concerning goals like resource acquisition and goal preservation"',
         'abs:"questions to making complex Winogender schemas with multiple"'],
        id="abstract: model-written evals, never the shared opening sentence"),
    pytest.param(
        Reference(abstract=L1PCA_ABSTRACT),
        ['abs:"any known alternative algorithm of comparable computational cost"',
         'abs:"experiments on data dimensionality reduction and disease diagnosis"'],
        id="abstract with LaTeX"),
    pytest.param(
        Reference(abstract="As language models (LMs) scale, they develop many novel "
                  "behaviors, good and bad, exacerbating the need to evaluate how they behave."),
        ['abs:"exacerbating the need to evaluate how they behave"'],
        id="one sentence: its best run"),
    pytest.param(
        Reference(title="Specific versus General Principles for Constitutional AI",
                  authors=_authors("Sandipan Kundu"), abstract=SPECIFIC_ABSTRACT),
        ['ti:"Specific versus General Principles for Constitutional AI" AND au:Kundu',
         'ti:"Specific versus General Principles for Constitutional AI"',
         'abs:"long list of constitutions targeting potentially harmful behaviors"',
         'abs:"approach effectively prevents the expression of such behaviors"'],
        id="title, then the abstract when the title finds nothing"),
    pytest.param(Reference(authors=_authors("Yuntao Bai")), [], id="nothing searchable"),
    pytest.param(Reference(title=" :() "), [], id="title of punctuation only"),
]


@pytest.mark.parametrize(("ref", "expected"), QUERY_CASES)
def test_build_queries(ref: Reference, expected: list[str]) -> None:
    assert build_queries(ref) == expected


# ------------------------------------------------------------------------------ verify

VERIFY_CASES = [
    pytest.param(
        Reference(title="Constitutional AI: Harmlessness from AI Feedback",
                  authors=_authors("Yuntao Bai", "Saurav Kadavath", "Sandipan Kundu"),
                  authors_truncated=True),
        CAI, (100.0, True, True, "title identical, authors agree"),
        id="aggregator record vs real paper"),
    pytest.param(
        Reference(title="constitutional ai -- harmlessness from {AI} feedback",
                  authors=[Author("Bai", "Y.")]),
        CAI, (100.0, True, True, "title identical, authors agree"),
        id="case, LaTeX braces, initials"),
    pytest.param(
        Reference(title="Constitutional AI: Harmlessnes from AI Feedback",
                  authors=_authors("Yuntao Bai")),
        CAI, (98.9, True, False, "title similarity 98.9, authors agree"),
        id="typo"),
    pytest.param(
        Reference(title="Constitutional AI: Harmlessness from AI Feedback",
                  authors=_authors("Yuntao Bai")),
        CAI_SAME_START, (79.0, False, False, "title similarity 79 < 90"),
        id="decoy: same first title words"),
    pytest.param(
        Reference(title="Constitutional AI: Harmlessness from AI Feedback",
                  authors=_authors("Yuntao Bai", "Saurav Kadavath")),
        CAI_OTHER_BAI,
        (100.0, False, False, "authors not on the paper: Yuntao Bai, Saurav Kadavath"),
        id="decoy: same title, a different Bai"),
    pytest.param(
        Reference(title="Specific versus General Principles for Constitutional AI",
                  authors=_authors("Sandipan Kundu")),
        L1PCA, (43.7, False, False, "title similarity 43.7 < 90"),
        id="decoy: same author name, other paper"),
    pytest.param(
        Reference(title="Language Models (Mostly) Know What They Know",
                  authors=_authors("Saurav Kadavath")),
        DONT_KNOW, (93.3, False, False, "titles differ in a negation (don, t)"),
        id="decoy: negated title"),
    pytest.param(
        Reference(abstract=EVALS_ABSTRACT), EVALS,
        (100.0, True, True, "abstract identical, authors agree"),
        id="abstract-only vs real paper"),
    pytest.param(
        Reference(abstract=EVALS_ABSTRACT), EVALS_SAME_OPENING,
        (36.4, False, False, "abstract similarity 36.4 < 90"),
        id="decoy: same opening sentence"),
    pytest.param(
        Reference(abstract=EVALS_ABSTRACT.split(". ")[0] + "."), EVALS_SAME_OPENING,
        (100.0, True, False, "abstract fragment similarity 100, authors agree"),
        id="fragment matches every paper containing it"),
    pytest.param(
        Reference(abstract="As language models scale."), EVALS,
        (0.0, False, False, "abstract too short to verify"),
        id="fragment too short"),
    pytest.param(
        Reference(abstract=EVALS_ABSTRACT), EVALS.copy(abstract=None),
        (0.0, False, False, "candidate has no abstract"),
        id="candidate without abstract"),
    pytest.param(Reference(authors=_authors("Yuntao Bai")), CAI,
                 (0.0, False, False, "record has no title or abstract"), id="nothing to compare"),
    pytest.param(
        Reference(title="Where Small Transformers Keep Their Sparse Features",
                  authors=_authors("Mara Lindqvist"), abstract=TWIN_A.abstract),
        TWIN_A, (100.0, True, False, "title similarity 67.3 < 90, but abstract identical, "
                 "authors agree"),
        id="a renamed paper: the whole abstract vouches for it"),
    pytest.param(
        Reference(title="Where Small Transformers Keep Their Sparse Features",
                  authors=_authors("Mara Lindqvist"), abstract=TWIN_B.abstract),
        TWIN_A, (67.3, False, False, "title similarity 67.3 < 90"),
        id="renamed title, another paper's abstract"),
    pytest.param(
        Reference(title="Where Small Transformers Keep Their Sparse Features",
                  authors=_authors("Mara Lindqvist"),
                  abstract=(TWIN_A.abstract or "").split(". ")[0] + "."),
        TWIN_A, (67.3, False, False, "title similarity 67.3 < 90"),
        id="renamed title, a fragment of the abstract is not enough"),
    pytest.param(
        Reference(title="Where Small Transformers Keep Their Sparse Features",
                  authors=_authors("Wei Zhang"), abstract=TWIN_A.abstract),
        TWIN_A, (100.0, False, False, "authors not on the paper: Wei Zhang"),
        id="renamed title, same abstract, other authors"),
]


@pytest.mark.parametrize(("ref", "candidate", "expected"), VERIFY_CASES)
def test_verify(ref: Reference, candidate: Reference,
                expected: tuple[float, bool, bool, str]) -> None:
    match = verify(ref, candidate)
    assert (match.score, match.accepted, match.exact, match.reason) == expected
    assert match.candidate is candidate


def test_thresholds_are_the_documented_ones() -> None:
    assert (TITLE_THRESHOLD, ABSTRACT_THRESHOLD, NEAR_MISS_SCORE) == (90.0, 90.0, 75.0)


# ------------------------------------------------------------------------------ pick

CAI_RECORD = Reference(title="Constitutional AI: Harmlessness from AI Feedback",
                       authors=_authors("Yuntao Bai", "Saurav Kadavath", "Sandipan Kundu"),
                       authors_truncated=True)


def _ids(papers: list[Reference]) -> list[str | None]:
    return [p.arxiv_id for p in papers]


def test_pick_takes_the_real_paper_among_decoys() -> None:
    result = pick(CAI_RECORD, [CAI_SAME_START, CAI_OTHER_BAI, CAI, L1PCA])
    assert (result.status, result.chosen) == ("accepted", CAI)


def test_pick_exact_title_beats_a_close_one() -> None:
    typo = CAI.copy(arxiv_id="2401.90005", title="Constitutional AI: Harmlessnes from AI Feedback")
    result = pick(CAI_RECORD, [typo, CAI])
    assert (result.status, result.chosen) == ("accepted", CAI)


def test_pick_two_exact_matches_are_ambiguous() -> None:
    twin = CAI.copy(arxiv_id="2401.90006")
    result = pick(Reference(title=CAI.title), [CAI, twin])
    assert (result.status, result.chosen) == ("ambiguous", None)
    assert _ids(result.candidates) == ["2212.08073", "2401.90006"]


def test_pick_two_close_inexact_matches_are_ambiguous() -> None:
    one = CAI.copy(arxiv_id="2401.90007", title="Constitutional AI: Harmlesness from AI Feedback")
    two = CAI.copy(arxiv_id="2401.90008", title="Constitutional AI: Harmlessness from AI Fedback")
    result = pick(CAI_RECORD, [one, two])
    assert (result.status, result.chosen) == ("ambiguous", None)
    assert _ids(result.candidates) == ["2401.90007", "2401.90008"]


def test_pick_an_abstract_fragment_shared_by_two_papers_is_ambiguous() -> None:
    fragment = Reference(abstract=EVALS_ABSTRACT.split(". ")[0] + ".")
    result = pick(fragment, [EVALS, EVALS_SAME_OPENING])
    assert (result.status, result.chosen) == ("ambiguous", None)
    assert _ids(result.candidates) == ["2212.09251", "2401.90004"]


def test_pick_only_decoys_is_weak_with_the_near_misses() -> None:
    result = pick(CAI_RECORD, [CAI_SAME_START, CAI_OTHER_BAI, L1PCA])
    assert (result.status, result.chosen) == ("weak", None)
    # the same-title paper by another Bai and the longer title come close; L1-PCA does not
    assert _ids(result.candidates) == ["2401.90002", "2401.90001"]


def test_pick_negated_title_is_never_taken() -> None:
    record = Reference(title=KNOW.title, authors=_authors("Saurav Kadavath"))
    assert pick(record, [DONT_KNOW]).chosen is None
    assert pick(record, [DONT_KNOW, KNOW]).chosen is KNOW


def test_pick_nothing() -> None:
    result = pick(CAI_RECORD, [L1PCA])
    assert (result.status, result.chosen, result.candidates) == ("none", None, [])
    assert pick(CAI_RECORD, []).status == "none"


def test_pick_same_paper_twice_is_one_candidate() -> None:
    result = pick(CAI_RECORD, [CAI, CAI.copy(arxiv_version=2)])
    assert (result.status, result.chosen) == ("accepted", CAI)


# ---------------------------------------------------------------- pick: breaking a tie

TWINS_TITLE = "Probing Sparse Feature Circuits in Small Transformers"


def test_pick_same_title_overlapping_authors_the_abstract_and_first_author_decide() -> None:
    # The reported case: both papers have the title and both listed authors, but the
    # abstract is one paper's word for word and its first author is that paper's.
    record = Reference(title=TWINS_TITLE, authors=_authors("Mara Lindqvist", "Tomas Okafor"),
                       abstract=TWIN_A.abstract)
    result = pick(record, [TWIN_B, TWIN_A])
    assert (result.status, result.chosen) == ("accepted", TWIN_A)
    assert result.matches[0].reason == (
        "title identical, authors agree; told from 1 other by: abstract, first author, "
        "author order")


TIE_BREAKS = [
    pytest.param(Reference(title=TWINS_TITLE, abstract=TWIN_B.abstract), "2402.90002",
                 "abstract", id="the abstract"),
    pytest.param(Reference(title=TWINS_TITLE, abstract=(TWIN_A.abstract or "")[:200]),
                 "2402.90001", "abstract", id="a fragment of the abstract"),
    pytest.param(Reference(title=TWINS_TITLE, authors=_authors("Tomas Okafor")), "2402.90002",
                 "first author", id="the first author"),
    pytest.param(Reference(title=TWINS_TITLE, authors=_authors("Mara Lindqvist"),
                           authors_truncated=True), "2402.90001",
                 "first author", id="the first author of an et al. list"),
    pytest.param(Reference(title=TWINS_TITLE, date="2025"), "2402.90002", "year",
                 id="the year"),
    pytest.param(Reference(title=TWINS_TITLE, date="2024-03"), "2402.90001", "year",
                 id="the year of a later version"),
    pytest.param(Reference(title=TWINS_TITLE, comment="14 pages, 6 figures"), "2402.90001",
                 "comment", id="the comment line"),
    pytest.param(Reference(title=TWINS_TITLE, doi="10.1000/TWIN.A"), "2402.90001", "DOI",
                 id="the journal DOI"),
]


@pytest.mark.parametrize(("record", "expected", "clues"), TIE_BREAKS)
def test_pick_every_clue_of_the_record_can_break_a_tie(record: Reference, expected: str,
                                                       clues: str) -> None:
    twins = [TWIN_A.copy(doi="10.1000/twin.a"), TWIN_B.copy(doi="10.1000/twin.b")]
    result = pick(record, twins)
    assert (result.status, result.chosen and result.chosen.arxiv_id) == ("accepted", expected)
    assert result.matches[0].reason.endswith(f"told from 1 other by: {clues}")


def test_pick_author_order_breaks_a_tie_the_first_author_cannot() -> None:
    first = TWIN_A.copy(authors=_authors("Ada Byron", "Mara Lindqvist", "Tomas Okafor"))
    second = TWIN_B.copy(authors=_authors("Ada Byron", "Tomas Okafor", "Mara Lindqvist"))
    record = Reference(title=TWINS_TITLE,
                       authors=_authors("Ada Byron", "Tomas Okafor", "Mara Lindqvist"))
    result = pick(record, [first, second])
    assert (result.status, result.chosen) == ("accepted", second)
    assert result.matches[0].reason.endswith("told from 1 other by: author order")


def test_pick_clues_that_disagree_leave_it_ambiguous() -> None:
    # the abstract says one paper, the first author and the order the other: a mixed-up
    # paste is not resolved by guessing which clue to believe
    record = Reference(title=TWINS_TITLE, authors=_authors("Tomas Okafor", "Mara Lindqvist"),
                       abstract=TWIN_A.abstract)
    result = pick(record, [TWIN_A, TWIN_B])
    assert (result.status, result.chosen) == ("ambiguous", None)
    assert _ids(result.candidates) == ["2402.90001", "2402.90002"]


def test_pick_clues_that_say_nothing_leave_it_ambiguous() -> None:
    # Lindqvist is both papers' first author, and the year fits neither
    record = Reference(title=TWINS_TITLE, authors=_authors("Mara Lindqvist"), date="2023",
                       authors_truncated=False)
    twin_b = TWIN_B.copy(authors=_authors("Mara Lindqvist", "Tomas Okafor"))
    result = pick(record, [TWIN_A, twin_b])
    assert (result.status, result.chosen) == ("ambiguous", None)
    assert _ids(result.candidates) == ["2402.90001", "2402.90002"]


def test_pick_a_clue_narrows_three_papers_to_the_two_it_fits() -> None:
    third = TWIN_A.copy(arxiv_id="2402.90003", abstract=TWIN_B.abstract)
    record = Reference(title=TWINS_TITLE, abstract=TWIN_A.abstract)
    result = pick(record, [TWIN_B, TWIN_A, third, TWIN_A.copy(arxiv_id="2402.90004")])
    assert (result.status, result.chosen) == ("ambiguous", None)
    assert _ids(result.candidates) == ["2402.90001", "2402.90004"]


# ------------------------------------------------------------------------------ merge

SPECIFIC_AUTHORS = "Sandipan Kundu; Yuntao Bai; Saurav Kadavath; Jared Kaplan"


def test_merge_fills_an_id_only_record() -> None:
    ref = Reference(arxiv_id="2310.13798", key="kundu2023")
    merged, changes = merge(ref, SPECIFIC)
    assert changes == [
        Change("kundu2023", "title", None, SPECIFIC.title),
        Change("kundu2023", "abstract", None, SPECIFIC_ABSTRACT),
        Change("kundu2023", "authors", None, SPECIFIC_AUTHORS),
        Change("kundu2023", "date", None, "2023-10-20"),
        Change("kundu2023", "arxiv_published", None, "2023-10-20"),
        Change("kundu2023", "arxiv_updated", None, "2023-10-20"),
        Change("kundu2023", "primary_category", None, "cs.CL"),
        Change("kundu2023", "categories", None, "cs.CL cs.AI"),
        Change("kundu2023", "url", None, "https://arxiv.org/abs/2310.13798"),
    ]
    assert merged.authors == SPECIFIC.authors and merged.categories == ["cs.CL", "cs.AI"]
    assert (merged.arxiv_id, merged.arxiv_version, merged.key) == ("2310.13798", None, "kundu2023")
    assert ref.title is None  # the input is not touched


def test_merge_search_hit_fills_the_id_and_replaces_truncated_authors() -> None:
    ref = Reference(title=CAI.title, authors=_authors("Yuntao Bai", "Saurav Kadavath",
                                                      "Sandipan Kundu"),
                    authors_truncated=True, abstract=CAI_ABSTRACT)
    merged, changes = merge(ref, CAI)
    label = '"Constitutional AI: Harmlessness from AI Feedback"'
    assert changes == [
        Change(label, "arxiv_id", None, "2212.08073"),
        Change(label, "authors", "Yuntao Bai; Saurav Kadavath; Sandipan Kundu; et al.",
               "Yuntao Bai; Saurav Kadavath; Sandipan Kundu; Amanda Askell; Jackson Kernion; "
               "Jared Kaplan"),
        Change(label, "date", None, "2022-12-15"),
        Change(label, "arxiv_published", None, "2022-12-15"),
        Change(label, "arxiv_updated", None, "2022-12-15"),
        Change(label, "primary_category", None, "cs.CL"),
        Change(label, "categories", None, "cs.CL cs.AI"),
        Change(label, "url", None, "https://arxiv.org/abs/2212.08073"),
    ]
    assert (merged.authors_truncated, len(merged.authors), merged.arxiv_version) == (False, 6, None)


def test_merge_keeps_the_users_fields_unless_overwrite() -> None:
    ref = Reference(arxiv_id="2310.13798", key="k", title="Specific vs. general principles",
                    authors=_authors("S. Kundu"), date="2024-01-01", comment="my note",
                    url="https://example.org/paper")
    merged, changes = merge(ref, SPECIFIC)
    assert [c.field for c in changes] == [
        "abstract", "arxiv_published", "arxiv_updated", "primary_category", "categories"]
    assert (merged.title, merged.date, merged.comment, merged.url) == (
        "Specific vs. general principles", "2024-01-01", "my note", "https://example.org/paper")
    assert merged.authors == _authors("S. Kundu")

    merged, changes = merge(ref, SPECIFIC, overwrite=True)
    assert [(c.field, c.old) for c in changes] == [
        ("title", "Specific vs. general principles"), ("abstract", None),
        ("authors", "S. Kundu"), ("date", "2024-01-01"), ("arxiv_published", None),
        ("arxiv_updated", None), ("primary_category", None), ("categories", None),
        ("url", "https://example.org/paper")]
    assert (merged.title, merged.date, merged.url, merged.authors) == (
        SPECIFIC.title, "2023-10-20", "https://arxiv.org/abs/2310.13798", SPECIFIC.authors)
    assert merged.comment == "my note"  # arXiv has no comment for it: nothing to replace with


DATE_CASES = [
    # (record version, policy, expected date); L1-PCA: v1 2016-10-06, v3 2017-05-23
    pytest.param(None, "first", "2016-10-06", id="unversioned, first"),
    pytest.param(None, "latest", "2017-05-23", id="unversioned, latest"),
    pytest.param(3, "first", "2017-05-23", id="versioned: that version's date"),
    pytest.param(3, "latest", "2017-05-23", id="versioned, latest: same"),
]


@pytest.mark.parametrize(("version", "policy", "expected"), DATE_CASES)
def test_merge_date_policy(version: int | None, policy: str, expected: str) -> None:
    merged, _ = merge(Reference(arxiv_id="1610.01959", arxiv_version=version), L1PCA,
                      date_policy=policy)
    assert merged.date == expected


def test_merge_versioned_v1_lookup_uses_v1_date() -> None:
    # What the API returns for 1610.01959v1: published and updated are both v1's date.
    v1 = L1PCA.copy(arxiv_version=1, arxiv_updated="2016-10-06")
    merged, _ = merge(Reference(arxiv_id="1610.01959", arxiv_version=1), v1, date_policy="latest")
    assert (merged.date, merged.url) == ("2016-10-06", "https://arxiv.org/abs/1610.01959v1")


def test_merge_keeps_journal_doi_and_reference_beside_arxiv_fields() -> None:
    merged, changes = merge(Reference(arxiv_id="1610.01959"), L1PCA)
    assert (merged.doi, merged.journal_ref, merged.arxiv_doi) == (
        "10.1109/TSP.2017.2708023", L1PCA.journal_ref, "10.48550/arXiv.1610.01959")
    assert Change("arXiv:1610.01959", "doi", None, "10.1109/TSP.2017.2708023") in changes


def test_merge_refines_a_partial_date_but_not_a_different_one() -> None:
    merged, changes = merge(Reference(arxiv_id="2310.13798", date="2023"), SPECIFIC)
    assert merged.date == "2023-10-20"
    assert Change("arXiv:2310.13798", "date", "2023", "2023-10-20") in changes
    merged, _ = merge(Reference(arxiv_id="2310.13798", date="2024"), SPECIFIC)
    assert merged.date == "2024"


def test_merge_same_values_make_no_changes() -> None:
    _, changes = merge(SPECIFIC.copy(arxiv_version=None, date="2023-10-20",
                                     url="https://arxiv.org/abs/2310.13798"), SPECIFIC)
    assert changes == []


def test_merge_rejects_an_unknown_date_policy() -> None:
    with pytest.raises(ValueError, match="date_policy"):
        merge(Reference(arxiv_id="2310.13798"), SPECIFIC, date_policy="newest")
