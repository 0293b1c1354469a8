"""Retention per organisation: a cohort's personal data are removed N months after its last measurement window
closed. Each cohort is one unit of work: locked (SKIP LOCKED on PostgreSQL, so runs on several hosts share the work),
re-checked, its people anonymised (privacy.erasure), marked done; the caller commits per cohort, so a run that is
killed resumes where it stopped and never handles a cohort twice."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from monitor.models import MeasurementWindow
from privacy.erasure import RETENTION, erase_person, is_erased
from privacy.models import CohortRetention, RetentionPolicy
from training import audit_trail
from training.errors import InvalidInput, PermissionDenied
from training.ids import id_of
from training.models import Cohort, Enrolment, Role, User, utcnow

DEFAULT_MONTHS = 12
MIN_MONTHS, MAX_MONTHS = 1, 120


@dataclass(frozen=True)
class DueCohort:
    cohort_id: int
    organisation_id: int
    name: str
    last_window_closes: date
    expires_on: date
    people: int  # trainees whose data would be removed (not yet erased, and with no cohort still running)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_for(session: Session, *, organisation_id: int) -> int:
    policy = session.get(RetentionPolicy, organisation_id)
    return policy.months_after_last_window if policy is not None else DEFAULT_MONTHS


def set_retention(session: Session, *, user: User, organisation_id: int, months: int) -> None:
    if user.role != Role.admin:
        raise PermissionDenied("Alleen beheer kan de bewaartermijn wijzigen.")
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise InvalidInput(f"Kies een bewaartermijn van {MIN_MONTHS} tot {MAX_MONTHS} maanden.", field="months")
    policy = session.get(RetentionPolicy, organisation_id) or RetentionPolicy(organisation_id=organisation_id)
    policy.months_after_last_window, policy.updated_at = months, utcnow()
    session.add(policy)
    session.flush()
    audit_trail.record(
        session,
        action="privacy.retention_changed",
        object_type="organisation",
        object_id=organisation_id,
        organisation_id=organisation_id,
        details={"months": months},
    )


def _expired_people(session: Session, *, cohort_id: int, today: date) -> list[int]:
    """Trainees of the cohort not yet erased whose every cohort has expired (someone still in a running cohort
    keeps their account until that one expires too)."""
    user_ids = session.exec(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort_id)).all()
    out = []
    for uid in sorted(set(user_ids)):
        user = session.get(User, uid)
        if user is None or user.role != Role.trainee.value or is_erased(session, user_id=uid):
            continue
        others = session.exec(select(Enrolment.cohort_id).where(Enrolment.user_id == uid)).all()
        if all(_expiry(session, cohort_id=c) <= today for c in others):
            out.append(uid)
    return out


def _last_close(session: Session, *, cohort: Cohort) -> date:
    closes = session.exec(
        select(func.max(MeasurementWindow.closes_on)).where(MeasurementWindow.cohort_id == id_of(cohort))
    ).one()
    return max(closes, cohort.end_date) if closes is not None else cohort.end_date


def _expiry(session: Session, *, cohort_id: int) -> date:
    cohort = session.get(Cohort, cohort_id)
    assert cohort is not None
    return add_months(_last_close(session, cohort=cohort), months_for(session, organisation_id=cohort.organisation_id))


def schedule(session: Session, *, organisation_id: int | None = None) -> list[tuple[Cohort, date, bool]]:
    """Every cohort with the day its personal data expire and whether that has been done (the admin page)."""
    query = select(Cohort).order_by(col(Cohort.id))
    if organisation_id is not None:
        query = query.where(Cohort.organisation_id == organisation_id)
    done = set(session.exec(select(CohortRetention.cohort_id)).all())
    return [(c, _expiry(session, cohort_id=id_of(c)), id_of(c) in done) for c in session.exec(query).all()]


def due_cohorts(session: Session, *, today: date) -> list[DueCohort]:
    """What a run on ``today`` would do (the dry run prints exactly this)."""
    out = []
    for cohort, expires_on, done in schedule(session):
        if done or expires_on > today:
            continue
        out.append(
            DueCohort(
                id_of(cohort),
                cohort.organisation_id,
                cohort.name,
                _last_close(session, cohort=cohort),
                expires_on,
                len(_expired_people(session, cohort_id=id_of(cohort), today=today)),
            )
        )
    return out


def process_cohort(session: Session, *, cohort_id: int, today: date) -> int | None:
    """Lock the cohort (skipping it when another run holds it), re-check that it is still to do, anonymise its
    people and mark it done. Returns the number of people, or None when skipped. The caller commits."""
    locked = session.exec(select(Cohort.id).where(Cohort.id == cohort_id).with_for_update(skip_locked=True)).first()
    if locked is None:
        return None
    # Re-read after taking the lock: a run that held it may have committed the marker meanwhile.
    if session.exec(select(CohortRetention.cohort_id).where(CohortRetention.cohort_id == cohort_id)).first():
        return None
    if _expiry(session, cohort_id=cohort_id) > today:
        return None
    people = _expired_people(session, cohort_id=cohort_id, today=today)
    for uid in people:
        erase_person(session, user_id=uid, kind=RETENTION, reason="bewaartermijn verstreken", by=None)
    session.add(CohortRetention(cohort_id=cohort_id, people=len(people)))
    cohort = session.get(Cohort, cohort_id)
    session.flush()
    audit_trail.record(
        session,
        action="privacy.retention_run",
        object_type="cohort",
        object_id=cohort_id,
        organisation_id=cohort.organisation_id if cohort else None,
        details={"people": len(people), "today": today.isoformat()},
    )
    return len(people)
