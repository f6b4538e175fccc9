"""Ranking papers by a score that is a sum of products: ``sparse @ sparse.T + dense @ dense.T``.

Scores are computed a block of rows at a time (about BLOCK_ENTRIES of them, 16 MB of float32), so
memory never grows with N x N, and rounded to SCORE_STEP before ranking: two scores that differ
only in the last bits a BLAS build or a thread count chooses are a tie, and ties go by index
(papers are sorted by id, so by id).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

BLOCK_ENTRIES = 1 << 22  # scores ranked at once: 16 MB of float32 whatever the number of papers
SCORE_STEP = 2.0**-20  # scores closer than this are a tie, broken by id


def rounded(scores: np.ndarray) -> np.ndarray:
    """``scores`` in units of SCORE_STEP, whole numbers, in place."""
    np.multiply(scores, np.float32(1 / SCORE_STEP), out=scores)
    np.rint(scores, out=scores)
    return scores


def top_k(scores: np.ndarray, k: int, exclude: int) -> list[int]:
    """Indices of the k best scores, best first, ties broken by index; ``exclude`` (if >= 0) never."""
    scores = scores.copy()
    if exclude >= 0:
        scores[exclude] = -np.inf
        k = min(k, scores.size - 1)
    k = min(k, scores.size)
    if k <= 0:
        return []
    kth = np.partition(scores, -k)[-k]
    candidates = np.flatnonzero(scores >= kth)
    order = np.lexsort((candidates, -scores[candidates]))
    return [int(i) for i in candidates[order][:k]]


def top_k_rows(scores: np.ndarray, k: int, own: np.ndarray) -> np.ndarray:
    """``top_k`` of every row of a block, vectorised, as a (rows, k) array of column indices;
    row r never gets column ``own[r]`` (its paper).

    A row whose k-th best score is tied with a score outside its first k is handed to
    ``top_k``, which sees every tied candidate, so the ties still go by index. ``scores`` is
    overwritten (each paper's own score), which saves copying a block.
    """
    rows, count = scores.shape
    k = max(min(k, count - 1), 0)
    if k == 0:
        return np.zeros((rows, 0), dtype=np.int64)
    scores[np.arange(rows), own] = -np.inf  # never a paper itself
    best = np.argpartition(scores, count - k, axis=1)[:, count - k :]
    best_scores = np.take_along_axis(scores, best, axis=1)
    order = np.lexsort((best, -best_scores), axis=1)
    best, best_scores = np.take_along_axis(best, order, axis=1), np.take_along_axis(best_scores, order, axis=1)
    for r in np.flatnonzero((scores >= best_scores[:, -1:]).sum(axis=1) > k):  # ties at the k-th place
        best[r] = top_k(scores[r], k, int(own[r]))
    return best.astype(np.int64, copy=False)


def block_scores(
    left: sp.csr_matrix | None, right: sp.csr_matrix | None, dense: np.ndarray | None, dense_right: np.ndarray | None
) -> np.ndarray:
    """``left @ right + dense @ dense_right`` as a dense float32 block, rounded to SCORE_STEP."""
    if dense is not None and dense_right is not None:
        block = np.asarray(dense @ dense_right, dtype=np.float32)
    else:
        assert left is not None and right is not None
        block = np.zeros((left.shape[0], right.shape[1]), dtype=np.float32)
    if left is not None and right is not None:
        part = sp.csr_matrix(left @ right)  # a product holds each (row, column) once
        block[np.repeat(np.arange(block.shape[0]), np.diff(part.indptr)), part.indices] += part.data
    return rounded(block)


def rank_matrix(sparse: sp.spmatrix | None, dense: np.ndarray | None, k: int) -> list[list[int]]:
    """The k best others of every row by ``sparse @ sparse.T + dense @ dense.T``, every pair scored."""
    if sparse is None and dense is None:
        raise ValueError("nothing to rank by")
    count = sparse.shape[0] if sparse is not None else len(dense)  # type: ignore[arg-type]
    rows_per_block = max(1, BLOCK_ENTRIES // max(count, 1))
    left = sp.csr_matrix(sparse, dtype=np.float32) if sparse is not None else None
    right = sp.csr_matrix(left.T) if left is not None else None  # CSR: a product needs no conversion
    dense_right = dense.T if dense is not None else None
    result: list[list[int]] = []
    for start in range(0, count, rows_per_block):
        stop = min(start + rows_per_block, count)
        block = block_scores(
            left[start:stop] if left is not None else None,
            right,
            dense[start:stop] if dense is not None else None,
            dense_right,
        )
        result.extend(top_k_rows(block, k, np.arange(start, stop)).tolist())
    return result
