"""The monitor over HTTP: pages and JSON API per role, withheld values as null, never a person's answers."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.conftest import login
from tests.monitor.builders import build_monitored
from training.models import Cohort

REQUIRED = {
    "group",
    "scale",
    "moment_from",
    "moment_to",
    "n_from",
    "n_to",
    "n_paired",
    "mean_from",
    "sd_from",
    "mean_to",
    "sd_to",
    "mean_change",
    "ci_low",
    "ci_high",
    "d_z",
    "g_av",
    "p_t",
    "p_wilcoxon",
    "pct_improved",
    "pct_unchanged",
    "pct_deteriorated",
    "suppressed",
}


@pytest.fixture
def monitored(demo):
    return build_monitored(demo)


def test_manager_gets_the_api_with_all_fields_and_nulls_for_small_cells(make_client, monitored):
    _org, _wijken, _ = monitored
    c = login(make_client(), "m@monitor.local")
    body = c.get("/api/v1/monitor").json()
    assert body["min_n"] == 5 and body["min_paired"] == 10
    assert {r["scale"] for r in body["rows"]} == {"KEN", "VAA", "ATT", "ZEL", "FAC"}
    for row in body["rows"]:
        assert set(row) >= REQUIRED
        for name in row["suppressed"]:
            assert row[name] is None
    small = next(r for r in body["rows"] if r["group"] == "Zuid B" and r["scale"] == "KEN")
    assert small["n_from"] is None and "mean_from" in small["suppressed"]
    # Zuid A sits beside Zuid B directly under the organisation: it is hidden too (complementary).
    partner = next(r for r in body["rows"] if r["group"] == "Zuid A" and r["scale"] == "KEN")
    assert partner["n_from"] is None
    top = next(r for r in body["rows"] if r["level"] == "organisation" and r["scale"] == "KEN")
    assert 30 <= top["n_paired"] <= 39 and top["p_t"] is not None and top["mean_change"] is not None
    flow = next(f for f in body["flows"] if f["level"] == "organisation")
    assert flow["invited"] == 39 and flow["paired"] == 39 and flow["rate_from"] == 100
    assert body["quality"] and all(q["n"] >= 5 for q in body["quality"] if q["alpha"] is not None)


def test_manager_pages_show_charts_tables_and_withheld_cells(make_client, monitored):
    _org, wijken, _ = monitored
    c = login(make_client(), "m@monitor.local")
    page = c.get("/monitor")
    assert page.status_code == 200
    # KEN, ATT and ZEL: VAA is compared T0 → T2 only and FAC (context) never
    assert page.text.count('<figure class="chart" role="img"') == 3 and "<svg" in page.text
    assert "te weinig deelnemers" in page.text and "aanvullend afgeschermd" in page.text
    # The RCI reference of the version is named with its figures and the day it was frozen (39 T0 ≥ 30).
    assert "Kennis: α = " in page.text and "30 voormetingen" in page.text and "vastgelegd op" in page.text
    assert c.get("/monitor?van=T1&naar=T0").status_code == 422
    wijk = c.get(f"/monitor/wijk/{wijken['Noord A'].id}")
    assert wijk.status_code == 200 and "Schaalscores per meetmoment" in wijk.text
    assert "KEN1" in wijk.text  # item-level heatmap table (12 pairs ≥ 10)
    small = c.get(f"/monitor/wijk/{wijken['Zuid B'].id}")
    assert small.status_code == 200 and "Te weinig deelnemers" in small.text and "KEN1" not in small.text


def test_trainee_sees_no_monitor(login_as):
    c = login_as("trainee")
    assert c.get("/monitor").status_code == 403
    assert c.get("/api/v1/monitor").status_code == 403


def test_trainer_sees_only_own_cohort_monitor(make_client, monitored, db):
    _, _, cohort = monitored
    c = login(make_client(), "t@monitor.local")
    assert c.get("/monitor").status_code == 403
    assert c.get(f"/groepen/{cohort.id}/monitor").status_code == 200
    body = c.get(f"/api/v1/monitor/cohorts/{cohort.id}").json()
    assert body["rows"][0]["level"] == "cohort"
    other = db.exec(select(Cohort).where(Cohort.id != cohort.id)).first()
    assert c.get(f"/groepen/{other.id}/monitor").status_code == 404
    assert c.get(f"/api/v1/monitor/cohorts/{other.id}").status_code == 404


def test_manager_sees_only_own_organisation(make_client, monitored, db):
    org, _, cohort = monitored
    c = login(make_client(), "manager@demo.local")  # the demo organisation's manager
    assert c.get(f"/api/v1/monitor?organisation_id={org.id}").status_code == 404
    assert c.get(f"/api/v1/monitor/cohorts/{cohort.id}").status_code == 404
    names = {r["group"] for r in c.get("/api/v1/monitor").json()["rows"]}
    assert "Noord A" not in names


def test_monitor_never_shows_individual_answers_or_names(make_client, monitored):
    c = login(make_client(), "m@monitor.local")
    text = c.get("/monitor").text + c.get("/api/v1/monitor").text
    assert "Persoon " not in text and "@test.local" not in text


def test_headline_page_says_in_plain_dutch_whether_skill_grows_per_wijk(make_client, monitored):
    _org, wijken, _ = monitored
    c = login(make_client(), "m@monitor.local")
    page = c.get("/monitor/kort")
    assert page.status_code == 200
    text = page.text
    assert "Groeit de vaardigheid in netwerkactivering?" in text
    assert "Kennis steeg gemiddeld" in text and "op een schaal van 1 tot 5" in text
    assert "ging betrouwbaar vooruit" in text
    assert "Facilitering door de organisatie beschrijft je werkomgeving" in text  # context: described only
    assert "Toepassing in de praktijk vergelijken we alleen tussen T0 en T2" in text
    assert f'href="/monitor/wijk/{wijken["Noord A"].id}"' in text
    assert "te weinig deelnemers (minder dan 10 met voor- en nameting)" in text  # Zuid B, in words
    assert "Details voor onderzoekers" in text and 'href="/monitor"' in text
    assert "dz" not in text and "Wilcoxon" not in text  # the statistics are behind the details link
    assert " u " not in text and " uw " not in text


def test_trend_page_shows_every_cohort_by_start_date(make_client, monitored):
    c = login(make_client(), "m@monitor.local")
    page = c.get("/monitor/trend")
    assert page.status_code == 200
    assert "Per groep door de tijd" in page.text and "Monitorgemeente groep (start 01-2026)" in page.text
    assert page.text.count('<figure class="chart" role="img"') == 3  # KEN, ATT, ZEL


def test_trainee_sees_no_headline_or_trend(make_client, monitored):
    c = login(make_client(), "trainee@demo.local")
    assert c.get("/monitor/kort").status_code == 403 and c.get("/monitor/trend").status_code == 403


def _trend_cells(html: str, scale_title: str, label: str) -> str:
    """The cells after a cohort's row header in one scale's table of the trend page."""
    section = html[html.index(f"<caption>{scale_title}: verandering per groep") :]
    section = section[: section.index("</table>")]
    row = section[section.index(f'<th scope="row">{label}</th>') :]
    return row[: row.index("</tr>")]


def _check_gebied_trend(make_client, db, email: str) -> tuple[int, int, int]:
    """Every gebied × cohort × outcome scale of the manager's trend page against the gebied row of the cohort-filtered
    overview (the JSON API): (shown, withheld, no one of the cohort in the gebied)."""
    from api.monitor_views import nl
    from training.models import Gebied, User

    manager = db.exec(select(User).where(User.email == email)).one()
    gebieden = db.exec(select(Gebied).where(Gebied.organisation_id == manager.organisation_id)).all()
    cohorts = db.exec(select(Cohort).where(Cohort.organisation_id == manager.organisation_id)).all()
    assert gebieden and cohorts
    c = login(make_client(), email)
    overviews = {k.id: c.get(f"/api/v1/monitor?cohort_id={k.id}").json()["rows"] for k in cohorts}
    titles = {"KEN": "Kennis", "ATT": "Attitude", "ZEL": "Zelfvertrouwen"}
    shown = withheld = absent = 0
    for gebied in gebieden:
        page = c.get(f"/monitor/trend?gebied={gebied.id}")
        assert page.status_code == 200
        assert f"Per groep door de tijd: gebied {gebied.name}" in page.text
        for cohort in cohorts:
            label = f"{cohort.name} (start {cohort.start_date.strftime('%m-%Y')})"
            for scale, title in titles.items():
                cells = _trend_cells(page.text, title, label)
                want = next(
                    (
                        r
                        for r in overviews[cohort.id]
                        if r["group_key"] == f"gebied:{gebied.id}" and r["scale"] == scale
                    ),
                    None,
                )
                if want is None:  # nobody of this cohort in the gebied: not in the overview either
                    assert "geen deelnemers uit dit gebied in deze groep" in cells
                    absent += 1
                elif want["mean_change"] is None:
                    assert 'class="withheld"' in cells and "mean_change" in want["suppressed"]
                    assert "nog geen nameting" in cells or "afgeschermd" in cells
                    withheld += 1
                else:
                    assert f'<td class="num">{want["n_paired"]}</td>' in cells
                    assert f"{nl(want['mean_change'])} ({nl(want['ci_low'])} tot {nl(want['ci_high'])})" in cells
                    shown += 1
    return shown, withheld, absent


def test_gebied_trend_shows_each_demo_cohorts_gebied_row_of_the_filtered_overview(make_client, demo):
    # The demo's three cohorts are each too small per gebied: every cell withheld (or nobody there), in words.
    shown, withheld, absent = _check_gebied_trend(make_client, demo, "manager@demo.local")
    assert shown == 0 and withheld >= 9 and absent > 0


def test_gebied_trend_shows_figures_where_the_filtered_overview_shows_them(make_client, monitored, demo):
    shown, _, _ = _check_gebied_trend(make_client, demo, "m@monitor.local")
    assert shown == 3  # Noord (24 people) for KEN, ATT, ZEL


def test_gebied_trend_of_another_organisation_or_unknown_is_not_found(make_client, monitored, demo):
    from training.models import Gebied

    org, _, _ = monitored
    foreign = demo.exec(select(Gebied).where(Gebied.organisation_id != org.id)).first()
    assert foreign is not None
    c = login(make_client(), "m@monitor.local")
    for gid in (foreign.id, 999_999):
        page = c.get(f"/monitor/trend?gebied={gid}")
        assert page.status_code == 404 and "Dit gebied bestaat niet of je hebt er geen toegang toe." in page.text
    own = demo.exec(select(Gebied).where(Gebied.organisation_id == org.id)).one()
    page = c.get(f"/monitor/trend?gebied={own.id}")
    assert page.status_code == 200 and f'<option value="{own.id}" selected>Noord</option>' in page.text
