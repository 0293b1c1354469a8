"""A measurement, not a test (not collected; run it by path): how many organisation, gebied and wijk figures the
overview publishes on the city data (every pair of moments, unfiltered, both priorities), how many scores the
protection across moments leaves out (person × scale) and how long planning it takes, and how many findings
``tests.monitor.attacker_moments`` makes on the unfiltered overviews. Writes JSON to ``$MEASURE_OUT``.

    MEASURE_OUT=/tmp/m.json .venv/bin/pytest -q -p no:cacheprovider tests/monitor/measure_moments.py

Used for docs/disclosure.md ("What the rule does not cover") to compare rules for figures about different moments.
"""

import json
import os
import time
from datetime import date
from pathlib import Path

from sqlmodel import select

from demo.city_data import generate_city
from monitor.report import patterns
from monitor.report.build import build_report
from monitor.report.dataset import Scope, load_dataset
from monitor.report.disclosure import Thresholds
from monitor.report.service import PAIRS, organisation_report
from tests.monitor import attacker_moments
from tests.monitor.attacker import ViewFilter, published_reference
from tests.monitor.builders import instrument
from training.content import load_modules
from training.models import Organisation, Role, User

MODULES = Path(__file__).resolve().parents[2] / "content" / "modules"
OUT = os.environ.get("MEASURE_OUT", "/tmp/moments_measure.json")


def count(db, inst, thresholds, n_modules: int) -> dict[str, dict[str, tuple[int, int]]]:
    """Per organisation: per level and part (shown, rows), and the attacker's findings (count, 0)."""
    out = {}
    for org in db.exec(select(Organisation)).all():
        manager = db.exec(select(User).where(User.role == Role.manager.value, User.organisation_id == org.id)).first()
        if manager is None:
            continue
        tally: dict[str, tuple[int, int]] = {}
        for a, b in PAIRS:
            r = organisation_report(
                db, user=manager, instrument=inst, thresholds=thresholds, moment_from=a, moment_to=b
            )
            for level in ("gebied", "wijk", "organisation"):
                rows = [x for x in r.rows if x.level == level]
                for part, column in (("from", "n_from"), ("to", "n_to"), ("paired", "n_paired")):
                    k = f"{level}.{part}"
                    if part == "paired":
                        rows_p = [
                            x
                            for x in rows
                            if x.reasons.get("paired")
                            not in (
                                "contextschaal: alleen beschreven, geen verandering",
                                "niet vergeleken tussen deze momenten",
                            )
                        ]
                    else:
                        rows_p = rows
                    s, t = tally.get(k, (0, 0))
                    tally[k] = (s + sum(getattr(x, column) is not None for x in rows_p), t + len(rows_p))
            ref = load_dataset(db, scope=Scope(organisation_id=org.id, instrument_id=inst.id), instrument=inst)
        patterns._memo.clear()
        started = time.perf_counter()
        left = patterns.protection(ref, thresholds, date.today())
        tally["left_out_person_scale"] = (
            len({(i, s) for (v, s), idx in left.left_out.items() for i in idx.tolist()}),
            len(ref) * len(ref.scales),
        )
        tally["attrition_withheld"] = (len(left.attrition_withheld), 0)
        tally["plan_ms"] = (round(1000 * (time.perf_counter() - started)), 0)
        # learning × growth: the pairs (scale, moments) whose halves both reach min_paired, and those withheld
        protected, _ = patterns.protect(ref, ref, thresholds, date.today())
        done = patterns.completed_all_modules(protected.columns, n_modules)
        pairs = {s: [p for p in PAIRS if inst.compared(s, *p)] for s in ref.scales}
        patterns._learning_memo.clear()
        started = time.perf_counter()
        withheld = patterns.learning_withheld(protected, thresholds, date.today(), done, pairs, left.attrition_withheld)
        tally["learning_check_ms"] = (round(1000 * (time.perf_counter() - started)), 0)
        tally["learning_withheld"] = (len(withheld), sum(len(v) for v in pairs.values()))
        att = attacker_moments.Attack(published_reference(ref, thresholds), thresholds.min_n, thresholds.min_paired)
        for a, b in PAIRS:
            att.add_report(
                build_report(
                    ref, moment_from=a, moment_to=b, thresholds=thresholds, t0_matrices={}, root="organisation", ref=ref
                ),
                ViewFilter(),
            )
        tally["moments_findings_unfiltered"] = (len(att.findings()), 0)
        out[org.name] = tally
    return out


def test_measure(db):
    inst = instrument()
    modules = load_modules(MODULES)
    generate_city(db, instrument=inst, modules=modules, scale_down=int(os.environ.get("SCALE_DOWN", "4")))
    db.commit()
    res = {p: count(db, inst, Thresholds(priority=p), len(modules)) for p in ("wijk", "cohort")}
    Path(OUT).write_text(json.dumps(res, indent=1))
