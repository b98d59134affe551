"""`refbridge tex` end to end: the real CLI, real files, the loopback arXiv and Zotero servers.

Per source (present, master .bib, Zotero by key, arXiv id-key), per input kind (.tex, .aux,
.bcf), --check / --json / --dry-run, a second run, and bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.readers.bibtex import parse_bib
from tests.paths import BIB_CORPUS
from tests.sample_papers import PAPERS, load_sample_papers
from tests.servers.arxiv_server import ArxivServer
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

MASTER = BIB_CORPUS / "biblatex-examples.bib"
MASTER_TEXT = MASTER.read_text("utf-8")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def block(key: str) -> str:
    """The master's entry for key, byte for byte."""
    doc = parse_bib(MASTER_TEXT, str(MASTER))
    entry = next(e for e in doc.entries if e.key == key)
    return MASTER_TEXT[entry.start:entry.end]


def string_block(name: str) -> str:
    return next(line for line in MASTER_TEXT.splitlines() if line.startswith(f"@string{{{name}"))


@pytest.fixture
def arxiv(arxiv_server: ArxivServer, isolated_env: Path,
          monkeypatch: pytest.MonkeyPatch) -> ArxivServer:
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", arxiv_server.url)
    monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
    return load_sample_papers(arxiv_server)


@pytest.fixture
def zotero(zotero_server: ZoteroServer, monkeypatch: pytest.MonkeyPatch) -> ZoteroServer:
    monkeypatch.setenv("REFBRIDGE_ZOTERO_URL", zotero_server.url)
    monkeypatch.setenv("ZOTERO_API_KEY", WRITE_KEY)
    return zotero_server


PAPER = ("\\documentclass{article}\n\\usepackage{natbib}\n\\begin{document}\n"
         "\\citet{mine} showed \\citep[see][p.~3]{aksin,\n  angenendt}.\n"
         "% \\cite{commented}\n\\input{sec}\n"
         "\\bibliographystyle{plainnat}\n\\bibliography{refs}\n\\end{document}\n")
MINE = "@misc{mine,\n  title = {My {Own} Note},\n  year = 2020\n}\n"


# ------------------------------------------------------------------- master .bib


def test_missing_entries_are_copied_from_the_master_byte_for_byte(tmp_path: Path):
    write(tmp_path, {"paper.tex": PAPER, "sec.tex": "\\citealp{aksin, westfahl:space}\n",
                     "refs.bib": MINE})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER))
    assert result.exit_code == 0, result.output
    # Present bytes first, untouched; then each copied entry with the @strings it uses, and
    # the crossref parent westfahl:space needs.
    assert (tmp_path / "refs.bib").read_text("utf-8") == (
        MINE + "\n" + string_block("jomch") + "\n\n" + block("aksin") + "\n\n"
        + block("angenendt") + "\n\n" + block("westfahl:space") + "\n\n"
        + block("westfahl:frontier") + "\n")
    assert result.stderr == (
        f"refbridge: 5 keys: 1 present, 4 copied, 0 resolved, 0 missing; "
        f"wrote {tmp_path / 'refs.bib'}\n")


def test_a_second_run_changes_nothing(tmp_path: Path):
    write(tmp_path, {"paper.tex": PAPER, "sec.tex": "\\cite{aksin}\n", "refs.bib": MINE})
    assert run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER)).exit_code == 0
    first = (tmp_path / "refs.bib").read_bytes()
    again = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER))
    assert again.exit_code == 0
    assert (tmp_path / "refs.bib").read_bytes() == first
    assert again.stderr.endswith(
        f"3 keys: 3 present, 0 copied, 0 resolved, 0 missing; {tmp_path / 'refs.bib'} "
        "unchanged\n")
    assert run("tex", str(tmp_path / "paper.tex"), "--check").exit_code == 0


def test_the_first_master_that_has_a_key_wins(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{aksin}\n",
                     "a.bib": "@misc{other}\n", "b.bib": "@misc{aksin, title = {From b}}\n"})
    out = tmp_path / "out.bib"
    result = run("tex", str(tmp_path / "paper.tex"), "-o", str(out),
                 "--bib", str(tmp_path / "a.bib"), "--bib", str(tmp_path / "b.bib"),
                 "--bib", str(MASTER))
    assert result.exit_code == 0
    assert out.read_text("utf-8") == "@misc{aksin, title = {From b}}\n"


