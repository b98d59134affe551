"""End to end: the samples, read by `read_text`, resolved by the real `ArxivClient` over sockets
against the loopback arXiv server loaded with tests/data/sample_papers.json.

tests/data/sample_papers.json holds the arXiv metadata of every paper in shared/samples, plus
near-miss decoys::

    {"papers": [PAPER, ...], "decoys": [PAPER, ...]}
    PAPER = {
      "id": "2212.08073",                     # bare id
      "title": "...", "abstract": "...",      # abstract: as the samples show it
      "authors": ["Yuntao Bai", ...],         # display names, as the API lists them
      "authors_complete": true,               # false: only the authors we could confirm
      "versions": [{"version": 1, "date": "2022-12-15"}, ...],
      "primary_category": "cs.CL", "categories": ["cs.CL", "cs.AI"],
      "comment": "...", "doi": "...",         # optional; doi is the journal DOI
      "note": "...",                          # optional: what is and is not confirmed
      "decoy": "..."                          # decoys only: what makes it a near miss
    }

`_api_versions` turns a PAPER into the per-version dicts `ArxivServer.add_paper` takes, the way
the API reports versions: `published` is always v1's date, `updated` that version's date.
"""

from __future__ import annotations

import pytest

from bridge.arxiv.client import ArxivClient
from bridge.config import Settings
from bridge.errors import ArxivError
from bridge.model import Author, Reference
from bridge.readers.text import read_text
from bridge.resolve import SEARCH_MAX_RESULTS, ResolveReport, pick, resolve
from tests.paths import SAMPLES
from tests.sample_papers import DECOYS, PAPERS, load_sample_papers
from tests.servers.arxiv_server import ArxivServer

EXPECTED_IDS = {
    "abstracts-only.txt": ["2310.13798", "2307.13702", "2302.07459", "2212.09251", "2212.08073",
                           "2211.03540", "1610.01959"],
    "aggregator-listing.txt": ["2306.16388", "2212.08073", "2204.05862", "2207.05221",
                               "2308.03296", "2209.11895", "2209.07858", "2212.09251",
                               "2307.13702", "2302.07459", "2211.03540", "2205.10487",
                               "2307.11768", "2310.13798", "2312.03689", "2509.09541",
                               "2112.00861", "2107.03374"],
    "arxiv-listing-abstracts.txt": ["2310.13798", "2310.13548", "2307.11768", "2307.13702",
                                    "2212.13768", "2212.09251", "2110.10802", "2011.01696"],
}


@pytest.fixture
def server(arxiv_server: ArxivServer) -> ArxivServer:
    return load_sample_papers(arxiv_server)


def _client(server: ArxivServer, retries: int = 4) -> ArxivClient:
    return ArxivClient(Settings(arxiv_url=server.url, arxiv_delay=0.01, arxiv_retries=retries,
                                arxiv_timeout=5.0))


def _read(name: str) -> list[Reference]:
    return read_text((SAMPLES / name).read_text(encoding="utf-8"), source=name)


def _assert_complete(report: ResolveReport, expected: list[str]) -> None:
    assert report.not_found == [] and report.ambiguous == []
    assert [r.arxiv_id for r in report.references] == expected
    for ref in report.references:
        paper = PAPERS[ref.arxiv_id or ""]
        assert ref.title and ref.abstract and ref.date and ref.categories
        assert ref.authors and not ref.authors_truncated
        assert [a.display() for a in ref.authors] == paper["authors"]
        assert ref.date == paper["versions"][0]["date"]  # date_policy "first"
        assert ref.categories == paper["categories"]
        assert ref.primary_category == paper["primary_category"]
        assert ref.doi == paper.get("doi")  # the journal DOI, kept beside the arXiv id
        if paper.get("comment"):
            assert ref.comment == paper["comment"]
        assert ref.arxiv_id not in DECOYS


@pytest.mark.parametrize("name", sorted(EXPECTED_IDS))
def test_every_sample_resolves_completely(server: ArxivServer, name: str) -> None:
    refs = _read(name)
    with _client(server) as client:
        report = resolve(refs, client)
    _assert_complete(report, EXPECTED_IDS[name])
    had_id = [r for r in refs if r.arxiv_id]
    assert len(report.resolved) == len(had_id)
    assert len(report.found_by_search) == len(refs) - len(had_id)
    for ref in report.found_by_search:  # found by search: the record had no id, now it has
        assert ref.title == PAPERS[ref.arxiv_id or ""]["title"]
    # every id went to the API in one id_list request
    id_requests = [r for r in server.requests if r.id_list]
    assert len(id_requests) == (1 if had_id else 0)
    assert sorted(id_requests[0].id_list if had_id else []) == sorted(
        r.versioned_id for r in had_id)


