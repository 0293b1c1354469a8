"""Read models for home pages and administration lists, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from training.access import visible_cohort_ids
from training.errors import PermissionDenied
from training.ids import id_of
from training.models import Cohort, Enrolment, Organisation, Role, User, Wijk


@dataclass
class CohortLine:
    id: int
    name: str
    start_date: object
    end_date: object
    n_trainees: int


@dataclass
class HomeSummary:
    organisation: str | None
    wijk: str | None
    cohorts: list[CohortLine] = field(default_factory=list)
    n_wijken: int = 0
    n_trainees: int = 0


def home_summary(session: Session, *, user: User) -> HomeSummary:
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    wijk = session.get(Wijk, user.wijk_id) if user.wijk_id else None
    summary = HomeSummary(organisation=org.name if org else None, wijk=wijk.name if wijk else None)
    ids = visible_cohort_ids(session, user=user)
    if ids is not None and not ids:
        return summary
    q = (
        select(Cohort, func.count(col(Enrolment.id)))
        .join(Enrolment, col(Enrolment.cohort_id) == col(Cohort.id), isouter=True)
        .group_by(col(Cohort.id))
        .order_by(col(Cohort.start_date), col(Cohort.name))
    )
    if ids is not None:
        q = q.where(col(Cohort.id).in_(ids))
    for cohort, n in session.exec(q):
        summary.cohorts.append(CohortLine(id_of(cohort), cohort.name, cohort.start_date, cohort.end_date, n))
    if user.role in (Role.manager, Role.admin):
        wq = select(func.count(col(Wijk.id)))
        tq = select(func.count(col(User.id))).where(col(User.role) == Role.trainee.value)
        if user.role == Role.manager:
            wq = wq.where(Wijk.organisation_id == user.organisation_id)
            tq = tq.where(User.organisation_id == user.organisation_id)
        summary.n_wijken = session.exec(wq).one()
        summary.n_trainees = session.exec(tq).one()
    return summary


def list_users(session: Session, *, user: User) -> list[User]:
    if user.role != Role.admin:
        raise PermissionDenied()
    return list(session.exec(select(User).order_by(User.role, User.name)))
