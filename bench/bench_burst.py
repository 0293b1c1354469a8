"""Burst benchmark: /healthz latency while one `ract serve` worker gets a burst of requests that all need the same
row lock — wrong passwords for one account, saves of one answer by one trainee (issue 11: ~22 such requests froze a
worker for good). Targets 127.0.0.1 only; every phase is bounded in time.

    .venv/bin/python bench/bench_burst.py [--seconds 60] [--concurrency 100] [--backends postgresql,sqlite]
    .venv/bin/python bench/bench_burst.py --smoke          # a few seconds per phase, no doc update: does it work?
    .venv/bin/python bench/bench_burst.py --server-root /tmp/before --no-doc   # the same against another checkout

Per backend and phase a fresh server (one worker) on fresh demo data (`ract migrate`, `ract demo-data`, run from
the server's checkout): a quiet baseline, then the burst. The load comes from a separate process (asyncio httpx,
``--concurrency`` connections, each sending its next request when the last is answered, so the burst never ends
until the phase does); a third process probes /healthz every 100 ms on a new connection with a 5 s timeout (a
probe that times out counts as 5 s and as an error). PostgreSQL runs use a throw-away database on
RACT_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), SQLite files go to var/bench/.
The table goes into docs/performance.md between the burst markers.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:burst:begin -->", "<!-- bench:burst:end -->"
SECRET = "bench-burst-secret-" + "x" * 40
PASSWORD = "demo-demo-demo"  # demo.training_data.DEMO_PASSWORD
PROBE_EVERY, PROBE_TIMEOUT, LIMIT = 0.1, 5.0, 1.0
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no CSRF token in page")
    return match.group(1)


# -- processes: the probe and the load ---------------------------------------------------------------------------


def probe(base: str, seconds: float, ready, out) -> None:
    """GET /healthz every PROBE_EVERY s on a new connection for ``seconds``: (seconds since the probe started,
    latency, status or error) each."""
    import httpx

    samples, begin = [], time.monotonic()
    ready.set()
    while time.monotonic() < begin + seconds:
        started = time.perf_counter()
        try:
            outcome = httpx.get(base + "/healthz", timeout=PROBE_TIMEOUT).status_code
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        samples.append((time.monotonic() - begin, time.perf_counter() - started, outcome))
        time.sleep(max(0.0, PROBE_EVERY - (time.perf_counter() - started)))
    out.put(samples)


def load(base: str, kind: str, seconds: float, concurrency: int, request: dict, out) -> None:
    """``concurrency`` connections, each sending the phase's request again as soon as the last one is answered,
    until ``seconds`` have passed; what is still in flight then is abandoned."""
    import httpx

    async def run() -> tuple[Counter, int]:
        statuses: Counter = Counter()
        end = time.monotonic() + seconds

        async def worker(index: int) -> None:
            async with httpx.AsyncClient(base_url=base, timeout=seconds + 30) as client:
                n = 0
                while time.monotonic() < end:
                    data = dict(request["data"])
                    if kind == "login":
                        data["password"] = f"wrong-password-{index}-{n}"
                    else:
                        data["value"] = str(2 + (index + n) % 4)
                    try:
                        response = await client.post(request["path"], data=data, headers=request["headers"])
                        statuses[response.status_code] += 1
                    except httpx.HTTPError as exc:
                        statuses[type(exc).__name__] += 1
                    n += 1

        tasks = [asyncio.create_task(worker(i)) for i in range(concurrency)]
        _, pending = await asyncio.wait(tasks, timeout=seconds + 5)
        for task in pending:
            task.cancel()
        return statuses, len(pending)

    statuses, abandoned = asyncio.run(run())
    out.put((dict(statuses), abandoned))


# -- one phase on one fresh server --------------------------------------------------------------------------------


def serve(server_root: Path, url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "RACT_DATABASE_URL": url,
        "RACT_ENVIRONMENT": "development",
        "RACT_SECRET_KEY": SECRET,
        "RACT_LOG_LEVEL": "WARNING",
        "RACT_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(server_root / "src"),
    }
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=server_root,
        )
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the server did not start: " + log.read_text()[-2000:])
        time.sleep(0.2)
    idle_by = time.monotonic() + 60  # the chart renderer's warm-up thread (seconds of CPU) is not the burst
    while time.monotonic() < idle_by:
        before = cpu_seconds(proc.pid)
        time.sleep(1.0)
        if cpu_seconds(proc.pid) - before < 0.05:
            break
    return proc, base


def cli(server_root: Path, url: str, *args: str) -> None:
    env = {
        **os.environ,
        "RACT_DATABASE_URL": url,
        "RACT_ENVIRONMENT": "development",
        "RACT_SECRET_KEY": SECRET,
        "PYTHONPATH": str(server_root / "src"),
    }
    subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=server_root, check=True, capture_output=True, timeout=300
    )


def prepare(kind: str, base: str) -> dict:
    """The phase's request: a wrong password for the demo admin, or an answer of the demo trainee's T0 response."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        token = csrf(client.get("/login").text)
        if kind == "login":
            return {
                "path": "/login",
                "data": {"email": "admin@demo.local"},
                "headers": {"X-CSRF-Token": token, "Cookie": f"ract_session={client.cookies['ract_session']}"},
            }
        done = client.post("/login", data={"email": "trainee@demo.local", "password": PASSWORD, "csrf_token": token})
        if done.status_code != 303:
            raise RuntimeError(f"sign-in failed: {done.status_code}")
        token = csrf(client.get("/").text)
        page = client.get("/vragenlijsten").text
        enrolment = re.search(r'name="enrolment_id" value="(\d+)"', page)
        started = client.post(
            "/vragenlijsten/starten",
            headers={"X-CSRF-Token": token},
            data={"enrolment_id": enrolment.group(1) if enrolment else "", "moment": "T0"},
        )
        rid = re.search(r"/vragenlijsten/(\d+)", started.headers.get("location", ""))
        if not rid:
            raise RuntimeError(f"could not start the T0 response: {started.status_code}")
        return {
            "path": f"/vragenlijsten/{rid.group(1)}/antwoord",
            "data": {"item": "KEN1"},
            "headers": {
                "X-CSRF-Token": token,
                "HX-Request": "true",
                "Cookie": f"ract_session={client.cookies['ract_session']}",
            },
        }


