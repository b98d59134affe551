"""Real BibTeX and biber over our output: zero errors, zero warnings.

The inputs are every paper in the recorded arXiv answers (34 authors with a `ü`, old-style
ids, math and `&` in titles) plus hand-made references with accented names, particles, an
institution, a truncated author list and every special character. The documents are
minimal (`\\nocite{*}` and the bibliography), so any warning in a `.blg` is caused by our
entries; the final LaTeX run must also typeset the bibliography without an error.

Also here: real BibTeX splitting every name in the corpora and the table of tests/test_names.py,
which is how that table was made and how it stays honest.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bridge.latex import latex_to_unicode
from bridge.model import Reference
from bridge.names import split_bibtex_name, split_bibtex_names
from bridge.writers import get_writer

from .paths import CORPORA
from .test_bibtex_writer import atom_references, sample_references
from .test_names import BIBTEX_SPLITS
from .texlive import entry_keys, latex_errors, requires_texlive, run, run_biber, run_bibtex

pytestmark = requires_texlive


def _references() -> list[Reference]:
    return atom_references() + sample_references()


def test_bibtex_plain_reads_our_bibtex_without_a_warning(tmp_path: Path):
    bib = get_writer("bibtex").to_string(_references())
    tex = run_bibtex(bib, tmp_path)
    assert tex.bibtex_problems() == [], tex.blg
    assert tex.returncode == 0, tex.blg
    assert sorted(re.findall(r"\\bibitem\{([^}]+)\}", tex.bbl)) == sorted(entry_keys(bib))
    flat = " ".join(tex.bbl.split())  # bibtex wraps lines at 79 characters
    # plain lower-cases titles; the braces we put keep acronyms as they are
    assert "Specific versus general principles for constitutional {AI}" in flat
    assert "S{\\\"o}ren Mindermann" in flat
    assert tex.final_returncode == 0 and latex_errors(tex.log) == [], latex_errors(tex.log)


@pytest.mark.parametrize(("dialect", "engine"), [("biblatex", "lualatex"),
                                                  ("bibtex", "pdflatex")])
def test_biber_reads_our_output_without_a_warning(tmp_path: Path, dialect: str, engine: str):
    # biblatex users also feed arXiv's @misc shape to biber, so both dialects must pass.
    # The BibLaTeX dialect keeps UTF-8 (Greek, say), so it is typeset by a Unicode engine;
    # there, a glyph missing from the default font is the font's business, not an error.
    if not shutil.which(engine):
        pytest.skip(f"needs {engine}")
    bib = get_writer(dialect).to_string(_references())
    tex = run_biber(bib, tmp_path, engine)
    assert tex.biber_problems() == []
    assert tex.returncode == 0, tex.blg
    assert sorted(re.findall(r"\\entry\{([^}]+)\}", tex.bbl)) == sorted(entry_keys(bib))
    errors = latex_errors(tex.log)
    if engine == "lualatex":
        errors = [line for line in errors if "Missing character" not in line]
    assert tex.final_returncode == 0 and errors == [], errors


_NAMES_BST = """\
ENTRY { author } {} {}
INTEGERS { n }
FUNCTION {parts}
{ #1 'n :=
  { n author num.names$ #1 + < }
  { "@@" write$ newline$
    author n "{ff}" format.name$ write$ newline$
    author n "{vv}" format.name$ write$ newline$
    author n "{ll}" format.name$ write$ newline$
    author n "{jj}" format.name$ write$ newline$
    n #1 + 'n := }
  while$
}
FUNCTION {default.type} { parts }
READ
ITERATE {call.type$}
"""


def test_real_bibtex_splits_the_name_table_as_we_do(tmp_path: Path):
    names = [name for name, _ in BIBTEX_SPLITS]
    (tmp_path / "names.bst").write_text(_NAMES_BST)
    (tmp_path / "names.bib").write_text(
        "".join(f"@misc{{n{i}, author = {{{name}}}}}\n" for i, name in enumerate(names)),
        encoding="utf-8")
    (tmp_path / "names.aux").write_text("\\citation{*}\n\\bibstyle{names}\n\\bibdata{names}\n")
    result = run(["bibtex", "names"], tmp_path)
    assert result.returncode == 0, result.stdout
    blocks = (tmp_path / "names.bbl").read_text(encoding="utf-8").split("@@\n")[1:]
    assert len(blocks) == len(names)
    for (name, expected), block in zip(BIBTEX_SPLITS, blocks, strict=True):
        bibtex = tuple(" ".join(latex_to_unicode(part).split())
                       for part in block.split("\n")[:4])
        assert bibtex == expected, name
        author = split_bibtex_name(name)
        assert (author.first, author.von, author.last, author.jr) == expected, name


def _name_fields() -> list[str]:
    """Every author and editor field in the corpora's .bib files, whitespace-collapsed."""
    fields: list[str] = []
    paths = sorted(p for p in CORPORA.rglob("*") if p.suffix in (".bib", ".bibtex", ".biblatex"))
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"(?i)\b(?:author|editor)\s*=\s*([{\"])", text):
            depth, i = (1, match.end()) if match.group(1) == "{" else (0, match.end())
            start = i
            while i < len(text):
                char = text[i]
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth -= 1
                    if depth == 0 and match.group(1) == "{":
                        break
                elif char == '"' and depth == 0:
                    break
                i += 1
            value = " ".join(text[start:i].split())
            if value and value.count("{") == value.count("}") and "\ufffd" not in value:
                fields.append(value)
    return list(dict.fromkeys(fields))


# The names in the corpora where our split differs from BibTeX's, each for a reason
# documented in bridge/names.py (hyphenated words, `\~` accents, BibLaTeX's extended name
# format).
CORPUS_DEPARTURES = {
    "A-l Saive", "A N\\'{u}\\~{n}ez", "A Sz\\~{u}cs", "Chi-lin Liang", "Hans-{J}ochen Heinze",
    "I L Pi\\~{n}a", "Jean-{A}rcady Meyer", "L -G Nilsson", "L Er\\~{o}ss",
    "Marie-no{\\\"{e}}lle Magni{\\'{e}}", "Yen-lu Chow", "al- One, Alan",
    "family=Oord, given=Aaron, prefix=van den, useprefix=true",
}


def _raw_names(field: str) -> list[str]:
    """The names of a field as written, split where BibTeX splits (` and ` at depth 0)."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", field, re.IGNORECASE):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(field[start:match.start()])
            start = match.end()
    names.append(field[start:])
    return [name for name in names if name.strip()]


def test_real_bibtex_agrees_on_every_name_in_the_corpora(tmp_path: Path):
    fields = _name_fields()
    assert len(fields) > 1000
    (tmp_path / "names.bst").write_text(_NAMES_BST)
    (tmp_path / "names.bib").write_text(
        "".join(f"@misc{{n{i}, author = {{{field}}}}}\n" for i, field in enumerate(fields)),
        encoding="utf-8")
    (tmp_path / "names.aux").write_text("\\citation{*}\n\\bibstyle{names}\n\\bibdata{names}\n")
    run(["bibtex", "names"], tmp_path)  # its complaints about the corpora are not ours
    blocks = iter((tmp_path / "names.bbl").read_text(encoding="utf-8").split("@@\n")[1:])
    differ = set()
    count = 0
    for field in fields:
        for author, raw in zip(split_bibtex_names(field), _raw_names(field), strict=True):
            block = next(blocks)
            bibtex = tuple(" ".join(latex_to_unicode(part).split())
                           for part in block.split("\n")[:4])
            count += 1
            if (author.first, author.von, author.last, author.jr) != bibtex:
                differ.add(raw)
    assert next(blocks, None) is None
    assert count > 10000
    assert differ == CORPUS_DEPARTURES
