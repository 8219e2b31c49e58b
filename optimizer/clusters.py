"""k-means labels that hold on tiny inputs: fewer distinct points than clusters.

:func:`scipy.cluster.vq.kmeans2` with ``minit="++"`` divides by zero when it has placed a centre
on every distinct point and still needs more (``RuntimeWarning: invalid value encountered in
divide``), then leaves clusters empty (``UserWarning: One of the clusters is empty``): a tiny
roster (eight patients, two nurses) or patients sharing a home met it in ``haiplan expand`` and
scenario runs. There each distinct point is its own cluster, which is the answer k-means seeks.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["kmeans_labels"]


def kmeans_labels(points: NDArray[np.floating[Any]], k: int, *, seed: Any) -> NDArray[np.intp]:
    """The cluster label of each row of ``points`` among at most ``k`` clusters.

    Parameters
    ----------
    points
        One row per point (already scaled as the caller measures distance).
    k
        Clusters wanted (at least 1).
    seed
        Seed of k-means++ (an int or a :class:`numpy.random.Generator`).

    Returns
    -------
    numpy.ndarray
        Labels in ``0 .. k-1``. With fewer distinct points than ``k``, each distinct point is its
        own cluster (labels ``0 .. m-1``, ``m`` the distinct points) and k-means is not run; else
        scipy's ``kmeans2`` (k-means++ then Lloyd), where a cluster the iterations empty has no
        member (callers skip a label with no point).
    """
    from scipy.cluster.vq import kmeans2

    distinct, inverse = np.unique(points, axis=0, return_inverse=True)
    if len(distinct) < k:
        return np.asarray(inverse, dtype=np.intp).reshape(-1)
    with warnings.catch_warnings():
        # handled: a label no point has is skipped by every caller; only this one message is silenced
        warnings.filterwarnings("ignore", message="One of the clusters is empty", category=UserWarning)
        _, labels = kmeans2(points, k, minit="++", seed=seed)
    return np.asarray(labels, dtype=np.intp)
