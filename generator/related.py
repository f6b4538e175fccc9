"""Related papers: text similarity blended with the curators' topics and tags.

The text part is TF-IDF over title and abstract (word 1-2-grams, sublinear tf, title words
counted three times) with the field's boilerplate ("we propose", "state of the art") down-weighted,
smoothed by a small latent semantic (LSA) projection so papers that say the same thing in
different words still meet. Shared topics and tags then pull papers of one family together.
``bench/related_eval.py`` measures each ingredient against plain TF-IDF.

Scores are ranked a block of rows at a time (``ranking.py``), so memory never grows with N x N; past
``clusters.EXACT_LIMIT`` papers each paper is scored against its neighbourhood only (``clusters.py``).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

from .clusters import EXACT_LIMIT, rank_by_groups
from .ranking import rank_matrix
from .records import Paper

RELATED = 5
LSA_COMPONENTS = 64
LSA_SAMPLE = 2000
LSA_ITERATIONS = 4
EXACT_MAX_DF = 0.02  # terms in more papers than this share (at least 20, at most 200) are matched through LSA only
EXACT_MAX_PAPERS = 200  # a term in d papers costs d * d pairs: past this, the product grows as N * N
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
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
DENSE_LABELS = 512  # topic and tag columns up to this many are ranked as dense rows (BLAS), not sparse


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts; the parts of the text score add up to ``text``."""

    # Picked by ``python -m bench.related_eval --tune`` on the tuning families only.
    text: float = 0.75
    topic: float = 0.24
    tag: float = 0.16
    lsa: float = 0.5  # share of the text score that comes from the LSA projection
    title: float = 3.0  # a word of the title counts as this many words of the abstract


def paper_text(paper: Paper) -> str:
    return f"{paper.title} {paper.abstract}"


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... size-1 for each size in turn: each item's place within its group."""
    starts = np.cumsum(sizes) - sizes
    ranks: np.ndarray = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(starts, sizes)
    return ranks


