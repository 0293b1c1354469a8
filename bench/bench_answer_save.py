"""Answer-save benchmark: saves per second and latency through the real stack (uvicorn, 2 workers, PostgreSQL),
beside /healthz throughput in the same run. Targets 127.0.0.1 only; every phase is bounded in time.

    .venv/bin/python bench/bench_answer_save.py [--seconds 15] [--concurrency 32] [--users 60]

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


def arrange(url: str, n_users: int) -> list[tuple[str, str, int]]:
    """A cohort with an open T0 and ``n_users`` trainees, each with a response in progress: (cookie, csrf, id)."""
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
    engine.dispose()
    return sessions


async def load(base: str, seconds: float, concurrency: int, make_request) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        async def worker(index: int) -> None:
            rng = random.Random(index)
            while time.perf_counter() < deadline:
                method, path, kwargs = make_request(rng)
                start = time.perf_counter()
                try:
                    response = await client.request(method, path, **kwargs)
                    ok = response.status_code == 200
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args()

    admin_url = make_url(os.environ.get("RACT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    admin_url = admin_url.set(drivername="postgresql+psycopg")
    name = f"ract_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        sessions = arrange(url, args.users)
        from monitor.instrument import load_instruments

        items = [item.id for item in load_instruments(ROOT / "content" / "questionnaires")[0].items_for("T0")]
        port = free_port()
        env = {**os.environ, "RACT_DATABASE_URL": url, "RACT_SECRET_KEY": SECRET, "RACT_ENVIRONMENT": "development",
               "RACT_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "ract"), "serve", "--host", "127.0.0.1", "--port",
                                   str(port), "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
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
                     "headers": {"HX-Request": "true", "X-CSRF-Token": csrf, "Cookie": f"ract_session={cookie_value}"}})

        def health(_rng: random.Random):
            return ("GET", "/healthz", {})

        asyncio.run(load(base, 2, args.concurrency, save))  # warm-up: connections, caches
        saves = asyncio.run(load(base, args.seconds, args.concurrency, save))
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
        f"clients (httpx, asyncio) on the same machine, {args.seconds:.0f} s per phase, {args.users} trainees.",
        "",
        "| endpoint | requests | per second | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---|",
        *(f"| {label} | {r['requests']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
          f"{r['errors'] or 'none'} |" for label, r in (("POST one answer (htmx)", saves), ("GET /healthz", healthz))),
        "",
        f"Target: ≥ {TARGET_RATE} saves/s, p99 < {TARGET_P99_MS} ms, no errors: **{'met' if met else 'NOT met'}**.",
    ])
    print(table)
    if not args.no_doc and DOC.exists() and BEGIN in DOC.read_text():
        before, rest = DOC.read_text().split(BEGIN, 1)
        DOC.write_text(before + BEGIN + "\n" + table + "\n" + END + rest.split(END, 1)[1])
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
