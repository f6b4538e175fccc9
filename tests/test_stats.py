"""The stats page: papers per topic, per month and top tags, as Mermaid charts and tables."""

from __future__ import annotations

from datetime import date

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


def test_stats_page_has_a_chart_and_a_table_for_each_count() -> None:
    page = Renderer(catalog(PAPERS)).pages()["stats.md"]
    assert page.count("```mermaid\nxychart-beta") == 3
    assert 'x-axis ["2024-01", "2024-03"]' in page and "bar [2, 1]" in page
    html = to_html(page)
    assert html.count('<pre class="mermaid"><code>') == 3
    rows = texts(html, "pl-stats")
    assert "Low-rank & matrix methods2" in rows[0].replace("\n", "")
    assert "2024-011" not in rows[1] and "2024-012" in rows[1].replace("\n", "")


def test_an_empty_list_still_renders() -> None:
    page = Renderer(catalog([paper("a", "A", published=None)])).pages()["stats.md"]
    assert "No paper has a publication date yet." in page
