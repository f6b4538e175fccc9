"""Search in a real browser: Pagefind behind the header's search field, on built sites."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import served

from conftest import REPO, make_project, run_generator
from generator.search import SHARD_ENV, SHARDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESULT_LINKS = ".pl-search .md-search-result__list a[href]"
HOSTILE_TITLE = '<b>x</b> Quokkafold & <img src=x onerror="window.__pwned=1"> &lt;i&gt;'
HOSTILE_ABSTRACT = "Quokkafold <script>window.__pwned=1</script> keeps &amp; and <em>tags</em> as text."


def _build(root: Path) -> Path:
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    return root / "site"


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real corpus (content/ of this repo), built in a temp copy and served."""
    root = tmp_path_factory.mktemp("seeds") / "project"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "generator").symlink_to(REPO / "generator")
    with served(_build(root)) as base:
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
    with served(_build(root)) as base:
        yield base


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small fixture project with one paper per search shard: three Pagefind bundles, merged in the browser."""
    root = make_project(tmp_path_factory.mktemp("sharded") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SHARD_ENV, "1")
        _build(root)
    assert json.loads((root / "site" / "pagefind" / SHARDS).read_text(encoding="utf-8")) == {"shards": ["0/", "1/", "2/"]}
    return root


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
    assert href is not None and "/papers/loldu-low-rank-adaptation-via-lower-diag-upper" in href
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
    page.evaluate("navigator.clipboard.writeText('LoLDU')")
    page.keyboard.press("s")
    page.keyboard.press("Control+V")
    page.wait_for_selector(RESULT_LINKS, state="visible", timeout=15_000)
    answered = page.get_attribute(".pl-search .md-search-result__list", "data-query")
    first = page.locator(RESULT_LINKS).first.get_attribute("href") or ""
    context.close()
    assert answered == "LoLDU"
    assert "/papers/loldu-low-rank-adaptation-via-lower-diag-upper" in first


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


def test_titles_and_abstracts_show_as_literal_text_in_results(browser: Any, hostile_site: str) -> None:
    page = _search(browser, hostile_site, "Quokkafold")
    result = page.locator(".pl-search .md-search-result__list").first
    assert result.locator("h1").first.inner_text() == HOSTILE_TITLE
    teaser = result.locator(".md-search-result__teaser").first.inner_text()
    assert "<script>window.__pwned=1</script>" in teaser and "&amp;" in teaser and "<em>tags</em>" in teaser
    assert result.locator("b, img, script, em").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.close()


def _shard_papers(root: Path) -> list[tuple[str, str]]:
    """(paper id, title) of the one paper in each search shard, in shard order."""
    found = []
    for shard in sorted((root / "build" / "search").glob("[0-9]*"), key=lambda p: int(p.name)):
        (page,) = shard.glob("papers/*/index.html")
        title = page.read_text(encoding="utf-8").split("<title>")[1].split("</title>")[0]
        found.append((page.parent.name, title))
    return found


def test_a_search_finds_the_papers_of_every_shard(browser: Any, sharded_site: Path) -> None:
    papers = _shard_papers(sharded_site)
    assert len(papers) == 3
    with served(sharded_site / "site") as base:
        for paper_id, title in papers:
            page = _search(browser, base + "topics/", " ".join(title.split()[:3]))
            first = page.locator(RESULT_LINKS).first
            assert first.get_attribute("href") == f"{base}papers/{paper_id}/", title
            assert first.locator("h1").inner_text() == title
            page.close()


def test_a_missing_shard_makes_search_say_it_is_unavailable(
    browser: Any,
    sharded_site: Path,
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    shutil.copytree(sharded_site / "site", site)
    shutil.rmtree(site / "pagefind" / "2")
    with served(site) as base:
        page = browser.new_page()
        page.goto(base)
        page.keyboard.press("s")
        page.keyboard.type("Single Layer")
        meta = ".pl-search .md-search-result__meta"
        for _ in range(750):  # polled: wait_for_function evaluates a string, which the pages' policy forbids
            if "unavailable" in page.inner_text(meta):
                break
            page.wait_for_timeout(20)
        assert "Search is unavailable" in page.inner_text(meta)
        assert page.locator(RESULT_LINKS).count() == 0
        page.close()


# --- routing: only the shards that hold every word of a query are searched --------------------

STEMS_MISSING = """async () => {
  // Every word of every title and abstract, as Pagefind's indexer makes it (Unicode letters and
  // digits kept, lower-cased) and stems it: is it in the route files, for the shard it is in?
  const { stem } = await import(new URL("assets/porter2.js", document.baseURI).href);
  const papers = await (await fetch(new URL("papers.json", document.baseURI))).json();
  const list = Array.isArray(papers) ? papers : papers.papers;
  const keep = /[\\p{Alphabetic}\\p{Nd}\\p{Nl}\\p{No}\\p{Pc}]/u; // and its include_characters
  const stems = new Set();
  for (const paper of list) {
    for (const word of `${paper.title} ${paper.abstract}`.split(/\\s+/)) {
      const normal = Array.from(word).filter((c) => keep.test(c)).map((c) => c.toLowerCase()).join("");
      if (Array.from(normal).length >= 2) stems.add(stem(normal));
    }
  }
  const tables = new Map();
  const missing = [];
  for (const word of stems) {
    const key = Array.from(word).slice(0, 2).join("");
    const hex = Array.from(new TextEncoder().encode(key), (b) => b.toString(16).padStart(2, "0")).join("");
    if (!tables.has(hex)) {
      const response = await fetch(new URL(`pagefind/route/${hex}.json`, document.baseURI));
      tables.set(hex, response.ok ? await response.json() : {});
    }
    if (!(word in tables.get(hex))) missing.push(word);
  }
  return [stems.size, missing];
}"""


def test_the_query_stemmer_gives_the_words_pagefind_indexed(browser: Any, seed_site: str) -> None:
    """assets/porter2.js stems each word of the seed corpus to a word Pagefind's index holds."""
    page = browser.new_page()
    page.goto(seed_site)
    count, missing = page.evaluate(STEMS_MISSING)
    page.close()
    assert count > 5000
    assert missing == [], missing


