"""Read a LaTeX manuscript for what it cites: every key, where it is first cited, which .bib.

Three kinds of input, one result (`Manuscript`):

* **`.tex`**: the text as LaTeX would read it. Comments (`%`, not `\\%`), the bodies of
  `verbatim`-like environments (`verbatim`, `Verbatim`, `lstlisting`, `minted`, `comment`...),
  `\\verb|..|`, and the false branch of `\\iffalse ... \\else ... \\fi` are blanked out first
  (`clean_tex`), keeping every offset so lines stay right. Then, in source order, citation
  commands give keys (`citation_commands` below), `\\input`, `\\include`, `\\subfile`,
  `\\import{dir}{file}` and `\\subimport` are followed where they stand, and
  `\\bibliography{a,b}` / `\\addbibresource[..]{x.bib}` name the .bib files. Reading stops
  at `\\end{document}`, as LaTeX does.
* **`.aux`** (what LaTeX writes for BibTeX): `\\citation{a,b}`, `\\bibdata{refs}` and nested
  `\\@input{chapter.aux}`; biblatex's `\\abx@aux@cite{0}{key}` is read too.
* **`.bcf`** (biber's control file, XML): `bcf:citekey` elements and `bcf:datasource` files.

Paths are relative to the main file's folder (LaTeX runs there); inside a file brought in
by `\\import{dir}{..}`, relative to `dir` first, as the import package makes them. A file
met a second time (a cycle, or an `\\include` repeated) is not read again.

`scan_tex`, `scan_aux`, `scan_bcf` and `clean_tex` are pure; `read_manuscript` does the file
reading. Bad input raises `UnreadableInput` naming the file and line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.parsers.expat
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import arxiv_id
from ._io import read_file_bytes, read_input_text
from .errors import InvalidArxivId, UnreadableInput

__all__ = [
    "CITATION_COMMANDS",
    "Citation",
    "Event",
    "Manuscript",
    "arxiv_id_of_key",
    "clean_tex",
    "doi_of_key",
    "iter_tex",
    "read_manuscript",
    "scan_aux",
    "scan_bcf",
    "scan_tex",
]

# --------------------------------------------------------------------------- commands

_NATBIB = ("cite", "citet", "citep", "citealt", "citealp", "citeauthor", "citefullauthor",
           "citeyear", "citeyearpar", "citenum", "citetalias", "citepalias",
           "Citet", "Citep", "Citealt", "Citealp", "Citeauthor", "Citefullauthor")
_BIBLATEX = ("Cite", "parencite", "Parencite", "footcite", "footcitetext", "textcite",
             "Textcite", "smartcite", "Smartcite", "autocite", "Autocite", "supercite",
             "fullcite", "footfullcite", "citetitle", "Citetitle", "citedate", "citeurl",
             "citelist", "citefield", "citename", "notecite", "Notecite", "pnotecite",
             "Pnotecite", "fnotecite", "nocite")
_MULTICITES = ("cites", "Cites", "parencites", "Parencites", "footcites", "footcitetexts",
               "smartcites", "Smartcites", "textcites", "Textcites", "supercites",
               "autocites", "Autocites")
# biblatex's volume citations: `\volcite[prenote]{volume}[pages]{key}`.
_VOLCITES = ("volcite", "Volcite", "pvolcite", "Pvolcite", "fvolcite", "ftvolcite",
             "svolcite", "Svolcite", "tvolcite", "Tvolcite", "avolcite", "Avolcite")

CITATION_COMMANDS: frozenset[str] = frozenset(_NATBIB + _BIBLATEX + _MULTICITES + _VOLCITES)
"""Every command (without the backslash) whose argument is a list of citation keys."""

_INCLUDES = {"input": 1, "include": 1, "subfile": 1, "import": 2, "subimport": 2,
             "inputfrom": 2, "includefrom": 2, "subinputfrom": 2, "subincludefrom": 2}
_BIB_COMMANDS = ("bibliography", "addbibresource", "addglobalbib", "addsectionbib")
_BIBLATEX_MARKERS = ("addbibresource", "addglobalbib", "addsectionbib")
_USES_BIBLATEX = re.compile(
    r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{[^}]*\bbiblatex\b")

# Environments whose body LaTeX does not read as commands.
_VERBATIM_ENVS = ("verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "LVerbatim",
                  "lstlisting", "minted", "comment", "filecontents", "filecontents*")
_VERBATIM_BEGIN = re.compile(
    r"\\begin\s*\{(" + "|".join(re.escape(e) for e in _VERBATIM_ENVS) + r")\}")
_COMMAND = re.compile(r"\\([A-Za-z@]+)")
_IF_TOKEN = re.compile(r"\\(if[A-Za-z@]*|fi|else)(?![A-Za-z@])")
_END_DOCUMENT = re.compile(r"\\end\s*\{document\}")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
# A macro of the user's own that wraps a citation command: `\newcommand{\mycite}[1]{\cite{#1}}`
# or `\def\mycite#1{\citep{#1}}`. The body is checked by `_CITE_IN_BODY`.
_DEFINITION = re.compile(
    r"\\(?:(?:re|provide)?newcommand\*?\s*\{?\s*\\([A-Za-z@]+)\s*\}?\s*(?:\[(\d)\])?\s*(\[)?"
    r"|(?:long\s*\\)?[gex]?def\s*\\([A-Za-z@]+)((?:#\d)*)\s*(?=\{))")
_CITE_IN_BODY = re.compile(r"\\([A-Za-z]+)\*?\s*(?:\[[^\]]*\]\s*)*\{\s*#(\d)\s*\}")
_DOI = re.compile(r"(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)\Z", re.IGNORECASE)


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Citation:
    """A cited key and where it is first cited."""

    key: str
    source: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class Event:
    """One thing a scanned text says, in source order (see `scan_tex`)."""

    kind: str
    """`cite` (value: a key, `*` for all), `include` (value: a path; `base`: the folder
    it is relative to, None for the current file's), `bib` (value: a .bib path),
    `biblatex` (the text uses biblatex), `unfollowed` (value: an `\\input{\\dir/x}` whose
    file name is made by a macro, which we cannot expand)."""
    value: str
    line: int
    base: str | None = None
    relative_to_file: bool = False
    """For `include`: the path is relative to the including file's folder (`\\subimport`)."""
    padded: bool = False
    """For `cite`: white space follows the key before its `,` or `}`. LaTeX strips the
    spaces before a key, not after: `\\cite{a ,b}` cites `a ` in the .aux (natbib, LaTeX)
    and looks `a ` up when typesetting (biblatex too, though its .bcf says `a`)."""


@dataclass
class Manuscript:
    """What a manuscript cites, in source order, and the .bib files it names."""

    path: str
    kind: str
    """`tex`, `aux` or `bcf`."""
    citations: list[Citation] = field(default_factory=list)
    """Each key once, at its first citation, in source order (`*` never among them)."""
    cites_all: Citation | None = None
    """Where `\\nocite{*}` is, if it is."""
    bib_files: list[str] = field(default_factory=list)
    """The .bib files named, resolved against the main file's folder, in order, once each."""
    files: list[str] = field(default_factory=list)
    """Every file read, main file first."""
    biblatex: bool = False
    unfollowed: list[Citation] = field(default_factory=list)
    """Inputs whose file name a macro makes (`\\input{\\dir/x}`), as written, and where."""
    padded: list[Citation] = field(default_factory=list)
    """Keys written with white space after them (see `Event.padded`), where written."""
    cite_macros: dict[str, tuple[int, bool]] = field(default_factory=dict)
    """The user's own citation macros met so far (see `scan_tex`)."""

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.citations]

    def add_citation(self, key: str, source: str, line: int) -> None:
        if key == "*":
            if self.cites_all is None:
                self.cites_all = Citation(key, source, line)
        elif key not in self._seen:
            self._seen.add(key)
            self.citations.append(Citation(key, source, line))

    def add_bib(self, path: str) -> None:
        if path not in self.bib_files:
            self.bib_files.append(path)

    def __post_init__(self) -> None:
        self._seen: set[str] = {c.key for c in self.citations}


