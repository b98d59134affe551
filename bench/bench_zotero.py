"""How many requests, how long and how much memory push and pull take, on the local server.

Run from the repository root:  /work/venv/bin/python bench/bench_zotero.py [--papers 500]
[--library 5000] [--no-memory]

Figures printed (no assertions: speed is not a test):

* push N new papers into an empty library: the target is ceil(N / 50) writes plus the
  index reads (key check, one page of an empty library);
* push the same N again with the index from the first push: the target is 0 writes and
  only `since` reads;
* push the same N with a fresh index (another machine): 0 writes, the whole library read;
* pull a library of M items (`pull`, then `pull_to_file` into a new .bib), then re-pull
  it unchanged and after one item changed: the target is the `since` reads only (1-2
  requests, plus /keys/current), not one request per 100 items.

The loopback server runs in a child process, so the time includes its answers but the peak
memory (tracemalloc's, while the step runs) is refbridge's alone. Requests and writes are the
client's own counters. tracemalloc slows Python down; the times are upper bounds.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridge.config import Settings
from bridge.model import Author, Reference
from bridge.zotero.api import ZoteroClient
from bridge.zotero.sync import pull, pull_to_file, push
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

_WORDS = ["sparse", "attention", "scaling", "laws", "for", "language", "models", "under",
          "distribution", "shift", "with", "verified", "reward", "signals", "and",
          "constitutional", "feedback"]


def _papers(count: int) -> list[Reference]:
    """Distinct arXiv-shaped references (ids 2401.00001...)."""
    refs = []
    for n in range(1, count + 1):
        words = [_WORDS[(n * k) % len(_WORDS)] for k in (1, 3, 7, 11, 13)]
        refs.append(Reference(
            arxiv_id=f"2401.{n:05d}", title=f"Paper {n}: {' '.join(words).capitalize()}",
            authors=[Author(f"Author{n}", "Ada"), Author("Müller", "Jörg"),
                     Author("Beethoven", "Ludwig", "van")],
            abstract=" ".join(_WORDS) * 4, date=f"2024-01-{n % 28 + 1:02d}",
            primary_category="cs.CL", categories=["cs.CL"]))
    return refs


def _library_items(count: int) -> list[dict[str, Any]]:
    kinds = ("journalArticle", "preprint", "book", "conferencePaper", "report")
    items = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        item: dict[str, Any] = {
            "itemType": kind, "title": f"Library item {n} on {_WORDS[n % len(_WORDS)]}",
            "creators": [{"creatorType": "author", "firstName": "Zoë", "lastName": f"Ng{n}"}],
            "date": f"{1990 + n % 35}", "abstractNote": " ".join(_WORDS) * 3,
            "dateAdded": f"2020-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}Z"}
        if kind == "preprint":
            item.update(repository="arXiv", archiveID=f"arXiv:2301.{n:05d}",
                        url=f"https://arxiv.org/abs/2301.{n:05d}",
                        extra=f"arXiv:2301.{n:05d} [cs.LG]")
        elif kind == "journalArticle":
            item.update(publicationTitle="Journal of Tests", volume=str(n % 40), pages="1-10")
        items.append(item)
    return items


def _serve(conn: Connection, library_size: int) -> None:
    """In a child process: a local Zotero server seeded with `library_size` items."""
    with ZoteroServer() as server:
        items = _library_items(library_size)
        for start in range(0, len(items), 1000):
            server.add_items(items[start:start + 1000])
        conn.send((server.url, server.library))
        conn.recv()  # until the parent is done


class _Server:
    """The server in its own process, so that time and memory measured here are ours."""

    def __init__(self, library_size: int = 0):
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=_serve, args=(child, library_size),
                                                daemon=True)

    def __enter__(self) -> _Server:
        self._process.start()
        self.url, self.library = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._process.join(timeout=30)

    def client(self) -> ZoteroClient:
        return ZoteroClient(Settings(), api_key=WRITE_KEY, library=self.library, url=self.url,
                            sleep=lambda seconds: None)


_MEMORY = True


def _measure(label: str, client: ZoteroClient, job: Callable[[], Any]) -> Any:
    """Run `job` once: its requests, writes, time and (unless --no-memory) peak memory."""
    requests, writes = client.requests_made, client.writes_made
    if _MEMORY:
        tracemalloc.start()
    started = time.perf_counter()
    result = job()
    elapsed = time.perf_counter() - started
    memory = ""
    if _MEMORY:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        memory = f" {peak / 2**20:>8.1f} MiB peak"
    print(f"{label:<44} {client.requests_made - requests:>5} requests "
          f"{client.writes_made - writes:>4} writes {elapsed:>7.2f} s{memory}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--library", type=int, default=5000)
    parser.add_argument("--no-memory", action="store_true",
                        help="time without tracemalloc (which slows Python down)")
    args = parser.parse_args()
    global _MEMORY
    _MEMORY = not args.no_memory

    refs = _papers(args.papers)
    print(f"push target: {math.ceil(args.papers / 50)} writes "
          f"(ceil({args.papers}/50)) plus the index reads")
    with tempfile.TemporaryDirectory() as tmp, _Server() as server:
        index = Path(tmp) / "cache.sqlite3"
        with server.client() as c:
            first = _measure(f"push {args.papers} new papers", c,
                             lambda: push(refs, c, index_path=index))
        with server.client() as c:
            again = _measure(f"push the same {args.papers} again", c,
                             lambda: push(refs, c, index_path=index))
        with server.client() as c:
            fresh = _measure("push again with a fresh index", c,
                             lambda: push(refs, c, index_path=Path(tmp) / "fresh.sqlite3"))
        print(f"  created {len(first.created)}, then {len(again.created)} and "
              f"{len(fresh.created)}; already present then {len(again.already_present)}")

    with tempfile.TemporaryDirectory() as tmp, _Server(args.library) as server:
        out = Path(tmp) / "library.bib"
        cache = Path(tmp) / "c.sqlite3"
        with server.client() as c:
            pulled = _measure(f"pull a {args.library}-item library", c, lambda: pull(c))
        with server.client() as c:
            _measure(f"pull_to_file a {args.library}-item library", c,
                     lambda: pull_to_file(c, out, index_path=cache))
        with server.client() as c:
            _measure("re-pull into that file (nothing changed)", c,
                     lambda: pull_to_file(c, out, index_path=cache))
        with server.client() as c:
            first = next(c.iter_items(top=True))
            c.update_items([{"key": first["key"], "version": first["version"],
                             "title": f"{first['title']} (revised)"}])
        with server.client() as c:
            _measure("re-pull after one item changed", c,
                     lambda: pull_to_file(c, out, index_path=cache))
        print(f"  pulled {len(pulled)} references, {len({r.key for r in pulled})} unique keys, "
              f"{out.stat().st_size / 2**20:.1f} MiB of .bib")


if __name__ == "__main__":
    main()
