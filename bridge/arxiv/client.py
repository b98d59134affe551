"""A polite, batched arXiv API client: `ArxivClient.lookup(ids)` and `ArxivClient.search(q)`.

What we take from the `arxiv` package (the ecosystem's client, DESIGN.md) and what we wrap:

* **Taken:** its query vocabulary (`arxiv.Search`, `SortCriterion`, `SortOrder` give the
  request parameters) and its Atom parser (`arxiv._feed.parse`, the module its own docs name
  as the one place that turns an answer into `arxiv.Result` objects). `_feed.py` here turns
  those `Result`s into our `Reference`.
* **Wrapped:** the HTTP. `arxiv.Client` sends requests without a timeout, retries at once
  with no backoff, never reads `Retry-After`, treats an empty *first* page as "no results"
  (the API's sporadic empty answer is then silently a miss), and turns every non-200 into
  one exception without the response. We need all of those, and one more thing it cannot
  do: when arXiv refuses a whole `id_list` with HTTP 400 because of one malformed id, split
  the batch to find that id instead of failing every id in it. So the requests go out
  through the shared HTTP policy (`bridge._http`: one connection pool for the run, a total
  deadline and a size cap per answer) and the parsing goes back to `arxiv`.

Politeness, each knob from `Settings` (defaults in `config.py`):

* `arxiv_delay` (3 s, arXiv's terms of use): the minimum gap between the end of one request
  and the start of the next, for the whole process (every `ArxivClient` talking to the same
  host shares the clock), retries included.
* `arxiv_timeout` (30 s): the total deadline of every request, body included.
* `arxiv_retries` (5): how many times a failed request is tried again (so 1 + retries
  attempts). Retried: HTTP 429 and 5xx, connection errors and timeouts, an answer that is
  not a well-formed Atom feed (an HTML error page, a feed without its opensearch counters),
  and the empty page (HTTP 200, totalResults > start, no entries). A host name that does
  not resolve is not retried. The wait doubles from
  `arxiv_delay` with jitter, and is never shorter than the server's `Retry-After` (seconds
  or an HTTP date). A `Retry-After` longer than `MAX_WAIT` is not waited out: the client
  gives up at once with `ArxivError`.
* `arxiv_batch_size` (100): ids per `id_list` request, always with an explicit
  `max_results` equal to the batch size.
* The User-Agent names refbridge and its version (`bridge.config.USER_AGENT`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

from ..arxiv_id import ArxivId, parse
from ..config import USER_AGENT, Settings, load_settings
from ..errors import ArxivError, InvalidArxivId
from ..model import Reference
from ..progress import NO_PROGRESS, Progress
from .cache import MetadataCache

if TYPE_CHECKING:
    # The network stack (httpx, the arxiv package and its feed parser) is imported when the
    # first request is sent: an --offline run, answered from the cache, never loads it.
    import arxiv  # type: ignore[import-untyped]  # the package ships no type information
    import httpx

    from .._http import HttpClient
    from ._feed import Page

__all__ = [
    "MAX_WAIT",
    "ArxivClient",
    "LookupResult",
]

MAX_WAIT = 300.0
"""Longest wait (seconds) the client will sit out for one retry; a longer `Retry-After` fails."""
_PAGE_LIMIT = 2000  # the API's largest page
_ERROR_ENTRY = b"arxiv.org/api/errors#"


@dataclass
class LookupResult:
    """What `lookup` found, keyed by the id as asked (normalised, versioned if asked so),
    and the ids it did not find (unknown, malformed, or not in the cache when offline), in
    the order they were asked."""

    found: dict[str, Reference] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


class _Refused(Exception):
    """HTTP 400: arXiv refused the query (for an id_list: some id in it is malformed)."""


def _chunks(items: list[ArxivId], size: int) -> Iterator[list[ArxivId]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class ArxivClient:
    """Batched, cached, polite access to the arXiv API.

    `cache` (a `MetadataCache`, or None for no cache) answers what it knows without a
    request; `offline=True` sends no request at all (whatever the cache does not know is
    missing); `refresh=True` ignores cached answers but still stores the new ones.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        cache: MetadataCache | None = None,
        offline: bool = False,
        refresh: bool = False,
        progress: Progress = NO_PROGRESS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
    ):
        self.settings = settings if settings is not None else load_settings()
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        self.progress = progress
        self.url = self.settings.arxiv_url
        self.delay = self.settings.arxiv_delay
        """Seconds between the end of one request and the start of the next (whole process)."""
        self.retries = self.settings.arxiv_retries
        """Retries after the first attempt of a request."""
        self.batch_size = self.settings.arxiv_batch_size
        """Ids per id_list request (at most 100)."""
        self._transport, self._sleep = transport, sleep
        self._notify = notify if notify is not None else getattr(progress, "note", None)
        self._http: HttpClient | None = None

    def _client(self) -> HttpClient:
        """The HTTP client, made (and the network stack imported) on the first request."""
        if self._http is None:
            from .._http import HttpClient, RetryPolicy

            policy = RetryPolicy(
                retries=self.retries, base_delay=max(self.delay, 0.01), max_delay=MAX_WAIT,
                max_wait=MAX_WAIT, deadline=self.settings.arxiv_timeout,
                min_interval=self.delay)
            self._http = HttpClient(
                "arXiv API", policy=policy, headers={"User-Agent": USER_AGENT},
                transport=self._transport, sleep=self._sleep, notify=self._notify)
        return self._http

    @property
    def requests_made(self) -> int:
        """HTTP requests actually sent by this client, retries and failed ones included."""
        return self._http.requests_made if self._http is not None else 0

    # -- lifecycle
    def close(self) -> None:
        """Close the connection (the cache belongs to the caller and stays open)."""
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- public calls
    def lookup(self, ids: Iterable[str]) -> LookupResult:
        """Metadata for every id (any accepted form; duplicates asked once).

        Versioned asks (`2104.12255v1`) get that version; unversioned asks get the latest.
        Raises ArxivError when a request still fails after the retries.
        """
        order: list[str] = []
        asked: dict[str, ArxivId] = {}
        for text in ids:
            try:
                aid = parse(text)
            except InvalidArxivId:
                key = text.strip()
                if key not in order:
                    order.append(key)
                continue
            key = str(aid)
            if key not in asked:
                asked[key] = aid
                order.append(key)

        found: dict[str, Reference] = {}
        known_missing: set[str] = set()
        if self.cache is not None and not self.refresh:
            # Read in bulk: one query per few hundred ids, not one per id.
            cached = self.cache.get_many((aid.id, aid.version) for aid in asked.values())
            for key, aid in asked.items():
                hit = cached.get((aid.id, aid.version))
                if hit is not None:
                    found[key] = hit
            known_missing = self.cache.not_found_among(k for k in asked if k not in found)
        todo = [] if self.offline else [aid for key, aid in asked.items()
                                        if key not in found and key not in known_missing]

        batches = list(_chunks(todo, self.batch_size))
        if batches:
            self.progress.start("arXiv lookup", len(batches))
            try:
                for batch in batches:
                    got, gone = self._lookup_batch(batch)
                    if self.cache is not None:
                        self.cache.store_lookup(got.items(), gone)
                    found.update(got)
                    self.progress.advance()
            finally:
                self.progress.finish()

        return LookupResult(
            found={key: found[key] for key in order if key in found},
            missing=[key for key in order if key not in found],
        )

    def search(self, query: str, *, max_results: int = 10) -> list[Reference]:
        """Run an arXiv `search_query` (`ti:`, `au:`, `abs:`, `AND`...); up to `max_results`
        papers in the API's relevance order."""
        if max_results <= 0 or not query.strip():
            return []
        if self.cache is not None and not self.refresh:
            cached = self.cache.get_search(query, max_results)
            if cached is not None:
                return cached
        if self.offline:
            return []
        import arxiv

        search = arxiv.Search(query=query, max_results=max_results)
        references: list[Reference] = []
        start = 0
        while len(references) < max_results:
            size = min(max_results - len(references), _PAGE_LIMIT)
            try:
                page = self._fetch(self._params(search, start, size))
            except _Refused as exc:
                raise ArxivError(f"arXiv refused the search query {query!r} (HTTP 400)",
                                 url=str(exc), status=400) from None
            references += page.references
            start += len(page.references)
            if not page.references or start >= page.total:
                break
        if self.cache is not None:
            self.cache.store_search(query, max_results, references)
        return references

    # -- batches
    def _lookup_batch(self, batch: list[ArxivId]) -> tuple[dict[str, Reference], list[str]]:
        import arxiv

        search = arxiv.Search(id_list=[str(aid) for aid in batch], max_results=len(batch))
        try:
            page = self._fetch(self._params(search, 0, len(batch)))
        except _Refused:
            if len(batch) == 1:
                return {}, [str(batch[0])]
            # One malformed id makes arXiv refuse the whole list: bisect to find it.
            middle = len(batch) // 2
            left_found, left_missing = self._lookup_batch(batch[:middle])
            right_found, right_missing = self._lookup_batch(batch[middle:])
            return {**left_found, **right_found}, left_missing + right_missing
        return _match(batch, page.references)

    def _params(self, search: arxiv.Search, start: int, size: int) -> dict[str, str]:
        return {
            "search_query": search.query,
            "id_list": ",".join(search.id_list),
            "sortBy": search.sort_by.value,
            "sortOrder": search.sort_order.value,
            "start": str(start),
            "max_results": str(size),
        }

    # -- HTTP
    def _fetch(self, params: dict[str, str]) -> Page:
        """One API answer, retried under the policy; raises _Refused on HTTP 400.

        Only a well-formed Atom feed is an answer: an HTML page (a proxy's or the API's
        own error page) or a feed without its opensearch counters proves nothing about
        the ids asked, so it is retried like a 503, and never cached as "not found".
        """
        from .._http import HttpError
        from ._feed import parse_page

        pages: list[Page] = []

        def check(response: httpx.Response) -> str | None:
            page = parse_page(response.content)
            pages.append(page)
            if page.references or _ERROR_ENTRY in response.content:
                return None
            if page.malformed:
                return "an answer that is not an arXiv Atom feed (an error page?)"
            if page.total > page.start:
                return f"empty page (totalResults {page.total}, no entries)"
            return None

        try:
            reply = self._client().request("GET", self.url, params=params, check=check)
        except HttpError as exc:
            if exc.status == 400:
                raise _Refused(exc.url) from None
            raise ArxivError(exc.message, url=exc.url, status=exc.status,
                             retry=exc.attempts - 1) from None
        page = pages[-1]
        if not page.references and _ERROR_ENTRY in reply.response.content:
            # The classic API refused malformed ids with HTTP 200 and an error entry; the
            # 2026 one says 400. Both mean: some id is malformed.
            raise _Refused(self.url)
        return page


def _match(batch: list[ArxivId], references: list[Reference]) -> tuple[dict[str, Reference],
                                                                        list[str]]:
    """Pair asked ids with returned entries: a versioned ask needs that exact version, an
    unversioned ask takes the latest version returned for its base id."""
    by_version: dict[tuple[str, int | None], Reference] = {}
    latest: dict[str, Reference] = {}
    for ref in references:
        assert ref.arxiv_id is not None  # parse_page only yields entries with an id
        by_version[(ref.arxiv_id, ref.arxiv_version)] = ref
        best = latest.get(ref.arxiv_id)
        if best is None or (ref.arxiv_version or 0) > (best.arxiv_version or 0):
            latest[ref.arxiv_id] = ref
    found: dict[str, Reference] = {}
    missing: list[str] = []
    handed_out: set[int] = set()
    for aid in batch:
        hit = by_version.get((aid.id, aid.version)) if aid.version else latest.get(aid.id)
        if hit is None:
            missing.append(str(aid))
        else:
            # Each answer its own record; a copy only when two asks got the same entry.
            found[str(aid)] = hit.copy() if id(hit) in handed_out else hit
            handed_out.add(id(hit))
    return found, missing
