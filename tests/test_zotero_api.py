"""ZoteroClient over real sockets against the local Zotero server (and a few MockTransport
unit tests for header parsing the server does not exercise)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from bridge.config import Settings
from bridge.errors import ZoteroAuthError, ZoteroError
from bridge.zotero import WriteFailure, ZoteroClient
from tests.servers.zotero_server import (
    GROUP_ID,
    READ_KEY,
    USER_ID,
    WRITE_KEY,
    ZoteroServer,
)

WRONG_KEY = "Xx9WrongKey0000000000abc"
PREFIX = f"/users/{USER_ID}"


class Sleeps(list):
    """Records every wait the client asks for, instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    def are_backoffs(self, *full: float) -> bool:
        """Each wait is its full backoff with jitter: between half of it and all of it."""
        return len(self) == len(full) and all(
            f / 2 <= s <= f for s, f in zip(self, full, strict=True))


def _client(server: ZoteroServer, key: str | None = WRITE_KEY, *, sleeps: Sleeps | None = None,
            **kwargs: object) -> ZoteroClient:
    return ZoteroClient(Settings(), api_key=key, url=server.url,
                        sleep=sleeps if sleeps is not None else Sleeps(), **kwargs)


def _preprint(title: str) -> dict[str, object]:
    return {"itemType": "preprint", "title": title, "repository": "arXiv",
            "creators": [{"creatorType": "author", "firstName": "Jared", "lastName": "Kaplan"}]}


def _titles(server: ZoteroServer) -> list[str]:
    return sorted(item["title"] for item in server.items.values())


def _no_key_anywhere(server: ZoteroServer, key: str = WRITE_KEY) -> None:
    for request in server.requests:
        assert key not in request.raw_target
        assert "key" not in request.query
        assert request.headers["zotero-api-version"] == "3"


def _assert_key_absent(exc: BaseException, key: str) -> None:
    assert key not in str(exc)
    assert key not in repr(exc)
    assert all(key not in repr(arg) for arg in exc.args)
    assert all(key not in repr(value) for value in vars(exc).values())
    assert exc.__cause__ is None  # an httpx cause would carry the request headers


# ---------------------------------------------------------------- the key


def test_check_key_finds_the_user_library(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server)
    info = client.check_key()
    assert (info.user_id, info.username, info.library) == (USER_ID, "refbridge-test",
                                                          f"user:{USER_ID}")
    assert (info.can_read, info.can_write) == (True, True)
    assert client.library == f"user:{USER_ID}"
    assert WRITE_KEY not in repr(info) and WRITE_KEY not in repr(client)
    assert WRITE_KEY not in repr(vars(info))
    client.check_key()
    assert [r.path for r in zotero_server.requests] == ["/keys/current"]


def test_wrong_key_is_refused_without_showing_it(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server, WRONG_KEY)
    with pytest.raises(ZoteroAuthError) as caught:
        list(client.iter_items())
    exc = caught.value
    assert str(exc) == (
        "Zotero does not accept this API key: check ZOTERO_API_KEY (keys are listed at "
        f"https://www.zotero.org/settings/keys): Invalid key (GET {zotero_server.url}"
        "/keys/current)")
    assert exc.status == 403
    _assert_key_absent(exc, WRONG_KEY)
    assert [r.path for r in zotero_server.requests] == ["/keys/current"]
    assert WRONG_KEY not in repr(client)


def test_missing_key_is_refused_before_any_request(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server, None)
    with pytest.raises(ZoteroAuthError, match="no Zotero API key: set ZOTERO_API_KEY"):
        client.check_key()
    assert zotero_server.requests == []
    assert client.requests_made == 0


def test_read_only_key_is_refused_before_any_write(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server, READ_KEY)
    assert client.check_key().can_write is False
    with pytest.raises(ZoteroAuthError) as caught:
        client.create_items([_preprint("never sent")])
    assert str(caught.value) == (
        f"the API key may read but not write user:{USER_ID}: allow writing for it at "
        "https://www.zotero.org/settings/keys, or use a key that has write access")
    with pytest.raises(ZoteroAuthError):
        client.create_collection("never sent")
    assert [r.method for r in zotero_server.requests] == ["GET"]
    assert client.writes_made == 0
    _assert_key_absent(caught.value, READ_KEY)


