"""Four `refbridge push` processes of the same papers into one library at once: every paper
is created once, the collection once (issue 8, item 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.paths import REPO
from tests.servers.arxiv_server import ArxivServer, synthetic_paper
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

PAPERS = 60
PROCESSES = 4


def _push(arxiv: ArxivServer, zotero: ZoteroServer, papers: Path, cache: Path,
          home: Path) -> subprocess.Popen[str]:
    env = {**os.environ,
           "REFBRIDGE_ARXIV_URL": arxiv.url, "REFBRIDGE_ARXIV_DELAY": "0",
           "REFBRIDGE_ZOTERO_URL": zotero.url, "ZOTERO_API_KEY": WRITE_KEY,
           "REFBRIDGE_CACHE": str(cache), "REFBRIDGE_CONFIG": str(home / "none.toml")}
    env.pop("ZOTERO_LIBRARY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", "push", str(papers), "--collection", "Reading"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_pushes_create_each_paper_and_the_collection_once(
        arxiv_server: ArxivServer, zotero_server: ZoteroServer, tmp_path: Path) -> None:
    for index in range(1, PAPERS + 1):
        arxiv_server.add_papers(synthetic_paper(index))
    ids = [f"2401.{index:05d}" for index in range(1, PAPERS + 1)]
    papers = tmp_path / "papers.txt"
    papers.write_text("".join(f"arXiv:{i}\n" for i in ids))

    # Each process has a cache (and so a duplicate index) of its own: none can learn from
    # another's index, only from the library.
    runs = [_push(arxiv_server, zotero_server, papers, tmp_path / f"cache-{n}.sqlite3",
                  tmp_path) for n in range(PROCESSES)]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0] * PROCESSES, [err for _, err in results]

    archive_ids = Counter(item.get("archiveID") for item in zotero_server.items.values()
                          if item.get("itemType") == "preprint")
    duplicates = sum(count - 1 for count in archive_ids.values())
    assert (duplicates, len(archive_ids)) == (0, PAPERS)
    assert set(archive_ids) == {f"arXiv:{i}" for i in ids}
    reading = [c for c in zotero_server.collections.values() if c["name"] == "Reading"]
    assert len(reading) == 1
    assert all(item["collections"] == [reading[0]["key"]]
               for item in zotero_server.items.values())
    # Between them the runs created each paper once; every run accounts for all 60.
    created = [int(err.split("created ")[1].split(",")[0]) for _, err in results]
    assert sum(created) == PAPERS, [err for _, err in results]
