"""The array fast paths of monitor.report.statistics give exactly what the value-by-value paths give (the monitor feeds
float arrays with NaN for missing), and ``tests=False`` leaves out only the significance tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from monitor.report import statistics as st

score = hst.one_of(hst.none(), hst.floats(min_value=1, max_value=5, allow_nan=False))


def _array(values):
    return np.array([math.nan if v is None else v for v in values], dtype=float)


@settings(max_examples=150, deadline=None)
@given(hst.lists(score, max_size=40))
def test_describe_of_an_array_equals_describe_of_the_values(values):
    assert st.describe(_array(values)) == st.describe(values)


@settings(max_examples=150, deadline=None)
@given(hst.lists(hst.tuples(score, score), max_size=40), hst.sampled_from([None, 0.0, 0.7, 0.95]))
def test_paired_change_of_arrays_equals_paired_change_of_the_values(pairs, reliability):
    before, after = [b for b, _ in pairs], [a for _, a in pairs]
    from_values = st.paired_change(before, after, reliability=reliability, sd_reference=0.6)
    from_arrays = st.paired_change(_array(before), _array(after), reliability=reliability, sd_reference=0.6)
    assert from_arrays == from_values


@settings(max_examples=100, deadline=None)
@given(hst.lists(hst.tuples(score, score), min_size=3, max_size=30))
def test_without_tests_only_the_test_figures_are_left_out(pairs):
    before, after = _array([b for b, _ in pairs]), _array([a for _, a in pairs])
    full = st.paired_change(before, after, reliability=0.8, sd_reference=0.5)
    lean = st.paired_change(before, after, reliability=0.8, sd_reference=0.5, tests=False)
    assert (lean.p_t, lean.p_wilcoxon, lean.r_rb) == (None, None, None)
    for name in (
        "n_paired",
        "mean_from",
        "sd_from",
        "mean_to",
        "sd_to",
        "mean_change",
        "sd_change",
        "ci_low",
        "ci_high",
        "t",
        "df",
        "d_z",
        "d_av",
        "g_av",
        "rci",
        "n_nonzero",
    ):
        assert getattr(lean, name) == getattr(full, name), name


def test_arrays_of_different_length_are_refused():
    with pytest.raises(ValueError):
        st.paired_change(np.ones(3), np.ones(4))


@settings(max_examples=100, deadline=None)
@given(
    hst.lists(hst.lists(hst.one_of(hst.none(), hst.integers(1, 5)), min_size=4, max_size=4), min_size=1, max_size=30)
)
def test_cronbach_alpha_of_an_array_equals_alpha_of_the_rows(rows):
    # (At least one row: an empty list of rows cannot say how many items it has; an empty array can.)
    matrix = np.array([[math.nan if v is None else float(v) for v in row] for row in rows], dtype=float).reshape(
        len(rows), 4
    )
    from_array, from_rows = st.cronbach_alpha(matrix), st.cronbach_alpha(rows)
    assert from_array.alpha == from_rows.alpha and from_array.item_rest == from_rows.item_rest
    assert (from_array.n, from_array.n_excluded) == (from_rows.n, from_rows.n_excluded)


@settings(max_examples=200, deadline=None)
@given(hst.lists(hst.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=2, max_size=200))
def test_mean_and_variance_are_numpys_to_the_last_bit(values):
    x = np.array(values, dtype=float)
    if st._constant(x):  # constant data: the mean is the value itself and the variance exactly 0
        assert (st._mean(x), st._var(x)) == (values[0], 0.0)
    else:
        assert st._mean(x) == float(np.mean(x))
        assert st._var(x) == float(np.var(x, ddof=1))