def arxiv_id_of_key(key: str) -> str | None:
    """The arXiv id a citation key is written as, or None.

    >>> [arxiv_id_of_key(k) for k in ("2310.13798", "arXiv:2310.13798v2",
    ...     "hep-th/9901001", "10.48550/arXiv.2310.13798", "smith2020", "1234.5678")]
    ['2310.13798', '2310.13798v2', 'hep-th/9901001', '2310.13798', None, None]
    """
    try:
        return arxiv_id.parse(key).versioned
    except InvalidArxivId:
        return None


def doi_of_key(key: str) -> str | None:
    """The DOI a citation key is written as (`10.1103/PhysRevD.1.1`, `doi:...`), or None.

    >>> doi_of_key("10.1103/PhysRevLett.116.061102"), doi_of_key("smith2020")
    ('10.1103/PhysRevLett.116.061102', None)
    """
    m = _DOI.match(key.strip())
    return m.group(1) if m else None


# --------------------------------------------------------------------------- .tex


def clean_tex(text: str) -> str:
    """`text` with what LaTeX does not read as commands blanked out; offsets kept.

    Comments, verbatim-like environment bodies, `\\verb` arguments and the skipped branch
    of `\\iffalse` turn into spaces (newlines stay, so line numbers stay right).

    >>> clean_tex("a % \\\\cite{x}\\n50\\\\% \\\\cite{y}").split()
    ['a', '50\\\\%', '\\\\cite{y}']
    >>> clean_tex("\\\\iffalse \\\\cite{x}\\\\else \\\\cite{y}\\\\fi").split()
    ['\\\\cite{y}\\\\fi']
    """
    out = list(text)
    n = len(text)

    def blank(start: int, end: int) -> None:
        for j in range(start, min(end, n)):
            if out[j] != "\n":
                out[j] = " "

    i = 0
    while i < n:
        char = text[i]
        if char == "%":
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif char == "\\":
            if (m := _VERBATIM_BEGIN.match(text, i)) is not None:
                env = m.group(1)
                closing = re.compile(r"\\end\s*\{" + re.escape(env) + r"\}")
                close = closing.search(text, m.end())
                end = close.end() if close else n
                blank(i, end)
                i = end
            elif text.startswith("verb", i + 1) and i + 5 < n and not text[i + 5].isalpha():
                start = i + 5 + (1 if text[i + 5] == "*" else 0)
                if start < n:
                    delimiter = text[start]
                    end = text.find(delimiter, start + 1)
                    newline = text.find("\n", start + 1)
                    if end < 0 or (0 <= newline < end):
                        end = start  # a \verb without its closing delimiter: leave it
                    blank(i, end + 1)
                    i = end + 1
                else:
                    i = n
            elif text.startswith("iffalse", i + 1) and not _letter_at(text, i + 8):
                end, resume = _false_branch_end(text, i + 8)
                blank(i, end)
                i = resume
            else:
                i += 2  # the escaped character (`\%`, `\\`) or the command's first letter
        else:
            i += 1
    return "".join(out)


