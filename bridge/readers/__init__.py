"""Readers: every input format becomes a list of `Reference`s.

The mirror of `bridge.writers`: formats register by name and suffix in `READERS`. A reader
implements `read` (text in, references out) only and inherits `read_file` and
`read_stream`. `get_reader` picks one by name, else by the input's suffix; `read_inputs`
picks one per input by suffix, or, for standard input and unknown suffixes, by sniffing for
BibTeX entries (a JSON file is CSL-JSON unless its items are Zotero's, with `itemType`).
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .._io import STDIN, read_input_text
from ..errors import Problems, UnknownFormat
from ..model import Reference

__all__ = ["DEFAULT_READER", "READERS", "Reader", "detect_format", "get_reader", "read_input",
           "read_inputs"]

DEFAULT_READER = "text"


class Reader(ABC):
    """One input format. Subclasses set `name` and `suffixes` and read a text."""

    name: str = ""
    suffixes: tuple[str, ...] = ()

    @abstractmethod
    def read(self, text: str, source: str, problems: Problems) -> list[Reference]:
        """The references in `text`, in order; `source` names it in messages and provenance.

        Recoverable problems go to `problems`; input that cannot be read at all raises an
        `InputError` naming `source` (and the line, when there is one).
        """

    def read_file(self, path: str | os.PathLike[str],
                  problems: Problems | None = None) -> list[Reference]:
        """Read a file (or standard input for `-`): decoding errors are one-line errors."""
        name = os.fspath(path)
        source = "<stdin>" if name == STDIN else name
        return self.read(read_input_text(name), source, problems or Problems())

    def read_stream(self, stream: TextIO, source: str = "<stream>",
                    problems: Problems | None = None) -> list[Reference]:
        return self.read(stream.read(), source, problems or Problems())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class _BibTeXReader(Reader):
    """`.bib` files, with bibtexparser 2 (see `bridge.readers.bibtex`)."""

    name = "bibtex"
    suffixes = (".bib", ".bibtex", ".biblatex")

    def read(self, text: str, source: str, problems: Problems) -> list[Reference]:
        from .bibtex import read_bibtex

        return read_bibtex(text, source, problems)


class _TextReader(Reader):
    """Pasted text: arXiv listings, reading lists, aggregator pages (`bridge.readers.text`)."""

    name = "text"
    suffixes = (".txt", ".text", ".md")

    def read(self, text: str, source: str, problems: Problems) -> list[Reference]:
        from .text import read_text

        return read_text(text, source)


def _registry() -> dict[str, Reader]:
    from .csljson import CslJsonReader
    from .zotero_json import ZoteroJsonReader

    readers: list[Reader] = [_BibTeXReader(), _TextReader(), CslJsonReader(),
                             ZoteroJsonReader()]
    return {reader.name: reader for reader in readers}


READERS: dict[str, Reader] = _registry()

# A line that opens a BibTeX entry: `@article{key,` / `@misc (key,`.
_BIB_ENTRY = re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
# Zotero's item JSON (API objects or their `data`) always names the item type.
_ZOTERO_ITEM = re.compile(r'"itemType"\s*:')


def get_reader(name: str | None = None, path: str | os.PathLike[str] | None = None) -> Reader:
    """The reader named `name`, else the one whose suffix `path` has, else the text reader.

    An unknown name raises `UnknownFormat`, which lists the known ones.

    >>> get_reader("csl-json").name, get_reader(path="refs.BIB").name, get_reader().name
    ('csl-json', 'bibtex', 'text')
    >>> get_reader("ris")
    Traceback (most recent call last):
    ...
    bridge.errors.UnknownFormat: unknown format 'ris'; known formats: bibtex, csl-json, ...
    """
    if name:
        reader = READERS.get(name.lower())
        if reader is None:
            raise UnknownFormat(name, sorted(READERS))
        return reader
    if path is not None and os.fspath(path) != STDIN:
        suffix = Path(path).suffix.lower()
        for reader in READERS.values():
            if suffix in reader.suffixes:
                return reader
    return READERS[DEFAULT_READER]


def detect_format(name: str, text: str, fmt: str | None = None) -> Reader:
    """The reader for an input: `fmt` if given, else by suffix, else by sniffing the text.

    >>> detect_format("refs.bib", "").name
    'bibtex'
    >>> detect_format("-", "@misc{a, title={T}}").name
    'bibtex'
    >>> detect_format("-", "see arXiv:2310.13798").name
    'text'
    >>> detect_format("library.json", '[{"key": "X", "itemType": "preprint"}]').name
    'zotero-json'
    """
    if fmt:
        return get_reader(fmt)
    if name != STDIN:
        reader = get_reader(path=name)
        if reader.name == "csl-json" and _ZOTERO_ITEM.search(text):
            return READERS["zotero-json"]
        if Path(name).suffix.lower() in reader.suffixes:
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
