"""A local stand-in for the Crossref REST API (`api.crossref.org`): `GET /works/{doi}`.

Where the shapes come from:

* The envelope `{"status": "ok", "message-type": "work", "message-version": "1.0.0",
  "message": {...}}` and the work fields (`DOI`, `type`, `title` and `subtitle` as arrays,
  `author` with `given`/`family`/`sequence`/`affiliation`, `container-title`,
  `short-container-title`, `volume`, `issue`, `page`, `publisher`, `published-print`,
  `published-online` and `issued` as `{"date-parts": [[y, m, d]]}`, `ISSN`, `URL`): Crossref's
  format document (CrossRef/rest-api-doc: api_format.md) and a recorded answer for
  `/works/10.1002/pssc.201200953` kept in shvgn/refformatter (src/references/index.js).
* `type` values are Crossref's type ids (`journal-article`, `proceedings-article`, `posted-
  content` for preprints).
* An unknown DOI: HTTP 404 with the plain-text body `Resource not found.` (what the API
  answers; habanero's and crossrefapi's clients treat any 404 as "no such work").
* Every answer carries `x-rate-limit-limit` and `x-rate-limit-interval` (documented on
  crossref.org "Access and authentication": "included in the results headers ... the maximum
  number of requests you can make in a given time period"; the old rest-api-doc README gives
  the form `X-Rate-Limit-Limit: 50`, `X-Rate-Limit-Interval: 1s`).

    with CrossrefServer() as server:
        server.add_work(work("10.1109/TSP.2017.2708023", ...))
        ...  # point REFBRIDGE_CROSSREF_URL at server.base_url
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.servers._service import ServiceServer, send

__all__ = ["CrossrefServer", "crossref_server_fixture", "work"]


def _date(parts: Sequence[int]) -> dict[str, Any]:
    return {"date-parts": [list(parts)]}


def work(doi: str, title: str, authors: Sequence[tuple[str, str]], *,
         kind: str = "journal-article", container: str | None = None,
         short_container: str | None = None, volume: str | None = None,
         issue: str | None = None, page: str | None = None, publisher: str = "",
         published: Sequence[int] = (), subtitle: str | None = None,
         issn: Sequence[str] = ()) -> dict[str, Any]:
    """One work's `message`, in Crossref's field names and value shapes.

    `authors` are (given, family) pairs; `published` is (year[, month[, day]]).
    """
    message: dict[str, Any] = {
        "indexed": {"date-parts": [[2026, 1, 5]], "date-time": "2026-01-05T06:41:49Z",
                    "timestamp": 1767595309230},
        "reference-count": 0,
        "publisher": publisher,
        "DOI": doi,
        "type": kind,
        "source": "Crossref",
        "prefix": doi.split("/", 1)[0],
        "member": "263",
        "title": [title],
        "author": [{"given": given, "family": family,
                    "sequence": "first" if i == 0 else "additional", "affiliation": []}
                   for i, (given, family) in enumerate(authors)],
        "URL": f"https://doi.org/{doi}",
        "created": _date(published or (2026,)),
        "issued": _date(published) if published else {"date-parts": [[None]]},
    }
    if subtitle:
        message["subtitle"] = [subtitle]
    if container:
        message["container-title"] = [container]
    if short_container:
        message["short-container-title"] = [short_container]
    for name, value in (("volume", volume), ("issue", issue), ("page", page)):
        if value:
            message[name] = value
    if published:
        message["published-print" if kind == "journal-article" else "published-online"] = (
            _date(published))
    if issn:
        message["ISSN"] = list(issn)
    return message


class CrossrefServer(ServiceServer):
    """The fake Crossref API; `base_url` is what `REFBRIDGE_CROSSREF_URL` takes."""

    thread_name = "crossref-test-server"

    def __init__(self, *, rate_limit: tuple[int, str] = (50, "1s")) -> None:
        super().__init__()
        self.rate_limit = rate_limit
        self._works: dict[str, dict[str, Any]] = {}

    def add_work(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._works[message["DOI"].lower()] = message  # DOIs are case-insensitive

    def answer(self, handler: BaseHTTPRequestHandler, method: str, path: str,
               params: dict[str, str], body: bytes) -> None:
        limits = {"x-rate-limit-limit": str(self.rate_limit[0]),
                  "x-rate-limit-interval": self.rate_limit[1]}
        prefix = "/works/"
        if method != "GET" or not path.startswith(prefix):
            send(handler, 404, "Resource not found.", "text/plain", limits)
            return
        with self._lock:
            message = self._works.get(path[len(prefix):].lower())
        if message is None:
            send(handler, 404, "Resource not found.", "text/plain", limits)
            return
        envelope = {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                    "message": message}
        send(handler, 200, json.dumps(envelope), "application/json", limits)


@pytest.fixture(name="crossref_server")
def crossref_server_fixture() -> Iterator[CrossrefServer]:
    with CrossrefServer() as server:
        yield server
