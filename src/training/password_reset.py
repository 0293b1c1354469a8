"""Password reset by e-mail: a one-time link valid for an hour (token hashed at rest, as invitations), the same answer
whether or not the address exists, requests limited per address and per client, and using it ends every session.

An account that never set a password (an invitee) gets a fresh invitation instead: the same link it would have
used, so there is one way to set a first password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from mail.outbox import Message, queue_mail
from training import audit_trail
from training.accounts import normalise_email
from training.errors import InvalidInput
from training.invitations import (
    InvitationGone,
    InvitationInvalid,
    hash_token,
    invitation_message,
    issue_invitation,
)
from training.models import Cohort, Invitation, PasswordReset, User, utcnow
from training.passwords import hash_password, password_problem
from training.throttle import Limit, Throttled, throttle_key
from training.user_sessions import end_sessions

VALID_FOR = timedelta(hours=1)
# Requests per window: per e-mail address (whoever asks) and per client address (over all e-mail addresses).
WINDOW_SECONDS = 3600
MAX_PER_ADDRESS = 3
MAX_PER_CLIENT = 20


class ResetThrottled(Throttled):
    template = "Er is te vaak om een nieuw wachtwoord gevraagd. Probeer het over {wait} opnieuw."


class ResetInvalid(InvitationInvalid):
    """No such link. A kind of invalid one-time link: wrong guesses count under the same per-client limit as
    wrong invitation links (api.throttling.invitation_token_guard)."""

    message = "Deze link om je wachtwoord te herstellen is ongeldig. Controleer of je de hele link hebt gebruikt."


class ResetGone(InvitationGone):
    message = (
        "Deze link om je wachtwoord te herstellen kan niet meer worden gebruikt: hij is al gebruikt, verlopen "
        "(na een uur) of vervangen door een nieuwere. Vraag hieronder een nieuwe aan."
    )


def request_limits(*, email: str, client_address: str) -> list[Limit]:
    """Keyed on hashes, so an unknown address is limited exactly like an existing one."""
    return [
        Limit(throttle_key("reset-account", normalise_email(email)), MAX_PER_ADDRESS, WINDOW_SECONDS),
        Limit(throttle_key("reset-address", client_address), MAX_PER_CLIENT, WINDOW_SECONDS),
    ]


@dataclass(frozen=True)
class IssuedReset:
    reset: PasswordReset
    token: str  # only ever in the e-mail


def _id(user: User) -> int:
    """The id of a stored user (a flushed row always has one)."""
    if user.id is None:
        raise ValueError("the user is not stored yet")
    return user.id


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def reset_message(*, user: User, link: str) -> Message:
    body = (
        f"Beste {user.name},\n\n"
        "Er is gevraagd om een nieuw wachtwoord voor je account op het leerplatform Resourcegroepen (R-ACT).\n\n"
        f"Kies via deze link een nieuw wachtwoord:\n{link}\n\n"
        "De link werkt één keer en is een uur geldig. Daarna ben je op andere apparaten uitgelogd.\n\n"
        "Heb je dit niet zelf gevraagd? Dan kun je deze e-mail negeren; je wachtwoord blijft dan hetzelfde.\n\n"
        "Met vriendelijke groet,\nHet trainersteam Resourcegroepen"
    )
    return Message(user.email, "Nieuw wachtwoord voor het leerplatform Resourcegroepen", body)


def request_reset(session: Session, *, email: str, base_url: str, now: datetime | None = None) -> None:
    """Send a reset link (or, without a password yet, a new invitation) when an active account has this address.

    Returns nothing and raises nothing for unknown or deactivated addresses: the caller answers the same in every
    case. The mail is queued in the caller's transaction."""
    now = now or utcnow()
    user = session.exec(select(User).where(col(User.email) == normalise_email(email))).first()
    if user is None or not user.is_active:
        audit_trail.record(
            session,
            action="password.reset_requested",
            result=audit_trail.REFUSED,
            object_type="user" if user else None,
            object_id=user.id if user else None,
        )
        return
    if not user.password_hash:
        latest = session.exec(
            select(Invitation).where(col(Invitation.user_id) == user.id).order_by(col(Invitation.id).desc())
        ).first()
        cohort = session.get(Cohort, latest.cohort_id) if latest and latest.cohort_id else None
        issued = issue_invitation(session, user=user, cohort_id=cohort.id if cohort else None, now=now)
        queue_mail(
            session,
            cohort_id=cohort.id if cohort else None,
            message=invitation_message(
                user=user,
                cohort=cohort,
                link=f"{base_url}/uitnodiging?token={issued.token}",
                expires_at=issued.invitation.expires_at,
            ),
        )
        audit_trail.record(
            session,
            action="invitation.sent",
            object_type="user",
            object_id=user.id,
            organisation_id=user.organisation_id,
            details={"instead_of": "password reset"},
        )
        return
    reset = issue_reset(session, user=user, now=now)
    queue_mail(session, message=reset_message(user=user, link=f"{base_url}/wachtwoord-herstellen?token={reset.token}"))
    audit_trail.record(
        session,
        action="password.reset_requested",
        object_type="user",
        object_id=user.id,
        organisation_id=user.organisation_id,
    )


def _revoke(session: Session, *, user_id: int, now: datetime) -> None:
    session.execute(
        update(PasswordReset)
        .where(
            col(PasswordReset.user_id) == user_id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )


def issue_reset(session: Session, *, user: User, now: datetime | None = None) -> IssuedReset:
    """A new link for the user; earlier unused links stop working."""
    now = now or utcnow()
    _revoke(session, user_id=_id(user), now=now)
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(user_id=_id(user), token_hash=hash_token(token), created_at=now, expires_at=now + VALID_FOR)
    session.add(reset)
    session.flush()
    return IssuedReset(reset, token)


def check_reset(session: Session, *, token: str, now: datetime | None = None) -> tuple[PasswordReset, User]:
    now = now or utcnow()
    reset = (
        session.exec(select(PasswordReset).where(col(PasswordReset.token_hash) == hash_token(token))).first()
        if 20 <= len(token) <= 100
        else None
    )
    if reset is None:
        raise ResetInvalid()
    user = session.get(User, reset.user_id)
    if (
        reset.used_at is not None
        or reset.revoked_at is not None
        or _aware(reset.expires_at) <= now
        or user is None
        or not user.is_active
    ):
        raise ResetGone()
    return reset, user


def complete_reset(session: Session, *, token: str, password: str, repeat: str, now: datetime | None = None) -> User:
    """Set the new password and use up the link (once, also under concurrent requests); every session ends."""
    now = now or utcnow()
    reset, user = check_reset(session, token=token, now=now)
    if password != repeat:
        raise InvalidInput("De twee wachtwoorden zijn niet gelijk.", field="password_repeat")
    problem = password_problem(password)
    if problem:
        raise InvalidInput(problem, field="password")
    used = session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.id) == reset.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise ResetGone()
    _revoke(session, user_id=_id(user), now=now)
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)
    end_sessions(session, user_id=_id(user), now=now)
    session.flush()
    audit_trail.record(
        session,
        action="password.reset",
        object_type="user",
        object_id=user.id,
        organisation_id=user.organisation_id,
        actor=audit_trail.actor_of(session).as_user(user),
    )
    return user
