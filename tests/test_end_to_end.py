"""The commands end to end: the real CLI, the real arXiv client over sockets, the loopback arXiv
server loaded with the samples' papers (tests/data/sample_papers.json)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.names import format_bibtex_name, split_plain_name
from bridge.readers.bibtex import parse_bib
from tests.paths import REPO, SAMPLES
from tests.sample_papers import PAPERS, load_sample_papers
from tests.servers.arxiv_server import ArxivServer
from tests.test_resolve_e2e import EXPECTED_IDS

INCOMPLETE = REPO / "samples" / "incomplete.bib"


@pytest.fixture
def arxiv(arxiv_server: ArxivServer, isolated_env: Path,
          monkeypatch: pytest.MonkeyPatch) -> ArxivServer:
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", arxiv_server.url)
    monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
    return load_sample_papers(arxiv_server)


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def entries(path: Path):
    return parse_bib(path.read_text("utf-8"), str(path)).references


@pytest.mark.parametrize("sample", sorted(EXPECTED_IDS))
def test_import_resolves_every_paper_of_a_sample(arxiv: ArxivServer, tmp_path: Path,
                                                 sample: str):
    out = tmp_path / "refs.bib"
    result = run("import", str(SAMPLES / sample), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    written = entries(out)
    assert out.read_text("utf-8").count("archivePrefix = {arXiv},") == len(written)
    assert [r.arxiv_id for r in written] == list(dict.fromkeys(EXPECTED_IDS[sample]))
    for ref in written:
        paper = PAPERS[ref.arxiv_id]
        assert ref.title == paper["title"]
        assert [a.display() for a in ref.authors] == paper["authors"]
        assert ref.date == paper["versions"][0]["date"][:4]
        assert ref.primary_category == paper["primary_category"]
        assert ref.abstract
    assert result.stderr.splitlines()[-2:] == [
        f"refbridge: {len(written) if sample == 'arxiv-listing-abstracts.txt' else 0} resolved, "
        f"{0 if sample == 'arxiv-listing-abstracts.txt' else len(written)} found by search, "
        "0 not found",
        f"refbridge: wrote {len(written)} entries to {out}",
    ]


def test_the_first_entry_is_arxivs_own_export_shape(arxiv: ArxivServer, tmp_path: Path):
    out = tmp_path / "refs.bib"
    run("import", "-", "-o", str(out), input="arXiv:2212.08073\n")
    paper = PAPERS["2212.08073"]
    authors = " and ".join(format_bibtex_name(split_plain_name(name), latex=True)
                           for name in paper["authors"])
    assert out.read_text("utf-8") == (
        "@misc{bai2022constitutional,\n"
        "  title = {Constitutional {AI}: Harmlessness from {AI} Feedback},\n"
        f"  author = {{{authors}}},\n"
        "  year = {2022},\n"
        "  eprint = {2212.08073},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.CL},\n"
        "  doi = {10.48550/arXiv.2212.08073},\n"
        "  url = {https://arxiv.org/abs/2212.08073},\n"
        f"  abstract = {{{paper['abstract']}}},\n"
        "}\n"
    )


def test_a_second_run_makes_no_request(arxiv: ArxivServer, tmp_path: Path):
    sample = str(SAMPLES / "aggregator-listing.txt")
    assert run("import", sample, "-o", str(tmp_path / "a.bib")).exit_code == 0
    cold = len(arxiv.requests)
    assert cold > 0
    assert run("import", sample, "-o", str(tmp_path / "b.bib")).exit_code == 0
    assert len(arxiv.requests) == cold
    assert (tmp_path / "a.bib").read_bytes() == (tmp_path / "b.bib").read_bytes()


def test_offline_with_a_cold_cache_lists_what_it_could_not_resolve(arxiv: ArxivServer,
                                                                    tmp_path: Path):
    out = tmp_path / "refs.bib"
    result = run("import", "--offline", str(SAMPLES / "arxiv-listing-abstracts.txt"),
                 "-o", str(out), "--json")
    assert arxiv.requests == []
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [r["id"] for r in report["not_found"]] == EXPECTED_IDS["arxiv-listing-abstracts.txt"]
    assert "refbridge: not found: arXiv:2310.13798" in result.stderr


def test_import_appends_to_an_existing_bib_without_touching_its_bytes(arxiv: ArxivServer,
                                                                      tmp_path: Path):
    out = tmp_path / "refs.bib"
    shutil.copy(INCOMPLETE, out)
    before = out.read_text("utf-8")
    result = run("import", "-", "-o", str(out), "--json",
                 input="arXiv:2310.13798 arXiv:2204.05862 arXiv:2212.08073\n")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(w["id"], w["key"]) for w in report["written"]] == [("2204.05862", "bai2022training")]
    assert [w["key"] for w in report["already_in_output"]] == ["kundu2023specific",
                                                              "bai2022constitutional"]
    after = out.read_text("utf-8")
    assert after.startswith(before)
    added = parse_bib(after[len(before):], "added").references
    assert [r.arxiv_id for r in added] == ["2204.05862"]
    assert "(2 already there)" in result.stderr


def test_enrich_in_place_changes_only_the_arxiv_entries(arxiv: ArxivServer, tmp_path: Path):
    path = tmp_path / "mine.bib"
    shutil.copy(INCOMPLETE, path)
    before = path.read_text("utf-8")
    result = run("enrich", str(path), "--in-place")
    assert result.exit_code == 0, result.stderr
    after = path.read_text("utf-8")
    old, new = parse_bib(before, "old"), parse_bib(after, "new")
    assert [e.key for e in new.entries] == [e.key for e in old.entries]
    # Everything outside the four arXiv entries is byte for byte what it was.
    def outside(doc, text):
        spans = [(e.start, e.end) for e in doc.entries if e.key != "knuth1984texbook"]
        pieces, position = [], 0
        for start, end in spans:
            pieces.append(text[position:start])
            position = end
        return [*pieces, text[position:]]
    assert outside(new, after) == outside(old, before)
    refs = {r.key: r for r in new.references}
    assert refs["kundu2023specific"].title == PAPERS["2310.13798"]["title"]
    assert refs["bai2022constitutional"].authors[0].last == "Bai"
    bai = after[new.entries[1].start:new.entries[1].end]
    assert "  archivePrefix = {arXiv},\n  primaryClass = {cs.CL},\n" in bai
    # The user's own values stay: the year and the journal line Google Scholar wrote.
    assert refs["bai2022constitutional"].fields["journal"] == "arXiv preprint arXiv:2212.08073"
    assert refs["durmus_opinions"].url == "https://arxiv.org/abs/2306.16388v1"
    durmus = after[new.entries[2].start:new.entries[2].end]
    assert durmus.count("itle = {Towards") == 1  # the user's own `Title`, not a second one
    assert "\tTitle = {Towards" in durmus
    assert refs["DBLP:journals/corr/abs-2307-13702"].title == PAPERS["2307.13702"]["title"]
    # A second enrich finds nothing left to fill.
    again = run("enrich", str(path), "--in-place")
    assert again.exit_code == 0
    assert path.read_text("utf-8") == after
    assert "changed 0 entries" in again.stderr


def test_enrich_dry_run_prints_a_diff_and_writes_nothing(arxiv: ArxivServer, tmp_path: Path):
    path = tmp_path / "mine.bib"
    shutil.copy(INCOMPLETE, path)
    result = run("enrich", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == INCOMPLETE.read_bytes()
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n@@ ")
    added = [line for line in result.stdout.splitlines() if line.startswith("+ ")]
    removed = [line for line in result.stdout.splitlines()
               if line.startswith("-") and not line.startswith("---")]
    # Nothing of the user's changes: new fields go in without touching a line of theirs.
    assert removed == []
    assert "+  title = {Specific versus General Principles for Constitutional {AI}}," in added
    assert "would change 4 entries" in result.stderr


def test_enrich_to_another_file_leaves_the_original(arxiv: ArxivServer, tmp_path: Path):
    out = tmp_path / "enriched.bib"
    result = run("enrich", str(INCOMPLETE), "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["edited"] == ["kundu2023specific", "bai2022constitutional",
                                "durmus_opinions", "DBLP:journals/corr/abs-2307-13702"]
    assert {c["field"] for c in report["changes"]} >= {"title", "authors"}
    assert out.read_text("utf-8") != INCOMPLETE.read_text("utf-8")


def test_service_dying_mid_run_exits_3_and_keeps_the_old_output(arxiv: ArxivServer,
                                                                tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "refs.bib"
    out.write_text("@misc{mine, title = {Keep me}}\n")
    before = out.read_bytes()
    monkeypatch.setenv("REFBRIDGE_CONFIG", str(_config(tmp_path, retries=2)))
    arxiv.fail(503, times=10)
    result = run("import", str(SAMPLES / "arxiv-listing-abstracts.txt"), "-o", str(out))
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("refbridge: error: ")
    assert "503" in lines[0]
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".refs.bib")] == []


def test_service_gone_entirely_exits_3(isolated_env: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch):
    with ArxivServer(corpus=False) as server:
        url = server.url
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", url)  # nothing listens there any more
    monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
    monkeypatch.setenv("REFBRIDGE_CONFIG", str(_config(tmp_path, retries=1)))
    result = run("ids", "-", input="x")  # a command that needs no service still works
    assert result.exit_code == 0
    result = run("import", "-", "-o", str(tmp_path / "x.bib"), input="arXiv:2212.08073")
    assert result.exit_code == 3
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "x.bib").exists()


def _config(tmp_path: Path, *, retries: int) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f"[arxiv]\nretries = {retries}\ntimeout = 2\n")
    return config


def _corpus_arxiv_entries() -> list:
    from bridge.readers.bibtex import read_bibtex
    from tests.paths import BIB_CORPUS

    refs = []
    for path in sorted(BIB_CORPUS.glob("*.bib")):
        refs += [r for r in read_bibtex(path.read_text("utf-8"), str(path)) if r.arxiv_id]
    return refs


@pytest.mark.texlive
@pytest.mark.skipif(not all(shutil.which(t) for t in ("pdflatex", "lualatex", "bibtex", "biber")),
                    reason="needs pdflatex, lualatex, bibtex and biber on PATH")
@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_real_bibtex_and_biber_accept_the_samples_and_the_corpora_arxiv_entries(
        arxiv: ArxivServer, tmp_path: Path, dialect: str):
    from bridge.writers import get_writer
    from tests.texlive import entry_keys, run_biber, run_bibtex

    out = tmp_path / "samples.bib"
    result = run("import", *(str(SAMPLES / s) for s in sorted(EXPECTED_IDS)), "-o", str(out),
                 "--format", dialect)
    assert result.exit_code == 0, result.stderr
    corpus = _corpus_arxiv_entries()
    assert len(corpus) > 150
    taken = set(entry_keys(out.read_text("utf-8")))
    corpus = [r for r in corpus if r.key not in taken]
    bib = out.read_text("utf-8") + "\n" + get_writer(dialect).to_string(corpus)
    assert len(entry_keys(bib)) == 23 + len(corpus)
    if dialect == "bibtex":  # @online and friends are for biber, not for plain.bst
        (tmp_path / "bibtex").mkdir()
        tex = run_bibtex(bib, tmp_path / "bibtex")
        assert tex.bibtex_problems() == []
        assert tex.returncode == 0
    (tmp_path / "biber").mkdir()
    tex = run_biber(bib, tmp_path / "biber", "lualatex")
    # The ADS file's own custom fields are passed through, as they should be; biber's data
    # model does not know them. Nothing else may draw a warning.
    theirs = re.compile(r"Field '(adsurl|adsnote|arxivid)' invalid in data model - ignoring$")
    assert [p for p in tex.biber_problems() if not theirs.search(p)] == []
    assert tex.returncode == 0


def test_enrich_keeps_a_byte_order_mark_and_windows_line_ends(arxiv: ArxivServer,
                                                              tmp_path: Path):
    path = tmp_path / "bom.bib"
    original = ("\ufeff% exported on Windows\r\n@misc{k,\r\n  eprint = {2212.08073},\r\n"
                "  archivePrefix = {arXiv},\r\n}\r\n").encode("utf-8")
    path.write_bytes(original)
    result = run("enrich", str(path), "--in-place")
    assert result.exit_code == 0, result.stderr
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf% exported on Windows\r\n@misc{k,\r\n")
    assert b"\r\n  title = {Constitutional {AI}: Harmlessness from {AI} Feedback},\r\n" in after
    assert b"\n" not in after.replace(b"\r\n", b"")


def test_refresh_asks_again_and_no_cache_leaves_no_cache(arxiv: ArxivServer, tmp_path: Path,
                                                         isolated_env: Path):
    sample = str(SAMPLES / "arxiv-listing-abstracts.txt")
    assert run("import", sample, "-o", str(tmp_path / "a.bib"), "--no-cache").exit_code == 0
    assert not isolated_env.exists()
    assert len(arxiv.requests) == 1
    assert run("import", sample, "-o", str(tmp_path / "b.bib")).exit_code == 0
    assert isolated_env.exists() and len(arxiv.requests) == 2
    assert run("import", sample, "-o", str(tmp_path / "c.bib")).exit_code == 0
    assert len(arxiv.requests) == 2                       # warm: nothing asked
    assert run("import", sample, "-o", str(tmp_path / "d.bib"), "--refresh").exit_code == 0
    assert len(arxiv.requests) == 3                       # asked again, in one batch
    assert (tmp_path / "a.bib").read_bytes() == (tmp_path / "d.bib").read_bytes()


def test_date_latest_cites_the_latest_version(arxiv: ArxivServer, tmp_path: Path):
    from tests.sample_papers import api_versions

    paper = dict(PAPERS["2212.08073"], versions=[{"version": 1, "date": "2022-12-15"},
                                                 {"version": 2, "date": "2024-01-09"}])
    arxiv.add_papers(api_versions(paper))
    first, latest = tmp_path / "first.bib", tmp_path / "latest.bib"
    assert run("import", "-", "-o", str(first), input="arXiv:2212.08073").exit_code == 0
    assert run("import", "-", "-o", str(latest), "--date", "latest", "--no-cache",
               input="arXiv:2212.08073").exit_code == 0
    assert "  year = {2022},\n" in first.read_text("utf-8")
    assert "  year = {2024},\n" in latest.read_text("utf-8")
    assert "@misc{bai2024constitutional," in latest.read_text("utf-8")


def test_unresolved_text_is_listed_never_written_as_a_stub(arxiv: ArxivServer, tmp_path: Path):
    out = tmp_path / "out.bib"
    result = run("import", "-", "-o", str(out), input="hello world\n")
    assert result.exit_code == 1
    assert not out.exists()
    assert result.stderr.splitlines() == [
        'refbridge: not found: "hello world" (<stdin>:1)',
        "refbridge: 0 resolved, 0 found by search, 1 not found",
        f"refbridge: nothing new to write to {out}",
    ]
    result = run("import", "-", "-o", str(out), "--json",
                 input="hello world\narXiv:2212.08073\narXiv:2401.99999\n")
    assert result.exit_code == 1
    assert [r["id"] for r in json.loads(result.stdout)["written"]] == ["2212.08073"]
    assert [r.arxiv_id for r in entries(out)] == ["2212.08073"]
    assert "refbridge: not found: arXiv:2401.99999 (<stdin>:3)" in result.stderr


def test_unresolved_bib_entries_are_the_users_own_and_kept(arxiv: ArxivServer, tmp_path: Path):
    source = tmp_path / "mine.bib"
    source.write_text("@misc{gone, title = {A withdrawn preprint}, eprint = {2401.99999},\n"
                      "  archivePrefix = {arXiv}}\n")
    out = tmp_path / "out.bib"
    result = run("import", str(source), "-o", str(out))
    assert result.exit_code == 1
    (kept,) = entries(out)
    assert (kept.key, kept.title, kept.arxiv_id) == ("gone", "A withdrawn preprint",
                                                     "2401.99999")


def test_a_run_killed_mid_way_leaves_the_output_and_the_cache_whole(arxiv: ArxivServer,
                                                                     tmp_path: Path,
                                                                     isolated_env: Path):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    out = tmp_path / "refs.bib"
    out.write_text("@misc{mine, title = {Keep me}}\n")
    before = out.read_bytes()
    # Warm the cache with one paper, then make every answer slow and kill the run mid-way.
    assert run("import", "-", "-o", str(tmp_path / "warm.bib"),
               input="arXiv:2212.08073").exit_code == 0
    arxiv.slow(30, times=5)
    process = subprocess.Popen(
        [sys.executable, "-m", "bridge", "import", str(SAMPLES / "aggregator-listing.txt"),
         "-o", str(out)], env=os.environ.copy(), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while len(arxiv.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(arxiv.requests) >= 2, "the run never reached arXiv"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    with sqlite3.connect(isolated_env) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    arxiv.clear()
    # The next run finds the cache as the last complete write left it.
    again = run("import", "-", "-o", str(tmp_path / "again.bib"), input="arXiv:2212.08073")
    assert again.exit_code == 0
    assert arxiv.requests == []


def test_importing_the_same_bib_twice_adds_nothing_the_second_time(arxiv: ArxivServer,
                                                                    tmp_path: Path):
    out = tmp_path / "out.bib"
    assert run("import", str(INCOMPLETE), "-o", str(out)).exit_code == 0
    first = out.read_bytes()
    assert [r.key for r in entries(out)] == [
        "kundu2023specific", "bai2022constitutional", "durmus_opinions",
        "DBLP:journals/corr/abs-2307-13702", "knuth1984texbook"]
    result = run("import", str(INCOMPLETE), "-o", str(out))
    assert result.exit_code == 0
    assert out.read_bytes() == first
    assert "nothing new to write" in result.stderr and "(5 already there)" in result.stderr


def test_csl_json_output_is_added_to_not_overwritten(arxiv: ArxivServer, tmp_path: Path):
    out = tmp_path / "refs.json"
    mine = {"id": "mine", "type": "book", "title": "My own item"}
    out.write_text(json.dumps([mine]))
    result = run("import", "-", "-o", str(out), input="arXiv:2212.08073 arXiv:2307.13702")
    assert result.exit_code == 0, result.stderr
    items = json.loads(out.read_text("utf-8"))
    assert items[0] == mine
    assert [(i["id"], i["number"]) for i in items[1:]] == [
        ("bai2022constitutional", "arXiv:2212.08073"),
        ("lanham2023measuring", "arXiv:2307.13702")]
    again = run("import", "-", "-o", str(out), input="arXiv:2212.08073")
    assert "(1 already there)" in again.stderr
    assert len(json.loads(out.read_text("utf-8"))) == 3


def test_a_broken_json_output_is_refused_and_kept(arxiv: ArxivServer, tmp_path: Path):
    out = tmp_path / "refs.json"
    out.write_text('[{"id": "mine",\n  "title": }]\n')
    before = out.read_bytes()
    result = run("import", "-", "-o", str(out), input="arXiv:2212.08073")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"refbridge: error: {out}:2: is not CSL-JSON")
    assert out.read_bytes() == before
    assert arxiv.requests == []  # refused before anything was asked


def test_appending_keeps_the_outputs_byte_order_mark(arxiv: ArxivServer, tmp_path: Path):
    out = tmp_path / "refs.bib"
    out.write_bytes(b"\xef\xbb\xbf@misc{mine, title = {Keep me}}\n")
    assert run("import", "-", "-o", str(out), input="arXiv:2212.08073").exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf@misc{mine, title = {Keep me}}\n\n@misc{")


def test_importing_a_bib_keeps_what_its_string_macros_mean(tmp_path: Path):
    source = tmp_path / "macro.bib"
    source.write_text('@string{aap = "Astronomy and Astrophysics"}\n'
                      '@article{a, title = {T}, author = {Doe, J.}, journal = aap,\n'
                      '  year = 2001, month = jan, note = "see " # aap}\n')
    out = tmp_path / "out.bib"
    result = run("import", str(source), "-o", str(out), "--offline")
    assert result.exit_code == 0, result.stderr
    assert out.read_text() == (
        "@article{a,\n  title = {T},\n  author = {Doe, J.},\n  year = {2001},\n"
        "  month = jan,\n  journal = {Astronomy and Astrophysics},\n"
        "  note = {see Astronomy and Astrophysics},\n}\n")


def test_a_reference_list_resolves_by_verified_search(arxiv: ArxivServer, tmp_path: Path):
    from tests.test_text_reader import CITATIONS

    out = tmp_path / "list.bib"
    result = run("import", "-", "-o", str(out), "--json", input=CITATIONS)
    assert result.exit_code == 1  # two lines are not papers the server knows
    report = json.loads(result.stdout)
    # Lanham's title is shared by a decoy with the same first author; the second author
    # the list gives rules it out.
    assert [r["id"] for r in report["found_by_search"]] == ["2212.08073", "2307.13702",
                                                             "2302.07459"]
    assert [r["title"] for r in report["not_found"]] == [
        "Red Teaming Language Models with Language Models", "Towards AGI. A manifesto"]
    assert [r.arxiv_id for r in entries(out)] == ["2212.08073", "2307.13702", "2302.07459"]


def test_enrich_reads_standard_input_but_never_writes_it_in_place(arxiv: ArxivServer,
                                                                  tmp_path: Path,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = INCOMPLETE.read_text("utf-8")
    result = run("enrich", "-", "-o", "out.bib", input=text)
    assert result.exit_code == 0, result.stderr
    assert "Specific versus General Principles" in (tmp_path / "out.bib").read_text()
    result = run("enrich", "-", "--in-place", input=text)
    assert result.exit_code == 2
    assert "standard input cannot be enriched in place; give -o OUT" in result.stderr
    assert not (tmp_path / "-").exists()
    result = run("enrich", "-", "--dry-run", input=text)
    assert result.stdout.startswith("--- <stdin>\n+++ <stdin>\n")


# --- where outputs go (issue 8: special, linked and read-only outputs) -----------------------

def test_enrich_in_place_refuses_a_read_only_file_before_any_request(arxiv: ArxivServer,
                                                                     tmp_path: Path):
    path = tmp_path / "mine.bib"
    shutil.copy(INCOMPLETE, path)
    path.chmod(0o444)
    before = path.read_bytes()
    result = run("enrich", str(path), "--in-place")
    assert result.exit_code == 2
    assert result.stderr == (f"refbridge: error: {path}: cannot write here: the file is "
                             "read-only; make it writable (chmod u+w) to let refbridge change "
                             "it\n")
    assert path.read_bytes() == before and arxiv.requests == []


def test_enrich_in_place_refuses_to_break_a_hard_link(arxiv: ArxivServer, tmp_path: Path):
    path = tmp_path / "mine.bib"
    shutil.copy(INCOMPLETE, path)
    (tmp_path / "twin.bib").hardlink_to(path)
    result = run("enrich", str(path), "--in-place")
    assert result.exit_code == 2
    assert result.stderr == (f"refbridge: error: {path}: cannot write here: the file has 2 "
                             "hard links, and replacing it would break them; write a copy "
                             "with -o\n")
    assert (tmp_path / "twin.bib").read_bytes() == INCOMPLETE.read_bytes()


def test_import_into_a_symlink_writes_the_real_file(arxiv: ArxivServer, tmp_path: Path):
    library = tmp_path / "library"
    library.mkdir()
    real = library / "refs.bib"
    real.write_text("@misc{mine, title = {Mine}}\n", encoding="utf-8")
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    result = run("import", "-", "-o", str(link), input="arXiv:2204.05862\n")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert [r.key for r in entries(real)] == ["mine", "bai2022training"]
    assert sorted(p.name for p in library.iterdir()) == ["refs.bib"]
    assert result.stderr.endswith(f"refbridge: wrote 1 entries to {link}\n"
                                  f"refbridge: {link} is a link: wrote its target, {real}\n")


def test_import_into_a_fifo_says_it_is_written_directly(arxiv: ArxivServer, tmp_path: Path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("import", "-", "-o", str(fifo), "--format", "bibtex",
                 input="arXiv:2204.05862\n")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert received[0].startswith(b"@misc{bai2022training,")
    assert result.stderr.endswith(f"refbridge: {fifo} is not a regular file: written "
                                  "directly, not replaced\n")


def test_dash_output_is_standard_output(arxiv: ArxivServer, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("import", "-", "-o", "-", input="arXiv:2204.05862\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("@misc{bai2022training,\n  title = {Training a Helpful")
    assert result.stderr.endswith("refbridge: wrote 1 entries to -\n")
    result = run("enrich", str(INCOMPLETE), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(INCOMPLETE.read_text("utf-8")[:200])
    assert "Specific versus General Principles" in result.stdout
    assert list(tmp_path.iterdir()) == [tmp_path / "cache.sqlite3"]


def test_an_existing_json_output_that_is_not_csl_json_is_one_line(arxiv: ArxivServer,
                                                                  tmp_path: Path):
    out = tmp_path / "package.json"
    out.write_text('[1, {"name": "x"}]\n', encoding="utf-8")
    result = run("import", "-", "-o", str(out), input="arXiv:2204.05862\n")
    assert result.exit_code == 2
    assert result.stderr == (f"refbridge: error: {out}: is not CSL-JSON (item 1 is not an "
                             "object with an id and a type); nothing was written\n")
    assert out.read_text("utf-8") == '[1, {"name": "x"}]\n' and arxiv.requests == []


def test_closed_standard_input_is_one_line(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "bridge", "ids", "-"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                          text=True, timeout=120, preexec_fn=lambda: os.close(0))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "refbridge: error: <stdin>: standard input is closed\n"


def test_utf16_input_is_read(tmp_path: Path):
    path = tmp_path / "ids.txt"
    path.write_bytes("See arXiv:2310.13798 — and hep-th/9901001\n".encode("utf-16"))
    result = run("ids", str(path))
    assert (result.exit_code, result.stdout) == (0, "2310.13798\nhep-th/9901001\n")
