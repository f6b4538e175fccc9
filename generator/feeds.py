"""Atom feeds: the whole list and one per topic, written with feedgen.

Dates come from the data, never the clock: an entry is dated by its paper's publication date
(a paper without one takes the newest date of the list, so it still sorts and the bytes stay
the same), and a feed's ``updated`` is its newest entry's. Ids are ``urn:uuid:`` URIs derived
from the paper or feed id (uuid5), so they never change when the site moves; links are
relative to the feed's own URL, like every link of the site, so the feed works on any host
and sub-path.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from feedgen.feed import FeedGenerator

from .links import arxiv_links
from .records import Paper
from .urls import PAPERS, link_from

FEED_ENTRIES = 50  # the newest papers of each feed: a reader wants news, not the archive
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "paperlist")
FALLBACK_DATE = date(1980, 1, 1)  # only for a list with no dated paper at all
# XML 1.0 cannot carry these characters at all: they become U+FFFD in a feed (pages keep them).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def urn(kind: str, ident: str) -> str:
    """A stable Atom id: ``urn:uuid:`` of ``kind:ident``."""
    return uuid.uuid5(NAMESPACE, f"{kind}:{ident}").urn


def xml_text(value: str) -> str:
    return NOT_XML.sub("\ufffd", value)


def _timestamp(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def newest_date(papers: Sequence[Paper]) -> date:
    """The date given to undated papers: the newest publication date of the list."""
    return max((p.published for p in papers if p.published), default=FALLBACK_DATE)


def atom_feed(
    papers: Sequence[Paper],
    *,
    path: str,
    feed_id: str,
    title: str,
    subtitle: str,
    page: str,
    undated: date,
) -> str:
    """An Atom document for ``papers`` (already newest first), to be served at site-relative ``path``."""
    href = link_from(path)
    entries = list(papers[:FEED_ENTRIES])
    days = [p.published or undated for p in entries]
    feed = FeedGenerator()
    feed.id(urn("feed", feed_id))
    feed.title(xml_text(title))
    feed.subtitle(xml_text(subtitle))
    feed.link(href=href(page), rel="alternate", type="text/html")
    feed.link(href=href(path), rel="self", type="application/atom+xml")
    feed.updated(_timestamp(max(days, default=undated)))
    feed.language("en")
    for paper, day in zip(entries, days, strict=True):
        entry = feed.add_entry(order="append")
        entry.id(urn("paper", paper.id))
        entry.title(xml_text(paper.title))
        entry.link(href=href(PAPERS.url(paper.id)), rel="alternate", type="text/html")
        if paper.arxiv:  # the paper itself, beside its page on this site
            entry.link(href=arxiv_links(paper.arxiv)["arxiv"])
        entry.summary(xml_text(paper.abstract), type="text")
        entry.published(_timestamp(day))
        entry.updated(_timestamp(day))
        for topic in paper.topics:
            entry.category(term=topic)
    text = str(feed.atom_str(pretty=True).decode("utf-8"))
    # feedgen 1.0 writes an entry link's href alone (its FeedEntry.atom_entry drops rel and
    # type), and a second link without rel would be a second "alternate": name it related.
    for related in sorted({arxiv_links(p.arxiv)["arxiv"] for p in entries if p.arxiv}):
        text = text.replace(
            f'<link href="{related}"/>', f'<link href="{related}" rel="related" type="text/html" title="arXiv"/>'
        )
    return text
