"""The three services, cache first: `Services.crossref(doi)`, `.s2(arxiv_ids)`, `.dblp(key)`.

* Crossref: `GET {crossref_url}/works/{doi}`; the User-Agent carries `mailto:` with
  `REFBRIDGE_CONTACT` when set (Crossref's polite pool), and the pace follows its
  rate-limit headers.
* Semantic Scholar: `POST {s2_url}/graph/v1/paper/batch?fields=...` with `{"ids":
  ["ARXIV:<id>", ...]}`, at most `S2_BATCH` ids a request; `S2_API_KEY`, when set, goes in
  the `x-api-key` header and nowhere else.
* DBLP: `GET {dblp_url}/rec/{key}.bib` (standard BibTeX, proceedings merged in).

What each answered is cached (`PublishedCache`), so a second run asks nothing. `offline`
asks nothing and uses the cache only; `refresh` asks again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from ..config import USER_AGENT, Settings
from ..errors import ServiceError
from ..model import Reference
from ._polite import PoliteClient
from .cache import MISS, S2_TTL, PublishedCache
from .sources import S2Record, crossref_reference, dblp_reference, s2_record

__all__ = ["S2_BATCH", "S2_FIELDS", "PublishedServiceError", "Services", "user_agent"]

S2_BATCH = 500
"""The batch endpoint's documented limit of ids per request."""
S2_FIELDS = "externalIds,title,venue,publicationVenue,year"
"""Only what we follow (the ids) and show (venue, year)."""


class PublishedServiceError(ServiceError):
    """Crossref, Semantic Scholar or DBLP answered with something that is not an answer."""

    def __init__(self, service: str, message: str, *, url: str | None = None):
        self.service = service
        self.url = url
        super().__init__(f"{service}: {message}" + (f" ({url})" if url else ""))


def user_agent(contact: str | None) -> str:
    """Our User-Agent, with `mailto:` for Crossref's polite pool when a contact is set.

    >>> user_agent("me@example.org").endswith("; mailto:me@example.org)")
    True
    """
    if not contact:
        return USER_AGENT
    return f"{USER_AGENT[:-1]}; mailto:{contact})" if USER_AGENT.endswith(")") else (
        f"{USER_AGENT} (mailto:{contact})")


class Services:
    """Crossref, Semantic Scholar and DBLP for one run, behind one cache."""

    def __init__(self, settings: Settings, *, cache: PublishedCache | None = None,
                 offline: bool = False, refresh: bool = False,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] | None = None,
                 notify: Callable[[str], None] | None = None):
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        extra: dict[str, Any] = {"transport": transport, "notify": notify}
        if sleep is not None:
            extra["sleep"] = sleep
        self.crossref_client = PoliteClient(
            "Crossref", settings.crossref_url, delay=settings.crossref_delay,
            headers={"User-Agent": user_agent(settings.crossref_contact)},
            follow_rate_headers=True, **extra)
        s2_headers = {"User-Agent": USER_AGENT}
        if settings.s2_api_key:
            s2_headers["x-api-key"] = settings.s2_api_key
        self.s2_client = PoliteClient("Semantic Scholar", settings.s2_url,
                                      delay=settings.s2_delay, headers=s2_headers,
                                      secrets=(settings.s2_api_key,), **extra)
        self.dblp_client = PoliteClient("DBLP", settings.dblp_url, delay=settings.dblp_delay,
                                        headers={"User-Agent": USER_AGENT}, **extra)

    def close(self) -> None:
        for client in (self.crossref_client, self.s2_client, self.dblp_client):
            client.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def requests_made(self) -> dict[str, int]:
        return {"crossref": self.crossref_client.requests_made,
                "s2": self.s2_client.requests_made, "dblp": self.dblp_client.requests_made}

    def _cached(self, service: str, asked: str) -> str | object | None:
        if self.cache is None or self.refresh:
            return MISS
        return self.cache.get(service, asked)

    def _store(self, service: str, answers: list[tuple[str, str | None]],
               ttl: float | None = None) -> None:
        if self.cache is not None and answers:
            self.cache.put(service, answers, ttl=ttl)

    # -- Crossref
    def crossref(self, doi: str) -> Reference | None:
        """The work a DOI names, or None when Crossref does not know it (or offline)."""
        asked = doi.lower()
        answer = self._cached("crossref", asked)
        if answer is MISS:
            if self.offline:
                return None
            response = self.crossref_client.request("GET", f"/works/{quote(doi, safe='/')}")
            answer = None
            if response is not None:
                try:
                    message = response.json()["message"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise PublishedServiceError("Crossref", "answer is not a work record",
                                                url=str(response.url)) from exc
                message.pop("reference", None)  # the cited works: big, and not ours to keep
                answer = json.dumps(message, ensure_ascii=False, sort_keys=True)
            self._store("crossref", [(asked, answer)])
        return crossref_reference(json.loads(answer)) if isinstance(answer, str) else None

    # -- Semantic Scholar
    def s2(self, arxiv_ids: Iterable[str]) -> dict[str, S2Record | None]:
        """What Semantic Scholar knows of each arXiv paper (None: nothing), batched by 500."""
        found: dict[str, S2Record | None] = {}
        wanted: list[str] = []
        for arxiv_id in dict.fromkeys(arxiv_ids):
            answer = self._cached("s2", arxiv_id)
            if answer is MISS:
                wanted.append(arxiv_id)
            else:
                found[arxiv_id] = (s2_record(arxiv_id, json.loads(answer))
                                   if isinstance(answer, str) else None)
        if self.offline:
            found.update(dict.fromkeys(wanted))
            return found
        for start in range(0, len(wanted), S2_BATCH):
            batch = wanted[start:start + S2_BATCH]
            response = self.s2_client.request(
                "POST", "/graph/v1/paper/batch", params={"fields": S2_FIELDS},
                json={"ids": [f"ARXIV:{i}" for i in batch]})
            records = response.json() if response is not None else None
            if not isinstance(records, list) or len(records) != len(batch):
                raise PublishedServiceError("Semantic Scholar", "the batch answer does not "
                                            "have one slot per id asked")
            answers: list[tuple[str, str | None]] = []
            for arxiv_id, record in zip(batch, records, strict=True):
                data = record if isinstance(record, dict) else None
                found[arxiv_id] = s2_record(arxiv_id, data) if data else None
                answers.append((arxiv_id, json.dumps(data, ensure_ascii=False, sort_keys=True)
                                if data else None))
            self._store("s2", answers, ttl=S2_TTL)
        return found

    # -- DBLP
    def dblp(self, key: str) -> Reference | None:
        """DBLP's record of `key`, or None when DBLP does not know it (or offline)."""
        answer = self._cached("dblp", key)
        if answer is MISS:
            if self.offline:
                return None
            response = self.dblp_client.request("GET", f"/rec/{quote(key, safe='/')}.bib")
            answer = response.text if response is not None else None
            self._store("dblp", [(key, answer)])
        return dblp_reference(answer, key) if isinstance(answer, str) else None
