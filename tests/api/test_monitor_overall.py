"""The monitor over every organisation (beheer only): all organisations → organisation → gebied → wijk, the same
small-cell rule over that tree, figures pooled over everyone, and no access for anyone else."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from sqlmodel import select

from monitor.report.dataset import Scope, load_dataset
from tests.conftest import login
from tests.monitor.builders import build_monitored, instrument
from training.models import Organisation


@pytest.fixture
def monitored(demo):
    return build_monitored(demo)  # next to the demo organisation: "Monitorgemeente" with 39 people


def _pairs(db, scale: str) -> tuple[np.ndarray, np.ndarray]:
    """Every organisation's complete T0/T1 pairs on a scale, read per organisation (independently of the tree)."""
    before, after = [], []
    inst = instrument()
    for org in db.exec(select(Organisation)):
        for p in load_dataset(db, scope=Scope(organisation_id=org.id), instrument=inst).people:
            t0, t1 = p.scores.get("T0", {}).get(scale), p.scores.get("T1", {}).get(scale)
            if t0 is not None and t1 is not None:
                before.append(t0)
                after.append(t1)
    return np.array(before), np.array(after)


def test_admin_sees_every_organisation_under_one_total(make_client, monitored, demo):
    body = login(make_client(), "admin@demo.local").get("/api/v1/monitor/overall").json()
    rows = [r for r in body["rows"] if r["scale"] == "KEN"]
    top = next(r for r in rows if r["level"] == "overall")
    assert top["group"] == "Alle organisaties" and top["group_key"] == "overall"
    organisations = {r["group"] for r in rows if r["level"] == "organisation"}
    assert organisations == {o.name for o in demo.exec(select(Organisation))} and len(organisations) == 2
    assert {r["level"] for r in rows} >= {"overall", "organisation", "wijk"}
    for row in body["rows"]:  # withheld means null, for every group
        for name in row["suppressed"]:
            assert row[name] is None

    before, after = _pairs(demo, "KEN")
    assert top["n_paired"] == len(before) >= 40
    assert top["mean_change"] == pytest.approx(float(np.mean(after - before)))
    assert top["p_t"] == pytest.approx(sps.ttest_rel(after, before).pvalue)
    assert top["p_wilcoxon"] == pytest.approx(sps.wilcoxon(after - before).pvalue)
    shown = [r for r in rows if r["level"] == "organisation" and r["n_paired"] is not None]
    assert all(r["p_t"] is not None for r in shown)  # tests at organisation level too, where shown
    assert all(r["p_t"] is None for r in rows if r["level"] in ("gebied", "wijk"))
    flow = next(f for f in body["flows"] if f["level"] == "overall")
    per_org = [f for f in body["flows"] if f["level"] == "organisation"]
    assert flow["invited"] == sum(f["invited"] for f in per_org)


def test_a_small_organisation_is_withheld_and_cannot_be_derived_from_the_total(make_client, monitored, demo):
    """A third organisation of 3 people is withheld; since the total is shown, another organisation is withheld
    too (complementary), so the small one is not the total minus the shown ones."""
    import random

    from tests.monitor.builders import make_org, make_person, random_answers, submit

    rng, inst = random.Random(9), instrument()
    org, wijken, cohort = make_org(demo, name="Kleingemeente", wijken={"Dorp": None})
    for i in range(3):
        e = make_person(demo, org=org, wijk=wijken["Dorp"], cohort=cohort, tag=f"klein{i}")
        submit(demo, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst)
        submit(demo, enrolment=e, moment="T1", answers=random_answers(rng, inst, "T1"), inst=inst)
    demo.commit()
    body = login(make_client(), "admin@demo.local").get("/api/v1/monitor/overall").json()
    rows = [r for r in body["rows"] if r["scale"] == "KEN"]
    top = next(r for r in rows if r["level"] == "overall")
    organisations = [r for r in rows if r["level"] == "organisation"]
    small = next(r for r in organisations if r["group"] == "Kleingemeente")
    for measure in ("n_from", "n_to", "n_paired"):
        assert small[measure] is None and measure in small["suppressed"]
        assert top[measure] is not None
        assert sum(r[measure] is None for r in organisations) >= 2  # the small one and a complement


@pytest.mark.parametrize("role", ["manager", "trainer", "trainee"])
def test_nobody_but_beheer_sees_the_monitor_over_all_organisations(login_as, role):
    client = login_as(role)
    assert client.get("/api/v1/monitor/overall").status_code == 403
    assert client.get("/monitor/alle-organisaties").status_code == 403


def test_admin_page_links_every_wijk_and_each_wijk_page_opens(make_client, monitored):
    _org, wijken, _ = monitored
    admin = login(make_client(), "admin@demo.local")
    page = admin.get("/monitor/alle-organisaties?van=T0&naar=T1")
    assert (
        page.status_code == 200
        and "alle organisaties" in page.text
        and 'action="/monitor/alle-organisaties"' in page.text
    )
    assert f'href="/monitor/wijk/{wijken["Noord A"].id}"' in page.text
    assert 'name="groep"' not in page.text  # no cohort filter over all organisations
    # Screen readers hear each row's level in Dutch.
    assert '<span class="visually-hidden">(totaal)</span>' in page.text
    assert '<span class="visually-hidden">(organisatie)</span>' in page.text and "(organisation)" not in page.text
    assert 'href="/monitor/alle-organisaties"' in admin.get("/monitor").text
    # An admin opens a wijk of any organisation (not only the first); a manager only their own organisation's.
    assert admin.get(f"/monitor/wijk/{wijken['Noord A'].id}").status_code == 200
    assert login(make_client(), "manager@demo.local").get(f"/monitor/wijk/{wijken['Noord A'].id}").status_code == 404
    assert 'href="/monitor/alle-organisaties"' not in login(make_client(), "m@monitor.local").get("/monitor").text
