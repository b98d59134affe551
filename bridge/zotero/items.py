"""Zotero item JSON <-> `Reference`: the pure field mapping, both ways.

Writing makes the items Zotero's own translators make, so Zotero and Better BibTeX (BBT)
treat them as their own; the translators' test cases are our tests
(tests/test_translator_cases.py):

* an arXiv paper is the `preprint` of Zotero's arXiv.org translator (DESIGN.md, "Mappings";
  bridge.zotero.from_arxiv): category tags, the comment as a child note, `shortTitle`,
  a `version: N` line when a version was asked for;
* a .bib entry is the item of Zotero's BibTeX import (bridge.zotero.from_bibtex): its type,
  fields, rich text, tags, notes and file links, `extra` lines in Zotero's spelling; what
  Zotero has no field for is a `tex.<field>: <value>` line, BBT's syntax, kept raw.

Child notes and file links are `reference_children`; bridge.zotero.sync creates them after
their parent. Reading goes the other way (with the export's semantics in
bridge.zotero.to_bibtex) and recognises all three shapes arXiv papers have in real
libraries: `preprint`, the legacy `journalArticle` whose publicationTitle is `arXiv:<id>
[cs]`, and `report` (reportNumber `arXiv:<id>`), plus `arXiv:` lines in `extra`.

Decisions worth knowing:

* `citationKey` is a real field of every item type in the schema we validate against (schema
  version 41, Zotero 7), so the citation key goes there, not into `extra`.
* `extra` always starts with the translator's `arXiv:<id> [<primary category>]` line, also
  for old-style ids (the translator writes no category there), so the category survives a
  round trip. A journal DOI and a journal reference, which a preprint has no field for, add
  `Published DOI:` and `Journal Reference:` lines. Reading keeps only the primary category.
* An arXiv paper whose input says it was published (a .bib `@article` with a journal,
  `@inproceedings`...) keeps that item type, with the `arXiv:` line in `extra` and the abs URL,
  as the translator does when it finds a journal version.
* Names: `lastName` is the family name with its particle (`van den Oord`), a suffix goes
  after a comma in `firstName` (`Martin Luther, Jr.`), institutions are single-field `name`
  creators. Reading splits particles back off by BibTeX's rule (leading lower-case words).
  This is BibTeX's own name grammar (bridge.names), where Zotero's BibTeX import guesses
  (`American Rights at Work` has the given name "American Rights at").
* An entry type the item type does not give back (`@manual` is a book) is kept as a
  `tex.entrytype` line, which reading honours.

Every produced item is checked against the full Zotero schema in shared/ by a test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..arxiv_id import parse as parse_arxiv_id
from ..errors import InvalidArxivId
from ..fold import fold
from ..latex import strip_rich_text
from ..model import ARXIV_DOI_PREFIX, Author, Provenance, Reference, names_arxiv_as_venue
from ..names import format_bibtex_names
from . import from_arxiv, from_bibtex, to_bibtex

__all__ = [
    "ARXIV_CATALOG",
    "identity_keys",
    "invalid_fields",
    "is_regular_item",
    "item_to_reference",
    "normalise_title",
    "reference_children",
    "reference_to_item",
]

ARXIV_CATALOG = "arXiv.org"

# Zotero item type -> the entry type we give it back (thesis: by its thesisType).
_ENTRY_TYPE = {
    "journalArticle": "article",
    "magazineArticle": "article",
    "newspaperArticle": "article",
    "conferencePaper": "inproceedings",
    "book": "book",
    "bookSection": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
    # BibTeX styles know no @online; BBT too writes a webpage as @misc with its url.
    "webpage": "misc",
    "blogPost": "misc",
    "document": "misc",
    "manuscript": "unpublished",
    "computerProgram": "software",
    "dataset": "dataset",
    "preprint": "misc",
    "patent": "patent",
}

_THESIS_TYPE = {"phdthesis": "Ph.D. thesis", "mastersthesis": "Master's thesis"}

# BibTeX field -> Zotero field, per item type (first the type's own, then the shared ones).
_SHARED_MAP = {
    "publisher": "publisher",
    "address": "place",
    "location": "place",
    "volume": "volume",
    "pages": "pages",
    "isbn": "ISBN",
    "issn": "ISSN",
    "series": "series",
    "edition": "edition",
    "language": "language",
    "langid": "language",
    "shorttitle": "shortTitle",
    "urldate": "accessDate",
    "pagetotal": "numPages",
    "rights": "rights",
}
_TYPE_MAP: dict[str, dict[str, str]] = {
    "journalArticle": {"journal": "publicationTitle", "journaltitle": "publicationTitle",
                       "number": "issue", "issue": "issue",
                       "shortjournal": "journalAbbreviation", "pmid": "PMID"},
    "conferencePaper": {"booktitle": "proceedingsTitle", "eventtitle": "conferenceName",
                        "venue": "eventPlace", "number": "seriesNumber"},
    "book": {"number": "seriesNumber"},
    "bookSection": {"booktitle": "bookTitle", "number": "seriesNumber"},
    "thesis": {"school": "university", "institution": "university", "type": "thesisType",
               "number": "seriesNumber"},
    "report": {"institution": "institution", "number": "reportNumber", "type": "reportType",
               "series": "seriesTitle"},
    "webpage": {"type": "websiteType"},
    "document": {"type": "type"},
    "manuscript": {"institution": "institution", "type": "manuscriptType",
                   "number": "number"},
    "computerProgram": {"version": "versionNumber", "publisher": "company",
                        "organization": "company"},
    "dataset": {"version": "versionNumber", "publisher": "repository", "type": "type",
                "number": "identifier"},
    "patent": {"number": "patentNumber", "nationality": "country", "assignee": "assignee"},
    # Only other repositories' preprints come this way: arXiv's are built by _arxiv_item.
    "preprint": {"publisher": "repository", "number": "archiveID", "type": "genre",
                 "institution": "repository"},
}

# BBT's JSON export uses the base field names; read those as the type's own.
_BASE_ALIASES = {
    "preprint": {"number": "archiveID", "publisher": "repository", "type": "genre"},
    "report": {"number": "reportNumber", "publisher": "institution", "type": "reportType"},
    "thesis": {"publisher": "university", "type": "thesisType"},
    "conferencePaper": {"publicationTitle": "proceedingsTitle"},
    "patent": {"issueDate": "date"},
    "bookSection": {"publicationTitle": "bookTitle"},
    "webpage": {"publicationTitle": "websiteTitle", "type": "websiteType"},
    "manuscript": {"publisher": "institution", "type": "manuscriptType"},
    "computerProgram": {"publisher": "company"},
    "dataset": {"number": "identifier", "publisher": "repository", "place": "repositoryLocation",
                "medium": "format"},
}

_META = frozenset({"key", "version", "itemType", "creators", "tags", "collections",
                   "relations", "parentItem", "deleted", "dateAdded", "dateModified",
                   "inPublications"})


# ------------------------------------------------------------------------------ writing


def reference_to_item(ref: Reference, *, collections: Iterable[str] = (),
                      tags: Iterable[str] = ()) -> dict[str, Any]:
    """The Zotero item (API JSON, without key/version) for a reference.

    Its child notes and attachments are `reference_children(ref)`.

    >>> item = reference_to_item(Reference(arxiv_id="2310.13798", title="T",
    ...     authors=[Author("Kundu", "Sandipan")], date="2023-10-20", primary_category="cs.CL"))
    >>> item["itemType"], item["archiveID"], item["extra"], item["tags"]
    ('preprint', 'arXiv:2310.13798', 'arXiv:2310.13798 [cs.CL]', \
[{'tag': 'Computer Science - Computation and Language', 'type': 1}])
    >>> item["creators"]
    [{'creatorType': 'author', 'firstName': 'Sandipan', 'lastName': 'Kundu'}]
    """
    conversion = _convert(ref)
    item = conversion.item
    if ref.key:
        item["citationKey"] = ref.key
    automatic = set(conversion.automatic_tags) - set(ref.tags) - set(conversion.tags)
    item["tags"] = [{"tag": tag, "type": 1} if tag in automatic else {"tag": tag}
                    for tag in _unique([*ref.tags, *conversion.tags,
                                        *conversion.automatic_tags, *tags])]
    item["collections"] = _unique(collections)
    return item


def reference_children(ref: Reference) -> list[dict[str, Any]]:
    """The child items (notes, links to files) of `ref`'s item, without `parentItem`.

    >>> reference_children(Reference(arxiv_id="1810.04805", title="T", comment="13 pages"))
    [{'itemType': 'note', 'note': 'Comment: 13 pages'}]
    """
    conversion = _convert(ref)
    children: list[dict[str, Any]] = [{"itemType": "note", "note": note}
                                      for note in conversion.notes]
    children += [{"itemType": "attachment", "linkMode": "linked_file", **link}
                 for link in conversion.attachments]
    return children


def _convert(ref: Reference) -> from_bibtex.BibConversion:
    return _arxiv_item(ref) if ref.is_arxiv_preprint else _bib_item(ref)


def _arxiv_item(ref: Reference) -> from_bibtex.BibConversion:
    """The translator's preprint (bridge.zotero.from_arxiv), with the .bib's other fields."""
    arxiv_id = ref.arxiv_id
    assert arxiv_id is not None
    # What else a .bib entry says converts as BibTeX.js would, into a preprint; a venue
    # that only restates arXiv ("arXiv preprint arXiv:...") says nothing.
    rest = ref.copy(doi=None, url=None, abstract=None, fields={
        name: value for name, value in ref.fields.items()
        if not _restates_arxiv(name, value, arxiv_id)})
    conversion = from_bibtex.convert_entry(rest, "preprint")
    others = conversion.item
    item: dict[str, Any] = {"itemType": "preprint", "title": others.pop("title", ""),
                            "creators": others.pop("creators", [])}
    if ref.abstract:
        item["abstractNote"] = ref.abstract
    date = ref.date or ref.arxiv_updated or ref.arxiv_published
    if date:
        item["date"] = date
    others.pop("date", None)
    item.update({
        "repository": "arXiv",
        "archiveID": f"arXiv:{arxiv_id}",
        "DOI": f"{ARXIV_DOI_PREFIX}{arxiv_id}",
        "url": f"{from_arxiv.ARXIV_ABS}{arxiv_id}",
        "libraryCatalog": ARXIV_CATALOG,
    })
    short = from_arxiv.short_title(item["title"])
    if short and "shortTitle" not in others:
        item["shortTitle"] = short
    for name, value in others.items():
        if name not in item and name not in ("itemType", "extra"):
            item[name] = value
    extra = [_arxiv_line(ref)]
    if ref.arxiv_version:
        extra.append(f"version: {ref.arxiv_version}")
    if ref.doi:
        extra.append(f"Published DOI: {ref.doi}")
    if ref.journal_ref:
        extra.append(f"Journal Reference: {_one_line(ref.journal_ref)}")
    if others.get("extra"):
        extra.append(others["extra"])
    item["extra"] = "\n".join(extra)
    conversion.item = item
    categories = ref.categories or ([ref.primary_category] if ref.primary_category else [])
    conversion.automatic_tags = from_arxiv.category_tags(categories)
    note = from_arxiv.comment_note(ref)
    if note:
        conversion.notes.insert(0, note)
    return conversion


_ARXIV_WORDS = re.compile(
    r"\\url|[{}\s:.,/]|https?|(?:www\.|export\.)?arxiv\.org|abs|pdf|arxiv|preprint|e-prints?",
    re.IGNORECASE)


def _restates_arxiv(name: str, value: str, arxiv_id: str) -> bool:
    """Whether a venue-like field says no more than "arXiv" and the id.

    >>> [_restates_arxiv("note", v, "1305.4904") for v in ("\\\\url{http://arxiv.org/abs/1305.4904}",
    ...     "arXiv preprint arXiv:1305.4904", "Accepted at ICML; see arXiv:1305.4904")]
    [True, True, False]
    """
    if name not in ("journal", "journaltitle", "howpublished", "note", "publisher"):
        return False
    rest = _ARXIV_WORDS.sub("", value)
    bare_id = arxiv_id.replace("/", "").replace(".", "")
    return not re.sub(r"v\d+$", "", rest.replace(bare_id, "")) and "arxiv" in value.lower()


def _arxiv_line(ref: Reference) -> str:
    category = f" [{ref.primary_category}]" if ref.primary_category else ""
    return f"arXiv:{ref.arxiv_id}{category}"


def _bib_item(ref: Reference) -> from_bibtex.BibConversion:
    """The item BibTeX.js makes (bridge.zotero.from_bibtex), plus an arXiv id it cites."""
    conversion = from_bibtex.convert_entry(ref)
    item = conversion.item
    entry_type = (ref.entry_type or "misc").lower()
    extra = item.get("extra", "")
    if entry_type != _entry_type(item["itemType"], item, []) and "tex.entrytype:" not in extra:
        # The item type gives another entry type back (@manual is a book): keep the
        # entry's own, in BBT's syntax, which reading honours.
        item["extra"] = "\n".join(filter(None, [extra, f"tex.entrytype: {entry_type}"]))
    if ref.arxiv_id:
        if "url" not in item:
            item["url"] = f"{from_arxiv.ARXIV_ABS}{ref.arxiv_id}"
        item["extra"] = "\n".join(filter(None, [_arxiv_line(ref), item.get("extra")]))
    return conversion


# ------------------------------------------------------------------------------ reading


def is_regular_item(item: Mapping[str, Any]) -> bool:
    """False for attachments, notes and annotations, which are not references."""
    data = _data(item)
    return data.get("itemType") not in ("attachment", "note", "annotation") and not data.get(
        "parentItem")


def item_to_reference(item: Mapping[str, Any], *, library: str | None = None,
                      children: Iterable[Mapping[str, Any]] = ()) -> Reference:
    """The Reference for a Zotero item (API JSON with or without the `data` wrapper).

    >>> ref = item_to_reference({"itemType": "journalArticle", "title": "Classical signature",
    ...     "publicationTitle": "arXiv:1305.4904 [quant-ph]", "date": "2013-05-21",
    ...     "creators": [{"creatorType": "author", "firstName": "John A.", "lastName": "Smolin"}]})
    >>> ref.arxiv_id, ref.primary_category, ref.entry_type, ref.authors[0].family
    ('1305.4904', 'quant-ph', None, 'Smolin')
    """
    data = _data(item)
    item_type = data.get("itemType", "document")
    values = _canonical_fields(data, item_type)
    extra_lines = _extra_lines(values.pop("extra", ""))
    arxiv = _arxiv_of(values, extra_lines)

    title = values.pop("title", None) or None
    ref = Reference(title=strip_rich_text(title) if title else None,
                    abstract=values.pop("abstractNote", None) or None,
                    date=_iso_date(raw_date := values.pop("date", "")))
    if raw_date and ref.date is None:  # `in press`: no date we can read, but the user's text
        ref.fields["year"] = to_bibtex.field_value("date", raw_date)
    creators = data.get("creators") or []
    ref.authors, ref.editors = _authors([c for c in creators
                                         if c.get("creatorType") != "translator"])
    translators = [_author(c) for c in creators if c.get("creatorType") == "translator"]
    if translators:  # BibTeX.js's export writes them as `translator`
        ref.fields["translator"] = format_bibtex_names(translators)
    ref.tags = [t["tag"] for t in data.get("tags") or [] if t.get("tag")]
    automatic = {t["tag"] for t in data.get("tags") or [] if t.get("type") == 1}
    ref.key = values.pop("citationKey", None) or None
    ref.url = values.pop("url", None) or None
    doi = values.pop("DOI", "")

    arxiv_shaped = arxiv is not None and _arxiv_shaped(item_type, values)
    if arxiv is not None:
        ref.arxiv_id, ref.arxiv_version, ref.primary_category = arxiv
        if ref.primary_category:
            ref.categories = [ref.primary_category]
    if doi and not doi.lower().startswith(ARXIV_DOI_PREFIX.lower()):
        ref.doi = doi
    leftovers: list[str] = []
    for label, value, line in extra_lines:
        low = label.lower()
        if low == "citation key" and not ref.key:
            ref.key = value
        elif low == "published doi" or (low == "doi" and not ref.doi):
            ref.doi = value
        elif low == "journal reference":
            ref.journal_ref = value
        elif low == "comment":
            ref.comment = value
        elif to_bibtex.field_from_extra_line(ref, label, value):
            continue  # Zotero's own line for what BibTeX has a field for
        elif low.startswith("tex.") and low != "tex.entrytype":
            ref.fields[label[4:].lower()] = value
        elif low in ("arxiv", "version", "tex.entrytype"):
            continue
        else:
            leftovers.append(line)

    if arxiv_shaped:
        # Everything the arXiv shape derives (repository, archiveID, ...) is dropped here.
        for name in ("repository", "archiveID", "libraryCatalog", "publicationTitle",
                     "reportNumber", "institution"):
            values.pop(name, None)
        ref.entry_type = None
        if ref.url and _arxiv_from_url(ref.url):
            ref.url = None
    else:
        ref.entry_type = _entry_type(item_type, values, extra_lines)
        if ref.arxiv_id and ref.url and _arxiv_from_url(ref.url):
            ref.url = None
    _take_fields(ref, item_type, values)
    to_bibtex.finish_reference(ref, title=title, children=children, leftovers=leftovers,
                               automatic_tags=automatic)
    if isinstance(item.get("key"), str) or isinstance(data.get("key"), str):
        ref.provenance = Provenance(
            source=f"zotero:{library}" if library else "zotero",
            zotero_key=data.get("key") or item.get("key"),
            zotero_version=data.get("version") or item.get("version"))
    return ref


def _data(item: Mapping[str, Any]) -> Mapping[str, Any]:
    data = item.get("data")
    return data if isinstance(data, Mapping) else item


def _canonical_fields(data: Mapping[str, Any], item_type: str) -> dict[str, str]:
    aliases = _BASE_ALIASES.get(item_type, {})
    values: dict[str, str] = {}
    for name, value in data.items():
        if name in _META:
            continue
        if isinstance(value, list):  # BBT's JSON export splits `extra` into lines
            value = "\n".join(str(v) for v in value)
        if not isinstance(value, str) or not value.strip():
            continue
        values[aliases.get(name, name)] = value.strip()
    return values


_EXTRA_LINE = re.compile(r"^\s*([A-Za-z][\w .-]*?)\s*[:=]\s*(.*?)\s*$")


def _extra_lines(extra: str) -> list[tuple[str, str, str]]:
    """(label, value, the line) for each line of `extra`; label `arXiv` for arXiv lines."""
    lines = []
    for line in extra.splitlines():
        if not line.strip():
            continue
        if line.strip().lower().startswith("arxiv:"):
            lines.append(("arXiv", line.strip()[6:].strip(), line))
            continue
        match = _EXTRA_LINE.match(line)
        if match:
            lines.append((match.group(1), match.group(2), line))
        else:
            lines.append(("", line.strip(), line))
    return lines


def _arxiv_of(values: Mapping[str, str],
              extra_lines: list[tuple[str, str, str]]) -> tuple[str, int | None, str | None] | None:
    """(id, version, primary category) from any place Zotero or BBT keep an arXiv id."""
    found: tuple[str, int | None] | None = None
    category: str | None = None
    for label, value, _line in extra_lines:
        if label == "arXiv":
            parsed = _parse_arxiv_text(value)
            if parsed:
                found = found or parsed
                category = category or _category(value)
    for name in ("archiveID", "publicationTitle", "reportNumber", "number"):
        value = values.get(name, "")
        if value.lower().startswith("arxiv:"):
            parsed = _parse_arxiv_text(value[6:])
            if parsed:
                found = found or parsed
                category = category or _category(value)
    doi = values.get("DOI", "")
    if doi.lower().startswith(ARXIV_DOI_PREFIX.lower()):
        found = found or _parse_arxiv_text(doi[len(ARXIV_DOI_PREFIX):])
    found = found or _arxiv_from_url(values.get("url", ""))
    if found is None:
        return None
    version = found[1]
    for label, value, _line in extra_lines:
        if label.lower() == "version" and value.isdigit():
            version = int(value)
    return found[0], version, category


def _parse_arxiv_text(text: str) -> tuple[str, int | None] | None:
    token = text.strip().split()[0] if text.strip() else ""
    try:
        parsed = parse_arxiv_id(token)
    except InvalidArxivId:
        return None
    return parsed.id, parsed.version


_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/([^?#\s]+?)"
                        r"(?:\.pdf)?(?:[?#].*)?$", re.IGNORECASE)


def _arxiv_from_url(url: str) -> tuple[str, int | None] | None:
    match = _ARXIV_URL.match(url.strip())
    return _parse_arxiv_text(match.group(1)) if match else None


def _category(text: str) -> str | None:
    """`cs.CL` from `arXiv:2310.13798 [cs.CL]`; the first of a `[cs, eess]` list."""
    match = re.search(r"\[([^\]]+)\]", text)
    if not match:
        return None
    return match.group(1).split(",")[0].strip() or None


def _arxiv_shaped(item_type: str, values: Mapping[str, str]) -> bool:
    """Is this item the arXiv paper itself rather than a published version that cites it?"""
    if item_type == "preprint":
        return True
    if item_type == "journalArticle":
        venue = values.get("publicationTitle", "")
        return not venue or names_arxiv_as_venue(venue)
    if item_type == "report":
        number = values.get("reportNumber", "")
        institution = values.get("institution", "")
        return (not number or number.lower().startswith("arxiv")) and (
            not institution or "arxiv" in institution.lower())
    return False


def _entry_type(item_type: str, values: Mapping[str, str],
                extra_lines: list[tuple[str, str, str]]) -> str:
    for label, value, _line in extra_lines:
        if label.lower() == "tex.entrytype":
            return value.lower()
    if item_type == "thesis":
        kind = values.get("thesisType", "")
        return "mastersthesis" if "master" in kind.lower() else "phdthesis"
    return _ENTRY_TYPE.get(item_type, "misc")


def _take_fields(ref: Reference, item_type: str, values: dict[str, str]) -> None:
    """Move the remaining Zotero fields into `ref.fields` under their BibTeX names."""
    reverse: dict[str, str] = {}
    for bib, zotero in {**_SHARED_MAP, **_TYPE_MAP.get(item_type, {})}.items():
        reverse.setdefault(zotero, bib)
    # `journal`, not `journaltitle`; `school`, not `institution`: the BibTeX names first.
    reverse.update({"publicationTitle": "journal", "university": "school",
                    "place": "address", "accessDate": "urldate", "rights": "copyright"})
    reverse.setdefault("issue", "number")  # BibTeX.js's export: the issue is `number`
    if item_type == "thesis":
        defaults = (_THESIS_TYPE.get(ref.entry_type or ""),
                    from_bibtex.THESIS_TYPE.get(ref.entry_type or ""))
        if values.get("thesisType") in defaults:
            values.pop("thesisType")
    for name in ("libraryCatalog", "archive", "archiveLocation", "callNumber"):
        values.pop(name, None)
    for name, value in values.items():
        # Back to .bib text, the form `Reference.fields` holds (see bridge.readers.bibtex).
        text = to_bibtex.field_value(name, value)
        # The BibTeX name Zotero's export gives it; else the one its import fills it from
        # (an article's `booktitle`, when a `tex.journal` line holds its `journal`); else
        # its own name (`PMCID` is `pmcid`), which Zotero's export drops. Nothing a library
        # holds is lost on the way to the .bib.
        for bib_name in (reverse.get(name), from_bibtex.bib_name(item_type, name), name.lower()):
            if bib_name and ref.fields.setdefault(bib_name, text) == text:
                break


def _authors(creators: list[Mapping[str, str]]) -> tuple[list[Author], list[Author]]:
    authors: list[Author] = []
    editors: list[Author] = []
    for creator in creators:
        kind = creator.get("creatorType", "author")
        # Editors are written as `contributor` where a type has no editor (see _creators).
        target = editors if kind in ("editor", "seriesEditor", "contributor") else authors
        target.append(_author(creator))
    return authors, editors


def _author(creator: Mapping[str, str]) -> Author:
    if "name" in creator:
        return Author(last=creator["name"].strip(), is_institution=True)
    first = (creator.get("firstName") or "").strip()
    jr = ""
    if ", " in first:
        first, jr = (part.strip() for part in first.split(", ", 1))
    words = (creator.get("lastName") or "").split()
    von_words: list[str] = []
    # BibTeX's rule: leading words that start in lower case are the particle.
    while len(words) > 1 and _starts_lower(words[0]):
        von_words.append(words.pop(0))
    return Author(last=" ".join(words), first=first, von=" ".join(von_words), jr=jr)


def _starts_lower(word: str) -> bool:
    for char in word:
        if char.isalpha():
            return char.islower()
    return False


def _iso_date(text: str) -> str | None:
    """Zotero's free-form date as a (partial) ISO date: `2/2016` -> `2016-02`.

    >>> [_iso_date(t) for t in ("2013-05-21", "2/2016", "12/2006", "2014-10", "3-08-2020")]
    ['2013-05-21', '2016-02', '2006-12', '2014-10', '2020']
    """
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[ T].*)?", text)
    if match:
        year, month, day = match.groups()
        return "-".join([year] + [f"{int(p):02d}" for p in (month, day) if p])
    match = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if match:
        return f"{match.group(2)}-{int(match.group(1)):02d}"
    year = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", text)
    return year.group(1) if year else None


# ------------------------------------------------------------------------------ identity


def normalise_title(title: str) -> str:
    """Title reduced for matching: `bridge.fold`, the one fold every matcher uses.

    >>> normalise_title("Specific versus General Principles for {Constitutional} AI!")
    'specific versus general principles for constitutional ai'
    >>> normalise_title("Rønnow's Über-Test")
    'ronnow s uber test'
    """
    return fold(title)


def identity_keys(ref_or_item: Reference | Mapping[str, Any]) -> set[str]:
    """The keys under which a paper is found in the duplicate index.

    `arxiv:<id>` (no version), `doi:<doi>` (lower case, journal DOIs only: the arXiv DOI is
    the arXiv id) and `title:<normalised title>|<year>`.

    >>> sorted(identity_keys({"itemType": "report", "title": "Higgs physics",
    ...     "date": "2014-10", "extra": "Type: article\\narXiv: 1410.5093 [hep-ph]"}))
    ['arxiv:1410.5093', 'title:higgs physics|2014']
    """
    ref = (ref_or_item if isinstance(ref_or_item, Reference)
           else item_to_reference(ref_or_item))
    keys = set()
    if ref.arxiv_id:
        keys.add(f"arxiv:{ref.arxiv_id}")
    if ref.doi:
        doi = ref.doi.strip().lower()
        if doi.startswith(ARXIV_DOI_PREFIX.lower()):
            parsed = _parse_arxiv_text(doi[len(ARXIV_DOI_PREFIX):])
            if parsed:
                keys.add(f"arxiv:{parsed[0]}")
        else:
            keys.add(f"doi:{doi}")
    if ref.title:
        title = normalise_title(ref.title)
        if title:
            keys.add(f"title:{title}|{ref.year or ''}")
    return keys


# ------------------------------------------------------------------------------ validation


def invalid_fields(item: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """What in an item Zotero's schema would refuse: unknown type, fields, creator types.

    `schema` is Zotero's schema JSON (`shared/zotero-schema.json`, or `GET /schema`).
    An empty list means the item is valid.
    """
    data = _data(item)
    types = {t["itemType"]: t for t in schema["itemTypes"]}
    item_type = data.get("itemType")
    if item_type not in types:
        return [f"unknown itemType {item_type!r}"]
    spec = types[item_type]
    fields = {f["field"] for f in spec["fields"]}
    creator_types = {c["creatorType"] for c in spec.get("creatorTypes", [])}
    problems = [f"field {name!r} is not valid for {item_type}"
                for name in data if name not in _META and name not in fields]
    for creator in data.get("creators") or []:
        if creator.get("creatorType") not in creator_types:
            problems.append(
                f"creatorType {creator.get('creatorType')!r} is not valid for {item_type}")
        if "name" in creator and ("firstName" in creator or "lastName" in creator):
            problems.append("a creator has both name and firstName/lastName")
    return problems


# ------------------------------------------------------------------------------ helpers


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
