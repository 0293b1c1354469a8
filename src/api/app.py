"""The application factory: settings in, a configured FastAPI app out."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api import errors, monitor_charts
from api.audit import audit_actor
from api.authz import enforce_access
from api.content import load_content
from api.csrf import csrf_protect
from api.db import POOL_SIZE, DatabaseHealth, Timeouts, make_engine
from api.inputs import refuse_control_characters
from api.middleware import wrap_outermost
from api.routers import (
    admin,
    auth,
    home,
    invitations,
    learning,
    monitor,
    monitor_exports,
    questionnaires,
    questionnaires_paper,
    trainer,
    workspace,
)
from api.routers import audit as audit_routes
from api.routers import certificates as certificate_routes
from api.routers import check_statistics as check_statistics_routes
from api.routers import organisations as organisation_routes
from api.routers import password_reset as password_reset_routes
from api.routers import privacy as privacy_routes
from api.routers import staff as staff_routes
from api.settings import Settings, get_settings
from monitor.questionnaire.windows import t0_gate

STATIC_DIR = Path(__file__).parent / "static"


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


GC_GEN0_THRESHOLD = 50_000


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # As many threads for blocking work as the database pool has connections (api.db.POOL_SIZE): requests beyond
    # that wait in the thread limiter's first-come-first-served queue, not in the connection pool. The commit at
    # the end of a request and /healthz never wait in that queue (api.db.get_session, api.db.DatabaseHealth).
    anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
    yield
    app.state.health.close()


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    # A monitor page allocates a few hundred thousand short-lived objects; with CPython's default first-generation
    # threshold (700) that triggers hundreds of collections, each walking the long-lived heap (SciPy, Altair, the
    # content). A higher threshold halved the median of the monitor's data load (docs/performance.md).
    gc.set_threshold(GC_GEN0_THRESHOLD, 20, 50)
    app = FastAPI(
        title="R-ACT resourcegroepen platform",
        version="0.1.0",
        description="Training modules, pre/post self-assessment and the regie-ondersteuner monitor.",
        docs_url=None,
        redoc_url=None,
        dependencies=[
            Depends(csrf_protect),
            Depends(enforce_access),
            Depends(refuse_control_characters),
            Depends(audit_actor),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(
        settings.database_url,
        timeouts=Timeouts(
            lock=settings.db_lock_timeout_seconds,
            statement=settings.db_statement_timeout_seconds,
            idle_in_transaction=settings.db_idle_in_transaction_timeout_seconds,
        ),
    )
    app.state.health = DatabaseHealth(app.state.engine)
    # Refuses to start on invalid content (the full report of every file).
    app.state.modules, app.state.instruments = load_content(settings.content_dir)
    # Modules stay locked until the voormeting (T0) is submitted, where the cohort asks for it.
    app.state.module_gate = t0_gate

    threading.Thread(target=monitor_charts.warm_up, name="chart-warm-up", daemon=True).start()
    errors.install(app)
    for module in (
        auth,
        home,
        admin,
        learning,
        invitations,
        workspace,
        trainer,
        questionnaires,
        questionnaires_paper,
        monitor,
        monitor_exports,
        audit_routes,
        organisation_routes,
        staff_routes,
        password_reset_routes,
        check_statistics_routes,
        privacy_routes,
        certificate_routes,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Outermost first: security headers/logging wrap the session middleware.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="ract_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # A forged Host header gets 400 before anything else runs (RACT_ALLOWED_HOSTS; links never use the Host header).
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    # Security headers and the request log wrap everything, the 500 page of an unhandled exception included.
    wrap_outermost(app, hsts=settings.secure_cookies)
    return app
