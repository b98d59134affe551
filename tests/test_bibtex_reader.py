"""The BibTeX reader: References from real .bib files, arXiv ids, macros, problems."""

from __future__ import annotations

import functools

import pytest

from bridge.errors import BibParseError, Problems
from bridge.model import Author, Provenance, Reference
from bridge.readers.bibtex import arxiv_id_from_fields, parse_bib, read_bibtex
from bridge.writers.bibtex import render_entry

from .paths import BIB_CORPUS, CORPORA, V1_DATA

BBT = CORPORA / "peers" / "zotero-better-bibtex" / "export"


def _read(path) -> str:
    return path.read_bytes().decode("utf-8")


@functools.cache
def _refs(path) -> list[Reference]:
    return read_bibtex(_read(path), path.name)


def _ids(path) -> list[tuple[str, str]]:
    refs = _refs(path)
    return [(ref.key, ref.versioned_id) for ref in refs if ref.arxiv_id]


# --- arxiv_id_from_fields: one row per pattern, fields copied from real entries ----------

ID_TABLE = [
    # biblatex-examples.bib, baez/article: biblatex eprint + eprinttype, versioned old id
    ({"eprint": "math/0307200v3", "eprinttype": "arxiv"}, ("math/0307200", 3)),
    # biblatex-examples.bib, wassenberg: new id with version and eprintclass
    ({"eprinttype": "arxiv", "eprintclass": "cs.DS", "eprint": "1008.2849v1"},
     ("1008.2849", 1)),
    # biblatex-examples.bib, kullback-ish googlebooks eprint: not arXiv
    ({"eprint": "4HIWAAAAYAAJ", "eprinttype": "googlebooks"}, None),
    # Better BibTeX #1128: a PubMed eprint is not arXiv, its secondary `arxiv` field is
    ({"eprint": "24038744", "eprinttype": "pubmed", "arxiv": "1408.1149"},
     ("1408.1149", None)),
    ({"eprint": "24038744", "eprinttype": "pubmed"}, None),
    # Better BibTeX #2881: another preprint server
    ({"eprinttype": "ESS Open Archive", "eprintclass": "Oceanography"}, None),
    # NASA ADS, Adamow2014: quoted archivePrefix, braced eprint
    ({"archiveprefix": '"arXiv"', "eprint": "{1407.4956}", "primaryclass": "astro-ph.SR"},
     ("1407.4956", None)),
    # NASA ADS, old entries: an untyped eprint that is itself an arXiv id
    ({"eprint": "astro-ph/0412032", "journal": r"\apj"}, ("astro-ph/0412032", None)),
    # NASA ADS: an `ascl` eprint is the Astrophysics Source Code Library
    ({"archiveprefix": "ascl", "eprint": "1202.009"}, None),
    # Better BibTeX (BibTeX): lower-case archiveprefix
    ({"eprint": "1410.5093", "primaryclass": "hep-ph", "archiveprefix": "arXiv"},
     ("1410.5093", None)),
    # Better BibTeX #152: Zotero's journal "arXiv:ID [cat]" alone
    ({"journal": "arXiv:1412.4006 [quant-ph]"}, ("1412.4006", None)),
    # Better BibTeX #2483: Zotero 6 preprint number "arXiv:ID"
    ({"number": "arXiv:2206.07690", "publisher": "arXiv"}, ("2206.07690", None)),
    # Better BibTeX #460: only the note holds an arXiv URL
    ({"journal": "Science", "note": r"\url{http://arxiv.org/abs/1401.2910}"},
     ("1401.2910", None)),
    # Better BibTeX #2058: only the URL
    ({"journaltitle": "dummy", "url": "http://arxiv.org/abs/1609.03499"},
     ("1609.03499", None)),
    # inspireHEP via Better BibTeX #2201: only the arXiv DOI
    ({"doi": "10.48550/arXiv.2206.12432"}, ("2206.12432", None)),
    # contextlab: arXiv DOI hidden in Volume (or Pages), journal {{arXiv}}
    ({"journal": "{{arXiv}}", "volume": "{doi.org/10.48550/arXiv.2404.14619}"},
     ("2404.14619", None)),
    ({"journal": "{arXiv}", "pages": "doi.org/10.48550/arXiv.1610.03914"},
     ("1610.03914", None)),
    # contextlab: bare ids in Volume / Pages of an {{arXiv}} "journal"
    ({"journal": "{arXiv}", "volume": "1506.04967"}, ("1506.04967", None)),
    ({"journal": "{arXiv}", "pages": "cs/0504107v2"}, ("cs/0504107", 2)),
    # contextlab McInEtal18a: the id split over Volume and Number
    ({"journal": "{arXiv}", "number": "03426", "volume": "1802"}, ("1802.03426", None)),
    # contextlab MillEtal07b: Volume 712 is no id; Rove14: no id at all
    ({"journal": "{arXiv}", "volume": "712"}, None),
    ({"journal": "{arXiv}", "title": "Why do we remember the past and not the future?"}, None),
    # contextlab: Google Scholar's "arXiv preprint arXiv:ID" with BibDesk's braces
    ({"journal": "{arXiv} Preprint {arXiv}:1910.06508"}, ("1910.06508", None)),
    # contextlab: PsyArXiv is another server
    ({"journal": "{PsyArXiv}", "volume": "doi.org/10.31234/osf.io/6ptzq"}, None),
    # DBLP: CoRR with abs/ID
    ({"journal": "CoRR", "volume": "abs/1706.03762", "year": "2017"}, ("1706.03762", None)),
    # NASA ADS: e-print bibcode in adsurl, journal "ArXiv e-prints"
    ({"journal": "ArXiv e-prints",
      "adsurl": "http://adsabs.harvard.edu/abs/2014arXiv1407.5817S"}, ("1407.5817", None)),
    # Mendeley: arxivId
    ({"arxivid": "1302.1647", "journal": "Nature"}, ("1302.1647", None)),
    # howpublished
    ({"howpublished": r"\url{https://arxiv.org/abs/2310.13798v2}"}, ("2310.13798", 2)),
    # an abstract or annotation that cites another paper does not make this one arXiv
    ({"abstract": "We extend arXiv:2310.13798 to ...", "journal": "Nature"}, None),
    ({"annotation": r"the arXiv reference \texttt{math/0307200v3}"}, None),
    # journal DOI, no arXiv anywhere; a jstor URL
    ({"doi": "10.2307/2802755", "url": "https://www.jstor.org/stable/2802755"}, None),
]


