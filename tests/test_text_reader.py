"""The text reader on the three real pasted samples (every paper, explicit tables) and on
generic pastes: reading lists, labelled fields, ids anywhere."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.arxiv_id import find_ids
from bridge.model import Author, Provenance
from bridge.readers.text import read_text

from .paths import SAMPLES


def _sample(name: str) -> tuple[str, list[str]]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return text, text.splitlines()


def _first_words(text: str | None, count: int = 6) -> str:
    return " ".join((text or "").split()[:count])


# --- arxiv-listing-abstracts.txt: abstract, optional comment lines, then `arXiv:ID` glued
# to the next abstract. (line, id, first words of the abstract, comment)
LISTING = [
    (1, "2310.13798", "Human feedback can prevent overtly harmful", None),
    (2, "2310.13548", "Reinforcement learning from human feedback (RLHF)", "32 pages, 20 figures"),
    (4, "2307.11768", "As large language models (LLMs) perform",
     "For few-shot examples and prompts, see "
     "https://github.com/anthropics/DecompositionFaithfulnessPaper"),
    (6, "2307.13702", "Large language models (LLMs) perform better", None),
    (7, "2212.13768", "Although high-level synthesis (HLS) tools have", None),
    (8, "2212.09251", "As language models (LMs) scale, they",
     "for associated data visualizations, see https://www.evals.anthropic.com/model-written/ "
     "for full datasets, see https://github.com/anthropics/evals"),
    (10, "2110.10802", "Rapid progress in deep learning is", None),
    (11, "2011.01696", "Professionals in modern healthcare systems are",
     "Machine Learning for Health (ML4H) at NeurIPS 2020 - Extended Abstract"),
]
LISTING_LINKS = {
    "2307.11768": ["https://github.com/anthropics/DecompositionFaithfulnessPaper"],
    "2212.09251": ["https://www.evals.anthropic.com/model-written/",
                   "https://github.com/anthropics/evals"],
}


def test_arxiv_listing_every_paper():
    text, _ = _sample("arxiv-listing-abstracts.txt")
    refs = read_text(text, "listing.txt")
    assert len(refs) == len(LISTING) == 8
    for ref, (line, ident, first, comment) in zip(refs, LISTING, strict=True):
        assert ref.provenance == Provenance("listing.txt", line)
        assert ref.arxiv_id == ident
        assert ref.arxiv_version is None
        assert _first_words(ref.abstract) == first
        assert ref.comment == comment
        assert ref.links == LISTING_LINKS.get(ident, [])
        assert ref.title is None
        assert ref.authors == []


def test_arxiv_listing_abstracts_are_whole_and_exclude_the_glued_id():
    text, lines = _sample("arxiv-listing-abstracts.txt")
    refs = read_text(text)
    # Each abstract is its line, less the `arXiv:ID` of the paper before it.
    assert refs[0].abstract == lines[0]
    assert refs[1].abstract == lines[1].removeprefix("arXiv:2310.13798")
    assert refs[7].abstract == lines[10].removeprefix("arXiv:2110.10802")
    for ref in refs:
        assert "arXiv:" not in ref.abstract


# --- aggregator-listing.txt: `CLJun 28, 2023Code`, then title+authors glued, then abstract.
# (line, title, authors, date, affiliations, first words of the abstract)
AGGREGATOR = [
    (1, "Towards Measuring the Representation of Subjective Global Opinions in Language Models",
     ["Esin Durmus", "Karina Nguyen", "Thomas I. Liao"], "2023-06-28",
     "openai, stanford", "Large language models (LLMs) may not"),
    (4, "Constitutional AI: Harmlessness from AI Feedback",
     ["Yuntao Bai", "Saurav Kadavath", "Sandipan Kundu"], "2022-12-15",
     "anthropic, berkeley", "As AI systems become more capable,"),
    (7, "Training a Helpful and Harmless Assistant with Reinforcement Learning from Human "
        "Feedback",
     ["Yuntao Bai", "Andy Jones", "Kamal Ndousse"], "2022-04-12",
     "berkeley, openai", "We apply preference modeling and reinforcement"),
    (10, "Language Models (Mostly) Know What They Know",
     ["Saurav Kadavath", "Tom Conerly", "Amanda Askell"], "2022-07-11",
     "berkeley, openai", "We study whether language models can"),
    (13, "Studying Large Language Model Generalization with Influence Functions",
     ["Roger Grosse", "Juhan Bae", "Cem Anil"], "2023-08-07",
     "openai, stanford", "When trying to gain better visibility"),
    (16, "In-context Learning and Induction Heads",
     ["Catherine Olsson", "Nelson Elhage", "Neel Nanda"], "2022-09-24",
     "openai", '"Induction heads" are attention heads that'),
    (19, "Red Teaming Language Models to Reduce Harms: Methods, Scaling Behaviors, and Lessons "
         "Learned",
     ["Deep Ganguli", "Liane Lovitt", "Jackson Kernion"], "2022-08-23",
     "berkeley, openai", "We describe our early efforts to"),
    (22, "Discovering Language Model Behaviors with Model-Written Evaluations",
     ["Ethan Perez", "Sam Ringer", "Kamilė Lukošiūtė"], "2022-12-19",
     "anthropic, berkeley", "As language models (LMs) scale, they"),
    (25, "Measuring Faithfulness in Chain-of-Thought Reasoning",
     ["Tamera Lanham", "Anna Chen", "Ansh Radhakrishnan"], "2023-07-17",
     "berkeley, stanford", "Large language models (LLMs) perform better"),
    (28, "The Capacity for Moral Self-Correction in Large Language Models",
     ["Deep Ganguli", "Amanda Askell", "Nicholas Schiefer"], "2023-02-15",
     "berkeley, openai", "We test the hypothesis that language"),
    (31, "Measuring Progress on Scalable Oversight for Large Language Models",
     ["Samuel R. Bowman", "Jeeyoon Hyun", "Ethan Perez"], "2022-11-04",
     "anthropic, openai", "Developing safe and useful general-purpose AI"),
    (34, "Scaling Laws and Interpretability of Learning from Repeated Data",
     ["Danny Hernandez", "Tom Brown", "Tom Conerly"], "2022-05-21",
     "openai", "Recent large language models have been"),
    (37, "Question Decomposition Improves the Faithfulness of Model-Generated Reasoning",
     ["Ansh Radhakrishnan", "Karina Nguyen", "Anna Chen"], "2023-07-17",
     "openai, stanford", "As large language models (LLMs) perform"),
    (40, "Specific versus General Principles for Constitutional AI",
     ["Sandipan Kundu", "Yuntao Bai", "Saurav Kadavath"], "2023-10-20",
     "berkeley, openai", "Human feedback can prevent overtly harmful"),
    (43, "Evaluating and Mitigating Discrimination in Language Model Decisions",
     ["Alex Tamkin", "Amanda Askell", "Liane Lovitt"], "2023-12-06",
     "stanford", "As language models (LMs) advance, interest"),
    (46, "Compositional Concept Generalization with Variational Quantum Circuits",
     ["Hala Hawashin", "Mina Abbaszadeh", "Nicholas Joseph"], "2025-09-11",
     None, "Compositional generalization is a key facet"),
    (49, "A General Language Assistant as a Laboratory for Alignment",
     ["Amanda Askell", "Yuntao Bai", "Anna Chen"], "2021-12-01",
     None, "Given the broad capabilities of large"),
    (52, "Evaluating Large Language Models Trained on Code",
     ["Mark Chen", "Jerry Tworek", "Heewoo Jun"], "2021-07-07",
     None, "We introduce Codex, a GPT language"),
]
AGGREGATOR_LINKS = {
    1: ["https://huggingface.co/datasets/Anthropic/llm_global_opinions",
        "https://llmglobalvalues.anthropic.com"],
    43: ["https://huggingface.co/datasets/Anthropic/discrim-eval"],
}


def test_aggregator_listing_every_paper():
    text, lines = _sample("aggregator-listing.txt")
    refs = read_text(text, "agg.txt")
    assert len(refs) == len(AGGREGATOR) == 18
    for ref, (line, title, authors, date, affiliations, first) in zip(
            refs, AGGREGATOR, strict=True):
        assert ref.provenance == Provenance("agg.txt", line)
        assert ref.arxiv_id is None
        assert ref.title == title
        assert [a.display() for a in ref.authors] == authors
        assert ref.authors_truncated is True
        assert ref.date == date
        assert ref.fields == {}  # the tags are the site's labels, not fields to write
        assert not affiliations or affiliations not in (ref.title or "")
        assert _first_words(ref.abstract) == first
        assert ref.abstract == lines[line + 1]  # the whole line after the title line
        assert ref.links == AGGREGATOR_LINKS.get(line, [])
        assert ref.comment is None


def test_aggregator_names_are_split_into_parts():
    refs = read_text(_sample("aggregator-listing.txt")[0])
    assert refs[0].authors[2] == Author(last="Liao", first="Thomas I.")
    assert refs[7].authors[2] == Author(last="Lukošiūtė", first="Kamilė")
    assert refs[10].authors[0] == Author(last="Bowman", first="Samuel R.")
    # affiliations never leak into the authors
    assert all(a.last not in {"openai", "stanford", "berkeley", "anthropic"}
               for ref in refs for a in ref.authors)


# --- abstracts-only.txt: `Abstract:` lines, no id. (line, first words)
ABSTRACTS = [
    (1, "Human feedback can prevent overtly harmful"),
    (2, "Large language models (LLMs) perform better"),
    (3, "We test the hypothesis that language"),
    (4, "As language models (LMs) scale, they"),
    (5, "As AI systems become more capable,"),
    (6, "Developing safe and useful general-purpose AI"),
    (7, "It was shown recently that the"),
]


def test_abstracts_only_every_paper():
    text, lines = _sample("abstracts-only.txt")
    refs = read_text(text, "abs.txt")
    assert len(refs) == len(ABSTRACTS) == 7
    for ref, (line, first) in zip(refs, ABSTRACTS, strict=True):
        assert ref.provenance == Provenance("abs.txt", line)
        assert _first_words(ref.abstract) == first
        assert ref.abstract == lines[line - 1].removeprefix("Abstract:")
        assert (ref.arxiv_id, ref.title, ref.authors, ref.comment) == (None, None, [], None)


# --- Title/author splitting on aggregator lines: acronyms, digits, capitals mid-word.
SPLITS = [
    ("GlobalOpinionQA: Measuring Opinions in Language ModelsEsin Durmus, Karina Nguyen et al. "
     "· openai", "GlobalOpinionQA: Measuring Opinions in Language Models",
     ["Esin Durmus", "Karina Nguyen"], True),
    ("Sparks of AGI: Early Experiments with GPT-4Sébastien Bubeck, Varun Chandrasekaran",
     "Sparks of AGI: Early Experiments with GPT-4", ["Sébastien Bubeck", "Varun Chandrasekaran"],
     False),
    ("Constitutional AISandipan Kundu, Yuntao Bai", "Constitutional AI",
     ["Sandipan Kundu", "Yuntao Bai"], False),
    ("Is RLHF Enough?J. Smith, K. L. Jones", "Is RLHF Enough?", ["J. Smith", "K. L. Jones"],
     False),
    ("On the Use of BERTLudwig van Beethoven, Jean-Pierre Serre", "On the Use of BERT",
     ["Ludwig van Beethoven", "Jean-Pierre Serre"], False),
    ("DeepMind Control SuiteYuval Tassa, Yotam Doron", "DeepMind Control Suite",
     ["Yuval Tassa", "Yotam Doron"], False),
    ("Meet McDonaldEsin Durmus", "Meet McDonald", ["Esin Durmus"], False),
    ("Deep Learning (2016)Yann LeCun, Mary-Jane O'Neil et al.", "Deep Learning (2016)",
     ["Yann LeCun", "Mary-Jane O'Neil"], True),
    ("A Title With No Authors", "A Title With No Authors", [], False),
]


@pytest.mark.parametrize(("line", "title", "authors", "truncated"), SPLITS)
def test_title_and_authors_split(line, title, authors, truncated):
    (ref,) = read_text(f"LGMar 3, 2024\n{line}\n")
    assert ref.title == title
    assert [a.display() for a in ref.authors] == authors
    assert ref.authors_truncated is truncated
    assert ref.date == "2024-03-03"


# --- Generic pastes.
READING_LIST = """\
Reading list for Thursday:

