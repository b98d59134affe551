"""push and pull end to end: the real ZoteroClient over sockets against the loopback server."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bridge.arxiv._feed import parse_page
from bridge.config import Settings
from bridge.model import Reference
from bridge.names import split_plain_name
from bridge.readers.bibtex import read_bibtex
from bridge.readers.text import read_text
from bridge.zotero.api import ZoteroClient
from bridge.zotero.from_arxiv import category_tags
from bridge.zotero.index import IndexEntry, LibraryIndex
from bridge.zotero.items import is_regular_item, item_to_reference
from bridge.zotero.sync import pull, pull_to_file, push
from tests.paths import ATOM, SAMPLES
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

DATA = json.loads((Path(__file__).parent / "data" / "sample_papers.json").read_text("utf-8"))
PAPERS: dict[str, dict[str, Any]] = {p["id"]: p for p in DATA["papers"]}
SAMPLE_FILES = sorted(p.name for p in SAMPLES.glob("*.txt"))


def _client(server: ZoteroServer) -> ZoteroClient:
    return ZoteroClient(Settings(), api_key=WRITE_KEY, library=server.library, url=server.url,
                        sleep=lambda seconds: None)


def _paper_ref(paper: dict[str, Any]) -> Reference:
    """The Reference the arXiv client makes for a paper of tests/data/sample_papers.json."""
    first, last = paper["versions"][0], paper["versions"][-1]
    return Reference(
        arxiv_id=paper["id"], arxiv_version=last["version"], title=paper["title"],
        authors=[split_plain_name(name) for name in paper["authors"]],
        abstract=paper["abstract"], date=first["date"], arxiv_published=first["date"],
        arxiv_updated=last["date"], primary_category=paper["primary_category"],
        categories=list(paper["categories"]), doi=paper.get("doi"),
        comment=paper.get("comment"), url=f"https://arxiv.org/abs/{paper['id']}")


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())[:80]


def _sample_refs(name: str) -> list[Reference]:
    """The papers of a sample as resolution finds them: by id, else by their abstract."""
    ids = []
    for found in read_text((SAMPLES / name).read_text(encoding="utf-8"), name):
        if found.arxiv_id in PAPERS:
            ids.append(found.arxiv_id)
        elif found.abstract:
            ids.extend(i for i, p in PAPERS.items()
                       if _squash(p["abstract"]) == _squash(found.abstract))
    return [_paper_ref(PAPERS[i]) for i in dict.fromkeys(ids)]


def _atom_refs() -> list[Reference]:
    """100 real papers from a recorded arXiv search answer."""
    recorded = json.loads((ATOM / "recorded" / "q_testing_s0_m100_cfe7536492ca.json")
                          .read_text(encoding="utf-8"))
    return parse_page(recorded["body"].encode("utf-8")).references


def _creators(ref: Reference) -> list[dict[str, str]]:
    return [{"creatorType": "author", "firstName": a.first, "lastName": a.family}
            for a in ref.authors]


def _seed_shapes(server: ZoteroServer, refs: list[Reference]) -> dict[str, str]:
    """Put refs[0..2] in the library the way other tools stored arXiv papers; returns
    arXiv id -> item key. Also an unrelated book with a child note and an attachment."""
    keys = {}
    a, b, c = refs[:3]
    keys[a.arxiv_id] = server.add_item({  # Zotero 7's arXiv translator
        "itemType": "preprint", "title": a.title, "creators": _creators(a), "date": a.date,
        "repository": "arXiv", "archiveID": f"arXiv:{a.arxiv_id}",
        "DOI": f"10.48550/arXiv.{a.arxiv_id}", "url": f"http://arxiv.org/abs/{a.arxiv_id}",
        "extra": f"arXiv:{a.arxiv_id} [{a.primary_category}]", "libraryCatalog": "arXiv.org"})
    keys[b.arxiv_id] = server.add_item({  # the translator before Zotero 6
        "itemType": "journalArticle", "title": b.title, "creators": _creators(b),
        "date": b.date, "publicationTitle": f"arXiv:{b.arxiv_id} [cs]",
        "extra": f"arXiv: {b.arxiv_id}", "url": f"http://arxiv.org/abs/{b.arxiv_id}",
        "libraryCatalog": "arXiv.org"})
    keys[c.arxiv_id] = server.add_item({  # a report, as some importers make them
        "itemType": "report", "title": c.title.upper(), "creators": _creators(c)[:1],
        "date": c.date[:4], "reportNumber": f"arXiv:{c.arxiv_id}", "institution": "arXiv"})
    book = server.add_item({"itemType": "book", "title": "Unrelated", "date": "1999"})
    server.add_item({"itemType": "note", "note": "<p>a child note</p>", "parentItem": book})
    server.add_item({"itemType": "attachment", "linkMode": "linked_url",
                     "title": "Snapshot", "url": "https://example.org", "parentItem": book})
    return keys


def _arxiv_counts(server: ZoteroServer) -> Counter[str]:
    return Counter(item_to_reference(data).arxiv_id for data in server.items.values()
                   if is_regular_item(data) and item_to_reference(data).arxiv_id)


def _writes(server: ZoteroServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests if r.method != "GET"]


# ---------------------------------------------------------------------------------- push


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_push_creates_exactly_the_missing_papers_correctly_filled(
        zotero_server: ZoteroServer, sample: str, tmp_path: Path) -> None:
    refs = _sample_refs(sample)
    assert len(refs) >= 7
    seeded = _seed_shapes(zotero_server, refs)
    with _client(zotero_server) as client:
        report = push(refs, client, index_path=tmp_path / "cache.sqlite3")

    assert [p.reference.arxiv_id for p in report.already_present] == [r.arxiv_id
                                                                      for r in refs[:3]]
    assert [p.key for p in report.already_present] == [seeded[r.arxiv_id] for r in refs[:3]]
    assert [p.reference.arxiv_id for p in report.created] == [r.arxiv_id for r in refs[3:]]
    assert report.failed == [] and report.filed == []
    assert _arxiv_counts(zotero_server) == Counter({r.arxiv_id: 1 for r in refs})
    assert _writes(zotero_server) == [f"POST /users/{zotero_server.user.id}/items"]

    for pushed in report.created:
        ref, data = pushed.reference, zotero_server.items[pushed.key]
        paper = PAPERS[ref.arxiv_id]
        assert data["itemType"] == "preprint"
        assert data["title"] == paper["title"]
        assert data["abstractNote"] == paper["abstract"]
        assert data["date"] == paper["versions"][0]["date"]
        assert [c.get("firstName", "") + " " + c["lastName"] for c in data["creators"]] \
            == [a.display() for a in map(split_plain_name, paper["authors"])]
        assert (data["repository"], data["archiveID"], data["DOI"], data["url"],
                data["libraryCatalog"]) == (
            "arXiv", f"arXiv:{ref.arxiv_id}", f"10.48550/arXiv.{ref.arxiv_id}",
            f"http://arxiv.org/abs/{ref.arxiv_id}", "arXiv.org")
        assert data["extra"].split("\n")[0] == f"arXiv:{ref.arxiv_id} [{paper['primary_category']}]"
        assert data["collections"] == []
        assert data["tags"] == [{"tag": t, "type": 1}
                                for t in category_tags(paper["categories"])]


def test_a_second_identical_push_writes_nothing_and_reads_only_since(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    refs = _atom_refs()
    _seed_shapes(zotero_server, refs)
    index = tmp_path / "cache.sqlite3"
    with _client(zotero_server) as client:
        first = push(refs, client, index_path=index)
    assert (len(first.created), len(first.already_present)) == (97, 3)
    # 97 papers and their comments' child notes, in batches of 50
    assert first.writes_made == -(-(len(zotero_server.items) - 3) // 50)
    version = zotero_server.library_version
    zotero_server.requests.clear()

    with _client(zotero_server) as client:
        second = push(refs, client, index_path=index)
    assert (second.created, second.writes_made, len(second.already_present)) == ([], 0, 100)
    prefix = f"/users/{zotero_server.user.id}"
    assert [(r.method, r.path, r.query.get("since")) for r in zotero_server.requests] == [
        ("GET", "/keys/current", None),
        ("GET", f"{prefix}/items/top", [str(version)]),
        ("GET", f"{prefix}/deleted", [str(version)]),
    ]
    assert second.refresh is not None and second.refresh.items_read == 0
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("cache.sqlite3*"))
    assert b"arxiv:2202.12139" in stored and WRITE_KEY.encode() not in stored


def test_the_index_follows_changes_made_by_others(zotero_server: ZoteroServer,
                                                  tmp_path: Path) -> None:
    refs = _sample_refs("abstracts-only.txt")
    index = tmp_path / "cache.sqlite3"
    with _client(zotero_server) as client:
        push(refs[:2], client, index_path=index)
    # Another client adds one of our papers (legacy shape) and deletes another.
    other = refs[2]
    zotero_server.add_item({"itemType": "journalArticle", "title": other.title,
                            "publicationTitle": f"arXiv:{other.arxiv_id} [cs]"})
    gone = next(k for k, d in zotero_server.items.items() if d["title"] == refs[0].title)
    zotero_server.delete_item(gone)
    with _client(zotero_server) as client:
        report = push(refs[:4], client, index_path=index)
    assert [p.reference.arxiv_id for p in report.created] == [refs[0].arxiv_id,
                                                              refs[3].arxiv_id]
    assert report.refresh is not None
    assert (report.refresh.full, report.refresh.items_read, report.refresh.deleted) == (
        False, 1, 1)
    assert _arxiv_counts(zotero_server) == Counter({r.arxiv_id: 1 for r in refs[:4]})


class _FaultAfterFirstBatch:
    """A Progress that makes the server misbehave once the first write batch is done."""

    def __init__(self, server: ZoteroServer, fault: str):
        self.server = server
        self.fault = fault
        self.stage = ""
        self.done = False

    def start(self, description: str, total: int | None) -> None:
        self.stage = description

    def advance(self, steps: int = 1) -> None:
        if self.stage.startswith("creating") and not self.done:
            self.done = True
            if self.fault == "drop":
                self.server.drop_connection(after_write=True, method="POST", path="/items")
            else:
                self.server.fail(int(self.fault), retry_after="0", method="POST",
                                 path="/items")

    def finish(self) -> None:
        pass


@pytest.mark.parametrize("fault", ["drop", "429", "500"])
def test_a_failure_mid_push_still_leaves_each_paper_exactly_once(
        zotero_server: ZoteroServer, tmp_path: Path, fault: str) -> None:
    refs = _atom_refs()
    _seed_shapes(zotero_server, refs)
    watcher = _FaultAfterFirstBatch(zotero_server, fault)
    with _client(zotero_server) as client:
        report = push(refs, client, index_path=tmp_path / "cache.sqlite3", progress=watcher)
    assert watcher.done and not zotero_server.pending_faults
    assert (len(report.created), len(report.already_present), report.failed) == (97, 3, [])
    assert len({p.key for p in report.created}) == 97
    assert _arxiv_counts(zotero_server) == Counter({r.arxiv_id: 1 for r in refs})
    batches = -(-(len(zotero_server.items) - 3) // 50)  # papers and comment notes
    assert len(zotero_server.requests_to("POST", "/items")) == batches + 1  # and 1 retry
    # and pushing again, even with a fresh index, creates nothing
    with _client(zotero_server) as client:
        again = push(refs, client, index_path=tmp_path / "fresh.sqlite3")
    assert (again.created, again.writes_made) == ([], 0)


def test_collection_paths_are_created_then_reused_and_present_papers_filed(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    refs = _sample_refs("arxiv-listing-abstracts.txt")
    seeded = _seed_shapes(zotero_server, refs)
    top = zotero_server.add_collection("Reading")
    index = tmp_path / "cache.sqlite3"
    with _client(zotero_server) as client:
        report = push(refs, client, collection="Reading/Alignment", tags=["refbridge"],
                      index_path=index)
    assert report.collections_created == ["Alignment"]
    sub = report.collection
    assert zotero_server.collections[sub]["parentCollection"] == top
    assert sorted(p.key for p in report.filed) == sorted(seeded.values())
    for data in zotero_server.items.values():
        if is_regular_item(data) and item_to_reference(data).arxiv_id:
            assert data["collections"] == [sub]
    created = [zotero_server.items[p.key] for p in report.created]
    # the arXiv categories' tags, then ours
    assert {json.dumps(d["tags"][-1]) for d in created} == {'{"tag": "refbridge"}'}
    assert report.writes_made == 3  # the subcollection, the new items, the filing

    with _client(zotero_server) as client:
        again = push(refs, client, collection="Reading/Alignment", index_path=index)
    assert (again.created, again.filed, again.collections_created, again.writes_made) == (
        [], [], [], 0)
    assert again.collection == sub


def test_a_dry_run_sends_no_write_and_says_what_it_would_do(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    refs = _sample_refs("abstracts-only.txt")
    _seed_shapes(zotero_server, refs)
    before = dict(zotero_server.items)
    with _client(zotero_server) as client:
        report = push([*refs, refs[4]], client, collection="New/Sub", dry_run=True,
                      index_path=tmp_path / "cache.sqlite3")
    assert _writes(zotero_server) == []
    assert zotero_server.items == before and zotero_server.collections == {}
    assert report.dry_run and report.collection is None
    assert report.collections_created == ["New", "Sub"]
    assert [p.reference.arxiv_id for p in report.created] == [r.arxiv_id for r in refs[3:]]
    assert [p.reference.arxiv_id for p in report.filed] == [r.arxiv_id for r in refs[:3]]
    # the paper given twice is queued once
    assert [p.reference.arxiv_id for p in report.already_present][-1] == refs[4].arxiv_id


def test_a_read_only_key_is_refused_before_anything_is_read(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    from bridge.errors import ZoteroAuthError
    from tests.servers.zotero_server import READ_KEY

    client = ZoteroClient(Settings(), api_key=READ_KEY, library=zotero_server.library,
                          url=zotero_server.url, sleep=lambda s: None)
    with client, pytest.raises(ZoteroAuthError, match="may read but not write"):
        push(_sample_refs("abstracts-only.txt"), client, index_path=tmp_path / "c.sqlite3")
    assert [r.path for r in zotero_server.requests] == ["/keys/current"]


def test_the_index_prefers_ids_and_refuses_a_title_match_across_ids() -> None:
    with LibraryIndex(":memory:", "user:1") as index:
        index.add_many([
            {"key": "AAAA2222", "version": 5, "itemType": "preprint", "title": "Attention",
             "date": "2017", "archiveID": "arXiv:1706.03762", "collections": ["CCCC4444"]},
            {"key": "BBBB3333", "version": 6, "itemType": "journalArticle",
             "title": "Deep Learning", "date": "2015", "DOI": "10.1038/NATURE14539"},
            {"key": "DDDD5555", "version": 7, "itemType": "note", "note": "x"},
        ])
        assert len(index) == 2
        found = index.find(Reference(arxiv_id="1706.03762", title="Other title"))
        assert found == IndexEntry("AAAA2222", 5, "preprint", ("CCCC4444",), "1706.03762")
        assert index.find(Reference(doi="10.1038/nature14539")).key == "BBBB3333"
        assert index.find(Reference(title="Deep  learning!", date="2015-05")).key == "BBBB3333"
        # same title and year, but another arXiv paper: not a duplicate
        assert index.find(Reference(arxiv_id="2001.00001", title="Attention",
                                    date="2017")) is None
        index.remove(["AAAA2222"])
        assert index.find(Reference(arxiv_id="1706.03762")) is None


# ---------------------------------------------------------------------------------- pull

SMALL_LIBRARY = [
    {"itemType": "journalArticle", "title": "Über die Quantenmechanik der Elektronen",
     "creators": [{"creatorType": "author", "firstName": "Erwin", "lastName": "Schrödinger"},
                  {"creatorType": "author", "firstName": "Ludwig", "lastName": "van Beethoven"}],
     "date": "1926-03", "publicationTitle": "Annalen der Physik", "volume": "79",
     "pages": "361-376", "DOI": "10.1002/andp.19263840404", "citationKey": "schrodinger1926"},
    {"itemType": "preprint", "title": "Specific versus General Principles for Constitutional AI",
     "creators": [{"creatorType": "author", "firstName": "Sandipan", "lastName": "Kundu"},
                  {"creatorType": "author", "name": "Anthropic"}],
     "date": "2023-10-20", "repository": "arXiv", "archiveID": "arXiv:2310.13798",
     "DOI": "10.48550/arXiv.2310.13798", "url": "https://arxiv.org/abs/2310.13798",
     "extra": "arXiv:2310.13798 [cs.CL]", "libraryCatalog": "arXiv.org"},
    {"itemType": "thesis", "title": "Recherches sur la théorie des quanta",
     "creators": [{"creatorType": "author", "firstName": "Louis", "lastName": "de Broglie"}],
     "date": "1924", "thesisType": "Ph.D. thesis", "university": "Université de Paris"},
]

GREEK_BOOK = {
    "itemType": "book", "title": "Καρυωτάκης: Ποιήματα & πεζά",
    "creators": [{"creatorType": "author", "firstName": "Κώστας", "lastName": "Καρυωτάκης"}],
    "date": "1938", "publisher": "Ίκαρος", "place": "Αθήνα"}

SMALL_BIBLATEX = """\
@article{schrodinger1926,
  title = {Über die Quantenmechanik der Elektronen},
  author = {Schrödinger, Erwin and van Beethoven, Ludwig},
  date = {1926-03},
  doi = {10.1002/andp.19263840404},
  journal = {Annalen der Physik},
  volume = {79},
  pages = {361--376},
  note = {read this},
}

