"""Research exports hold only people who said yes; the choice can be changed and each change is in the audit trail."""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime

import pyreadstat
from sqlmodel import select

from monitor.exports.research import KINDS, Pseudonymiser, plan_research_export, write_research_file
from monitor.report.disclosure import Thresholds
from privacy.models import RESEARCH_EXPLANATION_VERSION
from privacy.research import choose_research, needs_research_choice, research_choice_of
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.models import AuditEntry, User


def _org_with_choices(db, choices):
    org, wijken, cohort = make_org(db, wijken={"Noord": None})
    inst, rng = instrument(), random.Random(1)
    people = []
    for i, research in enumerate(choices):
        e = make_person(db, org=org, wijk=wijken["Noord"], cohort=cohort, tag=str(i), research=research)
        submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"))
        people.append(e)
    return org, inst, people


def _exported(db, org, inst) -> set[int]:
    plan = plan_research_export(db, organisation=org, instrument=inst, thresholds=Thresholds(min_n=1))
    return {p.enrolment_id for p in plan.people}


def test_only_people_who_said_yes_are_in_the_research_export(db):
    org, inst, people = _org_with_choices(db, [True, True, False, None])
    assert _exported(db, org, inst) == {people[0].id, people[1].id}


def test_changing_the_choice_changes_the_next_export_and_is_audited(db):
    org, inst, people = _org_with_choices(db, [True, True, False])
    yes, _, no = (db.get(User, p.user_id) for p in people)
    choose_research(db, user=yes, agreed=False)
    choose_research(db, user=no, agreed=True)
    assert _exported(db, org, inst) == {people[1].id, people[2].id}
    entries = db.exec(select(AuditEntry).where(AuditEntry.action == "research.chosen")).all()
    assert sorted((e.object_id, '"agreed": true' in e.details_json) for e in entries) == sorted(
        [(str(yes.id), False), (str(no.id), True)]
    )


def test_a_trainee_who_has_not_chosen_is_asked(db):
    *_, people = _org_with_choices(db, [None])
    user = db.get(User, people[0].user_id)
    assert needs_research_choice(db, user=user)
    choose_research(db, user=user, agreed=False)
    assert not needs_research_choice(db, user=user)
    assert research_choice_of(db, user_id=user.id).agreed is False


def _write(db, org, inst, tmp_path, kind):
    path = tmp_path / f"{kind}.{KINDS[kind]}"
    write_research_file(
        db,
        organisation=org,
        instrument=inst,
        thresholds=Thresholds(min_n=1),
        kind=kind,
        path=path,
        user_id=None,
        channel="test",
        pseudonymiser=Pseudonymiser(),
    )
    return path


def test_every_research_file_says_per_person_which_choice_and_when(db, tmp_path):
    org, inst, people = _org_with_choices(db, [True, True, False])
    early, late = (db.get(User, p.user_id) for p in people[:2])
    first = research_choice_of(db, user_id=early.id)
    first.explanation_version, first.chosen_at = 7, datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    db.add(first)
    choose_research(db, user=late, agreed=True)  # the current version, today
    today = research_choice_of(db, user_id=late.id).chosen_at.date().isoformat()
    expected = sorted([("7", "2026-03-04"), (str(RESEARCH_EXPLANATION_VERSION), today)])

    for kind in ("long", "wide"):
        with _write(db, org, inst, tmp_path, kind).open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        per_person = {r["pseudonym"]: (r["research_choice_version"], r["research_choice_date"]) for r in rows}
        assert sorted(per_person.values()) == expected, kind
    frame, _meta = pyreadstat.read_sav(str(_write(db, org, inst, tmp_path, "spss")))
    assert (
        sorted(
            (str(int(v)), d)
            for v, d in zip(frame["research_choice_version"], frame["research_choice_date"], strict=True)
        )
        == expected
    )
    codebook = json.loads(_write(db, org, inst, tmp_path, "codebook_json").read_text(encoding="utf-8"))
    assert {"research_choice_version", "research_choice_date"} <= set(codebook["long_format"])
