"""Related papers: text similarity blended with the curators' topics and tags.

Everything is sparse or chunked, so memory grows with N x chunk, never N x N.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from .records import Paper

RELATED = 5
CHUNK = 1024
TEXT_WEIGHT, TOPIC_WEIGHT, TAG_WEIGHT = 0.7, 0.15, 0.15


def tfidf_matrix(papers: Sequence[Paper]) -> sp.csr_matrix:
    """Rows of unit length: word 1-2-grams of title (counted twice) and abstract, sublinear tf."""
    texts = [f"{p.title} {p.title} {p.abstract}" for p in papers]
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        min_df=2 if len(texts) > 50 else 1,
        max_df=0.5,
        dtype=np.float32,
    )
    try:
        return sp.csr_matrix(vectorizer.fit_transform(texts))
    except ValueError:  # an empty vocabulary: nothing to compare
        return sp.csr_matrix((len(papers), 1), dtype=np.float32)


def label_matrix(labels: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """One row per paper, one column per label, rows of unit length."""
    vocabulary = {label: i for i, label in enumerate(sorted({x for row in labels for x in row}))}
    rows = [i for i, row in enumerate(labels) for _ in row]
    cols = [vocabulary[x] for row in labels for x in row]
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(labels), max(len(vocabulary), 1))
    )
    return sp.csr_matrix(normalize(matrix))


def top_k(scores: np.ndarray, k: int, exclude: int) -> list[int]:
    """Indices of the k best scores, best first, ties broken by index (papers are sorted by id)."""
    scores = scores.copy()
    scores[exclude] = -np.inf
    k = min(k, scores.size - 1)
    if k <= 0:
        return []
    kth = np.partition(scores, -k)[-k]
    candidates = np.flatnonzero(scores >= kth)
    order = np.lexsort((candidates, -scores[candidates]))
    return [int(i) for i in candidates[order][:k]]


def related_papers(
    papers: Sequence[Paper],
    k: int = RELATED,
    weights: tuple[float, float, float] = (TEXT_WEIGHT, TOPIC_WEIGHT, TAG_WEIGHT),
) -> dict[str, tuple[str, ...]]:
    """For each paper, the ids of its k most related papers, best first."""
    if len(papers) < 2:
        return {p.id: () for p in papers}
    text, topic, tag = weights
    blocks = [
        m
        for w, m in (
            (text, tfidf_matrix(papers)),
            (topic, label_matrix([p.topics for p in papers])),
            (tag, label_matrix([p.tags for p in papers])),
        )
        if w
    ]
    scale = [w for w in weights if w]
    # One stacked matrix with weighted blocks: a single sparse product gives the blend.
    stacked = sp.csr_matrix(sp.hstack([m * np.float32(np.sqrt(w)) for m, w in zip(blocks, scale, strict=True)]))
    result: dict[str, tuple[str, ...]] = {}
    transposed = stacked.T.tocsc()
    for start in range(0, len(papers), CHUNK):
        chunk = (stacked[start : start + CHUNK] @ transposed).toarray()
        for offset, row in enumerate(chunk):
            index = start + offset
            result[papers[index].id] = tuple(papers[i].id for i in top_k(row, k, index))
    return result
