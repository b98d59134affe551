"""BibTeX and BibLaTeX output.

arXiv preprints come out in arXiv's own "Export BibTeX citation" shape::

    @misc{kundu2023specific,
      title = {Specific versus General Principles for Constitutional {AI}},
      author = {Kundu, Sandipan and Bai, Yuntao and Kaplan, Jared},
      year = {2023},
      eprint = {2310.13798},
      archivePrefix = {arXiv},
      primaryClass = {cs.CL},
      doi = {10.48550/arXiv.2310.13798},
      url = {https://arxiv.org/abs/2310.13798},
    }

followed by `abstract` and, when arXiv knows where the paper was published, `note` with the
journal reference. The BibLaTeX dialect writes `@online` with `date`, `eprinttype = {arxiv}`
and `eprintclass`, and keeps UTF-8; the BibTeX dialect encodes non-ASCII as LaTeX
(`S{\\"o}ren`). Both escape `& % $ # _` outside math.

Decisions where the anchors leave room:

* `doi` is the journal DOI when the paper has one (what Better BibTeX and every DOI
  resolver user expects), else, for a preprint, arXiv's own DOI; a published version
  without a DOI of its own gets none (arXiv's would name the preprint). The arXiv DOI is
  always derivable from `eprint`.
* `eprint` and `url` carry the version only when the input named one (`2310.13798v2`).
* An arXiv paper whose source entry was a published type (`@article` with a real journal,
  `@inproceedings`...) keeps its type and fields, and gains `eprint`/`archivePrefix`/
  `primaryClass` beside them, as Better BibTeX exports such items. What counts as the
  preprint is `Reference.is_arxiv_preprint`, the rule every writer shares.
* Fields a reference carries that we do not model (`ref.fields`) are written back raw,
  after the modelled ones; a bare month macro (`sep`) stays unbraced.
* `month` is only written for non-arXiv references (arXiv's export has none).
* A brace without a partner in free text (title, abstract, note, names) is a literal
  brace and is written as `\\textbraceleft{}`/`\\textbraceright{}`. Anything else that would
  not parse (unbalanced braces in a pass-through field, a key with spaces or commas) raises
  `InputError` naming the reference, instead of being written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from ..citekeys import DEFAULT_FORMULA, with_keys
from ..errors import InputError
from ..latex import (
    balance_braces,
    braces_balanced,
    escape_specials,
    latex_to_rich_text,
    protect_title,
    strip_rich_text,
    unicode_to_latex,
)
from ..model import Reference
from ..names import format_bibtex_names
from ..readers.bibtex import field_family
from . import Writer

__all__ = ["DIALECTS", "BibTeXWriter", "bibtex_fields", "render_entry"]

DIALECTS = ("bibtex", "biblatex")

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# BibLaTeX-only names of a passed-through field, and what BibTeX styles call them: a
# biblatex entry written as BibTeX would otherwise lose its journal to plain.bst.
_BIBTEX_NAME = {"journaltitle": "journal", "location": "address"}


def _clean(text: str) -> str:
    """One line of text: control characters out, whitespace runs to single spaces."""
    return " ".join(_CONTROL.sub("", text).split())


def _text(text: str, dialect: str) -> str:
    """A free-text value (title, abstract, note) as LaTeX for the dialect."""
    text = balance_braces(escape_specials(_clean(text)))
    return _no_escaped_closing(unicode_to_latex(text) if dialect == "bibtex" else text)


def _no_escaped_closing(text: str) -> str:
    """A value ending in a lone backslash, as LaTeX text: `\\textbackslash{}` for that one.

    Written as `{...\\}`, the backslash would escape the closing brace for LaTeX and for
    bibtexparser, and the entry would not be read back (each re-import appended a copy).

    >>> _no_escaped_closing("a\\\\"), _no_escaped_closing("line\\\\\\\\")
    ('a\\\\textbackslash{}', 'line\\\\\\\\')
    """
    trailing = len(text) - len(text.rstrip("\\"))
    return text[:-1] + "\\textbackslash{}" if trailing % 2 else text


def _title(text: str, dialect: str) -> str:
    return _text(protect_title(balance_braces(_clean(text))), dialect)


def _title_tex(ref: Reference) -> str | None:
    """The title's own TeX (italics, sub/superscripts) that a reader kept, if it still fits."""
    raw = ref.fields.get("title")
    if not raw or not ref.title:
        return None

    def letters(text: str) -> str:
        return "".join(c for c in text.lower() if c.isalnum())
    plain = strip_rich_text(latex_to_rich_text(raw))
    return raw if letters(plain) == letters(ref.title) and braces_balanced(raw) else None


def _arxiv_fields(ref: Reference, dialect: str) -> list[tuple[str, str]]:
    assert ref.arxiv_id
    eprint = ref.versioned_id or ref.arxiv_id
    category = ref.primary_category or (ref.categories[0] if ref.categories else None)
    if dialect == "biblatex":
        fields = [("eprint", eprint), ("eprinttype", "arxiv")]
        if category:
            fields.append(("eprintclass", category))
    else:
        fields = [("eprint", eprint), ("archivePrefix", "arXiv")]
        if category:
            fields.append(("primaryClass", category))
    return fields


def _date_fields(ref: Reference, dialect: str, *, with_month: bool) -> list[tuple[str, str]]:
    date = ref.date or ref.arxiv_published
    if not date:
        return []
    if dialect == "biblatex":
        return [("date", date)]
    fields = [("year", date[:4])]
    if with_month and len(date) >= 7 and date[5:7].isdigit() and 1 <= int(date[5:7]) <= 12:
        fields.append(("month", _MONTHS[int(date[5:7]) - 1]))
    return fields


