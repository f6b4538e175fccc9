"""Golden files: the rendered Markdown of a handful of pages, byte for byte.

A change to a template or to the render stage shows up here as a readable diff. When the change
is intended, refresh the files with ``make golden`` and review them in the pull request.
"""

from __future__ import annotations

import difflib
import os
from datetime import date
from pathlib import Path

import pytest
from test_render import catalog, paper

from generator.render import Renderer
from generator.sitefiles import feeds

GOLDEN = Path(__file__).resolve().parent / "golden"
REFRESH = os.environ.get("PAPERLIST_REFRESH_GOLDEN") == "1"

PAPERS = [
    paper(
        "loldu-low-rank-adaptation",
        "LoLDU: Low-Rank Adaptation via Lower-Diag-Upper Decomposition",
        "We propose LoLDU, a parameter-efficient fine-tuning method.\nIt keeps *quality* with <0.1% of the weights.",
        published=date(2024, 10, 17),
        authors=5,
        upvotes=3,
        topics=("low-rank",),
        tags=("lora",),
        status="must-read",
        note="Read section 3 first & skip the appendix.",
    ),
    paper(
        "single-layer-unlearning",
        "Single Layer Single Gradient Unlearning",
        "Machine unlearning in one gradient step on one layer, unlike LoLDU (which adapts) & friends.",
        published=date(2025, 10, 2),
        authors=2,
        upvotes=0,
        topics=("unlearning",),
        tags=(),
    ),
    paper(
        "distributed-linear-bandits",
        "Distributed Contextual Linear Bandits <with> `N` agents_",
        "Agents cooperate; minimax optimal regret with $d$ dimensions and [links](javascript:x).",
        published=None,
        authors=None,
        upvotes=None,
        topics=("bandits", "low-rank"),
        tags=("regret",),
    ),
    paper(
        "low-rank-bandits",
        "Low-Rank Bandits",
        "Bandits whose reward matrix has low rank; regret bounds.",
        published=date(2024, 1, 9),
        upvotes=12,
        topics=("bandits",),
        tags=("regret", "lora"),
    ),
]
PAGES = [
    "papers/loldu-low-rank-adaptation.md",
    "papers/single-layer-unlearning.md",
    "papers/distributed-linear-bandits.md",
    "topics/bandits.md",
    "tags/regret.md",
    "index.md",
    "stats.md",
]
FEEDS = ["topics/bandits/feed.xml"]


def rendered() -> dict[str, str]:
    cat = catalog(PAPERS)
    return {**Renderer(cat).pages(), **feeds(cat)}


def golden_path(page: str) -> Path:
    return GOLDEN / page.replace("/", "__")


@pytest.mark.parametrize("page", PAGES + FEEDS)
def test_rendered_page_matches_its_golden_file(page: str) -> None:
    text = rendered()[page]
    path = golden_path(page)
    if REFRESH:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    assert path.is_file(), f"{path} is missing: run `make golden` to create it"
    expected = path.read_bytes().decode("utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True), f"golden/{path.name}", page
            )
        )
        pytest.fail(f"{page} differs from its golden file (run `make golden` if intended):\n{diff}", pytrace=False)
