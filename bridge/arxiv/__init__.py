"""arXiv access: the batched, polite `ArxivClient` and its SQLite `MetadataCache`."""

from .cache import MetadataCache
from .client import ArxivClient, LookupResult

__all__ = ["ArxivClient", "LookupResult", "MetadataCache"]
