"""Rendering: scraped text stays literal through Markdown, links are relative, papers.json holds."""

from __future__ import annotations

import html
import json
import posixpath
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import markdown
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from conftest import examples
from generator.catalog import Catalog, build_catalog
from generator.frontmatter import front_matter, meta_text
from generator.pagetext import excerpt
from generator.records import Paper
from generator.render import Renderer
from generator.sitefiles import papers_json
from generator.taxonomy import Taxonomy, Term
from generator.urls import relative
from generator.views import abstract_segments

HOSTILE = 'Tricky <script>alert("x")</script> & *stars* _under_ `tick` $x$ [l](javascript:y) {{ j }} <!-- c --> ]]>'


def taxonomy() -> Taxonomy:
    """A small vocabulary for in-process catalogs."""
    topics = {
        "bandits": Term("bandits", "Bandits", "Sequential decisions under uncertainty."),
        "low-rank": Term("low-rank", "Low-rank & matrix methods", "Low-rank structure."),
        "unlearning": Term("unlearning", "Machine unlearning", "Forgetting chosen data."),
    }
    tags = {
        "lora": Term("lora", "LoRA", "Low-Rank Adaptation."),
        "regret": Term("regret", "Regret bounds", "Guarantees on regret."),
    }
    statuses = {"must-read": Term("must-read", "Must read", "Start here.")}
    return Taxonomy(topics=topics, tags=tags, statuses=statuses)


def paper(pid: str, title: str, abstract: str = "An abstract.", **fields: object) -> Paper:
    """A paper with sensible defaults; keyword arguments override any field."""
    values: dict[str, object] = {
        "id": pid,
        "title": title,
        "abstract": abstract,
        "published": date(2024, 5, 1),
        "authors": 3,
        "upvotes": 7,
        "sources": ("listing.txt",),
        "topics": ("bandits",),
        "tags": (),
        "scraped_title": title,
    }
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]


def catalog(papers: list[Paper]) -> Catalog:
    return build_catalog(papers, taxonomy())


class Text(HTMLParser):
    """The text of the elements with a class, and the hrefs of the links inside them (of all links for ``*``)."""

    def __init__(self, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cls, self.depth, self.found, self.hrefs = cls, 0, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.depth:
            self.depth += 1
        elif self.cls in (values.get("class") or "").split():
            self.depth = 1
            self.found.append("")
        if tag == "a" and values.get("href") and (self.depth or self.cls == "*"):
            self.hrefs.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] += data


def to_html(page: str) -> str:
    """Markdown -> HTML as MkDocs does it (its default extensions), front matter removed."""
    body = page.split("---\n", 2)[2] if page.startswith("---\n") else page
    return markdown.markdown(body, extensions=["toc", "tables", "fenced_code"])


def texts(html: str, cls: str) -> list[str]:
    parser = Text(cls)
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def hostile_pages() -> dict[str, str]:
    papers = [
        paper("hostile", HOSTILE, abstract=HOSTILE + "\n\nSecond paragraph\n    indented\n", status="must-read"),
        paper("other", "Other paper"),
    ]
    return Renderer(catalog(papers)).pages()


def test_every_special_character_of_title_and_abstract_renders_as_literal_text(hostile_pages: dict[str, str]) -> None:
    html = to_html(hostile_pages["papers/hostile.md"])
    assert texts(html, "pl-abstract") == [HOSTILE + "\n\nSecond paragraph\n    indented\n"]
    assert "<script>" not in html and "<!-- c -->" not in html
    listed = to_html(hostile_pages["topics/bandits.md"])
    assert HOSTILE in texts(listed, "pl-title")


def test_page_title_in_front_matter_is_escaped_once(hostile_pages: dict[str, str]) -> None:
    title = get_data(hostile_pages["papers/hostile.md"])[1]["title"]
    assert "&lt;script&gt;" in title and "<script>" not in title
    assert html.unescape(title) == " ".join(HOSTILE.split())


# --- front matter: written from a mapping, loaded back by MkDocs to exactly that mapping ------

