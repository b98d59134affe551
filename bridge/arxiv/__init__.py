"""arXiv access: the batched, polite `ArxivClient` and its SQLite `MetadataCache`."""

from .cache import MetadataCache
from .client import USER_AGENT, ArxivClient, LookupResult

__all__ = ["USER_AGENT", "ArxivClient", "LookupResult", "MetadataCache"]
