"""Pure statistics for the monitor: descriptives, paired change with effect sizes and RCI, Cronbach's α, attrition.

Values in, values out. Missing values (None, NaN, ±inf) are ignored as documented per function, and every quantity
that is undefined for the data at hand (too few cases, zero variance, overflow) comes back as ``None``: no NaN or inf
ever leaves this module and no data set makes it raise. SciPy is imported lazily inside the functions that need it,
so importing this module stays cheap. docs/statistics.md documents every formula and choice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np

Value = float | int | None

_EXACT_SIGN_FLIP_MAX_N = 13  # SciPy's "auto" uses an exhaustive permutation test up to here (2**13 <= 9999 resamples)

RCI_CRITERION = 1.96
"""|RCI| must exceed this (strictly) to count as reliable change at the 95% level (Jacobson & Truax 1991)."""


@dataclass(frozen=True, slots=True)
class Desc:
    n: int
    mean: float | None
    sd: float | None


@dataclass(frozen=True, slots=True)
class ReliableChange:
    """Jacobson–Truax classification of the paired differences. Counts and fractions are None when S_diff is."""

    reliability: float
    sd_reference: float | None
    se_measurement: float | None
    s_diff: float | None
    threshold: float | None
    n: int
    n_improved: int | None
    n_unchanged: int | None
    n_deteriorated: int | None
    frac_improved: float | None
    frac_unchanged: float | None
    frac_deteriorated: float | None


@dataclass(frozen=True, slots=True)
class PairedChange:
    n_paired: int
    mean_from: float | None
    sd_from: float | None
    mean_to: float | None
    sd_to: float | None
    mean_change: float | None
    sd_change: float | None
    ci_low: float | None
    ci_high: float | None
    t: float | None
    df: int | None
    p_t: float | None
    n_nonzero: int
    p_wilcoxon: float | None
    d_z: float | None
    d_av: float | None
    g_av: float | None
    r_rb: float | None
    rci: ReliableChange | None


@dataclass(frozen=True, slots=True)
class Alpha:
    alpha: float | None
    n: int
    k: int
    item_rest: list[float | None]
    n_excluded: int


@dataclass(frozen=True, slots=True)
class Attrition:
    completers: Desc
    dropouts: Desc
    t: float | None
    df: float | None
    p_welch: float | None
    hedges_g: float | None


def describe(values: Iterable[Value]) -> Desc:
    """n, mean and sample SD (ddof=1) of the non-missing values; SD is None when n < 2."""
    x = _clean(values)
    return Desc(n=int(x.size), mean=_mean(x), sd=_sd(x))


def paired_change(
    before: Sequence[Value],
    after: Sequence[Value],
    *,
    reliability: float | None = None,
    sd_reference: float | None = None,
    tests: bool = True,
) -> PairedChange:
    """Change from ``before`` to ``after`` over complete pairs only (a pair with a missing side is dropped).

    ``mean_from``/``sd_from`` and ``mean_to``/``sd_to`` describe the paired subsample, not everyone measured.
    With ``reliability`` (r_xx, e.g. the pooled T0 α) the Jacobson–Truax RCI is added; ``sd_reference`` is the
    SD_T0 in SE = SD_T0·√(1 − r_xx) and defaults to ``sd_from`` (the monitor passes the pooled organisation T0 SD).
    ``tests=False`` leaves out what only the significance tests need (``p_t``, ``p_wilcoxon`` and the Wilcoxon
    rank-biserial ``r_rb`` are None): the monitor shows tests at organisation level only (docs/domain.md §5.3).
    Float numpy arrays (NaN = missing) are taken as they are; anything else is converted value by value.
    """
    x0, x1 = _pairs(before, after)
    n = int(x0.size)
    with np.errstate(all="ignore"):
        d = x1 - x0
    d_ok = bool(np.all(np.isfinite(d)))
    n_nonzero = int(np.count_nonzero(d))
    p_wilcoxon = r_rb = None
    if d_ok and n_nonzero > 0 and tests:
        r_rb = _rank_biserial(d)
        if n >= 2:
            p_wilcoxon = _wilcoxon_p(d)
    sd_from = _sd(x0)
    rci = None
    if reliability is not None:
        rci = _reliable_change(d, reliability, sd_from if sd_reference is None else sd_reference)
    return _paired_figures(
        n,
        _mean(x0),
        sd_from,
        _mean(x1),
        _sd(x1),
        _mean(d) if d_ok else None,
        _sd(d) if d_ok else None,
        n_nonzero,
        p_wilcoxon,
        r_rb,
        rci,
        tests,
    )


def paired_tests(before: Sequence[Value], after: Sequence[Value]) -> tuple[float | None, float | None]:
    """``(p_t, p_wilcoxon)`` of ``paired_change(before, after)``, without computing its other figures (the monitor
    takes those from ``monitor.report.grouped`` and needs the tests at organisation level only)."""
    x0, x1 = _pairs(before, after)
    n = int(x0.size)
    with np.errstate(all="ignore"):
        d = x1 - x0
    if not bool(np.all(np.isfinite(d))):
        return None, None
    p_wilcoxon = _wilcoxon_p(d) if n >= 2 and np.count_nonzero(d) > 0 else None
    mean_change, sd_change = _mean(d), _sd(d)
    p_t = None
    if mean_change is not None and sd_change and n >= 2:
        t = _ratio(mean_change, sd_change / math.sqrt(n))
        if t is not None:
            p_t = _p_t(t, n - 1)
    return p_t, p_wilcoxon


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (``None`` stays ``None`` and is not counted in the family).

    Sort the m defined p-values ascending; the i-th smallest (i = 0..m−1) becomes ``max over j ≤ i of
    min(1, (m − j) · p_(j))``. It controls the family-wise error rate at any dependence between the tests.
    """
    defined = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(defined)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(defined):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def _p_t(t: float, df: int) -> float | None:
    """Two-sided p of Student's t with ``df`` degrees of freedom."""
    from scipy import stats

    return _finite(2.0 * stats.t.sf(abs(t), df))


