"""One-time invitation links: issue (token hashed at rest), check, and accept by setting a password."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from mail.outbox import Message
from training.errors import Conflict, InvalidInput, NotFound, TrainingError
from training.ids import id_of
from training.models import Cohort, Invitation, User, utcnow
from training.passwords import hash_password, password_problem
from training.throttle import Limit, Throttled, throttle_key
from training.user_sessions import end_sessions

VALID_DAYS = 14


class InvitationInvalid(TrainingError):
    message = "Deze uitnodigingslink is ongeldig. Controleer of je de hele link uit de e-mail hebt gebruikt."


class InvitationGone(TrainingError):
    """The link existed but can no longer be used (expired, used or replaced)."""

    message = "Deze uitnodigingslink kan niet meer worden gebruikt."


class InvitationExpired(InvitationGone):
    message = (
        "Deze uitnodiging is verlopen. Vraag je trainer om je een nieuwe uitnodiging te sturen; "
        "die is weer 14 dagen geldig."
    )


class InvitationUsed(InvitationGone):
    message = (
        "Deze uitnodiging is al gebruikt: je hebt al een wachtwoord ingesteld. Log in met je e-mailadres en "
        "wachtwoord. Weet je je wachtwoord niet meer? Kies dan ‘Wachtwoord vergeten?’ op de inlogpagina."
    )


class InvitationReplaced(InvitationGone):
    message = (
        "Er is je inmiddels een nieuwere uitnodiging gestuurd. Gebruik de link in de meest recente e-mail, "
        "of vraag je trainer om een nieuwe uitnodiging."
    )


class TokenGuessesThrottled(Throttled):
    template = (
        "Er zijn vanaf dit adres te veel ongeldige uitnodigingslinks geprobeerd. Probeer het over {wait} opnieuw."
    )


def token_guess_limit(*, client_address: str, max_failures: int, window_seconds: int) -> Limit:
    """Wrong invitation tokens per client address (a valid one gives its attempt back)."""
    return Limit(throttle_key("invitation-address", client_address), max_failures, window_seconds)


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # only ever in the e-mail; the database keeps its hash


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def issue_invitation(
    session: Session, *, user: User, cohort_id: int | None, now: datetime | None = None, valid_days: int = VALID_DAYS
) -> IssuedInvitation:
    """A new link for the user; earlier unused links of the user stop working."""
    now = now or utcnow()
    revoke_invitations(session, user_id=id_of(user), now=now)
    issued = new_invitation(user_id=id_of(user), cohort_id=cohort_id, now=now, valid_days=valid_days)
    session.add(issued.invitation)
    session.flush()
    return issued


def reissue_invitation(session: Session, *, email: str, now: datetime | None = None) -> IssuedInvitation:
    """A new link for the not yet activated account with this address (for the operator's command line)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound("Er is geen account met dit e-mailadres.")
    if not user.is_active:
        raise Conflict("Dit account is gedeactiveerd.")
    if user.password_hash:
        raise Conflict("Dit account heeft al een wachtwoord; een uitnodiging is niet meer mogelijk.")
    latest = session.exec(
        select(Invitation).where(col(Invitation.user_id) == user.id).order_by(col(Invitation.id).desc())
    ).first()
    return issue_invitation(session, user=user, cohort_id=latest.cohort_id if latest else None, now=now)


def new_invitation(
    *, user_id: int, cohort_id: int | None, now: datetime, valid_days: int = VALID_DAYS
) -> IssuedInvitation:
    """A fresh invitation object (not yet added to a session), for bulk enrolment."""
    token = secrets.token_urlsafe(32)
    return IssuedInvitation(
        Invitation(
            user_id=user_id,
            cohort_id=cohort_id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=valid_days),
        ),
        token,
    )


def revoke_invitations(session: Session, *, user_id: int, now: datetime | None = None) -> None:
    session.execute(
        update(Invitation)
        .where(
            col(Invitation.user_id) == user_id, col(Invitation.used_at).is_(None), col(Invitation.revoked_at).is_(None)
        )
        .values(revoked_at=now or utcnow())
    )


def check_invitation(session: Session, *, token: str, now: datetime | None = None) -> tuple[Invitation, User]:
    """The invitation and its user when the link may still be used; else a Dutch explanation of what to do."""
    now = now or utcnow()
    invitation = (
        session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token))).first()
        if 20 <= len(token) <= 100
        else None
    )
    if invitation is None:
        raise InvitationInvalid()
    if invitation.used_at is not None:
        raise InvitationUsed()
    if invitation.revoked_at is not None:
        raise InvitationReplaced()
    if _aware(invitation.expires_at) <= now:
        raise InvitationExpired()
    user = session.get(User, invitation.user_id)
    if user is None or not user.is_active:
        raise InvitationGone("Je account is gedeactiveerd. Neem contact op met je trainer.")
    return invitation, user


def accept_invitation(session: Session, *, token: str, password: str, repeat: str, now: datetime | None = None) -> User:
    """Set the password and use up the link (once, also under concurrent requests); returns the user to sign in."""
    now = now or utcnow()
    invitation, user = check_invitation(session, token=token, now=now)
    if password != repeat:
        raise InvalidInput("De twee wachtwoorden zijn niet gelijk.", field="password_repeat")
    problem = password_problem(password)
    if problem:
        raise InvalidInput(problem, field="password")
    used = session.execute(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.used_at).is_(None))
        .values(used_at=now)
    )
    if cast("CursorResult[Any]", used).rowcount != 1:
        raise InvitationUsed()
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)
    end_sessions(session, user_id=id_of(user), now=now)  # whoever was signed in as this person is signed out
    session.flush()
    return user


def invitation_message(*, user: User, cohort: Cohort | None, link: str, expires_at: datetime, due: str = "") -> Message:
    """The invitation mail; ``due`` (a sentence: what is due and when) makes it the reminder of someone who has not
    set a password yet, so it says first what to do and then that the link is the way in."""
    group = f" voor de groep ‘{cohort.name}’" if cohort else ""
    reminder = (
        f"Er staat iets voor je klaar: {due}\nJe hebt je account nog niet geactiveerd. Stel eerst je wachtwoord in; "
        "daarna zie je op je startpagina meteen wat je moet doen.\n\n"
        if due
        else ""
    )
    body = (
        f"Beste {user.name},\n\n"
        f"Je bent uitgenodigd{group} op het leerplatform Resourcegroepen (R-ACT).\n\n"
        f"{reminder}"
        f"Stel via deze link je wachtwoord in:\n{link}\n\n"
        f"De link werkt één keer en is geldig tot {_aware(expires_at).strftime('%d-%m-%Y')}. "
        "Daarna log je in met je e-mailadres en het wachtwoord dat je koos.\n\n"
        "Had je deze e-mail niet verwacht? Dan kun je hem negeren.\n\n"
        "Met vriendelijke groet,\nHet trainersteam Resourcegroepen"
    )
    subject = "Herinnering en nieuwe uitnodiging" if due else "Uitnodiging"
    return Message(user.email, f"{subject} leerplatform Resourcegroepen", body)


def enrolled_message(*, user: User, cohort: Cohort, login_link: str) -> Message:
    body = (
        f"Beste {user.name},\n\n"
        f"Je bent ingeschreven in de groep ‘{cohort.name}’ op het leerplatform Resourcegroepen (R-ACT).\n"
        f"Log in met je e-mailadres en wachtwoord: {login_link}\n\n"
        "Met vriendelijke groet,\nHet trainersteam Resourcegroepen"
    )
    return Message(user.email, f"Ingeschreven in de groep {cohort.name}", body)
