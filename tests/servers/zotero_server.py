"""A local Zotero Web API v3 server for tests: real sockets, real headers, real failure modes.

It keeps a user library (and optionally one group library) of items and collections with
per-object versions and a library version, and answers the subset of the API refbridge uses:

    GET    /keys/current
    GET    <prefix>/items[/top]                      since, format=json|versions|keys, itemKey,
    GET    <prefix>/items/<key>                      limit (max 100), start, includeTrashed
    GET    <prefix>/collections[/top]
    GET    <prefix>/collections/<key>
    GET    <prefix>/collections/<key>/items[/top]
    GET    <prefix>/collections/<key>/collections
    GET    <prefix>/deleted?since=N
    POST   <prefix>/items, <prefix>/collections      up to 50 objects (413 above)
    PATCH  <prefix>/items/<key>, PUT <prefix>/items/<key>
    DELETE <prefix>/items?itemKey=..., <prefix>/items/<key>, <prefix>/collections/<key>

where <prefix> is /users/<id> or /groups/<id>. Like the real service it sends
Last-Modified-Version on every answer, Total-Results and Link (rel=next/prev/last) on lists,
honours If-Modified-Since-Version (304), checks Zotero-Write-Token (a token already used gets
412), If-Unmodified-Since-Version (412 when the library or object changed; 428 when a write
that needs it has neither the header nor object versions), validates items against
shared/zotero-schema.json (bad objects land in `failed` with code 400), and refuses a wrong
key (403) or a write with a read-only key (403).

Fault injection is a queue consumed one request at a time, in the vocabulary every test
server shares (`tests/servers/faults.py`: `fail`, `backoff`, `drop_connection`, `slow`,
`trickle`, `gzip_bomb`, `html_page`, `redirect_loop`, `reply`; `after_write=True` applies
the request before playing the fault); every request is recorded in `requests`.

Decisions where the documentation is silent (the client must not rely on anything else):
* lists are sorted by dateAdded, oldest first (the real default is dateModified, newest
  first); format=versions and format=keys return everything unless `limit` is given;
* a base field name (`publisher` on a `report`) is rejected with a hint naming the
  type's own field (`institution`), rather than silently mapped;
* POSTing an object whose key exists updates it with PATCH semantics; a result identical
  to the stored object is reported in `unchanged`.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.paths import SCHEMA
from tests.servers._loopback import LoopbackServer
from tests.servers.faults import FaultInjection, send_fault

__all__ = [
    "GROUP_ID",
    "READ_KEY",
    "USERNAME",
    "USER_ID",
    "WRITE_KEY",
    "ApiKey",
    "RecordedRequest",
    "ZoteroServer",
]

USER_ID = 475425
USERNAME = "refbridge-test"
GROUP_ID = 2024
# Real keys are 24 alphanumerics; these look like them so redaction is tested for real.
WRITE_KEY = "Rw7kQ2mXv9LpT4sYb8NcZ3hD"
READ_KEY = "Ro3nV8cKe2WqJ6tFx5GyH9pA"

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_KEY_RE = re.compile(f"^[{KEY_ALPHABET}]{{8}}$")
_TOKEN_RE = re.compile(r"^[0-9a-fA-F]{32}$")
MAX_WRITE_OBJECTS = 50
MAX_LIMIT = 100
DEFAULT_LIMIT = 25

# Properties every regular item carries besides its type's fields.
_ITEM_PROPERTIES = {"key", "version", "itemType", "creators", "tags", "collections",
                    "relations", "dateAdded", "dateModified", "deleted"}
_CHILD_PROPERTIES = {
    "note": {"note", "parentItem"},
    "attachment": {"parentItem", "linkMode", "contentType", "charset", "filename", "md5",
                   "mtime", "path"},
}
_COLLECTION_PROPERTIES = {"key", "version", "name", "parentCollection", "relations", "deleted"}


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class _ItemType:
    name: str
    fields: frozenset[str]
    creator_types: frozenset[str]
    base_to_field: dict[str, str]


@cache
def _schema() -> dict[str, _ItemType]:
    data = json.loads(SCHEMA.read_text(encoding="utf-8"))
    types: dict[str, _ItemType] = {}
    for entry in data["itemTypes"]:
        fields = frozenset(f["field"] for f in entry["fields"])
        base = {f["baseField"]: f["field"] for f in entry["fields"] if "baseField" in f}
        creators = frozenset(c["creatorType"] for c in entry["creatorTypes"])
        types[entry["itemType"]] = _ItemType(entry["itemType"], fields, creators, base)
    return types


class _Invalid(Exception):
    """One object of a write is refused; becomes an entry of `failed`."""

    def __init__(self, code: int, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def _validate_item(obj: Any, collections: dict[str, dict]) -> None:
    """Raise _Invalid when `obj` is not an item the real server would accept."""
    if not isinstance(obj, dict):
        raise _Invalid(400, "Item must be an object")
    if "itemType" not in obj:
        raise _Invalid(400, "'itemType' property not provided")
    types = _schema()
    item_type = obj["itemType"]
    if not isinstance(item_type, str) or item_type not in types or item_type == "annotation":
        raise _Invalid(400, f"'{item_type}' is not a valid itemType")
    spec = types[item_type]
    allowed = _ITEM_PROPERTIES | _CHILD_PROPERTIES.get(item_type, set())
    for name, value in obj.items():
        if name in allowed:
            continue
        if name in spec.fields:
            if not isinstance(value, str):
                raise _Invalid(400, f"'{name}' must be a string")
            continue
        if name in spec.base_to_field:
            own = spec.base_to_field[name]
            raise _Invalid(400, f"'{name}' is not a valid field for type '{item_type}'; "
                                f"use '{own}'")
        raise _Invalid(400, f"'{name}' is not a valid field for type '{item_type}'")
    if "key" in obj and not (isinstance(obj["key"], str) and _KEY_RE.match(obj["key"])):
        raise _Invalid(400, f"'{obj['key']}' is not a valid item key")
    if "version" in obj and not (isinstance(obj["version"], int)
                                 and not isinstance(obj["version"], bool)):
        raise _Invalid(400, "'version' must be an integer")
    _validate_creators(obj.get("creators", []), spec)
    _validate_tags(obj.get("tags", []))
    members = obj.get("collections", [])
    if not isinstance(members, list) or not all(isinstance(k, str) for k in members):
        raise _Invalid(400, "'collections' must be an array of collection keys")
    for key in members:
        if key not in collections:
            raise _Invalid(409, f"Collection {key} doesn't exist")
    if not isinstance(obj.get("relations", {}), dict):
        raise _Invalid(400, "'relations' must be an object")


def _validate_creators(creators: Any, spec: _ItemType) -> None:
    if not isinstance(creators, list):
        raise _Invalid(400, "'creators' must be an array")
    for creator in creators:
        if not isinstance(creator, dict):
            raise _Invalid(400, "Creator must be an object")
        unknown = set(creator) - {"creatorType", "name", "firstName", "lastName"}
        if unknown:
            raise _Invalid(400, f"Invalid creator property '{sorted(unknown)[0]}'")
        kind = creator.get("creatorType")
        if kind not in spec.creator_types:
            raise _Invalid(400, f"'{kind}' is not a valid creator type for item type "
                                f"'{spec.name}'")
        if "name" in creator:
            if "firstName" in creator or "lastName" in creator:
                raise _Invalid(400, "Creator cannot have both 'name' and 'firstName'/'lastName'")
            if not isinstance(creator["name"], str) or not creator["name"].strip():
                raise _Invalid(400, "Creator 'name' must be a non-empty string")
        else:
            last = creator.get("lastName")
            first = creator.get("firstName", "")
            if not isinstance(last, str) or not isinstance(first, str) or not (last or first):
                raise _Invalid(400, "Creator must have 'name' or 'firstName'/'lastName'")


def _validate_tags(tags: Any) -> None:
    if not isinstance(tags, list):
        raise _Invalid(400, "'tags' must be an array")
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("tag"), str) or not tag["tag"]:
            raise _Invalid(400, "Tag must be an object with a non-empty 'tag' string")
        if tag.get("type", 0) not in (0, 1):
            raise _Invalid(400, "Tag 'type' must be 0 or 1")


def _validate_collection(obj: Any, collections: dict[str, dict]) -> None:
    if not isinstance(obj, dict):
        raise _Invalid(400, "Collection must be an object")
    for name in obj:
        if name not in _COLLECTION_PROPERTIES:
            raise _Invalid(400, f"Invalid property '{name}'")
    if "key" in obj and not (isinstance(obj["key"], str) and _KEY_RE.match(obj["key"])):
        raise _Invalid(400, f"'{obj['key']}' is not a valid collection key")
    name = obj.get("name")
    if "key" not in obj or obj["key"] not in collections:
        if not isinstance(name, str) or not name.strip():
            raise _Invalid(400, "Collection name cannot be empty")
    elif "name" in obj and (not isinstance(name, str) or not name.strip()):
        raise _Invalid(400, "Collection name cannot be empty")
    parent = obj.get("parentCollection", False)
    if parent is not False and parent not in collections:
        raise _Invalid(409, f"Parent collection {parent} doesn't exist")
    if parent is not False and parent == obj.get("key"):
        raise _Invalid(400, "Collection cannot be its own parent")


# --------------------------------------------------------------------------- state


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_key() -> str:
    """A fresh object key in Zotero's alphabet."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


