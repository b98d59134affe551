"""Where the shared reference material lives (beside the repo, as in CI's clean clone)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
SAMPLES = SHARED / "samples"
BIB_CORPUS = CORPORA / "bib"
V1_DATA = CORPORA / "peers" / "python-bibtexparser" / "v1_data"
ATOM = CORPORA / "atom"
SCHEMA = SHARED / "zotero-schema.json"
