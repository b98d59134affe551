"""The jobs refbridge does, as Python functions: the command line is a thin layer over these.

Each job takes plain arguments and a `Settings`, returns a report dataclass, never prints and
never exits. Errors are the classes in `bridge.errors`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import arxiv_id
from ._io import STDIN, STDOUT, check_writable, read_input_text, update_file
from .citekeys import with_keys
from .errors import ConfigError, InputError, Problems, UnreadableInput
from .model import Reference
from .progress import NO_PROGRESS, Progress
from .readers import detect_format, read_inputs
from .writers import Writer, get_writer

# The service layers (the arxiv package, httpx, sqlite3), the .bib editor (bibtexparser)
# and the published-version finder are imported where they are used: they would make the
# start-up of `refbridge ids` several times slower, and it needs none of them.
if TYPE_CHECKING:
    from .arxiv.client import ArxivClient
    from .config import Settings
    from .published.find import Finding
    from .resolve import Change, ResolveReport
    from .texbib import TexReport
    from .zotero.api import ZoteroClient
    from .zotero.sync import PullReport, PushReport

__all__ = [
    "EnrichReport",
    "FoundId",
    "ImportReport",
    "PublishedOutcome",
    "PushOutcome",
    "ResolveOptions",
    "enrich_file",
    "find_ids",
    "find_published_versions",
    "import_references",
    "pull",
    "push",
    "resolve_references",
    "tex_bibliography",
]


@dataclass(frozen=True)
class FoundId:
    """An arXiv id found in an input, with where it was found."""

    id: str
    source: str
    line: int | None


@dataclass(frozen=True)
class ResolveOptions:
    """How to talk to arXiv and how to fill fields; the CLI's shared flags."""

    offline: bool = False
    refresh: bool = False
    use_cache: bool = True
    overwrite: bool = False
    date_policy: str | None = None
    """`first` or `latest`; None means the setting (default `first`)."""
    published: bool = False
    """Cite a preprint whose published version is found and verified as that version."""


# ---------------------------------------------------------------------------- ids


def find_ids(inputs: Iterable[str], problems: Problems | None = None) -> list[FoundId]:
    """Every arXiv id in the inputs, first-seen order, no duplicates.

    `.bib` inputs are read as BibTeX (so `eprint` + `archivePrefix` count and a googlebooks
    eprint does not); everything else is scanned as text.
    """
    problems = problems if problems is not None else Problems()
    seen: set[str] = set()
    found: list[FoundId] = []

    def add(identifier: str, source: str, line: int | None) -> None:
        if identifier not in seen:
            seen.add(identifier)
            found.append(FoundId(identifier, source, line))

    for name in inputs:
        text = read_input_text(name)
        source = "<stdin>" if name == STDIN else name
        if detect_format(name, text).name == "bibtex":
            from .readers.bibtex import parse_bib

            for ref in parse_bib(text, source, problems).arxiv_references():
                if identifier := ref.versioned_id or ref.arxiv_id:
                    add(identifier, source, ref.provenance.line if ref.provenance else None)
            continue
        # Line numbers are counted as the matches come, and only up to the new ones: a
        # large text has millions of lines and few distinct ids.
        line, counted_to = 1, 0
        for match in arxiv_id.iter_ids(text):
            identifier = match.arxiv_id.versioned
            if identifier not in seen:
                line += text.count("\n", counted_to, match.start)
                counted_to = match.start
                add(identifier, source, line)
    return found


def _loaded(settings: Settings | None) -> Settings:
    from .config import load_settings

    return settings or load_settings()


# ---------------------------------------------------------------------------- resolve


@contextmanager
def _arxiv_client(settings: Settings, options: ResolveOptions,
                  progress: Progress) -> Iterator[ArxivClient]:
    import sqlite3

    from .arxiv.cache import MetadataCache
    from .arxiv.client import ArxivClient

    cache = None
    if options.use_cache:
        path = settings.resolved_cache_path
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            cache = MetadataCache(path)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{path}: cannot use as the arXiv cache ({exc}); set "
                              "REFBRIDGE_CACHE elsewhere, or run with --no-cache") from exc
    try:
        with ArxivClient(settings, cache=cache, offline=options.offline,
                         refresh=options.refresh, progress=progress) as client:
            yield client
    finally:
        if cache is not None:
            cache.close()


