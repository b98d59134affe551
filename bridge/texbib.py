"""`refbridge tex`: give every key a LaTeX manuscript cites an entry in its .bib file.

The job (`tex_bibliography`), in order, for each key cited (`bridge.manuscript`):

1. **present**: the output already has it (or another .bib the manuscript names does);
   its bytes are never touched.
2. **copied**: the first `--bib` master file that has it gives its entry byte for byte, with
   the `@string`s it uses (and their own) and the entries it `crossref`s / `xref`s.
3. **copied** from Zotero (when `ZOTERO_API_KEY` is set): the item whose `citationKey`, or
   `Citation Key:` line in `extra`, is the key; written under that key.
4. **resolved**: a key that is itself an arXiv id or arXiv DOI (`2310.13798`,
   `arXiv:2310.13798`, `hep-th/9901001`, `10.48550/arXiv.2310.13798`) is looked up on arXiv
   (all such keys in one batched lookup, through the cache) and written under the key
   exactly as cited.
5. **missing**: none of them has it; reported with the file and line of its first citation.

New entries are appended after everything the output holds by `bridge.bibfile.merge` (the
one merge every command uses), written through `bridge._io.update_file`, which re-applies
it to whatever the file holds at the moment of writing; a second run finds them all present
and changes nothing. Two keys naming the
same paper (same arXiv id or DOI) are reported, never merged: the manuscript cites both.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._io import check_writable, read_input_text, update_file
from .bibfile import BibDocument, MergePlan, RawEntry, merge
from .config import Settings, load_settings
from .errors import InputError, Problems
from .manuscript import Citation, Manuscript, arxiv_id_of_key, doi_of_key, read_manuscript
from .model import Reference
from .progress import NO_PROGRESS, Progress
from .readers.bibtex import BibEntry

if TYPE_CHECKING:
    from .api import ResolveOptions
    from .published.find import Finding

__all__ = ["KeyOutcome", "TexReport", "tex_bibliography"]

PRESENT, COPIED, RESOLVED, MISSING = "present", "copied", "resolved", "missing"

# Fields naming other entries that bibtex (crossref) or biber (all four) must find too.
_CROSSREF_FIELDS = ("crossref", "xref", "entryset", "related")


@dataclass
class KeyOutcome:
    """What became of one cited key."""

    key: str
    status: str
    """`present`, `copied`, `resolved` or `missing`."""
    citation: Citation
    """Where it is first cited (for a crossref parent: where its child is)."""
    source: str | None = None
    """present: the .bib holding it; copied: the master file or `zotero:<library>`;
    resolved: `arxiv`."""
    arxiv_id: str | None = None
    doi: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "status": self.status, "source": self.source,
                "file": self.citation.source, "line": self.citation.line,
                "arxiv_id": self.arxiv_id, "doi": self.doi}


@dataclass
class TexReport:
    """What `tex_bibliography` did (or, with check / dry_run, would do)."""

    manuscript: Manuscript
    output: str
    outcomes: list[KeyOutcome] = field(default_factory=list)
    same_paper: list[tuple[str, list[str]]] = field(default_factory=list)
    """(`arXiv:<id>` or `doi:<doi>`, the keys that name it), for the warning."""
    old_text: str = ""
    new_text: str = ""
    existed: bool = True
    """Whether the output was there before; one that is not is created, even empty."""
    written: bool = False
    problems: Problems = field(default_factory=Problems)
    requests: int = 0
    """Requests sent to arXiv and Zotero (the cache answers the rest)."""
    published: list[Finding] = field(default_factory=list)
    """With `--published`: what was found for each preprint written from a record."""

    def with_status(self, status: str) -> list[KeyOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def missing(self) -> list[KeyOutcome]:
        return self.with_status(MISSING)

    @property
    def changed(self) -> bool:
        return self.new_text != self.old_text or not self.existed

    def diff(self) -> str:
        """A unified diff from the output as it is to the output as it would be."""
        return "".join(difflib.unified_diff(
            self.old_text.splitlines(keepends=True), self.new_text.splitlines(keepends=True),
            fromfile=self.output, tofile=self.output))

    def as_json(self) -> dict[str, object]:
        return {
            "manuscript": self.manuscript.path,
            "output": self.output,
            "written": self.written,
            "requests": self.requests,
            "keys": [o.as_json() for o in self.outcomes],
            "same_paper": [{"id": ident, "keys": keys} for ident, keys in self.same_paper],
            "counts": {status: len(self.with_status(status))
                       for status in (PRESENT, COPIED, RESOLVED, MISSING)},
        }


# ------------------------------------------------------------------------------- the job


def tex_bibliography(manuscript: str, *, output: str | None = None, bibs: Sequence[str] = (),
                     check: bool = False, dry_run: bool = False,
                     settings: Settings | None = None,
                     options: ResolveOptions | None = None, strict: bool = False,
                     progress: Progress = NO_PROGRESS) -> TexReport:
    """Give every key `manuscript` cites an entry in `output` (default: its first .bib).

    With `check` or `dry_run` nothing is written; the report says what would change.
    `options` set how id-keys are looked up on arXiv (offline, cache, date policy).
    """
    settings = settings or load_settings()
    ms = read_manuscript(manuscript)
    target = output or (ms.bib_files[0] if ms.bib_files else None)
    if target is None:
        raise InputError(f"{manuscript}: names no .bib file (no \\bibliography or "
                         "\\addbibresource); give -o OUT.bib")
    if not (check or dry_run):
        check_writable(target)
    report = TexReport(ms, target, problems=Problems(strict=strict))
    problems = report.problems

    # Masters are read before anything is asked of a service: a bad one costs no request.
    masters = [_Source.read(path, problems, must_exist=True) for path in bibs]
    out = _Source.read(target, problems, must_exist=False, keep_bom=True)
    report.old_text, report.existed = out.text, out.exists
    named = [_Source.read(path, problems, must_exist=False) for path in ms.bib_files
             if Path(path).resolve() != Path(target).resolve()]
    for source in named:
        if not source.exists:
            problems.add("the manuscript names this .bib file, which does not exist",
                         source.path)
    for command in ms.unfollowed:
        problems.add(f"cannot follow {command.key}: a macro makes the file name; its "
                     "citations are not counted", command.source, command.line)
    for citation in ms.padded:
        problems.add(f"key {citation.key!r} is followed by a space, which LaTeX keeps in "
                     "the key: the citation stays undefined; remove the space",
                     citation.source, citation.line)

    outcomes, raw_entries = _from_files(_wanted(ms, masters), [out, *named], masters,
                                        problems, progress)
    references: list[Reference] = []
    dialect = "biblatex" if ms.biblatex else "bibtex"
    still = [key for key, outcome in outcomes.items() if outcome.status == MISSING]
    if still and settings.zotero_api_key:
        found, requests = _from_zotero(still, settings, progress)
        report.requests += requests
        for key in still:
            if key in found:
                ref, library = found[key]
                references.append(ref.copy(key=key))
                outcomes[key] = _outcome(key, COPIED, outcomes[key].citation,
                                         f"zotero:{library}", ref)
        still = [key for key in still if outcomes[key].status == MISSING]
    id_keys = [key for key in still if arxiv_id_of_key(key)]
    if id_keys:
        resolved, requests = _from_arxiv(id_keys, settings, options, progress)
        report.requests += requests
        for key in id_keys:
            if key in resolved:
                references.append(resolved[key].copy(key=key))
                outcomes[key] = _outcome(key, RESOLVED, outcomes[key].citation, "arxiv",
                                         resolved[key])

    if references and options is not None and options.published:
        # Only what refbridge writes from a record (Zotero's, arXiv's) is upgraded; an entry
        # copied from a master or already in the output is the user's, byte for byte.
        from .published.jobs import upgrade_published

        references, report.published = upgrade_published(references, settings=settings,
                                                          options=options, progress=progress)
    report.outcomes = [outcomes[key] for key in outcomes]
    report.same_paper = _same_paper(report.outcomes)
    # Keys exactly as cited, matched by key only: an entry for the same paper under another
    # key does not give the cited key an entry.
    plan = MergePlan(references=references, raw_entries=raw_entries, dialect=dialect,
                     formula=None, identity=lambda ref: ())
    report.new_text = merge(out.text, target, plan).text
    if not (check or dry_run) and report.changed:
        def compute(current: str | None) -> str | None:
            merged = merge(current or "", target, plan)
            return merged.text if merged.changed or current is None else None

        report.written = update_file(target, compute)
    return report


def _from_files(wanted: list[tuple[str, Citation]], present: list[_Source],
                masters: list[_Source], problems: Problems, progress: Progress
                ) -> tuple[dict[str, KeyOutcome], list[RawEntry]]:
    """Each wanted key's outcome from the files alone (present, copied or missing), and the
    entries to copy, crossref parents after their children."""
    outcomes: dict[str, KeyOutcome] = {}
    raw_entries: list[RawEntry] = []
    progress.start("Finding cited keys", len(wanted))
    queue = deque(wanted)
    while queue:
        key, citation = queue.popleft()
        if key in outcomes:
            continue
        holder = next((s for s in present if key in s.entries), None)
        master = next((s for s in masters if key in s.entries), None)
        if holder is None and (holder := next(
                (s for s in present if key.lower() in s.lower_keys), None)) is not None:
            # Appending `key` would make two entries BibTeX cannot tell apart.
            written = holder.lower_keys[key.lower()]
            problems.add(f"key {key!r} is cited, but {holder.path} has it as {written!r}: "
                         "BibTeX finds it, biber does not (the citation stays undefined); "
                         "use one spelling", citation.source, citation.line)
            key_there = written
        else:
            key_there = key
        if holder is not None:
            outcomes[key] = _outcome(key, PRESENT, citation, holder.path,
                                     holder.reference(key_there))
        elif master is not None:
            raw_entries.append(master.raw(key))
            outcomes[key] = _outcome(key, COPIED, citation, master.path, master.reference(key))
            # A crossref parent (a set's members, related entries) must be in the same
            # file for bibtex and biber to find it.
            queue.extend((parent, citation) for parent in master.parents(key))
        else:
            outcomes[key] = KeyOutcome(key, MISSING, citation)
        progress.advance()
    progress.finish()
    return outcomes, raw_entries


def _wanted(ms: Manuscript, masters: list[_Source]) -> list[tuple[str, Citation]]:
    """Cited keys in source order; with `\\nocite{*}`, every entry of the masters after them."""
    wanted = [(c.key, c) for c in ms.citations]
    if ms.cites_all is not None:
        for master in masters:
            wanted.extend((key, ms.cites_all) for key in master.entries)
    return wanted


def _outcome(key: str, status: str, citation: Citation, source: str,
             ref: Reference | None) -> KeyOutcome:
    arxiv = (ref.arxiv_id if ref else None) or _bare_id(arxiv_id_of_key(key))
    doi = (ref.doi if ref else None) or (None if arxiv else doi_of_key(key))
    return KeyOutcome(key, status, citation, source, arxiv, doi)


def _bare_id(versioned: str | None) -> str | None:
    return re.sub(r"v\d+\Z", "", versioned) if versioned else None


def _same_paper(outcomes: Iterable[KeyOutcome]) -> list[tuple[str, list[str]]]:
    by_id: dict[str, list[str]] = {}
    for outcome in outcomes:
        idents = []
        if outcome.arxiv_id:
            idents.append(f"arXiv:{outcome.arxiv_id}")
        if outcome.doi:
            idents.append(f"doi:{outcome.doi.lower()}")
        for ident in idents:
            keys = by_id.setdefault(ident, [])
            if outcome.key not in keys:
                keys.append(outcome.key)
    return [(ident, keys) for ident, keys in by_id.items() if len(keys) > 1]


# ------------------------------------------------------------------------------- sources


@dataclass
class _Source:
    """A .bib file read once, its entries by key (exactly as written; the first one wins)."""

    path: str
    text: str = ""
    exists: bool = False
    document: BibDocument | None = None
    entries: dict[str, BibEntry] = field(default_factory=dict)
    lower_keys: dict[str, str] = field(default_factory=dict)
    """Each key in lower case -> the key as written (the first one)."""

    @classmethod
    def read(cls, path: str, problems: Problems, *, must_exist: bool,
             keep_bom: bool = False) -> _Source:
        if not must_exist and not Path(path).is_file():
            return cls(path)
        text = read_input_text(path, allow_empty=True, keep_bom=keep_bom)
        document = BibDocument.parse(text, path, problems)
        source = cls(path, text, True, document)
        for entry in document.entries:
            source.entries.setdefault(entry.key, entry)
            source.lower_keys.setdefault(entry.key.lower(), entry.key)
        return source

    def raw(self, key: str) -> RawEntry:
        """The entry byte for byte, with the @strings it uses (`BibDocument.raw_entry`)."""
        assert self.document is not None
        raw = self.document.raw_entry(key)
        assert raw is not None  # the caller checked `key in self.entries`
        return raw

    def reference(self, key: str) -> Reference | None:
        if self.document is None:
            return None
        return self.document.references[self.entries[key].index]

    def parents(self, key: str) -> list[str]:
        fields = self.entries[key].fields
        parents: list[str] = []
        for name in _CROSSREF_FIELDS:
            value = fields.get(name, "").strip()
            parents.extend(part.strip() for part in value.split(",") if part.strip())
        return parents


# ------------------------------------------------------------------------------- services


def _from_zotero(keys: list[str], settings: Settings,
                 progress: Progress) -> tuple[dict[str, tuple[Reference, str]], int]:
    """Items of the Zotero library under the wanted citation keys, and requests made.

    The key is Zotero's `citationKey` field, or a `Citation Key:` line in `extra` (Better
    BibTeX's pinned keys), both read by `item_to_reference`.
    """
    from .zotero.api import ZoteroClient
    from .zotero.items import is_regular_item, item_to_reference

    wanted = set(keys)
    found: dict[str, tuple[Reference, str]] = {}
    with ZoteroClient(settings) as client:
        info = client.check_key()
        for data in client.iter_items(top=True, progress=progress):
            if not is_regular_item(data) or data.get("deleted"):
                continue
            ref = item_to_reference(data, library=info.library)
            if ref.key in wanted and ref.key not in found:
                found[ref.key] = (ref, info.library)
        return found, client.requests_made


def _from_arxiv(keys: list[str], settings: Settings, options: ResolveOptions | None,
                progress: Progress) -> tuple[dict[str, Reference], int]:
    """The arXiv records of id-keys (one batched lookup), and requests made."""
    from .api import ResolveOptions, _arxiv_client
    from .resolve import resolve

    opts = options or ResolveOptions()
    refs = []
    for key in keys:
        versioned = arxiv_id_of_key(key) or ""
        bare = _bare_id(versioned) or versioned
        version = versioned[len(bare) + 1:] if versioned != bare else ""
        refs.append(Reference(arxiv_id=bare, arxiv_version=int(version) if version else None))
    with _arxiv_client(settings, opts, progress) as client:
        report = resolve(refs, client, overwrite=opts.overwrite,
                         date_policy=opts.date_policy or settings.date, progress=progress)
        requests = client.requests_made
    missing = {id(ref) for ref in report.not_found}
    resolved = {key: ref for key, ref in zip(keys, report.references, strict=True)
                if id(ref) not in missing and ref.title}
    return resolved, requests
