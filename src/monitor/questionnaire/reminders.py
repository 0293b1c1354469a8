"""Reminders to fill in a questionnaire (by hand or automatically before a window closes) and to complete a module
before its due date (automatically), never twice a day for the same thing.

Each reminder is claimed by inserting a `reminder` row (unique per enrolment, kind, subject and day) in the same
transaction that queues its e-mail; a second process or a second click on the same day finds the row and skips.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mail.outbox import Message, queue_mail
from monitor.questionnaire.windows import lower_first
from monitor.questionnaire.windows_admin import MOMENT_LABELS, MOMENTS, active_enrolments, cohort_windows, owing
from training.cohort_admin import get_managed_cohort, reminder_days_of
from training.content import Module
from training.errors import InvalidInput
from training.ids import id_of
from training.invitations import invitation_message, issue_invitation
from training.models import Cohort, Enrolment, Reminder, User, utcnow
from training.module_due import modules_due

DEFAULT_SUBJECT = "Herinnering: {moment} invullen"
DEFAULT_BODY = (
    "Beste {naam},\n\n"
    "Je hebt de {moment} voor de groep ‘{groep}’ nog niet ingediend. Het invullen duurt ongeveer tien minuten; "
    "je antwoorden worden alleen op groepsniveau gebruikt en nooit voor beoordeling.\n\n"
    "Je kunt de vragenlijst invullen tot en met {sluitdatum}: {link}\n\n"
    "Met vriendelijke groet,\nHet trainersteam Resourcegroepen"
)
PLACEHOLDERS = ("naam", "groep", "moment", "sluitdatum", "link")

MODULE_SUBJECT = "Herinnering: module ‘{module}’ afronden vóór {uiterste_datum}"
MODULE_BODY = (
    "Beste {naam},\n\n"
    "In de groep ‘{groep}’ rond je de module ‘{module}’ af uiterlijk op {uiterste_datum}. Volgens onze gegevens is "
    "die module nog niet afgerond. Je gaat verder waar je gebleven was: {link}\n\n"
    "Met vriendelijke groet,\nHet trainersteam Resourcegroepen"
)
MODULE_PLACEHOLDERS = ("naam", "groep", "module", "uiterste_datum", "link")


@dataclass(frozen=True)
class ReminderResult:
    queued: int
    skipped: int  # already reminded about the same thing today
    invited: int = 0  # of ``queued``: trainees without a password, who got a fresh invitation instead


def _message(
    session: Session, *, cohort: Cohort, trainee: User, subject: str, body: str, due: str, base_url: str, now: datetime
) -> tuple[Message, bool]:
    """The reminder, or for a trainee who never set a password a fresh invitation that says what is due.

    A reminder's link leads to pages behind the sign-in, which such a trainee cannot pass. The invitation replaces
    the earlier links (as every reissue does); its token is only in the mail, hashed in the database and hidden on
    the staff's outbox page (mail.outbox.redact_tokens)."""
    if trainee.password_hash:
        return Message(trainee.email, subject, body), False
    issued = issue_invitation(session, user=trainee, cohort_id=id_of(cohort), now=now)
    message = invitation_message(
        user=trainee,
        cohort=cohort,
        link=f"{base_url}/uitnodiging?token={issued.token}",
        expires_at=issued.invitation.expires_at,
        due=due,
    )
    return message, True


def fill(template: str, values: dict[str, str], placeholders: Sequence[str] = PLACEHOLDERS) -> str:
    """Replace {naam}, {groep}, ... and nothing else (no str.format: braces in the text stay as typed)."""
    for key in placeholders:
        template = template.replace("{" + key + "}", values.get(key, ""))
    return template


def claim(
    session: Session,
    *,
    enrolment_id: int,
    kind: str,
    subject_key: str,
    sent_on: date,
    created_by_user_id: int | None = None,
) -> Reminder | None:
    """Insert the reminder row before anything is sent; None when it exists (here or in a concurrent transaction)."""
    reminder = Reminder(
        enrolment_id=enrolment_id,
        kind=kind,
        subject_key=subject_key,
        sent_on=sent_on,
        created_by_user_id=created_by_user_id,
    )
    try:
        with session.begin_nested():
            session.add(reminder)
    except IntegrityError:
        return None
    return reminder