1. Attention Is All You Need (arXiv:1706.03762)
2. Kaplan et al., Scaling Laws for Neural Language Models, arXiv:2001.08361
3. "Language Models are Few-Shot Learners" https://arxiv.org/pdf/2005.14165v4.pdf
- Vaswani et al. Attention Is All You Need. NeurIPS 2017.
- see also hep-th/9901001 and https://arxiv.org/abs/1706.03762 (a repeat)
- Deep Residual Learning for Image Recognition
- Training language models to follow instructions with human feedback
https://doi.org/10.48550/arXiv.2203.02155
Journal paper doi:10.1103/PhysRevLett.116.061102
"""


def test_reading_list():
    refs = read_text(READING_LIST, "list.md")
    got = [(r.provenance.line, r.arxiv_id, r.arxiv_version, r.title,
            [a.display() for a in r.authors], r.authors_truncated, r.doi) for r in refs]
    assert got == [
        (3, "1706.03762", None, "Attention Is All You Need", [], False, None),
        (4, "2001.08361", None, "Scaling Laws for Neural Language Models", ["Kaplan"], True,
         None),
        (5, "2005.14165", 4, "Language Models are Few-Shot Learners", [], False, None),
        (6, None, None, "Attention Is All You Need", ["Vaswani"], True, None),
        (7, "hep-th/9901001", None, None, [], False, None),
        (8, None, None, "Deep Residual Learning for Image Recognition", [], False, None),
        (9, "2203.02155", None,
         "Training language models to follow instructions with human feedback", [], False,
         None),
        (11, None, None, None, [], False, "10.1103/PhysRevLett.116.061102"),
    ]


ARXIV_PAGE = """\
[1] arXiv:2310.13798 [pdf, other]
Title: Specific versus General Principles for Constitutional AI
Authors: Sandipan Kundu, Yuntao Bai, Saurav Kadavath, Amanda Askell
Comments: 32 pages
Subjects: Computation and Language (cs.CL); Machine Learning (cs.LG)

