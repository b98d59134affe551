"""The arXiv identifier grammar: real strings, every written form, false-positive traps, and
properties (a valid id is found whatever surrounds it; normalising is idempotent)."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bridge.arxiv_id import (
    OLD_ARCHIVES,
    ArxivId,
    IdMatch,
    find_ids,
    is_valid,
    normalise,
    parse,
)
from bridge.errors import InvalidArxivId

from .paths import BIB_CORPUS, SAMPLES


def _found(text: str) -> list[tuple[str, str]]:
    """(canonical id, matched text) for every id in text."""
    return [(str(m.arxiv_id), text[m.start:m.end]) for m in find_ids(text)]


# Real lines from shared/samples and shared/corpora/bib (file:line in the comment).
REAL = [
    # biblatex-examples.bib:1428
    ("  eprint       = {hep-th/9603067},", [("hep-th/9603067", "hep-th/9603067")]),
    # biblatex-examples.bib:76
    ("  eprint       = {math/0307200v3},", [("math/0307200v3", "math/0307200v3")]),
    # biblatex-examples.bib:1466
    ("  eprint       = {1008.2849v1},", [("1008.2849v1", "1008.2849v1")]),
    # contextlab_cdl.bib:6186
    ("\tPages = {cs/0504107v2},", [("cs/0504107v2", "cs/0504107v2")]),
    # contextlab_cdl.bib:282
    ("\tVolume = {doi.org/10.48550/arXiv.2404.14619},",
     [("2404.14619", "doi.org/10.48550/arXiv.2404.14619")]),
    # contextlab_cdl.bib:5079 (a 4-digit id of the 0704-1412 era)
    ("\tVolume = {1301.3781},", [("1301.3781", "1301.3781")]),
    # contextlab_cdl.bib:53763
    ("\tJournal = {{arXiv} Preprint {arXiv}:1910.06508},",
     [("1910.06508", "{arXiv}:1910.06508")]),
    # andreasen_astro_thesis_ads.bib
    ("   eprint = {astro-ph/0601001},", [("astro-ph/0601001", "astro-ph/0601001")]),
    ("   adsurl = {http://adsabs.harvard.edu/abs/2014arXiv1407.5817S},",
     [("1407.5817", "2014arXiv1407.5817")]),
    # ADS truncated these two eprints; three digits is no id
    ("   eprint = {1409.006},", []),
    ("   eprint = {1503.010},", []),
    # a journal DOI whose digits look like a 5-digit id (2005.08922) must give nothing
    ("      doi = {10.1111/j.1365-2966.2005.08922.x},", []),
    ("      doi = {10.1111/j.1365-2966.2012.20635.x},", []),
    ("\tPages = {doi.org/10.1109/CVPRW.2008.4562956},", []),
    ("\tVolume = {https://zenodo.org/record/1322068\\#.W4tPKZNKh24}", []),
    # arxiv-listing-abstracts.txt: the id is glued to the next abstract's first word
    ("arXiv:2310.13798Reinforcement learning from human feedback (RLHF)",
     [("2310.13798", "arXiv:2310.13798")]),
    ("arXiv:2212.13768As language models (LMs) scale",
     [("2212.13768", "arXiv:2212.13768")]),
    ("arXiv:2011.01696", [("2011.01696", "arXiv:2011.01696")]),
    # arxiv-listing-abstracts.txt:9, URLs that are not arXiv's
    ("for associated data visualizations, see https://www.evals.anthropic.com/model-written/ "
     "for full datasets, see https://github.com/anthropics/evals", []),
    # Public pages and READMEs (found with a code search): arXiv's old host and mirrors, and
    # other sites' pages of one paper
    ("* _Quantum groups from path integrals_ ([arXiv](http://xxx.lanl.gov/abs/q-alg/9501025))",
     [("q-alg/9501025", "http://xxx.lanl.gov/abs/q-alg/9501025")]),
    ("Kim Sang and Veenstra http://xxx.lanl.gov/abs/cs.CL/9907006",
     [("cs/9907006", "http://xxx.lanl.gov/abs/cs.CL/9907006")]),
    ("# https://xxx.lanl.gov/pdf/1612.06869v2",
     [("1612.06869v2", "https://xxx.lanl.gov/pdf/1612.06869v2")]),
    ("# http://xxx.lanl.gov/pdf/1510.07574.pdf",
     [("1510.07574", "http://xxx.lanl.gov/pdf/1510.07574.pdf")]),
    ("(http://lanl.arxiv.org/abs/cs/9907003)", [("cs/9907003", "http://lanl.arxiv.org/abs/cs/9907003")]),
    ("- [MAML: Model-Agnostic Meta-Learning](https://hf.co/papers/1703.03400) - Foundation",
     [("1703.03400", "https://hf.co/papers/1703.03400")]),
    ("This will expose a link to the paper here https://huggingface.co/papers/2411.12372",
     [("2411.12372", "https://huggingface.co/papers/2411.12372")]),
    ("[PDF](https://arxiv.org/pdf/2601.16073v1) | [AlphaXiv](https://alphaxiv.org/abs/2601.16073v1)",
     [("2601.16073v1", "https://arxiv.org/pdf/2601.16073v1"),
      ("2601.16073v1", "https://alphaxiv.org/abs/2601.16073v1")]),
    ("[alphaXiv 2603.09985](https://www.alphaxiv.org/abs/2603.09985.md)",
     [("2603.09985", "2603.09985"), ("2603.09985", "https://www.alphaxiv.org/abs/2603.09985.md")]),
    ("[JEPA-Reasoner](https://www.alphaxiv.org/overview/2512.19171v1)",
     [("2512.19171v1", "https://www.alphaxiv.org/overview/2512.19171v1")]),
    ("ref: NExT-QA | https://www.semanticscholar.org/arxiv/2105.08276",
     [("2105.08276", "https://www.semanticscholar.org/arxiv/2105.08276")]),
    ("[GM19](https://scirate.com/arxiv/1902.02332)]",
     [("1902.02332", "https://scirate.com/arxiv/1902.02332")]),
    ("##code proposed by https://scirate.com/arxiv/2503.22071#2408, new way",
     [("2503.22071", "https://scirate.com/arxiv/2503.22071")]),
    ("[[vanity](https://www.arxiv-vanity.com/papers/1406.2661/)]",
     [("1406.2661", "https://www.arxiv-vanity.com/papers/1406.2661")]),
    ("[ar5iv](https://ar5iv.org/abs/2212.08073) and https://ar5iv.labs.arxiv.org/html/1711.03899",
     [("2212.08073", "https://ar5iv.org/abs/2212.08073"),
      ("1711.03899", "https://ar5iv.labs.arxiv.org/html/1711.03899")]),
    ("[58](https://papers.cool/arxiv/2412.05899)", [("2412.05899", "https://papers.cool/arxiv/2412.05899")]),
    ('[arXiv:1303.0891](http://front.math.ucdavis.edu/1303.0891 "arXiv link")',
     [("1303.0891", "arXiv:1303.0891"), ("1303.0891", "http://front.math.ucdavis.edu/1303.0891")]),
    # the Front numbered pre-2007 papers its own way: 0412.5512 is its name for math/0412512
    ("[math.AG/0412512](http://front.math.ucdavis.edu/0412.5512).",
     [("math/0412512", "math.AG/0412512")]),
    ("([arXiv:hep.th/9311184](http://front.math.ucdavis.edu/9311.3184))", []),
    # an alphaXiv path that is not an id; a SciRate listing
    ("- [alphaXiv](https://www.alphaxiv.org/abs/2608.glm-5)", []),
    ("url = \"https://scirate.com/arxiv/quant-ph?date=2018-04-11&range=1\"", []),
]


@pytest.mark.parametrize(("text", "expected"), REAL)
def test_real_strings(text: str, expected: list[tuple[str, str]]):
    assert _found(text) == expected


FORMS = [
    ("2310.13798", "2310.13798"),
    ("2310.13798v2", "2310.13798v2"),
    ("0704.0001", "0704.0001"),
    ("1412.9999", "1412.9999"),
    ("1501.00001", "1501.00001"),
    ("arXiv:2310.13798", "2310.13798"),
    ("arXiv: 2310.13798", "2310.13798"),
    ("arxiv 2310.13798v3", "2310.13798v3"),
    ("ARXIV:2310.13798", "2310.13798"),
    ("arXiv.org:2310.13798", "2310.13798"),
    ("arXiv.2310.13798", "2310.13798"),
    ("https://arxiv.org/abs/2310.13798", "2310.13798"),
    ("http://arxiv.org/abs/2310.13798v1", "2310.13798v1"),
    ("https://arxiv.org/pdf/2310.13798.pdf", "2310.13798"),
    ("https://arxiv.org/pdf/2310.13798v2.pdf", "2310.13798v2"),
    ("https://arxiv.org/pdf/2310.13798v2", "2310.13798v2"),
    ("https://export.arxiv.org/abs/2310.13798", "2310.13798"),
    ("https://www.arxiv.org/abs/2310.13798", "2310.13798"),
    ("arxiv.org/html/2310.13798v1", "2310.13798v1"),
    ("https://arxiv.org/format/2310.13798", "2310.13798"),
    ("10.48550/arXiv.2310.13798", "2310.13798"),
    ("10.48550/ARXIV.2310.13798", "2310.13798"),
    ("10.48550/arxiv.2310.13798", "2310.13798"),
    ("doi:10.48550/arXiv.2310.13798", "2310.13798"),
    ("https://doi.org/10.48550/arXiv.2310.13798", "2310.13798"),
    ("https://dx.doi.org/10.48550/arXiv.hep-th/9901001", "hep-th/9901001"),
    ("hep-th/9901001", "hep-th/9901001"),
    ("hep-th/9108001", "hep-th/9108001"),
    ("arXiv:hep-th/9901001v1", "hep-th/9901001v1"),
    ("math.GT/0309136", "math/0309136"),
    ("math.CA/0611800v2", "math/0611800v2"),
    ("cond-mat.str-el/0101001", "cond-mat/0101001"),
    ("physics.acc-ph/0101001", "physics/0101001"),
    ("HEP-TH/9901001", "hep-th/9901001"),
    ("https://arxiv.org/abs/math.GT/0309136v1", "math/0309136v1"),
    ("https://arxiv.org/pdf/astro-ph/0601001.pdf", "astro-ph/0601001"),
    ("solv-int/9901001", "solv-int/9901001"),
    ("q-alg/9701001", "q-alg/9701001"),
    ("cmp-lg/9404001", "cmp-lg/9404001"),
    ("astro-ph/0703999", "astro-ph/0703999"),
    # arXiv's original host, its mirrors, and other sites' pages of one paper
    ("http://xxx.lanl.gov/abs/hep-th/9901001", "hep-th/9901001"),
    ("xxx.lanl.gov/abs/hep-th/9901001v2", "hep-th/9901001v2"),
    ("https://xxx.lanl.gov/pdf/1612.06869v2.pdf", "1612.06869v2"),
    ("http://XXX.LANL.GOV/ps/math.GT/0309136", "math/0309136"),
    ("http://lanl.arxiv.org/abs/astro-ph/0309141v1", "astro-ph/0309141v1"),
    ("http://de.arxiv.org/abs/2310.13798", "2310.13798"),
    ("https://ar5iv.labs.arxiv.org/html/2310.13798v2", "2310.13798v2"),
    ("https://ar5iv.org/abs/2310.13798", "2310.13798"),
    ("https://ar5iv.org/html/hep-th/9901001", "hep-th/9901001"),
    ("https://www.arxiv-vanity.com/papers/2310.13798", "2310.13798"),
    ("https://huggingface.co/papers/2310.13798", "2310.13798"),
    ("huggingface.co/papers/2310.13798v3", "2310.13798v3"),
    ("https://huggingface.co/papers/2310.13798.md", "2310.13798"),
    ("https://hf.co/papers/2310.13798", "2310.13798"),
    ("https://alphaxiv.org/abs/2310.13798", "2310.13798"),
    ("https://www.alphaxiv.org/abs/2310.13798v2.md", "2310.13798v2"),
    ("https://www.alphaxiv.org/overview/2310.13798v1", "2310.13798v1"),
    ("https://www.semanticscholar.org/arxiv/2310.13798", "2310.13798"),
    ("semanticscholar.org/arxiv/hep-th/9901001", "hep-th/9901001"),
    ("https://scirate.com/arxiv/2310.13798v2", "2310.13798v2"),
    ("https://papers.cool/arxiv/2310.13798", "2310.13798"),
    ("http://front.math.ucdavis.edu/0811.1604", "0811.1604"),
    ("http://front.math.ucdavis.edu/math.GT/0309136", "math/0309136"),
]


@pytest.mark.parametrize(("written", "canonical"), FORMS)
def test_every_form_alone_is_one_whole_match(written: str, canonical: str):
    assert _found(written) == [(canonical, written)]
    assert normalise(written) == canonical
    assert is_valid(written)


@pytest.mark.parametrize(("written", "canonical"), FORMS)
def test_every_form_inside_a_sentence(written: str, canonical: str):
    text = f"As shown in ({written}), it works."
    assert _found(text) == [(canonical, written)]


GLUED = [
    ("arXiv:2310.13798Reinforcement", "2310.13798", "arXiv:2310.13798"),
    ("arXiv:2310.13798v2Title", "2310.13798v2", "arXiv:2310.13798v2"),
    ("arXiv:2310.13798Very", "2310.13798", "arXiv:2310.13798"),
    ("arXiv:hep-th/9901001Title", "hep-th/9901001", "arXiv:hep-th/9901001"),
    ("https://arxiv.org/abs/2310.13798v2#S3", "2310.13798v2", "https://arxiv.org/abs/2310.13798v2"),
    ("https://arxiv.org/abs/2310.13798?context=cs", "2310.13798",
     "https://arxiv.org/abs/2310.13798"),
]


@pytest.mark.parametrize(("text", "canonical", "matched"), GLUED)
def test_an_id_after_a_cue_may_be_glued_to_what_follows(text, canonical, matched):
    assert _found(text) == [(canonical, matched)]


TRAPS = [
    "pi is 3.14159 and e is 2.71828",
    "1234.5678",  # month 34
    "2013.12345",  # month 13
    "0000.0001",
    "0612.1234",  # new scheme starts at 0704
    "0703.1234",
    "1001.12345",  # 5 digits before 1501
    "2310.1379",  # 4 digits from 1501 on
    "2310.137981",  # 6 digits
    "2310.00000",  # sequence numbers start at 1
    "12310.13798",
    "version v1.2.3, Python 3.11.7, numpy 1.26.4",
    "on 2023.10.05 and 2023-10-05",
    "pp. 1101--1105",
    "pp. 1101-1105",
    "pages 1101.1105-1110",
    "1101.1105--1109",
    "3.1101.1105",
    "1101.1105.7",
    "x1101.1105",
    "1101.1105x",
    "2310.13798Reinforcement",  # glued without an arXiv: cue
    "2310.13798v2Title",
    "ISBN 978-3-642-23455-0, ISBN 0-306-40615-2, ISBN 9783642234550",
    "10.1103/PhysRevLett.116.061102",
    "10.1007/978-3-642-23455-0_12",
    "10.1051/0004-6361/201322068",
    "10.1234/2310.13798",
    "10.1016/j.physletb.2012.08.020",
    "https://example.org/files/2310.13798",
    "https://example.org/math/0309136",
    "/home/user/hep-th/9901001",
    "foo/0504107",  # not an archive
    "stat/0504107",  # stat only began in 2007, after the old scheme
    "math/0713001",  # month 13
    "math/0704001",  # old scheme ends at 0703
    "math/9106001",  # before arXiv
    "math/0307000",  # sequence numbers start at 001
    "math/03072001",
    "xmath/0307200",
    "hep-th/990100",
    "call 555-2310.1379 now",
    "arXiv:2310.137981",
    "arXiv:1234.5678",
    # such a host, but the path is not an id (or the id is not valid)
    "https://huggingface.co/papers/2310.137981",
    "https://huggingface.co/papers/trending/2310.13798",
    "https://huggingface.co/datasets/someone/2310.13798",
    "https://www.semanticscholar.org/paper/2310.13798",
    "https://alphaxiv.org/abs/1234.5678",
    "https://www.alphaxiv.org/abs/2608.glm-5",
    "https://scirate.com/arxiv/quant-ph?date=2018-04-11",
    "http://xxx.lanl.gov/abs/hep-th/990100",
    "http://xxx.lanl.gov/list/hep-th/9901001",
    "http://front.math.ucdavis.edu/0412.5512",  # the Front's own number of math/0412512
    "https://ar5iv.org/papers/2310.13798",
    # a look-alike host
    "https://notarxiv.org/abs/2310.13798",
    "https://nothf.co/papers/2310.13798",
    "https://huggingface.co.evil.example/x/2310.13798",
]


@pytest.mark.parametrize("text", TRAPS)
def test_traps_find_nothing(text: str):
    assert find_ids(text) == []


@pytest.mark.parametrize("text", [t for t in TRAPS if "," not in t and " " not in t])
def test_traps_do_not_parse(text: str):
    assert not is_valid(text)
    with pytest.raises(InvalidArxivId):
        parse(text)


def test_a_comma_separated_list_of_ids():
    assert _found("2310.13798,2310.13548, 0704.0001") == [
        ("2310.13798", "2310.13798"), ("2310.13548", "2310.13548"), ("0704.0001", "0704.0001")]


def test_spans_of_several_ids_in_one_text():
    text = "See arXiv:2310.13798, hep-th/9901001v2 and https://arxiv.org/pdf/1501.00001.pdf."
    assert find_ids(text) == [
        IdMatch(ArxivId("2310.13798"), 4, 20),
        IdMatch(ArxivId("hep-th/9901001", 2), 22, 38),
        IdMatch(ArxivId("1501.00001"), 43, 79),
    ]
    assert [m.form for m in find_ids(text)] == ["prefix", "bare", "url"]
    assert [m.cued for m in find_ids(text)] == [True, False, True]


def test_the_form_an_id_was_written_in():
    text = ("2310.13798 doi:10.48550/arXiv.2310.13799 2014arXiv1407.5817S "
            "http://xxx.lanl.gov/abs/hep-th/9901001 arXiv: 2310.13800")
    assert [(str(m.arxiv_id), m.form) for m in find_ids(text)] == [
        ("2310.13798", "bare"), ("2310.13799", "doi"), ("1407.5817", "bibcode"),
        ("hep-th/9901001", "url"), ("2310.13800", "prefix")]


PARSE = [
    ("  arXiv:2310.13798v2\n", ArxivId("2310.13798", 2)),
    ("https://arxiv.org/abs/2310.13798/", ArxivId("2310.13798")),
    ("https://arxiv.org/abs/2310.13798v3?context=cs", ArxivId("2310.13798", 3)),
    ("math.GT/0309136", ArxivId("math/0309136")),
    ("10.48550/ARXIV.2404.14619", ArxivId("2404.14619")),
    ("http://xxx.lanl.gov/abs/hep-th/9901001", ArxivId("hep-th/9901001")),
    ("https://www.arxiv-vanity.com/papers/1406.2661/", ArxivId("1406.2661")),
    ("https://scirate.com/arxiv/2503.22071#2408", ArxivId("2503.22071")),
    ("https://huggingface.co/papers/2310.13798v2.md", ArxivId("2310.13798", 2)),
]


@pytest.mark.parametrize(("text", "expected"), PARSE)
def test_parse(text: str, expected: ArxivId):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "arXiv:", "2310.13798 2310.13799", "see 2310.13798", "arXiv:2310.13798Reinforcement",
     "2310.13798 extra", "https://arxiv.org/abs/2310.13798 trailing words"],
)
def test_parse_refuses_anything_but_one_id(text: str):
    with pytest.raises(InvalidArxivId, match="is not an arXiv identifier"):
        parse(text)


def test_arxiv_id_value():
    assert ArxivId("2310.13798", 2).versioned == "2310.13798v2"
    assert str(ArxivId("hep-th/9901001")) == "hep-th/9901001"
    assert ArxivId("hep-th/9901001").is_old_style
    assert not ArxivId("2310.13798").is_old_style


def test_old_archives_are_arxivs_pre_2007_list():
    assert len(OLD_ARCHIVES) == 34
    assert {"acc-phys", "bayes-an", "cmp-lg", "q-bio", "supr-con", "math-ph"} <= OLD_ARCHIVES
    assert not {"stat", "q-fin", "econ", "eess", "test"} & OLD_ARCHIVES


# Whole files: every id found, in order, and nothing else.
def test_every_id_in_the_biblatex_examples():
    text = (BIB_CORPUS / "biblatex-examples.bib").read_text(encoding="utf-8")
    assert [str(m.arxiv_id) for m in find_ids(text)] == [
        "math/0307200v3", "math/0307200v3", "hep-th/9603067", "1008.2849v1"]


def test_every_eprint_of_the_ads_thesis_is_found():
    text = (BIB_CORPUS / "andreasen_astro_thesis_ads.bib").read_text(encoding="utf-8")
    eprints = re.findall(r"eprint = \{([^}]*)\}", text)
    valid = {e for e in eprints if e not in {"1409.006", "1503.010"}}
    found = {str(m.arxiv_id) for m in find_ids(text)}
    assert found == valid
    assert len(found) == 185
    assert sum("/" in i for i in found) == 23


def test_the_arxiv_listing_sample_ids_in_order():
    text = (SAMPLES / "arxiv-listing-abstracts.txt").read_text(encoding="utf-8")
    assert [str(m.arxiv_id) for m in find_ids(text)] == [
        "2310.13798", "2310.13548", "2307.11768", "2307.13702",
        "2212.13768", "2212.09251", "2110.10802", "2011.01696"]


@pytest.mark.parametrize("name", ["abstracts-only.txt", "aggregator-listing.txt"])
def test_samples_without_ids_give_none(name: str):
    assert find_ids((SAMPLES / name).read_text(encoding="utf-8")) == []


# Properties.
_MONTH = st.integers(1, 12)
_NEW_ID = st.one_of(
    st.tuples(st.integers(7, 14), _MONTH, st.integers(1, 9999))
    .filter(lambda t: t[0] * 100 + t[1] >= 704 and t[0] * 100 + t[1] <= 1412)
    .map(lambda t: f"{t[0]:02d}{t[1]:02d}.{t[2]:04d}"),
    st.tuples(st.integers(15, 99), _MONTH, st.integers(1, 99999))
    .map(lambda t: f"{t[0]:02d}{t[1]:02d}.{t[2]:05d}"),
)
_OLD_YYMM = st.one_of(
    st.tuples(st.integers(91, 99), _MONTH).filter(lambda t: t[0] * 100 + t[1] >= 9107),
    st.tuples(st.integers(0, 7), _MONTH).filter(lambda t: t[0] * 100 + t[1] <= 703),
)
_OLD_ID = st.tuples(st.sampled_from(sorted(OLD_ARCHIVES)), _OLD_YYMM, st.integers(1, 999)).map(
    lambda t: f"{t[0]}/{t[1][0]:02d}{t[1][1]:02d}{t[2]:03d}")
_ID = st.one_of(_NEW_ID, _OLD_ID)
_VERSION = st.one_of(st.none(), st.integers(1, 30))
# Separators that can never belong to an id or glue onto one.
_LEFT_SEP = st.sampled_from([" ", "\n", "\t", "(", "[", "{", '"', "'", ";", "=", "<"])
_RIGHT_SEP = st.sampled_from([" ", "\n", "\t", ")", "]", "}", '"', "'", ";", ",", "!", "?", ">"])
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _versioned(ident: str, version: int | None) -> str:
    return f"{ident}v{version}" if version else ident


@given(_TEXT, _LEFT_SEP, _ID, _VERSION, _RIGHT_SEP, _TEXT)
def test_a_bare_id_is_found_whatever_surrounds_it(left, lsep, ident, version, rsep, right):
    # A cue word just before the separator would (rightly) become part of the match.
    assume(not re.search(r"arxiv(\.org)?\}?\s*:?\s*$", left + lsep, re.IGNORECASE))
    written = _versioned(ident, version)
    text = left + lsep + written + rsep + right
    start = len(left) + len(lsep)
    expected = IdMatch(ArxivId(ident, version), start, start + len(written))
    assert expected in find_ids(text)


_CUES = st.sampled_from([
    "arXiv:", "arXiv: ", "arxiv ", "ARXIV:", "https://arxiv.org/abs/", "http://arxiv.org/pdf/",
    "https://export.arxiv.org/abs/", "www.arxiv.org/abs/", "10.48550/arXiv.",
    "https://doi.org/10.48550/ARXIV.", "http://xxx.lanl.gov/abs/", "https://lanl.arxiv.org/pdf/",
    "https://huggingface.co/papers/", "https://www.alphaxiv.org/abs/",
    "https://www.semanticscholar.org/arxiv/", "https://scirate.com/arxiv/",
])
_GLUED_WORD = st.text(st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=12)


@given(_TEXT, _LEFT_SEP, _CUES, _ID, _VERSION, _GLUED_WORD, _TEXT)
def test_an_id_after_a_cue_is_found_even_glued_to_a_word(left, lsep, cue, ident, version,
                                                         word, right):
    assume(not re.search(r"arxiv(\.org)?\}?\s*:?\s*$", left + lsep, re.IGNORECASE))
    assume(not re.match(r"[vV]\d", word))  # that would be a version
    written = cue + _versioned(ident, version)
    text = left + lsep + written + word + " " + right
    start = len(left) + len(lsep)
    expected = IdMatch(ArxivId(ident, version), start, start + len(written))
    assert expected in find_ids(text)


@given(_ID, _VERSION)
def test_normalise_is_idempotent_and_round_trips(ident, version):
    canonical = normalise(_versioned(ident, version))
    assert canonical == _versioned(ident, version)
    assert normalise(canonical) == canonical
    assert parse(f"arXiv:{canonical}") == ArxivId(ident, version)


@given(st.sampled_from([w for w, _ in FORMS]))
def test_normalise_is_idempotent_on_every_form(written):
    assert normalise(normalise(written)) == normalise(written)


@given(st.from_regex(r"\A\d{1,4}\.\d{1,3}(\.\d{1,3})?\Z"))
def test_short_decimals_and_versions_are_never_ids(text):
    assert find_ids(text) == []


_PAPER_PAGES = st.sampled_from([
    "http://xxx.lanl.gov/abs/", "https://huggingface.co/papers/", "https://hf.co/papers/",
    "https://www.alphaxiv.org/abs/", "https://alphaxiv.org/overview/",
    "https://www.semanticscholar.org/arxiv/", "https://scirate.com/arxiv/",
    "https://ar5iv.org/html/", "https://www.arxiv-vanity.com/papers/",
    "https://papers.cool/arxiv/", "http://front.math.ucdavis.edu/",
])


@given(_PAPER_PAGES, st.one_of(
    st.from_regex(r"\A\d{1,4}\.\d{1,3}(\.\d{1,3})?\Z"),
    st.from_regex(r"\A(19|20)\d\d-[01]\d-[0-3]\d\Z"),
    st.from_regex(r"\Av?\d{1,2}\.\d{1,2}\.\d{1,3}\Z")))
def test_decimals_versions_and_dates_on_a_paper_page_host_are_never_ids(page, path):
    assert find_ids(page + path) == []
