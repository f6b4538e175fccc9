"""Hostile scraped text renders as the characters it is, on every page and in every output.

The fixture (tests/fixtures/hostile) holds titles and abstracts full of HTML, Markdown,
Jinja, entities, bidi marks and other traps, each carrying the marker PWNED where it would
run if it ever became markup. One real build is read back the way a browser, a feed reader
and a script reading papers.json would.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config
from mkdocs.utils.meta import get_data

from conftest import FIXTURES, examples, make_project, run_generator
from generator import search
from generator.catalog import build_catalog
from generator.linkcheck import check_site
from generator.pagetext import excerpt
from generator.parse import parse_dump
from generator.records import Paper
from generator.render import Renderer
from generator.safetext import check
from generator.taxonomy import load_taxonomy
from generator.urls import SEARCH_BUNDLE

HOSTILE = FIXTURES / "hostile"
SOURCES = HOSTILE / "content" / "sources"
MARKER = "PWNED"
SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "srcset", "data", "xlink:href", "background"}
ATOM = "{http://www.w3.org/2005/Atom}"


def dump_papers() -> dict[str, str]:
    """Title -> abstract, as the dumps print them; a paper seen twice keeps its first abstract."""
    papers: dict[str, str] = {}
    for dump in sorted(SOURCES.glob("*.txt")):
        entries, problems = parse_dump(dump, 2025)
        assert [p for p in problems if p.severity == "error"] == []
        for entry in entries:
            papers.setdefault(entry.title, entry.abstract)
    return papers


PAPERS = dump_papers()


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def only_text(element: lxml.html.HtmlElement) -> str:
    """The text of an element that must hold text only: any child element is injected markup."""
    assert [child.tag for child in element] == [], lxml.html.tostring(element, encoding="unicode")[:300]
    return element.text or ""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("hostile") / "project", HOSTILE)
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    return root / "site"


@pytest.fixture(scope="module")
def papers_json(site: Path) -> list[dict[str, object]]:
    data = json.loads((site / "papers.json").read_text(encoding="utf-8"))
    return list(data["papers"] if isinstance(data, dict) else data)


# --- the fixture itself: it must keep covering every trap the issue lists --------------------


def test_the_fixture_holds_every_kind_of_hostile_text() -> None:
    titles = list(PAPERS)
    text = "\n".join(f"{t}\n{a}" for t, a in PAPERS.items())
    for needle in [
        "<script>",
        "onerror=",
        "](javascript:",
        "data:text/html",
        "vbscript:",
        "&amp;",
        "jav&#x61;script:",
        "{{",
        "{%",
        "\\frac",
        "\U0001f525",
        # "\u202e" is in the dumps too, but parse drops it with a warning: it would reorder the page
        "\u200f",
        "]]>",
        "</textarea>",
        "</script>",
        "</title>",
        "`",
        "**",
        "_under_",
        "| a | b |",
        '" onmouseover="',
    ]:
        assert needle in text, needle
    for start in ("# ", "- ", "1. ", "> ", "---"):
        assert any(t.startswith(start) for t in titles), start
        assert start in text
    assert any(re.search(r"\S{300}", t) for t in titles)
    assert any(len(t) > len(a) for t, a in PAPERS.items())
    assert len({t.casefold() for t in titles}) == len(titles)
    lines = {line.strip() for dump in SOURCES.glob("*.txt") for line in dump.read_text(encoding="utf-8").splitlines()}
    lines = {check(line).text for line in lines}  # bidi controls are dropped (with a warning), nothing else
    for title, abstract in PAPERS.items():  # the parser's output is the dump's text, verbatim
        assert title in lines or f"Subscribe{title}" in lines
        assert abstract in lines


# --- papers.json -----------------------------------------------------------------------------


@pytest.mark.slow
def test_papers_json_holds_the_dump_text_exactly(papers_json: list[dict[str, object]]) -> None:
    assert {p["title"]: p["abstract"] for p in papers_json} == PAPERS
    for paper in papers_json:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(paper["id"]))
        assert paper["url"] == f"papers/{paper['id']}/"


# --- paper pages ---------------------------------------------------------------------------


@pytest.mark.slow
def test_every_paper_page_shows_title_and_abstract_as_text(site: Path, papers_json: list[dict[str, object]]) -> None:
    for paper in papers_json:
        title, abstract = str(paper["title"]), str(paper["abstract"])
        doc = page(site / str(paper["url"]) / "index.html")
        assert only_text(doc.find(".//title")) == f"{title} - Paperlist"
        [h1] = doc.findall(".//h1")
        assert only_text(h1) == title
        [box] = doc.find_class("pl-abstract")
        assert only_text(box) == abstract
        [description] = doc.xpath('//meta[@name="description"]/@content')
        assert description == excerpt(abstract)
        topic = doc.xpath('//*[@data-md-component="header-topic"]//*[contains(@class, "md-ellipsis")]')
        assert [only_text(t).strip() for t in topic] == [title]


@pytest.mark.slow
def test_related_links_name_their_paper_exactly(site: Path, papers_json: list[dict[str, object]]) -> None:
    by_id = {str(p["id"]): str(p["title"]) for p in papers_json}
    for paper in papers_json:
        doc = page(site / str(paper["url"]) / "index.html")
        links = doc.xpath('//ol[contains(@class, "pl-related")]//a')
        assert [only_text(a) for a in links] == [by_id[str(i)] for i in paper["related"]]  # type: ignore[attr-defined]


@pytest.mark.slow
def test_hostile_pages_hold_the_same_elements_as_a_benign_one(site: Path, papers_json: list[dict[str, object]]) -> None:
    """Injected markup would add elements: compare each page with the control paper's page."""

    def shape(path: Path) -> Counter[str]:
        # date, author and source lines differ from paper to paper by design
        return Counter(
            e.tag for e in page(path).iter() if isinstance(e.tag, str) and e.tag not in {"span", "time", "code"}
        )

    control = next(p for p in papers_json if str(p["title"]).startswith("A benign control paper"))
    expected = shape(site / str(control["url"]) / "index.html")
    for paper in papers_json:
        assert shape(site / str(paper["url"]) / "index.html") == expected, paper["title"]


