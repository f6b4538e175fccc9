"""The stats page: papers per topic, per month and top tags, as tables with a bar in each row."""

from __future__ import annotations

import re
from datetime import date

from mkdocs.utils.meta import get_data
from test_render import catalog, paper, texts, to_html

from generator import stats
from generator.render import Renderer

PAPERS = [
    paper("a", "A", published=date(2024, 1, 5), topics=("bandits",), tags=("regret",)),
    paper("b", "B", published=date(2024, 1, 20), topics=("bandits", "low-rank"), tags=("regret", "lora")),
    paper("c", "C", published=date(2024, 3, 1), topics=("low-rank",), tags=("lora",)),
    paper("d", "D", published=None, topics=("unlearning",), tags=("lora",)),
]


def test_counts_per_topic_month_and_tag() -> None:
    found = stats.compute(catalog(PAPERS))
    assert found.topics == (("bandits", 2), ("low-rank", 2), ("unlearning", 1))
    assert found.months == (("2024-01", 2), ("2024-03", 1))
    assert found.tags == (("lora", 3), ("regret", 2))
    assert (found.undated, found.total) == (1, 4)


def test_stats_page_draws_its_charts_at_build_time() -> None:
    page = Renderer(catalog(PAPERS)).pages()["stats.md"]
    meta = get_data(page)[1]
    assert meta["title"] == "Stats" and meta["paperlist_html"] is True  # no Markdown, no metadata printed as text
    assert "mermaid" not in page and "<script" not in page and "style=" not in page  # nothing for a script to draw
    html = to_html(page)
    rows = texts(html, "pl-stats")
    assert "Low-rank & matrix methods2" in rows[0].replace("\n", "")
    assert "2024-011" not in rows[1] and "2024-012" in rows[1].replace("\n", "")
    # each bar is as long as its count, relative to the largest
    assert re.findall(r'<rect width="([0-9.]+)"', page) == ["100.0", "100.0", "50.0", "100.0", "50.0", "100.0", "66.7"]


def test_an_empty_list_still_renders() -> None:
    page = Renderer(catalog([paper("a", "A", published=None)])).pages()["stats.md"]
    assert "No paper has a publication date yet." in page
