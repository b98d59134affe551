"""The manuscript reader: every citation form, every input kind, what LaTeX skips, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import UnreadableInput
from bridge.manuscript import (
    CITATION_COMMANDS,
    arxiv_id_of_key,
    clean_tex,
    doi_of_key,
    read_manuscript,
    scan_aux,
    scan_tex,
)


def keys(text: str) -> list[str]:
    return [e.value for e in scan_tex(text, "x.tex") if e.kind == "cite"]


# One row per citation form: the text as written, the keys LaTeX/natbib/biblatex cite.
CITATION_FORMS = [
    (r"\cite{a}", ["a"]),
    (r"\cite[p.~3]{a}", ["a"]),
    (r"\cite{a, b ,c}", ["a", "b", "c"]),
    (r"\nocite{a}", ["a"]),
    (r"\nocite{*}", ["*"]),
    (r"\citep{a}", ["a"]),
    (r"\citep[see][p.~3]{a,b}", ["a", "b"]),
    (r"\citep*[e.g.][]{a}", ["a"]),
    (r"\citet{a}", ["a"]),
    (r"\citet*{a}", ["a"]),
    (r"\citealp{a}", ["a"]),
    (r"\citealp*{a}", ["a"]),
    (r"\citealt{a}", ["a"]),
    (r"\citeauthor{a}", ["a"]),
    (r"\citeauthor*{a}", ["a"]),
    (r"\citeyear{a}", ["a"]),
    (r"\citeyearpar{a}", ["a"]),
    (r"\citenum{a}", ["a"]),
    (r"\citetalias{a}", ["a"]),
    (r"\Citep{a}", ["a"]),
    (r"\Citet{a}", ["a"]),
    (r"\Citealt{a}", ["a"]),
    (r"\Citeauthor{a}", ["a"]),
    (r"\Cite{a}", ["a"]),
    (r"\parencite{a}", ["a"]),
    (r"\parencite*[p.~3]{a}", ["a"]),
    (r"\Parencite[see][]{a}", ["a"]),
    (r"\textcite{a}", ["a"]),
    (r"\Textcite{a}", ["a"]),
    (r"\autocite{a}", ["a"]),
    (r"\Autocite[p.~1]{a}", ["a"]),
    (r"\footcite{a}", ["a"]),
    (r"\footcitetext{a}", ["a"]),
    (r"\smartcite{a}", ["a"]),
    (r"\Smartcite{a}", ["a"]),
    (r"\supercite{a}", ["a"]),
    (r"\fullcite{a}", ["a"]),
    (r"\footfullcite{a}", ["a"]),
    (r"\citetitle{a}", ["a"]),
    (r"\citetitle*{a}", ["a"]),
    (r"\citedate{a}", ["a"]),
    (r"\citeurl{a}", ["a"]),
    (r"\volcite[see]{3}[12]{a}", ["a"]),
    (r"\cites{a}{b}", ["a", "b"]),
    (r"\cites(pre)(post)[p.~1][]{a}[see][]{b,c}", ["a", "b", "c"]),
    (r"\cites(all)[][]{a}{b} and text {not}", ["a", "b"]),
    (r"\parencites[1]{a}[2]{b}", ["a", "b"]),
    (r"\Parencites{a}{b}", ["a", "b"]),
    (r"\textcites{a}{b}", ["a", "b"]),
    (r"\Textcites{a}{b}", ["a", "b"]),
    (r"\autocites(see)()[]{a}{b}", ["a", "b"]),
    (r"\Autocites{a}{b}", ["a", "b"]),
    (r"\footcites{a}{b}", ["a", "b"]),
    (r"\smartcites{a}{b}", ["a", "b"]),
    (r"\supercites{a}{b}", ["a", "b"]),
    ("\\citep{a,\n  b,\n  c}", ["a", "b", "c"]),
    ("\\cite\n  [p.~2]\n  {a}", ["a"]),
    ("\\citep[{see [x]}][]{a}", ["a"]),
    (r"\cite{ 2310.13798 , arXiv:2212.08073}", ["2310.13798", "arXiv:2212.08073"]),
    (r"\cite{hep-th/9901001,10.48550/arXiv.2310.13798}",
     ["hep-th/9901001", "10.48550/arXiv.2310.13798"]),
    (r"\cite{Smith:2020ab,O'Neil-2019_x}", ["Smith:2020ab", "O'Neil-2019_x"]),
]


@pytest.mark.parametrize(("text", "expected"), CITATION_FORMS)
def test_citation_form(text: str, expected: list[str]):
    assert keys(text) == expected


def test_commands_that_only_look_like_citations_cite_nothing():
    assert keys(r"\citetext{see} \citation \citesomething{a} \mycite{b}") == []
    # A key in a macro definition is a parameter, not a key.
    assert keys(r"\newcommand{\mycite}[1]{\citep{#1}}") == []


def test_every_command_in_the_table_is_a_citation_command():
    written = {text[1:].split("{")[0].split("[")[0].split("(")[0].split("*")[0].split("\n")[0]
               for text, _ in CITATION_FORMS}
    assert written <= CITATION_COMMANDS


@pytest.mark.parametrize(("text", "expected"), [
    ("% \\cite{a}\n\\cite{b}", ["b"]),
    ("text \\% \\cite{a} % \\cite{b}", ["a"]),
    ("line\\\\% \\cite{a}\n", []),
    ("\\begin{verbatim}\n\\cite{a}\n\\end{verbatim}\\cite{b}", ["b"]),
    ("\\begin{verbatim*}\\cite{a}\\end{verbatim*}", []),
    ("\\begin{lstlisting}[language=TeX]\n\\cite{a}\n\\end{lstlisting}", []),
    ("\\begin{minted}{latex}\n\\cite{a} % x\n\\end{minted}\\cite{b}", ["b"]),
    ("\\begin{comment}\n\\cite{a}\n\\end{comment}", []),
    ("\\begin{Verbatim}\\cite{a}\\end{Verbatim}", []),
    ("\\verb|\\cite{a}| \\verb*+\\cite{b}+ \\cite{c}", ["c"]),
    ("\\iffalse \\cite{a} \\fi \\cite{b}", ["b"]),
    ("\\iffalse \\cite{a} \\ifx\\x\\y \\cite{b}\\fi \\cite{c}\\fi\\cite{d}", ["d"]),
    ("\\iffalse \\cite{a}\\else \\cite{b}\\fi", ["b"]),
    ("\\iffalse\\ifthenelse{}{}{} \\cite{a}\\fi \\cite{b}", ["b"]),
    ("\\iftrue \\cite{a}\\fi", ["a"]),
    ("\\cite{a}\n\\end{document}\n\\cite{b}", ["a"]),
    ("\\begin{verbatim}% not a comment\n\\end{verbatim}\\cite{a}", ["a"]),
])
def test_what_latex_does_not_read_is_not_cited(text: str, expected: list[str]):
    assert keys(text) == expected


def test_each_key_has_the_line_it_is_written_on():
    events = scan_tex("intro\n\\citep[see][]{a,\n  b}\n\\cites{c}\n  {d}", "x.tex")
    assert [(e.value, e.line) for e in events] == [("a", 2), ("b", 3), ("c", 4), ("d", 5)]


def test_bibliography_commands_name_the_bib_files():
    events = scan_tex("\\bibliography{refs, more.bib}\n"
                      "\\addbibresource[location=local]{lib.bib}\n% \\bibliography{no}", "x")
    assert [(e.kind, e.value, e.line) for e in events] == [
        ("bib", "refs.bib", 1), ("bib", "more.bib", 1),
        ("biblatex", "addbibresource", 2), ("bib", "lib.bib", 2)]


@pytest.mark.parametrize(("text", "line", "what", "command"), [
    ("\n\\cite{a,b\n", 2, "brace", "cite"),
    ("ok\n\\citep{a,\n\nb}", 2, "brace", "citep"),
    ("\\citep[see{]{a}", 1, "bracket", "citep"),
    ("\n\n\\cites(pre{)[]{a}", 3, "parenthesis", "cites"),
])
def test_an_unbalanced_citation_names_its_line(text: str, line: int, what: str,
                                                command: str):
    with pytest.raises(UnreadableInput) as caught:
        scan_tex(text, "paper.tex")
    assert str(caught.value) == (
        f"paper.tex:{line}: unbalanced {what} in \\{command}: its argument is never closed")


def test_arxiv_and_doi_keys_are_known():
    assert arxiv_id_of_key("arXiv:hep-th/9901001v2") == "hep-th/9901001v2"
    assert arxiv_id_of_key("1706.03762") == "1706.03762"
    assert arxiv_id_of_key("vaswani2017") is None
    assert doi_of_key("doi:10.1038/nature14539") == "10.1038/nature14539"
    assert doi_of_key("10.48550/arXiv.2310.13798") == "10.48550/arXiv.2310.13798"


# ---------------------------------------------------------------- files, input kinds


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def test_a_tex_manuscript_is_read_with_its_inputs_in_place(tmp_path: Path):
    write(tmp_path, {
        "main.tex": "\\documentclass{article}\n\\begin{document}\n\\cite{first}\n"
                    "\\input{intro}\n\\include{chapters/two}\n\\subfile{parts/three.tex}\n"
                    "\\import{sec/}{four}\n\\cite{last,first}\n\\bibliography{refs,other}\n"
                    "\\end{document}\n",
        "intro.tex": "\\citep{intro-a}\n\\input intro\n",  # a cycle: ignored
        "chapters/two.tex": "\n\\citet{two}\n",
        "parts/three.tex": "\\documentclass[../main]{subfiles}\n\\begin{document}\n"
                           "\\parencite{three}\n\\end{document}\n",
        "sec/four.tex": "\\textcite{four}\n\\input{five}\n\\subimport{deeper/}{six}\n",
        "sec/five.tex": "\\autocite{five}\n",
        "sec/deeper/six.tex": "\\footcite{six}",
    })
    ms = read_manuscript(str(tmp_path / "main.tex"))
    assert ms.kind == "tex" and not ms.biblatex
    assert [(c.key, Path(c.source).relative_to(tmp_path).as_posix(), c.line)
            for c in ms.citations] == [
        ("first", "main.tex", 3), ("intro-a", "intro.tex", 1), ("two", "chapters/two.tex", 2),
        ("three", "parts/three.tex", 3), ("four", "sec/four.tex", 1),
        ("five", "sec/five.tex", 1), ("six", "sec/deeper/six.tex", 1), ("last", "main.tex", 8)]
    assert ms.bib_files == [str(tmp_path / "refs.bib"), str(tmp_path / "other.bib")]
    assert len(ms.files) == 7


def test_a_subfile_on_its_own_takes_the_main_documents_bibliography(tmp_path: Path):
    write(tmp_path, {
        "main.tex": "\\usepackage{biblatex}\n\\addbibresource{lib/refs.bib}\n"
                    "\\begin{document}\\subfile{parts/one}\\end{document}\n",
        "parts/one.tex": "\\documentclass[../main.tex]{subfiles}\n\\begin{document}\n"
                         "\\cite{a}\\input{more}\n\\end{document}\n",
        "parts/more.tex": "\\cite{b}",
    })
    ms = read_manuscript(str(tmp_path / "parts" / "one.tex"))
    assert ms.keys == ["a", "b"] and ms.biblatex
    assert ms.bib_files == [str(tmp_path / "lib" / "refs.bib")]


def test_nocite_star_is_remembered_with_its_place(tmp_path: Path):
    write(tmp_path, {"m.tex": "\\cite{a}\n\\nocite{*}\n\\addbibresource{lib.bib}\n"})
    ms = read_manuscript(str(tmp_path / "m.tex"))
    assert ms.keys == ["a"] and ms.cites_all is not None and ms.cites_all.line == 2
    assert ms.biblatex and ms.bib_files == [str(tmp_path / "lib.bib")]


def test_an_aux_file_with_nested_inputs(tmp_path: Path):
    write(tmp_path, {
        "doc.aux": "\\relax \n\\citation{a,b}\n\\@input{ch1.aux}\n\\citation{c}\n"
                   "\\bibstyle{plain}\n\\bibdata{refs,more}\n",
        "ch1.aux": "\\relax \n\\citation{b}\n\\citation{d}\n\\@input{doc.aux}\n",
    })
    ms = read_manuscript(str(tmp_path / "doc.aux"))
    assert ms.kind == "aux"
    assert [(c.key, Path(c.source).name, c.line) for c in ms.citations] == [
        ("a", "doc.aux", 2), ("b", "doc.aux", 2), ("d", "ch1.aux", 3), ("c", "doc.aux", 4)]
    assert [Path(p).name for p in ms.bib_files] == ["refs.bib", "more.bib"]


def test_an_aux_file_of_biblatex():
    events = scan_aux("\\abx@aux@cite{0}{a}\n\\abx@aux@segm{0}{0}{a}\n\\abx@aux@cite{0}{b}", "x")
    assert [(e.value, e.line) for e in events] == [("a", 1), ("b", 3)]


BCF = """<?xml version="1.0" encoding="UTF-8"?>
<bcf:controlfile version="3.10" bltxversion="3.19" xmlns:bcf="https://sourceforge.net/projects/biblatex">
  <bcf:bibdata section="0">
    <bcf:datasource type="file" datatype="bibtex" glob="false">refs.bib</bcf:datasource>
    <bcf:datasource type="file" datatype="bibtex" glob="false">sub/more.bib</bcf:datasource>
  </bcf:bibdata>
  <bcf:section number="0">
    <bcf:citekey order="1" intorder="1">a</bcf:citekey>
    <bcf:citekey order="2" intorder="1">b&amp;c</bcf:citekey>
    <bcf:citekey order="3" intorder="1" nocite="1">*</bcf:citekey>
    <bcf:citekey order="4" intorder="1">a</bcf:citekey>
  </bcf:section>