def _needs_arxiv(ref: Reference) -> bool:
    """Whether arXiv should be asked about a record.

    Records with an id are looked up. Records without one are searched only when they came
    from pasted text (no entry type): a `.bib` entry without an arXiv id is the user's own
    journal paper or book, and stays as it is.
    """
    return bool(ref.arxiv_id) or ref.entry_type is None


def resolve_references(refs: list[Reference], *, settings: Settings | None = None,
                       options: ResolveOptions = ResolveOptions(),
                       progress: Progress = NO_PROGRESS) -> ResolveReport:
    """Fill every record that names (or may be) an arXiv paper.

    The report's `references` holds every input record, in input order, filled where
    arXiv knew more; records that need no lookup pass through unchanged.
    """
    settings = _loaded(settings)
    from .resolve import ResolveReport, resolve

    wanted = [i for i, ref in enumerate(refs) if _needs_arxiv(ref)]
    if not wanted:
        return ResolveReport(references=list(refs), resolved=[], found_by_search=[],
                             not_found=[], ambiguous=[], changes=[])
    date_policy = options.date_policy or settings.date
    with _arxiv_client(settings, options, progress) as client:
        report = resolve([refs[i] for i in wanted], client, overwrite=options.overwrite,
                         date_policy=date_policy, progress=progress)
    merged = list(refs)
    for index, filled in zip(wanted, report.references, strict=True):
        merged[index] = filled
    report.references = merged
    return report


# ---------------------------------------------------------------------------- published


@dataclass
class PublishedOutcome:
    """What `find_published_versions` found: one finding per arXiv preprint in the inputs."""

    findings: list[Finding]
    resolution: ResolveReport
    problems: Problems


def find_published_versions(inputs: list[str], *, settings: Settings | None = None,
                            options: ResolveOptions = ResolveOptions(),
                            strict: bool = False,
                            progress: Progress = NO_PROGRESS) -> PublishedOutcome:
    """Which preprints in the inputs have a published version, with the evidence.

    Changes nothing: the inputs are read, resolved through arXiv, and each preprint is
    looked up (arXiv DOI -> Crossref; else Semantic Scholar -> Crossref or DBLP).
    """
    from .published.jobs import find_upgrades

    settings = _loaded(settings)
    problems = Problems(strict=strict)
    refs = read_inputs(inputs, problems)
    resolution = resolve_references(refs, settings=settings, options=options,
                                    progress=progress)
    # Keyed as import would key them, so the report names entries the way the .bib will.
    papers = with_keys([ref for ref in _to_write(resolution) if ref.arxiv_id],
                       formula=settings.citekey)
    findings = find_upgrades(papers, settings=settings, options=options, progress=progress)
    return PublishedOutcome(findings, resolution, problems)


# ---------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What `import_references` did."""

    output: str
    written: list[Reference] = field(default_factory=list)
    already_in_output: list[Reference] = field(default_factory=list)
    resolution: ResolveReport | None = None
    problems: Problems = field(default_factory=Problems)
    published: list[Finding] = field(default_factory=list)
    """With `--published`: what was found for each preprint."""

    @property
    def complete(self) -> bool:
        res = self.resolution
        return not (res and (res.not_found or res.ambiguous))


def _to_write(resolution: ResolveReport) -> list[Reference]:
    """The records of a resolution that belong in an output, in order, each paper once.

    A `.bib` entry is the user's own data and always stays. A record from pasted text is
    only a clue (a line that looked like a title, an id, an abstract) until arXiv confirms
    it, so one that could not be resolved is listed, never written as a stub.
    """
    unresolved = {id(ref) for ref in resolution.not_found}
    unresolved |= {id(ref) for ref, _ in resolution.ambiguous}
    kept: list[Reference] = []
    seen_ids: set[str] = set()
    for ref in resolution.references:
        if ref.arxiv_id and ref.arxiv_id in seen_ids:
            continue
        if ref.entry_type is None and id(ref) in unresolved:
            continue
        if ref.arxiv_id:
            seen_ids.add(ref.arxiv_id)
        kept.append(ref)
    return kept


