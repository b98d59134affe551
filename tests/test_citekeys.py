"""Citation keys: each formula on real papers, clash suffixes, and keys that are never changed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.citekeys import FORMULAS, assign_keys, make_key, repair_keys, with_keys
from bridge.errors import UnknownFormat
from bridge.model import Author, Reference
from bridge.names import split_plain_name


def _ref(title: str | None, names: list[str], date: str | None = None,
         arxiv_id: str | None = None, **extra) -> Reference:
    return Reference(title=title, authors=[split_plain_name(n) for n in names], date=date,
                     arxiv_id=arxiv_id, **extra)


KUNDU = _ref("Specific versus General Principles for Constitutional AI",
             ["Sandipan Kundu", "Yuntao Bai"], "2023-10-20", "2310.13798")
VASWANI = _ref("Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer"], "2017-06-12",
               "1706.03762")
BOMMASANI = _ref("On the Opportunities and Risks of Foundation Models", ["Rishi Bommasani"],
                 "2021-08-16", "2108.07258")
MAATEN = Reference(title="Visualizing Data using t-SNE",
                   authors=[Author("Maaten", "Laurens", "van der")], date="2008")
ARMATO = _ref("The Lung Image Database Consortium (LIDC)", ["Samuel G. Armato"], "2011")
# Words split at hyphens, so "Human-like" is "Human" and the skip word "like".
ADIWARDANA = _ref("Towards a Human-like Open-Domain Chatbot", ["Daniel Adiwardana"],
                  "2020-01-27", "2001.09977")
OLD = _ref("Gauge theory of the $\\alpha$-decay in {M}-theory", ["Jürgen Müller-Weiß"],
           "1999-01-04", "hep-th/9901001")

KEYS = [
    # (reference, auth-year-title, bbt, arxiv-id)
    (KUNDU, "kundu2023specific", "kunduSpecificGeneralPrinciples2023", "2310.13798"),
    (VASWANI, "vaswani2017attention", "vaswaniAttentionAllYou2017", "1706.03762"),
    (BOMMASANI, "bommasani2021opportunities", "bommasaniOpportunitiesRisksFoundation2021",
     "2108.07258"),
    (MAATEN, "maaten2008visualizing", "vandermaatenVisualizingDataUsing2008",
     "maaten2008visualizing"),
    (ARMATO, "armato2011lung", "armatoLungImageDatabase2011", "armato2011lung"),
    (ADIWARDANA, "adiwardana2020towards", "adiwardanaHumanOpenDomain2020", "2001.09977"),
    (OLD, "mullerweiss1999gauge", "mullerweissGaugeTheoryDecay1999", "hep-th_9901001"),
    (_ref("Deep Learning", ["ATLAS Collaboration"], "2015"), "atlas2015deep",
     "atlasDeepLearning2015", "atlas2015deep"),
    (_ref("Observation of Gravitational Waves", ["The LIGO Scientific Collaboration"],
          "2016"), "ligo2016observation", "ligoObservationGravitationalWaves2016",
     "ligo2016observation"),
    (_ref("Søren’s Œuvre", ["Søren Kjær"], "2020"), "kjaer2020soren", "kjaerSorenSOEuvre2020",
     "kjaer2020soren"),
    (_ref("Untitled", [], None), "anonuntitled", "anonUntitled", "anonuntitled"),
    (_ref(None, ["Plato"], "0380"), "plato0380", "plato0380", "plato0380"),
]


@pytest.mark.parametrize(("ref", "default", "bbt", "arxiv"), KEYS)
def test_make_key(ref: Reference, default: str, bbt: str, arxiv: str):
    assert make_key(ref) == default
    assert make_key(ref, "auth-year-title") == default
    assert make_key(ref, "bbt") == bbt
    assert make_key(ref, "arxiv-id") == arxiv


def test_year_falls_back_to_the_first_arxiv_version():
    ref = KUNDU.copy(date=None, arxiv_published="2023-10-20")
    assert make_key(ref) == "kundu2023specific"


def test_unknown_formula_lists_the_known_ones():
    with pytest.raises(UnknownFormat, match="auth-year-title, bbt"):
        make_key(KUNDU, "zotero")
    assert FORMULAS == ("auth-year-title", "bbt", "arxiv-id")


def test_clashes_get_a_b_c_and_the_first_keeps_the_bare_key():
    refs = [KUNDU.copy() for _ in range(4)]
    assign_keys(refs, formula="auth-year-title", taken=set())
    assert [r.key for r in refs] == [
        "kundu2023specific", "kundu2023specifica", "kundu2023specificb", "kundu2023specificc"]


def test_existing_keys_are_never_changed_and_never_reused():
    refs = [KUNDU.copy(), KUNDU.copy(key="kundu2023specific"), KUNDU.copy(key="Mine:2023"),
            VASWANI.copy()]
    taken = {"Vaswani2017Attention"}
    assign_keys(refs, formula="auth-year-title", taken=taken)
    # the key already in the list wins its own name; keys compare case-insensitively
    assert [r.key for r in refs] == [
        "kundu2023specifica", "kundu2023specific", "Mine:2023", "vaswani2017attentiona"]
    assert taken == {"Vaswani2017Attention", "kundu2023specifica", "vaswani2017attentiona"}


def test_keys_run_past_z():
    refs = [KUNDU.copy() for _ in range(30)]
    assign_keys(refs, taken=set())
    assert [r.key for r in refs][25:] == [
        "kundu2023specificy", "kundu2023specificz", "kundu2023specificaa",
        "kundu2023specificab", "kundu2023specificac"]
    assert len({r.key for r in refs}) == 30


@given(title=st.text(max_size=40), name=st.text(max_size=20),
       formula=st.sampled_from(FORMULAS), year=st.one_of(st.none(), st.just("2023")))
def test_keys_are_always_valid_bibtex_keys(title: str, name: str, formula: str, year):
    ref = Reference(title=title, authors=[Author(name)] if name else [], date=year)
    assert re.fullmatch(r"[A-Za-z0-9_.:\-]+", make_key(ref, formula))


def test_with_keys_keys_copies_and_leaves_the_callers_references_alone():
    mine = [Reference(title="Deep learning", date="2015", authors=[Author("LeCun")]),
            Reference(key="kept", title="Deep learning", date="2015")]
    keyed = with_keys(mine, taken={"lecun2015deep"})
    assert [r.key for r in keyed] == ["lecun2015deepa", "kept"]
    assert mine[0].key is None and keyed[0] is not mine[0]
    assert keyed[1] is mine[1]  # nothing to change: no copy needed


@pytest.mark.parametrize(("typed", "taken", "expected"), [
    (["a b", "a{}b"], set(), ["ab", None]),        # the same key once cleaned
    (["Müller:2020", "x"], {"X"}, ["Mller:2020", None]),
    (["{}", None], set(), [None, None]),
])
def test_keys_typed_into_zotero_are_repaired_then_made(typed, taken, expected):
    refs = [Reference(key=key, title="Deep learning", date="2015") for key in typed]
    repair_keys(refs, taken)
    assert [r.key for r in refs] == expected
    assign_keys(refs, taken=set(taken))
    assert len({r.key.lower() for r in refs} | {t.lower() for t in taken}) == (
        len(refs) + len(taken))
