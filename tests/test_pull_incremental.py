"""Re-pulling a Zotero library reads only what changed (issue 12).

`pull_to_file` keeps the items it read in the cache file; the next pull of the same library
asks for the items changed `since` that version (the trash included) and, when the library
moved on, the keys `/deleted` since it. What it writes must be exactly what a pull that
read the whole library writes. The real ZoteroClient talks to the loopback server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.zotero.api import ZoteroClient
from bridge.zotero.sync import pull_to_file
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

LIBRARY_SIZE = 230  # three pages of 100


def _client(server: ZoteroServer) -> ZoteroClient:
    return ZoteroClient(Settings(), api_key=WRITE_KEY, library=server.library, url=server.url,
                        sleep=lambda seconds: None)


def _seed(server: ZoteroServer) -> list[str]:
    items: list[dict[str, Any]] = []
    for n in range(LIBRARY_SIZE):
        item: dict[str, Any] = {
            "itemType": "journalArticle", "title": f"Study {n} of coupled oscillators",
            "creators": [{"creatorType": "author", "firstName": "Zoë", "lastName": f"Ng{n}"}],
            "date": str(1990 + n % 30), "publicationTitle": "Journal of Tests",
            "dateAdded": f"2024-01-01T10:{n // 60:02d}:{n % 60:02d}Z"}
        if n % 7 == 0:
            del item["publicationTitle"]
            item.update(itemType="preprint", repository="arXiv",
                        archiveID=f"arXiv:2301.{n + 1:05d}",
                        extra=f"arXiv:2301.{n + 1:05d} [cs.LG]")
        items.append(item)
    keys = server.add_items(items)
    server.add_item({"itemType": "note", "note": "<p>first note</p>", "parentItem": keys[3],
                     "dateAdded": "2024-02-01T10:00:00Z"})
    server.add_item({"itemType": "note", "note": "<p>second note</p>", "parentItem": keys[3],
                     "dateAdded": "2024-02-02T10:00:00Z"})
    return keys


def _pull(server: ZoteroServer, out: Path, cache: Path) -> tuple[Any, int]:
    with _client(server) as client:
        report = pull_to_file(client, out, index_path=cache)
        return report, client.requests_made


def test_re_pull_of_an_unchanged_library_sends_two_requests(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    _seed(zotero_server)
    out, cache = tmp_path / "library.bib", tmp_path / "cache.sqlite3"
    _, first_requests = _pull(zotero_server, out, cache)
    written = out.read_text(encoding="utf-8")
    assert first_requests == 1 + 3  # /keys/current, three pages of items

    before = len(zotero_server.requests)
    report, requests = _pull(zotero_server, out, cache)
    assert requests == len(zotero_server.requests) - before == 2
    # ... /keys/current, and the (empty) list of items changed since the first pull
    last = zotero_server.requests[-1]
    assert (last.method, last.path.rsplit("/", 1)[-1]) == ("GET", "items")
    assert "since" in last.query and last.query.get("includeTrashed") == ["1"]
    assert (report.written, report.added, report.updated) == (False, [], [])
    assert len(report.unchanged) == LIBRARY_SIZE
    assert out.read_text(encoding="utf-8") == written


def test_re_pull_after_an_edit_equals_a_full_pull(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    keys = _seed(zotero_server)
    out, cache = tmp_path / "library.bib", tmp_path / "cache.sqlite3"
    _pull(zotero_server, out, cache)
    with _client(zotero_server) as client:
        item = zotero_server.items[keys[10]]
        assert client.update_items([{"key": keys[10], "version": item["version"],
                                     "title": "Study 10, revised"}]).ok

    report, requests = _pull(zotero_server, out, cache)
    assert requests == 3  # /keys/current, the one changed item, /deleted since
    assert report.updated == ["ng102000study"]
    fresh = tmp_path / "fresh.bib"
    _pull(zotero_server, fresh, tmp_path / "fresh.sqlite3")
    assert out.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
    assert "  title = {Study 10, revised},\n" in fresh.read_text(encoding="utf-8")


def test_items_trashed_deleted_added_and_notes_edited_come_out_as_a_full_read_has_them(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    keys = _seed(zotero_server)
    cache = tmp_path / "cache.sqlite3"
    _pull(zotero_server, tmp_path / "first.bib", cache)
    with _client(zotero_server) as client:
        notes = [k for k, v in zotero_server.items.items() if v.get("itemType") == "note"]
        changes = [{"key": keys[20], "version": zotero_server.items[keys[20]]["version"],
                    "deleted": 1},
                   {"key": notes[0], "version": zotero_server.items[notes[0]]["version"],
                    "note": "<p>first note, edited</p>"}]
        assert client.update_items(changes).ok
    zotero_server.delete_item(keys[30])
    zotero_server.add_item({"itemType": "book", "title": "A book added later", "date": "2020",
                            "dateAdded": "2025-01-01T10:00:00Z"})

    # Both files are new: one from the cache plus what changed, one from a whole read.
    report, requests = _pull(zotero_server, tmp_path / "again.bib", cache)
    assert requests == 3
    _, full_requests = _pull(zotero_server, tmp_path / "full.bib",
                                tmp_path / "fresh.sqlite3")
    assert full_requests == 1 + 3
    again = (tmp_path / "again.bib").read_text(encoding="utf-8")
    assert again == (tmp_path / "full.bib").read_text(encoding="utf-8")
    assert len(report.references) == LIBRARY_SIZE - 2 + 1
    assert "Study 20 " not in again and "Study 30 " not in again
    assert "first note, edited" in again and "A book added later" in again

    # Restored from the trash: back in the next pull.
    with _client(zotero_server) as client:
        assert client.update_items([{"key": keys[20], "deleted": 0, "version":
                                     zotero_server.items[keys[20]]["version"]}]).ok
    restored, _ = _pull(zotero_server, tmp_path / "restored.bib", cache)
    assert len(restored.references) == LIBRARY_SIZE - 1 + 1
    assert "Study 20 " in (tmp_path / "restored.bib").read_text(encoding="utf-8")
