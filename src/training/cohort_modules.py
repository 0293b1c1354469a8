"""A cohort's module set: which modules belong to it and by when, and so which modules a trainee follows.

A cohort without `cohort_module` rows has every module of the content (what all cohorts had before module sets
existed). Module ids that left the content are skipped; the order is always the content's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, delete, select

from training.content import Module
from training.errors import InvalidInput
from training.models import CohortModule, Enrolment, User


@dataclass(frozen=True)
class PlannedModule:
    module: Module
    due_on: date | None


@dataclass(frozen=True)
class ModuleChoice:
    """What the cohort form asks for: the chosen module ids and a due date per module (None: no due date)."""

    module_ids: Sequence[str]
    due_dates: Mapping[str, date | None]


def _rows(session: Session, *, cohort_ids: Collection[int]) -> dict[int, dict[str, date | None]]:
    rows: dict[int, dict[str, date | None]] = {}
    for row in session.exec(select(CohortModule).where(col(CohortModule.cohort_id).in_(list(cohort_ids)))):
        rows.setdefault(row.cohort_id, {})[row.module_id] = row.due_on
    return rows


def planned_modules(session: Session, *, cohort_id: int, modules: Sequence[Module]) -> list[PlannedModule]:
    """The cohort's modules in content order, each with its due date (all modules, no dates, when none are chosen)."""
    chosen = _rows(session, cohort_ids=[cohort_id]).get(cohort_id)
    if chosen is None:
        return [PlannedModule(m, None) for m in modules]
    return [PlannedModule(m, chosen[m.id]) for m in modules if m.id in chosen]


def cohort_modules(session: Session, *, cohort_id: int, modules: Sequence[Module]) -> list[Module]:
    return [p.module for p in planned_modules(session, cohort_id=cohort_id, modules=modules)]


def cohort_module_ids(session: Session, *, cohort_id: int, module_ids: Sequence[str]) -> list[str]:
    """The ids of ``module_ids`` (the content's) that belong to the cohort, in the given order."""
    chosen = _rows(session, cohort_ids=[cohort_id]).get(cohort_id)
    return list(module_ids) if chosen is None else [m for m in module_ids if m in chosen]


def trainee_plan(session: Session, *, user: User, modules: Sequence[Module]) -> list[PlannedModule]:
    """The modules of the trainee's active cohorts (the union, in content order), each with its earliest due date.
    Without an active enrolment, or in a cohort that has all modules, the trainee follows every module."""
    cohort_ids = list(
        session.exec(
            select(col(Enrolment.cohort_id)).where(
                col(Enrolment.user_id) == user.id, col(Enrolment.deactivated_at).is_(None)
            )
        )
    )
    rows = _rows(session, cohort_ids=cohort_ids)
    everything = not cohort_ids or any(cid not in rows for cid in cohort_ids)
    due: dict[str, date | None] = {}
    for chosen in rows.values():
        for module_id, due_on in chosen.items():
            earlier = due.setdefault(module_id, due_on)
            if due_on is not None and (earlier is None or due_on < earlier):
                due[module_id] = due_on
    return [PlannedModule(m, due.get(m.id)) for m in modules if everything or m.id in due]


def trainee_modules(session: Session, *, user: User, modules: Sequence[Module]) -> list[Module]:
    return [p.module for p in trainee_plan(session, user=user, modules=modules)]


def check_choice(
    choice: ModuleChoice, *, modules: Sequence[Module], start_date: date, end_date: date
) -> dict[str, date | None]:
    """Module id -> due date, in content order; InvalidInput with a Dutch message naming the problem otherwise.

    Due dates of modules that are not chosen are ignored: unticking a module is the clearer wish.
    """
    by_id = {m.id: m for m in modules}
    unknown = sorted({m for m in choice.module_ids if m not in by_id})
    if unknown:
        raise InvalidInput(f"Onbekende module: {', '.join(unknown)}. Kies modules uit de lijst.", field="module_ids")
    if not choice.module_ids:
        raise InvalidInput("Kies ten minste één module voor deze groep.", field="module_ids")
    chosen: dict[str, date | None] = {}
    for module in modules:
        if module.id not in choice.module_ids:
            continue
        due = choice.due_dates.get(module.id)
        if due is not None and not start_date <= due <= end_date:
            raise InvalidInput(
                f"Module {module.order} ‘{module.title}’: de uiterste datum {due.strftime('%d-%m-%Y')} ligt buiten de "
                f"looptijd van de groep ({start_date.strftime('%d-%m-%Y')} – {end_date.strftime('%d-%m-%Y')}).",
                field=f"due_{module.id}",
            )
        chosen[module.id] = due
    return chosen


def set_cohort_modules(session: Session, *, cohort_id: int, chosen: Mapping[str, date | None]) -> None:
    """Replace the cohort's module set (from ``check_choice``). Progress is the trainee's and is never touched."""
    session.exec(delete(CohortModule).where(col(CohortModule.cohort_id) == cohort_id))
    session.add_all([CohortModule(cohort_id=cohort_id, module_id=m, due_on=due) for m, due in chosen.items()])
    session.flush()
