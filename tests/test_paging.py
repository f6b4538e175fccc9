"""Long topic and tag lists come in pages, in each order readers sort by, each page bounded."""

from __future__ import annotations

import posixpath
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from mkdocs.utils.meta import get_data
from test_render import Text, catalog, paper, to_html

from conftest import REPO, make_project
from generator import paging
from generator.build import build
from generator.linkcheck import check_site
from generator.project import Project
from generator.render import Renderer
from generator.urls import page_url

TOPIC = [
    paper(
        f"p{i:02d}",
        f"Paper {i} on bandits",
        published=date(2024, 1, 1) + timedelta(days=i),
        upvotes=None if i % 4 == 0 else (i * 7) % 11,
        tags=("regret",),
    )
    for i in range(8)
]


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(paging, "PAGE_ROWS", 3)
    return Renderer(catalog([*TOPIC, paper("other", "Other", topics=("low-rank",))])).pages()


def listed(page: str) -> list[str]:
    """The ids of the papers a list page shows, in order."""
    parser = Text("pl-title")
    parser.feed(to_html(page))
    return [href.rstrip("/").split("/")[-1] for href in parser.hrefs]


def order_pages(pages: dict[str, str], base: str, order: str) -> list[str]:
    first = f"{base}.md" if order == "newest" else f"{base}/top.md"
    rest = [f"{base}/{n}.md" if order == "newest" else f"{base}/top/{n}.md" for n in range(2, 10)]
    return [first, *[p for p in rest if p in pages]]


@pytest.mark.parametrize("base", ["topics/bandits", "tags/regret"])
def test_a_long_list_is_paged_in_each_order_with_every_paper_once(pages: dict[str, str], base: str) -> None:
    newest = [i for p in order_pages(pages, base, "newest") for i in listed(pages[p])]
    top = [i for p in order_pages(pages, base, "top") for i in listed(pages[p])]
    assert len(order_pages(pages, base, "newest")) == len(order_pages(pages, base, "top")) == 3
    assert newest == [p.id for p in sorted(TOPIC, key=lambda p: p.published, reverse=True)]  # type: ignore[arg-type, return-value]
    assert sorted(top) == sorted(newest) and len(set(top)) == len(top)
    votes = {p.id: p.upvotes for p in TOPIC}
    shown = [votes[i] for i in top]
    counted = [v for v in shown if v is not None]
    assert counted == sorted(counted, reverse=True) and shown[len(counted) :] == [None] * (len(shown) - len(counted))


def test_a_short_list_stays_one_page_sorted_in_the_browser(pages: dict[str, str]) -> None:
    assert "topics/low-rank.md" in pages and not [p for p in pages if p.startswith("topics/low-rank/")]
    assert "data-pl-sortable" not in pages["topics/low-rank.md"] and "data-sort-default" in pages["topics/low-rank.md"]
    assert "data-pl-sortable" in pages["topics/bandits/2.md"]  # a page of a paged list does not sort itself


def test_every_page_has_its_own_title_and_description(pages: dict[str, str]) -> None:
    paged = order_pages(pages, "topics/bandits", "newest") + order_pages(pages, "topics/bandits", "top")
    metas = [get_data(pages[p])[1] for p in paged]
    assert len({m["title"] for m in metas}) == len({m["description"] for m in metas}) == len(paged)
    assert metas[0]["title"] == "Bandits" and metas[1]["title"] == "Bandits — page 2"
    assert (
        metas[3]["title"] == "Bandits, most upvoted" and "Page 2 of 3, most upvoted first." in metas[4]["description"]
    )


def test_page_links_resolve_and_mark_the_current_page(pages: dict[str, str]) -> None:
    for path in order_pages(pages, "topics/bandits", "newest") + order_pages(pages, "topics/bandits", "top"):
        html = to_html(pages[path])
        parser = Text("*")
        parser.feed(html)
        for href in parser.hrefs:
            if href.startswith("https://"):
                continue
            target = posixpath.normpath(posixpath.join(page_url(path), href))
            target = "" if target == "." else target
            assert (
                target.endswith(".xml") or f"{target}.md" in pages or f"{target}/index.md" in pages or target == ""
            ), (
                path,
                href,
            )
        nav = re.findall(r'<nav class="pl-pages" aria-label="Pages of the list">.*?</nav>', html)
        assert len(nav) == 1 and nav[0].count('aria-current="page"') == 1
        current = re.search(r'href="([^"]*)" aria-current="page"', nav[0])
        assert current and posixpath.normpath(posixpath.join(page_url(path), current.group(1))) == page_url(
            path
        ).rstrip("/")
        orders = re.findall(r'<nav class="pl-orders" aria-label="Order of the list">.*?</nav>', html)
        assert len(orders) == 1 and orders[0].count('aria-current="page"') == 1


def test_no_list_page_is_over_the_bound_at_the_real_page_size() -> None:
    """Rows as heavy as real ones get (long titles, full excerpts, badges, links): a page stays far under 500 KB
    of HTML, leaving room for the theme's own markup (about 40 KB)."""
    words = ("Regret", "&", "<bounds>", "of", "low-rank", "bandits", 'with "quoted"', "side", "information")
    abstract = " ".join(words[i % len(words)] for i in range(300))
    title = " ".join(words[i % len(words)] for i in range(30))
    heavy = [
        paper(f"a-long-paper-id-of-the-list-{i:05d}", f"{title} {i}", abstract, arxiv="2410.13618", status="must-read")
        for i in range(paging.PAGE_ROWS * 2 + 1)
    ]
    pages = Renderer(catalog(heavy)).pages()
    sizes = {p: len(t.encode()) for p, t in pages.items() if p.startswith("topics/bandits")}
    assert len(sizes) == 6  # three pages in each order
    assert max(sizes.values()) < 400_000, sizes


@pytest.mark.slow
def test_a_built_site_with_paged_lists_passes_the_link_checker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed site built by MkDocs with the theme: every link of every page, paged lists' included, resolves."""
    monkeypatch.setattr(paging, "PAGE_ROWS", 10)  # the seed's longer lists come in pages
    root = make_project(tmp_path / "project", REPO)
    build(Project(root))
    site = root / "site"
    paged = sorted((site / "topics").glob("*/top/2/index.html"))
    assert paged, "no list was paged, so this proves nothing"
    html = paged[0].read_text(encoding="utf-8")
    assert "— page 2" in html and 'aria-current="page"' in html
    checked, problems = check_site(site)
    assert checked > len(paged) and [str(p) for p in problems] == []