def test_the_output_is_created_beside_the_manuscript_when_missing(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{aksin}\n\\addbibresource[label=x]{lib/refs.bib}\n",
                     "lib/.keep": ""})
    assert run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER)).exit_code == 0
    assert (tmp_path / "lib" / "refs.bib").read_text("utf-8") == (
        string_block("jomch") + "\n\n" + block("aksin") + "\n")


def test_the_output_is_created_even_with_nothing_to_put_in_it(tmp_path: Path):
    # BibTeX stops at a .bib it cannot open; an empty one lets it say which keys it lacks.
    write(tmp_path, {"paper.tex": "\\cite{ghost}\\bibliography{refs}"})
    assert run("tex", str(tmp_path / "paper.tex"), "--check").exit_code == 1
    assert not (tmp_path / "refs.bib").exists()
    result = run("tex", str(tmp_path / "paper.tex"))
    assert result.exit_code == 1
    assert (tmp_path / "refs.bib").read_text("utf-8") == ""
    assert result.stderr.endswith(f"0 resolved, 1 missing; wrote {tmp_path / 'refs.bib'}\n")
    write(tmp_path, {"paper.tex": "no citations\\bibliography{refs}"})
    assert run("tex", str(tmp_path / "paper.tex"), "--check").exit_code == 0


def test_an_entry_in_another_named_bib_is_present(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{a,b}\n\\bibliography{refs,shared}\n",
                     "refs.bib": "@misc{a}\n", "shared.bib": "@misc{b}\n"})
    result = run("tex", str(tmp_path / "paper.tex"), "--json")
    assert result.exit_code == 0
    keys = json.loads(result.stdout)["keys"]
    assert [(k["key"], k["status"], Path(k["source"]).name) for k in keys] == [
        ("a", "present", "refs.bib"), ("b", "present", "shared.bib")]


def test_a_key_the_output_spells_in_another_case_is_present_with_a_warning(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{Aksin}\\bibliography{refs}",
                     "refs.bib": "@misc{aksin}\n"})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER), "--json")
    assert result.exit_code == 0
    assert [(k["key"], k["status"]) for k in json.loads(result.stdout)["keys"]] == [
        ("Aksin", "present")]
    assert (tmp_path / "refs.bib").read_text("utf-8") == "@misc{aksin}\n"
    assert result.stderr.splitlines()[0] == (
        f"refbridge: warning: {tmp_path / 'paper.tex'}:1: key 'Aksin' is cited, but "
        f"{tmp_path / 'refs.bib'} has it as 'aksin': BibTeX finds it, biber does not (the "
        "citation stays undefined); use one spelling")


def test_an_input_named_by_a_macro_is_a_warning(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{a}\n\\input{\\chapters/one}\\bibliography{refs}",
                     "refs.bib": "@misc{a}\n"})
    result = run("tex", str(tmp_path / "paper.tex"))
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"refbridge: warning: {tmp_path / 'paper.tex'}:2: cannot follow "
        "\\input{\\chapters/one}: a macro makes the file name; its citations are not counted")


def test_a_named_bib_that_does_not_exist_is_a_warning(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{a}\n\\bibliography{refs,gone}\n",
                     "refs.bib": "@misc{a}\n"})
    result = run("tex", str(tmp_path / "paper.tex"))
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"refbridge: warning: {tmp_path / 'gone.bib'}: the manuscript names this .bib file, "
        "which does not exist")


def test_nocite_star_takes_every_entry_of_the_masters(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\nocite{*}\n", "m.bib": "@misc{x}\n@misc{y}\n"})
    out = tmp_path / "o.bib"
    result = run("tex", str(tmp_path / "paper.tex"), "-o", str(out),
                 "--bib", str(tmp_path / "m.bib"))
    assert result.exit_code == 0
    assert out.read_text("utf-8") == "@misc{x}\n\n@misc{y}\n"


# ------------------------------------------------------------------- missing, check, json


def test_a_missing_key_is_listed_with_its_first_citation_and_exit_1(tmp_path: Path):
    write(tmp_path, {"paper.tex": PAPER, "sec.tex": "\n\n\\citep{ghost}\\cite{ghost}\n",
                     "refs.bib": MINE})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"refbridge: missing: ghost (cited at {tmp_path / 'sec.tex'}:3)")
    # Everything else was still written.
    assert block("angenendt") in (tmp_path / "refs.bib").read_text("utf-8")


