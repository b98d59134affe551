"""The one way refbridge opens its SQLite cache file (arXiv metadata, the Zotero index).

`connect(path, purpose=...)` returns a `sqlite3.Connection` whose every database error, at
open *and* in use (a statement, a fetch, a commit), is raised as the one-line `ConfigError`
(exit 2) that says which file, what is wrong with it, and what to do:

* a file that is not a database or is corrupt: delete it, or point REFBRIDGE_CACHE elsewhere;
* locked by another process past the busy timeout: try again when that run has finished;
* read-only or in a folder that cannot be written: point REFBRIDGE_CACHE elsewhere.

The file is shared by runs and processes: WAL journal, a busy timeout, and `check_same_thread`
off (callers serialise their own use).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["BUSY_TIMEOUT", "connect"]

BUSY_TIMEOUT = 30.0
"""Seconds a statement waits for another process's lock before giving up."""


def connect(path: str | Path, *, purpose: str, timeout: float | None = None,
            wal: bool = True, **options: Any) -> sqlite3.Connection:
    """Open (creating it and its folder if needed) the SQLite file at `path` (":memory:"
    for a private one); `purpose` names it in messages ("arXiv cache"). `timeout`: seconds
    to wait for another process's lock (default `BUSY_TIMEOUT`)."""
    timeout = BUSY_TIMEOUT if timeout is None else timeout
    name = str(path)
    label = f"{name}: cannot use as the {purpose}"
    with _mapped(label, timeout):
        if name != ":memory:":
            try:
                Path(name).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"{label} ({exc.strerror or exc}); set REFBRIDGE_CACHE "
                                  "elsewhere") from None
        db = sqlite3.connect(name, timeout=timeout, factory=_GuardedConnection,
                             check_same_thread=False, **options)
        assert isinstance(db, _GuardedConnection)
        db.label, db.busy_timeout = label, timeout
        if name != ":memory:" and wal:
            _use_wal(db, timeout)
            # With WAL, NORMAL loses nothing when a process dies, only on power loss.
            db.execute("PRAGMA synchronous = NORMAL")
        return db


def _use_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL, waiting for other runs as every statement does.

    Switching takes an exclusive lock and SQLite does not call its busy handler for it: two
    runs opening a new cache file at once would see "database is locked" at once. The
    switch is made once per file (WAL persists), so the wait is short and rare.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            sqlite3.Connection.execute(db, "PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _explain(exc: sqlite3.Error, timeout: float) -> str:
    """What is wrong, and what to do about it.

    >>> _explain(sqlite3.OperationalError("database is locked"), 30)
    'locked by another refbridge run for more than 30 s); try again when it has finished'
    """
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"locked by another refbridge run for more than {timeout:g} s); try again "
                "when it has finished")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"{text}); delete it, or set REFBRIDGE_CACHE elsewhere"
    if "readonly" in text or "unable to open" in text or "disk I/O" in text:
        return f"{text}); set REFBRIDGE_CACHE to a file you can write"
    return f"{text}); delete it, or set REFBRIDGE_CACHE elsewhere"


@contextmanager
def _mapped(label: str, timeout: float) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise ConfigError(f"{label} ({_explain(exc, timeout)}") from exc


class _GuardedCursor(sqlite3.Cursor):
    """A cursor whose statements and fetches raise ConfigError (rows are read lazily, so a
    corrupt page can surface at a fetch)."""

    def _guard(self) -> Any:
        connection = self.connection
        assert isinstance(connection, _GuardedConnection)
        return _mapped(connection.label, connection.busy_timeout)

    def execute(self, sql: str, parameters: Any = (), /) -> _GuardedCursor:
        with self._guard():
            super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _GuardedCursor:
        with self._guard():
            super().executemany(sql, seq_of_parameters)
        return self

    def executescript(self, sql_script: str, /) -> _GuardedCursor:
        with self._guard():
            super().executescript(sql_script)
        return self

    def fetchone(self) -> Any:
        with self._guard():
            return super().fetchone()

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        with self._guard():
            return super().fetchmany(size)

    def fetchall(self) -> list[Any]:
        with self._guard():
            return super().fetchall()

    def __next__(self) -> Any:
        with self._guard():
            return super().__next__()


class _GuardedConnection(sqlite3.Connection):
    """A connection whose statements, commits and transactions raise ConfigError."""

    label = "cache"
    busy_timeout = BUSY_TIMEOUT

    def cursor(self, factory: Any = _GuardedCursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> Any:
        return self.cursor().executescript(sql_script)

    def commit(self) -> None:
        with _mapped(self.label, self.busy_timeout):
            super().commit()

    def rollback(self) -> None:
        with _mapped(self.label, self.busy_timeout):
            super().rollback()

    def __exit__(self, *exc_info: Any) -> Any:
        with _mapped(self.label, self.busy_timeout):
            return super().__exit__(*exc_info)
