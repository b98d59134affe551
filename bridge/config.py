"""Settings, from four layers: command-line flag > environment > user config file > defaults.

The defaults below are also written out, with comments, in `config/refbridge.toml` (a test
keeps the two equal). The user config file is `refbridge/config.toml` in the platform's
config directory, or the file named by `REFBRIDGE_CONFIG`; it has the same shape.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError

__all__ = ["DEFAULTS", "ENVIRONMENT", "USER_AGENT", "Settings", "load_settings",
           "user_config_path"]


def _user_agent() -> str:
    try:
        ours = version("refbridge")
    except PackageNotFoundError:
        ours = "0"
    return f"refbridge/{ours} (bibliography bridge; python-httpx)"


USER_AGENT = _user_agent()
"""Sent with every request to arXiv and Zotero, so both know which tool is asking."""

DEFAULTS: dict[str, dict[str, Any]] = {
    "arxiv": {
        "url": "https://export.arxiv.org/api/query",
        "delay": 3.0,
        "timeout": 30.0,
        "retries": 5,
        "batch_size": 100,
    },
    "zotero": {
        "url": "https://api.zotero.org",
        "library": "",
    },
    "cache": {
        "path": "",
    },
    "output": {
        "citekey": "auth-year-title",
        "date": "first",
    },
    "crossref": {
        "url": "https://api.crossref.org",
        "contact": "",
        "delay": 0.1,
    },
    "s2": {
        "url": "https://api.semanticscholar.org",
        "delay": 3.0,
    },
    "dblp": {
        "url": "https://dblp.org",
        "delay": 2.0,
    },
}

# Environment variables of DESIGN.md, and the setting each one fills.
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "REFBRIDGE_ARXIV_URL": ("arxiv", "url"),
    "REFBRIDGE_ARXIV_DELAY": ("arxiv", "delay"),
    "REFBRIDGE_ZOTERO_URL": ("zotero", "url"),
    "ZOTERO_API_KEY": ("zotero", "api_key"),
    "ZOTERO_LIBRARY": ("zotero", "library"),
    "REFBRIDGE_CACHE": ("cache", "path"),
    "REFBRIDGE_CROSSREF_URL": ("crossref", "url"),
    "REFBRIDGE_S2_URL": ("s2", "url"),
    "REFBRIDGE_DBLP_URL": ("dblp", "url"),
    "REFBRIDGE_CONTACT": ("crossref", "contact"),
    "S2_API_KEY": ("s2", "api_key"),
}


@dataclass(frozen=True)
class Settings:
    """Every knob, resolved. Build one with `load_settings`, or directly in tests."""

    arxiv_url: str = DEFAULTS["arxiv"]["url"]
    arxiv_delay: float = DEFAULTS["arxiv"]["delay"]
    """Seconds between two arXiv requests over the whole run (arXiv's terms ask for 3)."""
    arxiv_timeout: float = DEFAULTS["arxiv"]["timeout"]
    arxiv_retries: int = DEFAULTS["arxiv"]["retries"]
    arxiv_batch_size: int = DEFAULTS["arxiv"]["batch_size"]
    zotero_url: str = DEFAULTS["zotero"]["url"]
    zotero_api_key: str | None = None
    zotero_library: str = DEFAULTS["zotero"]["library"]
    """`user:<id>` or `group:<id>`; empty means: ask /keys/current."""
    cache_path: str = DEFAULTS["cache"]["path"]
    """Empty means the platform's user cache directory."""
    citekey: str = DEFAULTS["output"]["citekey"]
    date: str = DEFAULTS["output"]["date"]
    crossref_url: str = DEFAULTS["crossref"]["url"]
    crossref_contact: str = DEFAULTS["crossref"]["contact"]
    """E-mail sent as `mailto:` in the User-Agent to Crossref (its polite pool)."""
    crossref_delay: float = DEFAULTS["crossref"]["delay"]
    """Seconds between Crossref requests until its x-rate-limit headers say otherwise."""
    s2_url: str = DEFAULTS["s2"]["url"]
    s2_api_key: str | None = None
    s2_delay: float = DEFAULTS["s2"]["delay"]
    """Seconds between Semantic Scholar requests (shared pool: 100 per 5 minutes)."""
    dblp_url: str = DEFAULTS["dblp"]["url"]
    dblp_delay: float = DEFAULTS["dblp"]["delay"]
    """Seconds between DBLP requests (its FAQ: "one or two seconds")."""

    def __repr__(self) -> str:
        # The API key must never reach a log line or a traceback.
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for secret in ("zotero_api_key", "s2_api_key"):
            if shown[secret]:
                shown[secret] = "[redacted]"
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @property
    def resolved_cache_path(self) -> Path:
        if self.cache_path:
            return Path(self.cache_path).expanduser()
        return Path(platformdirs.user_cache_dir("refbridge")) / "arxiv-cache.sqlite3"


def user_config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("REFBRIDGE_CONFIG"):
        return Path(environ["REFBRIDGE_CONFIG"]).expanduser()
    return Path(platformdirs.user_config_dir("refbridge")) / "config.toml"


_SETTING_NAMES = {f.name for f in fields(Settings)}


def _setting_name(section: str, key: str) -> str:
    return f"{section}_{key}" if section != "output" else key


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Resolve settings: `overrides` (from flags; None values ignored) > env > file > defaults.

    >>> load_settings({"arxiv_delay": 0.5}, environ={}, config_file=Path("/none")).arxiv_delay
    0.5
    >>> load_settings(environ={"REFBRIDGE_ARXIV_DELAY": "1"}, config_file=Path("/x")).arxiv_delay
    1.0
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for section, entries in DEFAULTS.items():
        for key, value in entries.items():
            values[_setting_name(section, key)] = value

    path = config_file if config_file is not None else user_config_path(environ)
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
        for section, entries in data.items():
            if not isinstance(entries, dict):
                raise ConfigError(f"{path}: [{section}] must be a table of settings")
            for key, value in entries.items():
                name = _setting_name(section, key)
                if name not in _SETTING_NAMES:
                    raise ConfigError(f"{path}: unknown setting {section}.{key}")
                values[name] = value

    for variable, (section, key) in ENVIRONMENT.items():
        if environ.get(variable):
            values[_setting_name(section, key)] = environ[variable]

    for name, value in (overrides or {}).items():
        if value is not None:
            if name not in _SETTING_NAMES:
                raise ConfigError(f"unknown setting {name}")
            values[name] = value

    return Settings(**_coerced(values))


def _coerced(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name, kind in (("arxiv_delay", float), ("arxiv_timeout", float),
                       ("arxiv_retries", int), ("arxiv_batch_size", int),
                       ("crossref_delay", float), ("s2_delay", float), ("dblp_delay", float)):
        try:
            out[name] = kind(out[name])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name} must be a number, not {out[name]!r}") from exc
        if out[name] < 0:
            raise ConfigError(f"{name} must not be negative, not {out[name]!r}")
    if not 1 <= out["arxiv_batch_size"] <= 100:
        raise ConfigError("arxiv batch_size must be between 1 and 100")
    if out["date"] not in ("first", "latest"):
        raise ConfigError(f"date must be 'first' or 'latest', not {out['date']!r}")
    library = out["zotero_library"]
    if library and not _valid_library(library):
        raise ConfigError(f"ZOTERO_LIBRARY must look like user:<id> or group:<id>, not {library!r}")
    return out


def _valid_library(text: str) -> bool:
    kind, _, number = text.partition(":")
    return kind in ("user", "group") and number.isdigit()