def _letter_at(text: str, i: int) -> bool:
    return i < len(text) and (text[i].isalpha() or text[i] == "@")


def _false_branch_end(text: str, start: int) -> tuple[int, int]:
    """(end of the skipped text, where reading resumes) for an `\\iffalse` ending at start.

    TeX skips to the matching `\\else` or `\\fi`, counting the conditionals nested inside
    (every `\\if...` token; `\\ifthenelse` is a LaTeX macro, not a conditional).
    """
    depth = 0
    for m in _IF_TOKEN.finditer(text, start):
        name = m.group(1)
        if name == "fi":
            if depth == 0:
                return m.start(), m.start()  # `\fi` itself stays: it closes nothing we read
            depth -= 1
        elif name == "else":
            if depth == 0:
                return m.end(), m.end()
        elif name != "ifthenelse":
            depth += 1
    return len(text), len(text)


class _Unbalanced(Exception):
    def __init__(self, offset: int, what: str):
        self.offset = offset
        self.what = what


def _skip_space(text: str, i: int) -> int:
    """Past spaces and at most one line break (a blank line ends a command's arguments)."""
    n = len(text)
    newlines = 0
    while i < n and text[i] in " \t\r\n":
        if text[i] == "\n":
            newlines += 1
            if newlines > 1:
                break
        i += 1
    return i


def _group(text: str, i: int, opening: str) -> tuple[str, int]:
    """The content of the group opening at text[i] and the offset after it.

    Braces nest; brackets and parentheses end at their first closer outside braces. A
    blank line or the end of the text before the closer is an unbalanced group, as a
    LaTeX command argument cannot hold a paragraph break.
    """
    closer = {"{": "}", "[": "]", "(": ")"}[opening]
    depth = 0
    j = i + 1
    n = len(text)
    while j < n:
        char = text[j]
        if char == "\\":
            j += 2
            continue
        if char == "\n" and _BLANK_LINE.match(text, j):
            break
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                if opening == "{":
                    return text[i + 1:j], j + 1
                break
            depth -= 1
        elif char == closer and depth == 0:
            return text[i + 1:j], j + 1
        j += 1
    raise _Unbalanced(i, opening)