def _fetched_while_searching(browser: Any, base: str, query: str) -> tuple[list[str], str]:
    """The search files fetched from typing ``query`` to its answer, and the answer's status line."""
    page = browser.new_page()
    page.goto(base)
    page.keyboard.press("s")
    page.wait_for_timeout(1000)  # the engine and the shards' bundles load while the reader reads
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url.removeprefix(base)))
    page.keyboard.type(query)
    meta = ".pl-search .md-search-result__meta"
    for _ in range(750):
        if page.get_attribute(".pl-search .md-search-result__list", "data-query") == query:
            break
        page.wait_for_timeout(20)
    page.wait_for_load_state("networkidle")
    status = page.inner_text(meta)
    page.close()
    return fetched, status


def test_a_query_searches_only_the_shards_that_hold_its_words(browser: Any, sharded_site: Path) -> None:
    papers = _shard_papers(sharded_site)
    texts = [page.read_text(encoding="utf-8").lower() for page in sorted((sharded_site / "build" / "search").glob("*/papers/*/index.html"))]
    with served(sharded_site / "site") as base:
        for k, (_, title) in enumerate(papers):
            own = [w for w in title.split() if w.isalpha() and len(w) > 5 and sum(w.lower() in t for t in texts) == 1]
            assert own, title
            fetched, status = _fetched_while_searching(browser, base, own[0])
            chunks = sorted({url.split("/")[1] for url in fetched if "/index/" in url})
            assert chunks == [str(k)], (own[0], fetched)
            assert status == "1 matching paper"
        # Words that are each in some shard but never in the same one: no shard can answer.
        first, second = (next(w for w in t.split() if w.isalpha() and len(w) > 5 and sum(w.lower() in x for x in texts) == 1) for _, t in papers[:2])
        fetched, status = _fetched_while_searching(browser, base, f"{first} {second}")
        assert not [url for url in fetched if "/index/" in url]
        assert status == "No matching papers"
