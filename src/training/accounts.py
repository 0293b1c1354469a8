"""Use cases for accounts: sign-in with throttling, password change, creating users."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import Session, select

from training.errors import Conflict, InvalidInput, TrainingError
from training.models import Role, User, utcnow
from training.passwords import hash_password, password_problem, verify_password

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LoginFailed(TrainingError):
    message = "Onbekend e-mailadres of onjuist wachtwoord."


class LoginThrottled(TrainingError):
    message = "Te veel mislukte pogingen. Probeer het over enkele minuten opnieuw."

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(
            f"Te veel mislukte pogingen voor dit account. Probeer het over {minutes} "
            f"{'minuut' if minutes == 1 else 'minuten'} opnieuw."
        )
        self.retry_after_seconds = retry_after_seconds


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything we store is UTC.
    if dt is not None and dt.tzinfo is None:
        from datetime import timezone

        return dt.replace(tzinfo=timezone.utc)
    return dt


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    max_failures: int,
    lockout_seconds: int,
    now: datetime | None = None,
) -> User:
    """The active user with these credentials. Repeated failures lock only that account for a while."""
    now = now or utcnow()
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        verify_password(password, None)
        raise LoginFailed()
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now:
        raise LoginThrottled(int((locked_until - now).total_seconds()))
    if not verify_password(password, user.password_hash) or not user.is_active:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(seconds=lockout_seconds)
            user.failed_logins = 0
        session.add(user)
        session.flush()
        raise LoginFailed()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    session.flush()
    return user


def change_password(session: Session, *, user: User, current: str, new: str, repeat: str) -> None:
    if not verify_password(current, user.password_hash):
        raise InvalidInput("Het huidige wachtwoord klopt niet.", field="current_password")
    if new != repeat:
        raise InvalidInput("De twee nieuwe wachtwoorden zijn niet gelijk.", field="new_password_repeat")
    problem = password_problem(new)
    if problem:
        raise InvalidInput(problem, field="new_password")
    user.password_hash = hash_password(new)
    user.session_version += 1  # signs out every other session
    session.add(user)
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


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)
