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
import posixpath
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .catalog import Catalog, newest_first
from .records import Paper

TEMPLATES = Path(__file__).parent / "templates"
EXCERPT_CHARS = 180
HOME_LIST = 10


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
    """Escape for HTML; newlines become character references so no blank line ends a raw block."""
    return Markup(str(escape(str(value))).replace("\r", "").replace("\n", "&#10;"))  # noqa: S704 - escaped just above


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
    base = page_url(from_path) or "."
    target = to_url.rstrip("/") or "."
    link = posixpath.relpath(target, base.rstrip("/") or ".")
    if link == ".":
        return "./"
    return link + ("/" if to_url.endswith("/") else "")


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
    return env


class Renderer:
    """Renders every page of the site from one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.env = _environment()

    def _render(self, template: str, path: str, **context: Any) -> str:
        def link(url: str) -> str:
            return relative(path, url)

        return self.env.get_template(template).render(
            link=link, taxonomy=self.catalog.taxonomy, catalog=self.catalog, **context
        )

    def pages(self) -> dict[str, str]:
        """Relative path under the docs directory -> page text."""
        cat = self.catalog
        pages: dict[str, str] = {}
        for paper in cat.papers:
            path = f"papers/{paper.id}.md"
            related = [cat.by_id[i] for i in cat.related.get(paper.id, ()) if i in cat.by_id]
            pages[path] = self._render("paper.md.j2", path, paper=paper, related=related)
        for topic_id, papers in cat.topics.items():
            path = f"topics/{topic_id}.md"
            pages[path] = self._render(
                "list.md.j2", path, term=cat.taxonomy.topic(topic_id), kind="topic", papers=papers
            )
        pages["topics/index.md"] = self._render("topics.md.j2", "topics/index.md")
        for tag_id, papers in cat.tags.items():
            path = f"tags/{tag_id}.md"
            pages[path] = self._render("list.md.j2", path, term=cat.taxonomy.tags[tag_id], kind="tag", papers=papers)
        pages["tags/index.md"] = self._render("tags.md.j2", "tags/index.md")
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


def site_files(catalog: Catalog) -> dict[str, str]:
    """Files written next to the pages MkDocs builds, relative to the site root."""
    return {"papers.json": papers_json(catalog)}


def papers_json(catalog: Catalog) -> str:
    """``site/papers.json``: one object per line so a diff of two builds reads well."""
    rows = [
        json.dumps(paper_json(p, catalog.related.get(p.id, ())), ensure_ascii=False, separators=(",", ":"))
        for p in catalog.papers
    ]
    return "[\n" + ",\n".join(rows) + "\n]\n"