def test_key_without_access_to_the_library(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server, library="user:1")
    with pytest.raises(ZoteroAuthError, match="cannot read user:1"):
        client.check_key()


def test_group_library() -> None:
    with ZoteroServer(group=True) as server:
        writer = _client(server, library=f"group:{GROUP_ID}")
        result = writer.create_items([_preprint("shared")])
        assert result.ok
        assert [i["title"] for i in server.group.items.values()] == ["shared"]
        assert server.items == {}
        assert [i["title"] for i in writer.iter_items()] == ["shared"]
        reader = _client(server, READ_KEY, library=f"group:{GROUP_ID}")
        with pytest.raises(ZoteroAuthError, match=f"may read but not write group:{GROUP_ID}"):
            reader.create_items([_preprint("refused")])
        assert len(server.group.items) == 1


# ---------------------------------------------------------------- reads


def test_pagination_over_250_items(zotero_server: ZoteroServer) -> None:
    keys = zotero_server.add_items([_preprint(f"Paper {i:03d}") for i in range(250)])
    client = _client(zotero_server)
    items = list(client.iter_items())
    assert [i["key"] for i in items] == keys
    assert items[0]["title"] == "Paper 000" and items[-1]["title"] == "Paper 249"
    pages = zotero_server.requests_to("GET", "/items")
    assert [(r.query.get("limit"), r.query.get("start")) for r in pages] == [
        (["100"], None), (["100"], ["100"]), (["100"], ["200"])]
    assert client.library_version == 1
    _no_key_anywhere(zotero_server)


def test_since_and_versions(zotero_server: ZoteroServer) -> None:
    zotero_server.add_items([_preprint(f"old {i}") for i in range(3)])
    client = _client(zotero_server)
    seen = client.library_version
    new = [zotero_server.add_item(_preprint(f"new {i}")) for i in range(2)]
    assert [i["title"] for i in client.iter_items(since=seen)] == ["new 0", "new 1"]
    assert client.item_versions(since=seen) == {new[0]: 2, new[1]: 3}
    assert len(client.item_versions()) == 5
    assert client.library_version == 3
    request = zotero_server.requests_to("GET", "/items")[-1]
    assert request.query == {"format": ["versions"]}


def test_deleted(zotero_server: ZoteroServer) -> None:
    key = zotero_server.add_item(_preprint("doomed"))
    zotero_server.add_item(_preprint("kept"))
    zotero_server.delete_item(key)
    client = _client(zotero_server)
    assert client.deleted(since=2) == [key]
    assert client.deleted(since=3) == []
    assert client.deleted(since=0, kind="collections") == []


def test_top_items_and_collections(zotero_server: ZoteroServer) -> None:
    thesis = zotero_server.add_collection("Thesis")
    chapter = zotero_server.add_collection("Chapter 1", parent=thesis)
    parent = zotero_server.add_item({**_preprint("in thesis"), "collections": [thesis]})
    zotero_server.add_item({"itemType": "note", "note": "a note", "parentItem": parent,
                            "collections": [thesis]})
    zotero_server.add_item({**_preprint("in chapter"), "collections": [chapter]})
    zotero_server.add_item(_preprint("loose"))
    client = _client(zotero_server)
    assert {c["key"]: c["name"] for c in client.collections()} == {
        thesis: "Thesis", chapter: "Chapter 1"}
    assert [i["title"] for i in client.iter_items(collection=thesis, top=True)] == ["in thesis"]
    assert len(list(client.iter_items(collection=thesis))) == 2
    assert [i.get("title", i.get("note")) for i in
            client.iter_items(collection=thesis, recursive=True, top=True)] == [
        "in thesis", "in chapter"]
    assert len(list(client.iter_items(top=True))) == 3


def test_items_by_key(zotero_server: ZoteroServer) -> None:
    keys = zotero_server.add_items([_preprint(f"P{i}") for i in range(60)])
    client = _client(zotero_server)
    found = client.items_by_key([*keys[5:60], "ZZZZZZZZ"])
    assert sorted(i["key"] for i in found) == sorted(keys[5:60])
    asked = [len(r.query["itemKey"][0].split(",")) for r in zotero_server.requests_to("GET")
             if "itemKey" in r.query]
    assert asked == [50, 6]


