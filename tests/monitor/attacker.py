"""The attacker of the monitor: everything one role can see, written as linear equations over the finest cells.

Every figure the monitor publishes about a group — its n, and n × mean for a mean — is a sum over the people of
that group. The attacker knows which wijk, cohort and instrument version every cell is (not who is in it) and
writes each published n as one equation over the cells of its measure (the same coefficients hold for n × mean,
so one matrix per measure serves both). A cell or a withheld group is *determined* when its indicator vector lies
in the row space of the published equations: the distance from the vector to that space (an orthonormal basis
from the SVD of the 0/1 equation matrix) is zero up to rounding (1e-6).
Empty cells are left out: the attacker is assumed to know them.

``Attack.add_report`` reads a report exactly as a page, the API or an export shows it (the published rows, flows,
then-test and attrition); ``Attack.findings`` lists what could be pinned down.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from monitor.report import patterns
from monitor.report.dataset import Dataset
from monitor.report.disclosure import Thresholds


@dataclass(frozen=True)
class ViewFilter:
    """What a view shows: these cohorts (None: all), this instrument version (None: all)."""

    cohorts: frozenset[int] | None = None
    version: int | None = None


class ReportReader:
    """Reads a report as a page, the API or an export shows it: every published n (None: withheld) by measure."""

    def _see(self, label: str, measure: tuple, key: str, flt: ViewFilter, value: int | None) -> None:
        raise NotImplementedError

    def add_report(self, report, flt: ViewFilter) -> None:
        a, b = report.moment_from, report.moment_to
        for row in report.rows:
            s = row.scale
            self._see("from", ("score", a, s), row.group_key, flt, row.n_from)
            self._see("to", ("score", b, s), row.group_key, flt, row.n_to)
            self._see("pairs", ("pair", a, b, s), row.group_key, flt, row.n_paired)
        for flow in report.flows:
            self._see("invited", ("invited",), flow.group_key, flt, flow.invited)
            self._see("responded", ("submitted", a), flow.group_key, flt, flow.responded_from)
            self._see("responded", ("submitted", b), flow.group_key, flt, flow.responded_to)
            self._see("paired", ("both", a, b), flow.group_key, flt, flow.paired)
        for t in report.then_test:
            self._see("then", ("then", t.scale), t.group_key, flt, t.n)
        root = report.groups[0][0]
        for r in report.attrition:
            self._see("completers", ("completer", a, b, r.scale), root, flt, r.n_completers)
            self._see("dropouts", ("dropout", a, b, r.scale), root, flt, r.n_dropouts)


@dataclass
class Attack(ReportReader):
    ref: Dataset  # the whole organisation: the ground truth the attacker's equations are about
    min_n: int
    min_paired: int
    published: dict[tuple, set[bytes]] = field(default_factory=lambda: defaultdict(set))
    withheld: dict[tuple, list[tuple[str, np.ndarray]]] = field(default_factory=lambda: defaultdict(list))
    shown_too_small: list[str] = field(default_factory=list)
    _cells: dict[tuple, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _vectors: dict[tuple, tuple[np.ndarray, int]] = field(default_factory=dict)

    # --- the population of a measure, as cells ------------------------------------------------------------------
    def _members(self, measure: tuple) -> tuple[np.ndarray, list[np.ndarray]]:
        c = self.ref.columns
        kind = measure[0]
        if kind == "score":
            return np.isfinite(c.scores[(measure[1], measure[2])]), [c.version[measure[1]]]
        if kind == "pair":
            _, a, b, s = measure
            return np.isfinite(c.scores[(a, s)]) & np.isfinite(c.scores[(b, s)]), [c.version[a], c.version[b]]
        if kind == "then":
            return np.isfinite(c.scores[("T0", measure[1])]) & np.isfinite(c.then[measure[1]]), [
                c.version["T0"],
                c.version["T1"],
            ]
        if kind == "submitted":
            return c.submitted[measure[1]].copy(), [c.version[measure[1]]]
        if kind == "both":
            return c.submitted[measure[1]] & c.submitted[measure[2]], [c.version[measure[1]], c.version[measure[2]]]
        if kind == "invited":
            return np.ones(len(c), bool), []
        if kind in ("completer", "dropout"):
            _, a, b, s = measure
            later = c.submitted[b] if kind == "completer" else ~c.submitted[b]
            return np.isfinite(c.scores[(a, s)]) & later, [c.version[a]]
        raise ValueError(measure)

    def cells(self, measure: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(per person the cell number or -1, per cell its people) for a measure; cells = wijk × cohort × versions."""
        if measure not in self._cells:
            c = self.ref.columns
            mask, versions = self._members(measure)
            keys = np.column_stack([c.wijk_id, c.cohort_id, *versions])
            cell_of = np.full(len(c), -1, np.intp)
            if mask.any():
                _cells, inverse, counts = np.unique(keys[mask], axis=0, return_inverse=True, return_counts=True)
                cell_of[mask] = inverse.reshape(-1)
            else:
                counts = np.zeros(0, np.int64)
            self._cells[measure] = (cell_of, counts)
        return self._cells[measure]

    def _vector(self, measure: tuple, people: np.ndarray, flt: ViewFilter) -> np.ndarray:
        """The cells (0/1 per cell) of the people in ``people`` (ref positions) who count in a view's ``measure``."""
        c = self.ref.columns
        cell_of, counts = self.cells(measure)
        keep = people.copy()
        if flt.cohorts is not None:
            keep &= np.isin(c.cohort_id, list(flt.cohorts))
        if flt.version is not None:
            _, versions = self._members(measure)
            for v in versions:
                keep &= v == flt.version
        vec = np.zeros(len(counts), np.int8)
        hit = cell_of[keep & (cell_of >= 0)]
        vec[np.unique(hit)] = 1
        return vec

    def _group_people(self, key: str) -> np.ndarray:
        c = self.ref.columns
        kind, _, ident = key.partition(":")
        if kind in ("org", "overall"):
            return np.ones(len(c), bool)
        if kind == "gebied":
            return c.gebied_id == int(ident)
        if kind == "wijk":
            return c.wijk_id == int(ident)
        if kind == "cohort":
            return c.cohort_id == int(ident)
        raise ValueError(key)

    def _see(self, label: str, measure: tuple, key: str, flt: ViewFilter, value: int | None) -> None:
        if (measure, key, flt) not in self._vectors:
            vec = self._vector(measure, self._group_people(key), flt)
            self._vectors[(measure, key, flt)] = vec, int(self.cells(measure)[1] @ vec)
        vec, n = self._vectors[(measure, key, flt)]
        limit = self.min_paired if measure[0] in ("pair", "then") else self.min_n
        if value is None:
            if n > 0:
                self.withheld[measure].append((f"{label} {key} {flt}", vec))
            return
        assert value == n, f"{label} {key} {flt}: published n {value} but the group holds {n}"
        if n < limit:
            self.shown_too_small.append(f"{label} {key} {flt}: n={n}")
        self.published[measure].add(vec.tobytes())

    # --- what can be pinned down ----------------------------------------------------------------------------------
    def findings(self) -> list[str]:
        out = list(self.shown_too_small)
        for measure in set(self.published) | set(self.withheld):
            _, counts = self.cells(measure)
            limit = self.min_paired if measure[0] in ("pair", "then") else self.min_n
            rows = [np.frombuffer(v, np.int8) for v in self.published.get(measure, ())]
            base = np.array(rows, float).reshape(len(rows), len(counts))
            basis = _row_space(base)
            targets = [
                (f"cell {i} (n={counts[i]})", np.eye(len(counts), dtype=np.int8)[i])
                for i in np.flatnonzero((counts > 0) & (counts < limit))
            ]
            targets += self.withheld.get(measure, [])
            for label, vec in targets:
                t = vec.astype(float)
                if basis.shape[0] and np.linalg.norm(t - basis.T @ (basis @ t)) < 1e-6:
                    out.append(f"{measure}: {label} is determined")
        return out


def _row_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis (rows) of the row space of ``matrix``."""
    if matrix.size == 0:
        return np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0))
    _, sv, vt = np.linalg.svd(matrix, full_matrices=False)
    return vt[: int(np.count_nonzero(sv > 1e-8 * max(1.0, sv[0])))]


def published_reference(ref: Dataset, thresholds: Thresholds, today: date | None = None) -> Dataset:
    """The data the monitor's figures are computed from: ``ref`` without the scores that
    ``monitor.report.patterns`` leaves out of every figure (they enter no equation, so they cannot be pinned down;
    the attacker's equations must say exactly who is in each published figure)."""
    return patterns.protect(ref, ref, thresholds, today or date.today())[1]
