"""The `--published` step of import, enrich, push and tex, and its services' lifecycle.

`upgrade_published(refs, ...)` is the one call: records already resolved through arXiv go
in, the same records come out with each verified preprint replaced by its published
version, and the findings say what was found for every preprint (for reports).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from ..config import Settings, load_settings
from ..model import Reference
from ..progress import NO_PROGRESS, Progress
from ..resolve import Change, ResolveReport
from .find import Finding, find_published, is_preprint, upgrade

if TYPE_CHECKING:
    from .services import Services

__all__ = ["published_services", "upgrade_published", "upgrade_resolution"]


class _Options(Protocol):
    """The parts of `bridge.api.ResolveOptions` this step reads."""

    offline: bool
    refresh: bool
    use_cache: bool
    published: bool


@contextmanager
def published_services(settings: Settings, options: _Options) -> Iterator[Services]:
    """Crossref, Semantic Scholar and DBLP, with the run's cache (unless --no-cache)."""
    from .cache import PublishedCache
    from .services import Services

    cache = PublishedCache(settings.resolved_cache_path) if options.use_cache else None
    try:
        with Services(settings, cache=cache, offline=options.offline,
                      refresh=options.refresh) as services:
            yield services
    finally:
        if cache is not None:
            cache.close()


def upgrade_published(refs: list[Reference], *, settings: Settings | None = None,
                      options: _Options | None = None, progress: Progress = NO_PROGRESS,
                      ) -> tuple[list[Reference], list[Finding]]:
    """`refs` (already resolved through arXiv), each preprint whose published version is
    found and verified replaced by that version; and what was found for every preprint.

    Records not cited as arXiv preprints (a user's own `@inproceedings`, a book) pass
    through untouched, as do preprints with no verified published version. This is the
    function `refbridge tex --published` calls on the entries it resolves.
    """
    from ..api import ResolveOptions

    settings = settings or load_settings()
    options = options or ResolveOptions(published=True)
    wanted = [ref for ref in refs if ref.arxiv_id and is_preprint(ref)]
    if not wanted:
        return list(refs), []
    with published_services(settings, options) as services:
        findings = find_published(wanted, services, progress=progress)
    upgraded = {id(f.preprint): upgrade(f.preprint, f.candidate) for f in findings
                if f.status == "published" and f.candidate is not None}
    return [upgraded.get(id(ref), ref) for ref in refs], findings


def upgrade_resolution(resolution: ResolveReport, settings: Settings, options: _Options,
                       progress: Progress = NO_PROGRESS) -> list[Finding]:
    """With `options.published`, upgrade `resolution.references` in place (logging each
    change in `resolution.changes`); the findings. Without it, nothing happens."""
    if not options.published:
        return []
    before = list(resolution.references)
    resolution.references, findings = upgrade_published(
        before, settings=settings, options=options, progress=progress)
    for old, new in zip(before, resolution.references, strict=True):
        if new is old:
            continue
        label = old.key or old.describe()
        for name in ("entry_type", "doi", "date"):
            if getattr(old, name) != getattr(new, name):
                resolution.changes.append(Change(label, name, getattr(old, name),
                                                 str(getattr(new, name))))
        for name in sorted(set(old.fields) | set(new.fields)):
            if old.fields.get(name) != new.fields.get(name) and name in new.fields:
                resolution.changes.append(Change(label, name, old.fields.get(name),
                                                 new.fields[name]))
    return findings
