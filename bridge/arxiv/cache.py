"""The arXiv metadata cache: one SQLite file, so a second run over the same input asks nothing.

Three tables:

* `papers (arxiv_id, version)` -> the `Reference` as JSON, when it was fetched, and
  `latest`: 1 when the row came from an *unversioned* answer (an unversioned lookup or a
  search), i.e. arXiv said "this is the newest version" when we fetched it.
* `not_found (asked)` -> an expiry (`not_found_ttl`, one day): the API did not return that
  id (or refused it as malformed). Papers appear on arXiv every day, so "no" is only
  believed for a while.
* `searches (query, max_results)` -> the versioned ids answered, with an expiry
  (`search_ttl`, seven days); the papers themselves are rows of `papers`.

**Which row answers an unversioned lookup.** A versioned answer (`2104.12255v1`) says
nothing about later versions, so it must not answer "the latest version of 2104.12255".
An unversioned lookup is therefore served by the highest cached version of the paper *only
if that row is marked latest*. If a newer version was later fetched by a versioned ask, it
is now the highest row but unmarked, which correctly sends the unversioned lookup back to
arXiv (we know the marked row is stale). Versioned lookups are served by their exact row,
however it was fetched. Rows do not expire: arXiv versions are immutable, and "latest" goes
stale only when a new version is posted; `refresh` re-fetches and overwrites.

**Sharing and crashes.** WAL journal and a busy timeout let two runs share the file (opened
by `bridge._sqlite`, which turns every database error into a one-line `ConfigError`); each
batch of a run is written in one `BEGIN IMMEDIATE` transaction, so a run killed half-way
leaves whole batches or nothing of a batch.

Only public arXiv metadata is stored: the stored record is stripped of citation key,
provenance, tags and pass-through fields, and nothing about the request (no headers, no
settings) goes in.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from types import TracebackType
from typing import Any

from .. import _sqlite
from ..model import Author, Reference

__all__ = ["NOT_FOUND_TTL", "SEARCH_TTL", "MetadataCache"]

NOT_FOUND_TTL = 24 * 3600.0
SEARCH_TTL = 7 * 24 * 3600.0
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    arxiv_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    latest INTEGER NOT NULL,
    fetched_at REAL NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, version)
);
CREATE TABLE IF NOT EXISTS not_found (
    asked TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS searches (
    query TEXT NOT NULL,
    max_results INTEGER NOT NULL,
    ids TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (query, max_results)
);
"""
_PRIVATE = frozenset({"key", "provenance", "fields", "tags"})
"""The user's side of a record, never stored: its citation key, where it came from, its tags
and pass-through fields."""
_STORED = tuple(f.name for f in fields(Reference) if f.name not in _PRIVATE)
_NAMES = ("authors", "editors")
_CHUNK = 500
"""Ids per `IN (...)` query: well under SQLite's limit on bound parameters (999 before 3.32)."""


def _to_json(ref: Reference) -> str:
    """The public fields of `ref` that differ from a fresh Reference's; names as lists.

    Written field by field rather than with `dataclasses.asdict`, whose recursive deep copy
    was a sixth of a bulk import.
    """
    state = ref.__dict__
    data: dict[str, Any] = {}
    for name in _STORED:
        value = state[name]
        if value is None or value is False or value == []:
            continue  # the default: Reference() gives it back
        if name in _NAMES:
            value = [[a.last, a.first, a.von, a.jr, a.is_institution] for a in value]
        data[name] = value
    return json.dumps(data, ensure_ascii=False)


def _author(stored: Any) -> Author:
    # Rows written before names were stored as lists hold a dict per name.
    return Author(**stored) if isinstance(stored, dict) else Author(*stored)


