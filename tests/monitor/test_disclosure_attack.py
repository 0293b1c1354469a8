"""The attacker's test: everything a manager (and a trainer) can see, over every view, pins down no small group.

A manager reaches the organisation overview for each pair of moments under every filter (all cohorts, each cohort,
every start period — a period selects a run of cohorts by start date —, each instrument version, and each of those
combined), every cohort page, and the wijk pages, API and exports, which show the overview's rows. The attacker
(``tests.monitor.attacker``) writes each published n (and n × mean) as an equation over the wijk × cohort × version
cells and checks that no cell below the threshold and no withheld group lies in their span. Randomised data sets
(Hypothesis) under both priorities and several thresholds; the city data through the real services in
``tests/monitor/test_disclosure_attack_city.py``.
"""

from __future__ import annotations

import copy
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from monitor.report import patterns
from monitor.report.build import build_report
from monitor.report.dataset import Dataset, Person, Scope
from monitor.report.disclosure import Thresholds
from monitor.report.lattice import merge_cells
from monitor.report.service import PAIRS
from tests.monitor import attacker_moments
from tests.monitor.attacker import Attack, ViewFilter, published_reference
from tests.monitor.builders import instrument
from training.models import Cohort, Gebied, Organisation, Wijk

INST = instrument()
SCALES = [s.id for s in INST.scales]
MOMENTS = ("T0", "T1", "T2")
N_MODULES = 4  # the programme; odd-numbered cohorts follow a module set of 3


def completed_every_module(ref: Dataset) -> np.ndarray:
    """The learning × growth table's split, computed here on its own (the attacker does not reuse the monitor)."""
    c = ref.columns
    required = np.where(c.modules_required > 0, c.modules_required, N_MODULES)
    return np.asarray(c.modules_completed >= required)


def make_reference(seed: int, n_wijken: int, n_cohorts: int, n_people: int, two_versions: bool) -> Dataset:
    rng = np.random.default_rng(seed)
    org = Organisation(id=1, name="Org")
    gebieden = {g: Gebied(id=g, organisation_id=1, name=f"G{g}") for g in (1, 2)}
    wijken = {
        w: Wijk(id=w, organisation_id=1, gebied_id=(None if w == n_wijken else 1 + w % 2), name=f"W{w:02d}")
        for w in range(1, n_wijken + 1)
    }
    cohorts = {
        c: Cohort(id=c, organisation_id=1, name=f"C{c}", start_date=date(2026, c, 1), end_date=date(2026, 12, 31))
        for c in range(1, n_cohorts + 1)
    }
    # Uneven wijk and cohort sizes: some cells of 1–4 people, some large.
    wijk_p = rng.dirichlet(np.ones(n_wijken) * 0.7)
    cohort_p = rng.dirichlet(np.ones(n_cohorts) * 1.5)
    people = []
    learning = np.random.default_rng(seed + 1_000_003)  # its own stream: the scores stay as they were per seed
    for i in range(n_people):
        w = int(rng.choice(n_wijken, p=wijk_p)) + 1
        c = int(rng.choice(n_cohorts, p=cohort_p)) + 1
        p = Person(i + 1, i + 1, c, w, wijken[w].gebied_id)
        p.modules_required = 3 if c % 2 else None
        required = p.modules_required or N_MODULES
        p.modules_completed = required if learning.random() < 0.5 else int(learning.integers(0, required))
        for m, share in zip(MOMENTS, (0.9, 0.7, 0.4), strict=True):
            if rng.random() < share:
                p.submitted.add(m)
                p.version[m] = 2 if two_versions and rng.random() < 0.3 else 1
                p.scores[m] = {s: (None if rng.random() < 0.05 else round(float(rng.uniform(1, 5)), 2)) for s in SCALES}
        if "T1" in p.submitted:
            p.then_scores = {s: round(float(rng.uniform(1, 5)), 2) for s in SCALES}
        people.append(p)
    return Dataset.of_people(Scope(organisation_id=1), org, INST, {}, people, wijken, gebieden, cohorts)


def view(ref: Dataset, flt: ViewFilter) -> Dataset:
    """The data set a view loads: only the filter's cohorts, only responses on the filter's version."""
    people = []
    for p in ref.people:
        if flt.cohorts is not None and p.cohort_id not in flt.cohorts:
            continue
        p = copy.deepcopy(p)
        if flt.version is not None:
            for m in MOMENTS:
                if m in p.submitted and p.version.get(m) != flt.version:
                    p.submitted.discard(m)
                    p.scores.pop(m, None)
                    p.version.pop(m, None)
            if "T1" not in p.submitted:
                p.then_scores = {}
        people.append(p)
    scope = Scope(
        organisation_id=1,
        cohort_ids=tuple(sorted(flt.cohorts)) if flt.cohorts is not None else None,
        version_ids=(flt.version,) if flt.version is not None else None,
    )
    return Dataset.of_people(scope, ref.organisation, INST, {}, people, ref.wijken, ref.gebieden, ref.cohorts)