[2] arXiv:2310.13548v3 [pdf]
Title: Towards Understanding Sycophancy in Language Models
Authors: Mrinank Sharma, Meg Tong, Tomasz Korbak, et al.
Journal-ref: ICLR 2024
Abstract:
Human feedback is commonly utilized to finetune AI assistants.
"""


def test_labelled_listing_with_leading_ids():
    first, second = read_text(ARXIV_PAGE, "page.txt")
    assert (first.arxiv_id, first.arxiv_version, first.provenance.line) == ("2310.13798", None, 1)
    assert first.title == "Specific versus General Principles for Constitutional AI"
    assert [a.last for a in first.authors] == ["Kundu", "Bai", "Kadavath", "Askell"]
    assert first.authors_truncated is False
    assert first.comment == "32 pages"
    assert (first.primary_category, first.categories) == ("cs.CL", ["cs.CL", "cs.LG"])
    assert (second.arxiv_id, second.arxiv_version, second.provenance.line) == (
        "2310.13548", 3, 7)
    assert [a.last for a in second.authors] == ["Sharma", "Tong", "Korbak"]
    assert second.authors_truncated is True
    assert second.journal_ref == "ICLR 2024"
    assert second.abstract == "Human feedback is commonly utilized to finetune AI assistants."


IDS_ANYWHERE = [
    # one record per distinct id, first-seen order; repeats (any form, any version) dropped
    ("See arXiv:2310.13798, 2310.13548 and https://arxiv.org/abs/2310.13798v2.",
     [("2310.13798", None), ("2310.13548", None)]),
    ("hep-th/9901001\nmath.GT/0309136v2\n10.48550/arXiv.2404.14619",
     [("hep-th/9901001", None), ("math/0309136", 2), ("2404.14619", None)]),
    ("pi = 3.14159, Python 3.11.7, released 2023.10.05, pp. 1101--1105", []),
]


@pytest.mark.parametrize(("text", "expected"), IDS_ANYWHERE)
def test_ids_anywhere(text, expected):
    refs = [r for r in read_text(text) if r.arxiv_id]
    assert [(r.arxiv_id, r.arxiv_version) for r in refs] == expected


def test_prose_around_an_id_is_not_a_title():
    (ref,) = read_text("as shown in arXiv:2310.13798 for details")
    assert (ref.arxiv_id, ref.title, ref.abstract) == ("2310.13798", None, None)


def test_title_then_id_on_the_next_line_is_one_paper():
    (ref,) = read_text("Attention Is All You Need\nhttps://arxiv.org/abs/1706.03762v5\n")
    assert (ref.arxiv_id, ref.arxiv_version, ref.title) == (
        "1706.03762", 5, "Attention Is All You Need")
    assert ref.links == []  # an arXiv URL is the id itself


def test_plain_titles_blank_lines_and_headings():
    refs = read_text("My papers:\n\nDeep Residual Learning for Image Recognition\n\n"
                     "Generative Adversarial Networks\nIan J. Goodfellow, Jean Pouget-Abadie\n")
    assert [(r.provenance.line, r.title) for r in refs] == [
        (3, "Deep Residual Learning for Image Recognition"),
        (5, "Generative Adversarial Networks"),
    ]
    assert [a.display() for a in refs[1].authors] == ["Ian J. Goodfellow", "Jean Pouget-Abadie"]


def test_id_alone_after_an_abstract_closes_it():
    abstract = "We study a thing. " * 20
    (ref,) = read_text(f"{abstract}\n24 pages\narXiv:2401.00001v1\n")
    assert (ref.arxiv_id, ref.arxiv_version, ref.comment) == ("2401.00001", 1, "24 pages")
    assert ref.abstract == abstract.strip()


def test_windows_line_endings_and_empty_input():
    assert read_text("") == []
    assert read_text("\n \n\t\n") == []
    refs = read_text("Abstract:One.\r\nAbstract:Two.\r\n")
    assert [(r.provenance.line, r.abstract) for r in refs] == [(1, "One."), (2, "Two.")]


def test_default_source_name():
    (ref,) = read_text("arXiv:2310.13798")
    assert ref.provenance == Provenance("<text>", 1)


REFERENCE_STRINGS = """\
Bai, Y., Kadavath, S., Kundu, S., et al. (2022). Constitutional AI: Harmlessness from AI \
feedback. arXiv preprint arXiv:2212.08073.
[2] J. Kaplan et al., "Scaling laws for neural language models," arXiv:2001.08361, 2020.
Ouyang L, Wu J, Jiang X, et al. Training language models to follow instructions with human \
feedback. NeurIPS 2022.
Check out https://github.com/foo/bar for code.

2310.13798 Specific Versus General Principles for Constitutional AI
2310.13548 - towards understanding sycophancy
"""


def test_reference_strings_and_ids_leading_lines():
    refs = read_text(REFERENCE_STRINGS)
    got = [(r.provenance.line, r.arxiv_id, r.title, [a.display() for a in r.authors],
            r.authors_truncated, r.links) for r in refs]
    assert got == [
        # prose before an id is not a title: the id is the clue
        (1, "2212.08073", None, [], False, []),
        (2, "2001.08361", "Scaling laws for neural language models", ["J. Kaplan"], True, []),
        (3, None, "Training language models to follow instructions with human feedback",
         ["L. Ouyang", "J. Wu", "X. Jiang"], True, []),
        (4, None, None, [], False, ["https://github.com/foo/bar"]),
        (6, "2310.13798", "Specific Versus General Principles for Constitutional AI", [], False,
         []),
        (7, "2310.13548", None, [], False, []),
    ]
    assert refs[2].authors[0] == Author(last="Ouyang", first="L.")


def test_a_repeated_glued_id_still_ends_its_abstract():
    first, second = "First abstract. " * 15, "Second abstract. " * 15
    refs = read_text(f"{first}\narXiv:2401.00001{second}\narXiv:2401.00001")
    assert [(r.arxiv_id, r.abstract) for r in refs] == [
        ("2401.00001", first.strip()), (None, second.strip())]


_FRAGMENT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\n", "\n\n", " ", "Abstract:", "Title: ", "- ", "1. ", "CLJun 28, 2023\n",
                     "et al.", " · ", "32 pages, 20 figures", "https://example.org/x "]),
    st.sampled_from(["arXiv:", "arxiv ", "https://arxiv.org/abs/", "10.48550/arXiv.", ""]).flatmap(
        lambda cue: st.sampled_from(["2310.13798", "2310.13798v2", "hep-th/9901001",
                                     "math.GT/0309136", "0704.0001", "1501.00001v3"]).map(
            lambda ident: cue + ident)),
)


@given(st.lists(_FRAGMENT, max_size=25).map("".join))
def test_every_id_in_a_paste_gives_exactly_one_record(text):
    refs = read_text(text)
    expected = list(dict.fromkeys(m.arxiv_id.id for line in text.splitlines()
                                  for m in find_ids(line)))
    assert [r.arxiv_id for r in refs if r.arxiv_id] == expected
    lines = len(text.splitlines())
    assert all(r.provenance is not None and 1 <= r.provenance.line <= max(lines, 1)
               for r in refs)


def test_labelled_authors_are_trusted():
    (ref,) = read_text("Title: Observation of a new boson\n"
                       "Authors: ATLAS Collaboration, danah boyd")
    assert ref.authors == [Author(last="ATLAS Collaboration", is_institution=True),
                           Author(last="boyd", first="danah")]


CITATIONS = """\
Reading list for Thursday:

1. Bai et al. (2022). Constitutional AI: Harmlessness from AI Feedback.
2. Lanham, T., Chen, A., et al. "Measuring Faithfulness in Chain-of-Thought Reasoning", 2023.
- Perez E, Huang S, Song F. Red Teaming Language Models with Language Models. 2022
- Ganguli, D., Askell, A., & Schiefer, N. (2023). The Capacity for Moral Self-Correction in \
Large Language Models. arXiv.
- Towards AGI. A manifesto
"""


def test_reference_list_styles_give_authors_title_and_year():
    refs = read_text(CITATIONS, "list.txt")
    got = [(r.provenance.line, r.title, [a.display() for a in r.authors], r.authors_truncated,
            r.date) for r in refs]
    assert got == [
        (3, "Constitutional AI: Harmlessness from AI Feedback", ["Bai"], True, "2022"),
        (4, "Measuring Faithfulness in Chain-of-Thought Reasoning", ["T. Lanham", "A. Chen"],
         True, "2023"),
        (5, "Red Teaming Language Models with Language Models",
         ["E. Perez", "S. Huang", "F. Song"], False, None),
        (6, "The Capacity for Moral Self-Correction in Large Language Models",
         ["D. Ganguli", "A. Askell", "N. Schiefer"], False, "2023"),
        (7, "Towards AGI. A manifesto", [], False, None),  # one "Surname INI" is not a list
    ]


# --- arXiv's datelines: the date of the first version, kept with the record it belongs to
DATELINES = [
    ("[Submitted on 15 Dec 2022]", "2022-12-15"),
    ("[Submitted on 14 Feb 2024 (v1), last revised 3 Mar 2024 (this version, v2)]",
     "2024-02-14"),
    ("Submitted on 5 Jan 2021", "2021-01-05"),
    # arXiv's search results
    ("Submitted 20 October, 2023; originally announced October 2023.", "2023-10-20"),
]


@pytest.mark.parametrize(("line", "date"), DATELINES)
def test_an_abstract_page_paste_is_one_record_with_its_date(line: str, date: str):
    # as arXiv's abstract page lays it out (dateline before the title) and after the title
    abstract = ("Abstract: We study how small transformers route sparse features between "
                "layers, and find that a handful of attention heads carry most of them.")
    for text in (f"{line}\nTitle: Probing Sparse Feature Circuits\n"
                 f"Authors: Mara Lindqvist, Tomas Okafor\n{abstract}\n",
                 f"Title: Probing Sparse Feature Circuits\n"
                 f"Authors: Mara Lindqvist, Tomas Okafor\n{line}\n{abstract}\n"):
        [ref] = read_text(text, "abs.txt")
        assert (ref.title, ref.date, len(ref.authors)) == (
            "Probing Sparse Feature Circuits", date, 2)
        assert ref.abstract and ref.abstract.startswith("We study how small transformers")


def test_a_dateline_after_a_whole_record_starts_the_next_one():
    text = ("Title: First Paper Title\n[Submitted on 1 Feb 2024]\n"
            "Abstract: We study one thing at length, and we find that it is what it seems to "
            "be in every case we try, which is reassuring.\n"
            "[Submitted on 2 Mar 2023]\nTitle: Second Paper Title\n")
    assert [(r.title, r.date) for r in read_text(text)] == [
        ("First Paper Title", "2024-02-01"), ("Second Paper Title", "2023-03-02")]


# --- arXiv's abstract page copied whole: its breadcrumb, "Cite as:" and page furniture are
# not papers. The text of arxiv.org/abs/2212.08073 as a browser copies it (abstract cut).
ABS_PAGE = """Computer Science > Computation and Language
[Submitted on 15 Dec 2022]
Constitutional AI: Harmlessness from AI Feedback
Yuntao Bai, Saurav Kadavath, Sandipan Kundu, Amanda Askell
As AI systems become more capable, we would like to enlist their help to supervise other \
AIs. We experiment with methods for training a harmless AI assistant through \
self-improvement, without any human labels identifying harmful outputs.
Subjects:\tComputation and Language (cs.CL); Artificial Intelligence (cs.AI)
Cite as:\tarXiv:2212.08073 [cs.CL]
 \t(or arXiv:2212.08073v1 [cs.CL] for this version)
 \thttps://doi.org/10.48550/arXiv.2212.08073