# ---------------------------------------------------------------- writes


def test_batches_of_50_with_distinct_tokens(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server)
    result = client.create_items([_preprint(f"Paper {i}") for i in range(120)])
    assert result.ok and result.failed == []
    assert sorted(result.keys) == list(range(120))
    assert result.objects[119]["title"] == "Paper 119"
    assert result.objects[119]["key"] == result.keys[119]
    assert len(zotero_server.items) == 120
    assert set(result.keys.values()) == set(zotero_server.items)
    posts = zotero_server.requests_to("POST", "/items")
    assert [len(p.json()) for p in posts] == [50, 50, 20]
    tokens = [p.headers["zotero-write-token"] for p in posts]
    assert len(set(tokens)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t in tokens)
    assert [p.headers["if-unmodified-since-version"] for p in posts] == ["0", "1", "2"]
    assert result.library_version == 3 == client.library_version
    assert client.writes_made == 3
    _no_key_anywhere(zotero_server)


def test_dropped_answer_after_the_write_creates_each_item_once(
        zotero_server: ZoteroServer) -> None:
    zotero_server.drop_connection(after_write=True, method="POST")
    sleeps = Sleeps()
    client = _client(zotero_server, sleeps=sleeps)
    result = client.create_items([_preprint("A"), _preprint("B"), _preprint("C")])
    assert _titles(zotero_server) == ["A", "B", "C"]
    assert result.ok
    assert result.recovered == [0, 1, 2]
    assert {result.objects[i]["title"] for i in range(3)} == {"A", "B", "C"}
    posts = zotero_server.requests_to("POST", "/items")
    assert len(posts) == 2
    assert posts[0].headers["zotero-write-token"] == posts[1].headers["zotero-write-token"]
    assert sleeps.are_backoffs(1.0)


def test_dropped_answer_with_a_refused_item(zotero_server: ZoteroServer) -> None:
    zotero_server.drop_connection(after_write=True, method="POST")
    client = _client(zotero_server)
    result = client.create_items([_preprint("good"), {"itemType": "nonsense", "title": "bad"}])
    assert _titles(zotero_server) == ["good"]
    assert result.recovered == [0]
    assert [str(f) for f in result.failed] == [
        "item 1 ('bad'): Zotero refused it with 400: 'nonsense' is not a valid itemType"]
    posts = zotero_server.requests_to("POST", "/items")
    assert [len(p.json()) for p in posts] == [2, 2, 1]
    assert posts[2].headers["zotero-write-token"] != posts[0].headers["zotero-write-token"]


def test_server_error_after_the_write_creates_each_item_once(
        zotero_server: ZoteroServer) -> None:
    zotero_server.fail(500, method="POST", after_write=True)
    sleeps = Sleeps()
    client = _client(zotero_server, sleeps=sleeps)
    result = client.create_items([_preprint("A"), _preprint("B")])
    assert _titles(zotero_server) == ["A", "B"]
    assert result.ok and result.recovered == [0, 1]
    assert sleeps.are_backoffs(1.0)
    assert len(zotero_server.requests_to("POST")) == 2


def test_dropped_request_before_the_write_is_simply_retried(
        zotero_server: ZoteroServer) -> None:
    zotero_server.drop_connection(method="POST")
    client = _client(zotero_server)
    result = client.create_items([_preprint("once")])
    assert _titles(zotero_server) == ["once"]
    assert result.recovered == [] and result.ok


def test_429_waits_for_retry_after(zotero_server: ZoteroServer) -> None:
    zotero_server.fail(429, retry_after="2", method="POST")
    sleeps = Sleeps()
    client = _client(zotero_server, sleeps=sleeps)
    result = client.create_items([_preprint("patient")])
    assert result.ok and _titles(zotero_server) == ["patient"]
    assert sleeps == [2.0]
    assert len(zotero_server.requests_to("POST")) == 2


def test_503_waits_for_retry_after_and_backoff(zotero_server: ZoteroServer) -> None:
    zotero_server.fail(503, retry_after="4", backoff="9", path="/items")
    sleeps = Sleeps()
    client = _client(zotero_server, sleeps=sleeps)
    assert list(client.iter_items()) == []
    assert len(sleeps) == 1 and 8 < sleeps[0] <= 9  # the longer of the two