def _blank_item(item_type: str) -> dict[str, Any]:
    """An item as the server stores it: every field of the type present, empty."""
    spec = _schema()[item_type]
    data: dict[str, Any] = {"key": "", "version": 0, "itemType": item_type}
    if item_type == "note":
        data.update(note="", parentItem=False)
    for name in sorted(spec.fields, key=_field_order(item_type)):
        data[name] = ""
    if spec.creator_types:
        data["creators"] = []
    data.update(tags=[], collections=[], relations={}, dateAdded="", dateModified="")
    return data


def _field_order(item_type: str):
    order = {f: i for i, f in enumerate(_schema_field_list(item_type))}
    return lambda name: order.get(name, len(order))


@cache
def _schema_field_list(item_type: str) -> tuple[str, ...]:
    data = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for entry in data["itemTypes"]:
        if entry["itemType"] == item_type:
            return tuple(f["field"] for f in entry["fields"])
    return ()


@dataclass
class Library:
    """One library: items and collections keyed by object key, and its version."""

    kind: str  # "user" or "group"
    id: int
    name: str
    version: int = 0
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"items": {}, "collections": {}})
    write_tokens: set[str] = field(default_factory=set)

    @property
    def prefix(self) -> str:
        return f"/{self.kind}s/{self.id}"

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class ApiKey:
    """What one API key may do: its user library (read, maybe write) and groups."""

    key: str
    user_id: int = USER_ID
    username: str = USERNAME
    write: bool = True
    groups: dict[int, bool] = field(default_factory=dict)  # group id -> may write

    def may_read(self, library: Library) -> bool:
        if library.kind == "user":
            return library.id == self.user_id
        return library.id in self.groups

    def may_write(self, library: Library) -> bool:
        if library.kind == "user":
            return library.id == self.user_id and self.write
        return self.groups.get(library.id, False)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    raw_target: str  # the request target exactly as sent: path and query string

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """What a route answers: a status, a body (JSON-able, or text sent as text/plain),
    headers of its own, and the library version for Last-Modified-Version (None: the
    version of the library the request was about, as it is now)."""

    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    version: int | None = None


