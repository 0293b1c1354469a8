"""The attacker's test on the city data, through the real services: each organisation's manager reads every view.

The same views a manager reaches in the browser, the API and the exports (they all show the rows of these service
calls): the overview for every pair of moments, unfiltered, per cohort, for every start period that selects a
different run of cohorts, and per instrument version; and every cohort page. Nothing small or withheld may be
pinned down by combining them (``tests.monitor.attacker``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from demo.city_data import generate_city
from monitor.models import InstrumentVersion
from monitor.report.dataset import Scope, load_dataset
from monitor.report.disclosure import Thresholds
from monitor.report.service import PAIRS, cohort_report, organisation_report
from tests.monitor import attacker_moments
from tests.monitor.attacker import Attack, ViewFilter, published_reference
from tests.monitor.builders import instrument
from training.content import load_modules
from training.models import Cohort, Organisation, Role, User

MODULES = Path(__file__).resolve().parents[2] / "content" / "modules"


@pytest.mark.parametrize("priority", ["wijk", "cohort"])
def test_no_manager_can_pin_down_a_small_group_on_the_city_data(db, priority):
    inst = instrument()
    modules = load_modules(MODULES)
    generate_city(db, instrument=inst, modules=modules, scale_down=4)
    db.commit()
    thresholds = Thresholds(priority=priority)
    versions = [None, *db.exec(select(InstrumentVersion.id)).all()]
    learning_shown = 0
    for org in db.exec(select(Organisation)).all():
        manager = db.exec(select(User).where(User.role == Role.manager.value, User.organisation_id == org.id)).first()
        ref = load_dataset(db, scope=Scope(organisation_id=org.id, instrument_id=inst.id), instrument=inst)
        published = published_reference(ref, thresholds)
        attacker = Attack(published, thresholds.min_n, thresholds.min_paired)
        c = published.columns  # who completed every module: the learning × growth table's split
        done = c.modules_completed >= np.where(c.modules_required > 0, c.modules_required, len(modules))
        moments = attacker_moments.Attack(published, thresholds.min_n, thresholds.min_paired, done=done)
        cohorts = sorted(
            db.exec(select(Cohort).where(Cohort.organisation_id == org.id)).all(), key=lambda c: (c.start_date, c.id)
        )
        periods = {
            (cohorts[i].start_date, cohorts[j].start_date) for i in range(len(cohorts)) for j in range(i, len(cohorts))
        }
        filters: list[tuple[dict, ViewFilter]] = [({}, ViewFilter())]
        filters += [({"cohort_id": c.id}, ViewFilter(frozenset({c.id}))) for c in cohorts]
        filters += [
            (
                {"started_from": a, "started_to": b},
                ViewFilter(frozenset(c.id for c in cohorts if a <= c.start_date <= b)),
            )
            for a, b in periods
        ]
        filters = [({**kw, "version_id": v}, ViewFilter(f.cohorts, v)) for kw, f in filters for v in versions]
        for a, b in PAIRS:
            for kwargs, flt in filters:
                report = organisation_report(
                    db,
                    user=manager,
                    instrument=inst,
                    thresholds=thresholds,
                    moment_from=a,
                    moment_to=b,
                    n_modules=len(modules),
                    **kwargs,
                )
                learning_shown += sum(row.n_all_modules is not None for row in report.learning)
                attacker.add_report(report, flt)
                moments.add_report(report, flt)
            for cohort in cohorts:
                report = cohort_report(
                    db,
                    user=manager,
                    cohort_id=cohort.id,
                    instrument=inst,
                    thresholds=thresholds,
                    moment_from=a,
                    moment_to=b,
                )
                attacker.add_report(report, ViewFilter(frozenset({cohort.id})))
                moments.add_report(report, ViewFilter(frozenset({cohort.id})))
        assert attacker.published, "the manager saw nothing at all"
        small = attacker.cells(("score", "T0", "KEN"))[1]
        assert ((small > 0) & (small < thresholds.min_n)).any(), "no small cell: the attack would prove nothing"
        assert attacker.findings() == [], org.name
        assert moments.findings() == [], org.name  # figures about different moments combined (docs/disclosure.md)
    assert learning_shown, "no learning × growth shown: the attack would not weigh it"