def test_backoff_delays_the_next_request(zotero_server: ZoteroServer) -> None:
    zotero_server.add_item(_preprint("x"))
    zotero_server.backoff("3", path="/keys/current")
    sleeps = Sleeps()
    client = _client(zotero_server, sleeps=sleeps)
    client.check_key()
    assert sleeps == []
    assert len(list(client.iter_items())) == 1
    assert len(sleeps) == 1 and 2 < sleeps[0] <= 3
    list(client.iter_items())
    assert len(sleeps) == 1


def test_500_is_retried_with_growing_waits(zotero_server: ZoteroServer) -> None:
    zotero_server.add_item(_preprint("x"))
    zotero_server.fail(500, path="/items", times=2)
    sleeps = Sleeps()
    client = _client(zotero_server, sleeps=sleeps)
    assert [i["title"] for i in client.iter_items()] == ["x"]
    assert sleeps.are_backoffs(1.0, 2.0)


def test_retries_exhausted(zotero_server: ZoteroServer) -> None:
    zotero_server.fail(500, path="/items", times=3)
    sleeps = Sleeps()
    client = _client(zotero_server, sleeps=sleeps, retries=2)
    with pytest.raises(ZoteroError) as caught:
        list(client.iter_items())
    assert str(caught.value) == (
        "Zotero failed after 3 attempts: HTTP 500 Internal Server Error; try again later: "
        "Injected error "
        f"500 (GET {zotero_server.url}{PREFIX}/items?limit=100)")
    assert caught.value.status == 500
    assert sleeps.are_backoffs(1.0, 2.0)
    _assert_key_absent(caught.value, WRITE_KEY)


def test_412_refreshes_the_version_and_retries(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server)
    assert client.library_version == 0
    zotero_server.add_item(_preprint("someone else's"))  # the library moves on
    result = client.create_items([_preprint("mine")])
    assert result.ok and result.recovered == []
    assert _titles(zotero_server) == ["mine", "someone else's"]
    posts = zotero_server.requests_to("POST", "/items")
    assert [p.headers["if-unmodified-since-version"] for p in posts] == ["0", "1"]
    assert posts[0].headers["zotero-write-token"] == posts[1].headers["zotero-write-token"]
    assert result.library_version == 2


def test_412_every_time_gives_up(zotero_server: ZoteroServer) -> None:
    zotero_server.fail(412, method="POST", times=3)
    client = _client(zotero_server, retries=2)
    with pytest.raises(ZoteroError, match=r"kept changing .* \(3 times 412"):
        client.create_items([_preprint("never")])
    assert zotero_server.items == {}


def test_failed_items_are_reported_by_name(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server)
    items = [_preprint(f"fine {i}") for i in range(55)]
    items[3] = {"itemType": "report", "title": "A Tech Report", "publisher": "MIT"}
    items[52] = {**_preprint("Edited"), "creators": [{"creatorType": "seriesEditor",
                                                       "name": "Someone"}]}
    result = client.create_items(items)
    assert not result.ok
    assert result.failed == [
        WriteFailure(3, "A Tech Report", 400,
                     "'publisher' is not a valid field for type 'report'; use 'institution'",
                     items[3].get("key") or result.failed[0].key),
        WriteFailure(52, "Edited", 400,
                     "'seriesEditor' is not a valid creator type for item type 'preprint'",
                     result.failed[1].key),
    ]
    assert len(zotero_server.items) == 53
    assert 3 not in result.keys and 52 not in result.keys
    assert items[3] == {"itemType": "report", "title": "A Tech Report", "publisher": "MIT"}


def test_collections_and_filing(zotero_server: ZoteroServer) -> None:
    client = _client(zotero_server)
    top = client.create_collection("arXiv imports")
    sub = client.create_collection("2023", parent_key=top)
    assert client.ensure_collection("2023", top) == sub
    assert client.ensure_collection("arXiv imports") == top
    created = client.create_items([_preprint("to file"), _preprint("stays")])
    filed = client.update_items([{"key": created.keys[0], "version": created.objects[0]["version"],
                                  "collections": [sub]}])
    assert filed.ok and filed.keys == {0: created.keys[0]}
    assert zotero_server.items[created.keys[0]]["collections"] == [sub]
    assert zotero_server.items[created.keys[0]]["title"] == "to file"
    assert [i["title"] for i in client.iter_items(collection=top, recursive=True)] == ["to file"]
    stale = client.update_items([{"key": created.keys[1], "version": 1, "title": "clobber"}])
    assert [(f.index, f.name, f.code) for f in stale.failed] == [(0, "clobber", 412)]
    assert zotero_server.items[created.keys[1]]["title"] == "stays"
    with pytest.raises(ZoteroError, match="Zotero refused to create collection 'orphan': 409"):
        client.create_collection("orphan", parent_key="ZZZZZZZZ")
    with pytest.raises(ValueError, match="item 0 has no 'key'"):
        client.update_items([{"title": "no key"}])


