"""`--published` and `refbridge published` end to end: the real CLI and clients over
sockets, against loopback arXiv, Crossref, Semantic Scholar, DBLP (and Zotero) servers
loaded with tests/published_papers.py."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import bridge
from bridge.cli import cli
from bridge.readers.bibtex import parse_bib
from bridge.zotero.items import is_regular_item
from tests import published_papers
from tests.paths import SAMPLES
from tests.sample_papers import load_sample_papers
from tests.servers.arxiv_server import ArxivServer
from tests.servers.crossref_server import CrossrefServer
from tests.servers.dblp_server import DblpServer
from tests.servers.s2_server import S2Server
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

from .texlive import requires_texlive, run_biber, run_bibtex

LISTING = str(SAMPLES / "arxiv-listing-abstracts.txt")
S2_KEY = "s2-key-Hq7LmN2pXvR8sT"


@dataclass
class Services:
    arxiv: ArxivServer
    crossref: CrossrefServer
    s2: S2Server
    dblp: DblpServer
    cache: Path

    def requests(self) -> tuple[int, int, int]:
        return len(self.crossref.requests), len(self.s2.requests), len(self.dblp.requests)


@pytest.fixture
def services(isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
             ) -> Iterator[Services]:
    with ArxivServer() as arxiv, \
            published_papers.serving(tmp_path, monkeypatch, s2_key=S2_KEY) as (crossref, s2,
                                                                               dblp):
        load_sample_papers(arxiv)
        monkeypatch.setenv("REFBRIDGE_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0")
        yield Services(arxiv, crossref, s2, dblp, isolated_env)


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


IDS = "\n".join(["2110.10802", "1610.01959", "2310.13548", "2107.03374", "2302.07459",
                 "2204.05862", "2209.07858", "2308.03296", "2207.05221"]) + "\n"


def _entries(path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    document = parse_bib(path.read_text(), str(path))
    return {e.key: (e.entry_type, e.fields) for e in document.entries}


# ------------------------------------------------------------------------ import


def test_import_published_upgrades_only_verified_papers(services: Services, tmp_path: Path):
    plain, upgraded = tmp_path / "plain.bib", tmp_path / "published.bib"
    assert run("import", "-", "-o", str(plain), input=IDS).exit_code == 0
    assert services.requests() == (0, 0, 0)        # without the flag nothing is asked
    result = run("import", "-", "-o", str(upgraded), "--published", input=IDS)
    assert result.exit_code == 0, result.output
    before, after = _entries(plain), _entries(upgraded)
    assert list(after) == list(before)             # the same keys, in the same order
    types = {key: entry_type for key, (entry_type, _) in after.items()}
    assert types == {
        "rausch2021data": "inproceedings",          # arXiv's own DOI -> Crossref
        "markopoulos2016efficient": "article",      # Semantic Scholar's DOI -> Crossref
        "sharma2023towards": "inproceedings",       # Semantic Scholar's DBLP key -> DBLP
        "chen2021evaluating": "misc",               # only DBLP's CoRR copy
        "ganguli2023capacity": "misc",              # S2's DOI is arXiv's own
        "bai2022training": "misc",                  # decoy: same title, other authors
        "ganguli2022red": "misc",                   # decoy: "published" before the preprint
        "grosse2023studying": "article",            # title gained a subtitle: accepted
        "kadavath2022language": "misc",             # decoy: a preprint server's DOI
    }
    for key in ("chen2021evaluating", "ganguli2023capacity", "bai2022training",
                "ganguli2022red", "kadavath2022language"):
        assert after[key] == before[key]            # left exactly as without --published
    article = after["markopoulos2016efficient"][1]
    assert {k: article[k] for k in ("year", "doi", "journal", "volume", "number", "pages",
                                    "eprint", "archiveprefix", "primaryclass", "url")} == {
        "year": "2017", "doi": "10.1109/TSP.2017.2708023",
        "journal": "IEEE Transactions on Signal Processing", "volume": "65", "number": "16",
        "pages": "4252--4264", "eprint": "1610.01959", "archiveprefix": "arXiv",
        "primaryclass": "cs.DS", "url": "https://arxiv.org/abs/1610.01959"}
    iclr = after["sharma2023towards"][1]
    assert (iclr["year"], iclr["publisher"], iclr["eprint"]) == (
        "2024", "OpenReview.net", "2310.13548")
    assert iclr["booktitle"].startswith("The Twelfth International Conference on Learning")
    ics = after["rausch2021data"][1]
    assert (ics["doi"], ics["year"], ics["pages"], ics["publisher"]) == (
        "10.1145/3524059.3532364", "2022", "1--13", "ACM")
    assert "refbridge: 4 published versions taken, 3 refused, 2 preprints without one" \
        in result.stderr
    assert ("refbridge: published version refused: arXiv:2204.05862 (<stdin>:6): only 0/31 "
            "authors in common (< 50%)") in result.stderr
    assert ("refbridge: published version refused: arXiv:2209.07858 (<stdin>:7): published "
            "2021, before the preprint (2022)") in result.stderr
    # One batch to Semantic Scholar; one request per DOI followed; one per DBLP key.
    assert services.requests() == (4, 1, 3)


def test_a_second_run_makes_no_request(services: Services, tmp_path: Path):
    for name in ("first.bib", "second.bib"):
        assert run("import", "-", "-o", str(tmp_path / name), "--published",
                   input=IDS).exit_code == 0
    assert services.requests() == (4, 1, 3)
    assert (tmp_path / "first.bib").read_text() == (tmp_path / "second.bib").read_text()
    with sqlite3.connect(services.cache) as db:
        assert db.execute("SELECT count(*) FROM published_answers").fetchone()[0] == 8 + 4 + 3


def test_no_cache_asks_again_and_offline_asks_nothing(services: Services, tmp_path: Path):
    out = tmp_path / "o.bib"
    assert run("import", "-", "-o", str(out), "--published", "--offline",
               input=IDS).exit_code == 1                    # arXiv unknown offline
    assert services.requests() == (0, 0, 0)
    for _ in range(2):
        out.unlink(missing_ok=True)
        assert run("import", "-", "-o", str(out), "--published", "--no-cache",
                   input=IDS).exit_code == 0
    assert services.requests() == (8, 2, 6)


def test_a_failing_service_is_exit_3_and_the_output_stays(services: Services, tmp_path: Path):
    out = tmp_path / "refs.bib"
    out.write_text("% mine\n")
    services.s2.fail(503, times=10)
    result = run("import", "-", "-o", str(out), "--published", input=IDS)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        "refbridge: error: Semantic Scholar failed after 6 attempts: HTTP 503 Service "
        "Unavailable. Nothing was lost: try again later.")
    assert out.read_text() == "% mine\n"


def test_faults_are_retried(services: Services, tmp_path: Path):
    services.s2.fail(429, retry_after=0)
    services.crossref.fail(503)
    services.dblp.fail(429, retry_after=0)
    services.dblp.drop_connection()
    result = run("import", "-", "-o", str(tmp_path / "r.bib"), "--published", input=IDS)
    assert result.exit_code == 0, result.output
    assert "4 published versions taken" in result.stderr
    assert services.requests() == (5, 2, 5)


def test_the_s2_key_is_sent_in_its_header_only(services: Services, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("S2_API_KEY", S2_KEY)
    result = run("import", "-", "-o", str(tmp_path / "r.bib"), "--published", "--json",
                 input=IDS)
    assert result.exit_code == 0
    (request,) = services.s2.requests
    assert request.headers["x-api-key"] == S2_KEY
    assert S2_KEY not in request.raw_target
    assert S2_KEY not in result.output
    assert all("x-api-key" not in r.headers for r in services.crossref.requests)
    assert all("x-api-key" not in r.headers for r in services.dblp.requests)
    for path in services.cache.parent.iterdir():
        if path.is_file():
            assert S2_KEY.encode() not in path.read_bytes()


# ------------------------------------------------------------------------ enrich


BIB = """% my library
@misc{markopoulos2016efficient,
  title = {Efficient L1-Norm Principal-Component Analysis via Bit Flipping},
  author = {Markopoulos, Panos P. and Kundu, Sandipan},
  year = {2016},
  eprint = {1610.01959},
  archivePrefix = {arXiv},
  primaryClass = {cs.DS},
  doi = {10.48550/arXiv.1610.01959},
  url = {https://arxiv.org/abs/1610.01959},
}

@Article{Sharma2023,
    Title   = {Towards Understanding Sycophancy in Language Models},
    Author  = {Mrinank Sharma and Meg Tong},
    Journal = {arXiv preprint arXiv:2310.13548},
    Year    = {2023}
}

@inproceedings{vaswani2017attention,
  title = {Attention Is All You Need},
  booktitle = {NeurIPS},
  year = {2017},
}
"""

BIB_PUBLISHED = """% my library
@article{markopoulos2016efficient,
  title = {Efficient L1-Norm Principal-Component Analysis via Bit Flipping},
  author = {Markopoulos, Panos P. and Kundu, Sandipan},
  year = {2017},
  eprint = {1610.01959},
  archivePrefix = {arXiv},
  primaryClass = {cs.DS},
  doi = {10.1109/TSP.2017.2708023},
  url = {https://arxiv.org/abs/1610.01959},
  abstract = {ABSTRACT},
  journal = {IEEE Transactions on Signal Processing},
  volume = {65},
  number = {16},
  pages = {4252--4264},
}

@InProceedings{Sharma2023,
    Title   = {Towards Understanding Sycophancy in Language Models},
    Author  = {Mrinank Sharma and Meg Tong},
    Eprint  = {2310.13548},
    Archiveprefix = {arXiv},
    Primaryclass = {cs.CL},
    Url     = {https://arxiv.org/abs/2310.13548},
    Abstract = {ABSTRACT},
    Booktitle = {The Twelfth International Conference on Learning Representations, ICLR 2024, \
Vienna, Austria, May 7-11, 2024},
    Publisher = {OpenReview.net},
    Year    = {2024}
}

@inproceedings{vaswani2017attention,
  title = {Attention Is All You Need},
  booktitle = {NeurIPS},
  year = {2017},
}
"""


def _without_abstracts(text: str) -> str:
    import re

    return re.sub(r"(?m)^(\s*abstract\s*=\s*)\{.*\},$", r"\1{ABSTRACT},", text, flags=re.I)


def test_enrich_published_changes_only_those_entries_in_their_style(services: Services,
                                                                     tmp_path: Path):
    path = tmp_path / "refs.bib"
    path.write_text(BIB)
    dry = run("enrich", str(path), "--published", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert path.read_text() == BIB                      # --dry-run writes nothing
    assert "-@misc{markopoulos2016efficient,\n+@article{markopoulos2016efficient," \
        in dry.stdout
    assert "-  year = {2016},\n+  year = {2017}," in dry.stdout
    assert "-    Journal = {arXiv preprint arXiv:2310.13548},\n" in dry.stdout
    result = run("enrich", str(path), "--published", "--in-place", "--json")
    assert result.exit_code == 0
    assert _without_abstracts(path.read_text()) == BIB_PUBLISHED
    report = json.loads(result.stdout)
    assert report["edited"] == ["markopoulos2016efficient", "Sharma2023"]
    assert {(c["record"], c["field"], c["new"]) for c in report["changes"]} >= {
        ("markopoulos2016efficient", "entry_type", "article"),
        ("markopoulos2016efficient", "doi", "10.1109/TSP.2017.2708023"),
        ("Sharma2023", "entry_type", "inproceedings"),
        ("Sharma2023", "publisher", "OpenReview.net")}
    assert [(p["key"], p["status"]) for p in report["published"]] == [
        ("markopoulos2016efficient", "published"), ("Sharma2023", "published")]
    # Enriching again changes nothing: they are published entries now.
    again = run("enrich", str(path), "--published", "--dry-run")
    assert again.stdout == "" and "would change 0 entries" in again.stderr


# ------------------------------------------------------------------------ report


def test_published_command_reports_and_changes_nothing(services: Services, tmp_path: Path):
    result = run("published", LISTING, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["published"]
    assert [(r["key"], r["arxiv_id"], r["status"], r["source"], r["doi"], r["score"])
            for r in rows] == [
        ("kundu2023specific", "2310.13798", "none", None, None, None),
        ("sharma2023towards", "2310.13548", "published", "Semantic Scholar -> DBLP", None, 100.0),
        ("radhakrishnan2023question", "2307.11768", "none", None, None, None),
        ("lanham2023measuring", "2307.13702", "none", None, None, None),
        ("finelicht2022python", "2212.13768", "none", None, None, None),
        ("perez2022discovering", "2212.09251", "published", "Semantic Scholar -> Crossref",
         "10.18653/v1/2023.findings-acl.847", 100.0),
        ("rausch2021data", "2110.10802", "published", "arXiv DOI -> Crossref",
         "10.1145/3524059.3532364", 100.0),
        ("schafer2020towards", "2011.01696", "none", None, None, None)]
    assert rows[2]["reason"] == "only the arXiv version is known (DBLP: CoRR)"
    assert rows[3]["reason"] == "unknown to Semantic Scholar"
    assert list(tmp_path.glob("*.bib")) == []


def test_published_table(services: Services):
    result = run("published", "-", input="2209.07858\n2110.10802\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "KEY             ARXIV       VENUE                                     DOI         "
        "             SOURCE                    SCORE  RESULT",
        "ganguli2022red  2209.07858  Proceedings of a Decoy Workshop 2021      -           "
        "             Semantic Scholar -> DBLP  100    refused: published 2021, before the "
        "preprint (2022)",
        "rausch2021data  2110.10802  Proceedings of the 36th ACM Internati...  "
        "10.1145/3524059.3532364  arXiv DOI -> Crossref     100    published"]


# ------------------------------------------------------------------------ Zotero


def test_push_published_makes_the_translators_items(services: Services,
                                                    zotero_server: ZoteroServer,
                                                    monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REFBRIDGE_ZOTERO_URL", zotero_server.url)
    monkeypatch.setenv("ZOTERO_API_KEY", WRITE_KEY)
    # 2310.13548 is already in the library as its preprint.
    assert run("push", "-", input="2310.13548\n").exit_code == 0
    result = run("push", "-", "--published", "--json",
                 input="2310.13548\n1610.01959\n2110.10802\n")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (len(report["created"]), len(report["already_present"])) == (2, 1)
    (line,) = [x for x in result.stderr.splitlines() if "already in the library" in x]
    assert line.startswith("refbridge: already in the library, kept as it is (not created "
                           "again as its published version): arXiv:2310.13548 (Zotero item ")
    items = [d for d in zotero_server.items.values() if is_regular_item(d)]
    data = {item.get("data", item)["extra"].split()[0]: item.get("data", item)
            for item in items}
    assert sorted(data) == ["arXiv:1610.01959", "arXiv:2110.10802", "arXiv:2310.13548"]
    assert data["arXiv:2310.13548"]["itemType"] == "preprint"      # reported, not duplicated
    article = data["arXiv:1610.01959"]
    assert {k: article[k] for k in ("itemType", "publicationTitle", "volume", "issue",
                                     "pages", "DOI", "url", "libraryCatalog", "extra")} == {
        "itemType": "journalArticle", "publicationTitle": "IEEE Transactions on Signal "
        "Processing", "volume": "65", "issue": "16", "pages": "4252-4264",
        "DOI": "10.1109/TSP.2017.2708023", "url": "http://arxiv.org/abs/1610.01959",
        "libraryCatalog": "arXiv.org", "extra": "arXiv:1610.01959 [cs.DS]"}
    paper = data["arXiv:2110.10802"]
    assert (paper["itemType"], paper["proceedingsTitle"], paper["DOI"]) == (
        "conferencePaper", published_papers.ICS22, "10.1145/3524059.3532364")


# ------------------------------------------------------------------------ TeX


@pytest.mark.texlive
@requires_texlive[1]
@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_bibtex_and_biber_are_clean_on_the_result(services: Services, tmp_path: Path,
                                                  fmt: str):
    out = tmp_path / "refs.bib"
    assert run("import", "-", "-o", str(out), "--published", "--format", fmt,
               input=IDS).exit_code == 0
    work = tmp_path / "tex"
    work.mkdir()
    if fmt == "bibtex":
        tex = run_bibtex(out.read_text(), work)
        assert tex.returncode == 0 and tex.bibtex_problems() == []
    else:
        tex = run_biber(out.read_text(), work)
        assert tex.returncode == 0 and tex.biber_problems() == []
    assert tex.final_returncode == 0
    assert "IEEE Transactions on Signal Processing" in tex.bbl


# ------------------------------------------------------------------------ Python API


def test_upgrade_published_is_the_one_call_for_resolved_references(services: Services):
    """What `refbridge tex --published` calls on the entries it has resolved."""
    resolution = bridge.resolve_references(
        [bridge.Reference(arxiv_id="1610.01959", key="cited-as-this"),
         bridge.Reference(arxiv_id="2107.03374", key="codex"),
         bridge.Reference(title="The TeXbook", entry_type="book", key="knuth")])
    refs, findings = bridge.upgrade_published(resolution.references)
    assert [(r.key, r.entry_type) for r in refs] == [
        ("cited-as-this", "article"), ("codex", None), ("knuth", "book")]
    assert refs[1] is resolution.references[1] and refs[2] is resolution.references[2]
    assert [(f.preprint.key, f.status) for f in findings] == [
        ("cited-as-this", "published"), ("codex", "none")]


def test_enrich_published_upgrades_dblps_corr_entry(services: Services, tmp_path: Path):
    # DBLP's own export of an arXiv paper (journal CoRR, volume abs/ID) is a preprint too;
    # its CoRR fields go, with their lines, and the entry keeps its alignment.
    path = tmp_path / "dblp.bib"
    path.write_text("@article{DBLP:journals/corr/abs-2212-09251,\n"
                    "  author    = {Ethan Perez and Sam Ringer},\n"
                    "  title     = {Discovering Language Model Behaviors with Model-Written "
                    "Evaluations},\n"
                    "  journal   = {CoRR},\n"
                    "  volume    = {abs/2212.09251},\n"
                    "  year      = {2022}\n"
                    "}\n")
    assert run("enrich", str(path), "--published", "--in-place").exit_code == 0
    assert [line for line in path.read_text().splitlines() if "abstract" not in line] == [
        "@inproceedings{DBLP:journals/corr/abs-2212-09251,",
        "  author    = {Ethan Perez and Sam Ringer},",
        "  title     = {Discovering Language Model Behaviors with Model-Written Evaluations},",
        "  eprint    = {2212.09251},",
        "  archivePrefix = {arXiv},",
        "  primaryClass = {cs.CL},",
        "  doi       = {10.18653/v1/2023.findings-acl.847},",
        "  url       = {https://arxiv.org/abs/2212.09251},",
        "  booktitle = {Findings of the Association for Computational Linguistics: ACL 2023},",
        "  pages     = {13387--13434},",
        "  publisher = {Association for Computational Linguistics},",
        "  year      = {2023}",
        "}"]


def test_tex_published_upgrades_what_it_resolves_and_never_a_copied_entry(
        services: Services, tmp_path: Path):
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\\begin{document}\n"
        "\\cite{2110.10802,arXiv:2204.05862} and \\cite{mine}\n"
        "\\bibliography{refs}\\end{document}\n")
    # The master's copy of a paper that has a published version stays the user's bytes.
    master = "@misc{mine,\n  title = {Mine},\n  eprint = {1610.01959},\n}\n"
    (tmp_path / "master.bib").write_text(master)
    paper, refs = str(tmp_path / "paper.tex"), tmp_path / "refs.bib"
    plain = run("tex", paper, "--bib", str(tmp_path / "master.bib"), "--dry-run")
    assert plain.exit_code == 0, plain.output
    assert services.requests() == (0, 0, 0)        # without the flag nothing is asked
    result = run("tex", paper, "--bib", str(tmp_path / "master.bib"), "--published")
    assert result.exit_code == 0, result.output
    entries = _entries(refs)
    assert {key: entry_type for key, (entry_type, _) in entries.items()} == {
        "2110.10802": "inproceedings",              # arXiv's own DOI -> Crossref
        "arXiv:2204.05862": "misc",                 # decoy refused: stays the preprint
        "mine": "misc"}                             # copied byte for byte, never upgraded
    assert entries["2110.10802"][1]["doi"] == "10.1145/3524059.3532364"
    assert master in refs.read_text()
    assert "refbridge: 1 published versions taken, 1 refused, 0 preprints without one" \
        in result.stderr
