"""Database engine and the per-request session: one transaction per request, committed by the dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session, create_engine


class DatabaseUrlInvalid(ValueError):
    """RACT_DATABASE_URL cannot be used."""


# Connections per app process. Every blocking call of a request (dependencies, endpoint, commit) runs in the
# thread pool, which the app limits to the same number of threads (``api.app``): a request never waits for a
# connection in SQLAlchemy's pool, where waiting is not first come, first served and an overflow connection is
# opened and closed again for every request above the pool size (a profile of a worker holding 28 of 32 benchmark
# connections: 16% of its samples waiting in the pool, 4% opening connections; docs/performance.md). The overflow
# is a margin for code that holds two connections at once.
POOL_SIZE = 20
POOL_OVERFLOW = 10


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlInvalid(f"RACT_DATABASE_URL is not a valid database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise DatabaseUrlInvalid(
            f"RACT_DATABASE_URL uses {backend!r}; supported are sqlite:///path and postgresql+psycopg://..."
        )
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


def database_reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query (for /healthz): never raises."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: commits when the handler succeeded, rolls back when anything raised.

    ``async def`` so that opening the session (no I/O until first use) costs no thread-pool hop; the commit or
    rollback and the close (I/O) run in one hop at the end, never on the event loop.
    """
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_rollback_and_close, session)
        raise
    await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()
