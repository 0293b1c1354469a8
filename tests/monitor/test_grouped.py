"""The grouped statistics (all groups at once) against the tested per-group functions, on many random data sets."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from monitor.report import grouped
from monitor.report import statistics as st


def _column(rng: np.random.Generator, n: int) -> np.ndarray:
    """Per-person scores of one kind chosen at random: scale means, constants, extremes, signed zeros; NaN = missing."""
    kind = rng.integers(0, 6)
    if kind == 0:  # scale scores: means of 3 to 6 items on 1..5
        k = rng.integers(3, 7)
        x = rng.integers(k, 5 * k + 1, size=n) / k
    elif kind == 1:  # constant
        x = np.full(n, float(rng.integers(1, 6)))
    elif kind == 2:  # continuous, wide range of magnitudes
        x = rng.normal(size=n) * 10.0 ** rng.uniform(-4, 4, size=n)
    elif kind == 3:  # few distinct values, zeros of both signs
        x = rng.choice([-0.0, 0.0, 1.0, -1.0, 0.5], size=n)
    elif kind == 4:  # huge values: sums and differences overflow
        x = rng.choice([1e308, -1e308, 1.7e308, 2.0], size=n)
    else:
        x = rng.uniform(1, 5, size=n)
    missing = rng.random(n) < rng.choice([0.0, 0.1, 0.5, 0.95])
    x[missing] = math.nan
    if rng.random() < 0.1:
        x[rng.random(n) < 0.2] = rng.choice([math.inf, -math.inf])
    return x


def _groups(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """A tree like the monitor's: leaves partition the people (sizes 0 to ~300), parents are unions, plus everyone."""
    leaves = rng.integers(0, 12)
    label = rng.integers(0, max(leaves, 1), size=n)
    members = [np.flatnonzero(label == leaf) for leaf in range(leaves)]
    members += [np.flatnonzero(np.isin(label, rng.choice(max(leaves, 1), size=rng.integers(1, 4)))) for _ in range(3)]
    members += [np.arange(n), np.zeros(0, dtype=np.intp), np.arange(min(n, 2)), np.arange(min(n, 1))]
    return members


def _close(a, b) -> bool:
    """Equal, with floats equal to within 1e-9 (relative for large values)."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(_close(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b and type(a) is type(b)


def _data_sets(count: int):
    rng = np.random.default_rng(20261129)
    for _ in range(count):
        n = int(rng.choice([0, 1, 2, 3, 9, 40, 300, 700]))
        before, after = _column(rng, n), _column(rng, n)
        if rng.random() < 0.2:  # constant differences (sd of the change 0)
            after = before + float(rng.integers(-2, 3)) * 0.25
        yield rng, before, after, _groups(rng, n)


@pytest.mark.parametrize("chunk", range(4))
def test_grouped_figures_equal_the_per_group_functions_on_random_data(chunk):
    data_sets = list(_data_sets(400))[chunk * 100 : (chunk + 1) * 100]
    for rng, before, after, members in data_sets:
        groups = grouped.Groups(members)
        reliability = rng.choice([None, 0.0, 0.8, 0.95, 1.0])
        reliability = None if reliability is None else float(reliability)
        sd_reference = rng.choice([None, None, 0.0, 0.7, float("inf")])
        sd_reference = None if sd_reference is None else float(sd_reference)

        desc_before, desc_after = grouped.describe_groups([before, after], groups)
        (changes,) = grouped.paired_groups([(before, after, reliability, sd_reference)], groups)
        assert len(changes) == len(desc_before) == len(members)
        for g, idx in enumerate(members):
            expected = st.paired_change(
                before[idx], after[idx], reliability=reliability, sd_reference=sd_reference, tests=False
            )
            assert _close(changes[g], expected), (g, changes[g], expected)
            assert _close(desc_before[g], st.describe(before[idx]))
            assert _close(desc_after[g], st.describe(after[idx]))
            # Not just within 1e-9: the same floats, since the sums are added in NumPy's own order.
            assert changes[g] == expected
            assert desc_before[g] == st.describe(before[idx]) and desc_after[g] == st.describe(after[idx])


def test_several_columns_at_once_equal_each_column_alone():
    rng = np.random.default_rng(3)
    n = 500
    members = _groups(rng, n)
    groups = grouped.Groups(members)
    columns = [_column(rng, n) for _ in range(4)]
    together = grouped.describe_groups(columns, groups)
    assert [list(d) for d in together] == [list(grouped.describe_groups([c], groups)[0]) for c in columns]
    pairs = [(columns[0], columns[1], 0.8, None), (columns[2], columns[3], None, 0.5)]
    assert [list(c) for c in grouped.paired_groups(pairs, groups)] == [
        list(grouped.paired_groups([p], groups)[0]) for p in pairs
    ]


def test_the_figures_do_not_depend_on_how_the_columns_are_batched(monkeypatch):
    rng = np.random.default_rng(5)
    n = 3000  # the everyone-group is long enough for np.add.reduce itself (grouped._DIRECT)
    members = _groups(rng, n)
    groups = grouped.Groups(members)
    columns = [_column(rng, n) for _ in range(4)]
    pairs = [(columns[0], columns[1], 0.8, 0.6), (columns[2], columns[3], None, None)]

    def figures():
        described, changes = grouped.describe_and_pair(columns, pairs, groups)
        return [list(d) for d in described], [list(c) for c in changes]

    whole = figures()
    monkeypatch.setattr(grouped, "_BATCH_VALUES", 50)  # about one column per batch
    assert len(grouped._batches([(np.zeros(40),)] * 5)) == 5
    assert figures() == whole
    assert whole[0][0] == [st.describe(columns[0][idx]) for idx in members]  # and they are the per-group ones


def test_segment_sums_add_in_numpys_order():
    rng = np.random.default_rng(11)
    sizes = np.concatenate([np.arange(0, 300), rng.integers(0, 5000, size=200)]).astype(np.intp)
    values = rng.normal(size=int(sizes.sum())) * 10.0 ** rng.uniform(-8, 8, size=int(sizes.sum()))
    starts = np.cumsum(sizes) - sizes
    sums = grouped._segment_sums(values, starts, sizes)
    expected = np.array([np.add.reduce(values[s : s + n]) for s, n in zip(starts, sizes, strict=True)])
    assert sums.tobytes() == expected.tobytes()


def test_no_groups_and_no_people():
    assert [list(d) for d in grouped.describe_groups([np.zeros(0)], grouped.Groups([]))] == [[]]
    (changes,) = grouped.paired_groups([(np.zeros(0), np.zeros(0), 0.8, None)], grouped.Groups([np.zeros(0, int)]))
    assert list(changes) == [st.paired_change(np.zeros(0), np.zeros(0), reliability=0.8, tests=False)]


def test_paired_tests_equal_the_tests_of_paired_change():
    defined = 0
    for _, before, after, members in _data_sets(150):
        for idx in members[-4:]:  # everyone, nobody, the first two, the first one
            full = st.paired_change(before[idx], after[idx])
            assert st.paired_tests(before[idx], after[idx]) == (full.p_t, full.p_wilcoxon)
            defined += full.p_t is not None and full.p_wilcoxon is not None
    assert defined > 20
    assert st.paired_tests([1.0, 2.0, 3.0, 4.0], [2.0, 2.5, 3.5, 6.0]) == (
        st.paired_change([1.0, 2.0, 3.0, 4.0], [2.0, 2.5, 3.5, 6.0]).p_t,
        st.paired_change([1.0, 2.0, 3.0, 4.0], [2.0, 2.5, 3.5, 6.0]).p_wilcoxon,
    )
