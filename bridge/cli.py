"""The `refbridge` command line: parse arguments, call `bridge.api`, print.

Reports go to stdout, progress and messages to stderr. Exit codes (DESIGN.md): 0 all done;
1 done, but some inputs could not be resolved; 2 bad usage or unreadable input (a wrong or
read-only Zotero key counts as bad usage: retrying cannot help); 3 a service failed after
retries.
"""

from __future__ import annotations

import gc
import json
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from ._io import how_written
from .errors import (
    ArxivError,
    InputError,
    Problems,
    RefbridgeError,
    ServiceError,
    ZoteroAuthError,
)

# `bridge.api` (and what it imports) is loaded by the command that runs, in its body:
# `--version` and `--help` need none of it.
if TYPE_CHECKING:
    from . import api
    from .config import Settings
    from .model import Reference
    from .published.find import Finding
    from .resolve import ResolveReport

__all__ = ["cli", "main"]

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_SERVICE = 0, 1, 2, 3


class _RichProgress:
    """A progress bar with an ETA on stderr, shown once a stage has run for a second.

    Quick runs print nothing; a timer (not the next `advance`) brings the bar up, so a stage
    stuck in one long request still shows it is alive.
    """

    SHOW_AFTER = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bar: Any = None
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._stage: tuple[str, int | None] = ("working", None)
        self._done = 0

    def start(self, description: str, total: int | None) -> None:
        self.finish()
        with self._lock:
            self._stage = (description, total)
            self._done = 0
            self._timer = threading.Timer(self.SHOW_AFTER, self._show)
            self._timer.daemon = True
            self._timer.start()

    def advance(self, steps: int = 1) -> None:
        with self._lock:
            self._done += steps
            if self._bar is not None:
                self._bar.update(self._task, completed=self._done)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with self._lock:
            description, total = self._stage
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(description, total=total, completed=self._done)

    def note(self, message: str) -> None:
        # Printed through the bar's console when it is up, so the bar redraws below it; one
        # line however long (soft_wrap: rich would otherwise break it at the console width).
        with self._lock:
            if self._bar is not None:
                self._bar.console.print(f"refbridge: {message}", markup=False,
                                        highlight=False, soft_wrap=True)
                return
        click.echo(f"refbridge: {message}", err=True)

    def finish(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._bar is not None:
                self._bar.stop()
            self._bar = self._task = self._timer = None


def _settings() -> Settings:
    from .config import load_settings  # only for commands that use settings: not `ids`

    return load_settings()


def _fail(message: str, code: int) -> None:
    click.echo(f"refbridge: error: {message}", err=True)
    sys.exit(code)


def _run(job: Callable[[_RichProgress], int]) -> None:
    """Run a command body, turning our errors into one line and the right exit code."""
    # A command builds tens of thousands of records that live until it ends. With CPython's
    # default thresholds the collector runs every 700 allocations and re-scans them over
    # and over (a fifth of a warm 30,000-paper import); they hold no cycles worth chasing
    # early. So: what exists now (modules, classes) is never scanned again, and collections
    # come a hundred times less often. Both are undone when the command ends (tests run
    # many commands in one process).
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(70_000, 20, 20)
    progress = _RichProgress()
    try:
        code = job(progress)
    except InputError as exc:
        _fail(str(exc), EXIT_USAGE)
    except ZoteroAuthError as exc:
        # Retrying cannot help: the key (or the library it is used for) must change.
        _fail(str(exc), EXIT_USAGE)
    except ArxivError as exc:
        _fail(f"{exc}. Nothing was lost: try again later, or use --offline.", EXIT_SERVICE)
    except ServiceError as exc:
        _fail(f"{exc}. Nothing was lost: try again later.", EXIT_SERVICE)
    except RefbridgeError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        # A file system failure we did not foresee (disk full, say): still one line.
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"{where}{exc.strerror or exc}", EXIT_USAGE)
    except KeyboardInterrupt:
        _fail("interrupted; files already written are complete, the rest untouched", 130)
    finally:
        progress.finish()
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    sys.exit(code)


def _print_problems(problems: Problems) -> None:
    for problem in problems:
        click.echo(f"refbridge: warning: {problem}", err=True)


def _label(ref: Reference) -> str:
    where = f" ({ref.provenance})" if ref.provenance else ""
    return f"{ref.describe()}{where}"


def _ref_json(ref: Reference) -> dict[str, Any]:
    return {"id": ref.versioned_id, "key": ref.key, "title": ref.title,
            "source": ref.provenance.source if ref.provenance else None,
            "line": ref.provenance.line if ref.provenance else None}