def import_references(inputs: list[str], output: str, *, fmt: str | None = None,
                      settings: Settings | None = None,
                      options: ResolveOptions = ResolveOptions(),
                      citekey: str | None = None, strict: bool = False,
                      progress: Progress = NO_PROGRESS) -> ImportReport:
    """Read the inputs, resolve them through arXiv, and write them to `output`.

    An existing BibTeX `output` is never rewritten: its bytes stay as they are, papers it
    already holds (same arXiv id or key) are skipped, and new entries are appended with keys
    that do not clash with its own.
    """
    from .bibfile import MergePlan, merge
    from .published.jobs import apply_upgrades, find_upgrades

    settings = _loaded(settings)
    problems = Problems(strict=strict)
    refs = read_inputs(inputs, problems)
    writer = get_writer(fmt, path=output)
    check_writable(output)
    # Read now so that an output we could not add to fails before any request.
    _Existing.read(output, writer, problems)
    report = ImportReport(output=output, problems=problems)
    report.resolution = resolve_references(refs, settings=settings, options=options,
                                           progress=progress)
    candidates = _to_write(report.resolution)
    formula = citekey or settings.citekey
    if options.published:
        report.published = find_upgrades(candidates, settings=settings, options=options,
                                         progress=progress)
    upgrade_log: list[Change] = []

    def add_new(text: str | None) -> str | None:
        # Runs on the output as it is at the moment of writing (again, if it changes
        # meanwhile), so entries another process or the user added are kept.
        if writer.name == "csl-json":
            existing = _Existing.from_text(output, writer, text or "", Problems())
            fresh = with_keys(existing.split(candidates, report), formula=formula,
                              taken=existing.keys)
            report.written, upgrade_log[:] = apply_upgrades(fresh, report.published)
            return existing.extended(writer, report.written) if report.written else None
        result = merge(text or "", output, MergePlan(references=candidates,
                                                     dialect=writer.name, formula=formula))
        report.already_in_output = result.present
        if report.published and result.written:
            # Keys come from the preprint (assigned by the merge above); then the upgraded
            # entries are written under them.
            upgraded, upgrade_log[:] = apply_upgrades(result.written, report.published)
            result = merge(text or "", output, MergePlan(references=upgraded,
                                                         dialect=writer.name, formula=None))
        report.written = result.written
        return result.text if result.written else None  # else no file is created

    update_file(output, add_new)
    report.resolution.changes.extend(upgrade_log)
    return report


@dataclass
class _Existing:
    """A CSL-JSON output file that is already there: what it holds, and how to add to it.

    (A `.bib` output is read and added to by `bridge.bibfile.merge`.)
    """

    text: str = ""
    kind: str = ""
    key_of: dict[str, str] = field(default_factory=dict)
    """arXiv id -> the citation key the paper already has in the file."""
    keys: set[str] = field(default_factory=set)
    items: list[object] = field(default_factory=list)

    @classmethod
    def read(cls, output: str, writer: Writer, problems: Problems) -> _Existing:
        if output == STDOUT or not Path(output).is_file():
            return cls()
        # keep_bom: appended-to text goes back whole, byte-order mark included.
        text = read_input_text(output, allow_empty=True, keep_bom=True)
        return cls.from_text(output, writer, text, problems)

    @classmethod
    def from_text(cls, output: str, writer: Writer, text: str, problems: Problems) -> _Existing:
        if writer.name == "csl-json":
            _refuse_non_csl_items(output, text)
            return cls._read_csl_json(output, text)
        from .bibfile import BibDocument

        BibDocument.parse(text, output, problems)  # reports what the merge would keep as is
        return cls(text, "bib")

    @classmethod
    def _read_csl_json(cls, output: str, text: str) -> _Existing:
        from .readers.csljson import csl_reference, load_json_items

        items = load_json_items(text, output)
        found = cls(text, "csl-json", items=items)
        for item in items:
            if isinstance(item, dict):
                ref = csl_reference(item, output)
                found.keys.add(ref.key or "")
                if ref.arxiv_id:
                    found.key_of.setdefault(ref.arxiv_id, ref.key or "")
        return found

    def split(self, refs: list[Reference], report: ImportReport) -> list[Reference]:
        """The refs the file lacks (same arXiv id or key); the others go to the report."""
        report.already_in_output = []
        fresh: list[Reference] = []
        for ref in refs:
            key = self.key_of.get(ref.arxiv_id or "") or (
                ref.key if ref.key in self.keys else None)
            if key:
                report.already_in_output.append(ref.copy(key=key))
            else:
                fresh.append(ref)
        return fresh

    def extended(self, writer: Writer, refs: list[Reference]) -> str:
        """The CSL-JSON array with `refs` added after every item it already holds."""
        items = [*self.items, *json.loads(writer.to_string(refs))]
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _refuse_non_csl_items(output: str, text: str) -> None:
    """Raise `UnreadableInput` for a JSON array whose items are not CSL items.

    CSL-JSON's schema requires an object with `id` and `type` for every item; appending
    our items to an array of anything else would make a file neither tool can read.
    """
    try:
        items = json.loads(text) if text.strip() else []
    except json.JSONDecodeError:
        return  # _read_csl_json names the syntax error
    if not isinstance(items, list):
        return
    for number, item in enumerate(items, start=1):
        if not (isinstance(item, dict) and "id" in item and "type" in item):
            raise UnreadableInput(output, f"is not CSL-JSON (item {number} is not an object "
                                          "with an id and a type); nothing was written")