def count_matrix(texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of word 1-2-grams per text, and for each column whether all its words are boilerplate.

    The same terms and counts as scikit-learn's ``CountVectorizer(ngram_range=(1, 2),
    stop_words="english")`` (lower case, its token pattern, stop words out before pairing), in
    another column order, at a third of its time: the words are numbered in one pass and the
    pairs found with numpy (``tests/test_related.py`` compares the two).
    """
    numbers: dict[str, int] = {}
    number = numbers.setdefault
    ids = array("q")  # word numbers, text after text: 8 bytes a word, not a string object each
    lengths = array("q")
    for text in texts:
        kept = [number(w, len(numbers)) for w in TOKEN.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
        ids.extend(kept)
        lengths.append(len(kept))
    words = np.frombuffer(ids, dtype=np.int64) if ids else np.zeros(0, dtype=np.int64)
    sizes = np.frombuffer(lengths, dtype=np.int64) if lengths else np.zeros(0, dtype=np.int64)
    ends = np.cumsum(sizes)
    within = np.ones(max(len(words) - 1, 0), dtype=bool)  # a pair never spans two texts
    within[ends[(ends > 0) & (ends < len(words))] - 1] = False
    pairs, pair_columns = np.unique(((words[:-1] << 32) | words[1:])[within], return_inverse=True)
    vocabulary = len(numbers)
    # Each text's words and then its pairs, row after row: the CSR arrays are built in place.
    pair_sizes = np.maximum(sizes - 1, 0)
    indptr = np.concatenate([[0], np.cumsum(sizes + pair_sizes)]).astype(np.int64)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    unigram = np.ones(len(indices), dtype=bool)
    unigram[np.repeat(indptr[:-1] + sizes, pair_sizes) + _ranks(pair_sizes)] = False
    indices[unigram] = words
    indices[~unigram] = pair_columns.ravel() + vocabulary
    matrix = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(texts), vocabulary + len(pairs))
    )
    matrix.sum_duplicates()
    plain = np.fromiter((w in BOILERPLATE for w in numbers), dtype=bool, count=vocabulary)
    boilerplate = np.concatenate([plain, plain[pairs >> 32] & plain[pairs & 0xFFFFFFFF]])
    return matrix, boilerplate


def tfidf_matrix(papers: Sequence[Paper], title_weight: float = 1.0) -> sp.csr_matrix:
    """Rows of unit length: sublinear TF-IDF of word 1-2-grams, title words weighted, boilerplate down.

    Titles and abstracts are counted as separate texts in one pass (no n-gram spans the two) and
    added with the title's weight, so a word a paper puts in its title says more about it.
    Terms that would weigh nothing are left out of the matrix, so every later product is smaller.
    """
    count = len(papers)
    both, boilerplate = count_matrix([p.title for p in papers] + [p.abstract for p in papers])
    counts = sp.csr_matrix(both[:count] * np.float32(title_weight) + both[count:])
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    # Terms in one paper link nothing; terms in most papers say nothing (only above 50 papers).
    keep = np.flatnonzero((df >= 2) & (df <= 0.5 * count) if count > 50 else df >= 1)
    if not len(keep):  # nothing to compare
        return sp.csr_matrix((count, 1), dtype=np.float32)
    counts, df = sp.csr_matrix(counts[:, keep]), df[keep]
    idf = np.log((1 + count) / (1 + df)) + 1  # scikit-learn's smoothed idf
    counts.data = np.log(counts.data) + 1  # sublinear tf
    scale = (idf * np.where(boilerplate[keep], BOILERPLATE_WEIGHT, 1.0)).astype(np.float32)
    return sp.csr_matrix(normalize(counts @ sp.diags(scale)), dtype=np.float32)


def exact_part(tfidf: sp.csr_matrix, max_df: float = EXACT_MAX_DF) -> sp.csr_matrix:
    """The rarer terms only, rows renormalised.

    A term in d papers costs d*d pairs in the sparse product, so the common ones would make it
    dense and slow at 10,000 papers; LSA already carries what they say.
    """
    df = np.bincount(tfidf.indices, minlength=tfidf.shape[1])
    keep = (df <= max(min(max_df * tfidf.shape[0], EXACT_MAX_PAPERS), 20)).astype(np.float32)
    return sp.csr_matrix(normalize(tfidf @ sp.diags(keep)))


def lsa_matrix(tfidf: sp.csr_matrix, components: int = LSA_COMPONENTS) -> np.ndarray:
    """Unit-length rows in a small latent space, learnt from at most LSA_SAMPLE papers.

    The term space is learnt from evenly spaced rows (deterministic, and the seed is fixed) and
    every paper is projected onto it: one sparse product instead of several at 10,000 papers.
    """
    components = min(components, tfidf.shape[0] - 1, tfidf.shape[1] - 1)
    if components < 2:
        return np.zeros((tfidf.shape[0], 1), dtype=np.float32)
    sample = tfidf[np.linspace(0, tfidf.shape[0] - 1, min(tfidf.shape[0], LSA_SAMPLE)).astype(np.int64)]
    # Learnt on the terms the sample holds: the others would only be zero columns to carry.
    present = np.unique(sample.indices)
    components = min(components, sample.shape[0] - 1, len(present) - 1)
    if components < 2:
        return np.zeros((tfidf.shape[0], 1), dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):  # identical texts: a zero variance ratio, harmless
        svd = TruncatedSVD(components, n_iter=LSA_ITERATIONS, random_state=0).fit(sample[:, present])
    basis = np.zeros((tfidf.shape[1], components), dtype=np.float32)
    basis[present] = svd.components_.T
    return np.asarray(normalize(tfidf @ basis), dtype=np.float32)


def label_matrix(labels: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """One row per paper, one column per label, rows of unit length."""
    vocabulary = {label: i for i, label in enumerate(sorted({x for row in labels for x in row}))}
    rows = [i for i, row in enumerate(labels) for _ in row]
    cols = [vocabulary[x] for row in labels for x in row]
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(labels), max(len(vocabulary), 1))
    )
    return sp.csr_matrix(normalize(matrix))


def related_papers(
    papers: Sequence[Paper], k: int = RELATED, weights: Weights = Weights()
) -> dict[str, tuple[str, ...]]:
    """For each paper, the ids of its k most related papers, best first, ties by id.

    Text (exact rare terms + LSA), topic and tag cosines are added with their weights: each
    part is scaled by the square root of its weight and set side by side, so one product of a
    block of rows with all rows gives the weighted sum. The papers are sorted by id first, so
    the order they come in never changes the result.
    """
    papers = sorted(papers, key=lambda p: p.id)
    if len(papers) < 2:
        return {p.id: () for p in papers}
    tfidf = tfidf_matrix(papers, weights.title)
    # Few label columns share many papers each: as sparse products they would cost N x (papers
    # per label) entries; as dense columns beside the LSA ones they are one BLAS product.
    lsa_weight = weights.text * weights.lsa
    exact_weight = weights.text * (1 - weights.lsa)
    dense_parts = [lsa_matrix(tfidf) * np.float32(np.sqrt(lsa_weight))] if lsa_weight else []
    sparse_parts = [exact_part(tfidf) * np.float32(np.sqrt(exact_weight))] if exact_weight else []
    for weight, labels in ((weights.topic, [p.topics for p in papers]), (weights.tag, [p.tags for p in papers])):
        if weight:
            scaled = label_matrix(labels) * np.float32(np.sqrt(weight))
            if scaled.shape[1] <= DENSE_LABELS:
                dense_parts.append(scaled.toarray())
            else:
                sparse_parts.append(scaled)
    sparse = sp.csr_matrix(sp.hstack(sparse_parts)) if sparse_parts else None
    dense = np.hstack(dense_parts).astype(np.float32) if dense_parts else None
    if dense is not None and len(papers) > EXACT_LIMIT:
        ranked = rank_by_groups(sparse, dense, k)
    else:
        ranked = rank_matrix(sparse, dense, k)
    return {p.id: tuple(papers[i].id for i in row) for p, row in zip(papers, ranked, strict=True)}
