"""The wijk page shows for its wijk exactly what the overview shows for it: every figure and every withholding
(complementary suppression depends on the sibling wijken, so the wijk page plans over the whole organisation)."""

from __future__ import annotations

import random

import pytest

from monitor.questionnaire.stored_scores import store_scores
from monitor.report import service
from monitor.report.disclosure import Thresholds
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.models import Role, User

SIZES = {
    "Afrikaanderwijk": 20,
    "Bloemhof": 18,
    "Hillesluis": 3,
    "Tarwewijk": 11,
    "Carnisse": 6,
    "Spangen": 20,
    "Delfshaven": 16,
}
GEBIED = {
    "Afrikaanderwijk": "Feijenoord",
    "Bloemhof": "Feijenoord",
    "Hillesluis": "Feijenoord",
    "Tarwewijk": "Charlois",
    "Carnisse": "Charlois",
    "Spangen": None,
    "Delfshaven": None,
}


@pytest.fixture
def organisation(db):
    """94 people in 7 wijken (some too small, so that siblings are withheld too); T0, T1 and T2 with drop-outs."""
    rng = random.Random(29)
    inst = instrument()
    org, wijken, cohort = make_org(db, name="Wijkgemeente", wijken=GEBIED)
    for name, n in SIZES.items():
        for i in range(n):
            e = make_person(db, org=org, wijk=wijken[name], cohort=cohort, tag=f"w{name}{i}")
            store_scores(
                db, submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst).id
            )
            if rng.random() < 0.85:
                then = {item.id: rng.randint(1, 5) for item in inst.then_test_items()}
                store_scores(
                    db,
                    submit(
                        db,
                        enrolment=e,
                        moment="T1",
                        answers=random_answers(rng, inst, "T1", shift=0.4),
                        then_answers=then,
                        inst=inst,
                    ).id,
                )
            if rng.random() < 0.6:
                store_scores(
                    db,
                    submit(
                        db, enrolment=e, moment="T2", answers=random_answers(rng, inst, "T2", shift=0.6), inst=inst
                    ).id,
                )
    manager = User(
        name="M", email="m@wijkgemeente.local", role=Role.manager.value, organisation_id=org.id, password_hash="x"
    )
    db.add(manager)
    db.commit()
    return manager, wijken, inst


def test_the_wijk_page_shows_exactly_the_overviews_figures_for_its_wijk(db, organisation):
    manager, wijken, inst = organisation
    thresholds = Thresholds()
    overview = {
        pair: service.organisation_report(
            db, user=manager, instrument=inst, thresholds=thresholds, moment_from=pair[0], moment_to=pair[1]
        )
        for pair in service.PAIRS
    }
    withheld = complementary = 0
    for wijk in wijken.values():
        key = f"wijk:{wijk.id}"
        reports, _ = service.wijk_reports(db, user=manager, instrument=inst, thresholds=thresholds, wijk_id=wijk.id)
        for pair in service.PAIRS:
            mine = [vars(r) for r in reports[pair].rows if r.group_key == key]
            theirs = [vars(r) for r in overview[pair].rows if r.group_key == key]
            assert mine == theirs and len(mine) == len(inst.scales)
            assert [vars(f) for f in reports[pair].flows if f.group_key == key] == [
                vars(f) for f in overview[pair].flows if f.group_key == key
            ]
            assert [vars(t) for t in reports[pair].then_test if t.group_key == key] == [
                vars(t) for t in overview[pair].then_test if t.group_key == key
            ]
            withheld += sum(1 for r in mine if r["suppressed"])
            complementary += sum(1 for r in mine if "aanvullend afgeschermd" in r["reasons"].values())
    # The data set exercises both kinds of withholding, and shows figures too.
    assert withheld and complementary
    assert any(r.mean_change is not None for r in overview[("T0", "T1")].rows if r.level == "wijk")
