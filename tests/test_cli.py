"""The command line's contract (DESIGN.md): output shape, one-line errors, exit codes."""

import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from tests.paths import REPO, SAMPLES

LISTING_IDS = ["2310.13798", "2310.13548", "2307.11768", "2307.13702",
               "2212.13768", "2212.09251", "2110.10802", "2011.01696"]


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_ids_of_the_arxiv_listing_sample():
    result = run("ids", str(SAMPLES / "arxiv-listing-abstracts.txt"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == LISTING_IDS


def test_ids_json_gives_source_and_line():
    path = str(SAMPLES / "arxiv-listing-abstracts.txt")
    result = run("ids", "--json", path)
    found = json.loads(result.stdout)
    assert [f["id"] for f in found] == LISTING_IDS
    assert found[0] == {"id": "2310.13798", "source": path, "line": 2}
    assert all(f["source"] == path and isinstance(f["line"], int) for f in found)


def test_ids_from_stdin_keep_versions_and_drop_duplicates():
    text = ("see arXiv:2310.13798v2 and https://arxiv.org/pdf/hep-th/9901001.pdf\n"
            "again 10.48550/ARXIV.2310.13798v2, and arxiv.org/abs/2307.13702\n")
    result = run("ids", "-", input=text)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["2310.13798v2", "hep-th/9901001", "2307.13702"]


def test_ids_of_a_bib_file_read_as_bibtex():
    result = run("ids", str(REPO / "samples" / "incomplete.bib"))
    assert result.stdout.splitlines() == ["2310.13798", "2212.08073", "2306.16388v1",
                                          "2307.13702"]


def test_ids_across_inputs_first_seen_order(tmp_path: Path):
    first = tmp_path / "a.txt"
    first.write_text("2307.13702 then arXiv:2310.13798\n")
    result = run("ids", str(first), str(SAMPLES / "arxiv-listing-abstracts.txt"))
    assert result.stdout.splitlines()[:3] == ["2307.13702", "2310.13798", "2310.13548"]
    assert len(result.stdout.splitlines()) == len(LISTING_IDS)


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file, not text"),
    (b"fine line\nbad \xe9 line\n", ":2: is not valid UTF-8 (byte 0xe9)"),
    (b"  \n\n", "is empty"),
])
def test_unreadable_input_is_one_line_and_exit_2(tmp_path: Path, content, message):
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    result = run("ids", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"refbridge: error: {path}")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_directory_as_input(tmp_path: Path):
    result = run("ids", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"refbridge: error: {tmp_path}: is a directory, not a file\n"


def test_enrich_needs_an_output_choice():
    result = run("enrich", str(REPO / "samples" / "incomplete.bib"))
    assert result.exit_code == 2
    assert "give exactly one of -o OUT and --in-place" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["ids"], "Error: Missing argument 'INPUT...'."),
    # The input exists, so the only thing wrong is the missing -o.
    (["import", str(SAMPLES / "arxiv-listing-abstracts.txt")],
     "Error: Missing option '-o' / '--output'."),
    (["frobnicate"], "Error: No such command 'frobnicate'."),
    (["import", str(SAMPLES / "arxiv-listing-abstracts.txt"), "-o", "x.bib", "--format", "ris"],
     "Error: Invalid value for '--format': 'ris' is not one of 'bibtex', 'biblatex', "
     "'csl-json'."),
])
def test_usage_errors_exit_2_and_say_what_is_wrong(args: list[str], message: str):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == message


@pytest.fixture
def live_arxiv(monkeypatch: pytest.MonkeyPatch):
    """A loopback arXiv that would answer: a request sent is recorded, not refused."""
    from tests.servers.arxiv_server import ArxivServer

    with ArxivServer() as server:
        monkeypatch.setenv("REFBRIDGE_ARXIV_URL", server.url)
        monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
        yield server


def test_unknown_output_suffix_is_refused_before_any_request(tmp_path: Path, live_arxiv):
    listing = str(SAMPLES / "arxiv-listing-abstracts.txt")
    out = tmp_path / "out.docx"
    result = run("import", listing, "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        "refbridge: error: unknown format '.docx'; known formats: .bib, .biblatex, .bibtex, "
        ".json, biblatex, bibtex, csl-json\n")
    assert live_arxiv.requests == []
    assert not out.exists()
    # The same run with a known suffix does ask arXiv: the server above is really listening.
    run("import", listing, "-o", str(tmp_path / "out.bib"))
    assert live_arxiv.requests != []


def test_the_progress_bar_comes_up_only_after_a_second_and_always_goes(monkeypatch):
    from bridge.cli import _RichProgress

    progress = _RichProgress()
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.05)
    progress.start("quick", 3)
    progress.advance()
    progress.finish()                  # a run done within SHOW_AFTER shows nothing
    assert progress._bar is None
    progress.start("slow", 3)
    deadline = time.monotonic() + 5
    while progress._bar is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert progress._bar is not None   # the timer brought it up without waiting for advance
    progress.advance(2)
    (task,) = progress._bar.tasks
    assert (task.description, task.total, task.completed) == ("slow", 3, 2)
    progress.finish()
    assert progress._bar is None and progress._timer is None


@pytest.mark.parametrize(("command", "output", "message"), [
    ("import", "missing-dir/out.bib", "cannot write here: no directory"),
    ("import", ".", "cannot write here: it is a directory"),
    ("enrich", "missing-dir/out.bib", "cannot write here: no directory"),
    ("pull", "missing-dir/out.bib", "cannot write here: no directory"),
])
def test_an_unwritable_output_is_refused_before_any_request(tmp_path: Path, monkeypatch,
                                                            command, output, message):
    # The endpoints of the isolated test environment are dead: had refbridge asked a
    # service first, this would end in exit code 3, not 2.
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "samples" / "incomplete.bib", "in.bib")
    args = {"import": ["import", "in.bib", "-o", output],
            "enrich": ["enrich", "in.bib", "-o", output],
            "pull": ["pull", "-o", output]}[command]
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == f"refbridge: error: {output}: {message}" + (
        " missing-dir\n" if "no directory" in message else "\n")


def test_an_unusable_cache_location_is_one_line(tmp_path: Path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("REFBRIDGE_CACHE", str(blocker / "cache.sqlite3"))
    result = run("import", "-", "-o", str(tmp_path / "out.bib"), input="arXiv:2212.08073")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "cannot use as the arXiv cache" in result.stderr
    assert "--no-cache" in result.stderr


def test_a_failed_write_leaves_what_was_there_and_no_temp_file(tmp_path: Path):
    from bridge._io import atomic_write_text
    from bridge.errors import UnwritableOutput

    # The rename is what fails here (onto a non-empty directory), after the temp file was
    # written: the case that must clean up. Permission bits would not stop root.
    target = tmp_path / "refs.bib"
    target.mkdir()
    (target / "keep.txt").write_text("old")
    with pytest.raises(UnwritableOutput, match=r"refs\.bib: cannot write here"):
        atomic_write_text(target, "new")
    assert (target / "keep.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]
