"""A cohort's module set: the choice is checked, a cohort without one has every module, and the learning path, the
matrix and its downloads show only the cohort's modules (a trainee in two cohorts: the union)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from training import cohort_admin, cohorts, progress
from training.cohort_modules import (
    ModuleChoice,
    check_choice,
    planned_modules,
    set_cohort_modules,
    trainee_plan,
)
from training.content import load_modules
from training.errors import InvalidInput, NotFound
from training.models import Cohort, CohortModule, Enrolment, User

REPO_CONTENT = Path(__file__).resolve().parents[2] / "content"
START, END = date(2026, 3, 1), date(2026, 6, 30)


@pytest.fixture(scope="module")
def modules():
    return load_modules(REPO_CONTENT / "modules")


def cohort_named(db, name: str) -> Cohort:
    return db.exec(select(Cohort).where(Cohort.name == name)).one()


def by_email(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def ids(items) -> list[str]:
    return [getattr(m, "id", None) or m.module.id for m in items]


# --- checking the choice (pure) --------------------------------------------------------------------------------------


def test_at_least_one_module_must_be_chosen(modules):
    with pytest.raises(InvalidInput, match="ten minste één module") as exc:
        check_choice(ModuleChoice([], {}), modules=modules, start_date=START, end_date=END)
    assert exc.value.field == "module_ids"


def test_unknown_module_ids_are_refused(modules):
    with pytest.raises(InvalidInput, match="Onbekende module: bestaat-niet") as exc:
        check_choice(ModuleChoice([modules[0].id, "bestaat-niet"], {}), modules=modules, start_date=START, end_date=END)
    assert exc.value.field == "module_ids"


@pytest.mark.parametrize("due", [START - timedelta(days=1), END + timedelta(days=1)])
def test_a_due_date_outside_the_cohort_dates_is_refused_with_module_and_dates(modules, due):
    module = modules[2]
    with pytest.raises(InvalidInput) as exc:
        check_choice(ModuleChoice([module.id], {module.id: due}), modules=modules, start_date=START, end_date=END)
    assert exc.value.field == f"due_{module.id}"
    assert f"Module {module.order}" in exc.value.message and module.title in exc.value.message
    assert due.strftime("%d-%m-%Y") in exc.value.message and "01-03-2026 – 30-06-2026" in exc.value.message


def test_the_choice_comes_back_in_content_order_and_ignores_due_dates_of_unchosen_modules(modules):
    chosen = check_choice(
        ModuleChoice(
            [modules[3].id, modules[0].id],
            {modules[0].id: START, modules[3].id: None, modules[5].id: END + timedelta(days=99)},
        ),
        modules=modules,
        start_date=START,
        end_date=END,
    )
    assert list(chosen.items()) == [(modules[0].id, START), (modules[3].id, None)]


# --- stored sets -----------------------------------------------------------------------------------------------------


def test_a_cohort_without_a_module_set_has_every_module_without_due_dates(demo, modules):
    cohort = cohort_named(demo, "Regie-ondersteuners voorjaar")
    planned = planned_modules(demo, cohort_id=cohort.id, modules=modules)
    assert ids(planned) == ids(modules) and all(p.due_on is None for p in planned)


def test_a_module_set_keeps_content_order_and_due_dates_and_is_replaced_on_save(demo, modules):
    cohort = cohort_named(demo, "Regie-ondersteuners voorjaar")
    set_cohort_modules(demo, cohort_id=cohort.id, chosen={modules[4].id: None, modules[1].id: START})
    planned = planned_modules(demo, cohort_id=cohort.id, modules=modules)
    assert ids(planned) == [modules[1].id, modules[4].id] and [p.due_on for p in planned] == [START, None]
    set_cohort_modules(demo, cohort_id=cohort.id, chosen={modules[0].id: None})
    assert ids(planned_modules(demo, cohort_id=cohort.id, modules=modules)) == [modules[0].id]
    assert len(demo.exec(select(CohortModule)).all()) == 1


def test_trainer_creates_and_edits_a_cohort_with_a_module_set(demo, modules):
    trainer = by_email(demo, "trainer@demo.local")
    form = cohort_admin.CohortForm(
        name="Met modules",
        organisation_id=trainer.organisation_id,
        start_date=START,
        end_date=END,
        modules=ModuleChoice([modules[0].id, modules[1].id], {modules[1].id: date(2026, 4, 1)}),
    )
    cohort = cohort_admin.create_cohort(demo, user=trainer, form=form, modules=modules)
    planned = planned_modules(demo, cohort_id=cohort.id, modules=modules)
    assert [(p.module.id, p.due_on) for p in planned] == [(modules[0].id, None), (modules[1].id, date(2026, 4, 1))]
    # an edit that moves the end date before a due date is refused, and the set stays as it was
    form.end_date, form.modules = date(2026, 3, 31), ModuleChoice([modules[1].id], {modules[1].id: date(2026, 4, 1)})
    with pytest.raises(InvalidInput, match="buiten de looptijd"):
        cohort_admin.update_cohort(demo, user=trainer, cohort_id=cohort.id, form=form, modules=modules)
    # an edit without the module part of the form leaves the set alone
    form = cohort_admin.CohortForm(
        name="Met modules", organisation_id=None, start_date=START, end_date=END, trainer_ids=[trainer.id]
    )
    cohort_admin.update_cohort(demo, user=trainer, cohort_id=cohort.id, form=form, modules=modules)
    assert len(planned_modules(demo, cohort_id=cohort.id, modules=modules)) == 2


# --- the trainee's learning path -------------------------------------------------------------------------------------


def test_the_learning_path_shows_only_the_cohorts_modules_and_other_modules_do_not_open(demo, modules):
    user = by_email(demo, "trainee@demo.local")
    cohort = cohort_named(demo, "Regie-ondersteuners voorjaar")
    set_cohort_modules(demo, cohort_id=cohort.id, chosen={modules[0].id: date(2026, 4, 1), modules[2].id: None})
    path = progress.learning_path(demo, user=user, modules=modules)
    assert [s.module.id for s in path.standings] == [modules[0].id, modules[2].id]
    assert path.due_dates == {modules[0].id: date(2026, 4, 1)}
    with pytest.raises(NotFound, match="hoort niet bij het programma"):
        progress.open_module(demo, user=user, modules=modules, module_id=modules[1].id)
    with pytest.raises(NotFound):
        progress.mark_section_read(
            demo, user=user, modules=modules, module_id=modules[1].id, section_id=modules[1].sections[0].id
        )
    assert progress.open_module(demo, user=user, modules=modules, module_id=modules[2].id).module.id == modules[2].id


def test_a_trainee_in_two_cohorts_follows_the_union_with_the_earliest_due_date(demo, modules):
    user = by_email(demo, "trainee@demo.local")
    voorjaar, najaar = (
        cohort_named(demo, "Regie-ondersteuners voorjaar"),
        cohort_named(demo, "Regie-ondersteuners najaar"),
    )
    demo.add(Enrolment(cohort_id=najaar.id, user_id=user.id, wijk_id=user.wijk_id))
    set_cohort_modules(demo, cohort_id=voorjaar.id, chosen={modules[0].id: date(2026, 5, 1), modules[1].id: None})
    set_cohort_modules(demo, cohort_id=najaar.id, chosen={modules[0].id: date(2026, 4, 1), modules[6].id: None})
    plan = trainee_plan(demo, user=user, modules=modules)
    assert [(p.module.id, p.due_on) for p in plan] == [
        (modules[0].id, date(2026, 4, 1)),
        (modules[1].id, None),
        (modules[6].id, None),
    ]
    # a cohort without a set (all modules) in the mix: every module
    demo.exec(CohortModule.__table__.delete().where(CohortModule.cohort_id == najaar.id))
    assert ids(trainee_plan(demo, user=user, modules=modules)) == ids(modules)


def test_a_deactivated_enrolment_no_longer_adds_its_modules(demo, modules):
    user = by_email(demo, "trainee@demo.local")
    voorjaar, najaar = (
        cohort_named(demo, "Regie-ondersteuners voorjaar"),
        cohort_named(demo, "Regie-ondersteuners najaar"),
    )
    demo.add(Enrolment(cohort_id=najaar.id, user_id=user.id, wijk_id=user.wijk_id, deactivated_at=voorjaar.created_at))
    set_cohort_modules(demo, cohort_id=voorjaar.id, chosen={modules[0].id: None})
    set_cohort_modules(demo, cohort_id=najaar.id, chosen={modules[7].id: None})
    assert ids(trainee_plan(demo, user=user, modules=modules)) == [modules[0].id]


# --- the trainer's matrix and downloads ------------------------------------------------------------------------------


def test_the_matrix_and_its_downloads_have_only_the_cohorts_modules(demo, modules):
    trainer = by_email(demo, "trainer@demo.local")
    cohort = cohort_named(demo, "Regie-ondersteuners voorjaar")
    set_cohort_modules(demo, cohort_id=cohort.id, chosen={modules[1].id: None, modules[3].id: date(2026, 4, 1)})
    data = cohorts.cohort_progress(demo, user=trainer, cohort_id=cohort.id, modules=modules)
    assert ids(data.modules) == [modules[1].id, modules[3].id]
    assert all(len(row.standings) == 2 for row in data.rows)
    assert data.due_dates == {modules[3].id: date(2026, 4, 1)}
    header = cohorts.progress_table(data)[0]
    assert f"{modules[1].order:02d} {modules[1].title} - status" in header
    assert not any(modules[0].title in h for h in header) and len(header) == 4 + 2 * 2
