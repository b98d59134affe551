"""Each rule has one home, and every place that applies it answers the same (issue 7).

One test per rule: the agreed answer, pinned for a table of real inputs, asked of the rule's
home and of every former copy of it. A case marked `xfail(strict=True)` is a caller that is
still to be switched to the rule's home; once it is, the case passes and strict xfail turns
that into a failure, so the mark is removed with the switch.
"""

import json

import pytest

from bridge.citekeys import make_key
from bridge.fold import fold, to_ascii
from bridge.model import Author, Reference
from bridge.resolve import _normalise
from bridge.writers.bibtex import render_entry
from bridge.writers.csljson import csl_item
from bridge.zotero.index import LibraryIndex
from bridge.zotero.items import identity_keys, normalise_title, reference_to_item
from bridge.zotero.sync import _pending_twin

# ------------------------------------------------------------------ is this an arXiv preprint?

PREPRINT_CASES = [
    # (entry type, fields, the agreed answer)
    (None, {}, True),
    ("misc", {}, True),
    ("online", {}, True),
    ("unpublished", {}, True),
    ("article", {}, True),
    ("article", {"journal": "arXiv preprint arXiv:2212.08073"}, True),   # Google Scholar
    ("article", {"journal": "{arXiv}", "volume": "abs/2212.08073"}, True),
    ("article", {"journaltitle": "ArXiv e-prints"}, True),                # ADS
    ("article", {"journal": "CoRR", "volume": "abs/2212.08073"}, True),   # DBLP
    ("article", {"journal": "Nature", "volume": "12"}, False),
    ("inproceedings", {"booktitle": "NeurIPS"}, False),
    ("phdthesis", {"school": "MIT"}, False),
]


def _preprint_ref(entry_type, fields) -> Reference:
    return Reference(arxiv_id="2212.08073", key="bai2022constitutional", entry_type=entry_type,
                     title="Constitutional AI", authors=[Author("Bai", "Yuntao")],
                     date="2022-12-15", fields=dict(fields))


def _bibtex_says_preprint(ref: Reference) -> bool:
    return render_entry(ref).startswith("@misc{")


def _biblatex_says_preprint(ref: Reference) -> bool:
    return render_entry(ref, "biblatex").startswith("@online{")


def _csl_says_preprint(ref: Reference) -> bool:
    return csl_item(ref)["type"] == "article"


def _zotero_says_preprint(ref: Reference) -> bool:
    return reference_to_item(ref)["itemType"] == "preprint"


PREPRINT_SITES = {"bibtex": _bibtex_says_preprint, "biblatex": _biblatex_says_preprint,
                  "csl-json": _csl_says_preprint, "zotero": _zotero_says_preprint}


def _preprint_params():
    for entry_type, fields, expected in PREPRINT_CASES:
        for site in PREPRINT_SITES:
            yield pytest.param(site, entry_type, fields, expected,
                               id=f"{site}-{entry_type}-{json.dumps(fields)}")


@pytest.mark.parametrize(("entry_type", "fields", "expected"), PREPRINT_CASES)
def test_the_preprint_rule(entry_type, fields, expected):
    assert _preprint_ref(entry_type, fields).is_arxiv_preprint is expected


@pytest.mark.parametrize(("site", "entry_type", "fields", "expected"), list(_preprint_params()))
def test_every_writer_agrees_on_what_is_a_preprint(site, entry_type, fields, expected):
    assert PREPRINT_SITES[site](_preprint_ref(entry_type, fields)) is expected


def test_a_preprint_does_not_carry_its_arxiv_journal_along():
    ref = _preprint_ref("article", {"journal": "arXiv preprint arXiv:2212.08073"})
    assert "journal" not in render_entry(ref)
    assert "container-title" not in csl_item(ref)


def test_a_paper_without_an_arxiv_id_is_no_preprint():
    ref = Reference(key="x", entry_type="misc", title="A web page")
    assert ref.is_arxiv_preprint is False
    assert csl_item(ref)["type"] == "document"


