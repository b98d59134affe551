"""refbridge: find arXiv papers in anything, resolve them, write BibTeX or Zotero items.

    >>> import bridge
    >>> [found.id for found in bridge.find_ids(["samples/incomplete.bib"])][:2]
    ['2310.13798', '2212.08073']

The public API is listed once, here; everything else is private to its module.
"""

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
    upgrade_published,
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
from .readers import read_input, read_inputs

__all__ = [
    "ArxivError",
    "Author",
    "BibParseError",
    "ConfigError",
    "EnrichReport",
    "FoundId",
    "ImportReport",
    "InputError",
    "InvalidArxivId",
    "Problems",
    "Provenance",
    "PublishedOutcome",
    "PushOutcome",
    "RefbridgeError",
    "Reference",
    "ResolveOptions",
    "ServiceError",
    "Settings",
    "UnknownFormat",
    "UnreadableInput",
    "UnwritableOutput",
    "ZoteroAuthError",
    "ZoteroError",
    "enrich_file",
    "find_ids",
    "find_published_versions",
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
