"""``lattice.merge_cells`` (whole arrays per level) against the rule written out as plain Python, on random cells."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from monitor.report.lattice import _cells, merge_cells

_PARENTS = {
    "wijk": (lambda k: k[:4], lambda k: k[:3], lambda k: k[:2], lambda k: k[:1], lambda k: ()),
    "cohort": (lambda k: k[:4], lambda k: (k[0], k[1], k[3]), lambda k: (k[0], k[3]), lambda k: k[:1], lambda k: ()),
}


def reference(keys: list[tuple[int, ...]], counts: list[int], threshold: int, priority: str):
    """The rule, atom by atom: per level and parent, the small atoms (1 to threshold − 1 people) merge into one
    block; a block still short takes in the parent's smallest large atom (ties: the smaller first key)."""
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    atoms: list[list[Any]] = [[keys[i], [i], int(counts[i])] for i in order]  # [first key, cells, n]
    for level in _PARENTS[priority]:
        by_parent: dict[tuple[int, ...], list[list[Any]]] = {}
        for atom in atoms:
            by_parent.setdefault(level(atom[0]), []).append(atom)
        merged: list[list[Any]] = []
        for members in by_parent.values():
            small = [a for a in members if 0 < a[2] < threshold]
            if not small:
                merged.extend(members)
                continue
            rest = [a for a in members if not 0 < a[2] < threshold]
            block = [min(a[0] for a in small), [c for a in small for c in a[1]], sum(a[2] for a in small)]
            if block[2] < threshold:
                large = [a for a in rest if a[2] >= threshold]
                if large:
                    joined = min(large, key=lambda a: (a[2], a[0]))
                    rest.remove(joined)
                    block = [min(block[0], joined[0]), block[1] + joined[1], block[2] + joined[2]]
            merged.extend([*rest, block])
        atoms = sorted(merged, key=lambda a: a[0])
    of_cell = np.empty(len(keys), np.intp)
    for number, atom in enumerate(atoms):
        of_cell[atom[1]] = number
    return of_cell, np.array([a[2] for a in atoms], np.int64)


@pytest.mark.parametrize("priority", ["wijk", "cohort"])
def test_merge_cells_agrees_with_the_rule_written_out(priority):
    rng = np.random.default_rng(20261206)
    for _ in range(400):
        width = int(rng.integers(4, 7))
        n_cells = int(rng.integers(1, 60))
        spans = rng.integers(1, 5, width)
        cells = {tuple(int(rng.integers(0, s)) for s in spans) for _ in range(n_cells)}
        keys = sorted(cells, key=lambda _: rng.random())
        counts = [int(x) for x in rng.integers(0, 12, len(keys))]
        threshold = int(rng.integers(2, 11))
        of_cell, n = reference(keys, counts, threshold, priority)
        atoms = merge_cells(keys, counts, threshold, priority)
        assert atoms.of_cell.tolist() == of_cell.tolist(), (keys, counts, threshold)
        assert atoms.n.tolist() == n.tolist()
        assert atoms.safe.tolist() == ((n == 0) | (n >= threshold)).tolist()


def test_merge_cells_refuses_keys_of_different_lengths():
    with pytest.raises(ValueError):
        merge_cells([(1, 1, 1, 1), (1, 1, 1, 1, 2)], [1, 2], 5)


def test_cells_are_the_distinct_rows_whatever_the_ids():
    """``_cells`` combines ids as they are when they fit, and numbers them first when not (negative or huge)."""
    rng = np.random.default_rng(7)
    for low, high in ((0, 5), (-3, 4), (0, 2**40)):
        stacked = rng.integers(low, high, (300, 5))
        stacked[::3] = stacked[1::3]  # repeated rows
        cells, cell_of, counts = _cells(stacked)
        expected, inverse, expected_counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
        assert cells.tolist() == expected.tolist()
        assert cell_of.tolist() == inverse.reshape(-1).tolist()
        assert counts.tolist() == expected_counts.tolist()
