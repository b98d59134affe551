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
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from . import __version__
from .errors import ConfigError

__all__ = ["DEFAULTS", "ENVIRONMENT", "USER_AGENT", "Settings", "load_settings",
           "user_config_path"]


USER_AGENT = f"refbridge/{__version__} (bibliography bridge; python-httpx)"
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


# Each number's type and the range it must lie in (inclusive): anything outside is a typo
# or a joke, and would hang (delay = inf) or hammer a service (retries = 1000000000).
_NUMBERS: dict[str, tuple[type, float, float, str]] = {
    "arxiv_delay": (float, 0.0, 3600.0, "seconds"),
    "arxiv_timeout": (float, 0.1, 3600.0, "seconds"),
    "arxiv_retries": (int, 0, 20, "retries"),
    "arxiv_batch_size": (int, 1, 100, "ids"),
    "crossref_delay": (float, 0.0, 3600.0, "seconds"),
    "s2_delay": (float, 0.0, 3600.0, "seconds"),
    "dblp_delay": (float, 0.0, 3600.0, "seconds"),
}


def _dotted(name: str) -> str:
    """How the config file spells a setting: arxiv_delay -> arxiv.delay."""
    section, _, key = name.partition("_")
    return f"{section}.{key}" if section in DEFAULTS and section != "output" else name


def _coerced(values: dict[str, Any]) -> dict[str, Any]:
    """Values converted to their types and checked, each failure one ConfigError line.

    >>> _coerced({**_coerced_defaults(), "arxiv_retries": 1000000000})
    Traceback (most recent call last):
    ...
    bridge.errors.ConfigError: arxiv.retries must be a whole number from 0 to 20, not 1000000000
    >>> _coerced({**_coerced_defaults(), "arxiv_delay": "inf"})
    Traceback (most recent call last):
    ...
    bridge.errors.ConfigError: arxiv.delay must be a number of seconds from 0 to 3600, not 'inf'
    """
    out = dict(values)
    for name, (kind, low, high, unit) in _NUMBERS.items():
        value = out[name]
        what = (f"a whole number from {low:g} to {high:g}" if kind is int
                else f"a number of {unit} from {low:g} to {high:g}")
        problem = ConfigError(f"{_dotted(name)} must be {what}, not {value!r}")
        if isinstance(value, bool):
            raise problem
        try:
            number = float(value)
            if kind is int and not number.is_integer():
                raise problem
            converted = int(number) if kind is int else number
        except (TypeError, ValueError, OverflowError):
            raise problem from None
        # NaN fails both comparisons; inf fails the upper one.
        if not low <= converted <= high:
            raise problem
        out[name] = converted
    for name in out:
        if name.endswith("_url"):
            _check_url(name, out[name])
    if out["date"] not in ("first", "latest"):
        raise ConfigError(f"date must be 'first' or 'latest', not {out['date']!r}")
    library = out["zotero_library"]
    if library and not _valid_library(library):
        raise ConfigError(f"ZOTERO_LIBRARY must look like user:<id> or group:<id>, not {library!r}")
    return out


def _coerced_defaults() -> dict[str, Any]:
    return {_setting_name(section, key): value
            for section, entries in DEFAULTS.items() for key, value in entries.items()}


def _check_url(name: str, value: Any) -> None:
    """A service endpoint must be an http(s) URL with a host.

    >>> _check_url("arxiv_url", "arxiv.org/api")
    Traceback (most recent call last):
    ...
    bridge.errors.ConfigError: arxiv.url must be an http:// or https:// URL, not 'arxiv.org/api'
    """
    problem = ConfigError(f"{_dotted(name)} must be an http:// or https:// URL, not {value!r}")
    if not isinstance(value, str):
        raise problem
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise problem from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(
            c.isspace() for c in value):
        raise problem


def _valid_library(text: str) -> bool:
    kind, _, number = text.partition(":")
    return kind in ("user", "group") and number.isdigit()