def test_check_writes_nothing_and_says_what_would_change(tmp_path: Path):
    write(tmp_path, {"paper.tex": PAPER, "sec.tex": "", "refs.bib": MINE})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER), "--check")
    assert result.exit_code == 1
    assert (tmp_path / "refs.bib").read_text("utf-8") == MINE
    assert result.stderr.endswith(f"would change {tmp_path / 'refs.bib'}\n")
    # Complete and unchanged: 0. A missing key: 1, even with nothing to change.
    run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER))
    assert run("tex", str(tmp_path / "paper.tex"), "--check").exit_code == 0
    write(tmp_path, {"sec.tex": "\\cite{ghost}"})
    missing = run("tex", str(tmp_path / "paper.tex"), "--check", "--bib", str(MASTER))
    assert missing.exit_code == 1 and "missing: ghost" in missing.stderr


def test_check_never_creates_the_output(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{aksin}\\bibliography{refs}"})
    assert run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER),
               "--check").exit_code == 1
    assert not (tmp_path / "refs.bib").exists()


def test_json_reports_every_key_with_its_status(tmp_path: Path):
    write(tmp_path, {"paper.tex": PAPER, "sec.tex": "\\cite{ghost}", "refs.bib": MINE})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER), "--json")
    report = json.loads(result.stdout)
    assert [(k["key"], k["status"], k["line"]) for k in report["keys"]] == [
        ("mine", "present", 4), ("aksin", "copied", 4), ("angenendt", "copied", 5),
        ("ghost", "missing", 1)]
    assert report["keys"][1]["source"] == str(MASTER)
    assert report["counts"] == {"present": 1, "copied": 2, "resolved": 0, "missing": 1}
    assert report["written"] is True and report["check"] is False


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{mine,angenendt}\\bibliography{refs}",
                     "refs.bib": MINE})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER), "--dry-run")
    assert result.exit_code == 0
    assert (tmp_path / "refs.bib").read_text("utf-8") == MINE
    out = str(tmp_path / "refs.bib")
    added = "".join(f"+{line}\n" for line in block("angenendt").splitlines())
    new_lines = 4 + len(block("angenendt").splitlines())
    assert result.stdout == (f"--- {out}\n+++ {out}\n@@ -2,3 +2,{new_lines} @@\n"
                             "   title = {My {Own} Note},\n   year = 2020\n }\n+\n" + added)


def test_two_keys_for_the_same_paper_are_a_warning(tmp_path: Path):
    write(tmp_path, {
        "paper.tex": "\\cite{a,b,c}\\bibliography{refs}",
        "refs.bib": "@misc{a, eprint = {2310.13798}, archivePrefix = {arXiv}}\n"
                    "@misc{b, doi = {10.48550/arXiv.2310.13798}}\n"
                    "@article{c, doi = {10.1000/X}}\n"})
    write(tmp_path, {"m.bib": "@article{d, doi = {10.1000/x}}\n"})
    result = run("tex", str(tmp_path / "paper.tex"))
    assert result.exit_code == 0
    assert "refbridge: warning: a and b name the same paper (arXiv:2310.13798)" in result.stderr
    write(tmp_path, {"paper.tex": "\\cite{c,d}\\bibliography{refs}"})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(tmp_path / "m.bib"))
    assert "refbridge: warning: c and d name the same paper (doi:10.1000/x)" in result.stderr


def test_a_key_with_a_space_after_it_is_a_warning(tmp_path: Path):
    # Real LaTeX keeps the space: natbib writes `\citation{aksin }` and the citation stays
    # undefined (tests/test_tex_texlive.py saw the same with biblatex's \cites).
    write(tmp_path, {"paper.tex": "\\citep{angenendt,\n  aksin ,mine}\\bibliography{refs}",
                     "refs.bib": MINE})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER))
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"refbridge: warning: {tmp_path / 'paper.tex'}:2: key 'aksin' is followed by a "
        "space, which LaTeX keeps in the key: the citation stays undefined; remove the space")


# ------------------------------------------------------------------- input kinds


