"""Small-cell protection across every view of the monitor: cells merged once into atoms, views show unions of atoms.

Every figure the monitor publishes about a group — a count, a sum, a mean with its n, a percentage — is a sum over
the group's people, and every group that any view can show (organisation, gebied or wijk, for all cohorts, one
cohort, the cohorts of a start period, one instrument version; a cohort page and its wijken) is made of whole
*cells*: the people of one wijk in one cohort who answered on one instrument version. The cells are the finest
lattice all views share.

Once per organisation and measure (say: "who has a KEN score at T0", "who has a T0–T1 pair on FAC") the cells are
merged into **atoms** (``merge_cells``): a cell with fewer than the threshold is merged with the other small cells
of the same wijk and cohort (other versions), then — with the default priority ``"wijk"`` — of the same wijk
(other cohorts), of the same gebied, of the organisation; when the small ones together still fall short, the
smallest large atom at that level joins them. Every atom then holds 0 or at least the threshold people, or
(only when the whole organisation has fewer) is marked unsafe.

A group in any view is shown only when it is a union of whole, safe atoms (``decide``). Every published figure is
therefore a sum over atoms, and so is every linear combination of published figures: subtracting one view from
another can isolate at most a union of atoms — never fewer than the threshold people. A group that is not a union
of atoms cannot be derived either: moving a value between two people of an atom it splits changes the group's
figure and no published one. docs/disclosure.md explains the rule; tests/monitor/test_disclosure_attack.py plays
the attacker over every view.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Priority = Literal["wijk", "cohort"]
PRIORITIES: tuple[Priority, ...] = ("wijk", "cohort")

# A cell's key: (organisation, gebied, wijk, cohort, *versions). The levels at which cells merge, finest first, as the
# key's columns that name the parent; each level's parent is a function of the previous one's, so an atom never spans
# two parents of a finer level.
CellKey = tuple[int, ...]
_LEVELS: dict[Priority, tuple[tuple[int, ...], ...]] = {
    # Wijk first: a wijk's figures over all cohorts survive; one cohort's figures in a wijk give way.
    "wijk": ((0, 1, 2, 3), (0, 1, 2), (0, 1), (0,), ()),
    # Cohort first: a cohort's figures survive (its page, the cohort filter); a wijk's figures give way.
    "cohort": ((0, 1, 2, 3), (0, 1, 3), (0, 3), (0,), ()),
}


@dataclass(frozen=True, slots=True)
class Atoms:
    """The atoms of one measure: per cell its atom, per atom its people and whether it may be published at all."""

    of_cell: np.ndarray  # intp, per cell (in the order of the cells given)
    n: np.ndarray  # int64, people per atom
    safe: np.ndarray  # bool per atom: 0 or ≥ threshold people


def merge_cells(
    keys: Sequence[CellKey] | np.ndarray,
    counts: Sequence[int] | np.ndarray,
    threshold: int,
    priority: Priority = "wijk",
) -> Atoms:
    """Merge cells (``keys`` with their ``counts``) into atoms of 0 or ≥ ``threshold`` people along the hierarchy of
    ``priority``. Deterministic: the result depends only on the keys and counts, not on their order.

    At each level, per parent: the atoms of 1 to ``threshold - 1`` people merge into one block; when the block
    still falls short, the smallest atom of at least ``threshold`` people joins it (ties: the smaller first key).
    Atoms are numbered in the order of their smallest key. Whole arrays per level (the rule as plain Python is
    ``tests/monitor/test_lattice_reference.py``, which checks that both agree)."""
    if priority not in _LEVELS:
        raise ValueError(f"priority must be one of {PRIORITIES}, got {priority!r}")
    if len(keys) != len(counts):
        raise ValueError("every cell needs a count")
    if not len(keys):
        return Atoms(np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0, bool))
    if isinstance(keys, np.ndarray):
        table = keys.astype(np.int64, copy=False).reshape(len(keys), -1)
    else:
        if len({len(k) for k in keys}) != 1:
            raise ValueError("every cell key needs the same length")
        table = np.array(keys, np.int64).reshape(len(keys), -1)
    width = table.shape[1]
    order = np.lexsort(table.T[::-1]) if width else np.arange(len(keys))
    rank = np.empty(len(keys), np.int64)
    rank[order] = np.arange(len(keys))  # a cell's key's place among all keys: its label while it is alone
    sorted_keys = table[order]
    cell_n = np.asarray(counts, np.int64)
    label = rank.copy()  # per cell: its atom's smallest key (as a rank)
    for columns in _LEVELS[priority]:
        present = [c for c in columns if c < width]
        # per rank: the parent at this level, numbered (the keys are sorted: a prefix of columns changes in runs)
        if not present:
            parent_of_rank = np.zeros(len(keys), np.int64)
        elif present == list(range(len(present))):
            part = sorted_keys[:, present]
            parent_of_rank = np.cumsum(np.r_[False, (part[1:] != part[:-1]).any(1)]).astype(np.int64)
        else:
            parent_of_rank = np.unique(sorted_keys[:, present], axis=0, return_inverse=True)[1].reshape(-1)
        atom_labels, atom_of_cell = np.unique(label, return_inverse=True)
        atom_of_cell = atom_of_cell.reshape(-1)
        n = np.bincount(atom_of_cell, weights=cell_n, minlength=len(atom_labels)).astype(np.int64)
        parent = parent_of_rank[atom_labels]
        n_parents = int(parent.max()) + 1
        small = (n > 0) & (n < threshold)
        if not small.any():
            continue
        block_n = np.bincount(parent[small], weights=n[small], minlength=n_parents).astype(np.int64)
        has_small = np.bincount(parent[small], minlength=n_parents) > 0
        block_label = np.full(n_parents, np.iinfo(np.int64).max)
        np.minimum.at(block_label, parent[small], atom_labels[small])
        into_block = small.copy()
        # a block still short takes in the parent's smallest large atom (ties: the smaller key)
        short = has_small & (block_n < threshold)
        candidates = np.flatnonzero((n >= threshold) & short[parent])
        if len(candidates):
            ranked = candidates[np.lexsort((atom_labels[candidates], n[candidates], parent[candidates]))]
            first_of_parent = ranked[np.r_[True, parent[ranked][1:] != parent[ranked][:-1]]]
            into_block[first_of_parent] = True
            np.minimum.at(block_label, parent[first_of_parent], atom_labels[first_of_parent])
        new_label = np.where(into_block, block_label[parent], atom_labels)
        label = new_label[atom_of_cell]
    atom_labels, of_cell = np.unique(label, return_inverse=True)
    n = np.bincount(of_cell.reshape(-1), weights=cell_n, minlength=len(atom_labels)).astype(np.int64)
    return Atoms(of_cell.reshape(-1).astype(np.intp), n, (n == 0) | (n >= threshold))


# (cells as bytes, their shape, counts as bytes, threshold, priority) -> atoms
_ATOMS: OrderedDict[tuple[bytes, tuple[int, ...], bytes, int, Priority], Atoms] = OrderedDict()
_ATOMS_SIZE = 1024
_atoms_lock = threading.Lock()


def _cells(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct rows, per row its number, per distinct row its count), like ``np.unique(axis=0)`` but through one
    integer key per row: the columns combined in mixed radix (ids as they are when the key fits in 62 bits, else
    each column numbered by its distinct values first)."""
    key = np.zeros(len(stacked), np.int64)
    low, high = stacked.min(0, initial=0), stacked.max(0, initial=0)
    if (low >= 0).all() and float(np.prod(high.astype(float) + 1)) < 2.0**62:
        for column, radix in zip(stacked.T, (high + 1).tolist(), strict=True):  # ids as they are: no sort needed
            key = key * radix + column
    else:
        for column in stacked.T:
            values, number = np.unique(column, return_inverse=True)
            key = key * len(values) + number.reshape(-1)
    _, first, cell_of, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return stacked[first], cell_of.reshape(-1), counts


