"""The rows of the arXiv cache: what a stored paper keeps, and that rows of every format the
cache has written still read (issue 12 made them compact: default fields left out, names as
lists), one by one and in bulk."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bridge.arxiv import MetadataCache
from bridge.model import Author, Provenance, Reference

PAPER = Reference(
    arxiv_id="2310.13798", arxiv_version=2, title="Specific versus General Principles",
    authors=[Author("Kundu", "Sandipan"), Author("Anthropic", is_institution=True),
             Author("Beethoven", "Ludwig", "van", "Jr")],
    authors_truncated=False, abstract="", date="2023-10-20",
    arxiv_published="2023-10-20", arxiv_updated="2023-11-02", primary_category="cs.CL",
    categories=["cs.CL", "cs.AI"], doi="10.1000/x", journal_ref=None, comment="13 pages",
    url="https://arxiv.org/abs/2310.13798", links=["https://github.com/x/y"],
    entry_type=None)


def test_a_stored_paper_comes_back_equal_without_the_users_side(tmp_path: Path) -> None:
    mine = PAPER.copy(key="kundu2023", fields={"keywords": "mine"}, tags=["to-read"],
                      provenance=Provenance("refs.bib", 3))
    with MetadataCache(tmp_path / "c.sqlite3") as cache:
        cache.store_lookup([("2310.13798", mine)])
        assert cache.get("2310.13798") == PAPER
        assert cache.get("2310.13798", 2) == PAPER
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:
        (data,) = db.execute("SELECT data FROM papers").fetchone()
    stored = json.loads(data)
    assert stored["authors"][2] == ["Beethoven", "Ludwig", "van", "Jr", False]
    assert stored["abstract"] == ""  # an empty text is not the default (None): kept
    assert not {"key", "fields", "tags", "provenance", "journal_ref", "authors_truncated",
                "editors", "entry_type"} & set(stored)


def test_rows_written_by_dataclasses_asdict_still_read(tmp_path: Path) -> None:
    # The format before: every field, names as objects, the user's side emptied.
    old = {"arxiv_id": "2310.13798", "arxiv_version": 1, "title": "Old row",
           "authors": [{"last": "Kundu", "first": "Sandipan", "von": "", "jr": "",
                        "is_institution": False}],
           "authors_truncated": False, "editors": [], "abstract": None, "date": "2023",
           "arxiv_published": None, "arxiv_updated": None, "primary_category": "cs.CL",
           "categories": ["cs.CL"], "doi": None, "journal_ref": None, "comment": None,
           "url": None, "links": [], "key": None, "entry_type": None, "fields": {},
           "tags": [], "provenance": None}
    path = tmp_path / "c.sqlite3"
    MetadataCache(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO papers VALUES ('2310.13798', 1, 1, 0, ?)", (json.dumps(old),))
        db.execute("INSERT INTO papers VALUES ('2212.08073', 1, 1, 0, '{not json')")
    with MetadataCache(path) as cache:
        expected = Reference(arxiv_id="2310.13798", arxiv_version=1, title="Old row",
                             authors=[Author("Kundu", "Sandipan")], date="2023",
                             primary_category="cs.CL", categories=["cs.CL"])
        assert cache.get("2310.13798") == expected
        assert cache.get("2212.08073") is None  # unreadable: a miss, never a crash
        many = cache.get_many([("2310.13798", None), ("2310.13798", 1), ("2212.08073", 1),
                               ("2401.00001", None)])
        assert many == {("2310.13798", None): expected, ("2310.13798", 1): expected}


def test_bulk_reads_answer_as_single_reads_do_across_chunks(tmp_path: Path) -> None:
    papers = [Reference(arxiv_id=f"2401.{n:05d}", arxiv_version=1 + n % 2, title=f"P{n}")
              for n in range(1, 1201)]
    with MetadataCache(tmp_path / "c.sqlite3") as cache:
        # Even ids asked unversioned (latest), odd ones by version: only the former are latest.
        cache.store_lookup([(p.arxiv_id if n % 2 == 0 else p.versioned_id, p)
                            for n, p in enumerate(papers)], missing=["2501.00001"])
        asks = [(p.arxiv_id, None) for p in papers] + [(p.arxiv_id, p.arxiv_version)
                                                        for p in papers]
        many = cache.get_many(asks)
        assert many == {ask: hit for ask in asks if (hit := cache.get(*ask)) is not None}
        assert len(many) == 600 + 1200
        assert cache.not_found_among(["2501.00001", "2401.00001", "2501.00001"]) == {
            "2501.00001"}