# ---------------------------------------------------------------------------- enrich


@dataclass
class EnrichReport:
    """What `enrich_file` did (or, with dry_run, would do)."""

    path: str
    output: str | None
    old_text: str
    new_text: str
    edits: dict[int, dict[str, str]] = field(default_factory=dict)
    edited_keys: list[str] = field(default_factory=list)
    resolution: ResolveReport | None = None
    problems: Problems = field(default_factory=Problems)
    published: list[Finding] = field(default_factory=list)
    """With `--published`: what was found for each preprint."""

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text

    @property
    def complete(self) -> bool:
        res = self.resolution
        return not (res and (res.not_found or res.ambiguous))

    def diff(self) -> str:
        """A unified diff from the file as it was to the file as enriched."""
        import difflib

        target = self.output or self.path
        return "".join(difflib.unified_diff(
            self.old_text.splitlines(keepends=True), self.new_text.splitlines(keepends=True),
            fromfile=self.path, tofile=target))


def enrich_file(path: str, *, output: str | None = None, dry_run: bool = False,
                settings: Settings | None = None,
                options: ResolveOptions = ResolveOptions(), strict: bool = False,
                progress: Progress = NO_PROGRESS) -> EnrichReport:
    """Fill the missing fields of every entry in a .bib file that names an arXiv paper.

    Only the entries that change are re-rendered, and only in the fields that change; every
    other byte stays as it was. The result goes to `output` (or back to `path` when output
    is None), atomically; with `dry_run` nothing is written and the report carries the diff.
    """
    from .bibfile import BibDocument, MergePlan, merge
    from .published.edits import publish_entries
    from .published.jobs import apply_upgrades, find_upgrades

    settings = _loaded(settings)
    problems = Problems(strict=strict)
    if path == STDIN and output is None and not dry_run:
        raise InputError("standard input cannot be enriched in place; give -o OUT")
    source = "<stdin>" if path == STDIN else path
    text = read_input_text(path, keep_bom=True)
    if not dry_run:
        check_writable(output or path)
    document = BibDocument.parse(text, source, problems)
    targets = document.arxiv_references()
    resolution = resolve_references(targets, settings=settings, options=options,
                                    progress=progress)
    preprints = list(resolution.references)
    published = (find_upgrades(preprints, settings=settings, options=options,
                               progress=progress) if options.published else [])
    resolution.references, upgrade_log = apply_upgrades(preprints, published)
    resolution.changes.extend(upgrade_log)
    upgrades = {new.arxiv_id: (old, new) for old, new in zip(preprints, resolution.references,
                                                             strict=True)
                if new is not old and new.arxiv_id}
    plan = MergePlan(references=resolution.references, append=False,
                     existing="update" if options.overwrite else "fill")
    report = EnrichReport(path=source, output=output, old_text=text, new_text=text,
                          resolution=resolution, problems=problems, published=published)

    def fill(base: str) -> str:
        result = merge(base, source, plan, document=document)
        report.edits, report.edited_keys = result.edits, result.edited
        new_text = result.text
        if upgrades:  # --published: the type, the venue's values, stale arXiv-only fields
            new_text, published_keys = publish_entries(new_text, source, upgrades)
            report.edited_keys = list(dict.fromkeys([*report.edited_keys, *published_keys]))
        report.old_text, report.new_text = base, new_text
        return new_text

    if dry_run:
        fill(text)
    elif output is not None and os.path.abspath(output) != os.path.abspath(path):
        update_file(output, lambda _current: fill(text))
    else:
        # The merge runs on the file as it is at the moment of writing, so an entry another
        # process or the user added meanwhile stays.
        update_file(path, lambda now: _changed(now, fill(text if now is None else now)))
    return report