</bcf:controlfile>
"""


def test_a_bcf_file(tmp_path: Path):
    write(tmp_path, {"doc.bcf": BCF})
    ms = read_manuscript(str(tmp_path / "doc.bcf"))
    assert ms.kind == "bcf" and ms.biblatex
    assert [(c.key, c.line) for c in ms.citations] == [("a", 8), ("b&c", 9)]
    assert ms.cites_all is not None and ms.cites_all.line == 10
    assert ms.bib_files == [str(tmp_path / "refs.bib"), str(tmp_path / "sub" / "more.bib")]


def test_a_broken_bcf_is_one_error_with_its_line(tmp_path: Path):
    write(tmp_path, {"doc.bcf": BCF.replace("</bcf:section>", "")})
    with pytest.raises(UnreadableInput, match=r"doc\.bcf:13: is not a biber control file"):
        read_manuscript(str(tmp_path / "doc.bcf"))


# ---------------------------------------------------------------- bad input


def test_a_missing_input_names_the_file_and_line(tmp_path: Path):
    write(tmp_path, {"main.tex": "\\cite{a}\n\n\\input{sections/missing}\n"})
    with pytest.raises(UnreadableInput) as caught:
        read_manuscript(str(tmp_path / "main.tex"), system_file=lambda name: False)
    assert str(caught.value) == (
        f"{tmp_path / 'main.tex'}:3: \\input file 'sections/missing' not found "
        f"(looked in {tmp_path})")


def test_an_input_of_the_tex_installation_is_not_missing(tmp_path: Path):
    write(tmp_path, {"main.tex": "\\input{glyphtounicode}\n\\cite{a}\n"})
    ms = read_manuscript(str(tmp_path / "main.tex"),
                         system_file=lambda name: name == "glyphtounicode")
    assert ms.keys == ["a"]


def test_a_missing_nested_aux_names_the_file_and_line(tmp_path: Path):
    write(tmp_path, {"doc.aux": "\\relax\n\\@input{gone.aux}\n"})
    with pytest.raises(UnreadableInput, match=r"doc\.aux:2: \\input file 'gone\.aux' not found"):
        read_manuscript(str(tmp_path / "doc.aux"), system_file=lambda name: False)


@pytest.mark.parametrize(("data", "message"), [
    (b"\x89PNG\r\n\x1a\n\0\0\0", "looks like a binary file, not text"),
    (b"\\cite{a}\n\\cite{caf\xe9}", "is not valid UTF-8 (byte 0xe9); re-save it as UTF-8"),
])
def test_an_unreadable_manuscript_is_one_error(tmp_path: Path, data: bytes, message: str):
    (tmp_path / "paper.tex").write_bytes(data)
    with pytest.raises(UnreadableInput) as caught:
        read_manuscript(str(tmp_path / "paper.tex"))
    line = ":2" if b"caf" in data else ""
    assert str(caught.value) == f"{tmp_path / 'paper.tex'}{line}: {message}"


def test_an_unbalanced_cite_in_an_input_names_that_file(tmp_path: Path):
    write(tmp_path, {"main.tex": "\\input{ch}\n", "ch.tex": "text\n\\citep[p.~1]{a,\n\nmore"})
    with pytest.raises(UnreadableInput) as caught:
        read_manuscript(str(tmp_path / "main.tex"))
    assert str(caught.value) == (
        f"{tmp_path / 'ch.tex'}:2: unbalanced brace in \\citep: its argument is never closed")


def test_a_folder_given_as_the_manuscript(tmp_path: Path):
    (tmp_path / "paper.tex").mkdir()
    with pytest.raises(UnreadableInput) as caught:
        read_manuscript(str(tmp_path / "paper.tex"))
    assert str(caught.value) == f"{tmp_path / 'paper.tex'}: is a directory, not a file"


def test_a_missing_manuscript(tmp_path: Path):
    with pytest.raises(UnreadableInput, match="no such file"):
        read_manuscript(str(tmp_path / "nope.tex"))
    with pytest.raises(UnreadableInput, match="no such file"):
        read_manuscript(str(tmp_path / "nope.bcf"))


def test_a_citation_macro_of_the_users_own_cites(tmp_path: Path):
    write(tmp_path, {
        "main.tex": "\\input{preamble}\n\\mycite{a}\\seecite[p.~2]{b}\\oldcite{c}{ignored}\n"
                    "\\input{body}\n",
        "preamble.tex": "\\newcommand{\\mycite}[1]{\\citep{#1}}\n"
                        "\\newcommand*\\seecite[2][]{\\parencite[#1]{#2}}\n"
                        "\\def\\oldcite#1#2{\\cite{#1}}\n\\newcommand{\\emphasis}[1]{\\emph{#1}}\n",
        "body.tex": "\\mycite{d}\\emphasis{e}",
    })
    assert read_manuscript(str(tmp_path / "main.tex")).keys == ["a", "b", "c", "d"]


def test_a_key_followed_by_a_space_is_marked():
    # As TeX reads it: a line end is a space, unless a comment swallows it.
    events = [e for e in scan_tex("\\cite{a , b,\n c\n}\\cite{d%\n  ,e %x\n,f%\n}", "x")
              if e.kind == "cite"]
    assert [(e.value, e.padded) for e in events] == [
        ("a", True), ("b", False), ("c", True), ("d", False), ("e", True), ("f", False)]


TEX_PIECES = ["\\cite{a}", "\\citep[x][y]{b,c}", "%", "\\%", "\\\\", "\n", "\n\n", " ", "{", "}",
              "[", "]", "(", ")", "\\begin{verbatim}", "\\end{verbatim}", "\\verb|", "|",
              "\\iffalse", "\\fi", "\\else", "\\cites", "\\input{x}", "#1", "text", "\r\n"]


@given(st.lists(st.sampled_from(TEX_PIECES), max_size=40))
def test_any_text_is_read_or_refused_with_a_line(pieces: list[str]):
    text = "".join(pieces)
    clean = clean_tex(text)
    assert len(clean) == len(text)
    assert [i for i, c in enumerate(clean) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"]
    try:
        events = scan_tex(text, "x.tex")
    except UnreadableInput as exc:
        assert exc.line is not None and 1 <= exc.line <= text.count("\n") + 1
    else:
        assert all(1 <= e.line <= text.count("\n") + 1 for e in events)
        assert all(e.value.strip() == e.value and e.value for e in events)
