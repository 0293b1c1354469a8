"""The mail outbox: queue a message in the caller's transaction; claim, mark sent or failed when delivering."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from training.access import visible_cohort_ids
from training.errors import PermissionDenied
from training.models import OutboundMail, Role, User, utcnow

MAX_ATTEMPTS = 8
# A message claimed by a process that died while sending is claimed again after this long.
STALE_CLAIM = timedelta(minutes=10)
TOKEN_RE = re.compile(r"(token=)[\w-]+")
STATUS_LABELS = {
    "queued": "wacht op verzending",
    "sending": "wordt verzonden",
    "sent": "verzonden",
    "failed": "niet verzonden",
}


@dataclass(frozen=True)
class Message:
    to_address: str
    subject: str
    body: str


def new_mail(*, message: Message, cohort_id: int | None = None) -> OutboundMail:
    """An outbox row (not yet added to a session), for bulk queueing."""
    return OutboundMail(
        to_address=message.to_address, subject=message.subject[:300], body=message.body, cohort_id=cohort_id
    )


def queue_mail(session: Session, *, message: Message, cohort_id: int | None = None) -> OutboundMail:
    """Add a message to the outbox; it is delivered only after the caller's transaction commits."""
    mail = new_mail(message=message, cohort_id=cohort_id)
    session.add(mail)
    session.flush()
    return mail


def deliverable_ids(session: Session, *, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Messages waiting for (another) delivery attempt, oldest first."""
    now = now or utcnow()
    q = (
        select(OutboundMail.id)
        .where(
            OutboundMail.attempts < MAX_ATTEMPTS,
            or_(
                col(OutboundMail.status).in_(["queued", "failed"]),
                (col(OutboundMail.status) == "sending") & (col(OutboundMail.claimed_at) < now - STALE_CLAIM),
            ),
        )
        .order_by(col(OutboundMail.id))
        .limit(limit)
    )
    return cast("list[int]", list(session.exec(q)))  # primary keys are never NULL


def claim(session: Session, *, mail_id: int, now: datetime | None = None) -> OutboundMail | None:
    """Atomically take a message for delivery; None when another process has it or it is already sent."""
    now = now or utcnow()
    result = session.execute(
        update(OutboundMail)
        .where(
            col(OutboundMail.id) == mail_id,
            col(OutboundMail.attempts) < MAX_ATTEMPTS,
            or_(
                col(OutboundMail.status).in_(["queued", "failed"]),
                (col(OutboundMail.status) == "sending") & (col(OutboundMail.claimed_at) < now - STALE_CLAIM),
            ),
        )
        .values(status="sending", claimed_at=now, attempts=OutboundMail.attempts + 1)
    )
    if cast("CursorResult[Any]", result).rowcount != 1:
        return None
    mail = session.get(OutboundMail, mail_id)
    session.refresh(mail)
    return mail


def redact_tokens(body: str) -> str:
    """The text without the secret part of invitation links (they are stored only as hashes once sent)."""
    return TOKEN_RE.sub(r"\1[verborgen]", body)


def mark_sent(session: Session, *, mail: OutboundMail, now: datetime | None = None) -> None:
    mail.status, mail.sent_at, mail.last_error = "sent", now or utcnow(), None
    mail.body = redact_tokens(mail.body)  # a sent link lives only in the recipient's mailbox
    session.add(mail)
    session.flush()


def mark_failed(session: Session, *, mail: OutboundMail, error: str) -> None:
    mail.status, mail.last_error = "failed", error[:1000]
    session.add(mail)
    session.flush()


def list_outbox(session: Session, *, user: User, limit: int = 200) -> list[OutboundMail]:
    """Recent messages: all for admins, those about their own cohorts for trainers."""
    if user.role not in (Role.admin, Role.trainer):
        raise PermissionDenied()
    q = select(OutboundMail).order_by(col(OutboundMail.id).desc()).limit(limit)
    ids = visible_cohort_ids(session, user=user)
    if ids is not None:
        q = q.where(col(OutboundMail.cohort_id).in_(ids))
    return list(session.exec(q))
