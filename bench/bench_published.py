"""Requests (and time) to find the published versions of 1,000 papers, against the loopback
arXiv, Crossref, Semantic Scholar and DBLP servers.

    python bench/bench_published.py [--papers 1000]

The papers are synthetic; their fates are mixed like a CS reading list: 10% carry a
journal DOI in their arXiv record (-> Crossref), 25% have a DOI only Semantic Scholar knows
(-> Crossref), 15% a DBLP conference record (-> DBLP), 10% only DBLP's CoRR copy, the rest
nothing. Two runs of `import --published` over the same ids:

* cold - empty cache (target: ceil(n/500) requests to Semantic Scholar, one per DOI found to
         Crossref, one per DBLP key followed);
* warm - again, with the cache the cold run filled (target: 0 requests to any service).

The services' delays are 0 here; the waiting at each service's documented rate is computed
from the request counts: Semantic Scholar's shared pool 100 requests / 5 min (3 s; 1 s with
a key), Crossref's polite pool 10 requests/s, DBLP's FAQ "one or two seconds" (2 s).
Prints figures only; nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridge.api import ResolveOptions, import_references
from bridge.config import Settings
from tests.servers.arxiv_server import ArxivServer, synthetic_paper
from tests.servers.crossref_server import CrossrefServer, work
from tests.servers.dblp_server import DblpRecord, DblpServer, corr_record
from tests.servers.s2_server import S2Server, paper

RATES = {"s2": 3.0, "crossref": 0.1, "dblp": 2.0}
"""Seconds between requests at each service's documented rate."""


def _load(n: int, arxiv: ArxivServer, crossref: CrossrefServer, s2: S2Server,
          dblp: DblpServer) -> dict[str, int]:
    kinds = {"arxiv_doi": 0, "s2_doi": 0, "dblp": 0, "corr": 0, "none": 0}
    for index in range(1, n + 1):
        share = (index - 1) * 100 // n
        record = synthetic_paper(index)[0]
        arxiv_id = record["id"].rsplit("v", 1)[0]
        title, authors = record["title"], record["authors"]
        given_family = [tuple(a.rsplit(" ", 1)) for a in authors]
        doi = f"10.5555/bench.{index}"
        if share < 10:
            kinds["arxiv_doi"] += 1
            record["doi"] = doi
            crossref.add_work(work(doi, title, given_family, container="Journal of Widgets",
                                   volume="7", issue="2", page="1-10", published=(2024, 6)))
        elif share < 35:
            kinds["s2_doi"] += 1
            s2.add_paper(paper(arxiv_id, title, authors, year=2024, doi=doi))
            crossref.add_work(work(doi, title, given_family, container="Journal of Widgets",
                                   volume="7", issue="2", page="1-10", published=(2024, 6)))
        elif share < 50:
            kinds["dblp"] += 1
            key = f"conf/widgets/Bench{index}"
            s2.add_paper(paper(arxiv_id, title, authors, year=2024, dblp=key))
            dblp.add_record(DblpRecord(key, "inproceedings", authors, title, 2024,
                                       booktitle="Proceedings of Widgets 2024", pages="1-9",
                                       publisher="Widget Press"))
        elif share < 60:
            kinds["corr"] += 1
            record_corr = corr_record(arxiv_id, title, authors, 2024)
            s2.add_paper(paper(arxiv_id, title, authors, year=2024, dblp=record_corr.key))
            dblp.add_record(record_corr)
        else:
            kinds["none"] += 1
            s2.add_paper(paper(arxiv_id, title, authors, year=2024))
        arxiv.add_paper(record)
    return kinds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    args = parser.parse_args(argv)
    n = args.papers

    with ArxivServer(corpus=False) as arxiv, CrossrefServer() as crossref, S2Server() as s2, \
            DblpServer() as dblp, tempfile.TemporaryDirectory() as tmp:
        kinds = _load(n, arxiv, crossref, s2, dblp)
        ids = Path(tmp) / "ids.txt"
        ids.write_text("".join(f"2401.{i:05d}\n" for i in range(1, n + 1)))
        settings = Settings(arxiv_url=arxiv.url, arxiv_delay=0.0, crossref_url=crossref.base_url,
                            s2_url=s2.base_url, dblp_url=dblp.base_url, crossref_delay=0.0,
                            s2_delay=0.0, dblp_delay=0.0,
                            cache_path=str(Path(tmp) / "cache.sqlite3"))
        rows = {}
        for run in ("cold", "warm"):
            before = {name: len(server.requests) for name, server in
                      (("s2", s2), ("crossref", crossref), ("dblp", dblp))}
            out = Path(tmp) / f"{run}.bib"
            started = time.perf_counter()
            report = import_references([str(ids)], str(out), settings=settings,
                                       options=ResolveOptions(published=True))
            elapsed = time.perf_counter() - started
            counts = {name: len(server.requests) - before[name] for name, server in
                      (("s2", s2), ("crossref", crossref), ("dblp", dblp))}
            taken = sum(1 for f in report.published if f.status == "published")
            rows[run] = (counts, elapsed, taken)

    found_dois = kinds["arxiv_doi"] + kinds["s2_doi"]
    print(f"published versions of {n} papers (loopback; {kinds})")
    print(f"{'run':6} {'taken':>6} {'S2':>5} {'Crossref':>9} {'DBLP':>6} {'wall s':>7} "
          f"{'waiting at documented rates':>28}")
    for run, (counts, elapsed, taken) in rows.items():
        waiting = sum(max(counts[name] - 1, 0) * RATES[name] for name in counts)
        with_key = waiting - max(counts["s2"] - 1, 0) * (RATES["s2"] - 1.0)
        print(f"{run:6} {taken:>6} {counts['s2']:>5} {counts['crossref']:>9} "
              f"{counts['dblp']:>6} {elapsed:>7.2f} "
              f"{waiting:>10.1f} s ({with_key:.1f} s with an S2 key)")
    cold, warm = rows["cold"][0], rows["warm"][0]
    s2_target = math.ceil((n - kinds["arxiv_doi"]) / 500)
    print(f"targets: S2 <= ceil({n - kinds['arxiv_doi']}/500) = {s2_target} "
          f"({'met' if cold['s2'] <= s2_target else 'MISSED'}), Crossref = {found_dois} DOIs "
          f"found ({'met' if cold['crossref'] == found_dois else 'MISSED'}), DBLP = "
          f"{kinds['dblp']} keys followed ({'met' if cold['dblp'] == kinds['dblp'] else 'MISSED'}"
          f"; CoRR never asked), warm 0 ({'met' if sum(warm.values()) == 0 else 'MISSED'})")


if __name__ == "__main__":
    main()
