"""Related papers: at least three per paper, deterministic, and better than plain TF-IDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_render import paper

from bench.related_eval import evaluate, load_families
from generator.build import Project, load_curated
from generator.related import Weights, related_papers, top_k, top_k_rows

REPO = Path(__file__).resolve().parent.parent


def corpus() -> list:
    topics = ["bandits", "low-rank", "unlearning"]
    words = {
        "bandits": "regret arm exploration reward contextual bandit",
        "low-rank": "matrix rank factorization adapter singular decomposition",
        "unlearning": "forget removal deletion privacy retrain influence",
    }
    papers = []
    for i in range(30):
        topic = topics[i % 3]
        text = " ".join(words[topic].split()[j % 6] for j in range(i % 5 + 3))
        papers.append(paper(f"p{i:02d}", f"Paper {i} on {topic}", f"We study {text}.", topics=(topic,)))
    return papers


def test_every_paper_gets_at_least_three_related_papers_never_itself() -> None:
    related = related_papers(corpus())
    assert all(len(ids) >= 3 and pid not in ids for pid, ids in related.items())


def test_related_papers_share_the_family() -> None:
    papers = corpus()
    topic = {p.id: p.topics for p in papers}
    for pid, ids in related_papers(papers, weights=Weights(topic=0, tag=0, text=1)).items():
        assert sum(topic[r] == topic[pid] for r in ids) >= 4


def test_same_input_same_output_whatever_the_order() -> None:
    papers = corpus()
    assert related_papers(papers) == related_papers(sorted(papers, key=lambda p: p.id))


def test_ties_are_broken_by_id() -> None:
    same = [paper(f"p{i}", "Same title", "Same abstract words here.") for i in range(6)]
    assert related_papers(same)["p3"] == ("p0", "p1", "p2", "p4", "p5")
    scores = np.array([[0.0, 1.0, 1.0, 0.5, 1.0]])
    assert top_k_rows(scores, 2, 0) == [[1, 2]] == [top_k(scores[0].copy(), 2, 0)]


def test_tiny_lists() -> None:
    assert related_papers([]) == {}
    assert related_papers([paper("a", "Alone")]) == {"a": ()}
    assert related_papers([paper("a", "A x"), paper("b", "B y")]) == {"a": ("b",), "b": ("a",)}


@pytest.mark.slow
def test_ours_beats_plain_tfidf_on_the_hand_labelled_families() -> None:
    _, papers, _ = load_curated(Project(REPO))
    rows = dict(evaluate(papers, load_families()))
    baseline = rows["plain TF-IDF (baseline)"]
    assert rows["ours (text + topics + tags)"]["families"] > baseline["families"] + 0.05
    assert rows["ours, leave labels out"]["families"] > baseline["families"]