def manager_views(ref: Dataset) -> list[ViewFilter]:
    ordered = sorted(ref.cohorts, key=lambda c: ref.cohorts[c].start_date)
    cohort_sets: list[frozenset[int] | None] = [None]
    cohort_sets += [frozenset(ordered[i:j]) for i in range(len(ordered)) for j in range(i + 1, len(ordered) + 1)]
    versions = sorted({int(v) for m in MOMENTS for v in ref.columns.version[m] if v})
    return [ViewFilter(cs, v) for cs in cohort_sets for v in (None, *versions)]


def reports(ref: Dataset, thresholds: Thresholds):
    """Every report a manager (and a trainer, for the cohort pages) can reach, with the filter that made it."""
    views = [(ref if flt == ViewFilter() else view(ref, flt), "organisation", flt) for flt in manager_views(ref)]
    for cohort in ref.cohorts:  # the cohort pages (a trainer's, and every manager's of the organisation)
        flt = ViewFilter(frozenset({cohort}))
        views.append((view(ref, flt), "cohort", flt))
    for data, root, flt in views:
        if root == "cohort" and not len(data):  # a cohort without people has no page
            continue
        for a, b in PAIRS:
            report = build_report(
                data,
                moment_from=a,
                moment_to=b,
                thresholds=thresholds,
                t0_matrices={},
                root=root,
                ref=ref,
                n_modules=N_MODULES,
            )
            yield report, flt


def attack(ref: Dataset, thresholds: Thresholds) -> Attack:
    attacker = Attack(published_reference(ref, thresholds), thresholds.min_n, thresholds.min_paired)
    for report, flt in reports(ref, thresholds):
        attacker.add_report(report, flt)
    return attacker


def attack_moments(ref: Dataset, thresholds: Thresholds) -> attacker_moments.Attack:
    published = published_reference(ref, thresholds)
    attacker = attacker_moments.Attack(
        published, thresholds.min_n, thresholds.min_paired, done=completed_every_module(published)
    )
    for report, flt in reports(ref, thresholds):
        attacker.add_report(report, flt)
    return attacker


# Randomised organisations for both attackers: the same strategy, so both are held to the same data.
_strategy = given(
    seed=hst.integers(0, 10_000),
    n_wijken=hst.integers(2, 6),
    n_cohorts=hst.integers(1, 4),
    n_people=hst.integers(5, 90),
    two_versions=hst.booleans(),
    thresholds=hst.sampled_from(
        [
            Thresholds(),
            Thresholds(priority="cohort"),
            Thresholds(min_n=3, min_paired=4),
            Thresholds(min_n=3, min_paired=4, priority="cohort"),
        ]
    ),
)
_budget = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def random_organisations(test):
    return _budget(_strategy(test))


@random_organisations
def test_no_view_combination_pins_down_a_small_or_withheld_group(
    seed, n_wijken, n_cohorts, n_people, two_versions, thresholds
):
    ref = make_reference(seed, n_wijken, n_cohorts, n_people, two_versions)
    findings = attack(ref, thresholds).findings()
    assert findings == []


def test_the_reported_subtraction_no_longer_works():
    """The issue's example: a gebied over one cohort minus a wijk on that cohort's page gave the third wijk."""
    ref = make_reference(7, 3, 2, 0, False)
    people = []
    spec = [(1, 1, 6), (2, 1, 2), (1, 2, 7), (2, 2, 6), (3, 1, 9)]  # (wijk, cohort, people)
    for w, c, k in spec:
        for _ in range(k):
            p = Person(len(people) + 1, len(people) + 1, c, w, ref.wijken[w].gebied_id)
            p.submitted.add("T0")
            p.version["T0"] = 1
            p.scores["T0"] = {s: 1.0 + len(people) % 5 for s in SCALES}
            people.append(p)
    ref = Dataset.of_people(
        Scope(organisation_id=1), ref.organisation, INST, {}, people, ref.wijken, ref.gebieden, ref.cohorts
    )
    assert attack(ref, Thresholds()).findings() == []
    assert attack(ref, Thresholds(priority="cohort")).findings() == []