def _resolution_summary(resolution: ResolveReport | None) -> dict[str, Any]:
    if resolution is None:
        return {}
    return {
        "resolved": [_ref_json(r) for r in resolution.resolved],
        "found_by_search": [_ref_json(r) for r in resolution.found_by_search],
        "not_found": [_ref_json(r) for r in resolution.not_found],
        "ambiguous": [{"record": _ref_json(r), "candidates": [_ref_json(c) for c in cands]}
                      for r, cands in resolution.ambiguous],
        "changes": [{"record": c.label, "field": c.field, "old": c.old, "new": c.new}
                    for c in resolution.changes],
    }


def _report_unresolved(resolution: ResolveReport | None) -> None:
    if resolution is None:
        return
    for ref in resolution.not_found:
        click.echo(f"refbridge: not found: {_label(ref)}", err=True)
    for ref, candidates in resolution.ambiguous:
        names = ", ".join(c.describe() for c in candidates)
        click.echo(f"refbridge: ambiguous: {_label(ref)}; candidates: {names}", err=True)
    click.echo(
        f"refbridge: {len(resolution.resolved)} resolved, "
        f"{len(resolution.found_by_search)} found by search, "
        f"{len(resolution.not_found) + len(resolution.ambiguous)} not found", err=True)


# ---------------------------------------------------------------------- shared options


class _Choice(click.Choice):
    """A choice among the names a bridge module lists, read when first needed.

    Every command's options are declared when this module is imported; importing the
    modules that own the lists (the resolver, the citation keys, the writers) for that
    would cost `refbridge ids` and `--version` a third of their start-up.
    """

    def __init__(self, module: str, names: str):
        super().__init__(())
        self._where = (module, names)

    @property
    def choices(self) -> tuple[str, ...]:
        from importlib import import_module

        module, names = self._where
        return tuple(getattr(import_module(f".{module}", __package__), names))

    @choices.setter
    def choices(self, value: object) -> None:
        pass  # click's own __init__ sets it; the list always comes from its module


def _resolve_options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--offline", is_flag=True,
                     help="Send no request: use what the inputs and the cache know."),
        click.option("--refresh", is_flag=True,
                     help="Ask arXiv again even for papers in the cache."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option("--overwrite", is_flag=True,
                     help="Replace fields the input already has with arXiv's values."),
        click.option("--date", "date_policy", type=_Choice("resolve", "DATE_POLICIES"),
                     help="Date cited: first version (default) or latest version."),
        click.option("--strict", is_flag=True, help="Treat warnings about the input as errors."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print a machine-readable report on stdout.")(command)


def _format_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--format", "fmt",
                        type=_Choice("writers", "WRITERS"),
                        help="Output format (default: from the output file's suffix).")(command)


def _published_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--published", is_flag=True,
        help="Cite a preprint whose published version is found and verified as that "
             "version (Crossref, Semantic Scholar, DBLP).")(command)


def _options(offline: bool, refresh: bool, no_cache: bool, overwrite: bool,
             date_policy: str | None, published: bool = False) -> api.ResolveOptions:
    from . import api

    return api.ResolveOptions(offline=offline, refresh=refresh, use_cache=not no_cache,
                              overwrite=overwrite, date_policy=date_policy,
                              published=published)


def _finding_json(finding: Finding) -> dict[str, Any]:
    candidate, evidence = finding.candidate, finding.evidence
    return {
        "key": finding.preprint.key, "arxiv_id": finding.preprint.versioned_id,
        "status": finding.status, "venue": finding.venue or None,
        "doi": candidate.doi if candidate else None,
        "entry_type": candidate.entry_type if candidate else None,
        "year": candidate.year if candidate else None,
        "source": finding.source or None,
        "score": evidence.score if evidence else None,
        "title_score": evidence.title_score if evidence else None,
        "authors_matched": evidence.authors_matched if evidence else None,
        "authors_total": evidence.authors_total if evidence else None,
        "reason": finding.note or None,
    }


def _say_how_written(path: str) -> None:
    """One line when an output was written through a link or directly (a device, a FIFO)."""
    if note := how_written(path):
        click.echo(f"refbridge: {note}", err=True)


def _report_published(findings: list[Finding], asked: bool) -> None:
    """One line per preprint not upgraded for cause, then the count (only with --published)."""
    if not asked:
        return
    for finding in findings:
        if finding.status == "refused":
            click.echo(f"refbridge: published version refused: {_label(finding.preprint)}: "
                       f"{finding.note}", err=True)
    taken = sum(1 for f in findings if f.status == "published")
    refused = sum(1 for f in findings if f.status == "refused")
    click.echo(f"refbridge: {taken} published versions taken, {refused} refused, "
               f"{len(findings) - taken - refused} preprints without one", err=True)


