"""Related papers: text similarity blended with the curators' topics and tags.

The text part is TF-IDF over title and abstract (word 1-2-grams, sublinear tf) on lightly
stemmed tokens with the field's boilerplate ("we propose", "state of the art") down-weighted,
smoothed by a small latent semantic (LSA) projection so papers that say the same thing in
different words still meet. Shared topics and tags then pull papers of one family together.
``bench/related_eval.py`` measures each ingredient against plain TF-IDF.

Everything is sparse or chunked, so memory grows with N x chunk, never N x N.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from .records import Paper

RELATED = 5
CHUNK = 1024
LSA_COMPONENTS = 64
LSA_SAMPLE = 2000
LSA_ITERATIONS = 4
EXACT_MAX_DF = 0.02  # terms in more papers than this share (at least 20) are matched through LSA only
# Words every abstract of the field uses: they say how a paper is written, not what it is about.
BOILERPLATE = frozenset(
    """propose proposes proposed present presents introduce introduces novel new approach approaches method methods
    model models paper work results result show shows demonstrate demonstrates experiments experimental
    extensive performance improve improves improved improvement improvements significant significantly state art
    existing achieve achieves achieving outperform outperforms effective effectiveness efficient efficiently
    based use using used framework study studies task tasks various wide range recent recently however
    furthermore additionally specifically respectively key challenge challenges address problem problems
    leverage leverages leveraging enable enables provide provides finally benchmark benchmarks evaluate
    evaluation code available github com http https""".split()  # noqa: SIM905 - a word list reads better as words
)
BOILERPLATE_WEIGHT = 0.4


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts; the parts of the text score add up to ``text``."""

    text: float = 0.75
    topic: float = 0.15
    tag: float = 0.10
    lsa: float = 0.3  # share of the text score that comes from the LSA projection


def paper_text(paper: Paper) -> str:
    return f"{paper.title} {paper.abstract}"


def _fit(vectorizer: TfidfVectorizer, papers: Sequence[Paper]) -> tuple[sp.csr_matrix, np.ndarray]:
    try:
        return sp.csr_matrix(vectorizer.fit_transform([paper_text(p) for p in papers])), np.asarray(
            vectorizer.get_feature_names_out()
        )
    except ValueError:  # an empty vocabulary: nothing to compare
        return sp.csr_matrix((len(papers), 1), dtype=np.float32), np.array([""])


def plain_tfidf(papers: Sequence[Paper]) -> sp.csr_matrix:
    """The baseline: TF-IDF of title + abstract, word 1-2-grams, sublinear tf, English stop words."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", dtype=np.float32)
    return _fit(vectorizer, papers)[0]


def tfidf_matrix(papers: Sequence[Paper]) -> sp.csr_matrix:
    """Rows of unit length: TF-IDF of title + abstract with the field's boilerplate n-grams down-weighted."""
    many = len(papers) > 50
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        min_df=2 if many else 1,
        max_df=0.5 if many else 1.0,
        dtype=np.float32,
    )
    matrix, names = _fit(vectorizer, papers)
    weights = np.array(
        [BOILERPLATE_WEIGHT if all(w in BOILERPLATE for w in n.split(" ")) else 1.0 for n in names], dtype=np.float32
    )
    return sp.csr_matrix(normalize(matrix @ sp.diags(weights)))


def exact_part(tfidf: sp.csr_matrix, max_df: float = EXACT_MAX_DF) -> sp.csr_matrix:
    """The rarer terms only, rows renormalised.

    A term in d papers costs d*d pairs in the sparse product, so the common ones would make it
    dense and slow at 10,000 papers; LSA already carries what they say.
    """
    df = np.bincount(tfidf.indices, minlength=tfidf.shape[1])
    keep = (df <= max(max_df * tfidf.shape[0], 20)).astype(np.float32)
    return sp.csr_matrix(normalize(tfidf @ sp.diags(keep)))


def lsa_matrix(tfidf: sp.csr_matrix, components: int = LSA_COMPONENTS) -> np.ndarray:
    """Unit-length rows in a small latent space, learnt from at most LSA_SAMPLE papers.

    The term space is learnt from evenly spaced rows (deterministic, and the seed is fixed) and
    every paper is projected onto it: one sparse product instead of several at 10,000 papers.
    """
    components = min(components, tfidf.shape[0] - 1, tfidf.shape[1] - 1)
    if components < 2:
        return np.zeros((tfidf.shape[0], 1), dtype=np.float32)
    sample = np.linspace(0, tfidf.shape[0] - 1, min(tfidf.shape[0], LSA_SAMPLE)).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):  # identical texts: a zero variance ratio, harmless
        svd = TruncatedSVD(components, n_iter=LSA_ITERATIONS, random_state=0).fit(tfidf[sample])
    return np.asarray(normalize(tfidf @ svd.components_.T.astype(np.float32)), dtype=np.float32)


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