# ------------------------------------------------------------------ fold text for matching

FOLD_CASES = [
    ("Rønnow Straße", "ronnow strasse"),
    ("Lukošiūtė", "lukosiute"),
    ("ŁUKASZ Ærø", "lukasz aero"),
    ("Constitutional AI: Harmlessness from AI Feedback",
     "constitutional ai harmlessness from ai feedback"),
    ("Über-Test", "uber test"),
]


@pytest.mark.parametrize(("text", "expected"), FOLD_CASES)
def test_the_fold(text, expected):
    assert fold(text) == expected
    assert fold(fold(text)) == fold(text)  # idempotent


@pytest.mark.parametrize(("text", "expected"), FOLD_CASES)
def test_search_verification_folds_the_same(text, expected):
    assert _normalise(text) == expected


@pytest.mark.parametrize(("text", "expected"), FOLD_CASES)
def test_the_zotero_duplicate_index_folds_the_same(text, expected):
    assert normalise_title(text) == expected


@pytest.mark.parametrize(("surname", "expected"), [
    ("Rønnow", "ronnow"), ("Straße", "strasse"), ("Lukošiūtė", "lukosiute"),
    ("Łukasz", "lukasz"), ("Ærø", "aero"), (r"G{\"o}del", "godel"),
])
def test_citation_keys_spell_names_by_the_same_fold(surname, expected):
    key = make_key(Reference(authors=[Author(surname)], date="2020", title="Test"))
    assert key == f"{expected}2020test"
    assert to_ascii(surname.replace(r"{\"o}", "ö")).lower() == expected


# ------------------------------------------------------------------ refuse a title match

TWIN_CASES = [
    # (ids of the paper already there, ids of the new record, is it the same paper?)
    ({}, {}, True),
    ({"arxiv_id": "2212.08073"}, {}, True),
    ({"doi": "10.1000/abc"}, {"doi": "10.1000/ABC"}, True),
    ({"doi": "10.1000/abc"}, {"arxiv_id": "2212.08073"}, True),
    ({"arxiv_id": "2212.08073"}, {"arxiv_id": "2310.13798"}, False),
    ({"doi": "10.1000/abc"}, {"doi": "10.1000/xyz"}, False),
]
# The same arXiv id is an id match, which wins over the title (and over the DOIs).
ID_MATCH = ({"arxiv_id": "2212.08073", "doi": "10.1000/abc"},
            {"arxiv_id": "2212.08073", "doi": "10.1000/xyz"}, True)
TITLE = "Measuring Faithfulness in Chain-of-Thought Reasoning"


def _twin(ids) -> Reference:
    return Reference(title=TITLE, date="2023", **ids)


@pytest.mark.parametrize(("there", "new", "same"), TWIN_CASES)
def test_the_title_match_rule(there, new, same):
    assert _twin(new).ids_conflict(arxiv_id=there.get("arxiv_id"),
                                   doi=there.get("doi")) is not same


@pytest.mark.parametrize(("there", "new", "same"), [*TWIN_CASES, ID_MATCH])
def test_the_library_index_refuses_the_same_title_matches(there, new, same):
    item = {"key": "ABCD2345", "version": 1, "itemType": "journalArticle", "title": TITLE,
            "date": "2023", "publicationTitle": "Journal of Tests"}
    if "doi" in there:
        item["DOI"] = there["doi"]
    if "arxiv_id" in there:
        item["extra"] = f"arXiv:{there['arxiv_id']}"
    with LibraryIndex(":memory:", "user:1") as index:
        index.add(item)
        found = index.find(_twin(new))
    assert (found is not None and found.key == "ABCD2345") is same


@pytest.mark.parametrize(("there", "new", "same"), [*TWIN_CASES, ID_MATCH])
def test_a_push_refuses_the_same_title_matches_among_its_inputs(there, new, same):
    queued = _twin(there)
    pending = dict.fromkeys(identity_keys(queued), 0)
    assert (_pending_twin(_twin(new), pending, [queued]) == 0) is same
