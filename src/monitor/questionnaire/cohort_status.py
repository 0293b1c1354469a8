"""For trainers: per trainee whether each questionnaire is not started, in progress or submitted. Never an answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sqlmodel import Session, col, func, select

from monitor.models import MeasurementWindow, QuestionnaireResponse
from training.access import get_visible_cohort
from training.cohorts import ExtraColumns
from training.models import Enrolment, User


class ResponseStatus(str, Enum):
    not_started = "niet gestart"
    in_progress = "bezig"
    submitted = "ingediend"


@dataclass(frozen=True)
class MomentRate:
    moment: str
    submitted: int
    enrolled: int

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.enrolled) if self.enrolled else 0


@dataclass(frozen=True)
class CohortQuestionnaireStatus:
    moments: list[str]  # the moments the cohort has a window for, in order
    by_user: dict[int, dict[str, ResponseStatus]] = field(default_factory=dict)
    rates: list[MomentRate] = field(default_factory=list)

    def status(self, user_id: int, moment: str) -> ResponseStatus:
        return self.by_user.get(user_id, {}).get(moment, ResponseStatus.not_started)


def cohort_questionnaire_status(session: Session, *, user: User, cohort_id: int) -> CohortQuestionnaireStatus:
    """Status per enrolled trainee and moment, and the cohort's response rate per moment (submitted / enrolled).

    Scoped like every cohort read: only a cohort the user may see (trainers: their own).
    """
    cohort = get_visible_cohort(session, user=user, cohort_id=cohort_id)
    moments = sorted(session.exec(select(MeasurementWindow.moment).where(MeasurementWindow.cohort_id == cohort.id)))
    enrolled = session.exec(select(func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id)).one()
    by_user: dict[int, dict[str, ResponseStatus]] = {}
    rows = session.exec(
        select(Enrolment.user_id, QuestionnaireResponse.moment, QuestionnaireResponse.status)
        .join(Enrolment, col(Enrolment.id) == QuestionnaireResponse.enrolment_id)
        .where(Enrolment.cohort_id == cohort.id)
    )
    for user_id, moment, status in rows:
        current = by_user.setdefault(user_id, {}).get(moment)
        new = ResponseStatus.submitted if status == "submitted" else ResponseStatus.in_progress
        if current is not ResponseStatus.submitted:  # with two instruments, submitted wins
            by_user[user_id][moment] = new
    rates = [
        MomentRate(m, sum(1 for s in by_user.values() if s.get(m) is ResponseStatus.submitted), enrolled)
        for m in moments
    ]
    return CohortQuestionnaireStatus(moments, by_user, rates)


def status_columns(session: Session, *, user: User, cohort_id: int) -> ExtraColumns:
    """T0/T1/T2 status per trainee as extra columns of the progress downloads, as in the matrix (never answers)."""
    status = cohort_questionnaire_status(session, user=user, cohort_id=cohort_id)
    return ExtraColumns(
        [f"vragenlijst {m}" for m in status.moments],
        lambda user_id: [status.status(user_id, m).value for m in status.moments],
    )
