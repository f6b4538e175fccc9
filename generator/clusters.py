"""Related papers beyond EXACT_LIMIT papers: score each paper against its neighbourhood, not all.

Scoring every pair costs N x N: at 100,000 papers that is 10^10 scores, most of the build. Past
EXACT_LIMIT the papers are grouped by spherical k-means on the dense part of their vectors (LSA
plus curated topics and tags, which carry most of the score), and each paper is scored exactly
(the same sum as ``ranking.rank_matrix``, rare terms included) against the members of the PROBE
groups whose centres are nearest to it: about PROBE / sqrt(N) of all papers. A true neighbour in
a group outside those is missed: ``tests/test_clusters.py`` holds the recall against the exact
ranking, and ``SCALING.md`` records it at 10,000 and 30,000 papers.

Everything is deterministic: the first centres are evenly spaced papers in id order, similarities
are rounded to SCORE_STEP before any choice, and ties go to the lower index.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .ranking import BLOCK_ENTRIES, block_scores, rounded, top_k_rows

EXACT_LIMIT = 20_000  # up to this many papers every pair is scored (82 s at 30,000; grouped: 49 s)
PROBE = 16  # groups a paper is scored against: its nearest centres (its own among them, usually)
ITERATIONS = 6  # k-means steps: the groups only need to be good neighbourhoods, not optimal


def assign(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of each point's most similar centre (rounded cosine, ties to the lower index)."""
    result = np.empty(len(points), dtype=np.int64)
    step = max(1, BLOCK_ENTRIES // max(len(centres), 1))
    for start in range(0, len(points), step):
        result[start : start + step] = np.argmax(rounded(points[start : start + step] @ centres.T), axis=1)
    return result


def kmeans(points: np.ndarray, groups: int, iterations: int = ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """Group of each point and the groups' centres: spherical k-means from evenly spaced first centres."""
    points = np.asarray(normalize(points), dtype=np.float32)
    centres = points[np.linspace(0, len(points) - 1, groups).astype(np.int64)].copy()
    labels = assign(points, centres)
    for _ in range(iterations):
        members = sp.csr_matrix(
            (np.ones(len(points), dtype=np.float32), (labels, np.arange(len(points)))), shape=(groups, len(points))
        )
        sums = np.asarray(members @ points, dtype=np.float32)
        filled = np.flatnonzero(np.diff(members.indptr))  # an empty group keeps its centre
        centres[filled] = normalize(sums[filled])
        labels = assign(points, centres)
    return labels, centres


def probes(points: np.ndarray, centres: np.ndarray, probe: int) -> np.ndarray:
    """For each point, its ``probe`` most similar centres (rounded cosine, ties to the lower index)."""
    result = np.empty((len(points), probe), dtype=np.int64)
    step = max(1, BLOCK_ENTRIES // max(len(centres), 1))
    for start in range(0, len(points), step):
        near = rounded(np.asarray(points[start : start + step] @ centres.T, dtype=np.float32))
        # A stable sort keeps equal similarities in centre order: a tie at the last place probed
        # goes to the lower index, as the docstring says (argpartition would pick either).
        result[start : start + step] = np.argsort(-near, axis=1, kind="stable")[:, :probe]
    return result


def rank_by_groups(
    sparse: sp.csr_matrix | None, dense: np.ndarray, k: int, probe: int | None = None
) -> list[list[int]]:
    """The k best others of every row by ``sparse @ sparse.T + dense @ dense.T`` among the members
    of the groups whose centres are nearest to it.

    Each group's members are scored against every paper that probes it, and each such paper keeps
    the group's k best (by score, then index). The k best of a paper's probed groups together are
    among the union of those lists, so merging them gives exactly the best k of the probed papers.
    """
    count = len(dense)
    groups = max(1, round(float(np.sqrt(count))))
    probe = min(probe or PROBE, groups)
    labels, centres = kmeans(dense, groups)
    members = np.split(np.argsort(labels, kind="stable"), np.cumsum(np.bincount(labels, minlength=groups))[:-1])
    probed = probes(np.asarray(normalize(dense), dtype=np.float32), centres, probe)  # (count, probe)
    found = np.full((count, probe * k), -1, dtype=np.int64)  # candidates: paper index, -1 for none
    scores = np.full((count, probe * k), -np.inf, dtype=np.float32)
    left = sp.csr_matrix(sparse, dtype=np.float32) if sparse is not None else None
    for group, columns in enumerate(members):
        queries, slot = np.nonzero(probed == group)  # papers that probe this group (ascending), and where
        if not len(columns) or not len(queries):
            continue
        right = sp.csr_matrix(left[columns].T) if left is not None else None
        dense_right = np.ascontiguousarray(dense[columns].T)
        own = np.searchsorted(columns, queries)
        own[(own >= len(columns)) | (columns[np.minimum(own, len(columns) - 1)] != queries)] = -1
        step = max(1, BLOCK_ENTRIES // len(columns))
        for start in range(0, len(queries), step):
            chunk = queries[start : start + step]
            block = block_scores(left[chunk] if left is not None else None, right, dense[chunk], dense_right)
            block = np.hstack([block, np.full((len(chunk), k + 1), -np.inf, dtype=np.float32)])  # room: never short
            own_here = own[start : start + step].copy()
            own_here[own_here < 0] = block.shape[1] - 1  # a padding column stands in for "not a member"
            best = top_k_rows(block.copy(), k, own_here)
            # Padding and the paper itself are not candidates (a group smaller than k + 1 has too few).
            real = (best < len(columns)) & (best != own_here[:, None])
            where = (chunk[:, None], slot[start : start + step, None] * k + np.arange(best.shape[1]))
            found[where] = np.where(real, columns[np.minimum(best, len(columns) - 1)], -1)
            scores[where] = np.where(real, np.take_along_axis(block, best, axis=1), -np.inf)
    order = np.lexsort((np.where(found < 0, count, found), -scores), axis=1)[:, :k]
    best_found = np.take_along_axis(found, order, axis=1)
    return [[int(i) for i in row if i >= 0] for row in best_found]
