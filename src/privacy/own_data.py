"""Mijn gegevens: everything the platform holds about a person, in words and as one machine-readable file.

Which tables are included comes from the register (``in_own_data``); a test checks the two agree, so a table
declared as the person's data cannot be left out of the download."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy import Table, or_, select
from sqlmodel import Session, SQLModel

from privacy.registry import declaration, own_data_tables
from training import audit_trail
from training.ids import id_of
from training.models import User

SECRET_COLUMNS = {"password_hash", "token_hash"}  # declared, but a download shows only whether there is one


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _rows(session: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    result = session.connection().execute(select(table).where(where).order_by(*table.primary_key.columns))
    return [dict(row._mapping) for row in result]


def collect_own_data(session: Session, *, user: User) -> dict[str, list[dict[str, Any]]]:
    """Per table of the register, the rows about this person (secrets replaced by whether they are set)."""
    uid = id_of(user)
    enrolment_ids = [r["id"] for r in _rows(session, _table("enrolment"), _table("enrolment").c.user_id == uid)]
    response = _table("questionnaire_response")
    response_ids = [r["id"] for r in _rows(session, response, response.c.enrolment_id.in_(enrolment_ids))]
    out: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(own_data_tables()):
        table = _table(name)
        c = table.c
        if name == "user_account":
            where = c.id == uid
        elif name == "audit_entry":
            where = or_(c.user_id == uid, (c.object_type == "user") & (c.object_id == str(uid)))
        elif name == "outbound_mail":
            where = c.to_address == user.email
        elif "user_id" in c:
            where = c.user_id == uid
        elif "enrolment_id" in c:
            where = c.enrolment_id.in_(enrolment_ids)
        elif "response_id" in c:
            where = c.response_id.in_(response_ids)
        else:  # pragma: no cover - the register test keeps every own-data table linkable
            raise ValueError(f"no link from {name} to a person")
        rows = _rows(session, table, where)
        for row in rows:
            for column in SECRET_COLUMNS & row.keys():
                row[column] = "(ingesteld)" if row[column] else None
        out[name] = rows
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def own_data_json(data: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(
        {name: [{k: _plain(v) for k, v in row.items()} for row in rows] for name, rows in data.items()},
        ensure_ascii=False,
        indent=2,
    )


def summary(data: dict[str, list[dict[str, Any]]]) -> list[tuple[str, int]]:
    """In words: per table the register's description and how many rows there are about the person."""
    return [(declaration(name).description, len(rows)) for name, rows in data.items() if rows]


def own_data_html(data: dict[str, list[dict[str, Any]]], *, name: str) -> str:
    """A readable copy: per kind of data a heading in words and a table of the rows."""
    parts = [
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Mijn gegevens</title></head><body>',
        f"<h1>Wat het R-ACT leerplatform over {escape(name)} bewaart</h1>",
    ]
    for table, rows in data.items():
        parts.append(f"<h2>{escape(declaration(table).description)} ({len(rows)})</h2>")
        if not rows:
            parts.append("<p>Niets.</p>")
            continue
        columns = list(rows[0])
        parts.append("<table><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr>")
        for row in rows:
            cells = "".join(f"<td>{escape(str(_plain(row[c]) if row[c] is not None else ''))}</td>" for c in columns)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def own_data_zip(data: dict[str, list[dict[str, Any]]], *, readable_html: str) -> bytes:
    """The download: gegevens.json (machine-readable) and gegevens.html (readable)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gegevens.json", own_data_json(data))
        archive.writestr("gegevens.html", readable_html)
    return buffer.getvalue()


def record_download(session: Session, *, user: User, tables: Sequence[str]) -> None:
    audit_trail.record(
        session,
        action="privacy.own_data_downloaded",
        object_type="user",
        object_id=id_of(user),
        organisation_id=user.organisation_id,
        details={"tables": len(tables)},
    )
