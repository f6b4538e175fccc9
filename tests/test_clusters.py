"""Related papers past EXACT_LIMIT: grouped ranking is the exact one where it looks, and finds most of it."""

from __future__ import annotations

import pytest
from test_render import paper

from bench.related_eval import synthetic_papers
from generator import clusters, related
from generator.related import related_papers


@pytest.fixture(scope="module")
def papers() -> list:
    return synthetic_papers(2000)


def grouped(papers: list, monkeypatch: pytest.MonkeyPatch, probe: int) -> dict[str, tuple[str, ...]]:
    monkeypatch.setattr(related, "EXACT_LIMIT", 10)
    monkeypatch.setattr(clusters, "PROBE", probe)
    return related_papers(papers)


def test_with_every_group_probed_the_grouped_ranking_is_the_exact_one(
    papers: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = related_papers(papers[:500])
    # Tiny blocks too: a group's queries scored a few rows at a time give the same lists.
    monkeypatch.setattr(clusters, "BLOCK_ENTRIES", 5000)
    assert grouped(papers[:500], monkeypatch, probe=10**6) == exact


def test_the_grouped_ranking_finds_most_of_the_exact_one(papers: list, monkeypatch: pytest.MonkeyPatch) -> None:
    exact = related_papers(papers)
    ours = grouped(papers, monkeypatch, probe=clusters.PROBE)
    found = sum(len(set(exact[p]) & set(ours[p])) for p in exact) / sum(len(v) for v in exact.values())
    assert ours != exact  # the groups did limit the search (45 groups, 16 probed)
    assert found >= 0.9
    assert all(len(v) == related.RELATED and p not in v for p, v in ours.items())


def test_the_grouped_ranking_is_the_same_whatever_the_order(papers: list, monkeypatch: pytest.MonkeyPatch) -> None:
    first = grouped(papers[:800], monkeypatch, probe=4)
    assert grouped(list(reversed(papers[:800])), monkeypatch, probe=4) == first


def test_a_paper_with_no_text_and_no_labels_still_gets_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:

    many = [*synthetic_papers(300), paper("zz-empty", "Zz", "Qq.")]
    result = grouped(many, monkeypatch, probe=2)
    assert len(result["zz-empty"]) == related.RELATED
