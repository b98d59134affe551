"""Shared fixtures: an isolated environment for every test, and the loopback arXiv and
Zotero servers (their code lives in tests/servers/)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.servers.arxiv_server import ArxivServer
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

# Local runs explore new examples every time; CI replays a fixed set, so a landing is never
# refused by chance. (What a local run finds becomes a pinned regression test.)
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


# Nothing listens on the discard port: a request a test did not point at one of our servers
# fails at once instead of reaching for the internet.
_NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test: no user config, no credentials, dead endpoints unless the test sets its
    own, and a cache of the test's own (its path is returned)."""
    for name in ("ZOTERO_API_KEY", "ZOTERO_LIBRARY", "REFBRIDGE_ARXIV_DELAY", "S2_API_KEY",
                 "REFBRIDGE_CONTACT"):
        monkeypatch.delenv(name, raising=False)
    for name in ("REFBRIDGE_CROSSREF_URL", "REFBRIDGE_S2_URL", "REFBRIDGE_DBLP_URL"):
        monkeypatch.setenv(name, _NOWHERE)
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", f"{_NOWHERE}/api/query")
    monkeypatch.setenv("REFBRIDGE_ZOTERO_URL", _NOWHERE)
    monkeypatch.setenv("REFBRIDGE_CONFIG", str(tmp_path / "no-user-config.toml"))
    cache = tmp_path / "cache.sqlite3"
    monkeypatch.setenv("REFBRIDGE_CACHE", str(cache))
    return cache


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    """A started fake arXiv API with the recorded corpus loaded (tests/servers/)."""
    with ArxivServer() as server:
        yield server


@pytest.fixture
def zotero_server() -> Iterator[ZoteroServer]:
    """A started fake Zotero API with a user library (WRITE_KEY read-write, READ_KEY
    read-only); the test fails if the server itself raised."""
    with ZoteroServer() as server:
        yield server
        assert server.errors == [], "the Zotero test server itself failed"


@pytest.fixture
def service_env(arxiv_server: ArxivServer, zotero_server: ZoteroServer,
                monkeypatch: pytest.MonkeyPatch) -> tuple[ArxivServer, ZoteroServer]:
    """Both fakes, with the environment pointing the CLI at them and a write key set."""
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", arxiv_server.url)
    monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
    monkeypatch.setenv("REFBRIDGE_ZOTERO_URL", zotero_server.url)
    monkeypatch.setenv("ZOTERO_API_KEY", WRITE_KEY)
    return arxiv_server, zotero_server
