"""The id forms of other hosts (arXiv's old xxx.lanl.gov, its mirrors, other sites' paper
pages) reach every input: .bib fields, pasted text, and `refbridge ids`.

The grammar itself is tested in test_arxiv_id.py; these check that the readers use it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.readers.bibtex import read_bibtex
from bridge.readers.text import read_text

# (written form, versioned id it names)
PAPER_URLS = [
    ("http://xxx.lanl.gov/abs/hep-th/9901001", "hep-th/9901001"),
    ("http://xxx.lanl.gov/pdf/cond-mat/0106144v2.pdf", "cond-mat/0106144v2"),
    ("http://lanl.arxiv.org/abs/1008.4686", "1008.4686"),
    ("https://huggingface.co/papers/2310.13798", "2310.13798"),
    ("https://hf.co/papers/2212.08073v2", "2212.08073v2"),
    ("https://www.alphaxiv.org/abs/2307.13702", "2307.13702"),
    ("https://www.alphaxiv.org/overview/2212.09251v1", "2212.09251v1"),
    ("https://www.semanticscholar.org/arxiv/2306.16388", "2306.16388"),
    ("https://scirate.com/arxiv/2204.05862", "2204.05862"),
    ("https://ar5iv.labs.arxiv.org/html/2207.05221", "2207.05221"),
    ("https://www.arxiv-vanity.com/papers/2209.11895/", "2209.11895"),
    ("http://front.math.ucdavis.edu/math.GT/0309136", "math/0309136"),
]


def _bib_entry(field: str, value: str) -> str:
    return ("@misc{old1999,\n  author = {Maldacena, Juan},\n  title = {A Paper},\n"
            f"  {field} = {{{value}}},\n  year = {{1999}}\n}}\n")


@pytest.mark.parametrize("field", ["url", "note", "howpublished"])
@pytest.mark.parametrize(("url", "expected"), PAPER_URLS)
def test_a_bib_field_with_a_paper_url_names_the_paper(field: str, url: str, expected: str):
    [ref] = read_bibtex(_bib_entry(field, url), "refs.bib")
    assert ref.versioned_id == expected


@pytest.mark.parametrize("field", ["url", "note", "howpublished"])
def test_a_bib_note_in_words_around_the_url(field: str):
    value = r"Preprint, see \url{http://xxx.lanl.gov/abs/hep-th/9711200v3} for the abstract"
    [ref] = read_bibtex(_bib_entry(field, value), "refs.bib")
    assert (ref.arxiv_id, ref.arxiv_version) == ("hep-th/9711200", 3)


@pytest.mark.parametrize("value", [
    "https://huggingface.co/datasets/someone/2310.13798",
    "https://www.semanticscholar.org/paper/2310.13798",
    "http://front.math.ucdavis.edu/0412.5512",  # the Front's own number, not arXiv's
    "https://www.alphaxiv.org/abs/2608.glm-5",
    "Proceedings 2310.13798",  # a bare id in free text says nothing about arXiv
])
def test_a_bib_url_that_names_no_arxiv_paper_gives_no_id(value: str):
    [ref] = read_bibtex(_bib_entry("url", value), "refs.bib")
    assert ref.arxiv_id is None


@pytest.mark.parametrize(("url", "expected"), PAPER_URLS)
def test_a_pasted_paper_url_is_the_paper_not_a_link(url: str, expected: str):
    [ref] = read_text(f"Worth reading: {url}\n", "paste.txt")
    assert ref.versioned_id == expected
    assert ref.links == []


def test_a_reading_list_of_paper_pages():
    text = ("1. Attention Is All You Need https://huggingface.co/papers/1706.03762\n"
            "2. AdS/CFT (http://xxx.lanl.gov/abs/hep-th/9711200)\n"
            "3. https://www.alphaxiv.org/overview/2310.13798v2 and code at https://github.com/x/y\n")
    refs = read_text(text, "list.txt")
    assert [(r.versioned_id, r.title, r.links) for r in refs] == [
        ("1706.03762", "Attention Is All You Need", []),
        ("hep-th/9711200", "AdS/CFT", []),
        ("2310.13798v2", None, ["https://github.com/x/y"]),
    ]


def test_ids_command_prints_them_normalised():
    text = "\n".join(url for url, _ in PAPER_URLS) + "\n"
    result = CliRunner().invoke(cli, ["ids", "-"], input=text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [expected for _, expected in PAPER_URLS]


def test_ids_command_reads_them_from_a_bib_file(tmp_path):
    bib = tmp_path / "old.bib"
    bib.write_text(_bib_entry("url", "http://xxx.lanl.gov/abs/hep-th/9901001")
                   + _bib_entry("note", "https://huggingface.co/papers/2310.13798v2")
                   .replace("old1999", "hf2023"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["ids", str(bib)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["hep-th/9901001", "2310.13798v2"]