def _print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# ---------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="refbridge")
def cli() -> None:
    """Find arXiv papers in anything, resolve them, write BibTeX or Zotero items.

    Every INPUT may be a file (.bib or text) or - for standard input.
    """


@cli.command("ids")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--json", "as_json", is_flag=True, help="Print each id with its source and line.")
def ids_command(inputs: tuple[str, ...], as_json: bool) -> None:
    """Print every arXiv id found in the inputs, one per line, first-seen order.

    Example:

        refbridge ids samples/arxiv-listing-abstracts.txt refs.bib
    """
    def job(progress: _RichProgress) -> int:
        from . import api

        problems = Problems()
        found = api.find_ids(list(inputs), problems)
        if as_json:
            click.echo(json.dumps([{"id": f.id, "source": f.source, "line": f.line}
                                   for f in found], indent=2))
        else:
            for item in found:
                click.echo(item.id)
        _print_problems(problems)
        return EXIT_OK
    _run(job)


@cli.command("import")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", required=True, help="File to write (.bib or .json).")
@_format_option
@click.option("--citekey", type=_Choice("citekeys", "FORMULAS"),
              help="Formula for new citation keys (default: auth-year-title).")
@_resolve_options
@_published_option
@_json_option
def import_command(inputs: tuple[str, ...], output: str, fmt: str | None, citekey: str | None,
                   offline: bool, refresh: bool, no_cache: bool, overwrite: bool,
                   date_policy: str | None, strict: bool, published: bool,
                   as_json: bool) -> None:
    """Resolve the papers in the inputs through arXiv and write them to a file.

    An existing .bib output keeps every byte: papers it already has are skipped and new
    entries are appended.

    Example:

        refbridge import samples/arxiv-listing-abstracts.txt -o refs.bib
    """
    def job(progress: _RichProgress) -> int:
        from . import api

        report = api.import_references(
            list(inputs), output, fmt=fmt, settings=_settings(),
            options=_options(offline, refresh, no_cache, overwrite, date_policy, published),
            citekey=citekey, strict=strict, progress=progress)
        _print_problems(report.problems)
        _report_unresolved(report.resolution)
        _report_published(report.published, published)
        there = (f" ({len(report.already_in_output)} already there)"
                 if report.already_in_output else "")
        if report.written:
            click.echo(f"refbridge: wrote {len(report.written)} entries to {output}{there}",
                       err=True)
            _say_how_written(output)
        else:
            click.echo(f"refbridge: nothing new to write to {output}{there}", err=True)
        if as_json:
            _print_json({"output": output, "written": [_ref_json(r) for r in report.written],
                         "already_in_output": [_ref_json(r) for r in report.already_in_output],
                         **_resolution_summary(report.resolution),
                         **({"published": [_finding_json(f) for f in report.published]}
                            if published else {})})
        return EXIT_OK if report.complete else EXIT_INCOMPLETE
    _run(job)


@cli.command("enrich")
@click.argument("path", metavar="FILE.bib")
@click.option("-o", "--output", help="Write the enriched file here.")
@click.option("--in-place", is_flag=True, help="Rewrite FILE.bib itself (atomically).")
@click.option("--dry-run", is_flag=True, help="Write nothing; print a unified diff.")
@_resolve_options
@_published_option
@_json_option
def enrich_command(path: str, output: str | None, in_place: bool, dry_run: bool, offline: bool,
                   refresh: bool, no_cache: bool, overwrite: bool, date_policy: str | None,
                   strict: bool, published: bool, as_json: bool) -> None:
    """Fill missing fields of the entries that name an arXiv paper.

    Every byte of the file that does not need to change stays as it was.

    Example:

        refbridge enrich samples/incomplete.bib --dry-run
    """
    if not dry_run and bool(output) == in_place:
        raise click.UsageError("give exactly one of -o OUT and --in-place (or use --dry-run)")
    if in_place and path == "-":
        raise click.UsageError("standard input cannot be enriched in place; give -o OUT")

    def job(progress: _RichProgress) -> int:
        from . import api

        report = api.enrich_file(
            path, output=output, dry_run=dry_run, settings=_settings(),
            options=_options(offline, refresh, no_cache, overwrite, date_policy, published),
            strict=strict, progress=progress)
        _print_problems(report.problems)
        _report_unresolved(report.resolution)
        _report_published(report.published, published)
        if as_json:
            _print_json({"path": path, "output": output or (None if dry_run else path),
                         "dry_run": dry_run, "edited": report.edited_keys,
                         "diff": report.diff() if dry_run else None,
                         **_resolution_summary(report.resolution),
                         **({"published": [_finding_json(f) for f in report.published]}
                            if published else {})})
        elif dry_run:
            click.echo(report.diff(), nl=False)
        verb = "would change" if dry_run else "changed"
        click.echo(f"refbridge: {verb} {len(report.edited_keys)} entries", err=True)
        if not dry_run and report.changed:
            _say_how_written(output or path)
        return EXIT_OK if report.complete else EXIT_INCOMPLETE
    _run(job)


