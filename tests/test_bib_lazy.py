"""parse_bib keeps little of a large file and builds References only when asked: same results.

The reader keeps the fields only of entries whose text may name an arXiv id, splits the
others again when asked, and builds each entry's `Reference` when first used. These tests
hold it to what reading everything at once gives: on every corpus file, and on the ways an
entry can name arXiv that the raw text hides (macros, `#`, CoRR's `abs/`, split ids).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bibtexparser.model import Entry, ParsingFailedBlock
from bibtexparser.splitter import Splitter

from bridge.api import find_ids
from bridge.bibfile import BibDocument, MergePlan, merge
from bridge.errors import Problems
from bridge.model import Reference
from bridge.readers.bibtex import parse_bib

from .paths import CORPORA


def _utf8(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:  # a GBK test file of bibtexparser's
        return False
    return True


CORPUS_FILES = sorted(p for p in CORPORA.rglob("*.bib") if _utf8(p))


def _splitter_fields(text: str) -> list[list[tuple[str, str]]]:
    """Every entry's (name, raw value) pairs as bibtexparser's splitter gives them at once."""
    out = []
    for block in Splitter(text).split().blocks:
        if isinstance(block, ParsingFailedBlock):
            block = block.ignore_error_block
        if isinstance(block, Entry):
            out.append([(f.key, f.value) for f in block.fields])
    return out


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPORA)))
def test_every_corpus_entry_reads_as_if_read_at_once(path: Path):
    text = path.read_text(encoding="utf-8-sig")
    parsed = parse_bib(text, path.name)
    assert [entry.raw_fields for entry in parsed.entries] == _splitter_fields(text)
    every = list(parsed.references)
    assert parsed.arxiv_references() == [ref for ref in every if ref.arxiv_id]
    assert set(parsed.may_name_arxiv) >= {i for i, ref in enumerate(every) if ref.arxiv_id}


HIDDEN = """\
@string{ax = "arXiv"}
@string{corr = "CoRR"}
@string{pub = "Springer"}
@string{pre = "arXiv preprint"}
@misc{macro, eprint = {2310.13798}, archivePrefix = ax}
@misc{joined, eprint = "2310." # "13798v2"}
@article{dblp, journal = corr, volume = {abs/1706.03762}}
@article{bibdesk, journal = {arXiv preprint}, volume = {1802}, number = {03426}}
@article{bibdesk2, journal = pre, volume = {2310}, number = {13799}}
@misc{hub, note = {https://hf.co/papers/2404.14619}}
@misc{old, eprint = {hep-th/9901001}}
@misc{braced, eprint = {23{10}.1379{8}}}
@book{springer, title = {A Book}, publisher = pub, doi = {10.1007/978-3-642-15880-3}}
@inproceedings{acm, title = {KDD}, doi = {10.1145/3292500.3330701}, year = 2019}
@string{pub = "Elsevier"}
@book{elsevier, title = {Another}, publisher = pub}
"""


def test_ids_the_raw_text_hides_are_found_and_other_entries_are_left_unbuilt():
    parsed = parse_bib(HIDDEN, "hidden.bib")
    found = [(ref.key, ref.versioned_id) for ref in parsed.arxiv_references()]
    assert found == [("macro", "2310.13798"), ("joined", "2310.13798v2"),
                     ("dblp", "1706.03762"), ("bibdesk", "1802.03426"),
                     ("bibdesk2", "2310.13799"), ("hub", "2404.14619"), ("old", "hep-th/9901001"),
                     ("braced", "2310.13798")]
    # DOIs have digits and slashes, but no arXiv id: those entries are not candidates.
    assert [parsed.entries[i].key for i in parsed.may_name_arxiv] == [
        "macro", "joined", "dblp", "bibdesk", "bibdesk2", "hub", "old", "braced"]
    assert found == [(ref.key, ref.versioned_id) for ref in parsed.references if ref.arxiv_id]


def test_a_reference_built_late_uses_the_strings_defined_before_its_entry():
    parsed = parse_bib(HIDDEN, "hidden.bib")
    by_key = {ref.key: ref for ref in parsed.references[::-1]}  # built last first
    assert by_key["springer"].fields["publisher"] == "Springer"
    assert by_key["elsevier"].fields["publisher"] == "Elsevier"
    assert by_key["acm"].date == "2019"
    assert parsed.references[8:10] == [by_key["springer"], by_key["acm"]]


def test_problems_come_in_file_order_although_references_are_built_late():
    deep = "{A " + "{" * 120 + "x" + "}" * 120 + " B}"
    text = ('@string{ax = "arXiv"}\n'
            "@misc{a, title = {One}, title = {Again}, year = 2020}\n"
            "@misc{b, eprint = {not-an-id}, archivePrefix = ax}\n"
            "@misc{broken, title = {unclosed\n"
            "\n"
            "@misc{a, note = {second a}}\n"
            f"@misc{{deep, title = {deep}}}\n"
            "@misc{c, Title = {x}, TITLE = {y}}\n")
    problems = Problems()
    parse_bib(text, "p.bib", problems)
    assert [(p.line, p.message) for p in problems] == [
        (2, "duplicate field 'title' in entry 'a'; the first one is used"),
        (3, "entry 'b': eprint 'not-an-id' is not an arXiv identifier"),
        (4, "could not parse this block, kept as is: Unexpected block start: `@misc`. "
            "Was still looking for field-value closing `}`"),
        (6, "duplicate key 'a' (first at line 2); both entries are kept"),
        (7, "entry 'deep': braces nested 120 deep in title (more than 100); kept without "
            "braces, TeX not decoded"),
        (8, "duplicate field 'TITLE' in entry 'c'; the first one is used"),
    ]


def test_merge_uses_the_callers_document_only_for_its_own_text():
    text = "@misc{k,\n  eprint = {2310.13798},\n}\n"
    document = BibDocument.parse(text, "refs.bib")
    plan = MergePlan(references=[Reference(arxiv_id="2310.13798", key="k", date="2023")],
                     existing="fill", append=False)
    again = merge(text, "refs.bib", plan, document=document)
    assert again.text == merge(text, "refs.bib", plan).text == (
        "@misc{k,\n  eprint = {2310.13798},\n  year = {2023},\n  archivePrefix = {arXiv},\n"
        "  doi = {10.48550/arXiv.2310.13798},\n  url = {https://arxiv.org/abs/2310.13798},\n}\n")
    changed = "% a comment added meanwhile\n" + text
    merged = merge(changed, "refs.bib", plan, document=document)
    assert merged.text.startswith("% a comment added meanwhile\n@misc{k,\n")
    assert merged.text.endswith("  url = {https://arxiv.org/abs/2310.13798},\n}\n")


def test_ids_gives_the_line_of_each_ids_first_occurrence(tmp_path: Path):
    text = tmp_path / "notes.txt"
    text.write_text("intro\r\narXiv:2310.13798\n\n\nhep-th/9901001 and 2310.13798 again\n"
                    "line six\n" + "filler\n" * 1000 + "1706.03762v5\n2310.13798\n",
                    encoding="utf-8")
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{x, title = {None}}\n\n@misc{y,\n eprint = {1706.03762}}\n",
                   encoding="utf-8")
    assert [(f.id, f.source, f.line) for f in find_ids([str(text), str(bib)])] == [
        ("2310.13798", str(text), 2), ("hep-th/9901001", str(text), 5),
        ("1706.03762v5", str(text), 1007), ("1706.03762", str(bib), 3)]