def top_k_rows(scores: np.ndarray, k: int, first: int) -> list[list[int]]:
    """``top_k`` of every row of a chunk whose first row is paper ``first``, vectorised.

    A row whose k-th best score is tied with a score outside its first k is handed to
    ``top_k``, which sees every tied candidate, so the ties still go by id. ``scores`` is
    overwritten (each paper's own score), which saves copying a chunk.
    """
    rows, count = scores.shape
    k = min(k, count - 1)
    if k <= 0:
        return [[] for _ in range(rows)]
    scores[np.arange(rows), np.arange(first, first + rows)] = -np.inf  # never a paper itself
    best = np.argpartition(scores, count - k, axis=1)[:, count - k :]
    best_scores = np.take_along_axis(scores, best, axis=1)
    order = np.lexsort((best, -best_scores), axis=1)
    best, best_scores = np.take_along_axis(best, order, axis=1), np.take_along_axis(best_scores, order, axis=1)
    tied = (scores >= best_scores[:, -1:]).sum(axis=1) > k
    return [top_k(scores[r], k, first + r) if tied[r] else [int(i) for i in best[r]] for r in range(rows)]


Scorer = Callable[[int, int], np.ndarray]


def rank(count: int, scores: Scorer, k: int) -> list[list[int]]:
    """The k best others of every row, computing scores one chunk of rows at a time."""
    result: list[list[int]] = []
    for start in range(0, count, CHUNK):
        chunk = scores(start, min(start + CHUNK, count))
        result.extend(top_k_rows(chunk, k, start))
    return result


def cosine_scorer(matrix: sp.csr_matrix) -> Scorer:
    """Scores of a chunk of rows against all rows: one sparse product, densified per chunk only."""
    transposed = sp.csc_matrix(matrix.T)
    return lambda start, stop: np.asarray((matrix[start:stop] @ transposed).toarray())


def blended_scorer(papers: Sequence[Paper], weights: Weights = Weights()) -> Scorer:
    """Text (exact rare terms + LSA), topic and tag cosines, added with their weights.

    Each part is scaled by the square root of its weight and the sparse parts are set side by
    side, so one sparse product of a chunk of rows with all rows gives their weighted sum; the
    LSA part is one small dense (BLAS) product.
    """
    tfidf = tfidf_matrix(papers)
    parts = [
        (weights.text * (1 - weights.lsa), exact_part(tfidf)),
        (weights.topic, label_matrix([p.topics for p in papers])),
        (weights.tag, label_matrix([p.tags for p in papers])),
    ]
    used = [matrix * np.float32(np.sqrt(w)) for w, matrix in parts if w]
    sparse_scores = cosine_scorer(sp.csr_matrix(sp.hstack(used))) if used else None
    lsa_weight = weights.text * weights.lsa
    dense = lsa_matrix(tfidf) * np.float32(np.sqrt(lsa_weight)) if lsa_weight else None

    def scores(start: int, stop: int) -> np.ndarray:
        total = dense[start:stop] @ dense.T if dense is not None else np.zeros((stop - start, len(papers)), np.float32)
        if sparse_scores is not None:
            total += sparse_scores(start, stop)
        return total

    return scores


def related_papers(
    papers: Sequence[Paper], k: int = RELATED, weights: Weights = Weights()
) -> dict[str, tuple[str, ...]]:
    """For each paper, the ids of its k most related papers, best first (``papers`` sorted by id)."""
    if len(papers) < 2:
        return {p.id: () for p in papers}
    ranked = rank(len(papers), blended_scorer(papers, weights), k)
    return {p.id: tuple(papers[i].id for i in row) for p, row in zip(papers, ranked, strict=True)}


def plain_related(papers: Sequence[Paper], k: int = RELATED) -> dict[str, tuple[str, ...]]:
    """The baseline ranking (plain TF-IDF cosine), for the evaluation."""
    if len(papers) < 2:
        return {p.id: () for p in papers}
    ranked = rank(len(papers), cosine_scorer(plain_tfidf(papers)), k)
    return {p.id: tuple(papers[i].id for i in row) for p, row in zip(papers, ranked, strict=True)}