@cli.command("push")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--collection", help="File the items in this collection (created if missing).")
@click.option("--tag", "tags", multiple=True, help="Add this tag to new items (repeatable).")
@click.option("--dry-run", is_flag=True, help="Write nothing; show what would be created.")
@_resolve_options
@_published_option
@_json_option
def push_command(inputs: tuple[str, ...], collection: str | None, tags: tuple[str, ...],
                 dry_run: bool, offline: bool, refresh: bool, no_cache: bool, overwrite: bool,
                 date_policy: str | None, strict: bool, published: bool, as_json: bool) -> None:
    """Resolve the inputs, then create the Zotero items the library does not have yet.

    Needs ZOTERO_API_KEY (and ZOTERO_LIBRARY for a group library).

    Example:

        refbridge push samples/arxiv-listing-abstracts.txt --collection "Reading list"
    """
    def job(progress: _RichProgress) -> int:
        from . import api

        outcome = api.push(
            list(inputs), collection=collection, tags=tags, dry_run=dry_run,
            settings=_settings(),
            options=_options(offline, refresh, no_cache, overwrite, date_policy, published),
            strict=strict, progress=progress)
        report, resolution = outcome.zotero, outcome.resolution
        _print_problems(outcome.problems)
        _report_unresolved(resolution)
        _report_published(outcome.published, published)
        verb = "would create" if dry_run else "created"
        click.echo(f"refbridge: {verb} {len(report.created)}, already present "
                   f"{len(report.already_present)}, filed {len(report.filed)}, "
                   f"failed {len(report.failed)}", err=True)
        for failure in report.failed:
            click.echo(f"refbridge: failed: {failure}", err=True)
        upgraded = {f.preprint.arxiv_id for f in outcome.published if f.status == "published"}
        for present in report.already_present:
            if present.reference.arxiv_id in upgraded:
                click.echo(f"refbridge: already in the library, kept as it is (not created "
                           f"again as its published version): {present}", err=True)
        if as_json:
            _print_json({"dry_run": dry_run, **report.as_json(),
                         **_resolution_summary(resolution),
                         **({"published": [_finding_json(f) for f in outcome.published]}
                            if published else {})})
        incomplete = report.failed or resolution.not_found or resolution.ambiguous
        return EXIT_INCOMPLETE if incomplete else EXIT_OK
    _run(job)


@cli.command("published")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@_resolve_options
@_json_option
def published_command(inputs: tuple[str, ...], offline: bool, refresh: bool, no_cache: bool,
                      overwrite: bool, date_policy: str | None, strict: bool,
                      as_json: bool) -> None:
    """Report which preprints in the inputs have a published version; change nothing.

    Sources, in order: arXiv's own journal DOI (Crossref); else Semantic Scholar's ids
    (Crossref by DOI, or DBLP by key). A candidate is taken only when its title, authors
    and year agree with the arXiv record; the score is the weakest of the title similarity
    and the share of authors in common.

    Example:

        refbridge published refs.bib --json
    """
    def job(progress: _RichProgress) -> int:
        from . import api

        outcome = api.find_published_versions(
            list(inputs), settings=_settings(),
            options=_options(offline, refresh, no_cache, overwrite, date_policy),
            strict=strict, progress=progress)
        _print_problems(outcome.problems)
        _report_unresolved(outcome.resolution)
        rows = [_finding_json(f) for f in outcome.findings]
        if as_json:
            _print_json({"published": rows})
        else:
            click.echo(_published_table(rows), nl=False)
        _report_published(outcome.findings, True)
        resolution = outcome.resolution
        return EXIT_INCOMPLETE if resolution.not_found or resolution.ambiguous else EXIT_OK
    _run(job)


