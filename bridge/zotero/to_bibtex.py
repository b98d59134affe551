"""What a Zotero item says beyond its fields, as the BibTeX fields Zotero's export writes.

Read from `doExport` in Zotero's BibTeX.js and checked against what it writes for the
translators' own test items (tests/test_pull_fidelity.py): tags are `keywords`; rich text
(`<i>`, `<b>`, `<sup>`, `<sub>`, small caps) is TeX; every dash of a page range is `--`;
`extra` lines for identifiers BibTeX has fields for (`PMID:`, `MR:`, `LCCN:`, `Zbl:`,
`PMCID:`) are those fields; child notes and links to files are `note` and `file`.
`bridge.zotero.items.item_to_reference` calls these; the result is `Reference.fields`, which
holds .bib text.

Where we write something else than BibTeX.js, on purpose (Better BibTeX's choice where it
has one):

* `<sup>`/`<sub>` are `\\textsuperscript`/`\\textsubscript` (text mode), not
  `$^{\\textrm{..}}$`; italics are `\\textit`, as Zotero writes them (BBT: `\\emph`).
* Child notes are `note`, which styles print, not `annote`: the `note` a .bib had comes
  back as `note`. The arXiv comment note of an arXiv paper is its comment, not a note.
* `extra` lines go back to the field they came from: `event-place:` to `location`,
  `Published:` to `howpublished`, `arXiv:`/`JSTOR:`/`GoogleBooksID:`/`HDL:` to `eprint`
  with its `eprinttype`; Zotero's export writes them all into `note`.
* The tags Zotero's arXiv translator makes of an arXiv paper's categories (automatic tags,
  `type` 1, as Zotero saves a translator's tags) are not keywords: `primaryClass` says the
  same, and every arXiv entry would gain a field. A keyword a user wrote that reads like
  a category (ADS writes them) is the user's tag, and stays a keyword.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..latex import escape_specials, rich_text_to_latex, strip_rich_text
from ..model import Reference
from . import from_arxiv

__all__ = ["field_from_extra_line", "field_value", "finish_reference"]

# `extra` lines Zotero writes for what BibTeX has a field for (BibTeX.js import), and back.
_EXTRA_LINE_FIELDS = {"LCCN": "lccn", "MR": "mrnumber", "Zbl": "zmnumber", "PMID": "pmid",
                      "PMCID": "pmcid", "Published": "howpublished",
                      "event-place": "location"}
_EPRINT_TYPES = {"arXiv": "arxiv", "JSTOR": "jstor", "HDL": "hdl",
                 "GoogleBooksID": "googlebooks"}


def field_from_extra_line(ref: Reference, label: str, value: str) -> bool:
    """Put an `extra` line that stands for a BibTeX field into `ref.fields`; False if not.

    >>> ref = Reference()
    >>> field_from_extra_line(ref, "PMID", "23439512"), field_from_extra_line(ref, "x", "y")
    (True, False)
    >>> field_from_extra_line(ref, "GoogleBooksID", "abc"), ref.fields
    (True, {'pmid': '23439512', 'eprint': 'abc', 'eprinttype': 'googlebooks'})
    """
    if not value:
        return False
    if label in _EXTRA_LINE_FIELDS:
        ref.fields.setdefault(_EXTRA_LINE_FIELDS[label], escape_specials(value))
        return True
    if label in _EPRINT_TYPES and not (label == "arXiv" and ref.arxiv_id):
        ref.fields.setdefault("eprint", escape_specials(value))
        ref.fields.setdefault("eprinttype", _EPRINT_TYPES[label])
        return True
    return False


def field_value(name: str, value: str) -> str:
    """A Zotero field's value as .bib text.

    >>> field_value("pages", "330—331"), field_value("title", "<i>Natrix</i> & co")
    ('330--331', '\\\\textit{Natrix} \\\\& co')
    """
    if name == "accessDate":
        value = value[:10]
    elif name == "pages":
        # every dash between two numbers is a range, `--` (BibTeX.js export)
        value = re.sub(r"(\w)\s*[-\u2012-\u2015\u2053]+\s*(\w)", r"\1--\2", value)
    return rich_text_to_latex(value)


def finish_reference(ref: Reference, *, title: str | None,
                     children: Iterable[Mapping[str, Any]], leftovers: list[str],
                     automatic_tags: Iterable[str] = ()) -> None:
    """Add what the item says outside its fields: rich title, children, tags, extra lines.

    `leftovers` are the `extra` lines nothing else took; they go into `note`, as BibTeX.js
    writes them, after the child notes. `automatic_tags` are those Zotero marks as made by
    a translator (`type` 1).
    """
    automatic = set(automatic_tags)
    if title and strip_rich_text(title) != title:
        ref.fields["title"] = rich_text_to_latex(title)  # italics etc. as TeX (writers)
    notes, files = [], []
    for child in children:
        data = child.get("data", child)
        if data.get("itemType") == "note":
            text = _note_text(data.get("note") or "")
            if ref.arxiv_id and text.startswith("Comment: ") and not ref.comment:
                ref.comment = text.removeprefix("Comment: ")
            elif text:
                notes.append(text)
        elif data.get("itemType") == "attachment" and data.get("path"):
            parts = [data.get("title") or "", data["path"], data.get("contentType") or ""]
            files.append(":".join(re.sub(r"([\\:;])", r"\\\1", part) for part in parts))
    if files and "file" not in ref.fields:
        ref.fields["file"] = ";".join(files)
    notes += ["\n".join(leftovers)] if leftovers else []
    if notes and "note" not in ref.fields:
        ref.fields["note"] = escape_specials("\n\n".join(notes))
    keywords = [tag for tag in ref.tags
                if not (tag in automatic and from_arxiv.is_category_tag(tag))]
    if keywords and "keywords" not in ref.fields:
        ref.fields["keywords"] = escape_specials(", ".join(keywords))


def _note_text(note: str) -> str:
    """A note's HTML as plain text, paragraphs kept apart."""
    text = re.sub(r"</p>\s*<p>|<br\s*/?>", "\n\n", note)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
