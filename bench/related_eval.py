"""How good are the related papers? Precision@5 of plain TF-IDF and of ours, side by side.

``make eval-related`` (``python -m bench.related_eval``) scores the seed corpus three ways:

- families: hand-labelled families of papers (``bench/related_families.yml``, picked by reading
  titles, not from the curated labels); a related paper counts when it is in the query's family.
- shared tag / shared topic: a related paper counts when it shares a curated tag (topic) with the
  query. Circular for the full method, which uses those labels as features: shown for reference.
- leave labels out: the full method with the query's own topics and tags hidden, which is what a
  paper no curator has looked at yet gets. Hiding a paper's labels zeroes its label similarity to
  every other paper, so this is exactly our text part alone.

``--time N`` also times ``related_papers`` on N synthetic papers (bench/synth.py) with random labels.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import yaml

from generator.build import Project, load_curated
from generator.records import Paper
from generator.related import RELATED, Weights, plain_related, related_papers

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = Path(__file__).resolve().parent / "related_families.yml"

Ranking = Mapping[str, Sequence[str]]


def load_families(path: Path = FAMILIES) -> dict[str, str]:
    """Paper id -> family name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {paper_id: family for family, ids in sorted(data.items()) for paper_id in ids}


def precision_at_k(
    ranking: Ranking, queries: Sequence[str], relevant: Callable[[str, str], bool], k: int = RELATED
) -> float:
    """Mean over the queries of the share of their first k related papers that are relevant."""
    if not queries:
        return 0.0
    return sum(sum(relevant(q, r) for r in ranking[q][:k]) / k for q in queries) / len(queries)


def evaluate(papers: Sequence[Paper], families: Mapping[str, str]) -> list[tuple[str, dict[str, float]]]:
    """Rows of (method, {metric: precision@5})."""
    papers = sorted((p for p in papers if not p.hidden), key=lambda p: p.id)
    by_id = {p.id: p for p in papers}
    in_family = [p.id for p in papers if p.id in families]
    tagged = [p.id for p in papers if p.tags]
    all_ids = [p.id for p in papers]

    def same_family(q: str, r: str) -> bool:
        return families.get(r) == families[q]

    def shares_tag(q: str, r: str) -> bool:
        return bool(set(by_id[q].tags) & set(by_id[r].tags))

    def shares_topic(q: str, r: str) -> bool:
        return bool(set(by_id[q].topics) & set(by_id[r].topics))

    methods: list[tuple[str, Ranking]] = [
        ("plain TF-IDF (baseline)", plain_related(papers)),
        ("ours, leave labels out", related_papers(papers, weights=Weights(text=1, topic=0, tag=0))),
        ("ours (text + topics + tags)", related_papers(papers)),
    ]
    return [
        (
            name,
            {
                "families": precision_at_k(ranking, in_family, same_family),
                "shared tag": precision_at_k(ranking, tagged, shares_tag),
                "shared topic": precision_at_k(ranking, all_ids, shares_topic),
            },
        )
        for name, ranking in methods
    ]


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    metrics = list(rows[0][1])
    lines = [
        "| method | " + " | ".join(f"P@5 {m}" for m in metrics) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    lines += [f"| {name} | " + " | ".join(f"{v:.3f}" for v in values.values()) + " |" for name, values in rows]
    return "\n".join(lines)


def synthetic_papers(n: int, topics: int = 30, tags: int = 90) -> list[Paper]:
    """N papers with Markov-chain text and random labels, the same on every run."""
    from bench.synth import papers as synthetic

    rng = random.Random(7)
    result = []
    for i, (title, abstract) in enumerate(synthetic(n)):
        result.append(
            Paper(
                id=f"p{i:06d}",
                title=title,
                abstract=abstract,
                published=None,
                authors=None,
                upvotes=None,
                sources=(),
                topics=tuple(sorted({f"topic-{rng.randrange(topics)}" for _ in range(rng.randint(1, 2))})),
                tags=tuple(sorted({f"tag-{rng.randrange(tags)}" for _ in range(rng.randint(0, 4))})),
                scraped_title=title,
            )
        )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.related_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project whose records to score")
    parser.add_argument("--time", type=int, default=0, metavar="N", help="also time N synthetic papers")
    args = parser.parse_args(argv)
    _, papers, _ = load_curated(Project(args.root))
    families = load_families()
    rows = evaluate(papers, families)
    print(f"Related papers, precision@{RELATED} on {len(papers)} papers ({len(families)} in hand-labelled families)")
    print(table(rows))
    if args.time:
        corpus = synthetic_papers(args.time)
        start = time.perf_counter()
        related_papers(corpus)
        print(f"related_papers on {args.time} synthetic papers: {time.perf_counter() - start:.1f} s")
    baseline, ours = rows[0][1]["families"], rows[-1][1]["families"]
    if ours <= baseline:
        print(f"ours ({ours:.3f}) does not beat plain TF-IDF ({baseline:.3f}) on the families")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
