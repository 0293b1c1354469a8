"""Two `ract send-reminders` processes started at the same moment (cron on two app servers): each reminder once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from tests.monitor.test_reminders import TODAY, demo, enrolments, mailed, voorjaar, window  # noqa: F401 (fixture)
from training.models import Reminder

RACT = Path(sys.executable).with_name("ract")


def test_two_ract_send_reminders_processes_send_each_reminder_once(demo, settings, is_postgres):  # noqa: F811 (demo: test_reminders.demo)
    if not is_postgres:
        pytest.skip("concurrent processes: checked on PostgreSQL (SQLite serialises whole transactions)")
    db = demo
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7)
    db.commit()
    n = len(enrolments(db, cohort))
    env = {
        **os.environ,
        "RACT_DATABASE_URL": settings.database_url,
        "RACT_ENVIRONMENT": "test",
        "RACT_SECRET_KEY": settings.secret_key,
        "RACT_BASE_URL": settings.base_url,
        "RACT_LOG_LEVEL": "WARNING",
    }
    procs = [
        subprocess.Popen(
            [str(RACT), "send-reminders", "--today", TODAY.isoformat()],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    counts = [tuple(map(int, re.search(r"(\d+) queued, (\d+) already sent today", out).groups())) for out, _ in outputs]
    assert sum(q for q, _ in counts) == n  # between them, every reminder was queued exactly once
    db.expire_all()
    assert len(db.exec(select(Reminder)).all()) == n
    assert len(mailed(db)) == n == len(set(mailed(db)))