@online{kundu2023specific,
  title = {Specific versus General Principles for Constitutional {AI}},
  author = {Kundu, Sandipan and {Anthropic}},
  date = {2023-10-20},
  eprint = {2310.13798},
  eprinttype = {arxiv},
  eprintclass = {cs.CL},
  doi = {10.48550/arXiv.2310.13798},
  url = {https://arxiv.org/abs/2310.13798},
}

@phdthesis{broglie1924recherches,
  title = {Recherches sur la théorie des quanta},
  author = {de Broglie, Louis},
  date = {1924},
  school = {Université de Paris},
}

@book{anon1938,
  title = {Καρυωτάκης: Ποιήματα \\& πεζά},
  author = {Καρυωτάκης, Κώστας},
  date = {1938},
  publisher = {Ίκαρος},
  address = {Αθήνα},
}
"""

SMALL_BIB = """\
@article{schrodinger1926,
  title = {{\\"U}ber die Quantenmechanik der Elektronen},
  author = {Schr{\\"o}dinger, Erwin and van Beethoven, Ludwig},
  year = {1926},
  month = mar,
  doi = {10.1002/andp.19263840404},
  journal = {Annalen der Physik},
  volume = {79},
  pages = {361--376},
  note = {read this},
}

@misc{kundu2023specific,
  title = {Specific versus General Principles for Constitutional {AI}},
  author = {Kundu, Sandipan and {Anthropic}},
  year = {2023},
  eprint = {2310.13798},
  archivePrefix = {arXiv},
  primaryClass = {cs.CL},
  doi = {10.48550/arXiv.2310.13798},
  url = {https://arxiv.org/abs/2310.13798},
}

@phdthesis{broglie1924recherches,
  title = {Recherches sur la th{\\'e}orie des quanta},
  author = {de Broglie, Louis},
  year = {1924},
  school = {Université de Paris},
}
"""


def _seed_library(server: ZoteroServer) -> list[str]:
    # Items come out in the order they were added; make that order certain.
    keys = [server.add_item({**item, "dateAdded": f"2024-01-0{n + 1}T10:00:00Z"})
            for n, item in enumerate(SMALL_LIBRARY)]
    server.add_item({"itemType": "note", "note": "<p>read this</p>", "parentItem": keys[0]})
    return keys


def test_pull_writes_a_mixed_unicode_library_as_exact_bibtex(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    _seed_library(zotero_server)
    out = tmp_path / "library.bib"
    with _client(zotero_server) as client:
        report = pull_to_file(client, out, dialect="bibtex", index_path=tmp_path / "c.sqlite3")
    text = out.read_text(encoding="utf-8")
    assert text == SMALL_BIB
    assert report.added == ["schrodinger1926", "kundu2023specific", "broglie1924recherches"]
    back = read_bibtex(text, str(out))
    assert [r.title for r in back] == [i["title"] for i in SMALL_LIBRARY]
    assert [r.arxiv_id for r in back] == [None, "2310.13798", None]
    assert [[a.display() for a in r.authors] for r in back] == [
        ["Erwin Schrödinger", "Ludwig van Beethoven"], ["Sandipan Kundu", "Anthropic"],
        ["Louis de Broglie"]]


def test_pull_round_trips_through_biblatex_with_greek_names(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    _seed_library(zotero_server)
    zotero_server.add_item({**GREEK_BOOK, "dateAdded": "2024-02-01T10:00:00Z"})
    out = tmp_path / "library.bib"
    with _client(zotero_server) as client:
        pull_to_file(client, out, dialect="biblatex", index_path=tmp_path / "c.sqlite3")
    text = out.read_text(encoding="utf-8")
    assert text == SMALL_BIBLATEX
    back = read_bibtex(text, str(out))
    library = [*SMALL_LIBRARY, GREEK_BOOK]
    assert [r.title for r in back] == [i["title"] for i in library]
    assert [r.date for r in back] == [i["date"] for i in library]
    assert [[a.display() for a in r.authors] for r in back][-1] == ["Κώστας Καρυωτάκης"]


def test_pull_of_one_collection_with_subcollections(zotero_server: ZoteroServer) -> None:
    keys = _seed_library(zotero_server)
    top = zotero_server.add_collection("Physics")
    sub = zotero_server.add_collection("Old", top)
    client = _client(zotero_server)
    with client:
        update = client.update_items([
            {"key": keys[0], "version": zotero_server.items[keys[0]]["version"],
             "collections": [top]},
            {"key": keys[2], "version": zotero_server.items[keys[2]]["version"],
             "collections": [sub]}])
        assert update.ok
        flat = pull(client, collection="Physics")
        deep = pull(client, collection="Physics", recursive=True)
        only_sub = pull(client, collection="Physics/Old")
    assert [r.key for r in flat] == ["schrodinger1926"]
    assert [r.key for r in deep] == ["schrodinger1926", "broglie1924recherches"]
    assert [r.key for r in only_sub] == ["broglie1924recherches"]
    # Zotero citation keys are kept (made safe for BibTeX); a clash gets a made key
    zotero_server.add_item({"itemType": "book", "title": "Twin", "date": "2001",
                            "citationKey": "Schrodinger1926", "dateAdded": "2025-01-01"})
    zotero_server.add_item({"itemType": "book", "title": "Spaced", "date": "2002",
                            "extra": "Citation Key: my key{2002}", "dateAdded": "2025-01-02"})
    with _client(zotero_server) as client:
        assert [r.key for r in pull(client)] == [
            "schrodinger1926", "kundu2023specific", "broglie1924recherches", "anon2001twin",
            "mykey2002"]
    assert deep[0].provenance is not None and deep[0].provenance.zotero_key == keys[0]


def test_re_pull_changes_exactly_the_entry_of_the_item_that_changed(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    keys = _seed_library(zotero_server)
    out = tmp_path / "library.bib"
    with _client(zotero_server) as client:
        pull_to_file(client, out, index_path=tmp_path / "c.sqlite3")
        first = out.read_text(encoding="utf-8")
        # The user edits the file by hand: a comment and a field of their own.
        edited = "% my notes\n" + first.replace("  volume = {79},\n",
                                                "  volume = {79},\n  keywords = {classic},\n")
        out.write_text(edited, encoding="utf-8")
        unchanged = pull_to_file(client, out, index_path=tmp_path / "c.sqlite3")
        assert out.read_text(encoding="utf-8") == edited
        assert (unchanged.written, unchanged.updated, unchanged.added) == (False, [], [])

        thesis = zotero_server.items[keys[2]]
        result = client.update_items([{"key": keys[2], "version": thesis["version"],
                                       "title": "Recherches sur la théorie des quanta (thèse)"}])
        assert result.ok
        zotero_server.add_item({"itemType": "webpage", "title": "CTAN", "date": "2006",
                                "url": "http://www.ctan.org"})
        report = pull_to_file(client, out, index_path=tmp_path / "c.sqlite3")
    new = out.read_text(encoding="utf-8")
    assert report.updated == ["broglie1924recherches"]
    assert report.added == ["anon2006ctan"]
    old_entry = "  title = {Recherches sur la th{\\'e}orie des quanta},\n"
    new_entry = "  title = {Recherches sur la th{\\'e}orie des quanta (th{\\`e}se)},\n"
    appended = ("\n@misc{anon2006ctan,\n  title = {{CTAN}},\n  year = {2006},\n"
                "  url = {http://www.ctan.org},\n}\n")
    assert new == edited.replace(old_entry, new_entry) + appended


# ------------------------------------------- hostile or sloppy answers, through the CLI too

def _cli(*args: str, input: str | None = None):
    from click.testing import CliRunner

    from bridge.cli import cli

    return CliRunner().invoke(cli, list(args), input=input)


def _synthetic_items(server: ZoteroServer, count: int) -> list[Reference]:
    refs = [Reference(arxiv_id=f"2401.{i:05d}", title=f"Synthetic study number {i}",
                      date="2024-01-02") for i in range(1, count + 1)]
    server.add_items([{"itemType": "preprint", "title": ref.title, "date": ref.date,
                       "repository": "arXiv", "archiveID": f"arXiv:{ref.arxiv_id}"}
                      for ref in refs])
    return refs


def test_a_miscounted_total_does_not_end_the_listing_early(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    refs = _synthetic_items(zotero_server, 250)
    zotero_server.miscount_total(-150)  # says 100: no next link after the first page
    with _client(zotero_server) as client:
        assert len(list(client.iter_items())) == 250
        report = push(refs, client, index_path=tmp_path / "cache.sqlite3")
    assert (len(report.created), len(report.already_present)) == (0, 250)
    assert len(zotero_server.items) == 250


def test_a_write_answer_that_omits_an_object_counts_it_failed(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    refs = [Reference(arxiv_id=f"2402.{i:05d}", title=f"Paper {i}", date="2024-02-01")
            for i in (1, 2)]
    zotero_server.reply(200, '{"success": {"0": "ABCD2345"}, "unchanged": {}, "failed": {}}',
                        method="POST", path="/items", after_write=True)
    with _client(zotero_server) as client:
        report = push(refs, client, index_path=tmp_path / "cache.sqlite3")
    assert [(p.reference.arxiv_id, p.key) for p in report.created] == [("2402.00001",
                                                                          "ABCD2345")]
    assert [(p.reference.arxiv_id, p.reason) for p in report.failed] == [(
        "2402.00002", "item 1 ('Paper 2'): Zotero refused it with 0: Zotero's answer does not "
        "mention it; not counted as written")]


def test_a_401_is_a_key_problem_exit_2(service_env: Any, tmp_path: Path) -> None:
    _, zotero = service_env
    zotero.fail(401, path="/keys/current")
    result = _cli("pull", "-o", str(tmp_path / "out.bib"))
    assert (result.exit_code, result.stderr) == (2, (
        "refbridge: error: Zotero does not accept this API key: check ZOTERO_API_KEY (keys "
        "are listed at https://www.zotero.org/settings/keys): Injected error 401 "
        f"(GET {zotero.url}/keys/current)\n"))


_MALFORMED = [
    ("pull", "GET", "/keys/current", "<html>oops</html>", "Zotero's answer is not JSON"),
    ("pull", "GET", "/keys/current", "[]", "Zotero's answer is not an object as the API "
                                           "documents"),
    ("pull", "GET", "/items", "{}", "Zotero's answer is not a list as the API documents"),
    ("pull", "GET", "/items", "[1, 2]", "Zotero's list holds something that is not an object "
                                        "with a key"),
    ("push", "POST", "/items", '{"successful": "all"}', "Zotero's write answer has a malformed "
                                                        "'successful'"),
    ("push", "POST", "/items", "{}", "Zotero's write answer says nothing about the objects "
                                     "sent"),
]


@pytest.mark.parametrize(("command", "method", "path", "body", "message"), _MALFORMED)
def test_malformed_json_is_one_line_and_exit_3(
        service_env: Any, tmp_path: Path, command: str, method: str, path: str, body: str,
        message: str) -> None:
    _, zotero = service_env
    zotero.reply(200, body, method=method, path=path)
    args = {"pull": ["pull", "-o", str(tmp_path / "out.bib")], "push": ["push", "-"]}[command]
    result = _cli(*args, input="arXiv:1111.2011\n")
    assert result.exit_code == 3
    assert re.fullmatch(
        rf"refbridge: error: {re.escape(message)}: {re.escape(body)} \({method} "
        rf"{re.escape(zotero.url)}\S*{re.escape(path)}\S*\)\. Nothing was lost: try again "
        r"later\.\n", result.stderr), result.stderr
    assert not (tmp_path / "out.bib").exists()


class _RivalPush:
    """A Progress that, when its push is about to create items, lets a rival push the same
    papers to completion first: the first push's write then meets a library that changed
    (412) and already holds every paper."""

    def __init__(self, server: ZoteroServer, refs: list[Reference], index: Path):
        self.server, self.refs, self.index = server, refs, index
        self.rival: Any = None

    def start(self, description: str, total: int | None) -> None:
        if description.startswith("creating Zotero items") and self.rival is None:
            with _client(self.server) as rival:
                self.rival = push(self.refs, rival, collection="Reading",
                                  index_path=self.index)

    def advance(self, steps: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


def test_a_push_racing_another_creates_nothing_twice(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    refs = [Reference(arxiv_id=f"2403.{i:05d}", title=f"Raced paper {i}", date="2024-03-01")
            for i in range(1, 61)]
    rival = _RivalPush(zotero_server, refs, tmp_path / "rival.sqlite3")
    with _client(zotero_server) as client:
        report = push(refs, client, collection="Reading", index_path=tmp_path / "mine.sqlite3",
                      progress=rival)
    assert (len(rival.rival.created), len(report.created)) == (60, 0)
    assert len(report.already_present) == 60
    assert len(zotero_server.items) == 60
    assert [c["name"] for c in zotero_server.collections.values()] == ["Reading"]
    # 412 on the first batch; the re-read finds all 60, so the second batch is never sent
    posts = [r for r in zotero_server.requests_to("POST", "/items")]
    assert [len(r.json()) for r in posts] == [50, 10, 50]


def test_a_collection_created_meanwhile_is_used_not_made_again(
        zotero_server: ZoteroServer) -> None:
    with _client(zotero_server) as mine, _client(zotero_server) as theirs:
        assert mine.collections() == []              # we look: no such collection
        made = theirs.create_collection("Reading")   # they make it meanwhile
        key = mine.create_collection("Reading", find_existing=lambda: next(
            (c["key"] for c in mine.collections() if c["name"] == "Reading"), None))
    assert key == made
    assert list(zotero_server.collections) == [made]
