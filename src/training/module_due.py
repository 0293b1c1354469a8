"""Who owes a module reminder today: trainees who have not completed a module whose due date is near."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from training.cohort_admin import reminder_days_of
from training.content import Module
from training.ids import id_of
from training.models import Cohort, CohortModule, Enrolment, ModuleProgress, User


@dataclass(frozen=True)
class ModuleDue:
    """A trainee who has not completed a module whose due date is a reminder day of the cohort."""

    cohort: Cohort
    enrolment: Enrolment
    trainee: User
    module: Module
    due_on: date


def modules_due(session: Session, *, today: date, modules: Sequence[Module]) -> list[ModuleDue]:
    """Who gets a module reminder today: active trainees of active cohorts that have started, for each module due in
    one of the cohort's reminder days that they have not completed. One line per (trainee, module): a trainee in two
    cohorts with the same module due is reminded once, through the earliest due date (then the lowest enrolment id),
    so concurrent runs pick the same line."""
    by_id = {m.id: m for m in modules}
    due_rows = session.exec(
        select(CohortModule, Cohort)
        .join(Cohort, col(Cohort.id) == col(CohortModule.cohort_id))
        .where(
            col(Cohort.archived_at).is_(None),
            col(CohortModule.due_on).is_not(None),
            col(CohortModule.due_on) >= today,
            Cohort.start_date <= today,
        )
    ).all()
    due = [
        (row, cohort, row.due_on)
        for row, cohort in due_rows
        if row.module_id in by_id and row.due_on is not None and (row.due_on - today).days in reminder_days_of(cohort)
    ]
    if not due:
        return []
    cohort_ids = sorted({id_of(cohort) for _, cohort, _ in due})
    enrolled: dict[int, list[tuple[Enrolment, User]]] = {}
    for enrolment, trainee in session.exec(
        select(Enrolment, User)
        .join(User, col(User.id) == col(Enrolment.user_id))
        .where(
            col(Enrolment.cohort_id).in_(cohort_ids),
            col(Enrolment.deactivated_at).is_(None),
            col(User.is_active).is_(True),
        )
    ):
        enrolled.setdefault(enrolment.cohort_id, []).append((enrolment, trainee))
    user_ids = sorted({id_of(t) for rows in enrolled.values() for _, t in rows})
    completed: set[tuple[int, str]] = set()
    for start in range(0, len(user_ids), 500):
        completed.update(
            session.exec(
                select(ModuleProgress.user_id, ModuleProgress.module_id).where(
                    col(ModuleProgress.user_id).in_(user_ids[start : start + 500]),
                    col(ModuleProgress.completed_at).is_not(None),
                )
            ).all()
        )
    best: dict[tuple[int, str], ModuleDue] = {}
    for row, cohort, due_on in due:
        for enrolment, trainee in enrolled.get(id_of(cohort), []):
            key = (id_of(trainee), row.module_id)
            if key in completed:
                continue
            line = ModuleDue(cohort, enrolment, trainee, by_id[row.module_id], due_on)
            current = best.get(key)
            if current is None or (line.due_on, enrolment.id) < (current.due_on, current.enrolment.id):
                best[key] = line
    return sorted(best.values(), key=lambda d: (d.cohort.id, d.module.order, d.trainee.name, d.enrolment.id))
