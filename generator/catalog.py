"""The link stage: from validated papers to the cross-linked catalog the pages are made of."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import cache as stored
from .cache import Codec
from .mentions import mentioned_by, mentions
from .records import Paper
from .taxonomy import UNSORTED, Taxonomy

RELATED_TOPICS = 5

Mention = tuple[int, int, str]  # start, end (character offsets in the abstract), target paper id


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
    mentions: dict[str, tuple[Mention, ...]] = field(default_factory=dict)  # paper id -> mentions in its abstract
    mentioned_by: dict[str, tuple[str, ...]] = field(default_factory=dict)  # paper id -> ids mentioning it
    related_topics: dict[str, tuple[str, ...]] = field(default_factory=dict)  # topic -> co-occurring topics
    tag_topics: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tag -> topics of its papers

    def topic_counts(self) -> list[tuple[str, int]]:
        return [(t, len(ps)) for t, ps in self.topics.items()]


def co_occurring_topics(papers: Iterable[Paper], k: int = RELATED_TOPICS) -> dict[str, tuple[str, ...]]:
    """Topic -> the topics most often given to the same papers, most shared first, then by id."""
    pairs: Counter[tuple[str, str]] = Counter()
    for paper in papers:
        for a in paper.topics:
            for b in paper.topics:
                if a != b:
                    pairs[a, b] += 1
    best: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (a, b), count in pairs.items():
        best[a].append((-count, b))
    return {a: tuple(b for _, b in sorted(found)[:k]) for a, found in sorted(best.items())}


def topics_of_tags(by_tag: Mapping[str, Sequence[Paper]]) -> dict[str, tuple[str, ...]]:
    """Tag -> the topics of its papers, most papers first, then by id."""
    result: dict[str, tuple[str, ...]] = {}
    for tag, papers in by_tag.items():
        counts = Counter(t for p in papers for t in p.topics)
        result[tag] = tuple(t for t, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return result


def visible_papers(papers: Sequence[Paper]) -> tuple[Paper, ...]:
    """The papers the site shows, sorted by id."""
    return tuple(sorted((p for p in papers if not p.hidden), key=lambda p: p.id))


@dataclass(frozen=True)
class Links:
    """The costly links between papers, computed from their text, topics and tags alone."""

    related: dict[str, tuple[str, ...]]
    mentions: dict[str, tuple[Mention, ...]]


def _encode_links(links: Links) -> list[Any]:
    return [
        {k: list(v) for k, v in links.related.items()},
        {k: [list(m) for m in v] for k, v in links.mentions.items()},
    ]


def _mention(value: Any) -> Mention:
    start, end, target = stored.items(value, 3)
    return stored.whole(start), stored.whole(end), stored.text(target)


def _decode_links(value: Any) -> Links:
    related, found = stored.items(value, 2)
    return Links(
        {stored.text(k): stored.texts(v) for k, v in stored.mapping(related).items()},
        {stored.text(k): tuple(map(_mention, stored.listed(v))) for k, v in stored.mapping(found).items()},
    )


LINKS = Codec("links", _encode_links, _decode_links)


def compute_links(visible: Sequence[Paper]) -> Links:
    """Related papers and mentions of ``visible``: the costly part of a catalog, which a cache skips."""
    # Imported here: NumPy, SciPy and scikit-learn take seconds to import, and a build whose
    # links come from the cache (or a check) never needs them.
    from .related import related_papers

    return Links(related_papers(visible), mentions(visible))


def build_catalog(papers: Sequence[Paper], taxonomy: Taxonomy, links: Links | None = None) -> Catalog:
    """Link the papers; ``links`` may come from a cache (see build.cached_links)."""
    visible = visible_papers(papers)
    by_topic: dict[str, list[Paper]] = defaultdict(list)
    by_tag: dict[str, list[Paper]] = defaultdict(list)
    # Sorted once, then dealt out: every list comes out newest first (the order is total).
    for paper in newest_first(visible):
        for topic in paper.topics:
            by_topic[topic].append(paper)
        for tag in paper.tags:
            by_tag[tag].append(paper)
    topic_order = [*taxonomy.topics, UNSORTED]
    tags = {t: tuple(by_tag[t]) for t in sorted(by_tag)}
    links = links if links is not None else compute_links(visible)
    found = links.mentions
    return Catalog(
        papers=visible,
        by_id={p.id: p for p in visible},
        topics={t: tuple(by_topic[t]) for t in topic_order if by_topic.get(t)},
        tags=tags,
        related=links.related,
        taxonomy=taxonomy,
        mentions=found,
        mentioned_by=mentioned_by(found),
        related_topics=co_occurring_topics(visible),
        tag_topics=topics_of_tags(tags),
    )
