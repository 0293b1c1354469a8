"""Snapshot every page, API answer and export the demo roles can reach, to check that a refactoring changes nothing.

    .venv/bin/python scripts/snapshot.py OUT_DIR              # write a snapshot of the current checkout
    .venv/bin/python scripts/snapshot.py --compare DIR1 DIR2  # list the differences; exit status 1 if any

How: a fresh SQLite database in a temporary directory is migrated and loaded with the demo data (`ract migrate`,
`ract demo-data`, run as commands so the script does not depend on where the code lives). Then, in-process with
FastAPI's TestClient, each demo account signs in and the script follows every link (`href`, `hx-get`) it finds on
the site, breadth first from the home page, plus every GET route without path parameters and every API route whose
parameters it has seen in a followed link. Each answer is stored as one file (status, content type, body) after
normalising what differs between two runs by design: CSRF tokens, session ids, signed tokens, the timestamps the demo
loader writes at load time, and generated file names that carry the time.

Both snapshots must be made on the same day (the demo data and the open windows follow today's date).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROLES = ("trainee", "trainer", "trainer2", "manager", "admin")
PASSWORD = "demo-demo-demo"
MAX_PAGES_PER_ROLE = 600
# GETs that change something or only stream a static asset: not followed.
SKIP = re.compile(r"^/(static/|logout|docs|openapi\.json|redoc)")
LINK_RE = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')
NORMALISE = [
    (re.compile(r'(name="csrf_token" value=")[^"]+'), r"\1CSRF"),
    (re.compile(r'(<meta name="csrf-token" content=")[^"]+'), r"\1CSRF"),
    (re.compile(r'("X-CSRF-Token": ")[^"]+'), r"\1CSRF"),
    (re.compile(r"token=[A-Za-z0-9_\-.]+"), "token=TOKEN"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "TIMESTAMP"),
    (re.compile(r"\b\d{1,2}[-/ ](\d{1,2}|[a-z]{3,9})[-/ ]\d{4},? (om )?\d{2}[:.]\d{2}([:.]\d{2})?\b"), "TIMESTAMP"),
    (re.compile(r"\b\d{2}:\d{2}(:\d{2})?\b"), "HH:MM"),
    (re.compile(r"\b20\d{6}[-_T]?\d{4,6}\b"), "STAMP"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "HEX64"),  # session ids in the own-data download
]


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _normalise(body: bytes, content_type: str) -> bytes:
    if body.startswith(b"PK\x03\x04"):  # XLSX and ZIP: their members, without the archive's own timestamps
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return b"".join(
                name.encode() + b"\n" + _normalise(archive.read(name), "text") + b"\n"
                for name in sorted(archive.namelist())
            )
    if body.startswith(b"$FL2") or body.startswith(b"$FL3"):  # SPSS: the header's creation date and time
        return re.sub(rb"\d\d \w\w\w \d\d\d\d:\d\d:\d\d", b"DATE TIME", body, count=1)
    if not any(t in content_type for t in ("text", "json", "csv", "xml", "javascript")):
        return body
    text = body.decode("utf-8", "replace")
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text.encode()


def _file_name(role: str, url: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", url).strip("_")[:80] or "root"
    return f"{role}/{slug}-{hashlib.sha1(url.encode()).hexdigest()[:8]}.txt"


def snapshot(out: Path) -> int:
    root = Path(__file__).resolve().parents[1]
    ract = str(root / ".venv" / "bin" / "ract")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/snapshot.db"
        env = {
            **os.environ,
            "RACT_DATABASE_URL": url,
            "RACT_ENVIRONMENT": "development",
            "RACT_SECRET_KEY": "snapshot-secret-key-which-is-long-enough-0123456789",
            "RACT_BASE_URL": "http://testserver",
        }
        _run([ract, "migrate"], env)
        _run([ract, "demo-data"], env)
        os.environ.update({k: v for k, v in env.items() if k.startswith("RACT_")})
        sys.path.insert(0, str(root / "src"))
        from fastapi.testclient import TestClient

        from api.app import create_app
        from api.settings import Settings

        app = create_app(
            Settings(
                environment="test",
                database_url=url,
                secret_key=env["RACT_SECRET_KEY"],
                log_level="WARNING",
                base_url="http://testserver",
                allowed_hosts="testserver",
            )
        )
        _determinise()
        get_routes = [
            r for r in app.routes if "GET" in getattr(r, "methods", set()) and not SKIP.match(getattr(r, "path", "/"))
        ]
        written = 0
        for role in ROLES:
            with TestClient(app) as client:
                _sign_in(client, f"{role}@demo.local")
                written += _crawl(client, role, get_routes, out)
        return written


def _determinise() -> None:
    """Fix the two random choices that differ between runs by design: the knowledge check's option order (shuffled per
    attempt) and the research export's pseudonym key (new per export)."""
    import random
    import types

    for name, module in list(sys.modules.items()):
        if name.endswith("knowledge_checks") and hasattr(module, "_SYSTEM_RANDOM"):
            module._SYSTEM_RANDOM = random.Random(2026)
        if name.endswith(("research_export", "exports.research")) and hasattr(module, "secrets"):
            module.secrets = types.SimpleNamespace(token_bytes=lambda n: bytes(n))