def _optionals(text: str, i: int, openers: str = "[") -> int:
    """Past any optional arguments (`[..]`, and `(..)` when allowed) starting at i."""
    while True:
        j = _skip_space(text, i)
        if j < len(text) and text[j] in openers:
            _, i = _group(text, j, text[j])
        else:
            return i


def _mandatory(text: str, i: int) -> tuple[str, int, int] | None:
    """(content, offset of its `{`, end) of the braced argument at i, or None."""
    j = _skip_space(text, i)
    if j < len(text) and text[j] == "{":
        content, end = _group(text, j, "{")
        return content, j, end
    return None


def _keys(content: str) -> list[str]:
    return [key for key in (part.strip() for part in content.split(",")) if key]


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _line_at(starts: list[int], offset: int) -> int:
    return bisect_right(starts, offset)


def scan_tex(text: str, source: str, cite_macros: dict[str, tuple[int, bool]] | None = None
             ) -> list[Event]:
    """What a .tex text cites, includes and names as bibliography, in source order.

    Each key is one `cite` event on the line where it is written. `cite_macros` holds the
    user's own citation macros (name -> (argument holding the keys, whether the first
    argument is optional)); those this text defines are added to it, so that a macro
    defined in a preamble file counts in the files read after it (see `iter_tex`).

    >>> text = "\\\\citep[see][p.~3]{a,\\n b} %\\\\cite{c}\\n\\\\input{intro}\\\\bibliography{refs}"
    >>> [(e.kind, e.value, e.line) for e in scan_tex(text, "x")]
    [('cite', 'a', 1), ('cite', 'b', 2), ('include', 'intro', 3), ('bib', 'refs.bib', 3)]
    """
    return list(iter_tex(text, source, cite_macros))


def iter_tex(text: str, source: str, cite_macros: dict[str, tuple[int, bool]] | None = None
             ) -> Iterator[Event]:
    """`scan_tex` one event at a time: a reader that follows an `include` event before
    asking for the next one lets the included file's macro definitions count after it."""
    clean = clean_tex(text)
    stop = _END_DOCUMENT.search(clean)
    limit = stop.start() if stop else len(clean)
    starts = _line_starts(clean)
    events: list[Event] = []
    if (uses := _USES_BIBLATEX.search(clean, 0, limit)) is not None:
        events.append(Event("biblatex", "usepackage", _line_at(starts, uses.start())))
    macros = cite_macros if cite_macros is not None else {}
    macros.update(_citation_macros(clean[:limit]))

    line_of = _Lines(text, starts)

    pos = 0
    while True:
        m = _COMMAND.search(clean, pos, limit)
        if m is None:
            break
        name, pos = m.group(1), m.end()
        try:
            if name in CITATION_COMMANDS:
                pos = _citation(clean, name, pos, events, line_of)
            elif name in _INCLUDES:
                pos = _include(clean, name, pos, events, line_of)
            elif name in _BIB_COMMANDS:
                pos = _bibliography(clean, name, pos, events, line_of)
            elif name in macros:
                pos = _macro_citation(clean, macros[name], pos, events, line_of)
        except _Unbalanced as exc:
            what = {"{": "brace", "[": "bracket", "(": "parenthesis"}[exc.what]
            raise UnreadableInput(
                source, f"unbalanced {what} in \\{name}: its argument is never closed",
                line_of(exc.offset)) from None
        yield from events
        events.clear()
    yield from events


def _citation_macros(clean: str) -> dict[str, tuple[int, bool]]:
    """The macros `clean` defines whose body cites one of their arguments.

    >>> _citation_macros("\\\\newcommand{\\\\mycite}[2][]{\\\\citep[#1]{#2}}"
    ...                  "\\\\def\\\\x#1{\\\\cite{#1}}")
    {'mycite': (2, True), 'x': (1, False)}
    """
    found: dict[str, tuple[int, bool]] = {}
    for m in _DEFINITION.finditer(clean):
        name = m.group(1) or m.group(4)
        optional_first = bool(m.group(3))
        at = m.end()
        try:
            if optional_first:
                _, at = _group(clean, at - 1, "[")
            body = _mandatory(clean, at)
        except _Unbalanced:
            continue
        if body is None or name in CITATION_COMMANDS:
            continue
        cite = _CITE_IN_BODY.search(body[0])
        if cite is not None and cite.group(1) in CITATION_COMMANDS:
            found[name] = (int(cite.group(2)), optional_first)
    return found


