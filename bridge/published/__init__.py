"""Published versions of arXiv preprints: found through arXiv's journal DOI, Semantic
Scholar, Crossref and DBLP, verified against the arXiv record, and cited in their place.

`upgrade_published` is the step `--published` adds to import, enrich, push and tex;
`find_published` and `verify_published` are its pure-ish parts (the services are passed in).
"""

from .find import Finding, find_published, upgrade
from .jobs import upgrade_published
from .verify import AUTHOR_OVERLAP_THRESHOLD, TITLE_THRESHOLD, Evidence, verify_published

__all__ = [
    "AUTHOR_OVERLAP_THRESHOLD",
    "TITLE_THRESHOLD",
    "Evidence",
    "Finding",
    "find_published",
    "upgrade",
    "upgrade_published",
    "verify_published",
]
