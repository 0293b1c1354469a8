"""Questionnaire benchmark: saving one answer and submitting a response, per second and latency, through the real
stack (uvicorn, 2 workers, PostgreSQL), beside /healthz throughput in the same run. The load comes from wrk (a C
load generator: a Python one took a whole core of the two). Targets 127.0.0.1 only; every phase is bounded in time.

    .venv/bin/python bench/bench_answer_save.py [--seconds 15] [--concurrency 8,16,32] [--users 60] [--submit-pool 4000]
    .venv/bin/python bench/bench_answer_save.py --smoke    # a few seconds, tiny data, no doc update: does it work?

Uses a throw-away database on RACT_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped
afterwards, and writes its table into docs/performance.md between the answer-save markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
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
    from monitor.questionnaire.instrument import load_instruments
    from monitor.questionnaire.responses import get_or_create_response
    from monitor.questionnaire.windows import set_window
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
        cohort = Cohort(
            organisation_id=org.id, name="Bench", start_date=date.today(), end_date=date.today() + timedelta(days=90)
        )
        db.add_all([wijk, cohort])
        db.flush()
        set_window(
            db,
            cohort_id=cohort.id,
            moment="T0",
            opens_on=date.today() - timedelta(days=1),
            closes_on=date.today() + timedelta(days=30),
        )
        for i in range(n_users):
            user = User(
                name=f"Bench {i}",
                email=f"bench{i}@bench.local",
                role=Role.trainee,
                organisation_id=org.id,
                wijk_id=wijk.id,
            )
            db.add(user)
            db.flush()
            enrolment = Enrolment(cohort_id=cohort.id, user_id=user.id, wijk_id=wijk.id)
            db.add(enrolment)
            db.flush()
            response, _ = get_or_create_response(db, enrolment=enrolment, moment="T0", instrument=instrument)
            csrf = secrets.token_urlsafe(16)
            sessions.append((cookie(user.id, csrf), csrf, response.id))
        db.commit()
        ready = _ready_to_submit(
            db, instrument=instrument, organisation_id=org.id, wijk_id=wijk.id, cohort_id=cohort.id, n=n_submit
        )
        db.commit()
    engine.dispose()
    # A fresh bulk insert would otherwise set autovacuum off in the middle of the timed phases.
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return sessions, ready


def _ready_to_submit(
    db: Session, *, instrument, organisation_id: int, wijk_id: int, cohort_id: int, n: int
) -> list[Session_]:
    """``n`` trainees each with a fully answered T0 response in progress, inserted in bulk."""
    from sqlalchemy import insert

    from monitor.models import Answer, QuestionnaireResponse
    from monitor.questionnaire.versions import get_or_create_version
    from training.models import Enrolment, Role, User, utcnow

    version = get_or_create_version(db, instrument=instrument)
    users = [
        User(
            name=f"Indiener {i}",
            email=f"submit{i}@bench.local",
            role=Role.trainee,
            organisation_id=organisation_id,
            wijk_id=wijk_id,
        )
        for i in range(n)
    ]
    db.add_all(users)
    db.flush()
    enrolments = [Enrolment(cohort_id=cohort_id, user_id=user.id, wijk_id=wijk_id) for user in users]
    db.add_all(enrolments)
    db.flush()
    responses = [
        QuestionnaireResponse(
            enrolment_id=e.id, moment="T0", instrument_id=instrument.id, instrument_version_id=version.id
        )
        for e in enrolments
    ]
    db.add_all(responses)
    db.flush()
    rng, now = random.Random(7), utcnow()
    items = [item.id for item in instrument.items_for("T0")]
    rows = [
        {
            "response_id": r.id,
            "item_id": item,
            "then_test": False,
            "value": rng.randint(1, 5),
            "missing_code": None,
            "answered_at": now,
        }
        for r in responses
        for item in items
    ]
    for start in range(0, len(rows), 10_000):
        db.execute(insert(Answer), rows[start : start + 10_000])
    ready = []
    for user, response in zip(users, responses, strict=True):
        csrf = secrets.token_urlsafe(16)
        ready.append((cookie(user.id, csrf), csrf, response.id))
    return ready


WRK_LUA = r"""
-- generated by bench/bench_answer_save.py: %(what)s
local sessions = {%(sessions)s}
local items = {%(items)s}
local mode = "%(mode)s"
local expected = %(expected)d
local next_index = 0
threads = {}
good, bad, filler = 0, 0, 0
statuses = ""

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(%(seed)d)
end

