"""`refbridge tex` against real LaTeX, BibTeX and biber, on the manuscripts in
tests/data/manuscripts (see its SOURCES.md): a real thesis's chapters (natbib), a biblatex
thesis and a natbib paper written for these tests.

For each: the keys we read from the .tex are exactly the keys LaTeX records in the .aux (or
biblatex in the .bcf), read here with a plain pattern of their own; our .aux/.bcf readers
agree; and after `refbridge tex`, bibtex/biber find every entry and LaTeX reports no
undefined citation.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.manuscript import read_manuscript

from .paths import BIB_CORPUS, REPO
from .texlive import requires_texlive, run

pytestmark = requires_texlive

MANUSCRIPTS = REPO / "tests" / "data" / "manuscripts"


def latex(folder: Path, name: str) -> str:
    """One pdflatex run (errors do not stop it); the log."""
    run(["pdflatex", "-interaction=nonstopmode", name], folder)
    return (folder / f"{name}.log").read_text(errors="replace")


def aux_keys(folder: Path) -> set[str]:
    """Every key LaTeX wrote to any .aux file: `\\citation{a,b}`."""
    keys: set[str] = set()
    for aux in folder.rglob("*.aux"):
        for group in re.findall(r"^\\citation\{([^}]*)\}", aux.read_text(errors="replace"),
                                re.MULTILINE):
            keys.update(key for key in group.split(",") if key)
    return keys


def bcf_keys(bcf: Path) -> set[str]:
    return set(re.findall(r"<bcf:citekey [^>]*>([^<]*)</bcf:citekey>", bcf.read_text()))


def ours(path: Path) -> set[str]:
    manuscript = read_manuscript(str(path))
    return set(manuscript.keys) | ({"*"} if manuscript.cites_all else set())


def copy(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    shutil.copytree(MANUSCRIPTS / name, folder)
    return folder


def refbridge(*args: str):
    return CliRunner().invoke(cli, ["tex", *args])


@pytest.mark.parametrize(("name", "main", "master", "output", "count"), [
    ("andreasen-thesis", "main", "andreasen_astro_thesis_ads.bib", "refs.bib", 131),
    ("natbib-paper", "paper", "contextlab_cdl.bib", "paper.bib", 22),
])
def test_natbib_manuscripts_through_bibtex(tmp_path: Path, name: str, main: str, master: str,
                                           output: str, count: int):
    folder = copy(name, tmp_path)
    log = latex(folder, main)
    assert "Emergency stop" not in log
    recorded = aux_keys(folder)
    assert len(recorded) == count
    assert ours(folder / f"{main}.tex") == recorded
    assert ours(folder / f"{main}.aux") == recorded

    result = refbridge(str(folder / f"{main}.tex"), "--bib", str(BIB_CORPUS / master))
    assert result.exit_code == 0, result.output
    assert (folder / output).is_file()
    bibtex = run(["bibtex", main], folder)
    blg = (folder / f"{main}.blg").read_text(errors="replace")
    assert "didn't find a database entry" not in blg, blg
    assert bibtex.returncode == 0, blg
    latex(folder, main)
    log = latex(folder, main)
    assert "undefined" not in " ".join(re.findall(r"Citation .* undefined", log)), log[-3000:]
    assert "There were undefined citations" not in log
    # The .aux says the same, and nothing is left to do.
    assert refbridge(str(folder / f"{main}.aux"), "-o", str(folder / output),
                     "--check").exit_code == 0
    assert refbridge(str(folder / f"{main}.tex"), "--check").exit_code == 0


def test_a_biblatex_thesis_through_biber(tmp_path: Path):
    folder = copy("biblatex-thesis", tmp_path)
    latex(folder, "thesis")
    recorded = bcf_keys(folder / "thesis.bcf")
    assert len(recorded) == 35
    assert "wilde" in recorded  # through the user's own \mycite
    assert not {key for key in recorded if key.startswith(("in:", "after:", "commented"))}
    assert ours(folder / "thesis.tex") == recorded
    assert ours(folder / "thesis.bcf") == recorded

    result = refbridge(str(folder / "thesis.tex"), "--bib", str(BIB_CORPUS /
                                                                "biblatex-examples.bib"))
    assert result.exit_code == 0, result.output
    biber = run(["biber", "thesis"], folder)
    blg = (folder / "thesis.blg").read_text(errors="replace")
    assert "I didn't find a database entry" not in blg, blg
    assert biber.returncode == 0, blg
    log = latex(folder, "thesis")
    for _ in range(3):  # more rounds while biblatex asks, as latexmk would do them
        if "Please (re)run Biber" in log:
            run(["biber", "thesis"], folder)
        elif "Please rerun LaTeX" not in log:
            break
        log = latex(folder, "thesis")
    assert re.findall(r"Citation '[^']*' .*undefined", log) == []
    assert "There were undefined references" not in log
    assert refbridge(str(folder / "thesis.bcf"), "--check").exit_code == 0


def test_a_space_after_a_key_is_kept_exactly_where_latex_keeps_it(tmp_path: Path):
    (tmp_path / "p.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n"
        "\\cite{a , b,\n c\n}\\cite{d%\n  ,e %x\n,f%\n}\n\\end{document}\n", "utf-8")
    latex(tmp_path, "p")
    recorded = re.findall(r"\\citation\{([^}]*)\}", (tmp_path / "p.aux").read_text())
    manuscript = read_manuscript(str(tmp_path / "p.tex"))
    padded = {c.key for c in manuscript.padded}
    assert recorded == [key + " " if key in padded else key for key in manuscript.keys]
    assert padded == {"a", "c", "e"}


def test_an_input_of_the_tex_installation_is_found_by_kpsewhich(tmp_path: Path):
    (tmp_path / "p.tex").write_text("\\input glyphtounicode\n\\input{glyphtounicode}\n"
                                    "\\cite{a}\n", "utf-8")
    assert read_manuscript(str(tmp_path / "p.tex")).keys == ["a"]
