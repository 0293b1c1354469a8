"""Small builders for monitor tests: an organisation with wijken and people who answered the questionnaire."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from sqlmodel import Session

from monitor.models import Answer, QuestionnaireResponse
from monitor.questionnaire.instrument import Instrument, load_instruments
from monitor.questionnaire.versions import get_or_create_version
from privacy.models import ResearchChoice
from privacy.research import EXPLANATION_VERSION
from training.models import Cohort, Enrolment, Gebied, Organisation, Role, User, Wijk

CONTENT = Path(__file__).resolve().parents[2] / "content" / "questionnaires"


def instrument() -> Instrument:
    return load_instruments(CONTENT)[0]


def make_org(
    session: Session, *, name: str = "Testgemeente", wijken: dict[str, str | None]
) -> tuple[Organisation, dict[str, Wijk], Cohort]:
    """An organisation with the given wijken ({wijk: gebied or None}) and one cohort."""
    org = Organisation(name=name)
    session.add(org)
    session.flush()
    gebieden: dict[str, Gebied] = {}
    out = {}
    for wijk_name, gebied_name in wijken.items():
        gid = None
        if gebied_name:
            if gebied_name not in gebieden:
                gebieden[gebied_name] = Gebied(organisation_id=org.id, name=gebied_name)
                session.add(gebieden[gebied_name])
                session.flush()
            gid = gebieden[gebied_name].id
        w = Wijk(organisation_id=org.id, gebied_id=gid, name=wijk_name)
        session.add(w)
        session.flush()
        out[wijk_name] = w
    cohort = Cohort(
        organisation_id=org.id, name=f"{name} groep", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    session.add(cohort)
    session.flush()
    return org, out, cohort


def make_person(
    session: Session, *, org: Organisation, wijk: Wijk, cohort: Cohort, tag: str, research: bool | None = True
) -> Enrolment:
    """A trainee enrolled in the cohort, with a research choice (``None``: has not chosen)."""
    user = User(
        name=f"Persoon {tag}",
        email=f"p-{tag}-{org.id}@test.local",
        role=Role.trainee.value,
        organisation_id=org.id,
        wijk_id=wijk.id,
    )
    session.add(user)
    session.flush()
    enrolment = Enrolment(cohort_id=cohort.id, user_id=user.id, wijk_id=wijk.id)
    session.add(enrolment)
    if research is not None:
        session.add(ResearchChoice(user_id=user.id, agreed=research, explanation_version=EXPLANATION_VERSION))
    session.flush()
    return enrolment


def submit(
    session: Session,
    *,
    enrolment: Enrolment,
    moment: str,
    answers: dict[str, int | str | None],
    then_answers: dict[str, int] | None = None,
    inst: Instrument | None = None,
) -> QuestionnaireResponse:
    inst = inst or instrument()
    version = get_or_create_version(session, instrument=inst)
    response = QuestionnaireResponse(
        enrolment_id=enrolment.id,
        moment=moment,
        instrument_id=inst.id,
        instrument_version_id=version.id,
        status="submitted",
        source="import",
    )
    session.add(response)
    session.flush()
    for item_id, value in answers.items():
        if value is None:
            continue
        missing = value if isinstance(value, str) else None
        session.add(
            Answer(response_id=response.id, item_id=item_id, value=None if missing else value, missing_code=missing)
        )
    for item_id, value in (then_answers or {}).items():
        session.add(Answer(response_id=response.id, item_id=item_id, value=value, then_test=True))
    session.flush()
    return response


def random_answers(
    rng: random.Random, inst: Instrument, moment: str, *, shift: float = 0.0, missing_rate: float = 0.05
) -> dict[str, int | str | None]:
    out: dict[str, int | str | None] = {}
    base = rng.gauss(3.0 + shift, 0.6)
    for item in inst.items_for(moment):
        if rng.random() < missing_rate:
            fmt = inst.format_of(item)
            out[item.id] = sorted(fmt.missing_codes)[0] if fmt.missing_codes else None
            continue
        value = min(5, max(1, round(base + rng.gauss(0, 0.7))))
        out[item.id] = 6 - value if item.reverse else value
    return out


def build_monitored(db: Session):
    """Next to the demo data: "Monitorgemeente" with 3 wijken of 12 people who answered T0 and T1 and a wijk of 3,
    a manager m@monitor.local and a trainer t@monitor.local of its cohort (password: the demo password)."""
    from sqlmodel import select

    from training.models import CohortTrainer

    rng = random.Random(3)
    inst = instrument()
    org, wijken, cohort = make_org(
        db, name="Monitorgemeente", wijken={"Noord A": "Noord", "Noord B": "Noord", "Zuid A": None, "Zuid B": None}
    )
    for name, n in {"Noord A": 12, "Noord B": 12, "Zuid A": 12, "Zuid B": 3}.items():
        for i in range(n):
            e = make_person(db, org=org, wijk=wijken[name], cohort=cohort, tag=f"{name}{i}")
            submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst)
            then = {item.id: rng.randint(1, 4) for item in inst.then_test_items()}
            submit(
                db,
                enrolment=e,
                moment="T1",
                answers=random_answers(rng, inst, "T1", shift=0.5),
                then_answers=then,
                inst=inst,
            )
    demo_hash = db.exec(select(User).where(User.email == "manager@demo.local")).one().password_hash
    manager = User(
        name="M", email="m@monitor.local", role=Role.manager.value, organisation_id=org.id, password_hash=demo_hash
    )
    trainer = User(
        name="T", email="t@monitor.local", role=Role.trainer.value, organisation_id=org.id, password_hash=demo_hash
    )
    db.add_all([manager, trainer])
    db.flush()
    db.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    db.commit()
    return org, wijken, cohort
