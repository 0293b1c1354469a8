"""The data version the monitor's report cache is keyed on: bumped in every committed transaction that wrote a table
a monitor figure may read, so a cached report can never outlive a change (``monitor.report.service``).

The listeners are registered on SQLAlchemy's ``Engine`` class when this module is imported (``api.db`` imports it),
so they see every engine of the process: the web app's, the command line's and the tests'.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

# Every INSERT/UPDATE/DELETE through any engine of this process marks its connection; when that transaction commits,
# data_version.n is bumped in it (the last lock it takes, so no deadlock), so the new figures and the new version
# become visible together to every worker. The monitor caches reports under the version (monitor.report.service): a
# cached report can therefore never outlive a change. Tables that no monitor figure reads are left out (a page view
# writes sessions and audit rows; those must not empty the cache).
VERSION_IGNORED_TABLES = frozenset(
    {
        "data_version",
        "alembic_version",
        "user_session",
        "login_throttle",
        "audit_entry",
        "audit_event",
        "outbound_mail",
        "statement_acknowledgement",
    }
)
_WRITE_RE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
DIRTY = "ract_data_dirty"  # Connection.info key: this transaction wrote a table a monitor figure may read
SCHEMA_CHANGED = "ract_schema_changed"  # Connection.info key: this transaction ran DDL (a migration)
_DDL_RE = re.compile(r"^\s*(?:CREATE|DROP|ALTER)\b", re.IGNORECASE)


def _has_version_table(conn: Connection) -> bool:
    """Whether data_version exists (remembered once it does; a database made before migration 0017 has none)."""
    engine = conn.engine
    if conn.info.get(SCHEMA_CHANGED):  # a migration may just have created or dropped it: look, do not remember
        return inspect_table(conn, "data_version")
    if getattr(engine, "_ract_has_version", False):
        return True
    found = inspect_table(conn, "data_version")
    if found:
        engine._ract_has_version = True  # type: ignore[attr-defined]  # remembered on the engine it is about
    return found


def inspect_table(conn: Connection, name: str) -> bool:
    return bool(inspect(conn).has_table(name))


@event.listens_for(Engine, "after_cursor_execute")
def _mark_write(conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
    if _DDL_RE.match(statement):
        conn.info[SCHEMA_CHANGED] = True
        conn.engine._ract_has_version = False  # type: ignore[attr-defined]  # look again after a migration
    match = _WRITE_RE.match(statement)
    if match and match.group(1).lower() not in VERSION_IGNORED_TABLES:
        conn.info[DIRTY] = True


@event.listens_for(Engine, "commit")
def _bump_version(conn: Connection) -> None:
    schema_changed = conn.info.pop(SCHEMA_CHANGED, False)
    if not conn.info.pop(DIRTY, False):
        return
    if schema_changed:
        conn.info[SCHEMA_CHANGED] = True  # _has_version_table must look, not remember
    try:
        has_table = _has_version_table(conn)
    finally:
        conn.info.pop(SCHEMA_CHANGED, None)
    if not has_table:
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a connection in a transaction has its DBAPI connection
    cursor = dbapi.cursor()  # the DBAPI cursor: not seen by _mark_write
    try:
        cursor.execute("UPDATE data_version SET n = n + 1 WHERE id = 1")
        if cursor.rowcount == 0:  # a schema made by create_all (tests) has the table without its row
            # a new random epoch: a database emptied and filled again counts from 1 again, and must not meet
            # the reports cached for its former contents (tests; a restored backup keeps its own epoch)
            cursor.execute(f"INSERT INTO data_version (id, n, epoch) VALUES (1, 1, '{uuid.uuid4().hex}')")
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_write(conn: Connection) -> None:
    conn.info.pop(DIRTY, None)
    conn.info.pop(SCHEMA_CHANGED, None)


def data_version(session: Session) -> tuple[str, int] | None:
    """The data version the session's transaction sees, or None when it must not be cached under one: the
    transaction has written itself (not committed, so not counted yet), or there is no data_version row."""
    conn = session.connection()
    if conn.info.get(DIRTY) or not _has_version_table(conn):
        return None
    row = conn.execute(text("SELECT epoch, n FROM data_version WHERE id = 1")).first()
    return (str(row[0]), int(row[1])) if row else None  # no row yet (a create_all schema): nothing to key on
