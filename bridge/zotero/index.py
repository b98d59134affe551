"""The duplicate index of a Zotero library, kept in the SQLite cache file between runs.

`push` must not create a paper the library already has, in any of its shapes (see
`bridge.zotero.items`). Reading a whole library on every push would cost one request per
100 items, so the index keeps, per library, each regular item's key, version, type and
collections, and the identity keys it is found under (`arxiv:<id>`, `doi:<doi>`,
`title:<normalised title>|<year>`), together with the library version it was read at.
A refresh then asks only for what changed: items `since` that version, and `/deleted`
since it.

`pull_to_file` also keeps here, per .bib file, which citation key it wrote each item under
(`zotero_pulled_keys`), so that a re-pull finds an entry even after its title changed; and,
per library, every item it read, children too, as Zotero's JSON (`zotero_pull_items`,
with the version read at in `zotero_pull_libraries`), so that a re-pull asks only for the
items changed `since` that version (the trash included, to see items moved there) and, if
the library moved on, the keys `/deleted` since it: one or two requests, not one per 100
items. `library_items` gives what a full read would list.

Storage: tables `zotero_index2_libraries`, `zotero_index2_items` and `zotero_index2_ids` in the
same SQLite file as the arXiv metadata cache (`Settings.resolved_cache_path`), each row
namespaced by the library (`user:<id>`, `group:<id>`). This module has its own connection
and touches no other table; the file is in WAL mode so the two can share it. No API key or
anything else secret is stored.

Items in the trash are not returned by Zotero's item lists; an item moved to the trash after
the index read it stays in the index until it is emptied from the trash (then it shows up
in `/deleted`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import _sqlite
from ..model import Reference
from ..progress import NO_PROGRESS, Progress
from .items import identity_keys, is_regular_item, item_to_reference

__all__ = ["IndexEntry", "LibraryIndex", "RefreshStats"]

# The tables carry a generation number: the identity keys stored in them are computed by
# `items.identity_keys`, and when that rule changes (generation 2: titles folded by
# `bridge.fold`), an index of the old generation is left behind and the library read anew.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS zotero_index2_libraries (
    library TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS zotero_index2_items (
    library TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    item_type TEXT NOT NULL,
    arxiv_id TEXT,
    doi TEXT,
    collections TEXT NOT NULL,
    PRIMARY KEY (library, key)
);
CREATE TABLE IF NOT EXISTS zotero_index2_ids (
    library TEXT NOT NULL,
    ident TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (library, ident, key)
);
CREATE TABLE IF NOT EXISTS zotero_pull_libraries (
    library TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS zotero_pull_items (
    library TEXT NOT NULL,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (library, key)
);
CREATE TABLE IF NOT EXISTS zotero_pulled_keys (
    library TEXT NOT NULL,
    file TEXT NOT NULL,
    key TEXT NOT NULL,
    citekey TEXT NOT NULL,
    PRIMARY KEY (library, file, key)
);
"""

# Which identity is trusted first when a paper matches several items.
_RANK = {"arxiv": 0, "doi": 1, "title": 2}


@dataclass(frozen=True)
class IndexEntry:
    """One item of the library as the index knows it."""

    key: str
    version: int
    item_type: str
    collections: tuple[str, ...]
    arxiv_id: str | None = None
    doi: str | None = None


@dataclass(frozen=True)
class RefreshStats:
    """What a refresh read: `full` (the whole library) or only what changed since `since`."""

    full: bool
    since: int | None
    version: int
    items_read: int
    deleted: int


