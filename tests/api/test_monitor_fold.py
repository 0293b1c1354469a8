"""A large organisation's overview folds its wijk rows per gebied; a fragment route gives them back, same figures."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from api import monitor_views
from tests.conftest import login
from tests.monitor.builders import build_monitored
from training.models import Gebied

HX = {"HX-Request": "true"}


@pytest.fixture
def monitored(demo):
    return build_monitored(demo)


def _rows(html: str, name: str) -> list[str]:
    """Every table row whose row header is ``name`` (scale tables, response, then-test), in page order."""
    return [
        row
        for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
        if re.search(rf'<th scope="row">(<a [^>]*>)?{re.escape(name)}(</a>)?(\n|</th>)', row)
    ]


@pytest.mark.parametrize("query", ["", "?van=T0&naar=T2"])
def test_above_the_threshold_wijk_rows_load_per_gebied_with_the_same_figures(
    make_client, monitored, db, monkeypatch, query
):
    org, wijken, _ = monitored
    noord = db.exec(select(Gebied).where(Gebied.organisation_id == org.id, Gebied.name == "Noord")).one()
    c = login(make_client(), "m@monitor.local")
    monkeypatch.setattr(monitor_views, "FOLD_ABOVE", 1000)
    unfolded = c.get(f"/monitor{query}").text
    assert "/monitor/gebied/" not in unfolded
    monkeypatch.setattr(monitor_views, "FOLD_ABOVE", 3)  # the organisation has 4 wijken
    folded = c.get(f"/monitor{query}")
    assert folded.status_code == 200
    url = f"/monitor/gebied/{noord.id}/wijken{query}"
    escaped = url.replace("&", "&amp;")
    assert f'hx-get="{escaped}"' in folded.text and f'href="{escaped}"' in folded.text  # htmx, and a plain link
    for name in ("Noord A", "Noord B"):  # under gebied Noord: folded away
        assert _rows(unfolded, name) and not _rows(folded.text, name)
        assert f"/monitor/wijk/{wijken[name].id}" not in folded.text
    for name in ("Noord", "Monitorgemeente", "Zuid A"):  # the gebied, the organisation, a wijk without a gebied
        assert _rows(folded.text, name) == _rows(unfolded, name)
    fragment = c.get(url, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.count('<figure class="chart" role="img"') == unfolded.count('<figure class="chart" role="img"')
    for name in ("Noord A", "Noord B", "Noord"):  # identical rows: same report, same filters
        assert _rows(fragment.text, name) == _rows(unfolded, name)
    assert not _rows(fragment.text, "Zuid A")
    page = c.get(url)  # without JavaScript: the same tables on a page of their own
    assert page.status_code == 200 and "<h1>Monitor: wijken van Noord</h1>" in page.text
    assert _rows(page.text, "Noord A") == _rows(unfolded, "Noord A")


def test_below_the_threshold_the_overview_is_unchanged(make_client, monitored):
    c = login(make_client(), "m@monitor.local")
    page = c.get("/monitor").text  # 4 wijken, far below FOLD_ABOVE
    assert "/monitor/gebied/" not in page and _rows(page, "Noord A")


def test_another_organisations_gebied_is_refused(make_client, login_as, monitored, db):
    org, _, _ = monitored
    noord = db.exec(select(Gebied).where(Gebied.organisation_id == org.id, Gebied.name == "Noord")).one()
    url = f"/monitor/gebied/{noord.id}/wijken"
    other = login(make_client(), "manager@demo.local")  # the demo organisation's manager
    assert other.get(url, headers=HX).status_code == 404
    assert other.get(url).status_code == 404
    assert login_as("trainee").get(url).status_code == 403
    own = login(make_client(), "m@monitor.local")
    assert own.get("/monitor/gebied/999999/wijken", headers=HX).status_code == 404
    assert own.get(url, headers=HX).status_code == 200
