"""Demo data for the monitor: measurement windows for the demo cohorts and plausible submitted T0/T1 responses."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert
from sqlmodel import Session, col, select

from monitor.models import Answer, MeasurementWindow, QuestionnaireResponse
from monitor.questionnaire.instrument import Instrument
from monitor.questionnaire.stored_scores import compute_scores
from monitor.questionnaire.versions import get_or_create_version
from monitor.questionnaire.windows import set_window
from privacy.models import RESEARCH_EXPLANATION_VERSION, ResearchChoice
from training.ids import id_of
from training.models import Cohort, Enrolment, Organisation, User

ORGANISATION = "Gemeente Rotterdam"  # the training demo's organisation
SPRING, AUTUMN = "Regie-ondersteuners voorjaar", "Regie-ondersteuners najaar"
EARLIER = "Regie-ondersteuners vorig jaar"  # finished: every window closed
EARLIER_WIJKEN = (("Afrikaanderwijk", 13), ("Bloemhof", 12), ("Hillesluis", 11), ("Tarwewijk", 6))
DEMO_TRAINEE = "trainee@demo.local"  # fills in her own voormeting: no responses are made for her
T0_RATE, T1_RATE = 0.85, 0.75  # share of trainees with a submitted T0; of the spring cohort, with a T1
SKIP_RATE = 0.03  # items left unanswered
DECLINE_RATE = 0.12  # share of trainees who said no to the evaluation research


def _clamp(x: float) -> int:
    return max(1, min(5, round(x)))


def load_monitor_demo_data(
    session: Session, *, instruments: Sequence[Instrument], seed: int = 2026, today: date | None = None
) -> dict[str, int]:
    """Windows and responses for the training demo's two cohorts. Idempotent: nothing happens when the windows
    are already there, or when the training demo data are not."""
    cohorts = {
        c.name: c
        for c in session.exec(
            select(Cohort)
            .join(Organisation, col(Organisation.id) == Cohort.organisation_id)
            .where(Organisation.name == ORGANISATION, col(Cohort.name).in_([SPRING, AUTUMN]))
        )
    }
    if len(cohorts) != 2 or not instruments:
        return {}
    if session.exec(
        select(MeasurementWindow.id).where(col(MeasurementWindow.cohort_id).in_([id_of(c) for c in cohorts.values()]))
    ).first():
        return {}
    today = today or date.today()
    spring, autumn = cohorts[SPRING], cohorts[AUTUMN]
    # T0 is open now for both; the spring cohort's nameting is open too (by date, or earlier once the modules are done).
    set_window(
        session,
        cohort_id=id_of(spring),
        moment="T0",
        opens_on=spring.start_date - timedelta(days=14),
        closes_on=today + timedelta(days=21),
    )
    set_window(
        session,
        cohort_id=id_of(spring),
        moment="T1",
        opens_on=today - timedelta(days=7),
        closes_on=spring.end_date + timedelta(days=21),
        open_rule="modules_completed",
    )
    set_window(
        session,
        cohort_id=id_of(spring),
        moment="T2",
        opens_on=spring.end_date + timedelta(days=90),
        closes_on=spring.end_date + timedelta(days=150),
    )
    set_window(
        session,
        cohort_id=id_of(autumn),
        moment="T0",
        opens_on=autumn.start_date - timedelta(days=14),
        closes_on=today + timedelta(days=28),
    )
    set_window(
        session,
        cohort_id=id_of(autumn),
        moment="T1",
        opens_on=autumn.end_date - timedelta(days=7),
        closes_on=autumn.end_date + timedelta(days=21),
        open_rule="modules_completed",
    )

    instrument = instruments[0]
    version = get_or_create_version(session, instrument=instrument)
    rng = random.Random(seed)
    enrolments = session.exec(
        select(Enrolment, User)
        .join(User, col(User.id) == Enrolment.user_id)
        .where(col(Enrolment.cohort_id).in_([id_of(spring), id_of(autumn)]), User.email != DEMO_TRAINEE)
        .order_by(col(Enrolment.id))
    ).all()
    _research_choices(session, [user for _, user in enrolments], seed=seed, today=today)
    counts = [0, 0]  # responses, answers
    for enrolment, _user in enrolments:
        has_t0 = rng.random() < T0_RATE
        has_t1 = enrolment.cohort_id == spring.id and rng.random() < (T1_RATE if has_t0 else 0.4)
        _respond(session, enrolment, instrument, version, [("T0", has_t0, 50), ("T1", has_t1, 3)], rng, today, counts)
    earlier = _earlier_cohort(session, spring.organisation_id, today)
    _research_choices(session, [session.get_one(User, e.user_id) for e in earlier], seed=seed + 1, today=today)
    for enrolment in earlier:
        has_t1 = rng.random() < 0.92
        has_t2 = has_t1 and rng.random() < 0.75
        moments = [("T0", True, 290), ("T1", has_t1, 200), ("T2", has_t2, 80)]
        _respond(session, enrolment, instrument, version, moments, rng, today, counts)
    n_responses, n_answers = counts
    session.flush()
    return {"windows": 8, "responses": n_responses, "answers": n_answers}


def _respond(
    session: Session,
    enrolment: Enrolment,
    instrument: Instrument,
    version,
    moments: list[tuple[str, bool, int]],
    rng: random.Random,
    today: date,
    counts: list[int],
) -> None:
    """Submitted responses of one person at the wanted moments (``days_ago`` before today), scored as a submission
    is. A latent level per scale, and a growth that is positive on average but not for everyone."""
    level = {scale.id: rng.gauss(2.8, 0.55) for scale in instrument.scales}
    gain = {scale.id: rng.gauss(0.55 if scale.id != "FAC" else 0.1, 0.45) for scale in instrument.scales}
    for moment, wanted, days_ago in moments:
        if not wanted:
            continue
        submitted = datetime.combine(today - timedelta(days=days_ago + rng.randint(0, 6)), time(10), tzinfo=UTC)
        rows = _answers(instrument, moment, level, gain, rng)
        scores = compute_scores(
            instrument,
            moment,
            [(item_id, then_test, value if isinstance(value, int) else None) for item_id, then_test, value in rows],
        )
        response = QuestionnaireResponse(
            enrolment_id=id_of(enrolment),
            moment=moment,
            instrument_id=instrument.id,
            instrument_version_id=version.id,
            status="submitted",
            started_at=submitted - timedelta(minutes=20),
            submitted_at=submitted,
            scores_json=scores.scores_json(),
            items_json=scores.items_json(),
        )
        session.add(response)
        session.flush()
        counts[0] += 1
        session.execute(
            insert(Answer.__table__),  # type: ignore[attr-defined]  # set by SQLModel on table models, not typed
            [
                {
                    "response_id": response.id,
                    "item_id": item_id,
                    "then_test": then_test,
                    "answered_at": submitted,
                    "value": value if isinstance(value, int) else None,
                    "missing_code": None if isinstance(value, int) else value,
                }
                for item_id, then_test, value in rows
            ],
        )
        counts[1] += len(rows)


def _earlier_cohort(session: Session, organisation_id: int, today: date) -> list[Enrolment]:
    """A finished cohort of last year whose windows have all closed, in two wijken of more than ten people and one
    smaller one: the per-wijk monitor shows figures beside withheld cells, and the trend has a cohort to compare."""
    from training.models import Wijk

    cohort = Cohort(
        organisation_id=organisation_id,
        name=EARLIER,
        start_date=today - timedelta(days=300),
        end_date=today - timedelta(days=210),
    )
    session.add(cohort)
    session.flush()
    assert cohort.id is not None
    for moment, opens, closes in (("T0", 320, 280), ("T1", 215, 180), ("T2", 120, 60)):
        set_window(
            session,
            cohort_id=cohort.id,
            moment=moment,
            opens_on=today - timedelta(days=opens),
            closes_on=today - timedelta(days=closes),
        )
    wijken = {w.name: w for w in session.exec(select(Wijk).where(Wijk.organisation_id == organisation_id))}
    enrolments = []
    for wijk_name, n in EARLIER_WIJKEN:
        wijk = wijken.get(wijk_name)
        if wijk is None:
            continue
        for i in range(n):
            user = User(
                name=f"Oud-deelnemer {wijk_name} {i + 1}",
                email=f"oud.{wijk.id}.{i + 1}@demo.local",
                role="trainee",
                organisation_id=organisation_id,
                wijk_id=wijk.id,
            )
            session.add(user)
            session.flush()
            enrolment = Enrolment(cohort_id=cohort.id, user_id=user.id, wijk_id=wijk.id)  # type: ignore[arg-type]
            session.add(enrolment)
            enrolments.append(enrolment)
    session.flush()
    return enrolments


def _research_choices(session: Session, users: Sequence[User], *, seed: int, today: date) -> None:
    """Most demo trainees agreed to research, about one in eight declined (their own random stream, so the answers
    above stay as they were). The demo trainee has not chosen yet: they are asked before the voormeting."""
    rng = random.Random(seed + 1)
    chosen = datetime.combine(today - timedelta(days=60), time(10), tzinfo=UTC)
    for user_id in sorted({id_of(u) for u in users}):
        session.add(
            ResearchChoice(
                user_id=user_id,
                agreed=rng.random() >= DECLINE_RATE,
                explanation_version=RESEARCH_EXPLANATION_VERSION,
                chosen_at=chosen,
            )
        )
    session.flush()


def _answers(
    instrument: Instrument, moment: str, level: dict[str, float], gain: dict[str, float], rng: random.Random
) -> list[tuple[str, bool, int | str]]:
    rows: list[tuple[str, bool, int | str]] = []
    for item in instrument.items_for(moment):
        if rng.random() < SKIP_RATE:
            continue
        fmt = instrument.format_of(item)
        if fmt.missing and rng.random() < 0.04:
            rows.append((item.id, False, fmt.missing[0].code))
            continue
        true_level = level[item.scale] + (gain[item.scale] if moment != "T0" else 0.0)
        agreement = _clamp(true_level + rng.gauss(0, 0.6))
        # Reverse-keyed items are answered consistently: high ability means disagreeing with them.
        rows.append((item.id, False, 6 - agreement if item.reverse else agreement))
        if moment == "T1" and item.then_test:
            # The then-test tends to fall below the T0 rating: the response shift the then-test is there to show.
            rows.append((item.id, True, _clamp(level[item.scale] - 0.35 + rng.gauss(0, 0.6))))
    for question in instrument.background_for(moment):
        rows.append((question.id, False, rng.choice(question.choices).code))
    return rows