@pytest.mark.slow
def test_links_out_carry_the_title_url_encoded(site: Path, papers_json: list[dict[str, object]]) -> None:
    for paper in papers_json:
        doc = page(site / str(paper["url"]) / "index.html")
        outbound = [a.get("href") for a in doc.iter("a") if urlsplit(a.get("href") or "").netloc]
        searches = [urlsplit(href) for href in outbound if urlsplit(href).query and "search" in href]
        assert searches, paper["title"]  # no arXiv id: "Find it on" searches by title
        for url in searches:
            assert url.scheme == "https", url
            assert re.fullmatch(r"[A-Za-z0-9%._~=&+-]*", url.query), url.query  # nothing but encoded text
            assert str(paper["title"]) in [v for values in parse_qs(url.query).values() for v in values]


# --- lists: topic, tag, home ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("where", ["topics/hostile", "tags/canary"])
def test_topic_and_tag_pages_list_every_title_and_excerpt_as_text(site: Path, where: str) -> None:
    doc = page(site / where / "index.html")
    titles = [only_text(a) for a in doc.find_class("pl-title")]
    assert sorted(titles) == sorted(PAPERS)
    excerpts = [only_text(s) for s in doc.find_class("pl-excerpt")]
    # Topic pages show each paper's excerpt; tag pages are compact lists of titles.
    assert excerpts == ([excerpt(PAPERS[t]) for t in titles] if where.startswith("topics/") else [])


@pytest.mark.slow
def test_home_page_lists_show_titles_as_text(site: Path) -> None:
    doc = page(site / "index.html")
    titles = [only_text(a) for a in doc.find_class("pl-title")]
    assert titles and set(titles) <= set(PAPERS)
    newest = doc.xpath('//h2[@id="newest"]/following::table[1]//a[@class="pl-title"]')
    assert len(newest) == min(10, len(PAPERS))


