"""A local stand-in for the Semantic Scholar Graph API: `POST /graph/v1/paper/batch`.

Where the shapes come from:

* Request: `POST /graph/v1/paper/batch?fields=a,b,c` with the JSON body `{"ids": [...]}`;
  `fields` is a query parameter, never in the body; at most 500 ids a request; ids may be
  prefixed (`ARXIV:2106.15928`, `DOI:...`, `CorpusId:...`). From the API's documentation of
  the batch endpoint (mirrored in Ricardo-ChenTY/SealedHistory: docs/S2/graph_v1_paper_batch.md)
  and the recorded requests of danielnsilva/semanticscholar (tests/data/test_get_papers*.yaml).
* Answer: a JSON array aligned with `ids`, `null` in the slot of an id the API does not know
  (recorded in danielnsilva/semanticscholar: tests/data/test_get_papers_return_not_found.yaml,
  whose answer starts `[null, {...`); each paper holds `paperId` plus exactly the fields
  asked for. `externalIds` is a map with `ArXiv`, `DBLP`, `DOI`, `CorpusId`... (recorded in
  the same file and in tests/data/Paper.json: `{"DBLP": "journals/x/Turing50", "MAG": ...,
  "DOI": "10.1093/MIND/LIX.236.433", "CorpusId": 14636783}`); `publicationVenue` is null or
  `{id, name, type, alternate_names, url}`; `journal` is null or `{name, volume, pages}`;
  `authors` is `[{authorId, name}]`; `venue` is a string, `""` when unknown; `year` an int.
* Errors: a body `{"error": "..."}` with HTTP 400 for a bad request (too many ids, an
  unknown field); 429 when over the rate (the documented answer to exceeding the shared pool
  or a key's 1 request per second; tests queue it with `fail(429, retry_after=...)`).
* The key: header `x-api-key` (the API's documented header); a wrong key gets HTTP 403
  `{"message": "Forbidden"}`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.servers._service import ServiceServer, send

__all__ = ["BATCH_LIMIT", "S2Server", "paper", "s2_server_fixture"]

BATCH_LIMIT = 500

_KNOWN_FIELDS = frozenset({
    "paperId", "corpusId", "externalIds", "url", "title", "abstract", "venue",
    "publicationVenue", "year", "referenceCount", "citationCount", "influentialCitationCount",
    "isOpenAccess", "openAccessPdf", "fieldsOfStudy", "s2FieldsOfStudy", "publicationTypes",
    "publicationDate", "journal", "citationStyles", "authors"})


def paper(arxiv_id: str, title: str, authors: Sequence[str], *, year: int | None,
          doi: str | None = None, dblp: str | None = None, venue: str = "",
          venue_type: str | None = None, journal: dict[str, str] | None = None,
          publication_types: Sequence[str] | None = None) -> dict[str, Any]:
    """One paper as the Graph API describes it (every field; the server picks the asked)."""
    digest = hashlib.sha1(arxiv_id.encode()).hexdigest()
    external: dict[str, Any] = {"ArXiv": arxiv_id}
    if dblp:
        external["DBLP"] = dblp
    if doi:
        external["DOI"] = doi
    external["CorpusId"] = int(digest[:7], 16)
    publication_venue = None
    if venue and venue_type:
        publication_venue = {"id": hashlib.md5(venue.encode()).hexdigest(),
                             "name": venue, "type": venue_type, "alternate_names": [],
                             "url": None}
    return {
        "paperId": digest,
        "externalIds": external,
        "corpusId": external["CorpusId"],
        "url": f"https://www.semanticscholar.org/paper/{digest}",
        "title": title,
        "venue": venue,
        "publicationVenue": publication_venue,
        "year": year,
        "journal": journal,
        "publicationTypes": list(publication_types) if publication_types else None,
        "authors": [{"authorId": str(1000 + i), "name": name} for i, name in enumerate(authors)],
    }


class S2Server(ServiceServer):
    """The fake Graph API; `base_url` is what `REFBRIDGE_S2_URL` takes."""

    thread_name = "s2-test-server"

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        """When set, a request with another `x-api-key` is refused (403); none is allowed."""
        self._papers: dict[str, dict[str, Any]] = {}

    def add_paper(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._papers[f"ARXIV:{record['externalIds']['ArXiv']}".upper()] = record

    def answer(self, handler: BaseHTTPRequestHandler, method: str, path: str,
               params: dict[str, str], body: bytes) -> None:
        given_key = handler.headers.get("x-api-key")
        if given_key is not None and given_key != self.api_key:
            send(handler, 403, json.dumps({"message": "Forbidden"}), "application/json")
            return
        if method != "POST" or path.rstrip("/") != "/graph/v1/paper/batch":
            send(handler, 404, json.dumps({"error": f"Not found: {path}"}), "application/json")
            return
        fields = [f for f in params.get("fields", "").split(",") if f]
        unknown = [f for f in fields if f not in _KNOWN_FIELDS]
        if unknown:
            send(handler, 400, json.dumps(
                {"error": f"Unrecognized or unsupported fields: {unknown}"}), "application/json")
            return
        try:
            ids = json.loads(body or b"{}")["ids"]
        except (ValueError, KeyError, TypeError):
            send(handler, 400, json.dumps({"error": "Body must be {\"ids\": [...]}"}),
                 "application/json")
            return
        if len(ids) > BATCH_LIMIT:
            send(handler, 400, json.dumps(
                {"error": f"Too many ids: {len(ids)}; the limit is {BATCH_LIMIT}"}),
                "application/json")
            return
        wanted = ["paperId", *fields] if fields else ["paperId", "title"]
        answer: list[dict[str, Any] | None] = []
        with self._lock:
            for ident in ids:
                record = self._papers.get(str(ident).upper())
                answer.append(None if record is None else
                              {name: record.get(name) for name in wanted})
        send(handler, 200, json.dumps(answer), "application/json")


@pytest.fixture(name="s2_server")
def s2_server_fixture() -> Iterator[S2Server]:
    with S2Server() as server:
        yield server
