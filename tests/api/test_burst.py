"""No hang under a burst (issue 11): one real `ract serve` worker gets 100 requests at once that all need the same
row lock (wrong passwords for one account, saves of one answer) while /healthz is probed every 100 ms. Every probe
answers within a second, the server answers afterwards, no acknowledged save is lost, and SIGTERM stops it.

Before the fix, about 22 such requests froze the worker on PostgreSQL for good: the lock holder's commit waited for
a request thread that the lock's waiters held (api.db.get_session). SQLite serialises all writers, but its busy
timeout could freeze the worker the same way, so these run on both databases."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from api.cli import GRACEFUL_SHUTDOWN_SECONDS
from monitor.models import Answer
from tests.conftest import DEMO_PASSWORD, acknowledge_statement, csrf_from
from tests.dbharness import test_database_url as postgres_url  # not collected: no test_ prefix
from tests.monitor.test_questionnaire_versions import demo_enrolment

pytestmark = pytest.mark.serial  # /healthz latency: measured without other tests on the same two cores

BURST = 100
PROBE_EVERY = 0.1
MIN_SAMPLES = 10  # a burst can end within a few probes; the probe goes on until it has this many
HEALTHZ_LIMIT = 1.0  # the promise, on PostgreSQL (the production database)
# Measured on two cores (2026-12-05, four runs per database, after the burst's clients were made before the probe
# starts, see burst): the slowest probe 0.27-0.51 s, one per burst at its release; before that change one probe
# took 1.04 s on PostgreSQL and 1.19 s on SQLite in CI. On SQLite every writer is serialised in the one process;
# it keeps a looser bound that still fails on a hang, which is what the test is for; PostgreSQL keeps the promise.
SQLITE_HEALTHZ_LIMIT = 2.0


def healthz_limit() -> float:
    return HEALTHZ_LIMIT if postgres_url() else SQLITE_HEALTHZ_LIMIT


SECRET = "burst-test-secret-" + "x" * 40
RACT = Path(sys.executable).parent / "ract"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def served(database_url: str, log: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`ract serve` (one worker) on a free loopback port, once it answers and has finished its start-up work."""
    port = free_port()
    env = {
        **os.environ,
        "RACT_DATABASE_URL": database_url,
        "RACT_ENVIRONMENT": "development",
        "RACT_SECRET_KEY": SECRET,
        "RACT_LOG_LEVEL": "WARNING",
        "RACT_ALLOWED_HOSTS": "127.0.0.1",
    }
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [str(RACT), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (
                "server did not start: " + log.read_text()[-2000:]
            )
            time.sleep(0.2)
        # The chart renderer warms up in a background thread after start (seconds of CPU): not part of the burst.
        idle_by = time.monotonic() + 20
        while time.monotonic() < idle_by:
            before = cpu_seconds(proc.pid)
            time.sleep(0.5)
            if cpu_seconds(proc.pid) - before < 0.05:
                break
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def server(db_url_engine, demo, tmp_path):
    with served(db_url_engine[0], tmp_path / "server.log") as running:
        yield running


def _probe(base: str, ready, stop, out) -> None:
    import httpx

    samples = []
    while not stop.is_set() or len(samples) < MIN_SAMPLES:
        if len(samples) == 3:
            ready.set()
        started = time.perf_counter()
        try:
            answer = httpx.get(base + "/healthz", timeout=5)
            outcome: int | str = answer.status_code
            database = answer.json().get("database") if outcome in (200, 503) else None
        except httpx.HTTPError as exc:
            outcome, database = type(exc).__name__, None
        samples.append((time.perf_counter() - started, outcome, database))
        if not stop.is_set():
            stop.wait(PROBE_EVERY)
        else:
            time.sleep(PROBE_EVERY)
    out.put(samples)


class Probe:
    """GET /healthz every PROBE_EVERY seconds on a new connection (as a load balancer does), from a process of its
    own so that the burst's client threads do not delay it; records each answer's latency and status, or the
    exception that took its place."""

    def __init__(self, base: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.ready, self.stop, self.out, self.samples = ctx.Event(), ctx.Event(), ctx.Queue(), []
        self.process = ctx.Process(target=_probe, args=(base, self.ready, self.stop, self.out), daemon=True)

    def __enter__(self) -> Probe:
        self.process.start()
        assert self.ready.wait(timeout=30), "the probe did not start"  # three probes before the burst
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.samples = self.out.get(timeout=30)
        self.process.join(timeout=10)

    def check(self) -> None:
        limit = healthz_limit()
        slow = [(round(s, 3), o, d) for s, o, d in self.samples if s > limit or o != 200]
        slowest = sorted((round(s, 3), d) for s, _, d in self.samples)[-5:]
        assert len(self.samples) >= MIN_SAMPLES, self.samples
        assert not slow, (
            f"{len(slow)} of {len(self.samples)} /healthz slower than {limit} s or failed: {slow[:10]};"
            f" slowest: {slowest}"
        )


@contextmanager
def probing(base: str) -> Iterator[Probe]:
    with Probe(base) as probe:
        yield probe
        time.sleep(0.3)


@contextmanager
def burst(
    base: str,
    send: Callable[[httpx.Client, int], httpx.Response],
    n: int = BURST,
    *,
    probed: bool = True,
    released: threading.Event | None = None,
) -> Iterator[tuple[list[int | str], Probe | None]]:
    """n requests released at the same moment, each on its own connection, while /healthz is probed: yields their
    statuses (or exception names) and the probe, whose samples are complete once the block ends.

    The clients and their threads are made before the probe starts (an httpx.Client costs milliseconds of CPU
    for its TLS context, 100 of them a second or more on these two cores): what the probe measures is the server
    under the burst, not the test setting it up."""
    ready, go = threading.Barrier(n + 1), threading.Barrier(n + 1)

    def one(index: int) -> int | str:
        with httpx.Client(base_url=base, timeout=60) as client:
            ready.wait()
            go.wait()
            try:
                return send(client, index).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        ready.wait(timeout=60)
        with probing(base) if probed else nullcontext() as probe:
            go.wait(timeout=60)
            if released is not None:
                released.set()
            statuses = [f.result() for f in futures]
        yield statuses, probe


def signed_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = csrf_from(client.get("/login").text)
    done = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert done.status_code == 303, done.text[:300]
    if done.headers["location"].startswith("/privacy"):  # first sign-in: the privacy statement comes first
        acknowledge_statement(client, done.headers["location"])  # type: ignore[arg-type]  # same API as TestClient
    client.headers["X-CSRF-Token"] = csrf_from(client.get("/").text)
    client.headers["HX-Request"] = "true"
    return client


def wrong_passwords(base: str) -> Callable[[httpx.Client, int], httpx.Response]:
    anonymous = httpx.Client(base_url=base, timeout=30)
    token = csrf_from(anonymous.get("/login").text)
    cookie = anonymous.cookies["ract_session"]
    anonymous.close()
    return lambda client, i: client.post(
        "/login",
        data={"email": "trainee@demo.local", "password": f"wrong-password-{i}"},
        headers={"X-CSRF-Token": token, "Cookie": f"ract_session={cookie}"},
    )


def test_a_burst_of_wrong_passwords_for_one_account_never_stops_healthz(server):
    proc, base = server
    send = wrong_passwords(base)
    with burst(base, send) as (statuses, probe):
        pass
    # Liveness only: how many passwords are checked before the lockout is test_auth's business.
    assert all((isinstance(s, int) and s < 500) or s == 503 for s in statuses), Counter(statuses)
    probe.check()
    assert httpx.get(base + "/healthz", timeout=HEALTHZ_LIMIT).json() == {"status": "ok", "database": "ok"}
    assert httpx.get(base + "/login", timeout=5).status_code == 200
    assert proc.poll() is None


def test_a_burst_of_saves_of_one_answer_loses_no_acknowledged_save_and_never_stops_healthz(server, demo):
    proc, base = server
    with closing(signed_in(base, "trainee@demo.local")) as trainee:  # an open socket would be a warning
        started = trainee.post("/vragenlijsten/starten", data={"enrolment_id": demo_enrolment(demo).id, "moment": "T0"})
        assert started.status_code == 303, started.text[:300]
        rid = int(re.search(r"/vragenlijsten/(\d+)", started.headers["location"]).group(1))
        hx = {
            "HX-Request": "true",
            "X-CSRF-Token": trainee.headers["X-CSRF-Token"],
            "Cookie": f"ract_session={trainee.cookies['ract_session']}",
        }

        def stored() -> int | None:
            demo.expire_all()
            return demo.exec(select(Answer.value).where(Answer.response_id == rid, Answer.item_id == "KEN1")).first()

        assert trainee.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": "1"}).status_code == 200
        values = [2 + i % 4 for i in range(BURST)]  # never 1: the value stored before the burst
        with burst(
            base,
            lambda client, i: client.post(
                f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": str(values[i])}, headers=hx
            ),
        ) as (statuses, probe):
            pass
        assert statuses == [200] * BURST, Counter(statuses)
        # Each save wrote its value under the response's row lock, one after the other; the one committed last stays.
        assert stored() in {values[i] for i, s in enumerate(statuses) if s == 200}
        probe.check()
        # Acknowledged one after the other, every save is the stored answer when its acknowledgement arrives.
        for value in (3, 5, 1, 4, 2, 2, 5):
            assert (
                trainee.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": str(value)}).status_code
                == 200
            )
            assert stored() == value
        assert proc.poll() is None


def test_sigterm_stops_the_server_within_seconds_even_under_a_burst(server):
    proc, base = server
    send = wrong_passwords(base)
    released = threading.Event()

    def load_burst() -> None:
        with burst(base, send, probed=False, released=released):
            pass

    load = threading.Thread(target=load_burst, daemon=True)
    load.start()
    assert released.wait(timeout=60)
    time.sleep(0.5)  # the burst is in flight
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=GRACEFUL_SHUTDOWN_SECONDS + 15)
    assert time.monotonic() - stopped_at < GRACEFUL_SHUTDOWN_SECONDS + 3
    load.join(timeout=30)
