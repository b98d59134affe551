"""A `.bib` entry as the Zotero item Zotero's own BibTeX import (`BibTeX.js`) makes from it.

Read from BibTeX.js in zotero/translators and checked against its test cases
(tests/test_translator_cases.py). What it does, and so what we do:

* Entry types map as BibTeX.js maps them (`@manual` and `@booklet` are books, `@misc` a
  document, `@patent` a patent, `@online`/`@electronic` a web page, biblatex's `@software`,
  `@movie`, `@legislation`... their types). An entry type it does not know, BibTeX.js drops;
  we make a document and keep the type in a `tex.entrytype` line.
* Text is Unicode with Zotero's rich-text tags: `\\textit{..}` is `<i>..</i>`, `DNA$_2$` is
  `DNA₂` (bridge.latex.latex_to_rich_text). Page ranges keep their dash as TeX prints it
  (`1--3` is `1–3`).
* Fields go to their Zotero field through the type's base fields (a thesis's `school` is its
  `university`, an @inproceedings' `booktitle` its `proceedingsTitle`). The special cases:
  `subtitle` joins the title after a colon; `journal` + `fjournal` give the full title and
  the abbreviation; `institution`/`organization` are the publisher when there is none;
  `location` is the place, but on @inproceedings it is where the conference was (an
  `event-place:` line), `address` being the publisher's place; `number` is the report,
  series or patent number, or else the issue; `howpublished` is the url when it is one,
  else a `Published:` line; `urldate`/`lastchecked` the access date; theses get
  `PhD Thesis` / `Master's Thesis` as their type.
* Identifiers Zotero has no field for are `extra` lines in Zotero's spelling: `lccn`,
  `mrnumber`, `zmnumber`, `pmid`, `pmcid` (`LCCN:`, `MR:`, `Zbl:`, `PMID:`, `PMCID:`), and an
  `eprint` by its `eprinttype` (`arXiv:`, `JSTOR:`, `PMID:`, `HDL:`, `GoogleBooksID:`). A note
  that is such a line (`note = {PMID: 123}`) joins them; any other `note`, `annote`,
  `comment`, `review` is a child note. `keywords` are tags; `file` (JabRef, Mendeley, Zotero,
  Citavi spellings) are links to the files, as child attachments.
* Where we differ, on purpose: nothing is dropped. A field BibTeX.js has no place for (or
  whose Zotero field the item type lacks) is kept as a `tex.<field>: <value>` line in
  `extra`, Better BibTeX's syntax, which BBT and our pull write back verbatim. Names are
  split by BibTeX's own rules (bridge.names), which know particles and braced
  institutions: `{American Heart Association}` is one `name`, `van den Oord` a last name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..latex import latex_to_rich_text, latex_to_unicode
from ..model import Author, Reference
from ..names import split_bibtex_names

__all__ = ["ITEM_TYPES", "BibConversion", "convert_entry", "valid_fields"]

# Zotero schema 41 (shared/zotero-schema.json), the types a .bib entry can become: each
# type's fields (`base=own` where the type renames a base field: a thesis's `publisher` is
# its `university`), then its creator types.
_SCHEMA: dict[str, tuple[str, str]] = {
    "artwork": (
        "title abstractNote medium=artworkMedium artworkSize date eventPlace DOI "
        "citationKey url accessDate archive archiveLocation shortTitle language "
        "libraryCatalog callNumber rights extra",
        "artist contributor"),
    "audioRecording": (
        "title abstractNote medium=audioRecordingFormat seriesTitle volume numberOfVolumes "
        "publisher=label place date runningTime ISBN DOI citationKey url accessDate archive "
        "archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "performer originalCreator composer wordsBy translator contributor"),
    "bill": (
        "title abstractNote number=billNumber code volume=codeVolume section "
        "pages=codePages authority=legislativeBody session history date DOI citationKey url "
        "accessDate shortTitle language rights extra",
        "sponsor cosponsor contributor"),
    "book": (
        "title abstractNote series seriesNumber volume numberOfVolumes edition date "
        "publisher place originalDate originalPublisher originalPlace medium=format "
        "numPages ISBN DOI citationKey url accessDate ISSN archive archiveLocation "
        "shortTitle language libraryCatalog callNumber rights extra",
        "author contributor editor translator seriesEditor"),
    "bookSection": (
        "title abstractNote publicationTitle=bookTitle series seriesNumber volume "
        "numberOfVolumes edition date publisher place originalDate originalPublisher "
        "originalPlace medium=format pages ISBN DOI citationKey url accessDate ISSN archive "
        "archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "author contributor editor bookAuthor translator seriesEditor"),
    "case": (
        "title=caseName abstractNote authority=court date=dateDecided number=docketNumber "
        "reporter volume=reporterVolume pages=firstPage history DOI citationKey url "
        "accessDate shortTitle language rights extra",
        "author counsel contributor"),
    "computerProgram": (
        "title abstractNote seriesTitle versionNumber date system publisher=company place "
        "programmingLanguage rights citationKey url accessDate DOI ISBN archive "
        "archiveLocation libraryCatalog callNumber shortTitle extra",
        "programmer contributor"),
    "conferencePaper": (
        "title abstractNote publicationTitle=proceedingsTitle conferenceName publisher "
        "place date eventPlace volume issue numberOfVolumes pages series seriesNumber DOI "
        "ISBN citationKey url accessDate ISSN archive archiveLocation shortTitle language "
        "libraryCatalog callNumber rights extra",
        "author contributor editor translator seriesEditor"),
    "dataset": (
        "title abstractNote number=identifier type versionNumber date publisher=repository "
        "place=repositoryLocation medium=format DOI citationKey url accessDate archive "
        "archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "author contributor"),
    "document": (
        "title abstractNote type date publisher place DOI citationKey url accessDate "
        "archive archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "author contributor editor translator reviewedAuthor"),
    "encyclopediaArticle": (
        "title abstractNote publicationTitle=encyclopediaTitle series seriesNumber volume "
        "numberOfVolumes edition date publisher place pages ISBN DOI citationKey url "
        "accessDate archive archiveLocation shortTitle language libraryCatalog callNumber "
        "rights extra",
        "author contributor editor translator seriesEditor"),
    "film": (
        "title abstractNote publisher=distributor place date type=genre "
        "medium=videoRecordingFormat runningTime DOI citationKey url accessDate archive "
        "archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "director producer scriptwriter castMember host guest narrator translator contributor"),
    "journalArticle": (
        "title abstractNote publicationTitle publisher place date volume issue section "
        "partNumber partTitle pages series seriesTitle seriesText journalAbbreviation DOI "
        "citationKey url accessDate PMID PMCID ISSN archive archiveLocation shortTitle "
        "language libraryCatalog callNumber rights extra",
        "author contributor editor translator reviewedAuthor"),
    "letter": (
        "title abstractNote type=letterType date eventPlace DOI citationKey url accessDate "
        "archive archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "author recipient contributor translator"),
    "manuscript": (
        "title abstractNote type=manuscriptType publisher=institution place date numPages "
        "number DOI citationKey url accessDate archive archiveLocation shortTitle language "
        "libraryCatalog callNumber rights extra",
        "author contributor translator"),
    "patent": (
        "title abstractNote place country assignee authority=issuingAuthority "
        "number=patentNumber filingDate pages applicationNumber priorityNumbers "
        "date=issueDate originalDate=priorityDate references status=legalStatus DOI "
        "citationKey url accessDate shortTitle language rights extra",
        "inventor attorneyAgent contributor"),
    "preprint": (
        "title abstractNote type=genre publisher=repository number=archiveID place date "
        "series seriesNumber DOI citationKey url accessDate archive archiveLocation "
        "shortTitle language libraryCatalog callNumber rights extra",
        "author contributor editor translator reviewedAuthor"),
    "report": (
        "title abstractNote number=reportNumber type=reportType publisher=institution place "
        "date seriesTitle seriesNumber pages DOI ISBN citationKey url accessDate ISSN "
        "archive archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "author editor contributor translator seriesEditor"),
    "thesis": (
        "title abstractNote type=thesisType publisher=university place date series "
        "seriesNumber numPages DOI ISBN citationKey url accessDate ISSN archive "
        "archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "author contributor"),
    "videoRecording": (
        "title abstractNote medium=videoRecordingFormat seriesTitle volume numberOfVolumes "
        "publisher=studio place date runningTime ISBN DOI citationKey url accessDate "
        "archive archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "creator director producer scriptwriter executiveProducer castMember host guest "
        "narrator translator contributor"),
    "webpage": (
        "title abstractNote publicationTitle=websiteTitle type=websiteType date publisher "
        "place DOI citationKey url accessDate shortTitle language rights extra",
        "author contributor translator"),
}


def _parse_schema() -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    parsed = {}
    for item_type, (fields, creators) in _SCHEMA.items():
        by_base: dict[str, str] = {}
        for word in fields.split():
            base, _, own = word.partition("=")
            by_base[base] = own or base
            by_base[own or base] = own or base
        parsed[item_type] = (by_base, tuple(creators.split()))
    return parsed


# item type -> ({base or own field name: the type's own name}, creator types, primary first)
_TYPES = _parse_schema()


def valid_fields(item_type: str) -> frozenset[str]:
    """The fields of an item type (its own names)."""
    return frozenset(_TYPES[item_type][0].values()) if item_type in _TYPES else frozenset()


# BibTeX.js's entry type -> item type, plus `www`/`dataset`, which it drops.
ITEM_TYPES = {
    "article": "journalArticle", "book": "book", "booklet": "book", "manual": "book",
    "proceedings": "book", "collection": "book", "mvbook": "book",
    "inbook": "bookSection", "incollection": "bookSection",
    "inproceedings": "conferencePaper", "conference": "conferencePaper",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "patent": "patent",
    "unpublished": "manuscript", "misc": "document", "online": "webpage",
    "electronic": "webpage", "www": "webpage", "letter": "letter", "movie": "film",
    "artwork": "artwork", "legislation": "bill", "jurisdiction": "case",
    "audio": "audioRecording", "video": "videoRecording", "software": "computerProgram",
    "inreference": "encyclopediaArticle", "dataset": "dataset",
}
THESIS_TYPE = {"phdthesis": "PhD Thesis", "mastersthesis": "Master's Thesis"}

# BibTeX field -> Zotero base field (BibTeX.js's fieldMap and inputFieldMap, and biblatex's
# `langid`, which BBT reads as the language).
_FIELD_MAP = {
    "address": "place", "chapter": "section", "edition": "edition", "type": "type",
    "series": "series", "volume": "volume", "copyright": "rights", "isbn": "ISBN",
    "issn": "ISSN", "shorttitle": "shortTitle", "nationality": "country",
    "language": "language", "langid": "language", "assignee": "assignee",
    "booktitle": "publicationTitle", "school": "publisher", "publisher": "publisher",
    "issue": "issue", "journaltitle": "publicationTitle", "shortjournal": "journalAbbreviation",
    "eventtitle": "conferenceName", "pagetotal": "numPages", "version": "versionNumber",
    "abstract": "abstractNote", "doi": "DOI",
}
_BIB_OF_BASE = {base: bib for bib, base in reversed(_FIELD_MAP.items())}


def bib_name(item_type: str, field_name: str) -> str | None:
    """The BibTeX field this import fills a Zotero field from, if one does.

    >>> bib_name("journalArticle", "section"), bib_name("thesis", "university")
    ('chapter', 'school')
    """
    own_names = _TYPES.get(item_type, ({}, ()))[0]
    bases = [base for base, own in own_names.items() if own == field_name and base != own]
    for base in [field_name, *bases]:
        if base in _BIB_OF_BASE:
            return _BIB_OF_BASE[base]
    return None


# Identifiers kept as `extra` lines, in Zotero's spelling.
_EXTRA_IDS = {"lccn": "LCCN", "mrnumber": "MR", "zmnumber": "Zbl", "pmid": "PMID",
              "pmcid": "PMCID"}
_EPRINT_LABELS = {"arxiv": "arXiv", "jstor": "JSTOR", "pubmed": "PMID", "hdl": "HDL",
                  "googlebooks": "GoogleBooksID"}
_NOTE_FIELDS = frozenset({"note", "annote", "comment", "review", "notes"})
# What a `Reference` already says, or what a reader left behind about it.
_MODELLED = frozenset({"title", "author", "editor", "year", "month", "date", "abstract", "url",
                       "doi", "archiveprefix", "primaryclass", "eprintclass"})
_KEYWORD_SPLIT = re.compile(r"\s*[,;]\s*")


@dataclass
class BibConversion:
    """The item for an entry, and the child notes and attachments that go with it."""

    item: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    """Each note's HTML, as Zotero stores notes."""
    attachments: list[dict[str, str]] = field(default_factory=list)
    """Linked files: `title`, `path`, `contentType`."""
    tags: list[str] = field(default_factory=list)
    automatic_tags: list[str] = field(default_factory=list)
    """Tags a translator makes itself (an arXiv paper's categories), which Zotero marks
    automatic (`type` 1); a .bib's keywords are the user's own."""


