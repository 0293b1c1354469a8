"""Database engine and the per-request session: one transaction per request, committed by the dependency."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi import Request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
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
# SQLite serialises every writer of the whole database, so its lock queue is every write in flight, not one row's:
# with 5 s (the PostgreSQL lock timeout), 4 of 100 simultaneous saves of one answer got a 503 on a loaded machine.
# The deadlock that made a long wait dangerous is gone (get_session), so SQLite keeps 30 s.
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Timeouts:
    """How long one statement may wait, so that a stuck transaction fails one request instead of the process.

    PostgreSQL gets all three as connection options; SQLite keeps its busy timeout (SQLITE_BUSY_TIMEOUT_SECONDS)."""

    lock: float  # waiting for a row or table lock (lock_timeout)
    statement: float  # any one statement (statement_timeout)
    idle_in_transaction: float  # a transaction left open between statements (idle_in_transaction_session_timeout)

    def postgres_options(self) -> str:
        return " ".join(
            f"-c {name}={round(seconds * 1000)}"
            for name, seconds in (
                ("lock_timeout", self.lock),
                ("statement_timeout", self.statement),
                ("idle_in_transaction_session_timeout", self.idle_in_transaction),
            )
        )


def make_engine(url: str, *, timeouts: Timeouts | None = None) -> Engine:
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
        busy = SQLITE_BUSY_TIMEOUT_SECONDS
        # The same pool as PostgreSQL's (a file database gets a QueuePool, 5 + 10 by default: fewer connections
        # than request threads); an in-memory database keeps SQLAlchemy's single-connection pool.
        pool = (
            {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
            if parsed.database not in (None, "", ":memory:")
            else {}
        )
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={round(busy * 1000)}")
            cur.close()

        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args = {"options": timeouts.postgres_options()} if timeouts else {}
    return create_engine(
        parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, connect_args=connect_args
    )


# SQLSTATEs of a statement that gave up waiting: lock_not_available (lock_timeout, NOWAIT) and query_canceled
# (statement_timeout). SQLite says "database is locked" when its busy timeout has run out.
CONTENTION_SQLSTATES = frozenset({"55P03", "57014"})


def is_contention(exc: BaseException) -> bool:
    """Whether a database error means "waited too long for a lock or a statement": worth trying again."""
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in CONTENTION_SQLSTATES or "database is locked" in str(exc.orig)


HEALTH_TIMEOUT_SECONDS = 0.8


class DatabaseHealth:
    """The database check of /healthz, which must answer within a second even when every request thread and
    every pool connection is taken (a burst of logins for one account, issue 11).

    It therefore shares nothing with requests: a small engine of its own (one connection, a second for overlap;
    a short connect and statement timeout), threads of its own, and at most two checks in flight. A check that
    has not answered within HEALTH_TIMEOUT_SECONDS reports "unknown" instead of keeping the caller waiting; its
    thread finishes in the background, bounded by the timeouts."""

    def __init__(self, engine: Engine) -> None:
        url = engine.url
        if url.get_backend_name() == "sqlite":
            connect_args: dict = {"check_same_thread": False, "timeout": 0.5}
        else:
            connect_args = {"connect_timeout": 2, "options": "-c statement_timeout=1000 -c lock_timeout=500"}
        pool = (
            {} if url.database in (None, "", ":memory:") else {"pool_size": 1, "max_overflow": 1, "pool_timeout": 0.5}
        )
        self.engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)
        self._slots = threading.BoundedSemaphore(2)

    async def check(self) -> str:
        """ "ok", "unreachable" (the database refused or failed), or "unknown" (no answer in time)."""
        if not self._slots.acquire(blocking=False):
            return "unknown"  # two earlier checks are still waiting for the database
        slot = _Slot(self._slots)
        try:
            with anyio.move_on_after(HEALTH_TIMEOUT_SECONDS):
                # A fresh limiter: never waits for a thread that requests hold.
                reachable = await anyio.to_thread.run_sync(
                    self._probe, slot, limiter=anyio.CapacityLimiter(1), abandon_on_cancel=True
                )
                return "ok" if reachable else "unreachable"
        except BaseException:
            slot.release()  # cancelled from outside (the client left): the probe may never have started
            raise
        return "unknown"  # the probe still runs and frees its slot when it ends

    def _probe(self, slot: _Slot) -> bool:
        try:
            return database_reachable(self.engine)
        finally:
            slot.release()

    def close(self) -> None:
        self.engine.dispose()


class _Slot:
    """One claim on the health check's semaphore, released exactly once by whoever is done with it first."""

    def __init__(self, semaphore: threading.BoundedSemaphore) -> None:
        self._semaphore, self._lock, self._held = semaphore, threading.Lock(), True

    def release(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._semaphore.release()


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

    That last hop must not wait for the request threads. By then the handler may hold row locks (a login's
    failure counter, the answer-save's response lock) that other requests' handlers are waiting for, each
    occupying one of the POOL_SIZE request threads; a commit queued behind them for a free request thread is a
    deadlock that lasted until the process was killed (issue 11: 22 wrong passwords for one account on
    PostgreSQL). So the commit runs outside the request limiter, on a limiter of its own made for the call (as
    FastAPI runs the exit of a plain ``def`` dependency with ``yield``, fastapi/concurrency.py). Unbounded in
    name only: a commit or rollback with I/O needs the session's connection, and the engine holds at most
    POOL_SIZE + POOL_OVERFLOW of them, so that is how many such threads can exist; a session that never
    touched the database is closed here on the event loop. The hop is shielded: a client that goes away must
    not leave a transaction, and its locks, open.
    """
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        await _finish(_rollback_and_close, session)
        raise
    await _finish(_commit_and_close, session)


async def _finish(step, session: Session) -> None:
    if not session.in_transaction():
        session.close()  # never used: no connection, nothing to commit, no I/O
        return
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(step, session, limiter=anyio.CapacityLimiter(1))


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


# The monitor's report cache counts committed writes through every engine of the process (its listeners are
# registered when the module is imported): import it with the engine, before any session writes.
import monitor.report.data_version  # noqa: E402,F401
