"""A local stand-in for DBLP's record pages: `GET /rec/{key}.bib` (and `.xml`).

Where the shapes come from:

* `.bib` is DBLP's "standard" BibTeX (the cross-referenced proceedings merged in, so
  `booktitle` is the full proceedings title and `publisher` is there): key `DBLP:<key>`,
  names padded to column 16, multi-line author lists joined by `and` with an 18-space
  continuation indent, `{-}` inside hyphenated names, `--` in page ranges, then `url`, `doi`,
  `timestamp`, `biburl`, `bibsource`. Recorded in openreview/dblp-rdf-service
  (src/docs/data-examples.md, `DBLP:conf/acl/ChangSRM23`).
* `.xml` is `<dblp><inproceedings key=... mdate=...>` with `author`, `title` (ending in a
  full stop), `pages`, `year`, `booktitle` (the short venue, `ACL (1)`), `ee`, `crossref`,
  `url`: the same recording, and DBLP's own dblpxml documentation (mirrored in
  tootal/DBLParse: DBLPXML.md).
* CoRR, DBLP's copy of an arXiv paper: `@article` with `journal = {CoRR}`, `volume =
  {abs/<id>}`, `eprinttype = {arXiv}`, `eprint = {<id>}`, key `journals/corr/abs-<id with
  dashes>` (XML: `publtype="informal"`). These are never a published version.
* Too many requests: HTTP 429 with an empty body and `Retry-After` in seconds (DBLP's FAQ
  "Am I allowed to crawl the dblp website?"); tests queue it with `fail(429, retry_after=..)`.
  An unknown key: HTTP 404.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import escape

import pytest

from tests.servers._service import ServiceServer, send

__all__ = ["DblpRecord", "DblpServer", "corr_record", "dblp_server_fixture"]


@dataclass(frozen=True)
class DblpRecord:
    key: str
    kind: str
    """`inproceedings` or `article`."""
    authors: Sequence[str]
    title: str
    year: int
    booktitle: str | None = None
    short_booktitle: str | None = None
    journal: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    publisher: str | None = None
    doi: str | None = None
    url: str | None = None
    eprint: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def corr_record(arxiv_id: str, title: str, authors: Sequence[str], year: int) -> DblpRecord:
    """DBLP's CoRR entry for an arXiv paper (`journals/corr/abs-2107-03374`)."""
    slug = arxiv_id.replace(".", "-").replace("/", "-")
    return DblpRecord(key=f"journals/corr/abs-{slug}", kind="article", authors=authors,
                      title=title, year=year, journal="CoRR", volume=f"abs/{arxiv_id}",
                      url=f"https://arxiv.org/abs/{arxiv_id}", eprint=arxiv_id)


def _bib_name(name: str) -> str:
    return name.replace("-", "{-}")


def _bib(record: DblpRecord) -> str:
    rows: list[tuple[str, str]] = []
    names = [_bib_name(n) for n in record.authors]
    rows.append(("author", (" and\n" + " " * 18).join(names)))
    rows.append(("title", record.title))
    if record.kind == "inproceedings":
        rows.append(("booktitle", record.booktitle or ""))
    else:
        rows.append(("journal", record.journal or ""))
        if record.volume:
            rows.append(("volume", record.volume))
        if record.number:
            rows.append(("number", record.number))
    if record.pages:
        rows.append(("pages", record.pages.replace("-", "--")))
    if record.publisher:
        rows.append(("publisher", record.publisher))
    rows.append(("year", str(record.year)))
    url = record.url or (f"https://doi.org/{record.doi}" if record.doi else None)
    if url:
        rows.append(("url", url))
    if record.doi:
        rows.append(("doi", record.doi))
    if record.eprint:
        rows.append(("eprinttype", "arXiv"))
        rows.append(("eprint", record.eprint))
    rows.extend(record.extra.items())
    rows.append(("timestamp", "Thu, 10 Aug 2023 12:35:53 +0200"))
    rows.append(("biburl", f"https://dblp.org/rec/{record.key}.bib"))
    rows.append(("bibsource", "dblp computer science bibliography, https://dblp.org"))
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in rows)
    return f"@{record.kind}{{DBLP:{record.key},\n{body}\n}}\n"


def _xml(record: DblpRecord) -> str:
    attributes = f'key="{escape(record.key)}" mdate="2023-08-10"'
    if record.journal == "CoRR":
        attributes += ' publtype="informal"'
    lines = [f"<{record.kind} {attributes}>"]
    lines += [f"<author>{escape(name)}</author>" for name in record.authors]
    lines.append(f"<title>{escape(record.title)}.</title>")
    if record.pages:
        lines.append(f"<pages>{escape(record.pages)}</pages>")
    lines.append(f"<year>{record.year}</year>")
    if record.kind == "inproceedings":
        lines.append(f"<booktitle>{escape(record.short_booktitle or '')}</booktitle>")
    else:
        lines.append(f"<journal>{escape(record.journal or '')}</journal>")
        if record.volume:
            lines.append(f"<volume>{escape(record.volume)}</volume>")
    if record.doi:
        lines.append(f'<ee type="oa">https://doi.org/{escape(record.doi)}</ee>')
    lines.append(f"</{record.kind}>")
    return '<?xml version="1.0" encoding="US-ASCII"?>\n<dblp>\n' + "\n".join(lines) + "\n</dblp>\n"


class DblpServer(ServiceServer):
    """The fake DBLP; `base_url` is what `REFBRIDGE_DBLP_URL` takes."""

    thread_name = "dblp-test-server"

    def __init__(self) -> None:
        super().__init__()
        self._records: dict[str, DblpRecord] = {}

    def add_record(self, record: DblpRecord) -> None:
        with self._lock:
            self._records[record.key] = record

    def answer(self, handler: BaseHTTPRequestHandler, method: str, path: str,
               params: dict[str, str], body: bytes) -> None:
        prefix = "/rec/"
        for suffix, render, content_type in ((".bib", _bib, "application/x-bibtex"),
                                             (".xml", _xml, "application/xml")):
            if method == "GET" and path.startswith(prefix) and path.endswith(suffix):
                with self._lock:
                    record = self._records.get(path[len(prefix):-len(suffix)])
                if record is not None:
                    send(handler, 200, render(record), f"{content_type}; charset=utf-8")
                    return
        send(handler, 404, "<html><body>Error 404: Not Found</body></html>", "text/html")


@pytest.fixture(name="dblp_server")
def dblp_server_fixture() -> Iterator[DblpServer]:
    with DblpServer() as server:
        yield server
