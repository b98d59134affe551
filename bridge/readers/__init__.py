"""Readers: every input format becomes a list of `Reference`s.

Formats register by name and suffix in `READERS`; `read_inputs` picks one per input from its
suffix, or, for standard input and unknown suffixes, by sniffing for BibTeX entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .._io import STDIN, read_input_text
from ..errors import Problems, UnknownFormat
from ..model import Reference

__all__ = ["READERS", "Reader", "detect_format", "read_input", "read_inputs"]

ReadFunction = Callable[[str, str, Problems], list[Reference]]


@dataclass(frozen=True)
class Reader:
    name: str
    suffixes: tuple[str, ...]
    read: ReadFunction


def _read_bibtex(text: str, source: str, problems: Problems) -> list[Reference]:
    from .bibtex import read_bibtex

    return read_bibtex(text, source, problems)


def _read_text(text: str, source: str, problems: Problems) -> list[Reference]:
    from .text import read_text

    return read_text(text, source)


READERS: dict[str, Reader] = {
    "bibtex": Reader("bibtex", (".bib", ".bibtex", ".biblatex"), _read_bibtex),
    "text": Reader("text", (".txt", ".text", ".md"), _read_text),
}

# A line that opens a BibTeX entry: `@article{key,` / `@misc (key,`.
_BIB_ENTRY = re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.MULTILINE)


def detect_format(name: str, text: str, fmt: str | None = None) -> Reader:
    """The reader for an input: `fmt` if given, else by suffix, else by sniffing the text.

    >>> detect_format("refs.bib", "").name
    'bibtex'
    >>> detect_format("-", "@misc{a, title={T}}").name
    'bibtex'
    >>> detect_format("-", "see arXiv:2310.13798").name
    'text'
    """
    if fmt:
        if fmt not in READERS:
            raise UnknownFormat(fmt, list(READERS))
        return READERS[fmt]
    if name != STDIN:
        suffix = Path(name).suffix.lower()
        for reader in READERS.values():
            if suffix in reader.suffixes:
                return reader
    return READERS["bibtex"] if _BIB_ENTRY.search(text) else READERS["text"]


def read_input(name: str, problems: Problems, fmt: str | None = None) -> list[Reference]:
    """Read one input (a path, or `-` for standard input) into references."""
    text = read_input_text(name)
    source = "<stdin>" if name == STDIN else name
    return detect_format(name, text, fmt).read(text, source, problems)


def read_inputs(names: Iterable[str], problems: Problems,
                fmt: str | None = None) -> list[Reference]:
    """Read every input in order; the references come out in input order."""
    references: list[Reference] = []
    for name in names:
        references.extend(read_input(name, problems, fmt))
    return references