request = function()
  if mode == "health" then
    return wrk.format("GET", "/healthz")
  end
  local s
  if mode == "save" then
    s = sessions[math.random(#sessions)]
    local body = "item=" .. items[math.random(#items)] .. "&value=" .. math.random(5)
    return wrk.format("POST", "/vragenlijsten/" .. s[3] .. "/antwoord",
      {["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true",
       ["X-CSRF-Token"] = s[2], ["Cookie"] = "ract_session=" .. s[1]}, body)
  end
  -- submit: every pending response exactly once, then stop
  next_index = next_index + 1
  if next_index > #sessions then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  s = sessions[next_index]
  return wrk.format("POST", "/vragenlijsten/" .. s[3] .. "/indienen",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "ract_session=" .. s[1]},
    "csrf_token=" .. s[2])
end

response = function(status, headers, body)
  if mode == "submit" and status == 200 and string.find(body, '"database"', 1, true) then
    filler = filler + 1  -- a /healthz sent while the thread stops: not a submit
    return
  end
  local ok = status == expected
  if ok and mode == "submit" then
    -- /login would also be a 303: only the read-only response page counts
    local location = headers["location"] or headers["Location"] or ""
    ok = string.match(location, "^/vragenlijsten/%%d+$") ~= nil
  end
  if ok then
    good = good + 1
  else
    bad = bad + 1
    if #statuses < 200 then statuses = statuses .. status .. " " end
  end
end

done = function(summary, latency, requests)
  local good_total, bad_total, filler_total, seen = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    good_total = good_total + thread:get("good")
    bad_total = bad_total + thread:get("bad")
    filler_total = filler_total + thread:get("filler")
    seen = seen .. thread:get("statuses")
  end
  io.write(string.format(
    "WRK-RESULT {\"requests\": %%d, \"duration_us\": %%d, \"p50\": %%.3f, \"p95\": %%.3f, \"p99\": %%.3f, " ..
    "\"good\": %%d, \"bad\": %%d, \"filler\": %%d, \"statuses\": \"%%s\", " ..
    "\"connect\": %%d, \"read\": %%d, \"write\": %%d, \"timeout\": %%d}\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, good_total, bad_total, filler_total, seen, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def wrk_script(workdir: Path, *, mode: str, sessions: list[Session_], items: list[str], expected: int) -> Path:
    """A wrk Lua script for one phase: the sessions and items are written into it (wrk has no other input)."""
    rows = ",".join(f'{{"{c}","{t}",{rid}}}' for c, t, rid in sessions)
    path = workdir / f"{mode}.lua"
    path.write_text(
        WRK_LUA
        % {
            "what": mode,
            "sessions": rows,
            "items": ",".join(f'"{i}"' for i in items),
            "mode": mode,
            "expected": expected,
            "seed": 7,
        }
    )
    return path


def wrk(base: str, script: Path, *, seconds: float, connections: int) -> dict:
    """Run wrk (one thread: the machine has two cores and the server needs them) and parse its summary.
    Latency is wrk's, from sending a request to its whole response, per connection (closed loop)."""
    retrans_before = tcp_retransmits()
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((out for out in done.stdout.splitlines() if out.startswith("WRK-RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-1500:]} {done.stderr[-1500:]}")
    raw = json.loads(line.removeprefix("WRK-RESULT "))
    errors: dict[str, int] = {}
    if raw["bad"]:
        errors["unexpected status " + " ".join(sorted(set(raw["statuses"].split())))] = raw["bad"]
    for kind in ("connect", "read", "write", "timeout"):
        if raw[kind]:
            errors[f"socket {kind}"] = raw[kind]
    seconds_run = raw["duration_us"] / 1e6
    requests = raw["requests"] - raw["filler"]
    retrans_after = tcp_retransmits()
    retransmits = retrans_after - retrans_before if None not in (retrans_before, retrans_after) else None
    return {
        "requests": requests,
        "good": raw["good"],
        "rate": requests / seconds_run,
        "p50": raw["p50"],
        "p95": raw["p95"],
        "p99": raw["p99"],
        "errors": errors,
        "connections": connections,
        "retransmits": retransmits,
    }


def tcp_retransmits() -> int | None:
    """Segments the kernel has retransmitted (all TCP, /proc/net/snmp), None where not available."""
    try:
        lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines() if line.startswith("Tcp:")]
        return int(dict(zip(lines[0], lines[1], strict=True))["RetransSegs"])
    except (OSError, IndexError, KeyError, ValueError):
        return None


def cpu_pressure() -> str:
    """The kernel's CPU pressure (PSI, share of time some task waited for a CPU), 'unknown' where not available:
    on a shared virtual machine it shows stalls that no process on the machine accounts for."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"
    fields = dict(part.split("=") for part in line.split()[1:])
    return f"{fields.get('avg10', '?')}% (10 s) / {fields.get('avg60', '?')}% (60 s)"


def _tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc (Linux)."""
    total, pending = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        pending.extend(int(c) for c in children)
    return total


def wait_until_idle(pid: int, *, limit: float = 90.0) -> float:
    """Wait until the server's processes use < 10% of a core over a second (each worker warms up its chart
    renderer in a background thread after start, ≈ 6 s of CPU), so the timed phases do not compete with it."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = _tree_cpu_seconds(pid)
        time.sleep(1.0)
        if _tree_cpu_seconds(pid) - before < 0.1:
            break
    return time.monotonic() - started


def _submitted(url: str, n_items: int) -> tuple[int, int]:
    """Submitted responses, and how many of them lack an answer or their stored scores (must be none)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        submitted = conn.execute(
            text("SELECT count(*) FROM questionnaire_response WHERE status = 'submitted'")
        ).scalar_one()
        broken = conn.execute(
            text(
                "SELECT count(*) FROM questionnaire_response r WHERE r.status = 'submitted' AND (r.scores_json IS NULL "
                "OR (SELECT count(*) FROM answer a WHERE a.response_id = r.id) <> :n)"
            ),
            {"n": n_items},
        ).scalar_one()
    engine.dispose()
    return submitted, broken


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--concurrency",
        type=lambda v: [int(c) for c in v.split(",")],
        default=[8, 16, 32],
        help="open connections (closed loop) of each save phase, comma-separated (default 8,16,32)",
    )
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--warm-up", type=float, default=5, help="seconds of untimed saves and /healthz before timing")
    parser.add_argument(
        "--submit-pool",
        type=int,
        default=4000,
        help="fully answered responses waiting to be submitted; the submit phase ends when all are",
    )
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/performance.md")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="prove the script works: 2 s per phase, 4 clients, little data, no doc update",
    )
    args, _ = parser.parse_known_args()  # scripts/bench.sh passes its arguments to every benchmark
    if args.smoke:
        args.seconds, args.concurrency, args.users, args.submit_pool, args.no_doc, args.warm_up = 2, [4], 5, 50, True, 1
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: `apt-get install -y wrk` (scripts/bench.sh installs it when run as root)",
            file=sys.stderr,
        )
        return 2

    pressure = cpu_pressure()  # before anything of ours runs
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
        from monitor.questionnaire.instrument import load_instruments

        items = [item.id for item in load_instruments(ROOT / "content" / "questionnaires")[0].items_for("T0")]
        port = free_port()
        env = {
            **os.environ,
            "RACT_DATABASE_URL": url,
            "RACT_SECRET_KEY": SECRET,
            "RACT_ENVIRONMENT": "development",
            "RACT_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "ract"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
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

        warm_up = wait_until_idle(server.pid)
        workdir = Path(tempfile.mkdtemp(prefix="ract-bench-"))
        save_lua = wrk_script(workdir, mode="save", sessions=sessions, items=items, expected=200)
        health_lua = wrk_script(workdir, mode="health", sessions=[], items=[], expected=200)
        # Warm-up, not timed: every worker's connection pool filled, prepared statements and caches in place.
        for script in (save_lua, health_lua):
            wrk(base, script, seconds=args.warm_up, connections=max(args.concurrency))
        saves = [wrk(base, save_lua, seconds=args.seconds, connections=c) for c in args.concurrency]
        submits = wrk(
            base,
            wrk_script(workdir, mode="submit", sessions=ready, items=items, expected=303),
            seconds=args.seconds,
            connections=max(args.concurrency),
        )
        submitted, broken = _submitted(url, len(items))
        submits["exhausted"] = submitted >= len(ready)
        # Every 303 to the read-only page is one submitted response; wrk abandons the requests still in flight when
        # it stops (at most one per connection), which the server may still have completed.
        submits["in_flight"] = submitted - submits["good"]
        if not 0 <= submits["in_flight"] <= submits["connections"]:
            submits["errors"][f"{submitted} submitted in the database after {submits['good']} successful submits"] = 1
        if broken:
            submits["errors"]["submitted without all answers or scores"] = broken
        healthz = [wrk(base, health_lua, seconds=args.seconds, connections=c) for c in args.concurrency]

    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def verdict(r: dict) -> bool:
        return r["rate"] >= TARGET_RATE and r["p99"] < TARGET_P99_MS and not r["errors"]

    met = [r for r in saves if verdict(r)]
    rows = [(f"POST one answer (htmx), {r['connections']} connections", r) for r in saves]
    rows += [(f"POST submit a response, {submits['connections']} connections", submits)]
    rows += [(f"GET /healthz, {r['connections']} connections", r) for r in healthz]
    table = "\n".join(
        [
            f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.node() or 'this machine'} ({os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}): `ract serve --workers 2` (uvicorn) on PostgreSQL; load from wrk "
            f"(one thread, closed loop: each connection sends its next request when the last one is answered) on the "
            f"same machine, {args.seconds:.0f} s per phase after the workers' start-up work ({warm_up:.0f} s), a "
            f"VACUUM ANALYZE of the fresh data and {args.warm_up:.0f} s each of untimed saves and /healthz; "
            f"{args.users} trainees saving answers, {args.submit_pool} fully answered responses ready "
            f"to submit" + (" (all submitted before the time was up)" if submits["exhausted"] else "") + ".",
            "",
            "| endpoint | requests | per second | p50 ms | p95 ms | p99 ms | errors | TCP retransmits |",
            "|---|---:|---:|---:|---:|---:|---|---:|",
            *(
                f"| {label} | {r['requests']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
                f"{r['errors'] or 'none'} | {'?' if r['retransmits'] is None else r['retransmits']} |"
                for label, r in rows
            ),
            "",
            f"Target: ≥ {TARGET_RATE} saves/s with p99 < {TARGET_P99_MS} ms and no errors: "
            + (
                f"**met** with {', '.join(str(r['connections']) for r in met)} connections"
                if met
                else "**NOT met** at any number of connections measured"
            )
            + "; "
            + "; ".join(
                f"{r['connections']} connections: {r['rate']:.0f}/s, p99 {r['p99']:.0f} ms "
                f"({'met' if verdict(r) else 'not met'})"
                for r in saves
            )
            + f". CPU pressure before the run, with nothing of ours running (/proc/pressure/cpu, some): {pressure}."
            + " TCP retransmits: segments the kernel retransmitted during the phase (/proc/net/snmp, the whole machine;"
            " on loopback each one waits at least 200 ms)."
            + f" Submits (no rate target): {'no errors' if not submits['errors'] else '**errors**'}; afterwards the "
            f"database held {submits['good'] + submits['in_flight']} submitted responses, each with all its answers "
            f"and stored scores: the {submits['good']} answered submits and {submits['in_flight']} still in flight "
            "when wrk stopped.",
        ]
    )
    print(table)
    if not args.no_doc and DOC.exists() and BEGIN in DOC.read_text():
        before, rest = DOC.read_text().split(BEGIN, 1)
        DOC.write_text(before + BEGIN + "\n" + table + "\n" + END + rest.split(END, 1)[1])
    no_errors = not (any(r["errors"] for r in saves + healthz) or submits["errors"])
    if args.smoke:  # tiny data on a shared machine: the targets mean nothing, errors do
        return 0 if no_errors else 1
    return 0 if met and no_errors else 1


if __name__ == "__main__":
    sys.exit(main())
