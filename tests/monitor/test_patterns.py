"""The protection across moments (``monitor.report.patterns``): its linear algebra against a brute-force rank test,
its memos, and that a score it leaves out moves no published figure."""

from __future__ import annotations

import copy
from dataclasses import asdict
from datetime import date

import numpy as np
from scipy.sparse import csr_matrix

from monitor.report import patterns
from monitor.report.build import build_report
from monitor.report.dataset import Dataset
from monitor.report.disclosure import Thresholds
from monitor.report.service import PAIRS
from tests.monitor.test_disclosure_attack import N_MODULES, _learning_split, _one_drop_out, make_reference

W = patterns.W


def _brute(matrix: np.ndarray, vec: np.ndarray) -> bool:
    """Is ``vec`` in the row space of ``matrix``? By rank, on the whole matrix at once."""
    rank = np.linalg.matrix_rank(matrix) if matrix.size else 0
    return np.linalg.matrix_rank(np.vstack([matrix, vec])) == rank


def test_the_block_and_global_algebra_agrees_with_a_brute_force_rank_test():
    rng = np.random.default_rng(7)
    for _ in range(40):
        n_units = int(rng.integers(3, 12))
        n_cols = n_units * W
        # local rows: each ties 1–3 units (its "atom"), ±1 on one or two variables
        local = np.zeros((int(rng.integers(1, 14)), n_cols))
        for row in local:
            for u in rng.choice(n_units, size=int(rng.integers(1, 4)), replace=False):
                v = rng.choice(W, size=int(rng.integers(1, 3)), replace=False)
                row[u * W + v] = rng.choice([-1.0, 1.0], size=len(v))
        glob_rows = []
        for _ in range(int(rng.integers(0, 3))):  # global rows: many units, one variable
            units = rng.choice(n_units, size=int(rng.integers(2, n_units + 1)), replace=False)
            glob_rows.append((units * W, np.ones(len(units))))
        system = patterns._System(n_units, csr_matrix(local), glob_rows, np.arange(n_units))
        full = local.copy()
        for cols, coef in glob_rows:
            row = np.zeros(n_cols)
            row[cols] = coef
            full = np.vstack([full, row])
        targets = [(np.array([c]), np.array([1.0])) for c in range(n_cols)]
        targets += [(np.array([u * W + 1, u * W]), np.array([1.0, -1.0])) for u in range(n_units)]
        for cols, coef in targets:
            vec = np.zeros(n_cols)
            vec[cols] = coef
            assert system.determined((cols, coef)) == _brute(full, vec), (cols, coef)
        batched = system.all_determined(targets)
        assert batched.tolist() == [system.determined(t) for t in targets]


def _with_scores_moved(data: Dataset, positions: dict[tuple[str, str], np.ndarray], by: float) -> Dataset:
    moved = copy.deepcopy(data)
    for (v, s), idx in positions.items():
        target = moved.columns.then[s] if v == "then" else moved.columns.scores[(v, s)]
        target[idx] = np.where(np.isfinite(target[idx]), target[idx] + by, target[idx])
    moved.derived.clear()
    return moved


def _figures(data: Dataset, thresholds: Thresholds) -> list[dict]:
    out = []
    for a, b in PAIRS:
        report = build_report(
            data, moment_from=a, moment_to=b, thresholds=thresholds, t0_matrices={}, root="organisation", ref=data
        )
        out += [asdict(r) for r in report.rows] + [asdict(t) for t in report.then_test]
        out += [asdict(t) for t in report.attrition]
    return out


def test_a_left_out_score_moves_no_figure_and_a_counted_one_does():
    """What the protection leaves out is in no figure: moving those scores changes nothing published. Moving a
    score that is counted does change something (the check can fail)."""
    thresholds = Thresholds()
    for ref in (_one_drop_out(), make_reference(4731, 4, 4, 86, False)):
        left = patterns.left_out(ref, thresholds, date.today())
        assert left, "the case should leave something out"
        before = _figures(ref, thresholds)
        assert _figures(_with_scores_moved(ref, left, 0.5), thresholds) == before
        scale = next(iter(left))[1]
        counted = np.setdiff1d(np.flatnonzero(np.isfinite(ref.columns.scores[("T0", scale)])), left[("T0", scale)])
        assert _figures(_with_scores_moved(ref, {("T0", scale): counted[:1]}, 0.5), thresholds) != before


def test_the_plan_depends_on_who_answered_what_not_on_the_values():
    thresholds = Thresholds()
    ref = _one_drop_out()
    first = patterns.protection(ref, thresholds, date.today())
    moved = _with_scores_moved(ref, {("T0", "KEN"): np.arange(len(ref.columns))}, 0.25)
    assert patterns.protection(moved, thresholds, date.today()) is first  # memoised on the structure
    gone = copy.deepcopy(ref)
    gone.columns.scores[("T1", "KEN")][5] = np.nan  # one more person without a T1 on KEN: a new structure
    gone.derived.clear()
    assert patterns.protection(gone, thresholds, date.today()) is not first


def test_the_learning_check_is_memoised_on_who_completed_what(monkeypatch):
    """The learning × growth check runs once per state of the structure: the same split again is a memo hit;
    another split (one more person completed every module) is checked afresh."""
    thresholds = Thresholds()
    ref = _learning_split(done_in_w1=1)
    done = patterns.completed_all_modules(ref.columns, N_MODULES)
    pairs = {"KEN": [("T0", "T1")]}
    calls = []
    real = patterns._determined
    monkeypatch.setattr(patterns, "_determined", lambda *a, **k: calls.append(1) or real(*a, **k))
    patterns._learning_memo.clear()
    first = patterns.learning_withheld(ref, thresholds, date.today(), done, pairs)
    assert first == {("KEN", "T0", "T1")} and calls
    calls.clear()
    assert patterns.learning_withheld(ref, thresholds, date.today(), done, pairs) == first and not calls
    other = done.copy()
    other[1] = True  # a second person of W1 completed every module
    patterns.learning_withheld(ref, thresholds, date.today(), other, pairs)
    assert calls