def bibtex_fields(ref: Reference, dialect: str = "bibtex") -> list[tuple[str, str]]:
    """The fields of `ref`'s entry, in order, each value ready to go inside `{...}`.

    `month` is the exception: its value is a month macro (`oct`) to be written bare.

    >>> from bridge.model import Author
    >>> ref = Reference(arxiv_id="2310.13798", title="Constitutional AI", date="2023-10-20",
    ...                 authors=[Author("Kundu", "Sandipan")], primary_category="cs.CL")
    >>> for name, value in bibtex_fields(ref, "biblatex"):
    ...     print(f"{name} = {value}")
    title = Constitutional {AI}
    author = Kundu, Sandipan
    date = 2023-10-20
    eprint = 2310.13798
    eprinttype = arxiv
    eprintclass = cs.CL
    doi = 10.48550/arXiv.2310.13798
    url = https://arxiv.org/abs/2310.13798
    """
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {DIALECTS}, not {dialect!r}")
    latex = dialect == "bibtex"
    fields: list[tuple[str, str]] = []
    if ref.title:
        fields.append(("title", _title_tex(ref) or _title(ref.title, dialect)))
    if ref.authors or ref.authors_truncated:
        names = format_bibtex_names(ref.authors, latex=latex, truncated=ref.authors_truncated)
        fields.append(("author", names))
    if ref.editors:
        fields.append(("editor", format_bibtex_names(ref.editors, latex=latex)))
    arxiv_shaped = ref.is_arxiv_preprint
    fields.extend(_date_fields(ref, dialect, with_month=not ref.arxiv_id))
    if ref.arxiv_id:
        fields.extend(_arxiv_fields(ref, dialect))
    # arXiv's DOI names the preprint: a published version without a DOI of its own gets none.
    doi = ref.doi or (ref.arxiv_doi if arxiv_shaped else None)
    if doi:
        fields.append(("doi", doi))
    url = ref.arxiv_url if arxiv_shaped else (ref.url or ref.arxiv_url)
    if url:
        fields.append(("url", url))
    if ref.abstract:
        fields.append(("abstract", _text(ref.abstract, dialect)))
    # A pass-through field is dropped when we already wrote one of its family (`date` for
    # `year`...).
    written = {name.lower() for name, _ in fields}
    written |= {field_family(name) for name in written}
    passthrough = [
        (name, value) for name, value in ref.fields.items()
        if name.lower() not in written and field_family(name) not in written
        and not (arxiv_shaped and ref.restates_arxiv_id(name, value))
    ]
    if latex:
        own = {name.lower() for name, _ in passthrough}
        passthrough = [
            (_BIBTEX_NAME[name.lower()], value)
            if name.lower() in _BIBTEX_NAME and _BIBTEX_NAME[name.lower()] not in own
            else (name, value)
            for name, value in passthrough
        ]
    present = written | {name.lower() for name, _ in passthrough}
    if ref.journal_ref and arxiv_shaped and "note" not in present:
        fields.append(("note", _text(ref.journal_ref, dialect)))
    elif ref.journal_ref and not arxiv_shaped and not present & {"journal", "journaltitle"}:
        fields.append(("journal" if latex else "journaltitle", _text(ref.journal_ref, dialect)))
    return fields + passthrough


def _entry_type(ref: Reference, dialect: str) -> str:
    if ref.is_arxiv_preprint:
        return "online" if dialect == "biblatex" else "misc"
    if ref.entry_type:
        return ref.entry_type
    if ref.journal_ref or ref.doi:
        return "article"
    return "online" if dialect == "biblatex" and ref.url else "misc"


_BAD_KEY = re.compile(r"[\s,{}\"#%'()=\\]")


def render_entry(ref: Reference, dialect: str = "bibtex") -> str:
    """One entry in arXiv's export layout: two-space indent, ` = `, a trailing comma.

    The reference must have a key (`bridge.citekeys.assign_keys` gives one).
    Raises `InputError` instead of returning text BibTeX could not parse.
    """
    if not ref.key:
        raise InputError(f"{ref.describe()}: no citation key to write it under")
    if not ref.key.isprintable() or _BAD_KEY.search(ref.key):
        raise InputError(f"{ref.describe()}: citation key {ref.key!r} is not valid in BibTeX")
    lines = [f"@{_entry_type(ref, dialect)}{{{ref.key},"]
    for name, value in bibtex_fields(ref, dialect):
        # A value without a brace is balanced: most are (ids, years, URLs, many abstracts),
        # and the count goes character by character.
        if ("{" in value or "}" in value) and not braces_balanced(value):
            where = f" ({ref.provenance})" if ref.provenance else ""
            raise InputError(
                f"{ref.key}{where}: unbalanced braces in {name} {value!r}; "
                "refusing to write a .bib that BibTeX cannot read"
            )
        if name.lower() == "month" and value.lower() in _MONTHS:
            lines.append(f"  {name} = {value.lower()},")
        else:
            lines.append(f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


class BibTeXWriter(Writer):
    """BibTeX (`dialect="bibtex"`, `.bib`) or BibLaTeX (`dialect="biblatex"`) output."""

    def __init__(self, dialect: str = "bibtex", *, formula: str = DEFAULT_FORMULA):
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}, not {dialect!r}")
        self.name = dialect
        self.dialect = dialect
        self.suffixes = (".bib", ".bibtex") if dialect == "bibtex" else (".biblatex",)
        self.formula = formula

    def write_stream(self, refs: Iterable[Reference], stream: TextIO) -> None:
        refs = with_keys(refs, formula=self.formula)
        # Render everything first: a refusal must not leave half a file in the stream.
        entries = [render_entry(ref, self.dialect) for ref in refs]
        stream.write("\n".join(entries))
