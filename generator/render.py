"""Render the catalog as Markdown pages for MkDocs.

Each page is rendered from one view (``views``): plain data that is the template's only
variable and, digested with ``render_version()``, the page's key. So a template cannot print
anything its key does not name, and a page is rendered again exactly when its view or the code
changed (``build.write_docs`` skips the others).

Scraped text is untrusted. It only ever reaches a page through Jinja's autoescape in
templates that write HTML, and every generated page says ``paperlist_html: true`` so that
MkDocs takes its body as it is (``mkdocs_hooks``): no Markdown ever reads scraped text, so
``*``, ``_``, `` ` ``, ``$``, ``[x](y)``, ``{{ }}`` and ``<script>`` all arrive as the characters
they are. Front matter is written by ``front_matter`` from the view's ``meta``, never by a
template: every string an exact YAML double-quoted scalar, so any text loads back as itself and
the metadata cannot fall apart into Markdown. Titles and descriptions go into it already
HTML-escaped (``meta_text``), because the theme prints ``page.meta.title`` into ``<title>``
and the header without escaping it.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import io
import pickle
import sys
import threading
import typing
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from . import urls
from .cache import code_version
from .catalog import Catalog
from .frontmatter import front_matter
from .pagetext import excerpt, long_date, text_filter
from .urls import linker, topic_feed
from .views import ListView, Row, View, Views

TEMPLATES = Path(__file__).parent / "templates"
ROW_START = '<tr><td><a class="pl-title" href="'  # how _row.j2 begins, up to where it prints ``papers``


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
    # The URL scheme is urls.py's: a template names a page by its id, never by its path.
    env.filters["paper_url"] = urls.PAPERS.url
    env.filters["topic_url"] = urls.TOPICS.url
    env.filters["tag_url"] = urls.TAGS.url
    env.filters["section_url"] = lambda name: urls.page_url(urls.SECTIONS[name].index)
    env.filters["long_date"] = long_date
    env.filters["excerpt"] = excerpt
    return env


@dataclass(frozen=True)
class Page:
    """A page to write: a key naming everything its text depends on, and how to render it.

    Two pages with the same path and key render to the same text: the key is a digest of the
    page's view and of ``render_version()``. A build that finds the file it wrote under that
    key untouched need not render the page again (see ``build.write_docs``). ``view`` and
    ``template`` are what it is rendered from (None and "" for a hand-written page).
    """

    key: bytes
    render: Callable[[], str]
    view: object = None
    template: str = ""


class Renderer:
    """Renders every page of the site from one catalog, each from its view."""

    def __init__(self, catalog: Catalog) -> None:
        self.views = Views(catalog)
        self.catalog = catalog
        self.env = _environment()
        # Filters reading the page's path from ``view``: a link depends on nothing else.
        self.env.filters["url"] = jinja2.pass_context(lambda context, url: self._linker(context["view"].path)(url))
        self.env.filters["row"] = jinja2.pass_context(lambda context, row: self._row_html(context["view"].path, row))
        self._version = render_version()
        self._linkers: dict[str, Callable[[str], str]] = {}
        self._rows: dict[tuple[int, str], tuple[Row, Markup]] = {}
        self._bare_rows: dict[int, tuple[Row, str]] = {}  # id of a row -> it, rendered with no papers prefix
        self._row_depths: dict[str, bool] = {}  # papers prefix -> whether putting it into a bare row is exact
        self._row_digests: dict[int, bytes] = {}  # id of a row -> its digest
        self._digested: list[Row] = []

    @functools.cached_property
    def _row_template(self) -> jinja2.Template:
        return self.env.get_template("_row.j2")

    def _linker(self, path: str) -> Callable[[str], str]:
        found = self._linkers.get(path)
        if found is None:
            found = self._linkers[path] = linker(path)
        return found

    def _row_html(self, path: str, row: Row) -> Markup:
        """A row as ``_row.j2`` renders it, once per row and page depth (its links differ by depth alone)."""
        papers = self._linker(path)("papers/")
        key = (id(row), papers)
        cached = self._rows.get(key)
        if cached is None or cached[0] is not row:
            cached = self._rows[key] = (row, self._row_at(row, papers))
        return cached[1]

    def _row_at(self, row: Row, papers: str) -> Markup:
        """The row rendered once with no ``papers`` prefix, the prefix put where the template prints it.

        ``_row.j2`` prints ``papers`` once, first, as the start of the title link's ``href``; a
        row shows at two or three depths (list pages, their ``top/`` orders, the home page), so
        this renders each row once instead of once per depth. The prefix is ``../`` segments and
        ``papers/``, which escaping leaves as they are. The first row at each depth is rendered
        in full as well and compared: a template that prints ``papers`` anywhere else gets full
        renders (``tests/test_render.py`` compares every row at every depth).
        """
        bare = self._bare_rows.get(id(row))
        if bare is None or bare[0] is not row:
            bare = self._bare_rows[id(row)] = (row, self._row_template.render(row=row, papers="").strip())
        text = bare[1]
        placed = ROW_START + papers + text[len(ROW_START) :] if text.startswith(ROW_START) else None
        trusted = self._row_depths.get(papers)
        if trusted is None or placed is None or not trusted:
            full = self._row_template.render(row=row, papers=papers).strip()
            if trusted is None:
                trusted = self._row_depths[papers] = placed == full and str(escape(papers)) == papers
            placed = full
        return Markup(placed)  # noqa: S704 - an autoescaped template

    def render_view(self, template: str, view: View) -> str:
        """The page of ``view``: front matter from its ``meta``, then the template's HTML.

        The template is given ``view`` and nothing else.
        """
        body = self.env.get_template(template).render(view=view)
        return front_matter({**view.meta(), "paperlist_html": True}) + "\n" + body

    def _row_digest(self, row: Row) -> bytes:
        digest = self._row_digests[id(row)] = fingerprint(tuple(vars(row).values()))
        self._digested.append(row)  # held, so that no other object can take its id meanwhile
        return digest

    def view_key(self, template: str, view: View) -> bytes:
        """The key of the page rendered from ``view`` with ``template``: a digest of all of the view.

        Every field goes in as it is, except a field typed ``tuple[Row, ...]``, which goes in
        as its rows' digests (each row is digested once per build, by identity: ``Views``
        makes each row once, and every table showing it shares it), and a field typed as a
        dataclass (the paper), which goes in as its values.
        """
        state = vars(view)
        kind: type = type(view)
        rows, records = _field_kinds(kind)
        if rows or records:
            state = dict(state)
            known, digest = self._row_digests.get, self._row_digest
            for name in rows:
                state[name] = b"".join([known(id(r)) or digest(r) for r in state[name]])
            for name in records:  # a dataclass pickles slower than its values
                state[name] = tuple(vars(state[name]).values())
        # Values only: the class (named) fixes the fields and their order.
        return fingerprint((self._version, template, type(view).__qualname__, tuple(state.values())))

    def _page(self, template: str, view: View) -> Page:
        return Page(self.view_key(template, view), functools.partial(self.render_view, template, view), view, template)

    def plan(self) -> dict[str, Page]:
        """Relative path under the docs directory -> page; nothing is rendered yet."""
        # Views, rows and pages hold no cycles, and all live to the build's end: a collection
        # while they are made would only walk them again and again (0.5 s at 10,000 papers).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._plan()
        finally:
            if collecting:
                gc.enable()

    def _plan(self) -> dict[str, Page]:
        cat, views = self.catalog, self.views
        pages: dict[str, Page] = {}
        for paper in cat.papers:
            paper_view = views.paper(paper)
            pages[paper_view.path] = self._page("paper.md.j2", paper_view)
        lists: list[ListView] = []
        for topic_id, papers in cat.topics.items():
            term, feed = cat.taxonomy.topic(topic_id), topic_feed(topic_id)
            lists += views.lists("topic", term, papers, feed, cat.related_topics.get(topic_id, ()))
        pages["topics/index.md"] = self._page("topics.md.j2", views.topic_index())
        for tag_id, papers in cat.tags.items():
            lists += views.lists("tag", cat.taxonomy.tags[tag_id], papers, None, cat.tag_topics.get(tag_id, ()))
        for view in lists:
            pages[view.path] = self._page("list.md.j2", view)
        pages["tags/index.md"] = self._page("tags.md.j2", views.tag_index())
        pages["stats.md"] = self._page("stats.md.j2", views.stats())
        pages["index.md"] = self._page("home.md.j2", views.home())
        return pages

    def pages(self) -> dict[str, str]:
        """Relative path under the docs directory -> page text."""
        return {path: page.render() for path, page in self.plan().items()}


@functools.cache
def _field_kinds(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields of a view class typed ``tuple[Row, ...]``, and those typed as a dataclass."""
    hints = typing.get_type_hints(cls)
    rows = tuple(name for name, hint in hints.items() if hint == tuple[Row, ...])
    records = tuple(name for name, hint in hints.items() if dataclasses.is_dataclass(hint))
    return rows, records
