"""Related papers: at least three per paper, deterministic, and better than plain TF-IDF."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from test_render import paper

from bench.related_eval import FULL, HELD_OUT, MARGIN, TEXT_ONLY, TUNING, evaluate, load_families
from generator import ranking, related
from generator.build import Project, load_curated
from generator.ranking import top_k, top_k_rows
from generator.related import Weights, related_papers

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
    # Identical texts tie everywhere, so an order-dependent implementation shows at once.
    papers = corpus() + [paper(f"same{i}", "Same title", "Same abstract words here.") for i in range(6)]
    expected = related_papers(papers)
    for seed in range(3):
        shuffled = papers.copy()
        random.Random(seed).shuffle(shuffled)
        assert shuffled != papers
        assert related_papers(shuffled) == expected
    assert expected["same3"] == ("same0", "same1", "same2", "same4", "same5")


def test_memory_is_bounded_by_blocks_not_by_n_squared(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny blocks (a few rows each) give exactly the ranking of one big block.
    papers = corpus()
    expected = related_papers(papers)
    monkeypatch.setattr(ranking, "BLOCK_ENTRIES", 70)
    assert related_papers(papers) == expected


def test_ties_are_broken_by_id() -> None:
    same = [paper(f"p{i}", "Same title", "Same abstract words here.") for i in range(6)]
    assert related_papers(same)["p3"] == ("p0", "p1", "p2", "p4", "p5")
    scores = np.array([[0.0, 1.0, 1.0, 0.5, 1.0]])
    assert top_k_rows(scores, 2, np.array([0])).tolist() == [[1, 2]] == [top_k(scores[0].copy(), 2, 0)]


def test_tiny_lists() -> None:
    assert related_papers([]) == {}
    assert related_papers([paper("a", "Alone")]) == {"a": ()}
    assert related_papers([paper("a", "A x"), paper("b", "B y")]) == {"a": ("b",), "b": ("a",)}


@pytest.mark.slow
def test_ours_beats_every_plain_tfidf_recipe_on_held_out_families() -> None:
    _, papers, _ = load_curated(Project(REPO))
    rows = dict(evaluate(papers, {"held-out": load_families(HELD_OUT), "tuning": load_families(TUNING)}))
    best = max(v["held-out"] for name, v in rows.items() if name.startswith("plain"))
    assert rows[TEXT_ONLY]["held-out"] >= best + MARGIN
    assert rows[FULL]["held-out"] >= best + MARGIN


def test_the_held_out_families_share_no_paper_with_the_tuning_families() -> None:
    assert not load_families(HELD_OUT).keys() & load_families(TUNING).keys()


def test_count_matrix_counts_what_scikit_learns_vectorizer_counts() -> None:
    """The hand-made counter is a speed-up of CountVectorizer(ngram_range=(1, 2),
    stop_words="english"): the same terms, the same counts per text, in its own column order."""
    from sklearn.feature_extraction.text import CountVectorizer

    _, papers, _ = load_curated(Project(Path(__file__).resolve().parent.parent))
    papers = papers[::8]  # sixty papers' worth of terms: the comparison is dense, kept small
    texts = ["", "lone", "", *(p.title for p in papers), *(p.abstract for p in papers)]  # empty texts first too
    texts += ["", "the of and", "Ünïcode ÉCOLE straße ǅ x y z", "a\u00a0b  c__d 42 x2 \u0660\u0661", "$x_1$ `code` <b>"]
    ours, boilerplate = related.count_matrix(texts)
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words="english")
    theirs = vectorizer.fit_transform(texts).toarray()
    names = vectorizer.get_feature_names_out()
    assert ours.shape == theirs.shape
    # Column by column, with its boilerplate flag: each of ours is exactly one of theirs.
    flags = [all(w in related.BOILERPLATE for w in n.split(" ")) for n in names]
    theirs_columns = sorted(zip(theirs.T.astype(np.int64).tolist(), flags, strict=True))
    ours_columns = sorted(zip(ours.toarray().T.astype(np.int64).tolist(), boilerplate.tolist(), strict=True))
    assert ours_columns == theirs_columns
    assert any(flags)
