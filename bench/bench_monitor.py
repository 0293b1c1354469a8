"""Monitor benchmark: the overview and a wijk page at city scale through the real stack, beside the bare dataset query.

For each backend (SQLite files under var/bench/, PostgreSQL in throw-away databases ``ract_bench_<hex>`` on
RACT_BENCH_PG_URL): migrate and generate the city data of every size (1× = 6,000 trainees, see
demo/city_data.py; timed; PostgreSQL then gets a VACUUM ANALYZE), start one ``ract serve`` (uvicorn, 1 worker) per
size on a free 127.0.0.1 port, sign in as manager@city1.local through /login, and after warm-up requests time, in
rounds that take every size in turn, ``load_dataset`` in-process and sequential GETs of /monitor and
/monitor/wijk/{id} (a wijk of median size). Interleaving the sizes keeps a change in the machine's load from
landing on one size only: the growth from size to size is what the targets compare. Peak RSS of each server is its
VmHWM. Then `ract export research --format long` for that organisation in a child process per size (rows, seconds,
peak RSS: the export streams, so its memory should stay flat as the data grows). Writes the table into
docs/performance.md between the monitor-bench markers.

    .venv/bin/python bench/bench_monitor.py [--sizes 1,3,10] [--backends sqlite,postgresql] [--requests 30] [--quick]

The bare query is ``load_dataset``: the people in scope, their submitted responses with the scores stored at
submission, and the learning progress aggregated by the database. 10× (60,000 trainees, 4.8 M answer rows) takes
a few minutes to generate per backend. Every page is bounded by ``--budget`` seconds (fewer requests are timed when
a page is slow; the table says how many).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import httpx  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- monitor-bench:start -->", "<!-- monitor-bench:end -->"  # the whole Monitor section
RESULTS_BEGIN, RESULTS_END = "<!-- monitor-bench:results:start -->", "<!-- monitor-bench:results:end -->"
SECRET = "bench-secret-" + "x" * 40
PASSWORD = "demo-demo-demo"
MANAGER = "manager@city1.local"
TARGET_OVERVIEW_MS, TARGET_WIJK_MS, TARGET_RATIO = 300, 150, 2.0
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: int) -> float:
    """The q-th percentile in ms (inclusive method: with 30 samples p95 lies between the two slowest)."""
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def generate(url: str, multiplier: int) -> tuple[float, dict]:
    from api.cli import run_migrations
    from api.db import make_engine
    from demo.city_data import generate_city
    from monitor.questionnaire.instrument import load_instruments
    from training.content import load_modules

    run_migrations(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        counts = generate_city(
            session,
            multiplier=multiplier,
            instrument=load_instruments(ROOT / "content" / "questionnaires")[0],
            modules=load_modules(ROOT / "content" / "modules"),
        )
        session.commit()
    elapsed = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        # What autovacuum does shortly after a bulk load (statistics for the planner, the visibility map, hint
        # bits), done now so that it does not run in the background while the pages are timed.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return elapsed, counts


class BareQuery:
    """``load_dataset`` for the manager's organisation, in-process on its own session (one per size)."""

    def __init__(self, url: str):
        from api.app import GC_GEN0_THRESHOLD
        from api.db import make_engine
        from monitor.questionnaire.instrument import load_instruments
        from monitor.report.dataset import Scope
        from training.models import Enrolment, Organisation, User

        gc.set_threshold(GC_GEN0_THRESHOLD, 20, 50)  # as the server runs (api.app.create_app)
        self.instrument = load_instruments(ROOT / "content" / "questionnaires")[0]
        self.engine = make_engine(url)
        self.session = Session(self.engine)
        org_id = self.session.execute(select(User.organisation_id).where(User.email == MANAGER)).scalar_one()
        assert self.session.get(Organisation, org_id) is not None
        sizes = self.session.execute(
            select(Enrolment.wijk_id, func.count())
            .join(User, User.id == Enrolment.user_id)
            .where(User.organisation_id == org_id)
            .group_by(Enrolment.wijk_id)
            .order_by(func.count(), Enrolment.wijk_id)
        ).all()
        self.wijk_id = sizes[len(sizes) // 2][0]  # the wijk of median size
        self.scope = Scope(organisation_id=org_id, instrument_id=self.instrument.id)
        self.session.rollback()

    def __call__(self) -> None:
        from monitor.report.dataset import load_dataset

        load_dataset(self.session, scope=self.scope, instrument=self.instrument)
        self.session.rollback()

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()


def serve(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "RACT_DATABASE_URL": url,
        "RACT_SECRET_KEY": SECRET,
        "RACT_ENVIRONMENT": "development",
        "RACT_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "ract"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("ract serve exited")
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("ract serve did not answer /healthz within 60 s")


def sign_in(client: httpx.Client) -> None:
    token = CSRF_RE.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"email": MANAGER, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        raise RuntimeError(f"sign-in failed: {response.status_code}")


def get(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code}")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def export_long(url: str) -> dict:
    """`ract export research --format long` for the manager's organisation in a child process: seconds, rows and
    the child's peak RSS (ru_maxrss of a wrapper whose only child is the export)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        org = conn.execute(
            text(
                "SELECT o.name FROM organisation o JOIN user_account u ON u.organisation_id = o.id WHERE u.email = :e"
            ),
            {"e": MANAGER},
        ).scalar_one()
    engine.dispose()
    out = ROOT / "var" / "bench" / "research-long.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "RACT_DATABASE_URL": url,
        "RACT_SECRET_KEY": SECRET,
        "RACT_ENVIRONMENT": "development",
        "RACT_LOG_LEVEL": "WARNING",
    }
    wrapper = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            wrapper,
            str(ROOT / ".venv" / "bin" / "ract"),
            "export",
            "research",
            "--format",
            "long",
            "--out",
            str(out),
            "--organisation",
            org,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"export failed: {result.stderr.strip()[-500:]}")
    with out.open("rb") as f:
        rows = sum(1 for _ in f) - 1
    out.unlink()
    return {"export_s": elapsed, "export_rows": rows, "export_rss_mb": int(result.stdout.split()[-1]) / 1024}


def create_database(backend: str, multiplier: int, args) -> str:
    if backend == "sqlite":
        path = ROOT / "var" / "bench" / f"monitor-{multiplier}x.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin_url = make_url(args.pg_url).set(drivername="postgresql+psycopg")
    name = f"ract_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_database(backend: str, url: str, args) -> None:
    if backend == "sqlite":
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(make_url(args.pg_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def run_backend(backend: str, sizes: list[int], args) -> list[dict]:
    """Every size of one backend, measured interleaved: all data sets are generated and served at once, and each
    round times the bare query, the overview and the wijk page of every size in turn, so a change in the machine's
    load during the run affects every size alike (the growth from size to size is what the targets compare)."""
    urls: dict[int, str] = {}
    out: dict[int, dict] = {}
    procs: dict[int, subprocess.Popen] = {}
    bare: dict[int, BareQuery] = {}
    clients: dict[int, httpx.Client] = {}
    try:
        for m in sizes:
            urls[m] = create_database(backend, m, args)
            print(f"-- {backend} {m}×: generating…", flush=True)
            gen_s, counts = generate(urls[m], m)
            print(f"   {counts} in {gen_s:.1f} s", flush=True)
            out[m] = {
                "backend": backend,
                "size": m,
                "trainees": counts["trainees"],
                "answers": counts["answers"],
                "gen_s": gen_s,
                "overview": [],
                "wijk": [],
                "bare": [],
            }
        for m in sizes:
            bare[m] = BareQuery(urls[m])
            procs[m], base = serve(urls[m])
            clients[m] = httpx.Client(base_url=base, timeout=300)
            sign_in(clients[m])
        actions = {
            m: {
                "bare": bare[m],
                "overview": lambda c=clients[m]: get(c, "/monitor"),
                "wijk": lambda c=clients[m], w=bare[m].wijk_id: get(c, f"/monitor/wijk/{w}"),
            }
            for m in sizes
        }
        print(f"   warming up ({args.warmup} of each)…", flush=True)
        for m in sizes:
            bare[m]()  # the first call opens the connection and parses the snapshot
            for _ in range(args.warmup):
                actions[m]["overview"]()
                actions[m]["wijk"]()
        spent = {(m, kind): 0.0 for m in sizes for kind in ("bare", "overview", "wijk")}
        print(f"   {args.requests} interleaved rounds over {', '.join(f'{m}×' for m in sizes)}…", flush=True)
        for _ in range(args.requests):
            for m in sizes:
                for kind, action in actions[m].items():
                    if spent[(m, kind)] > args.budget and out[m][kind]:
                        continue  # this page has had its time: fewer requests are timed (the table says how many)
                    elapsed = timed(action)
                    spent[(m, kind)] += elapsed
                    out[m][kind].append(elapsed)
        # The timed requests above are served from the report cache (nothing changed in between). The first view
        # after a change computes the report afresh: a write bumps the data version (api.db), so do one and time it.
        for m in sizes:
            engine = create_engine(urls[m])
            for _ in range(args.cold):
                with engine.begin() as conn:
                    conn.execute(text("UPDATE data_version SET n = n + 1 WHERE id = 1"))
                out[m].setdefault("cold", []).append(timed(actions[m]["overview"]))
            # A submission also changes who has which scores, so the protection across moments
            # (monitor.report.patterns) is planned again: withdraw one T1 response of the manager's organisation
            # at a time (a different one each time, so no earlier plan is reused), time the view, then restore.
            with engine.begin() as conn:
                ids = (
                    conn.execute(
                        text(
                            "SELECT r.id FROM questionnaire_response r JOIN enrolment e ON e.id = r.enrolment_id "
                            "JOIN cohort c ON c.id = e.cohort_id WHERE r.status = 'submitted' AND r.moment = 'T1' "
                            "AND c.organisation_id = (SELECT organisation_id FROM user_account WHERE email = :e) "
                            "ORDER BY r.id LIMIT :n"
                        ),
                        {"e": MANAGER, "n": args.cold},
                    )
                    .scalars()
                    .all()
                )
            for rid in ids:
                with engine.begin() as conn:
                    conn.execute(
                        text("UPDATE questionnaire_response SET status = 'in_progress' WHERE id = :i"), {"i": rid}
                    )
                    conn.execute(text("UPDATE data_version SET n = n + 1 WHERE id = 1"))
                out[m].setdefault("submission", []).append(timed(actions[m]["overview"]))
            with engine.begin() as conn:
                for rid in ids:
                    conn.execute(
                        text("UPDATE questionnaire_response SET status = 'submitted' WHERE id = :i"), {"i": rid}
                    )
                conn.execute(text("UPDATE data_version SET n = n + 1 WHERE id = 1"))
            engine.dispose()
            overview = clients[m].get("/monitor")
            out[m]["html_bytes"] = len(overview.content)
            # above api.monitor_views.FOLD_ABOVE wijken each gebied's wijk rows load on demand: the largest of them
            gebieden = sorted(set(re.findall(r'hx-get="(/monitor/gebied/\d+/wijken)"', overview.text)))
            sizes_kb = [len(clients[m].get(u, headers={"HX-Request": "true"}).content) / 1e3 for u in gebieden]
            if sizes_kb:
                print(f"   {m}×: {len(gebieden)} folded gebieden, largest wijken fragment {max(sizes_kb):,.0f} kB")
        for m in sizes:
            out[m]["rss_mb"] = vm_hwm_mb(procs[m].pid)
    finally:
        for client in clients.values():
            client.close()
        for query in bare.values():
            query.close()
        for proc in procs.values():
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    try:
        for m in sizes:
            print(f"   research export (long), {m}×…", flush=True)
            out[m].update(export_long(urls[m]))
    finally:
        for url in urls.values():
            drop_database(backend, url, args)
    return [out[m] for m in sizes]


def table(results: list[dict]) -> str:
    lines = [
        "| backend | size | trainees | answer rows | generate | overview p50 / p95 (n) | wijk page p50 / p95 (n) "
        "| overview after a change p50 / max (n) | after a submission p50 / max (n) | overview HTML "
        "| load_dataset p50 / p95 (n) | overview ÷ query (p95) | server peak RSS "
        "| research export (long): rows, time, peak RSS |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        ratio = pct(r["overview"], 95) / pct(r["bare"], 95)
        lines.append(
            f"| {r['backend']} | {r['size']}× | {r['trainees']:,} | {r['answers']:,} | {r['gen_s']:.0f} s "
            f"| {pct(r['overview'], 50):,.0f} / {pct(r['overview'], 95):,.0f} ms ({len(r['overview'])}) "
            f"| {pct(r['wijk'], 50):,.0f} / {pct(r['wijk'], 95):,.0f} ms ({len(r['wijk'])}) "
            f"| {pct(r['cold'], 50):,.0f} / {max(r['cold']) * 1000:,.0f} ms ({len(r['cold'])}) "
            f"| {pct(r['submission'], 50):,.0f} / {max(r['submission']) * 1000:,.0f} ms ({len(r['submission'])}) "
            f"| {r['html_bytes'] / 1e6:.2f} MB "
            f"| {pct(r['bare'], 50):,.0f} / {pct(r['bare'], 95):,.0f} ms ({len(r['bare'])}) | {ratio:.1f}× "
            f"| {r['rss_mb']:,.0f} MB "
            f"| {r['export_rows']:,} rows, {r['export_s']:.1f} s, {r['export_rss_mb']:,.0f} MB |"
        )
    return "\n".join(lines)


def verdicts(results: list[dict]) -> list[str]:
    out = []
    for backend in dict.fromkeys(r["backend"] for r in results):
        rows = {r["size"]: r for r in results if r["backend"] == backend}
        if 1 in rows:
            r = rows[1]
            o, w = pct(r["overview"], 95), pct(r["wijk"], 95)
            ratio = o / pct(r["bare"], 95)
            out.append(
                f"- {backend}, 1×: overview p95 {o:,.0f} ms — target ≤ {TARGET_OVERVIEW_MS} ms "
                f"**{'met' if o <= TARGET_OVERVIEW_MS else 'missed'}**; wijk page p95 {w:,.0f} ms — target "
                f"≤ {TARGET_WIJK_MS} ms **{'met' if w <= TARGET_WIJK_MS else 'missed'}**; overview ÷ bare "
                f"query {ratio:.1f}× — target ≤ {TARGET_RATIO:.0f}× "
                f"**{'met' if ratio <= TARGET_RATIO else 'missed'}**."
            )
        if 10 in rows:
            r = rows[10]
            o, w, h = pct(r["overview"], 95), pct(r["wijk"], 95), r["html_bytes"]
            out.append(
                f"- {backend}, 10× (repeated views, from the report cache): overview p95 {o:,.0f} ms — target ≤ "
                f"{TARGET_OVERVIEW_MS} ms **{'met' if o <= TARGET_OVERVIEW_MS else 'missed'}**; wijk page p95 "
                f"{w:,.0f} ms — target ≤ {TARGET_WIJK_MS} ms **{'met' if w <= TARGET_WIJK_MS else 'missed'}**; "
                f"overview HTML {h / 1e6:.2f} MB — target ≤ 1 MB **{'met' if h <= 1e6 else 'missed'}**; the first "
                f"overview after a change {pct(r['cold'], 50):,.0f} ms (p50 of {len(r['cold'])}, no target), after a "
                f"submission (the protection across moments planned again) {pct(r['submission'], 50):,.0f} ms "
                f"(p50 of {len(r['submission'])}, no target)."
            )
        sizes = sorted(rows)
        for small, big in itertools.pairwise(sizes):
            data = rows[big]["answers"] / rows[small]["answers"]
            growth = {k: pct(rows[big][k], 50) / pct(rows[small][k], 50) for k in ("overview", "wijk", "bare")}
            ok = all(g <= data * 1.1 for g in growth.values())
            out.append(
                f"- {backend}, {small}× → {big}×: data ×{data:.1f}; overview ×{growth['overview']:.1f}, "
                f"wijk page ×{growth['wijk']:.1f}, load_dataset ×{growth['bare']:.1f} (p50) — target: no "
                f"faster than the data (≤ 1.1 × its growth, for run-to-run noise) **{'met' if ok else 'missed'}**."
            )
            rss_growth = rows[big]["export_rss_mb"] / rows[small]["export_rss_mb"]
            flat = rss_growth <= 1.25
            out.append(
                f"- {backend}, {small}× → {big}×: research export rows ×"
                f"{rows[big]['export_rows'] / rows[small]['export_rows']:.1f}, its peak RSS ×{rss_growth:.2f} — "
                f"target: flat memory (≤ ×1.25) **{'met' if flat else 'missed'}**."
            )
        if len(sizes) > 2:
            small, big = sizes[0], sizes[-1]
            data = rows[big]["answers"] / rows[small]["answers"]
            growth = {k: pct(rows[big][k], 50) / pct(rows[small][k], 50) for k in ("overview", "wijk", "bare")}
            out.append(
                f"- {backend}, {small}× → {big}× (the whole range, for reference): data ×{data:.1f}; overview "
                f"×{growth['overview']:.1f}, wijk page ×{growth['wijk']:.1f}, load_dataset "
                f"×{growth['bare']:.1f} (p50)."
            )
    return out


def machine() -> str:
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs (nproc), {mem_kb / 1024 / 1024:.0f} GiB RAM, Python {sys.version.split()[0]}; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
    )


def write_doc(results_block: str) -> None:
    """Rewrite the results between the inner markers, inside this benchmark's own section (created if missing)."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    block = f"{RESULTS_BEGIN}\n{results_block.strip()}\n{RESULTS_END}"
    if BEGIN not in doc or END not in doc:
        doc = doc.rstrip() + f"\n\n{BEGIN}\n## Monitor (`bench/bench_monitor.py`)\n\n{block}\n{END}\n"
    elif RESULTS_BEGIN in doc and RESULTS_END in doc:
        head, rest = doc.split(RESULTS_BEGIN, 1)
        doc = head + block + rest.split(RESULTS_END, 1)[1]
    else:
        head, rest = doc.split(END, 1)
        doc = head.rstrip() + f"\n\n{block}\n{END}" + rest
    DOC.write_text(doc, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,3,10", help="multipliers, e.g. 1,3,10 (10× takes a few minutes)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--budget", type=float, default=240, help="seconds per page at most")
    parser.add_argument("--cold", type=int, default=3, help="overview views timed each right after a change")
    parser.add_argument("--quick", action="store_true", help="1× only, 10 requests after 1 warm-up")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files under var/bench/")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/performance.md")
    parser.add_argument(
        "--pg-url", default=os.environ.get("RACT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    args, _ = parser.parse_known_args()  # scripts/bench.sh passes its arguments to every benchmark
    if args.quick:
        args.sizes, args.requests, args.warmup = "1", 10, 1
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    command = ".venv/bin/python bench/bench_monitor.py " + " ".join(sys.argv[1:])
    results = [r for backend in args.backends.split(",") for r in run_backend(backend, sizes, args)]
    text_table = table(results)
    print(text_table)
    lines = verdicts(results)
    print("\n".join(lines))
    if not args.no_doc:
        write_doc(
            f"Measured {date.today().isoformat()} on {machine()}.\n\nCommand: `{command.strip()}`\n\n"
            f"{text_table}\n\nTargets at city scale (1×): overview p95 ≤ {TARGET_OVERVIEW_MS} ms, wijk page "
            f"p95 ≤ {TARGET_WIJK_MS} ms, page ≤ {TARGET_RATIO:.0f}× the bare query, time growing no faster "
            f"than the data.\n\n" + "\n".join(lines)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
