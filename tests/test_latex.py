"""LaTeX <-> Unicode, escaping and title protection, on real inputs from the corpora."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.latex import (
    balance_braces,
    escape_specials,
    latex_to_unicode,
    protect_title,
    unicode_to_latex,
)

# (LaTeX as found in shared/corpora, Unicode)
DECODED = [
    # andreasen_astro_thesis_ads.bib (NASA ADS)
    ("{Adam{\\'o}w}", "Adamów"),
    ("{Gonz{\\'a}lez Hern{\\'a}ndez}", "González Hernández"),
    ("{Ram{\\'{\\i}}rez}", "Ramírez"),
    ("{Berdi{\\~n}as}", "Berdiñas"),
    ("{Rodr{\\'{\\i}}guez-L{\\'o}pez}", "Rodríguez-López"),
    ("{Lardi{\\`e}re}", "Lardière"),
    ("V.~Z.", "V. Z."),
    ("The Penn State - Toru{\\'n} Centre for Astronomy Planet Search stars. II.",
     "The Penn State - Toruń Centre for Astronomy Planet Search stars. II."),
    ("http://adsabs.harvard.edu/abs/2014A%26A...569A..55A",
     "http://adsabs.harvard.edu/abs/2014A%26A...569A..55A"),
    # Better BibTeX fixtures
    ("Brukner, {\\v C}aslav", "Brukner, Časlav"),
    ("R{\\o}nnow, Troels F.", "Rønnow, Troels F."),
    ("Ara{\\'u}jo, Mateus", "Araújo, Mateus"),
    ("Experimental {{Superposition}} of {{Orders}} of {{Quantum Gates}}",
     "Experimental Superposition of Orders of Quantum Gates"),
    ("pages 420--424", "pages 420–424"),
    # contextlab_cdl.bib and the brief's forms
    ('B Sch{\\"o}lkopf', "B Schölkopf"),
    ('J P R\\"{o}er', "J P Röer"),
    ("H F de Figueir{\\^e}do", "H F de Figueirêdo"),
    ('{\\"o} \\"{o} \\"o \\" o', "ö ö ö ö"),
    ("\\c{c} {\\c c} \\c C", "ç ç Ç"),
    ("{\\ss} \\ss{} {\\o} {\\O} {\\aa} {\\AA} {\\ae} {\\oe} {\\l} {\\L}",
     "ß ß ø Ø å Å æ œ ł Ł"),
    ("\\o \\O x", "øØx"),  # TeX eats the space after a control word
    ("\\H{o} \\k{a} \\r{u} \\u{g} \\={a} \\.{z} \\d{s} \\v{s}", "ő ą ů ğ ā ż ṣ š"),
    ("Nguy{\\~{\\^e}}n", "Nguyễn"),
    ("\\'{}", "'"),
    ("\\^{} and \\~{}", "^ and ~"),
    # dashes, quotes, ties, specials, commands
    ("a---b -- c - d", "a—b – c - d"),
    ("``quoted'' and `single'", "“quoted” and `single'"),
    ("\\& \\% \\$ \\# \\_ \\{ \\}", "& % $ # _ { }"),
    ("\\textit{Deep} \\emph{learning} \\textbf{{CNN}s}", "Deep learning CNNs"),
    ("\\url{http://x.org/~a--b}", "http://x.org/~a--b"),
    ("\\href{http://x.org}{the site}", "the site"),
    ("\\LaTeX\\ and \\TeX{} typesetting", "LaTeX and TeX typesetting"),
    ("a\\\\b", "a b"),
    ("multi   \n  line", "multi line"),
    # math stays verbatim, a lone Greek letter becomes the letter
    ("$\\alpha_s$ at $\\sqrt{s} = 13$~TeV", "$\\alpha_s$ at $\\sqrt{s} = 13$ TeV"),
    ("$\\alpha$-decay of $\\Omega$", "α-decay of Ω"),
    ("{$\\mu$}Test", "μTest"),
    ("costs $5 and $10", "costs $5 and $10"),
    ("$$E = mc^2$$", "$$E = mc^2$$"),
    # unknown commands are kept with their argument
    ("\\aap and \\foo{bar} baz", "\\aap and \\foo{bar} baz"),
]


@pytest.mark.parametrize(("latex", "text"), DECODED)
def test_latex_to_unicode(latex: str, text: str):
    assert latex_to_unicode(latex) == text


ENCODED = [
    ("Sören", 'S{\\"o}ren'),
    ("Časlav", "{\\v C}aslav"),
    ("Ramírez", "Ram{\\'i}rez"),
    ("Azaïs", 'Aza{\\"i}s'),
    ("Çelik", "{\\c C}elik"),
    ("Weiß", "Wei{\\ss}"),
    ("Søren Kjær", "S{\\o}ren Kj{\\ae}r"),
    ("Ångström", '{\\AA}ngstr{\\"o}m'),
    ("Łukasz", "{\\L}ukasz"),
    ("Erdős", "Erd{\\H o}s"),
    ("Nguyễn Thị", "Nguy{\\~{\\^e}}n Th{\\d i}"),
    ("ǘ", "{\\'{\\\"u}}"),
    ("α-synuclein", "$\\alpha$-synuclein"),
    ("$π$Test", "${\\pi}$Test"),
    ("1–3 — “so” ’tis", "1--3 --- ``so'' 'tis"),
    ("non\u00a0breaking", "non~breaking"),
    ("ASCII {stays} \\'e $\\alpha_1$", "ASCII {stays} \\'e $\\alpha_1$"),
    ("Викторов 李", "Викторов 李"),
    ("\u212b", "\u212b"),  # the Angstrom sign is not Å
]


@pytest.mark.parametrize(("text", "latex"), ENCODED)
def test_unicode_to_latex(text: str, latex: str):
    assert unicode_to_latex(text) == latex


ESCAPED = [
    ("R&D: 50% of #1 snake_case", "R\\&D: 50\\% of \\#1 snake\\_case"),
    ("costs $5, not $10", "costs \\$5, not \\$10"),
    ("Bounds on $\\alpha_s$ and $x^2$", "Bounds on $\\alpha_s$ and $x^2$"),
    ("$n$-gram models", "$n$-gram models"),
    ("$ 5 $", "\\$ 5 \\$"),
    ("10^6 runs", "10\\^{}6 runs"),
    ("already \\& escaped \\%", "already \\& escaped \\%"),
    ("inline $a \\% b & c$ math", "inline $a \\% b \\& c$ math"),
    ("{GlobalOpinionQA} \\'e ~ tie", "{GlobalOpinionQA} \\'e ~ tie"),
    ("ChatGPT and Software Testing Education: Promises & Perils",
     "ChatGPT and Software Testing Education: Promises \\& Perils"),
]


@pytest.mark.parametrize(("text", "latex"), ESCAPED)
def test_escape_specials(text: str, latex: str):
    assert escape_specials(text) == latex
    assert escape_specials(latex) == latex


PROTECTED = [
    ("Specific versus General Principles for Constitutional AI",
     "Specific versus General Principles for Constitutional {AI}"),
    ("Towards Measuring the Representation of Subjective Global Opinions in Language Models",
     "Towards Measuring the Representation of Subjective Global Opinions in Language Models"),
    ("GlobalOpinionQA: a dataset", "{GlobalOpinionQA}: a dataset"),
    ("Measuring Faithfulness in Chain-of-Thought Reasoning with CoT",
     "Measuring Faithfulness in Chain-of-Thought Reasoning with {CoT}"),
    ("Discovering Language Model Behaviors with Model-Written Evaluations",
     "Discovering Language Model Behaviors with Model-Written Evaluations"),
    ("Training a helpful and harmless assistant with RLHF",
     "Training a helpful and harmless assistant with {RLHF}"),
    ("Large language models (LLMs) in Python and Bayesian inference",
     "Large language models ({LLMs}) in {Python} and {Bayesian} inference"),
    ("Towards understanding sycophancy in language models from Anthropic",
     "Towards understanding sycophancy in language models from {Anthropic}"),
    ("Scalable Bayesian Optimization", "Scalable {Bayesian} Optimization"),
    ("GPT-4 Technical Report", "{GPT}-4 Technical Report"),
    ("k-NN on 3D data: A survey", "k-{NN} on {3D} data: A survey"),
    ("Type I and Type II errors", "Type {I} and Type {II} errors"),
    ("A study of $\\alpha$-decay in {Time}", "A study of $\\alpha$-decay in {Time}"),
    ("$\\mu$Test: WebView-Oriented Testing for Android Applications",
     "$\\mu$Test: {WebView}-Oriented Testing for Android Applications"),
    ("Toru{\\'n} centre", "Toru{\\'n} centre"),
    ("mRNA and iPhone", "{mRNA} and {iPhone}"),
    ("", ""),
]


@pytest.mark.parametrize(("title", "protected"), PROTECTED)
def test_protect_title(title: str, protected: str):
    assert protect_title(title) == protected


_letters = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo"])


@given(st.lists(st.text(_letters, min_size=1), max_size=6).map(" ".join))
def test_unicode_letters_survive_a_round_trip_through_latex(text: str):
    encoded = unicode_to_latex(text)
    assert latex_to_unicode(encoded) == text


@given(st.text(st.sampled_from("abcXYZ019 &%#_^.,;:!?()[]/+=<>*@|"), max_size=40))
def test_escaping_is_undone_by_decoding_and_is_idempotent(text: str):
    escaped = escape_specials(text)
    assert escape_specials(escaped) == escaped
    assert latex_to_unicode(escaped) == re.sub(r"\s+", " ", text)  # TeX collapses spaces


@given(st.text(st.characters(categories=["Lu", "Ll", "Nd", "Zs", "Po"]), max_size=60))
def test_protect_title_only_adds_balanced_braces(title: str):
    protected = protect_title(title)
    assert protected.replace("{", "").replace("}", "") == title
    assert _balanced(protected)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@given(st.text(st.sampled_from("ab {}\\"), max_size=30))
def test_balance_braces_always_balances_and_keeps_balanced_text(text: str):
    balanced = balance_braces(text)
    assert _balanced(balanced)
    if _balanced(text) and "\\" not in text:
        assert balanced == text
    assert latex_to_unicode(balance_braces("{x")) == "{x"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_the_plain_text_shortcut_decodes_as_the_full_decoder_does(text: str):
    from bridge.latex import _Decoder

    assert latex_to_unicode(text) == _Decoder(text).decode()


def _escape_specials_by_hand(text: str) -> str:
    """The character-by-character escaping escape_specials replaced, kept as its oracle."""
    from bridge.latex import _math_spans

    spans, out, i, span_index = _math_spans(text), [], 0, 0
    while i < len(text):
        if span_index < len(spans) and i == spans[span_index][0]:
            start, end = spans[span_index]
            out.append(re.sub(r"(?<!\\)([&%#])", r"\\\1", text[start:end]))
            i, span_index = end, span_index + 1
        elif text[i] == "\\":
            out.append(text[i:i + 2])
            i += 2
        else:
            out.append("\\" + text[i] if text[i] in "&%$#_" else
                       "\\^{}" if text[i] == "^" else text[i])
            i += 1
    return "".join(out)


@given(st.text(alphabet=st.sampled_from(list("ab 1$\\&%#_^{}\n")), max_size=40))
def test_escape_specials_agrees_with_the_character_loop(text: str):
    assert escape_specials(text) == _escape_specials_by_hand(text)
