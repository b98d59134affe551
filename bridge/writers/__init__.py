"""Writers: a list of `Reference`s becomes a file in some format.

Formats register by name and suffix in `WRITERS`. A writer implements `write_stream` only
and inherits `to_string` and `write_file` (atomic: readers of the file never see half of
it). `get_writer` picks one by name, else by the output path's suffix, else BibTeX.
"""

from __future__ import annotations

import io
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from .._io import atomic_write_text
from ..errors import UnknownFormat
from ..model import Reference

__all__ = ["DEFAULT_WRITER", "WRITERS", "Writer", "get_writer"]

DEFAULT_WRITER = "bibtex"


class Writer(ABC):
    """One output format. Subclasses set `name` and `suffixes` and write to a stream."""

    name: str = ""
    suffixes: tuple[str, ...] = ()

    @abstractmethod
    def write_stream(self, refs: Iterable[Reference], stream: TextIO) -> None:
        """Write every reference to `stream`, in order."""

    def to_string(self, refs: Iterable[Reference]) -> str:
        buffer = io.StringIO()
        self.write_stream(refs, buffer)
        return buffer.getvalue()

    def write_file(self, refs: Iterable[Reference], path: str | os.PathLike[str]) -> None:
        # Render fully before touching the file, so a refusal leaves the old file as it was.
        atomic_write_text(path, self.to_string(refs))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class _Registry(Mapping[str, Writer]):
    """Writers by name, each made (and its module imported) when first looked up.

    The names are known at once, for `--format`'s choices; the BibTeX writer's imports
    (the LaTeX tables, bibtexparser) are paid only by a command that writes.
    """

    def __init__(self, makers: dict[str, Callable[[], Writer]]):
        self._makers = makers
        self._made: dict[str, Writer] = {}

    def __getitem__(self, name: str) -> Writer:
        if name not in self._made:
            self._made[name] = self._makers[name]()
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _bibtex(dialect: str) -> Callable[[], Writer]:
    def make() -> Writer:
        from .bibtex import BibTeXWriter

        return BibTeXWriter(dialect)
    return make


def _csl_json() -> Writer:
    from .csljson import CslJsonWriter

    return CslJsonWriter()


WRITERS: Mapping[str, Writer] = _Registry(
    {"bibtex": _bibtex("bibtex"), "biblatex": _bibtex("biblatex"), "csl-json": _csl_json})


def get_writer(name: str | None = None, path: str | os.PathLike[str] | None = None) -> Writer:
    """The writer named `name`, else the one whose suffix `path` has, else BibTeX's.

    A path without a suffix (or `-`) gets the default; an unknown name or suffix raises
    `UnknownFormat`, which lists the known ones.

    >>> get_writer("biblatex").name
    'biblatex'
    >>> get_writer(path="refs.JSON").name
    'csl-json'
    >>> get_writer(path="out.docx")
    Traceback (most recent call last):
    ...
    bridge.errors.UnknownFormat: unknown format '.docx'; known formats: .bib, .biblatex, ...
    """
    if name:
        writer = WRITERS.get(name.lower())
        if writer is None:
            raise UnknownFormat(name, list(WRITERS))
        return writer
    if path is not None and str(path) != "-":
        suffix = Path(path).suffix.lower()
        if suffix:
            for writer in WRITERS.values():
                if suffix in writer.suffixes:
                    return writer
            known = sorted({s for w in WRITERS.values() for s in w.suffixes})
            raise UnknownFormat(suffix, known + list(WRITERS))
    return WRITERS[DEFAULT_WRITER]
