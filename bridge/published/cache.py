"""The answers of Crossref, Semantic Scholar and DBLP, cached in the arXiv cache's SQLite file.

One table, `published_answers (service, asked)` -> the answer as the service gave it (a
Crossref `message` as JSON, a Semantic Scholar batch record as JSON, DBLP's BibTeX text),
or NULL for "the service does not know this", with an expiry:

* Crossref and DBLP records never expire (a DOI's metadata and a DBLP record of a published
  paper do not change in ways a citation notices; `--refresh` asks again);
* Semantic Scholar records expire after `S2_TTL` (30 days): that is where a preprint learns
  that it was published;
* "not known" answers expire after `NOT_FOUND_TTL` (7 days).

The same file, opened the one way (`bridge._sqlite.connect`: WAL, busy timeout, every
database error the one-line `ConfigError`), with each write in one `BEGIN IMMEDIATE`
transaction, so two runs can share it. Only public metadata goes in: never a header, a key
or a setting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from .. import _sqlite

__all__ = ["NOT_FOUND_TTL", "S2_TTL", "PublishedCache"]

S2_TTL = 30 * 24 * 3600.0
NOT_FOUND_TTL = 7 * 24 * 3600.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS published_answers (
    service TEXT NOT NULL,
    asked TEXT NOT NULL,
    answer TEXT,
    fetched_at REAL NOT NULL,
    expires_at REAL,
    PRIMARY KEY (service, asked)
)
"""
_MISS = object()


class PublishedCache:
    """The table at `path` (":memory:" for a private in-memory one)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time):
        self.path = str(path)
        self._clock = clock
        self._db = _sqlite.connect(self.path, purpose="cache", isolation_level=None)
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PublishedCache:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def get(self, service: str, asked: str) -> str | object | None:
        """The cached answer (None: the service does not know it), or `MISS`."""
        row = self._db.execute(
            "SELECT answer, expires_at FROM published_answers WHERE service = ? AND asked = ?",
            (service, asked)).fetchone()
        if row is None or (row[1] is not None and row[1] <= self._clock()):
            return _MISS
        answer: str | None = row[0]
        return answer

    def put(self, service: str, answers: Iterable[tuple[str, str | None]], *,
            ttl: float | None) -> None:
        """Store (asked, answer) pairs in one transaction; None answers get NOT_FOUND_TTL."""
        now = self._clock()
        rows = [(service, asked, answer, now,
                 now + NOT_FOUND_TTL if answer is None else (now + ttl if ttl else None))
                for asked, answer in answers]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT OR REPLACE INTO published_answers "
                "(service, asked, answer, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)", rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM published_answers").fetchone()[0])


MISS = _MISS
"""What `PublishedCache.get` returns for an answer it does not hold (or holds expired)."""
