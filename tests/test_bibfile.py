"""The one .bib merge (`bridge.bibfile.merge`) and the rules it shares with the writer."""

from __future__ import annotations

import pytest

from bridge.bibfile import BibDocument, MergePlan, RawEntry, merge
from bridge.errors import InputError
from bridge.latex import braces_balanced
from bridge.model import Author, Reference
from bridge.readers.bibtex import field_family
from bridge.writers.bibtex import render_entry

KUNDU = Reference(arxiv_id="2310.13798", key="kundu2023", title="Specific versus General",
                  authors=[Author("Kundu", "Sandipan")], date="2023", primary_category="cs.CL")
VASWANI = Reference(arxiv_id="1706.03762", title="Attention Is All You Need",
                    authors=[Author("Vaswani", "Ashish")], date="2017")
VASWANI_ENTRY = (
    "@misc{vaswani2017attention,\n"
    "  title = {Attention Is All You Need},\n"
    "  author = {Vaswani, Ashish},\n"
    "  year = {2017},\n"
    "  eprint = {1706.03762},\n"
    "  archivePrefix = {arXiv},\n"
    "  doi = {10.48550/arXiv.1706.03762},\n"
    "  url = {https://arxiv.org/abs/1706.03762},\n"
    "}\n"
)


# --- append (import) ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "joined"), [
    ("", ""),
    ("@misc{a, title={A}}", "@misc{a, title={A}}\n\n"),
    ("@misc{a, title={A}}\n", "@misc{a, title={A}}\n\n"),
    ("@misc{a, title={A}}\n\n", "@misc{a, title={A}}\n\n"),
    ("% only a comment\n", "% only a comment\n\n"),
])
def test_appended_entries_follow_one_blank_line_whatever_the_file_ends_with(text, joined):
    result = merge(text, "out.bib", MergePlan(references=[VASWANI]))
    assert result.text == joined + VASWANI_ENTRY
    assert result.appended == ["vaswani2017attention"]


def test_papers_already_there_by_arxiv_id_or_key_are_skipped():
    text = ("@misc{mine,\n  eprint = {2310.13798},\n  archivePrefix = {arXiv}\n}\n"
            "@book{vaswani2017attention, title = {Not the paper}}\n")
    by_key = VASWANI.copy(key="vaswani2017attention", arxiv_id="9999.00001")
    result = merge(text, "out.bib", MergePlan(references=[KUNDU, by_key]))
    assert result.text == text  # byte for byte: nothing to add
    assert [(r.key, r.arxiv_id) for r in result.present] == [
        ("mine", "2310.13798"), ("vaswani2017attention", "9999.00001")]
    assert result.appended == [] and not result.changed


def test_new_keys_never_clash_with_the_file_nor_each_other():
    text = "@misc{vaswani2017attention, title = {Another}, year = 2017}\n"
    twin = VASWANI.copy(arxiv_id="1706.03763")
    result = merge(text, "out.bib", MergePlan(references=[twin, twin.copy(arxiv_id="1706.03764")]))
    assert result.appended == ["vaswani2017attentiona", "vaswani2017attentionb"]


def test_a_crlf_file_gets_crlf_entries():
    text = "@misc{x,\r\n  title = {T},\r\n}\r\n"
    result = merge(text, "out.bib", MergePlan(references=[VASWANI]))
    assert result.text == text + "\r\n" + VASWANI_ENTRY.replace("\n", "\r\n")


def test_keys_as_given_without_a_formula():
    cited = VASWANI.copy(key="1706.03762")
    result = merge("", "out.bib", MergePlan(references=[cited], formula=None))
    assert result.text.startswith("@misc{1706.03762,\n")
    with pytest.raises(ValueError, match="no citation key"):
        merge("", "out.bib", MergePlan(references=[VASWANI], formula=None))
    # The same key twice (cited twice, resolved twice): one entry.
    twice = merge("", "out.bib", MergePlan(references=[cited, cited.copy(title="Other")],
                                           formula=None))
    assert twice.appended == ["1706.03762"] and [r.title for r in twice.present] == ["Other"]


