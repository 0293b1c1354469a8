"""Test databases built by the real migrations: a migrated SQLite template copied per test, or one PostgreSQL
database per run emptied after each test."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from api.cli import run_migrations
from api.db import make_engine

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_database_url() -> str | None:
    """The PostgreSQL URL for this run, or None for SQLite."""
    url = os.environ.get("RACT_TEST_DATABASE_URL", "").strip()
    return url or None


def require_postgres() -> bool:
    return os.environ.get("RACT_REQUIRE_POSTGRES") == "1"


def postgres_reachable(url: str) -> str | None:
    """None when reachable, else the reason."""
    try:
        eng = create_engine(make_url(url).set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


class SqliteTemplate:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.sqlite3"
        run_migrations(f"sqlite:///{self.template}")

    def fresh(self) -> tuple[str, Engine]:
        path = self.workdir / f"t-{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(self.template, path)
        url = f"sqlite:///{path}"
        return url, make_engine(url)

    def close(self) -> None:
        pass


class PostgresDatabase:
    def __init__(self, admin_url: str) -> None:
        base = make_url(admin_url).set(drivername="postgresql+psycopg")
        self.name = f"ract_test_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        run_migrations(self.url)
        self.engine = make_engine(self.url)
        with self.engine.connect() as conn:
            self.tables = [
                r[0]
                for r in conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")
                )
            ]

    def fresh(self) -> tuple[str, Engine]:
        return self.url, self.engine

    def reset(self) -> None:
        if self.tables:
            with self.engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in self.tables) + " RESTART IDENTITY CASCADE"))

    def close(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()
