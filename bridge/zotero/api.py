"""A small client of the Zotero Web API v3, on httpx.

Everything refbridge needs from zotero.org, and the rules the service asks clients to follow:

* the API key travels only in the ``Zotero-API-Key`` header: never in a URL, a log line,
  an exception, a repr; redirects are not followed (they would carry the header elsewhere);
* every request says ``Zotero-API-Version: 3``; lists are read 100 at a time following
  ``Link: rel="next"``;
* a ``Backoff`` header on any answer delays the next request; ``429`` and ``503`` wait for
  ``Retry-After``; ``5xx`` and broken connections are retried with exponential backoff;
* writes go in batches of at most 50 objects, each with ``If-Unmodified-Since-Version``
  (a ``412`` refreshes the library version and tries again) and one ``Zotero-Write-Token``
  reused on every retry of that batch, so a batch can never be applied twice.

Why a retried write cannot create duplicates: new objects get their key from us (Zotero
allows client-made keys in its alphabet). When an answer is lost (dropped connection, 5xx)
and the retry gets ``412`` because the token or version was already used, the client reads
back the batch's keys changed since the version it wrote against: those were applied by the
lost attempt and count as written; only the rest is sent again, as a new write.

Typical use::

    client = ZoteroClient(api_key=..., library="user:475425")
    client.require_write()
    result = client.create_items([{"itemType": "preprint", "title": "..."}])
    for failure in result.failed:
        print(failure)
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .._http import HttpClient, HttpError, Reply, RetryPolicy
from ..config import USER_AGENT, Settings, load_settings
from ..errors import ConfigError, ZoteroAuthError, ZoteroError, redact
from ..progress import NO_PROGRESS, Progress

__all__ = [
    "API_VERSION",
    "DEFAULT_TIMEOUT",
    "KEY_ALPHABET",
    "PAGE_SIZE",
    "WRITE_BATCH",
    "KeyInfo",
    "WriteFailure",
    "WriteResult",
    "ZoteroClient",
    "new_object_key",
]

API_VERSION = "3"
DEFAULT_TIMEOUT = 30.0
PAGE_SIZE = 100
"""Objects per page when reading lists (the API's maximum)."""
WRITE_BATCH = 50
"""Objects per write request (the API's maximum; more gets 413)."""
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
"""Characters of Zotero object keys; clients may make keys of 8 of them."""
KEYS_URL = "https://www.zotero.org/settings/keys"

_RETRY_BASE = 1.0  # seconds before the first retry of a 5xx or broken connection; doubles
_RETRY_CAP = 60.0
_MAX_RETRY_AFTER = 600.0  # a longer Retry-After means "come back later", not "wait here"
_ERROR_BODY_CHARS = 500


Recheck = Callable[[list[int]], dict[int, str]]
"""Given the indices still to write after a 412, those the library now has: index -> key."""


def new_object_key() -> str:
    """A random Zotero object key (8 characters of KEY_ALPHABET).

    >>> key = new_object_key()
    >>> len(key), set(key) <= set(KEY_ALPHABET)
    (8, True)
    """
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class KeyInfo:
    """What /keys/current says about the API key (the key itself is never kept)."""

    user_id: int
    username: str
    library: str
    """The library this client works on: user:<id> or group:<id>."""
    can_read: bool
    can_write: bool
    """May the key write to `library`?"""
    access: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The raw `access` object: {"user": {...}, "groups": {...}}."""


@dataclass(frozen=True)
class WriteFailure:
    """One object Zotero refused: where it was in the input, what it was, and why."""

    index: int
    name: str
    code: int
    message: str
    key: str | None = None

    def __str__(self) -> str:
        return f"item {self.index} ({self.name!r}): Zotero refused it with {self.code}: " \
               f"{self.message}"


@dataclass
class WriteResult:
    """The outcome of a multi-object write, indexed by position in the input list."""

    keys: dict[int, str] = field(default_factory=dict)
    """Index -> key of each object created or changed."""
    objects: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Index -> the object as Zotero stored it (editable JSON, with key and version)."""
    unchanged: dict[int, str] = field(default_factory=dict)
    """Index -> key of each object that already held exactly this data."""
    failed: list[WriteFailure] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)
    """Indices whose answer was lost and whose write was confirmed by reading it back."""
    present: dict[int, str] = field(default_factory=dict)
    """Index -> key of the object another client wrote meanwhile (found by `recheck` after
    a 412), so this one was not sent again."""
    library_version: int | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


