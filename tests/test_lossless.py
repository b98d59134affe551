"""Lossless .bib editing: every byte we do not change comes back as it was."""

from __future__ import annotations

import difflib
import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.bibfile import BibDocument
from bridge.errors import Problems
from bridge.readers.bibtex import strip_delimiters

from .paths import BIB_CORPUS, CORPORA, V1_DATA

BBT = CORPORA / "peers" / "zotero-better-bibtex" / "export"

# Entries per file, checked against `grep -c -iE '^\s*@\s*[a-z]+\s*[{(]'` minus the
# @string/@comment/@preamble lines (book_bom.bib: grep misses the entry behind the BOM).
ENTRY_COUNTS = {
    "andreasen_astro_thesis_ads.bib": 258,
    "biblatex-examples.bib": 92,
    "contextlab_cdl.bib": 6315,
    "article.bib": 1,
    "article_comma_first.bib": 2,
    "article_comma_first_and_trailing_comma_output.bib": 1,
    "article_comma_normal_multiple.bib": 3,
    "article_comma_normal_single.bib": 1,
    "article_field_name_with_underscore.bib": 1,
    "article_homogenize.bib": 1,
    "article_missing_coma.bib": 4,
    "article_multilines.bib": 1,
    "article_no_braces.bib": 1,
    "article_oneline.bib": 2,
    "article_output.bib": 1,
    "article_start_with_bom.bib": 1,
    "article_start_with_whitespace.bib": 2,
    "article_trailing_comma_output.bib": 1,
    "article_with_annotation.bib": 1,
    "article_with_annotation_output.bib": 1,
    "article_with_protection_braces.bib": 1,
    "article_with_special_characters.bib": 1,
    "article_with_strings.bib": 1,
    "article_with_strings_output.bib": 1,
    "biber-examples.bib": 118,
    "book.bib": 1,
    "book_bom.bib": 1,
    "book_capital_AND.bib": 1,
    "book_comma_first.bib": 1,
    "book_output.bib": 1,
    "comments_only.bib": 0,
    "comments_only_output.bib": 0,
    "comments_percentage.bib": 2,
    "comments_percentage_nolastcoma.bib": 2,
    "comments_spaces_and_declarations.bib": 1,
    "common_strings.bib": 0,
    "crossref_cascading.bib": 4,
    "crossref_cascading_aliases.bib": 3,
    "crossref_cascading_cycle.bib": 2,
    "crossref_entries.bib": 14,
    "crossref_missing_entries.bib": 1,
    "empty.bib": 0,
    "encoding.bib": 1,
    "features.bib": 1,
    "features2.bib": 1,
    "features_output.bib": 1,
    "fieldname.bib": 1,
    "multiline_comments.bib": 0,
    "multiple_entries.bib": 3,
    "multiple_entries_and_comments.bib": 3,
    "multiple_entries_and_comments_output.bib": 3,
    "multiple_entries_output.bib": 3,
    "string.bib": 1,
    "traps.bib": 1,
    "website.bib": 1,
    "wrong.bib": 2,
    "xref_entries.bib": 8,
    "xref_missing_entries.bib": 1,
}

CORPUS_FILES = sorted(BIB_CORPUS.glob("*.bib")) + sorted(V1_DATA.iterdir())


def _doc(path, problems: Problems | None = None) -> BibDocument:
    # Bytes decoded by hand: no newline translation, and a BOM stays in the text.
    return BibDocument.parse(path.read_bytes().decode("utf-8"), path.name, problems)


@functools.cache
def _cached_doc(path) -> BibDocument:
    return _doc(path)


