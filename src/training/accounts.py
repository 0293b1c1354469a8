"""Use cases for accounts: sign-in with throttling, password change, creating users."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from training.errors import Conflict, InvalidInput, TrainingError
from training.ids import id_of
from training.models import Role, User, utcnow
from training.passwords import hash_password, password_problem, verify_password
from training.throttle import Limit, Throttled, release, throttle_key
from training.user_sessions import end_sessions

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LoginFailed(TrainingError):
    message = "Onbekend e-mailadres of onjuist wachtwoord."


class LoginThrottled(Throttled):
    """Too many attempts for this e-mail address (from this client, or overall): the same for unknown addresses."""


@dataclass(frozen=True)
class LoginPolicy:
    """How many password checks are allowed per window (docs/security.md explains the three limits)."""

    max_failures: int  # per e-mail address and client address
    lockout_seconds: int  # the window of every limit
    account_max_failures: int  # per e-mail address, from all client addresses together
    address_max_failures: int  # per client address, over all e-mail addresses


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class LoginLimits:
    """The limits one sign-in attempt counts under; keyed on hashes, so unknown addresses count like known ones."""

    pair: Limit  # this e-mail address from this client address
    account: Limit  # this e-mail address from anywhere
    address: Limit  # anything from this client address

    @property
    def all(self) -> list[Limit]:
        return [self.pair, self.account, self.address]


def login_limits(*, email: str, client_address: str, policy: LoginPolicy) -> LoginLimits:
    email = normalise_email(email)
    window = policy.lockout_seconds
    return LoginLimits(
        Limit(throttle_key("login-pair", email, client_address), policy.max_failures, window),
        Limit(throttle_key("login-account", email), policy.account_max_failures, window),
        Limit(throttle_key("login-address", client_address), policy.address_max_failures, window),
    )


def authenticate(
    session: Session, *, email: str, password: str, limits: LoginLimits, now: datetime | None = None
) -> User:
    """The active user with these credentials; the attempt reserved under ``limits`` is given back on success.

    Always exactly one password check (against a dummy hash for an unknown address), so the answer and its timing
    are the same for unknown and existing accounts. Throttling happens before this, in throttle.reserve."""
    now = now or utcnow()
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if not verify_password(password, user.password_hash if user else None) or user is None or not user.is_active:
        raise LoginFailed()
    # A success ends the run of failures from this client; the shared counters get their attempt back.
    release(session, limits=[limits.account, limits.address], forget=[limits.pair])
    user.last_login_at = now
    session.add(user)
    session.flush()
    return user


def change_password(
    session: Session, *, user: User, current: str, new: str, repeat: str, keep_session: str | None = None
) -> None:
    """Set a new password; every session of the user ends except ``keep_session`` (the one making the change)."""
    if not verify_password(current, user.password_hash):
        raise InvalidInput("Het huidige wachtwoord klopt niet.", field="current_password")
    if new != repeat:
        raise InvalidInput("De twee nieuwe wachtwoorden zijn niet gelijk.", field="new_password_repeat")
    problem = password_problem(new)
    if problem:
        raise InvalidInput(problem, field="new_password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    session.add(user)
    end_sessions(session, user_id=id_of(user), except_token=keep_session)
    session.flush()


def create_user(
    session: Session,
    *,
    name: str,
    email: str,
    role: Role | str,
    password: str | None,
    organisation_id: int | None = None,
    wijk_id: int | None = None,
    check_password_policy: bool = True,
) -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidInput("Dit is geen geldig e-mailadres.", field="email")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Onbekende rol: {role}.", field="role") from None
    if not name.strip():
        raise InvalidInput("Vul een naam in.", field="name")
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict("Er bestaat al een account met dit e-mailadres.", field="email")
    if password is not None and check_password_policy:
        problem = password_problem(password)
        if problem:
            raise InvalidInput(problem, field="password")
    user = User(
        name=name.strip(),
        email=email,
        role=role.value,
        password_hash=hash_password(password) if password else None,
        organisation_id=organisation_id,
        wijk_id=wijk_id,
    )
    session.add(user)
    session.flush()
    return user


def find_user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)