def atoms_of_people(
    cell_columns: Sequence[np.ndarray], mask: np.ndarray, threshold: int, priority: Priority
) -> tuple[np.ndarray, Atoms]:
    """Per person the atom of their cell for the people in ``mask`` (-1 elsewhere), and the atoms.

    ``cell_columns``: per person (organisation, gebied, wijk, cohort, *versions). Memoised on the cells and their
    counts (many measures of a report share them: the scales answered by the same people)."""
    atom_of = np.full(len(mask), -1, np.intp)
    if not mask.any():
        return atom_of, Atoms(np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0, bool))
    stacked = np.column_stack([np.asarray(col)[mask] for col in cell_columns])
    cells, cell_of, counts = _cells(stacked)
    key = (cells.tobytes(), cells.shape, counts.tobytes(), threshold, priority)
    with _atoms_lock:
        atoms = _ATOMS.get(key)
        if atoms is not None:
            _ATOMS.move_to_end(key)
    if atoms is None:
        atoms = merge_cells(cells, counts, threshold, priority)
        with _atoms_lock:
            _ATOMS[key] = atoms
            while len(_ATOMS) > _ATOMS_SIZE:
                _ATOMS.popitem(last=False)
    atom_of[mask] = atoms.of_cell[cell_of]
    return atom_of, atoms


def decide(parent: Sequence[int], leaf_of: np.ndarray, atom_of: np.ndarray, atoms: Atoms) -> np.ndarray:
    """Per node of a tree of groups, whether its people in the view are a non-empty union of whole, safe atoms.

    ``parent``: per node the number of its parent (-1 for the root), parents before children; ``leaf_of``: per
    person of the view the number of their leaf; ``atom_of``: per person the atom of the reference data set (the
    whole organisation) they count in for this measure, -1 where they do not count. A group whose people hold only
    part of an atom — because the view's filter leaves the rest out, or because the atom reaches into another
    group — is not shown: an atom cut by the view withholds every group that holds any of it, an atom spread over
    several leaves every group below the lowest one holding all of them."""
    n_nodes = len(parent)
    counted = atom_of >= 0
    people = np.bincount(leaf_of[counted], minlength=n_nodes)
    for node in range(n_nodes - 1, 0, -1):  # children after parents: add each node's people to its parent
        people[parent[node]] += people[node]
    bad = np.zeros(n_nodes, bool)
    if counted.any():
        width = len(atoms.n) + 1
        pairs, hits = np.unique(leaf_of[counted].astype(np.int64) * width + atom_of[counted], return_counts=True)
        order = np.argsort(pairs % width, kind="stable")  # grouped by atom
        pairs, hits = pairs[order], hits[order]
        leaves, held = pairs // width, pairs % width
        in_view = np.bincount(held, weights=hits, minlength=len(atoms.n)).astype(np.int64)
        whole = (in_view == atoms.n) & atoms.safe
        starts = np.flatnonzero(np.r_[True, held[1:] != held[:-1]])
        for start, stop in zip(starts, [*starts[1:], len(held)], strict=True):
            atom, atom_leaves = int(held[start]), leaves[start:stop].tolist()
            top = _lowest_common(parent, atom_leaves) if whole[atom] else -1
            for leaf in atom_leaves:
                node = leaf
                while node != top and node >= 0:
                    bad[node] = True
                    node = parent[node]
    return (people > 0) & ~bad


def _lowest_common(parent: Sequence[int], leaves: list[int]) -> int:
    """The lowest node that holds every one of ``leaves``."""
    chains = []
    for leaf in leaves:
        chain, node = [], leaf
        while node >= 0:
            chain.append(node)
            node = parent[node]
        chains.append(chain[::-1])
    common = -1
    for level in zip(*chains, strict=False):
        if all(n == level[0] for n in level):
            common = level[0]
        else:
            break
    return common