def _changed(old: str | None, new: str) -> str | None:
    return None if new == old else new


# ---------------------------------------------------------------------------- Zotero


def _zotero_client(settings: Settings, progress: Progress = NO_PROGRESS) -> ZoteroClient:
    from .zotero.api import ZoteroClient

    return ZoteroClient(settings, notify=progress.note)


@dataclass
class PushOutcome:
    """What `push` did: the Zotero side, the arXiv side, and what the reader noticed."""

    zotero: PushReport
    resolution: ResolveReport
    problems: Problems
    published: list[Finding] = field(default_factory=list)
    """With `--published`: what was found for each preprint."""


def push(inputs: list[str], *, collection: str | None = None, tags: Iterable[str] = (),
         dry_run: bool = False, settings: Settings | None = None,
         options: ResolveOptions = ResolveOptions(), strict: bool = False,
         progress: Progress = NO_PROGRESS) -> PushOutcome:
    """Resolve the inputs like `import_references`, then create the Zotero items missing.

    Papers already in the library are never created again; with `collection` they are
    filed into it.
    """
    from .published.jobs import apply_upgrades, find_upgrades
    from .zotero import sync

    settings = _loaded(settings)
    problems = Problems(strict=strict)
    refs = read_inputs(inputs, problems)
    resolution = resolve_references(refs, settings=settings, options=options,
                                    progress=progress)
    preprints = _to_write(resolution)
    published = (find_upgrades(preprints, settings=settings, options=options,
                               progress=progress) if options.published else [])
    pushable, upgrade_log = apply_upgrades(preprints, published)
    resolution.changes.extend(upgrade_log)
    preprint_of = {id(ref): preprint for ref, preprint in zip(pushable, preprints, strict=True)}

    def keyed(new: list[Reference]) -> list[Reference]:
        # New items carry our citation key in `citationKey`, as Better BibTeX would pin it;
        # made from the preprint, as import makes it, and only for the items created.
        keys = with_keys([preprint_of[id(ref)] for ref in new], formula=settings.citekey)
        return [ref.copy(key=key.key) for ref, key in zip(new, keys, strict=True)]

    with _zotero_client(settings, progress) as client:
        report = sync.push(pushable, client, collection=collection, tags=tuple(tags),
                           dry_run=dry_run, index_path=settings.resolved_cache_path,
                           progress=progress, keyed=keyed)
    return PushOutcome(report, resolution, problems, published)


def pull(output: str, *, collection: str | None = None, recursive: bool = False,
         fmt: str | None = None, settings: Settings | None = None,
         progress: Progress = NO_PROGRESS) -> PullReport:
    """Write a Zotero library, or one collection, to a BibTeX/BibLaTeX file."""
    from .zotero import sync

    settings = _loaded(settings)
    writer = get_writer(fmt, path=output)
    check_writable(output)
    with _zotero_client(settings, progress) as client:
        return sync.pull_to_file(client, output, collection=collection, recursive=recursive,
                                 dialect=writer.name, formula=settings.citekey,
                                 index_path=settings.resolved_cache_path, progress=progress)


# ---------------------------------------------------------------------------- tex


def tex_bibliography(manuscript: str, *, output: str | None = None, bibs: Iterable[str] = (),
                     check: bool = False, dry_run: bool = False,
                     settings: Settings | None = None,
                     options: ResolveOptions = ResolveOptions(), strict: bool = False,
                     progress: Progress = NO_PROGRESS) -> TexReport:
    """Give every key a LaTeX manuscript cites an entry in its .bib file (see `bridge.texbib`).

    `manuscript` is a .tex (inputs followed), .aux or .bcf; `output` defaults to the first
    .bib it names; `bibs` are master .bib files to copy missing entries from.
    """
    from .texbib import tex_bibliography as job

    return job(manuscript, output=output, bibs=list(bibs), check=check, dry_run=dry_run,
               settings=settings, options=options, strict=strict, progress=progress)
