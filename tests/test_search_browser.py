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


def _seed_project(root: Path) -> Path:
    """A temp copy of this repo's project (content, mkdocs.yml, overrides) at ``root``, using its generator."""
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "generator").symlink_to(REPO / "generator")
    return root


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real corpus (content/ of this repo), built in a temp copy and served."""
    with served(_build(_seed_project(tmp_path_factory.mktemp("seeds") / "project"))) as base:
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
    assert json.loads((root / "site" / "pagefind" / SHARDS).read_text(encoding="utf-8"))["shards"] == ["0/", "1/", "2/"]
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


# --- the lexicon: a query is answered as one index would answer it, from the shards that can ---


def _answer(
    browser: Any, base: str, query: str, paste: bool = False, reading_ms: int = 1000, cores: int = 2
) -> tuple[str, list[str], list[str]]:
    """Type (or paste) ``query`` after ``reading_ms`` of reading, on a machine of ``cores`` cores:
    its status line, its result links and the index files fetched from the first key to the
    answer (relative to the bundle)."""
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))
    context.add_init_script(f"Object.defineProperty(navigator, 'hardwareConcurrency', {{ get: () => {cores} }});")
    page = context.new_page()
    page.goto(base)
    page.evaluate("(query) => navigator.clipboard.writeText(query)", query)
    page.wait_for_timeout(reading_ms)  # the engine (and, with few shards, the shards) load while the reader reads
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url.removeprefix(base + "pagefind/")))
    page.keyboard.press("s")
    if paste:
        page.keyboard.press("Control+V")
    else:
        page.keyboard.type(query)
    for _ in range(750):  # polled: wait_for_function evaluates a string, which the pages' policy forbids
        if page.get_attribute(".pl-search .md-search-result__list", "data-query") == query:
            break
        page.wait_for_timeout(20)
    status = page.inner_text(".pl-search .md-search-result__meta")
    shown = min(10, int(status.split()[0])) if status[0].isdigit() else 0
    for _ in range(750):  # every result shown: its fragment is in
        if page.locator(RESULT_LINKS).count() == shown:
            break
        page.wait_for_timeout(20)
    page.wait_for_load_state("networkidle")
    links = [link.get_attribute("href").removeprefix(base) for link in page.locator(RESULT_LINKS).all()]
    context.close()
    return status, links, sorted(url for url in fetched if "/index/" in url or url.startswith("index/"))


def _own_words(root: Path) -> list[str]:
    """For each shard of the sharded fixture, a word of its paper's title that no other shard's page holds."""
    texts = [
        page.read_text(encoding="utf-8").lower()
        for page in sorted((root / "build" / "search").glob("*/papers/*/index.html"))
    ]
    words = []
    for _, title in _shard_papers(root):
        own = [w for w in title.split() if w.isalpha() and len(w) > 5 and sum(w.lower() in t for t in texts) == 1]
        assert own, title
        words.append(own[0])
    return words


def test_a_query_is_answered_as_one_index_answers_it(browser: Any, sharded_site: Path) -> None:
    """A shard that lacks a word of the query does not answer with the papers that hold the
    others: words held by different shards, never by one paper, find nothing."""
    first, second, _ = _own_words(sharded_site)
    with served(sharded_site / "site") as base:
        assert _answer(browser, base, first)[0] == "1 matching paper"
        status, links, _ = _answer(browser, base, f"{first} {second}")
    assert (status, links) == ("No matching papers", [])


def test_the_engine_s_own_page_is_never_a_result(browser: Any, sharded_site: Path) -> None:
    """The engine's index (of no paper) holds one word, ``_``, and is searched beside each shard:
    a query word starting with ``_`` matches it there, and it is not shown."""
    own = _own_words(sharded_site)[0]
    with served(sharded_site / "site") as base:
        assert _answer(browser, base, "_private", paste=True)[:2] == ("No matching papers", [])
        status, links, _ = _answer(browser, base, f"_private {own}", paste=True)
    assert status == "1 matching paper" and len(links) == 1 and links[0].startswith("papers/")


@pytest.fixture(scope="module")
def seed_in_shards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seed corpus in 10 search shards of 50 papers (more than are searched beside the lexicon), served."""
    root = _seed_project(tmp_path_factory.mktemp("seed-shards") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SHARD_ENV, "50")
        site = _build(root)
    assert len(json.loads((site / "pagefind" / SHARDS).read_text(encoding="utf-8"))["shards"]) == 10
    with served(site) as base:
        yield base


@pytest.mark.parametrize("query", ["LoLDU", "unlearning", "diffusion model", "low rank adaptation", "quantum zzzzqx"])
def test_ten_shards_answer_as_one_shard_does(browser: Any, seed_site: str, seed_in_shards: str, query: str) -> None:
    one_status, one_links, _ = _answer(browser, seed_site, query)
    ten_status, ten_links, _ = _answer(browser, seed_in_shards, query)
    assert ten_status == one_status
    # Scores come from each shard's own word statistics, so the order may differ; the papers may not.
    if one_status != "No matching papers" and int(one_status.split()[0]) <= 10:
        assert sorted(ten_links) == sorted(one_links)


@pytest.mark.parametrize("paste", [True, False])
def test_with_many_shards_a_rare_word_fetches_one_shards_index(browser: Any, seed_in_shards: str, paste: bool) -> None:
    """Pasted or typed (its first letters match words everywhere), a word of one paper fetches
    the index of that paper's shard and the lexicon's, no other shard's."""
    status, links, fetched = _answer(browser, seed_in_shards, "LoLDU", paste)
    assert status == "1 matching paper" and "loldu-low-rank-adaptation-via-lower-diag-upper" in links[0]
    shards = {url.split("/")[0] for url in fetched if url.split("/")[0].isdigit()}
    assert len(shards) == 1, fetched
    assert any(url.startswith("lexicon/index/") for url in fetched), fetched


@pytest.mark.parametrize("cores", [1, 2, 4])
def test_shards_on_every_core_answer_as_one_shard_does(
    browser: Any, seed_site: str, seed_in_shards: str, cores: int
) -> None:
    """The shards' engines are spread over one web worker per core; a query pasted as the page
    opens (while the engines are being made on each worker) gets the answer one index gives.
    Made together in a fresh worker, two engines each instantiated Pagefind's WebAssembly and
    the later broke the earlier ("memory access out of bounds": search unavailable)."""
    one = _answer(browser, seed_site, "diffusion model", paste=True)[:2]
    for _ in range(3):
        status, links, _ = _answer(browser, seed_in_shards, "diffusion model", paste=True, reading_ms=0, cores=cores)
        assert status == one[0]
        assert len(links) == len(one[1])