def _from_json(text: str) -> Reference | None:
    try:
        data: dict[str, Any] = json.loads(text)
        state = {name: data[name] for name in _STORED if name in data}
        for name in _NAMES:
            if name in state:
                state[name] = [_author(a) for a in state[name]]
        return Reference(**state)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # a row we cannot read is a miss, never a crash


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class MetadataCache:
    """The SQLite cache at `path` (":memory:" for a private in-memory one)."""

    def __init__(self, path: str | Path, *, not_found_ttl: float = NOT_FOUND_TTL,
                 search_ttl: float = SEARCH_TTL, clock: Callable[[], float] = time.time):
        self.path = str(path)
        self.not_found_ttl = not_found_ttl
        self.search_ttl = search_ttl
        self._clock = clock
        # Every database error, now or later, is the one-line ConfigError (bridge._sqlite).
        self._db = _sqlite.connect(self.path, purpose="arXiv cache", isolation_level=None)
        with self._transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    # -- lifecycle
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> MetadataCache:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading
    def get(self, arxiv_id: str, version: int | None = None) -> Reference | None:
        """The cached paper: that version, or (version None) the latest as the module says."""
        return self.get_many([(arxiv_id, version)]).get((arxiv_id, version))

    def get_many(self, asks: Iterable[tuple[str, int | None]]
                 ) -> dict[tuple[str, int | None], Reference]:
        """`get` for many (id, version) asks at once: the ones the cache answers.

        One query per few hundred ids (every stored version of each), not one per id.
        """
        asks = list(asks)
        versions: dict[str, dict[int, tuple[int, str]]] = {}
        for chunk in _chunks(list(dict.fromkeys(arxiv_id for arxiv_id, _ in asks))):
            rows = self._db.execute(
                "SELECT arxiv_id, version, latest, data FROM papers WHERE arxiv_id IN "
                f"({','.join('?' * len(chunk))})", chunk)
            for arxiv_id, version, latest, data in rows:
                versions.setdefault(arxiv_id, {})[version] = (latest, data)
        found: dict[tuple[str, int | None], Reference] = {}
        for arxiv_id, version in asks:
            stored = versions.get(arxiv_id)
            if not stored:
                continue
            if version is not None:
                row = stored.get(version)
            else:
                row = stored[max(stored)]
                row = row if row[0] else None  # the highest row is not marked latest: stale
            ref = _from_json(row[1]) if row else None
            if ref is not None:
                found[(arxiv_id, version)] = ref
        return found

    def is_not_found(self, asked: str) -> bool:
        """True while an unexpired "arXiv does not know this id" answer is cached."""
        return asked in self.not_found_among([asked])

    def not_found_among(self, asked: Iterable[str]) -> set[str]:
        """The asks for which an unexpired "arXiv does not know this id" answer is cached."""
        now = self._clock()
        gone: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(asked))):
            rows = self._db.execute(
                "SELECT asked FROM not_found WHERE expires_at > ? AND asked IN "
                f"({','.join('?' * len(chunk))})", [now, *chunk])
            gone.update(row[0] for row in rows)
        return gone

    def get_search(self, query: str, max_results: int) -> list[Reference] | None:
        """The cached answer of a search, or None when unknown, expired or incomplete."""
        row = self._db.execute(
            "SELECT ids, expires_at FROM searches WHERE query = ? AND max_results = ?",
            (query, max_results)).fetchone()
        if not row or row[1] <= self._clock():
            return None
        asks = [(arxiv_id, version) for arxiv_id, version in json.loads(row[0])]
        papers = self.get_many(asks)
        if len(papers) < len(set(asks)):
            return None
        return [papers[ask] for ask in asks]

    # -- writing
    def store_lookup(self, found: Iterable[tuple[str, Reference]],
                     missing: Iterable[str] = ()) -> None:
        """Store one batch of answers in one transaction.

        `found` pairs the id as asked with the paper returned: an unversioned ask (the asked
        id equals the paper's bare id) marks the row as the latest version.
        """
        now = self._clock()
        found = list(found)
        with self._transaction() as db:
            self._put(db, [(ref, asked == ref.arxiv_id) for asked, ref in found], now=now)
            db.executemany("DELETE FROM not_found WHERE asked = ?",
                           [(asked,) for asked, _ in found])
            db.executemany(
                "INSERT OR REPLACE INTO not_found (asked, expires_at) VALUES (?, ?)",
                [(asked, now + self.not_found_ttl) for asked in missing])
            db.execute("DELETE FROM not_found WHERE expires_at <= ?", (now,))

    def store_search(self, query: str, max_results: int, references: list[Reference]) -> None:
        """Store a search answer and its papers (as latest versions) in one transaction."""
        now = self._clock()
        ids = [(ref.arxiv_id, ref.arxiv_version) for ref in references]
        with self._transaction() as db:
            self._put(db, [(ref, True) for ref in references], now=now)
            db.execute(
                "INSERT OR REPLACE INTO searches (query, max_results, ids, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (query, max_results, json.dumps(ids), now + self.search_ttl))
            db.execute("DELETE FROM searches WHERE expires_at <= ?", (now,))

    def _put(self, db: sqlite3.Connection, papers: list[tuple[Reference, bool]], *,
             now: float) -> None:
        """Store each (paper, is it the latest version) pair."""
        db.executemany(
            "INSERT INTO papers (arxiv_id, version, latest, fetched_at, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (arxiv_id, version) DO UPDATE SET "
            "latest = max(papers.latest, excluded.latest), fetched_at = excluded.fetched_at, "
            "data = excluded.data",
            [(ref.arxiv_id, ref.arxiv_version, int(latest), now, _to_json(ref))
             for ref, latest in papers
             # only versioned arXiv records have a row to live in
             if ref.arxiv_id and ref.arxiv_version is not None])

    # -- inspection (tests, `refbridge` diagnostics)
    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {table: self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("papers", "not_found", "searches")}
