"""Shared fixtures. The loopback arXiv and Zotero servers live in tests/servers/."""

from pathlib import Path

import pytest


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
