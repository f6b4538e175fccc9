"""Only a list shown whole on one page sorts in the browser: its front matter says ``sortable``,
which makes overrides/main.html load tablesort. Paged lists (sorted on the server), the home
page and paper pages load none of it (tests/test_a11y_browser.py checks the requests)."""

from __future__ import annotations

import re

import pytest
from mkdocs.utils.meta import get_data
from test_paging import pages  # noqa: F401 - lists paged at three rows

from conftest import REPO


def sortable(page: str) -> object:
    return get_data(page)[1].get("sortable")


def test_a_list_on_one_page_is_sortable(pages: dict[str, str]) -> None:  # noqa: F811
    assert sortable(pages["topics/low-rank.md"]) is True
    assert "data-sort-default" in pages["topics/low-rank.md"]


@pytest.mark.parametrize(
    "path", ["topics/bandits.md", "topics/bandits/2.md", "topics/bandits/top.md", "tags/regret.md"]
)
def test_a_page_of_a_paged_list_is_not(pages: dict[str, str], path: str) -> None:  # noqa: F811
    assert sortable(pages[path]) is None


def test_the_home_page_and_papers_are_not(pages: dict[str, str]) -> None:  # noqa: F811
    assert sortable(pages["index.md"]) is None
    assert "data-sort-default" not in pages["index.md"]  # its lists only say their order
    assert 'aria-sort="descending"' in pages["index.md"]
    papers = [p for p in pages if p.startswith("papers/")]
    assert papers and all(sortable(pages[p]) is None for p in papers)


def test_only_main_html_loads_tablesort() -> None:
    """Not mkdocs.yml's extra_javascript, which every page loads."""
    assert not re.search(r"^extra_javascript:", (REPO / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert "page.meta.sortable" in (REPO / "overrides" / "main.html").read_text(encoding="utf-8")
