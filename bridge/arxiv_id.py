"""arXiv identifier grammar: find every id in a text, parse one, normalise it. No I/O.

The two schemes, as arXiv documents them (info.arxiv.org/help/arxiv_identifier.html):

* **New scheme** (April 2007 on): ``YYMM.NNNN`` from 0704 to 1412, ``YYMM.NNNNN`` from 1501
  on; ``MM`` is a month 01-12 and the sequence number starts at 1.
* **Old scheme** (9107 to 0703): ``archive/YYMMNNN``, optionally with a subject class between
  archive and slash (``math.GT/0309136``, ``cond-mat.str-el/0101001``). The archive is one of
  the 34 in `OLD_ARCHIVES`, the archives arXiv had before April 2007 (arXiv's own taxonomy,
  arxiv-base ``arxiv/taxonomy/definitions.py``, less the later ``stat``, ``q-fin``, ``econ``,
  ``eess`` and the ``test`` archive).

Either may carry a version ``vN`` (N >= 1).

**Canonical form** (`normalise`, `ArxivId.versioned`): the bare identifier with no
``arXiv:`` prefix, URL or DOI around it; the archive in lower case; the subject class of an
old id dropped, because arXiv's preferred external form drops it
(``math.CA/0611800v2`` is cited as ``arXiv:math/0611800v2``); the version kept as a
lower-case ``vN`` when one was given and never invented when not::

    2310.13798   2310.13798v2   0706.0001   hep-th/9901001   math/0309136v1

Forms recognised in running text by `find_ids` (prefix words and hosts in any case):

* bare ids, ``arXiv:ID``, ``arXiv: ID``, ``arxiv ID``, ``arXiv.ID``, ``arXiv.org:ID``,
  ``{arXiv}:ID`` (BibTeX-braced);
* URLs ``[http[s]://][HOST.]arxiv.org/{abs,pdf,html,format,ps,src}/ID[vN][.pdf]`` on any
  arxiv.org host (``www.``, ``export.``, the former mirrors ``lanl.``, ``de.``, ``uk.``...,
  ``ar5iv.labs.``), and on ``xxx.lanl.gov``, arXiv's original host ("arXiv.org (formerly
  xxx.lanl.gov)", arXiv's primer), still common in older bibliographies;
* other sites' pages of one arXiv paper, whose path carries the id (version kept if given):
  ``ar5iv.org/{abs,html}/ID``, ``arxiv-vanity.com/papers/ID``, ``huggingface.co/papers/ID``
  and ``hf.co/papers/ID`` (also ``ID.md``), ``alphaxiv.org/{abs,overview,pdf}/ID`` (also
  ``ID.md``), ``semanticscholar.org/arxiv/ID``, ``scirate.com/arxiv/ID``,
  ``papers.cool/arxiv/ID``, and ``front.math.ucdavis.edu/ID`` (the UC Davis Front; its own
  numbers for pre-2007 papers, such as ``0412.5512`` for ``math/0412512``, are not arXiv
  ids and are not taken for any);
* DOIs ``10.48550/arXiv.ID``, also as ``doi:...`` and ``[http[s]://][dx.]doi.org/...``;
* NASA ADS bibcodes of e-prints, ``2014arXiv1407.5817S`` (new-scheme ids only).

Context rules that keep decimals, versions, dates, page ranges and other DOIs out: a *bare*
id must not touch a letter, digit or ``_``, nor be preceded by ``. - / \\ + * ^``, nor be
followed by ``-``, ``/`` or by a ``.`` that continues with a digit. An id after an explicit
cue (``arXiv:``, a URL above, an arXiv DOI) may be glued to the next word, as listings
paste it (``arXiv:2310.13798Reinforcement`` is ``2310.13798``; ``arXiv:2310.13798v2Title``
is ``2310.13798v2``). A run of digits longer than the scheme allows is never cut down to an
id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import InvalidArxivId

__all__ = ["OLD_ARCHIVES", "ArxivId", "IdMatch", "find_ids", "is_valid", "iter_ids", "normalise",
           "parse"]

OLD_ARCHIVES: frozenset[str] = frozenset({
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
    "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
    "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin",
    "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph",
    "solv-int", "supr-con",
})
"""Archives that appear in old-scheme identifiers (9107-0703)."""


@dataclass(frozen=True)
class ArxivId:
    """One arXiv identifier in canonical form: `id` without version, `version` if given."""

    id: str
    version: int | None = None

    @property
    def versioned(self) -> str:
        """`2310.13798v2` when a version is known, else the bare id."""
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def is_old_style(self) -> bool:
        return "/" in self.id

    def __str__(self) -> str:
        return self.versioned


@dataclass(frozen=True)
class IdMatch:
    """An id found in a text; `start`/`end` span the whole matched form (URL, prefix...)."""

    arxiv_id: ArxivId
    start: int
    end: int
    form: str = field(default="bare", compare=False)
    """How it was written: `bare`, or after a cue that says arXiv: `prefix` (``arXiv:``),
    `url` (a URL of the paper on a site above), `doi` (arXiv's DOI), `bibcode` (NASA ADS)."""

    @property
    def cued(self) -> bool:
        """Written in a form that says arXiv (anything but a bare id)."""
        return self.form != "bare"


# The cheap scan anchors on the punctuation in each scheme's number (a dot before 4 digits,
# a slash before 7), which is rarer than digits and lets the regex engine skip fast.
# Everything else (the digits before the dot, month ranges, digit counts, archives, cues,
# context) is checked on the few candidates it yields.
_SCAN = re.compile(r"\.\d{4}|/\d{7}")
_NEW_CORE = re.compile(r"(\d\d)(\d\d)\.(\d{4,5})")
_OLD_CORE = re.compile(r"/(\d\d)(\d\d)(\d\d\d)")

_ARCHIVE_ALT = "|".join(sorted((re.escape(a) for a in OLD_ARCHIVES), key=len, reverse=True))
# Archive (and optional subject class) ending right at the slash of an old id.
_ARCHIVE_TAIL = re.compile(
    rf"(?<![\w\-])({_ARCHIVE_ALT})(?:\.([a-z]{{2}}|[a-z]+-[a-z]+|[a-z]{{3,}}))?\Z",
    re.IGNORECASE,
)
# Host and path of the URLs whose next path segment is an arXiv id (see the module
# docstring for where each comes from). A host must start the URL or follow the scheme:
# `notarxiv.org/abs/...` is not arXiv's.
_PAPER_URL = r"""(?<![\w.-])(?:
        (?:[a-z0-9-]+\.)*arxiv\.org/(?:abs|pdf|html|format|ps|src)/
      | xxx\.lanl\.gov/(?:abs|pdf|html|format|ps|src)/
      | ar5iv\.org/(?:abs|html)/
      | (?:www\.)?arxiv-vanity\.com/papers/
      | (?:huggingface|hf)\.co/papers/
      | (?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)/
      | (?:www\.)?semanticscholar\.org/arxiv/
      | (?:www\.)?scirate\.com/arxiv/
      | papers\.cool/arxiv/
      | front\.math\.ucdavis\.edu/
    )"""
# An explicit cue ending right where an id starts.
_CUE = re.compile(
    r"""(?:
        (?P<url>(?:https?://)?""" + _PAPER_URL + r""")
      | (?P<doi>(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:[ \t]*)?10\.48550/arxiv\.)
      | (?P<word>(?:\{arxiv\}|arxiv(?:\.org)?)(?:[ \t]*:[ \t]*|[ \t]+|\.))
      | (?P<ads>(?<![\w.])(?:19|20)\d\darxiv)
    )\Z""",
    re.IGNORECASE | re.VERBOSE,
)
_VERSION = re.compile(r"[vV]([1-9]\d*)")
# A new-scheme id and nothing else, version in canonical lower case: `parse`'s fast path.
_CANONICAL_NEW = re.compile(r"((\d\d)(\d\d))\.(\d{4,5})(?:v([1-9]\d*))?\Z")
# A file suffix after the id in a URL: `.pdf` (arXiv), `.md` (the markdown of a paper page
# on Hugging Face and alphaXiv).
_URL_SUFFIX = re.compile(r"\.(?:pdf|md)(?!\w)", re.IGNORECASE)
_FORMS = {"url": "url", "doi": "doi", "word": "prefix", "ads": "bibcode"}
_CUE_ENDINGS = frozenset(":/. \tvV")
# Characters that, right before a bare id, make it part of something else (a decimal, a
# path, a range, a version string, arithmetic).
_BAD_BEFORE = frozenset(".-/\\+*^_–—−±×")
_BAD_AFTER = frozenset("-/_–—−")
_LOOKBACK = 80


def _valid_new(yymm: int, month: int, number: str) -> bool:
    if not 1 <= month <= 12 or yymm < 704 or int(number) == 0:
        return False
    return len(number) == (4 if yymm <= 1412 else 5)


def _valid_old(yymm: int, month: int, number: str) -> bool:
    if not 1 <= month <= 12 or int(number) == 0:
        return False
    return yymm >= 9107 or yymm <= 703


def _cue_before(text: str, start: int) -> re.Match[str] | None:
    """The arXiv cue (URL, DOI, `arXiv:`) that ends at `start`, if any."""
    if start == 0 or text[start - 1] not in _CUE_ENDINGS:
        return None
    return _CUE.search(text, max(0, start - _LOOKBACK), start)


def _bare_context_ok(text: str, start: int, end: int) -> bool:
    if start > 0:
        before = text[start - 1]
        if before.isalnum() or before in _BAD_BEFORE:
            return False
    if end < len(text):
        after = text[end]
        if after.isalnum() or after in _BAD_AFTER:
            return False
        if after == "." and end + 1 < len(text) and text[end + 1].isdigit():
            return False
    return True


def _match_at(text: str, hit: int) -> IdMatch | None:
    """Validate the candidate `_SCAN` found at `hit`, grow it to its full form, or reject it."""
    if text[hit] == ".":
        core = _NEW_CORE.match(text, hit - 4) if hit >= 4 else None
        if core is None:
            return None
        start, end = core.start(), core.end()
        if (start > 0 and text[start - 1].isdigit()) or (end < len(text) and text[end].isdigit()):
            return None  # too many digits: not an id, and never cut down to one
        yymm = int(core.group(1) + core.group(2))
        if not _valid_new(yymm, int(core.group(2)), core.group(3)):
            return None
        ident = f"{core.group(1)}{core.group(2)}.{core.group(3)}"
    else:
        core = _OLD_CORE.match(text, hit)
        end = core.end() if core else 0
        if core is None or (end < len(text) and text[end].isdigit()):
            return None
        arch = _ARCHIVE_TAIL.search(text, max(0, hit - 40), hit)
        if arch is None:
            return None
        yymm = int(core.group(1) + core.group(2))
        if not _valid_old(yymm, int(core.group(2)), core.group(3)):
            return None
        start = arch.start()
        ident = f"{arch.group(1).lower()}/{core.group(1)}{core.group(2)}{core.group(3)}"

    version = None
    ver = _VERSION.match(text, end)
    if ver is not None and not (ver.end() < len(text) and text[ver.end()].isdigit()):
        version = int(ver.group(1))
        end = ver.end()

    cue = _cue_before(text, start)
    if cue is None:
        if not _bare_context_ok(text, start, end):
            return None
        return IdMatch(ArxivId(ident, version), start, end)
    form = _FORMS[str(cue.lastgroup)]
    if form == "url":
        suffix = _URL_SUFFIX.match(text, end)
        if suffix is not None:
            end = suffix.end()
    return IdMatch(ArxivId(ident, version), cue.start(), end, form)


def find_ids(text: str) -> list[IdMatch]:
    """Every arXiv id in `text`, in text order, with the span of its whole written form.

    >>> [(str(m.arxiv_id), m.start, m.end) for m in find_ids("see arXiv:2310.13798v2.")]
    [('2310.13798v2', 4, 22)]
    >>> [str(m.arxiv_id) for m in find_ids(
    ...     "https://arxiv.org/pdf/hep-th/9901001v1.pdf and 10.48550/ARXIV.2404.14619")]
    ['hep-th/9901001v1', '2404.14619']
    >>> [str(m.arxiv_id) for m in find_ids("arXiv:2310.13798Reinforcement learning")]
    ['2310.13798']
    >>> [(str(m.arxiv_id), m.form) for m in find_ids(
    ...     "http://xxx.lanl.gov/abs/hep-th/9901001, huggingface.co/papers/2310.13798v2")]
    [('hep-th/9901001', 'url'), ('2310.13798v2', 'url')]
    >>> find_ids("https://www.alphaxiv.org/abs/2608.glm-5 front.math.ucdavis.edu/0412.5512")
    []
    >>> find_ids("pi is 3.14159, v1.2.3, 2023.10.05, pp. 1101--1105, 1234.5678")
    []
    """
    return list(iter_ids(text))


def iter_ids(text: str) -> Iterator[IdMatch]:
    """`find_ids`, one match at a time: a caller that keeps few of them holds no list.

    >>> [str(m.arxiv_id) for m in iter_ids("arXiv:2310.13798 and hep-th/9901001")]
    ['2310.13798', 'hep-th/9901001']
    """
    last_end = 0
    for hit in _SCAN.finditer(text):
        if hit.start() < last_end:
            continue
        match = _match_at(text, hit.start())
        if match is not None and match.start >= last_end:
            yield match
            last_end = match.end


def parse(text: str) -> ArxivId:
    """The one id written in `text`, in any accepted form; `InvalidArxivId` otherwise.

    Surrounding whitespace is ignored; a URL may end in a query, fragment or slash.

    >>> parse("arXiv:2310.13798v2")
    ArxivId(id='2310.13798', version=2)
    >>> parse("https://export.arxiv.org/abs/math.GT/0309136")
    ArxivId(id='math/0309136', version=None)
    >>> parse("https://www.alphaxiv.org/overview/2512.21120v1.md")
    ArxivId(id='2512.21120', version=1)
    >>> parse("1234.5678")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bridge.errors.InvalidArxivId: '1234.5678' is not an arXiv identifier (expected e.g. ...)
    """
    stripped = text.strip()
    canonical = _CANONICAL_NEW.match(stripped)
    if canonical is not None:
        # Most asks are already canonical (`2310.13798`, `2310.13798v2`, what the cache and
        # the readers hand on): the full scan would accept exactly these, so skip it.
        yymm, _, month, number, version = canonical.groups()
        if _valid_new(int(yymm), int(month), number):
            return ArxivId(f"{yymm}.{number}", int(version) if version else None)
    matches = find_ids(stripped)
    if len(matches) == 1 and matches[0].start == 0:
        match = matches[0]
        rest = stripped[match.end:]
        if not rest:
            return match.arxiv_id
        if match.form == "url" and rest[0] in "/?#" and " " not in rest:
            return match.arxiv_id
    raise InvalidArxivId(text)


def normalise(text: str) -> str:
    """The canonical string of one id (see the module docstring); idempotent.

    >>> normalise("arXiv: 2310.13798v2")
    '2310.13798v2'
    >>> normalise("HEP-TH/9901001")
    'hep-th/9901001'
    >>> normalise("math.GT/0309136")
    'math/0309136'
    >>> normalise("doi.org/10.48550/arXiv.2404.14619")
    '2404.14619'
    """
    return parse(text).versioned


def is_valid(text: str) -> bool:
    """True if `text` is exactly one arXiv id in an accepted form.

    >>> is_valid("0704.0001"), is_valid("0704.00001"), is_valid("1501.0001")
    (True, False, False)
    >>> is_valid("cs/0504107v2"), is_valid("foo/0504107"), is_valid("math/0713001")
    (True, False, False)
    """
    try:
        parse(text)
    except InvalidArxivId:
        return False
    return True
