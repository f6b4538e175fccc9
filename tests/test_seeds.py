"""The five real dumps: every entry read, fields checked by hand against the files.

Expected values were read off the dumps with an editor (line numbers as an editor shows
them), not copied from the parser's output.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.parse import Entry, parse_dump
from generator.problems import Problem
from generator.sources import discover

SOURCES = Path(__file__).resolve().parent.parent / "content" / "sources"
D000, D001, D002 = "000_8f80a89e55e3a444.txt", "001_e447b57b6173f75c.txt", "002_367fe3e6a2dba6b3.txt"
D003, D004 = "003_b02779cee325fa53.txt", "004_4e5b10796f05fdf1.txt"
Seeds = tuple[dict[str, list[Entry]], list[Problem]]


@pytest.fixture(scope="module")
def seeds() -> Seeds:
    sources, problems = discover(SOURCES)
    parsed: dict[str, list[Entry]] = {}
    for source in sources:
        assert source.capture_year == 2025, source.path.name
        entries, found = parse_dump(source.path, source.capture_year)
        parsed[source.path.name] = entries
        problems += found
    return parsed, problems


def by_line(seeds: Seeds, name: str, line: int) -> Entry:
    (entry,) = [e for e in seeds[0][name] if e.line == line]
    return entry


def test_all_550_entries_488_titles_and_no_problem(seeds: Seeds) -> None:
    parsed, problems = seeds
    counts = {name: len(entries) for name, entries in parsed.items()}
    assert counts == {D000: 59, D001: 248, D002: 50, D003: 74, D004: 119}
    assert len({e.title for entries in parsed.values() for e in entries}) == 488
    assert problems == []


def test_every_entry_is_named_after_its_dump_and_is_plain_text(seeds: Seeds) -> None:
    for name, entries in seeds[0].items():
        for entry in entries:
            assert entry.source == name
            assert entry.title and entry.abstract and len(entry.title) < len(entry.abstract)
            assert entry.title == entry.title.strip() and not entry.title.startswith("Subscribe")
            assert "\n" not in entry.title + entry.abstract


# (dump, title line, title, abstract length, abstract start, abstract end, authors, published, upvotes)
SAMPLES = [
    # blank-line layout under a header that ends with the page date "Mar 12": first and last entry
    (D000, 11, "Low Rank Matrix Completion via Robust Alternating Minimization in Nearly Linear Time",
     1459, "Given a matrix Min R^{mtimes n}, the low", "widetilde O(|Omega| k^2) time.", None, None, None),
    (D000, 243, "Initialization using Update Approximation is a Silver Bullet for Extremely Efficient Low-Rank"
     " Fine-Tuning", 1377, "Low-rank adapters have become standard f", "b.com/RaghavSinghal10/lora-sb.",
     None, None, None),
    # no blank lines, "Subscribe" glued to the first title
    (D001, 3, "Watch Your Steps: Local Image and Scene Editing by Text Instructions",
     1080, "Denoising diffusion models have enabled ", "hmrz.github.io/WatchYourSteps/", None, None, None),
    (D001, 497, "Learning to Edit: Aligning LLMs with Knowledge Editing",
     1327, "Knowledge editing techniques, aiming to ", "tps://github.com/YJiangcm/LTE.", None, None, None),
    (D002, 11, "Recurrent Variational Network: A Deep Learning Inverse Problem Solver applied to the task of"
     " Accelerated MRI Reconstruction", 1888, "Magnetic Resonance Imaging can produce d",
     "eep learning-based approaches.", None, None, None),
    (D002, 207, "Probabilistic Programming with Programmable Variational Inference",
     1913, "Compared to the wide array of advanced M", "-established open-source PPLs.", None, None, None),
    # metadata blocks
    (D003, 13, "Computational Limits of Low-Rank Adaptation (LoRA) for Transformer-Based Models",
     1411, "We study the computational limits of Low", "of weights in attention heads.", 5, date(2024, 6, 5), 0),
    (D003, 29, "Symbolic Discovery of Optimization Algorithms",  # "Feb 13, 2023 1": one upvote
     1782, "We present a method to formulate algorit", "of Lion is publicly available.", 12, date(2023, 2, 13), 1),
    (D003, 61, "Optimal Control Meets Flow Matching: A Principled Route to Multi-Subject Fidelity",  # "Oct 2 2"
     1444, "Text-to-image (T2I) models excel on sing", "ubject fidelity across models.", 3, date(2025, 10, 2), 2),
    (D003, 349, "Harnessing Uncertainty: Entropy-Modulated Policy Gradients for Long-Horizon LLM Agents",  # "Sep 11 4"
     1461, "In long-horizon tasks, recent agents bas", "tps://empgseed-seed.github.io/", 10, date(2025, 9, 11), 4),
    # the two entries of 003 without a metadata block
    (D003, 485, "Mathematical exploration and discovery at scale",
     1660, "AlphaEvolve is a generic evolutionary co", "paration and computation time.", None, None, None),
    (D003, 537, "TreePO: Bridging the Gap of Policy Optimization and Efficacy and Inference Efficiency with Heuristic"
     " Tree-based Modeling", 1680, "Recent advancements in aligning large la", "es at https://m-a-p.ai/TreePO.",
     None, None, None),
    # last entry, year-less "Feb 27" without upvotes, at the end of a file without a final newline
    (D003, 589, "An Attempt to Catch Up with JIT Compilers: The False Lead of Optimizing Inline Caches",
     1451, "Context: Just-in-Time (JIT) compilers ar", "lers as well as JIT compilers.", 3, date(2025, 2, 27), 0),
    (D004, 3, "Distributed Contextual Linear Bandits with Minimax Optimal Communication Cost",
     1368, "We study distributed contextual linear b", " designed consensus procedure.", None, None, None),
    (D004, 239, "Breaking the Reclustering Barrier in Centroid-based Deep Clustering",
     1158, "This work investigates an important phen", "ing-the-reclustering-barrier .", None, None, None),
]  # fmt: skip


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{s[0][:3]}:{s[1]}" for s in SAMPLES])
def test_hand_checked_entry(seeds: Seeds, sample: tuple[object, ...]) -> None:
    name, line, title, length, start, end, authors, published, upvotes = sample
    assert isinstance(name, str) and isinstance(line, int) and isinstance(start, str) and isinstance(end, str)
    entry = by_line(seeds, name, line)
    assert (entry.title, len(entry.abstract), entry.authors, entry.published, entry.upvotes) == (
        title,
        length,
        authors,
        published,
        upvotes,
    )
    assert entry.abstract.startswith(start) and entry.abstract.endswith(end)


def test_first_and_last_entry_of_each_file_are_the_samples(seeds: Seeds) -> None:
    ends = {name: (entries[0].line, entries[-1].line) for name, entries in seeds[0].items()}
    assert ends == {D000: (11, 243), D001: (3, 497), D002: (11, 207), D003: (13, 589), D004: (3, 239)}


def test_metadata_layout_has_metadata_on_all_but_two_entries(seeds: Seeds) -> None:
    entries = seeds[0][D003]
    assert [e.line for e in entries if e.authors is None] == [485, 537]
    assert all(e.published is not None and e.upvotes is not None for e in entries if e.authors is not None)
    # Layouts without metadata print no upvotes at all: null, not 0.
    for name in (D000, D001, D002, D004):
        assert {(e.authors, e.published, e.upvotes) for e in seeds[0][name]} == {(None, None, None)}