def test_dropped_collection_write_creates_it_once(zotero_server: ZoteroServer) -> None:
    zotero_server.drop_connection(after_write=True, method="POST", path="/collections")
    client = _client(zotero_server)
    key = client.create_collection("Once")
    assert [c["name"] for c in zotero_server.collections.values()] == ["Once"]
    assert list(zotero_server.collections) == [key]


def test_progress_is_reported(zotero_server: ZoteroServer) -> None:
    events: list[tuple] = []

    class Recorder:
        def start(self, description: str, total: int | None) -> None:
            events.append(("start", description, total))

        def advance(self, steps: int = 1) -> None:
            events.append(("advance", steps))

        def finish(self) -> None:
            events.append(("finish",))

    client = _client(zotero_server)
    client.create_items([_preprint(str(i)) for i in range(60)], progress=Recorder())
    assert events == [("start", "creating Zotero items", 60), ("advance", 50),
                      ("advance", 10), ("finish",)]
    events.clear()
    list(client.iter_items(progress=Recorder()))
    assert events == [("start", "reading Zotero items", 60), ("advance", 60), ("finish",)]


def test_the_key_never_leaves_the_header(zotero_server: ZoteroServer) -> None:
    zotero_server.add_items([_preprint(f"p{i}") for i in range(130)])
    zotero_server.fail(429, retry_after="0")
    client = _client(zotero_server)
    list(client.iter_items())
    client.item_versions(since=0)
    client.create_items([_preprint("new")])
    client.deleted(since=0)
    assert client.requests_made == len(zotero_server.requests) == 7
    _no_key_anywhere(zotero_server)
    assert all(r.headers["zotero-api-key"] == WRITE_KEY for r in zotero_server.requests)
    assert all("authorization" not in r.headers for r in zotero_server.requests)


# ---------------------------------------------------------------- MockTransport units


def _mock(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> ZoteroClient:
    return ZoteroClient(Settings(), api_key=WRITE_KEY, library="user:1",
                        url="https://api.example.org", transport=httpx.MockTransport(handler),
                        **kwargs)


def test_retry_after_as_http_date() -> None:
    calls: list[str] = []
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/keys/current":
            return httpx.Response(200, json={"userID": 1, "username": "u", "access": {
                "user": {"library": True, "write": True}}})
        if len(calls) == 2:
            return httpx.Response(429, headers={"Retry-After": when})
        return httpx.Response(200, json=[], headers={"Last-Modified-Version": "5"})

    sleeps = Sleeps()
    client = _mock(handler, sleep=sleeps)
    assert list(client.iter_items()) == []
    assert len(sleeps) == 1 and 110 < sleeps[0] <= 120
    assert client.library_version == 5


def test_absurd_retry_after_is_an_error_not_a_hang() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/keys/current":
            return httpx.Response(200, json={"userID": 1, "access": {"user": {"library": True}}})
        return httpx.Response(429, headers={"Retry-After": "86400"})

    sleeps = Sleeps()
    with pytest.raises(ZoteroError, match="Zotero asks us to wait 86400 s"):
        list(_mock(handler, sleep=sleeps).iter_items())
    assert sleeps == []


def test_428_is_reported_as_our_bug() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/keys/current":
            return httpx.Response(200, json={"userID": 1, "access": {
                "user": {"library": True, "write": True}}})
        if request.method == "GET":
            return httpx.Response(200, json={}, headers={"Last-Modified-Version": "3"})
        return httpx.Response(428, text="If-Unmodified-Since-Version not provided")

    with pytest.raises(ZoteroError) as caught:
        _mock(handler).create_items([_preprint("x")])
    assert caught.value.status == 428
    assert str(caught.value).startswith(
        "Zotero refused the write (428 Precondition Required); this is a bug in refbridge")


def test_error_bodies_are_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"bad request for key {WRITE_KEY}")

    with pytest.raises(ZoteroError) as caught:
        _mock(handler).check_key()
    assert caught.value.body == "bad request for key [redacted]"
    _assert_key_absent(caught.value, WRITE_KEY)