def test_an_aux_manuscript(tmp_path: Path):
    write(tmp_path, {"doc.aux": "\\relax\n\\citation{aksin}\n\\@input{ch.aux}\n"
                                "\\bibdata{refs}\n",
                     "ch.aux": "\\citation{angenendt,aksin}\n"})
    result = run("tex", str(tmp_path / "doc.aux"), "--bib", str(MASTER), "--json")
    assert result.exit_code == 0
    assert [(k["key"], Path(k["file"]).name, k["line"])
            for k in json.loads(result.stdout)["keys"]] == [
        ("aksin", "doc.aux", 2), ("angenendt", "ch.aux", 1)]
    assert (tmp_path / "refs.bib").is_file()


def test_a_bcf_manuscript(tmp_path: Path):
    write(tmp_path, {"doc.bcf": (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bcf:controlfile xmlns:bcf="https://sourceforge.net/projects/biblatex">\n'
        '<bcf:bibdata section="0"><bcf:datasource type="file" datatype="bibtex" '
        'glob="false">refs.bib</bcf:datasource></bcf:bibdata>\n'
        '<bcf:section number="0">\n<bcf:citekey order="1">angenendt</bcf:citekey>\n'
        "</bcf:section></bcf:controlfile>\n")})
    result = run("tex", str(tmp_path / "doc.bcf"), "--bib", str(MASTER))
    assert result.exit_code == 0
    assert (tmp_path / "refs.bib").read_text("utf-8") == block("angenendt") + "\n"


# ------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("files", "message"), [
    ({"paper.tex": "\\cite{a}\n\\input{gone/away}\n"},
     "{d}/paper.tex:2: \\input file 'gone/away' not found (looked in {d})"),
    ({"paper.tex": "ok\n\n\\citep[p.~1]{a,\nb"},
     "{d}/paper.tex:3: unbalanced brace in \\citep: its argument is never closed"),
    ({"paper.tex": "\0\1\2binary"}, "{d}/paper.tex: looks like a binary file, not text"),
    ({"paper.tex": "\\cite{a}"},
     "{d}/paper.tex: names no .bib file (no \\bibliography or \\addbibresource); "
     "give -o OUT.bib"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path, files, message):
    write(tmp_path, {**files, "refs.bib": MINE})
    (tmp_path / "gone").mkdir()
    args = ["tex", str(tmp_path / "paper.tex")]
    if "bibliography" not in message and "names no" not in message:
        args += ["-o", str(tmp_path / "refs.bib")]
    result = run(*args, "--bib", str(MASTER))
    assert result.exit_code == 2
    assert result.stderr == f"refbridge: error: {message.format(d=tmp_path)}\n"
    assert (tmp_path / "refs.bib").read_text("utf-8") == MINE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone", "paper.tex", "refs.bib"]


def test_an_unreadable_master_is_exit_2(tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{a}\\bibliography{refs}"})
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(tmp_path / "nope.bib"))
    assert result.exit_code == 2
    assert result.stderr == f"refbridge: error: {tmp_path / 'nope.bib'}: no such file\n"


# ------------------------------------------------------------------- arXiv id-keys


def test_arxiv_id_keys_are_resolved_in_one_batch_under_the_key_as_cited(arxiv: ArxivServer,
                                                                        tmp_path: Path):
    ids = list(PAPERS)[:3]
    cited = [ids[0], f"arXiv:{ids[1]}", f"10.48550/arXiv.{ids[2]}"]
    write(tmp_path, {"paper.tex": f"\\cite{{{','.join(cited)}}}\n\\bibliography{{refs}}\n"})
    before = len(arxiv.requests)
    result = run("tex", str(tmp_path / "paper.tex"))
    assert result.exit_code == 0, result.output
    assert len(arxiv.requests) - before == 1  # one id_list request for all three
    refs = parse_bib((tmp_path / "refs.bib").read_text("utf-8"), "refs.bib").references
    assert [(r.key, r.arxiv_id, r.title) for r in refs] == [
        (key, ident, PAPERS[ident]["title"]) for key, ident in zip(cited, ids, strict=True)]
    assert result.stderr.endswith("3 keys: 0 present, 0 copied, 3 resolved, 0 missing; "
                                  f"wrote {tmp_path / 'refs.bib'}\n")
    report = json.loads(run("tex", str(tmp_path / "paper.tex"), "--json").stdout)
    assert report["requests"] == 0 and report["counts"]["present"] == 3
    # The cache answers a second manuscript: no new request.
    write(tmp_path, {"p2.tex": f"\\cite{{{ids[0]}}}"})
    assert run("tex", str(tmp_path / "p2.tex"), "-o", str(tmp_path / "r2.bib")).exit_code == 0
    assert len(arxiv.requests) - before == 1


