"""LaTeX text <-> Unicode, and the escaping and title protection BibTeX output needs.

Pure functions, no I/O. The rules where TeX itself leaves room for choice:

* Dashes: `--` decodes to an en dash and `---` to an em dash, because that is what TeX
  prints; `unicode_to_latex` writes them back the same way.
* `~` (a tie) decodes to a plain space; a no-break space encodes to `~`.
* Quotes: ````` `` ````` and `''` decode to curly double quotes; single `` ` `` and `'` stay
  ASCII (they are apostrophes far more often than quotes), so `’` encodes to `'` and comes
  back as `'`.
* Math: a `$...$` span (pandoc's rule: the opening `$` is followed by a non-space, the
  closing `$` is preceded by a non-space and not followed by a digit) is kept verbatim,
  dollars included. One exception: a span holding a single Greek letter command
  (`$\\alpha$`) decodes to the letter, and Greek letters encode to that span, so Greek
  survives a round trip and LaTeX can typeset it.
* Unknown commands are kept verbatim (with the brace group right after them), so nothing
  is silently lost.
* Never apply these to URLs or DOIs: `~` and `--` are meaningful there.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import groupby

__all__ = [
    "balance_braces",
    "escape_specials",
    "has_rich_markup",
    "latex_to_rich_text",
    "latex_to_unicode",
    "protect_title",
    "rich_text_to_latex",
    "strip_rich_text",
    "unicode_to_latex",
]

# Accent commands and the combining mark each one puts on its argument.
_ACCENTS: dict[str, str] = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_MARK_TO_ACCENT = {mark: name for name, mark in _ACCENTS.items()}
# What an accent with an empty argument (`\^{}`) prints.
_BARE_ACCENT = {"^": "^", "~": "~", "`": "`", "'": "'", '"': '"'}

# Letters that are commands of their own (BibTeX calls `{\ss}` etc. "special characters").
_LETTERS: dict[str, str] = {
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
}
_LETTER_TO_COMMAND = {char: name for name, char in _LETTERS.items()}

_SYMBOLS: dict[str, str] = {
    "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…", "textellipsis": "…",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "textasciitilde": "~", "textasciicircum": "^",
    "textbackslash": "\\", "textunderscore": "_", "textbraceleft": "{",
    "textbraceright": "}", "textbar": "|", "textless": "<",
    "textgreater": ">", "copyright": "©", "textcopyright": "©", "textregistered": "®",
    "texttrademark": "™", "textdegree": "°", "S": "§", "P": "¶", "pounds": "£",
    "euro": "€", "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX", "relax": "",
    "quad": " ", "qquad": " ", "newblock": " ",
}
# Control symbols that print a character (or nothing: `\-` is a discretionary hyphen).
_CONTROL_SYMBOLS = {
    "&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ",
    ",": " ", ";": " ", ":": " ", "!": "", "-": "", "/": "", "\\": " ", "@": "",
}
# Commands that only format their argument: the argument's text is what is kept.
_FORMATTING = frozenset({
    "textit", "emph", "textbf", "textrm", "textsc", "textsf", "texttt", "textup",
    "textsl", "textmd", "textnormal", "mbox", "hbox", "text", "NoCaseChange",
    "MakeUppercase", "MakeLowercase", "enquote",
})
# Commands whose argument is verbatim text (a `~` in a URL is a tilde).
_VERBATIM = frozenset({"url", "nolinkurl", "path"})

_GREEK_TEXT = (
    "alpha beta gamma delta varepsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon "
    "Phi Psi Omega epsilon vartheta phi varsigma varrho varpi"
)
_GREEK_COMMANDS = _GREEK_TEXT.split()
_GREEK_LETTERS = (
    "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩϵϑϕςϱϖ"
)
_GREEK: dict[str, str] = dict(zip(_GREEK_COMMANDS, _GREEK_LETTERS, strict=True))
_GREEK_TO_COMMAND = {char: name for name, char in _GREEK.items()}
# A math span of nothing but Greek letters (`$\\alpha$`, `$\\Pi\\alpha\\pi$`): Greek text,
# as unicode_to_latex writes it.
_GREEK_SPAN = re.compile(r"\$((?:\\[A-Za-z]+\s*)+)\$")
_GREEK_COMMAND = re.compile(r"\\([A-Za-z]+)")

# Unicode punctuation and spaces with a LaTeX spelling (everything else is left as is).
_PUNCTUATION = {
    "–": "--", "—": "---", "“": "``", "”": "''", "‘": "`", "’": "'", "\u00a0": "~",
    "…": "\\ldots{}",
}


def _math_end(text: str, start: int) -> int | None:
    """Index just past the math span opening at text[start] == '$', or None if not math."""
    double = text.startswith("$$", start)
    opener = 2 if double else 1
    body = start + opener
    if body >= len(text) or text[body].isspace():
        return None
    i = body
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "\n" and not double and text[i + 1 : i + 2] == "\n":
            return None  # a paragraph break ends any hope of a closing dollar
        if char == "$":
            if double:
                if text.startswith("$$", i) and i > body:
                    return i + 2
                i += 1
                continue
            if text[i - 1].isspace() or text[i + 1 : i + 2].isdigit():
                # pandoc: not a closer; the opening dollar was a plain dollar sign
                return None
            return i + 1
        i += 1
    return None


def _math_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every math span in text, by the pandoc rule above."""
    if "$" not in text:
        return []
    spans = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "$":
            end = _math_end(text, i)
            if end is not None:
                spans.append((i, end))
                i = end
                continue
        i += 1
    return spans