def convert_entry(ref: Reference, item_type: str | None = None) -> BibConversion:
    """The Zotero item (without key, tags or collections) BibTeX.js makes of a .bib entry.

    `item_type` overrides the type the entry type gives (an arXiv preprint's other fields
    are converted as a `preprint`'s).

    >>> ref = Reference(key="k", entry_type="inproceedings", title="T", date="2007",
    ...     fields={"booktitle": "Proc. {KDD}", "location": "San Jose", "address": "New York",
    ...             "pages": "330--339", "keywords": "mining, trajectories"})
    >>> out = convert_entry(ref)
    >>> out.item["proceedingsTitle"], out.item["place"], out.item["pages"], out.item["extra"]
    ('Proc. KDD', 'New York', '330–339', 'event-place: San Jose')
    >>> out.tags
    ['mining', 'trajectories']
    """
    entry_type = (ref.entry_type or "misc").lower()
    item_type = item_type or ITEM_TYPES.get(entry_type, "document")
    own_names, creator_types = _TYPES[item_type]
    item: dict[str, Any] = {"itemType": item_type}
    conversion = BibConversion(item)
    extra_ids: list[str] = []  # Zotero's own `Label: value` lines
    tex_lines: list[str] = []  # ours: fields Zotero has no place for
    values = {name.lower(): value for name, value in ref.fields.items() if value.strip()}

    def put(base: str, value: str, bib_name: str) -> None:
        own = own_names.get(base)
        if own is not None and item.get(own, value) == value:
            item[own] = value
        else:  # no such field, or another BibTeX field already filled it
            tex_lines.append(f"tex.{bib_name}: {_one_line(values.get(bib_name, value))}")

    item["title"] = _title(ref, values)
    item["creators"] = _creators(ref, values, creator_types)
    if ref.abstract:
        item["abstractNote"] = ref.abstract
    date = _date(ref, values)
    if date:
        put("date", date, "date")
    if ref.doi:
        if "DOI" in own_names:
            item["DOI"] = ref.doi
        else:
            extra_ids.append(f"DOI: {ref.doi}")
    if ref.url:
        item["url"] = ref.url
    if entry_type in THESIS_TYPE and "type" not in values:
        item["thesisType"] = THESIS_TYPE[entry_type]
    if entry_type not in ITEM_TYPES and entry_type != "misc":
        tex_lines.append(f"tex.entrytype: {entry_type}")

    eprint = values.get("eprint")
    type_name = "eprinttype" if "eprinttype" in values else "archiveprefix"
    eprinttype = values.get(type_name)
    for name, raw in values.items():
        if name in _MODELLED or name in ("day", "subtitle", "institution", "organization",
                                         "fjournal", "eprint", "eprinttype", "translator"):
            continue
        text = _one_line(latex_to_rich_text(raw))
        if name == "journal":
            put("publicationTitle", _text(values.get("fjournal", raw)), name)
            if "fjournal" in values:
                put("journalAbbreviation", text, name)
        elif name == "location":
            if item_type == "conferencePaper":
                extra_ids.append(f"event-place: {text}")
            elif "address" not in values:
                put("place", text, name)
            else:  # the publisher's place is `address`; where else it was, ours to keep
                tex_lines.append(f"tex.location: {_one_line(raw)}")
        elif name == "number":
            base = {"report": "number", "book": "seriesNumber", "bookSection": "seriesNumber",
                    "patent": "number"}.get(item_type, "issue")
            put(base, text, name)
        elif name == "pages":
            put("numPages" if item_type in ("book", "thesis", "manuscript") else "pages",
                text, name)
        elif name in _NOTE_FIELDS:
            plain = _one_line(latex_to_unicode(raw))
            if name == "note" and any(plain.startswith(label) for label in _EXTRA_IDS.values()):
                extra_ids.append(plain)
            else:
                conversion.notes.append(_note_html(raw))
        elif name == "howpublished":
            plain = _one_line(latex_to_unicode(raw))
            if plain.startswith(("http://", "https://", "mailto:")):
                if "url" not in item:
                    item["url"] = plain
            else:
                extra_ids.append(f"Published: {plain}")
        elif name in ("urldate", "lastchecked"):
            put("accessDate", _one_line(raw), name)
        elif name in ("keywords", "keyword"):
            conversion.tags += [t for t in _KEYWORD_SPLIT.split(_text(raw)) if t]
        elif name == "file":
            links = _file_links(raw)
            conversion.attachments += links
            if not links:
                tex_lines.append(f"tex.file: {_one_line(raw)}")
        elif name in ("pdf", "path"):
            conversion.attachments.append(
                {"title": "Attachment", "path": raw.strip(), "contentType": "application/pdf"})
        elif name in _EXTRA_IDS:
            extra_ids.append(f"{_EXTRA_IDS[name]}: {_text(raw)}")
        elif name in _FIELD_MAP:
            put(_FIELD_MAP[name], text, name)
        else:
            tex_lines.append(f"tex.{name}: {_one_line(raw)}")

    # What the reader could not read as the date stays with it (`year = {in press}` is the
    # date itself, as BibTeX.js takes it; `date = {forthcoming}`, `month = {Spring}` are kept).
    if "date" in values:
        tex_lines.append(f"tex.date: {_one_line(values['date'])}")
    if "month" in values and len(ref.date or "") < 7:
        tex_lines.append(f"tex.month: {_one_line(values['month'])}")
    if eprinttype and not eprint:
        tex_lines.append(f"tex.{type_name}: {_one_line(eprinttype)}")
    if ref.categories and not ref.arxiv_id:
        # The reader takes eprintclass/primaryClass for arXiv's; another archive's class
        # (ESSOAr's "Oceanography") has no Zotero field.
        name = "eprintclass" if eprinttype else "primaryclass"
        tex_lines.append(f"tex.{name}: {', '.join(ref.categories)}")
    if eprint:
        label = _EPRINT_LABELS.get(_text(eprinttype or "").lower())
        if label and not (label == "arXiv" and ref.arxiv_id):
            extra_ids.append(f"{label}: {_text(eprint)}")
        elif not (label == "arXiv" and ref.arxiv_id):
            # Zotero drops an eprint it has no label for; we keep it for BBT and our pull.
            tex_lines.append(f"tex.eprint: {_one_line(eprint)}")
            if eprinttype:
                tex_lines.append(f"tex.{type_name}: {_one_line(eprinttype)}")
    if "fjournal" in values and "journal" not in values:
        put("publicationTitle", _text(values["fjournal"]), "fjournal")
    # `institution`/`organization` are the publisher when there is none (BibTeX.js).
    backups = [name for name in ("institution", "organization") if name in values]
    if backups and "publisher" not in values:
        put("publisher", _text(values[backups[0]]), backups[0])
        backups = backups[1:]
    for name in backups:
        tex_lines.append(f"tex.{name}: {_one_line(values[name])}")

    extra = extra_ids + tex_lines
    if extra:
        item["extra"] = "\n".join(extra)
    return conversion