# --- fill (enrich) and update (pull) -------------------------------------------------------

def test_fill_adds_only_what_the_entry_lacks_in_its_own_style():
    text = ('@ARTICLE{k,\n    TITLE   = "Old title",\n    DATE    = "2023",\n'
            '    EPRINT  = "2310.13798",\n    EPRINTTYPE = "arxiv"\n}\n')
    result = merge(text, "in.bib", MergePlan(references=[KUNDU.copy(key="k")],
                                             existing="fill", append=False))
    # biblatex entry (date, eprinttype): no year, no archivePrefix; title kept. No
    # trailing comma: new lines go before the last field, so a diff shows additions only.
    assert result.text == (
        '@ARTICLE{k,\n    TITLE   = "Old title",\n    DATE    = "2023",\n'
        '    EPRINT  = "2310.13798",\n'
        '    AUTHOR  = "Kundu, Sandipan",\n    EPRINTCLASS = "cs.CL",\n'
        '    DOI     = "10.48550/arXiv.2310.13798",\n'
        '    URL     = "https://arxiv.org/abs/2310.13798",\n'
        '    EPRINTTYPE = "arxiv"\n}\n')
    assert (result.filled, result.updated, result.edited) == (["k"], [], ["k"])


def test_a_url_in_howpublished_is_the_entrys_url():
    text = ("@misc{k,\n  eprint = {2310.13798},\n  archivePrefix = {arXiv},\n"
            "  howpublished = {\\url{https://arxiv.org/abs/2310.13798}},\n}\n")
    result = merge(text, "in.bib", MergePlan(references=[KUNDU.copy(key="k")],
                                             existing="fill", append=False))
    assert "url = " not in result.text.replace("howpublished", "")
    assert result.edits == {0: {"title": "Specific versus General",
                                "author": "Kundu, Sandipan", "year": "2023",
                                "primaryClass": "cs.CL",
                                "doi": "10.48550/arXiv.2310.13798"}}


def test_update_rewrites_changed_values_and_removes_nothing():
    text = ("@misc{k,\n  title = {Specific   versus\n    General},\n  year = {2022},\n"
            "  note = {mine},\n}\n")
    ref = KUNDU.copy(key="k")
    result = merge(text, "in.bib", MergePlan(references=[ref], existing="update"))
    assert result.text == (
        "@misc{k,\n  title = {Specific   versus\n    General},\n  year = {2023},\n"
        "  note = {mine},\n  author = {Kundu, Sandipan},\n  eprint = {2310.13798},\n"
        "  archivePrefix = {arXiv},\n  primaryClass = {cs.CL},\n"
        "  doi = {10.48550/arXiv.2310.13798},\n  url = {https://arxiv.org/abs/2310.13798},\n}\n")
    assert (result.updated, result.filled, result.appended) == (["k"], [], [])


def test_entries_sharing_a_key_are_matched_in_order():
    text = "@misc{k, eprint={2310.13798}}\n@misc{k, eprint={1706.03762}}\n"
    refs = [KUNDU.copy(key="k"), VASWANI.copy(key="k")]
    result = merge(text, "in.bib", MergePlan(references=refs, existing="fill", append=False))
    assert sorted(result.edits) == [0, 1]
    assert result.edits[1]["title"] == "Attention Is All You Need"


def test_keys_of_and_identity_find_an_entry_under_another_key():
    text = "@misc{renamed, title = {Old}}\n@misc{other, doi = {10.1/x}}\n"
    ref = VASWANI.copy(key="vaswani2017attention", doi="10.1/x")
    plan = MergePlan(references=[ref], existing="update", keys_of=lambda r: ("renamed",))
    assert merge(text, "in.bib", plan).updated == ["renamed"]
    by_doi = MergePlan(references=[ref], existing="skip",
                       identity=lambda r: [f"doi:{r.doi}"] if r.doi else [])
    assert [r.key for r in merge(text, "in.bib", by_doi).present] == ["other"]


# --- raw entries (tex --bib) ---------------------------------------------------------------