def test_the_attacker_finds_the_old_leak(monkeypatch):
    """The attacker is not blind: planning each view on its own data (the old way) is caught."""
    monkeypatch.setattr(patterns, "left_out", lambda *a, **k: {})  # the lattice alone, as it was
    ref = make_reference(3, 4, 3, 60, False)
    attacker = Attack(ref, 5, 10)
    for flt in manager_views(ref):
        data = ref if flt == ViewFilter() else view(ref, flt)
        report = build_report(
            data,
            moment_from="T0",
            moment_to="T1",
            thresholds=Thresholds(),
            t0_matrices={},
            root="organisation",
            ref=data,
        )  # each view its own reference: the old behaviour
        attacker.add_report(report, flt)
    assert any("determined" in f for f in attacker.findings())


@pytest.mark.parametrize("priority", ["wijk", "cohort"])
def test_atoms_hold_zero_or_enough_people_and_keep_the_priority_margin(priority):
    # (organisation, gebied, wijk, cohort, version)
    keys = [(1, 1, 1, 1, 1), (1, 1, 1, 2, 1), (1, 1, 2, 1, 1), (1, 1, 2, 2, 1), (1, 2, 3, 1, 1), (1, 2, 3, 2, 1)]
    counts = [2, 3, 6, 1, 8, 9]
    atoms = merge_cells(keys, counts, 5, priority)
    assert all(n == 0 or n >= 5 for n in atoms.n)
    groups: dict[int, set] = {}
    for key, atom in zip(keys, atoms.of_cell.tolist(), strict=True):
        groups.setdefault(atom, set()).add(key)
    if priority == "wijk":  # no atom spans two wijken: every wijk total is a union of atoms
        assert all(len({k[2] for k in cells}) == 1 for cells in groups.values())
    else:  # no atom spans two cohorts: every cohort total is a union of atoms
        assert all(len({k[3] for k in cells}) == 1 for cells in groups.values())
    assert merge_cells(list(reversed(keys)), list(reversed(counts)), 5, priority).n.tolist() == atoms.n.tolist()


def test_an_organisation_below_the_threshold_has_only_unsafe_atoms():
    atoms = merge_cells([(1, 1, 1, 1), (1, 1, 2, 1)], [1, 2], 5)
    assert atoms.n.tolist() == [3] and atoms.safe.tolist() == [False]


@random_organisations
def test_figures_about_different_moments_cannot_be_combined_into_a_small_group(
    seed, n_wijken, n_cohorts, n_people, two_versions, thresholds
):
    """Every view's n and sums at T0, T1, T2, the changes, the then-test and attrition, combined over moments:
    no score sum or change of fewer than ``min_n`` people and no withheld figure of fewer than ``min_n`` is
    determined (``monitor.report.patterns``)."""
    ref = make_reference(seed, n_wijken, n_cohorts, n_people, two_versions)
    assert attack_moments(ref, thresholds).findings() == []


def _one_drop_out() -> Dataset:
    """W1 (gebied 1): 12 people with T0 and T1, and one with T0 only; W2 and W3 (gebied 2): 12 pairs each."""
    org = Organisation(id=1, name="Org")
    gebieden = {g: Gebied(id=g, organisation_id=1, name=f"G{g}") for g in (1, 2)}
    wijken = {w: Wijk(id=w, organisation_id=1, gebied_id=1 if w == 1 else 2, name=f"W{w}") for w in (1, 2, 3)}
    cohorts = {1: Cohort(id=1, organisation_id=1, name="C1", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))}
    people = []
    for w, k, drop in ((1, 13, 1), (2, 12, 0), (3, 12, 0)):
        for i in range(k):
            p = Person(len(people) + 1, len(people) + 1, 1, w, wijken[w].gebied_id)
            moments = ("T0",) if i < drop else ("T0", "T1")
            for m in moments:
                p.submitted.add(m)
                p.version[m] = 1
                p.scores[m] = {s: 1.0 + (len(people) * 7 + len(m)) % 5 for s in SCALES}
            people.append(p)
    return Dataset.of_people(Scope(organisation_id=1), org, INST, {}, people, wijken, gebieden, cohorts)


