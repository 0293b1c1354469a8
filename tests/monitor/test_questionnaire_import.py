"""`ract responses import`: every bad row is reported in English and nothing is written; a clean file is whole."""

from __future__ import annotations

from sqlmodel import func, select
from typer.testing import CliRunner

from api.cli import app as cli
from monitor.models import Answer, QuestionnaireResponse
from monitor.questionnaire.importing import import_responses
from monitor.questionnaire.instrument import load_instruments
from tests.monitor.test_questionnaire_versions import CONTENT

HEADER = "email,cohort,moment,item,value,submitted_at\n"
SPRING = "Regie-ondersteuners voorjaar"
GOOD = [
    f"trainee@demo.local,{SPRING},T0,KEN1,4,2026-01-10",
    f"trainee@demo.local,{SPRING},T0,KEN2,,2026-01-10",  # empty = missing
    f"trainee@demo.local,{SPRING},T0,FAC1,weet_niet,2026-01-10",
    f"trainee@demo.local,{SPRING},T1,ZEL1,4,2026-03-10T09:30",
    f"trainee@demo.local,{SPRING},T1,ZEL1:then,2,2026-03-10T09:30",
]


def counts(db) -> tuple[int, int]:
    return (
        db.exec(select(func.count()).select_from(QuestionnaireResponse)).one(),
        db.exec(select(func.count()).select_from(Answer)).one(),
    )


def test_one_bad_row_refuses_the_whole_file_and_reports_every_problem(demo):
    before = counts(demo)
    taken = demo.exec(select(QuestionnaireResponse).order_by(QuestionnaireResponse.id)).first()
    from training.models import Cohort, Enrolment, User

    enrolment = demo.get(Enrolment, taken.enrolment_id)
    email = demo.get(User, enrolment.user_id).email
    cohort = demo.get(Cohort, enrolment.cohort_id).name
    bad = [
        f"nobody@demo.local,{SPRING},T0,KEN1,4,2026-01-10",
        "trainee@demo.local,Onbekende groep,T0,KEN1,4,2026-01-10",
        f"trainee@demo.local,{SPRING},T0,KEN9,4,2026-01-10",
        f"trainee@demo.local,{SPRING},T0,KEN3,7,2026-01-10",
        f"trainee@demo.local,{SPRING},T0,KEN4,3,10-01-2026",
        f"{email},{cohort},{taken.moment},KEN1,3,2026-01-10",
    ]
    result = import_responses(demo, text=HEADER + "\n".join(GOOD + bad) + "\n", instrument=load_instruments(CONTENT)[0])
    messages = [str(p) for p in result.problems]
    assert messages == [
        "line 7: unknown person 'nobody@demo.local'",
        "line 8: unknown cohort 'Onbekende groep'",
        "line 9: unknown item 'KEN9' at T0",
        "line 10: value '7' is out of range for KEN3",
        "line 11: bad date '10-01-2026' (use e.g. 2026-03-01 or 2026-03-01T10:30)",
        f"line 12: a {taken.moment} response of {email} already exists",
    ]
    assert counts(demo) == before


def test_a_clean_file_is_written_as_submitted_imported_responses(demo):
    before = counts(demo)
    result = import_responses(demo, text=HEADER + "\n".join(GOOD) + "\n", instrument=load_instruments(CONTENT)[0])
    assert result.problems == [] and (result.responses, result.answers) == (2, 4)
    assert counts(demo) == (before[0] + 2, before[1] + 4)
    imported = demo.exec(select(QuestionnaireResponse).where(QuestionnaireResponse.source == "import")).all()
    assert {r.status for r in imported} == {"submitted"} and {r.moment for r in imported} == {"T0", "T1"}


def test_cli_exits_1_and_writes_nothing_on_a_bad_row(demo, db_url_engine, monkeypatch, tmp_path):
    url, _ = db_url_engine
    monkeypatch.setenv("RACT_DATABASE_URL", url)
    before = counts(demo)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n".join([*GOOD, f"trainee@demo.local,{SPRING},T0,KEN3,0,2026-01-10"]) + "\n")
    result = CliRunner().invoke(cli, ["responses", "import", str(bad)])
    assert result.exit_code == 1, result.output
    assert "line 7: value '0' is out of range for KEN3" in result.output and "nothing was imported" in result.output
    demo.expire_all()
    assert counts(demo) == before
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\n".join(GOOD) + "\n")
    ok = CliRunner().invoke(cli, ["responses", "import", str(good)])
    assert ok.exit_code == 0 and "Imported 2 response(s) with 4 answer(s)." in ok.output
    demo.expire_all()
    assert counts(demo) == (before[0] + 2, before[1] + 4)


def test_cli_reports_non_ascii_digits_and_control_characters_as_bad_rows(demo, db_url_engine, monkeypatch, tmp_path):
    """ "²" passed str.isdigit() and crashed int() with a traceback; now it is a bad row like any other."""
    from api.settings import get_settings

    url, _ = db_url_engine
    monkeypatch.setenv("RACT_DATABASE_URL", url)
    get_settings.cache_clear()  # settings of an earlier test would point the CLI at that test's database
    before = counts(demo)
    bad = tmp_path / "digits.csv"
    rows = [f"trainee@demo.local,{SPRING},T0,KEN3,{value},2026-01-10" for value in ("²", "٣", "３", "4\x00")]
    bad.write_text(HEADER + "\n".join([*GOOD[:1], *rows]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["responses", "import", str(bad)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for line, value in zip(range(3, 7), ("²", "٣", "３", "4\x00"), strict=True):
        assert f"line {line}: value {value!r} is out of range for KEN3" in result.output
    assert "4 problem(s) found; nothing was imported." in result.output
    get_settings.cache_clear()
    demo.expire_all()
    assert counts(demo) == before
