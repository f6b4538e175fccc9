"""How good are the related papers on families the method was never tuned on?

``make eval-related`` (``python -m bench.related_eval``) ranks the seed corpus with plain TF-IDF
recipes and with ours, and scores precision@5 on two sets of hand-labelled families:

- tuning half (``bench/related_families.yml``): every parameter of ``generator/related.py`` is
  chosen on these (``--tune`` prints the grid it was chosen from, scored on this half only);
- held-out half (``bench/related_families_heldout.yml``): labelled by reading titles, written
  down before any method was scored on them, never used to choose anything.

A related paper counts when it is in the query's family. The curated topics and tags come from
keyword rules written with the whole seed corpus in view (they name phrases of these very papers),
so the label part of our score is not held out in the same sense: the table shows ours with and
without it, and the text-only row is the one that measures the method on unseen families.
Plain TF-IDF gets its best recipe picked on the held-out half itself, which favours the baseline.

``--time N`` also times ``related_papers`` on N synthetic papers (bench/synth.py) with random labels.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

from generator.build import Project, load_curated
from generator.ranking import rank_matrix
from generator.records import Paper
from generator.related import RELATED, Weights, related_papers

ROOT = Path(__file__).resolve().parent.parent
TUNING = Path(__file__).resolve().parent / "related_families.yml"
HELD_OUT = Path(__file__).resolve().parent / "related_families_heldout.yml"
MARGIN = 0.03  # how far ours must stay ahead of the best plain recipe on the held-out half

Ranking = Mapping[str, Sequence[str]]


def load_families(path: Path = TUNING) -> dict[str, str]:
    """Paper id -> family name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {paper_id: family for family, ids in sorted(data.items()) for paper_id in ids}


def precision_at_k(ranking: Ranking, families: Mapping[str, str], k: int = RELATED) -> float:
    """Mean over the family members of the share of their first k related papers in their family."""
    queries = [q for q in sorted(families) if q in ranking]
    if not queries:
        return 0.0
    return sum(sum(families.get(r) == families[q] for r in ranking[q][:k]) / k for q in queries) / len(queries)


def plain_recipe(papers: Sequence[Paper], ngrams: int, sublinear: bool, stop_words: bool) -> Ranking:
    """Plain TF-IDF cosine of title + abstract, one of the textbook recipes."""
    vectorizer = TfidfVectorizer(
        ngram_range=(1, ngrams), sublinear_tf=sublinear, stop_words="english" if stop_words else None
    )
    matrix = vectorizer.fit_transform([f"{p.title} {p.abstract}" for p in papers])
    ranked = rank_matrix(matrix, None, RELATED)
    return {p.id: tuple(papers[i].id for i in row) for p, row in zip(papers, ranked, strict=True)}


def plain_recipes(papers: Sequence[Paper]) -> dict[str, Ranking]:
    """Every combination of 1-2 grams, sublinear tf and English stop words."""
    result = {}
    for ngrams, sublinear, stop_words in itertools.product((1, 2), (False, True), (False, True)):
        name = ", ".join(
            [f"1-{ngrams} grams" if ngrams > 1 else "words"]
            + (["sublinear tf"] if sublinear else [])
            + (["stop words"] if stop_words else [])
        )
        result[f"plain TF-IDF ({name})"] = plain_recipe(papers, ngrams, sublinear, stop_words)
    return result


TEXT_ONLY = "ours, text only (no curated labels)"
FULL = "ours, text + curated topics and tags"


def evaluate(papers: Sequence[Paper], halves: Mapping[str, Mapping[str, str]]) -> list[tuple[str, dict[str, float]]]:
    """Rows of (method, {half: precision@5}), plain recipes first."""
    papers = sorted((p for p in papers if not p.hidden), key=lambda p: p.id)
    methods = dict(plain_recipes(papers))
    methods[TEXT_ONLY] = related_papers(papers, weights=Weights(topic=0, tag=0))
    methods[FULL] = related_papers(papers)
    return [(name, {half: precision_at_k(r, fam) for half, fam in halves.items()}) for name, r in methods.items()]


def table(rows: Sequence[tuple[str, Mapping[str, float]]]) -> str:
    """A Markdown table of the rows."""
    metrics = list(rows[0][1])
    lines = ["| method | " + " | ".join(f"P@5 {m}" for m in metrics) + " |", "|---|" + "---:|" * len(metrics)]
    lines += [f"| {name} | " + " | ".join(f"{v:.3f}" for v in values.values()) + " |" for name, values in rows]
    return "\n".join(lines)


def tune(papers: Sequence[Paper], families: Mapping[str, str]) -> list[tuple[str, dict[str, float]]]:
    """The grid the defaults of ``Weights`` were picked from, scored on the tuning half only."""
    papers = sorted((p for p in papers if not p.hidden), key=lambda p: p.id)
    rows = []
    for title, lsa, labels in itertools.product((1.0, 2.0, 3.0), (0.0, 0.3, 0.5), (0.0, 0.25, 0.4)):
        weights = Weights(title=title, lsa=lsa, topic=labels * 0.6, tag=labels * 0.4)
        ranking = related_papers(papers, weights=weights)
        name = f"title x{title:g}, LSA share {lsa:g}, labels {labels:g}"
        rows.append((name, {"tuning": precision_at_k(ranking, families)}))
    return rows


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
    parser.add_argument("--tune", action="store_true", help="print the tuning grid (tuning half only)")
    parser.add_argument("--time", type=int, default=0, metavar="N", help="also time N synthetic papers")
    args = parser.parse_args(argv)
    _, papers, _ = load_curated(Project(args.root))
    tuning = load_families(TUNING)
    if args.tune:
        print(table(sorted(tune(papers, tuning), key=lambda row: -row[1]["tuning"])))
        return 0
    held_out = load_families(HELD_OUT)
    rows = evaluate(papers, {"tuning": tuning, "held-out": held_out})
    print(
        f"Related papers, precision@{RELATED} on {len(papers)} papers: {len(tuning)} in tuning families, "
        f"{len(held_out)} in held-out families"
    )
    print(table(rows))
    if args.time:
        corpus = synthetic_papers(args.time)
        start = time.perf_counter()
        related_papers(corpus)
        print(f"related_papers on {args.time} synthetic papers: {time.perf_counter() - start:.1f} s")
    scores = dict(rows)
    best = max(values["held-out"] for name, values in rows if name.startswith("plain"))
    failed = [name for name in (TEXT_ONLY, FULL) if scores[name]["held-out"] < best + MARGIN]
    for name in failed:
        print(f"{name}: {scores[name]['held-out']:.3f} on held-out, not {MARGIN} ahead of plain TF-IDF ({best:.3f})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