def test_a_drop_outs_score_is_left_out_where_moments_would_give_it_away(monkeypatch):
    """The classic combination: W1's T0 sum over its 13 respondents minus (its T1 sum minus its change over the 12
    pairs) is the T0 score of the one who did not answer T1. Without the protection the attacker finds it; with
    it, that score is in no figure: W1's T0 figures rest on the 12 pairs' people, the response flow still
    counts 13 respondents."""
    ref = _one_drop_out()
    thresholds = Thresholds()
    unprotected = attacker_moments.Attack(ref, 5, 10)
    with monkeypatch.context() as m:
        m.setattr(patterns, "left_out", lambda *a, **k: {})
        for report, flt in reports(ref, thresholds):
            unprotected.add_report(report, flt)
    assert any("sum of T0" in f and "(n=1)" in f for f in unprotected.findings()), unprotected.findings()

    left = patterns.left_out(ref, thresholds, date.today())
    assert [int(i) for i in left[("T0", "KEN")]] == [0]  # the drop-out, and only them
    assert attack_moments(ref, thresholds).findings() == []
    report = build_report(
        ref, moment_from="T0", moment_to="T1", thresholds=thresholds, t0_matrices={}, root="organisation", ref=ref
    )
    w1 = next(r for r in report.rows if r.group_key == "wijk:1" and r.scale == "KEN")
    assert (w1.n_from, w1.n_to, w1.n_paired) == (12, 12, 12)
    flow = next(f for f in report.flows if f.group_key == "wijk:1")
    assert (flow.responded_from, flow.responded_to) == (13, 12)


def _learning_split(done_in_w1: int) -> Dataset:
    """12 pairs in each of W1, W2, W3; everyone in W2 and W3 completed every module, and ``done_in_w1`` of W1."""
    org = Organisation(id=1, name="Org")
    gebieden = {g: Gebied(id=g, organisation_id=1, name=f"G{g}") for g in (1, 2)}
    wijken = {w: Wijk(id=w, organisation_id=1, gebied_id=1 if w == 1 else 2, name=f"W{w}") for w in (1, 2, 3)}
    cohorts = {2: Cohort(id=2, organisation_id=1, name="C2", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))}
    people = []
    for w in (1, 2, 3):
        for i in range(12):
            p = Person(len(people) + 1, len(people) + 1, 2, w, wijken[w].gebied_id)
            for m in ("T0", "T1"):
                p.submitted.add(m)
                p.version[m] = 1
                p.scores[m] = {s: 1.0 + (len(people) * 7 + len(m) * 3) % 5 for s in SCALES}
            p.modules_completed = N_MODULES if w != 1 or i < done_in_w1 else 1
            people.append(p)
    return Dataset.of_people(Scope(organisation_id=1), org, INST, {}, people, wijken, gebieden, cohorts)


def learning_report(ref: Dataset):
    """The unfiltered overview T0→T1 (the view that shows learning × growth)."""
    return build_report(
        ref,
        moment_from="T0",
        moment_to="T1",
        thresholds=Thresholds(),
        t0_matrices={},
        root="organisation",
        ref=ref,
        n_modules=N_MODULES,
    )


def _learning_row(ref: Dataset, scale: str = "KEN"):
    return next(r for r in learning_report(ref).learning if r.scale == scale)


def test_learning_and_growth_is_withheld_where_it_would_give_someone_away(monkeypatch):
    """Those who completed every module are W2, W3 and one person of W1: their change minus W2's and W3's (both
    shown) is that person's change, and W1's change minus the other half's is too. Without the check the
    attacker pins it down; with it the table is withheld for that pair, and the attacker finds nothing."""
    ref = _learning_split(done_in_w1=1)
    thresholds = Thresholds()
    done = completed_every_module(ref)
    unprotected = attacker_moments.Attack(ref, 5, 10, done=done)
    with monkeypatch.context() as m:
        m.setattr(patterns, "learning_withheld", lambda *a, **k: frozenset())
        for report, flt in reports(ref, thresholds):
            unprotected.add_report(report, flt)
        shown = _learning_row(ref)
        assert (shown.n_all_modules, shown.n_fewer_modules) == (25, 11)
    assert any("change T0→T1" in f and "(n=1)" in f for f in unprotected.findings()), unprotected.findings()

    row = _learning_row(ref)
    assert (row.n_all_modules, row.change_all_modules, row.n_fewer_modules, row.change_fewer_modules) == (
        None,
        None,
        None,
        None,
    )
    assert attack_moments(ref, thresholds).findings() == []


def test_learning_and_growth_is_shown_where_it_adds_nothing_small():
    """W2 and W3 completed every module, W1 did not: each half is a union of shown wijken, so the table is shown."""
    ref = _learning_split(done_in_w1=0)
    row = _learning_row(ref)
    assert (row.n_all_modules, row.n_fewer_modules) == (24, 12)
    c = ref.columns
    change = c.scores[("T1", "KEN")] - c.scores[("T0", "KEN")]
    done = completed_every_module(ref)
    assert row.change_all_modules == pytest.approx(change[done].mean(), abs=1e-12)
    assert row.change_fewer_modules == pytest.approx(change[~done].mean(), abs=1e-12)
    assert attack_moments(ref, Thresholds()).findings() == []
