"""Shared fixtures. The loopback arXiv and Zotero servers live in tests/servers/."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

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