@dataclass(frozen=True)
class _Counts:
    """The `meta` counts of a library's objects, counted in one pass."""

    children: Counter[str]
    subcollections: Counter[str]
    members: Counter[str]

    @classmethod
    def of(cls, lib: Library) -> _Counts:
        return cls(
            children=Counter(i["parentItem"] for i in lib.items.values() if i.get("parentItem")),
            subcollections=Counter(c["parentCollection"] for c in lib.collections.values()
                                   if c.get("parentCollection")),
            members=Counter(key for i in lib.items.values() for key in i.get("collections", [])))


class _Answer(Exception):
    """Raised inside a handler to answer at once with a status and message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.reply = Reply(status, message, headers or {})
        super().__init__(message)


# --------------------------------------------------------------------------- server


class ZoteroServer(FaultInjection, LoopbackServer):
    """A Zotero Web API v3 look-alike on 127.0.0.1; use as a context manager or start/stop.

    >>> with ZoteroServer() as server:
    ...     key = server.add_item({"itemType": "preprint", "title": "A"})
    ...     server.items[key]["title"], server.library_version
    ('A', 1)
    """

    def __init__(self, *, keys: list[ApiKey] | None = None, group: bool = False,
                 user_id: int = USER_ID, username: str = USERNAME):
        self.user = Library("user", user_id, username)
        self.group = Library("group", GROUP_ID, "Test Group") if group else None
        if keys is None:
            groups_rw = {GROUP_ID: True} if group else {}
            groups_ro = {GROUP_ID: False} if group else {}
            keys = [ApiKey(WRITE_KEY, user_id, username, True, groups_rw),
                    ApiKey(READ_KEY, user_id, username, False, groups_ro)]
        self.keys: dict[str, ApiKey] = {k.key: k for k in keys}
        self.requests: list[RecordedRequest] = []
        self.total_results_error = 0
        """Added to every Total-Results header (see `miscount_total`)."""
        self.errors: list[str] = []
        """Exceptions raised inside the server (its own bugs); the fixture fails on any."""
        self._lock = threading.RLock()

    # ---- lifecycle

    thread_name = "zotero-test-server"

    def _handler_class(self) -> type[_Handler]:
        return type("_BoundHandler", (_Handler,), {"app": self})

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def library(self) -> str:
        """The user library as ZOTERO_LIBRARY spells it: user:<id>."""
        return self.user.ref

    # ---- seeding and inspection

    @property
    def items(self) -> dict[str, dict[str, Any]]:
        """The user library's items (editable JSON) by key; live, do not mutate."""
        return self.user.items

    @property
    def collections(self) -> dict[str, dict[str, Any]]:
        return self.user.collections

    @property
    def library_version(self) -> int:
        return self.user.version

    def _lib(self, library: str | None) -> Library:
        if library in (None, self.user.ref, "user"):
            return self.user
        if self.group is not None and library in (self.group.ref, "group"):
            return self.group
        raise KeyError(f"no library {library!r} on this server")

    def add_item(self, data: dict[str, Any], *, library: str | None = None) -> str:
        """Store one item as if another client created it; returns its key.

        Validated like a POST (raises ValueError on a bad item); bumps the library version.
        """
        with self._lock:
            lib = self._lib(library)
            try:
                _validate_item(data, lib.collections)
            except _Invalid as exc:
                raise ValueError(exc.message) from None
            lib.version += 1
            return self._store_item(lib, dict(data), lib.version)

    def add_items(self, items: list[dict[str, Any]], *, library: str | None = None) -> list[str]:
        """Store many items in one library version (like one batch from another client)."""
        with self._lock:
            lib = self._lib(library)
            for data in items:
                try:
                    _validate_item(data, lib.collections)
                except _Invalid as exc:
                    raise ValueError(exc.message) from None
            lib.version += 1
            return [self._store_item(lib, dict(data), lib.version) for data in items]

    def add_collection(self, name: str, parent: str | None = None, *,
                       library: str | None = None) -> str:
        """Create a collection (under `parent`, a collection key); returns its key."""
        with self._lock:
            lib = self._lib(library)
            obj = {"name": name, "parentCollection": parent or False}
            try:
                _validate_collection(obj, lib.collections)
            except _Invalid as exc:
                raise ValueError(exc.message) from None
            lib.version += 1
            return self._store_collection(lib, obj, lib.version)

    def delete_item(self, key: str, *, library: str | None = None) -> None:
        """Delete an item as another client would (it shows up in /deleted)."""
        with self._lock:
            lib = self._lib(library)
            lib.version += 1
            del lib.items[key]
            lib.deleted["items"][key] = lib.version

    def touch(self, *, library: str | None = None) -> int:
        """Bump the library version, as an unrelated change by another client would."""
        with self._lock:
            lib = self._lib(library)
            lib.version += 1
            return lib.version

    # ---- fault injection: the shared verbs come from FaultInjection

    def miscount_total(self, by: int) -> None:
        """Every list answer's Total-Results (and so its Link header) is off by `by`."""
        self.total_results_error = by

    # ---- recorded traffic

    def requests_to(self, method: str, path_contains: str = "") -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and path_contains in r.path]

    # ---- object storage

    def _store_item(self, lib: Library, obj: dict[str, Any], version: int) -> str:
        key = obj.get("key") or self._unused_key(lib)
        now = _now()
        data = _blank_item(obj["itemType"])
        data.update({k: v for k, v in obj.items() if k != "version"})
        data["key"] = key
        data["version"] = version
        data["dateAdded"] = obj.get("dateAdded") or now
        data["dateModified"] = obj.get("dateModified") or now
        lib.items[key] = data
        lib.deleted["items"].pop(key, None)
        return key

    def _store_collection(self, lib: Library, obj: dict[str, Any], version: int) -> str:
        key = obj.get("key") or self._unused_key(lib)
        data = {"key": key, "version": version, "name": obj["name"],
                "parentCollection": obj.get("parentCollection", False),
                "relations": obj.get("relations", {})}
        lib.collections[key] = data
        lib.deleted["collections"].pop(key, None)
        return key

    @staticmethod
    def _unused_key(lib: Library) -> str:
        while True:
            key = new_key()
            if key not in lib.items and key not in lib.collections:
                return key

    # ---- answers

    def _item_object(self, lib: Library, data: dict[str, Any],
                     counts: _Counts | None = None) -> dict[str, Any]:
        counts = counts or _Counts.of(lib)
        creators = data.get("creators", [])
        summary = ""
        if creators:
            first = creators[0].get("lastName") or creators[0].get("name", "")
            summary = first if len(creators) == 1 else (
                f"{first} and {creators[1].get('lastName') or creators[1].get('name', '')}"
                if len(creators) == 2 else f"{first} et al.")
        meta: dict[str, Any] = {"numChildren": counts.children[data["key"]]}
        if summary:
            meta["creatorSummary"] = summary
        if data.get("date"):
            meta["parsedDate"] = data["date"]
        return {
            "key": data["key"], "version": data["version"],
            "library": self._library_json(lib),
            "links": {"self": {"href": f"{self.url}{lib.prefix}/items/{data['key']}",
                               "type": "application/json"}},
            "meta": meta,
            "data": json.loads(json.dumps(data)),
        }

    def _collection_object(self, lib: Library, data: dict[str, Any],
                           counts: _Counts | None = None) -> dict[str, Any]:
        counts = counts or _Counts.of(lib)
        return {
            "key": data["key"], "version": data["version"],
            "library": self._library_json(lib),
            "links": {"self": {"href": f"{self.url}{lib.prefix}/collections/{data['key']}",
                               "type": "application/json"}},
            "meta": {
                "numCollections": counts.subcollections[data["key"]],
                "numItems": counts.members[data["key"]],
            },
            "data": json.loads(json.dumps(data)),
        }

    @staticmethod
    def _library_json(lib: Library) -> dict[str, Any]:
        return {"type": lib.kind, "id": lib.id, "name": lib.name}


