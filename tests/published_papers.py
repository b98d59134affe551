"""What the loopback Crossref, Semantic Scholar and DBLP servers know about the sample papers
(tests/data/sample_papers.json), for the published-version tests, the bench and the README.

Two kinds of record, kept apart:

* **Real publications** of sample papers: the venue, type, year and DOI are the paper's
  real ones (2110.10802 at ICS '22 through the DOI arXiv itself records; 1610.01959 in IEEE
  Transactions on Signal Processing; 2310.13548 at ICLR 2024, OpenReview, no DOI; 2212.09251
  in Findings of ACL 2023). Page ranges and DBLP keys follow the services' schemes but were
  not checked against the live services. Author lists are the sample's (tests/data shortens
  some), as a published version lists the same people.
* **Constructed cases** (`DECOY` in the DOI or key): the same title by other authors, the
  same paper "published" the year before its preprint, a title that gained a subtitle, a
  preprint-server DOI in Crossref, the arXiv DOI itself reported as "the" DOI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.sample_papers import PAPERS
from tests.servers.crossref_server import CrossrefServer, work
from tests.servers.dblp_server import DblpRecord, DblpServer, corr_record
from tests.servers.s2_server import S2Server, paper


def _authors(arxiv_id: str) -> list[str]:
    return list(PAPERS[arxiv_id]["authors"])


def _given_family(arxiv_id: str) -> list[tuple[str, str]]:
    names = []
    for name in _authors(arxiv_id):
        given, _, family = name.rpartition(" ")
        names.append((given, family))
    return names


def _title(arxiv_id: str) -> str:
    return str(PAPERS[arxiv_id]["title"])


ICS22 = "Proceedings of the 36th ACM International Conference on Supercomputing"
ICLR24 = ("The Twelfth International Conference on Learning Representations, ICLR 2024, "
          "Vienna, Austria, May 7-11, 2024")
ACL23 = "Findings of the Association for Computational Linguistics: ACL 2023"


def crossref_works() -> list[dict]:
    return [
        # 2110.10802: arXiv's own record carries this DOI (ICS '22). ACM lower-cases titles.
        work("10.1145/3524059.3532364", "A data-centric optimization framework for machine "
             "learning", _given_family("2110.10802"), kind="proceedings-article",
             container=ICS22, page="1-13", publisher="ACM", published=(2022, 6, 28)),
        # 1610.01959: found through Semantic Scholar's DOI.
        work("10.1109/TSP.2017.2708023", "Efficient L1-Norm Principal-Component Analysis via "
             "Bit Flipping", _given_family("1610.01959"), kind="journal-article",
             container="IEEE Transactions on Signal Processing",
             short_container="IEEE Trans. Signal Process.", volume="65", issue="16",
             page="4252-4264", publisher="Institute of Electrical and Electronics Engineers "
             "(IEEE)", published=(2017, 8, 15), issn=("1053-587X", "1941-0476")),
        # 2212.09251: Findings of ACL 2023, through Semantic Scholar's DOI.
        work("10.18653/v1/2023.findings-acl.847", _title("2212.09251"),
             _given_family("2212.09251"), kind="proceedings-article", container=ACL23,
             page="13387-13434", publisher="Association for Computational Linguistics",
             published=(2023,)),
        # DECOY: the same title as 2204.05862, by other people.
        work("10.5555/DECOY.2204.05862", _title("2204.05862"),
             [("Wei", "Zhang"), ("Na", "Li"), ("Hiroshi", "Tanaka")], container="Journal of "
             "Decoy Studies", volume="3", issue="1", page="1-20", published=(2023, 3)),
        # DECOY: a preprint server's DOI (Crossref type posted-content) for 2207.05221.
        work("10.5555/DECOY.posted.2207.05221", _title("2207.05221"),
             _given_family("2207.05221"), kind="posted-content", publisher="Research Square",
             published=(2022, 7)),
    ]


def dblp_records() -> list[DblpRecord]:
    return [
        DblpRecord("conf/iclr/SharmaTKDABCDH24", "inproceedings", _authors("2310.13548"),
                   _title("2310.13548"), 2024, booktitle=ICLR24, short_booktitle="ICLR",
                   publisher="OpenReview.net",
                   url="https://openreview.net/forum?id=tvhaxkMKAn"),
        corr_record("2107.03374", _title("2107.03374"), _authors("2107.03374"), 2021),
        corr_record("2307.11768", _title("2307.11768"), _authors("2307.11768"), 2023),
        # DECOY: 2209.07858 "published" in 2021, a year before its preprint.
        DblpRecord("conf/DECOY/GanguliLK21", "inproceedings", _authors("2209.07858"),
                   _title("2209.07858"), 2021, booktitle="Proceedings of a Decoy Workshop 2021",
                   pages="1-9", publisher="Decoy Press"),
        # DECOY (accepted): 2308.03296's title gained a subtitle on publication.
        DblpRecord("journals/DECOY/GrosseBA24", "article", _authors("2308.03296"),
                   _title("2308.03296") + ": Scaling to Fifty Billion Parameters", 2024,
                   journal="Transactions on Decoy Research", volume="2024", pages="1-48"),
    ]


def s2_papers() -> list[dict]:
    def known(arxiv_id: str, **extra: object) -> dict:
        year = int(PAPERS[arxiv_id]["versions"][0]["date"][:4])
        options = {"year": year, **extra}
        return paper(arxiv_id, _title(arxiv_id), _authors(arxiv_id), **options)  # type: ignore[arg-type]

    return [
        known("1610.01959", doi="10.1109/TSP.2017.2708023",
              venue="IEEE Transactions on Signal Processing", venue_type="journal",
              journal={"name": "IEEE Transactions on Signal Processing", "volume": "65",
                       "pages": "4252-4264"}),
        known("2310.13548", dblp="conf/iclr/SharmaTKDABCDH24",
              venue="International Conference on Learning Representations",
              venue_type="conference"),
        known("2212.09251", doi="10.18653/v1/2023.findings-acl.847",
              dblp="conf/acl/PerezRLNCHPOKKJ23", venue="Annual Meeting of the Association for "
              "Computational Linguistics", venue_type="conference"),
        known("2107.03374", dblp="journals/corr/abs-2107-03374", venue="arXiv.org",
              venue_type="journal"),
        known("2307.11768", dblp="journals/corr/abs-2307-11768", venue="arXiv.org",
              venue_type="journal"),
        known("2310.13798"),
        known("2302.07459", doi="10.48550/arXiv.2302.07459", venue="arXiv.org",
              venue_type="journal"),
        known("2204.05862", doi="10.5555/DECOY.2204.05862"),
        known("2207.05221", doi="10.5555/DECOY.posted.2207.05221"),
        known("2209.07858", dblp="conf/DECOY/GanguliLK21"),
        known("2308.03296", dblp="journals/DECOY/GrosseBA24"),
    ]


def load(crossref: CrossrefServer | None = None, s2: S2Server | None = None,
         dblp: DblpServer | None = None) -> None:
    """Put every record above into the servers given."""
    for message in crossref_works() if crossref else ():
        crossref.add_work(message)  # type: ignore[union-attr]
    for record in s2_papers() if s2 else ():
        s2.add_paper(record)  # type: ignore[union-attr]
    for entry in dblp_records() if dblp else ():
        dblp.add_record(entry)  # type: ignore[union-attr]


@contextmanager
def serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, s2_key: str | None = None
            ) -> Iterator[tuple[CrossrefServer, S2Server, DblpServer]]:
    """The three servers loaded with the records above, refbridge pointed at them through its
    environment, and their politeness delays set to 0 in a config file of the test's own."""
    config = tmp_path / "config.toml"
    config.write_text("[crossref]\ndelay = 0\n[s2]\ndelay = 0\n[dblp]\ndelay = 0\n")
    with CrossrefServer() as crossref, S2Server(api_key=s2_key) as s2, DblpServer() as dblp:
        load(crossref, s2, dblp)
        monkeypatch.setenv("REFBRIDGE_CONFIG", str(config))
        monkeypatch.setenv("REFBRIDGE_CROSSREF_URL", crossref.base_url)
        monkeypatch.setenv("REFBRIDGE_S2_URL", s2.base_url)
        monkeypatch.setenv("REFBRIDGE_DBLP_URL", dblp.base_url)
        yield crossref, s2, dblp
