"""Readers mirror writers: one base class, a registry by name and suffix, round trips.

Every reference set goes out through a writer and back through the matching reader and must
come back equal in everything the format can carry.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.errors import Problems, UnknownFormat, UnreadableInput
from bridge.model import Author, Provenance, Reference
from bridge.names import is_others
from bridge.readers import READERS, Reader, detect_format, get_reader, read_inputs
from bridge.readers.csljson import CslJsonReader
from bridge.readers.zotero_json import ZoteroJsonReader
from bridge.writers import WRITERS, get_writer
from bridge.zotero.items import reference_to_item

from .test_bibtex_writer import KUNDU, atom_references, sample_references

# ------------------------------------------------------------------ the base and the registry


class _Lines(Reader):
    """A reader that implements `read` only: one reference per line, the line its title."""

    name = "lines"
    suffixes = (".lines",)

    def read(self, text: str, source: str, problems: Problems) -> list[Reference]:
        return [Reference(title=line, provenance=Provenance(source, n))
                for n, line in enumerate(text.splitlines(), 1) if line]


def test_a_reader_implements_read_and_inherits_the_rest(tmp_path: Path):
    path = tmp_path / "in.lines"
    path.write_text("First\n\nSecond\n", encoding="utf-8")
    from_file = _Lines().read_file(path)
    assert [(r.title, str(r.provenance)) for r in from_file] == [
        ("First", f"{path}:1"), ("Second", f"{path}:3")]
    from_stream = _Lines().read_stream(io.StringIO("Only\n"), "<s>")
    assert [(r.title, str(r.provenance)) for r in from_stream] == [("Only", "<s>:1")]
    assert repr(_Lines()) == "<_Lines 'lines'>"


def test_read_file_turns_a_bad_file_into_one_line(tmp_path: Path):
    path = tmp_path / "in.lines"
    path.write_bytes(b"ok\nbad \xff\n")
    with pytest.raises(UnreadableInput, match=r"in\.lines:2: is not valid UTF-8"):
        _Lines().read_file(path)


def test_the_registry_knows_every_format_by_name():
    assert sorted(READERS) == ["bibtex", "csl-json", "text", "zotero-json"]
    assert all(name == reader.name for name, reader in READERS.items())
    assert all(isinstance(reader, Reader) for reader in READERS.values())


@pytest.mark.parametrize(("name", "path", "expected"), [
    ("bibtex", None, "bibtex"), ("CSL-JSON", None, "csl-json"), ("zotero-json", "x.bib",
                                                                 "zotero-json"),
    (None, "refs.bib", "bibtex"), (None, "refs.biblatex", "bibtex"), (None, "a.JSON", "csl-json"),
    (None, "notes.md", "text"), (None, "notes", "text"), (None, "-", "text"), (None, None, "text"),
])
def test_get_reader_by_name_then_suffix(name, path, expected):
    assert get_reader(name, path=path).name == expected


def test_an_unknown_reader_lists_the_known_ones():
    with pytest.raises(UnknownFormat) as caught:
        get_reader("ris")
    assert str(caught.value) == (
        "unknown format 'ris'; known formats: bibtex, csl-json, text, zotero-json")


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("refs.json", '[{"id": "a", "type": "article"}]', "csl-json"),
    ("library.json", '[{"key": "AB12CD34", "data": {"itemType": "preprint"}}]', "zotero-json"),
    ("refs.bib", "see arXiv:2310.13798", "bibtex"),
    ("-", "@misc{a, title = {T}}", "bibtex"),
    ("-", '[1] "A title", arXiv:2310.13798', "text"),   # a pasted list is not JSON
    ("paste.log", "@article{a,\n}", "bibtex"),
])
def test_detect_format(name, text, expected):
    assert detect_format(name, text).name == expected


# ------------------------------------------------------------------ CSL-JSON


def _csl_view(ref: Reference) -> dict:
    """What CSL-JSON carries of a reference (and how the writer spells it)."""
    return {
        "key": ref.key, "arxiv_id": ref.arxiv_id, "version": ref.arxiv_version,
        "title": ref.title, "abstract": ref.abstract, "date": ref.date or ref.arxiv_published,
        "authors": [a for a in ref.authors if not is_others(a)], "editors": ref.editors,
        "doi": ref.doi, "journal_ref": ref.journal_ref, "preprint": ref.is_arxiv_preprint,
    }


@pytest.mark.parametrize("refs", [sample_references, atom_references], ids=["samples", "atom"])
def test_csl_json_round_trip(refs):
    wrote = get_writer("csl-json").to_string(refs())
    keyed = [CslJsonReader().read(wrote, "<written>", Problems())]
    back = keyed[0]
    written_items = json.loads(wrote)
    assert [r.key for r in back] == [item["id"] for item in written_items]
    originals = refs()
    for ref, item in zip(originals, written_items, strict=True):
        ref.key = item["id"]
    assert [_csl_view(r) for r in back] == [_csl_view(r) for r in originals]
    # ... and written again, the same text.
    assert get_writer("csl-json").to_string(back) == wrote


def test_csl_json_published_article_round_trip():
    ref = Reference(key="smith2020", entry_type="article", title="Gauge theory",
                    authors=[Author("Smith", "Jane", "de", "Jr."), Author("CERN",
                                                                         is_institution=True)],
                    date="2020-03", doi="10.1000/XYZ",
                    fields={"journal": "Physical Review D", "volume": "12", "number": "3",
                            "pages": "1-10"})
    back = CslJsonReader().read(get_writer("csl-json").to_string([ref]), "x.json", Problems())
    assert back == [ref.copy(provenance=Provenance("x.json"))]


def test_csl_json_items_from_elsewhere():
    text = json.dumps([{"id": "doe", "type": "paper-conference", "title": "A talk",
                       "container-title": "Proc. of Things", "issued": {"raw": "May 2019"},
                       "author": [{"family": "Doe", "given": "J.", "dropping-particle": "van"}],
                       "URL": "https://example.org/talk", "citation-key": "ignored"}])
    (ref,) = CslJsonReader().read(text, "one.json", Problems())
    assert (ref.key, ref.entry_type, ref.date, ref.url, ref.fields) == (
        "doe", "inproceedings", "2019", "https://example.org/talk",
        {"booktitle": "Proc. of Things"})
    assert ref.authors == [Author("Doe", "J.", "van")]


def test_broken_csl_json_is_one_line_with_its_line(tmp_path: Path):
    path = tmp_path / "refs.json"
    path.write_text('[{"id": "a",\n  "title": }]\n')
    with pytest.raises(UnreadableInput) as caught:
        READERS["csl-json"].read_file(path)
    assert str(caught.value) == f"{path}:2: is not CSL-JSON (Expecting value)"
    problems = Problems()
    assert CslJsonReader().read('[{"id": "a"}, 3]', "x.json", problems)[0].key == "a"
    assert [str(p) for p in problems] == ["x.json: item 2 is not a CSL-JSON object; skipped"]
    with pytest.raises(UnreadableInput, match=r"^x\.json: is not CSL-JSON: not an array of"):
        CslJsonReader().read('{"id": "a"}', "x.json", Problems())


# ------------------------------------------------------------------ Zotero item JSON


def _zotero_view(ref: Reference) -> dict:
    return {"arxiv_id": ref.arxiv_id, "title": ref.title, "abstract": ref.abstract,
            "date": ref.date or ref.arxiv_published, "doi": ref.doi, "key": ref.key,
            "authors": [a for a in ref.authors if not is_others(a)],
            "primary_category": ref.primary_category, "journal_ref": ref.journal_ref}


def test_zotero_json_round_trip(tmp_path: Path):
    refs = [ref.copy(key=f"k{n}") for n, ref in enumerate(sample_references())]
    items = [{"key": f"ITEM{n:04d}", "version": 7, "data": reference_to_item(ref)}
             for n, ref in enumerate(refs)]
    items.append({"key": "NOTE0001", "version": 7, "data": {"itemType": "note", "note": "x"}})
    path = tmp_path / "library.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    back = read_inputs([str(path)], Problems())
    assert [_zotero_view(r) for r in back] == [_zotero_view(r) for r in refs]
    assert [r.provenance for r in back] == [
        Provenance(str(path), zotero_key=f"ITEM{n:04d}", zotero_version=7)
        for n in range(len(refs))]


def test_broken_zotero_json_names_the_format():
    with pytest.raises(UnreadableInput, match=r"^lib\.json:1: is not Zotero item JSON"):
        ZoteroJsonReader().read("[{", "lib.json", Problems())


# ------------------------------------------------------------------ through the command line


def test_import_reads_a_csl_json_input(tmp_path: Path):
    source = tmp_path / "refs.json"
    get_writer("csl-json").write_file([KUNDU.copy(key="kundu2023specific")], source)
    out = tmp_path / "out.bib"
    result = CliRunner().invoke(cli, ["import", str(source), "--offline", "-o", str(out)])
    # Offline, arXiv cannot confirm the paper (exit 1), but the input's own entry is written.
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"refbridge: not found: arXiv:2310.13798 ({source})",
        "refbridge: 0 resolved, 0 found by search, 1 not found",
        f"refbridge: wrote 1 entries to {out}"]
    assert out.read_text(encoding="utf-8").startswith(
        "@misc{kundu2023specific,\n"
        "  title = {Specific versus General Principles for Constitutional {AI}},\n")


# ------------------------------------------------------------------ every writer has its reader


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_writer_has_a_reader_that_reads_its_output_back(name: str, tmp_path: Path):
    writer = WRITERS[name]
    path = tmp_path / f"refs{writer.suffixes[0]}"
    refs = [ref.copy(key=f"k{n}") for n, ref in enumerate(sample_references())]
    writer.write_file(refs, path)
    back = get_reader(path=path).read_file(path)
    assert [(r.key, r.arxiv_id, r.arxiv_version, r.doi, r.is_arxiv_preprint) for r in back] == [
        (r.key, r.arxiv_id, r.arxiv_version, r.doi, r.is_arxiv_preprint) for r in refs]
