"""Small-cell protection across moments: scores that figures about different moments would give away are left out.

The lattice (``monitor.report.lattice``) protects each *measure* on its own: the respondents at T0, at T1, at T2, the
pairs of two moments, the then-test, the completers and the drop-outs. Figures of different measures about one group
can still be combined: a group's T0 sum over everyone minus the T0 sum over its then-test pairs is the T0 sum of
those who did not answer T1; its T1 sum minus its change over the pairs minus the pairs' T0 sum is the T1 sum of
those who answered T1 but not T0. When such a set holds fewer than the threshold, that is a figure about too few
people.

Here, once per organisation (the view's reference data set), for each scale: the people are split into *units* —
the people of one wijk and cohort with the same instrument versions, the same submitted moments, the same windows
due and the same scores present (T0, T1, T2, then-test) — and every figure any view may publish is written as a
linear equation over the units' sums: each safe atom of each measure (a superset of what views show, since every
published group is a union of safe atoms). A unit's sum (or its change between two moments) is *determined* when
its vector lies in the row space of those equations. A determined sum of a unit of fewer than ``min_n`` people (a
change of fewer than ``max(min_n, min_paired)``) is protected by leaving those scores out of every figure of the
scale, in every view; the plan is then made again on what is left, until nothing small is determined. Counts are
not the target: who answered when is what the response flow publishes per group and what a group's trainer sees
per person; the scores are what the monitor promises never to reveal (docs/disclosure.md).

The result depends only on the organisation's data, so every view of it leaves out the same scores.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from monitor.questionnaire.instrument import MOMENTS
from monitor.report import lattice
from monitor.report.dataset import Columns, Dataset
from monitor.report.disclosure import Thresholds

VARIABLES = ("T0", "T1", "T2", "then")
PAIRS = (("T0", "T1"), ("T0", "T2"), ("T1", "T2"))
CHANGES = (("T0", "T1"), ("T0", "T2"), ("T1", "T2"), ("T0", "then"))
MAX_ROUNDS = 20
W = len(VARIABLES)

Spec = tuple[str, ...]
Vector = tuple[np.ndarray, np.ndarray]  # (columns: unit × W + variable, coefficients)

_memo: OrderedDict[tuple[object, ...], Protection] = OrderedDict()
_learning_memo: OrderedDict[tuple[object, ...], frozenset[tuple[str, str, str]]] = OrderedDict()
_memo_lock = threading.Lock()
_MEMO_SIZE = 16


def base_columns(ref: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per person (organisation, gebied, wijk, cohort): the cells' first four keys."""
    rc = ref.columns
    if ref.organisation is not None:
        organisation = np.full(len(rc), ref.organisation.id or 0, np.int64)
    else:  # every organisation: each person's through their cohort (a look-up per cohort, not per person)
        cohort_ids, at = np.unique(rc.cohort_id, return_inverse=True)
        organisation = np.array([ref.cohorts[x].organisation_id for x in cohort_ids.tolist()], np.int64)[at.reshape(-1)]
    return organisation, rc.gebied_id, rc.wijk_id, rc.cohort_id


def measure_people(ref: Dataset, spec: Spec, today: date) -> tuple[np.ndarray, list[np.ndarray]]:
    """(who is counted, the version columns that split its cells) for a measure of ``ref``."""
    c = ref.columns
    kind = spec[0]
    if kind == "score":
        return np.isfinite(c.scores[(spec[1], spec[2])]), [c.version[spec[1]]]
    if kind == "pair":
        _, a, b, s = spec
        return np.isfinite(c.scores[(a, s)]) & np.isfinite(c.scores[(b, s)]), [c.version[a], c.version[b]]
    if kind == "then":
        return (
            np.isfinite(c.scores[("T0", spec[1])]) & np.isfinite(c.then[spec[1]]),
            [c.version["T0"], c.version["T1"]],
        )
    if kind == "submitted":
        return c.submitted[spec[1]], [c.version[spec[1]]]
    if kind == "both":
        return c.submitted[spec[1]] & c.submitted[spec[2]], [c.version[spec[1]], c.version[spec[2]]]
    if kind == "invited":
        return np.ones(len(c), bool), []
    if kind in ("completer", "dropout"):
        _, a, b, s = spec
        later = c.submitted[b] if kind == "completer" else ~c.submitted[b] & ref.is_due(b, today)
        return np.isfinite(c.scores[(a, s)]) & later, [c.version[a]]
    if kind == "due":
        return ref.is_due(spec[1], today), []
    if kind == "responded_due":
        return c.submitted[spec[1]] & ref.is_due(spec[1], today), [c.version[spec[1]]]
    raise ValueError(f"unknown measure {spec!r}")


