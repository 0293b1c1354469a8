"""`make test` never skips the browser tests silently: without Chromium it stops and says what to do."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "test.sh"


def check_browser(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("RACT_SKIP_BROWSER", "RACT_CHROMIUM")}
    return subprocess.run(
        ["bash", str(SCRIPT), "--check-browser"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def test_a_missing_chromium_stops_the_run_with_what_to_do(tmp_path):
    # Not the Debian path, so the script does not try to install it even as root.
    result = check_browser(tmp_path, RACT_CHROMIUM=str(tmp_path / "no-chromium"))
    assert result.returncode == 1
    assert f"The browser tests need Chromium at {tmp_path / 'no-chromium'}" in result.stderr
    assert "apt-get install chromium" in result.stderr and "RACT_SKIP_BROWSER=1 make test" in result.stderr


def test_the_browser_tests_are_left_out_only_when_asked(tmp_path):
    result = check_browser(tmp_path, RACT_CHROMIUM=str(tmp_path / "no-chromium"), RACT_SKIP_BROWSER="1")
    assert result.returncode == 0 and result.stderr == ""


def test_a_chromium_at_the_given_path_passes_the_check(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    result = check_browser(tmp_path, RACT_CHROMIUM=str(chromium))
    assert result.returncode == 0 and result.stderr == ""
