"""The reported differencing attack, replayed over HTTP as the demo manager: every JSON view combined pins nothing.

The issue's example: Charlois in `/api/v1/monitor?cohort_id=1` minus Tarwewijk on `/api/v1/monitor/cohorts/1` gave
Carnisse (withheld everywhere); Charlois over all cohorts minus the same with one cohort gave one trainee's score.
Here the attacker reads what the API answers (rows and flows, for every pair of moments, with and without each
cohort filter, and every cohort's own API) and checks that nothing small or withheld is determined.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlmodel import select

from monitor.questionnaire.instrument import load_instruments
from monitor.report.dataset import Scope, load_dataset
from monitor.report.disclosure import Thresholds
from monitor.report.service import PAIRS
from tests.conftest import CONTENT_DIR
from tests.monitor.attacker import Attack, ViewFilter, published_reference
from training.models import Cohort, User


def _as_report(body: dict) -> SimpleNamespace:
    rows = [SimpleNamespace(**r) for r in body["rows"]]
    flows = [SimpleNamespace(**f) for f in body["flows"]]
    root = rows[0].group_key if rows else None
    return SimpleNamespace(
        moment_from=body["moment_from"],
        moment_to=body["moment_to"],
        rows=rows,
        flows=flows,
        then_test=[],
        attrition=[],
        groups=[(root, None, None, None)],
    )


def test_no_combination_of_api_answers_gives_away_a_small_group(login_as, demo):
    client = login_as("manager")
    manager = demo.exec(select(User).where(User.email == "manager@demo.local")).one()
    inst = load_instruments(CONTENT_DIR / "questionnaires")[0]
    ref = load_dataset(
        demo,
        scope=Scope(organisation_id=manager.organisation_id, instrument_id=inst.id),
        instrument=inst,
        learning=False,
    )
    attacker = Attack(published_reference(ref, Thresholds()), 5, 10)
    cohorts = demo.exec(select(Cohort.id).where(Cohort.organisation_id == manager.organisation_id)).all()
    assert len(cohorts) >= 2
    for a, b in PAIRS:
        pair = {"moment_from": a, "moment_to": b}
        answer = client.get("/api/v1/monitor", params=pair)
        assert answer.status_code == 200
        attacker.add_report(_as_report(answer.json()), ViewFilter())
        for cohort in cohorts:
            for url in ("/api/v1/monitor", f"/api/v1/monitor/cohorts/{cohort}"):
                params = {**pair, "cohort_id": cohort} if url == "/api/v1/monitor" else pair
                answer = client.get(url, params=params)
                assert answer.status_code == 200
                attacker.add_report(_as_report(answer.json()), ViewFilter(frozenset({cohort})))
    assert attacker.published
    assert attacker.findings() == []