def test_an_id_key_arxiv_does_not_know_is_missing(arxiv: ArxivServer, tmp_path: Path):
    write(tmp_path, {"paper.tex": "\\cite{2501.99999}\n\\bibliography{refs}\n"})
    result = run("tex", str(tmp_path / "paper.tex"))
    assert result.exit_code == 1
    assert f"refbridge: missing: 2501.99999 (cited at {tmp_path / 'paper.tex'}:1)" in (
        result.stderr)


def test_the_master_comes_before_arxiv(arxiv: ArxivServer, tmp_path: Path):
    ident = next(iter(PAPERS))
    write(tmp_path, {"paper.tex": f"\\cite{{{ident}}}\\bibliography{{refs}}",
                     "m.bib": f"@misc{{{ident}, note = {{mine}}}}\n"})
    before = len(arxiv.requests)
    assert run("tex", str(tmp_path / "paper.tex"), "--bib", str(tmp_path / "m.bib")
               ).exit_code == 0
    assert (tmp_path / "refs.bib").read_text("utf-8") == f"@misc{{{ident}, note = {{mine}}}}\n"
    assert len(arxiv.requests) == before


# ------------------------------------------------------------------- Zotero


def test_zotero_items_by_citation_key_field_or_extra_line(zotero: ZoteroServer,
                                                          arxiv: ArxivServer, tmp_path: Path):
    zotero.add_item({"itemType": "journalArticle", "title": "Deep learning",
                     "citationKey": "lecun2015deep", "publicationTitle": "Nature",
                     "date": "2015", "DOI": "10.1038/nature14539",
                     "creators": [{"creatorType": "author", "firstName": "Yann",
                                   "lastName": "LeCun"}]})
    zotero.add_item({"itemType": "book", "title": "Pinned by Better BibTeX",
                     "extra": "Citation Key: pinned2001\nsome note", "date": "2001"})
    zotero.add_item({"itemType": "book", "title": "Also in the master",
                     "citationKey": "aksin"})
    ident = next(iter(PAPERS))
    zotero.add_item({"itemType": "preprint", "title": "Zotero's copy of an id-key",
                     "citationKey": ident})
    write(tmp_path, {"paper.tex": f"\\cite{{lecun2015deep,pinned2001,aksin,{ident},ghost}}"
                                  "\\bibliography{refs}"})
    before = len(arxiv.requests)
    result = run("tex", str(tmp_path / "paper.tex"), "--bib", str(MASTER), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(k["key"], k["status"], k["source"]) for k in report["keys"]] == [
        ("lecun2015deep", "copied", "zotero:user:475425"),
        ("pinned2001", "copied", "zotero:user:475425"),
        ("aksin", "copied", str(MASTER)),
        (ident, "copied", "zotero:user:475425"),
        ("ghost", "missing", None)]
    assert len(arxiv.requests) == before  # Zotero had the id-key
    text = (tmp_path / "refs.bib").read_text("utf-8")
    refs = {r.key: r for r in parse_bib(text, "refs.bib").references}
    assert refs["lecun2015deep"].title == "Deep learning"
    assert refs["lecun2015deep"].doi == "10.1038/nature14539"
    assert refs["pinned2001"].title == "Pinned by Better BibTeX"
    assert refs[ident].title == "Zotero's copy of an id-key"
    assert WRITE_KEY not in result.output
    # The key check, then one page of items; nothing written to the library.
    assert [r.path for r in zotero.requests] == ["/keys/current", "/users/475425/items/top"]
    assert report["requests"] == 2
    assert all("key" not in r.query and WRITE_KEY not in r.raw_target for r in zotero.requests)


def test_without_a_zotero_key_zotero_is_not_asked(zotero: ZoteroServer,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path):
    monkeypatch.delenv("ZOTERO_API_KEY")
    zotero.add_item({"itemType": "book", "title": "T", "citationKey": "inzotero"})
    write(tmp_path, {"paper.tex": "\\cite{inzotero}\\bibliography{refs}"})
    assert run("tex", str(tmp_path / "paper.tex")).exit_code == 1
    assert zotero.requests == []