def _paired_figures(
    n: int,
    mean_from: float | None,
    sd_from: float | None,
    mean_to: float | None,
    sd_to: float | None,
    mean_change: float | None,
    sd_change: float | None,
    n_nonzero: int,
    p_wilcoxon: float | None,
    r_rb: float | None,
    rci: ReliableChange | None,
    tests: bool,
) -> PairedChange:
    """The paired-change figures from the descriptives of the pairs and their differences (shared with the
    grouped computation in ``monitor.report.grouped``, so both apply the very same formulas)."""
    df = n - 1 if n >= 2 else None
    t = p_t = ci_low = ci_high = d_z = None
    if mean_change is not None and sd_change and df is not None:
        se = sd_change / math.sqrt(n)
        t = _ratio(mean_change, se)
        d_z = _ratio(mean_change, sd_change)
        if t is not None and tests:
            p_t = _p_t(t, df)
        half_width = _finite(_t_975(df) * se)
        if half_width is not None:
            ci_low, ci_high = _finite(mean_change - half_width), _finite(mean_change + half_width)

    d_av = g_av = None
    if mean_change is not None and sd_from is not None and sd_to is not None:
        d_av = _ratio(mean_change, sd_from / 2.0 + sd_to / 2.0)
        if d_av is not None and df is not None and df >= 2:
            g_av = _finite(d_av * _hedges_j(df))

    return PairedChange(
        n_paired=n,
        mean_from=mean_from,
        sd_from=sd_from,
        mean_to=mean_to,
        sd_to=sd_to,
        mean_change=mean_change,
        sd_change=sd_change,
        ci_low=ci_low,
        ci_high=ci_high,
        t=t,
        df=df,
        p_t=p_t,
        n_nonzero=n_nonzero,
        p_wilcoxon=p_wilcoxon,
        d_z=d_z,
        d_av=d_av,
        g_av=g_av,
        r_rb=r_rb,
        rci=rci,
    )


def cronbach_alpha(matrix: Sequence[Sequence[Value]] | np.ndarray) -> Alpha:
    """Cronbach's α and corrected item–rest correlations; rows are persons, columns items.

    A row with any missing item is dropped as a whole (listwise deletion); ``n_excluded`` counts those rows.
    A 2-D float numpy array (NaN = missing) is taken as it is.
    α = k/(k−1)·(1 − Σσ²_item/σ²_total) with ddof=1. Rows of unequal length are a programming error (ValueError).
    """
    if isinstance(matrix, np.ndarray) and matrix.dtype == float and matrix.ndim == 2:
        k, n_rows = int(matrix.shape[1]), int(matrix.shape[0])
        x = matrix[np.isfinite(matrix).all(axis=1)]
    else:
        rows = [list(row) for row in matrix]
        k, n_rows = (len(rows[0]) if rows else 0), len(rows)
        if any(len(row) != k for row in rows):
            raise ValueError("cronbach_alpha needs a rectangular matrix: every row must have one value per item")
        complete = [[float(v) for v in row] for row in rows if not any(_missing(v) for v in row)]
        x = np.array(complete, dtype=float).reshape(len(complete), k)
    n = int(x.shape[0])

    alpha = None
    item_rest: list[float | None] = [None] * k
    if n >= 2 and k >= 2:
        with np.errstate(all="ignore"):
            total = x.sum(axis=1)
            var_total = _var(total)
            var_items = [_var(x[:, j]) for j in range(k)]
            if var_total and all(v is not None for v in var_items):
                # all(...) above: no item variance is None
                alpha = _finite(k / (k - 1) * (1.0 - sum(cast("list[float]", var_items)) / var_total))
            item_rest = [_pearson(x[:, j], np.delete(x, j, axis=1).sum(axis=1)) for j in range(k)]
    return Alpha(alpha=alpha, n=n, k=k, item_rest=item_rest, n_excluded=n_rows - n)