# What broke hand-written or JSON-quoted front matter: noncharacters, C1 and DEL (refused by the
# YAML reader), line and paragraph separators, a BOM, astral characters, the document markers.
TRICKY = [
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\x85",
    "\x7f",
    "\x9b",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\U0001f600",
    "\U0010fffd",
]
TRICKY += [
    "---",
    "...",
    "\n---\n",
    "\n...\n",
    "a: b",
    "- x",
    "#",
    "'",
    '"',
    "\\",
    "\\u0041",
    "&",
    "{x}",
    "[y]",
    "*a",
    "!t",
]
TRICKY += ["true", "null", "~", "1e3", "0x1f", "2024-01-01", "", " ", "\t", "\r\n", "\x00", "\x1b"]
# Pages are UTF-8 files: a lone surrogate cannot be written, so none is generated.
ANY_TEXT = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(st.characters(exclude_categories=["Cs"])))).map("".join)
META_VALUES = st.one_of(ANY_TEXT, st.booleans(), st.integers())


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), META_VALUES, max_size=6))
@example({"no": "x", "on": True, "null": 1, "y": "z"})  # keys YAML 1.1 reads as booleans and null
def test_front_matter_loads_back_through_mkdocs_to_exactly_its_mapping(meta: dict[str, object]) -> None:
    body = "<p>body</p>\n"
    assert get_data(front_matter(meta) + "\n" + body) == (body, meta)  # type: ignore[arg-type]


def test_every_generated_page_has_metadata_and_skips_markdown(hostile_pages: dict[str, str]) -> None:
    weird = paper(
        "weird",
        "Title\ufffe with \x85 C1, \x7f DEL and : --- ...",
        abstract="[x](javascript:y) ![i](https://e.test/i.png)",
    )
    pages = Renderer(catalog([weird, paper("other", "Other paper")])).pages()
    assert set(pages) >= {"index.md", "stats.md", "topics/index.md", "tags/index.md", "topics/bandits.md"}
    for path, text in pages.items():
        body, meta = get_data(text)
        assert meta.get("paperlist_html") is True, path  # MkDocs takes the body as HTML, not Markdown
        assert meta.get("title") and not body.startswith("---"), path
    assert get_data(pages["papers/weird.md"])[1]["title"] == meta_text(weird.title)


def test_search_links_are_built_from_the_url_encoded_title(hostile_pages: dict[str, str]) -> None:
    parser = Text("pl-find")
    parser.feed(to_html(hostile_pages["papers/hostile.md"]))
    outside = [h for h in parser.hrefs if h.startswith("https://")]
    assert {urlsplit(h).netloc for h in outside} == {"huggingface.co", "arxiv.org"}
    for href in outside:
        query = parse_qs(urlsplit(href).query)
        assert HOSTILE in (query.get("q") or query["query"])
        assert " " not in href and "<" not in href and '"' not in href


def test_must_read_papers_get_a_badge_and_open_the_home_page(hostile_pages: dict[str, str]) -> None:
    home = to_html(hostile_pages["index.md"])
    assert 'id="start-here"' in home
    start = home.split('id="start-here"')[1].split('id="topics"')[0]
    assert HOSTILE in texts(start, "pl-title") and "Other paper" not in start
    assert texts(to_html(hostile_pages["papers/hostile.md"]), "pl-status") == ["Must read"]
    assert texts(to_html(hostile_pages["papers/other.md"]), "pl-status") == []


def test_no_start_here_section_without_must_reads() -> None:
    pages = Renderer(catalog([paper("a", "A paper"), paper("b", "B paper")])).pages()
    assert "start-here" not in pages["index.md"]


def test_relative_links_work_from_every_depth() -> None:
    assert relative("papers/x.md", "papers/y/") == "../y/"
    assert relative("index.md", "papers/y/") == "papers/y/"
    assert relative("topics/index.md", "topics/a/") == "a/"
    assert relative("topics/a.md", "topics/a/feed.xml") == "feed.xml"
    assert relative("papers/x.md", "") == "../.."


def test_links_of_a_paper_page_resolve_to_pages_that_exist() -> None:
    cat = catalog([paper(f"p{i}", f"Paper {i} on bandits", tags=("regret",)) for i in range(6)])
    pages = Renderer(cat).pages()
    parser = Text("*")
    parser.feed(to_html(pages["papers/p0.md"]))
    internal = [h for h in parser.hrefs if not h.startswith("https://")]
    assert internal
    for href in internal:
        target = posixpath.normpath("papers/p0/" + href)  # resolve like a browser
        assert f"{target}.md" in pages or f"{target}/index.md" in pages or target == "", href


def test_excerpt_is_the_first_sentence_or_a_cut_at_a_word() -> None:
    assert excerpt("First sentence. Second one.") == "First sentence."
    long = "word " * 100
    cut = excerpt(long)
    assert cut.endswith("…") and len(cut) <= 181 and not cut[:-1].endswith(" ")
    assert excerpt("  spaced\n out  ") == "spaced out"


