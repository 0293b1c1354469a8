"""The cohort form's module set over HTTP: checkboxes in module order with optional due dates, Dutch messages for bad
input, and the set used by the trainee's learning path, the cohort page and its downloads."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select

from tests.api.test_trainer_workspace import TODAY, cohort_form, cohort_named, user_named
from training.models import Cohort, CohortModule


def modules_of(client):
    return client.app.state.modules


def post_new(client, db, **changes):
    org = user_named(db, "trainer@demo.local").organisation_id
    return client.post(
        "/groepen/nieuw",
        data={"organisation_id": str(org), "module_set": "1", **cohort_form(**changes)},
        follow_redirects=False,
    )


def edit_form(db, cohort: Cohort, **changes) -> dict:
    """The edit form as the page fills it in (name, dates and the cohort's windows), with ``changes``."""
    from monitor.models import MeasurementWindow

    form = {
        "name": cohort.name,
        "start_date": cohort.start_date.isoformat(),
        "end_date": cohort.end_date.isoformat(),
        "reminder_days": "7,2",
        "module_set": "1",
    }
    for w in db.exec(select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort.id)):
        form |= {
            f"{w.moment}_opens_on": w.opens_on.isoformat(),
            f"{w.moment}_closes_on": w.closes_on.isoformat(),
            f"{w.moment}_open_rule": w.open_rule,
        }
    return form | changes


def rows_of(db, cohort: Cohort) -> dict[str, date | None]:
    db.expire_all()
    return {r.module_id: r.due_on for r in db.exec(select(CohortModule).where(CohortModule.cohort_id == cohort.id))}


def test_the_form_offers_every_module_in_order_checked_for_a_new_cohort(login_as):
    trainer = login_as("trainer")
    page = trainer.get("/groepen/nieuw").text
    modules = modules_of(trainer)
    labels = re.findall(r'<label for="module-([^"]+)">Module (\d+): ([^<]+)</label>', page)
    assert [(i, int(o)) for i, o, _ in labels] == [(m.id, m.order) for m in modules]
    assert all(f'id="module-{m.id}" name="module_ids" value="{m.id}" checked' in page for m in modules)
    assert all(f'<input type="date" id="due_{m.id}" name="due_{m.id}"' in page for m in modules)


def test_trainer_creates_a_cohort_with_chosen_modules_and_due_dates(login_as, db):
    trainer = login_as("trainer")
    m = modules_of(trainer)
    due = TODAY + timedelta(days=30)
    response = post_new(
        trainer,
        db,
        module_ids=[m[2].id, m[0].id],
        **{f"due_{m[2].id}": due.isoformat(), f"due_{m[5].id}": "2099-01-01"},
    )
    assert response.status_code == 303, response.text[:2000]
    cohort = cohort_named(db, "Regie-ondersteuners winter")
    assert rows_of(db, cohort) == {m[0].id: None, m[2].id: due}  # the unchosen module's date is ignored
    edit = trainer.get(f"/groepen/{cohort.id}/bewerken").text
    assert f'value="{m[0].id}" checked' in edit and f'value="{m[1].id}" checked' not in edit
    assert f'name="due_{m[2].id}" value="{due.isoformat()}"' in edit
    page = trainer.get(f"/groepen/{cohort.id}").text
    assert f"Module {m[2].order}: {m[2].title} · uiterlijk afgerond op {due.strftime('%d-%m-%Y')}" in page
    assert m[1].title not in page


def test_the_module_set_is_validated_with_dutch_messages(login_as, db):
    trainer = login_as("trainer")
    m = modules_of(trainer)
    none = post_new(trainer, db)
    assert none.status_code == 422 and "Kies ten minste één module voor deze groep." in none.text
    unknown = post_new(trainer, db, module_ids=[m[0].id, "verzonnen-module"])
    assert unknown.status_code == 422 and "Onbekende module: verzonnen-module" in unknown.text
    late = post_new(trainer, db, module_ids=[m[1].id], **{f"due_{m[1].id}": (TODAY + timedelta(days=91)).isoformat()})
    assert late.status_code == 422 and "ligt buiten de looptijd van de groep" in late.text
    assert (
        f'id="due_{m[1].id}" name="due_{m[1].id}" value="{(TODAY + timedelta(days=91)).isoformat()}" '
        f'aria-invalid="true"' in late.text
    )
    assert f'value="{m[1].id}" checked' in late.text and f'value="{m[0].id}" checked' not in late.text  # kept
    bad_date = post_new(trainer, db, module_ids=[m[1].id], **{f"due_{m[1].id}": "31-02-2026"})
    assert bad_date.status_code == 422 and "Vul een geldige datum in" in bad_date.text
    assert db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners winter")).first() is None
    assert db.exec(select(CohortModule)).all() == []


def test_editing_an_existing_cohort_without_a_set_shows_all_modules_and_saves_the_choice(login_as, db):
    trainer = login_as("trainer")
    m = modules_of(trainer)
    cohort = cohort_named(db, "Regie-ondersteuners voorjaar")
    edit = trainer.get(f"/groepen/{cohort.id}/bewerken").text
    assert all(f'value="{x.id}" checked' in edit for x in m)
    form = edit_form(db, cohort, module_ids=[m[0].id, m[1].id], **{f"due_{m[1].id}": cohort.end_date.isoformat()})
    saved = trainer.post(f"/groepen/{cohort.id}/bewerken", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:2000]
    assert rows_of(db, cohort) == {m[0].id: None, m[1].id: cohort.end_date}
    # the trainee sees only these two modules, with the due date; another module does not open
    trainee = login_as("trainee")
    path = trainee.get("/leerpad").text
    assert m[0].title in path and m[1].title in path and m[2].title not in path
    assert f"uiterlijk afronden op <strong>{cohort.end_date.strftime('%d-%m-%Y')}</strong>" in path
    assert "2 modules over de resourcegroepenmethodiek" in path
    assert trainee.get(f"/modules/{m[2].id}").status_code == 404
    assert trainee.get(f"/modules/{m[0].id}").status_code == 200
    # the matrix and its downloads have the same two modules
    page = trainer.get(f"/groepen/{cohort.id}").text
    assert re.findall(r'<abbr title="[^"]+">M(\d+)</abbr>', page) == [str(m[0].order), str(m[1].order)]
    csv = trainer.get(f"/groepen/{cohort.id}/voortgang.csv").text
    header = csv.splitlines()[0]
    assert m[0].title in header and m[1].title in header and m[2].title not in header
    xlsx = trainer.get(f"/groepen/{cohort.id}/voortgang.xlsx")
    assert xlsx.status_code == 200


def test_unticking_every_module_on_edit_is_refused_and_keeps_the_set(login_as, db):
    trainer = login_as("trainer")
    cohort = cohort_named(db, "Regie-ondersteuners voorjaar")
    refused = trainer.post(f"/groepen/{cohort.id}/bewerken", data=edit_form(db, cohort))
    assert refused.status_code == 422 and "Kies ten minste één module" in refused.text
    assert rows_of(db, cohort) == {}


def test_paper_entry_for_an_archived_cohort_is_a_clear_409(login_as, db):
    trainer = login_as("trainer")
    cohort = cohort_named(db, "Regie-ondersteuners voorjaar")
    trainer.post(f"/groepen/{cohort.id}/archiveren")
    page = trainer.get(f"/groepen/{cohort.id}/papier")
    assert page.status_code == 409 and "gearchiveerd" in page.text
