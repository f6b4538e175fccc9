"""Mentions: an abstract that names another paper of the list by its short name links to it.

A paper's short name is the single word before the colon of its title ("LoLDU: Low-Rank
Adaptation via ..."). Only distinctive names are linked: at least three letters or digits, a
capital after the first character or a digit (so "Reprompting" or "Sophia" never match
ordinary prose), not a field acronym (LLM, RL, GPT ...), not an ordinary word written in
lower case anywhere in the corpus, and the short name of exactly one paper. A mention must be
the whole word, case-sensitive, and an abstract that spells out its own meaning of the
acronym ("Lower-Level Singleton, LLS") is about something else: it gets no link.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from .records import Paper

# Every word made of letters, digits, '+' and inner hyphens: a mention must be one of these whole.
# (Runs of a character class, not a per-character alternation: several times faster.)
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+]*(?:-[A-Za-z0-9][A-Za-z0-9+]*)*")
LOWER_WORD = re.compile(r"(?<![A-Za-z0-9-])[a-z][a-z0-9-]*(?![A-Za-z0-9])")
# Acronyms and names every paper of the field uses for something general: never a paper's name.
FIELD_TERMS = frozenset(
    """AI AGI API ASR BERT BLEU CIFAR CLIP CNN CNNs COCO CPU CPUs CV CoT DL DNN DNNs DPO DRL FFT GAN GANs GNN GNNs
    GPT GPT-2 GPT-3 GPT-4 GPT-4o GPU GPUs GRPO HTML ICL ID IID IR JSON KG KL KV LLM LLMs LM LMs LSTM LoRA MCTS
    MDP MDPs ML MLLM MLLMs MLP MLPs MNIST MT MoE NER NLG NLI NLP NLU NN NNs OCR OOD PCA PDF PEFT PPO QA RAG RL
    RLHF RNN RNNs ReLU SFT SGD SOTA SQL SVD T5 TLDR TL TPU TTS URL ViT VLM VLMs VQA MOS PCR""".split()  # noqa: SIM905 - a word list reads better as words
)
MIN_CHARACTERS = 3
DEFINITION_WINDOW = 120  # characters before "(NAME)" searched for the words the acronym abbreviates


def short_name(title: str) -> str | None:
    """The single word before the first colon of a title, if there is one."""
    head, colon, _ = title.partition(":")
    name = head.strip()
    if not colon or not WORD.fullmatch(name):
        return None
    return name


@functools.cache
def _stop_words() -> frozenset[str]:
    # Imported when first asked: scikit-learn costs a second to import, and a build whose
    # links come from the cache never asks.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def distinctive(name: str, common_words: frozenset[str] | set[str]) -> bool:
    """True when a name cannot be an ordinary word or a field-wide acronym."""
    alnum = [c for c in name if c.isalnum()]
    shaped = any(c.isupper() for c in name[1:]) or any(c.isdigit() for c in name)
    return (
        len(alnum) >= MIN_CHARACTERS
        and shaped
        and name not in FIELD_TERMS
        and name.lower() not in _stop_words()
        and name.lower() not in common_words
    )


def lower_case_words(papers: Iterable[Paper]) -> set[str]:
    """Words the corpus writes in lower case: a name spelled like one of them is an ordinary word."""
    words: set[str] = set()
    for paper in papers:
        words.update(LOWER_WORD.findall(paper.title))
        words.update(LOWER_WORD.findall(paper.abstract))
    return words


def name_index(papers: Sequence[Paper]) -> dict[str, str]:
    """Short name -> paper id, for the distinctive names that belong to exactly one paper."""
    owners: dict[str, list[str]] = defaultdict(list)
    for paper in papers:
        name = short_name(paper.title)
        if name is not None:
            owners[name].append(paper.id)
    common = lower_case_words(papers)  # built once: rebuilding it per name made this quadratic
    return {name: ids[0] for name, ids in sorted(owners.items()) if len(ids) == 1 and distinctive(name, common)}


def defines_acronym(text: str, start: int, name: str) -> bool:
    """True when ``name`` at ``start`` closes a parenthesis that spells out its words.

    "multi-text video generation (MTVG)" and "(a.k.a., Lower-Level Singleton, LLS)" define
    their own acronym: the capitals of the name are the initials of the words just before it.
    """
    end = start + len(name)
    if text[end : end + 1] != ")":
        return False
    capitals = [c.lower() for c in name if c.isupper()]
    if len(capitals) < 2:
        return False
    before = re.findall(r"[A-Za-z]+", text[max(0, start - DEFINITION_WINDOW) : start])
    initials = [w[0].lower() for w in before[-len(capitals) :]]
    return initials == capitals


def find_mentions(paper: Paper, names: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, target id) of each mention in the abstract, in order; never the paper itself."""
    text = paper.abstract
    if names.keys().isdisjoint(WORD.findall(text)):  # most abstracts name no paper: one C-level pass
        return []
    found: list[tuple[int, int, str]] = []
    defined: set[str] = set()
    for match in WORD.finditer(text):
        name = match.group()
        target = names.get(name)
        if target is None or target == paper.id:
            continue
        if defines_acronym(text, match.start(), name):
            defined.add(name)
        found.append((match.start(), match.end(), target))
    # An abstract that defines the acronym means its own thing by it everywhere, not the paper.
    return [(s, e, t) for s, e, t in found if text[s:e] not in defined]


def mentions(papers: Sequence[Paper]) -> dict[str, tuple[tuple[int, int, str], ...]]:
    """Paper id -> its mentions (start, end, target id), for the papers that have any."""
    names = name_index(papers)
    result: dict[str, tuple[tuple[int, int, str], ...]] = {}
    for paper in papers:
        found = find_mentions(paper, names)
        if found:
            result[paper.id] = tuple(found)
    return result


def mentioned_by(found: dict[str, tuple[tuple[int, int, str], ...]]) -> dict[str, tuple[str, ...]]:
    """Paper id -> ids of the papers whose abstracts mention it, sorted by id."""
    backlinks: dict[str, set[str]] = defaultdict(set)
    for source, spans in found.items():
        for _, _, target in spans:
            backlinks[target].add(source)
    return {target: tuple(sorted(sources)) for target, sources in sorted(backlinks.items())}
