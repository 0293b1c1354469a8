"""Statistics are checked against SciPy/NumPy, against arithmetic written out by hand, and by a no-NaN property test."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from monitor.report.statistics import attrition, cronbach_alpha, describe, holm, paired_change

BEFORE = [2.8, 3.0, 3.4, 2.2, 4.0, 3.6, 2.4, 3.0, 3.2, 2.6, 3.8, 2.0]
AFTER = [3.4, 3.0, 4.0, 2.8, 4.2, 3.2, 3.4, 3.6, 3.2, 3.4, 4.4, 2.6]


# --- describe -------------------------------------------------------------------------------------------------------


def test_describe_uses_sample_sd_and_ignores_missing_values():
    desc = describe([1.0, None, 2.0, math.nan, 3.0, 4.0])
    assert desc.n == 4
    assert desc.mean == pytest.approx(2.5)
    assert desc.sd == pytest.approx(np.std([1, 2, 3, 4], ddof=1))


@pytest.mark.parametrize(("values", "n", "mean"), [([], 0, None), ([None, math.nan], 0, None), ([3.0], 1, 3.0)])
def test_describe_gives_no_sd_below_two_values(values, n, mean):
    desc = describe(values)
    assert (desc.n, desc.mean, desc.sd) == (n, mean, None)


def test_describe_of_constant_values_has_sd_exactly_zero():
    assert describe([0.1] * 10).sd == 0.0
    assert describe([0.1] * 10).mean == 0.1


# --- paired change against SciPy -------------------------------------------------------------------------------------


def test_paired_t_equals_scipy_ttest_rel():
    result = paired_change(BEFORE, AFTER)
    expected = stats.ttest_rel(AFTER, BEFORE)
    assert result.t == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_t == pytest.approx(expected.pvalue, rel=1e-10)
    assert result.df == len(BEFORE) - 1


def test_confidence_interval_equals_scipy_ttest_rel_interval():
    result = paired_change(BEFORE, AFTER)
    ci = stats.ttest_rel(AFTER, BEFORE).confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == (pytest.approx(ci.low, rel=1e-12), pytest.approx(ci.high, rel=1e-12))


def test_wilcoxon_p_equals_scipy_with_zeros_dropped():
    result = paired_change(BEFORE, AFTER)  # two pairs have a zero difference, one a tie in |D|
    diffs = np.subtract(AFTER, BEFORE)
    expected = stats.wilcoxon(diffs, zero_method="wilcox", alternative="two-sided")
    assert result.p_wilcoxon == pytest.approx(expected.pvalue, rel=1e-12)
    assert result.n_nonzero == int(np.count_nonzero(diffs)) == 10


def test_wilcoxon_p_equals_scipy_exact_case_without_ties():
    before = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    after = [2.1, 1.8, 5.3, 4.4, 9.5, 6.6, 14.7]
    result = paired_change(before, after)
    expected = stats.wilcoxon(np.subtract(after, before), zero_method="wilcox", alternative="two-sided")
    assert result.p_wilcoxon == pytest.approx(expected.pvalue, rel=1e-12)


@pytest.mark.parametrize(
    "diffs",
    [
        [0.5, -1.0, 1.5, 0.5, 2.0, 0.0, 1.0, -0.5, 1.5],  # ties and a zero: SciPy enumerates all sign flips
        [1, 1, 1, -1, 2, 2, 3, 0, 0, 4, -2, 1, 2],  # n = 13, the largest exhaustive case
        [0.1 * i * (-1) ** i for i in range(1, 25)],  # n = 24 without ties: exact distribution
        [round(0.3 * i) * (-1) ** (i % 3 == 0) for i in range(1, 25)],  # n = 24 with ties: normal approximation
    ],
    ids=["small-ties-zero", "n13-ties", "n24-exact", "n24-ties"],
)
def test_wilcoxon_p_equals_scipy_default_method(diffs):
    expected = stats.wilcoxon(diffs, zero_method="wilcox", alternative="two-sided").pvalue
    assert paired_change([0.0] * len(diffs), diffs).p_wilcoxon == pytest.approx(expected, rel=1e-12)


def test_d_z_equals_t_over_root_n():
    result = paired_change(BEFORE, AFTER)
    assert result.d_z == pytest.approx(result.t / math.sqrt(result.n_paired), rel=1e-12)
    diffs = np.subtract(AFTER, BEFORE)
    assert result.d_z == pytest.approx(diffs.mean() / diffs.std(ddof=1), rel=1e-12)


def test_g_av_by_hand():
    # before = 1, 2, 3 → mean 2, sd 1;  after = 2, 4, 6 → mean 4, sd 2;  D = 1, 2, 3 → mean 2, sd 1.
    # d_av = mean(D) / ((sd_from + sd_to)/2) = 2 / ((1 + 2)/2) = 2 / 1.5 = 4/3.
    # df = n − 1 = 2, J = 1 − 3/(4·df − 1) = 1 − 3/7 = 4/7, so g_av = 4/3 · 4/7 = 16/21 ≈ 0.7619.
    # d_z = 2/1 = 2, t = mean(D)/(sd(D)/√n) = 2/(1/√3) = 2√3.
    result = paired_change([1, 2, 3], [2, 4, 6])
    assert (result.mean_from, result.sd_from, result.mean_to, result.sd_to) == (2.0, 1.0, 4.0, 2.0)
    assert result.d_av == pytest.approx(4 / 3)
    assert result.g_av == pytest.approx(16 / 21)
    assert result.d_z == pytest.approx(2.0)
    assert result.t == pytest.approx(2 * math.sqrt(3))


def test_rank_biserial_by_hand():
    # D = 1, −2, 3, 0, 4: the zero is dropped, |D| ranks 1, 2, 3, 4; R⁺ = 1 + 3 + 4 = 8, R⁻ = 2 → (8 − 2)/10 = 0.6.
    assert paired_change([0] * 5, [1, -2, 3, 0, 4]).r_rb == pytest.approx(0.6)
    # D = 1, −1, 2: tied |D| share rank 1.5; R⁺ = 1.5 + 3 = 4.5, R⁻ = 1.5 → 3/6 = 0.5.
    assert paired_change([0] * 3, [1, -1, 2]).r_rb == pytest.approx(0.5)


def test_rank_biserial_matches_scipy_signed_rank_sum():
    diffs = np.subtract(AFTER, BEFORE)
    r_plus = stats.wilcoxon(diffs, zero_method="wilcox", alternative="greater", method="asymptotic").statistic
    m = np.count_nonzero(diffs)
    total = m * (m + 1) / 2
    assert paired_change(BEFORE, AFTER).r_rb == pytest.approx((2 * r_plus - total) / total)


def test_paired_change_uses_complete_pairs_only_and_describes_that_subsample():
    result = paired_change([1.0, None, 3.0, 4.0, math.nan, 2.0], [2.0, 5.0, None, 6.0, 1.0, 2.5])
    assert result.n_paired == 3  # pairs (1, 2), (4, 6), (2, 2.5)
    assert result.mean_from == pytest.approx(7 / 3)
    assert result.mean_to == pytest.approx(10.5 / 3)
    assert result.mean_change == pytest.approx(3.5 / 3)


def test_paired_change_refuses_sequences_of_different_length():
    with pytest.raises(ValueError):
        paired_change([1.0, 2.0], [1.0])


# --- undefined quantities are None -----------------------------------------------------------------------------------


def _float_fields(obj):
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        if dataclasses.is_dataclass(value):
            yield from _float_fields(value)
        elif isinstance(value, list):
            yield from value
        else:
            yield value


def test_no_pairs_gives_none_everywhere():
    result = paired_change([], [], reliability=0.8)
    assert (result.n_paired, result.n_nonzero, result.df) == (0, 0, None)
    statistics = dataclasses.replace(result, n_paired=None, n_nonzero=None, rci=None)
    assert all(v is None for v in _float_fields(statistics))
    # no T0 scores, so no SD to build S_diff from: nothing is classified
    assert (result.rci.s_diff, result.rci.n_improved, result.rci.frac_improved) == (None, None, None)


def test_no_pairs_with_a_pooled_sd_classifies_nobody():
    rci = paired_change([], [], reliability=0.8, sd_reference=0.5).rci
    assert (rci.n, rci.n_improved, rci.n_unchanged, rci.n_deteriorated) == (0, 0, 0, 0)
    assert (rci.frac_improved, rci.frac_unchanged, rci.frac_deteriorated) == (None, None, None)


def test_one_pair_gives_a_change_but_no_spread_test_or_effect_size():
    result = paired_change([2.0], [3.0])
    assert result.mean_change == 1.0
    assert (result.sd_change, result.t, result.p_t, result.p_wilcoxon, result.ci_low, result.d_z, result.d_av) == (
        (None,) * 7
    )
    assert result.r_rb == 1.0  # one positive difference: every rank is on the plus side


def test_all_zero_differences_give_no_test_and_no_rank_effect():
    result = paired_change([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])
    assert result.mean_change == 0.0 and result.sd_change == 0.0 and result.n_nonzero == 0
    assert (result.t, result.p_t, result.ci_low, result.ci_high, result.d_z) == (None,) * 5
    assert (result.p_wilcoxon, result.r_rb) == (None, None)
    assert result.d_av == 0.0  # the scores themselves vary, so d_av is defined: no change


def test_constant_nonzero_differences_give_no_t_but_a_rank_test():
    result = paired_change([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 3.0, 4.0, 5.0, 6.0])
    assert result.mean_change == 1.0 and result.sd_change == 0.0
    assert (result.t, result.p_t, result.d_z, result.ci_low) == (None,) * 4
    assert result.r_rb == 1.0
    assert result.p_wilcoxon == pytest.approx(stats.wilcoxon([1.0] * 5).pvalue)


def test_constant_scores_give_no_d_av():
    result = paired_change([3.0, 3.0, 3.0], [3.0, 3.0, 3.0])
    assert (result.sd_from, result.sd_to, result.d_av, result.g_av) == (0.0, 0.0, None, None)


def test_g_av_needs_at_least_three_pairs():
    # with df = 1 the correction J = 1 − 3/3 = 0 would turn every effect into 0
    result = paired_change([1.0, 2.0], [2.0, 4.0])
    assert result.d_av is not None and result.g_av is None


# --- reliable change (Jacobson–Truax) --------------------------------------------------------------------------------


def test_rci_classifies_a_hand_case_with_values_exactly_on_the_boundary():
    # r_xx = 0.5, SD_T0 = 1: SE = 1·√0.5, S_diff = √2·SE = 1, so RCI_i = D_i and the threshold is 1.96·1 = 1.96.
    after = [1.96, 1.97, -1.96, -1.97, 0.5, 3.0]
    result = paired_change([0.0] * 6, after, reliability=0.5, sd_reference=1.0).rci
    assert result.s_diff == 1.0
    assert result.se_measurement == pytest.approx(math.sqrt(0.5))
    assert result.threshold == 1.96
    # exactly ±1.96 is not reliable (|RCI| must exceed 1.96); 1.97 and 3.0 improved, −1.97 deteriorated
    assert (result.n_improved, result.n_unchanged, result.n_deteriorated) == (2, 3, 1)
    assert (result.frac_improved, result.frac_unchanged, result.frac_deteriorated) == (2 / 6, 3 / 6, 1 / 6)


def test_rci_defaults_to_the_sd_of_the_paired_t0_scores():
    # before = 1, 2, 3 has sd 1; with r_xx = 0.5 S_diff = 1, so D = 2.5, 0, −2.5 → improved, unchanged, deteriorated
    result = paired_change([1.0, 2.0, 3.0], [3.5, 2.0, 0.5], reliability=0.5).rci
    assert result.sd_reference == 1.0 and result.s_diff == 1.0
    assert (result.n_improved, result.n_unchanged, result.n_deteriorated) == (1, 1, 1)


def test_rci_uses_the_pooled_sd_when_given():
    result = paired_change([1.0, 2.0, 3.0], [3.5, 2.0, 0.5], reliability=0.5, sd_reference=2.0).rci
    assert result.s_diff == 2.0 and result.threshold == pytest.approx(3.92)
    assert (result.n_improved, result.n_unchanged, result.n_deteriorated) == (0, 3, 0)


@pytest.mark.parametrize("reliability", [1.0, 1.2, -0.3, math.nan])
def test_rci_is_undefined_for_an_unusable_reliability(reliability):
    result = paired_change([1.0, 2.0, 3.0], [3.5, 2.0, 0.5], reliability=reliability).rci
    assert (result.s_diff, result.threshold, result.n_improved, result.frac_improved) == (None,) * 4


def test_rci_is_absent_without_reliability():
    assert paired_change([1.0, 2.0], [2.0, 3.0]).rci is None


# --- Cronbach's alpha ------------------------------------------------------------------------------------------------

ITEMS = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 4]]


def test_alpha_by_hand():
    # item variances (ddof=1): item1 1,2,3,4 → 5/3; item2 2,2,4,4 → 4/3; item3 2,3,3,4 → 2/3; sum 11/3.
    # totals 5, 7, 10, 12 → mean 8.5, squared deviations 12.25 + 2.25 + 2.25 + 12.25 = 29 → variance 29/3.
    # α = 3/2 · (1 − (11/3)/(29/3)) = 3/2 · 18/29 = 27/29.
    result = cronbach_alpha(ITEMS)
    assert result.alpha == pytest.approx(27 / 29)
    assert (result.n, result.k, result.n_excluded) == (4, 3, 0)


def test_item_rest_by_hand():
    # item1 = 1, 2, 3, 4 against rest = item2 + item3 = 4, 5, 7, 8: deviations (−1.5, −.5, .5, 1.5) and (−2, −1, 1, 2);
    # cross products 3 + .5 + .5 + 3 = 7, sums of squares 5 and 10, so r = 7/√50.
    assert cronbach_alpha(ITEMS).item_rest[0] == pytest.approx(7 / math.sqrt(50))


def test_alpha_equals_the_covariance_matrix_formula_and_item_rest_equals_corrcoef():
    rng = np.random.default_rng(20240601)
    latent = rng.normal(size=(60, 1))
    x = np.clip(np.round(3 + latent + rng.normal(scale=0.8, size=(60, 6))), 1, 5)
    result = cronbach_alpha(x.tolist())
    cov = np.cov(x, rowvar=False)
    k = x.shape[1]
    assert result.alpha == pytest.approx(k / (k - 1) * (1 - np.trace(cov) / cov.sum()), rel=1e-12)
    for j in range(k):
        rest = np.delete(x, j, axis=1).sum(axis=1)
        assert result.item_rest[j] == pytest.approx(np.corrcoef(x[:, j], rest)[0, 1], rel=1e-12)


def test_alpha_drops_rows_with_any_missing_item():
    result = cronbach_alpha([*ITEMS, [5, None, 5], [1, 1, math.nan]])
    assert (result.n, result.n_excluded) == (4, 2)
    assert result.alpha == pytest.approx(27 / 29)


@pytest.mark.parametrize(
    "matrix",
    [[], [[1, 2, 3]], [[1], [2], [3]], [[1, 5], [2, 4], [3, 3]], [[None, 1], [2, None]]],
    ids=["no rows", "one person", "one item", "constant total", "nothing complete"],
)
def test_alpha_is_none_when_undefined(matrix):
    assert cronbach_alpha(matrix).alpha is None


def test_item_rest_is_none_for_a_constant_item():
    result = cronbach_alpha([[1, 3, 2], [2, 3, 3], [3, 3, 5]])
    assert result.item_rest[1] is None and result.item_rest[0] is not None


def test_alpha_refuses_a_ragged_matrix():
    with pytest.raises(ValueError):
        cronbach_alpha([[1, 2, 3], [1, 2]])


# --- attrition --------------------------------------------------------------------------------------------------------


def test_attrition_welch_equals_scipy():
    completers, dropouts = [3.2, 3.6, 2.8, 4.0, 3.4, 3.0, 3.8], [2.6, 3.0, 2.4, 3.6]
    result = attrition(completers, dropouts)
    expected = stats.ttest_ind(completers, dropouts, equal_var=False)
    assert result.t == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_welch == pytest.approx(expected.pvalue, rel=1e-10)
    assert result.df == pytest.approx(expected.df, rel=1e-12)


def test_attrition_hedges_g_by_hand():
    # completers 1, 2, 3 (mean 2, sd 1), drop-outs 3, 4, 5 (mean 4, sd 1): pooled sd 1, d = (2 − 4)/1 = −2;
    # df = 3 + 3 − 2 = 4, J = 1 − 3/(4·4 − 1) = 0.8, g = −1.6.
    result = attrition([1, 2, 3], [3, 4, 5])
    assert result.hedges_g == pytest.approx(-1.6)
    assert (result.completers.mean, result.dropouts.mean) == (2.0, 4.0)


def test_attrition_is_none_where_undefined():
    assert attrition([], []).p_welch is None and attrition([], []).hedges_g is None
    one = attrition([3.0], [2.0, 4.0])
    assert one.p_welch is None and one.t is None
    flat = attrition([3.0, 3.0, 3.0], [3.0, 3.0])
    assert (flat.t, flat.p_welch, flat.hedges_g) == (None, None, None)


# --- properties -------------------------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
value = st.one_of(finite, st.none(), st.just(math.nan), st.integers(1, 5))
values = st.lists(value, max_size=40)


def _assert_clean(result):
    for item in _float_fields(result):
        assert item is None or isinstance(item, int | float), item
        if isinstance(item, float):
            assert math.isfinite(item), result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(st.tuples(value, value), max_size=40),
    reliability=st.one_of(st.none(), st.floats(-2, 2)),
    sd_reference=st.one_of(st.none(), finite),
)
def test_paired_change_never_leaks_nan_or_raises(pairs, reliability, sd_reference):
    before, after = [p[0] for p in pairs], [p[1] for p in pairs]
    _assert_clean(paired_change(before, after, reliability=reliability, sd_reference=sd_reference))


@settings(max_examples=300, deadline=None)
@given(a=values, b=values)
def test_describe_and_attrition_never_leak_nan_or_raise(a, b):
    _assert_clean(describe(a))
    _assert_clean(attrition(a, b))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), k=st.integers(0, 6), n=st.integers(0, 40))
def test_cronbach_alpha_never_leaks_nan_or_raises(data, k, n):
    matrix = data.draw(st.lists(st.lists(value, min_size=k, max_size=k), min_size=n, max_size=n))
    result = cronbach_alpha(matrix)
    _assert_clean(result)
    assert len(result.item_rest) == (k if n else 0)


def test_importing_the_pure_modules_loads_neither_scipy_nor_the_web_layer():
    code = (
        "import sys, monitor.report.statistics, monitor.report.disclosure; "
        "heavy = {'scipy', 'fastapi', 'starlette', 'jinja2', 'api'}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in heavy); "
        "print(','.join(bad))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_holm_matches_a_hand_computed_case():
    # p = .01, .04, .03, .005 (m = 4), sorted .005, .01, .03, .04:
    # .005·4 = .02; .01·3 = .03; .03·2 = .06; .04·1 = .04 → max(.06, .04) = .06 (monotone).
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_leaves_undefined_p_values_out_of_the_family_and_caps_at_one():
    assert holm([0.2, None, 0.6]) == pytest.approx([0.4, None, 0.6]) and holm([None]) == [None]
    assert holm([0.5, 0.7, 0.9]) == [1.0, 1.0, 1.0]


def test_wilcoxon_large_n_has_no_continuity_correction_like_scipys_default():
    rng = np.random.default_rng(3)
    d = np.round(rng.normal(0.3, 1.0, 60), 1)  # ties: SciPy's normal approximation
    d = d[d != 0]
    before, after = np.zeros(d.size), d
    p = paired_change(before, after).p_wilcoxon
    assert p == pytest.approx(stats.wilcoxon(d).pvalue, rel=1e-12)
    assert p != pytest.approx(stats.wilcoxon(d, correction=True).pvalue, rel=1e-6)