def phase(kind: str, *, server_root: Path, url: str, seconds: float, quiet: float, concurrency: int, log: Path) -> dict:
    proc, base = serve(server_root, url, log)
    ctx = multiprocessing.get_context("spawn")
    try:
        request = prepare(kind, base)
        probes, loads, ready = ctx.Queue(), ctx.Queue(), ctx.Event()
        prober = ctx.Process(target=probe, args=(base, quiet + seconds, ready, probes))
        prober.start()
        ready.wait(60)
        time.sleep(quiet)
        loader = ctx.Process(target=load, args=(base, kind, seconds, concurrency, request, loads))
        loader.start()
        samples = probes.get(timeout=quiet + seconds + 60)
        statuses, abandoned = loads.get(timeout=120)
        prober.join(10)
        loader.join(10)
        alive = proc.poll() is None
        stop_started = time.monotonic()
        proc.terminate()
        try:
            proc.wait(timeout=60)
            stop = time.monotonic() - stop_started
        except subprocess.TimeoutExpired:
            stop = None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    # Split by when each probe was sent (a probe sent during the quiet seconds that ends in the burst is quiet).
    return {
        "kind": kind,
        "baseline": [(lat, o) for t, lat, o in samples if t - lat < quiet],
        "burst": [(lat, o) for t, lat, o in samples if t - lat >= quiet],
        "statuses": statuses,
        "abandoned": abandoned,
        "alive": alive,
        "stop": stop,
    }


def summary(samples: list) -> dict:
    latencies = sorted(PROBE_TIMEOUT if not isinstance(o, int) else s for s, o in samples)
    if not latencies:
        return {"n": 0, "p50": 0, "p95": 0, "max": 0, "slow": 0, "errors": 0}
    return {
        "n": len(latencies),
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))] * 1000,
        "max": latencies[-1] * 1000,
        "slow": sum(1 for x in latencies if x > LIMIT),
        "errors": sum(1 for _, o in samples if o != 200),
    }


# -- databases ----------------------------------------------------------------------------------------------------