def test_linked_text_keeps_the_visible_text_exactly() -> None:
    text = "Beats <b>LoLDU</b> & LoLDU\nagain"
    first, second = text.find("LoLDU"), text.rfind("LoLDU")
    spans = [(first, first + 5, "lol-du"), (second, second + 5, "lol-du")]
    macros = Renderer(catalog([])).env.get_template("_text.j2").module
    html = str(macros.linked_text(abstract_segments(text, spans), "../papers/"))  # type: ignore[attr-defined]
    assert html.count('<a class="pl-mention" href="../papers/lol-du/">LoLDU</a>') == 2
    assert "&lt;b&gt;" in html and "&amp;" in html and "&#10;" in html
    assert texts(f'<div class="x">{html}</div>', "x") == [text]


def test_papers_json_lists_every_paper_with_related_ids_in_page_order() -> None:
    papers = [paper(f"p{i}", f"Paper {i} about bandits and regret", tags=("regret",)) for i in range(6)]
    cat = catalog(papers)
    rows = json.loads(papers_json(cat))
    assert [r["id"] for r in rows] == sorted(p.id for p in papers)
    pages = Renderer(cat).pages()
    for row in rows:
        assert row["url"] == f"papers/{row['id']}/" and row["published"] == "2024-05-01"
        assert len(row["related"]) >= 3 and row["id"] not in row["related"]
        parser = Text("pl-related")
        parser.feed(to_html(pages[f"papers/{row['id']}.md"]))
        assert [h.split("/")[-2] for h in parser.hrefs] == row["related"]


KEYED = [
    paper("a", "Bandit paper A", "Regret of bandits, a first take.", tags=("regret",), upvotes=3),
    paper("b", "Bandit paper B", "Regret of bandits again, unlike Bandit paper A.", tags=("regret", "lora")),
    paper("c", "Low-rank paper C", "Low-rank adapters.", topics=("low-rank",), tags=("lora",), status="must-read"),
    paper("d", "Unlearning paper D", "Forgetting data.", topics=("unlearning",), published=None),
]
EDITS: dict[str, tuple[str, dict[str, object]]] = {
    "a tag": ("a", {"tags": ("regret", "lora")}),
    "a title": ("b", {"title": "Bandit paper B, revised"}),
    "an abstract": ("a", {"abstract": "A new abstract about regret."}),
    "upvotes": ("c", {"upvotes": 99}),
    "a status": ("d", {"status": "must-read"}),
    "a note": ("b", {"note": "Read section 2."}),
}


@pytest.mark.parametrize("name", EDITS)
def test_a_page_key_changes_exactly_when_its_page_does(name: str) -> None:
    """A key that stayed while its page changed would let a build keep a stale page."""
    pid, fields = EDITS[name]
    edited = [replace(p, **fields) if p.id == pid else p for p in KEYED]  # type: ignore[arg-type]
    before, after = Renderer(catalog(KEYED)).plan(), Renderer(catalog(edited)).plan()
    both = before.keys() & after.keys()
    text_changed = {path for path in both if before[path].render() != after[path].render()}
    key_changed = {path for path in both if before[path].key != after[path].key}
    assert text_changed, "the edit changed no page, so it proves nothing"
    assert text_changed <= key_changed  # never a stale page
    assert key_changed == text_changed  # and no needless render of the others (each key digests its page's view)


def test_tag_pages_list_titles_without_excerpts(hostile_pages: dict[str, str]) -> None:
    tag_page = Renderer(catalog([paper("t", HOSTILE, tags=("regret",))])).pages()["tags/regret.md"]
    assert texts(to_html(tag_page), "pl-title") == [HOSTILE]
    assert texts(to_html(tag_page), "pl-excerpt") == []
    assert texts(to_html(hostile_pages["topics/bandits.md"]), "pl-excerpt")  # topic pages keep theirs


def test_each_row_rendered_once_is_the_rows_full_render_at_every_depth() -> None:
    """Rows rendered once with no papers prefix, the prefix put in (render._row_at): the bytes of _row.j2."""
    papers = [
        paper("a", 'A <b>"quoted"</b> & odd title', "First. Second <i>&amp;</i>.", upvotes=3),
        paper("b", "B paper", "Plain.", arxiv="2401.00001", status="must-read"),
    ]
    renderer = Renderer(catalog(papers))
    pages = renderer.pages()
    assert renderer._rows, "the pages have paper tables"
    template = renderer._row_template
    for (_, prefix), (row, html_row) in renderer._rows.items():
        assert str(html_row) == template.render(row=row, papers=prefix).strip()
        assert f'href="{prefix}{row.id}/"' in str(html_row)
    depths = {prefix for _, prefix in renderer._rows}
    assert len(depths) >= 2 and all(renderer._row_depths[d] for d in depths)
    assert any(str(h) in page for (_, h) in renderer._rows.values() for page in pages.values())
