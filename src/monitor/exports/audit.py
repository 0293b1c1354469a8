"""The export audit log: one row per export (who, when, what, format, scope, row count), never the data itself."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from monitor.models import AuditEvent
from training import audit_trail

WEB, CLI = "web", "cli"


def record_export(
    session: Session,
    *,
    action: str,
    format: str,
    organisation_id: int | None,
    scope: Mapping[str, Any],
    row_count: int | None,
    user_id: int | None = None,
    channel: str = WEB,
) -> AuditEvent:
    """Log one export. Call it after every check has passed and before any data leaves, in the same transaction
    as the request (so a failed commit means no export and no log, and a refused request logs nothing)."""
    event = AuditEvent(
        user_id=user_id,
        channel=channel,
        action=action,
        format=format,
        organisation_id=organisation_id,
        row_count=row_count,
        scope_json=json.dumps(dict(scope), sort_keys=True, ensure_ascii=False, default=str),
    )
    session.add(event)
    session.flush()
    # The general audit trail gets the same fact, with the actor's role and client address (training.audit_trail).
    actor = audit_trail.actor_of(session)
    if channel == CLI:
        actor = audit_trail.Actor.command_line()
    elif actor.user_id != user_id:
        actor = audit_trail.Actor(user_id, None, actor.client_address, channel)
    audit_trail.record(
        session,
        action=action,
        object_type="export",
        object_id=event.id,
        organisation_id=organisation_id,
        actor=actor,
        details={"format": format, "rows": row_count, "filters": dict(scope)},
    )
    return event


def list_exports(session: Session, *, organisation_id: int | None = None, limit: int = 20) -> list[AuditEvent]:
    """The most recent exports, newest first (of one organisation when given)."""
    query = select(AuditEvent).order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc()).limit(limit)
    if organisation_id is not None:
        query = query.where(AuditEvent.organisation_id == organisation_id)
    return list(session.exec(query))