@pytest.mark.parametrize(("fields", "expected"), ID_TABLE)
def test_arxiv_id_from_fields(fields, expected):
    assert arxiv_id_from_fields(fields) == expected


# --- the exact arXiv ids found in every corpus file --------------------------------------

# Derived once from the files by hand/grep (see each comment), then hard-coded.
BIBLATEX_EXAMPLES_IDS = [
    ("baez/article", "math/0307200v3"),
    ("baez/online", "math/0307200v3"),
    ("itzhaki", "hep-th/9603067"),
    ("wassenberg", "1008.2849v1"),
]  # the 4 entries with eprinttype = {arxiv}; kullback's googlebooks eprint is not one

CONTEXTLAB_IDS = [
    ("BateEtal15b", "1506.04967"),
    ("MehtEtal24", "2404.14619"),
    ("WangEtal23", "2310.11453"),
    ("JianEtal24", "2401.04088"),
    ("TouvEtal23", "2307.09288"),
    ("DettEtal23", "2305.14314"),
    ("PianHill22", "2208.02957"),
    ("TulcEtal23", "2306.04723"),
    ("VodrEtal16", "1610.03914"),
    ("KharEtal21", "2109.03264"),
    ("DevlEtal18", "1810.04805"),
    ("WietKiel19", "1901.10444"),
    ("ConnEtal18", "1705.02364"),
    ("PeteEtal18", "1802.05365"),
    ("BrowEtal20", "2005.14165"),
    ("ReddEtal18", "1809.03934"),
    ("ZhenEtal19", "1904.11793"),
    ("CerEtal18", "1803.11175"),
    ("MikoEtal13a", "1301.3781"),
    ("AlvaEtal05", "cs/0504107v2"),
    ("BetzEtal17b", "1706.06088"),
    ("McInEtal18a", "1802.03426"),
    ("MadrEtal17", "1706.06083"),
    ("CarlWagn18", "1801.01944"),
    ("ZhuEtal17", "1703.10593"),
    ("YeEtal25", "2508.15487"),
    ("NieEtal25", "2502.09992"),
    ("TrauEtal25", "2510.27500"),
    ("XieEtal25", "2509.01142"),
    ("LiuEtal24", "2412.19437"),
    ("GongEtal25", "2410.17891"),
    ("KhanEtal25", "2506.17298"),
    ("JainEtal24", "2403.07974"),
    ("YangEtal24", "2412.15115"),
    ("FangEtal24", "2411.01738"),
    ("YangEtal25", "2510.00183"),
    ("LiuEtal19", "1910.06508"),
    ("FengEtal20", "2008.06668"),
]  # 41 entries have journal {{arXiv}}: Rove14, MillEtal07b (Volume 712) and LiEtal24b
#   name no id; the 6 {{PsyArXiv}} entries are not arXiv.

