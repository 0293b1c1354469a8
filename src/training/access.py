"""Object-level access: which cohorts, enrolments and organisations a user may see. Used by every service query."""

from __future__ import annotations

from typing import cast

from sqlmodel import Session, select

from training.errors import NotFound
from training.models import Cohort, CohortTrainer, Enrolment, Role, User


def visible_cohort_ids(session: Session, *, user: User) -> list[int] | None:
    """Cohort ids the user may see; None means "all" (admin)."""
    if user.role == Role.admin:
        return None
    if user.role == Role.manager:
        # primary keys are never NULL: the cast only tells mypy so
        ids = session.exec(select(Cohort.id).where(Cohort.organisation_id == user.organisation_id))
        return cast("list[int]", list(ids))
    if user.role == Role.trainer:
        return list(session.exec(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == user.id)))
    return list(session.exec(select(Enrolment.cohort_id).where(Enrolment.user_id == user.id)))


def get_visible_cohort(session: Session, *, user: User, cohort_id: int) -> Cohort:
    """The cohort, if the user may see it. Others get NotFound: existence is not revealed."""
    cohort = session.get(Cohort, cohort_id)
    ids = visible_cohort_ids(session, user=user)
    if cohort is None or (ids is not None and cohort.id not in ids):
        raise NotFound("Deze groep bestaat niet of je hebt er geen toegang toe.")
    return cohort
