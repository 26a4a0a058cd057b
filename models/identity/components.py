"""Connected components of a bipartite graph (records and the keys they hold), with scipy's C implementation."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def component_labels(node_count: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Label each of `node_count` nodes 0..n-1 with its component, given undirected edges left[i] -- right[i].

    Labels are the smallest node number in each component, so they do not depend on scipy's numbering.
    """
    if node_count == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(node_count, node_count))
    _, labels = connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1, node_count, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(node_count, dtype=np.int64))
    return smallest[labels]
