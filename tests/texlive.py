"""Run real LaTeX, bibtex and biber over a .bib text, for tests that check what they say."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

TOOLS = ("pdflatex", "bibtex", "biber")
requires_texlive = [
    pytest.mark.texlive,
    pytest.mark.skipif(not all(shutil.which(tool) for tool in TOOLS),
                       reason="needs pdflatex, bibtex and biber on PATH"),
]

_PREAMBLE = "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300,
                          errors="replace", check=False)


def latex_errors(log: str) -> list[str]:
    """Error lines of a LaTeX log, plus characters the fonts could not typeset."""
    return [line for line in log.splitlines()
            if line.startswith("! ") or "Missing character" in line]


def entry_keys(bib: str) -> list[str]:
    return re.findall(r"^@\w+\{([^,]+),$", bib, re.MULTILINE)


@dataclass
class TexRun:
    """What one LaTeX + bibliography tool + LaTeX round said."""

    returncode: int
    blg: str
    bbl: str
    log: str
    final_returncode: int

    def bibtex_problems(self) -> list[str]:
        return [line for line in self.blg.splitlines()
                if line.startswith("Warning--") or "error message" in line]

    def biber_problems(self) -> list[str]:
        return [line for line in self.blg.splitlines() if "WARN -" in line or "ERROR -" in line]


def run_bibtex(bib: str, workdir: Path, style: str = "plain") -> TexRun:
    """pdflatex, bibtex with `style`, pdflatex, over a document citing every entry of bib."""
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    (workdir / "doc.tex").write_text(
        _PREAMBLE + "\\begin{document}\n\\nocite{*}\n"
        f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}\n\\end{{document}}\n",
        encoding="utf-8")
    return _round(workdir, "pdflatex", ["bibtex", "doc"])


def run_biber(bib: str, workdir: Path, engine: str = "pdflatex") -> TexRun:
    """LaTeX with biblatex, biber --validate-datamodel, LaTeX again."""
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    (workdir / "doc.tex").write_text(
        _PREAMBLE + "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n"
        "\\begin{document}\n\\nocite{*}\n\\printbibliography\n\\end{document}\n",
        encoding="utf-8")
    return _round(workdir, engine, ["biber", "--validate-datamodel", "doc"])


def _round(workdir: Path, engine: str, tool: list[str]) -> TexRun:
    latex = [engine, "-interaction=nonstopmode", "-halt-on-error", "doc"]
    first = run(latex, workdir)
    assert first.returncode == 0, first.stdout[-2000:]
    result = run(tool, workdir)
    final = run(latex, workdir)

    def read(name: str) -> str:
        path = workdir / name
        return path.read_text(errors="replace") if path.exists() else ""

    return TexRun(result.returncode, read("doc.blg"), read("doc.bbl"), read("doc.log"),
                  final.returncode)
