"""A local stand-in for the arXiv API (`export.arxiv.org/api/query`) on 127.0.0.1.

It answers in the 2026 Atom shape of the recordings in `shared/corpora/atom` (namespaces on
`<feed>`, opensearch counters, one `<entry>` per paper, HTTP 400 error feed for a malformed
id, silently dropped unknown ids), from a paper database made of every entry of every recorded
feed plus the papers a test adds with `add_paper`, several versions of one paper included.

Supported: `id_list` (versioned, unversioned, old-style), `search_query` with `ti:`, `abs:`,
`au:`, `all:`, `cat:`, `co:`, `jr:`, `AND`/`OR`/`ANDNOT`, parentheses and quoted phrases,
`start`/`max_results`, `sortBy`/`sortOrder`.

Faults are queued and consumed one per request, in the vocabulary every test server shares
(`tests/servers/faults.py`: `fail`, `slow`, `drop_connection`, `trickle`, `gzip_bomb`,
`html_page`, `redirect_loop`; here `empty_page` is HTTP 200 with totalResults but no
entries), and every request is recorded (`requests`) with its query parameters,
headers and arrival time, so tests can assert on counts, batching, spacing and User-Agent.

    with ArxivServer() as server:
        server.fail(503)
        ...  # point settings.arxiv_url at server.url
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from tests.paths import ATOM
from tests.servers._loopback import LoopbackServer
from tests.servers.faults import Fault, FaultInjection, send_fault

__all__ = [
    "ArxivServer",
    "Fault",
    "Paper",
    "RecordedRequest",
    "corpus_papers",
    "synthetic_paper",
]

_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_FEED_OPEN = (
    "<feed xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\" "
    "xmlns:arxiv=\"http://arxiv.org/schemas/atom\" xmlns=\"http://www.w3.org/2005/Atom\">"
)
# arXiv's own id check: it refuses anything else with HTTP 400 (`0000.0000` passes and is
# simply not found, as the recording shows).
_NEW_ID = re.compile(r"^(\d{4}\.\d{4,5})(?:v(\d+))?$")
_OLD_ID = re.compile(r"^([a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7})(?:v(\d+))?$")
_ENTRY_ID = re.compile(r"arxiv\.org/abs/(.+?)(?:v(\d+))?$")


@dataclass(frozen=True)
class Paper:
    """One version of one paper, with every text exactly as the API sends it."""

    id: str
    version: int
    title: str
    summary: str
    authors: tuple[tuple[str, tuple[str, ...]], ...]
    """(name, affiliations) per author."""
    published: str
    updated: str
    primary_category: str
    categories: tuple[str, ...]
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None

    @property
    def versioned(self) -> str:
        return f"{self.id}v{self.version}"


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    """Header names in lower case: `headers['user-agent']`."""
    timestamp: float
    """time.time() at arrival."""
    monotonic: float
    """time.monotonic() at arrival: use this one for spacing."""
    fault: str | None = None

    @property
    def id_list(self) -> list[str]:
        text = self.params.get("id_list", "")
        return text.split(",") if text else []


# ---------------------------------------------------------------------------- the database


def _text(elem: ET.Element, path: str) -> str | None:
    found = elem.find(path, _NS)
    return found.text if found is not None and found.text is not None else None


def _paper_from_entry(entry: ET.Element) -> Paper | None:
    entry_id = _text(entry, "atom:id") or ""
    match = _ENTRY_ID.search(entry_id)
    if not match or "api/errors" in entry_id:
        return None
    primary = entry.find("arxiv:primary_category", _NS)
    return Paper(
        id=match.group(1),
        version=int(match.group(2) or 1),
        title=_text(entry, "atom:title") or "",
        summary=_text(entry, "atom:summary") or "",
        authors=tuple(
            (
                _text(author, "atom:name") or "",
                tuple(a.text or "" for a in author.iterfind("arxiv:affiliation", _NS)),
            )
            for author in entry.iterfind("atom:author", _NS)
        ),
        published=_text(entry, "atom:published") or "",
        updated=_text(entry, "atom:updated") or "",
        primary_category=primary.get("term", "") if primary is not None else "",
        categories=tuple(c.get("term", "") for c in entry.iterfind("atom:category", _NS)),
        doi=_text(entry, "arxiv:doi"),
        journal_ref=_text(entry, "arxiv:journal_ref"),
        comment=_text(entry, "arxiv:comment"),
    )


def _feed_bodies(directory: Path) -> Iterator[str]:
    for path in sorted(directory.glob("*.xml")):
        yield path.read_text(encoding="utf-8")
    for path in sorted(directory.glob("*.json")) + sorted(directory.glob("recorded/*.json")):
        yield json.loads(path.read_text(encoding="utf-8"))["body"]


@functools.cache
def corpus_papers(directory: Path = ATOM) -> tuple[Paper, ...]:
    """Every paper version in every recorded feed, first recording wins, in file order."""
    seen: dict[str, Paper] = {}
    for body in _feed_bodies(directory):
        root = ET.fromstring(body.encode("utf-8"))
        for entry in root.iterfind("atom:entry", _NS):
            paper = _paper_from_entry(entry)
            if paper is not None and paper.versioned not in seen:
                seen[paper.versioned] = paper
    return tuple(seen.values())


def _iso_time(value: Any, default: str) -> str:
    if value is None or value == "":
        return default
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    return f"{text}T00:00:00Z" if len(text) == 10 else text


def _coerce_paper(paper: Mapping[str, Any] | Any) -> Paper:
    """A `Paper` from a dict (API-ish keys) or anything shaped like `bridge.model.Reference`."""
    if isinstance(paper, Paper):
        return paper
    if isinstance(paper, Mapping):
        get = paper.get
    else:
        def get(name: str, default: Any = None) -> Any:
            return getattr(paper, name, default)
    ident = get("id") or get("arxiv_id")
    if not ident:
        raise ValueError("a paper needs an id")
    match = _NEW_ID.match(ident) or _OLD_ID.match(ident)
    if not match:
        raise ValueError(f"not an arXiv id: {ident!r}")
    version = int(match.group(2) or get("version") or get("arxiv_version") or 1)
    authors = []
    for author in get("authors") or ():
        if isinstance(author, str):
            authors.append((author, ()))
        elif isinstance(author, tuple | list):
            authors.append((author[0], tuple(author[1])))
        else:
            authors.append((author.display(), ()))
    published = _iso_time(get("published") or get("arxiv_published"), "2024-01-15T10:00:00Z")
    primary = get("primary_category") or "cs.LG"
    categories = tuple(get("categories") or (primary,))
    return Paper(
        id=match.group(1),
        version=version,
        title=get("title") or f"Untitled {ident}",
        summary=get("summary") or get("abstract") or "",
        authors=tuple(authors),
        published=published,
        updated=_iso_time(get("updated") or get("arxiv_updated"), published),
        primary_category=primary,
        categories=categories,
        doi=get("doi"),
        journal_ref=get("journal_ref"),
        comment=get("comment"),
    )


def synthetic_paper(index: int, *, prefix: str = "2401", versions: int = 1) -> list[dict[str, Any]]:
    """Made-up papers for tests and benches: `2401.00001` ... (5-digit numbers), `versions` each.

    >>> [p["id"] for p in synthetic_paper(7, versions=2)]
    ['2401.00007v1', '2401.00007v2']
    """
    base = f"{prefix}.{index:05d}"
    return [
        {
            "id": f"{base}v{v}",
            "title": f"Synthetic study number {index} of quantum widgets",
            "abstract": f"We study widget {index}. Version {v} of the abstract.",
            "authors": [f"Ada Lovelace{index}", "Alan M. Turing"],
            "published": "2024-01-15T10:00:00Z",
            "updated": f"2024-0{min(v, 9)}-20T10:00:00Z",
            "primary_category": "quant-ph",
            "categories": ["quant-ph", "cs.LG"],
        }
        for v in range(1, versions + 1)
    ]


# ---------------------------------------------------------------------------- search queries

_TOKEN = re.compile(r'\(|\)|[A-Za-z]+:"[^"]*"|"[^"]*"|[^\s()]+')
_WORD = re.compile(r"\w+")
_FIELDS = ("ti", "abs", "au", "all", "cat", "co", "jr", "id")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text.replace("_", " "))]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return False
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


class _Query:
    """A recursive-descent parser of arXiv's search_query, compiled to a predicate.

    or := and (OR and)* ; and := unary ((AND | ANDNOT | <nothing>) unary)* ;
    unary := '(' or ')' | [field ':'] (word | "phrase")
    """

    def __init__(self, text: str):
        self.tokens = _TOKEN.findall(text)
        self.pos = 0
        self.predicate = self._or() if self.tokens else (lambda paper: True)
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos]!r} in query")

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _or(self):
        left = self._and()
        while self._peek() == "OR":
            self._take()
            right = self._and()
            left = (lambda a, b: lambda p: a(p) or b(p))(left, right)
        return left

    def _and(self):
        left = self._unary()
        while self._peek() not in (None, ")", "OR"):
            negate = False
            if self._peek() == "AND":
                self._take()
            elif self._peek() == "ANDNOT":
                self._take()
                negate = True
            right = self._unary()
            if negate:
                left = (lambda a, b: lambda p: a(p) and not b(p))(left, right)
            else:
                left = (lambda a, b: lambda p: a(p) and b(p))(left, right)
        return left

    def _unary(self):
        token = self._peek()
        if token is None:
            raise ValueError("query ends too early")
        if token == "(":
            self._take()
            inner = self._or()
            if self._peek() != ")":
                raise ValueError("missing )")
            self._take()
            return inner
        self._take()
        name, sep, value = token.partition(":")
        if not sep or name.lower() not in _FIELDS:
            name, value = "all", token
        value = value.strip('"')
        return _term(name.lower(), _words(value))


def _term(name: str, words: list[str]):
    def matches(paper: Paper) -> bool:
        if name == "au":
            return any(_contains(_words(author), words) for author, _ in paper.authors)
        if name == "cat":
            wanted = " ".join(words)
            return any(" ".join(_words(c)) == wanted for c in paper.categories)
        texts = {
            "ti": [paper.title],
            "abs": [paper.summary],
            "co": [paper.comment or ""],
            "jr": [paper.journal_ref or ""],
            "id": [paper.versioned],
            "all": [paper.title, paper.summary, paper.comment or "", paper.journal_ref or "",
                    *(author for author, _ in paper.authors)],
        }[name]
        return any(_contains(_words(text), words) for text in texts)

    return matches


# ---------------------------------------------------------------------------- rendering


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_xml(paper: Paper) -> str:
    v = paper.versioned
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{v}</id>",
        f"    <title>{escape(paper.title)}</title>",
        f"    <updated>{paper.updated}</updated>",
        f'    <link href="https://arxiv.org/abs/{v}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{v}" rel="related" type="application/pdf"'
        ' title="pdf"/>',
        f"    <summary>{escape(paper.summary)}</summary>",
    ]
    lines += [
        f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>'
        for c in paper.categories
    ]
    lines.append(f"    <published>{paper.published}</published>")
    if paper.comment is not None:
        lines.append(f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>")
    lines.append(f"    <arxiv:primary_category term={quoteattr(paper.primary_category)}/>")
    if paper.journal_ref is not None:
        lines.append(f"    <arxiv:journal_ref>{escape(paper.journal_ref)}</arxiv:journal_ref>")
    for name, affiliations in paper.authors:
        lines.append("    <author>")
        lines.append(f"      <name>{escape(name)}</name>")
        lines += [
            f"      <arxiv:affiliation>{escape(a)}</arxiv:affiliation>" for a in affiliations
        ]
        lines.append("    </author>")
    if paper.doi is not None:
        lines.append(f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>")
        lines.append(f'    <link rel="related" href="https://doi.org/{escape(paper.doi)}"'
                     ' title="doi"/>')
    lines.append("  </entry>")
    return "\n".join(lines)


def _feed_xml(params: dict[str, str], entries: list[Paper], total: int, start: int,
              per_page: int) -> str:
    query, ids = params.get("search_query", ""), params.get("id_list", "")
    ident = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:27]
    head = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        _FEED_OPEN,
        f"  <id>https://arxiv.org/api/{ident}</id>",
        "  <title>"
        + escape(f"arXiv Query: search_query={query}&id_list={ids}&start={start}"
                 f"&max_results={per_page}")
        + "</title>",
        f"  <updated>{_now()}</updated>",
        "  <link href="
        + quoteattr(f"https://arxiv.org/api/query?search_query={query}&start={start}"
                    f"&max_results={per_page}&id_list={ids}")
        + ' type="application/atom+xml"/>',
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
    ]
    return "\n".join([*head, *(_entry_xml(p) for p in entries), "</feed>", ""])


def _error_xml(bad_id: str) -> str:
    """Exactly the shape of the recorded HTTP 400 answer to `id_list=abc`."""
    now = _now()
    anchor = f"https://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}"
    return "\n".join([
        "<?xml version='1.0' encoding='UTF-8'?>",
        _FEED_OPEN,
        "  <id>https://arxiv.org/</id>",
        "  <title>arXiv Search Results</title>",
        f"  <updated>{now}</updated>",
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>",
        "  <opensearch:totalResults>1</opensearch:totalResults>",
        "  <opensearch:startIndex>0</opensearch:startIndex>",
        "  <entry>",
        f"    <id>{escape(anchor)}</id>",
        "    <title>Error</title>",
        f"    <updated>{now}</updated>",
        f"    <link href={quoteattr(anchor)} rel=\"alternate\" type=\"text/html\"/>",
        f"    <summary>incorrect id format for {escape(bad_id)}</summary>",
        "    <author>",
        "      <name>arXiv api core</name>",
        "    </author>",
        "  </entry>",
        "</feed>",
        "",
    ])


# ---------------------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any  # the ThreadingHTTPServer of LoopbackServer.start, with `owner` set

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle plus delayed ACKs add
        # ~40 ms to every keep-alive answer and the bench would measure that, not the client.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self.server.owner._handle(self)


class ArxivServer(FaultInjection, LoopbackServer):
    """The fake arXiv API. `start()`/`stop()` or use it as a context manager; `url` is the
    query endpoint to put in `Settings.arxiv_url`."""

    def __init__(self, *, corpus: bool = True, error_status: int = 400):
        """`corpus`: load the recorded papers. `error_status`: the status of the error feed
        for a malformed id: 400 like the 2026 API, or 200 like the classic one."""
        self.error_status = error_status
        self._lock = threading.Lock()
        self._papers: dict[str, dict[int, Paper]] = {}
        self._order: list[str] = []
        self._refused: set[str] = set()
        self.requests: list[RecordedRequest] = []
        if corpus:
            for paper in corpus_papers():
                self._store(paper)

    # -- lifecycle
    thread_name = "arxiv-test-server"

    def _handler_class(self) -> type[_Handler]:
        return _Handler

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/query"

    # -- database
    def _store(self, paper: Paper) -> None:
        versions = self._papers.setdefault(paper.id, {})
        if paper.id not in self._order:
            self._order.append(paper.id)
        versions.setdefault(paper.version, paper)

    def add_paper(self, paper: Mapping[str, Any] | Any) -> str:
        """Add one paper version (a dict or a Reference-like object); returns its versioned id.

        A version already present is replaced, so a test can change what the API says.
        """
        coerced = _coerce_paper(paper)
        with self._lock:
            self._store(coerced)
            self._papers[coerced.id][coerced.version] = coerced
        return coerced.versioned

    def add_papers(self, papers: list[Any]) -> list[str]:
        return [self.add_paper(p) for p in papers]

    def paper(self, ident: str) -> Paper | None:
        """The version `ident` names, or the latest version of an unversioned id."""
        match = _NEW_ID.match(ident) or _OLD_ID.match(ident)
        if not match:
            return None
        versions = self._papers.get(match.group(1))
        if not versions:
            return None
        if match.group(2):
            return versions.get(int(match.group(2)))
        return versions[max(versions)]

    def all_latest(self) -> list[Paper]:
        return [self._papers[i][max(self._papers[i])] for i in self._order]

    # -- faults (the shared verbs come from FaultInjection)
    def refuse_ids(self, *ids: str) -> None:
        """Treat these ids as malformed (HTTP 400 error feed), like arXiv does for e.g. `abc`."""
        with self._lock:
            self._refused.update(ids)

    def clear(self) -> None:
        """Forget recorded requests and pending faults."""
        with self._lock:
            self.requests.clear()
        self.clear_faults()

    # -- answering
    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        params = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        fault = self.take_fault("GET", split.path)
        with self._lock:
            self.requests.append(RecordedRequest(
                path=split.path, params=params,
                headers={k.lower(): v for k, v in handler.headers.items()},
                timestamp=time.time(), monotonic=time.monotonic(),
                fault=fault.kind if fault else None,
            ))
        # A client that timed out has gone away: nothing to answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(handler, split.path, params, fault)

    def _answer(self, handler: _Handler, path: str, params: dict[str, str],
                fault: Fault | None) -> None:
        if fault is not None and send_fault(handler, fault):
            return
        if path.rstrip("/") != "/api/query":
            _send(handler, 404, "not found\n", "text/plain")
            return
        status, body = self.query(params, empty=fault is not None and fault.kind == "empty")
        _send(handler, status, body, "application/atom+xml; charset=utf-8")

    def query(self, params: Mapping[str, str], *, empty: bool = False) -> tuple[int, str]:
        """Answer one API query: (HTTP status, Atom body)."""
        params = dict(params)
        try:
            start = int(params.get("start", "0") or 0)
            per_page = int(params.get("max_results", "10") or 10)
        except ValueError:
            return 400, _error_xml("start_or_max_results")
        ids = [i for i in params.get("id_list", "").split(",") if i]
        with self._lock:
            for ident in ids:
                if ident in self._refused or not (_NEW_ID.match(ident) or _OLD_ID.match(ident)):
                    return self.error_status, _error_xml(ident)
            if ids:
                candidates = [p for p in (self.paper(i) for i in ids) if p is not None]
            else:
                candidates = self.all_latest()
        query_text = params.get("search_query", "")
        if query_text:
            try:
                predicate = _Query(query_text).predicate
            except ValueError:
                return 400, _error_xml("search_query")
            candidates = [p for p in candidates if predicate(p)]
        elif not ids:
            candidates = []
        sort_by = params.get("sortBy", "relevance")
        if sort_by in ("lastUpdatedDate", "submittedDate"):
            key = "updated" if sort_by == "lastUpdatedDate" else "published"
            candidates.sort(key=lambda p: getattr(p, key),
                            reverse=params.get("sortOrder", "descending") == "descending")
        total = len(candidates)
        page = [] if empty else candidates[start:start + per_page]
        if empty and total == 0:
            total = max(1, len(ids))
        return 200, _feed_xml(params, page, total, start, per_page)


def _send(handler: _Handler, status: int, body: str, content_type: str,
          headers: Mapping[str, str] | None = None) -> None:
    data = body.encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()