def test_all_samples_together_keep_each_paper_once(server: ArxivServer) -> None:
    refs = [ref for name in sorted(EXPECTED_IDS) for ref in _read(name)]
    with _client(server) as client:
        report = resolve(refs, client)
    every_id = [i for name in sorted(EXPECTED_IDS) for i in EXPECTED_IDS[name]]
    first_seen = list(dict.fromkeys(every_id))
    assert [r.arxiv_id for r in report.references] == every_id  # one for one with the input
    assert len(first_seen) == len(PAPERS) == 23
    assert len(report.duplicates) == len(refs) - 23 == 10
    for dropped, kept in report.duplicates:
        assert dropped.arxiv_id == kept.arxiv_id and kept in report.references
    assert len(report.resolved) + len(report.found_by_search) == 23


def test_faults_mid_run_lose_and_duplicate_nothing(server: ArxivServer) -> None:
    class FaultsAfterThird:
        """A progress observer that makes the server misbehave once the run is under way."""

        def __init__(self) -> None:
            self.done = 0

        def start(self, description: str, total: int | None) -> None:
            pass

        def advance(self, steps: int = 1) -> None:
            self.done += steps
            if self.done == 3:
                server.fail(503)
                server.fail(429, retry_after="0.05")
                server.drop_connection()

        def finish(self) -> None:
            pass

    refs = _read("aggregator-listing.txt") + _read("arxiv-listing-abstracts.txt")
    with _client(server) as client:
        report = resolve(refs, client, progress=FaultsAfterThird())
    assert server.pending_faults == 0
    assert [r.fault for r in server.requests if r.fault] == ["status", "status", "drop"]
    expected = (EXPECTED_IDS["aggregator-listing.txt"]
                + EXPECTED_IDS["arxiv-listing-abstracts.txt"])
    assert [r.arxiv_id for r in report.references] == expected
    distinct = list(dict.fromkeys(expected))
    assert len(report.resolved) + len(report.found_by_search) == len(distinct)
    assert report.not_found == [] and report.ambiguous == []


def test_service_failure_propagates(server: ArxivServer) -> None:
    server.fail(503, times=3)
    with _client(server, retries=2) as client, pytest.raises(ArxivError):
        resolve([Reference(arxiv_id="2212.08073")], client)


def test_not_found_is_reported_not_raised(server: ArxivServer) -> None:
    refs = [Reference(arxiv_id="2401.99999"),
            Reference(title="A Survey of Nothing in Particular by Nobody"),
            Reference(authors=[Author("Bai", "Yuntao")])]
    with _client(server) as client:
        report = resolve(refs, client)
    assert report.not_found == refs
    assert report.references == refs and report.changes == []


def test_ambiguous_records_are_reported_with_their_candidates(server: ArxivServer) -> None:
    evals_opening = PAPERS["2212.09251"]["abstract"].split(". ")[0] + "."
    refs = [
        # the same title exists twice, and no author says which is meant
        Reference(title="Measuring Faithfulness in Chain-of-Thought Reasoning"),
        # a fragment both the real abstract and a decoy's share
        Reference(abstract=evals_opening),
        # a different Bai: the real paper and the longer-titled decoy are only near misses
        Reference(title="Constitutional AI: Harmlessness from AI Feedback",
                  authors=[Author("Bai", "Xiaoming"), Author("Zhang", "Li")]),
    ]
    with _client(server) as client:
        report = resolve(refs, client)
    assert report.found_by_search == [] and report.not_found == []
    assert [(ref, [c.arxiv_id for c in cands]) for ref, cands in report.ambiguous] == [
        (refs[0], ["2307.13702", "2401.90005"]),
        (refs[1], ["2212.09251", "2401.90004"]),
        (refs[2], ["2212.08073", "2401.90001"]),
    ]
    assert report.references == refs  # nothing was filled from a guess


def test_decoys_lose_to_the_real_paper(server: ArxivServer) -> None:
    aggregator = {r.title: r for r in _read("aggregator-listing.txt")}
    with _client(server) as client:
        # a surname search brings a namesake's papers and a same-surname decoy
        by_surname = client.search("au:Kundu", max_results=SEARCH_MAX_RESULTS)
        record = aggregator["Specific versus General Principles for Constitutional AI"]
        assert {"1610.01959", "2401.90002", "2310.13798"} <= {p.arxiv_id for p in by_surname}
        assert pick(record, by_surname).chosen.arxiv_id == "2310.13798"
        # same title, namesake first author: the co-authors decide
        same_title = client.search('ti:"Measuring Faithfulness in Chain-of-Thought Reasoning"')
        record = aggregator["Measuring Faithfulness in Chain-of-Thought Reasoning"]
        assert pick(record, same_title).chosen.arxiv_id == "2307.13702"
        # a longer title by authors with the same surnames
        longer = client.search('ti:"Language Models Mostly Know What They Know"')
        assert {p.arxiv_id for p in longer} == {"2207.05221", "2401.90003"}
        record = aggregator["Language Models (Mostly) Know What They Know"]
        assert pick(record, longer).chosen.arxiv_id == "2207.05221"


