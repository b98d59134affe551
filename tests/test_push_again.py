"""A push of papers the library already has makes no citation key (issue 12).

Keys are made only for the items a push creates (they go into `citationKey`), through the
`keyed` step `bridge.api.push` hands to `bridge.zotero.sync.push`.
"""

from __future__ import annotations

from pathlib import Path

from bridge.config import Settings
from bridge.model import Author, Reference
from bridge.zotero.api import ZoteroClient
from bridge.zotero.sync import push
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer


def _client(server: ZoteroServer) -> ZoteroClient:
    return ZoteroClient(Settings(), api_key=WRITE_KEY, library=server.library, url=server.url,
                        sleep=lambda seconds: None)


def _papers() -> list[Reference]:
    return [Reference(arxiv_id=f"2401.{n:05d}", arxiv_version=1, title=f"Paper {n} on waves",
                      authors=[Author("Ng", "Zoë")], date="2024-01-02", primary_category="cs.CL",
                      categories=["cs.CL"]) for n in (1, 2, 3)]


def test_keys_are_made_for_the_papers_created_and_no_others(
        zotero_server: ZoteroServer, tmp_path: Path) -> None:
    asked: list[list[str | None]] = []

    def keyed(new: list[Reference]) -> list[Reference]:
        asked.append([ref.arxiv_id for ref in new])
        return [ref.copy(key=f"key-{ref.arxiv_id}") for ref in new]

    index = tmp_path / "cache.sqlite3"
    with _client(zotero_server) as client:
        first = push(_papers()[:2], client, index_path=index, keyed=keyed)
        again = push(_papers(), client, index_path=index, keyed=keyed)
        once_more = push(_papers(), client, index_path=index, keyed=keyed)
    assert asked == [["2401.00001", "2401.00002"], ["2401.00003"]]  # none the third time
    assert [p.reference.key for p in first.created] == ["key-2401.00001", "key-2401.00002"]
    assert [p.reference.key for p in again.created] == ["key-2401.00003"]
    assert (len(once_more.created), len(once_more.already_present)) == (0, 3)
    stored = sorted(item.get("citationKey") for item in zotero_server.items.values())
    assert stored == ["key-2401.00001", "key-2401.00002", "key-2401.00003"]
