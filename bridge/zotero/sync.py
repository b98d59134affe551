"""Push references into a Zotero library without duplicates; pull a library into a .bib.

`push` checks the API key may write, brings the duplicate index (`bridge.zotero.index`) up
to date with as few reads as the library's changes allow, skips every paper the library
already has (in any of the three arXiv shapes, by arXiv id, DOI or title and year), files
those into the target collection when one is given, and creates the rest in batches of 50
(the client's). A second identical push writes nothing.

Collections are named by path: `--collection "Thesis/Chapter 2"` is the subcollection
`Chapter 2` of the top-level collection `Thesis`; each missing level is created, existing
ones reused (the first by key when siblings share a name). A top-level collection whose own
name contains `/` is found by its whole name first.

`pull` reads a library, or a collection (and, with `recursive`, its subcollections), skips
notes and attachments, and gives every reference a unique key: Zotero's `citationKey` where
set, else one made by `bridge.citekeys`. `pull_to_file` writes them with the BibTeX writer;
pulling again into an existing file changes it only where Zotero changed: entries are
matched by the key an earlier pull wrote the item under (remembered in the cache file), by
citation key, or by the paper's identity (arXiv id, DOI, title and year), only
fields whose value differs are rewritten, new papers are appended, and every other byte is
kept. Fields removed in Zotero, and entry types changed there, are not removed or changed
in the file (edits never delete what a user may have added by hand). A whole library is
read in full once; `pull_to_file` keeps its items in the cache file and later asks only
for what changed since (`LibraryIndex.library_items`), so re-pulling an unchanged library
of any size takes one or two requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io import update_file
from ..citekeys import DEFAULT_FORMULA, assign_keys, repair_keys
from ..config import load_settings
from ..errors import InputError
from ..model import Reference
from ..progress import NO_PROGRESS, Progress
from ..published.zotero import published_item
from .api import new_object_key
from .index import LibraryIndex, RefreshStats
from .items import (
    identity_keys,
    is_regular_item,
    item_to_reference,
    reference_children,
)

__all__ = ["PullReport", "PushReport", "PushedItem", "find_collection", "pull",
           "pull_to_file", "push"]


@dataclass(frozen=True)
class PushedItem:
    """One reference of a push and what became of it."""

    reference: Reference
    key: str | None
    """The Zotero item key (None for an item a dry run would create, or one that failed)."""
    reason: str | None = None
    """Why it failed, for `PushReport.failed`."""

    def __str__(self) -> str:
        where = f" (Zotero item {self.key})" if self.key else ""
        why = f": {self.reason}" if self.reason else ""
        return f"{self.reference.describe()}{where}{why}"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"arxiv_id": self.reference.arxiv_id,
                               "title": self.reference.title, "zotero_key": self.key}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class PushReport:
    """What a push did (or, with `dry_run`, would do)."""

    created: list[PushedItem] = field(default_factory=list)
    already_present: list[PushedItem] = field(default_factory=list)
    """Papers the library had (or that came twice in the input), with the item they are."""
    filed: list[PushedItem] = field(default_factory=list)
    """The already-present items added to the target collection (also in already_present)."""
    failed: list[PushedItem] = field(default_factory=list)
    collection: str | None = None
    """Key of the target collection (None in a dry run that would create it)."""
    collections_created: list[str] = field(default_factory=list)
    """Names of the collection levels created (or that a dry run would create)."""
    dry_run: bool = False
    refresh: RefreshStats | None = None
    requests_made: int = 0
    writes_made: int = 0

    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        return (f"{verb} {len(self.created)}, already present {len(self.already_present)}, "
                f"filed {len(self.filed)}, failed {len(self.failed)}")

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "created": [p.as_json() for p in self.created],
            "already_present": [p.as_json() for p in self.already_present],
            "filed": [p.as_json() for p in self.filed],
            "failed": [p.as_json() for p in self.failed],
            "collection": self.collection,
            "collections_created": list(self.collections_created),
            "requests_made": self.requests_made,
            "writes_made": self.writes_made,
        }


@dataclass
class PullReport:
    """What `pull_to_file` wrote."""

    path: str
    references: list[Reference]
    added: list[str] = field(default_factory=list)
    """Keys of the entries appended (all of them for a new file)."""
    updated: list[str] = field(default_factory=list)
    """Keys of the existing entries whose fields were rewritten."""
    unchanged: list[str] = field(default_factory=list)
    written: bool = False
    """False when the file already said everything (it is then not touched at all)."""

    def summary(self) -> str:
        if not self.written:
            return f"{self.path} is up to date ({len(self.references)} entries)"
        return (f"wrote {self.path}: {len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged")

    def as_json(self) -> dict[str, Any]:
        return {"output": self.path, "entries": len(self.references), "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged,
                "written": self.written}


# ---------------------------------------------------------------------------------- push


def push(refs: Sequence[Reference], client: Any, *, collection: str | None = None,
         tags: Iterable[str] = (), dry_run: bool = False,
         index_path: str | Path | None = None,
         progress: Progress = NO_PROGRESS,
         keyed: Callable[[list[Reference]], list[Reference]] | None = None) -> PushReport:
    """Create the Zotero items for `refs` that the library does not have yet.

    `client` is a `bridge.zotero.api.ZoteroClient`. `index_path` is the SQLite file of the
    duplicate index (default: the cache file of the settings). With `dry_run` nothing is
    written to Zotero; the report says what would be created and filed. `keyed`, when
    given, returns the papers to be created with the citation keys they are created under
    (`citationKey`): it is called for those papers only, so a push of papers the library
    already has makes no key.
    """
    requests_before, writes_before = client.requests_made, client.writes_made
    info = client.check_key() if dry_run else client.require_write()
    report = PushReport(dry_run=dry_run)
    path = index_path if index_path is not None else load_settings().resolved_cache_path
    tags = tuple(tags)
    with LibraryIndex(path, info.library) as index:
        writes_start = client.writes_made
        if collection:
            report.collection, report.collections_created = _collection_for_push(
                client, collection, dry_run)
        # Read the items last: every write below is made against the library version this
        # read brought (If-Unmodified-Since-Version), so a 412 tells us another client wrote
        # something we have not checked for duplicates (see `_create`).
        report.refresh = index.refresh(client, progress=progress)
        start_version = report.refresh.version
        if not dry_run:
            client.write_against(start_version)

        new: list[Reference] = []
        pending: dict[str, int] = {}  # identity key -> position in new
        to_file: list[tuple[Reference, Any]] = []
        for ref in refs:
            entry = index.find(ref)
            if entry is not None:
                report.already_present.append(PushedItem(ref, entry.key))
                if collection and report.collection not in entry.collections:
                    to_file.append((ref, entry))
                continue
            twin = _pending_twin(ref, pending, new)
            if twin is not None:
                report.already_present.append(PushedItem(ref, None))
                continue
            for ident in identity_keys(ref):
                pending.setdefault(ident, len(new))
            new.append(ref)
        if keyed is not None and new:
            new = keyed(new)
        members = [report.collection] if report.collection else []
        # A preprint cited as its published version (--published) becomes the item
        # Zotero's arXiv translator makes for a paper with a journal DOI.
        to_create = [(ref, published_item(ref, collections=members, tags=tags))
                     for ref in new]

        if dry_run:
            report.created = [PushedItem(ref, None) for ref, _ in to_create]
            report.filed = [PushedItem(ref, entry.key) for ref, entry in to_file]
        else:
            to_file += _create(client, index, to_create, report, progress)
            _file(client, index, to_file, report, progress)
            # Every write bumps the library version by one; if the version moved by exactly
            # our writes, nobody else wrote meanwhile and the index (which recorded ours)
            # is current: the next push then reads nothing but `since`.
            if (start_version is not None
                    and client.library_version - start_version == client.writes_made
                    - writes_start):
                index.set_version(client.library_version)
    _fix_twins(report)
    report.requests_made = client.requests_made - requests_before
    report.writes_made = client.writes_made - writes_before
    return report


def _pending_twin(ref: Reference, pending: dict[str, int],
                  new: list[Reference]) -> int | None:
    """Position of a paper already queued for creation that is the same as `ref`."""
    for ident in sorted(identity_keys(ref)):
        position = pending.get(ident)
        if position is None:
            continue
        other = new[position]
        if ident.startswith("title:") and ref.ids_conflict(arxiv_id=other.arxiv_id,
                                                           doi=other.doi):
            continue
        return position
    return None


def _fix_twins(report: PushReport) -> None:
    """Point input duplicates of a created paper at the key it was created under."""
    created: dict[str, str | None] = {}
    for pushed in report.created:
        for ident in identity_keys(pushed.reference):
            created.setdefault(ident, pushed.key)
    report.already_present = [
        PushedItem(p.reference, next((created[i] for i in sorted(identity_keys(p.reference))
                                      if i in created), None))
        if p.key is None else p
        for p in report.already_present]


def _create(client: Any, index: LibraryIndex,
            to_create: list[tuple[Reference, dict[str, Any]]], report: PushReport,
            progress: Progress) -> list[tuple[Reference, Any]]:
    """Create the queued items; returns those another client created meanwhile that still
    need filing into the target collection."""
    if not to_create:
        return []
    items = [item for _, item in to_create]
    # Child notes and file links follow their parents in the same write, under the key the
    # parent is given here (Zotero creates a batch in order).
    children: list[tuple[int, dict[str, Any]]] = []
    # Zotero takes links to local files only in a user's own library.
    in_group = str(client.library or "").startswith("group:")
    for position, (ref, item) in enumerate(to_create):
        for child in reference_children(ref):
            if in_group and child.get("linkMode") == "linked_file":
                continue
            item.setdefault("key", new_object_key())
            children.append((position, {**child, "parentItem": item["key"]}))
    found: dict[int, Any] = {}

    def recheck(positions: list[int]) -> dict[int, str]:
        # A 412: someone else wrote to the library. Read what changed (since the index's
        # version) and drop the papers it now has, so that a concurrent push of the same
        # papers does not create them twice; their notes and links go with them.
        client.write_against(index.refresh(client).version)
        for position in positions:
            if position < len(items) and (entry := index.find(to_create[position][0])):
                found[position] = entry
        dropped = {position: found[position].key for position in positions
                   if position in found}
        for offset, (parent, _) in enumerate(children):
            if parent in found and len(items) + offset in positions:
                dropped[len(items) + offset] = found[parent].key
        return dropped

    result = client.create_items(items + [child for _, child in children], progress=progress,
                                 recheck=recheck)
    failures = {failure.index: failure for failure in result.failed}
    stored = []
    to_file: list[tuple[Reference, Any]] = []
    for position, (ref, item) in enumerate(to_create):
        if position in failures:
            report.failed.append(PushedItem(ref, None, str(failures[position])))
            continue
        if position in result.present:
            entry = found[position]
            report.already_present.append(PushedItem(ref, entry.key))
            if report.collection and report.collection not in entry.collections:
                to_file.append((ref, entry))
            continue
        key = result.keys.get(position) or result.unchanged.get(position)
        data = result.objects.get(position) or {**item, "key": key,
                                                "version": result.library_version or 0}
        stored.append(data)
        report.created.append(PushedItem(ref, key))
    for offset, (position, _) in enumerate(children):
        if (failure := failures.get(len(items) + offset)) and position not in failures:
            # The paper is there (and indexed, so it is never made twice), not all of it.
            ref = to_create[position][0]
            report.failed.append(PushedItem(ref, result.keys.get(position),
                                            f"a note or file link of it: {failure}"))
    index.add_many(stored)
    return to_file


def _file(client: Any, index: LibraryIndex, to_file: list[tuple[Reference, Any]],
          report: PushReport, progress: Progress) -> None:
    # One update per item, even if several input references are the same item.
    by_key: dict[str, Any] = {}
    for _, entry in to_file:
        by_key.setdefault(entry.key, entry)
    if not by_key:
        return
    entries = list(by_key.values())
    updates = [{"key": e.key, "version": e.version,
                "collections": [*e.collections, report.collection]} for e in entries]
    result = client.update_items(updates, progress=progress)
    failures = {failure.index: failure for failure in result.failed}
    done: dict[str, str | None] = {}
    for position, entry in enumerate(entries):
        failure = failures.get(position)
        done[entry.key] = str(failure) if failure else None
        if failure is None and position in result.objects:
            index.add(result.objects[position])
    for ref, entry in to_file:
        reason = done.get(entry.key)
        if reason is None:
            report.filed.append(PushedItem(ref, entry.key))
        else:
            report.failed.append(PushedItem(ref, entry.key, reason))


def _collection_for_push(client: Any, path: str,
                         dry_run: bool) -> tuple[str | None, list[str]]:
    """The key of the collection at `path`, creating missing levels (not in a dry run)."""
    existing = client.collections()
    found = find_collection(existing, path)
    if found is not None:
        return found, []
    parent: str | None = None
    created: list[str] = []
    for name in _levels(path):
        # Below a level that had to be created nothing can exist yet.
        key = None if created else _child(existing, name, parent)
        if key is None:
            created.append(name)
            if not dry_run:
                # Another push may be creating the same level right now: on a 412 the
                # collections are read again and theirs is used (`_child` picks the same
                # one everywhere even if two were made).
                key = client.create_collection(
                    name, parent, find_existing=lambda name=name, parent=parent: _child(
                        client.collections(), name, parent))
        parent = key
    return parent, created


def _levels(path: str) -> list[str]:
    levels = [part.strip() for part in path.split("/") if part.strip()]
    if not levels:
        raise InputError(f"{path!r} is not a collection name")
    return levels


def _child(existing: list[dict[str, Any]], name: str, parent: str | None) -> str | None:
    matches = sorted(str(c["key"]) for c in existing
                     if c.get("name") == name and (c.get("parentCollection") or None) == parent)
    return matches[0] if matches else None


def find_collection(existing: list[dict[str, Any]], path: str) -> str | None:
    """The key of the collection named by `path` (`A/B` nested) among `existing`, or None.

    >>> cols = [{"key": "AAAA2222", "name": "A", "parentCollection": False},
    ...         {"key": "BBBB3333", "name": "B", "parentCollection": "AAAA2222"},
    ...         {"key": "CCCC4444", "name": "x/y", "parentCollection": False}]
    >>> find_collection(cols, "A/B"), find_collection(cols, "x/y"), find_collection(cols, "B")
    ('BBBB3333', 'CCCC4444', None)
    """
    whole = _child(existing, path.strip(), None)
    if whole is not None:
        return whole
    parent: str | None = None
    for name in _levels(path):
        parent = _child(existing, name, parent)
        if parent is None:
            return None
    return parent


# ---------------------------------------------------------------------------------- pull


def pull(client: Any, *, collection: str | None = None, recursive: bool = False,
         formula: str = DEFAULT_FORMULA, taken: set[str] | None = None,
         progress: Progress = NO_PROGRESS) -> list[Reference]:
    """The references of a library or collection, each with a unique, stable citation key.

    Items come oldest first (by date added, then key), so keys made for new items never
    take the suffix of an older one. Notes, attachments and trashed items are left out.
    """
    refs = _pull_references(client, collection=collection, recursive=recursive,
                            progress=progress)
    _assign(refs, formula, taken if taken is not None else set())
    return refs


def _pull_references(client: Any, *, collection: str | None, recursive: bool,
                     progress: Progress, index: LibraryIndex | None = None) -> list[Reference]:
    """The library's (or collection's) references; with `index`, a whole library is read
    only where it changed since the index last read it (`LibraryIndex.library_items`)."""
    info = client.check_key()
    key = None
    if collection:
        key = find_collection(client.collections(), collection)
        if key is None:
            raise InputError(f"Zotero library {info.library} has no collection {collection!r}")
    # A whole library is read with its child notes and file links (they are the entries'
    # `note` and `file`); a collection holds only top-level items.
    if index is not None and key is None:
        listed, _ = index.library_items(client, progress=progress)
    else:
        listed = [data for data in client.iter_items(collection=key, recursive=recursive,
                                                     top=key is not None, progress=progress)
                  if not data.get("deleted")]
    # Children oldest first (then as listed): Zotero lists the newest change first, and a
    # file must not reorder an entry's notes because one was edited, nor come out otherwise
    # when the items were read over several pulls.
    children: dict[str, list[dict[str, Any]]] = {}
    for data in sorted(listed, key=lambda d: d.get("dateAdded") or ""):
        if data.get("parentItem"):
            children.setdefault(data["parentItem"], []).append(data)
    items = [data for data in listed if is_regular_item(data)]
    items.sort(key=lambda d: (d.get("dateAdded") or "", d.get("key") or ""))
    return [item_to_reference(data, library=info.library,
                              children=children.get(data.get("key") or "", []))
            for data in items]


def _assign(refs: list[Reference], formula: str, taken: set[str]) -> None:
    """Keep Zotero's citation keys unless two items share one; make keys for the rest."""
    repair_keys(refs, taken)
    assign_keys(refs, formula=formula, taken=taken)


