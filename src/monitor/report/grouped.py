"""The monitor's descriptives and paired change for many groups at once, equal to the last bit to the per-group
functions of ``monitor.report.statistics`` (``describe`` and ``paired_change(..., tests=False)``).

Per group the statistics are a handful of sums over small arrays; called group by group (≈ 95 groups × 5 scales per
overview) NumPy's per-call overhead dominates. Here every group's values are laid out contiguously in one array and
all sums are taken together. A sum is NumPy's own: ``np.add.reduce`` of a float array adds pairwise (blocks of eight
partial sums, halving above 128 elements), and ``_segment_sums`` replays exactly that order for every segment at
once, so each mean and SD is the same float ``monitor.report.statistics`` computes (tests/monitor/test_grouped.py checks
this against the per-group functions on random data, and that the replay equals ``np.add.reduce``). The scalar
formulas after the sums (CI, d_z, g_av, RCI) are ``monitor.report.statistics``'s own functions.

Significance tests are not computed here: the monitor shows them at organisation level only, one group, per group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from monitor.report import statistics as st


class Groups:
    """Groups of positions into per-person arrays (a position may be in several groups, e.g. a wijk and its gebied).

    The values of group g are taken in the order of its positions, as ``values[positions]`` would take them.
    """

    def __init__(self, members: Sequence[np.ndarray]):
        sizes = np.fromiter((len(m) for m in members), dtype=np.intp, count=len(members))
        self.count = len(members)
        self.order = (
            np.concatenate([np.asarray(m, dtype=np.intp) for m in members]) if members else np.zeros(0, dtype=np.intp)
        )
        self.group_of = np.repeat(np.arange(self.count, dtype=np.intp), sizes)

    def runs(self, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For a mask over ``order``: the kept elements' group numbers and the number kept per group."""
        gid = self.group_of[keep]
        return gid, np.bincount(gid, minlength=self.count).astype(np.intp)


class Described:
    """``statistics.describe`` of every group of one column, as columns (``n``, ``mean``, ``sd``; None where
    undefined); ``described[g]`` is group g's ``Desc``."""

    def __init__(self, n: np.ndarray, mean: np.ndarray, sd: np.ndarray):
        self.n: list[int] = n.tolist()
        self.mean = _values(mean)
        self.sd = _values(sd)

    def __len__(self) -> int:
        return len(self.n)

    def __getitem__(self, g: int) -> st.Desc:
        return st.Desc(n=self.n[g], mean=self.mean[g], sd=self.sd[g])


class Changes:
    """``statistics.paired_change(..., tests=False)`` of every group of one pair of columns, as arrays (NaN where
    the per-group function gives None); ``column(name)`` is a field of every group as a list, ``changes[g]`` is
    group g's ``PairedChange``."""

    def __init__(self, columns: dict[str, np.ndarray], rci: dict[str, np.ndarray] | None, reliability: float | None):
        self._columns = columns
        self._rci = rci
        self._reliability = reliability
        self._lists: dict[str, list[Any]] = {}  # per field: floats, ints or None

    def __len__(self) -> int:
        return len(self._columns["n_paired"])

    def column(self, name: str) -> list[Any]:
        """One field for every group: a PairedChange field, or ``rci.<field>`` of its ReliableChange."""
        if name not in self._lists:
            if name.startswith("rci."):
                values = self._rci[name[4:]] if self._rci is not None else np.full(len(self), math.nan)
            else:
                values = self._columns[name]
            if values.dtype.kind == "i":
                self._lists[name] = [None if v < 0 else v for v in values.tolist()] if name == "df" else values.tolist()
            elif name in _COUNTS:
                self._lists[name] = [None if v != v else int(v) for v in values.tolist()]
            else:
                self._lists[name] = _values(values)
        return self._lists[name]

    def __getitem__(self, g: int) -> st.PairedChange:
        rci = None
        if self._reliability is not None:
            rci = st.ReliableChange(
                reliability=self._reliability, **{f: self.column(f"rci.{f}")[g] for f in _RCI_FIELDS}
            )
        return st.PairedChange(
            p_t=None, p_wilcoxon=None, r_rb=None, rci=rci, **{f: self.column(f)[g] for f in _PAIRED_FIELDS}
        )


