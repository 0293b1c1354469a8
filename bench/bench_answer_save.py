"""Questionnaire benchmark: saving one answer and submitting a response, per second and latency, through the real
stack (uvicorn, 2 workers, PostgreSQL), beside /healthz throughput in the same run. Targets 127.0.0.1 only; every
phase is bounded in time.

    .venv/bin/python bench/bench_answer_save.py [--seconds 15] [--concurrency 32] [--users 60] [--submit-pool 4000]
    .venv/bin/python bench/bench_answer_save.py --smoke    # a few seconds, tiny data, no doc update: does it work?

Uses a throw-away database on RACT_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped
afterwards, and writes its table into docs/performance.md between the answer-save markers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from base64 import b64encode
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import httpx  # noqa: E402
import itsdangerous  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:answer-save:begin -->", "<!-- bench:answer-save:end -->"
TARGET_RATE, TARGET_P99_MS = 300, 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cookie(uid: int, csrf: str) -> str:
    payload = b64encode(json.dumps({"uid": uid, "sv": 1, "csrf": csrf}).encode())
    return itsdangerous.TimestampSigner(SECRET).sign(payload).decode()


Session_ = tuple[str, str, int]  # (cookie, csrf token, response id)


def arrange(url: str, n_users: int, n_submit: int) -> tuple[list[Session_], list[Session_]]:
    """A cohort with an open T0; ``n_users`` trainees with a response in progress (for the saves) and ``n_submit``
    more whose response has every T0 item answered and waits to be submitted (each can be submitted once)."""
    from api.cli import run_migrations
    from monitor.instrument import load_instruments
    from monitor.responses import get_or_create_response
    from monitor.windows import set_window
    from training.models import Cohort, Enrolment, Organisation, Role, User, Wijk

    run_migrations(url)
    instrument = load_instruments(ROOT / "content" / "questionnaires")[0]
    engine = create_engine(url)
    sessions = []
    with Session(engine) as db:
        org = Organisation(name="Bench")
        db.add(org)
        db.flush()
        wijk = Wijk(organisation_id=org.id, name="Benchwijk")
        cohort = Cohort(organisation_id=org.id, name="Bench", start_date=date.today(), end_date=date.today() + timedelta(days=90))
        db.add_all([wijk, cohort])
        db.flush()
        set_window(db, cohort_id=cohort.id, moment="T0", opens_on=date.today() - timedelta(days=1),
                   closes_on=date.today() + timedelta(days=30))
        for i in range(n_users):
            user = User(name=f"Bench {i}", email=f"bench{i}@bench.local", role=Role.trainee, organisation_id=org.id,
                        wijk_id=wijk.id)
            db.add(user)
            db.flush()
            enrolment = Enrolment(cohort_id=cohort.id, user_id=user.id, wijk_id=wijk.id)
            db.add(enrolment)
            db.flush()
            response, _ = get_or_create_response(db, enrolment=enrolment, moment="T0", instrument=instrument)
            csrf = secrets.token_urlsafe(16)
            sessions.append((cookie(user.id, csrf), csrf, response.id))
        db.commit()
        ready = _ready_to_submit(db, instrument=instrument, organisation_id=org.id, wijk_id=wijk.id,
                                 cohort_id=cohort.id, n=n_submit)
        db.commit()
    engine.dispose()
    return sessions, ready


def _ready_to_submit(db: Session, *, instrument, organisation_id: int, wijk_id: int, cohort_id: int,
                     n: int) -> list[Session_]:
    """``n`` trainees each with a fully answered T0 response in progress, inserted in bulk."""
    from sqlalchemy import insert

    from monitor.models import Answer, QuestionnaireResponse
    from monitor.versions import get_or_create_version
    from training.models import Enrolment, Role, User, utcnow

    version = get_or_create_version(db, instrument=instrument)
    users = [User(name=f"Indiener {i}", email=f"submit{i}@bench.local", role=Role.trainee,
                  organisation_id=organisation_id, wijk_id=wijk_id) for i in range(n)]
    db.add_all(users)
    db.flush()
    enrolments = [Enrolment(cohort_id=cohort_id, user_id=user.id, wijk_id=wijk_id) for user in users]
    db.add_all(enrolments)
    db.flush()
    responses = [QuestionnaireResponse(enrolment_id=e.id, moment="T0", instrument_id=instrument.id,
                                       instrument_version_id=version.id) for e in enrolments]
    db.add_all(responses)
    db.flush()
    rng, now = random.Random(7), utcnow()
    items = [item.id for item in instrument.items_for("T0")]
    rows = [{"response_id": r.id, "item_id": item, "then_test": False, "value": rng.randint(1, 5),
             "missing_code": None, "answered_at": now} for r in responses for item in items]
    for start in range(0, len(rows), 10_000):
        db.execute(insert(Answer), rows[start:start + 10_000])
    ready = []
    for user, response in zip(users, responses):
        csrf = secrets.token_urlsafe(16)
        ready.append((cookie(user.id, csrf), csrf, response.id))
    return ready


async def load(base: str, seconds: float, concurrency: int, make_request) -> dict:
    """Run ``concurrency`` clients until the deadline, or until ``make_request`` returns None (nothing left to do).
    ``make_request(rng)`` gives (method, path, httpx keyword arguments, expected status[, expected Location])."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        async def worker(index: int) -> None:
            rng = random.Random(index)
            while time.perf_counter() < deadline:
                request = make_request(rng)
                if request is None:
                    return
                method, path, kwargs, expected, *location = request
                start = time.perf_counter()
                try:
                    response = await client.request(method, path, **kwargs)
                    ok = (response.status_code == expected
                          and response.headers.get("location") == (location or [None])[0])
                    key = str(response.status_code)
                except httpx.HTTPError as exc:
                    ok, key = False, type(exc).__name__
                latencies.append(time.perf_counter() - start)
                if not ok:
                    errors[key] = errors.get(key, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "rate": len(latencies) / elapsed, "p50": q[49] * 1000, "p95": q[94] * 1000,
            "p99": q[98] * 1000, "errors": errors}


