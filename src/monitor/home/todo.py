"""A trainee's to-do home: what is due now and next (questionnaires, modules), with dates and direct links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from monitor.questionnaire.instrument import Instrument
from monitor.questionnaire.overview import MomentRow, Overview, overview
from monitor.questionnaire.windows import lower_first, t1_submissions
from training.certificate import earned_certificates
from training.content import Module
from training.models import User
from training.progress import LearningPath, ModuleGate, ModuleStanding, Status, learning_path

SOON_DAYS = 7  # a date this close (or passed) is shown as urgent


@dataclass(frozen=True)
class Step:
    """One thing the trainee can do now: fill in a questionnaire or work on a module."""

    kind: str  # "questionnaire" | "module"
    title: str
    detail: str
    action: str  # the button's text
    href: str
    due_on: date | None
    urgent: bool
    # set for a questionnaire not started yet: starting it is a POST of these two values to /vragenlijsten/starten
    enrolment_id: int | None = None
    moment: str | None = None
    before_modules: bool = False  # the voormeting: it measures the start, so it goes before any module

    @property
    def starts_questionnaire(self) -> bool:
        return self.enrolment_id is not None and self.moment is not None


@dataclass(frozen=True)
class ModuleLine:
    standing: ModuleStanding
    due_on: date | None
    overdue: bool
    href: str | None  # None while modules are locked

    @property
    def done(self) -> bool:
        return self.standing.status is Status.completed


@dataclass(frozen=True)
class TodoHome:
    enrolled: bool
    steps: list[Step] = field(default_factory=list)  # the first one is "your next step"
    modules: list[ModuleLine] = field(default_factory=list)
    questionnaires: list[MomentRow] = field(default_factory=list)
    percent: int = 0
    n_completed: int = 0
    locked_reason: str | None = None
    is_new: bool = False  # nothing started yet: the first step gets a "begin here" introduction
    # (enrolment id, cohort name) of each certificate of completion the trainee has earned (training.certificate)
    certificates: list[tuple[int, str]] = field(default_factory=list)

    @property
    def next_step(self) -> Step | None:
        return self.steps[0] if self.steps else None

    @property
    def all_done(self) -> bool:
        return self.enrolled and not self.steps and bool(self.modules) and all(m.done for m in self.modules)


def days_left(due_on: date, today: date) -> int:
    return (due_on - today).days


def when(due_on: date, today: date) -> str:
    """A due date in words, as a trainee reads it: "vandaag", "morgen", "over 5 dagen", "3 dagen geleden"."""
    days = days_left(due_on, today)
    if days == 0:
        return "vandaag"
    if days == 1:
        return "morgen"
    if days > 1:
        return f"over {days} dagen"
    return "gisteren" if days == -1 else f"{-days} dagen geleden"


def _questionnaire_step(row: MomentRow, today: date) -> Step:
    label = lower_first(row.label)
    started = row.status == "in_progress"
    closes = row.closes_on.strftime("%d-%m-%Y")
    return Step(
        kind="questionnaire",
        title=f"Vul de {label} in",
        detail=f"Open tot en met {closes} ({when(row.closes_on, today)})."
        + (" Je bent begonnen; je antwoorden zijn bewaard." if started else " Het duurt ongeveer tien minuten."),
        action="Verder invullen" if started else f"Begin met de {label}",
        href=f"/vragenlijsten/{row.response_id}" if started and row.response_id else "/vragenlijsten",
        due_on=row.closes_on,
        urgent=days_left(row.closes_on, today) <= SOON_DAYS,
        enrolment_id=None if started else row.enrolment_id,
        moment=None if started else row.moment,
        before_modules=row.moment == "T0",
    )


def _module_step(standing: ModuleStanding, due_on: date | None, today: date) -> Step:
    module = standing.module
    started = standing.status is Status.in_progress
    if due_on is None:
        due_text = "Er is geen uiterste datum: werk in je eigen tempo."
    elif days_left(due_on, today) < 0:
        due_text = (
            f"Dit had af moeten zijn op {due_on.strftime('%d-%m-%Y')} ({when(due_on, today)}). "
            "Rond hem zo snel mogelijk af."
        )
    else:
        due_text = f"Rond hem af uiterlijk op {due_on.strftime('%d-%m-%Y')} ({when(due_on, today)})."
    if started:
        progress = f"Je hebt {standing.n_read} van {standing.n_sections} onderdelen gelezen"
        progress += "." if standing.passed or standing.n_read < standing.n_sections else "; nu nog de kennischeck."
    else:
        progress = f"Ongeveer {module.estimated_minutes} minuten."
    href = f"/modules/{module.id}"
    if started and standing.n_read >= standing.n_sections and not standing.passed:
        href = f"/modules/{module.id}/toets"
    return Step(
        kind="module",
        title=f"{'Ga verder met' if started else 'Begin aan'} module {module.order}: {module.title}",
        detail=f"{progress} {due_text}",
        action="Verder waar je was" if started else f"Begin aan module {module.order}",
        href=href,
        due_on=due_on,
        urgent=due_on is not None and days_left(due_on, today) <= SOON_DAYS,
    )


def build_todo(
    path: LearningPath | None,
    questionnaires: Overview,
    *,
    today: date,
    certificates: Sequence[tuple[int, str]] = (),
) -> TodoHome:
    """The to-do home from the learning path and the questionnaire overview (pure: values in, values out).

    Order of the steps: while the modules are locked (the voormeting comes first) the open questionnaires are all
    there is; otherwise an open voormeting first, then the other open questionnaires and the next module, the earliest
    date first (no date last)."""
    if path is None or (not path.standings and not questionnaires.rows):
        return TodoHome(enrolled=False)
    modules = [
        ModuleLine(
            s,
            path.due_dates.get(s.module.id),
            s.status is not Status.completed
            and (d := path.due_dates.get(s.module.id)) is not None
            and days_left(d, today) < 0,
            None if path.locked_reason else f"/modules/{s.module.id}",
        )
        for s in path.standings
    ]
    steps = [_questionnaire_step(row, today) for row in questionnaires.open]
    next_module = path.next_module
    if next_module is not None and not path.locked_reason:
        steps.append(_module_step(next_module, path.due_dates.get(next_module.module.id), today))
    # The voormeting measures where a trainee starts, so it comes before any module whatever the dates.
    steps.sort(key=lambda s: (not s.before_modules, s.due_on is None, s.due_on or today))
    is_new = all(s.status is Status.not_started for s in path.standings) and not any(
        row.status for row in questionnaires.rows
    )
    return TodoHome(
        enrolled=True,
        steps=steps,
        modules=modules,
        questionnaires=questionnaires.rows,
        percent=path.percent,
        n_completed=path.n_completed,
        locked_reason=path.locked_reason,
        is_new=is_new,
        certificates=list(certificates),
    )


def trainee_todo(
    session: Session,
    *,
    user: User,
    modules: Sequence[Module],
    instrument: Instrument | None,
    gate: ModuleGate | None,
    today: date | None = None,
) -> TodoHome:
    """Load the trainee's learning path and questionnaires and build the to-do home."""
    today = today or date.today()
    path = learning_path(session, user=user, modules=modules, gate=gate)
    rows = (
        overview(session, user=user, instrument=instrument, module_ids=[m.id for m in modules], today=today)
        if instrument is not None
        else Overview()
    )
    earned = [
        (enrolment.id, cohort.name)
        for enrolment, cohort in earned_certificates(session, user=user, modules=modules, t1_lookup=t1_submissions)
        if enrolment.id is not None
    ]
    return build_todo(path, rows, today=today, certificates=earned)