_PAIRED_FIELDS = (
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
    "n_nonzero",
    "d_z",
    "d_av",
    "g_av",
)
_COUNTS = ("rci.n_improved", "rci.n_unchanged", "rci.n_deteriorated")  # whole numbers or None
_RCI_FIELDS = (
    "sd_reference",
    "se_measurement",
    "s_diff",
    "threshold",
    "n",
    "n_improved",
    "n_unchanged",
    "n_deteriorated",
    "frac_improved",
    "frac_unchanged",
    "frac_deteriorated",
)


def describe_groups(columns: Sequence[np.ndarray], groups: Groups) -> list[Described]:
    """``statistics.describe`` of every group, for each per-person column (NaN = missing)."""
    return describe_and_pair(columns, (), groups)[0]


def paired_groups(
    pairs: Sequence[tuple[np.ndarray, np.ndarray, float | None, float | None]], groups: Groups
) -> list[Changes]:
    """``statistics.paired_change(before, after, reliability=r, sd_reference=sd, tests=False)`` of every group, for
    each (before, after, r, sd) of per-person columns (NaN = missing)."""
    return describe_and_pair((), pairs, groups)[1]


def describe_and_pair(
    columns: Sequence[np.ndarray],
    pairs: Sequence[tuple[np.ndarray, np.ndarray, float | None, float | None]],
    groups: Groups,
) -> tuple[list[Described], list[Changes]]:
    """``describe_groups(columns)`` and ``paired_groups(pairs)`` with all their sums taken together.

    The formulas after the sums are those of ``statistics._paired_figures`` and ``statistics._reliable_change``,
    written out on arrays: the same IEEE operations in the same order, so the same floats.
    """
    flats, counts = [], []
    for values in columns:
        v = values[groups.order]
        keep = np.isfinite(v)
        gid, n = groups.runs(keep)
        flats.append((v[keep], gid, n))
        counts.append(n)
    prepared = []
    for before, after, reliability, sd_reference in pairs:
        b, a = before[groups.order], after[groups.order]
        keep = np.isfinite(b) & np.isfinite(a)
        gid, n = groups.runs(keep)
        x0, x1 = b[keep], a[keep]
        with np.errstate(all="ignore"):
            d = x1 - x0
        prepared.append((gid, n, d, reliability, sd_reference))
        flats += [(x0, gid, n), (x1, gid, n), (d, gid, n)]
    moments = [m for batch in _batches(flats) for m in _moments(batch)]
    described = [Described(n, mean, sd) for n, (mean, sd) in zip(counts, moments, strict=False)]
    changes = []
    for k, (gid, n, d, reliability, sd_reference) in enumerate(prepared):
        at = len(columns) + 3 * k
        (mean_from, sd_from), (mean_to, sd_to), (mean_d, sd_d) = moments[at : at + 3]
        d_ok = np.bincount(gid, weights=~np.isfinite(d), minlength=groups.count) == 0
        figures = _paired_figures(
            n, mean_from, sd_from, mean_to, sd_to, np.where(d_ok, mean_d, math.nan), np.where(d_ok, sd_d, math.nan)
        )
        figures["n_nonzero"] = np.bincount(gid, weights=d != 0, minlength=groups.count).astype(np.intp)
        rci = (
            _rci(d, gid, n, groups.count, float(reliability), sd_reference, sd_from)
            if reliability is not None
            else None
        )
        changes.append(Changes(figures, rci, None if reliability is None else float(reliability)))
    return described, changes


