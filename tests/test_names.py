"""Name splitting and formatting: real names from the corpora, split as BibTeX splits them.

`BIBTEX_SPLITS` was made by running real `bibtex` (a tiny .bst printing `{ff}`, `{vv}`,
`{ll}`, `{jj}`) over every author in shared/corpora; tests/test_texlive.py re-runs BibTeX on
it, so the table cannot drift from what BibTeX does. Rows are (name, (First, von, Last, Jr))
with BibTeX's output LaTeX-decoded and ties as spaces.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.model import Author
from bridge.names import (
    OTHERS,
    format_bibtex_name,
    format_bibtex_names,
    is_others,
    split_bibtex_name,
    split_bibtex_names,
    split_plain_name,
)

BIBTEX_SPLITS: list[tuple[str, tuple[str, str, str, str]]] = [
    # (non-)dropping particle handling #313.biblatex
    ("Aubignac, abbé d', François Hédelin", ('François Hédelin', '', 'Aubignac', "abbé d'")),
    ('Bennett, Jr., Frank G.', ('Frank G.', '', 'Bennett', 'Jr.')),
    ('Doe, III, James', ('James', '', 'Doe', 'III')),
    ('Doe, III, John', ('John', '', 'Doe', 'III')),
    ('Doe, Jr, James', ('James', '', 'Doe', 'Jr')),
    ('Gooding, Jr., Cuba', ('Cuba', '', 'Gooding', 'Jr.')),
    ('King, Jr., Martin Luther', ('Martin Luther', '', 'King', 'Jr.')),
    ('Thucydides, III, Carl', ('Carl', '', 'Thucydides', 'III')),
    ("abbé d' Aubignac, François Hédelin", ('François Hédelin', "abbé d'", 'Aubignac', '')),
    ("d' Almeida, Luís", ('Luís', "d'", 'Almeida', '')),
    ("d' Aubignac, abbé d', François Hédelin", ('François Hédelin', "d'", 'Aubignac', "abbé d'")),
    ('de la Martinière, III, Gérard', ('Gérard', 'de la', 'Martinière', 'III')),
    ("in 't Horvath, Peter A.D.", ('Peter A.D.', "in 't", 'Horvath', '')),
    ('v.d. Familyname, Givenname', ('Givenname', 'v.d.', 'Familyname', '')),
    ('van Familyname, Givenname', ('Givenname', 'van', 'Familyname', '')),
    ('van Three, Threename', ('Threename', 'van', 'Three', '')),
    ('van den Familyname, Givenname', ('Givenname', 'van den', 'Familyname', '')),
    ('{JRS-Europe}', ('', '', 'JRS-Europe', '')),
    # BetterBibLaTeX exports articles as online #2058.biblatex
    ('Quenneville-Bélair, Vincent', ('Vincent', '', 'Quenneville-Bélair', '')),
    # Error exporting duplicate eprinttype #1128.biblatex
    ('Vértes, Petra E.', ('Petra E.', '', 'Vértes', '')),
    # andreasen_astro_thesis_ads.bib
    ('cynddl', ('', '', 'cynddl', '')),
    ('{Addison}, B.~C.', ('B. C.', '', 'Addison', '')),
    ("{Artigau}, {\\'E}.", ('É.', '', 'Artigau', '')),
    ('{Bastian}, U.', ('U.', '', 'Bastian', '')),
    ('{Cantat-Gaudin}, T.', ('T.', '', 'Cantat-Gaudin', '')),
    ('{Feautrier}, P.', ('P.', '', 'Feautrier', '')),
    ('{Fischer}, D.~A.', ('D. A.', '', 'Fischer', '')),
    ('{Guenther}, D.~B.', ('D. B.', '', 'Guenther', '')),
    ('{Henze}, C.~E.', ('C. E.', '', 'Henze', '')),
    ('{Hunter}, R.~C.', ('R. C.', '', 'Hunter', '')),
    ('{Lacombe}, M.', ('M.', '', 'Lacombe', '')),
    ('{Lizon}, J.~L.', ('J. L.', '', 'Lizon', '')),
    ('{Maurin}, L.~P.~A.', ('L. P. A.', '', 'Maurin', '')),
    ('{Neil}, J.~J.', ('J. J.', '', 'Neil', '')),
    ('{Reddy}, B.~E.', ('B. E.', '', 'Reddy', '')),
    ('{Schaefer}, G.~H.', ('G. H.', '', 'Schaefer', '')),
    ('{St{\\"u}rmer}, J.', ('J.', '', 'Stürmer', '')),
    ('{Terrien}, R.~C.', ('R. C.', '', 'Terrien', '')),
    # article_comma_normal_multiple.bib
    ('X.-Y. Zhu', ('X.-Y.', '', 'Zhu', '')),
    # article_field_name_with_underscore.bib
    ('Jean César', ('Jean', '', 'César', '')),
    # biber-examples.bib
    ('BBB', ('', '', 'BBB', '')),
    ('Luzzatto, Moshe Ḥayyim', ('Moshe Ḥayyim', '', 'Luzzatto', '')),
    ('Malinowski, Bronis{\\l}aw', ('Bronisław', '', 'Malinowski', '')),
    ('Pimentel, Jr.,Joseph J.', ('Joseph J.', '', 'Pimentel', 'Jr.')),
    ('ZZZ', ('', '', 'ZZZ', '')),
    ('{\\"O}fele, Karl', ('Karl', '', 'Öfele', '')),
    ('{al-Hasan}, ʿAlī', ('ʿAlī', '', 'al-Hasan', '')),
    # biblatex-examples.bib
    ('{\\c{C}}etinkaya, Bekir', ('Bekir', '', 'Çetinkaya', '')),
    # contextlab_cdl.bib
    ('A Mendez-Villanueva', ('A', '', 'Mendez-Villanueva', '')),
    ('A Meyer-Lindenberg', ('A', '', 'Meyer-Lindenberg', '')),
    ("A Ren\\'{e}", ('A', '', 'René', '')),
    ('Alessio', ('', '', 'Alessio', '')),
    ("Andr{\\'e} A Fenton", ('André A', '', 'Fenton', '')),
    ('B Sch{\\"o}lkopf', ('B', '', 'Schölkopf', '')),
    ('Briana L Kennedy', ('Briana L', '', 'Kennedy', '')),
    ('C Tallon-Baudry', ('C', '', 'Tallon-Baudry', '')),
    ('C Thinus-Blanc', ('C', '', 'Thinus-Blanc', '')),
    ('C von der Malsburg', ('C', 'von der', 'Malsburg', '')),
    ("Catherine Lalev{\\'e}e", ('Catherine', '', 'Lalevée', '')),
    ('D C Rowland', ('D C', '', 'Rowland', '')),
    ('E Adi-Japha', ('E', '', 'Adi-Japha', '')),
    ('Gus', ('', '', 'Gus', '')),
    ('H F de Figueir{\\^e}do', ('H F', 'de', 'Figueirêdo', '')),
    ('H Sawamura', ('H', '', 'Sawamura', '')),
    ('IgorAPM', ('', '', 'IgorAPM', '')),
    ('J P R\\"{o}er', ('J P', '', 'Röer', '')),
    ('Jean-Marie Danion', ('Jean-Marie', '', 'Danion', '')),
    ('Kazakov', ('', '', 'Kazakov', '')),
    ('L de Oliveira', ('L', 'de', 'Oliveira', '')),
    ('M Göldi', ('M', '', 'Göldi', '')),
    ("Manuel Sebasti{\\'a}n", ('Manuel', '', 'Sebastián', '')),
    ('Marten H van Kerkwijk', ('Marten H', 'van', 'Kerkwijk', '')),
    ('Neva J Kirk-Sanchez', ('Neva J', '', 'Kirk-Sanchez', '')),
    ('P-P Lenck-Santini', ('P-P', '', 'Lenck-Santini', '')),
    ('Pierce Janssen', ('Pierce', '', 'Janssen', '')),
    ('Rachel Grenfell-Essam', ('Rachel', '', 'Grenfell-Essam', '')),
    ('Rugg', ('', '', 'Rugg', '')),
    ('Weng', ('', '', 'Weng', '')),
    ('Xiao-Jing Wang', ('Xiao-Jing', '', 'Wang', '')),
    ('a Biewenga', ('', 'a', 'Biewenga', '')),
    ('foobuzz', ('', '', 'foobuzz', '')),
    ('vkolmakov', ('', '', 'vkolmakov', '')),
    ('{ P D P Research Group}', ('', '', 'P D P Research Group', '')),
    ('{SciPy 1 0 Contributors}', ('', '', 'SciPy 1 0 Contributors', '')),
    ('{The P D P Research Group}', ('', '', 'The P D P Research Group', '')),
    # cyrillic.bib
    ('de Last, Jr., First Middle', ('First Middle', 'de', 'Last', 'Jr.')),
    ('Викторов, Михаил Маркович', ('Михаил Маркович', '', 'Викторов', '')),
    # extrafields.bib
    ("van der Walt, {S}t\\'efan", ('Stéfan', 'van der', 'Walt', '')),
    # hand-picked from the same files
    ('{Adam{\\\'o}w}, M.', ('M.', '', 'Adamów', '')),
    ('{Adibekyan}, V.~Z.', ('V. Z.', '', 'Adibekyan', '')),
    ('{Gonz{\\\'a}lez Hern{\\\'a}ndez}, J.~I.', ('J. I.', '', 'González Hernández', '')),
    ('{Ammler-von Eiff}, M.', ('M.', '', 'Ammler-von Eiff', '')),
    ('{Delgado Mena}, E.', ('E.', '', 'Delgado Mena', '')),
    ("{Ram{\\'{\\i}}rez}, I.", ('I.', '', 'Ramírez', '')),
    ('Brukner, {\\v C}aslav', ('Časlav', '', 'Brukner', '')),
    ('R{\\o}nnow, Troels F.', ('Troels F.', '', 'Rønnow', '')),
    ('{Barnes and Noble, Inc.}', ('', '', 'Barnes and Noble, Inc.', '')),
    ('Ludwig van Beethoven', ('Ludwig', 'van', 'Beethoven', '')),
    ('van Beethoven, Jr, Ludwig', ('Ludwig', 'van', 'Beethoven', 'Jr')),
    ('Charles Louis Xavier Joseph de la Vall{\\\'e}e Poussin',
     ('Charles Louis Xavier Joseph', 'de la', 'Vallée Poussin', '')),

]


@pytest.mark.parametrize(("name", "parts"), BIBTEX_SPLITS)
def test_split_bibtex_name_agrees_with_bibtex(name: str, parts: tuple[str, str, str, str]):
    author = split_bibtex_name(name)
    assert (author.first, author.von, author.last, author.jr) == parts


# Where we deliberately differ from BibTeX (names.py's docstring says why): ours, BibTeX's.
DEPARTURES = [
    ("Yen-lu Chow", ("Yen-lu", "", "Chow", ""), ("Yen", "lu", "Chow", "")),
    ("Jean-{A}rcady Meyer", ("Jean-Arcady", "", "Meyer", ""), ("Jean", "Arcady", "Meyer", "")),
    ("Ahmed al-Hassan", ("Ahmed", "", "al-Hassan", ""), ("Ahmed", "al", "Hassan", "")),
    ("I L Pi\\~{n}a", ("I L", "", "Piña", ""), ("I L Pi\\", "", "na", "")),
    ("{Mkrtichian}, D.~E.,", ("D. E.", "", "Mkrtichian", ""), None),
    ("family=Oord, given=Aaron, prefix=van den, useprefix=true",
     ("Aaron", "van den", "Oord", ""), None),
]


@pytest.mark.parametrize(("name", "ours", "bibtex"), DEPARTURES)
def test_documented_departures_from_bibtex(name, ours, bibtex):
    author = split_bibtex_name(name)
    assert (author.first, author.von, author.last, author.jr) == ours
    assert ours != bibtex


@pytest.mark.parametrize(("name", "institution"), [
    ("{Barnes and Noble, Inc.}", "Barnes and Noble, Inc."),
    ("{ATLAS Collaboration}", "ATLAS Collaboration"),
    ("{{The LIGO Scientific Collaboration}}", "The LIGO Scientific Collaboration"),
])
def test_a_name_in_one_brace_group_is_an_institution(name: str, institution: str):
    assert split_bibtex_name(name) == Author(last=institution, is_institution=True)


def test_special_characters_alone_are_not_institutions():
    assert split_bibtex_name('{\\"O}fele, Karl') == Author("Öfele", "Karl")
    assert not split_bibtex_name("{\\O}ystein").is_institution


def test_split_bibtex_names_on_top_level_and_in_any_case():
    field = ("{Adam{\\'o}w}, M. and {Niedzielski}, A. AND {Barnes and Noble, Inc.} aNd\n"
             "  Smolin, John A. and others")
    authors = split_bibtex_names(field)
    assert [a.last for a in authors] == [
        "Adamów", "Niedzielski", "Barnes and Noble, Inc.", "Smolin", "others"]
    assert is_others(authors[-1])
    assert split_bibtex_names("Andersen and Sandberg") == [Author("Andersen"),
                                                             Author("Sandberg")]
    assert split_bibtex_names("Brandy, Anderson") == [Author("Brandy", "Anderson")]
    assert split_bibtex_names("") == []


# Names as the arXiv API (the recorded answers in shared/corpora/atom) and paper pages write
# them, and the split we make of them.
PLAIN_NAMES = [
    ("Thomas I. Liao", Author("Liao", "Thomas I.")),
    ("Sandipan Kundu", Author("Kundu", "Sandipan")),
    ("Jean-Baptiste Alayrac", Author("Alayrac", "Jean-Baptiste")),
    ("Ludwig van Beethoven", Author("Beethoven", "Ludwig", "van")),
    ("Peter H. N. de With", Author("With", "Peter H. N.", "de")),
    ("Kees A. Schouhamer Immink", Author("Schouhamer Immink", "Kees A.")),
    ("Joost van der Putten", Author("Putten", "Joost", "van der")),
    ("Willem-Jan van den Heuvel", Author("Heuvel", "Willem-Jan", "van den")),
    ("Vânia de Oliveira Neves", Author("Oliveira Neves", "Vânia", "de")),
    ("Adrian Del Maestro", Author("Del Maestro", "Adrian")),
    ("A. Del Maestro", Author("Del Maestro", "A.")),
    ("Pascale Le Gall", Author("Le Gall", "Pascale")),
    ("Raja Ben Abdessalem", Author("Ben Abdessalem", "Raja")),
    ("Michel J. P. Gingras", Author("Gingras", "Michel J. P.")),
    ("A. J. Han Vinck", Author("Vinck", "A. J. Han")),
    ("R. P. Jagadeesh Chandra Bose", Author("Bose", "R. P. Jagadeesh Chandra")),
    ("B. Scott Gaudi", Author("Gaudi", "B. Scott")),
    ("Thomas J Ostrand", Author("Ostrand", "Thomas J")),
    ("Dirk Wübben", Author("Wübben", "Dirk")),
    ("Dirk W\\\"ubben", Author("Wübben", "Dirk")),
    ("Clément L. Canonne", Author("Canonne", "Clément L.")),
    ("Sölrún Einarsdóttir", Author("Einarsdóttir", "Sölrún")),
    ("Martin Luther King Jr.", Author("King", "Martin Luther", jr="Jr.")),
    ("Martin Luther King, Jr.", Author("King", "Martin Luther", jr="Jr.")),
    ("Beethoven, Ludwig van", Author("Beethoven", "Ludwig van")),
    ("danah boyd", Author("boyd", "danah")),
    ("Plato", Author("Plato")),
    ("ATLAS Collaboration", Author("ATLAS Collaboration", is_institution=True)),
    ("The LIGO Scientific Collaboration",
     Author("The LIGO Scientific Collaboration", is_institution=True)),
    ("Event Horizon Telescope Collaboration",
     Author("Event Horizon Telescope Collaboration", is_institution=True)),
    ("  Sandipan   Kundu ", Author("Kundu", "Sandipan")),
]


@pytest.mark.parametrize(("name", "author"), PLAIN_NAMES)
def test_split_plain_name(name: str, author: Author):
    assert split_plain_name(name) == author


@pytest.mark.parametrize(("author", "latex", "text"), [
    (Author("Beethoven", "Ludwig", "van", "Jr"), True, "van Beethoven, Jr, Ludwig"),
    (Author("Mindermann", "Sören"), True, 'Mindermann, S{\\"o}ren'),
    (Author("Mindermann", "Sören"), False, "Mindermann, Sören"),
    (Author("Brukner", "Časlav"), True, "Brukner, {\\v C}aslav"),
    (Author("Adamów", "M."), True, "Adam{\\'o}w, M."),
    (Author("Schouhamer Immink", "Kees A."), True, "Schouhamer Immink, Kees A."),
    (Author("Maaten", "Laurens", "van der"), True, "van der Maaten, Laurens"),
    (Author("Plato"), True, "Plato"),
    (Author("boyd", "danah"), True, "boyd, danah"),
    (Author("de la fuente", "Ana"), True, "{de la fuente}, Ana"),
    (Author("Barnes and Noble, Inc.", is_institution=True), True, "{Barnes and Noble, Inc.}"),
    (Author("AT&T Labs", is_institution=True), True, "{AT\\&T Labs}"),
    (Author("Smith and Sons", "Jo"), True, "{Smith and Sons}, Jo"),
    (Author("Bell", "Alexander", jr="II, Esq."), True, "Bell, {II, Esq.}, Alexander"),
])
def test_format_bibtex_name(author: Author, latex: bool, text: str):
    assert format_bibtex_name(author, latex=latex) == text
    assert split_bibtex_name(text) == author


def test_a_first_less_multi_word_surname_is_kept_whole():
    assert format_bibtex_name(Author("Leonardo da Vinci"), latex=True) == "{Leonardo da Vinci}"


def test_format_names_marks_truncated_lists_with_others():
    authors = [Author("Smolin", "John A."), Author("Smith", "Graeme")]
    assert format_bibtex_names(authors, truncated=True) == (
        "Smolin, John A. and Smith, Graeme and others")
    assert format_bibtex_names([*authors, OTHERS], truncated=True) == (
        "Smolin, John A. and Smith, Graeme and others")
    assert split_bibtex_names(format_bibtex_names(authors, truncated=True))[-1] == OTHERS


_capitalised = st.builds(
    lambda head, tail: head + tail,
    st.characters(categories=["Lu"]),
    st.text(st.characters(categories=["Ll"]), max_size=8),
)
_lower = st.text(st.characters(categories=["Ll"]), min_size=1, max_size=5)
_words = st.lists(_capitalised, min_size=1, max_size=3).map(" ".join)


@given(first=st.one_of(st.just(""), _words), von=st.one_of(st.just(""),
       st.lists(_lower, min_size=1, max_size=2).map(" ".join)), last=_words,
       jr=st.sampled_from(["", "Jr.", "III"]), latex=st.booleans())
def test_format_then_split_gives_the_same_author(first, von, last, jr, latex):
    if not first and not von and " " in last:
        last = last.replace(" ", "")  # braced whole, it would read back as an institution
    author = Author(last, first, von, jr)
    assert split_bibtex_name(format_bibtex_name(author, latex=latex)) == author


def test_a_particle_spelled_by_a_letter_command_stays_a_particle():
    # Found by the round-trip property: BibTeX gives {\dj} no case, we give it đ's, and
    # the case of {\'{\r A}} is Ǻ's, not that of the `r` in `\r`.
    assert split_bibtex_name("{\\dj} A") == Author("A", von="đ")
    assert split_bibtex_name("a {\\'{\\r A}} A") == Author("Ǻ A", von="a")
    assert split_bibtex_name("{\\TH}orsen, A") == Author("Þorsen", first="A")


@pytest.mark.parametrize(("field", "parts"), [
    # Without braces a list is split by a regex, with them by the depth-tracking loop:
    # both read ` and ` the same way (case-insensitive, one at a time, left to right).
    ("Alpha and and Beta", [("Alpha", "", ""), ("Beta", "", "and")]),
    ("Kundu, Sandipan AND Bai,  Y.~Z.", [("Kundu", "Sandipan", ""), ("Bai", "Y. Z.", "")]),
    ("de la Fontaine, Jean and  and Doe", [("Fontaine", "Jean", "de la"), ("Doe", "", "and")]),
    ("D\\~ez, J. and Sm}ith, A.", [("Dẽz", "J.", ""), ("Sm}ith", "A.", "")]),
    ("{D}e la Fontaine, Jean and  and Doe", [("Fontaine", "Jean", "De la"),
                                             ("Doe", "", "and")]),
])
def test_lists_split_the_same_with_and_without_groups(field: str,
                                                      parts: list[tuple[str, str, str]]):
    assert [(a.last, a.first, a.von) for a in split_bibtex_names(field)] == parts
