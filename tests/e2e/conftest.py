"""Browser tests: Playwright driving Debian's Chromium against the app served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app

CHROMIUM = os.environ.get("RACT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE = Path(__file__).parent / "assets" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _browser_available():
    # A skip only when asked for: a missing browser must not look like a passing suite (scripts/test.sh says the same).
    if os.environ.get("RACT_SKIP_BROWSER") == "1":
        pytest.skip("RACT_SKIP_BROWSER=1")
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: apt-get install chromium, set RACT_CHROMIUM, or RACT_SKIP_BROWSER=1 to skip",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as a script tag; our CSP (rightly) forbids that, so the test browser bypasses CSP.
    return {**browser_context_args, "bypass_csp": True, "locale": "nl-NL"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_app(settings, engine, demo):
    return create_app(settings, engine=engine)


@pytest.fixture
def app_modules(live_app):
    return live_app.state.modules


@pytest.fixture
def live_server(live_app):
    with LiveServer(live_app) as server:
        yield server


@pytest.fixture
def page(page, live_server):
    page.set_default_timeout(10_000)
    return page


def check_accessibility(page) -> None:
    """Run axe-core (WCAG 2.1 A/AA) on the current page and fail with a readable list of violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    violations = result["violations"]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations
    ]
    assert not violations, f"axe violations on {page.url}:\n" + "\n".join(report)


def sign_in(page, base_url: str, email: str, password: str = "demo-demo-demo") -> None:
    page.goto(base_url + "/login")
    check_accessibility(page)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")
    if "/privacy" in page.url:  # first sign-in (or a changed statement): read it and go on
        page.get_by_role("button", name="Ik heb het gelezen, ga verder").click()
        page.wait_for_load_state("networkidle")
