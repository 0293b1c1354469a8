"""Monitor exports over HTTP and the command line: who may download what, the same rows as the API, audit rows."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import get_settings
from monitor.models import AuditEvent
from tests.conftest import login
from tests.monitor.test_exports import SECRET_TEXT, SIZES

AGGREGATE = [
    "/monitor/exports/monitor.csv",
    "/monitor/exports/flow.csv",
    "/monitor/exports/quality.csv",
    "/monitor/exports/monitor.xlsx",
    "/monitor/exports/excel/monitor.csv",
    "/monitor/exports/excel/flow.csv",
    "/monitor/exports/excel/quality.csv",
]
RESEARCH = [
    "/monitor/exports/research-long.csv",
    "/monitor/exports/research-wide.csv",
    "/monitor/exports/research.sav",
    "/monitor/exports/codebook.csv",
    "/monitor/exports/codebook.json",
]
runner = CliRunner()


def _audit(db) -> list[AuditEvent]:
    db.expire_all()
    return db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_aggregate_csv_rows_equal_the_api_rows_with_empty_cells_for_withheld_figures(make_client, exported, db):
    c = login(make_client(), "m@export.local")
    api = c.get("/api/v1/monitor").json()["rows"]
    response = c.get("/monitor/exports/monitor.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = _csv(response.text)
    assert len(rows) == len(api)
    withheld = 0
    for got, want in zip(rows, api, strict=True):
        assert (got["group_key"], got["scale"]) == (want["group_key"], want["scale"])
        for name in (
            "n_from",
            "mean_from",
            "sd_from",
            "n_paired",
            "mean_change",
            "ci_low",
            "d_z",
            "p_t",
            "pct_improved",
        ):
            expected = want[name]
            assert (got[name] == "") == (expected is None), (name, got, want)
            if expected is not None:
                assert float(got[name]) == pytest.approx(expected, rel=1e-12)
        assert got["withheld"].split() == want["suppressed"]
        withheld += bool(want["suppressed"])
        if want["n_from"] is None:
            assert "te weinig deelnemers" in got["withheld_reason"] or "aanvullend" in got["withheld_reason"]
    assert withheld > 0
    flows = _csv(c.get("/monitor/exports/flow.csv").text)
    assert [f["invited"] or None for f in flows] == [
        None if f["invited"] is None else str(f["invited"]) for f in c.get("/api/v1/monitor").json()["flows"]
    ]


def test_workbook_has_the_monitor_flow_and_quality_sheets(make_client, exported, tmp_path):
    c = login(make_client(), "m@export.local")
    response = c.get("/monitor/exports/monitor.xlsx?van=T0&naar=T1")
    assert response.status_code == 200
    path = tmp_path / "m.xlsx"
    path.write_bytes(response.content)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Monitor", "Respons", "Betrouwbaarheid", "Kolommen", "Toelichting"]
    header = next(book["Monitor"].iter_rows(values_only=True))
    assert header[:2] == ("groepscode", "groep") and header[-1] == "reden afscherming"
    rows = list(book["Monitor"].iter_rows(values_only=True))[1:]
    api = c.get("/api/v1/monitor").json()["rows"]
    assert len(rows) == len(api)
    assert any(row[header.index("n van")] is None for row in rows)  # withheld: an empty cell
    # figures rounded as the page shows them, kept numeric, with the page's decimals as number format
    for got, want in zip(rows, api, strict=True):
        for dutch, name, digits in (("gemiddelde van", "mean_from", 2), ("verandering", "mean_change", 2)):
            expected = want[name]
            assert got[header.index(dutch)] == (None if expected is None else round(expected, digits))
    full = load_workbook(path)
    sheet = full["Monitor"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    mean = header.index("gemiddelde van") + 1
    assert {sheet.cell(row=r, column=mean).number_format for r in range(2, sheet.max_row + 1)} == {"0.00"}
    assert sheet.column_dimensions["F"].width >= len("schaal")
    explained = {(row[1], row[2]) for row in full["Kolommen"].iter_rows(min_row=2, values_only=True)}
    assert ("gemiddelde van", "mean_from") in explained and ("alfa", "alpha") in explained


def test_each_download_is_audit_logged_once_with_format_and_row_count(make_client, exported, db):
    org = exported[0]
    manager = login(make_client(), "m@export.local")
    admin = login(make_client(), "admin@demo.local")
    start = len(_audit(db))
    assert manager.get("/monitor/exports/monitor.csv").status_code == 200
    long = admin.get(f"/monitor/exports/research-long.csv?organisatie={org.id}")
    assert long.status_code == 200
    events = _audit(db)[start:]
    assert [(e.action, e.format) for e in events] == [("export.aggregate", "csv"), ("export.research_long", "csv")]
    assert events[0].row_count == len(manager.get("/api/v1/monitor").json()["rows"])
    assert events[1].row_count == len(_csv(long.text)) and events[1].organisation_id == org.id
    assert all(e.channel == "web" and e.user_id is not None for e in events)


def test_research_downloads_are_pseudonymised_and_hold_no_open_answers(make_client, exported):
    org = exported[0]
    admin = login(make_client(), "admin@demo.local")
    bodies = {path: admin.get(f"{path}?organisatie={org.id}") for path in RESEARCH}
    assert all(r.status_code == 200 for r in bodies.values()), {p: r.status_code for p, r in bodies.items()}
    text = "".join(r.text for p, r in bodies.items() if not p.endswith(".sav"))
    assert SECRET_TEXT not in text and "@" not in text and "Persoon" not in text
    wide = _csv(bodies["/monitor/exports/research-wide.csv"].text)
    assert len(wide) == sum(SIZES.values())
    again = _csv(admin.get(f"/monitor/exports/research-wide.csv?organisatie={org.id}").text)
    assert {r["pseudonym"] for r in wide}.isdisjoint({r["pseudonym"] for r in again})


def test_refused_downloads_log_nothing(make_client, login_as, exported, db):
    org = exported[0]
    start = len(_audit(db))
    for role in ("trainee", "trainer"):
        c = login_as(role)
        assert c.get("/monitor/exports").status_code == 403
        for path in AGGREGATE + RESEARCH:
            assert c.get(path).status_code == 403, (role, path)
    manager = login(make_client(), "m@export.local")
    for path in RESEARCH:  # person-level files are for beheer only
        assert manager.get(path).status_code == 403
    other = login(make_client(), "manager@demo.local")  # the demo organisation's manager
    for path in AGGREGATE:
        assert other.get(f"{path}?organisatie={org.id}").status_code == 404
    assert manager.get("/monitor/exports/monitor.csv?van=T1&naar=T0").status_code == 422
    assert _audit(db)[start:] == []


def test_exports_page_lists_the_downloads_with_the_privacy_note(make_client, exported):
    manager = login(make_client(), "m@export.local")
    page = manager.get("/monitor/exports")
    assert page.status_code == 200
    assert "/monitor/exports/monitor.xlsx" in page.text and "afgeschermd" in page.text
    assert "research-long.csv" not in page.text and "alleen voor beheer" in page.text
    admin = login(make_client(), "admin@demo.local")
    assert "research-long.csv" in admin.get(f"/monitor/exports?organisatie={exported[0].id}").text
    assert 'href="/monitor/exports"' in manager.get("/monitor").text  # the overview links here


@pytest.fixture
def cli_env(monkeypatch, db_url_engine):
    monkeypatch.setenv("RACT_DATABASE_URL", db_url_engine[0])
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "excel", "--out", "x.csv"], "Unknown format 'excel'"),
        (["--format", "codebook", "--out", "x.txt"], "end in .csv or .json"),
        (["--format", "long", "--out", "/no/such/dir/x.csv"], "existing directory"),
        (["--format", "long", "--out", "OUT", "--organisation", "Nergens"], "Unknown organisation 'Nergens'"),
        (["--format", "long", "--out", "OUT"], "Choose an organisation with --organisation"),
    ],
)
def test_cli_refuses_bad_arguments_with_exit_2(cli_env, exported, tmp_path, args, message):
    args = [str(tmp_path / "x.csv") if a == "OUT" else a for a in args]
    result = runner.invoke(cli, ["export", "research", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_writes_a_research_file_and_logs_it(cli_env, exported, db, tmp_path):
    start = len(_audit(db))
    out = tmp_path / "long.csv"
    result = runner.invoke(
        cli, ["export", "research", "--format", "long", "--out", str(out), "--organisation", "Exportgemeente"]
    )
    assert result.exit_code == 0, result.output
    rows = _csv(out.read_text(encoding="utf-8"))
    assert f"Wrote {len(rows)} rows" in result.output
    events = _audit(db)[start:]
    assert [(e.action, e.channel, e.row_count, e.user_id) for e in events] == [
        ("export.research_long", "cli", len(rows), None)
    ]


def test_recent_downloads_show_their_time_in_rotterdam_time(make_client, exported, db):
    from datetime import datetime

    manager = login(make_client(), "m@export.local")
    assert manager.get("/monitor/exports/monitor.csv").status_code == 200
    event = _audit(db)[-1]
    event.created_at = datetime(2025, 1, 1, 23, 15)  # stored UTC: already 2 January, 00:15 in Rotterdam (CET)
    db.add(event)
    db.commit()
    page = manager.get("/monitor/exports").text
    assert "02-01-2025 00:15" in page and "01-01-2025 23:15" not in page


def test_streamed_downloads_give_back_every_database_connection(make_client, app, exported):
    """Downloads stream after the request's session is committed and closed; whatever reads rows while streaming
    must use (and close) a session of its own, or its open transaction holds locks until garbage collection."""
    org = exported[0]
    admin = login(make_client(), "admin@demo.local")
    gc_was = __import__("gc").isenabled()
    __import__("gc").disable()  # a leaked session must not be rescued by a collection during the test
    try:
        for url in [*AGGREGATE, *RESEARCH]:
            response = admin.get(f"{url}?organisatie={org.id}")
            assert response.status_code == 200 and response.content, url
            assert app.state.engine.pool.checkedout() == 0, url
    finally:
        if gc_was:
            __import__("gc").enable()


def _dutch_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Dutch Excel needs the UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _nl(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def test_excel_csvs_use_the_dutch_convention_and_show_the_figures_as_the_page_does(make_client, exported):
    c = login(make_client(), "m@export.local")
    monitor = c.get("/api/v1/monitor").json()
    response = c.get("/monitor/exports/excel/monitor.csv")
    assert response.status_code == 200 and "excel.csv" in response.headers["content-disposition"]
    rows = _dutch_csv(response.content)
    assert list(rows[0])[:3] == ["groepscode", "groep", "niveau"] and "reden afscherming" in rows[0]
    assert len(rows) == len(monitor["rows"])
    for got, want in zip(rows, monitor["rows"], strict=True):
        assert got["groepscode"] == want["group_key"]
        assert got["gemiddelde van"] == _nl(want["mean_from"]) and got["sd van"] == _nl(want["sd_from"])
        assert got["verandering"] == _nl(want["mean_change"]) and got["95%-BI onder"] == _nl(want["ci_low"])
        assert got["n van"] == ("" if want["n_from"] is None else str(want["n_from"]))
        p = want["p_t"]
        assert got["p (t-toets)"] == ("" if p is None else "< 0,001" if p < 0.001 else _nl(p, 3))
    shown = [r["gemiddelde van"] for r in rows if r["gemiddelde van"]]
    assert shown and all("," in v and "." not in v and len(v.split(",")[1]) == 2 for v in shown)
    assert {r["niveau"] for r in rows} <= {"totaal", "organisatie", "gebied", "wijk", "groep"}
    flows = _dutch_csv(c.get("/monitor/exports/excel/flow.csv").content)
    assert [f["uitgenodigd"] for f in flows] == [
        "" if f["invited"] is None else str(f["invited"]) for f in monitor["flows"]
    ]
    quality = _dutch_csv(c.get("/monitor/exports/excel/quality.csv").content)
    assert quality and all(q["alfa onder 0,70"] in ("ja", "nee") for q in quality)
    # the machine CSV is unchanged: comma, no BOM, decimal point, English headers
    machine = c.get("/monitor/exports/monitor.csv").content
    assert machine.startswith(b"group_key,group,level") and b";" not in machine.splitlines()[0]
    assert c.get("/monitor/exports/excel/other.csv").status_code in (404, 422)
