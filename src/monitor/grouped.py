"""The monitor's descriptives and paired change for many groups at once, equal to the last bit to the per-group
functions of ``monitor.statistics`` (``describe`` and ``paired_change(..., tests=False)``).

Per group the statistics are a handful of sums over small arrays; called group by group (≈ 95 groups × 5 scales per
overview) NumPy's per-call overhead dominates. Here every group's values are laid out contiguously in one array and
all sums are taken together. A sum is NumPy's own: ``np.add.reduce`` of a float array adds pairwise (blocks of eight
partial sums, halving above 128 elements), and ``_segment_sums`` replays exactly that order for every segment at
once, so each mean and SD is the same float ``monitor.statistics`` computes (tests/monitor/test_grouped.py checks
this against the per-group functions on random data, and that the replay equals ``np.add.reduce``). The scalar
formulas after the sums (CI, d_z, g_av, RCI) are ``monitor.statistics``'s own functions.

Significance tests are not computed here: the monitor shows them at organisation level only, one group, per group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from monitor import statistics as st


class Groups:
    """Groups of positions into per-person arrays (a position may be in several groups, e.g. a wijk and its gebied).

    The values of group g are taken in the order of its positions, as ``values[positions]`` would take them.
    """

    def __init__(self, members: Sequence[np.ndarray]):
        sizes = np.fromiter((len(m) for m in members), dtype=np.intp, count=len(members))
        self.count = len(members)
        self.order = (np.concatenate([np.asarray(m, dtype=np.intp) for m in members]) if members
                      else np.zeros(0, dtype=np.intp))
        self.group_of = np.repeat(np.arange(self.count, dtype=np.intp), sizes)

    def runs(self, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For a mask over ``order``: the kept elements' group numbers and the number kept per group."""
        gid = self.group_of[keep]
        return gid, np.bincount(gid, minlength=self.count).astype(np.intp)


def describe_groups(columns: Sequence[np.ndarray], groups: Groups) -> list[list[st.Desc]]:
    """``statistics.describe`` of every group, for each per-person column (NaN = missing): [column][group]."""
    flats = []
    for values in columns:
        v = values[groups.order]
        keep = np.isfinite(v)
        gid, n = groups.runs(keep)
        flats.append((v[keep], gid, n))
    out = []
    for (_, _, n), (mean, sd) in zip(flats, _moments(flats), strict=True):
        out.append([st.Desc(n=int(n[g]), mean=_value(mean[g]), sd=_value(sd[g])) for g in range(groups.count)])
    return out


def paired_groups(pairs: Sequence[tuple[np.ndarray, np.ndarray, float | None, float | None]],
                  groups: Groups) -> list[list[st.PairedChange]]:
    """``statistics.paired_change(before, after, reliability=r, sd_reference=sd, tests=False)`` of every group, for
    each (before, after, r, sd) of per-person columns (NaN = missing): [pair][group]."""
    prepared, flats = [], []
    for before, after, reliability, sd_reference in pairs:
        b, a = before[groups.order], after[groups.order]
        keep = np.isfinite(b) & np.isfinite(a)
        gid, n = groups.runs(keep)
        x0, x1 = b[keep], a[keep]
        with np.errstate(all="ignore"):
            d = x1 - x0
        prepared.append((gid, n, d, reliability, sd_reference))
        flats += [(x0, gid, n), (x1, gid, n), (d, gid, n)]
    moments = _moments(flats)
    out = []
    for k, (gid, n, d, reliability, sd_reference) in enumerate(prepared):
        (mean_from, sd_from), (mean_to, sd_to), (mean_d, sd_d) = moments[3 * k:3 * k + 3]
        finite = np.bincount(gid, weights=~np.isfinite(d), minlength=groups.count) == 0
        nonzero = np.bincount(gid, weights=d != 0, minlength=groups.count)
        rci = _rci(d, gid, n, groups.count, reliability, sd_reference, sd_from)
        rows = []
        for g in range(groups.count):
            ok = bool(finite[g])
            rows.append(st._paired_figures(
                int(n[g]), _value(mean_from[g]), _value(sd_from[g]), _value(mean_to[g]), _value(sd_to[g]),
                _value(mean_d[g]) if ok else None, _value(sd_d[g]) if ok else None, int(nonzero[g]), None, None,
                rci[g], False))
        out.append(rows)
    return out


def _rci(d: np.ndarray, gid: np.ndarray, n: np.ndarray, count: int, reliability: float | None,
         sd_reference: float | None, sd_from: np.ndarray) -> list[st.ReliableChange | None]:
    if reliability is None:
        return [None] * count
    r = float(reliability)
    scales = [st._rci_scale(r, sd_reference if sd_reference is not None else _value(sd_from[g])) for g in range(count)]
    s_diff = np.array([math.nan if s is None else s for _, s in scales])
    with np.errstate(all="ignore"):
        ratio = d / s_diff[gid]
    improved = np.bincount(gid, weights=ratio > st.RCI_CRITERION, minlength=count)
    deteriorated = np.bincount(gid, weights=ratio < -st.RCI_CRITERION, minlength=count)
    out = []
    for g, (se, sd) in enumerate(scales):
        counts = (int(improved[g]), int(deteriorated[g])) if sd is not None else None
        reference = sd_reference if sd_reference is not None else _value(sd_from[g])
        out.append(st._reliable_change_figures(int(n[g]), r, reference, se, sd, counts))
    return out


def _value(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _moments(flats: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
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
    first = np.where(nonempty, values[np.minimum(starts, max(values.size - 1, 0))] if values.size else math.nan,
                     math.nan)
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
        out.append((mean[at:at + k], sd[at:at + k]))
        at += k
    return out


_BLOCK = 8  # NumPy's pairwise summation: eight partial sums per block …
_PAIRWISE_MAX = 128  # … up to this many elements, above it the array is halved (at a multiple of eight)


def _segment_sums(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``np.add.reduce(values[s:s + n])`` for every segment (s, n), with NumPy's order of additions (so the same
    float): the reduction starts from its identity 0.0 and adds the pairwise sum of the segment."""
    return 0.0 + _pairwise(values, starts, sizes)


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
    return sums[:len(sizes)]


def _block_sums(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``pairwise_sum`` of segments of at most 128 values (no halving)."""
    out = np.zeros(len(sizes))
    small = sizes < _BLOCK
    if small.any():  # a plain loop from 0.0
        s, n = starts[small], sizes[small]
        acc = np.zeros(len(s))
        for i in range(int(n.max())):
            m = n > i
            acc[m] += values[s[m] + i]
        out[small] = acc
    middle = ~small
    if middle.any():  # eight partial sums, combined pairwise, then the rest added one by one
        s, n = starts[middle], sizes[middle]
        lane = np.arange(_BLOCK)
        r = values[s[:, None] + lane]
        whole = n - n % _BLOCK
        for i in range(_BLOCK, int(whole.max()), _BLOCK):
            m = whole > i
            r[m] += values[s[m, None] + i + lane]
        acc = ((r[:, 0] + r[:, 1]) + (r[:, 2] + r[:, 3])) + ((r[:, 4] + r[:, 5]) + (r[:, 6] + r[:, 7]))
        rest = n % _BLOCK
        for k in range(int(rest.max())):
            m = rest > k
            acc[m] += values[s[m] + whole[m] + k]
        out[middle] = acc
    return out
