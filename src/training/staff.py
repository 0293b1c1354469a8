"""Use cases for staff accounts, done by beheer: invite (one-time link, never a typed password), change role or
organisation, deactivate (sessions end at once), reactivate, unlock; the searchable, paged user list.

Only admins manage accounts. A manager does not create trainers: a trainer account reads person-level data (the
rosters and progress of cohorts), so granting one stays a beheer decision, recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from mail.outbox import queue_mail
from training import audit_trail
from training.accounts import EMAIL_RE, normalise_email
from training.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from training.ids import id_of
from training.invitations import invitation_message, issue_invitation, revoke_invitations
from training.models import LoginThrottle, Organisation, PasswordReset, Role, User, utcnow
from training.throttle import throttle_key
from training.user_sessions import end_sessions

STAFF_ROLES = (Role.trainer, Role.manager, Role.admin)
PAGE_SIZE = 50


def _require_admin(user: User) -> None:
    if user.role != Role.admin:
        raise PermissionDenied("Alleen beheerders beheren accounts.")


@dataclass(frozen=True)
class UserQuery:
    search: str = ""  # part of a name or e-mail address
    role: str = ""
    organisation_id: int | None = None
    active: str = ""  # "ja", "nee" or "" (both)


@dataclass
class UserPage:
    users: list[User]
    total: int
    page: int
    pages: int


def search_users(
    session: Session, *, user: User, query: UserQuery, page: int = 1, page_size: int = PAGE_SIZE
) -> UserPage:
    _require_admin(user)
    q = select(User)
    if query.search.strip():
        pattern = f"%{query.search.strip().lower()}%"
        q = q.where(or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
    if query.role in {r.value for r in Role}:
        q = q.where(User.role == query.role)
    if query.organisation_id is not None:
        q = q.where(User.organisation_id == query.organisation_id)
    if query.active in ("ja", "nee"):
        q = q.where(col(User.is_active).is_(query.active == "ja"))
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    users = session.exec(
        q.order_by(col(User.role), col(User.name), col(User.id)).offset((page - 1) * page_size).limit(page_size)
    )
    return UserPage(list(users), total, page, pages)


def get_account(session: Session, *, user: User, user_id: int) -> User:
    _require_admin(user)
    target = session.get(User, user_id)
    if target is None:
        raise NotFound("Dit account bestaat niet.")
    return target


def _role(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise InvalidInput("Kies een rol: trainer, projectleiding of beheerder.", field="role") from None
    if role not in STAFF_ROLES:
        raise InvalidInput(
            "Deelnemers worden door hun trainer uitgenodigd, bij het inschrijven in een groep. "
            "Kies trainer, projectleiding of beheerder.",
            field="role",
        )
    return role


def _organisation(
    session: Session, *, role: Role, organisation_id: int | None, current: int | None = None
) -> int | None:
    if organisation_id is None:
        if role != Role.admin:
            raise InvalidInput(
                "Kies de organisatie: trainers en projectleiding horen bij één organisatie.", field="organisation_id"
            )
        return None
    org = session.get(Organisation, organisation_id)
    if org is None or (org.archived_at is not None and organisation_id != current):
        raise InvalidInput("Kies een bestaande, niet gearchiveerde organisatie.", field="organisation_id")
    return org.id


def _active_admins(session: Session) -> int:
    return session.exec(
        select(func.count(col(User.id))).where(User.role == Role.admin.value, col(User.is_active).is_(True))
    ).one()


def _send_invitation(session: Session, *, target: User, base_url: str, now: datetime) -> None:
    issued = issue_invitation(session, user=target, cohort_id=None, now=now)
    queue_mail(
        session,
        message=invitation_message(
            user=target,
            cohort=None,
            link=f"{base_url}/uitnodiging?token={issued.token}",
            expires_at=issued.invitation.expires_at,
        ),
    )


def invite_staff(
    session: Session,
    *,
    user: User,
    name: str,
    email: str,
    role: str,
    organisation_id: int | None,
    base_url: str,
    now: datetime | None = None,
) -> User:
    """Create the account without a password and e-mail a one-time link to set one."""
    _require_admin(user)
    now = now or utcnow()
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Vul een naam in.", field="name")
    if len(name) > 200:
        raise InvalidInput("Een naam kan hoogstens 200 tekens lang zijn.", field="name")
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise InvalidInput("Dit is geen geldig e-mailadres.", field="email")
    staff_role = _role(role)
    org_id = _organisation(session, role=staff_role, organisation_id=organisation_id)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(
            "Er bestaat al een account met dit e-mailadres. Zoek het op in de lijst om het te wijzigen.", field="email"
        )
    target = User(name=name, email=email, role=staff_role.value, organisation_id=org_id)
    session.add(target)
    session.flush()
    _send_invitation(session, target=target, base_url=base_url, now=now)
    audit_trail.record(
        session,
        action="user.invited",
        object_type="user",
        object_id=target.id,
        organisation_id=org_id,
        details={"role": staff_role.value},
    )
    return target


def reinvite(session: Session, *, user: User, user_id: int, base_url: str, now: datetime | None = None) -> User:
    """A new link for an account that never set a password (earlier links stop working)."""
    target = get_account(session, user=user, user_id=user_id)
    if target.password_hash:
        raise Conflict(
            "Dit account heeft al een wachtwoord. Wie het kwijt is, gebruikt ‘Wachtwoord vergeten?’ op de inlogpagina."
        )
    if not target.is_active:
        raise Conflict("Dit account is gedeactiveerd. Activeer het eerst.")
    _send_invitation(session, target=target, base_url=base_url, now=now or utcnow())
    audit_trail.record(
        session,
        action="invitation.sent",
        object_type="user",
        object_id=target.id,
        organisation_id=target.organisation_id,
    )
    return target


def change_account(session: Session, *, user: User, user_id: int, role: str, organisation_id: int | None) -> User:
    """Change a staff account's role or organisation."""
    target = get_account(session, user=user, user_id=user_id)
    if target.role == Role.trainee:
        raise Conflict(
            "De rol van een deelnemer kan niet worden gewijzigd; de organisatie volgt uit de groep.", field="role"
        )
    new_role = _role(role)
    if target.id == user.id and new_role != Role(target.role):
        raise Conflict("Je kunt je eigen rol niet wijzigen. Laat een andere beheerder dat doen.", field="role")
    org_id = _organisation(session, role=new_role, organisation_id=organisation_id, current=target.organisation_id)
    if target.role == Role.admin and new_role != Role.admin and target.is_active and _active_admins(session) <= 1:
        raise Conflict("Dit is de laatste actieve beheerder; er moet er altijd één zijn.", field="role")
    before = {"role": target.role, "organisation_id": target.organisation_id}
    target.role, target.organisation_id = new_role.value, org_id
    session.add(target)
    session.flush()
    audit_trail.record(
        session,
        action="user.changed",
        object_type="user",
        object_id=target.id,
        organisation_id=org_id,
        details={"from": before, "to": {"role": new_role.value, "organisation_id": org_id}},
    )
    return target


