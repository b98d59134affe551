"""MetadataCache: what it answers, for how long, and that it survives sharing and SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bridge.arxiv import MetadataCache
from bridge.arxiv.cache import NOT_FOUND_TTL, SEARCH_TTL
from bridge.errors import ConfigError
from bridge.model import Author, Provenance, Reference
from tests.paths import REPO
from tests.servers.arxiv_server import ArxivServer, synthetic_paper


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _paper(version: int, title: str = "A paper") -> Reference:
    return Reference(arxiv_id="2401.00001", arxiv_version=version, title=title,
                     authors=[Author(last="Turing", first="Alan M.")],
                     arxiv_published="2024-01-15", date="2024-01-15", categories=["cs.LG"],
                     url="https://arxiv.org/abs/2401.00001")


def test_a_versioned_answer_never_answers_an_unversioned_lookup() -> None:
    cache = MetadataCache(":memory:")
    cache.store_lookup([("2401.00001v1", _paper(1))])
    assert cache.get("2401.00001", 1) == _paper(1)
    assert cache.get("2401.00001") is None


def test_an_unversioned_answer_serves_both_kinds_of_lookup() -> None:
    cache = MetadataCache(":memory:")
    cache.store_lookup([("2401.00001", _paper(2))])
    assert cache.get("2401.00001") == _paper(2)
    assert cache.get("2401.00001", 2) == _paper(2)
    assert cache.get("2401.00001", 1) is None


def test_a_newer_version_seen_later_makes_the_latest_row_stale() -> None:
    cache = MetadataCache(":memory:")
    cache.store_lookup([("2401.00001", _paper(2))])
    cache.store_lookup([("2401.00001v3", _paper(3))])
    assert cache.get("2401.00001") is None
    assert cache.get("2401.00001", 3) == _paper(3)
    # A versioned re-fetch of the latest row keeps it the latest.
    cache.store_lookup([("2401.00001", _paper(4)), ("2401.00001v4", _paper(4, "Fixed"))])
    assert cache.get("2401.00001") == _paper(4, "Fixed")


def test_not_found_answers_expire_after_a_day() -> None:
    clock = _Clock()
    cache = MetadataCache(":memory:", clock=clock)
    cache.store_lookup([], ["2501.99999", "abc"])
    assert cache.is_not_found("2501.99999") and cache.is_not_found("abc")
    assert not cache.is_not_found("2501.99998")
    clock.now += NOT_FOUND_TTL - 1
    assert cache.is_not_found("2501.99999")
    clock.now += 2
    assert not cache.is_not_found("2501.99999")
    # Finding it later clears the "no".
    cache.store_lookup([], ["2401.00001"])
    cache.store_lookup([("2401.00001", _paper(1))])
    assert not cache.is_not_found("2401.00001")


def test_search_answers_expire_after_a_week() -> None:
    clock = _Clock()
    cache = MetadataCache(":memory:", clock=clock)
    cache.store_search("au:turing", 5, [_paper(2)])
    assert cache.get_search("au:turing", 5) == [_paper(2)]
    assert cache.get_search("au:turing", 6) is None
    assert cache.get("2401.00001") == _paper(2)
    clock.now += SEARCH_TTL + 1
    assert cache.get_search("au:turing", 5) is None


def test_an_empty_search_answer_is_cached_too() -> None:
    cache = MetadataCache(":memory:")
    cache.store_search("ti:nothing", 10, [])
    assert cache.get_search("ti:nothing", 10) == []


def test_only_public_metadata_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    ref = _paper(1).copy(key="turing2024secret", fields={"note": "my private note"},
                         tags=["to-read"], provenance=Provenance("zotero:user:42", None, "KEY1"))
    with MetadataCache(path) as cache:
        cache.store_lookup([("2401.00001v1", ref)])
        assert cache.get("2401.00001", 1) == _paper(1)
    raw = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("*-wal"))
    for secret in (b"turing2024secret", b"my private note", b"to-read", b"zotero:user:42"):
        assert secret not in raw


def test_the_file_uses_wal_and_is_shared_between_connections(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite3"
    first, second = MetadataCache(path), MetadataCache(path)
    first.store_lookup([("2401.00001v1", _paper(1))])
    second.store_lookup([], ["2501.99999"])
    assert second.get("2401.00001", 1) == _paper(1)
    assert first.is_not_found("2501.99999")
    first.close()
    second.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_text("this is not sqlite\n" * 100)
    with pytest.raises(ConfigError, match="cannot use as the arXiv cache"):
        MetadataCache(path)


# ---------------------------------------------------------------- real processes

_RUN = """
import sys
from bridge.arxiv import ArxivClient, MetadataCache
from bridge.config import Settings
url, path, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
settings = Settings(arxiv_url=url, arxiv_delay=0.02, arxiv_batch_size=10, arxiv_retries=2)
with MetadataCache(path) as cache, ArxivClient(settings, cache=cache) as client:
    result = client.lookup([f"2401.{i:05d}" for i in range(first, last + 1)])