def test_versioned_id_gets_that_versions_entry(server: ArxivServer) -> None:
    with _client(server) as client:
        report = resolve([Reference(arxiv_id="2212.08073", arxiv_version=1, key="bai2022")],
                         client, date_policy="latest")
    ref = report.references[0]
    assert (ref.versioned_id, ref.date, ref.url) == (
        "2212.08073v1", "2022-12-15", "https://arxiv.org/abs/2212.08073v1")
    assert report.changes[0].label == "bai2022"


# -- clues beyond title and authors; the abstract search when the title search finds nothing

TWINS_TITLE = "Probing Sparse Feature Circuits in Small Transformers"


def _searches(server: ArxivServer) -> list[str]:
    return [r.params["search_query"] for r in server.requests if "search_query" in r.params]


def test_a_paste_with_its_abstract_is_not_ambiguous_between_same_title_papers(
        server: ArxivServer) -> None:
    # The reported case: two papers share the title and two authors; the paste has the
    # title, the authors (first author first) and one paper's abstract word for word.
    paste = (f"{TWINS_TITLE}\nMara Lindqvist, Tomas Okafor\n"
             f"{DECOYS['2402.90001']['abstract']}\n")
    refs = read_text(paste, "paste.txt")
    with _client(server) as client:
        report = resolve(refs, client)
    assert report.ambiguous == [] and report.not_found == []
    assert [r.arxiv_id for r in report.found_by_search] == ["2402.90001"]
    assert report.references[0].comment == "14 pages, 6 figures"
    # the first query found both papers; the record's clues told them apart
    assert _searches(server) == [f'ti:"{TWINS_TITLE}" AND au:Lindqvist']


def test_an_arxiv_abstract_page_paste_carries_its_date_to_the_tie_break(
        server: ArxivServer) -> None:
    # no author, no usable abstract: only the dateline says which of the two it is
    paste = (f"Title: {TWINS_TITLE}\n"
             "[Submitted on 20 Jan 2025]\n"
             "Abstract: We revisit sparse feature circuits.\n")
    with _client(server) as client:
        report = resolve(read_text(paste, "abs-page.txt"), client)
    assert [r.arxiv_id for r in report.found_by_search] == ["2402.90002"]


def test_same_title_papers_stay_ambiguous_when_the_paste_says_nothing_else(
        server: ArxivServer) -> None:
    refs = read_text(f"{TWINS_TITLE}\n", "paste.txt")
    with _client(server) as client:
        report = resolve(refs, client)
    assert [(ref.title, [c.arxiv_id for c in cands]) for ref, cands in report.ambiguous] == [
        (TWINS_TITLE, ["2402.90001", "2402.90002"])]
    assert report.found_by_search == []


def test_a_title_search_that_finds_nothing_falls_back_to_the_abstract(
        server: ArxivServer) -> None:
    # a typo in one title word: the phrase search finds nothing; the abstract finds it, and
    # the title still verifies (a typo costs a point or two)
    specific = PAPERS["2310.13798"]
    paste = ("Specific versus General Principals for Constitutional AI\n"
             "Sandipan Kundu, Yuntao Bai, Saurav Kadavath\n"
             f"{specific['abstract']}\n")
    with _client(server) as client:
        report = resolve(read_text(paste, "paste.txt"), client)
    assert [r.arxiv_id for r in report.found_by_search] == ["2310.13798"]
    assert _searches(server) == [
        'ti:"Specific versus General Principals for Constitutional AI" AND au:Kundu',
        'ti:"Specific versus General Principals for Constitutional AI"',
        'abs:"long list of constitutions targeting potentially harmful behaviors"']


def test_a_paper_renamed_since_the_paste_is_found_by_its_whole_abstract(
        server: ArxivServer) -> None:
    paste = ("Where Small Transformers Keep Their Sparse Features\n"
             "Mara Lindqvist, Tomas Okafor, Ines Duarte\n"
             f"{DECOYS['2402.90001']['abstract']}\n")
    with _client(server) as client:
        report = resolve(read_text(paste, "paste.txt"), client)
    assert [r.arxiv_id for r in report.found_by_search] == ["2402.90001"]
    # the title the user gave is kept (only missing fields are filled)
    assert report.references[0].title == "Where Small Transformers Keep Their Sparse Features"