def _rerendered(doc: BibDocument) -> str:
    """The whole text with every entry re-rendered: each field set to the value it has.

    `render({})` would copy the text untouched; this sends every entry with a delimited
    or numeric field through the renderer (locating spans, enclosing values, splicing),
    so a renderer that drops or moves a single character fails the round trip. Bare
    values (macros, `#` concatenations) are what the renderer never writes, so they are
    left out of the edits, and stay as they are.
    """
    edits: dict[int, dict[str, str]] = {}
    for entry in doc.entries:
        first: dict[str, str] = {}
        for name, raw in entry.raw_fields:
            inner, delimiter = strip_delimiters(raw)
            if (delimiter or inner.isdigit()) and name.lower() not in first:
                first[name.lower()] = inner
        # Later duplicates of a name are not what `fields` (and `render`) mean by it.
        first = {name: value for name, value in first.items()
                 if entry.fields.get(name) == value}
        if first:
            edits[entry.index] = first
    assert edits or not doc.entries or all(
        not e.raw_fields for e in doc.entries), "nothing went through the renderer"
    return doc.render(edits)


def test_every_corpus_file_has_a_count():
    assert sorted(p.name for p in CORPUS_FILES) == sorted(ENTRY_COUNTS)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_round_trips_byte_for_byte(path):
    problems = Problems()
    doc = _doc(path, problems)
    assert len(doc.entries) == ENTRY_COUNTS[path.name]
    assert len(doc.references) == len(doc.entries)
    assert _rerendered(doc).encode("utf-8") == path.read_bytes()
    # no corpus file has a block bibtexparser cannot parse
    assert [b for b in doc.blocks if b.kind == "failed"] == []
    assert [p for p in problems if "parse" in p.message] == []


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_spans_cover_every_block(path):
    doc = _cached_doc(path)
    cursor = 0
    for block in doc.blocks:
        assert doc.text[cursor:block.start].strip("\ufeff \t\r\n") == ""
        cursor = block.end
    assert doc.text[cursor:].strip() == ""
    for entry in doc.entries:
        raw = doc.text[entry.start:entry.end]
        assert raw[0] == "@" and raw[-1] in "})", entry.key
        assert doc.text.count("\n", 0, entry.start) + 1 == entry.line


@pytest.mark.parametrize("path", sorted(BBT.glob("*.bib*")), ids=lambda p: p.name)
def test_better_bibtex_exports_round_trip(path):
    assert _rerendered(_doc(path)).encode("utf-8") == path.read_bytes()


def _edit(path, key: str, changes: dict[str, str]) -> tuple[str, str]:
    """(original entry text, edited entry text); checks everything else is unchanged."""
    doc = _cached_doc(path)
    [entry] = [e for e in doc.entries if e.key == key]
    out = doc.render({entry.index: changes})
    before, after = doc.text[:entry.start], doc.text[entry.end:]
    assert out.startswith(before) and out.endswith(after)
    edited = out[len(before):len(out) - len(after)]
    # the edited entry still parses, to the values we asked for
    again = BibDocument.parse(out, path.name)
    assert len(again.entries) == len(doc.entries)
    new = again.entries[entry.index]
    for name, value in changes.items():
        assert new.fields[name.lower()] == value
    return doc.text[entry.start:entry.end], edited


def test_edit_ads_entry_right_aligned_names_quotes_bare_numbers():
    _, edited = _edit(BIB_CORPUS / "andreasen_astro_thesis_ads.bib", "Adamow2014", {
        "doi": "10.1051/0004-6361/201423400x",
        "url": "https://arxiv.org/abs/1407.4956",
        "archivePrefix": "arXiv",
        "year": "2015",
        "primaryClass": "astro-ph.EP",
    })
    assert edited == r"""@ARTICLE{Adamow2014,
   author = {{Adam{\'o}w}, M. and {Niedzielski}, A. and {Villaver}, E. and
    {Wolszczan}, A. and {Nowak}, G.},
    title = "{The Penn State - Toru{\'n} Centre for Astronomy Planet Search stars. II. Lithium abundance analysis of the red giant clump sample}",
  journal = {\aap},
 archivePrefix = "arXiv",
   eprint = {1407.4956},
 primaryClass = "astro-ph.EP",
 keywords = {stars: fundamental parameters, stars: atmospheres, stars: late-type, techniques: spectroscopic, planetary systems},
     year = 2015,
    month = sep,
   volume = 569,
      eid = {A55},
    pages = {A55},
      doi = {10.1051/0004-6361/201423400x},
   adsurl = {http://adsabs.harvard.edu/abs/2014A%26A...569A..55A},
      url = {https://arxiv.org/abs/1407.4956},
  adsnote = {Provided by the SAO/NASA Astrophysics Data System}
}"""  # noqa: E501