MASTER = ('@string{ann = "Ann."}\n@STRING{aphys = ann # " Phys."}\n@string{unused = "x"}\n'
          '@article{einstein05,\n   author={A. Einstein},  journal = aphys,\n'
          '   month = jan, year=1905}\n@misc{other, title = {O}}\n')


def test_raw_entry_is_copied_byte_for_byte_with_the_strings_it_uses():
    raw = BibDocument.parse(MASTER, "master.bib").raw_entry("Einstein05")
    assert raw == RawEntry(
        "einstein05",
        "@article{einstein05,\n   author={A. Einstein},  journal = aphys,\n"
        "   month = jan, year=1905}",
        (("ann", '@string{ann = "Ann."}'), ("aphys", '@STRING{aphys = ann # " Phys."}')))
    result = merge("@misc{mine, title={M}}\n", "refs.bib", MergePlan(raw_entries=[raw]))
    assert result.text == ('@misc{mine, title={M}}\n\n@string{ann = "Ann."}\n\n'
                           '@STRING{aphys = ann # " Phys."}\n\n' + raw.text + "\n")
    assert result.appended == ["einstein05"]
    again = BibDocument.parse(result.text, "refs.bib").references
    assert again[1].fields["journal"] == "Ann. Phys."


def test_raw_entry_strings_the_output_defines_and_keys_it_has_are_not_copied():
    raw = BibDocument.parse(MASTER, "master.bib").raw_entry("einstein05")
    assert raw is not None
    text = '@string{ANN = "Annalen"}\n'
    result = merge(text, "refs.bib", MergePlan(raw_entries=[raw, raw]))
    assert result.text == (text + '\n@STRING{aphys = ann # " Phys."}\n\n' + raw.text + "\n")
    assert result.appended == ["einstein05"]
    present = merge(result.text, "refs.bib", MergePlan(raw_entries=[raw]))
    assert present.text == result.text and present.appended == []
    assert BibDocument.parse(MASTER, "master.bib").raw_entry("nope") is None


# --- rules with one home -------------------------------------------------------------------

@pytest.mark.parametrize(("value", "balanced"), [
    ("A {GPU} study", True),
    ("50\\{", False),          # bibtex counts an escaped brace: `{50\{}` swallows the next field
    ("\\{x\\}", True),
    ("\\textbraceleft{}", True),
    ("}{", False),
    ("{", False),
    ("", True),
])
def test_braces_balanced_is_bibtex_s_rule(value, balanced):
    assert braces_balanced(value) is balanced


def test_writer_and_document_refuse_the_same_unbalanced_value():
    ref = KUNDU.copy(key="k", fields={"note": "50\\{"})
    with pytest.raises(InputError, match="unbalanced braces in note"):
        render_entry(ref)
    doc = BibDocument.parse("@misc{k, title = {A}}\n", "k.bib")
    with pytest.raises(ValueError, match="unbalanced braces"):
        doc.render({0: {"note": "50\\{"}})


@pytest.mark.parametrize(("names", "family"), [
    (("year", "date", "Date"), "date"),
    (("archivePrefix", "eprinttype"), "eprinttype"),
    (("primaryClass", "eprintclass"), "eprintclass"),
    (("journal", "journaltitle"), "journaltitle"),
    (("address", "location"), "location"),
    (("school", "institution"), "institution"),
    (("url",), "url"),
    (("howpublished",), "howpublished"),
])
def test_field_families(names, family):
    assert {field_family(name) for name in names} == {family}


def test_writer_and_fill_use_the_same_families():
    # The writer drops a pass-through `date` beside the `year` it writes ...
    ref = VASWANI.copy(key="v", fields={"date": "2017-06-12", "journaltitle": "J"})
    entry = render_entry(ref)
    assert "date = " not in entry and "journal = {J}" in entry
    # ... and fill adds no `year` to an entry that has a `date`, nor `journal` to `journaltitle`.
    text = "@misc{v, date = {2017}, journaltitle = {J}, eprint = {1706.03762}}\n"
    result = merge(text, "in.bib", MergePlan(references=[ref], existing="fill"))
    assert set(result.edits[0]) == {"title", "author", "eprinttype", "doi", "url"}