def pull_to_file(client: Any, path: str | Path, *, collection: str | None = None,
                 recursive: bool = False, dialect: str = "bibtex",
                 formula: str = DEFAULT_FORMULA, index_path: str | Path | None = None,
                 progress: Progress = NO_PROGRESS) -> PullReport:
    """Write a library or collection to `path`; update an existing .bib losslessly.

    `dialect` is a writer name (`bibtex`, `biblatex`, `csl-json`); only the two BibTeX
    dialects update an existing file in place, CSL-JSON is rewritten whole. `index_path`
    is the SQLite cache file (default: the settings' one) where the citation key written
    for each Zotero item is remembered, so a re-pull finds its entry even if the item's
    title, ids and citation key all changed.
    """
    from ..writers import get_writer

    target = Path(path)
    client.check_key()  # names the library, when the key's own is meant
    bib = dialect in ("bibtex", "biblatex")
    cache = index_path if index_path is not None else load_settings().resolved_cache_path
    with LibraryIndex(cache, client.library) as index:
        refs = _pull_references(client, collection=collection, recursive=recursive,
                                progress=progress, index=index)
        report = PullReport(str(target), refs)
        written_as = index.pulled_keys(target)

        def pulled_into(text: str | None) -> str | None:
            if bib and text is not None and text.strip():
                return _update_text(text, str(target), refs, dialect, formula, report,
                                    written_as)
            fresh = [ref.copy() for ref in refs]
            _assign(fresh, formula, set())
            report.added, report.updated, report.unchanged = [r.key or "" for r in fresh], [], []
            for ref, keyed in zip(refs, fresh, strict=True):
                ref.key = keyed.key
            new_text = get_writer(dialect).to_string(fresh)
            return None if new_text == text else new_text

        report.written = update_file(target, pulled_into)
        index.record_pulled(target, {ref.provenance.zotero_key: ref.key for ref in refs
                                     if ref.provenance and ref.provenance.zotero_key
                                     and ref.key})
    return report