def attrition(completers_t0: Iterable[Value], dropouts_t0: Iterable[Value]) -> Attrition:
    """Compare the T0 scores of completers and drop-outs: descriptives, Welch's t-test and Hedges' g.

    g is (mean_completers − mean_dropouts)/pooled SD, times J = 1 − 3/(4·df − 1) with df = n1 + n2 − 2.
    """
    a, b = _clean(completers_t0), _clean(dropouts_t0)
    da, db = describe(a), describe(b)
    t = df = p = g = None
    if da.sd is not None and db.sd is not None and da.mean is not None and db.mean is not None:
        with np.errstate(all="ignore"):
            va, vb = da.sd * da.sd / da.n, db.sd * db.sd / db.n
            se2 = va + vb
            if math.isfinite(se2) and se2 > 0:
                t = _ratio(da.mean - db.mean, math.sqrt(se2))
                df = _ratio(se2 * se2, va * va / (da.n - 1) + vb * vb / (db.n - 1))
        if t is not None and df is not None:
            from scipy import stats

            p = _finite(2.0 * stats.t.sf(abs(t), df))
    pooled_df = da.n + db.n - 2
    if da.mean is not None and db.mean is not None and pooled_df >= 2:
        with np.errstate(all="ignore"):
            sd_a, sd_b = da.sd or 0.0, db.sd or 0.0
            ss = (da.n - 1) * sd_a * sd_a + (db.n - 1) * sd_b * sd_b
            d = _ratio(da.mean - db.mean, math.sqrt(ss / pooled_df)) if math.isfinite(ss) else None
            if d is not None:
                g = _finite(d * _hedges_j(pooled_df))
    return Attrition(completers=da, dropouts=db, t=t, df=df, p_welch=p, hedges_g=g)


def _reliable_change(d: np.ndarray, reliability: float, sd_reference: float | None) -> ReliableChange:
    se, s_diff = _rci_scale(float(reliability), sd_reference)
    counts: tuple[int, int] | None = None
    if s_diff is not None:
        with np.errstate(all="ignore"):
            rci = d / s_diff
        counts = (int(np.count_nonzero(rci > RCI_CRITERION)), int(np.count_nonzero(rci < -RCI_CRITERION)))
    return _reliable_change_figures(int(d.size), float(reliability), sd_reference, se, s_diff, counts)


def _rci_scale(r: float, sd_reference: float | None) -> tuple[float | None, float | None]:
    """SE of measurement and S_diff for the RCI (both None where undefined)."""
    se = s_diff = None
    if sd_reference is not None and math.isfinite(sd_reference) and sd_reference > 0 and 0.0 <= r < 1.0:
        se = _finite(sd_reference * math.sqrt(1.0 - r))
        # √2·SE written as SD·√(2(1 − r)): the same quantity, with one rounding fewer.
        s_diff = _finite(sd_reference * math.sqrt(2.0 * (1.0 - r)))
        if not s_diff:
            se = s_diff = None
    return se, s_diff


def _reliable_change_figures(
    n: int, r: float, sd_reference: float | None, se: float | None, s_diff: float | None, counts: tuple[int, int] | None
) -> ReliableChange:
    """The Jacobson–Truax figures from n, S_diff and the counts (improved, deteriorated) of |RCI| > criterion."""
    full = (counts[0], n - counts[0] - counts[1], counts[1]) if counts is not None else None
    fractions = tuple(c / n for c in full) if full is not None and n > 0 else (None, None, None)
    return ReliableChange(
        reliability=r,
        sd_reference=_finite(sd_reference),
        se_measurement=se,
        s_diff=s_diff,
        threshold=_finite(RCI_CRITERION * s_diff) if s_diff is not None else None,
        n=n,
        n_improved=full[0] if full else None,
        n_unchanged=full[1] if full else None,
        n_deteriorated=full[2] if full else None,
        frac_improved=fractions[0],
        frac_unchanged=fractions[1],
        frac_deteriorated=fractions[2],
    )


