"""The Zotero test server behaves like the Web API v3 (checked with plain httpx)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.servers.zotero_server import (
    GROUP_ID,
    READ_KEY,
    USER_ID,
    WRITE_KEY,
    ZoteroServer,
)

PREFIX = f"/users/{USER_ID}"
TOKEN_A = "0123456789abcdef0123456789abcdef"
TOKEN_B = "fedcba9876543210fedcba9876543210"


def _http(server: ZoteroServer, key: str | None = WRITE_KEY) -> httpx.Client:
    headers = {"Zotero-API-Version": "3"}
    if key:
        headers["Zotero-API-Key"] = key
    return httpx.Client(base_url=server.url, headers=headers, timeout=5)


def _post(server: ZoteroServer, objects: object, *, key: str = WRITE_KEY,
          path: str = "/items", **headers: str) -> httpx.Response:
    with _http(server, key) as http:
        return http.post(PREFIX + path, content=json.dumps(objects),
                         headers={k.replace("_", "-"): v for k, v in headers.items()})


def _v(server: ZoteroServer) -> str:
    return str(server.library_version)


# ---------------------------------------------------------------- keys


def test_keys_current_describes_each_key(zotero_server: ZoteroServer) -> None:
    with _http(zotero_server) as http:
        answer = http.get("/keys/current")
    assert answer.status_code == 200
    assert answer.json() == {
        "key": WRITE_KEY, "userID": USER_ID, "username": "refbridge-test", "displayName": "",
        "access": {"user": {"library": True, "files": True, "notes": True, "write": True}},
    }
    with _http(zotero_server, READ_KEY) as http:
        assert http.get("/keys/current").json()["access"]["user"]["write"] is False


def test_wrong_or_missing_key_gets_403(zotero_server: ZoteroServer) -> None:
    with _http(zotero_server, "NotAKey0000000000000000x") as http:
        answer = http.get("/keys/current")
        assert (answer.status_code, answer.text) == (403, "Invalid key")
        assert http.get(PREFIX + "/items").status_code == 403
    with _http(zotero_server, None) as http:
        assert http.get(PREFIX + "/items").status_code == 403
        assert http.get("/users/999/items").status_code == 403


def test_read_only_key_cannot_write(zotero_server: ZoteroServer) -> None:
    answer = _post(zotero_server, [{"itemType": "book", "title": "x"}], key=READ_KEY,
                   If_Unmodified_Since_Version="0")
    assert (answer.status_code, answer.text) == (403, "Write access denied")
    assert zotero_server.items == {}


def test_group_library_access() -> None:
    with ZoteroServer(group=True) as server:
        server.add_item({"itemType": "book", "title": "In the group"}, library=f"group:{GROUP_ID}")
        with _http(server) as http:
            answer = http.get(f"/groups/{GROUP_ID}/items")
            assert [o["data"]["title"] for o in answer.json()] == ["In the group"]
            assert answer.headers["Last-Modified-Version"] == "1"
            assert http.get("/keys/current").json()["access"]["groups"] == {
                str(GROUP_ID): {"library": True, "write": True}}
        with _http(server, READ_KEY) as http:
            refused = http.post(f"/groups/{GROUP_ID}/items", json=[{"itemType": "book"}],
                                headers={"If-Unmodified-Since-Version": "1"})
            assert refused.status_code == 403
        assert server.items == {}


# ---------------------------------------------------------------- reads


def test_pagination_headers(zotero_server: ZoteroServer) -> None:
    keys = zotero_server.add_items([{"itemType": "book", "title": f"B{i}"} for i in range(30)])
    with _http(zotero_server) as http:
        first = http.get(PREFIX + "/items", params={"limit": 10})
        last = http.get(PREFIX + "/items", params={"limit": 10, "start": 20})
        default = http.get(PREFIX + "/items")
        clamped = http.get(PREFIX + "/items", params={"limit": 500})
    base = f"{zotero_server.url}{PREFIX}/items"
    assert first.headers["Total-Results"] == "30"
    assert first.headers["Last-Modified-Version"] == "1"
    web = '<https://www.zotero.org/refbridge-test/items>; rel="alternate"'
    assert first.headers["Link"] == (f'<{base}?limit=10&start=10>; rel="next", '
                                      f'<{base}?limit=10&start=20>; rel="last", {web}')
    assert [o["key"] for o in first.json()] == keys[:10]
    assert [o["key"] for o in last.json()] == keys[20:]
    assert last.headers["Link"] == (f'<{base}?limit=10>; rel="first", '
                                     f'<{base}?limit=10&start=10>; rel="prev", {web}')
    assert len(default.json()) == 25
    assert len(clamped.json()) == 30 and clamped.headers["Link"] == web


def test_since_versions_and_conditional_get(zotero_server: ZoteroServer) -> None:
    old = zotero_server.add_item({"itemType": "book", "title": "old"})
    new = zotero_server.add_item({"itemType": "book", "title": "new"})
    with _http(zotero_server) as http:
        versions = http.get(PREFIX + "/items", params={"format": "versions"})
        since = http.get(PREFIX + "/items", params={"since": 1, "format": "versions"})
        keys = http.get(PREFIX + "/items", params={"format": "keys"})
        unchanged = http.get(PREFIX + "/items", headers={"If-Modified-Since-Version": "2"})
        changed = http.get(PREFIX + "/items", headers={"If-Modified-Since-Version": "1"})
    assert versions.json() == {old: 1, new: 2}
    assert since.json() == {new: 2}
    assert keys.text == f"{old}\n{new}\n"
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert changed.status_code == 200


def test_single_item_and_full_shape(zotero_server: ZoteroServer) -> None:
    key = zotero_server.add_item({
        "itemType": "preprint", "title": "Specific versus General Principles",
        "creators": [{"creatorType": "author", "firstName": "Sandipan", "lastName": "Kundu"}],
        "archiveID": "arXiv:2310.13798", "tags": [{"tag": "AI"}]})
    with _http(zotero_server) as http:
        answer = http.get(f"{PREFIX}/items/{key}")
        missing = http.get(f"{PREFIX}/items/ABCDEFGH")
    obj = answer.json()
    assert answer.headers["Last-Modified-Version"] == "1"
    assert obj["meta"] == {"numChildren": 0, "creatorSummary": "Kundu"}
    assert obj["library"] == {"type": "user", "id": USER_ID, "name": "refbridge-test"}
    data = obj["data"]
    assert list(data)[:4] == ["key", "version", "itemType", "title"]
    assert data["repository"] == "" and data["archiveID"] == "arXiv:2310.13798"
    assert data["collections"] == [] and data["relations"] == {}
    assert data["dateAdded"].endswith("Z")
    assert missing.status_code == 404


def test_collections_and_membership(zotero_server: ZoteroServer) -> None:
    top = zotero_server.add_collection("Thesis")
    sub = zotero_server.add_collection("Chapter 1", parent=top)
    inside = zotero_server.add_item({"itemType": "book", "title": "in", "collections": [top]})
    zotero_server.add_item({"itemType": "book", "title": "out"})
    zotero_server.add_item({"itemType": "note", "note": "child", "parentItem": inside,
                            "collections": [top]})
    with _http(zotero_server) as http:
        items = http.get(f"{PREFIX}/collections/{top}/items").json()
        top_items = http.get(f"{PREFIX}/collections/{top}/items/top").json()
        children = http.get(f"{PREFIX}/collections/{top}/collections").json()
        tops = http.get(f"{PREFIX}/collections/top").json()
        every = http.get(f"{PREFIX}/collections").json()
        unknown = http.get(f"{PREFIX}/collections/ABCDEFGH/items")
    assert len(items) == 2
    assert [o["data"]["title"] for o in top_items] == ["in"]
    assert [o["key"] for o in children] == [sub]
    assert [o["key"] for o in tops] == [top]
    assert {o["key"]: o["data"]["parentCollection"] for o in every} == {top: False, sub: top}
    assert unknown.status_code == 404


def test_deleted_needs_since(zotero_server: ZoteroServer) -> None:
    key = zotero_server.add_item({"itemType": "book", "title": "gone"})
    zotero_server.delete_item(key)
    with _http(zotero_server) as http:
        assert http.get(PREFIX + "/deleted").status_code == 400
        answer = http.get(PREFIX + "/deleted", params={"since": 1})
        later = http.get(PREFIX + "/deleted", params={"since": 2})
    assert answer.json() == {"collections": [], "items": [key], "searches": [], "tags": [],
                             "settings": []}
    assert later.json()["items"] == []


# ---------------------------------------------------------------- writes


def test_write_validates_against_the_schema(zotero_server: ZoteroServer) -> None:
    existing = zotero_server.add_collection("Reading")
    objects = [
        {"itemType": "preprint", "title": "Good", "collections": [existing],
         "creators": [{"creatorType": "author", "firstName": "A", "lastName": "B"}]},
        {"itemType": "paper", "title": "x"},
        {"itemType": "report", "title": "x", "publisher": "MIT"},
        {"itemType": "preprint", "title": "x", "journal": "J"},
        {"itemType": "preprint", "title": "x",
         "creators": [{"creatorType": "seriesEditor", "name": "Ed"}]},
        {"itemType": "preprint", "title": "x", "collections": ["ZZZZZZZZ"]},
        {"title": "no type"},
        {"itemType": "preprint", "title": 7},
    ]
    answer = _post(zotero_server, objects, If_Unmodified_Since_Version=_v(zotero_server))
    assert answer.status_code == 200
    body = answer.json()
    assert answer.headers["Last-Modified-Version"] == "2"
    good_key = body["success"]["0"]
    assert body["successful"]["0"]["data"]["title"] == "Good"
    assert body["successful"]["0"]["version"] == 2
    assert body["unchanged"] == {}
    assert body["failed"] == {
        "1": {"code": 400, "message": "'paper' is not a valid itemType"},
        "2": {"code": 400, "message": "'publisher' is not a valid field for type 'report'; "
                                      "use 'institution'"},
        "3": {"code": 400, "message": "'journal' is not a valid field for type 'preprint'"},
        "4": {"code": 400, "message": "'seriesEditor' is not a valid creator type for item "
                                      "type 'preprint'"},
        "5": {"code": 409, "message": "Collection ZZZZZZZZ doesn't exist"},
        "6": {"code": 400, "message": "'itemType' property not provided"},
        "7": {"code": 400, "message": "'title' must be a string"},
    }
    assert list(zotero_server.items) == [good_key]
    assert zotero_server.items[good_key]["collections"] == [existing]


def test_more_than_50_objects_is_413(zotero_server: ZoteroServer) -> None:
    answer = _post(zotero_server, [{"itemType": "book"}] * 51, If_Unmodified_Since_Version="0")
    assert answer.status_code == 413
    assert zotero_server.items == {}
    assert _post(zotero_server, [{"itemType": "book"}] * 50,
                 If_Unmodified_Since_Version="0").status_code == 200
    assert len(zotero_server.items) == 50


def test_write_token_replay_is_412(zotero_server: ZoteroServer) -> None:
    first = _post(zotero_server, [{"itemType": "book", "title": "once"}],
                  Zotero_Write_Token=TOKEN_A)
    replay = _post(zotero_server, [{"itemType": "book", "title": "once"}],
                   Zotero_Write_Token=TOKEN_A)
    other = _post(zotero_server, [{"itemType": "book", "title": "twice"}],
                  Zotero_Write_Token=TOKEN_B)
    bad = _post(zotero_server, [{"itemType": "book"}], Zotero_Write_Token="short")
    assert first.status_code == 200
    assert (replay.status_code, replay.text) == (412, "Write token already used")
    assert other.status_code == 200
    assert bad.status_code == 400
    assert sorted(i["title"] for i in zotero_server.items.values()) == ["once", "twice"]


def test_token_of_a_refused_write_is_not_spent(zotero_server: ZoteroServer) -> None:
    zotero_server.touch()
    stale = _post(zotero_server, [{"itemType": "book"}], Zotero_Write_Token=TOKEN_A,
                  If_Unmodified_Since_Version="0")
    fresh = _post(zotero_server, [{"itemType": "book"}], Zotero_Write_Token=TOKEN_A,
                  If_Unmodified_Since_Version="1")
    assert stale.status_code == 412
    assert stale.text == "Library has been modified since specified version " \
                         "(expected 0, found 1)"
    assert stale.headers["Last-Modified-Version"] == "1"
    assert fresh.status_code == 200


def test_updates_need_a_version(zotero_server: ZoteroServer) -> None:
    key = zotero_server.add_item({"itemType": "book", "title": "Old title"})
    no_version = _post(zotero_server, [{"key": key, "title": "New"}])
    assert (no_version.status_code, no_version.text) == (
        428, "If-Unmodified-Since-Version not provided")
    stale = _post(zotero_server, [{"key": key, "version": 0, "title": "New"}])
    assert stale.json()["failed"] == {"0": {
        "key": key, "code": 412,
        "message": "Item has been modified since specified version (expected 0, found 1)"}}
    ok = _post(zotero_server, [{"key": key, "version": 1, "title": "New"}])
    assert ok.json()["success"] == {"0": key}
    again = _post(zotero_server, [{"key": key, "title": "New"}],
                  If_Unmodified_Since_Version="2")
    assert again.json()["unchanged"] == {"0": key}
    assert zotero_server.library_version == 2
    item = zotero_server.items[key]
    assert (item["title"], item["version"], item["itemType"]) == ("New", 2, "book")
    with _http(zotero_server) as http:
        assert http.patch(f"{PREFIX}/items/{key}", json={"title": "x"}).status_code == 428
        assert http.delete(f"{PREFIX}/items", params={"itemKey": key}).status_code == 428
        patched = http.patch(f"{PREFIX}/items/{key}", json={"title": "Patched"},
                             headers={"If-Unmodified-Since-Version": "2"})
        assert (patched.status_code, patched.headers["Last-Modified-Version"]) == (204, "3")
        gone = http.delete(f"{PREFIX}/items", params={"itemKey": key},
                           headers={"If-Unmodified-Since-Version": "3"})
        assert gone.status_code == 204
    assert zotero_server.items == {}


def test_put_replaces_the_item(zotero_server: ZoteroServer) -> None:
    key = zotero_server.add_item({"itemType": "book", "title": "T", "publisher": "P"})
    with _http(zotero_server) as http:
        stale = http.put(f"{PREFIX}/items/{key}",
                         json={"key": key, "version": 0, "itemType": "book", "title": "U"})
        done = http.put(f"{PREFIX}/items/{key}",
                        json={"key": key, "version": 1, "itemType": "book", "title": "U"})
    assert stale.status_code == 412
    assert (done.status_code, done.headers["Last-Modified-Version"]) == (204, "2")
    item = zotero_server.items[key]
    assert (item["title"], item["publisher"], item["version"]) == ("U", "", 2)


def test_status_after_write_applies_it(zotero_server: ZoteroServer) -> None:
    zotero_server.fail(500, method="POST", after_write=True)
    answer = _post(zotero_server, [{"itemType": "book", "title": "applied"}],
                   Zotero_Write_Token=TOKEN_A, If_Unmodified_Since_Version="0")
    replay = _post(zotero_server, [{"itemType": "book", "title": "applied"}],
                   Zotero_Write_Token=TOKEN_A, If_Unmodified_Since_Version="0")
    assert (answer.status_code, answer.text) == (500, "Injected error 500")
    assert answer.headers["Last-Modified-Version"] == "1"
    assert replay.status_code == 412
    assert _titles_of(zotero_server) == ["applied"]


def _titles_of(server: ZoteroServer) -> list[str]:
    return sorted(item["title"] for item in server.items.values())


def test_client_made_keys_create_items(zotero_server: ZoteroServer) -> None:
    answer = _post(zotero_server, [{"key": "ABCD2345", "itemType": "book", "title": "mine"},
                                   {"key": "abcd", "itemType": "book"}],
                   If_Unmodified_Since_Version="0")
    assert answer.json()["success"] == {"0": "ABCD2345"}
    assert answer.json()["failed"]["1"]["code"] == 400
    assert zotero_server.items["ABCD2345"]["title"] == "mine"


def test_collection_writes(zotero_server: ZoteroServer) -> None:
    answer = _post(zotero_server, [{"name": "Top"}, {"name": ""},
                                   {"name": "Orphan", "parentCollection": "ZZZZZZZZ"}],
                   path="/collections", If_Unmodified_Since_Version="0")
    body = answer.json()
    key = body["success"]["0"]
    assert body["successful"]["0"]["data"] == {"key": key, "version": 1, "name": "Top",
                                               "parentCollection": False, "relations": {}}
    assert body["failed"] == {"1": {"code": 400, "message": "Collection name cannot be empty"},
                              "2": {"code": 409,
                                    "message": "Parent collection ZZZZZZZZ doesn't exist"}}


# ---------------------------------------------------------------- faults and records


def test_fault_queue(zotero_server: ZoteroServer) -> None:
    zotero_server.fail(429, retry_after="5")
    zotero_server.backoff("7")
    zotero_server.fail(500, method="POST")
    with _http(zotero_server) as http:
        limited = http.get(PREFIX + "/items")
        slowed = http.get(PREFIX + "/items")
        normal = http.get(PREFIX + "/items")
        failed = http.post(PREFIX + "/items", json=[{"itemType": "book"}],
                           headers={"If-Unmodified-Since-Version": "0"})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "5")
    assert (slowed.status_code, slowed.headers["Backoff"]) == (200, "7")
    assert normal.status_code == 200 and "Backoff" not in normal.headers
    assert failed.status_code == 500
    assert zotero_server.items == {}
    assert zotero_server.pending_faults == 0


def test_drop_after_write_applies_then_hangs_up(zotero_server: ZoteroServer) -> None:
    zotero_server.drop_connection(after_write=True, method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        _post(zotero_server, [{"itemType": "book", "title": "kept"}],
              If_Unmodified_Since_Version="0")
    assert [i["title"] for i in zotero_server.items.values()] == ["kept"]
    zotero_server.drop_connection(method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        _post(zotero_server, [{"itemType": "book", "title": "lost"}],
              If_Unmodified_Since_Version="1")
    assert [i["title"] for i in zotero_server.items.values()] == ["kept"]


def test_requests_are_recorded(zotero_server: ZoteroServer) -> None:
    with _http(zotero_server) as http:
        http.get(PREFIX + "/items", params={"limit": 5, "since": 0})
    (recorded,) = zotero_server.requests
    assert (recorded.method, recorded.path) == ("GET", PREFIX + "/items")
    assert recorded.query == {"limit": ["5"], "since": ["0"]}
    assert recorded.raw_target == PREFIX + "/items?limit=5&since=0"
    assert recorded.headers["zotero-api-key"] == WRITE_KEY
    assert recorded.headers["zotero-api-version"] == "3"


def test_seeding_validates(zotero_server: ZoteroServer) -> None:
    with pytest.raises(ValueError, match="'bogus' is not a valid itemType"):
        zotero_server.add_item({"itemType": "bogus"})
    with pytest.raises(ValueError, match="Parent collection ZZZZZZZZ doesn't exist"):
        zotero_server.add_collection("x", parent="ZZZZZZZZ")
    assert zotero_server.library_version == 0