def _text(raw: str) -> str:
    return _one_line(latex_to_rich_text(raw))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _title(ref: Reference, values: Mapping[str, str]) -> str:
    # The reader keeps the TeX of a title whose markup Unicode cannot hold (`title` in
    # `fields`); otherwise the title is already Unicode.
    title = _text(_unbraced(values["title"])) if "title" in values else (ref.title or "")
    subtitle = values.get("subtitle")
    if subtitle:
        sub = _text(subtitle)
        title = title.strip()
        joiner = " " if re.search(r"[-–—:!?.;]$", title) or re.match(r"^[-–—:.;¡¿]", sub) \
            else ": "
        title = f"{title}{joiner}{sub}" if title else sub
    return title


def _unbraced(raw: str) -> str:
    """A value without the braces around all of it (`{{Title}}` protects its case)."""
    text = raw.strip()
    while len(text) > 1 and text[0] == "{" and text[-1] == "}" and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"\\.", "", text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _date(ref: Reference, values: Mapping[str, str]) -> str | None:
    if ref.date:
        day = _one_line(values.get("day", ""))
        if len(ref.date) == 7 and day.isdigit() and 1 <= int(day) <= 31:
            return f"{ref.date}-{int(day):02d}"
        return ref.date
    year = values.get("year")
    return _one_line(latex_to_unicode(year)) if year else None


