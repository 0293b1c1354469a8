"""Erasure and anonymisation: the person's own words and account go, their questionnaire answers stay without a
link to them (so the monitor's figures do not change), all in the caller's one transaction (docs/privacy.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from mail.outbox import Message, queue_mail
from monitor.models import Answer, OpenAnswer, QuestionnaireResponse
from privacy.models import Erasure, ResearchChoice, StatementAcknowledgement
from training import audit_trail
from training.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from training.ids import id_of
from training.models import (
    AuditEntry,
    Enrolment,
    Invitation,
    ModuleProgress,
    OutboundMail,
    PasswordReset,
    QuizAttempt,
    QuizOpenAttempt,
    ReflectionNote,
    Role,
    SectionRead,
    User,
    UserSession,
)

REQUEST, OBJECTION, RETENTION = "request", "objection", "retention"
KINDS = {REQUEST: "verzoek tot verwijdering", OBJECTION: "bezwaar (AVG art. 21)", RETENTION: "bewaartermijn"}
ERASED_NAME = "Verwijderd account"


@dataclass(frozen=True)
class ErasureResult:
    user_id: int
    deleted: dict[str, int]
    research_exports_before: int  # research files of the organisation made before: listed, cannot be recalled


def is_erased(session: Session, *, user_id: int) -> bool:
    return session.exec(select(Erasure.id).where(Erasure.user_id == user_id)).first() is not None


def _delete(session: Session, model: type, *where: Any) -> int:
    result = session.execute(delete(model).where(*where))
    return int(getattr(result, "rowcount", 0) or 0)


def erase_person(
    session: Session, *, user_id: int, kind: str, reason: str, by: User | None, notify: bool = True
) -> ErasureResult:
    """Delete the person's notes, open answers, progress and account data; keep their submitted answers under an
    anonymous account stub. ``by`` None: the command line (the retention run). Never flushes half a person: the
    caller commits or rolls back the whole."""
    if by is not None and by.role != Role.admin:
        raise PermissionDenied("Alleen beheer kan persoonsgegevens verwijderen.")
    if kind not in KINDS:
        raise InvalidInput("Onbekende soort verwijdering.", field="kind")
    reason = reason.strip()
    if kind != RETENTION and not reason:
        raise InvalidInput("Schrijf de reden van de verwijdering op.", field="reason")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Dit account bestaat niet.")
    if is_erased(session, user_id=user_id):
        raise Conflict("Dit account is al verwijderd.")
    if by is not None and id_of(by) == user_id:
        raise Conflict("Je kunt je eigen account niet verwijderen; vraag een andere beheerder.")
    if user.role == Role.admin and user.is_active:
        admins = session.exec(
            select(func.count()).where(col(User.role) == Role.admin.value, col(User.is_active).is_(True))
        ).one()
        if admins <= 1:
            raise Conflict("Dit is de laatste beheerder: maak eerst een andere beheerder aan.")
    if notify and user.is_active:
        queue_mail(
            session,
            message=Message(
                to_address=user.email,
                subject="Je gegevens op het R-ACT leerplatform zijn verwijderd",
                body=(
                    f"Hoi {user.name},\n\nJe account op het R-ACT leerplatform en je persoonlijke gegevens zijn "
                    f"verwijderd ({KINDS[kind]}). Je reflectienotities, open antwoorden en voortgang bestaan niet "
                    "meer. Je antwoorden op de vragenlijsten tellen alleen nog zonder je naam mee in de groepscijfers."
                    "\n\nHeb je vragen? Neem contact op met de beheerder van het platform.\n"
                ),
            ),
        )
    enrolments = select(Enrolment.id).where(Enrolment.user_id == user_id)
    responses = select(QuestionnaireResponse.id).where(col(QuestionnaireResponse.enrolment_id).in_(enrolments))
    unsubmitted = select(QuestionnaireResponse.id).where(
        col(QuestionnaireResponse.enrolment_id).in_(enrolments), QuestionnaireResponse.status != "submitted"
    )
    deleted = {
        "reflection_note": _delete(session, ReflectionNote, ReflectionNote.user_id == user_id),
        "open_answer": _delete(session, OpenAnswer, col(OpenAnswer.response_id).in_(responses)),
        "answer (niet ingediend)": _delete(session, Answer, col(Answer.response_id).in_(unsubmitted)),
        "questionnaire_response (niet ingediend)": _delete(
            session, QuestionnaireResponse, col(QuestionnaireResponse.id).in_(unsubmitted)
        ),
        "quiz_attempt": _delete(session, QuizAttempt, QuizAttempt.user_id == user_id),
        "quiz_open_attempt": _delete(session, QuizOpenAttempt, QuizOpenAttempt.user_id == user_id),
        "module_progress": _delete(session, ModuleProgress, ModuleProgress.user_id == user_id),
        "section_read": _delete(session, SectionRead, SectionRead.user_id == user_id),
        "user_session": _delete(session, UserSession, UserSession.user_id == user_id),
        "invitation": _delete(session, Invitation, Invitation.user_id == user_id),
        "password_reset": _delete(session, PasswordReset, PasswordReset.user_id == user_id),
        "research_choice": _delete(session, ResearchChoice, ResearchChoice.user_id == user_id),
        "statement_acknowledgement": _delete(
            session, StatementAcknowledgement, StatementAcknowledgement.user_id == user_id
        ),
        "outbound_mail": _delete(
            session, OutboundMail, OutboundMail.to_address == user.email, OutboundMail.status == "sent"
        ),
    }
    user.name = ERASED_NAME
    user.email = f"verwijderd-{user_id}@verwijderd.invalid"
    user.password_hash = None
    user.is_active = False
    user.wijk_id = None
    user.last_login_at = None
    user.locked_until = None
    user.session_version += 1
    session.add(user)
    session.add(
        Erasure(
            user_id=user_id, kind=kind, reason=reason[:1000], erased_by_user_id=id_of(by) if by is not None else None
        )
    )
    exports_before = session.exec(
        select(func.count()).where(
            col(AuditEntry.action).like("export.research%"), AuditEntry.organisation_id == user.organisation_id
        )
    ).one()
    session.flush()
    audit_trail.record(
        session,
        action="privacy.erased",
        object_type="user",
        object_id=user_id,
        organisation_id=user.organisation_id,
        details={
            "kind": kind,
            "reason": reason[:300],
            "deleted": sum(deleted.values()),
            "research_exports_before": exports_before,
        },
    )
    return ErasureResult(user_id, deleted, exports_before)