# NASA ADS: every `eprint` (191) except the 2 with archivePrefix "ascl", in file order.
_ADS_IDS_TEXT = """
1407.4956 1207.2388 1205.6670 1311.2417 1503.08346 1509.02419 1606.04714 astro-ph/0412032
1311.3039 0909.0285 1105.3179 1510.08273 1510.08273 1510.08273 1602.02856 0809.2362
astro-ph/0206314 astro-ph/0401219 1503.04107 1305.5587 1008.0575 1103.5805 1507.03998
1309.2631 1705.04690 1311.4169 1004.4002 1212.6448 1111.5019 1511.04082 1208.2431 1401.4905
1110.5912 1501.06227 astro-ph/0608504 1001.3142 1109.4723 astro-ph/0111544 1001.0032
1308.2296 1412.5177 1011.5768 1202.2467 1311.6414 1705.04349 1312.1827 1502.03605 0804.4473
1302.1647 1411.1767 1409.0890 1609.04153 1210.4257 astro-ph/9910164 1307.6532
astro-ph/9909453 0912.1621 1410.4108 1701.03365 0805.0554 1004.4252 1207.3344 1308.2937
1505.03454 1604.08800 1211.0810 1602.04622 1204.5095 1310.5630 astro-ph/0608230 1607.03130
astro-ph/0412028 1011.0414 1109.3460 1210.0012 1302.2624 1312.0662 1303.5632
astro-ph/0310378 1309.1099 1110.6459 1505.06718 1108.4205 1501.07265 0710.1065 1008.3389
astro-ph/9403015 1301.6674 1106.2251 1202.4376 1209.2656 1308.2937 1201.6419 1211.2051
1405.2127 1510.06642 1507.01466 1511.04072 astro-ph/9908296 1208.1916 1201.1036 1302.1851
1307.7870 1309.1998 1410.1310 1605.02825 1507.08532 1412.6591 1302.3618 1609.07503
1703.09711 0902.3374 1409.7566 1606.07102 1609.07873 1501.07076 1410.5971 1601.06832
1608.01124 1304.6755 1112.0141 1311.1639 1306.0739 1407.2066 1307.0592 1206.1524 1310.7987
1411.1173 1410.2503 1310.0696 astro-ph/0608454 astro-ph/0406573 astro-ph/0109491 1310.7328
astro-ph/0503110 astro-ph/0503108 1207.0499 1301.1582 astro-ph/0604385 1112.4567 0802.2590
1207.3141 1304.4328 1210.6798 1601.07680 astro-ph/0211211 astro-ph/0311541 1307.0354
1705.06090 1502.04080 1008.3096 1501.07239 1409.0568 1212.4091 1302.3251 0712.1370
1605.07384 astro-ph/0703696 0805.4826 1003.0405 1108.5279 1012.1528 1209.0342 1407.5817
1504.02725 1503.02443 1310.2991 1406.6992 0805.2434 1312.3085 0801.1841 0908.2624 1208.1268
1008.2353 1304.6639 1407.6765 1304.6639 1412.5674 1511.04076 1310.7830 1310.5607 1602.02749
astro-ph/0504555 astro-ph/0510148 1602.08478 1605.04310 1401.1582 1206.6276 1511.04083
"""
ADS_IDS = _ADS_IDS_TEXT.split()