def _creators(ref: Reference, values: Mapping[str, str],
              creator_types: tuple[str, ...]) -> list[dict[str, str]]:
    primary = creator_types[0]

    def kind(wanted: str) -> str:
        return wanted if wanted in creator_types else "contributor"

    people = [_creator(a, primary) for a in ref.authors]
    people += [_creator(a, kind("editor")) for a in ref.editors]
    if "translator" in values:
        people += [_creator(a, kind("translator"))
                   for a in split_bibtex_names(values["translator"])]
    return people


def _creator(author: Author, creator_type: str) -> dict[str, str]:
    if author.is_institution:
        return {"creatorType": creator_type, "name": author.last}
    first = f"{author.first}, {author.jr}" if author.jr else author.first
    if not first and " " not in author.family:
        # A single word ("Aristotle"), as BibTeX.js keeps it: one-field mode.
        return {"creatorType": creator_type, "name": author.family}
    return {"creatorType": creator_type, "firstName": first, "lastName": author.family}


def _note_html(raw: str) -> str:
    """A note field as Zotero's note HTML (BibTeX.js uses Zotero's text2html)."""
    text = latex_to_unicode(raw).strip()
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join("<p>" + html.escape(_one_line(p), quote=False) + "</p>"
                   for p in paragraphs)