def test_edit_biblatex_examples_padded_equals_and_trailing_comma():
    original, edited = _edit(BIB_CORPUS / "biblatex-examples.bib", "itzhaki", {
        "title": "Some remarks on {'t Hooft's} {S}-matrix for black holes, again",
        "eprintclass": "hep-th",
        "doi": "10.48550/arXiv.hep-th/9603067",
    })
    assert original.startswith("@online{itzhaki,\n  author       = {Itzhaki, Nissan},\n")
    assert edited == r"""@online{itzhaki,
  author       = {Itzhaki, Nissan},
  title        = {Some remarks on {'t Hooft's} {S}-matrix for black holes, again},
  date         = {1996-03-11},
  version      = 1,
  langid       = {english},
  langidopts   = {variant=american},
  eprinttype   = {arxiv},
  eprint       = {hep-th/9603067},
  annotation   = {An \texttt{online} reference from arXiv. Note the
                  \texttt{eprint} and \texttt{eprinttype} fields. Also note that
                  the arXiv reference is transformed into a clickable link if
                  \texttt{hyperref} support has been enabled},
  abstract     = {We discuss the limitations of 't Hooft's proposal for the
                  black hole S-matrix. We find that the validity of the S-matrix
                  implies violation of the semi-classical approximation at
                  scales large compared to the Planck scale. We also show that
                  the effect of the centrifugal barrier on the S-matrix is
                  crucial even for large transverse distances.},
  eprintclass  = {hep-th},
  doi          = {10.48550/arXiv.hep-th/9603067},
}"""


def test_edit_bibdesk_entry_tabs_capitalised_names_brace_on_last_line():
    _, edited = _edit(BIB_CORPUS / "contextlab_cdl.bib", "BateEtal15b", {
        "eprint": "1506.04967",
        "archivePrefix": "arXiv",
        "year": "2016",
    })
    assert edited == (
        "@article{BateEtal15b,\n"
        "\tAuthor = {D Bates and R Kliegl and S Vasishth and H Baayen},\n"
        "\tJournal = {{arXiv}},\n"
        "\tTitle = {Parsimonious mixed models},\n"
        "\tVolume = {1506.04967},\n"
        "\tEprint = {1506.04967},\n"
        "\tArchiveprefix = {arXiv},\n"
        "\tYear = {2016}}"
    )


def test_edit_better_bibtex_entry_without_trailing_comma():
    # Without a trailing comma, new fields go on lines of their own before the last field:
    # a line diff then shows additions only, and the entry keeps its habit.
    _, edited = _edit(BBT / "Export report+type as preprint.bibtex", "muhlleitner2014", {
        "doi": "10.48550/arXiv.1410.5093",
        "year": "2015",
    })
    assert edited == (
        "@misc{muhlleitner2014,\n"
        "  title = {Higgs Physics beyond the Standard Model},\n"
        "  author = {Muhlleitner, M.},\n"
        "  year = 2015,\n"
        "  month = oct,\n"
        "  eprint = {1410.5093},\n"
        "  primaryclass = {hep-ph},\n"
        "  archiveprefix = {arXiv},\n"
        "  doi = {10.48550/arXiv.1410.5093},\n"
        "  keywords = {High Energy Physics - Phenomenology}\n"
        "}"
    )


def test_edit_comma_first_entry():
    _, edited = _edit(V1_DATA / "article_comma_first.bib", "Cesar2013", {
        "doi": "10.1000/xyz", "Year": "2014",
    })
    assert edited == (
        "@ARTICLE{Cesar2013\n"
        " , author = {Jean Cesar}\n"
        " , title = {An amazing title}\n"
        " , year = {2014}\n"
        " , volume = {12}\n"
        " , journal = {Nice Journal}\n"
        " , comments = {A comment}\n"
        " , keyword = {keyword1, keyword2}\n"
        " , doi = {10.1000/xyz}\n"
        "}"
    )