def _paired_figures(
    n: np.ndarray,
    mean_from: np.ndarray,
    sd_from: np.ndarray,
    mean_to: np.ndarray,
    sd_to: np.ndarray,
    mean_change: np.ndarray,
    sd_change: np.ndarray,
) -> dict[str, np.ndarray]:
    """``statistics._paired_figures`` (tests=False) for every group; NaN stands for None."""
    nan = math.nan
    count = len(n)
    has_df = n >= 2
    df = np.where(has_df, n - 1, 0)
    t = np.full(count, nan)
    d_z = np.full(count, nan)
    ci_low = np.full(count, nan)
    ci_high = np.full(count, nan)
    with np.errstate(all="ignore"):
        ok = np.isfinite(mean_change) & np.isfinite(sd_change) & (sd_change != 0) & has_df
        se = sd_change / np.sqrt(n.astype(float))
        t = np.where(ok, _ratio(mean_change, se), nan)
        d_z = np.where(ok, _ratio(mean_change, sd_change), nan)
        t975 = np.array([st._t_975(int(f)) if o else nan for f, o in zip(df.tolist(), ok.tolist(), strict=True)])
        half = _finite(t975 * se)
        ci_ok = ok & np.isfinite(half)
        ci_low = np.where(ci_ok, _finite(mean_change - half), nan)
        ci_high = np.where(ci_ok, _finite(mean_change + half), nan)
        av_ok = np.isfinite(mean_change) & np.isfinite(sd_from) & np.isfinite(sd_to)
        d_av = np.where(av_ok, _ratio(mean_change, sd_from / 2.0 + sd_to / 2.0), nan)
        dff = df.astype(float)
        g_ok = np.isfinite(d_av) & (n >= 3)
        g_av = np.where(g_ok, _finite(d_av * (1.0 - 3.0 / (4.0 * dff - 1.0))), nan)
    return {
        "n_paired": n,
        "mean_from": mean_from,
        "sd_from": sd_from,
        "mean_to": mean_to,
        "sd_to": sd_to,
        "mean_change": mean_change,
        "sd_change": sd_change,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "t": t,
        "df": np.where(has_df, df, -1),
        "d_z": d_z,
        "d_av": d_av,
        "g_av": g_av,
    }


def _rci(
    d: np.ndarray, gid: np.ndarray, n: np.ndarray, count: int, r: float, sd_reference: float | None, sd_from: np.ndarray
) -> dict[str, np.ndarray]:
    """``statistics._reliable_change`` for every group; NaN stands for None."""
    nan = math.nan
    reference = (
        np.full(count, nan if sd_reference is None else float(sd_reference)) if sd_reference is not None else sd_from
    )
    with np.errstate(all="ignore"):
        if 0.0 <= r < 1.0:
            ok = np.isfinite(reference) & (reference > 0)
            se = np.where(ok, _finite(reference * math.sqrt(1.0 - r)), nan)
            s_diff = np.where(ok, _finite(reference * math.sqrt(2.0 * (1.0 - r))), nan)
            zero = ~(np.isfinite(s_diff) & (s_diff != 0))  # `if not s_diff`: None or 0.0
            se[zero] = nan
            s_diff[zero] = nan
        else:
            se = s_diff = np.full(count, nan)
        ratio = d / s_diff[gid]
        shown = np.isfinite(s_diff)
        improved = np.bincount(gid, weights=ratio > st.RCI_CRITERION, minlength=count).astype(np.intp)
        deteriorated = np.bincount(gid, weights=ratio < -st.RCI_CRITERION, minlength=count).astype(np.intp)
        unchanged = n - improved - deteriorated
        nf = n.astype(float)
        fractions = shown & (n > 0)
        return {
            "sd_reference": _finite(reference),
            "se_measurement": se,
            "s_diff": s_diff,
            "threshold": np.where(shown, _finite(st.RCI_CRITERION * s_diff), nan),
            "n": n,
            "n_improved": _counts(improved, shown),
            "n_unchanged": _counts(unchanged, shown),
            "n_deteriorated": _counts(deteriorated, shown),
            "frac_improved": np.where(fractions, improved / nf, nan),
            "frac_unchanged": np.where(fractions, unchanged / nf, nan),
            "frac_deteriorated": np.where(fractions, deteriorated / nf, nan),
        }


