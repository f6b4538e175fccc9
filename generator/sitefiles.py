"""Files written next to the pages MkDocs builds: ``papers.json`` and the Atom feeds."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from .catalog import Catalog, newest_first
from .feeds import atom_feed, newest_date
from .links import paper_links
from .output import create_streamed, make_dirs
from .records import Paper
from .urls import PAPERS, PAPERS_JSON, SITE_FEED, TOPICS, topic_feed


def paper_json(paper: Paper, related: Iterable[str]) -> dict[str, object]:
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "url": PAPERS.url(paper.id),
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
            page=TOPICS.url(topic_id),
            undated=undated,
        )
    return result


def write_site_files(catalog: Catalog, directory: Path) -> dict[str, bytes]:
    """``papers.json`` and the feeds, created under ``directory``: relative path -> a digest of the file's bytes.

    ``papers.json`` is written a row at a time: as one string it was 4 KB a paper (430 MB at
    100,000 papers), twice over while it was joined, at the generator's peak.
    """
    found: dict[str, bytes] = {}
    for relpath, parts in [(PAPERS_JSON, papers_json_parts(catalog)), *((k, [v]) for k, v in feeds(catalog).items())]:
        path = directory / relpath
        make_dirs(path.parent, directory)
        found[relpath] = create_streamed(path, (part.encode("utf-8") for part in parts))
    return found


def papers_json(catalog: Catalog) -> str:
    """``site/papers.json``: one object per line so a diff of two builds reads well."""
    return "".join(papers_json_parts(catalog))


def papers_json_parts(catalog: Catalog) -> Iterator[str]:
    """``papers_json`` in pieces, a paper's row at a time."""
    yield "[\n"
    for i, p in enumerate(catalog.papers):
        if i:
            yield ",\n"
        yield json.dumps(paper_json(p, catalog.related.get(p.id, ())), ensure_ascii=False, separators=(",", ":"))
    yield "\n]\n"
