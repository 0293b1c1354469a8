"""The monitor's figures: scale scores computed by the database, statistics checked independently, small cells."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from scipy import stats as sps

from monitor.questionnaire.scoring import score_response
from monitor.report import patterns
from monitor.report.build import FROM_FIELDS, PAIRED_FIELDS, TO_FIELDS, build_report
from monitor.report.dataset import Dataset, Person, Scope, load_dataset
from monitor.report.disclosure import Thresholds
from monitor.report.service import _report
from tests.monitor.attacker import published_reference
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.models import Gebied, Organisation, Wijk

WIJKEN = {
    "Afrikaanderwijk": "Feijenoord",
    "Bloemhof": "Feijenoord",
    "Hillesluis": "Feijenoord",
    "Tarwewijk": "Charlois",
    "Carnisse": "Charlois",
    "Spangen": None,
}
SIZES = {"Afrikaanderwijk": 14, "Bloemhof": 12, "Hillesluis": 3, "Tarwewijk": 11, "Carnisse": 6, "Spangen": 12}


@pytest.fixture
def city(db):
    """58 people in 6 wijken; most answered T0 and T1 with growth; some missing items, some drop-outs."""
    rng = random.Random(7)
    inst = instrument()
    org, wijken, cohort = make_org(db, wijken=WIJKEN)
    answers = {}
    for wijk_name, n in SIZES.items():
        for i in range(n):
            e = make_person(db, org=org, wijk=wijken[wijk_name], cohort=cohort, tag=f"{wijk_name}{i}")
            t0 = random_answers(rng, inst, "T0")
            submit(db, enrolment=e, moment="T0", answers=t0, inst=inst)
            answers[(e.id, "T0")] = t0
            if rng.random() < 0.9:
                t1 = random_answers(rng, inst, "T1", shift=0.4)
                then = {item.id: rng.randint(1, 4) for item in inst.then_test_items()}
                submit(db, enrolment=e, moment="T1", answers=t1, then_answers=then, inst=inst)
                answers[(e.id, "T1")] = t1
                answers[(e.id, "then")] = then
    db.commit()
    return org, wijken, cohort, inst, answers


def test_database_scale_scores_equal_the_pure_scoring_rules(db, city):
    org, _, _, inst, answers = city
    data = load_dataset(db, scope=Scope(organisation_id=org.id), instrument=inst)
    checked = 0
    for person in data.people:
        for moment in ("T0", "T1"):
            if (person.enrolment_id, moment) not in answers:
                assert moment not in person.submitted
                continue
            expected = score_response(inst, answers[(person.enrolment_id, moment)], moment=moment)
            for scale, value in expected.items():
                got = person.scores[moment].get(scale)
                assert (got is None) == (value is None), (person.enrolment_id, moment, scale)
                if value is not None:
                    assert got == pytest.approx(value)
                    checked += 1
        if (person.enrolment_id, "then") in answers:
            then = score_response(inst, answers[(person.enrolment_id, "then")], then_test=True)
            assert person.then_scores["ZEL"] == pytest.approx(then["ZEL"])
    assert checked > 400


def test_organisation_figures_match_scipy_and_hand_formulas(db, city):
    org, _, _, inst, _ = city
    scope = Scope(organisation_id=org.id)
    report = _report(
        db, scope, instrument=inst, moment_from="T0", moment_to="T1", thresholds=Thresholds(), root="organisation"
    )
    # The figures rest on the scores the monitor publishes: without those that figures about different moments
    # would give away (monitor.report.patterns; the page counts them per scale).
    raw = load_dataset(db, scope=scope, instrument=inst)
    data = published_reference(raw, Thresholds())
    left = {
        s: int(
            np.count_nonzero(np.isfinite(raw.columns.scores[("T0", s)]) & ~np.isfinite(data.columns.scores[("T0", s)]))
        )
        for s in raw.scales
    }
    assert 0 < sum(left.values()) < 0.1 * len(raw) * len(raw.scales)
    assert {s: report.left_out.get(s, 0) for s in raw.scales} == {
        s: len(patterns.left_out(raw, Thresholds(), date.today()).get(("T0", s), ())) for s in raw.scales
    }
    p_primary: dict[str, float] = {}
    for scale in [s for s in data.scales if inst.compared(s, "T0", "T1")]:
        row = report.row(f"org:{org.id}", scale)
        pairs = [
            (p.scores["T0"][scale], p.scores["T1"][scale])
            for p in data.people
            if "T1" in p.submitted and p.scores["T0"].get(scale) is not None and p.scores["T1"].get(scale) is not None
        ]
        before, after = np.array(pairs).T
        d = after - before
        assert row.n_paired == len(d)
        assert row.mean_change == pytest.approx(d.mean())
        t = sps.ttest_rel(after, before)
        assert row.p_t == pytest.approx(t.pvalue)
        half = sps.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        assert (row.ci_low, row.ci_high) == pytest.approx((d.mean() - half, d.mean() + half))
        assert row.d_z == pytest.approx(d.mean() / d.std(ddof=1))
        df = len(d) - 1
        assert row.g_av == pytest.approx(
            d.mean() / ((before.std(ddof=1) + after.std(ddof=1)) / 2) * (1 - 3 / (4 * df - 1))
        )
        assert row.p_wilcoxon == pytest.approx(sps.wilcoxon(after, before).pvalue, rel=1e-6)
        # g_av divides by the paired people's SDs, which the row carries so a reader can reproduce it.
        assert (row.sd_from_paired, row.sd_to_paired) == pytest.approx((before.std(ddof=1), after.std(ddof=1)))
        p_primary[scale] = t.pvalue
        everyone_t0 = [p.scores["T0"][scale] for p in data.people if p.scores["T0"].get(scale) is not None]
        assert row.n_from == len(everyone_t0) and row.mean_from == pytest.approx(np.mean(everyone_t0))
        # RCI with the instrument version's frozen reference (its first 30 T0 respondents), computed by hand.
        ref = report.references[scale]
        assert ref.frozen and ref.n_sample == 30 and ref.reliability == report.reliability[scale]
        s_diff = np.sqrt(2) * ref.sd_t0 * np.sqrt(1 - ref.reliability)
        improved = np.sum(d / s_diff > 1.96) / len(d)
        assert row.pct_improved == round(improved * 100 + 1e-9)
    # Holm over the primary (paired t) test of the three outcome scales compared T0 → T1, by hand.
    ordered = sorted(p_primary.items(), key=lambda kv: kv[1])
    expected, running = {}, 0.0
    for rank, (scale, p) in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - rank) * p))
        expected[scale] = running
    assert len(expected) == 3
    assert {s: report.row(f"org:{org.id}", s).p_holm for s in expected} == pytest.approx(expected)
    assert all(r.p_holm is None for r in report.rows if r.level != "organisation" or r.scale in ("VAA", "FAC"))


def test_small_wijken_are_withheld_with_complementary_suppression(db, city):
    org, wijken, _, inst, _ = city
    report = _report(
        db,
        Scope(organisation_id=org.id),
        instrument=inst,
        moment_from="T0",
        moment_to="T1",
        thresholds=Thresholds(),
        root="organisation",
    )
    row = report.row(f"wijk:{wijken['Hillesluis'].id}", "KEN")  # 3 people
    assert row.n_from is None and row.mean_from is None and "mean_from" in row.suppressed
    assert row.reasons["from"] == "te weinig deelnemers"
    # Feijenoord shows its total, so a second wijk of Feijenoord must be hidden too.
    feijenoord = [
        r
        for r in report.rows_for("KEN")
        if r.parent_key
        and r.parent_key.startswith("gebied:")
        and r.parent_key == report.row(f"wijk:{wijken['Bloemhof'].id}", "KEN").parent_key
    ]
    hidden = [r for r in feijenoord if r.n_from is None]
    assert len(hidden) >= 2
    assert any(r.reasons.get("from") == "aanvullend afgeschermd" for r in hidden)
    # p-values only at organisation level.
    assert all(r.p_t is None and "p_t" in r.suppressed for r in report.rows if r.level != "organisation")
    assert report.row(f"org:{org.id}", "KEN").p_t is not None


# --- property: no shown figure rests on too few people, no withheld cell is recoverable by subtraction ----------


def _dataset(sizes: list[tuple[int | None, int, list[tuple[bool, bool]]]]) -> Dataset:
    inst = instrument()
    org = Organisation(id=1, name="Org")
    gebieden = {g: Gebied(id=g, organisation_id=1, name=f"G{g}") for g, _, _ in sizes if g is not None}
    wijken, people = {}, []
    for index, (gebied, _, members) in enumerate(sizes):
        wijken[index + 1] = Wijk(id=index + 1, organisation_id=1, gebied_id=gebied, name=f"W{index + 1:02d}")
        for j, (has_t0, has_t1) in enumerate(members):
            p = Person(len(people) + 1, len(people) + 1, 1, index + 1, gebied)
            for moment, present in (("T0", has_t0), ("T1", has_t1)):
                if present:
                    p.submitted.add(moment)
                    p.scores[moment] = {
                        s.id: 1 + ((j * 7 + len(people) * 3 + (moment == "T1")) % 40) / 10 for s in inst.scales
                    }
            people.append(p)
    return Dataset.of_people(Scope(organisation_id=1), org, inst, {}, people, wijken, gebieden, {})


member = hst.tuples(hst.booleans(), hst.booleans())
wijk_spec = hst.tuples(hst.one_of(hst.none(), hst.integers(1, 3)), hst.just(0), hst.lists(member, max_size=16))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hst.lists(wijk_spec, min_size=1, max_size=7), hst.sampled_from([(5, 10), (3, 6), (10, 10)]))
def test_no_figure_rests_on_too_few_people_and_nothing_is_recoverable(spec, limits):
    thresholds = Thresholds(min_n=limits[0], min_paired=limits[1])
    data = _dataset(spec)
    report = build_report(data, moment_from="T0", moment_to="T1", thresholds=thresholds, t0_matrices={})
    published = published_reference(data, thresholds)  # without the scores left out across moments
    true_n = {}
    for key, _, level, _ in report.groups:
        members = (
            published.people
            if level == "organisation"
            else [
                p
                for p in published.people
                if (level == "wijk" and key == f"wijk:{p.wijk_id}")
                or (level == "gebied" and key == f"gebied:{p.gebied_id}")
            ]
        )
        true_n[key] = members
    for row in report.rows:
        members = true_n[row.group_key]
        has = {m: [p.scores.get(m, {}).get(row.scale) is not None for p in members] for m in ("T0", "T1")}
        n_from, n_to = sum(has["T0"]), sum(has["T1"])
        n_pair = sum(a and b for a, b in zip(has["T0"], has["T1"], strict=True))
        if row.n_from is not None:
            assert row.n_from == n_from >= thresholds.min_n
        else:
            assert all(getattr(row, f) is None for f in FROM_FIELDS)
        if row.n_to is not None:
            assert row.n_to == n_to >= thresholds.min_n
        else:
            assert all(getattr(row, f) is None for f in TO_FIELDS)
        if row.n_paired is not None:
            assert row.n_paired == n_pair >= thresholds.min_paired
        else:
            assert all(getattr(row, f) is None for f in PAIRED_FIELDS)
    # Subtraction: for every shown parent, what its shown children do not cover is 0 or ≥ threshold people.
    children: dict[str, list[str]] = {}
    for key, _, _, parent in report.groups:
        if parent:
            children.setdefault(parent, []).append(key)
    for scale in data.scales:
        rows = {r.group_key: r for r in report.rows_for(scale)}
        for parent, kids in children.items():
            for field, limit in (
                ("n_from", thresholds.min_n),
                ("n_to", thresholds.min_n),
                ("n_paired", thresholds.min_paired),
            ):
                if getattr(rows[parent], field) is None:
                    continue
                shown = sum(getattr(rows[k], field) for k in kids if getattr(rows[k], field) is not None)
                hidden_total = getattr(rows[parent], field) - shown
                assert hidden_total == 0 or hidden_total >= limit
    for flow in report.flows:
        for field in ("invited", "responded_from", "responded_to", "paired"):
            value = getattr(flow, field)
            assert value is None or value >= thresholds.min_n


def _people_for_learning(n_full: int, n_fewer: int, *, without_t1: int = 0) -> Dataset:
    """n_full people who completed every module and n_fewer who did not; the first ``without_t1`` have no T1."""
    inst = instrument()
    people = []
    for i in range(n_full + n_fewer):
        p = Person(i + 1, i + 1, 1, 1, None)
        p.submitted |= {"T0", "T1"}
        change = 1.0 if i < n_full else 0.2
        p.scores["T0"] = {s.id: 2.0 + (i % 5) / 10 for s in inst.scales}
        p.scores["T1"] = {s.id: 2.0 + (i % 5) / 10 + change for s in inst.scales}
        p.then_scores = {"ZEL": 1.5 + (i % 5) / 10}
        if i < without_t1:
            p.submitted.discard("T1")
            del p.scores["T1"]
        p.modules_completed = 8 if i < n_full else 3
        p.mean_check_score = 90.0 if i < n_full else 60.0
        people.append(p)
    org = Organisation(id=1, name="Org")
    wijken = {1: Wijk(id=1, organisation_id=1, name="W")}
    return Dataset.of_people(Scope(organisation_id=1), org, inst, {}, people, wijken, {}, {})


def test_learning_and_growth_rows_match_hand_computation():
    data = _people_for_learning(12, 10)
    report = build_report(data, moment_from="T0", moment_to="T1", thresholds=Thresholds(), t0_matrices={}, n_modules=8)
    ken = next(r for r in report.learning if r.scale == "KEN")
    assert (ken.n_all_modules, ken.n_fewer_modules) == (12, 10)
    assert ken.change_all_modules == pytest.approx(1.0) and ken.change_fewer_modules == pytest.approx(0.2)
    assert ken.n_with_scores == 22 and ken.r_change_check_score == pytest.approx(1.0)
    # With only 8 people in one half the comparison is withheld (it would expose a small group by subtraction).
    small = build_report(
        _people_for_learning(14, 8),
        moment_from="T0",
        moment_to="T1",
        thresholds=Thresholds(),
        t0_matrices={},
        n_modules=8,
    )
    assert next(r for r in small.learning if r.scale == "KEN").change_fewer_modules is None


def test_then_test_compares_the_retrospective_rating_with_t0():
    data = _people_for_learning(12, 10)
    report = build_report(data, moment_from="T0", moment_to="T1", thresholds=Thresholds(), t0_matrices={})
    org = next(t for t in report.then_test if t.level == "organisation")
    t0 = np.mean([p.scores["T0"]["ZEL"] for p in data.people])
    then = np.mean([p.then_scores["ZEL"] for p in data.people])
    assert org.n == 22 and org.mean_t0 == pytest.approx(t0) and org.mean_difference == pytest.approx(then - t0)


def test_attrition_compares_completers_and_dropouts_on_t0():
    data = _people_for_learning(12, 10, without_t1=6)
    report = build_report(data, moment_from="T0", moment_to="T1", thresholds=Thresholds(), t0_matrices={})
    row = next(a for a in report.attrition if a.scale == "KEN")
    completers = [p.scores["T0"]["KEN"] for p in data.people[6:]]
    dropouts = [p.scores["T0"]["KEN"] for p in data.people[:6]]
    assert (row.n_completers, row.n_dropouts) == (16, 6)
    assert row.mean_dropouts == pytest.approx(np.mean(dropouts))
    assert row.p_welch == pytest.approx(sps.ttest_ind(completers, dropouts, equal_var=False).pvalue)


def test_a_context_scale_is_described_but_never_scored_as_change():
    data = _people_for_learning(12, 10)
    report = build_report(data, moment_from="T0", moment_to="T1", thresholds=Thresholds(), t0_matrices={})
    for row in report.rows_for("FAC"):
        assert row.n_from == 22 and row.mean_from is not None  # described
        assert all(getattr(row, name) is None for name in PAIRED_FIELDS)  # no change, no RCI, no test
        assert row.reasons["paired"] == "contextschaal: alleen beschreven, geen verandering"
    # VAA asks about the last three months: compared T0 → T2 only, so not here.
    assert all(
        r.mean_change is None and r.reasons["paired"].startswith("niet vergeleken") for r in report.rows_for("VAA")
    )
    assert report.row("org:1", "KEN").mean_change is not None
    assert {a.scale for a in report.attrition} == {"KEN", "ATT", "ZEL"}
    assert {r.scale for r in report.learning} == {"KEN", "ATT", "ZEL"}


def _two_cohorts_without_t1(n_closed: int, n_open: int, without_t1: int) -> Dataset:
    """People with T0; in each cohort the first ``without_t1`` have no T1. Cohort 1's T1 window closed, cohort 2's
    is still open."""
    data = _people_for_learning(n_closed + n_open, 0)
    people = data.people
    for i, p in enumerate(people):
        p.cohort_id = 1 if i < n_closed else 2
        if (i if i < n_closed else i - n_closed) < without_t1:
            p.submitted.discard("T1")
            p.scores.pop("T1", None)
    from datetime import date

    out = Dataset.of_people(data.scope, data.organisation, data.instrument, {}, people, data.wijken, {}, {})
    out.closes_on = {(1, "T1"): date(2026, 6, 1), (2, "T1"): date(2026, 12, 31), (1, "T0"): date(2026, 1, 1)}
    return out


def test_attrition_counts_only_people_whose_window_has_closed():
    from datetime import date

    data = _two_cohorts_without_t1(20, 20, without_t1=6)
    today = date(2026, 9, 1)
    report = build_report(data, moment_from="T0", moment_to="T1", thresholds=Thresholds(), t0_matrices={}, today=today)
    row = next(a for a in report.attrition if a.scale == "KEN")
    # 6 without T1 in the closed cohort are drop-outs; the 6 in the open cohort are not yet due.
    assert (row.n_completers, row.n_dropouts, row.n_not_yet_due) == (28, 6, 6)
    dropouts = [p.scores["T0"]["KEN"] for p in data.people if p.cohort_id == 1 and "T1" not in p.submitted]
    assert row.mean_dropouts == pytest.approx(np.mean(dropouts))
    flow = next(f for f in report.flows if f.level == "organisation")
    # Response at T1 over closed windows only: 14 of the 20 whose window closed, not 28 of 40.
    assert (flow.due, flow.responded_due, flow.rate_to) == (20, 14, 70)
    assert data.is_due("T1", today).tolist() == [True] * 20 + [False] * 20
    assert not data.is_due("T2", today).any()  # no T2 window: nobody is due
    # Once the second window closes too, its 6 count as drop-outs.
    later = build_report(
        data, moment_from="T0", moment_to="T1", thresholds=Thresholds(), t0_matrices={}, today=date(2027, 1, 5)
    )
    assert next(a for a in later.attrition if a.scale == "KEN").n_dropouts == 12
