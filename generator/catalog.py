"""The link stage: from validated papers to the cross-linked catalog the pages are made of."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .records import Paper
from .related import related_papers
from .taxonomy import UNSORTED, Taxonomy


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    """Newest first; undated papers last; then most upvoted; then by id."""
    return sorted(
        papers,
        key=lambda p: (p.published is None, -(p.published.toordinal() if p.published else 0), -(p.upvotes or 0), p.id),
    )


@dataclass(frozen=True)
class Catalog:
    """Visible papers, sorted by id, and every index the pages need."""

    papers: tuple[Paper, ...]
    by_id: dict[str, Paper]
    topics: dict[str, tuple[Paper, ...]]  # topic id -> papers, newest first; taxonomy order
    tags: dict[str, tuple[Paper, ...]]  # tag id -> papers, newest first; only used tags
    related: dict[str, tuple[str, ...]]
    taxonomy: Taxonomy

    def topic_counts(self) -> list[tuple[str, int]]:
        return [(t, len(ps)) for t, ps in self.topics.items()]


def build_catalog(papers: Sequence[Paper], taxonomy: Taxonomy) -> Catalog:
    visible = tuple(sorted((p for p in papers if not p.hidden), key=lambda p: p.id))
    by_topic: dict[str, list[Paper]] = defaultdict(list)
    by_tag: dict[str, list[Paper]] = defaultdict(list)
    for paper in visible:
        for topic in paper.topics:
            by_topic[topic].append(paper)
        for tag in paper.tags:
            by_tag[tag].append(paper)
    topic_order = [*taxonomy.topics, UNSORTED]
    return Catalog(
        papers=visible,
        by_id={p.id: p for p in visible},
        topics={t: tuple(newest_first(by_topic[t])) for t in topic_order if by_topic.get(t)},
        tags={t: tuple(newest_first(by_tag[t])) for t in sorted(by_tag)},
        related=related_papers(visible),
        taxonomy=taxonomy,
    )