def _file_links(raw: str) -> list[dict[str, str]]:
    """The files of a `file` field: `title:path:type` records separated by `;`.

    Mendeley writes `$\\backslash$` for `\\` and `\\~{}` for `~`; Zotero and JabRef escape
    `\\ : ;` with a backslash. Records that are neither one part (a path) nor three are
    skipped, as BibTeX.js skips them.

    >>> _file_links(r"Test1:files/47/a.pdf:application/pdf;Test2:E\\:\\\\b\\\\c.pdf:pdf")
    [{'title': 'Test1', 'path': 'files/47/a.pdf', 'contentType': 'application/pdf'}, \
{'title': 'Test2', 'path': 'E:\\\\b\\\\c.pdf', 'contentType': 'application/pdf'}]
    """
    text = raw.replace("$\\backslash$", "\\")
    text = re.sub(r"([^\\](?:\\\\)*)\\(.)\{\}", r"\1\2", text)
    links = []
    for record in _split_unescaped(text, ";"):
        parts = [re.sub(r"\\([^A-Za-z0-9.])", r"\1", p) for p in _split_unescaped(record, ":")]
        if len(parts) == 3:
            title, path, mime = parts[0].strip() or "Attachment", parts[1], parts[2]
            if "pdf" in mime.lower():
                mime = "application/pdf"
        elif len(parts) == 1:
            title, path, mime = "Attachment", parts[0], ""
        else:
            continue
        path = path.strip()
        if path:
            links.append({"title": title, "path": path, "contentType": mime})
    return links


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == separator:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts
