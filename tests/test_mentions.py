"""Mentions: a short name in an abstract links to its paper, and nothing else ever does."""

from __future__ import annotations

import re

import pytest
from test_render import catalog, paper, texts, to_html

from generator.mentions import (
    defines_acronym,
    distinctive,
    find_mentions,
    mentioned_by,
    mentions,
    name_index,
    short_name,
)
from generator.render import Renderer

LOLDU = paper("loldu", "LoLDU: Low-Rank Adaptation via Lower-Diag-Upper Decomposition", "We propose LoLDU.")
IP2P = paper("ip2p", "IP2P: Instruct Pix2Pix", "Image editing from instructions.")
COMMON = [
    paper("attention", "Attention: All You Need", "A model."),
    paper("reprompting", "Reprompting: Automated Chain-of-Thought", "Prompts."),
    paper("llm", "LLM: A Survey", "A survey."),
    paper("rl", "RL: An Introduction", "Rewards."),
    paper("gpt", "GPT-4: Technical Report", "A report."),
    paper("the", "THE: Some Name", "Text."),
    paper("ab", "AB: Two Letters", "Short."),
    paper("twice-a", "DualX: One", "First."),
    paper("twice-b", "DualX: Two", "Second."),
    paper("fire", "Fire: Fact Checking", "Fact checking with a fire alarm."),
]


def test_short_name_is_the_single_word_before_the_colon() -> None:
    assert short_name("LoLDU: Low-Rank Adaptation") == "LoLDU"
    assert short_name("DSI++: Updating Memory") == "DSI++"
    assert short_name("Model Breadcrumbs: Scaling") is None  # two words: ordinary prose
    assert short_name("No colon here") is None
    assert short_name("S^{3}: Weird") is None


@pytest.mark.parametrize("name", ["LoLDU", "IP2P", "DSI++", "RA-DIT", "Re3", "MUSE"])
def test_distinctive_names(name: str) -> None:
    assert distinctive(name, set())


@pytest.mark.parametrize("name", ["Attention", "Reprompting", "LLM", "RL", "GPT-4", "AB", "The", "FIRE"])
def test_common_words_and_field_acronyms_are_not_names(name: str) -> None:
    assert not distinctive(name, {"fire"})


def test_only_unambiguous_distinctive_names_are_indexed() -> None:
    names = name_index([LOLDU, IP2P, *COMMON])
    assert names == {"LoLDU": "loldu", "IP2P": "ip2p"}


ABSTRACT = (
    "Unlike LoLDU and IP2P, and better than LoLDU-style or LoLDUs or Loldu or LoLDU2, we beat "
    "Attention, LLM, RL, GPT-4, AB, DualX, THE and Reprompting; a fire (FIRE) too. xLoLDU IP2P."
)


def test_mentions_are_whole_case_sensitive_words_of_known_names() -> None:
    citing = paper("citing", "A Study of Things", ABSTRACT)
    found = find_mentions(citing, name_index([LOLDU, IP2P, *COMMON, citing]))
    assert [(ABSTRACT[s:e], target) for s, e, target in found] == [
        ("LoLDU", "loldu"),
        ("IP2P", "ip2p"),
        ("IP2P", "ip2p"),
    ]


def test_zero_false_links_on_common_words() -> None:
    citing = paper("citing", "A Study of Things", ABSTRACT)
    found = mentions([LOLDU, IP2P, *COMMON, citing])
    common_ids = {p.id for p in COMMON}
    assert not any(target in common_ids for spans in found.values() for _, _, target in spans)


def test_a_paper_never_links_to_itself() -> None:
    assert mentions([LOLDU, IP2P]) == {}


def test_an_abstract_that_defines_the_acronym_means_something_else() -> None:
    lls = paper("lls", "LLS: Local Learning Rule", "A rule.")
    text = "the lower-level solution is a singleton (a.k.a., Lower-Level Singleton, LLS). Without the LLS condition"
    bilevel = paper("bilevel", "Bi-Level Programming", text)
    assert defines_acronym(text, text.index("LLS)"), "LLS")
    assert mentions([lls, bilevel]) == {}
    cited = paper("cited", "Beyond Things", "Unlike LLS (Zhou et al.), we go further than LLS.")
    assert [t for _, _, t in mentions([lls, cited])["cited"]] == ["lls", "lls"]


def test_backlinks_list_each_citing_paper_once_sorted_by_id() -> None:
    b = paper("b-citing", "B Study", "LoLDU beats LoLDU.")
    a = paper("a-citing", "A Study", "IP2P and LoLDU.")
    assert mentioned_by(mentions([LOLDU, IP2P, a, b])) == {"ip2p": ("a-citing",), "loldu": ("a-citing", "b-citing")}


def test_pages_link_mentions_and_show_mentioned_by_with_the_text_unchanged() -> None:
    hostile = "Beats <LoLDU> & LoLDU's *rank*; not LoLDU-2 [LoLDU](x)."
    citing = paper("citing", "Citing <Paper>", hostile)
    pages = Renderer(catalog([LOLDU, IP2P, citing])).pages()
    html = to_html(pages["papers/citing.md"])
    assert texts(html, "pl-abstract") == [hostile]
    links = re.findall(r'<a class="pl-mention" href="([^"]+)">([^<]+)</a>', html)
    assert links == [("../loldu/", "LoLDU")] * 3
    target = to_html(pages["papers/loldu.md"])
    assert texts(target, "pl-mentioned-by") == ["\nCiting <Paper>\n"]
    assert 'id="mentioned-by"' not in to_html(pages["papers/ip2p.md"])


def test_a_name_the_corpus_also_writes_in_lower_case_is_an_ordinary_word() -> None:
    glue = paper("glue", "GLUe: A Benchmark", "Tasks.")
    other = paper("other", "Other", "We glue the parts; GLUe is a benchmark.")
    assert mentions([glue, other]) == {}


def test_many_names_over_a_large_vocabulary_are_indexed() -> None:
    """20,000 distinct names over a large lower-case vocabulary are all indexed and found (make bench times it)."""
    vocabulary = " ".join(f"word{i}" for i in range(20_000))
    papers = [
        paper(f"p{i:05d}", f"Net{i}X: A Paper", vocabulary if i == 0 else f"Beats Net{i - 1}X.") for i in range(20_000)
    ]
    names = name_index(papers)
    assert len(names) == 20_000
    found = mentions(papers)
    assert found["p00002"] == ((6, 11, "p00001"),)