def _count_submitted(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM questionnaire_response WHERE status = 'submitted'")).scalar_one()
    engine.dispose()
    return count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--submit-pool", type=int, default=4000,
                        help="fully answered responses waiting to be submitted; the submit phase ends when all are")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/performance.md")
    parser.add_argument("--smoke", action="store_true",
                        help="prove the script works: 2 s per phase, 4 clients, little data, no doc update")
    args, _ = parser.parse_known_args()  # scripts/bench.sh passes its arguments to every benchmark
    if args.smoke:
        args.seconds, args.concurrency, args.users, args.submit_pool, args.no_doc = 2, 4, 5, 50, True

    admin_url = make_url(os.environ.get("RACT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    admin_url = admin_url.set(drivername="postgresql+psycopg")
    name = f"ract_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        sessions, ready = arrange(url, args.users, args.submit_pool)
        from monitor.instrument import load_instruments

        items = [item.id for item in load_instruments(ROOT / "content" / "questionnaires")[0].items_for("T0")]
        port = free_port()
        env = {**os.environ, "RACT_DATABASE_URL": url, "RACT_SECRET_KEY": SECRET, "RACT_ENVIRONMENT": "development",
               "RACT_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "ract"), "serve", "--host", "127.0.0.1", "--port",
                                   str(port), "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a busy machine: importing, the content check and 2 workers
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise RuntimeError("the server did not start: " + server.stderr.read().decode()[-2000:])
            time.sleep(0.2)

        def save(rng: random.Random):
            cookie_value, csrf, rid = rng.choice(sessions)
            return ("POST", f"/vragenlijsten/{rid}/antwoord",
                    {"data": {"item": rng.choice(items), "value": str(rng.randint(1, 5))},
                     "headers": {"HX-Request": "true", "X-CSRF-Token": csrf, "Cookie": f"ract_session={cookie_value}"}},
                    200)

        pending = list(reversed(ready))

        def submit(_rng: random.Random):
            """The review page's form: POST .../indienen, answered by a 303 to the read-only response."""
            if not pending:
                return None
            cookie_value, csrf, rid = pending.pop()
            return ("POST", f"/vragenlijsten/{rid}/indienen",
                    {"data": {"csrf_token": csrf}, "headers": {"Cookie": f"ract_session={cookie_value}"}}, 303,
                    f"/vragenlijsten/{rid}")  # not /login: a refused session would also be a 303

        def health(_rng: random.Random):
            return ("GET", "/healthz", {}, 200)

        asyncio.run(load(base, 2, args.concurrency, save))  # warm-up: connections, caches
        saves = asyncio.run(load(base, args.seconds, args.concurrency, save))
        submits = asyncio.run(load(base, args.seconds, args.concurrency, submit))
        submits["exhausted"] = not pending
        submitted = _count_submitted(url)
        if submitted != submits["requests"] - sum(submits["errors"].values()):
            submits["errors"]["submitted in the database"] = submitted
        healthz = asyncio.run(load(base, args.seconds, args.concurrency, health))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    met = saves["rate"] >= TARGET_RATE and saves["p99"] < TARGET_P99_MS and not saves["errors"]
    table = "\n".join([
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.node() or 'this machine'} ({os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}): uvicorn with 2 workers, PostgreSQL, {args.concurrency} concurrent "
        f"clients (httpx, asyncio) on the same machine, {args.seconds:.0f} s per phase, {args.users} trainees "
        f"saving answers, {args.submit_pool} fully answered responses ready to submit"
        + (" (all submitted before the time was up)" if submits["exhausted"] else "") + ".",
        "",
        "| endpoint | requests | per second | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---|",
        *(f"| {label} | {r['requests']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
          f"{r['errors'] or 'none'} |" for label, r in (("POST one answer (htmx)", saves),
                                                          ("POST submit a response", submits),
                                                          ("GET /healthz", healthz))),
        "",
        f"Target: ≥ {TARGET_RATE} saves/s, p99 < {TARGET_P99_MS} ms, no errors: **{'met' if met else 'NOT met'}**. "
        f"Submits: {'no errors' if not submits['errors'] else '**errors**'} (no rate target; each submit is checked "
        "against the database afterwards).",
    ])
    print(table)
    if not args.no_doc and DOC.exists() and BEGIN in DOC.read_text():
        before, rest = DOC.read_text().split(BEGIN, 1)
        DOC.write_text(before + BEGIN + "\n" + table + "\n" + END + rest.split(END, 1)[1])
    no_errors = not (saves["errors"] or submits["errors"] or healthz["errors"])
    if args.smoke:  # tiny data on a shared machine: the targets mean nothing, errors do
        return 0 if no_errors else 1
    return 0 if met and no_errors else 1


if __name__ == "__main__":
    sys.exit(main())
