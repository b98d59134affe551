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


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No user config, no real endpoints, a cache of the test's own: returns that cache path."""
    for name in ("REFBRIDGE_ARXIV_URL", "REFBRIDGE_ZOTERO_URL", "ZOTERO_API_KEY",
                 "ZOTERO_LIBRARY", "REFBRIDGE_ARXIV_DELAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REFBRIDGE_CONFIG", str(tmp_path / "no-user-config.toml"))
    cache = tmp_path / "cache.sqlite3"
    monkeypatch.setenv("REFBRIDGE_CACHE", str(cache))
    return cache