def _published_table(rows: list[dict[str, Any]]) -> str:
    """Plain columns: key, arXiv id, venue, DOI, source, score, and the outcome."""
    header = ["KEY", "ARXIV", "VENUE", "DOI", "SOURCE", "SCORE", "RESULT"]
    table = [header]
    for row in rows:
        venue = row["venue"] or "-"
        venue = venue if len(venue) <= 40 else venue[:37] + "..."
        result = row["status"] if not row["reason"] or row["status"] == "published" else (
            f"{row['status']}: {row['reason']}")
        table.append([row["key"] or "-", row["arxiv_id"] or "-", venue, row["doi"] or "-",
                      row["source"] or "-",
                      "-" if row["score"] is None else f"{row['score']:g}", result])
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    return "".join("  ".join([*(cell.ljust(w) for cell, w in zip(line, widths, strict=False)),
                              line[-1]]) + "\n" for line in table)


@cli.command("pull")
@click.option("-o", "--output", required=True, help="The .bib file to write or update.")
@click.option("--collection", help="Only this collection (default: the whole library).")
@click.option("--recursive", is_flag=True, help="With --collection: its subcollections too.")
@_format_option
@_json_option
def pull_command(output: str, collection: str | None, recursive: bool, fmt: str | None,
                 as_json: bool) -> None:
    """Write a Zotero library, or one collection, as BibTeX.

    Pulling into an existing file updates only the entries Zotero changed.

    Example:

        refbridge pull --collection "Reading list" -o reading.bib
    """
    def job(progress: _RichProgress) -> int:
        from . import api

        report = api.pull(output, collection=collection, recursive=recursive, fmt=fmt,
                          settings=_settings(), progress=progress)
        click.echo(f"refbridge: {report.summary()}", err=True)
        if report.written:
            _say_how_written(output)
        if as_json:
            _print_json(report.as_json())
        return EXIT_OK
    _run(job)


@cli.command("tex")
@click.argument("manuscript", metavar="MANUSCRIPT")
@click.option("-o", "--output",
              help="The .bib to complete (default: the first .bib the manuscript names).")
@click.option("--bib", "bibs", multiple=True, metavar="SOURCE.bib",
              help="A master .bib to copy missing entries from (repeatable; first wins).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if a key is missing or the output would change.")
@click.option("--dry-run", is_flag=True, help="Write nothing; print a unified diff.")
@_resolve_options
@_published_option
@_json_option
def tex_command(manuscript: str, output: str | None, bibs: tuple[str, ...], check: bool,
                dry_run: bool, offline: bool, refresh: bool, no_cache: bool, overwrite: bool,
                date_policy: str | None, strict: bool, published: bool,
                as_json: bool) -> None:
    """Give every key a LaTeX manuscript cites an entry in its .bib file.

    MANUSCRIPT is a .tex (its \\input, \\include, \\subfile and \\import files
    followed), an .aux or a .bcf. Entries the .bib has stay byte for byte; missing ones
    come from the --bib files, then the Zotero library (by citation key, when
    ZOTERO_API_KEY is set), then arXiv for keys that are arXiv ids. Exit 1 when a key is
    still missing (each listed with the file and line of its first citation).

    Example:

        refbridge tex paper.tex --bib ~/library.bib
    """
    def job(progress: _RichProgress) -> int:
        from . import api

        report = api.tex_bibliography(
            manuscript, output=output, bibs=bibs, check=check, dry_run=dry_run,
            settings=_settings(),
            options=_options(offline, refresh, no_cache, overwrite, date_policy, published),
            strict=strict, progress=progress)
        _print_problems(report.problems)
        _report_published(report.published, published)
        for outcome in report.missing:
            click.echo(f"refbridge: missing: {outcome.key} (cited at "
                       f"{outcome.citation.where})", err=True)
        for ident, keys in report.same_paper:
            click.echo(f"refbridge: warning: {' and '.join(keys)} name the same paper "
                       f"({ident})", err=True)
        if as_json:
            _print_json({**report.as_json(), "check": check, "dry_run": dry_run,
                         "diff": report.diff() if dry_run else None})
        elif dry_run:
            click.echo(report.diff(), nl=False)
        counts = ", ".join(f"{len(report.with_status(s))} {s}"
                           for s in ("present", "copied", "resolved", "missing"))
        if report.written:
            done = f"wrote {report.output}"
            _say_how_written(report.output)
        elif report.changed:
            done = f"would change {report.output}"
        else:
            done = f"{report.output} unchanged"
        click.echo(f"refbridge: {len(report.outcomes)} keys: {counts}; {done}", err=True)
        if report.missing or (check and report.changed):
            return EXIT_INCOMPLETE
        return EXIT_OK
    _run(job)


def main() -> None:
    cli(prog_name="refbridge")