def test_edit_one_line_entry():
    _, edited = _edit(V1_DATA / "article_oneline.bib", "Baltazar2013", {"doi": "10.1/x"})
    assert edited == (
        "@ARTICLE{ Baltazar2013,author = {Jean Baltazar},title = {An amazing title},"
        "year = {2013},volume = {12},journal = {Nice Journal},comments = {A comment},"
        "keyword = {keyword1, keyword2},doi = {10.1/x}}"
    )


@pytest.mark.parametrize(("path", "key"), [
    (BIB_CORPUS / "contextlab_cdl.bib", "BateEtal15b"),  # closing brace on the last line
    (BIB_CORPUS / "contextlab_cdl.bib", "YeEtal25"),  # one-space indent, no trailing comma
    (BIB_CORPUS / "andreasen_astro_thesis_ads.bib", "Adibekyan2012"),
    (BIB_CORPUS / "biblatex-examples.bib", "wassenberg"),  # trailing comma
    (V1_DATA / "article_comma_first.bib", "Baltazar2013"),
    (BBT / "Export report+type as preprint.bibtex", "muhlleitner2014"),
])
def test_adding_fields_shows_as_pure_additions_in_a_line_diff(path, key):
    doc = _cached_doc(path)
    [entry] = [e for e in doc.entries if e.key == key]
    out = doc.render({entry.index: {"x-one": "arxiv", "x-two": "two words"}})
    diff = list(difflib.unified_diff(doc.text.splitlines(), out.splitlines(), lineterm="",
                                     n=0))
    changed = [line for line in diff[2:] if not line.startswith("@@")]
    assert len(changed) == 2
    assert all(line.startswith("+") for line in changed), changed


def test_replace_last_field_and_append_after_it():
    doc = BibDocument.parse("@misc{k, a={1}, b = \"2\",\n}\n", "k.bib")
    assert doc.render({0: {"B": "3", "c": "4", "A": "0"}}) == (
        '@misc{k, a={0}, b = "3", c={4},\n}\n'
    )


def test_edit_quoted_entry_keeps_quotes_and_upper_case_names():
    doc = BibDocument.parse('@BOOK{k,\n    TITLE = "Old",\n    YEAR = "1999"\n}\n', "q.bib")
    assert doc.render({0: {"title": 'He said {"}hi{"}', "publisher": "P"}}) == (
        '@BOOK{k,\n    TITLE = "He said {"}hi{"}",\n    PUBLISHER = "P",\n'
        '    YEAR = "1999"\n}\n'
    )
    # an unbraced double quote cannot go inside quotes: braces instead
    assert doc.render({0: {"note": 'a "b"'}}) == (
        '@BOOK{k,\n    TITLE = "Old",\n    NOTE = {a "b"},\n    YEAR = "1999"\n}\n'
    )


def test_edit_entry_without_fields():
    doc = BibDocument.parse("@misc{lonely}\n@misc{comma,\n}\n", "z.bib")
    assert doc.render({0: {"title": "T"}, 1: {"title": "U"}}) == (
        "@misc{lonely,\n  title = {T}\n}\n@misc{comma,\n  title = {U},\n}\n"
    )


def test_crlf_file_edit_uses_crlf_and_jabref_alignment():
    text = (V1_DATA / "multiple_entries.bib").read_bytes().decode("utf-8")
    crlf = text.replace("\n", "\r\n")
    doc = BibDocument.parse(crlf, "crlf.bib")
    assert doc.render({}) == crlf
    assert [e.key for e in doc.entries] == ["Yablon2005", "Wigner1938", "Toto3000"]
    last_field = "  Author                   = {Toto, A and Titi, B},\r\n"
    assert crlf.count(last_field) == 1
    assert doc.render({2: {"note": "n"}}) == crlf.replace(
        last_field, last_field + "  Note                     = {n},\r\n"
    )


