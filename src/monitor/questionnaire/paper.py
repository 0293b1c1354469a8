"""Paper forms: a trainer types in a trainee's paper questionnaire (source "paper"), once, for their own cohort."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from monitor.errors import QuestionnaireNotAllowed, ResponseExists, ResponseNotFound
from monitor.models import Answer, QuestionnaireResponse
from monitor.questionnaire.instrument import MOMENTS, Instrument
from monitor.questionnaire.responses import (
    SUBMITTED,
    check_open_text,
    find_response,
    get_or_create_response,
    parse_value,
    write_open_answer,
)
from monitor.questionnaire.stored_scores import store_scores
from training.access import get_visible_cohort
from training.errors import Conflict
from training.models import Cohort, Enrolment, Role, User, utcnow


@dataclass(frozen=True)
class PaperTarget:
    cohort: Cohort
    trainees: list[tuple[Enrolment, User]]
    # per enrolment, the moments that already have a response (and its status): named before any typing
    existing: dict[int, dict[str, str]] = field(default_factory=dict)

    def existing_for(self, enrolment_id: int | None, moment: str | None) -> str | None:
        """The status of the response this person already has at this moment, or None if there is none."""
        if enrolment_id is None or moment is None:
            return None
        return self.existing.get(enrolment_id, {}).get(moment)

    def name_of(self, enrolment_id: int | None) -> str | None:
        return next((u.name for e, u in self.trainees if e.id == enrolment_id), None)


def paper_target(session: Session, *, user: User, cohort_id: int, instrument_id: str | None = None) -> PaperTarget:
    """The cohort and its active trainees, if the user trains it (admins: any) and it is not archived. Managers never
    enter answers; deactivated trainees are not listed, so nothing can be entered for them."""
    if user.role not in (Role.trainer, Role.admin):
        raise QuestionnaireNotAllowed("Alleen trainers voeren papieren vragenlijsten in.")
    cohort = get_visible_cohort(session, user=user, cohort_id=cohort_id)
    if cohort.archived_at is not None:
        raise Conflict("Deze groep is gearchiveerd: er kunnen geen papieren vragenlijsten meer worden ingevoerd.")
    trainees = list(
        session.exec(
            select(Enrolment, User)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.deactivated_at.is_(None), User.is_active.is_(True))
            .order_by(User.name)
        )
    )
    existing: dict[int, dict[str, str]] = {}
    ids = [e.id for e, _ in trainees if e.id is not None]
    if ids and instrument_id is not None:
        for response in session.exec(
            select(QuestionnaireResponse).where(
                col(QuestionnaireResponse.enrolment_id).in_(ids), QuestionnaireResponse.instrument_id == instrument_id
            )
        ):
            existing.setdefault(response.enrolment_id, {})[response.moment] = response.status
    return PaperTarget(cohort, trainees, existing)


def enter_paper_response(
    session: Session,
    *,
    user: User,
    cohort_id: int,
    enrolment_id: int,
    moment: str,
    instrument: Instrument,
    values: Mapping[tuple[str, bool], str],
    open_texts: Mapping[str, str],
) -> QuestionnaireResponse:
    """Check every value first, then store one submitted response (source "paper", entered by the trainer)."""
    target = paper_target(session, user=user, cohort_id=cohort_id)
    enrolment = next((e for e, _ in target.trainees if e.id == enrolment_id), None)
    if enrolment is None or moment not in MOMENTS:
        raise ResponseNotFound("Deze deelnemer of dit meetmoment hoort niet bij deze groep.")
    if find_response(session, enrolment_id=enrolment.id, moment=moment, instrument_id=instrument.id):
        raise ResponseExists()
    parsed = {
        key: parse_value(instrument, moment=moment, question_id=key[0], then_test=key[1], raw=raw)
        for key, raw in values.items()
        if raw.strip()
    }
    texts = {
        qid: check_open_text(instrument, moment=moment, question_id=qid, text=text)
        for qid, text in open_texts.items()
        if text.strip()
    }
    response, created = get_or_create_response(
        session, enrolment=enrolment, moment=moment, instrument=instrument, source="paper", entered_by_user_id=user.id
    )
    if not created:  # entered at the same moment by someone else
        raise ResponseExists()
    for (question_id, then_test), value in parsed.items():
        fields = {"value": value} if isinstance(value, int) else {"missing_code": value}
        session.add(Answer(response_id=response.id, item_id=question_id, then_test=then_test, **fields))
    for question_id, text in texts.items():
        write_open_answer(session, response_id=response.id, question_id=question_id, text=text)
    response.status, response.submitted_at = SUBMITTED, utcnow()
    session.add(response)
    session.flush()
    store_scores(session, response.id)
    return response
