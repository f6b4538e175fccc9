"""Render the catalog as Markdown pages for MkDocs, plus ``papers.json``.

Scraped text is untrusted. It only ever reaches a page through Jinja's autoescape in
templates that write HTML, and every generated page says ``paperlist_html: true`` so that
MkDocs takes its body as it is (``mkdocs_hooks``): no Markdown ever reads scraped text, so
``*``, ``_``, `` ` ``, ``$``, ``[x](y)``, ``{{ }}`` and ``<script>`` all arrive as the characters
they are. Front matter is written by ``front_matter`` from a mapping, never by a template:
every string an exact YAML double-quoted scalar, so any text loads back as itself and the
metadata cannot fall apart into Markdown. Titles and descriptions go into it already
HTML-escaped (``meta_text``), because the theme prints ``page.meta.title`` into ``<title>``
and the header without escaping it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from . import stats
from .cache import code_version
from .catalog import Catalog, Mention, newest_first
from .feeds import atom_feed, newest_date
from .frontmatter import Meta, front_matter, meta_text
from .links import arxiv_links, paper_bibtex, paper_links
from .records import Paper
from .taxonomy import Term
from .urls import SITE_FEED, linker, page_url, relative, topic_feed  # noqa: F401 - re-exported

TEMPLATES = Path(__file__).parent / "templates"
EXCERPT_CHARS = 180
HOME_LIST = 10
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


# The metadata of the pages that sum the catalog up (the home page's counts its papers).
SUMMARY_META: dict[str, Meta] = {
    "topics/index.md": {
        "title": "Topics",
        "description": "Every topic of the reading list, with its number of papers.",
    },
    "tags/index.md": {"title": "Tags", "description": "Every tag of the reading list, with its number of papers."},
    "stats.md": {
        "title": "Stats",
        "description": "The reading list at a glance: papers per topic, per publication month, and the most used tags.",
    },
}


def long_date(value: date | None) -> str:
    return f"{value:%b} {value.day}, {value.year}" if value else ""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # A Renderer, and so an environment, lives for one build: checking every template's
        # mtime at each of 10,000 renders would only find the templates it has just loaded.
        auto_reload=False,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["text"] = text_filter
    env.filters["excerpt"] = excerpt
    env.filters["long_date"] = long_date
    env.filters["search_query"] = search_query
    env.globals["paper_links"] = paper_links
    env.globals["arxiv_links"] = arxiv_links
    env.globals["bibtex"] = paper_bibtex
    return env


@dataclass(frozen=True)
class Page:
    """A page to write: a key naming everything its text depends on, and how to render it.

    Two pages with the same path and key render to the same text: the key is a digest of the
    data the page shows and of ``render_version()``. A build that finds the file it wrote
    under that key untouched need not render the page again (see ``build.write_docs``).
    """

    key: bytes
    render: Callable[[], str]


def render_version() -> bytes:
    """A digest of what decides a page's text besides its data: our code, the templates, Jinja.

    Computed for each Renderer, not once per process: ``make serve`` regenerates in one process
    and Jinja reloads a template edited meanwhile, so its pages must get new keys too.
    """
    digest = hashlib.blake2b(code_version(), digest_size=20)
    versions = (sys.version, metadata.version("Jinja2"), metadata.version("MarkupSafe"))
    digest.update("\0".join(versions).encode() + b"\0")
    for template in sorted(TEMPLATES.glob("*.j2")):
        digest.update(template.name.encode() + b"\0" + template.read_bytes() + b"\0")
    return digest.digest()


def fingerprint(value: object) -> bytes:
    """A digest of a value made of strings, numbers, dates, None, and tuples, lists, dicts and
    frozen dataclasses of these: different values never get the same digest, equal values the same.

    Pickle, because it is C (under half of ``repr``'s time) and faithful: ``loads(dumps(v)) == v``,
    so two different values never pickle alike. Without its memo ("fast" mode): with it, a string
    held twice pickles as a back-reference, so a value built fresh (a paper's id that is also a
    mention's target) and the equal value read from a JSON cache (two separate strings) would
    get different digests, and a no-change rebuild would render those pages again. One pickler
    per thread, reused: making one per call would double the cost. SHA-256, because CPUs compute
    it in hardware (twice BLAKE2's speed).
    """
    state: tuple[io.BytesIO, pickle.Pickler] | None = getattr(_picklers, "state", None)
    if state is None:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True  # no memo: values are never cyclic
        state = _picklers.state = (buffer, pickler)
    buffer, pickler = state
    buffer.seek(0)
    buffer.truncate()
    pickler.dump(value)
    return hashlib.sha256(buffer.getvalue()).digest()


_picklers = threading.local()


class Renderer:
    """Renders every page of the site from one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.env = _environment()
        self._rows: dict[tuple[str, bool, str], Markup] = {}
        self._version = render_version()
        self._fingerprints: dict[str, dict[str, bytes]] = {"page": {}, "row": {}, "row+excerpt": {}}
        self._status_titles = tuple((s, term.title) for s, term in catalog.taxonomy.statuses.items())

    @functools.cached_property
    def _row(self) -> jinja2.Template:
        return self.env.get_template("_row.j2")

    def _render(self, template: str, path: str, meta: Meta, **context: Any) -> str:
        """Front matter from ``meta`` (plus ``paperlist_html``), then the template's HTML."""
        link = linker(path)

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

        body = self.env.get_template(template).render(
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
        return front_matter({**meta, "paperlist_html": True}) + "\n" + body

    # Keys. Each names what its page prints (see the templates), so an edit re-renders the pages
    # that show what changed and hardly any other: only the four pages that sum the catalog up
    # are keyed by all of it. A paper's digests are made once per build, for every page showing it.

    def _key(self, path: str, shown: object) -> bytes:
        """The key of the page at ``path`` that prints ``shown`` (see ``Page``)."""
        return fingerprint((self._version, path, shown))

    def _fingerprints_of(self, papers: Iterable[Paper]) -> None:
        """Digests of what the site shows of each paper, made once per build for every page showing it.

        ``page``: every field (its own page). ``row``: its row in a paper table without the
        excerpt; ``row+excerpt``: with it (see ``_row.j2``).
        """
        pages, rows, excerpt_rows = (self._fingerprints[part] for part in ("page", "row", "row+excerpt"))
        for paper in papers:
            published = paper.published.toordinal() if paper.published else None  # a date pickles slowly
            row = (paper.id, paper.title, paper.status, published, paper.upvotes, paper.arxiv)
            pages[paper.id] = fingerprint(vars(paper))  # a dict pickles faster than a dataclass
            rows[paper.id] = fingerprint(row)
            excerpt_rows[paper.id] = fingerprint((row, paper.abstract))

    def _table(self, papers: Sequence[Paper], show_excerpt: bool) -> tuple[object, ...]:
        """What a paper table prints: its rows, and the titles of the statuses their badges may name."""
        rows = self._fingerprints["row+excerpt" if show_excerpt else "row"]
        return (self._status_titles, b"".join([rows[p.id] for p in papers]))

    def _paper_page(self, paper: Paper) -> Page:
        cat = self.catalog
        taxonomy = cat.taxonomy
        related = [i for i in cat.related.get(paper.id, ()) if i in cat.by_id]
        mentioned_by = [i for i in cat.mentioned_by.get(paper.id, ()) if i in cat.by_id]
        shown = (
            self._fingerprints["page"][paper.id],
            cat.mentions.get(paper.id, ()),
            [(i, cat.by_id[i].title) for i in related],
            [(i, cat.by_id[i].title) for i in mentioned_by],
            [taxonomy.topic(t).title for t in paper.topics],
            [taxonomy.tags[t].title for t in paper.tags],
            self._status_titles if paper.status else None,
        )
        path = f"papers/{paper.id}.md"
        return Page(self._key(path, shown), functools.partial(self._render_paper, path, paper, related, mentioned_by))

    def _render_paper(self, path: str, paper: Paper, related: list[str], mentioned_by: list[str]) -> str:
        by_id = self.catalog.by_id
        meta = {"title": meta_text(paper.title), "description": meta_text(excerpt(paper.abstract))}
        return self._render(
            "paper.md.j2",
            path,
            meta,
            paper=paper,
            related=[by_id[i] for i in related],
            mentioned_by=[by_id[i] for i in mentioned_by],
        )

    def _list_page(self, path: str, term: Term, kind: str, papers: Sequence[Paper], **context: Any) -> Page:
        """A topic or tag page: its term, its links, and a table of its papers."""
        show_excerpt = kind == "topic"  # tag pages list more papers: a lighter table
        see_also = [(t, self.catalog.taxonomy.topic(t).title) for t in context["see_also"]]
        shown = (kind, term.title, term.description, context, see_also, self._table(papers, show_excerpt))
        meta: dict[str, str | bool | int] = {"title": meta_text(term.title), "description": meta_text(term.description)}
        if context["feed"]:
            meta.update(feed=context["feed"], feed_title=meta_text(f"Paperlist: {term.title}"))
        render = functools.partial(
            self._render,
            "list.md.j2",
            path,
            meta,
            term=term,
            kind=kind,
            papers=papers,
            show_excerpt=show_excerpt,
            **context,
        )
        return Page(self._key(path, shown), render)

    def _whole_catalog(self) -> bytes:
        """A digest of every paper and every term: all that the pages summing up the catalog print.

        Those pages (home, stats, the topic and tag indexes) show no related papers or
        mentions, and every other index of the catalog follows from its papers and taxonomy.
        """
        taxonomy = self.catalog.taxonomy
        terms = [
            [(t.id, t.title, t.description) for t in section.values()]
            for section in (taxonomy.topics, taxonomy.tags, taxonomy.statuses)
        ]
        digest = hashlib.sha256(fingerprint(terms))
        for paper in self.catalog.papers:
            digest.update(self._fingerprints["page"][paper.id])
        return digest.digest()

    def _home(self) -> str:
        papers = self.catalog.papers
        newest = newest_first(papers)
        upvoted = sorted(papers, key=lambda p: (-(p.upvotes or 0), p.id))[:HOME_LIST]
        meta = {
            "title": "Paperlist",
            "description": f"A curated, searchable reading list of {len(papers)} research papers.",
        }
        return self._render(
            "home.md.j2",
            "index.md",
            meta,
            newest=newest[:HOME_LIST],
            upvoted=[p for p in upvoted if p.upvotes],
            start_here=[p for p in newest if p.status == "must-read"],
        )

    def _stats(self) -> str:
        return self._render("stats.md.j2", "stats.md", SUMMARY_META["stats.md"], stats=stats.compute(self.catalog))

    def plan(self) -> dict[str, Page]:
        """Relative path under the docs directory -> page; nothing is rendered yet."""
        cat = self.catalog
        self._fingerprints_of(cat.papers)
        pages: dict[str, Page] = {}
        for paper in cat.papers:
            pages[f"papers/{paper.id}.md"] = self._paper_page(paper)
        for topic_id, papers in cat.topics.items():
            pages[f"topics/{topic_id}.md"] = self._list_page(
                f"topics/{topic_id}.md",
                cat.taxonomy.topic(topic_id),
                "topic",
                papers,
                feed=topic_feed(topic_id),
                see_also=cat.related_topics.get(topic_id, ()),
            )
        whole = self._whole_catalog()
        pages["topics/index.md"] = Page(
            self._key("topics/index.md", whole), self._summary("topics.md.j2", "topics/index.md")
        )
        for tag_id, papers in cat.tags.items():
            pages[f"tags/{tag_id}.md"] = self._list_page(
                f"tags/{tag_id}.md",
                cat.taxonomy.tags[tag_id],
                "tag",
                papers,
                feed=None,
                see_also=cat.tag_topics.get(tag_id, ()),
            )
        pages["tags/index.md"] = Page(self._key("tags/index.md", whole), self._summary("tags.md.j2", "tags/index.md"))
        pages["stats.md"] = Page(self._key("stats.md", whole), self._stats)
        pages["index.md"] = Page(self._key("index.md", whole), self._home)
        return pages

    def _summary(self, template: str, path: str) -> Callable[[], str]:
        return functools.partial(self._render, template, path, SUMMARY_META[path])

    def pages(self) -> dict[str, str]:
        """Relative path under the docs directory -> page text."""
        return {path: page.render() for path, page in self.plan().items()}


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
        "arxiv": paper.arxiv,
        "author_names": list(paper.author_names),
        "links": paper_links(paper),
    }


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
