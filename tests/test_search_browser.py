"""Search in a real browser: the site's own index (generator/search.py) behind the header's search field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import RESULT_LINKS, RESULTS, answer, build_site, seed_project, served

from conftest import make_project

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOLDU = "papers/loldu-low-rank-adaptation-via-lower-diag-upper"
HOSTILE_TITLE = '<b>x</b> Quokkafold & <img src=x onerror="window.__pwned=1"> &lt;i&gt;'
HOSTILE_ABSTRACT = "Quokkafold <script>window.__pwned=1</script> keeps &amp; and <em>tags</em> as text."


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real corpus (content/ of this repo), built in a temp copy and served."""
    with served(build_site(seed_project(tmp_path_factory.mktemp("seeds") / "project"))) as base:
        yield base


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The small fixture project plus one paper whose title and abstract hold markup."""
    root = make_project(tmp_path_factory.mktemp("hostile") / "project")
    record = root / "content" / "papers" / "b-x-b-quokkafold.yml"
    record.write_text(
        f"title: {_quoted(HOSTILE_TITLE)}\nabstract: {_quoted(HOSTILE_ABSTRACT)}\npublished: 2024-05-01\n"
        "authors: 1\nupvotes: 3\nsources: []\ntopics:\n  - bandits\ntags: []\n",
        encoding="utf-8",
    )
    with served(build_site(root)) as base:
        yield base


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _search(browser: Any, url: str, query: str) -> Any:
    """Open ``url``, press ``s`` and type ``query``; the page once the first result link shows."""
    page = browser.new_page()
    page.goto(url)
    page.keyboard.press("s")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')"), "s did not focus search"
    page.keyboard.type(query)
    page.wait_for_selector(RESULT_LINKS, state="visible", timeout=15_000)
    return page


def test_searching_the_seed_site_for_a_short_name_finds_its_page(browser: Any, seed_site: str) -> None:
    page = _search(browser, seed_site, "LoLDU")
    first = page.locator(RESULT_LINKS).first
    href = first.get_attribute("href")
    assert href is not None and f"/{LOLDU}" in href
    assert first.inner_text().startswith("LoLDU: Low-Rank Adaptation via Lower-Diag-Upper Decomposition")
    # The results live inside the header's search container, and the link leads to the paper.
    assert page.locator("header .md-search " + RESULT_LINKS.removeprefix(".pl-search ")).count() >= 1
    first.click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(href.rstrip("/").rsplit("/", 1)[-1])
    assert "LoLDU" in page.title()
    page.close()


def test_a_pasted_query_is_searched_whole(browser: Any, seed_site: str) -> None:
    """A paste (one input event, searched without the typing debounce) answers the whole query."""
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=seed_site.rstrip("/"))
    page = context.new_page()
    page.goto(seed_site)
    status, links = answer(page, "LoLDU", paste=True)
    context.close()
    assert status == "1 matching paper"
    assert links and LOLDU in links[0]


def test_a_word_being_typed_matches_as_a_prefix(browser: Any, seed_site: str) -> None:
    """The last word, still being typed, already finds the papers of the words it starts; once
    a space ends it, it is a whole word."""
    page = browser.new_page()
    page.goto(seed_site)
    status, links = answer(page, "LoLD")
    assert status == "1 matching paper" and LOLDU in links[0]
    assert answer(page, "LoLD ") == ("No matching papers", [])
    page.close()


def test_excerpts_mark_the_words_found(browser: Any, seed_site: str) -> None:
    page = _search(browser, seed_site, "unlearning ")
    marks = [m.inner_text().lower() for m in page.locator(f"{RESULTS} .md-search-result__teaser mark").all()]
    assert marks and all("unlearn" in m for m in marks), marks
    page.close()


def test_search_works_from_a_nested_page(browser: Any, seed_site: str) -> None:
    page = _search(browser, seed_site + "topics/", "unlearning")
    hrefs = [a.get_attribute("href") or "" for a in page.locator(RESULT_LINKS).all()]
    assert hrefs and all(h.startswith(seed_site + "papers/") for h in hrefs)
    assert "matching paper" in page.inner_text(".pl-search .md-search-result__meta")
    page.close()


def test_escape_closes_the_search(browser: Any, seed_site: str) -> None:
    page = _search(browser, seed_site, "LoLDU")
    assert page.evaluate("document.getElementById('__search').checked")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")
    page.close()


def test_only_the_latest_query_is_answered(browser: Any, seed_site: str) -> None:
    """A query replaced while its files load never shows: the list answers the newest."""
    page = browser.new_page()
    page.goto(seed_site)
    page.keyboard.press("s")
    page.keyboard.type("LoLDU", delay=0)
    page.keyboard.press("Control+A")
    status, links = answer(page, "unlearning ")
    assert "matching paper" in status and links and not any(LOLDU in link for link in links)
    page.wait_for_timeout(500)  # any late answer to LoLDU would be in by now
    assert page.get_attribute(RESULTS, "data-query") == "unlearning "
    assert not any(LOLDU in (a.get_attribute("href") or "") for a in page.locator(RESULT_LINKS).all())
    page.close()


def test_titles_and_abstracts_show_as_literal_text_in_results(browser: Any, hostile_site: str) -> None:
    page = _search(browser, hostile_site, "Quokkafold")
    result = page.locator(".pl-search .md-search-result__list").first
    assert result.locator("h1").first.inner_text() == HOSTILE_TITLE
    teaser = result.locator(".md-search-result__teaser").first.inner_text()
    assert "<script>window.__pwned=1</script>" in teaser and "&amp;" in teaser and "<em>tags</em>" in teaser
    assert result.locator("b, img, script, em").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.close()