# --------------------------------------------------------------------------- HTTP handler


class _Handler(BaseHTTPRequestHandler):
    app: ZoteroServer
    protocol_version = "HTTP/1.1"
    server_version = "ZoteroTestServer/1.0"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; `app.requests` is the log

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # ---- plumbing

    def _handle(self) -> None:
        app = self.app
        self._library: Library | None = None
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {name.lower(): value for name, value in self.headers.items()}
        with app._lock:
            app.requests.append(RecordedRequest(self.command, split.path, query, headers, body,
                                                self.path))
        fault = app.take_fault(self.command, split.path)
        if fault is not None and not fault.after_write and send_fault(
                self, fault, self._common_headers()):
            return
        try:
            with app._lock:
                reply = self._route(split.path, query, headers, body)
        except _Answer as answer:
            reply = answer.reply
        except Exception as exc:
            # A bug here must fail the test, not look like a flaky network to the client.
            with app._lock:
                app.errors.append(f"{self.command} {self.path}: {exc!r}")
            reply = Reply(500, f"test server bug: {exc!r}")
        if fault is not None and fault.after_write and send_fault(
                self, fault, self._common_headers()):
            return  # applied, but the client never hears so
        if fault is not None:
            reply.headers = {**reply.headers, **fault.extra_headers()}
        self._send(reply)

    def _common_headers(self) -> dict[str, str]:
        """On every answer: the API version, and the version of the library the request
        was about."""
        lib = getattr(self, "_library", None) or self.app.user
        return {"Zotero-API-Version": "3", "Last-Modified-Version": str(lib.version)}

    def _send(self, reply: Reply) -> None:
        payload = reply.payload
        if reply.status in (204, 304):
            raw = b""
        elif isinstance(payload, str):
            raw = payload.encode("utf-8")
        else:
            raw = json.dumps(payload).encode("utf-8")
        self.send_response(reply.status)
        if raw:
            self.send_header("Content-Type", "text/plain; charset=utf-8"
                             if isinstance(payload, str) else "application/json")
        self.send_header("Content-Length", str(len(raw)))
        common = self._common_headers()  # the library's version, unless the route says
        if reply.version is not None:
            common["Last-Modified-Version"] = str(reply.version)
        for name, value in {**common, **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if raw and self.command != "HEAD":
            self.wfile.write(raw)

    # ---- routing

    def _route(self, path: str, query: dict[str, list[str]], headers: dict[str, str],
               body: bytes) -> Reply:
        app = self.app
        key = self._api_key(query, headers)
        if path == "/keys/current":
            return self._keys_current(key)
        match = re.match(r"^/(users|groups)/(\d+)(/.*)?$", path)
        if not match:
            raise _Answer(404, "Not found")
        kind, ident, rest = match.group(1)[:-1], int(match.group(2)), match.group(3) or ""
        lib = app.user if kind == "user" and ident == app.user.id else (
            app.group if app.group is not None and kind == "group" and ident == app.group.id
            else None)
        if lib is None:
            if kind == "group":
                raise _Answer(404, "Group not found")
            raise _Answer(403, "Forbidden")
        self._library = lib
        if key is None:
            raise _Answer(403, "Forbidden")
        if not key.may_read(lib):
            raise _Answer(403, "Forbidden")
        if self.command != "GET" and not key.may_write(lib):
            raise _Answer(403, "Write access denied")
        if self.command == "GET":
            return self._get(lib, rest, query, headers)
        if self.command == "POST":
            return self._post(lib, rest, headers, body)
        if self.command in ("PATCH", "PUT"):
            return self._put_patch(lib, rest, headers, body)
        if self.command == "DELETE":
            return self._delete(lib, rest, query, headers)
        raise _Answer(405, "Method not allowed")

    def _api_key(self, query: dict[str, list[str]], headers: dict[str, str]) -> ApiKey | None:
        # The real API takes the key from the header, a bearer token or ?key=; so do we,
        # so that a client leaking it into the URL would still work and be caught by tests.
        given = headers.get("zotero-api-key")
        auth = headers.get("authorization", "")
        if not given and auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if not given and query.get("key"):
            given = query["key"][0]
        if not given:
            return None
        known = self.app.keys.get(given)
        if known is None:
            raise _Answer(403, "Invalid key")
        return known

    def _keys_current(self, key: ApiKey | None) -> Reply:
        if key is None:
            raise _Answer(403, "Forbidden")
        access: dict[str, Any] = {"user": {"library": True, "files": True, "notes": True,
                                           "write": key.write}}
        if key.groups:
            access["groups"] = {str(gid): {"library": True, "write": w}
                                for gid, w in key.groups.items()}
        return Reply(200, {"key": key.key, "userID": key.user_id, "username": key.username,
                           "displayName": "", "access": access})

    # ---- reads

    def _get(self, lib: Library, rest: str, query: dict[str, list[str]],
             headers: dict[str, str]) -> Reply:
        single = re.match(r"^/items/([A-Z0-9]{8})$", rest)
        if single:
            data = lib.items.get(single.group(1))
            if data is None:
                raise _Answer(404, "Item not found", )
            return Reply(200, self.app._item_object(lib, data), version=data["version"])
        single = re.match(r"^/collections/([A-Z0-9]{8})$", rest)
        if single:
            data = lib.collections.get(single.group(1))
            if data is None:
                raise _Answer(404, "Collection not found")
            return Reply(200, self.app._collection_object(lib, data), version=data["version"])
        if rest == "/deleted":
            since = self._int_param(query, "since")
            if since is None:
                raise _Answer(400, "'since' parameter must be provided")
            deleted = {kind: sorted(k for k, v in lib.deleted[kind].items() if v > since)
                       for kind in ("collections", "items")}
            deleted.update(searches=[], tags=[], settings=[])
            return Reply(200, deleted, version=lib.version)

        modified_since = headers.get("if-modified-since-version")
        if modified_since is not None:
            if not modified_since.isdigit():
                raise _Answer(400, "Invalid If-Modified-Since-Version value")
            if lib.version <= int(modified_since):
                return Reply(304, None, version=lib.version)

        kind, objects = self._list(lib, rest, query)
        return self._page(lib, kind, objects, query)

    def _list(self, lib: Library, rest: str,
              query: dict[str, list[str]]) -> tuple[str, list[dict[str, Any]]]:
        trashed = self._param(query, "includeTrashed") == "1"
        items = [i for i in lib.items.values() if trashed or not i.get("deleted")]
        collections = list(lib.collections.values())
        if rest in ("/items", "/items/top"):
            chosen = items
            kind = "items"
        elif rest in ("/collections", "/collections/top"):
            chosen = collections
            kind = "collections"
            if rest.endswith("/top"):
                chosen = [c for c in chosen if c.get("parentCollection") is False]
        else:
            match = re.match(r"^/collections/([A-Z0-9]{8})/(items|items/top|collections)$",
                             rest)
            if not match:
                raise _Answer(404, "Not found")
            parent = match.group(1)
            if parent not in lib.collections:
                raise _Answer(404, "Collection not found")
            if match.group(2) == "collections":
                kind = "collections"
                chosen = [c for c in collections if c.get("parentCollection") == parent]
            else:
                kind = "items"
                chosen = [i for i in items if parent in i.get("collections", [])]
        if kind == "items" and rest.endswith("/top"):
            chosen = [i for i in chosen if not i.get("parentItem")]
        since = self._int_param(query, "since")
        if since is not None:
            chosen = [o for o in chosen if o["version"] > since]
        wanted = self._param(query, "itemKey" if kind == "items" else "collectionKey")
        if wanted:
            keys = wanted.split(",")
            if len(keys) > 50:
                raise _Answer(400, "Cannot request more than 50 keys at once")
            chosen = [o for o in chosen if o["key"] in keys]
        item_type = self._param(query, "itemType")
        if kind == "items" and item_type:
            negate = item_type.startswith("-")
            name = item_type.lstrip("-")
            chosen = [i for i in chosen if (i["itemType"] == name) != negate]
        # Stable: objects added in the same second keep the order they were added in.
        chosen.sort(key=lambda o: o.get("dateAdded", ""))
        return kind, chosen

    def _page(self, lib: Library, kind: str, objects: list[dict[str, Any]],
              query: dict[str, list[str]]) -> Reply:
        fmt = self._param(query, "format") or "json"
        if fmt not in ("json", "versions", "keys"):
            raise _Answer(400, f"Invalid 'format' value '{fmt}'")
        start = self._int_param(query, "start") or 0
        asked = self._int_param(query, "limit")
        if asked is not None:
            limit = max(1, min(asked, MAX_LIMIT))
        elif fmt in ("versions", "keys"):
            limit = max(1, len(objects))  # unpaginated unless a limit is asked for
        else:
            limit = DEFAULT_LIMIT
        page = objects[start:start + limit]
        # A miscounting server (`miscount_total`) also builds its links from the wrong total.
        total = max(0, len(objects) + self.app.total_results_error)
        headers = {"Total-Results": str(total)}
        links = self._links(query, start, limit, total)
        if fmt == "json":
            # Like the real API: a link to the library's web page, which clients must ignore.
            web = f'<https://www.zotero.org/{lib.name}/items>; rel="alternate"'
            links = f"{links}, {web}" if links else web
        if links:
            headers["Link"] = links
        if fmt == "versions":
            return Reply(200, {o["key"]: o["version"] for o in page}, headers, lib.version)
        if fmt == "keys":
            keys = "".join(o["key"] + "\n" for o in page)
            return Reply(200, keys, headers, lib.version)
        render = self.app._item_object if kind == "items" else self.app._collection_object
        counts = _Counts.of(lib)  # once per page: one pass over the library, not one per object
        return Reply(200, [render(lib, o, counts) for o in page], headers, lib.version)

    def _links(self, query: dict[str, list[str]], start: int, limit: int, total: int) -> str:
        base = f"{self.app.url}{urlsplit(self.path).path}"

        def link(at: int, rel: str) -> str:
            params = {k: v[0] for k, v in query.items() if k not in ("start", "key")}
            params["limit"] = str(limit)
            if at:
                params["start"] = str(at)
            else:
                params.pop("start", None)
            return f'<{base}?{urlencode(params)}>; rel="{rel}"'

        parts = []
        if start > 0:
            parts.append(link(0, "first"))
            parts.append(link(max(0, start - limit), "prev"))
        if start + limit < total:
            parts.append(link(start + limit, "next"))
            last = ((total - 1) // limit) * limit
            parts.append(link(last, "last"))
        return ", ".join(parts)

    @staticmethod
    def _param(query: dict[str, list[str]], name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    def _int_param(self, query: dict[str, list[str]], name: str) -> int | None:
        value = self._param(query, name)
        if value is None or value == "":
            return None
        if not value.isdigit():
            raise _Answer(400, f"'{name}' must be a non-negative integer")
        return int(value)

    # ---- writes

    def _preconditions(self, lib: Library, headers: dict[str, str]) -> int | None:
        """Check write token and library version; returns the If-Unmodified-Since value."""
        token = headers.get("zotero-write-token")
        if token is not None:
            if not _TOKEN_RE.match(token):
                raise _Answer(400, "Invalid write token")
            if token in lib.write_tokens:
                raise _Answer(412, "Write token already used")
        unmodified = headers.get("if-unmodified-since-version")
        if unmodified is None:
            return None
        if not unmodified.isdigit():
            raise _Answer(400, "Invalid If-Unmodified-Since-Version value")
        if int(unmodified) != lib.version:
            raise _Answer(412, f"Library has been modified since specified version "
                               f"(expected {unmodified}, found {lib.version})")
        return int(unmodified)

    def _post(self, lib: Library, rest: str, headers: dict[str, str],
              body: bytes) -> Reply:
        if rest not in ("/items", "/collections"):
            raise _Answer(405, "Method not allowed")
        try:
            objects = json.loads(body or b"null")
        except ValueError:
            raise _Answer(400, "Invalid JSON") from None
        if isinstance(objects, dict):
            objects = [objects]
        if not isinstance(objects, list):
            raise _Answer(400, "Uploaded data must be a JSON array")
        if len(objects) > MAX_WRITE_OBJECTS:
            raise _Answer(413, f"Only {MAX_WRITE_OBJECTS} objects can be written at a time")
        unmodified = self._preconditions(lib, headers)
        store = lib.items if rest == "/items" else lib.collections
        if unmodified is None:
            for obj in objects:
                if (isinstance(obj, dict) and obj.get("key") in store
                        and "version" not in obj):
                    raise _Answer(428, "If-Unmodified-Since-Version not provided")
        result: dict[str, dict[str, Any]] = {"successful": {}, "success": {}, "unchanged": {},
                                             "failed": {}}
        new_version = lib.version + 1
        changed = False
        for index, obj in enumerate(objects):
            slot = str(index)
            try:
                outcome = self._write_one(lib, rest, obj, new_version)
            except _Invalid as exc:
                failure: dict[str, Any] = {"code": exc.code, "message": exc.message}
                if isinstance(obj, dict) and isinstance(obj.get("key"), str):
                    failure["key"] = obj["key"]
                result["failed"][slot] = failure
                continue
            kind, key = outcome
            if kind == "unchanged":
                result["unchanged"][slot] = key
                continue
            changed = True
            render = self.app._item_object if rest == "/items" else self.app._collection_object
            result["successful"][slot] = render(lib, store[key])
            result["success"][slot] = key
        if changed:
            lib.version = new_version
        token = headers.get("zotero-write-token")
        if token is not None:
            lib.write_tokens.add(token)
        return Reply(200, result, version=lib.version)

    def _write_one(self, lib: Library, rest: str, obj: Any,
                   new_version: int) -> tuple[str, str]:
        if rest == "/items":
            store, validate, save = lib.items, _validate_item, self.app._store_item
        else:
            store, validate, save = lib.collections, _validate_collection, \
                self.app._store_collection
        key = obj.get("key") if isinstance(obj, dict) else None
        existing = store.get(key) if key else None
        if existing is None:
            validate(obj, lib.collections)
            if isinstance(obj, dict) and obj.get("version", 0) not in (0, None):
                raise _Invalid(404, f"{'Item' if rest == '/items' else 'Collection'} "
                                    f"{key} doesn't exist")
            return "created", save(lib, obj, new_version)
        if "version" in obj and obj["version"] != existing["version"]:
            raise _Invalid(412, f"{'Item' if rest == '/items' else 'Collection'} has been "
                                f"modified since specified version (expected {obj['version']},"
                                f" found {existing['version']})")
        merged = {**existing, **{k: v for k, v in obj.items() if k != "version"}}
        if rest == "/items" and merged.get("itemType") != existing["itemType"]:
            fresh = _blank_item(merged["itemType"])
            kept = {k: v for k, v in existing.items() if k in fresh}
            merged = {**fresh, **kept, **{k: v for k, v in obj.items() if k != "version"}}
        check = {k: v for k, v in merged.items() if k not in ("version", "dateAdded",
                                                              "dateModified")}
        if rest == "/items":
            check = {k: v for k, v in check.items() if v != "" or k in ("key",)}
        validate(check, lib.collections)
        if rest == "/collections" and merged.get("parentCollection") == key:
            raise _Invalid(400, "Collection cannot be its own parent")
        if merged == existing:
            return "unchanged", key
        merged["version"] = new_version
        if rest == "/items":
            merged["dateModified"] = _now()
        store[key] = merged
        return "updated", key

    def _put_patch(self, lib: Library, rest: str, headers: dict[str, str],
                   body: bytes) -> Reply:
        match = re.match(r"^/items/([A-Z0-9]{8})$", rest)
        if not match:
            raise _Answer(405, "Method not allowed")
        key = match.group(1)
        existing = lib.items.get(key)
        if existing is None:
            raise _Answer(404, "Item not found")
        try:
            obj = json.loads(body or b"null")
        except ValueError:
            raise _Answer(400, "Invalid JSON") from None
        if not isinstance(obj, dict):
            raise _Answer(400, "Uploaded data must be a JSON object")
        header = headers.get("if-unmodified-since-version")
        expected = obj.get("version") if header is None else (
            int(header) if header.isdigit() else None)
        if expected is None:
            raise _Answer(428, "If-Unmodified-Since-Version not provided")
        if expected != existing["version"]:
            raise _Answer(412, f"Item has been modified since specified version "
                               f"(expected {expected}, found {existing['version']})")
        if self.command == "PUT":
            # PUT replaces the whole item: fields left out become empty.
            replacement = {k: v for k, v in obj.items() if k not in ("version", "dateAdded",
                                                                     "dateModified")}
            replacement["key"] = key
            try:
                _validate_item(replacement, lib.collections)
            except _Invalid as exc:
                raise _Answer(exc.code, exc.message) from None
            lib.version += 1
            self.app._store_item(lib, {**replacement, "dateAdded": existing["dateAdded"],
                                       "dateModified": _now()}, lib.version)
            return Reply(204, None, version=lib.version)
        new_version = lib.version + 1
        try:
            outcome, _ = self._write_one(lib, "/items", {**obj, "key": key,
                                                          "version": existing["version"]},
                                         new_version)
        except _Invalid as exc:
            raise _Answer(exc.code, exc.message) from None
        if outcome != "unchanged":
            lib.version = new_version
        return Reply(204, None, version=lib.version)

    def _delete(self, lib: Library, rest: str, query: dict[str, list[str]],
                headers: dict[str, str]) -> Reply:
        header = headers.get("if-unmodified-since-version")
        if header is None:
            raise _Answer(428, "If-Unmodified-Since-Version not provided")
        if not header.isdigit():
            raise _Answer(400, "Invalid If-Unmodified-Since-Version value")
        single = re.match(r"^/(items|collections)/([A-Z0-9]{8})$", rest)
        if single:
            store = lib.items if single.group(1) == "items" else lib.collections
            key = single.group(2)
            if key not in store:
                raise _Answer(404, "Not found")
            if int(header) != store[key]["version"]:
                raise _Answer(412, "Object has been modified since specified version")
            keys = [key]
            kind = single.group(1)
        elif rest in ("/items", "/collections"):
            self._preconditions(lib, headers)
            kind = rest[1:]
            param = "itemKey" if kind == "items" else "collectionKey"
            keys = [k for k in (self._param(query, param) or "").split(",") if k]
            if len(keys) > 50:
                raise _Answer(400, "Cannot delete more than 50 objects at once")
            store = lib.items if kind == "items" else lib.collections
        else:
            raise _Answer(405, "Method not allowed")
        present = [k for k in keys if k in store]
        if present:
            lib.version += 1
            for k in present:
                del store[k]
                lib.deleted[kind][k] = lib.version
            if kind == "collections":
                for item in lib.items.values():
                    if any(k in item.get("collections", []) for k in present):
                        item["collections"] = [c for c in item["collections"]
                                               if c not in present]
        return Reply(204, None, version=lib.version)

