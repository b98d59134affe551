"""`refbridge push` and `pull` end to end: the real CLI, the real clients over sockets, the
loopback arXiv server (the samples' papers) and the loopback Zotero server."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.config import USER_AGENT
from bridge.readers.bibtex import parse_bib
from bridge.zotero.items import is_regular_item, item_to_reference
from tests.paths import SAMPLES
from tests.sample_papers import PAPERS, load_sample_papers
from tests.servers.arxiv_server import ArxivServer
from tests.servers.zotero_server import READ_KEY, WRITE_KEY, ZoteroServer
from tests.test_resolve_e2e import EXPECTED_IDS


@pytest.fixture
def services(arxiv_server: ArxivServer, zotero_server: ZoteroServer, isolated_env: Path,
             monkeypatch: pytest.MonkeyPatch) -> tuple[ArxivServer, ZoteroServer]:
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", arxiv_server.url)
    monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
    monkeypatch.setenv("REFBRIDGE_ZOTERO_URL", zotero_server.url)
    monkeypatch.setenv("ZOTERO_API_KEY", WRITE_KEY)
    return load_sample_papers(arxiv_server), zotero_server


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def arxiv_counts(server: ZoteroServer) -> Counter[str]:
    refs = [item_to_reference(d) for d in server.items.values() if is_regular_item(d)]
    return Counter(r.arxiv_id for r in refs if r.arxiv_id)


def seed_three_shapes(server: ZoteroServer, ids: list[str]) -> None:
    """The first three papers, stored the ways other tools stored arXiv papers."""
    a, b, c = (PAPERS[i] for i in ids[:3])
    server.add_item({"itemType": "preprint", "title": a["title"], "repository": "arXiv",
                     "archiveID": f"arXiv:{a['id']}", "DOI": f"10.48550/arXiv.{a['id']}"})
    server.add_item({"itemType": "journalArticle", "title": b["title"],
                     "publicationTitle": f"arXiv:{b['id']} [cs]"})
    server.add_item({"itemType": "report", "title": c["title"].upper(),
                     "reportNumber": f"arXiv:{c['id']}", "institution": "arXiv"})


@pytest.mark.parametrize("sample", sorted(EXPECTED_IDS))
def test_push_creates_exactly_the_missing_papers(services, sample: str):
    _, zotero = services
    ids = list(dict.fromkeys(EXPECTED_IDS[sample]))
    seed_three_shapes(zotero, ids)
    result = run("push", str(SAMPLES / sample), "--collection", "Reading list", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["created"]) == len(ids) - 3
    assert len(report["already_present"]) == 3
    assert arxiv_counts(zotero) == Counter(ids)
    created = [d for d in zotero.items.values() if d.get("itemType") == "preprint"
               and d.get("libraryCatalog") == "arXiv.org"]
    assert len(created) == len(ids) - 3
    for data in created:
        arxiv_id = data["archiveID"].removeprefix("arXiv:")
        paper = PAPERS[arxiv_id]
        assert data["title"] == paper["title"]
        assert [f"{c['firstName']} {c['lastName']}" for c in data["creators"]] == \
            paper["authors"]
        assert data["DOI"] == f"10.48550/arXiv.{arxiv_id}"
        assert data["extra"].startswith(f"arXiv:{arxiv_id} [{paper['primary_category']}]")
        assert data["date"] == paper["versions"][0]["date"]
        year = paper["versions"][0]["date"][:4]
        assert re.fullmatch(rf"[a-z]+{year}[a-z0-9]+", data["citationKey"]), data["citationKey"]
    assert len({d["citationKey"] for d in created}) == len(created)
    assert {r.headers["user-agent"] for r in zotero.requests} == {USER_AGENT}
    # Every paper of the sample, old and new, is filed in the collection.
    (collection,) = [k for k, c in zotero.collections.items() if c["name"] == "Reading list"]
    filed = Counter(item_to_reference(d).arxiv_id for d in zotero.items.values()
                    if collection in d.get("collections", []))
    assert filed == Counter(ids)


def test_a_second_push_writes_nothing(services):
    _, zotero = services
    sample = str(SAMPLES / "arxiv-listing-abstracts.txt")
    assert run("push", sample).exit_code == 0
    writes = [r for r in zotero.requests if r.method != "GET"]
    assert len(writes) == 1  # 8 papers: one batch
    result = run("push", sample, "--json")
    assert result.exit_code == 0
    assert [r for r in zotero.requests if r.method != "GET"] == writes
    assert json.loads(result.stdout)["created"] == []
    assert "created 0, already present 8" in result.stderr


def test_push_dry_run_writes_nothing_and_says_what_it_would_do(services):
    _, zotero = services
    result = run("push", "--dry-run", "-", "--json", input="arXiv:2212.08073 arXiv:2307.13702")
    assert result.exit_code == 0, result.stderr
    assert [r for r in zotero.requests if r.method != "GET"] == []
    assert zotero.items == {}
    report = json.loads(result.stdout)
    assert [item["arxiv_id"] for item in report["created"]] == ["2212.08073", "2307.13702"]
    assert "would create 2" in result.stderr


@pytest.mark.parametrize(("key", "message"), [
    (READ_KEY, "the API key may read but not write user:475425"),
    ("Xx9wrongwrongwrongwrong1", "Zotero does not accept this API key"),
])
def test_a_wrong_or_read_only_key_is_one_line_without_the_key(services, monkeypatch, key,
                                                              message):
    _, zotero = services
    monkeypatch.setenv("ZOTERO_API_KEY", key)
    result = run("push", "-", input="arXiv:2212.08073")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert key not in result.stderr + result.stdout
    assert [r for r in zotero.requests if r.method != "GET"] == []
    assert all(key not in r.raw_target for r in zotero.requests)


MIXED_LIBRARY = [
    {"itemType": "journalArticle", "title": "Über die Quantenmechanik der Elektronen",
     "creators": [{"creatorType": "author", "firstName": "Søren", "lastName": "Kierkegaard"},
                  {"creatorType": "author", "firstName": "Časlav", "lastName": "Brukner"}],
     "publicationTitle": "Zeitschrift für Physik", "volume": "37", "pages": "863-867",
     "date": "1926-03-01", "DOI": "10.1007/BF01397477"},
    {"itemType": "book", "title": "The TeXbook", "publisher": "Addison-Wesley",
     "creators": [{"creatorType": "author", "firstName": "Donald E.", "lastName": "Knuth"}],
     "date": "1984", "ISBN": "0-201-13447-0"},
    {"itemType": "conferencePaper", "title": "Attention is All you Need",
     "creators": [{"creatorType": "author", "firstName": "Ashish", "lastName": "Vaswani"},
                  {"creatorType": "author", "firstName": "Łukasz", "lastName": "Kaiser"}],
     "proceedingsTitle": "Advances in Neural Information Processing Systems", "date": "2017"},
    {"itemType": "thesis", "title": "Stellar parameters & abundances", "university": "Porto",
     "creators": [{"creatorType": "author", "firstName": "Daniel", "lastName": "Andreasen"}],
     "thesisType": "PhD thesis", "date": "2017"},
    {"itemType": "report", "title": "Cosmic rays at 100% efficiency", "institution": "CERN",
     "creators": [{"creatorType": "author", "name": "ATLAS Collaboration"}], "date": "2015"},
    {"itemType": "preprint", "title": "Constitutional AI: Harmlessness from AI Feedback",
     "creators": [{"creatorType": "author", "firstName": "Yuntao", "lastName": "Bai"}],
     "repository": "arXiv", "archiveID": "arXiv:2212.08073",
     "DOI": "10.48550/arXiv.2212.08073", "date": "2022-12-15",
     "extra": "arXiv:2212.08073 [cs.CL]", "citationKey": "bai2022cai"},
]


@pytest.mark.skipif(not shutil.which("bibtex") or not shutil.which("pdflatex"),
                    reason="needs pdflatex and bibtex on PATH")
@pytest.mark.texlive
def test_pull_a_mixed_library_through_real_bibtex(services, tmp_path: Path):
    from tests.texlive import entry_keys, run_bibtex

    _, zotero = services
    zotero.add_items(MIXED_LIBRARY)
    out = tmp_path / "library.bib"
    result = run("pull", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    bib = out.read_text("utf-8")
    doc = parse_bib(bib, str(out))
    assert sorted(e.entry_type for e in doc.entries) == [
        "article", "book", "inproceedings", "misc", "phdthesis", "techreport"]
    assert "bai2022cai" in entry_keys(bib)  # Zotero's own citation key is kept
    assert "author = {Kierkegaard, S{\\o}ren and Brukner, {\\v C}aslav}" in bib
    assert "eprint = {2212.08073}" in bib and "archivePrefix = {arXiv}" in bib
    assert "{ATLAS Collaboration}" in bib
    (article,) = [r for r in doc.references if r.entry_type == "article"]
    assert [a.first for a in article.authors] == ["Søren", "Časlav"]
    tex = run_bibtex(bib, tmp_path)
    assert tex.bibtex_problems() == []
    assert tex.returncode == 0
    assert len(re.findall(r"\\bibitem", tex.bbl)) == len(MIXED_LIBRARY)
    # Pulling again changes nothing; after one title changes in Zotero, only that entry does.
    assert run("pull", "-o", str(out)).exit_code == 0
    assert out.read_text("utf-8") == bib
    key = next(k for k, d in zotero.items.items() if d.get("itemType") == "book")
    zotero.items[key]["title"] = "The METAFONTbook"
    zotero.items[key]["version"] = zotero.touch()  # as Zotero does: the item gets the version
    assert run("pull", "-o", str(out)).exit_code == 0
    after = parse_bib(out.read_text("utf-8"), str(out))
    changed = [b.key for b, a in zip(doc.entries, after.entries, strict=True)
               if bib[b.start:b.end] != out.read_text("utf-8")[a.start:a.end]]
    assert changed == [next(e.key for e in doc.entries if e.entry_type == "book")]


def test_tags_nested_collections_and_a_recursive_pull(services, tmp_path: Path):
    _, zotero = services
    result = run("push", "-", "--collection", "Thesis/Chapter 2", "--tag", "to-read",
                 "--tag", "alignment", input="arXiv:2212.08073 arXiv:2307.13702")
    assert result.exit_code == 0, result.stderr
    by_name = {c["name"]: (k, c) for k, c in zotero.collections.items()}
    thesis_key, _ = by_name["Thesis"]
    chapter_key, chapter = by_name["Chapter 2"]
    assert chapter["parentCollection"] == thesis_key
    papers = [d for d in zotero.items.values() if d.get("itemType") == "preprint"]
    assert len(papers) == 2
    for data in papers:
        # the arXiv categories' tags (as Zotero's translator makes them), then ours
        assert data["tags"][-2:] == [{"tag": "to-read"}, {"tag": "alignment"}]
        assert data["collections"] == [chapter_key]
    flat, deep = tmp_path / "flat.bib", tmp_path / "deep.bib"
    result = run("pull", "--collection", "Thesis", "-o", str(flat), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["entries"] == 0
    assert run("pull", "--collection", "Thesis", "--recursive", "-o", str(deep)).exit_code == 0
    pulled = parse_bib(deep.read_text("utf-8"), str(deep)).references
    assert sorted(r.arxiv_id for r in pulled) == ["2212.08073", "2307.13702"]


def test_pull_of_a_missing_collection_is_a_clear_error(services, tmp_path: Path):
    result = run("pull", "--collection", "Nope", "-o", str(tmp_path / "x.bib"))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "Nope" in result.stderr
    assert not (tmp_path / "x.bib").exists()
