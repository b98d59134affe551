"""The arXiv metadata of every paper in shared/samples (tests/data/sample_papers.json), and
how to load it into the loopback arXiv server. The JSON shape is described in
tests/test_resolve_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.servers.arxiv_server import ArxivServer

DATA = json.loads((Path(__file__).parent / "data" / "sample_papers.json").read_text("utf-8"))
PAPERS: dict[str, dict[str, Any]] = {p["id"]: p for p in DATA["papers"]}
DECOYS: dict[str, dict[str, Any]] = {p["id"]: p for p in DATA["decoys"]}


def api_versions(paper: dict[str, Any]) -> list[dict[str, Any]]:
    """A PAPER as the per-version records the API reports: `published` is always v1's date,
    `updated` that version's date."""
    first = paper["versions"][0]["date"]
    return [
        {
            "id": f"{paper['id']}v{v['version']}",
            "title": paper["title"],
            "abstract": paper["abstract"],
            "authors": paper["authors"],
            "published": first,
            "updated": v["date"],
            "primary_category": paper["primary_category"],
            "categories": paper["categories"],
            "comment": paper.get("comment"),
            "doi": paper.get("doi"),
            "journal_ref": paper.get("journal_ref"),
        }
        for v in paper["versions"]
    ]


def load_sample_papers(server: ArxivServer, *, decoys: bool = True) -> ArxivServer:
    for paper in [*PAPERS.values(), *(DECOYS.values() if decoys else ())]:
        server.add_papers(api_versions(paper))
    return server