print(len(result.found), len(result.missing), client.requests_made)
"""


def _run(server: ArxivServer, path: Path, first: int, last: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUN, server.url, str(path), str(first), str(last)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return db.execute("SELECT arxiv_id, version, latest, data FROM papers").fetchall()


@pytest.fixture
def server_with_300():
    with ArxivServer(corpus=False) as server:
        for index in range(1, 301):
            server.add_papers(synthetic_paper(index))
        yield server


def test_a_run_killed_half_way_leaves_whole_batches(server_with_300: ArxivServer,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    process = _run(server_with_300, path, 1, 300)
    deadline = time.monotonic() + 30
    while len(server_with_300.requests) < 8 and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    rows = _rows(path)
    assert 0 < len(rows) < 300
    assert len(rows) % 10 == 0  # each batch is written whole or not at all
    for arxiv_id, version, latest, data in rows:
        stored = json.loads(data)
        assert (stored["arxiv_id"], stored["arxiv_version"], latest) == (arxiv_id, version, 1)
        assert stored["title"].startswith("Synthetic study number ")

    # The next run picks up where the killed one stopped.
    server_with_300.clear()
    rerun = _run(server_with_300, path, 1, 300)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    assert out.split() == ["300", "0", str(30 - len(rows) // 10)]


def test_two_runs_can_share_the_cache(server_with_300: ArxivServer, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    runs = [_run(server_with_300, path, 1, 200), _run(server_with_300, path, 101, 300)]
    results = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in results]
    assert [out.split()[:2] for out, _ in results] == [["200", "0"], ["200", "0"]]
    assert len(_rows(path)) == 300


# ------------------------------------------------- a broken or locked cache file, via the CLI

def _corrupt(path: Path) -> str:
    path.write_text("this is not sqlite\n" * 100)
    return (f"refbridge: error: {path}: cannot use as the {{purpose}} (file is not a database); "
            "delete it, or set REFBRIDGE_CACHE elsewhere\n")


def _locked(path: Path, holders: list[sqlite3.Connection]) -> str:
    """A cache file another connection holds an exclusive lock on (a rollback-journal file,
    as another program might leave it, so even opening it for WAL must wait)."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holders.append(holder)
    return (f"refbridge: error: {path}: cannot use as the {{purpose}} (locked by another "
            "refbridge run for more than 0.2 s); try again when it has finished\n")


_PURPOSE = {"import": "arXiv cache", "enrich": "arXiv cache", "push": "arXiv cache",
            "pull": "Zotero index (the cache file)"}


@pytest.mark.parametrize("command", ["import", "enrich", "push", "pull"])
@pytest.mark.parametrize("state", ["corrupt", "locked"])
def test_a_broken_cache_file_is_one_line_and_exit_2(
        command: str, state: str, service_env: tuple[ArxivServer, Any], isolated_env: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bridge import _sqlite
    from bridge.cli import cli

    monkeypatch.setattr(_sqlite, "BUSY_TIMEOUT", 0.2)  # the wait, not the outcome
    holders: list[sqlite3.Connection] = []
    expected = (_corrupt(isolated_env) if state == "corrupt" else
                _locked(isolated_env, holders)).format(purpose=_PURPOSE[command])
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{k, title = {T}, eprint = {1111.2011}, archivePrefix = {arXiv}}\n")
    args = {"import": ["import", "-", "-o", str(tmp_path / "out.bib")],
            "enrich": ["enrich", str(bib), "-o", str(tmp_path / "out.bib")],
            "push": ["push", "-"],
            "pull": ["pull", "-o", str(tmp_path / "out.bib")]}[command]
    try:
        result = CliRunner().invoke(cli, args, input="arXiv:1111.2011\n")
    finally:
        for holder in holders:
            holder.close()
    assert (result.exit_code, result.stderr) == (2, expected)
    assert not (tmp_path / "out.bib").exists()


def test_a_corrupt_page_found_in_use_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with MetadataCache(path) as cache:
        cache.store_lookup([(f"2401.{i:05d}", Reference(
            arxiv_id=f"2401.{i:05d}", arxiv_version=1, title="x" * 2000))
            for i in range(1, 200)])
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page:len(data) - page] = b"\xff" * (len(data) - 4 * page)  # the table's pages
    path.write_bytes(bytes(data))
    cache = MetadataCache(path)  # the header and schema page are intact: it opens
    with pytest.raises(ConfigError, match=r"cannot use as the arXiv cache \(database disk "
                                          r"image is malformed\); delete it"):
        for i in range(1, 200):
            cache.get(f"2401.{i:05d}", 1)
    cache.close()


_OPEN_AT = """
import sys, time
from bridge.arxiv import MetadataCache
path, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
with MetadataCache(path) as cache:
    cache.store_lookup([], [sys.argv[3]])
"""


def test_runs_opening_a_new_cache_file_at_once_both_use_it(tmp_path: Path) -> None:
    # Switching a new file to WAL takes a lock SQLite does not wait for by itself; before
    # `_sqlite` waited for it, two runs starting together failed most of the time.
    for attempt in range(8):
        path = tmp_path / f"fresh{attempt}.sqlite3"
        start = time.time() + 0.3
        runs = [subprocess.Popen([sys.executable, "-c", _OPEN_AT, str(path), str(start), ident],
                                 cwd=REPO, stderr=subprocess.PIPE, text=True)
                for ident in ("2501.00001", "2501.00002")]
        errors = [run.communicate(timeout=60)[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], errors
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM not_found").fetchone() == (2,)