# --- every page: nothing the theme did not put there --------------------------------------------


@pytest.mark.slow
def test_no_page_carries_script_handlers_or_unsafe_urls(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > len(PAPERS)
    for path in pages:
        where = path.relative_to(site)
        for element in page(path).iter():
            if not isinstance(element.tag, str):
                continue
            assert element.tag not in {"base", "iframe", "object", "embed", "frame"}, where
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (where, element.tag, name)
                if name.lower() in URL_ATTRIBUTES:
                    for url in value.split(",") if name == "srcset" else [value]:
                        scheme = urlsplit(url.strip()).scheme.lower()
                        assert scheme in SAFE_SCHEMES, (where, name, value)
                if MARKER in value:  # hostile text sits in an attribute only as a description or a sort key
                    holder = (element.tag, name, element.get("name"))
                    if holder == ("a", "href", None):
                        query = urlsplit(value).query  # a search link out: the title URL-encoded, nothing raw
                        assert re.fullmatch(r"[A-Za-z0-9%._~=&+-]*", query) and MARKER in query, (where, value)
                        continue
                    assert holder in {("meta", "content", "description"), ("td", "data-sort", None)}, (where, holder)
                    assert holder[0] == "meta" or value in PAPERS, (where, value)
            if element.tag in {"script", "style"}:
                assert MARKER not in (element.text or ""), where
            if element.tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
                raise AssertionError(f"{where}: meta refresh")


# --- search ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_search_index_holds_each_title_and_abstract_exactly_and_indexes_their_words(
    site: Path, papers_json: list[dict[str, object]]
) -> None:
    """The index's fragments (searchindex/f/<n>.json), which overrides/assets/search.js shows
    through textContent: the dump's text, exactly; every word of every title in the vocabulary."""
    bundle = site / SEARCH_BUNDLE
    fragments = [json.loads(path.read_bytes()) for path in (bundle / "f").glob("*.json")]
    by_url = {str(f["url"]): f for f in fragments}
    assert sorted(by_url) == sorted(str(p["url"]) for p in papers_json)
    for paper in papers_json:
        fragment = by_url[str(paper["url"])]
        assert (fragment["title"], fragment["text"]) == (paper["title"], paper["abstract"])
    vocabulary = {entry[0] for path in (bundle / "v").glob("*.json") for entry in json.loads(path.read_bytes())}
    stems = search.Stems()
    for paper in papers_json:
        assert {stems(w) for w in search.words(str(paper["title"]))} <= vocabulary, paper["title"]


# --- feeds -------------------------------------------------------------------------------------


def announced_feeds(site: Path) -> set[Path]:
    feeds = set()
    for path in sorted(site.rglob("*.html")):
        for href in page(path).xpath(
            '//link[contains(concat(" ", @rel, " "), " alternate ")][@type="application/atom+xml"]/@href'
        ):
            # 404.html links from the site root: it is served at any depth
            feeds.add((site / href.lstrip("/") if href.startswith("/") else path.parent / href).resolve())
    return feeds


def _entry_text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    if element.get("type") == "html":
        return lxml.html.fragment_fromstring(element.text or " ", create_parent="div").text_content()
    assert element.get("type") in {None, "text"}, element.get("type")
    return element.text or ""


@pytest.mark.slow
def test_every_announced_feed_names_papers_exactly(site: Path) -> None:
    feeds = announced_feeds(site)
    assert feeds, "no page announces a feed"
    for feed in sorted(feeds):
        assert feed.is_file(), feed
        root = ET.fromstring(feed.read_bytes())
        entries = list(root.iter(f"{ATOM}entry"))
        assert entries, feed
        for entry in entries:
            title = _entry_text(entry.find(f"{ATOM}title"))
            assert title in PAPERS, title
            summary = entry.find(f"{ATOM}summary")
            if summary is None:
                summary = entry.find(f"{ATOM}content")
            assert summary is not None, title
            shown = " ".join(_entry_text(summary).split())
            assert shown in " ".join(PAPERS[title].split()) or " ".join(PAPERS[title].split()) in shown
            for link in entry.iter(f"{ATOM}link"):
                assert urlsplit(link.get("href", "")).scheme in {"", "http", "https"}