def _update_text(text: str, source: str, refs: list[Reference], dialect: str, formula: str,
                 report: PullReport, written_as: dict[str, str]) -> str | None:
    """The .bib text with Zotero's changes merged in (None when it says everything already).

    Each reference finds its entry by the key an earlier pull wrote it under, by its
    citation key, then by identity (arXiv id, DOI, title and year); found entries get
    changed and missing fields, the rest are appended under fresh keys.
    """
    from ..bibfile import MergePlan, merge

    incoming = [ref.copy() for ref in refs]
    repair_keys(incoming)

    def keys_of(ref: Reference) -> tuple[str | None, ...]:
        zotero_key = ref.provenance.zotero_key if ref.provenance else None
        return (written_as.get(zotero_key or ""), ref.key)

    result = merge(text, source, MergePlan(references=incoming, existing="update",
                                           dialect=dialect, formula=formula,
                                           keys_of=keys_of, identity=identity_keys))
    # The report's references carry the keys they have in the file now.
    final = {ref.provenance.zotero_key: ref.key for ref in (*result.present, *result.written)
             if ref.provenance and ref.provenance.zotero_key}
    for ref in refs:
        if ref.provenance and ref.provenance.zotero_key in final:
            ref.key = final[ref.provenance.zotero_key]
    report.added = list(result.appended)
    report.updated = result.filled + result.updated
    report.unchanged = list(result.unchanged)
    return result.text if result.changed else None