Focus to learn more
arXiv-issued DOI via DataCite
Submission history
From: Jared Kaplan [view email]
[v1] Thu, 15 Dec 2022 06:19:23 UTC (1,083 KB)
Full-text links:
Access Paper:
"""


def test_an_arxiv_abstract_page_copied_whole_is_one_paper():
    [ref] = read_text(ABS_PAGE, "abs.txt")
    assert (ref.arxiv_id, ref.arxiv_version, ref.title, ref.date) == (
        "2212.08073", None, "Constitutional AI: Harmlessness from AI Feedback", "2022-12-15")
    assert [a.display() for a in ref.authors] == [
        "Yuntao Bai", "Saurav Kadavath", "Sandipan Kundu", "Amanda Askell"]
    assert ref.abstract and ref.abstract.endswith("identifying harmful outputs.")
    assert (ref.primary_category, ref.categories) == ("cs.CL", ["cs.CL", "cs.AI"])
    assert ref.provenance == Provenance("abs.txt", 2)


@pytest.mark.parametrize("line", [
    "Computer Science > Computation and Language", "High Energy Physics - Theory",
    "Mathematics > Combinatorics", "Focus to learn more",
    "arXiv-issued DOI via DataCite (pending registration)", "Submission history",
    "From: Fan Wei [view email]", "[v2] Fri, 6 Aug 2021 14:57:22 UTC (19 KB)",
])
def test_arxiv_page_furniture_is_no_paper(line: str):
    assert read_text(f"{line}\n") == []