def _sign_in(client, email: str) -> None:
    page = client.get("/login")
    token = _csrf(page.text)
    done = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    if done.status_code != 303:
        sys.exit(f"sign-in as {email} failed: {done.status_code}")
    location = done.headers["location"]
    if location.startswith("/privacy"):
        page = client.get(location)
        version = re.search(r'name="version" value="(\d+)"', page.text)
        if version:
            client.post(
                "/privacy/gezien",
                data={"version": version.group(1), "next": "/", "csrf_token": _csrf(page.text)},
                follow_redirects=False,
            )


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        sys.exit("no CSRF token on the sign-in page")
    return match.group(1) or match.group(2)


def _crawl(client, role: str, get_routes, out: Path) -> int:
    seen: set[str] = set()
    queue: deque[str] = deque(["/"])
    for route in get_routes:
        if "{" not in route.path:
            queue.append(route.path)
    ids: dict[str, set[str]] = {}
    param_routes = [r for r in get_routes if "{" in r.path]
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen or SKIP.match(url):
            continue
        seen.add(url)
        response = client.get(url, follow_redirects=False)
        content_type = response.headers.get("content-type", "")
        body = _normalise(response.content, content_type)
        location = response.headers.get("location", "")
        path = out / _file_name(role, url)
        path.parent.mkdir(parents=True, exist_ok=True)
        head = f"GET {url}\nstatus {response.status_code}\ncontent-type {content_type}\nlocation {location}\n\n"
        path.write_bytes(head.encode() + body)
        if location.startswith("/"):
            queue.append(location)
        if "html" in content_type:
            for link in LINK_RE.findall(response.text):
                link = urljoin(url, link.replace("&amp;", "&"))
                if urlsplit(link).netloc == "":
                    queue.append(link)
            _learn_ids(url, param_routes, ids, queue)
    return len(seen)


def _learn_ids(url: str, param_routes, ids: dict[str, set[str]], queue: deque[str]) -> None:
    """Fill the parameters of API routes with the values seen in a followed page's path (e.g. a cohort id)."""
    path = urlsplit(url).path
    for route in param_routes:
        match = route.path_regex.match(path)
        if not match:
            continue
        for name, value in match.groupdict().items():
            if value not in ids.setdefault(name, set()):
                ids[name].add(value)
                for other in param_routes:
                    names = re.findall(r"{(\w+)(?::\w+)?}", other.path)
                    if names == [name]:
                        queue.append(re.sub(r"{\w+(?::\w+)?}", value, other.path))


def compare(a: Path, b: Path) -> int:
    files_a = {p.relative_to(a) for p in a.rglob("*.txt")}
    files_b = {p.relative_to(b) for p in b.rglob("*.txt")}
    problems = [f"only in {a}: {p}" for p in sorted(files_a - files_b)]
    problems += [f"only in {b}: {p}" for p in sorted(files_b - files_a)]
    for p in sorted(files_a & files_b):
        if (a / p).read_bytes() != (b / p).read_bytes():
            problems.append(f"differs: {p}")
    for line in problems:
        print(line)
    print(f"{len(files_a & files_b)} answers in both, {len(problems)} differences")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, help="directory to write the snapshot to")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("DIR1", "DIR2"))
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("give OUT_DIR or --compare DIR1 DIR2")
    args.out.mkdir(parents=True, exist_ok=True)
    count = snapshot(args.out)
    print(f"{count} answers written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
