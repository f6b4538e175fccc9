"""View-models: what each page shows, as plain data, made from the catalog.

A page is rendered from its view alone: the template's only variable is ``view``, and the
page's key (``render.Page``) is a digest of the same view. So whatever a template prints it
reads from the view, and whatever the view holds is in the key: a template that prints a new
field needs that field in the view first, and then every page showing it gets a new key.

Views hold plain data only (str, int, bool, None, dates, tuples and dicts of these, and frozen
dataclasses of these: the views below, rows, pagers and the paper's record): no catalog, no
taxonomy, no callback. A view's methods (``meta``, ``links``...) derive what the page shows
from its fields alone, at render time, so the warm path digests the fields without computing
them. ``tests/test_views.py`` walks every view to check it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from . import paging, stats, urls
from .catalog import Catalog, Mention, newest_first
from .frontmatter import meta_text
from .links import arxiv_links, paper_bibtex, paper_links
from .pagetext import excerpt, search_query
from .paging import Pager
from .records import Paper
from .taxonomy import Term

HOME_LIST = 10
HF_PAPERS_SEARCH = "https://huggingface.co/papers?q="
ARXIV_SEARCH = "https://arxiv.org/search/?searchtype=title&query="

Meta = Mapping[str, str | bool | int]
Link = tuple[str, str]  # the target's id, its title


@dataclass(frozen=True)
class Row:
    """One paper's row in a paper table (``_row.j2``): only what the row shows, so that an edit
    elsewhere in the record leaves the tables alone. ``abstract`` (for the excerpt) is None in
    tables without excerpts."""

    id: str
    title: str
    arxiv: str | None
    status: str | None
    status_title: str | None
    abstract: str | None
    published: str | None  # ISO date
    upvotes: int | None

    def arxiv_url(self) -> str:
        return arxiv_links(self.arxiv)["arxiv"] if self.arxiv else ""


@dataclass(frozen=True)
class PaperView:
    """A paper's own page (``paper.md.j2``): the record, and what the page shows of other papers and terms."""

    path: str
    paper: Paper
    status_title: str | None
    topics: tuple[Link, ...]
    tags: tuple[Link, ...]
    mentions: tuple[Mention, ...]
    related: tuple[Link, ...]
    mentioned_by: tuple[Link, ...]

    def meta(self) -> Meta:
        return {"title": meta_text(self.paper.title), "description": meta_text(excerpt(self.paper.abstract))}

    def links(self) -> dict[str, str]:
        return paper_links(self.paper)

    def bibtex(self) -> str | None:
        return paper_bibtex(self.paper)

    def abstract(self) -> tuple[tuple[str, str | None], ...]:
        return abstract_segments(self.paper.abstract, self.mentions)

    def find(self) -> tuple[str, str]:
        """Search links on Hugging Face Papers and arXiv (for a paper without an arXiv id)."""
        query = search_query(self.paper.title)
        return HF_PAPERS_SEARCH + query, ARXIV_SEARCH + query


@dataclass(frozen=True)
class ListView:
    """A topic's or a tag's papers (``list.md.j2``)."""

    path: str
    kind: str  # "topic" or "tag"
    title: str
    description: str
    count: int  # papers of the term
    feed: str | None
    see_also: tuple[Link, ...]
    rows: tuple[Row, ...]
    pager: Pager | None  # None: the whole list on this one page (see paging)

    def meta(self) -> Meta:
        title, description = self.title, self.description
        if self.pager:
            title, description = self.pager.title(title), self.pager.description(description)
        meta: dict[str, str | bool | int] = {"title": meta_text(title), "description": meta_text(description)}
        if self.feed:
            meta.update(feed=self.feed, feed_title=meta_text(f"Paperlist: {self.title}"))
        if not self.pager:  # the whole list on one page sorts in the browser: overrides/main.html loads tablesort
            meta["sortable"] = True
        return meta


@dataclass(frozen=True)
class HomeView:
    path: str
    count: int
    feed: str
    must_read_title: str | None
    start_here: tuple[Row, ...]
    topics: tuple[tuple[str, str, int], ...]  # id, title, papers
    newest: tuple[Row, ...]
    upvoted: tuple[Row, ...]

    def meta(self) -> Meta:
        return {
            "title": "Paperlist",
            "description": f"A curated, searchable reading list of {self.count} research papers.",
        }


@dataclass(frozen=True)
class TermsView:
    """The topic or tag index (``topics.md.j2``, ``tags.md.j2``)."""

    path: str
    terms: tuple[tuple[str, str, int, str], ...]  # id, title, papers, description

    def meta(self) -> Meta:
        return SUMMARY_META[self.path]


@dataclass(frozen=True)
class StatsView:
    path: str
    total: int
    undated: int
    topics: tuple[tuple[str, str, int], ...]  # id, title, papers
    months: tuple[tuple[str, str, int], ...]  # "YYYY-MM" twice (key and label), papers
    tags: tuple[tuple[str, str, int], ...]

    def meta(self) -> Meta:
        return SUMMARY_META[self.path]


View = PaperView | ListView | HomeView | TermsView | StatsView

# The metadata of the pages that sum the catalog up (the home page's counts its papers).
SUMMARY_META: dict[str, Meta] = {
    urls.TOPICS.index: {
        "title": "Topics",
        "description": "Every topic of the reading list, with its number of papers.",
    },
    urls.TAGS.index: {"title": "Tags", "description": "Every tag of the reading list, with its number of papers."},
    urls.STATS: {
        "title": "Stats",
        "description": "The reading list at a glance: papers per topic, per publication month, and the most used tags.",
    },
}


def abstract_segments(text: str, mentions: Sequence[Mention]) -> tuple[tuple[str, str | None], ...]:
    """``text`` cut at the mention offsets: (text, target id) for a mention, (text, None) between.

    The pieces join back to exactly ``text``; a link's target comes from the mention, never
    from the abstract.
    """
    parts: list[tuple[str, str | None]] = []
    position = 0
    for start, end, target in sorted(mentions):
        if start < position:  # overlapping spans cannot happen with whole words; be safe anyway
            continue
        parts.append((text[position:start], None))
        parts.append((text[start:end], target))
        position = end
    parts.append((text[position:], None))
    return tuple(parts)


class Views:
    """Makes the views of one catalog; each paper's rows are made once, for every table showing them."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._statuses = {s: term.title for s, term in catalog.taxonomy.statuses.items()}
        self._rows: dict[bool, dict[str, Row]] = {False: {}, True: {}}  # with excerpt? -> paper id -> row

    def row(self, paper: Paper, show_excerpt: bool) -> Row:
        """The paper's row; the same object for every table that shows it (see render.view_key)."""
        made = self._rows[show_excerpt]
        found = made.get(paper.id)
        if found is None:
            status = paper.status
            found = made[paper.id] = Row(
                paper.id,
                paper.title,
                paper.arxiv,
                status,
                self._statuses[status] if status else None,
                paper.abstract if show_excerpt else None,
                paper.published.isoformat() if paper.published else None,
                paper.upvotes,
            )
        return found

    def rows(self, papers: Sequence[Paper], show_excerpt: bool) -> tuple[Row, ...]:
        get, row = self._rows[show_excerpt].get, self.row
        return tuple([get(p.id) or row(p, show_excerpt) for p in papers])

    def paper(self, paper: Paper) -> PaperView:
        cat = self.catalog
        taxonomy = cat.taxonomy
        by_id = cat.by_id
        pid = paper.id
        return PaperView(
            urls.PAPERS.page(pid),
            paper,
            self._statuses[paper.status] if paper.status else None,
            tuple([(t, taxonomy.topic(t).title) for t in paper.topics]),
            tuple([(t, taxonomy.tags[t].title) for t in paper.tags]),
            cat.mentions.get(pid, ()),
            tuple([(i, by_id[i].title) for i in cat.related.get(pid, ()) if i in by_id]),
            tuple([(i, by_id[i].title) for i in cat.mentioned_by.get(pid, ()) if i in by_id]),
        )

    def lists(
        self, kind: str, term: Term, papers: Sequence[Paper], feed: str | None, see_also: Sequence[str]
    ) -> Iterator[ListView]:
        """The pages of a topic's or a tag's papers: one, or several in each order (see paging)."""
        show_excerpt = kind == "topic"  # tag pages list more papers: a lighter table
        section = urls.TOPICS if kind == "topic" else urls.TAGS
        also = tuple([(t, self.catalog.taxonomy.topic(t).title) for t in see_also])
        count = len(papers)
        for path, pager, shown in paging.slices(section, term.id, papers):
            rows = self.rows(shown, show_excerpt)
            yield ListView(path, kind, term.title, term.description, count, feed, also, rows, pager)

    def home(self) -> HomeView:
        papers = self.catalog.papers
        newest = newest_first(papers)[:HOME_LIST]
        upvoted = heapq.nsmallest(HOME_LIST, papers, key=lambda p: (-(p.upvotes or 0), p.id))
        must_read = self.catalog.taxonomy.statuses.get("must-read")
        return HomeView(
            path=urls.HOME,
            count=len(papers),
            feed=urls.SITE_FEED,
            must_read_title=must_read.title if must_read else None,
            start_here=self.rows(newest_first(p for p in papers if p.status == "must-read"), True),
            topics=self._topic_counts(),
            newest=self.rows(newest, False),
            upvoted=self.rows([p for p in upvoted if p.upvotes], False),
        )

    def _topic_counts(self) -> tuple[tuple[str, str, int], ...]:
        topic = self.catalog.taxonomy.topic
        return tuple([(t, topic(t).title, len(ps)) for t, ps in self.catalog.topics.items()])

    def topic_index(self) -> TermsView:
        topic = self.catalog.taxonomy.topic
        terms = [(t, topic(t).title, len(ps), topic(t).description) for t, ps in self.catalog.topics.items()]
        return TermsView(urls.TOPICS.index, tuple(terms))

    def tag_index(self) -> TermsView:
        tags = self.catalog.taxonomy.tags
        terms = [(t, tags[t].title, len(ps), tags[t].description) for t, ps in self.catalog.tags.items()]
        return TermsView(urls.TAGS.index, tuple(terms))

    def stats(self) -> StatsView:
        found = stats.compute(self.catalog)
        taxonomy = self.catalog.taxonomy
        return StatsView(
            path=urls.STATS,
            total=found.total,
            undated=found.undated,
            topics=tuple([(t, taxonomy.topic(t).title, n) for t, n in found.topics]),
            months=tuple([(m, m, n) for m, n in found.months]),
            tags=tuple([(t, taxonomy.tags[t].title, n) for t, n in found.tags]),
        )