def _score_measures(scale: str) -> list[tuple[Spec, str, list[dict[str, int]]]]:
    """The measures of a scale that publish sums: (spec, threshold kind, the sums each atom publishes)."""
    out: list[tuple[Spec, str, list[dict[str, int]]]] = [(("score", m, scale), "n", [{m: 1}]) for m in MOMENTS]
    out += [(("pair", a, b, scale), "paired", [{b: 1, a: -1}]) for a, b in PAIRS]
    out.append((("then", scale), "paired", [{"T0": 1}, {"then": 1}]))
    for a, b in PAIRS:
        out.append((("completer", a, b, scale), "n", [{a: 1}]))
        out.append((("dropout", a, b, scale), "n", [{a: 1}]))
    return out


class _System:
    """The published sums of one scale as linear equations over its units × variables, ready to test targets.

    Local equations (one per safe atom and sum of the respondents at a moment, the pairs, the then-test) tie
    together the units of one atom, so they split into independent blocks (connected components, each with an
    orthonormal basis of its rows). Global equations (the completers' and drop-outs' sums, published for the whole
    organisation) span the blocks: their residuals after the local projection are orthonormalised into ``q``. The
    local blocks and ``q`` are mutually orthogonal, so a vector lies in the row space exactly when its projections
    on the blocks and on ``q`` together keep its whole norm."""

    def __init__(self, n_units: int, local: csr_matrix, glob: list[Vector], wanted: np.ndarray) -> None:
        """``wanted``: the units whose blocks need a basis (those that targets touch)."""
        self.n_cols = n_units * W
        rows, cols = local.nonzero()
        first = np.full(local.shape[0], -1, np.int64)
        if len(rows):
            first[rows[::-1]] = (cols // W)[::-1]  # per row its first unit
        graph = coo_matrix((np.ones(len(rows)), (first[rows], cols // W)), shape=(n_units, n_units))
        _, self.comp = connected_components(graph, directed=False)
        order = np.argsort(self.comp, kind="stable")
        bounds = np.searchsorted(self.comp[order], np.arange(self.comp.max(initial=-1) + 2))
        self.units_of = {k: order[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)}
        self.local_index = np.zeros(n_units, np.int64)
        for units in self.units_of.values():
            self.local_index[units] = np.arange(len(units))
        row_comp = np.full(local.shape[0], -1, np.int64)
        row_comp[first >= 0] = self.comp[first[first >= 0]]
        self._row_order = np.argsort(row_comp, kind="stable")
        self._row_bounds = np.searchsorted(row_comp[self._row_order], np.arange(len(bounds)))
        self._local = local[self._row_order].tocsr()  # rows grouped by component: each block a slice
        self.basis: dict[int, np.ndarray] = {}
        for k in np.unique(self.comp[wanted]).tolist() if len(wanted) else []:
            self._basis(k)
        if glob:
            self.q = _orthonormal_rows(np.array([self._residual(v) for v in glob]))
        else:
            self.q = np.zeros((0, self.n_cols))

    def _columns_of(self, k: int) -> np.ndarray:
        units = self.units_of[k]
        return np.asarray(units[:, None] * W + np.arange(W)).reshape(-1)

    def _basis(self, k: int) -> np.ndarray:
        if k not in self.basis:
            lo, hi = int(self._row_bounds[k]), int(self._row_bounds[k + 1])
            width = len(self.units_of[k]) * W
            if hi == lo:
                self.basis[k] = np.zeros((0, width))
            else:
                block = self._local[lo:hi]
                matrix = np.zeros((hi - lo, width))
                rows = np.repeat(np.arange(hi - lo), np.diff(block.indptr))
                np.add.at(matrix, (rows, self._local_cols(block.indices)), block.data)
                self.basis[k] = _orthonormal_rows(matrix)
        return self.basis[k]

    def _local_cols(self, cols: np.ndarray) -> np.ndarray:
        return np.asarray(self.local_index[cols // W] * W + cols % W)

    def _residual(self, vec: Vector) -> np.ndarray:
        """The vector minus its projection on the local row space, over every column."""
        cols, coef = vec
        out = np.zeros(self.n_cols)
        np.add.at(out, cols, coef)
        for k in np.unique(self.comp[cols // W]).tolist():
            basis = self._basis(k)
            if not len(basis):
                continue
            at = self._columns_of(k)
            part = out[at]
            out[at] = part - basis.T @ (basis @ part)
        return out

    def determined(self, vec: Vector) -> bool:
        """Is the sum ``vec`` a linear combination of the equations?"""
        cols, coef = vec
        norm = float(coef @ coef)
        if norm == 0:
            return False
        explained = 0.0
        comp = self.comp[cols // W]
        for k in np.unique(comp).tolist():
            basis = self._basis(k)
            if len(basis):
                here = comp == k
                proj = basis[:, self._local_cols(cols[here])] @ coef[here]
                explained += float(proj @ proj)
        if len(self.q):
            proj = self.q[:, cols] @ coef
            explained += float(proj @ proj)
        return explained > norm - 1e-6 * max(1.0, norm)

    def all_determined(self, vectors: list[Vector]) -> np.ndarray:
        """``determined`` for many vectors at once (a sparse matrix against the block-diagonal basis)."""
        lengths = [len(cols) for cols, _ in vectors]
        t = csr_matrix(
            (
                np.concatenate([coef for _, coef in vectors]),
                (np.repeat(np.arange(len(vectors)), lengths), np.concatenate([cols for cols, _ in vectors])),
            ),
            shape=(len(vectors), self.n_cols),
        )
        return self.rows_determined(t)

    def rows_determined(self, t: csr_matrix) -> np.ndarray:
        """``determined`` for each row of ``t`` (targets × units·variables)."""
        if not t.shape[0]:
            return np.zeros(0, bool)
        norm = np.asarray(t.multiply(t).sum(1)).reshape(-1)
        explained = np.zeros(t.shape[0])
        touched = np.unique(self.comp[t.indices // W])
        blocks_i, blocks_c, blocks_v = [], [], []
        offset = 0
        for k in touched.tolist():
            basis = self._basis(k)
            if not len(basis):
                continue
            cols = self._columns_of(k)
            r, cidx = np.nonzero(basis)
            blocks_i.append(offset + r)
            blocks_c.append(cols[cidx])
            blocks_v.append(basis[r, cidx])
            offset += len(basis)
        if offset:
            full = csr_matrix(
                (np.concatenate(blocks_v), (np.concatenate(blocks_i), np.concatenate(blocks_c))),
                shape=(offset, self.n_cols),
            )
            proj = (t @ full.T).toarray() if offset * t.shape[0] < 5e7 else None
            if proj is not None:
                explained += (proj**2).sum(1)
            else:  # pragma: no cover - very many targets: row by row
                prod = t @ full.T
                explained += np.asarray(prod.multiply(prod).sum(1)).reshape(-1)
        if len(self.q):
            proj = t @ self.q.T
            explained += (np.asarray(proj) ** 2).sum(1)
        return np.asarray((norm > 0) & (explained > norm - 1e-6 * np.maximum(1.0, norm)))

    def unit_targets(self, units: np.ndarray, finite: np.ndarray) -> np.ndarray:
        """Of ``units`` (``finite``: per unit and variable, a score present), those whose sum of one variable or
        change between two (``CHANGES``) is determined."""
        hit: list[int] = []
        for k in np.unique(self.comp[units]).tolist():
            mine = units[self.comp[units] == k]
            cols = (mine[:, None] * W + np.arange(W)).reshape(-1)
            basis = self._basis(k)
            vectors = basis[:, self._local_cols(cols)]
            if len(self.q):
                vectors = np.vstack([vectors, self.q[:, cols]])
            if not len(vectors):
                continue
            v = vectors.reshape(len(vectors), len(mine), W)
            found = ((v**2).sum(0) > 1 - 1e-6) & finite[mine]  # a single sum: explained in full
            any_found = found.any(1)
            for a, b in CHANGES:
                ka, kb = VARIABLES.index(a), VARIABLES.index(b)
                diff = ((v[:, :, kb] - v[:, :, ka]) ** 2).sum(0)
                any_found |= (diff > 2 - 1e-6) & finite[mine, ka] & finite[mine, kb]
            hit += mine[any_found].tolist()
        return np.array(sorted(hit), np.int64)


def _orthonormal_rows(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis (rows) of the row space of ``matrix``."""
    if not matrix.size:
        return np.zeros((0, matrix.shape[1]))
    _, sv, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int(np.count_nonzero(sv > 1e-8 * max(1.0, float(sv[0]))))
    return np.asarray(vt[:rank])


def _vector(units: np.ndarray, term: dict[str, int]) -> Vector:
    """The sum ``term`` (variable -> sign) over ``units`` as (columns, coefficients) over units × variables."""
    cols = np.concatenate([units * W + VARIABLES.index(v) for v in term])
    coef = np.concatenate([np.full(len(units), sign, float) for sign in term.values()])
    return cols, coef


@dataclass(frozen=True)
class _Runs:
    """Targets, each the sum ``term`` (variable -> sign) over the units ``order[lo[k]:hi[k]]``."""

    order: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    term: dict[str, int]


def _positions(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The indices of the ranges ``lo[k]:hi[k]``, concatenated."""
    lengths = hi - lo
    return np.asarray(
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(lo, lengths)
    )


def _small_runs(
    node: np.ndarray, rank: np.ndarray, n: np.ndarray, chosen: np.ndarray, small: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every run of consecutive cohorts (by ``rank``) within one node whose units of ``chosen`` hold fewer than
    ``small`` people, as ranges of ``order`` (``chosen`` sorted by node and rank): (order, lo, hi)."""
    order = chosen[np.lexsort((rank[chosen], node[chosen]))]
    key_node, key_rank = node[order], rank[order]
    starts = np.flatnonzero(np.r_[True, (key_node[1:] != key_node[:-1]) | (key_rank[1:] != key_rank[:-1])])
    ends = np.r_[starts[1:], len(order)]
    sizes = np.add.reduceat(n[order], starts)  # people per (node, cohort): each at least 1
    group_node = key_node[starts]
    node_start = np.flatnonzero(np.r_[True, group_node[1:] != group_node[:-1]])
    node_end = np.r_[node_start[1:], len(starts)]
    last = np.repeat(node_end, node_end - node_start) - 1  # per group: the last group of its node
    before = np.r_[0, np.cumsum(sizes)]  # strictly increasing: people before each group
    # a run i..j is small when before[j + 1] - before[i] < small, i.e. j + 1 is below the first k with
    # before[k] >= before[i] + small
    stop = np.minimum(np.searchsorted(before, before[:-1] + small, side="left") - 2, last)
    count = np.maximum(stop - np.arange(len(starts)) + 1, 0)
    first = np.repeat(np.arange(len(starts)), count)
    second = first + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    return order, starts[first], ends[second]


def _run_matrix(runs: list[_Runs], n_cols: int) -> csr_matrix:
    """The targets of ``runs`` as the rows of a sparse matrix over units × variables."""
    rows, cols, vals = [], [], []
    offset = 0
    for r in runs:
        lengths = r.hi - r.lo
        units = r.order[_positions(r.lo, r.hi)]
        row = offset + np.repeat(np.arange(len(lengths)), lengths)
        for variable, sign in r.term.items():
            rows.append(row)
            cols.append(units * W + VARIABLES.index(variable))
            vals.append(np.full(len(units), float(sign)))
        offset += len(lengths)
    if not rows:
        return csr_matrix((0, n_cols))
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(offset, n_cols))


def _unit_keys(ref: Dataset, scale: str, today: date, split: np.ndarray | None = None) -> np.ndarray:
    """Per person the key of their unit: cell, versions, submitted and due moments, (``split``: whether they
    completed every module) and the scores present (the last ``W`` columns)."""
    c = ref.columns
    finite = [np.isfinite(c.then[scale] if v == "then" else c.scores[(v, scale)]) for v in VARIABLES]
    due = [ref.is_due(m, today) for m in MOMENTS]
    extra = [] if split is None else [split]
    return np.column_stack(
        [
            *base_columns(ref),
            *[c.version[m] for m in MOMENTS],
            *[c.submitted[m] for m in MOMENTS],
            *due,
            *extra,
            *finite,
        ]
    ).astype(np.int64)


def completed_all_modules(columns: Columns, n_modules: int) -> np.ndarray:
    """Per person: completed every module of their cohort's programme (all ``n_modules`` when it has no set).
    The split of the learning × growth table."""
    required = np.where(columns.modules_required > 0, columns.modules_required, n_modules)
    return np.asarray((columns.modules_completed >= required) & (required > 0))


def _determined(
    ref: Dataset,
    scale: str,
    thresholds: Thresholds,
    today: date,
    attrition: Collection[tuple[str, str]] = (),
    split: np.ndarray | None = None,
    learning: Collection[tuple[str, str]] = (),
) -> np.ndarray:
    """The positions in ``ref`` of the people whose scores on ``scale`` give a small target away, when the
    attrition figures (completers and drop-outs) of the pairs of moments in ``attrition`` are published too, and
    the learning × growth figures of the pairs in ``learning`` (the change over the pairs of those who completed
    every module, ``split``, and over the others: the units are split by it).

    Targets: the sum of each unit of fewer than ``min_n`` people at each moment and its change between two moments,
    and the sums of every group of fewer than ``min_n`` people that a view may withhold — a wijk, gebied or the
    organisation, under any run of cohorts (a cohort filter, a period, a cohort page) and any instrument version —
    for every measure of the scale."""
    c = ref.columns
    if len(c) == 0:
        return np.zeros(0, np.int64)
    keys = _unit_keys(ref, scale, today, split)
    ukeys, first, unit_of, unit_n = np.unique(keys, axis=0, return_index=True, return_inverse=True, return_counts=True)
    unit_of = unit_of.reshape(-1)
    n_units = len(unit_n)
    unit_finite = ukeys[:, -W:].astype(bool)
    org_u, gebied_u, wijk_u, cohort_u = (ukeys[:, k] for k in range(4))
    base = base_columns(ref)
    priority: lattice.Priority = "cohort" if thresholds.priority == "cohort" else "wijk"
    ordered = sorted(ref.cohorts, key=lambda x: (ref.cohorts[x].start_date, x))
    ordered += sorted(set(np.unique(c.cohort_id).tolist()) - set(ordered))
    rank = {cid: i for i, cid in enumerate(ordered)}
    unit_rank = np.array([rank[int(x)] for x in cohort_u.tolist()], np.int64)
    small = thresholds.min_n

    row_i: list[np.ndarray] = []
    row_c: list[np.ndarray] = []
    row_v: list[np.ndarray] = []
    n_rows = 0
    glob: list[Vector] = []
    runs: list[_Runs] = []
    for spec, kind, sums in _score_measures(scale):
        mask, versions = measure_people(ref, spec, today)
        if not mask.any():
            continue
        atom_of, atoms = lattice.atoms_of_people(
            (*base, *versions), mask, thresholds.for_measure("paired" if kind == "paired" else "n"), priority
        )
        unit_atom = atom_of[first]
        in_m = unit_atom >= 0

        if spec[0] in ("completer", "dropout"):  # published for the whole organisation only
            units = np.flatnonzero(in_m)
            # the organisation's top: shown when each of its atoms is safe (it holds them all whole)
            shown = bool(np.all(atoms.safe[np.unique(unit_atom[units])])) and unit_n[units].sum() >= small
            if shown and (spec[1], spec[2]) in attrition:
                glob += [_vector(units, term) for term in sums]
            elif unit_n[units].sum() < small:
                runs += [_Runs(units, np.array([0]), np.array([len(units)]), term) for term in sums]
            continue
        # the local equations: per safe atom, each of its sums
        members = np.flatnonzero(in_m & atoms.safe[np.maximum(unit_atom, 0)])
        for term in sums:
            for variable, sign in term.items():
                row_i.append(n_rows + unit_atom[members])
                row_c.append(members * W + VARIABLES.index(variable))
                row_v.append(np.full(len(members), float(sign)))
            n_rows += len(atoms.n)
        # the small groups of every view: node × run of cohorts × version (fewer people than any safe atom
        # holds: never shown, always a target)
        unit_versions = [v[first] for v in versions]
        version_options: list[int | None] = [None]
        version_options += sorted({int(v) for col in unit_versions for v in col[in_m].tolist() if v})
        for ver in version_options:
            sel = in_m
            if ver is not None:
                for vcol in unit_versions:
                    sel = sel & (vcol == ver)
            chosen = np.flatnonzero(sel)
            if not len(chosen):
                continue
            for col in (org_u, gebied_u, wijk_u):
                order, lo, hi = _small_runs(col, unit_rank, unit_n, chosen, small)
                if len(lo):
                    runs += [_Runs(order, lo, hi, term) for term in sums]
    for a, b in learning:  # published for the whole organisation only: both halves
        ka, kb = VARIABLES.index(a), VARIABLES.index(b)
        pairs = unit_finite[:, ka] & unit_finite[:, kb]
        done = ukeys[:, -W - 1].astype(bool)
        for half in (pairs & done, pairs & ~done):
            if half.any():
                glob.append(_vector(np.flatnonzero(half), {b: 1, a: -1}))
    if n_rows == 0 and not glob:
        return np.zeros(0, np.int64)
    local = (
        csr_matrix((np.concatenate(row_v), (np.concatenate(row_i), np.concatenate(row_c))), shape=(n_rows, n_units * W))
        if row_i
        else csr_matrix((0, n_units * W))
    )
    small_units = np.flatnonzero(unit_n < small)
    in_runs = [r.order[_positions(r.lo, r.hi)] for r in runs]
    wanted = np.unique(np.concatenate([small_units, *in_runs]))
    system = _System(n_units, local, glob, wanted)
    left = set(system.unit_targets(small_units, unit_finite).tolist())
    hit = system.rows_determined(_run_matrix(runs, n_units * W))
    offset = 0
    for r in runs:
        found = hit[offset : offset + len(r.lo)]
        offset += len(r.lo)
        if found.any():
            left.update(r.order[_positions(r.lo[found], r.hi[found])].tolist())
    if not left:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.isin(unit_of, np.array(sorted(left), np.int64)))


@dataclass(frozen=True)
class Protection:
    """What the protection across moments decided for one state of an organisation's data."""

    left_out: dict[tuple[str, str], np.ndarray]  # (variable, scale) -> positions whose score is in no figure
    attrition_withheld: frozenset[tuple[str, str, str]]  # (scale, earlier, later): completers/drop-outs not shown


NOTHING = Protection({}, frozenset())


def protection(ref: Dataset, thresholds: Thresholds, today: date) -> Protection:
    """The scores left out of every figure, and the attrition figures withheld, for the organisation ``ref``.

    First the figures of every view without attrition: rounds of leaving out what gives a small target away and
    planning again, until nothing does. Then the attrition figures of each pair of moments are added one by one
    and kept only if they give nothing away either (withholding a secondary table costs less than leaving out
    a score). The answer depends only on who has which scores, versions, responses and due windows (not on the
    scores' values), so it is memoised on exactly that: every view and report of one state of the data shares it."""
    if ref.organisation is None:  # the total over all organisations: for beheer only (docs/disclosure.md)
        return NOTHING
    key = ("patterns.protection", thresholds, today)
    if key in ref.derived:
        cached: Protection = ref.derived[key]
        return cached
    digest = hashlib.blake2b(digest_size=16)
    digest.update(ref.columns.enrolment_id.tobytes())
    for scale in ref.scales:
        digest.update(scale.encode())
        digest.update(np.ascontiguousarray(_unit_keys(ref, scale, today)).tobytes())
    cohorts = tuple(sorted((k, v.start_date) for k, v in ref.cohorts.items()))
    memo_key = (digest.hexdigest(), thresholds, today, cohorts)
    with _memo_lock:
        out = _memo.get(memo_key)
        if out is not None:
            _memo.move_to_end(memo_key)
    if out is None:
        positions: dict[tuple[str, str], np.ndarray] = {}
        withheld: set[tuple[str, str, str]] = set()
        for scale in ref.scales:
            current = ref
            people = np.zeros(0, np.int64)
            for _ in range(MAX_ROUNDS):
                found = _determined(current, scale, thresholds, today)
                if not len(found):
                    break
                people = np.union1d(people, found)
                current = _without(ref, {(v, scale): people for v in VARIABLES})
            else:  # pragma: no cover - a safety net: leave out every score of the scale rather than risk a leak
                people = np.arange(len(ref.columns))
                current = _without(ref, {(v, scale): people for v in VARIABLES})
            if len(people):
                positions.update({(v, scale): people for v in VARIABLES})
            if not len(_determined(current, scale, thresholds, today, PAIRS)):
                continue  # the usual case: every pair's attrition together gives nothing away (one plan, not three)
            shown: list[tuple[str, str]] = []
            for pair in PAIRS:
                if len(_determined(current, scale, thresholds, today, [*shown, pair])):
                    withheld.add((scale, *pair))
                else:
                    shown.append(pair)
        out = Protection(positions, frozenset(withheld))
        with _memo_lock:
            _memo[memo_key] = out
            while len(_memo) > _MEMO_SIZE:
                _memo.popitem(last=False)
    ref.derived[key] = out
    return out


def learning_withheld(
    data: Dataset,
    thresholds: Thresholds,
    today: date,
    done: np.ndarray,
    compared: Mapping[str, Collection[tuple[str, str]]],
    attrition_withheld: Collection[tuple[str, str, str]] = (),
) -> frozenset[tuple[str, str, str]]:
    """The learning × growth figures (scale, earlier, later) to withhold from the organisation's overview.

    ``data``: the organisation's data with the protection's scores left out (``protect``), ``done``: per person,
    completed every module (``completed_all_modules``), ``compared``: per scale the pairs of moments the table may
    show. The table gives the change over the pairs of those who completed every module and over the others; where
    both halves reach ``min_paired`` it would be shown. Like attrition it is added pair by pair to everything else
    a view publishes (the attrition that is shown included) and kept only where it gives no small target away."""
    if data.organisation is None or not len(data.columns):
        return frozenset()
    c = data.columns
    digest = hashlib.blake2b(digest_size=16)
    digest.update(c.enrolment_id.tobytes())
    candidates: dict[str, list[tuple[str, str]]] = {}
    for scale in data.scales:
        pairs = []
        for a, b in PAIRS:
            if (a, b) not in compared.get(scale, ()):
                continue
            paired = np.isfinite(c.scores[(a, scale)]) & np.isfinite(c.scores[(b, scale)])
            if min(np.count_nonzero(paired & done), np.count_nonzero(paired & ~done)) >= thresholds.min_paired:
                pairs.append((a, b))
        if pairs:
            candidates[scale] = pairs
            digest.update(scale.encode())
            digest.update(repr(pairs).encode())
            digest.update(np.ascontiguousarray(_unit_keys(data, scale, today, done)).tobytes())
    if not candidates:
        return frozenset()
    cohorts = tuple(sorted((k, v.start_date) for k, v in data.cohorts.items()))
    memo_key = (digest.hexdigest(), thresholds, today, cohorts, frozenset(attrition_withheld))
    with _memo_lock:
        found = _learning_memo.get(memo_key)
        if found is not None:
            _learning_memo.move_to_end(memo_key)
            return found
    withheld: set[tuple[str, str, str]] = set()
    for scale, pairs in candidates.items():
        attrition = [pair for pair in PAIRS if (scale, *pair) not in attrition_withheld]
        if not len(_determined(data, scale, thresholds, today, attrition, done, pairs)):
            continue  # the usual case: every pair's table together gives nothing away (one plan, not one per pair)
        shown: list[tuple[str, str]] = []
        for pair in pairs:
            if len(_determined(data, scale, thresholds, today, attrition, done, [*shown, pair])):
                withheld.add((scale, *pair))
            else:
                shown.append(pair)
    out = frozenset(withheld)
    with _memo_lock:
        _learning_memo[memo_key] = out
        while len(_learning_memo) > _MEMO_SIZE:
            _learning_memo.popitem(last=False)
    return out


def left_out(ref: Dataset, thresholds: Thresholds, today: date) -> dict[tuple[str, str], np.ndarray]:
    """Per (variable, scale): the positions in ``ref`` whose score is left out of every figure of the scale."""
    return protection(ref, thresholds, today).left_out


def _without(data: Dataset, positions: dict[tuple[str, str], np.ndarray]) -> Dataset:
    """A copy of ``data`` with the scores at ``positions`` (per variable and scale) set to NaN."""
    c = data.columns
    scores = dict(c.scores)
    then = dict(c.then)
    for (v, s), idx in positions.items():
        if not len(idx):
            continue
        if v == "then":
            arr = then[s].copy()
            arr[idx] = np.nan
            then[s] = arr
        else:
            arr = scores[(v, s)].copy()
            arr[idx] = np.nan
            scores[(v, s)] = arr
    return replace(data, columns=replace(c, scores=scores, then=then), derived={})


def protect(data: Dataset, ref: Dataset, thresholds: Thresholds, today: date) -> tuple[Dataset, Dataset]:
    """The view and its reference with the scores left out that figures about different moments would reveal."""
    positions = left_out(ref, thresholds, today)
    if not any(len(v) for v in positions.values()):
        return data, ref
    key = ("patterns.protected", thresholds, today)
    if key not in ref.derived:
        ref.derived[key] = _without(ref, positions)
    protected_ref: Dataset = ref.derived[key]
    if data is ref:
        return protected_ref, protected_ref
    if key not in data.derived:
        at = np.searchsorted(ref.columns.enrolment_id, data.columns.enrolment_id)
        lookup = {}
        for k, idx in positions.items():
            hit = np.zeros(len(ref.columns), bool)
            hit[idx] = True
            lookup[k] = np.flatnonzero(hit[at]) if len(at) else np.zeros(0, np.int64)
        data.derived[key] = _without(data, lookup)
    protected_data: Dataset = data.derived[key]
    return protected_data, protected_ref


def count_left_out(original: Dataset, protected: Dataset) -> dict[str, int]:
    """Per scale: how many people of the view have a score in ``original`` that ``protected`` leaves out."""
    if original is protected:
        return {}
    a, b = original.columns, protected.columns
    out = {}
    for scale in original.scales:
        lost = np.zeros(len(a), bool)
        for v in VARIABLES:
            before = a.then[scale] if v == "then" else a.scores[(v, scale)]
            after = b.then[scale] if v == "then" else b.scores[(v, scale)]
            lost |= np.isfinite(before) & ~np.isfinite(after)
        if lost.any():
            out[scale] = int(np.count_nonzero(lost))
    return out
