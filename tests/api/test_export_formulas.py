"""Formula-safe exports (OWASP CSV injection): names that start like a formula come out inert in every download."""

from __future__ import annotations

import csv
import io
import random

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from monitor.exports.aggregate import Table, csv_lines, write_xlsx
from tests.conftest import login
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.models import CohortTrainer, Gebied, Role, User
from training.spreadsheet import FORMULA_STARTS, spreadsheet_safe

ORGANISATION = '=HYPERLINK("http://x","org")'
COHORT = '=HYPERLINK("http://x","y")'
GEBIED = "-gebied"
# wijk -> (gebied, people). "@klein" is too small to be named: it is reported as its gebied "-gebied (gebied)".
WIJKEN = {"+cmd": (None, 8), "@SUM(1)": (GEBIED, 7), "@klein": (GEBIED, 2), "\tTab": (None, 6), "\rCR": (None, 6)}
TRAINEE = "@SUM(1) trainee"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _assert_inert_csv(text: str, delimiter: str = ",") -> list[list[str]]:
    """Every cell of a CSV file: none starts like a formula unless it is a number. Returns the rows."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    assert rows
    live = [c for row in rows for c in row if c.startswith(FORMULA_STARTS) and not _is_number(c)]
    assert live == []
    return rows


def _assert_inert_xlsx(content: bytes) -> list:
    """Every cell of every sheet: no formula, no text that starts like one. Returns all values."""
    book = load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
                assert not (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)), c.value
                values.append(c.value)
    return values


@pytest.fixture
def hostile(demo):
    """An organisation, gebied, wijken, cohort and trainee named like formulas; people who answered T0 and T1
    (T1 lower for some, so changes are negative numbers); a manager m@formula.local and trainer t@formula.local."""
    db = demo
    rng = random.Random(5)
    inst = instrument()
    org, wijken, cohort = make_org(db, name=ORGANISATION, wijken={w: g for w, (g, _) in WIJKEN.items()})
    cohort.name = COHORT
    for name, (_, n) in WIJKEN.items():
        for i in range(n):
            e = make_person(db, org=org, wijk=wijken[name], cohort=cohort, tag=f"f{len(name)}{i}{n}")
            submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst)
            submit(
                db,
                enrolment=e,
                moment="T1",
                answers=random_answers(rng, inst, "T1", shift=rng.choice([-1, 1])),
                then_answers={item.id: rng.randint(1, 4) for item in inst.then_test_items()},
                inst=inst,
            )
    db.get(User, e.user_id).name = TRAINEE
    demo_hash = db.exec(select(User).where(User.email == "manager@demo.local")).one().password_hash
    db.add(
        User(
            name="M", email="m@formula.local", role=Role.manager.value, organisation_id=org.id, password_hash=demo_hash
        )
    )
    trainer = User(
        name="-T", email="t@formula.local", role=Role.trainer.value, organisation_id=org.id, password_hash=demo_hash
    )
    db.add(trainer)
    db.flush()
    db.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    assert db.exec(select(Gebied).where(Gebied.organisation_id == org.id)).one().name == GEBIED
    db.commit()
    return org, cohort


def test_spreadsheet_safe_quotes_text_that_starts_like_a_formula_and_leaves_numbers_alone():
    for text in ("=1+1", "+cmd", "-2+3", "@SUM(1)", "\tx", "\rx", COHORT):
        assert spreadsheet_safe(text) == "'" + text
        assert spreadsheet_safe(spreadsheet_safe(text)) == "'" + text  # idempotent
    for value in (-0.5, -3, 0, 2.5, True, None, "Noord", "", "'=already", "-0,39", "-12", "+3.5"):
        assert spreadsheet_safe(value) == value  # a number written as text (Dutch CSV) stays a number
    for text in ("-0,39+cmd|' /C calc'!A0", "-1,5,3", "-3e2", "- 2"):
        assert spreadsheet_safe(text) == "'" + text


def test_writers_keep_negative_numbers_numeric_and_make_text_inert(tmp_path):
    table = Table("Blad", ("name", "value"), [("=1+1", -0.5), ("-x", -3), ("ok", None)])
    text = "".join(csv_lines(table.header, table.rows))
    assert _assert_inert_csv(text)[1:] == [["'=1+1", "-0.5"], ["'-x", "-3"], ["ok", ""]]
    write_xlsx(tmp_path / "t.xlsx", [table], notes=[("organisatie", ORGANISATION)])
    values = _assert_inert_xlsx((tmp_path / "t.xlsx").read_bytes())
    assert -0.5 in values and -3 in values and "'=1+1" in values and "'" + ORGANISATION in values
    sheet = load_workbook(tmp_path / "t.xlsx")["Blad"]
    assert sheet["B2"].data_type == "n" and sheet["B2"].value == -0.5


def test_aggregate_csv_and_workbook_downloads_hold_no_live_formula(make_client, hostile):
    manager = login(make_client(), "m@formula.local")
    seen = []
    for path in ("/monitor/exports/monitor.csv", "/monitor/exports/flow.csv", "/monitor/exports/quality.csv"):
        response = manager.get(path)
        assert response.status_code == 200, path
        seen += [c for row in _assert_inert_csv(response.text) for c in row]
    for name in ("+cmd", "@SUM(1)", "\tTab", "\rCR", f"{GEBIED}", ORGANISATION):
        assert "'" + name in seen, name
    assert any(c.startswith("-") and _is_number(c) for c in seen)  # a negative figure stays a number
    workbook = manager.get("/monitor/exports/monitor.xlsx")
    assert workbook.status_code == 200
    values = _assert_inert_xlsx(workbook.content)
    assert "'+cmd" in values and "'" + ORGANISATION in values
    assert any(isinstance(v, float) and v < 0 for v in values)


def test_research_files_hold_no_live_formula_in_csv_or_spss(make_client, hostile, tmp_path):
    import pyreadstat

    org, _ = hostile
    admin = login(make_client(), "admin@demo.local")
    files = {}
    for name in ("research-long.csv", "research-wide.csv", "codebook.csv", "research.sav"):
        response = admin.get(f"/monitor/exports/{name}?organisatie={org.id}")
        assert response.status_code == 200, name
        files[name] = response
    long = _assert_inert_csv(files["research-long.csv"].text)
    wide = _assert_inert_csv(files["research-wide.csv"].text)
    _assert_inert_csv(files["codebook.csv"].text)
    cohorts = {r[2] for r in long[1:]} | {r[2] for r in wide[1:]}
    assert cohorts == {"'" + COHORT}
    wijken = {r[1] for r in wide[1:]}
    # "@SUM(1)" is withheld with its small sibling "@klein": both are written as their gebied
    assert wijken == {"'+cmd", "'\tTab", "'\rCR", f"'{GEBIED} (gebied)"}
    assert any(c.startswith("-") and _is_number(c) for row in wide[1:] for c in row)  # negative changes stay numbers
    (tmp_path / "r.sav").write_bytes(files["research.sav"].content)
    df, _ = pyreadstat.read_sav(str(tmp_path / "r.sav"))
    for column in ("wijk", "cohort"):
        assert not any(str(v).startswith(FORMULA_STARTS) for v in df[column])
    assert sorted(df["wijk"]) == sorted(r[1] for r in wide[1:])  # the same text as the CSV files


def test_trainer_progress_downloads_hold_no_live_formula(make_client, hostile):
    _, cohort = hostile
    trainer = login(make_client(), "t@formula.local")
    text = trainer.get(f"/groepen/{cohort.id}/voortgang.csv").content.decode("utf-8")
    rows = _assert_inert_csv(text, delimiter=";")
    assert "'" + TRAINEE in [r[0] for r in rows] and "'+cmd" in [r[1] for r in rows]
    values = _assert_inert_xlsx(trainer.get(f"/groepen/{cohort.id}/voortgang.xlsx").content)
    assert "'" + TRAINEE in values
    assert "'+cmd" in values