def test_broken_connections_exhaust_retries_without_leaking_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset by peer", request=request)

    sleeps = Sleeps()
    with pytest.raises(ZoteroError) as caught:
        _mock(handler, sleep=sleeps, retries=3).check_key()
    assert str(caught.value) == (
        "Zotero failed after 4 attempts: connection failed (ReadError: connection reset by "
        "peer); check the network and REFBRIDGE_ZOTERO_URL (GET https://api.example.org/keys/current)")
    assert sleeps.are_backoffs(1.0, 2.0, 4.0)
    _assert_key_absent(caught.value, WRITE_KEY)
    assert caught.value.__context__ is None or WRITE_KEY not in repr(caught.value.__context__)


def test_next_link_to_another_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/keys/current":
            return httpx.Response(200, json={"userID": 1, "access": {"user": {"library": True}}})
        assert request.url.host == "api.example.org"
        return httpx.Response(200, json=[], headers={
            "Link": '<https://evil.example.com/users/1/items?start=100>; rel="next"'})

    with pytest.raises(ZoteroError, match="points to another host"):
        list(_mock(handler).iter_items())


def test_pages_by_total_results_when_link_is_missing() -> None:
    starts: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/keys/current":
            return httpx.Response(200, json={"userID": 1, "access": {"user": {"library": True}}})
        start = int(request.url.params.get("start", "0"))
        starts.append(request.url.params.get("start"))
        page = [{"key": f"K{n:07d}", "version": 1, "data": {"key": f"K{n:07d}"}}
                for n in range(start, min(start + 100, 230))]
        return httpx.Response(200, json=page, headers={"Total-Results": "230"})

    keys = [i["key"] for i in _mock(handler).iter_items()]
    assert keys == [f"K{n:07d}" for n in range(230)]
    assert starts == [None, "100", "200"]


def test_group_access_through_all_groups() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"key": WRITE_KEY, "userID": 7, "username": "u",
                                         "access": {"user": {"library": True, "write": True},
                                                    "groups": {"all": {"library": True,
                                                                       "write": False}}}})

    client = ZoteroClient(Settings(), api_key=WRITE_KEY, library="group:99",
                          url="https://api.example.org", transport=httpx.MockTransport(handler))
    info = client.check_key()
    assert (info.library, info.can_read, info.can_write) == ("group:99", True, False)
    assert WRITE_KEY not in repr(info.access)
    with pytest.raises(ZoteroAuthError, match="may read but not write group:99"):
        client.require_write()


def test_bad_library_setting() -> None:
    from bridge.errors import ConfigError

    with pytest.raises(ConfigError, match="user:<id> or group:<id>"):
        ZoteroClient(Settings(), api_key=WRITE_KEY, library="users/1")


def test_a_long_retry_after_is_said_through_notify(zotero_server: ZoteroServer) -> None:
    zotero_server.fail(429, retry_after="30", path="/keys/current")
    sleeps, notes = Sleeps(), []
    client = _client(zotero_server, sleeps=sleeps, notify=notes.append)
    client.check_key()
    assert sleeps == [30.0]
    assert notes == ["Zotero asked us to wait 30 s (Retry-After); waiting"]


def test_an_unresolvable_zotero_host_is_one_line_at_once(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from bridge.cli import cli

    monkeypatch.setenv("REFBRIDGE_ZOTERO_URL", "https://api.zotero.invalid")
    monkeypatch.setenv("ZOTERO_API_KEY", WRITE_KEY)
    result = CliRunner().invoke(cli, ["pull", "-o", str(tmp_path / "out.bib")])
    assert (result.exit_code, result.stderr) == (3, (
        "refbridge: error: cannot reach api.zotero.invalid (no network?) (GET "
        "https://api.zotero.invalid/keys/current). Nothing was lost: try again later.\n"))
