"""Render the catalog as Markdown pages for MkDocs, plus ``papers.json``.

Scraped text is untrusted. It only ever reaches a page through Jinja's autoescape inside
raw HTML blocks, which Python-Markdown passes through untouched, so ``*``, ``_``, `` ` ``,
``$``, ``[x](y)``, ``{{ }}`` and ``<script>`` all arrive as the characters they are. Page
titles go into front matter already HTML-escaped, because the theme prints
``page.meta.title`` into ``<title>`` and the header without escaping it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from . import stats
from .catalog import Catalog, Mention, newest_first
from .feeds import atom_feed, newest_date
from .records import Paper

TEMPLATES = Path(__file__).parent / "templates"
EXCERPT_CHARS = 180
HOME_LIST = 10
SITE_FEED = "feed.xml"
HF_PAPERS_SEARCH = "https://huggingface.co/papers?q="
ARXIV_SEARCH = "https://arxiv.org/search/?searchtype=title&query="


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first sentence, or the first ``limit`` characters cut at a word, with an ellipsis."""
    flat = " ".join(text.split())
    end = flat.find(". ")
    if 0 < end < limit:
        return flat[: end + 1]
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def text_filter(value: object) -> Markup:
    """Escape for HTML; newlines and tabs become character references so Markdown leaves them alone."""
    # Markdown expands tabs even inside raw HTML: a character reference keeps the tab a tab.
    escaped = str(escape(str(value))).replace("\r", "").replace("\n", "&#10;").replace("\t", "&#9;")
    return Markup(escaped)  # noqa: S704 - escaped just above


def linked_text(text: str, mentions: Sequence[Mention], link: Any) -> Markup:
    """``text`` escaped as by ``text_filter``, each mention wrapped in a link to its paper.

    The text is cut into segments at the mention offsets and every segment is escaped on its
    own, so the visible characters stay exactly as written; a link's href comes from the
    target paper's id alone, never from the abstract.
    """
    parts: list[str] = []
    position = 0
    for start, end, target in sorted(mentions):
        if start < position:  # overlapping spans cannot happen with whole words; be safe anyway
            continue
        parts.append(text_filter(text[position:start]))
        href = escape(link(f"papers/{target}/"))
        parts.append(f'<a class="pl-mention" href="{href}">{text_filter(text[start:end])}</a>')
        position = end
    parts.append(text_filter(text[position:]))
    return Markup("".join(parts))  # noqa: S704 - every piece escaped above


def search_query(title: str) -> str:
    """The title URL-encoded for a search URL's query string (every reserved character encoded)."""
    return quote(" ".join(title.split()), safe="")


def front_matter_string(value: str) -> Markup:
    """A YAML string holding ``value`` HTML-escaped: the theme prints it as HTML."""
    return Markup(json.dumps(html.escape(" ".join(value.split())), ensure_ascii=False))  # noqa: S704 - html.escape above


def page_url(path: str) -> str:
    """Site-relative URL of a Markdown page: ``papers/x.md`` -> ``papers/x/``, ``index.md`` -> ``""``."""
    stem = path.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


def relative(from_path: str, to_url: str) -> str:
    """A link from one page to a site-relative URL that works on any host and sub-path."""
    # Hand-rolled rather than posixpath.relpath, which resolves against the working directory
    # and cost 13 s of rendering at 10,000 papers.
    base = [p for p in page_url(from_path).split("/") if p]
    target = [p for p in to_url.split("/") if p]
    common = 0
    while common < min(len(base), len(target)) and base[common] == target[common]:
        common += 1
    parts = [".."] * (len(base) - common) + target[common:]
    if not parts:
        return "./"
    return "/".join(parts) + ("/" if to_url.endswith("/") else "")


def long_date(value: date | None) -> str:
    return f"{value:%b} {value.day}, {value.year}" if value else ""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["text"] = text_filter
    env.filters["front"] = front_matter_string
    env.filters["excerpt"] = excerpt
    env.filters["long_date"] = long_date
    env.filters["search_query"] = search_query
    return env