# --- the Markdown path, without MkDocs' theme ------------------------------------------------


@pytest.fixture(scope="module")
def to_html(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Page Markdown -> (front matter, HTML) with the Markdown setup of the project's mkdocs.yml."""
    root = make_project(tmp_path_factory.mktemp("markdown") / "project", HOSTILE)
    (root / "build" / "docs").mkdir(parents=True)  # MkDocs checks that its docs_dir exists
    config = load_config(config_file=str(root / "mkdocs.yml"))

    def convert(text: str) -> tuple[dict[str, object], str]:
        body, meta = get_data(text)
        md = markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
        return meta, md.convert(body)

    return convert


def _paper(title: str, abstract: str, index: int) -> Paper:
    return Paper(
        id=f"p{index}",
        title=title,
        abstract=abstract,
        published=date(2024, 1, 1 + index % 28),
        authors=index,
        upvotes=index,
        sources=("hostile.txt",),
        topics=("hostile",),
        tags=("canary",),
        scraped_title=title,
    )


def _rendered(papers: list[Paper]) -> dict[str, str]:
    taxonomy, problems = load_taxonomy(HOSTILE / "content" / "taxonomy.yml")
    assert problems == []
    return Renderer(build_catalog(papers, taxonomy)).pages()


def _check_page(convert: object, text: str, paper: Paper) -> None:
    meta, html = convert(text)  # type: ignore[operator]
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    [box] = doc.find_class("pl-abstract")
    assert only_text(box) == paper.abstract
    # front matter is HTML the theme prints as is: read back as HTML, it is the title
    title = lxml.html.fragment_fromstring(f"<p>{meta['title']}</p>").text_content()
    assert title == " ".join(paper.title.split())
    assert MARKER not in "".join(e.tag for e in doc.iter() if isinstance(e.tag, str))


def test_each_hostile_string_round_trips_through_markdown(to_html: object) -> None:
    extra = [
        (
            "Blank lines in a curated abstract",
            "first\n\n# not a heading\n\n<script>alert('PWNED')</script>\n\n    code",
        ),
        ("Indented", "    four spaces then *emphasis* and a trailing two-space break  \nnext line"),
        ("Placeholder", "wzxhzdk:0 and klzzwxh:0, the stash placeholders of Python-Markdown"),
    ]
    strings = [*PAPERS.items(), *extra]
    papers = [_paper(t, a, i) for i, (t, a) in enumerate(strings)]
    pages = _rendered(papers)
    for paper in papers:
        _check_page(to_html, pages[f"papers/{paper.id}.md"], paper)


def test_a_tab_in_scraped_text_survives_markdown(to_html: object) -> None:
    """The parser keeps tabs; Python-Markdown expands tabs in raw HTML blocks unless they are escaped."""
    paper = _paper("Tab\tseparated title", "a tab\tinside the abstract", 0)
    _check_page(to_html, _rendered([paper])["papers/p0.md"], paper)


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
    | st.sampled_from(
        ["<", ">", "&", '"', "'", "`", "*", "_", "#", "[", "]", "(", ")", "{", "}", "%", "|", "\\", "$", "!", "-", "\n"]
    ),
    min_size=1,
    max_size=80,
).filter(lambda s: bool(s.strip()))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT.map(lambda s: " ".join(s.split()) or "x"), abstract=TEXT.map(str.strip))
def test_any_text_round_trips_through_markdown(to_html: object, title: str, abstract: str) -> None:
    paper = _paper(title, abstract, 0)
    _check_page(to_html, _rendered([paper])["papers/p0.md"], paper)


@pytest.mark.slow
def test_the_link_checker_passes_the_hostile_site(site: Path) -> None:
    checked, problems = check_site(site)
    assert checked > len(PAPERS)
    assert [str(p) for p in problems] == []
