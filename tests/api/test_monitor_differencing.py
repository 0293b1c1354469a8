"""The reported differencing attack, replayed over HTTP as the demo manager: every JSON view combined pins nothing.

The issue's example: Charlois in `/api/v1/monitor?cohort_id=1` minus Tarwewijk on `/api/v1/monitor/cohorts/1` gave
Carnisse (withheld everywhere); Charlois over all cohorts minus the same with one cohort gave one trainee's score.
Here the attacker reads what the API answers (rows and flows, for every pair of moments, with and without each
cohort filter, and every cohort's own API) and checks that nothing small or withheld is determined.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlmodel import select

from monitor.questionnaire.instrument import load_instruments
from monitor.report import patterns
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


def test_the_page_and_the_api_say_how_many_scores_are_left_out_across_moments(login_as, demo):
    """The demo organisation has people whose scores figures about different moments would give away: the API
    counts them per scale, as the protection decided, and the page says so in words."""
    client = login_as("manager")
    manager = demo.exec(select(User).where(User.email == "manager@demo.local")).one()
    inst = load_instruments(CONTENT_DIR / "questionnaires")[0]
    ref = load_dataset(
        demo, scope=Scope(organisation_id=manager.organisation_id, instrument_id=inst.id), instrument=inst
    )
    left = patterns.left_out(ref, Thresholds(), date.today())
    expected = {}
    for scale in ref.scales:
        people = {int(i) for (v, s), idx in left.items() if s == scale for i in idx}
        if people:
            expected[scale] = len(people)
    assert expected, "the demo data should show the rule at work"
    answer = client.get("/api/v1/monitor", params={"moment_from": "T0", "moment_to": "T1"}).json()
    assert answer["left_out"] == expected
    page = client.get("/monitor", params={"van": "T0", "naar": "T1"})
    text = " ".join(page.text.split())
    titles = {s.id: s.title for s in inst.scales}
    first = next(iter(expected))
    assert "Daarom niet meegeteld in deze weergave:" in text
    assert f"{titles[first]} {expected[first]} deelnemer" in text