BBT_IDS = {
    "(non-)dropping particle handling #313.biblatex": [],
    "Authors export looks like this prefix=von useprefix=true... #2138.biblatex": [],
    "Better BibTeX does not use biblatex fields eprint and eprinttype #170.biblatex": [
        ("BachmannDybalskiNaaijkens14", "1412.2970"),
    ],
    "BetterBibLaTeX exports articles as online #2058.biblatex": [
        ("vandenoordDummyWaveNetGenerative2016", "1609.03499"),
        ("vandenoordWaveNetGenerativeModel2016", "1609.03499"),
        ("yangTorchAudioBuildingBlocks2022", "2110.15018"),
    ],
    "BibTeX export is incompatible with Zotero 6 Preprint item type. #2080.bibtex": [],
    "Cannot ignore archivePrefix export field #1744.bibtex": [],
    "Citation key add `_preprint` if URL contains `arxiv.org` #2163.biblatex": [
        ("_preprinthe_delving_deep_into_rectifiers_2015", "1502.01852"),
        ("_preprintwang_on_solving_minimax_optimization_locally_2019", "1910.07512"),
        ("miyato_spectral_normalization_2018", "1802.05957"),
        ("ramsauer_hopfield_networks_2020a", "2008.02217"),
        ("shang_understanding_improving_2016a", "1603.05201"),
    ],
    "Entries with URL exported with (partial) URL in eprint field #1639.biblatex": [],
    "Error exporting duplicate eprinttype #1128.biblatex": [("Kundu2013", "1408.1149")],
    "Export C as {v C}, not v{C} #152.bibtex": [("Procopio2014", "1412.4006")],
    "Export report+type as preprint.bibtex": [("muhlleitner2014", "1410.5093")],
    "Preprint with status in extra fails to export #2881.biblatex": [],
    "The `_eprint` comment in the `note` bib field. #2399.biblatex": [],
    "Use prepublished as default pubstate for arXiV articles #2911.biblatex": [
        ("brownLanguageModelsAre2020", "2005.14165"),
    ],
    "arXiv categories missing in the BibTeX output when stored only in the Extra field "
    "#2483.bibtex": [("Ramaswamy2022ELUDEGeneratingInterpretable", "2206.07690")],
    "arXiv identifiers in BibLaTeX export #460.biblatex": [
        ("Ronnow.2014.Defining", "1401.2910"),
        ("Sen.2016.BV", "1508.05387"),
        ("Smolin.2013.Classical", "1305.4904"),
    ],
    "arXiv identifiers in BibLaTeX export #460.bibtex": [
        ("Ronnow.2014.Defining", "1401.2910"),
        ("Sen.2016.BV", "1508.05387"),
        ("Smolin.2013.Classical", "1305.4904"),
    ],
    "inspireHep fetching broken #2201.biblatex": [("East:2022rsi", "2206.12432")],
    "preprint print more information #2395.biblatex": [],
}


def test_ids_in_biblatex_examples():
    assert _ids(BIB_CORPUS / "biblatex-examples.bib") == BIBLATEX_EXAMPLES_IDS


def test_ids_in_biber_examples():
    assert _ids(V1_DATA / "biber-examples.bib") == BIBLATEX_EXAMPLES_IDS[:3]


def test_ids_in_contextlab():
    assert _ids(BIB_CORPUS / "contextlab_cdl.bib") == CONTEXTLAB_IDS


def test_ids_in_ads_thesis():
    found = _ids(BIB_CORPUS / "andreasen_astro_thesis_ads.bib")
    assert len(ADS_IDS) == 189
    assert [versioned for _, versioned in found] == ADS_IDS
    assert sum(1 for i in ADS_IDS if i.startswith("astro-ph/")) == 23


