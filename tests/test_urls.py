"""The URL scheme (generator/urls.py): every kind of page has one Markdown path and one URL, a
link between any two places resolves back to its target as a browser resolves it, and the
copies of the scheme that cannot import it (mkdocs.yml, the search partial, search.js) agree."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.yaml import yaml_load
from test_render import catalog, paper

from conftest import examples
from generator import search, urls
from generator.sitefiles import paper_json

REPO = Path(__file__).resolve().parent.parent
# A browser's view: the site published in a sub-path of a host.
ROOT = "https://example.org/sub/site/"

ids = st.lists(st.text("abz019", min_size=1, max_size=4), min_size=1, max_size=3).map("-".join)  # slug-shaped
# (Markdown path, URL) of every kind of page the generator writes.
SUMMARIES = [(urls.HOME, ""), (urls.STATS, "stats/"), (urls.TOPICS.index, "topics/"), (urls.TAGS.index, "tags/")]
pages = st.one_of(
    st.sampled_from(SUMMARIES),
    ids.map(lambda i: (urls.PAPERS.page(i), f"papers/{i}/")),
    ids.map(lambda i: (urls.TOPICS.page(i), f"topics/{i}/")),
    ids.map(lambda i: (urls.TAGS.page(i), f"tags/{i}/")),
)
# Every URL the site serves: pages and the files beside them (feeds, papers.json).
places = st.one_of(
    pages.map(lambda page: page[1]),
    st.sampled_from([urls.SITE_FEED, urls.PAPERS_JSON]),
    ids.map(urls.topic_feed),
)


def test_each_kind_of_page_has_the_url_of_the_contract() -> None:
    assert urls.PAPERS.url("x") == urls.page_url(urls.PAPERS.page("x")) == "papers/x/"
    assert urls.TOPICS.url("x") == urls.page_url(urls.TOPICS.page("x")) == "topics/x/"
    assert urls.TAGS.url("x") == urls.page_url(urls.TAGS.page("x")) == "tags/x/"
    assert [urls.page_url(path) for path, _ in SUMMARIES] == [url for _, url in SUMMARIES]
    assert urls.topic_feed("x") == "topics/x/feed.xml"
    assert [urls.html_file(u) for u in ("", "papers/x/", "feed.xml")] == [
        "index.html",
        "papers/x/index.html",
        "feed.xml",
    ]


def test_links_between_pages_are_relative() -> None:
    assert urls.relative("papers/x.md", "papers/y/") == "../y/"
    assert urls.relative("index.md", "papers/y/") == "papers/y/"
    assert urls.relative("topics/index.md", "topics/a/") == "a/"
    assert urls.relative("topics/a.md", "topics/a/feed.xml") == "feed.xml"
    assert urls.relative("papers/x.md", "") == "../.."
    assert urls.relative("papers/x.md", "papers/x/") == "./"
    # From a file (a feed) links start at the file's directory.
    assert urls.link_from("topics/a/feed.xml")("papers/y/") == "../../papers/y/"
    assert urls.link_from(urls.SITE_FEED)("") == "./"


@settings(max_examples=examples(400), deadline=None)
@given(page=pages, to=places)
def test_a_link_from_any_page_to_any_place_resolves_back_to_it(page: tuple[str, str], to: str) -> None:
    path, url = page
    link = urls.linker(path)(to)
    assert urls.resolve(url, link) == to
    assert urls.resolve(urls.html_file(url), link) == to  # as linkcheck reads the built file
    assert urljoin(ROOT + url, link) == ROOT + to  # as a browser follows it, below any sub-path


@settings(max_examples=examples(300), deadline=None)
@given(source=places, to=places)
def test_a_link_from_a_feed_or_file_resolves_back_too(source: str, to: str) -> None:
    link = urls.link_from(source)(to)
    assert urls.resolve(source, link) == to
    assert urljoin(ROOT + source, link) == ROOT + to


segments = st.lists(st.sampled_from(["..", ".", "papers", "x", "feed.xml"]), min_size=1, max_size=6)


@settings(max_examples=examples(500), deadline=None)
@given(
    source=places,
    parts=segments,
    slash=st.booleans(),
    query=st.sampled_from(["", "?q=1", "?a/../b"]),
    fragment=st.sampled_from(["", "#top", "#a/../../b"]),
)
def test_resolve_reads_dots_queries_and_fragments_as_a_browser_does(
    source: str, parts: list[str], slash: bool, query: str, fragment: str
) -> None:
    href = "/".join(parts) + ("/" if slash else "") + query + fragment
    followed = urljoin(ROOT + source, href).split("#")[0].split("?")[0]
    expected = followed.removeprefix(ROOT) if followed.startswith(ROOT) else None
    assert urls.resolve(source, href) == expected


@pytest.mark.parametrize(
    ("source", "href", "expected"),
    [
        ("papers/x/", "#abstract", "papers/x/"),
        ("papers/x/index.html", "?q=1#a", "papers/x/index.html"),
        ("papers/x/", "..", "papers/"),
        ("papers/x/", "../..", ""),
        ("papers/x/", "../../..", None),  # above the site's root: another site at a sub-path
        ("papers/x/index.html", "../y/#top", "papers/y/"),
        ("topics/a/", "/tags/b/", "tags/b/"),  # from the site's root
        ("", "papers/caf%C3%A9/", "papers/café/"),  # a path names a file: decoded
        ("", "papers/a%23b/#c", "papers/a#b/"),  # decoded after the fragment is cut off
        ("", "https://example.org/", None),
        ("", "//example.org/papers/", None),
        ("feed.xml", "./", ""),
    ],
)
def test_resolve(source: str, href: str, expected: str | None) -> None:
    assert urls.resolve(source, href) == expected


# --- copies that cannot import urls.py ----------------------------------------------------------


@pytest.fixture(scope="module")
def mkdocs_config() -> dict[str, object]:
    return yaml_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))


def test_mkdocs_yml_keeps_exactly_the_pages_of_urls_out_of_the_nav(mkdocs_config: dict[str, object]) -> None:
    lines = str(mkdocs_config["not_in_nav"]).splitlines()
    assert lines == list(urls.NOT_IN_NAV)
    spec = pathspec.GitIgnoreSpec.from_lines(lines)  # how MkDocs reads not_in_nav
    for page in (urls.PAPERS.page("x"), urls.TOPICS.page("x"), urls.TAGS.page("x")):
        assert spec.match_file(page), page
    for page in (urls.HOME, urls.STATS, "about.md"):
        assert not spec.match_file(page), page


def test_mkdocs_yml_names_the_site_feed_and_the_summary_pages(mkdocs_config: dict[str, object]) -> None:
    assert mkdocs_config["extra"] == {"feed": urls.SITE_FEED}
    nav = {path for entry in mkdocs_config["nav"] for path in entry.values()}  # type: ignore[attr-defined]
    assert {urls.HOME, urls.TOPICS.index, urls.TAGS.index, urls.STATS} <= nav


def test_only_pages_out_of_the_nav_are_filled_from_the_shell() -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(urls.NOT_IN_NAV)
    assert all(spec.match_file(prefix + "x.md") for prefix in urls.SHELLED)
    assert urls.PAPERS.page("x").startswith(urls.SHELLED)


def test_search_js_and_its_partial_read_the_bundle_where_search_py_writes_it() -> None:
    script = (REPO / "overrides" / "assets" / "search.js").read_text(encoding="utf-8")
    partial = (REPO / "overrides" / "partials" / "search.html").read_text(encoding="utf-8")
    assert f"data-pl-bundle=\"{{{{ '{urls.SEARCH_BUNDLE}/' | url }}}}\"" in partial
    # search.js finds the site's root one directory above the bundle.
    assert "/" not in urls.SEARCH_BUNDLE and 'new URL("../", bundle)' in script
    # The bundle's file names and the constants search.js copies from generator/search.py.
    for name in ('get("index.json")', 'get("lengths.bin", ', "`v/${k}.json`", "`p/${k}.bin`", "`f/${n}.json`"):
        assert name in script, name
    assert f"const LONGEST = {search.LONGEST};" in script
    assert f"const FORMAT = {search.FORMAT};" in script
    names = {re.sub(r"[0-9]+", "<n>", name) for name, _ in search.bundle_files(catalog([paper("x", "T")]))}
    assert names == {"index.json", "lengths.bin", "v/<n>.json", "p/<n>.bin", "f/<n>.json"}


def test_papers_json_gives_each_paper_its_url() -> None:
    assert paper_json(paper("x-y", "T"), ())["url"] == urls.PAPERS.url("x-y")