def _macro_citation(clean: str, macro: tuple[int, bool], pos: int, events: list[Event],
                    line_of: _Lines) -> int:
    argument, optional_first = macro
    if optional_first:
        pos = _optionals(clean, pos)
        argument -= 1
    for number in range(1, argument + 1):
        arg = _mandatory(clean, pos)
        if arg is None:
            return pos
        content, brace, pos = arg
        if number == argument:
            _key_events(content, brace, clean, events, line_of)
    return pos


class _Lines:
    """Line numbers of offsets in a text, which it keeps as written (comments and all)."""

    def __init__(self, original: str, starts: list[int]):
        self.original = original
        self.starts = starts

    def __call__(self, offset: int) -> int:
        return _line_at(self.starts, offset)


# What TeX reads as nothing after a key: a comment, with the line end and the next line's
# leading blanks it swallows.
_COMMENT_TAIL = re.compile(r"%[^\n]*(?:\n[ \t]*)?")


def _key_events(content: str, brace: int, clean: str, events: list[Event],
                line_of: _Lines) -> None:
    offset = brace + 1
    for part in content.split(","):
        key = part.strip()
        if key and "#" not in key:  # `#1` in a macro definition is not a key
            start = offset + part.index(key)
            after = line_of.original[start + len(key):offset + len(part)]
            events.append(Event("cite", key, line_of(start),
                                padded=bool(_COMMENT_TAIL.sub("", after))))
        offset += len(part) + 1


def _citation(clean: str, name: str, pos: int, events: list[Event],
              line_of: _Lines) -> int:
    if pos < len(clean) and clean[pos] == "*":
        pos += 1
    if name in _MULTICITES:
        pos = _optionals(clean, pos, "(")
        found = False
        while True:
            after = _optionals(clean, pos)
            arg = _mandatory(clean, after)
            if arg is None:
                return pos if found else after
            content, brace, pos = arg
            _key_events(content, brace, clean, events, line_of)
            found = True
    if name in _VOLCITES:
        pos = _optionals(clean, pos)
        volume = _mandatory(clean, pos)
        if volume is None:
            return pos
        pos = _optionals(clean, volume[2])
    else:
        pos = _optionals(clean, pos)
    arg = _mandatory(clean, pos)
    if arg is None:
        return pos
    content, brace, end = arg
    _key_events(content, brace, clean, events, line_of)
    return end


def _include(clean: str, name: str, pos: int, events: list[Event],
             line_of: _Lines) -> int:
    line = line_of(pos)
    if pos < len(clean) and clean[pos] == "*":
        pos += 1
    if _INCLUDES[name] == 2:
        folder = _mandatory(clean, pos)
        if folder is None:
            return pos
        target = _mandatory(clean, folder[2])
        if target is None:
            return folder[2]
        events.append(Event("include", target[0].strip(), line, base=folder[0].strip(),
                            relative_to_file=name.startswith("sub")))
        return target[2]
    arg = _mandatory(clean, pos)
    if arg is not None:
        if "\\" in arg[0]:
            events.append(Event("unfollowed", f"\\{name}{{{arg[0].strip()}}}", line))
        elif "#" not in arg[0]:  # `#1` in a macro definition is no file
            events.append(Event("include", arg[0].strip(), line))
        return arg[2]
    if name == "input":
        # TeX's own syntax: `\input file` (the name ends at a space or line end).
        m = re.compile(r"[ \t]+([^\s{}\\%]+)").match(clean, pos)
        if m is not None:
            events.append(Event("include", m.group(1), line))
            return m.end()
    return pos


def _bibliography(clean: str, name: str, pos: int, events: list[Event],
                  line_of: _Lines) -> int:
    line = line_of(pos)
    pos = _optionals(clean, pos)
    arg = _mandatory(clean, pos)
    if arg is None:
        return pos
    if name in _BIBLATEX_MARKERS:
        events.append(Event("biblatex", name, line))
        resource = arg[0].strip()
        if resource:
            events.append(Event("bib", resource, line))
    else:
        for part in _keys(arg[0]):
            events.append(Event("bib", part if part.endswith(".bib") else f"{part}.bib", line))
    return arg[2]


# --------------------------------------------------------------------------- .aux, .bcf

_AUX_COMMAND = re.compile(
    r"\\(citation|bibdata|@input|abx@aux@cite)\s*(?:\{[^{}]*\})?\{([^{}]*)\}")


def scan_aux(text: str, source: str) -> list[Event]:
    """What a BibTeX .aux says: `\\citation`, `\\bibdata`, `\\@input`, in order.

    >>> [(e.kind, e.value, e.line) for e in scan_aux(
    ...     "\\\\citation{a,b}\\n\\\\@input{ch1.aux}\\n\\\\bibdata{refs,more}\\n", "x.aux")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('cite', 'a', 1), ('cite', 'b', 1), ('include', 'ch1.aux', 2), ('bib', 'refs.bib', 3),
     ('bib', 'more.bib', 3)]
    """
    events: list[Event] = []
    starts = _line_starts(text)
    for m in _AUX_COMMAND.finditer(text):
        line = _line_at(starts, m.start())
        command, argument = m.group(1), m.group(2)
        if command == "citation" or command == "abx@aux@cite":
            # Exactly as LaTeX wrote them: a key with a space in it is what BibTeX looks up.
            events.extend(Event("cite", key, line) for key in argument.split(",") if key)
        elif command == "@input":
            events.append(Event("include", argument.strip(), line))
        else:
            events.extend(Event("bib", name if name.endswith(".bib") else f"{name}.bib", line)
                          for name in _keys(argument))
    return events


def scan_bcf(data: bytes, source: str) -> list[Event]:
    """What biber's control file says: `bcf:citekey` keys and `bcf:datasource` files.

    >>> events = scan_bcf(
    ...   b'<bcf:controlfile xmlns:bcf="https://sourceforge.net/projects/biblatex">'
    ...   b'<bcf:bibdata section="0"><bcf:datasource type="file" datatype="bibtex">r.bib'
    ...   b'</bcf:datasource></bcf:bibdata><bcf:section number="0">'
    ...   b'<bcf:citekey order="1">k</bcf:citekey></bcf:section></bcf:controlfile>', "x.bcf")
    >>> [(e.kind, e.value, e.line) for e in events]
    [('biblatex', 'bcf', 1), ('bib', 'r.bib', 1), ('cite', 'k', 1)]
    """
    events: list[Event] = [Event("biblatex", "bcf", 1)]
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    current: dict[str, object] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local in ("citekey", "datasource"):
            current.update(kind=local, attrs=attrs, text=[], line=parser.CurrentLineNumber)

    def end(name: str) -> None:
        local = name.rsplit(" ", 1)[-1]
        if current and local == current.get("kind"):
            text = "".join(current["text"]).strip()  # type: ignore[arg-type]
            line = int(current["line"])  # type: ignore[call-overload]
            attrs = current["attrs"]
            if local == "citekey" and text:
                events.append(Event("cite", text, line))
            elif local == "datasource" and text and (
                    attrs.get("type", "file") == "file"  # type: ignore[attr-defined]
                    and attrs.get("datatype", "bibtex") in ("bibtex", "biblatexml")):  # type: ignore[attr-defined]
                events.append(Event("bib", text, line))
            current.clear()

    def chars(data: str) -> None:
        if current:
            current["text"].append(data)  # type: ignore[attr-defined]

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise UnreadableInput(source, f"is not a biber control file ({exc})",
                              exc.lineno) from None
    return events


# --------------------------------------------------------------------------- files

def read_manuscript(path: str, *, system_file: Callable[[str], bool] | None = None
                    ) -> Manuscript:
    """Read a `.tex` (following its inputs), `.aux` (following `\\@input`) or `.bcf`.

    `system_file(name)` says whether an `\\input` that is not beside the manuscript is a
    file of the TeX installation (`glyphtounicode`, say), which cites nothing; the default
    asks `kpsewhich` when it is installed. Any other missing file is an error naming the
    file and line of the command that wanted it.
    """
    main = Path(path)
    kind = {".aux": "aux", ".bcf": "bcf"}.get(main.suffix.lower(), "tex")
    result = Manuscript(str(main), kind)
    root = main.parent
    if kind == "bcf":
        data = _read_bytes(str(main))
        result.files.append(str(main))
        _apply(scan_bcf(data, str(main)), result, str(main), root, root, set(), system_file)
        return result
    visited: set[Path] = set()
    _read_file(main, result, root, root, visited, system_file)
    if kind == "tex" and not result.bib_files:
        _bib_files_of_main_document(main, result)
    return result


_SUBFILES_CLASS = re.compile(r"\\documentclass\s*\[([^\]]+)\]\s*\{subfiles\}")


def _bib_files_of_main_document(subfile: Path, result: Manuscript) -> None:
    """A subfile compiled on its own (`\\documentclass[../main]{subfiles}`) takes the main
    document's preamble, so its bibliography is the one the main file names."""
    m = _SUBFILES_CLASS.search(clean_tex(read_input_text(str(subfile), allow_empty=True)))
    if m is None:
        return
    main = Path(os.path.normpath(subfile.parent / m.group(1).strip()))
    if not main.is_file():
        main = main.with_name(main.name + ".tex")
    if not main.is_file():
        return
    for event in scan_tex(read_input_text(str(main), allow_empty=True), str(main)):
        if event.kind == "bib" and "://" not in event.value:
            result.add_bib(str(_place(event.value, main.parent)))
        elif event.kind == "biblatex":
            result.biblatex = True


def _read_bytes(name: str) -> bytes:
    data = read_file_bytes(name)
    if b"\0" in data[:8192]:
        raise UnreadableInput(name, "looks like a binary file, not text")
    return data


def _read_file(file: Path, result: Manuscript, root: Path, base: Path, visited: set[Path],
               system_file: Callable[[str], bool] | None) -> None:
    resolved = file.resolve()
    if resolved in visited:
        return
    visited.add(resolved)
    source = str(file)
    text = read_input_text(source, allow_empty=True)
    result.files.append(source)
    events = (scan_aux(text, source) if result.kind == "aux"
              else iter_tex(text, source, result.cite_macros))
    _apply(events, result, source, root, base, visited, system_file)


def _apply(events: Iterable[Event], result: Manuscript, source: str, root: Path, base: Path,
           visited: set[Path], system_file: Callable[[str], bool] | None) -> None:
    for event in events:
        if event.kind == "cite":
            result.add_citation(event.value, source, event.line)
            if event.padded:
                result.padded.append(Citation(event.value, source, event.line))
        elif event.kind == "biblatex":
            result.biblatex = True
        elif event.kind == "unfollowed":
            result.unfollowed.append(Citation(event.value, source, event.line))
        elif event.kind == "bib":
            if "://" in event.value:
                continue  # a remote resource (`location=remote`): not a file of ours
            result.add_bib(str(_place(event.value, root)))
        elif event.kind == "include":
            file, new_base = _target(event, root, base, source)
            if file is None:
                if system_file is None:
                    system_file = _kpsewhich
                if not system_file(event.value):
                    raise UnreadableInput(
                        source, f"\\input file {event.value!r} not found "
                        f"(looked in {new_base})", event.line)
                continue
            _read_file(file, result, root, new_base, visited, system_file)


def _place(name: str, folder: Path) -> Path:
    candidate = Path(name).expanduser()
    return candidate if candidate.is_absolute() else folder / candidate


def _target(event: Event, root: Path, base: Path, source: str) -> tuple[Path | None, Path]:
    """The file an include event names (None when missing), and the base of its own inputs."""
    new_base = base
    if event.base is not None:
        new_base = _place(event.base, Path(source).parent if event.relative_to_file else root)
    candidates: list[Path] = []
    for folder in dict.fromkeys([new_base, root]):
        place = _place(event.value, folder)
        if place.suffix.lower() != ".tex" and not event.value.endswith(".aux"):
            candidates.append(place.with_name(place.name + ".tex"))
        candidates.append(place)
    for candidate in candidates:
        if candidate.is_file():
            return candidate, new_base
    return None, new_base


def _kpsewhich(name: str) -> bool:
    """Whether the TeX installation has a file of this name (so it is not a manuscript's)."""
    program = shutil.which("kpsewhich")
    if program is None or name.startswith("-"):
        return False
    names = [name] if "." in Path(name).name else [f"{name}.tex", name]
    try:
        found = subprocess.run([program, *names], capture_output=True, text=True, timeout=30,
                               check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(found.stdout.strip())
