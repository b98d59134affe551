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
from dataclasses import asdict, fields
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
_REFERENCE_FIELDS = {f.name for f in fields(Reference)}


def _to_json(ref: Reference) -> str:
    public = ref.copy(key=None, provenance=None, fields={}, tags=[])
    return json.dumps(asdict(public), ensure_ascii=False, sort_keys=True)


def _from_json(text: str) -> Reference | None:
    try:
        data: dict[str, Any] = json.loads(text)
        data = {k: v for k, v in data.items() if k in _REFERENCE_FIELDS}
        data["authors"] = [Author(**a) for a in data.get("authors", [])]
        data["editors"] = [Author(**a) for a in data.get("editors", [])]
        data["provenance"] = None
        return Reference(**data)
    except (ValueError, TypeError):
        return None  # a row we cannot read is a miss, never a crash


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
        if version is not None:
            row = self._db.execute(
                "SELECT data FROM papers WHERE arxiv_id = ? AND version = ?",
                (arxiv_id, version)).fetchone()
            return _from_json(row[0]) if row else None
        row = self._db.execute(
            "SELECT data, latest FROM papers WHERE arxiv_id = ? ORDER BY version DESC LIMIT 1",
            (arxiv_id,)).fetchone()
        return _from_json(row[0]) if row and row[1] else None

    def is_not_found(self, asked: str) -> bool:
        """True while an unexpired "arXiv does not know this id" answer is cached."""
        row = self._db.execute("SELECT expires_at FROM not_found WHERE asked = ?",
                               (asked,)).fetchone()
        return bool(row) and row[0] > self._clock()

    def get_search(self, query: str, max_results: int) -> list[Reference] | None:
        """The cached answer of a search, or None when unknown, expired or incomplete."""
        row = self._db.execute(
            "SELECT ids, expires_at FROM searches WHERE query = ? AND max_results = ?",
            (query, max_results)).fetchone()
        if not row or row[1] <= self._clock():
            return None
        references = []
        for arxiv_id, version in json.loads(row[0]):
            ref = self.get(arxiv_id, version)
            if ref is None:
                return None
            references.append(ref)
        return references

    # -- writing
    def store_lookup(self, found: Iterable[tuple[str, Reference]],
                     missing: Iterable[str] = ()) -> None:
        """Store one batch of answers in one transaction.

        `found` pairs the id as asked with the paper returned: an unversioned ask (the asked
        id equals the paper's bare id) marks the row as the latest version.
        """
        now = self._clock()
        with self._transaction() as db:
            for asked, ref in found:
                self._put(db, ref, latest=asked == ref.arxiv_id, now=now)
                db.execute("DELETE FROM not_found WHERE asked = ?", (asked,))
            db.executemany(
                "INSERT OR REPLACE INTO not_found (asked, expires_at) VALUES (?, ?)",
                [(asked, now + self.not_found_ttl) for asked in missing])
            db.execute("DELETE FROM not_found WHERE expires_at <= ?", (now,))

    def store_search(self, query: str, max_results: int, references: list[Reference]) -> None:
        """Store a search answer and its papers (as latest versions) in one transaction."""
        now = self._clock()
        ids = [(ref.arxiv_id, ref.arxiv_version) for ref in references]
        with self._transaction() as db:
            for ref in references:
                self._put(db, ref, latest=True, now=now)
            db.execute(
                "INSERT OR REPLACE INTO searches (query, max_results, ids, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (query, max_results, json.dumps(ids), now + self.search_ttl))
            db.execute("DELETE FROM searches WHERE expires_at <= ?", (now,))

    def _put(self, db: sqlite3.Connection, ref: Reference, *, latest: bool, now: float) -> None:
        if not ref.arxiv_id or ref.arxiv_version is None:
            return  # only versioned arXiv records have a row to live in
        db.execute(
            "INSERT INTO papers (arxiv_id, version, latest, fetched_at, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (arxiv_id, version) DO UPDATE SET "
            "latest = max(papers.latest, excluded.latest), fetched_at = excluded.fetched_at, "
            "data = excluded.data",
            (ref.arxiv_id, ref.arxiv_version, int(latest), now, _to_json(ref)))

    # -- inspection (tests, `refbridge` diagnostics)
    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {table: self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("papers", "not_found", "searches")}
