"""Several refbridge processes (and a user with an editor) writing one .bib at once.

Real processes (`python -m bridge`), the real arXiv client against the loopback server. Each
scenario runs a bounded number of rounds and every process has a timeout: nothing here
waits for a clock, and nothing can hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.readers.bibtex import read_bibtex
from tests.paths import REPO
from tests.servers.arxiv_server import ArxivServer, synthetic_paper

WRITERS = 4
PAPERS_EACH = 12
ROUNDS = 2
TIMEOUT = 120  # seconds a process may take before the test calls it hung


def _env(server: ArxivServer, tmp_path: Path, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "REFBRIDGE_ARXIV_URL": server.url,
        "REFBRIDGE_ARXIV_DELAY": "0",
        # One cache each: the cache's own locking is not what this test is about.
        "REFBRIDGE_CACHE": str(tmp_path / f"cache-{name}.sqlite3"),
        "REFBRIDGE_CONFIG": str(tmp_path / "no-config.toml"),
        "PYTHONPATH": str(REPO),
    })
    return env


def _start(server: ArxivServer, tmp_path: Path, name: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bridge", *args], cwd=tmp_path,
                            env=_env(server, tmp_path, name), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"{process.args} did not finish in {TIMEOUT} s")
    return process.returncode, stderr


def _ids_file(server: ArxivServer, tmp_path: Path, name: str, numbers: range) -> str:
    ids = []
    for number in numbers:
        [paper] = synthetic_paper(number, prefix="2402")
        ids.append(server.add_paper(paper).split("v")[0])
    path = tmp_path / f"{name}.txt"
    path.write_text("\n".join(ids) + "\n", encoding="utf-8")
    return path.name


def _wait_for_a_request(server: ArxivServer) -> None:
    for _ in range(600):  # bounded: at most ~60 s for the process to start and ask
        if server.requests:
            return
        time.sleep(0.1)
    pytest.fail("no request reached the arXiv server")


def _arxiv_ids(path: Path) -> list[str]:
    return [ref.arxiv_id or "" for ref in read_bibtex(path.read_text("utf-8"), str(path))]


def test_four_imports_into_one_output_lose_nothing(arxiv_server: ArxivServer, tmp_path: Path):
    for round_ in range(ROUNDS):
        out = tmp_path / f"round{round_}.bib"
        names = [f"r{round_}w{i}" for i in range(WRITERS)]
        files = [_ids_file(arxiv_server, tmp_path, name,
                           range(1 + 100 * (round_ * WRITERS + i),
                                 1 + 100 * (round_ * WRITERS + i) + PAPERS_EACH))
                 for i, name in enumerate(names)]
        processes = [_start(arxiv_server, tmp_path, name, "import", ids, "-o", out.name)
                     for name, ids in zip(names, files, strict=True)]
        results = [_finish(p) for p in processes]
        assert [code for code, _ in results] == [0] * WRITERS, results
        expected = sorted(line for f in files
                          for line in (tmp_path / f).read_text().split())
        assert sorted(_arxiv_ids(out)) == expected  # 48 entries, none lost, none twice
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}")] == []


def test_enrich_in_place_racing_an_import_keeps_both(arxiv_server: ArxivServer,
                                                     tmp_path: Path):
    out = tmp_path / "refs.bib"
    bare = [synthetic_paper(n, prefix="2403")[0] for n in range(1, 11)]
    for paper in bare:
        arxiv_server.add_paper(paper)
    out.write_text("".join(f"@misc{{bare{i},\n  eprint = {{{p['id'][:-2]}}},\n}}\n\n"
                           for i, p in enumerate(bare)), encoding="utf-8")
    ids = _ids_file(arxiv_server, tmp_path, "new", range(500, 530))
    arxiv_server.clear()
    arxiv_server.slow(5)  # enrich waits for arXiv while the import writes
    enrich = _start(arxiv_server, tmp_path, "enrich", "enrich", out.name, "--in-place")
    _wait_for_a_request(arxiv_server)
    imported = _start(arxiv_server, tmp_path, "import", "import", ids, "-o", out.name)
    assert [_finish(imported)[0], _finish(enrich)[0]] == [0, 0]
    refs = read_bibtex(out.read_text("utf-8"), str(out))
    assert len(refs) == 40  # 10 enriched + 30 imported
    assert all(ref.title for ref in refs[:10])  # the enrichment is there too


def test_an_entry_added_by_hand_during_a_run_survives(arxiv_server: ArxivServer,
                                                      tmp_path: Path):
    out = tmp_path / "refs.bib"
    out.write_text("@misc{first, title = {First}}\n", encoding="utf-8")
    ids = _ids_file(arxiv_server, tmp_path, "ids", range(700, 705))
    arxiv_server.clear()
    arxiv_server.slow(3)  # the run is waiting for arXiv while the user edits the file
    process = _start(arxiv_server, tmp_path, "import", "import", ids, "-o", out.name)
    _wait_for_a_request(arxiv_server)
    with out.open("a", encoding="utf-8") as handle:
        handle.write("\n@book{byhand, title = {Added by hand}}\n")
    code, stderr = _finish(process)
    assert code == 0, stderr
    text = out.read_text("utf-8")
    assert text.startswith("@misc{first, title = {First}}\n\n"
                           "@book{byhand, title = {Added by hand}}\n\n@misc{")
    assert len(read_bibtex(text, str(out))) == 7
