"""Published versions, the pure parts: verification, reading the services' answers,
upgrading an entry, the enrich edits, and the Zotero item. No files, no sockets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.bibfile import BibDocument
from bridge.config import load_settings
from bridge.errors import ConfigError
from bridge.model import Author, Reference
from bridge.published.edits import published_changes, restructure, stale_fields
from bridge.published.find import upgrade
from bridge.published.sources import crossref_reference, dblp_reference, s2_record
from bridge.published.verify import verify_published
from bridge.published.zotero import published_item
from bridge.writers.bibtex import render_entry
from bridge.zotero.items import invalid_fields
from tests.paths import SCHEMA


def _people(*names: str) -> list[Author]:
    authors = []
    for name in names:
        first, _, last = name.rpartition(" ")
        authors.append(Author(last, first))
    return authors


SYCOPHANCY = Reference(
    arxiv_id="2310.13548", title="Towards Understanding Sycophancy in Language Models",
    authors=_people("Mrinank Sharma", "Meg Tong", "Tomasz Korbak"),
    arxiv_published="2023-10-20", date="2023-10-20", primary_category="cs.CL")


def _candidate(title: str = SYCOPHANCY.title or "", authors: list[Author] | None = None,
               year: str = "2024") -> Reference:
    return Reference(title=title, authors=SYCOPHANCY.authors if authors is None else authors,
                     date=year, entry_type="inproceedings", fields={"booktitle": "ICLR"})


# ------------------------------------------------------------------------ verification


@pytest.mark.parametrize(("candidate", "accepted", "reason"), [
    (_candidate(), True, "identical title, 3/3 authors, 2024 >= 2023"),
    # Case, punctuation and hyphenation cost nothing after folding.
    (_candidate("Towards understanding sycophancy in language-models."), True,
     "identical title, 3/3 authors, 2024 >= 2023"),
    # The same year as the preprint is fine (published within the year).
    (_candidate(year="2023"), True, "identical title, 3/3 authors, 2023 >= 2023"),
    # A subtitle gained on the way to publication, and one dropped.
    (_candidate("Towards Understanding Sycophancy in Language Models: An Empirical Study"),
     True, "title gained a subtitle, 3/3 authors, 2024 >= 2023"),
    (_candidate("Towards Understanding Sycophancy in Language Models? Evidence from RLHF"),
     True, "title gained a subtitle, 3/3 authors, 2024 >= 2023"),
    # Authors added in review: 3 of 5 is 60%.
    (_candidate(authors=_people("Mrinank Sharma", "Meg Tong", "Tomasz Korbak", "Ada Lovelace",
                                "Alan Turing")), True,
     "identical title, 3/5 authors, 2024 >= 2023"),
    # Decoys: same title, other people; 2 of 5 in common is not enough.
    (_candidate(authors=_people("Wei Zhang", "Na Li", "Hiroshi Tanaka")), False,
     "only 0/3 authors in common (< 50%)"),
    (_candidate(authors=_people("Mrinank Sharma", "Meg Tong", "Wei Zhang", "Na Li",
                                "Hiroshi Tanaka")), False,
     "only 2/5 authors in common (< 50%)"),
    # Same surname, other first initial: not the same person.
    (_candidate(authors=_people("X. Sharma", "Y. Tong", "Z. Korbak")), False,
     "only 0/3 authors in common (< 50%)"),
    # Decoy: "published" the year before the preprint.
    (_candidate(year="2022"), False, "published 2022, before the preprint (2023)"),
    # Another paper that shares the first words.
    (_candidate("Towards Understanding Sycophancy in Vision Transformers for Medical "
                "Imaging"), False, "title similarity 65.1 < 90"),
    (_candidate("Towards Not Understanding Sycophancy in Language Models"), False,
     "titles differ in a negation (not)"),
    (_candidate(year=""), False, "the candidate has no publication year"),
])
def test_verification(candidate: Reference, accepted: bool, reason: str):
    evidence = verify_published(SYCOPHANCY, candidate)
    assert (evidence.accepted, evidence.reason) == (accepted, reason)


def test_evidence_score_is_the_weakest_check():
    evidence = verify_published(SYCOPHANCY, _candidate(
        "Towards understanding sycophancy in language model",
        authors=_people("Mrinank Sharma", "Meg Tong", "Tomasz Korbak", "Ada Lovelace")))
    assert evidence.accepted
    assert (evidence.title_score, evidence.authors_matched, evidence.authors_total,
            evidence.score) == (99.0, 3, 4, 75.0)


# ------------------------------------------------------------------------ answers


def test_crossref_recorded_work_is_read():
    # The recorded answer for /works/10.1002/pssc.201200953 (shvgn/refformatter), its fields
    # as recorded: the title with its stray spaces, published-print of 2013-03, no issued
    # day, page range with a hyphen.
    message = {
        "publisher": "Wiley-Blackwell", "issue": "3", "DOI": "10.1002/pssc.201200953",
        "type": "journal-article", "page": "319-322", "volume": "10", "source": "CrossRef",
        "short-container-title": ["Phys. Status Solidi C"],
        "published-print": {"date-parts": [[2013, 3]]},
        "title": [" The quantum-confined Stark effect and localization of charge carriers in "
                  "Al x Ga 1-x N/Al y Ga 1-y N quantum wells with different morphologies "],
        "author": [{"given": "E. A.", "family": "Shevchenko", "affiliation": []},
                   {"given": "V. N.", "family": "Jmerik", "affiliation": []}],
    }
    ref = crossref_reference(message)
    assert ref.entry_type == "article"
    assert ref.title == ("The quantum-confined Stark effect and localization of charge "
                         "carriers in Al x Ga 1-x N/Al y Ga 1-y N quantum wells with different "
                         "morphologies")
    assert ref.authors == [Author("Shevchenko", "E. A."), Author("Jmerik", "V. N.")]
    assert (ref.date, ref.doi) == ("2013-03", "10.1002/pssc.201200953")
    assert ref.fields == {"volume": "10", "number": "3", "pages": "319--322"}


@pytest.mark.parametrize(("kind", "entry_type", "fields"), [
    ("proceedings-article", "inproceedings",
     {"booktitle": "Proc. ICS \\& Más", "pages": "1--13", "publisher": "ACM"}),
    ("book-chapter", "incollection",
     {"booktitle": "Proc. ICS \\& Más", "pages": "1--13", "publisher": "ACM"}),
    ("journal-article", "article",
     {"journal": "Proc. ICS \\& Más", "volume": "9", "pages": "1--13"}),
    # A preprint server's DOI: not a published version, whatever else it says.
    ("posted-content", None,
     {"booktitle": "Proc. ICS \\& Más", "pages": "1--13", "publisher": "ACM"}),
])
def test_crossref_types(kind: str, entry_type: str | None, fields: dict[str, str]):
    ref = crossref_reference({"type": kind, "DOI": "10.1/x", "title": ["<i>T</i> &amp; U"],
                              "subtitle": ["A Study"], "container-title": ["Proc. ICS & Más"],
                              "page": "1-13", "publisher": "ACM", "volume": "9",
                              "issued": {"date-parts": [[2022, 6, 28]]}})
    assert (ref.entry_type, ref.title, ref.date) == (entry_type, "T & U: A Study",
                                                     "2022-06-28")
    assert ref.fields == {k: v.replace("Más", "M{\\'a}s") for k, v in fields.items()}


def test_s2_recorded_batch_slots():
    # danielnsilva/semanticscholar tests/data/test_get_papers_return_not_found.yaml: the
    # answer's first slot is null, the second a paper with a DOI and no DBLP key.
    answer = json.loads('[null, {"paperId": "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce", '
                        '"externalIds": {"MAG": "2096684396", "DOI": "10.2139/ssrn.288970", '
                        '"CorpusId": 470667}, "publicationVenue": null, "venue": "", '
                        '"year": 2001, "title": "How Much Should We Trust '
                        'Differences-in-Differences Estimates?"}]')
    assert answer[0] is None
    record = s2_record("x", answer[1])
    assert (record.doi, record.dblp_key, record.venue, record.year) == (
        "10.2139/ssrn.288970", None, "", 2001)
    # The DOI arXiv registers names the preprint: never followed.
    assert s2_record("2302.07459", {"externalIds": {"DOI": "10.48550/arXiv.2302.07459"}}
                     ).doi is None


# openreview/dblp-rdf-service src/docs/data-examples.md: DBLP's standard BibTeX.
DBLP_ACL = """@inproceedings{DBLP:conf/acl/ChangSRM23,
  author       = {Haw{-}Shiuan Chang and
                  Ruei{-}Yao Sun and
                  Kathryn Ricci and
                  Andrew McCallum},
  editor       = {Anna Rogers and
                  Jordan L. Boyd{-}Graber and
                  Naoaki Okazaki},
  title        = {Multi-CLS {BERT:} An Efficient Alternative to Traditional Ensembling},
  booktitle    = {Proceedings of the 61st Annual Meeting of the Association for Computational
                  Linguistics (Volume 1: Long Papers), {ACL} 2023, Toronto, Canada,
                  July 9-14, 2023},
  pages        = {821--854},
  publisher    = {Association for Computational Linguistics},
  year         = {2023},
  url          = {https://doi.org/10.18653/v1/2023.acl-long.48},
  doi          = {10.18653/v1/2023.acl-long.48},
  timestamp    = {Thu, 10 Aug 2023 12:35:53 +0200},
  biburl       = {https://dblp.org/rec/conf/acl/ChangSRM23.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}
"""


def test_dblp_recorded_record_is_read():
    ref = dblp_reference(DBLP_ACL, "conf/acl/ChangSRM23")
    assert ref is not None
    assert ref.entry_type == "inproceedings"
    assert ref.title == "Multi-CLS BERT: An Efficient Alternative to Traditional Ensembling"
    assert [a.display() for a in ref.authors] == [
        "Haw-Shiuan Chang", "Ruei-Yao Sun", "Kathryn Ricci", "Andrew McCallum"]
    assert (ref.date, ref.doi) == ("2023", "10.18653/v1/2023.acl-long.48")
    assert ref.fields["pages"] == "821--854"
    assert ref.fields["publisher"] == "Association for Computational Linguistics"
    assert ref.fields["booktitle"].startswith("Proceedings of the 61st Annual Meeting")


def test_dblp_corr_copy_is_never_a_published_version():
    corr = ("@article{DBLP:journals/corr/abs-2107-03374,\n  author = {Mark Chen},\n"
            "  title = {Evaluating Large Language Models Trained on Code},\n"
            "  journal = {CoRR},\n  volume = {abs/2107.03374},\n  year = {2021},\n"
            "  eprinttype = {arXiv},\n  eprint = {2107.03374},\n}\n")
    ref = dblp_reference(corr, "journals/corr/abs-2107-03374")
    assert ref is not None and ref.entry_type is None


# ------------------------------------------------------------------------ upgrading


MARKOPOULOS = Reference(
    arxiv_id="1610.01959", key="markopoulos2016efficient",
    title="Efficient L1-Norm Principal-Component Analysis via Bit Flipping",
    authors=_people("Panos P. Markopoulos", "Sandipan Kundu"), date="2016-10-06",
    arxiv_published="2016-10-06", primary_category="cs.DS", entry_type="misc",
    url="https://arxiv.org/abs/1610.01959")
TSP = Reference(entry_type="article", doi="10.1109/TSP.2017.2708023", date="2017-08-15",
                title="Efficient L1-Norm Principal-Component Analysis via Bit Flipping",
                fields={"journal": "IEEE Transactions on Signal Processing", "volume": "65",
                        "number": "16", "pages": "4252--4264"})


def test_upgraded_entry_is_the_journal_article_keeping_eprint_and_key():
    assert render_entry(upgrade(MARKOPOULOS, TSP)) == """\
@article{markopoulos2016efficient,
  title = {Efficient {L1}-Norm Principal-Component Analysis via Bit Flipping},
  author = {Markopoulos, Panos P. and Kundu, Sandipan},
  year = {2017},
  eprint = {1610.01959},
  archivePrefix = {arXiv},
  primaryClass = {cs.DS},
  doi = {10.1109/TSP.2017.2708023},
  url = {https://arxiv.org/abs/1610.01959},
  journal = {IEEE Transactions on Signal Processing},
  volume = {65},
  number = {16},
  pages = {4252--4264},
}
"""


def test_upgraded_conference_paper_in_biblatex():
    iclr = Reference(entry_type="inproceedings", date="2024", fields={
        "booktitle": "The Twelfth International Conference on Learning Representations",
        "publisher": "OpenReview.net"})
    text = render_entry(upgrade(SYCOPHANCY.copy(key="sharma2023towards"), iclr), "biblatex")
    assert text.splitlines()[0] == "@inproceedings{sharma2023towards,"
    assert "  date = {2024},\n  eprint = {2310.13548},\n  eprinttype = {arxiv},\n" in text
    assert "  booktitle = {The Twelfth International Conference on Learning Representations}," \
        in text
    assert "  publisher = {OpenReview.net},\n}" in text


def test_upgrade_drops_fields_that_only_restated_the_arxiv_id():
    pre = MARKOPOULOS.copy(entry_type="article",
                           fields={"journal": "arXiv preprint arXiv:1610.01959",
                                   "note": "under review"})
    up = upgrade(pre, TSP)
    assert up.fields["journal"] == "IEEE Transactions on Signal Processing"
    assert up.fields["note"] == "under review"
    assert stale_fields(pre, up) == []
    conference = upgrade(pre, Reference(entry_type="inproceedings", date="2017",
                                        fields={"booktitle": "B"}))
    assert "journal" not in conference.fields
    assert stale_fields(pre, conference) == ["journal"]


def test_enrich_edits_keep_the_entrys_style():
    text = ("% my library\n@Article{Sharma2023,\n    Title   = {Towards Understanding "
            "Sycophancy in Language Models},\n    Journal = {arXiv preprint arXiv:2310.13548},"
            "\n    Year    = {2023}\n}\n")
    changed = restructure(BibDocument.parse(text, "x.bib"), {0: "inproceedings"},
                          {0: ["journal"]})
    assert changed == ("% my library\n@InProceedings{Sharma2023,\n    Title   = {Towards "
                       "Understanding Sycophancy in Language Models},\n    Year    = {2023}\n}\n")
    assert restructure(BibDocument.parse("@misc{a,\n  title = {T},\n}\n", "y.bib"),
                       {0: "article"}, {}) == (
        "@article{a,\n  title = {T},\n}\n")
    up = upgrade(MARKOPOULOS, TSP)
    assert published_changes(up, {"year": "2016", "doi": "10.48550/arXiv.1610.01959"},
                             "bibtex") == {
        "year": "2017", "doi": "10.1109/TSP.2017.2708023",
        "journal": "IEEE Transactions on Signal Processing", "volume": "65", "number": "16",
        "pages": "4252--4264"}


# ------------------------------------------------------------------------ Zotero


def test_zotero_item_is_what_the_arxiv_translator_makes():
    # arXiv.org.js parseSingleEntry: the preprint's title, creators and extra, the DOI
    # item's type, volume, issue, pages, date and publicationTitle; url the abs page.
    item = published_item(upgrade(MARKOPOULOS, TSP))
    assert {k: item[k] for k in ("itemType", "title", "publicationTitle", "volume", "issue",
                                  "pages", "date", "DOI", "url", "extra", "libraryCatalog")} \
        == {"itemType": "journalArticle",
            "title": "Efficient L1-Norm Principal-Component Analysis via Bit Flipping",
            "publicationTitle": "IEEE Transactions on Signal Processing", "volume": "65",
            "issue": "16", "pages": "4252-4264", "date": "2017-08-15",
            "DOI": "10.1109/TSP.2017.2708023", "url": "http://arxiv.org/abs/1610.01959",
            "extra": "arXiv:1610.01959 [cs.DS]", "libraryCatalog": "arXiv.org"}
    assert "archiveID" not in item and "repository" not in item
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert invalid_fields(item, schema) == []
    paper = published_item(upgrade(SYCOPHANCY, Reference(
        entry_type="inproceedings", date="2024",
        fields={"booktitle": "ICLR 2024", "publisher": "OpenReview.net"})))
    assert (paper["itemType"], paper["proceedingsTitle"], paper["extra"]) == (
        "conferencePaper", "ICLR 2024", "arXiv:2310.13548 [cs.CL]")
    assert invalid_fields(paper, schema) == []


def test_zotero_item_of_a_preprint_is_unchanged():
    assert published_item(SYCOPHANCY)["itemType"] == "preprint"


# ------------------------------------------------------------------------ settings


@pytest.mark.parametrize(("text", "message"), [
    ("[s2]\ndelay = -1\n", "s2.delay must be a number of seconds from 0 to 3600, not -1"),
    ("[dblp]\ndelay = 'inf'\n",
     "dblp.delay must be a number of seconds from 0 to 3600, not 'inf'"),
    ("[crossref]\nurl = 'api.crossref.org'\n",
     "crossref.url must be an http:// or https:// URL, not 'api.crossref.org'"),
])
def test_bad_service_settings_are_one_line_errors(tmp_path: Path, text: str, message: str):
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, config_file=config)
    assert str(caught.value) == message


def test_service_settings_from_the_environment():
    settings = load_settings(environ={
        "REFBRIDGE_CROSSREF_URL": "http://127.0.0.1:1", "REFBRIDGE_S2_URL": "http://s2.test",
        "REFBRIDGE_DBLP_URL": "https://dblp.test", "REFBRIDGE_CONTACT": "me@example.org",
        "S2_API_KEY": "k-123456789"}, config_file=Path("/nonexistent.toml"))
    assert (settings.crossref_url, settings.s2_url, settings.dblp_url, settings.crossref_contact,
            settings.s2_api_key) == ("http://127.0.0.1:1", "http://s2.test", "https://dblp.test",
                                     "me@example.org", "k-123456789")
    assert "k-123456789" not in repr(settings)
    assert (settings.crossref_delay, settings.s2_delay, settings.dblp_delay) == (0.1, 3.0, 2.0)