def test_every_better_bibtex_export_is_listed():
    files = sorted(p.name for p in BBT.iterdir() if p.suffix in (".bibtex", ".biblatex"))
    assert files == sorted(BBT_IDS)


@pytest.mark.parametrize("name", sorted(BBT_IDS))
def test_ids_in_better_bibtex_exports(name):
    assert _ids(BBT / name) == BBT_IDS[name]


def test_no_ids_in_v1_data_except_biber_examples():
    for path in sorted(V1_DATA.glob("*.bib")):
        if path.name != "biber-examples.bib":
            assert _ids(path) == [], path.name


# --- whole References from real entries ---------------------------------------------------

def _ref(path, key) -> Reference:
    [ref] = [r for r in _refs(path) if r.key == key]
    return ref


def test_ads_entry():
    ref = _ref(BIB_CORPUS / "andreasen_astro_thesis_ads.bib", "Adamow2014")
    assert ref == Reference(
        arxiv_id="1407.4956",
        title="The Penn State - Toruń Centre for Astronomy Planet Search stars. II. "
        "Lithium abundance analysis of the red giant clump sample",
        authors=[Author("Adamów", "M."), Author("Niedzielski", "A."),
                 Author("Villaver", "E."), Author("Wolszczan", "A."), Author("Nowak", "G.")],
        date="2014-09",
        primary_category="astro-ph.SR",
        categories=["astro-ph.SR"],
        doi="10.1051/0004-6361/201423400",
        key="Adamow2014",
        entry_type="article",
        fields={
            "journal": r"\aap",
            "keywords": "stars: fundamental parameters, stars: atmospheres, stars: "
            "late-type, techniques: spectroscopic, planetary systems",
            "volume": "569",
            "eid": "A55",
            "pages": "A55",
            "adsurl": "http://adsabs.harvard.edu/abs/2014A%26A...569A..55A",
            "adsnote": "Provided by the SAO/NASA Astrophysics Data System",
        },
        provenance=Provenance("andreasen_astro_thesis_ads.bib", 1),
    )


def test_biblatex_online_entry_with_date_and_abstract():
    ref = _ref(BIB_CORPUS / "biblatex-examples.bib", "itzhaki")
    assert (ref.arxiv_id, ref.arxiv_version, ref.date) == ("hep-th/9603067", None,
                                                           "1996-03-11")
    assert ref.title == "Some remarks on 't Hooft's S-matrix for black holes"
    assert ref.abstract.startswith("We discuss the limitations of 't Hooft's proposal for "
                                   "the black hole S-matrix. We find")
    assert ref.entry_type == "online"
    assert ref.provenance == Provenance("biblatex-examples.bib", 1420)
    assert sorted(ref.fields) == ["annotation", "langid", "langidopts", "version"]


def test_zotero_journal_gives_category_and_keeps_journal():
    ref = _ref(BBT / "Export C as {v C}, not v{C} #152.bibtex", "Procopio2014")
    assert (ref.arxiv_id, ref.primary_category, ref.date) == ("1412.4006", "quant-ph",
                                                             "2014-12")
    assert ref.authors[8] == Author("Brukner", "Časlav")
    assert ref.authors[2] == Author("Araújo", "Mateus")
    assert ref.fields == {"journal": "arXiv:1412.4006 [quant-ph]",
                          "keywords": "Quantum Physics"}


def test_arxiv_doi_is_not_the_journal_doi():
    ref = _ref(BBT / "inspireHep fetching broken #2201.biblatex", "East:2022rsi")
    assert ref.doi is None
    assert ref.url == "http://arxiv.org/abs/2206.12432"
    assert ref.categories == ["astro-ph", "physics:gr-qc", "physics:hep-ph"]
    assert ref.date == "2022-06-24"


def test_bibdesk_entry_with_capitalised_fields():
    ref = _ref(BIB_CORPUS / "contextlab_cdl.bib", "AlvaEtal05")
    assert (ref.arxiv_id, ref.arxiv_version, ref.date) == ("cs/0504107", 2, "2005")
    assert ref.title == "$k$-corr decomposition: a tool for the visualiztion of large " \
        "scale networks"
    assert [a.family for a in ref.authors] == ["Alvarez-Hamelin", "Dall'Asta", "Barrat",
                                               "Vespignani"]
    assert ref.fields == {"journal": "{arXiv}", "pages": "cs/0504107v2"}
    assert ref.provenance.line == 6183


def test_string_macros_resolved_in_references_kept_raw_in_the_document():
    path = V1_DATA / "article_with_strings.bib"
    doc = parse_bib(_read(path), path.name)
    [ref] = doc.references
    assert ref.authors == [Author("César", "Jean")]  # jean # " " # cesar
    assert ref.date == "2013-01"  # month = jan
    assert doc.entries[0].fields["author"] == 'jean # " " # cesar'
    assert doc.entries[0].fields["journal"] == "nice_journal"   # the file, as written
    assert ref.fields["journal"] == "Nice Journal"               # what it means
    assert [b.kind for b in doc.blocks] == ["string", "string", "string", "entry"]


def test_others_becomes_a_flag():
    refs = _refs(BIB_CORPUS / "contextlab_cdl.bib")
    murphy = next(r for r in refs if r.key == "MurpEtal00")
    assert murphy.authors == [Author("Murphy", "M H"), Author("Nevill", "A M"),
                              Author("Hardman", "A E")]
    assert murphy.authors_truncated
    # 30 author fields end in "and others" (grep -c 'and others}')
    assert sum(r.authors_truncated for r in refs) == 30
    assert not any(a.last == "others" for r in refs for a in r.authors)


def test_string_macros_with_concatenation_in_biblatex_examples():
    path = BIB_CORPUS / "biblatex-examples.bib"
    doc = parse_bib(_read(path), path.name)
    assert [b.kind for b in doc.blocks[:9]] == ["string"] * 8 + ["entry"]
    assert [(b.kind, b.line) for b in doc.blocks if b.kind != "entry"][8:] == [
        ("comment", 1166)
    ]
    index = next(e.index for e in doc.entries if e.fields.get("publisher", "").startswith(
        "dtv #"))
    assert doc.entries[index].fields["publisher"] == "dtv # { and Walter de Gruyter}"
    # A Reference carries what the value means: written to a file without this one's
    # @strings (import, Zotero), `dtv # {...}` must still read as the publisher.
    assert doc.references[index].fields["publisher"] == (
        "Deutscher Taschenbuch-Verlag and Walter de Gruyter")


def test_entry_type_lower_case_and_month_names():
    text = ("@ARTICLE{a, title = {{Planet} hunting}, year = 1999, month = {Sept.}}\n"
            "@Book{b, title = \"{The} {Book}\", year = {2001}, month = 13}\n")
    a, b = read_bibtex(text, "m.bib")
    assert (a.entry_type, a.title, a.date) == ("article", "Planet hunting", "1999-09")
    assert (b.entry_type, b.title, b.date, b.fields) == ("book", "The Book", "2001",
                                                         {"month": "13"})
    [c] = read_bibtex("@misc{c, date = {n.d.}, year = {in press}}", "m.bib")
    assert (c.date, c.fields) == (None, {"date": "n.d.", "year": "in press"})


# --- problems -----------------------------------------------------------------------------

def test_duplicate_key_in_biber_examples_is_a_problem():
    problems = Problems()
    path = V1_DATA / "biber-examples.bib"
    doc = parse_bib(_read(path), path.name, problems)
    assert [str(p) for p in problems] == [
        "biber-examples.bib:1543: duplicate key 'tmn4' (first at line 1535); "
        "both entries are kept"
    ]
    assert [e.key for e in doc.entries].count("tmn4") == 2


FAULTY = (
    "% a comment line\n"
    "@article{broken,\n"
    "  title = {Unclosed,\n"
    "  year = 2020\n"
    "\n"
    "@article{ok,\n"
    "  title = {Fine},\n"
    "}\n"
    "@misc{dup, title={a}, Title={b}}\n"
)


def test_failed_block_and_duplicate_field_are_problems():
    problems = Problems()
    doc = parse_bib(FAULTY, "f.bib", problems)
    assert [str(p) for p in problems] == [
        "f.bib:2: could not parse this block, kept as is: Unexpected block start: "
        "`@article`. Was still looking for field-value closing `}`",
        "f.bib:9: duplicate field 'Title' in entry 'dup'; the first one is used",
    ]
    assert [(b.kind, b.line) for b in doc.blocks] == [
        ("comment", 1), ("failed", 2), ("entry", 6), ("entry", 9),
    ]
    assert [(e.key, e.fields) for e in doc.entries] == [
        ("ok", {"title": "Fine"}), ("dup", {"title": "a"}),
    ]
    assert doc.references[1].title == "a"


def test_arxiv_eprint_that_is_no_id_is_a_problem():
    problems = Problems()
    [ref] = read_bibtex("\n@misc{x, eprint = {see paper}, archivePrefix = {arXiv}}\n",
                        "e.bib", problems)
    assert ref.arxiv_id is None
    assert ref.fields == {"eprint": "see paper", "archiveprefix": "arXiv"}
    assert [str(p) for p in problems] == [
        "e.bib:2: entry 'x': eprint 'see paper' is not an arXiv identifier"
    ]


def test_strict_problems_raise():
    with pytest.raises(BibParseError, match=r"^f\.bib:2: could not parse"):
        parse_bib(FAULTY, "f.bib", Problems(strict=True))


def test_read_bibtex_without_collector_does_not_raise():
    assert [r.key for r in read_bibtex(FAULTY, "f.bib")] == ["ok", "dup"]


# --- hostile files: bounded time and memory -------------------------------------------------

def test_an_at_string_doubling_chain_stops_at_the_limit_with_file_and_line():
    text = ('@string{s0 = "ab"}\n'
            + "".join(f"@string{{s{i} = s{i - 1} # s{i - 1}}}\n" for i in range(1, 41))
            + "@misc{k, title = s40}\n")
    # s19 is 2 * 2**19 = 1,048,576 characters: the first past MAX_EXPANSION (1,000,000).
    with pytest.raises(BibParseError, match=r"^bomb\.bib:20: @string expansion longer than "
                                            r"1,000,000 characters"):
        read_bibtex(text, "bomb.bib")
    # A chain that stays under the limit expands as BibTeX would.
    short = '@string{a = "x"}\n@string{b = a # a}\n@misc{k, note = b # " " # b}\n'
    assert read_bibtex(short, "ok.bib")[0].fields["note"] == "xx xx"


def test_deeply_nested_braces_are_read_in_one_pass():
    depth = 20_000  # 125 s before the outer braces were stripped in one pass; now linear
    title = "{" * depth + "Deep" + "}" * depth
    [ref] = read_bibtex(f"@misc{{k, title = {{{title}}}}}\n", "deep.bib")
    assert ref.title == "Deep"


def test_braces_nested_past_the_limit_inside_a_title_are_reported_not_decoded():
    problems = Problems()
    inner = "{" * 5000 + "Deep" + "}" * 5000
    [ref] = read_bibtex(f"@misc{{k, title = {{A {inner} b}}}}\n", "deep.bib", problems)
    assert ref.title == "A Deep b"
    assert [str(p) for p in problems] == [
        "deep.bib:1: entry 'k': braces nested 5000 deep in title (more than 100); kept "
        "without braces, TeX not decoded"]


@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_a_title_ending_in_a_backslash_is_written_so_it_reads_back(dialect):
    ref = Reference(arxiv_id="2310.13798", key="k", title="Paths like C:\\",
                    abstract="Ends in \\")
    text = render_entry(ref, dialect)
    assert "title = {Paths like {C}:\\textbackslash{}}," in text
    [again] = read_bibtex(text, "out.bib")
    assert (again.title, again.abstract) == ("Paths like C:\\", "Ends in \\")
