"""The `--published` step of import, enrich, push and tex, and its services' lifecycle.

`upgrade_published(refs, ...)` is the one call: records already resolved through arXiv go
in, the same records come out with each verified preprint replaced by its published
version, and the findings say what was found for every preprint (for reports). Its two
halves, `find_upgrades` (asks the services) and `apply_upgrades` (pure), let import and
push assign citation keys in between, from the preprint: a key never changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..config import Settings, load_settings
from ..model import Reference
from ..progress import NO_PROGRESS, Progress
from ..resolve import Change
from .find import Finding, find_published, upgrade

if TYPE_CHECKING:
    from ..api import ResolveOptions
    from .services import Services

__all__ = ["apply_upgrades", "find_upgrades", "published_services", "upgrade_published"]


@contextmanager
def published_services(settings: Settings, options: ResolveOptions,
                       progress: Progress = NO_PROGRESS) -> Iterator[Services]:
    """Crossref, Semantic Scholar and DBLP, with the run's cache (unless --no-cache)."""
    from .cache import PublishedCache
    from .services import Services

    cache = PublishedCache(settings.resolved_cache_path) if options.use_cache else None
    try:
        with Services(settings, cache=cache, offline=options.offline,
                      refresh=options.refresh, notify=progress.note) as services:
            yield services
    finally:
        if cache is not None:
            cache.close()


def find_upgrades(refs: list[Reference], *, settings: Settings | None = None,
                  options: ResolveOptions | None = None, progress: Progress = NO_PROGRESS,
                  ) -> list[Finding]:
    """What was found for every preprint among `refs` (records already resolved through
    arXiv). Records not cited as arXiv preprints (a user's own `@inproceedings`, a book)
    are not looked at."""
    from ..api import ResolveOptions, _arxiv_client

    settings = settings or load_settings()
    options = options if options is not None else ResolveOptions(published=True)
    wanted = [ref for ref in refs if ref.is_arxiv_preprint]
    if not wanted:
        return []
    # Candidates are verified against arXiv's own record, not the entry as the user wrote it
    # (a .bib entry may list only the first authors). Resolving just cached those records,
    # so this asks arXiv again only with --no-cache.
    lookup = ResolveOptions(offline=options.offline, use_cache=options.use_cache)
    with _arxiv_client(settings, lookup, progress) as client:
        records = client.lookup([ref.versioned_id or "" for ref in wanted]).found
    with published_services(settings, options, progress) as services:
        return find_published(wanted, services, records=records, progress=progress)


def apply_upgrades(refs: list[Reference], findings: list[Finding]
                   ) -> tuple[list[Reference], list[Change]]:
    """`refs` with every preprint that has a verified published version replaced by it (by
    arXiv id, so keys assigned meanwhile are kept), and the changes made; pure."""
    taken = {f.preprint.arxiv_id: f.candidate for f in findings
             if f.status == "published" and f.candidate is not None}
    out: list[Reference] = []
    changes: list[Change] = []
    for ref in refs:
        candidate = taken.get(ref.arxiv_id) if ref.is_arxiv_preprint else None
        if candidate is None:
            out.append(ref)
            continue
        new = upgrade(ref, candidate)
        out.append(new)
        label = ref.key or ref.describe()
        for name in ("entry_type", "doi", "date"):
            if getattr(ref, name) != getattr(new, name):
                changes.append(Change(label, name, getattr(ref, name), str(getattr(new, name))))
        for name in sorted(new.fields):
            if ref.fields.get(name) != new.fields[name]:
                changes.append(Change(label, name, ref.fields.get(name), new.fields[name]))
    return out, changes


def upgrade_published(refs: list[Reference], *, settings: Settings | None = None,
                      options: ResolveOptions | None = None, progress: Progress = NO_PROGRESS,
                      ) -> tuple[list[Reference], list[Finding]]:
    """`refs` (already resolved through arXiv, keys assigned), each preprint whose published
    version is found and verified replaced by that version; and what was found for every
    preprint. Preprints without a verified published version pass through untouched.

    This is the one call `refbridge tex --published` needs on the entries it resolves.
    """
    findings = find_upgrades(refs, settings=settings, options=options, progress=progress)
    upgraded, _ = apply_upgrades(refs, findings)
    return upgraded, findings
