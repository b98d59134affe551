"""refbridge: find arXiv papers in anything, resolve them, write BibTeX or Zotero items.

    >>> import bridge
    >>> [found.id for found in bridge.find_ids(["samples/incomplete.bib"])][:2]
    ['2310.13798', '2212.08073']

The public API is listed once, here; everything else is private to its module. Public
classes say they are `bridge.X` (their `__module__` is `bridge`), so reprs, docs and
pickles name them the way users import them. The exceptions keep their home,
`bridge.errors`, which the README documents as the tree to catch. Every name is loaded
when first asked for (and named `bridge.X` then): the Zotero names need httpx, the jobs
bibtexparser, rapidfuzz and sqlite3, which commands like `refbridge ids` never use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
"""refbridge's version: the one place it is written (pyproject.toml reads it from here)."""

if TYPE_CHECKING:
    from .api import (
        EnrichReport,
        FoundId,
        ImportReport,
        PublishedOutcome,
        PushOutcome,
        ResolveOptions,
        enrich_file,
        find_ids,
        find_published_versions,
        import_references,
        pull,
        push,
        resolve_references,
        tex_bibliography,
    )
    from .config import Settings, load_settings
    from .errors import (
        ArxivError,
        BibParseError,
        ConfigError,
        InputError,
        InvalidArxivId,
        Problems,
        RefbridgeError,
        ServiceError,
        UnknownFormat,
        UnreadableInput,
        UnwritableOutput,
        ZoteroAuthError,
        ZoteroError,
    )
    from .model import Author, Provenance, Reference
    from .progress import NO_PROGRESS, Progress
    from .published.find import Finding
    from .published.jobs import upgrade_published
    from .readers import READERS, Reader, get_reader, read_input, read_inputs
    from .resolve import ResolveReport
    from .texbib import KeyOutcome, TexReport
    from .writers import WRITERS, Writer, get_writer
    from .zotero.api import ZoteroClient
    from .zotero.sync import PullReport, PushedItem, PushReport

__all__ = [
    "NO_PROGRESS",
    "READERS",
    "WRITERS",
    "ArxivError",
    "Author",
    "BibParseError",
    "ConfigError",
    "EnrichReport",
    "Finding",
    "FoundId",
    "ImportReport",
    "InputError",
    "InvalidArxivId",
    "KeyOutcome",
    "Problems",
    "Progress",
    "Provenance",
    "PublishedOutcome",
    "PullReport",
    "PushOutcome",
    "PushReport",
    "PushedItem",
    "Reader",
    "RefbridgeError",
    "Reference",
    "ResolveOptions",
    "ResolveReport",
    "ServiceError",
    "Settings",
    "TexReport",
    "UnknownFormat",
    "UnreadableInput",
    "UnwritableOutput",
    "Writer",
    "ZoteroAuthError",
    "ZoteroClient",
    "ZoteroError",
    "enrich_file",
    "find_ids",
    "find_published_versions",
    "get_reader",
    "get_writer",
    "import_references",
    "load_settings",
    "pull",
    "push",
    "read_input",
    "read_inputs",
    "resolve_references",
    "tex_bibliography",
    "upgrade_published",
]


def _claim(obj: Any) -> None:
    """Name a public class `bridge.<name>` (as httpx does); exceptions keep `bridge.errors`.

    Functions keep their home module: their repr does not show it, and their doctests use
    that module's names.
    """
    if isinstance(obj, type) and not issubclass(obj, BaseException):
        obj.__module__ = "bridge"


# Where each public name lives. Nothing is imported until it is asked for: `python -m
# bridge` imports this package first, and `refbridge --version` or `ids` must not pay for
# bibtexparser, rapidfuzz, sqlite3 or the network libraries they never use.
_HOMES = {
    **dict.fromkeys(["EnrichReport", "FoundId", "ImportReport", "PublishedOutcome",
                     "PushOutcome", "ResolveOptions", "enrich_file", "find_ids",
                     "find_published_versions", "import_references", "pull", "push",
                     "resolve_references", "tex_bibliography"], "api"),
    "upgrade_published": "published.jobs", "Finding": "published.find",
    "TexReport": "texbib", "KeyOutcome": "texbib",
    "Settings": "config", "load_settings": "config",
    **dict.fromkeys(["ArxivError", "BibParseError", "ConfigError", "InputError",
                     "InvalidArxivId", "Problems", "RefbridgeError", "ServiceError",
                     "UnknownFormat", "UnreadableInput", "UnwritableOutput",
                     "ZoteroAuthError", "ZoteroError"], "errors"),
    "Author": "model", "Provenance": "model", "Reference": "model",
    "NO_PROGRESS": "progress", "Progress": "progress",
    **dict.fromkeys(["READERS", "Reader", "get_reader", "read_input", "read_inputs"],
                    "readers"),
    "ResolveReport": "resolve",
    "WRITERS": "writers", "Writer": "writers", "get_writer": "writers",
    "ZoteroClient": "zotero.api",
    **dict.fromkeys(["PullReport", "PushReport", "PushedItem"], "zotero.sync"),
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'bridge' has no attribute {name!r}")
    from importlib import import_module

    found = getattr(import_module(f".{_HOMES[name]}", __name__), name)
    _claim(found)
    globals()[name] = found  # asked once: later look-ups are plain attribute reads
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