def _wilcoxon_p(d: np.ndarray) -> float | None:
    """Two-sided p of ``scipy.stats.wilcoxon(d, zero_method="wilcox")`` with SciPy's default method="auto".

    For n ≤ 13 SciPy enumerates all 2ⁿ sign flips through its generic ``permutation_test``, which takes seconds;
    the same exact distribution is enumerated here directly, with SciPy's p-value rule (both tails, relative
    tolerance 100·eps). Without ties or zeros it equals SciPy's exact Wilcoxon distribution. Larger n goes to SciPy.
    """
    if d.size > _EXACT_SIGN_FLIP_MAX_N:
        from scipy import stats

        return _finite(stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)
    nonzero = d[d != 0]
    ranks = _average_ranks(np.abs(nonzero))
    observed = ranks[nonzero > 0].sum()
    flips = (np.arange(2**nonzero.size)[:, None] >> np.arange(nonzero.size)) & 1
    null = flips @ ranks
    tolerance = abs(np.finfo(float).eps * 100 * observed)
    p_less = np.count_nonzero(null <= observed + tolerance) / null.size
    p_greater = np.count_nonzero(null >= observed - tolerance) / null.size
    return _finite(min(1.0, 2.0 * min(p_less, p_greater)))


def _rank_biserial(d: np.ndarray) -> float | None:
    """Matched-pairs rank-biserial r = (R⁺ − R⁻)/(R⁺ + R⁻): zeros dropped, |D| ranked with average ranks for ties."""
    nonzero = d[d != 0]
    ranks = _average_ranks(np.abs(nonzero))
    r_plus, r_minus = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
    return _finite((r_plus - r_minus) / (r_plus + r_minus))


def _average_ranks(a: np.ndarray) -> np.ndarray:
    order = np.argsort(a, kind="stable")
    _, first, counts = np.unique(a[order], return_index=True, return_counts=True)
    ranks = np.empty(a.size, dtype=float)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return ranks


def _hedges_j(df: int) -> float:
    """Small-sample correction J = 1 − 3/(4·df − 1) (Hedges & Olkin; Lakens 2013 eq. for g_av uses df = n − 1)."""
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def _pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    if a.size < 2 or _constant(a) or _constant(b):
        return None
    with np.errstate(all="ignore"):
        r = _finite(np.corrcoef(a, b)[0, 1])
    return None if r is None else max(-1.0, min(1.0, r))


def _clean(values: Iterable[Value]) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == float:
        return values[np.isfinite(values)]
    # not _missing(v): v is a number; an ignore, not a cast: no extra call per value
    return np.array([float(v) for v in values if not _missing(v)], dtype=float)  # type: ignore[arg-type]


def _pairs(before: Sequence[Value], after: Sequence[Value]) -> tuple[np.ndarray, np.ndarray]:
    """The complete pairs of ``before`` and ``after`` as two float arrays (a pair with a missing side is dropped)."""
    if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and before.dtype == after.dtype == float:
        if before.shape != after.shape:
            raise ValueError("before and after must have the same length")
        keep = np.isfinite(before) & np.isfinite(after)
        return before[keep], after[keep]
    # not _missing(...): both are numbers; an ignore, not a cast: no extra call per value
    pairs = [(float(b), float(a)) for b, a in zip(before, after, strict=True) if not _missing(b) and not _missing(a)]  # type: ignore[arg-type]
    return np.array([b for b, _ in pairs], dtype=float), np.array([a for _, a in pairs], dtype=float)


@lru_cache(maxsize=4096)
def _t_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (for a two-sided 95% CI)."""
    from scipy import stats

    return float(stats.t.ppf(0.975, df))


def _missing(v: Value) -> bool:
    return v is None or not math.isfinite(float(v))


def _ratio(numerator: float, denominator: float) -> float | None:
    """numerator/denominator; None for a zero (or underflowed) or non-finite denominator, or a non-finite result."""
    if not denominator or not math.isfinite(denominator):
        return None
    return _finite(numerator / denominator)


def _finite(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def _constant(x: np.ndarray) -> bool:
    return bool(x.size == 0 or (x == x[0]).all())


# np.mean and np.var, written out with the same operations in the same order (so the same floats) without their
# argument handling: the monitor calls them thousands of times per page on small arrays.
def _mean(x: np.ndarray) -> float | None:
    if x.size == 0:
        return None
    if _constant(x):
        return float(x[0])
    with np.errstate(all="ignore"):
        return _finite(np.add.reduce(x) / x.size)


def _var(x: np.ndarray) -> float | None:
    """Sample variance (ddof=1); exactly 0.0 for constant data, None for n < 2 or overflow."""
    if x.size < 2:
        return None
    if _constant(x):
        return 0.0
    with np.errstate(all="ignore"):
        deviation = x - np.add.reduce(x) / x.size
        return _finite(np.add.reduce(deviation * deviation) / (x.size - 1))


def _sd(x: np.ndarray) -> float | None:
    var = _var(x)
    return None if var is None else _finite(math.sqrt(var))