def _apply_accent(mark: str, argument: str, name: str) -> str:
    if not argument:
        return _BARE_ACCENT.get(name, mark)
    first = {"ı": "i", "ȷ": "j"}.get(argument[0], argument[0])
    return unicodedata.normalize("NFC", first + mark) + argument[1:]


class _Decoder:
    """A small recursive scanner over LaTeX text; `decode` returns Unicode."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def decode(self, *, in_group: bool = False) -> str:
        text = self.text
        out: list[str] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char == "}":
                if in_group:
                    self.pos += 1
                    return "".join(out)
                out.append(char)  # a stray closer: keep it, the writer will refuse it
                self.pos += 1
            elif char == "{":
                self.pos += 1
                out.append(self.decode(in_group=True))
            elif char == "\\":
                out.append(self._command())
            elif char == "$":
                end = _math_end(text, self.pos)
                if end is None:
                    out.append("$")
                    self.pos += 1
                else:
                    span = text[self.pos : end]
                    greek = _GREEK_SPAN.fullmatch(span)
                    names = _GREEK_COMMAND.findall(greek.group(1)) if greek else []
                    if names and all(name in _GREEK for name in names):
                        out.append("".join(_GREEK[name] for name in names))
                    else:
                        out.append(span)
                    self.pos = end
            elif char == "~":
                out.append(" ")
                self.pos += 1
            elif char == "-" and text.startswith("---", self.pos):
                out.append("—")
                self.pos += 3
            elif char == "-" and text.startswith("--", self.pos):
                out.append("–")
                self.pos += 2
            elif char == "`" and text.startswith("``", self.pos):
                out.append("“")
                self.pos += 2
            elif char == "'" and text.startswith("''", self.pos):
                out.append("”")
                self.pos += 2
            elif char.isspace():
                while self.pos < len(text) and text[self.pos].isspace():
                    self.pos += 1
                out.append(" ")
            else:
                out.append(char)
                self.pos += 1
        return "".join(out)

    def _name(self) -> str:
        """Read a control sequence name after the backslash at self.pos."""
        text = self.text
        start = self.pos + 1
        end = start
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        if end == start:
            end = min(start + 1, len(text))
        self.pos = end
        return text[start:end]

    def _skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n":
            self.pos += 1

    def _argument(self) -> str:
        """Decode one macro argument: a group, a command, or one character."""
        self._skip_spaces()
        if self.pos >= len(self.text):
            return ""
        char = self.text[self.pos]
        if char == "{":
            self.pos += 1
            return self.decode(in_group=True)
        if char == "\\":
            return self._command()
        if char == "}":
            return ""
        self.pos += 1
        return char

    def _command(self) -> str:
        start = self.pos
        name = self._name()
        if name in _ACCENTS:
            return _apply_accent(_ACCENTS[name], self._argument(), name)
        if name in _CONTROL_SYMBOLS:
            return _CONTROL_SYMBOLS[name]
        if name in _LETTERS or name in _SYMBOLS:
            self._skip_spaces()
            if self.text.startswith("{}", self.pos):
                self.pos += 2
            return _LETTERS.get(name) or _SYMBOLS[name]
        if name in _VERBATIM:
            self._skip_spaces()
            if self.text.startswith("{", self.pos):
                end = _group_end(self.text, self.pos)
                inner = self.text[self.pos + 1 : end - 1]
                self.pos = end
                return inner
            return ""
        if name == "href":
            self._skip_spaces()
            if self.text.startswith("{", self.pos):
                self.pos = _group_end(self.text, self.pos)  # the link target is dropped
            return self._argument()
        if name in _FORMATTING:
            return self._argument()
        # Unknown: keep it, and keep a brace group glued to it, verbatim.
        if self.text.startswith("{", self.pos):
            end = _group_end(self.text, self.pos)
            self.pos = end
        return self.text[start : self.pos]


def _group_end(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def latex_to_unicode(text: str) -> str:
    """Decode LaTeX accents, special letters and grouping braces into Unicode text.

    >>> latex_to_unicode(r'{\\"o} \\"{o} \\'e {\\v C}aslav \\c{c} {\\ss} \\o{} {\\aa}')
    'ö ö é Časlav ç ß ø å'
    >>> latex_to_unicode(r"{Adam{\\'o}w}, V.~Z.")
    'Adamów, V. Z.'
    >>> latex_to_unicode(r"Pages 1--3 --- {AI} \\& $\\alpha_1 + \\beta$ at 50\\%")
    'Pages 1–3 — AI & $\\\\alpha_1 + \\\\beta$ at 50%'
    >>> latex_to_unicode(r"Ram{\\'{\\i}}rez and $\\alpha$-decay")
    'Ramírez and α-decay'
    """
    # Most names and titles are plain text; the decoder would hand them back unchanged.
    if _NEEDS_DECODING.search(text) is None:
        return text
    return _Decoder(text).decode()


# Whatever the decoder could change: commands, groups, ties, math, dashes, TeX quotes,
# and white space to fold.
_NEEDS_DECODING = re.compile(r"[\\{}~$'`\-]|[^\S ]| {2}")


def _encode_char(char: str) -> str:
    if char.isascii():
        return char
    if char in _LETTER_TO_COMMAND:
        return "{\\" + _LETTER_TO_COMMAND[char] + "}"
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    if char in _GREEK_TO_COMMAND:
        return "$\\" + _GREEK_TO_COMMAND[char] + "$"
    if unicodedata.normalize("NFC", char) != char:
        return char  # e.g. the Angstrom sign: spelling it as Å would change the character
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not base.isascii() or not base.isalpha():
        return char
    if any(mark not in _MARK_TO_ACCENT for mark in marks):
        return char
    # `{\'i}`, not `{\'\i}`: biber decodes accents on `\i` to a dotless i plus a combining
    # mark, which pdflatex cannot typeset; with T1 fonts `\'i` is the proper glyph.
    body = base
    if base + "".join(marks) in ("a\u030a", "A\u030a"):
        return "{\\" + ("aa" if base == "a" else "AA") + "}"
    for mark in marks:
        name = _MARK_TO_ACCENT[mark]
        if len(body) == 1:
            # a letter-named accent needs a space before its argument: {\v C}
            body = "\\" + name + (" " if name.isalpha() else "") + body
        else:
            body = "\\" + name + "{" + body + "}"
    return "{" + body + "}"


def unicode_to_latex(text: str) -> str:
    """Encode non-ASCII characters as LaTeX, the way BibTeX tools write them.

    ASCII (and so any LaTeX already in the text) is left alone, as are math spans and
    characters LaTeX has no spelling for.

    >>> print(unicode_to_latex("Sören Časlav Ramírez Çelik Weiß Søren Ångström"))
    S{\\"o}ren {\\v C}aslav Ram{\\'i}rez {\\c C}elik Wei{\\ss} S{\\o}ren {\\AA}ngstr{\\"o}m
    >>> print(unicode_to_latex("αβ-decay — 1–3 “quoted” Nguyễn, $π$Test"))
    $\\alpha\\beta$-decay --- 1--3 ``quoted'' Nguy{\\~{\\^e}}n, ${\\pi}$Test
    """
    if text.isascii():
        return text  # nothing to encode, and math holds no Greek letter to spell out
    spans = _math_spans(text)
    out: list[str] = []
    last = 0
    for start, end in [*spans, (len(text), len(text))]:
        # A run of Greek letters is one math span: `$\\alpha\\beta$`, not `$\\alpha$$\\beta$`.
        for greek, run in groupby(text[last:start], key=_GREEK_TO_COMMAND.__contains__):
            if greek:
                out.append("$" + "".join("\\" + _GREEK_TO_COMMAND[c] for c in run) + "$")
            else:
                out.extend(_encode_char(char) for char in run)
        # Inside math only Greek letters change: LaTeX's math fonts do not take UTF-8 ones.
        out.extend(
            "{\\" + _GREEK_TO_COMMAND[char] + "}" if char in _GREEK_TO_COMMAND else char
            for char in text[start:end]
        )
        last = end
    return "".join(out)




def escape_specials(text: str) -> str:
    """Backslash-escape `& % $ # _` (and a bare `^`) that are not already escaped.

    Math spans (pandoc's rule, see the module docstring) keep `$`, `_` and `^`; `&`, `%`
    and `#` are escaped even there because they are never meant literally in a title's
    inline math. Backslash commands and braces are left alone, so the function is
    idempotent and safe on text that is already LaTeX.

    >>> print(escape_specials("R&D: 50% of #1 snake_case costs $5, not $10"))
    R\\&D: 50\\% of \\#1 snake\\_case costs \\$5, not \\$10
    >>> print(escape_specials(r"Bounds on $\\alpha_s$ & $x^2$ in 10^6 runs \\& more"))
    Bounds on $\\alpha_s$ \\& $x^2$ in 10\\^{}6 runs \\& more
    """
    if not _ANY_SPECIAL.search(text):
        return text  # most text: nothing to escape, and no backslash to judge
    out: list[str] = []
    last = 0
    for start, end in _math_spans(text):
        out.append(_ESCAPABLE.sub(_escaped, text[last:start]))
        out.append(_SPECIAL_IN_MATH.sub(r"\\\1", text[start:end]))
        last = end
    out.append(_ESCAPABLE.sub(_escaped, text[last:]))
    return "".join(out)


# Outside math: a backslash and the character it escapes stay as they are (so escaping is
# idempotent), and every special is escaped; `^` needs `{}` to stay a character.
_ESCAPABLE = re.compile(r"\\.|[&%$#_^]", re.DOTALL)
_SPECIAL_IN_MATH = re.compile(r"(?<!\\)([&%#])")
_ANY_SPECIAL = re.compile(r"[&%$#_^\\]")


def _escaped(match: re.Match[str]) -> str:
    found = match.group()
    if found[0] == "\\":
        # A backslash before a non-ASCII letter escapes nothing in TeX: it is a backslash
        # of the text (`Swe\\ıg` in a Zotero name), spelled out.
        if not found[1:].isascii():
            return "\\textbackslash{}" + found[1:]
        return found
    return "\\^{}" if found == "^" else "\\" + found


def balance_braces(text: str) -> str:
    """Spell out braces that have no partner as `\\textbraceleft{}`/`\\textbraceright{}`.

    BibTeX cannot read a field whose braces do not balance, even escaped ones (`\\{`
    counts too); a lone brace in free text is a literal character, and these commands print
    it without being one. Matched braces are left alone as grouping.

    >>> print(balance_braces("a {b} c} d { e"))
    a {b} c\\textbraceright{} d \\textbraceleft{} e
    """
    if "{" not in text and "}" not in text:
        return text
    unmatched: set[int] = set()
    opened: list[int] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] not in ("{", "}"):
            i += 2
            continue
        if char == "\\":
            i += 1  # an escaped brace still counts for BibTeX: judge it like any brace
            char = text[i]
        if char == "{":
            opened.append(i)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                unmatched.add(i)
        i += 1
    unmatched.update(opened)
    if not unmatched:
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        if index in unmatched:
            if out and out[-1] == "\\":
                out.pop()  # `\{` becomes the command, not `\` plus the command
            out.append("\\textbraceleft{}" if char == "{" else "\\textbraceright{}")
        else:
            out.append(char)
    return "".join(out)


# Words derived from names that are capitalised even in sentence-case titles.
_PROPER_TEXT = """
Bayes Bayesian Gauss Gaussian Markov Markovian Monte Carlo Hilbert Riemann Riemannian
Fourier Lagrange Lagrangian Hamilton Hamiltonian Newton Newtonian Einstein Euclid Euclidean
Boltzmann Langevin Wasserstein Schrödinger Dirac Fermi Bose Heisenberg Kolmogorov Brownian
Poisson Bernoulli Dirichlet Laplace Laplacian Hessian Jacobian Boolean Lipschitz Kalman
Hopfield Gibbs Turing Nash Pareto Shannon Wiener Lyapunov Navier Stokes Yang Mills Higgs
Kerr Schwarzschild Minkowski Lorentz Maxwell Feynman Ising Hubbard Weyl Majorana Abelian
English Chinese French German Spanish Japanese Korean Arabic Russian Hindi Python Java
Wikipedia Twitter Reddit GitHub Internet Earth Sun Moon Milky Way Galactic Universe
"""
_PROPER_WORDS = frozenset(_PROPER_TEXT.split())

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_ENDS = ":.?!"


def _plain_segments(text: str) -> list[tuple[int, int]]:
    """Stretches of text at brace depth 0, outside math and commands."""
    if "\\" not in text and "{" not in text and "$" not in text:
        return [(0, len(text))]  # most titles: nothing protected
    protected: list[tuple[int, int]] = list(_math_spans(text))
    depth = 0
    start = None
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            end = i + 1
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            protected.append((i, max(end, i + 2)))
            i = max(end, i + 2)
            continue
        if char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0 and start is not None:
                protected.append((start, i + 1))
        i += 1
    protected.sort()
    segments = []
    last = 0
    for start_, end_ in protected:
        if start_ >= last:
            segments.append((last, start_))
            last = end_
        else:
            last = max(last, end_)
    segments.append((last, len(text)))
    return segments


def _needs_braces(word: str, *, sentence_start: bool, sentence_case: bool) -> bool:
    rest = word[1:]
    if not rest.islower() and any(char.isupper() for char in rest):  # (most words: islower)
        return True  # AI, RLHF, LLMs, CoT, GlobalOpinionQA, mRNA
    if not word[0].isupper():
        return False
    if any(char.isdigit() for char in word):
        return True  # L2, 3D-style tokens
    if sentence_start:
        return False
    if len(word) == 1:
        return word != "A"
    return word in _PROPER_WORDS or sentence_case


def protect_title(title: str) -> str:
    """Brace the words a BibTeX style must not lowercase.

    Braced: acronyms and words with inner capitals (`{AI}`, `{RLHF}`, `{LLMs}`, `{CoT}`),
    capitalised words with digits, single capital letters other than "A", and a short list
    of eponyms (`{Bayesian}`, `{Markov}`). When a title is in sentence case (most of its
    longer words are lower case) every capitalised word that does not start a sentence is
    taken for a proper noun and braced too. The first word, and words after `:` `.` `?` `!`
    (which styles already leave alone), are braced only if they are acronyms. Text already
    in braces, math and commands are left as they are. Hyphenated words are judged part by
    part.

    >>> protect_title("Specific versus General Principles for Constitutional AI")
    'Specific versus General Principles for Constitutional {AI}'
    >>> protect_title("Subjective Global Opinions in Language Models: GlobalOpinionQA")
    'Subjective Global Opinions in Language Models: {GlobalOpinionQA}'
    >>> protect_title("Scaling RLHF for LLMs with CoT and Bayesian priors in Python")
    'Scaling {RLHF} for {LLMs} with {CoT} and {Bayesian} priors in {Python}'
    >>> protect_title("A study of $\\\\alpha$-decay in {Time}")
    'A study of $\\\\alpha$-decay in {Time}'
    """
    words: list[tuple[int, int, str, bool]] = []  # start, end, word, starts a sentence
    longer = capitalised = 0  # words of 4+ letters not starting a sentence; capitalised ones
    size = len(title)
    for seg_start, seg_end in _plain_segments(title):
        for match in _WORD.finditer(title, seg_start, seg_end):
            start, end = match.span()
            # A word glued to a brace or command is part of something we leave alone.
            if (start and title[start - 1] in "{}\\") or (end < size and title[end] in "{\\"):
                continue
            # Starts a sentence: only white space, or a sentence end and white space, before
            # it (looked at from the word back, not by re-reading the title for each word).
            back = start
            while back and title[back - 1].isspace():
                back -= 1
            starts = back == 0 or title[back - 1] in _SENTENCE_ENDS
            word = match.group()
            words.append((start, end, word, starts))
            if not starts and end - start >= 4 and word.isalpha() and not word.isupper():
                longer += 1
                capitalised += word[0].isupper()
    sentence_case = bool(longer) and capitalised * 2 < longer
    out: list[str] = []
    last = 0
    for start, end, word, starts in words:
        # A word in lower case never needs braces (most words: skip the full judgement).
        if not word.islower() and _needs_braces(
            word, sentence_start=starts, sentence_case=sentence_case
        ):
            out.append(title[last:start])
            out.append("{" + word + "}")
            last = end
    if not out:
        return title
    out.append(title[last:])
    return "".join(out)


def braces_balanced(text: str) -> bool:
    """Whether BibTeX can read `text` as a braced value: every `{` closed, none closed early.

    BibTeX counts every brace, escaped or not (`\\{` is a brace to it: `title = {50\\{}`
    makes bibtex 0.99d report "I was expecting a `,' or a `}'" and swallow the next field),
    so a backslash changes nothing here. A literal brace is written `\\textbraceleft{}`.

    >>> braces_balanced("A {GPU} study"), braces_balanced("50\\\\{"), braces_balanced("}{")
    (True, False, False)
    >>> braces_balanced("\\\\{x\\\\}")
    True
    """
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# ------------------------------------------------------------------ Zotero rich text
#
# Zotero stores a few HTML tags in titles and other text fields (its "rich text":
# https://www.zotero.org/support/kb/rich_text_bibliography): <i>, <b>, <sup>, <sub>, small
# caps, and <span class="nocase">. Zotero's BibTeX.js import makes them from TeX font
# commands and simple sub/superscript math, and its export turns them back into TeX; these
# functions do the same for us. Sub- and superscripts that Unicode has a character for
# (DNA$_2$, $\Sigma^{0}$) become that character, as BibTeX.js does.

_SUPERSCRIPTS = dict(zip("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ", strict=True))
_SUBSCRIPTS = dict(zip("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True))
_SMALL_CAPS_SPAN = '<span style="small-caps">'  # BibTeX.js's spelling (its test cases)
_FONT_TAGS = {"textit": "i", "emph": "i", "textbf": "b", "textsc": "sc",
              "textsuperscript": "sup", "textsubscript": "sub",
              "it": "i", "em": "i", "itshape": "i", "bf": "b", "bfseries": "b",
              "sc": "sc", "scshape": "sc"}
_RICH_START = re.compile(
    r"\\(textit|emph|textbf|textsc|textsuperscript|textsubscript)\s*(?=\{)"
    r"|\{\\(it|em|itshape|bf|bfseries|sc|scshape)(?![A-Za-z])\s*"
    r"|(?<!\\)\$"
    r"|(?<!\\)(\{)")
# What a brace right after it is the argument of: a command or an accent (`\\'{e}`).
_ARGUMENT_OF = re.compile(r"\\(?:[A-Za-z]+\s*|[^A-Za-z\s])$")
_MATH_WRAPPER = re.compile(r"^\\(?:textrm|mathrm|text|mbox)\s*\{(.*)\}$", re.DOTALL)


def _open_tag(tag: str) -> str:
    return _SMALL_CAPS_SPAN if tag == "sc" else f"<{tag}>"


def _close_tag(tag: str) -> str:
    return "</span>" if tag == "sc" else f"</{tag}>"


def has_rich_markup(tex: str) -> bool:
    """Whether TeX text has markup that plain Unicode loses (font commands, sub/superscripts).

    >>> has_rich_markup(r"DNA$_{2}$ of \\textit{Natrix}"), has_rich_markup("Plain {AI}")
    (True, False)
    """
    return bool(re.search(r"\\(?:textit|emph|textbf|textsc|textsuperscript|textsubscript)\b"
                          r"|\{\\(?:it|em|bf|sc)\b|\$[^$]*[_^][^$]*\$", tex))


def latex_to_rich_text(tex: str) -> str:
    """TeX text as Zotero stores it: Unicode, with Zotero's rich-text tags for the markup.

    >>> latex_to_rich_text(r"DNA$_{\\textrm{2}}$ of (\\textit{Natrix cetti}) \\textbf{do not}")
    'DNA₂ of (<i>Natrix cetti</i>) <b>do not</b>'
    >>> latex_to_rich_text(r"Actes du $4^{\\textrm{ème}}$ Congr{\\`e}s, $\\Sigma^{0}$, Po$_{eee}$t")
    'Actes du 4<sup>ème</sup> Congrès, Σ⁰, Po<sub>eee</sub>t'
    >>> latex_to_rich_text(r"\\textsc{species status} and $\\frac{a}{b}$")
    '<span style="small-caps">species status</span> and $\\\\frac{a}{b}$'
    """
    out: list[str] = []
    pos = search = 0
    while (match := _RICH_START.search(tex, search)) is not None:
        if match.group(3) and _ARGUMENT_OF.search(tex, 0, match.start()):
            search = _group_end(tex, match.start())  # an argument: plain TeX, decoded whole
            continue
        out.append(latex_to_unicode(tex[pos:match.start()]))
        if match.group(3):  # a group of its own: its braces only protect case
            end = _group_end(tex, match.start())
            out.append(latex_to_rich_text(tex[match.start() + 1:end - 1]))
            pos = search = end
            continue
        if match.group(1):  # \textit{...}
            end = _group_end(tex, match.end())
            tag = _FONT_TAGS[match.group(1)]
            inner = latex_to_rich_text(tex[match.end() + 1:end - 1])
            out.append(f"{_open_tag(tag)}{inner}{_close_tag(tag)}")
            pos = search = end
        elif match.group(2):  # {\it ...}
            end = _group_end(tex, match.start())
            tag = _FONT_TAGS[match.group(2)]
            inner = latex_to_rich_text(tex[match.end():end - 1])
            out.append(f"{_open_tag(tag)}{inner}{_close_tag(tag)}")
            pos = search = end
        else:  # $...$
            close = tex.find("$", match.end())
            while close > 0 and tex[close - 1] == "\\":
                close = tex.find("$", close + 1)
            if close < 0:
                out.append(latex_to_unicode(tex[match.start():]))
                pos = len(tex)
                break
            out.append(_math_to_rich_text(tex[match.start():close + 1]))
            pos = search = close + 1
    out.append(latex_to_unicode(tex[pos:]))
    return "".join(out)


def _math_to_rich_text(math: str) -> str:
    """`$x^{2}$` as rich text; math we cannot render as text stays TeX, as Zotero keeps it."""
    body = math[1:-1]
    out: list[str] = []
    chunk: list[str] = []

    def flush() -> bool:
        text = "".join(chunk).strip()
        chunk.clear()
        if not text:
            return True
        if "\\" not in text and "{" not in text:
            out.append(text)
            return True
        decoded = latex_to_unicode(f"${text}$")
        if "$" in decoded or "\\" in decoded:
            return False
        out.append(decoded)
        return True

    i = 0
    while i < len(body):
        char = body[i]
        if char in "^_":
            if not flush():
                return latex_to_unicode(math)
            if i + 1 < len(body) and body[i + 1] == "{":
                end = _group_end(body, i + 1)
                argument = body[i + 2:end - 1].strip()
            else:
                end = i + 2
                argument = body[i + 1:end]
            if wrapper := _MATH_WRAPPER.match(argument):
                argument = wrapper.group(1)
            text = latex_to_unicode(argument) if argument else ""
            if "$" in text or "\\" in text:
                return latex_to_unicode(math)
            table = _SUPERSCRIPTS if char == "^" else _SUBSCRIPTS
            if text and all(c in table for c in text):
                out.append("".join(table[c] for c in text))
            else:
                tag = "sup" if char == "^" else "sub"
                out.append(f"<{tag}>{text}</{tag}>")
            i = end
        else:
            chunk.append(char)
            i += 1
    if not flush():
        return latex_to_unicode(math)
    return "".join(out)


_RICH_TAG = re.compile(r"<(/?)(i|em|b|strong|sup|sub|span|sc)\b([^>]*)>", re.IGNORECASE)


def strip_rich_text(text: str) -> str:
    """Zotero rich text without its tags: the plain Unicode a `Reference` holds.

    >>> strip_rich_text('DNA₂ of <i>Natrix</i> <span class="nocase">iPhone</span>')
    'DNA₂ of Natrix iPhone'
    """
    return _RICH_TAG.sub("", text)


def rich_text_to_latex(text: str) -> str:
    """Zotero rich text as BibTeX text: tags to TeX commands, specials escaped.

    `<i>` and `<b>` become `\\textit`/`\\textbf` and small caps `\\textsc`, as Zotero's own
    BibTeX export writes them; `<sup>`/`<sub>` become `\\textsuperscript`/`\\textsubscript`
    (Better BibTeX's choice: text mode, so they need no math and survive any style), and
    `<span class="nocase">` a brace group, which keeps its case. Unknown tags are dropped.

    >>> print(rich_text_to_latex('<i>Natrix</i> & DNA<sub>2</sub>, <span class="nocase">iOS</span>'
    ...                          ))
    \\textit{Natrix} \\& DNA\\textsubscript{2}, {iOS}
    """
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for match in _RICH_TAG.finditer(text):
        out.append(escape_specials(text[pos:match.start()]))
        pos = match.end()
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if stack:
                out.append(stack.pop())
            continue
        if name in ("i", "em"):
            out.append("\\textit{")
        elif name in ("b", "strong"):
            out.append("\\textbf{")
        elif name == "sup":
            out.append("\\textsuperscript{")
        elif name == "sub":
            out.append("\\textsubscript{")
        elif name == "sc" or "small-caps" in attributes:
            out.append("\\textsc{")
        elif "nocase" in attributes:
            out.append("{")
        else:
            stack.append("")
            continue
        stack.append("}")
    out.append(escape_specials(text[pos:]))
    out.extend(reversed(stack))
    return "".join(out)


# Text-mode quote symbols (`D\textquotesingle aspremont`, as the NeurIPS proceedings write
# it) that the tables above lacked; decoded like the other symbols.
_SYMBOLS.update({"textquotesingle": "'", "textquotedbl": '"', "textasciigrave": "`"})
