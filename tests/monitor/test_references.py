"""The RCI reference: frozen per instrument version, identical on every view, unmoved by later T0 responses."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sqlmodel import select

from monitor.models import RciReference
from monitor.report import service
from monitor.report.dataset import Scope
from monitor.report.disclosure import Thresholds
from monitor.report.references import REFERENCE_SAMPLE_N, rci_references, reference_figures
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.models import Cohort, Role, User


def test_reference_figures_are_cronbach_alpha_and_the_sample_sd_by_hand():
    inst = instrument()
    ken = [i.id for i in inst.scale_items("KEN")]
    rows = [[4, 4, 3, 5, 4, 4], [2, 3, 2, 2, 3, 2], [3, 3, 4, 3, 3, 4], [5, 4, 5, 5, 4, 5], [1, 2, 2, 1, 2, 1]]
    sample = [({"KEN": float(np.mean(r))}, dict(zip(ken, map(float, r), strict=True))) for r in rows]
    alpha, n_alpha, sd, n_sd = reference_figures(inst, sample)["KEN"]
    x = np.array(rows, float)
    k = x.shape[1]
    by_hand = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert alpha == pytest.approx(by_hand, abs=1e-12) and n_alpha == 5
    assert sd == pytest.approx(np.std([np.mean(r) for r in rows], ddof=1), abs=1e-12) and n_sd == 5


@pytest.fixture
def two_cohorts(db):
    """Cohort A in Noord and Oost (12 each), cohort B in Zuid (12): 36 people with T0 and T1, growth on every scale."""
    rng = random.Random(11)
    inst = instrument()
    org, wijken, cohort_a = make_org(db, name="Referentiegemeente", wijken={"Noord": None, "Oost": None, "Zuid": None})
    cohort_b = Cohort(
        organisation_id=org.id, name="Groep B", start_date=cohort_a.start_date, end_date=cohort_a.end_date
    )
    db.add(cohort_b)
    db.flush()
    for wijk, cohort in (("Noord", cohort_a), ("Oost", cohort_a), ("Zuid", cohort_b)):
        for i in range(12):
            e = make_person(db, org=org, wijk=wijken[wijk], cohort=cohort, tag=f"ref{wijk}{i}")
            t0 = random_answers(rng, inst, "T0", missing_rate=0)
            submit(db, enrolment=e, moment="T0", answers=t0, inst=inst)
            t1 = random_answers(rng, inst, "T1", shift=0.6, missing_rate=0)
            submit(db, enrolment=e, moment="T1", answers=t1, inst=inst)
    manager = User(name="Manager", email="ref-m@test.local", role=Role.manager.value, organisation_id=org.id)
    db.add(manager)
    db.commit()
    return org, wijken, cohort_a, cohort_b, manager, inst


def _org_report(db, user, inst, **filters):
    return service.organisation_report(db, user=user, instrument=inst, thresholds=Thresholds(), **filters)


def test_the_reference_is_frozen_from_the_first_respondents_and_stored_once(db, two_cohorts):
    *_, inst = two_cohorts
    refs = rci_references(db, instrument=inst)
    assert all(r.frozen and r.n_sample == REFERENCE_SAMPLE_N for r in refs.values())
    stored = db.exec(select(RciReference)).all()
    assert len(stored) == len(inst.scales)
    assert rci_references(db, instrument=inst) == refs  # read back, not recomputed
    assert len(db.exec(select(RciReference)).all()) == len(inst.scales)


def test_every_view_uses_the_same_reference_and_classifies_a_wijk_alike(db, two_cohorts):
    org, wijken, cohort_a, _, manager, inst = two_cohorts
    overview = _org_report(db, manager, inst)
    filtered = _org_report(db, manager, inst, cohort_id=cohort_a.id)
    cohort_page = service.cohort_report(
        db, user=manager, cohort_id=cohort_a.id, instrument=inst, thresholds=Thresholds()
    )
    wijk_page = service.wijk_reports(
        db, user=manager, instrument=inst, thresholds=Thresholds(), wijk_id=wijken["Noord"].id
    )[0][("T0", "T1")]
    assert overview.references == filtered.references == cohort_page.references == wijk_page.references
    assert overview.references["KEN"].frozen
    for scale in ("KEN", "ATT", "ZEL"):
        key = f"wijk:{wijken['Noord'].id}"
        rows = [r.row(key, scale) for r in (overview, cohort_page, wijk_page)]
        assert rows[0].pct_improved is not None
        assert {(r.pct_improved, r.pct_unchanged, r.pct_deteriorated) for r in rows} == {
            (rows[0].pct_improved, rows[0].pct_unchanged, rows[0].pct_deteriorated)
        }
        # The cohort filter on the overview and the cohort's own page: the same people, the same classification.
        top_filtered = filtered.row(f"org:{org.id}", scale)
        top_cohort = cohort_page.row(f"cohort:{cohort_a.id}", scale)
        assert top_filtered.pct_improved == top_cohort.pct_improved


def test_the_classification_is_the_reference_applied_by_hand(db, two_cohorts):
    org, _, _, _, manager, inst = two_cohorts
    report = _org_report(db, manager, inst)
    data = service.load_dataset(db, scope=Scope(organisation_id=org.id, instrument_id=inst.id), instrument=inst)
    ref = report.references["KEN"]
    s_diff = ref.sd_t0 * np.sqrt(2 * (1 - ref.reliability))
    d = data.columns.scores[("T1", "KEN")] - data.columns.scores[("T0", "KEN")]
    d = d[np.isfinite(d)]
    assert report.row(f"org:{org.id}", "KEN").pct_improved == round(100 * np.mean(d / s_diff > 1.96) + 1e-9)


def test_a_new_t0_response_does_not_move_last_months_percentages(db, two_cohorts):
    org, wijken, cohort_a, _, manager, inst = two_cohorts
    before = _org_report(db, manager, inst)
    rng = random.Random(99)
    for i in range(8):  # extreme newcomers: they would move a pooled SD a lot
        e = make_person(db, org=org, wijk=wijken["Noord"], cohort=cohort_a, tag=f"late{i}")
        answers = {
            k: (1 if i % 2 else 5) if isinstance(v, int) else v for k, v in random_answers(rng, inst, "T0").items()
        }
        submit(db, enrolment=e, moment="T0", answers=answers, inst=inst)
    db.commit()
    after = _org_report(db, manager, inst)
    assert after.references == before.references
    for scale in ("KEN", "ATT", "ZEL"):
        row_before, row_after = before.row(f"org:{org.id}", scale), after.row(f"org:{org.id}", scale)
        assert row_after.n_from > row_before.n_from  # the newcomers are counted at T0 ...
        assert row_after.pct_improved == row_before.pct_improved  # ... but reliable change stands


def test_a_version_with_few_respondents_has_a_provisional_reference_and_none_below_the_threshold(db):
    rng = random.Random(5)
    inst = instrument()
    org, wijken, cohort = make_org(db, name="Kleingemeente", wijken={"Noord": None})
    for i in range(3):
        e = make_person(db, org=org, wijk=wijken["Noord"], cohort=cohort, tag=f"klein{i}")
        submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst)
    db.commit()
    refs = rci_references(db, instrument=inst)
    assert refs and all(not r.frozen and r.n_sample == 3 for r in refs.values())
    assert db.exec(select(RciReference)).all() == []
    assert service.references_for(db, inst, Thresholds()) == {}  # 3 people: below the small-cell threshold


def test_the_trend_gives_each_cohort_the_figures_of_its_filtered_view(db, two_cohorts):
    org, _, cohort_a, cohort_b, manager, inst = two_cohorts
    _, trend = service.trend_reports(db, user=manager, instrument=inst, thresholds=Thresholds())
    assert [c.id for c, _ in trend] == [cohort_a.id, cohort_b.id]
    for cohort, report in trend:
        filtered = _org_report(db, manager, inst, cohort_id=cohort.id)
        for scale in ("KEN", "ATT", "ZEL"):
            got, want = report.row(f"org:{org.id}", scale), filtered.row(f"org:{org.id}", scale)
            assert (got.n_paired, got.mean_change, got.ci_low, got.pct_improved) == (
                want.n_paired,
                want.mean_change,
                want.ci_low,
                want.pct_improved,
            )
