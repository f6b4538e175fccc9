"""Numbers for the stats page: papers per topic, per publication month, and the top tags."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .catalog import Catalog

TOP_TAGS = 20


@dataclass(frozen=True)
class Stats:
    """Counts in display order; ``undated`` papers have no month."""

    topics: tuple[tuple[str, int], ...]  # topic id, papers: most papers first, then by id
    months: tuple[tuple[str, int], ...]  # "YYYY-MM", papers: the months that have papers, oldest first
    tags: tuple[tuple[str, int], ...]  # tag id, papers: the TOP_TAGS most used, then by id
    undated: int
    total: int


def compute(catalog: Catalog) -> Stats:
    """The stats of a catalog."""
    # Counted by (year, month) and formatted once per month: strftime for each paper costs more.
    counted = Counter((p.published.year, p.published.month) for p in catalog.papers if p.published)
    by_month = {f"{year:04d}-{month:02d}": n for (year, month), n in counted.items()}
    tags = sorted(((t, len(ps)) for t, ps in catalog.tags.items()), key=lambda item: (-item[1], item[0]))
    return Stats(
        topics=tuple(sorted(catalog.topic_counts(), key=lambda item: (-item[1], item[0]))),
        months=tuple(sorted(by_month.items())),
        tags=tuple(tags[:TOP_TAGS]),
        undated=sum(1 for p in catalog.papers if p.published is None),
        total=len(catalog.papers),
    )