def _name_of(obj: Mapping[str, Any]) -> str:
    for field_name in ("title", "name", "caseName", "nameOfAct", "subject", "note"):
        value = obj.get(field_name)
        if isinstance(value, str) and value:
            return value[:80]
    return str(obj.get("key") or "(untitled)")


def _parse_library(text: str) -> str:
    kind, _, number = text.partition(":")
    if kind not in ("user", "group") or not number.isdigit():
        raise ConfigError(f"Zotero library must look like user:<id> or group:<id>, not {text!r}")
    return f"{kind}:{int(number)}"


class ZoteroClient:
    """The Zotero Web API v3 for one library, with polite retries and safe writes.

    Arguments are keyword-only and override `settings` (which default to
    `bridge.config.load_settings()`): `api_key`, `library` (``user:<id>`` or
    ``group:<id>``; empty means the key's own user library, found via /keys/current),
    `url` (the API base), `transport` (an httpx transport; tests pass
    ``httpx.MockTransport``), `timeout`: the total deadline of a request in seconds,
    `retries` per request after the first attempt, `sleep`, through which every wait goes,
    and `notify`, which is told about long waits. Retries, waits and limits are the shared
    policy of `bridge._http`.

    Counters: `requests_made` (every HTTP request sent, retries included) and
    `writes_made` (the POST/PATCH/PUT/DELETE among them).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        api_key: str | None = None,
        library: str | None = None,
        url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
    ):
        if settings is None:
            settings = load_settings()
        self._api_key = api_key if api_key is not None else settings.zotero_api_key
        chosen = library if library is not None else settings.zotero_library
        self._library: str | None = _parse_library(chosen) if chosen else None
        self._url = (url or settings.zotero_url).rstrip("/")
        if retries < 0:
            raise ValueError("retries must not be negative")
        self._retries = retries
        headers = {"Zotero-API-Version": API_VERSION, "User-Agent": USER_AGENT,
                   "Accept": "application/json"}
        if self._api_key:
            headers["Zotero-API-Key"] = self._api_key
        policy = RetryPolicy(retries=retries, base_delay=_RETRY_BASE, max_delay=_RETRY_CAP,
                             max_wait=_MAX_RETRY_AFTER, deadline=timeout)
        # Redirects are not followed: they would carry the key's header elsewhere.
        self._http = HttpClient("Zotero", policy=policy, headers=headers, transport=transport,
                                sleep=sleep, notify=notify, follow_redirects=False,
                                secrets=(self._api_key,))
        try:
            self._origin = httpx.URL(self._url)
        except httpx.InvalidURL:
            raise ConfigError(f"REFBRIDGE_ZOTERO_URL {self._url!r} is not a URL") from None
        self._key_info: KeyInfo | None = None
        self._version: int | None = None

    @property
    def requests_made(self) -> int:
        """Every HTTP request sent, retries included."""
        return self._http.requests_made

    @property
    def writes_made(self) -> int:
        """The POST/PATCH/PUT/DELETE requests among `requests_made`."""
        return self._http.writes_made

    def __repr__(self) -> str:
        return f"ZoteroClient(url={self._url!r}, library={self._library!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZoteroClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ key and library

    @property
    def library(self) -> str | None:
        """``user:<id>`` or ``group:<id>``; None until check_key() finds the user library."""
        return self._library

    def check_key(self) -> KeyInfo:
        """Ask /keys/current who the key belongs to and what it may do (asked once).

        Sets the library to the key's user library when none was given. Raises
        ZoteroAuthError when there is no key, Zotero does not know it (403), or it cannot
        read the library.
        """
        if self._key_info is not None:
            return self._key_info
        if not self._api_key:
            raise ZoteroAuthError(
                f"no Zotero API key: set ZOTERO_API_KEY (create a key at {KEYS_URL})")
        reply = self._send(
            "GET", f"{self._url}/keys/current",
            forbidden=f"Zotero does not accept this API key: check ZOTERO_API_KEY "
                      f"(keys are listed at {KEYS_URL})")
        data = self._json(reply.response, dict)
        try:
            user_id = int(data["userID"])
            access = data.get("access") or {}
            if not isinstance(access, Mapping):
                raise TypeError("access is not an object")
        except (KeyError, TypeError, ValueError):
            raise self._error("GET", reply.response,
                              "Zotero's /keys/current answer has no userID") from None
        if self._library is None:
            self._library = f"user:{user_id}"
        can_read, can_write = self._access_to(user_id, access, self._library)
        # The answer repeats the key; keep only what we need so it is stored nowhere.
        info = KeyInfo(user_id=user_id, username=str(data.get("username", "")),
                       library=self._library, can_read=can_read, can_write=can_write,
                       access=_without_key(access))
        if not can_read:
            raise ZoteroAuthError(
                f"the API key of {info.username or user_id} cannot read {self._library}: "
                f"give it access at {KEYS_URL} or set ZOTERO_LIBRARY to a library it can read")
        self._key_info = info
        return info

    def require_write(self) -> KeyInfo:
        """Check (once) that the key may write to the library; raise ZoteroAuthError if not.

        Every write calls this first, so a read-only key is refused before anything is sent.
        """
        info = self.check_key()
        if not info.can_write:
            raise ZoteroAuthError(
                f"the API key may read but not write {info.library}: allow writing for it at "
                f"{KEYS_URL}, or use a key that has write access")
        return info

    @staticmethod
    def _access_to(user_id: int, access: Mapping[str, Any], library: str) -> tuple[bool, bool]:
        kind, _, number = library.partition(":")
        if kind == "user":
            if int(number) != user_id:
                return False, False
            user = access.get("user") or {}
            return bool(user.get("library")), bool(user.get("write"))
        groups = access.get("groups") or {}
        entry = groups.get(number) or groups.get("all") or {}
        return bool(entry.get("library")), bool(entry.get("write"))

    @property
    def _prefix(self) -> str:
        self.check_key()
        kind, _, number = (self._library or "").partition(":")
        return f"{self._url}/{kind}s/{number}"

    # ------------------------------------------------------------------ versions

    @property
    def library_version(self) -> int:
        """The library version last seen in a Last-Modified-Version header (asked if none)."""
        if self._version is None:
            return self.refresh_library_version()
        return self._version

    def refresh_library_version(self) -> int:
        """Ask Zotero for the library's current version."""
        reply = self._send("GET", f"{self._prefix}/items/top",
                           params={"limit": 1, "format": "versions"})
        self._version = None
        version = self._note_version(reply.response)
        if version is None:
            raise self._error("GET", reply.response,
                              "Zotero's answer has no Last-Modified-Version header")
        return version

    def write_against(self, version: int) -> None:
        """Make the next writes conditional on `version` (If-Unmodified-Since-Version): the
        version up to which the caller has read what its writes depend on. Every read moves
        the version on, even one that told the caller nothing about what it is about to write
        (a /deleted, a collection list); writing against such a version would hide another
        client's changes from the 412 meant to reveal them."""
        self._version = version

    def _note_version(self, response: httpx.Response) -> int | None:
        header = response.headers.get("Last-Modified-Version")
        if header is None or not header.strip().isdigit():
            return self._version
        version = int(header)
        # Versions only grow; an older number comes from a slower parallel answer.
        self._version = version if self._version is None else max(self._version, version)
        return self._version

    # ------------------------------------------------------------------ reads

    def iter_items(
        self,
        *,
        since: int | None = None,
        collection: str | None = None,
        recursive: bool = False,
        top: bool = False,
        trashed: bool = False,
        progress: Progress = NO_PROGRESS,
    ) -> Iterator[dict[str, Any]]:
        """Every item (editable JSON: ``data`` with key and version), 100 per request.

        `since`: only items changed after that library version. `collection`: only its
        items (with `recursive`, also those of its subcollections, each item once).
        `top`: leave out child notes and attachments. The trash is left out, unless
        `trashed` (its items then say `"deleted": 1`).
        """
        collections = [collection] if collection else [None]
        if collection and recursive:
            collections = [collection, *self._descendants(collection)]
        seen: set[str] = set()
        started = False
        for key in collections:
            path = f"{self._prefix}/collections/{key}/items" if key else f"{self._prefix}/items"
            if top:
                path += "/top"
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if since is not None:
                params["since"] = since
            if trashed:
                params["includeTrashed"] = 1
            for response, page in self._pages(path, params):
                if not started:
                    total = response.headers.get("Total-Results", "")
                    progress.start("reading Zotero items",
                                   int(total) if total.isdigit() and not recursive else None)
                    started = True
                for data in page:
                    if data.get("key") in seen:
                        continue
                    seen.add(data["key"])
                    yield data
                progress.advance(len(page))
        if started:
            progress.finish()

    def items_by_key(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        """The items with these keys (editable JSON), asked 50 keys at a time; missing ones
        are left out."""
        wanted = list(dict.fromkeys(keys))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), WRITE_BATCH):
            chunk = wanted[start:start + WRITE_BATCH]
            params = {"itemKey": ",".join(chunk), "includeTrashed": 1, "limit": PAGE_SIZE}
            for _, page in self._pages(f"{self._prefix}/items", params):
                found.extend(page)
        return found

    def item_versions(self, since: int | None = None, *,
                      collection: str | None = None) -> dict[str, int]:
        """Key -> version of every item (changed after `since`), via format=versions."""
        path = f"{self._prefix}/collections/{collection}/items" if collection \
            else f"{self._prefix}/items"
        params: dict[str, Any] = {"format": "versions"}
        if since is not None:
            params["since"] = since
        versions: dict[str, int] = {}
        for _, page in self._pages(path, params, versions=True):
            versions.update(page)
        return versions

    def deleted(self, since: int, *, kind: str = "items") -> list[str]:
        """Keys of the objects of `kind` (items, collections, ...) deleted after `since`."""
        reply = self._send("GET", f"{self._prefix}/deleted", params={"since": since})
        self._note_version(reply.response)
        data = self._json(reply.response, dict)
        keys = data.get(kind, [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise self._error("GET", reply.response,
                              f"Zotero's /deleted answer has no list of {kind}")
        return keys

    def collections(self) -> list[dict[str, Any]]:
        """Every collection (editable JSON: key, version, name, parentCollection)."""
        found: list[dict[str, Any]] = []
        for _, page in self._pages(f"{self._prefix}/collections", {"limit": PAGE_SIZE}):
            found.extend(page)
        return found

    def _descendants(self, key: str) -> list[str]:
        children: dict[str, list[str]] = {}
        for data in self.collections():
            parent = data.get("parentCollection")
            if parent:
                children.setdefault(parent, []).append(data["key"])
        found: list[str] = []
        todo = list(children.get(key, []))
        while todo:
            current = todo.pop(0)
            if current in found or current == key:
                continue
            found.append(current)
            todo.extend(children.get(current, []))
        return found

    def _pages(self, path: str, params: dict[str, Any] | None, *,
               versions: bool = False) -> Iterator[tuple[httpx.Response, Any]]:
        """Each page of a list, following Link rel="next": the answer, and its objects'
        editable JSON (each a dict with a key), or with `versions` a {key: version} dict.

        When an answer has no next link, the next page is still asked for with start= as
        long as Total-Results says more remain or the page came back full: a proxy may drop
        Link headers, and a server may miscount (a short or empty page ends the list).
        """
        url, query = path, params
        seen: set[str] = set()
        while True:
            reply = self._send("GET", url, params=query)
            response = reply.response
            self._note_version(response)
            page = self._versions(response) if versions else self._objects(response)
            yield response, page
            link = response.links.get("next", {}).get("url")
            if link:
                target = httpx.URL(link)
                if (target.scheme, target.host, target.port) != (
                        self._origin.scheme, self._origin.host, self._origin.port):
                    # Following it would send the key to another host.
                    raise ZoteroError(f"Zotero's next-page link points to another host "
                                      f"({target.host}); refusing to follow it",
                                      method="GET", url=str(response.request.url),
                                      status=response.status_code)
                # The link carries the whole query; params (even {}) would replace it.
                url, query = link, None
            else:
                total = response.headers.get("Total-Results", "")
                asked = response.request.url.params.get("start", "0")
                start = int(asked) if asked.isdigit() else 0
                limit = response.request.url.params.get("limit", "")
                full = limit.isdigit() and len(page) >= int(limit)
                more = total.isdigit() and start + len(page) < int(total)
                if versions or not page or not (full or more):
                    return
                url, query = path, {**(params or {}), "start": start + len(page)}
            key = str(httpx.URL(url, params=query)) if query else url
            if key in seen:
                raise ZoteroError("Zotero's next-page links go round in a circle",
                                  method="GET", url=key, status=response.status_code)
            seen.add(key)

    # ------------------------------------------------------------------ writes

    def create_items(self, items: list[dict[str, Any]],
                     progress: Progress = NO_PROGRESS, *,
                     recheck: Recheck | None = None) -> WriteResult:
        """Create items (editable JSON, e.g. {"itemType": "preprint", "title": ...}).

        Sent in batches of 50; each item without a key gets one made here, so that a batch
        whose answer was lost can be checked and is never created twice. Items Zotero
        refuses are in `result.failed` with their index, title, code and message.

        `recheck` is how concurrent writers avoid duplicates: when Zotero answers 412 (the
        library changed since we read it), it is called with the indices still to write and
        returns those the library now has (index -> key), which are dropped from the batch
        (`result.present`) before the rest is sent again.
        """
        prepared = []
        for item in items:
            copy = dict(item)
            copy.pop("version", None)
            copy.setdefault("key", new_object_key())
            prepared.append(copy)
        return self._write("items", prepared, progress, "creating Zotero items", recheck)

    def update_items(self, items: list[dict[str, Any]],
                     progress: Progress = NO_PROGRESS) -> WriteResult:
        """Change existing items: each needs its `key`; only the fields given change.

        Give each item's `version` too, so Zotero refuses (412 in `failed`) to overwrite an
        item someone changed since it was read. Typical use: file items into collections
        with {"key": k, "version": v, "collections": [...]}.
        """
        for index, item in enumerate(items):
            if not item.get("key"):
                raise ValueError(f"update_items: item {index} has no 'key'")
        return self._write("items", [dict(item) for item in items], progress,
                           "updating Zotero items")

    def create_collection(self, name: str, parent_key: str | None = None, *,
                          find_existing: Callable[[], str | None] | None = None) -> str:
        """Create a collection (inside `parent_key`); returns its key.

        Written against the library version last read: if another client changed the
        library since (412), `find_existing` is asked for the key of a collection that now
        stands for this one (another client's run created it), and that key is returned.
        """
        obj = {"key": new_object_key(), "name": name, "parentCollection": parent_key or False}

        def recheck(indices: list[int]) -> dict[int, str]:
            key = find_existing() if find_existing is not None else None
            return {0: key} if key else {}

        result = self._write("collections", [obj], NO_PROGRESS, "creating a Zotero collection",
                             recheck)
        if 0 in result.present:
            return result.present[0]
        if result.failed:
            failure = result.failed[0]
            raise ZoteroError(f"Zotero refused to create collection {name!r}: "
                              f"{failure.code} {failure.message}",
                              method="POST", url=f"{self._prefix}/collections",
                              status=failure.code)
        return result.keys.get(0) or result.unchanged[0]

    def ensure_collection(self, name: str, parent_key: str | None = None) -> str:
        """The key of the collection called `name` under `parent_key`, created if missing
        (found, not made twice, when another client creates it at the same time)."""
        def find() -> str | None:
            keys = sorted(str(data["key"]) for data in self.collections()
                          if data.get("name") == name
                          and (data.get("parentCollection") or None) == parent_key)
            return keys[0] if keys else None

        return find() or self.create_collection(name, parent_key, find_existing=find)

    def _write(self, kind: str, objects: list[dict[str, Any]], progress: Progress,
               description: str, recheck: Recheck | None = None) -> WriteResult:
        self.require_write()
        result = WriteResult()
        progress.start(description, len(objects))
        for start in range(0, len(objects), WRITE_BATCH):
            batch = {index: obj for index, obj in
                     enumerate(objects[start:start + WRITE_BATCH], start)
                     if index not in result.present}
            if batch:
                later = [i for i in range(start + WRITE_BATCH, len(objects))
                         if i not in result.present]
                self._write_batch(kind, batch, result, recheck, later)
            progress.advance(min(WRITE_BATCH, len(objects) - start))
        progress.finish()
        result.failed.sort(key=lambda failure: failure.index)
        result.recovered.sort()
        result.library_version = self._version
        return result

    def _write_batch(self, kind: str, pending: dict[int, dict[str, Any]],
                     result: WriteResult, recheck: Recheck | None, later: list[int]) -> None:
        """Write one batch (index -> object) until Zotero has answered for every object.

        `later`: the indices of the batches still to come, which a recheck covers too."""
        url = f"{self._prefix}/{kind}"
        token = secrets.token_hex(16)
        for _ in range(self._retries + 1):
            version = self.library_version
            indices = list(pending)
            reply = self._send(
                "POST", url, body=[pending[i] for i in indices], accept=(200, 412),
                headers={"Zotero-Write-Token": token,
                         "If-Unmodified-Since-Version": str(version)})
            if reply.response.status_code == 200:
                self._note_version(reply.response)
                self._record(reply.response, indices, pending, result)
                return
            # 412: the library moved past `version`, or the token was already used. If an
            # answer got lost on the way, that may have been our own write: read it back.
            if reply.uncertain:
                for index, data in self._read_back(kind, indices, pending, version).items():
                    result.keys[index] = data["key"]
                    result.objects[index] = data
                    result.recovered.append(index)
                    del pending[index]
                if not pending:
                    return
                # What is left is a new write; the old token may be spent.
                token = secrets.token_hex(16)
            if recheck is None:
                self.refresh_library_version()
                continue
            # Another client wrote: what it wrote may be what we are about to write. The
            # recheck reads the library and sets the version it read up to (write_against);
            # the retry is written against that version, so a write made after the read
            # gets a 412 too, and another recheck (asking Zotero for its newest version
            # instead could let a duplicate through).
            for index, key in recheck([*pending, *later]).items():
                result.present[index] = key
                pending.pop(index, None)
            if not pending:
                return
            token = secrets.token_hex(16)
        raise ZoteroError(
            f"the Zotero library kept changing while we wrote to it ({self._retries + 1} "
            f"times 412 Precondition Failed); try again when no other client is syncing",
            method="POST", url=url, status=412)

    def _read_back(self, kind: str, indices: list[int], pending: dict[int, dict[str, Any]],
                   version: int) -> dict[int, dict[str, Any]]:
        """Objects of this batch that changed after `version`: the lost attempt wrote them."""
        by_key = {pending[i]["key"]: i for i in indices if pending[i].get("key")}
        if not by_key:
            return {}
        param = "itemKey" if kind == "items" else "collectionKey"
        params = {param: ",".join(by_key), "since": version, "limit": PAGE_SIZE}
        if kind == "items":
            params["includeTrashed"] = 1
        applied: dict[int, dict[str, Any]] = {}
        for _, page in self._pages(f"{self._prefix}/{kind}", params):
            for data in page:
                if data.get("key") in by_key:
                    applied[by_key[data["key"]]] = data
        return applied

    def _record(self, response: httpx.Response, indices: list[int],
                pending: dict[int, dict[str, Any]], result: WriteResult) -> None:
        """Book Zotero's answer to one write batch. An object the answer does not mention
        (or mentions in a form the API does not document) counts as failed, never as
        written: the next push reads the library and finds it if it was."""
        answer = self._json(response, dict)
        if not answer.keys() & {"success", "successful", "unchanged", "failed"}:
            raise self._error(response.request.method, response,
                              "Zotero's write answer says nothing about the objects sent")
        parts = {}
        for part in ("success", "successful", "unchanged", "failed"):
            value = answer.get(part)
            if value is None or value == []:
                value = {}  # PHP's json_encode writes an empty map as []
            if not isinstance(value, dict):
                raise self._error(response.request.method, response,
                                  f"Zotero's write answer has a malformed {part!r}")
            parts[part] = {indices[int(slot)]: value for slot, value in value.items()
                           if isinstance(slot, str) and slot.isdigit()
                           and int(slot) < len(indices)}
        for index, key in parts["success"].items():
            if isinstance(key, str) and key:
                result.keys[index] = key
        for index, obj in parts["successful"].items():
            data = obj.get("data", obj) if isinstance(obj, dict) else None
            if isinstance(data, dict) and isinstance(data.get("key"), str):
                result.objects[index] = data
                result.keys[index] = data["key"]
        for index, key in parts["unchanged"].items():
            if isinstance(key, str) and key:
                result.unchanged[index] = key
        for index, failure in parts["failed"].items():
            failure = failure if isinstance(failure, dict) else {}
            code = failure.get("code")
            result.failed.append(WriteFailure(
                index=index, name=_name_of(pending[index]),
                code=code if isinstance(code, int) else 0,
                message=str(failure.get("message") or "no reason given"),
                key=failure.get("key") if isinstance(failure.get("key"), str) else None))
        answered = set(result.keys) | set(result.unchanged) | set(parts["failed"])
        for index in indices:
            if index not in answered:
                result.failed.append(WriteFailure(
                    index=index, name=_name_of(pending[index]), code=0,
                    message="Zotero's answer does not mention it; not counted as written"))

    # ------------------------------------------------------------------ HTTP

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        accept: tuple[int, ...] = (200,),
        forbidden: str | None = None,
    ) -> Reply:
        """Send one request under the shared policy; statuses in `accept` return."""
        try:
            return self._http.request(method, url, params=params, json=body, headers=headers,
                                      accept=accept)
        except HttpError as exc:
            response = exc.response
            if response is None:
                hint = "; check the network and REFBRIDGE_ZOTERO_URL" if exc.retryable else ""
                raise ZoteroError(f"{exc.message}{hint}", method=method, url=exc.url) from None
            status = response.status_code
            if exc.retryable:
                raise self._error(method, response, f"{exc.message}; try again later") from None
            if status in (401, 403):
                raise self._error(method, response, forbidden or (
                    f"Zotero refused access to {self._library} ({status}): check that "
                    f"ZOTERO_API_KEY may use it ({KEYS_URL})"), auth=True) from None
            raise self._error(method, response, self._explain(status, response)) from None

    def _explain(self, status: int, response: httpx.Response) -> str:
        reason = f"{status} {response.reason_phrase}"
        if status == 400:
            return f"Zotero refused the request as invalid ({reason})"
        if status == 404:
            return (f"Zotero has no such object or library ({reason}): check ZOTERO_LIBRARY "
                    f"({self._library})")
        if status == 409:
            return f"the Zotero library is locked ({reason}); try again in a minute"
        if status == 412:
            return f"the Zotero library changed since we read it ({reason}); run again"
        if status in (413, 428):
            return (f"Zotero refused the write ({reason}); this is a bug in refbridge, "
                    f"please report it")
        return f"Zotero answered {reason}"

    def _error(self, method: str, response: httpx.Response, message: str,
               *, auth: bool = False) -> ZoteroError:
        body = redact(response.text[:_ERROR_BODY_CHARS], self._api_key)
        if body.strip() and len(body) < 200 and "\n" not in body.strip():
            message = f"{message}: {body.strip()}"
        kind = ZoteroAuthError if auth else ZoteroError
        return kind(message, method=method, url=str(response.request.url),
                    status=response.status_code, body=body)

    def _json(self, response: httpx.Response, shape: type[dict] | type[list]) -> Any:
        """The answer's JSON, which must be an object (dict) or an array (list)."""
        try:
            data = response.json()
        except ValueError:
            raise self._error(response.request.method, response,
                              "Zotero's answer is not JSON") from None
        if not isinstance(data, shape):
            expected = "an object" if shape is dict else "a list"
            raise self._error(response.request.method, response,
                              f"Zotero's answer is not {expected} as the API documents")
        return data

    def _objects(self, response: httpx.Response) -> list[dict[str, Any]]:
        """A list page's objects as editable JSON (the `data` of each, or the object)."""
        found = []
        for obj in self._json(response, list):
            data = obj.get("data", obj) if isinstance(obj, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("key"), str):
                raise self._error(response.request.method, response,
                                  "Zotero's list holds something that is not an object "
                                  "with a key")
            found.append(data)
        return found

    def _versions(self, response: httpx.Response) -> dict[str, int]:
        data = self._json(response, dict)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in data.values()):
            raise self._error(response.request.method, response,
                              "Zotero's versions answer maps a key to something that is "
                              "not a version number")
        return {str(k): v for k, v in data.items()}


def _without_key(access: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of /keys/current's access object with nothing but plain values."""
    out: dict[str, Any] = {}
    for name, value in access.items():
        if name == "key":
            continue
        out[name] = _without_key(value) if isinstance(value, Mapping) else value
    return out