def _counts(counts: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Counts as floats with NaN for None (``column`` turns whole floats back into ints)."""
    return np.where(shown, counts.astype(float), math.nan)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``statistics._ratio``: NaN for a zero or non-finite denominator or a non-finite result."""
    ok = (denominator != 0) & np.isfinite(denominator)
    return np.where(ok, _finite(numerator / denominator), math.nan)


def _finite(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, math.nan)


def _values(x: np.ndarray) -> list[float | None]:
    """Floats with None for NaN (and ±inf: the per-group functions never return them)."""
    return [v if v == v and v not in (math.inf, -math.inf) else None for v in x.tolist()]


_BATCH_VALUES = 65_536  # values per _moments call: its arrays (a few passes over them) stay in a core's L2 cache


# (values, group per value, values per group): one column of ``_moments``
_Flat = tuple[np.ndarray, np.ndarray, np.ndarray]


def _batches(flats: Sequence[_Flat]) -> list[list[_Flat]]:
    """The columns in batches of about ``_BATCH_VALUES`` values (each column whole): the figures are the same
    whatever the batching (every group's sums are its own), but a batch that fits the CPU's cache keeps the time
    per value from rising as the organisation grows."""
    batches: list[list[_Flat]] = [[]]
    size = 0
    for flat in flats:
        if batches[-1] and size + len(flat[0]) > _BATCH_VALUES:
            batches.append([])
            size = 0
        batches[-1].append(flat)
        size += len(flat[0])
    return batches


def _moments(flats: Sequence[_Flat]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per (values, group per value, values per group), grouped contiguously: each group's mean and SD as
    ``statistics._mean`` and ``statistics._sd`` compute them, NaN where those give None."""
    if not flats:
        return []
    values = np.concatenate([f[0] for f in flats])
    sizes = np.concatenate([f[2] for f in flats])
    starts = np.cumsum(sizes) - sizes
    segment = np.repeat(np.arange(len(sizes)), sizes)
    nonempty = sizes > 0
    lo = np.full(len(sizes), math.nan)
    hi = np.full(len(sizes), math.nan)
    if values.size:
        lo[nonempty] = np.minimum.reduceat(values, starts[nonempty])
        hi[nonempty] = np.maximum.reduceat(values, starts[nonempty])
    constant = nonempty & (lo == hi)  # statistics._constant: every value equals the first
    first = np.where(
        nonempty, values[np.minimum(starts, max(values.size - 1, 0))] if values.size else math.nan, math.nan
    )
    with np.errstate(all="ignore"):
        raw_mean = _segment_sums(values, starts, sizes) / sizes  # np.add.reduce(x) / x.size
        deviation = values - raw_mean[segment]
        var = _segment_sums(deviation * deviation, starts, sizes) / (sizes - 1)
        mean = np.where(constant, first, np.where(nonempty & np.isfinite(raw_mean), raw_mean, math.nan))
        var = np.where(sizes < 2, math.nan, np.where(constant, 0.0, np.where(np.isfinite(var), var, math.nan)))
        sd = np.sqrt(var)
    sd[~np.isfinite(sd)] = math.nan
    out, at = [], 0
    for f in flats:
        k = len(f[2])
        out.append((mean[at : at + k], sd[at : at + k]))
        at += k
    return out


_BLOCK = 8  # NumPy's pairwise summation: eight partial sums per block …
_PAIRWISE_MAX = 128  # … up to this many elements, above it the array is halved (at a multiple of eight)


_DIRECT = 2048  # segments at least this long are summed by np.add.reduce itself


def _segment_sums(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``np.add.reduce(values[s:s + n])`` for every segment (s, n), with NumPy's order of additions (so the same
    float): the reduction starts from its identity 0.0 and adds the pairwise sum of the segment.

    The few long segments (an organisation, a large gebied) are summed by ``np.add.reduce`` one call each: it reads
    them sequentially, where the replay gathers eight lanes at a time across the whole array, which once the array
    outgrows the CPU caches made the sums grow faster than the data. The many short ones (wijken) are replayed."""
    long = sizes >= _DIRECT
    if not long.any():
        return 0.0 + _pairwise(values, starts, sizes)
    out = np.empty(len(sizes))
    for g in np.flatnonzero(long).tolist():
        out[g] = np.add.reduce(values[starts[g] : starts[g] + sizes[g]])
    short = ~long
    out[short] = 0.0 + _pairwise(values, starts[short], sizes[short])
    return out


def _pairwise(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """NumPy's ``pairwise_sum`` (numpy/_core/src/umath/loops_utils.h.src) over many segments at once.

    A segment longer than 128 is halved at a multiple of eight, recursively; the halves of all segments are split
    level by level, the pieces of at most 128 summed in one pass, and the halves added back up level by level.
    """
    seg_starts, seg_sizes = [starts], [sizes]
    levels = []  # per split level: (split pieces, their left halves, their right halves), as piece numbers
    count = len(sizes)
    split = np.flatnonzero(sizes > _PAIRWISE_MAX)
    all_sizes = sizes
    all_starts = starts
    while split.size:
        n, s = all_sizes[split], all_starts[split]
        half = n // 2
        half -= half % _BLOCK
        left = np.arange(count, count + split.size)
        right = left + split.size
        count += 2 * split.size
        seg_starts += [s, s + half]
        seg_sizes += [half, n - half]
        levels.append((split, left, right))
        all_starts, all_sizes = np.concatenate(seg_starts), np.concatenate(seg_sizes)
        split = np.concatenate([left, right])[np.concatenate([half, n - half]) > _PAIRWISE_MAX]
    sums = np.zeros(count)
    leaves = np.ones(count, bool)
    for parents, _, _ in levels:
        leaves[parents] = False
    sums[leaves] = _block_sums(values, all_starts[leaves], all_sizes[leaves])
    for parents, left, right in reversed(levels):
        sums[parents] = sums[left] + sums[right]
    return sums[: len(sizes)]


def _block_sums(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``pairwise_sum`` of segments of at most 128 values (no halving)."""
    out = np.zeros(len(sizes))
    small = np.flatnonzero(sizes < _BLOCK)
    if small.size:  # a plain loop from 0.0
        out[small] = _running_sums(values, starts[small], sizes[small], np.zeros(small.size))
    middle = np.flatnonzero(sizes >= _BLOCK)
    if middle.size:  # eight partial sums, combined pairwise, then the rest added one by one
        s, n = starts[middle], sizes[middle]
        whole = n - n % _BLOCK
        order = np.argsort(-whole, kind="stable")  # longest first: the ones still adding are a leading slice
        s_order, whole_order = s[order], whole[order]
        lane = np.arange(_BLOCK)
        r = values[s_order[:, None] + lane]
        for i in range(_BLOCK, int(whole_order[0]), _BLOCK):
            k = np.searchsorted(-whole_order, -i)  # how many have whole > i
            r[:k] += values[s_order[:k, None] + i + lane]
        acc = np.empty(len(s))
        acc[order] = ((r[:, 0] + r[:, 1]) + (r[:, 2] + r[:, 3])) + ((r[:, 4] + r[:, 5]) + (r[:, 6] + r[:, 7]))
        out[middle] = _running_sums(values, s + whole, n - whole, acc)
    return out


def _running_sums(values: np.ndarray, starts: np.ndarray, counts: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """``acc[g] + values[starts[g]] + values[starts[g] + 1] + …`` (``counts[g]`` values), added one at a time."""
    order = np.argsort(-counts, kind="stable")  # most first: the ones still adding are a leading slice
    s, c, a = starts[order], counts[order], acc[order]
    for i in range(int(c[0]) if c.size else 0):
        k = np.searchsorted(-c, -i)  # how many have count > i
        a[:k] += values[s[:k] + i]
    out = np.empty_like(acc)
    out[order] = a
    return out