class Database:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        if backend == "sqlite":
            (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
            self.path = ROOT / "var" / "bench" / f"burst-{uuid.uuid4().hex[:8]}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            return
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin_url = make_url(os.environ.get("RACT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
        self.admin_url = admin_url.set(drivername="postgresql+psycopg")
        self.name = f"ract_burst_{uuid.uuid4().hex[:8]}"
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        self.url = self.admin_url.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


def run_backend(backend: str, kind: str, args) -> dict:
    database = Database(backend)
    try:
        cli(args.server_root, database.url, "migrate")
        cli(args.server_root, database.url, "demo-data")
        return phase(
            kind,
            server_root=args.server_root,
            url=database.url,
            seconds=args.seconds,
            quiet=args.quiet,
            concurrency=args.concurrency,
            log=args.log,
        )
    finally:
        database.drop()


def table(results: list[dict], args, pressure: str) -> str:
    label = {"login": "wrong passwords for one account", "saves": "saves of one answer by one trainee"}
    rows = []
    for r in results:
        for part in ("baseline", "burst"):
            s = summary(r[part])
            load_text = (
                "—"
                if part == "baseline"
                else (
                    ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items(), key=str))
                    + (f"; {r['abandoned']} connections still waiting at the end" if r["abandoned"] else "")
                )
            )
            stop = "—" if part == "baseline" else ("no exit in 60 s" if r["stop"] is None else f"{r['stop']:.1f} s")
            phase = f"quiet, {args.quiet} s" if part == "baseline" else f"burst, {args.seconds} s"
            rows.append(
                f"| {r['backend']} | {label[r['kind']]} | {phase} "
                f"| {s['n']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['max']:.0f} | {s['slow']} | {s['errors']} "
                f"| {load_text} | {stop} |"
            )
    return "\n".join(
        [
            f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.node() or 'this machine'} ({os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}), server code from `{args.server_root}`"
            f"{' (' + args.label + ')' if args.label else ''}: `ract serve` (one worker) on fresh demo data per phase; "
            f"{args.concurrency} connections in a closed loop for {args.seconds:.0f} s after a quiet "
            f"{args.quiet:.0f} s; "
            f"/healthz probed every {PROBE_EVERY * 1000:.0f} ms on a new connection ({PROBE_TIMEOUT:.0f} s timeout). "
            f"CPU pressure before the run (/proc/pressure/cpu, some): {pressure}.",
            "",
            "| database | burst | phase | /healthz probes | p50 ms | p95 ms | max ms | > 1 s | failed "
            "| burst answers (status: count) | SIGTERM → exit |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
            *rows,
        ]
    )


def cpu_pressure() -> str:
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"
    fields = dict(part.split("=") for part in line.split()[1:])
    return f"{fields.get('avg10', '?')}% (10 s) / {fields.get('avg60', '?')}% (60 s)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--quiet", type=float, default=5, help="seconds of probes before the burst")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--bursts", default="login,saves")
    parser.add_argument("--server-root", type=Path, default=ROOT, help="checkout whose code serves (default: this one)")
    parser.add_argument("--label", default="", help="a name for the server code in the table")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="3 s per phase, 20 connections, no doc update")
    args, _ = parser.parse_known_args()  # scripts/bench.sh passes its arguments to every benchmark
    if args.smoke:
        args.seconds, args.quiet, args.concurrency, args.no_doc = 3, 1, 20, True
    args.server_root = args.server_root.resolve()
    args.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-burst-{uuid.uuid4().hex[:6]}.log"
    pressure = cpu_pressure()
    results = []
    for backend in args.backends.split(","):
        for kind in args.bursts.split(","):
            result = run_backend(backend, kind, args)
            result["backend"] = "PostgreSQL" if backend == "postgresql" else "SQLite"
            results.append(result)
            s = summary(result["burst"])
            print(
                f"{backend} {kind}: /healthz p50 {s['p50']:.0f} ms, max {s['max']:.0f} ms, {s['slow']} > 1 s, "
                f"{s['errors']} failed; {result['statuses']}",
                flush=True,
            )
    text = table(results, args, pressure)
    print(text)
    if not args.no_doc and DOC.exists() and BEGIN in DOC.read_text():
        before, rest = DOC.read_text().split(BEGIN, 1)
        DOC.write_text(before + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1])
    healthy = all(
        summary(r["burst"])["slow"] == 0 and summary(r["burst"])["errors"] == 0 and r["alive"] for r in results
    )
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