def test_bom_and_missing_final_newline_survive_an_edit():
    path = V1_DATA / "article_start_with_bom.bib"
    doc = _doc(path)
    assert doc.text.startswith("\ufeff\n@")
    out = doc.render({0: {"note": "n"}})
    assert out.startswith("\ufeff\n@ARTICLE{Cesar2013,\n")
    assert out.endswith("  keyword = {keyword1, keyword2},\n  note = {n},\n}\n")
    text = "@misc{a, title={A}}\n@misc{b, title={B}}"
    doc = BibDocument.parse(text, "t.bib")
    assert doc.render({1: {"year": "2000"}}) == (
        "@misc{a, title={A}}\n@misc{b, title={B}, year={2000}}"
    )


FAILED_NEXT_TO_EDITED = (
    "@string{me = {Me}}\n"
    "% a comment\n"
    "@article{broken,\n"
    "  title = {Unclosed,\n"
    "  year = 2020\n"
    "\n"
    "@article{ok,\n"
    "  author = me,\n"
    "  title = {Fine},\n"
    "}\n"
    "trailing text without newline"
)


def test_failed_block_survives_next_to_an_edited_entry():
    problems = Problems()
    doc = BibDocument.parse(FAILED_NEXT_TO_EDITED, "f.bib", problems)
    assert [b.kind for b in doc.blocks] == ["string", "comment", "failed", "entry", "comment"]
    assert len(problems) == 1
    out = doc.render({0: {"title": "Finer", "year": "2021"}})
    assert out == (
        "@string{me = {Me}}\n"
        "% a comment\n"
        "@article{broken,\n"
        "  title = {Unclosed,\n"
        "  year = 2020\n"
        "\n"
        "@article{ok,\n"
        "  author = me,\n"
        "  title = {Finer},\n"
        "  year = {2021},\n"
        "}\n"
        "trailing text without newline"
    )
    assert doc.references[0].authors[0].last == "Me"


def test_bad_edits_are_refused():
    doc = BibDocument.parse("@misc{k, title={A}}\n", "k.bib")
    with pytest.raises(IndexError, match="no entry with index 3"):
        doc.render({3: {"title": "x"}})
    with pytest.raises(ValueError, match="unbalanced braces"):
        doc.render({0: {"title": "x}"}})
    assert doc.render({0: {}}) == doc.text


# --- property: editing one entry leaves every other entry byte-identical ---------------

_SAMPLE = (BIB_CORPUS / "biblatex-examples.bib").read_bytes().decode("utf-8")
_SAMPLE_DOC = BibDocument.parse(_SAMPLE, "biblatex-examples.bib")
_NAMES = st.sampled_from(["title", "note", "year", "doi", "eprint", "Title", "x-new"])
_VALUES = st.text(
    # no braces or backslashes (a value is LaTeX the caller balanced), no line breaks
    alphabet=st.characters(blacklist_characters="{}\\@", blacklist_categories=("Cs", "Cc")),
    max_size=30,
).map(lambda s: s.strip())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(min_value=0, max_value=len(_SAMPLE_DOC.entries) - 1),
    st.dictionaries(_NAMES, _VALUES, min_size=1, max_size=3),
)
def test_untouched_entries_unchanged_when_another_is_edited(index, changes):
    changes = {name: value for name, value in changes.items()}
    lowered: dict[str, str] = {}
    for name, value in changes.items():
        lowered[name.lower()] = value  # the last spelling of a name wins, like render
    out = _SAMPLE_DOC.render({index: changes})
    again = BibDocument.parse(out, "edited.bib")
    assert len(again.entries) == len(_SAMPLE_DOC.entries)
    for old, new in zip(_SAMPLE_DOC.entries, again.entries, strict=True):
        if old.index == index:
            for name, value in lowered.items():
                assert new.fields[name] == value
            continue
        assert out[new.start:new.end] == _SAMPLE[old.start:old.end]
    # everything before the edited entry and after it is byte-identical
    edited = _SAMPLE_DOC.entries[index]
    assert out.startswith(_SAMPLE[:edited.start])
    assert out.endswith(_SAMPLE[edited.end:])
