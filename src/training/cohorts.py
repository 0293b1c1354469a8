"""Cohort read models for trainers: the trainees × modules matrix (status and score, never notes), as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from training.access import get_visible_cohort, visible_cohort_ids
from training.cohort_modules import planned_modules
from training.content import Module
from training.ids import id_of
from training.models import Cohort, Enrolment, User, Wijk
from training.progress import ModuleStanding, standings
from training.spreadsheet import spreadsheet_safe

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class TraineeRow:
    user_id: int
    name: str
    wijk: str
    standings: list[ModuleStanding]

    @property
    def n_completed(self) -> int:
        return sum(1 for s in self.standings if s.status.value == "afgerond")

    @property
    def status(self) -> str:
        """Overall: "afgerond" when every module is, "niet gestart" when none is touched, else "bezig"."""
        if self.standings and self.n_completed == len(self.standings):
            return "afgerond"
        if all(s.status.value == "niet gestart" for s in self.standings):
            return "niet gestart"
        return "bezig"


@dataclass(frozen=True)
class CohortProgress:
    cohort: Cohort
    modules: Sequence[Module]
    rows: list[TraineeRow]
    wijken: list[Wijk]
    wijk_id: int | None
    status: str | None = None
    sort: str = "wijk"
    due_dates: Mapping[str, date] = field(default_factory=dict)  # module id -> due date, where the cohort set one

    def query(self, **changes: str | int | None) -> str:
        """The query string of this view with some parameters changed (for sort links and downloads)."""
        params = {"wijk": self.wijk_id, "status": self.status, "sort": self.sort, **changes}
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


STATUSES = ("niet gestart", "bezig", "afgerond")
SORTS = {
    "naam": lambda r: (r.name.lower(),),
    "wijk": lambda r: (r.wijk.lower(), r.name.lower()),
    "voortgang": lambda r: (-r.n_completed, r.name.lower()),
}


def list_cohorts(session: Session, *, user: User) -> list[Cohort]:
    ids = visible_cohort_ids(session, user=user)
    q = select(Cohort).order_by(col(Cohort.start_date).desc(), col(Cohort.name))
    if ids is not None:
        q = q.where(col(Cohort.id).in_(ids))
    return list(session.exec(q))


def cohort_progress(
    session: Session,
    *,
    user: User,
    cohort_id: int,
    modules: Sequence[Module],
    wijk_id: int | None = None,
    status: str | None = None,
    sort: str = "wijk",
) -> CohortProgress:
    """The matrix of the cohort's own modules (``modules`` is the whole content; the cohort may have fewer)."""
    cohort = get_visible_cohort(session, user=user, cohort_id=cohort_id)
    plan = planned_modules(session, cohort_id=id_of(cohort), modules=modules)
    modules = [p.module for p in plan]
    q = (
        select(Enrolment, User, Wijk)
        .join(User, col(User.id) == col(Enrolment.user_id))
        .join(Wijk, col(Wijk.id) == col(Enrolment.wijk_id))
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(Wijk.name, User.name)
    )
    enrolled = list(session.exec(q))
    wijken = sorted({w.id: w for _, _, w in enrolled}.values(), key=lambda w: w.name)
    if wijk_id is not None:
        enrolled = [row for row in enrolled if row[2].id == wijk_id]
    by_user = standings(session, user_ids=[id_of(u) for _, u, _ in enrolled], modules=modules)
    rows = [TraineeRow(id_of(u), u.name, w.name, by_user[id_of(u)]) for _, u, w in enrolled]
    status = status if status in STATUSES else None
    if status:
        rows = [r for r in rows if r.status == status]
    sort = sort if sort in SORTS else "wijk"
    rows.sort(key=SORTS[sort])
    return CohortProgress(
        cohort, modules, rows, wijken, wijk_id, status, sort, {p.module.id: p.due_on for p in plan if p.due_on}
    )


@dataclass(frozen=True)
class ExtraColumns:
    """Columns another package adds per trainee (the questionnaire status: training may not import monitor)."""

    header: Sequence[str] = ()
    values: Callable[[int], Sequence[object]] = lambda user_id: ()


def progress_table(progress: CohortProgress, extra: ExtraColumns = ExtraColumns()) -> list[list[object]]:
    """Header and one row per trainee: wijk, status and best score per module, then ``extra``. Never reflection
    notes or answers."""
    header = ["naam", "wijk", "modules afgerond", "status"]
    for m in progress.modules:
        header += [f"{m.order:02d} {m.title} - status", f"{m.order:02d} - beste score"]
    table: list[list[object]] = [[*header, *extra.header]]
    for row in progress.rows:
        line: list[object] = [row.name, row.wijk, row.n_completed, row.status]
        for s in row.standings:
            line += [s.status.value, None if s.best_score is None else round(s.best_score)]
        table.append(line + list(extra.values(row.user_id)))
    return table


def progress_xlsx(progress: CohortProgress, extra: ExtraColumns = ExtraColumns()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = cast("Worksheet", workbook.active)  # a new workbook has one sheet, and it is the active one
    sheet.title = "Voortgang"
    for line in progress_table(progress, extra):
        # Names come from people: text that starts like a formula stays text (training.spreadsheet).
        sheet.append([spreadsheet_safe(v) for v in line])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def progress_csv(progress: CohortProgress, extra: ExtraColumns = ExtraColumns()) -> str:
    """One row per trainee: wijk, then status and best score per module. Never reflection notes or answers."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for line in progress_table(progress, extra):
        writer.writerow(["" if v is None else spreadsheet_safe(v) for v in line])
    return out.getvalue()