def _values(cohort: Cohort, trainee: User, moment: str | None, closes_on: date | None, base_url: str) -> dict[str, str]:
    return {
        "naam": trainee.name,
        "groep": cohort.name,
        "moment": lower_first(MOMENT_LABELS[moment]) if moment else "vragenlijst",
        "sluitdatum": closes_on.strftime("%d-%m-%Y") if closes_on else "het einde van de periode",
        "link": f"{base_url}/vragenlijsten",
    }


def _remind(
    session: Session,
    *,
    cohort: Cohort,
    recipients: Collection[tuple[Enrolment, User]],
    kind: str,
    subject_key: str,
    moment: str | None,
    closes_on: date | None,
    subject: str,
    body: str,
    today: date,
    base_url: str,
    created_by_user_id: int | None = None,
) -> ReminderResult:
    queued = skipped = invited = 0
    now = utcnow()
    for enrolment, trainee in recipients:
        reminder = claim(
            session,
            enrolment_id=id_of(enrolment),
            kind=kind,
            subject_key=subject_key,
            sent_on=today,
            created_by_user_id=created_by_user_id,
        )
        if reminder is None:
            skipped += 1
            continue
        values = _values(cohort, trainee, moment, closes_on, base_url)
        due = (
            f"Vul de {values['moment']} in, uiterlijk op {values['sluitdatum']}."
            if moment
            else f"Je trainer heeft je een bericht gestuurd: ‘{fill(subject, values)}’."
        )
        message, invitation = _message(
            session,
            cohort=cohort,
            trainee=trainee,
            subject=fill(subject, values),
            body=fill(body, values),
            due=due,
            base_url=base_url,
            now=now,
        )
        mail = queue_mail(session, cohort_id=cohort.id, message=message)
        reminder.outbound_mail_id = mail.id
        session.add(reminder)
        queued += 1
        invited += invitation
    session.flush()
    return ReminderResult(queued, skipped, invited)


def send_due_reminders(
    session: Session, *, today: date, base_url: str, modules: Sequence[Module] = ()
) -> ReminderResult:
    """Automatic reminders: for every active cohort and open window closing in one of the cohort's reminder days,
    everyone who has not submitted that moment; and, for every module of ``modules`` (the content) due in one of those
    days, everyone who has not completed it. Safe to run any number of times a day, also concurrently."""
    first = send_module_reminders(session, today=today, base_url=base_url, modules=modules)
    queued, skipped, invited = first.queued, first.skipped, first.invited
    cohorts = session.exec(select(Cohort).where(col(Cohort.archived_at).is_(None)).order_by(col(Cohort.id))).all()
    for cohort in cohorts:
        days = reminder_days_of(cohort)
        if not days:
            continue
        for moment, window in sorted(cohort_windows(session, cohort_id=id_of(cohort)).items()):
            if not (window.opens_on <= today <= window.closes_on) or (window.closes_on - today).days not in days:
                continue
            result = _remind(
                session,
                cohort=cohort,
                recipients=owing(session, cohort_id=id_of(cohort), moment=moment),
                kind="auto",
                subject_key=moment,
                moment=moment,
                closes_on=window.closes_on,
                subject=DEFAULT_SUBJECT,
                body=DEFAULT_BODY,
                today=today,
                base_url=base_url,
            )
            queued, skipped = queued + result.queued, skipped + result.skipped
            invited += result.invited
    return ReminderResult(queued, skipped, invited)


def module_subject_key(module_id: str) -> str:
    """The reminder's subject for a module; ids too long for the column are hashed (stable, so still once a day)."""
    key = "module:" + module_id
    return key if len(key) <= 100 else "module:" + hashlib.sha256(module_id.encode()).hexdigest()