def deactivate(session: Session, *, user: User, user_id: int, now: datetime | None = None) -> User:
    """No more sign-in: every session ends at once, unused invitation and reset links stop working. Data stays."""
    target = get_account(session, user=user, user_id=user_id)
    if target.id == user.id:
        raise Conflict("Je kunt je eigen account niet deactiveren.")
    if target.role == Role.admin and target.is_active and _active_admins(session) <= 1:
        raise Conflict("Dit is de laatste actieve beheerder; er moet er altijd één zijn.")
    now = now or utcnow()
    if target.is_active:
        target.is_active = False
        target.session_version += 1
        session.add(target)
        end_sessions(session, user_id=id_of(target), now=now)
        revoke_invitations(session, user_id=id_of(target), now=now)
        session.execute(
            update(PasswordReset)
            .where(
                col(PasswordReset.user_id) == target.id,
                col(PasswordReset.used_at).is_(None),
                col(PasswordReset.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
        session.flush()
        audit_trail.record(
            session,
            action="user.deactivated",
            object_type="user",
            object_id=target.id,
            organisation_id=target.organisation_id,
        )
    return target


def reactivate(session: Session, *, user: User, user_id: int) -> User:
    target = get_account(session, user=user, user_id=user_id)
    if not target.is_active:
        target.is_active = True
        session.add(target)
        session.flush()
        audit_trail.record(
            session,
            action="user.reactivated",
            object_type="user",
            object_id=target.id,
            organisation_id=target.organisation_id,
        )
    return target


def _account_key(email: str) -> str:
    """The sign-in counter of this e-mail address from all client addresses (training.accounts.login_limits)."""
    return throttle_key("login-account", normalise_email(email))


def is_locked(
    session: Session, *, email: str, max_failures: int, window_seconds: int, now: datetime | None = None
) -> bool:
    """Whether sign-in for this address is blocked from every client address (the account-wide limit is used up)."""
    now = now or utcnow()
    row = session.get(LoginThrottle, _account_key(email))
    if row is None or row.attempts < max_failures:
        return False
    started = (
        row.window_started_at if row.window_started_at.tzinfo else row.window_started_at.replace(tzinfo=now.tzinfo)
    )
    return started > now - timedelta(seconds=window_seconds)


def unlock(session: Session, *, user: User, user_id: int) -> User:
    """Clear the account-wide sign-in counter. (A single client address that tried too often stays blocked for
    that address until its window ends: those counters are keyed on address hashes nobody can list.)"""
    target = get_account(session, user=user, user_id=user_id)
    row = session.get(LoginThrottle, _account_key(target.email))
    if row is not None:
        session.delete(row)
        session.flush()
    audit_trail.record(
        session, action="user.unlocked", object_type="user", object_id=target.id, organisation_id=target.organisation_id
    )
    return target
