""".bib -> push -> pull -> .bib keeps every field a user wrote.

Real .bib files (shared/corpora: the three bib corpora, pybtex's and Better BibTeX's test
files, sampled so the suite stays fast) go through our real code path: the reader, `push` to
the loopback Zotero server over a socket, `pull` back to a .bib, the reader again. Every
value of every entry must come back: under its own field name, or under the name Zotero's
BibTeX import and export give it (ALIASES; e.g. `organization` is the publisher when there
is none, `lastchecked` is `urldate`), compared as text (TeX decoded, braces and runs of
spaces ignored, any dash the same).

Entries that name an arXiv paper are left out here: push resolves them through arXiv and
they come back in arXiv's own shape (DESIGN.md), tested in test_translator_cases.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bridge.config import Settings
from bridge.latex import latex_to_rich_text, strip_rich_text
from bridge.model import Reference
from bridge.names import split_bibtex_names
from bridge.readers.bibtex import read_bibtex
from bridge.zotero.api import ZoteroClient
from bridge.zotero.items import item_to_reference, reference_children, reference_to_item
from bridge.zotero.sync import pull_to_file, push
from tests.paths import BIB_CORPUS, CORPORA
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

PEERS = CORPORA / "peers"
# (file, take every n-th entry): about 40 entries a file at most.
CORPUS_FILES = [
    (BIB_CORPUS / "biblatex-examples.bib", 3),
    (BIB_CORPUS / "contextlab_cdl.bib", 150),
    (BIB_CORPUS / "andreasen_astro_thesis_ads.bib", 7),
    (PEERS / "pybtex" / "tests" / "data" / "xampl.bib", 1),
    (PEERS / "pybtex" / "tests" / "data" / "IEEEtran.bib", 4),
    (PEERS / "pybtex" / "tests" / "data" / "extrafields.bib", 1),
    (PEERS / "pybtex" / "tests" / "data" / "cyrillic.bib", 1),
    *[(path, 1) for path in sorted((PEERS / "zotero-better-bibtex").rglob("*.bibtex"))],
    *[(path, 2) for path in sorted((PEERS / "zotero-better-bibtex").rglob("*.biblatex"))],
]

# A field whose value comes back under another name (BibTeX.js import, then its export).
ALIASES: dict[str, tuple[str, ...]] = {
    "organization": ("publisher",), "institution": ("publisher", "school"),
    "school": ("institution",), "location": ("address",), "journaltitle": ("journal",),
    "fjournal": ("journal",), "lastchecked": ("urldate",), "langid": ("language",),
    "annote": ("note",), "comment": ("note",), "review": ("note",), "notes": ("note",),
    "pages": ("pagetotal",), "copyright": ("copyright",), "rights": ("copyright",),
    "issue": ("number",), "keyword": ("keywords",), "archiveprefix": ("eprinttype",),
    # BibTeX.js: journal and booktitle are both the publicationTitle, which its export
    # writes as an article's journal and a chapter's booktitle
    "journal": ("booktitle",), "booktitle": ("journal",),
}
# Fields our reader or the model already carry (title, names, date, ids) or that say
# nothing of the work: compared apart, or not at all.
MODELLED = frozenset({"title", "author", "editor", "year", "month", "date", "doi", "url",
                      "abstract", "day", "subtitle"})


def normalised(value: str) -> str:
    text = strip_rich_text(latex_to_rich_text(value))
    text = re.sub(r"[-‐-―]+", "-", text.replace("{", "").replace("}", ""))
    return " ".join(text.split()).lower()


def sample(path: Path, every: int) -> list[Reference]:
    refs = read_bibtex(path.read_text(encoding="utf-8", errors="replace"), str(path))
    return [ref for n, ref in enumerate(refs) if n % every == 0 and not ref.arxiv_id
            and ref.key]


def lost(before: Reference, after: Reference | None, *, day: bool = True) -> list[str]:
    """The fields of `before` whose value `after` does not hold (under an allowed name).

    Without `day` (a pull as BibTeX, which has only `year` and `month`, as Zotero's own
    export writes them) a date is compared to the month.
    """
    if after is None:
        return ["the whole entry"]
    problems = []
    title = normalised(before.title or "")
    subtitle = normalised(before.fields.get("subtitle", ""))
    if title and not normalised(after.title or "").startswith(title):
        problems.append("title")
    if subtitle and subtitle not in normalised(after.title or ""):
        problems.append("subtitle")
    for name in ("authors", "editors"):
        if [a.display() for a in getattr(before, name)] != \
                [a.display() for a in getattr(after, name)]:
            problems.append(name)
    date = (before.date or "") if day else (before.date or "")[:7]
    if date != (after.date or "")[:len(date)]:
        problems.append("date")
    for name in ("doi", "url"):
        if getattr(before, name) and getattr(before, name) != getattr(after, name) \
                and not (name == "url" and getattr(after, name) is None
                         and "url" in after.fields):
            problems.append(name)
    if before.categories and not before.arxiv_id:  # another archive's class
        # the reader takes the class for the category; a Zotero item holds it in a field
        classes = ", ".join(after.categories) or after.fields.get("eprintclass") \
            or after.fields.get("primaryclass", "")
        if normalised(", ".join(before.categories)) != normalised(classes):
            problems.append("eprintclass")
    if before.abstract and normalised(before.abstract) != normalised(after.abstract or ""):
        problems.append("abstract")
    for name, value in before.fields.items():
        name = name.lower()
        if name in MODELLED or not value.strip():
            continue
        if name == "howpublished" and normalised(value) == normalised(after.url or ""):
            continue  # BibTeX.js: a howpublished that is a url is the url
        if name == "translator":
            if [a.display() for a in split_bibtex_names(value)] != \
                    [a.display() for a in split_bibtex_names(after.fields.get(name, ""))]:
                problems.append(name)
            continue
        if name in ("keywords", "keyword"):
            split = {normalised(k) for k in re.split(r"\s*[,;]\s*", value) if k.strip()}
            back = {normalised(k) for k in re.split(r"\s*[,;]\s*",
                                                    after.fields.get("keywords", ""))}
            if not split <= back:
                problems.append(name)
            continue
        wanted = normalised(value)
        names = (name, *ALIASES.get(name, ()))
        found = [normalised(after.fields.get(n, "")) for n in names]
        if name in ("note", "annote", "comment", "review", "notes"):
            if not any(wanted in text for text in found):  # notes are joined into one
                problems.append(name)
        elif wanted not in found:
            problems.append(name)
    return problems


@pytest.mark.parametrize(("path", "every"), CORPUS_FILES,
                         ids=[p.name for p, _ in CORPUS_FILES])
def test_bib_push_pull_keeps_every_field(zotero_server: ZoteroServer, tmp_path: Path,
                                         path: Path, every: int):
    refs = sample(path, every)
    # Pulled in the source's own dialect: a biblatex file keeps its full dates.
    text = path.read_text(encoding="utf-8", errors="replace")
    biblatex = path.suffix == ".biblatex" or re.search(r"^\s*date\s*=", text, re.M | re.I)
    dialect = "biblatex" if biblatex else "bibtex"
    if not refs:
        pytest.skip("no entry without an arXiv id")
    with ZoteroClient(Settings(), api_key=WRITE_KEY, library=zotero_server.library,
                      url=zotero_server.url, sleep=lambda seconds: None) as client:
        report = push(refs, client, index_path=tmp_path / "index.sqlite3")
        assert report.failed == []
        out = tmp_path / "pulled.bib"
        pull_to_file(client, out, dialect=dialect, index_path=tmp_path / "index.sqlite3")
    back = {ref.key: ref for ref in read_bibtex(out.read_text(encoding="utf-8"), str(out))}
    pushed_keys = {p.reference.key for p in report.created}
    losses = {ref.key: problems for ref in refs if ref.key in pushed_keys
              and (problems := lost(ref, back.get(ref.key), day=dialect == "biblatex"))}
    assert losses == {}
    assert "<i>" not in out.read_text(encoding="utf-8")
    if dialect == "bibtex" and shutil.which("bibtex"):
        # Real bibtex reads the pulled file without an error; but a crossref to an entry
        # push took for a duplicate of another (same title and year) has nothing to point
        # at: the library holds that work once, under the other key.
        merged = {p.reference.key for p in report.already_present}
        log = bibtex_log(out, tmp_path / "bibtex")
        targets = set(re.findall(r'refers to entry "([^"]+)"', log))
        assert targets <= merged, log
        errors = re.search(r"\(There (?:was|were) (\d+) error messages?\)", log)
        assert int(errors.group(1) if errors else 0) == log.count("bad cross reference"), log


def test_children_follow_their_parent_and_a_group_gets_no_links_to_local_files(
        tmp_path: Path):
    from tests.servers.zotero_server import GROUP_ID

    (ref,) = read_bibtex("@article{k, title={T}, note={Read it},"
                         " file={PDF:/home/me/t.pdf:application/pdf}}", "<test>")
    for library in ("user", "group"):
        with ZoteroServer(group=True) as server, ZoteroClient(
                Settings(), api_key=WRITE_KEY, sleep=lambda seconds: None, url=server.url,
                library=server.library if library == "user" else f"group:{GROUP_ID}") as client:
            report = push([ref], client, index_path=tmp_path / f"{library}.sqlite3")
            assert report.failed == [] and len(report.created) == 1
            store = server.items if library == "user" else server.group.items
            (parent,) = [d for d in store.values() if not d.get("parentItem")]
            kinds = sorted(d["itemType"] for d in store.values()
                           if d.get("parentItem") == parent["key"])
            # Zotero keeps links to local files only in a user's own library.
            assert kinds == (["attachment", "note"] if library == "user" else ["note"])
            assert len([r for r in server.requests if r.method == "POST"]) == 1  # one write


def bibtex_log(bib: Path, directory: Path) -> str:
    """Real `bibtex`'s log (plain style) for every entry of `bib`."""
    import subprocess

    directory.mkdir()
    keys = [ref.key for ref in read_bibtex(bib.read_text("utf-8"), str(bib))]
    (directory / "refs.bib").write_text(bib.read_text("utf-8"), encoding="utf-8")
    (directory / "doc.aux").write_text(
        "\\relax\n" + "".join(f"\\citation{{{k}}}\n" for k in keys)
        + "\\bibstyle{plain}\n\\bibdata{refs}\n", encoding="utf-8")
    subprocess.run(["bibtex", "doc"], cwd=directory, capture_output=True, timeout=60)
    return (directory / "doc.blg").read_text(encoding="utf-8", errors="replace")


def test_every_corpus_entry_survives_the_item_mapping_both_ways():
    """The pure part of the round trip, on every entry of every corpus file (no sampling):
    the item and its children, read back, hold every field."""
    losses = {}
    for path, _ in CORPUS_FILES:
        text = path.read_text(encoding="utf-8", errors="replace")
        for ref in read_bibtex(text, str(path)):
            if ref.arxiv_id or not ref.key:
                continue
            back = item_to_reference(reference_to_item(ref), children=reference_children(ref))
            if problems := lost(ref, back):
                losses[(path.name, ref.key)] = problems
    assert losses == {}