def send_module_reminders(session: Session, *, today: date, base_url: str, modules: Sequence[Module]) -> ReminderResult:
    """Module reminders due today (``training.module_due``). A trainee hears about a module at most once a day, also
    when two of their cohorts have it due: the row is claimed on one enrolment, and one already sent today on another
    enrolment of the same person counts too."""
    lines = modules_due(session, today=today, modules=modules)
    if not lines:
        return ReminderResult(0, 0)
    sent_today = set(
        session.exec(
            select(Enrolment.user_id, Reminder.subject_key)
            .join(Enrolment, col(Enrolment.id) == Reminder.enrolment_id)
            .where(Reminder.sent_on == today, Reminder.kind == "auto", Reminder.subject_key.startswith("module:"))
        ).all()
    )
    queued = skipped = invited = 0
    now = utcnow()
    for line in lines:
        key = module_subject_key(line.module.id)
        reminder = (
            None
            if (line.trainee.id, key) in sent_today
            else claim(session, enrolment_id=id_of(line.enrolment), kind="auto", subject_key=key, sent_on=today)
        )
        if reminder is None:
            skipped += 1
            continue
        values = {
            "naam": line.trainee.name,
            "groep": line.cohort.name,
            "module": line.module.title,
            "uiterste_datum": line.due_on.strftime("%d-%m-%Y"),
            "link": f"{base_url}/modules/{line.module.id}",
        }
        message, invitation = _message(
            session,
            cohort=line.cohort,
            trainee=line.trainee,
            subject=fill(MODULE_SUBJECT, values, MODULE_PLACEHOLDERS),
            body=fill(MODULE_BODY, values, MODULE_PLACEHOLDERS),
            due=f"Rond de module ‘{line.module.title}’ af, uiterlijk op {values['uiterste_datum']}.",
            base_url=base_url,
            now=now,
        )
        mail = queue_mail(session, cohort_id=line.cohort.id, message=message)
        reminder.outbound_mail_id = mail.id
        session.add(reminder)
        queued += 1
        invited += invitation
    session.flush()
    return ReminderResult(queued, skipped, invited)


def manual_recipients(
    session: Session, *, user: User, cohort_id: int, moment: str | None, enrolment_ids: Collection[int] | None
) -> list[tuple[Enrolment, User]]:
    """Everyone who still owes the moment (enrolment_ids None), or the chosen active trainees of the cohort."""
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    if enrolment_ids is None:
        if moment not in MOMENTS:
            raise InvalidInput("Kies het meetmoment dat nog moet worden ingevuld.", field="moment")
        return owing(session, cohort_id=id_of(cohort), moment=moment)
    chosen = set(enrolment_ids)
    return [(e, u) for e, u in active_enrolments(session, cohort_id=id_of(cohort)) if e.id in chosen]


def send_manual_reminders(
    session: Session,
    *,
    user: User,
    cohort_id: int,
    moment: str | None,
    enrolment_ids: Collection[int] | None,
    subject: str,
    body: str,
    today: date,
    base_url: str,
) -> ReminderResult:
    """A trainer's reminder with their own text. The same reminder reaches a person at most once a day."""
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    if moment not in (*MOMENTS, None):
        raise InvalidInput("Onbekend meetmoment.", field="moment")
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise InvalidInput("Vul een onderwerp en een tekst in.", field="subject")
    if len(subject) > 200 or len(body) > 5000:
        raise InvalidInput("Het onderwerp of de tekst is te lang.", field="body")
    recipients = manual_recipients(
        session, user=user, cohort_id=id_of(cohort), moment=moment, enrolment_ids=enrolment_ids
    )
    if not recipients:
        raise InvalidInput(
            "Er zijn geen ontvangers: kies deelnemers, of er is niemand die nog moet invullen.", field="enrolment_ids"
        )
    window = cohort_windows(session, cohort_id=id_of(cohort)).get(moment) if moment else None
    subject_key = moment or "bericht-" + hashlib.sha256(subject.encode()).hexdigest()[:16]
    return _remind(
        session,
        cohort=cohort,
        recipients=recipients,
        kind="manual",
        subject_key=subject_key,
        moment=moment,
        closes_on=window.closes_on if window else None,
        subject=subject,
        body=body,
        today=today,
        base_url=base_url,
        created_by_user_id=user.id,
    )