class LibraryIndex:
    """The duplicate index of one library in a SQLite file (`:memory:` allowed).

    >>> index = LibraryIndex(":memory:", "user:1")
    >>> index.add({"key": "ABCD2345", "version": 3, "itemType": "preprint",
    ...            "title": "A paper", "archiveID": "arXiv:2310.13798", "date": "2023"})
    >>> index.find(Reference(arxiv_id="2310.13798")).key
    'ABCD2345'
    >>> index.close()
    """

    def __init__(self, path: str | Path, library: str):
        self.path = path
        self.library = library
        # Every database error, now or later, is the one-line ConfigError (bridge._sqlite).
        self._db = _sqlite.connect(path, purpose="Zotero index (the cache file)")
        with self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> LibraryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ state

    @property
    def version(self) -> int | None:
        """The library version the index is up to date with; None before the first read."""
        row = self._db.execute("SELECT version FROM zotero_index2_libraries WHERE library = ?",
                               (self.library,)).fetchone()
        return None if row is None else int(row[0])

    def set_version(self, version: int) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO zotero_index2_libraries (library, version) VALUES (?, ?) "
                "ON CONFLICT(library) DO UPDATE SET version = excluded.version",
                (self.library, version))

    def __len__(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM zotero_index2_items WHERE library = ?",
                               (self.library,)).fetchone()
        return int(row[0])

    def clear(self) -> None:
        """Forget the library's items (not the citation keys written to files)."""
        with self._db:
            for table in ("zotero_index2_libraries", "zotero_index2_items", "zotero_index2_ids"):
                self._db.execute(f"DELETE FROM {table} WHERE library = ?", (self.library,))

    # ------------------------------------------------------------------ refresh

    def refresh(self, client: Any, *, progress: Progress = NO_PROGRESS) -> RefreshStats:
        """Bring the index up to date with the library through `client` (a ZoteroClient).

        The first time it reads every top-level item; later only the items changed since
        the stored version and the keys deleted since it.
        """
        since = self.version
        if since is None:
            self.clear()
        read = 0
        seen_version: int | None = None
        batch: list[Mapping[str, Any]] = []
        for data in client.iter_items(since=since, top=True, progress=progress):
            if seen_version is None:
                # The version of the first page: later pages may have moved on, and their
                # changes must be read again next time rather than skipped.
                seen_version = client.library_version
            batch.append(data)
            read += 1
            if len(batch) >= 500:
                self.add_many(batch)
                batch = []
        self.add_many(batch)
        if seen_version is None:
            seen_version = client.library_version
        deleted: list[str] = []
        if since is not None:
            deleted = client.deleted(since)
            self.remove(deleted)
        self.set_version(seen_version)
        return RefreshStats(full=since is None, since=since, version=seen_version,
                            items_read=read, deleted=len(deleted))

    # ------------------------------------------------------------------ updates

    def add(self, data: Mapping[str, Any]) -> None:
        """Add or replace one item (Zotero's editable JSON, with key and version)."""
        self.add_many([data])

    def add_many(self, items: Iterable[Mapping[str, Any]]) -> None:
        rows: list[tuple[Any, ...]] = []
        ids: list[tuple[str, str, str]] = []
        gone: list[str] = []
        for data in items:
            data = data.get("data", data) if isinstance(data.get("data"), Mapping) else data
            key = str(data["key"])
            gone.append(key)
            if not is_regular_item(data) or data.get("deleted"):
                continue
            ref = item_to_reference(data)
            rows.append((self.library, key, int(data.get("version") or 0), data["itemType"],
                         ref.arxiv_id, (ref.doi or "").lower() or None,
                         json.dumps(list(data.get("collections") or []))))
            ids.extend((self.library, ident, key) for ident in identity_keys(ref))
        with self._db:
            self._delete(gone)
            self._db.executemany(
                "INSERT INTO zotero_index2_items (library, key, version, item_type, arxiv_id, "
                "doi, collections) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self._db.executemany(
                "INSERT OR IGNORE INTO zotero_index2_ids (library, ident, key) VALUES (?, ?, ?)",
                ids)

    def remove(self, keys: Iterable[str]) -> None:
        with self._db:
            self._delete(list(keys))

    def _delete(self, keys: list[str]) -> None:
        for table in ("zotero_index2_items", "zotero_index2_ids"):
            self._db.executemany(f"DELETE FROM {table} WHERE library = ? AND key = ?",
                                 [(self.library, key) for key in keys])

    # ------------------------------------------------------------------ lookups

    def get(self, key: str) -> IndexEntry | None:
        row = self._db.execute(
            "SELECT key, version, item_type, collections, arxiv_id, doi "
            "FROM zotero_index2_items WHERE library = ? AND key = ?",
            (self.library, key)).fetchone()
        if row is None:
            return None
        return IndexEntry(row[0], int(row[1]), row[2], tuple(json.loads(row[3])), row[4],
                          row[5])

    def find(self, ref: Reference) -> IndexEntry | None:
        """The library item that is this paper, if any.

        An arXiv id or DOI match wins over a title match; a title match is refused when
        both sides have arXiv ids (or DOIs) and they differ: same title, other paper.
        """
        keys = identity_keys(ref)
        if not keys:
            return None
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(
            f"SELECT ident, key FROM zotero_index2_ids WHERE library = ? AND ident IN ({marks})",
            (self.library, *sorted(keys))).fetchall()
        for ident, key in sorted(rows, key=lambda r: (_RANK[r[0].split(":", 1)[0]], r[1])):
            entry = self.get(key)
            if entry is None:
                continue
            if ident.startswith("title:") and ref.ids_conflict(arxiv_id=entry.arxiv_id,
                                                               doi=entry.doi):
                continue
            return entry
        return None

    # ------------------------------------------------------------------ pulled items

    def library_items(self, client: Any, *,
                      progress: Progress = NO_PROGRESS) -> tuple[list[dict[str, Any]],
                                                                 RefreshStats]:
        """Every item of the library, children included and the trash left out, as a full
        read lists them; read through `client` (a ZoteroClient) only where the library
        changed since the last call. The order is the order of first listing: an item keeps
        its place when it changes, new items come last.
        """
        row = self._db.execute("SELECT version FROM zotero_pull_libraries WHERE library = ?",
                               (self.library,)).fetchone()
        since: int | None = None if row is None else int(row[0])
        changed: list[dict[str, Any]] = []
        seen_version: int | None = None
        # With `since`, the trash too: an item moved there changed, and must leave the file.
        for data in client.iter_items(since=since, trashed=since is not None,
                                      progress=progress):
            if seen_version is None:
                # The version of the first page: later pages may have moved on, and their
                # changes must be read again next time rather than skipped.
                seen_version = client.library_version
            changed.append(data)
        if seen_version is None:
            seen_version = client.library_version
        if since is not None and seen_version < since:
            # Versions only grow: this is another library under the same name (a reset
            # test server, a restored backup). Forget ours and read it whole.
            with self._db:
                self._forget_pulled()
            return self.library_items(client, progress=progress)
        deleted: list[str] = []
        if since is not None and seen_version != since:
            deleted = client.deleted(since)
        with self._db:
            if since is None:
                self._forget_pulled()
            gone = deleted + [str(d["key"]) for d in changed if d.get("deleted")]
            self._db.executemany(
                "DELETE FROM zotero_pull_items WHERE library = ? AND key = ?",
                [(self.library, key) for key in gone])
            (last,) = self._db.execute(
                "SELECT coalesce(max(position), -1) FROM zotero_pull_items WHERE library = ?",
                (self.library,)).fetchone()
            self._db.executemany(
                "INSERT INTO zotero_pull_items (library, key, position, data) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (library, key) DO UPDATE SET data = excluded.data",
                [(self.library, str(d["key"]), last + 1 + n, json.dumps(d, ensure_ascii=False))
                 for n, d in enumerate(d for d in changed if not d.get("deleted"))])
            self._db.execute(
                "INSERT INTO zotero_pull_libraries (library, version) VALUES (?, ?) "
                "ON CONFLICT(library) DO UPDATE SET version = excluded.version",
                (self.library, seen_version))
        rows = self._db.execute(
            "SELECT data FROM zotero_pull_items WHERE library = ? ORDER BY position",
            (self.library,))
        items = [json.loads(data) for (data,) in rows]
        return items, RefreshStats(full=since is None, since=since, version=seen_version,
                                   items_read=len(changed), deleted=len(deleted))

    def _forget_pulled(self) -> None:
        for table in ("zotero_pull_libraries", "zotero_pull_items"):
            self._db.execute(f"DELETE FROM {table} WHERE library = ?", (self.library,))

    # ------------------------------------------------------------------ pulled files

    def pulled_keys(self, file: str | Path) -> dict[str, str]:
        """Zotero item key -> the citation key `pull_to_file` wrote it under in `file`."""
        rows = self._db.execute(
            "SELECT key, citekey FROM zotero_pulled_keys WHERE library = ? AND file = ?",
            (self.library, _file_id(file))).fetchall()
        return dict(rows)

    def record_pulled(self, file: str | Path, keys: Mapping[str, str]) -> None:
        """Remember the citation key of each Zotero item written to `file`."""
        with self._db:
            self._db.execute("DELETE FROM zotero_pulled_keys WHERE library = ? AND file = ?",
                             (self.library, _file_id(file)))
            self._db.executemany(
                "INSERT INTO zotero_pulled_keys (library, file, key, citekey) "
                "VALUES (?, ?, ?, ?)",
                [(self.library, _file_id(file), key, cite) for key, cite in keys.items()])


def _file_id(file: str | Path) -> str:
    return str(Path(file).resolve())
