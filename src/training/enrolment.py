"""Use cases for a cohort's trainees: invite one, import a CSV (preview, then confirm), re-invite, deactivate, move."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from mail.outbox import new_mail, queue_mail
from training.accounts import EMAIL_RE, normalise_email
from training.cohort_admin import get_managed_cohort
from training.enrolment_csv import PlannedRow, parse_enrolment_csv, plan_rows
from training.errors import Conflict, InvalidInput, NotFound
from training.ids import id_of
from training.invitations import (
    enrolled_message,
    invitation_message,
    issue_invitation,
    new_invitation,
    revoke_invitations,
)
from training.models import Cohort, Enrolment, EnrolmentImport, Invitation, OutboundMail, Role, User, Wijk, utcnow
from training.user_sessions import end_sessions


@dataclass(frozen=True)
class RosterLine:
    enrolment: Enrolment
    user: User
    wijk: str
    status: str  # Dutch: "actief", "uitgenodigd", "uitnodiging verlopen", "gedeactiveerd"
    mail_status: str | None  # status of the latest mail to this person about this cohort


@dataclass(frozen=True)
class ImportPreview:
    record: EnrolmentImport
    problems: list[str]
    rows: list[PlannedRow]

    @property
    def ok_rows(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.ok]

    @property
    def error_rows(self) -> list[PlannedRow]:
        return [r for r in self.rows if not r.ok]


def wijken_of(session: Session, *, organisation_id: int) -> list[Wijk]:
    """The wijken new enrolments may name: archived ones keep their history but take no one new."""
    return list(
        session.exec(
            select(Wijk)
            .where(col(Wijk.organisation_id) == organisation_id, col(Wijk.archived_at).is_(None))
            .order_by(col(Wijk.name))
        )
    )


def _invite_or_notify(session: Session, *, users: list[User], cohort: Cohort, base_url: str, now: datetime) -> None:
    """An invitation for people without a password, an enrolment notice for the others; queued, one flush."""
    with_password = [u.id for u in users if u.password_hash]
    for start in range(0, len(users), 500):
        session.execute(
            update(Invitation)
            .where(
                col(Invitation.user_id).in_([u.id for u in users[start : start + 500]]),
                col(Invitation.used_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
    objects: list[Invitation | OutboundMail] = []
    for user in users:
        if user.id in with_password:
            message = enrolled_message(user=user, cohort=cohort, login_link=f"{base_url}/login")
        else:
            issued = new_invitation(user_id=id_of(user), cohort_id=cohort.id, now=now)
            objects.append(issued.invitation)
            message = invitation_message(
                user=user,
                cohort=cohort,
                expires_at=issued.invitation.expires_at,
                link=f"{base_url}/uitnodiging?token={issued.token}",
            )
        objects.append(new_mail(message=message, cohort_id=cohort.id))
    session.add_all(objects)
    session.flush()


def roster(session: Session, *, user: User, cohort_id: int, now: datetime | None = None) -> list[RosterLine]:
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id)
    now = now or utcnow()
    rows = list(
        session.exec(
            select(Enrolment, User, Wijk)
            .join(User, col(User.id) == col(Enrolment.user_id))
            .join(Wijk, col(Wijk.id) == col(Enrolment.wijk_id))
            .where(Enrolment.cohort_id == cohort.id)
            .order_by(User.name)
        )
    )
    user_ids = [u.id for _, u, _ in rows]
    latest_invitation: dict[int, Invitation] = {}
    for invitation in session.exec(
        select(Invitation).where(col(Invitation.user_id).in_(user_ids)).order_by(col(Invitation.id))
    ):
        latest_invitation[invitation.user_id] = invitation
    latest_mail: dict[str, str] = {}
    for mail in session.exec(
        select(OutboundMail).where(col(OutboundMail.cohort_id) == cohort.id).order_by(col(OutboundMail.id))
    ):
        latest_mail[mail.to_address] = mail.status
    lines = []
    for enrolment, trainee, wijk in rows:
        inv = latest_invitation.get(id_of(trainee))
        if enrolment.deactivated_at is not None or not trainee.is_active:
            status = "gedeactiveerd"
        elif trainee.password_hash:
            status = "actief"
        elif (
            inv is not None
            and inv.used_at is None
            and inv.revoked_at is None
            and (inv.expires_at if inv.expires_at.tzinfo else inv.expires_at.replace(tzinfo=now.tzinfo)) > now
        ):
            status = "uitgenodigd"
        else:
            status = "uitnodiging verlopen"
        lines.append(RosterLine(enrolment, trainee, wijk.name, status, latest_mail.get(trainee.email)))
    return lines


def invite_trainee(
    session: Session,
    *,
    user: User,
    cohort_id: int,
    name: str,
    email: str,
    wijk_id: int | None,
    base_url: str,
    now: datetime | None = None,
) -> Enrolment:
    """Enrol one person (creating their account when new) and send the invitation or an enrolment notice."""
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    now = now or utcnow()
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise InvalidInput("Vul een naam in.", field="name")
    if len(name) > 200:
        raise InvalidInput("Een naam kan hoogstens 200 tekens lang zijn.", field="name")
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise InvalidInput("Dit is geen geldig e-mailadres.", field="email")
    wijk = session.get(Wijk, wijk_id) if wijk_id else None
    if wijk is None or wijk.organisation_id != cohort.organisation_id or wijk.archived_at is not None:
        raise InvalidInput("Kies een wijk.", field="wijk_id")
    trainee = session.exec(select(User).where(User.email == email)).first()
    if trainee is not None and trainee.role != Role.trainee:
        raise Conflict("Dit e-mailadres hoort bij een account dat geen deelnemer is.", field="email")
    if trainee is not None and trainee.organisation_id != cohort.organisation_id:
        raise Conflict("Dit e-mailadres hoort bij een deelnemer van een andere organisatie.", field="email")
    if trainee is None:
        trainee = User(
            name=name, email=email, role=Role.trainee.value, organisation_id=cohort.organisation_id, wijk_id=wijk.id
        )
        session.add(trainee)
        session.flush()
    elif (
        session.exec(
            select(Enrolment.id).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == trainee.id)
        ).first()
        is not None
    ):
        raise Conflict("Deze deelnemer is al ingeschreven in deze groep.", field="email")
    enrolment = Enrolment(cohort_id=id_of(cohort), user_id=id_of(trainee), wijk_id=id_of(wijk), enrolled_at=now)
    session.add(enrolment)
    session.flush()
    _invite_or_notify(session, users=[trainee], cohort=cohort, base_url=base_url, now=now)
    return enrolment


def _plan(session: Session, *, cohort: Cohort, data: bytes) -> tuple[list[str], list[PlannedRow]]:
    parsed = parse_enrolment_csv(data)
    if parsed.problems:
        return parsed.problems, []
    wijken = {w.name.lower(): id_of(w) for w in wijken_of(session, organisation_id=cohort.organisation_id)}
    emails = sorted({r.email.lower() for r in parsed.rows if r.email})
    existing: dict[str, str] = {}
    enrolled: set[str] = set()
    for start in range(0, len(emails), 500):  # IN lists of bounded size
        chunk = emails[start : start + 500]
        # An account of another organisation counts as "not a trainee here": it cannot be enrolled.
        existing.update(
            {
                e: (r if org == cohort.organisation_id else "other")
                for e, r, org in session.exec(
                    select(col(User.email), col(User.role), col(User.organisation_id)).where(col(User.email).in_(chunk))
                )
            }
        )
        enrolled.update(
            session.exec(
                select(User.email)
                .join(Enrolment, col(Enrolment.user_id) == col(User.id))
                .where(col(Enrolment.cohort_id) == cohort.id, col(User.email).in_(chunk))
            )
        )
    return [], plan_rows(parsed, wijken=wijken, existing_users=existing, enrolled_emails=enrolled)


def preview_import(session: Session, *, user: User, cohort_id: int, data: bytes, filename: str) -> EnrolmentImport:
    """Check every row and store the plan; nothing is enrolled until the plan is confirmed."""
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    problems, rows = _plan(session, cohort=cohort, data=data)
    record = EnrolmentImport(
        cohort_id=id_of(cohort),
        created_by_user_id=id_of(user),
        token=secrets.token_urlsafe(24),
        filename=(filename or "")[:255],
        rows_json=json.dumps({"problems": problems, "rows": [asdict(r) for r in rows]}),
    )
    session.add(record)
    session.flush()
    return record


def get_import(session: Session, *, user: User, cohort_id: int, token: str) -> ImportPreview:
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id)
    record = session.exec(
        select(EnrolmentImport).where(
            EnrolmentImport.token == token,
            EnrolmentImport.cohort_id == cohort.id,
            EnrolmentImport.created_by_user_id == user.id,
        )
    ).first()
    if record is None:
        raise NotFound("Deze import bestaat niet (meer). Upload het bestand opnieuw.")
    data = json.loads(record.rows_json)
    return ImportPreview(record, data["problems"], [PlannedRow(**r) for r in data["rows"]])


def confirm_import(
    session: Session, *, user: User, cohort_id: int, token: str, base_url: str, now: datetime | None = None
) -> int:
    """Enrol every valid row of the stored plan in this one transaction and queue the invitations; returns the count.

    The rows are checked again: when the cohort changed since the preview (someone was enrolled meanwhile), nothing
    is imported and the trainer is asked to upload again.
    """
    preview = get_import(session, user=user, cohort_id=cohort_id, token=token)
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    now = now or utcnow()
    claimed = session.execute(
        update(EnrolmentImport)
        .where(col(EnrolmentImport.id) == preview.record.id, col(EnrolmentImport.confirmed_at).is_(None))
        .values(confirmed_at=now)
    )
    if cast("CursorResult[Any]", claimed).rowcount != 1:
        raise Conflict("Deze import is al uitgevoerd.")
    rows = preview.ok_rows
    if preview.problems or not rows:
        raise InvalidInput("Er zijn geen geldige regels om te importeren.")
    emails = [r.email for r in rows]
    users = {
        u.email: u
        for start in range(0, len(emails), 500)
        for u in session.exec(select(User).where(col(User.email).in_(emails[start : start + 500])))
    }
    already: set[str] = set()
    for start in range(0, len(emails), 500):
        already.update(
            session.exec(
                select(User.email)
                .join(Enrolment, col(Enrolment.user_id) == col(User.id))
                .where(col(Enrolment.cohort_id) == cohort.id, col(User.email).in_(emails[start : start + 500]))
            )
        )
    changed = [
        r.line
        for r in rows
        if r.email in already
        or (r.action == "new") != (r.email not in users)
        or (r.email in users and users[r.email].role != Role.trainee)
    ]
    if changed:
        raise Conflict(
            "De groep of de accounts zijn veranderd sinds de controle (regel "
            + ", ".join(str(line) for line in changed[:10])
            + "). Upload het bestand opnieuw."
        )
    new_users = [
        User(
            name=r.naam,
            email=r.email,
            role=Role.trainee.value,
            organisation_id=cohort.organisation_id,
            wijk_id=r.wijk_id,
        )
        for r in rows
        if r.action == "new"
    ]
    session.add_all(new_users)
    session.flush()
    users.update({u.email: u for u in new_users})
    enrolments = []
    for r in rows:
        assert r.wijk_id is not None  # plan_rows gives a row without a wijk of the organisation an error
        enrolments.append(
            Enrolment(cohort_id=id_of(cohort), user_id=id_of(users[r.email]), wijk_id=r.wijk_id, enrolled_at=now)
        )
    session.add_all(enrolments)
    session.flush()
    _invite_or_notify(session, users=[users[r.email] for r in rows], cohort=cohort, base_url=base_url, now=now)
    return len(rows)


def _enrolment(session: Session, *, user: User, cohort_id: int, enrolment_id: int) -> tuple[Cohort, Enrolment, User]:
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        raise NotFound("Deze deelnemer staat niet in deze groep.")
    trainee = session.get(User, enrolment.user_id)
    assert trainee is not None  # a foreign key
    return cohort, enrolment, trainee


def reinvite(
    session: Session, *, user: User, cohort_id: int, enrolment_id: int, base_url: str, now: datetime | None = None
) -> OutboundMail:
    """A fresh invitation link (earlier links stop working), only for an account that has no password yet.

    An activated account is refused: a new link would let whoever reads it (the outbox, a forwarded mail) take the
    account over; the person resets their own password instead."""
    cohort, enrolment, trainee = _enrolment(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id)
    if enrolment.deactivated_at is not None or not trainee.is_active:
        raise Conflict("Deze deelnemer is gedeactiveerd.")
    if trainee.password_hash:
        raise Conflict(
            "Deze deelnemer heeft de uitnodiging al gebruikt en een eigen wachtwoord ingesteld. "
            "Een nieuwe uitnodiging is daarom niet mogelijk: de deelnemer stelt zelf een nieuw "
            "wachtwoord in als die het kwijt is."
        )
    now = now or utcnow()
    issued = issue_invitation(session, user=trainee, cohort_id=cohort.id, now=now)
    return queue_mail(
        session,
        cohort_id=cohort.id,
        message=invitation_message(
            user=trainee,
            cohort=cohort,
            link=f"{base_url}/uitnodiging?token={issued.token}",
            expires_at=issued.invitation.expires_at,
        ),
    )


def deactivate(
    session: Session, *, user: User, cohort_id: int, enrolment_id: int, now: datetime | None = None
) -> Enrolment:
    """The trainee leaves the cohort: no sign-in, no reminders. History stays. Idempotent."""
    _, enrolment, trainee = _enrolment(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id)
    now = now or utcnow()
    if enrolment.deactivated_at is None:
        enrolment.deactivated_at = now
        session.add(enrolment)
    others = session.exec(
        select(func.count(col(Enrolment.id))).where(
            col(Enrolment.user_id) == trainee.id,
            col(Enrolment.id) != enrolment.id,
            col(Enrolment.deactivated_at).is_(None),
        )
    ).one()
    if not others and trainee.is_active:
        trainee.is_active = False
        trainee.session_version += 1
        session.add(trainee)
        end_sessions(session, user_id=id_of(trainee), now=now)  # signs the trainee out everywhere
        revoke_invitations(session, user_id=id_of(trainee), now=now)
    session.flush()
    return enrolment


def reactivate(session: Session, *, user: User, cohort_id: int, enrolment_id: int) -> Enrolment:
    _, enrolment, trainee = _enrolment(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id)
    enrolment.deactivated_at = None
    trainee.is_active = True
    session.add_all([enrolment, trainee])
    session.flush()
    return enrolment


def move(session: Session, *, user: User, cohort_id: int, enrolment_id: int, target_cohort_id: int) -> Enrolment:
    """Move a trainee to another cohort the user manages. The enrolment keeps its id, wijk snapshot and answers;
    module progress belongs to the person and moves along."""
    cohort, enrolment, trainee = _enrolment(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id)
    target = get_managed_cohort(session, user=user, cohort_id=target_cohort_id, for_change=True)
    if target.id == cohort.id:
        raise InvalidInput("Kies een andere groep.", field="target_cohort_id")
    if target.organisation_id != cohort.organisation_id:
        raise InvalidInput(
            "Een deelnemer kan alleen naar een groep van dezelfde organisatie.", field="target_cohort_id"
        )
    if (
        session.exec(
            select(Enrolment.id).where(Enrolment.cohort_id == target.id, Enrolment.user_id == trainee.id)
        ).first()
        is not None
    ):
        raise Conflict("Deze deelnemer staat al in die groep.", field="target_cohort_id")
    enrolment.cohort_id = id_of(target)
    session.add(enrolment)
    session.flush()
    return enrolment