class Renderer:
    """Renders every page of the site from one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.env = _environment()
        self._row = self.env.get_template("_row.j2")
        self._rows: dict[tuple[str, bool, str], Markup] = {}

    def _render(self, template: str, path: str, **context: Any) -> str:
        def link(url: str) -> str:
            return relative(path, url)

        def abstract(paper: Paper) -> Markup:
            return linked_text(paper.abstract, self.catalog.mentions.get(paper.id, ()), link)

        papers_prefix = link("papers/")

        def row(paper: Paper, show_excerpt: bool) -> Markup:
            key = (paper.id, show_excerpt, papers_prefix)
            cached = self._rows.get(key)
            if cached is None:
                text = self._row.render(p=paper, show_excerpt=show_excerpt, link=link, taxonomy=self.catalog.taxonomy)
                cached = self._rows[key] = Markup(text.strip())  # noqa: S704 - an autoescaped template
            return cached

        return self.env.get_template(template).render(
            link=link,
            abstract=abstract,
            row=row,
            taxonomy=self.catalog.taxonomy,
            catalog=self.catalog,
            site_feed=SITE_FEED,
            hf_search=HF_PAPERS_SEARCH,
            arxiv_search=ARXIV_SEARCH,
            **context,
        )

    def pages(self) -> dict[str, str]:
        """Relative path under the docs directory -> page text."""
        cat = self.catalog
        pages: dict[str, str] = {}
        for paper in cat.papers:
            path = f"papers/{paper.id}.md"
            related = [cat.by_id[i] for i in cat.related.get(paper.id, ()) if i in cat.by_id]
            mentioned_by = [cat.by_id[i] for i in cat.mentioned_by.get(paper.id, ()) if i in cat.by_id]
            pages[path] = self._render("paper.md.j2", path, paper=paper, related=related, mentioned_by=mentioned_by)
        for topic_id, papers in cat.topics.items():
            path = f"topics/{topic_id}.md"
            pages[path] = self._render(
                "list.md.j2",
                path,
                term=cat.taxonomy.topic(topic_id),
                kind="topic",
                papers=papers,
                feed=topic_feed(topic_id),
                see_also=cat.related_topics.get(topic_id, ()),
            )
        pages["topics/index.md"] = self._render("topics.md.j2", "topics/index.md")
        for tag_id, papers in cat.tags.items():
            path = f"tags/{tag_id}.md"
            pages[path] = self._render(
                "list.md.j2",
                path,
                term=cat.taxonomy.tags[tag_id],
                kind="tag",
                papers=papers,
                feed=None,
                see_also=cat.tag_topics.get(tag_id, ()),
            )
        pages["tags/index.md"] = self._render("tags.md.j2", "tags/index.md")
        pages["stats.md"] = self._render("stats.md.j2", "stats.md", stats=stats.compute(cat))
        newest = newest_first(cat.papers)[:HOME_LIST]
        upvoted = sorted(cat.papers, key=lambda p: (-(p.upvotes or 0), p.id))[:HOME_LIST]
        start_here = [p for p in newest_first(cat.papers) if p.status == "must-read"]
        pages["index.md"] = self._render(
            "home.md.j2", "index.md", newest=newest, upvoted=[p for p in upvoted if p.upvotes], start_here=start_here
        )
        return pages


def paper_json(paper: Paper, related: Iterable[str]) -> dict[str, object]:
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "url": f"papers/{paper.id}/",
        "topics": list(paper.topics),
        "tags": list(paper.tags),
        "related": list(related),
        "sources": list(paper.sources),
        "published": paper.published.isoformat() if paper.published else None,
        "upvotes": paper.upvotes,
        "authors": paper.authors,
        "status": paper.status,
    }


def topic_feed(topic_id: str) -> str:
    """Site-relative path of a topic's Atom feed."""
    return f"topics/{topic_id}/feed.xml"


def feeds(catalog: Catalog) -> dict[str, str]:
    """The Atom feed of the whole list and one per topic, newest papers first."""
    undated = newest_date(catalog.papers)
    name = "Paperlist"
    result = {
        SITE_FEED: atom_feed(
            newest_first(catalog.papers),
            path=SITE_FEED,
            feed_id="all",
            title=f"{name}: all papers",
            subtitle="The newest papers of the reading list.",
            page="",
            undated=undated,
        )
    }
    for topic_id, papers in catalog.topics.items():
        term = catalog.taxonomy.topic(topic_id)
        result[topic_feed(topic_id)] = atom_feed(
            papers,
            path=topic_feed(topic_id),
            feed_id=f"topic:{topic_id}",
            title=f"{name}: {term.title}",
            subtitle=term.description,
            page=f"topics/{topic_id}/",
            undated=undated,
        )
    return result


def site_files(catalog: Catalog) -> dict[str, str]:
    """Files written next to the pages MkDocs builds, relative to the site root."""
    return {"papers.json": papers_json(catalog), **feeds(catalog)}


def papers_json(catalog: Catalog) -> str:
    """``site/papers.json``: one object per line so a diff of two builds reads well."""
    rows = [
        json.dumps(paper_json(p, catalog.related.get(p.id, ())), ensure_ascii=False, separators=(",", ":"))
        for p in catalog.papers
    ]
    return "[\n" + ",\n".join(rows) + "\n]\n"
