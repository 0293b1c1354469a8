"""Use cases of the learning path: reading sections, private reflection notes, progress (checks: knowledge_checks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from training.cohort_modules import trainee_modules, trainee_plan
from training.content import Module
from training.errors import InvalidInput, NotFound, PermissionDenied
from training.ids import id_of
from training.models import ModuleProgress, ReflectionNote, Role, SectionRead, User, utcnow

NOTE_MAX_LENGTH = 5000

# Returns a Dutch reason when a trainee may not open modules yet (e.g. the voormeting is still open), else None.
# The web layer composes it from the monitor, which training may not import.
ModuleGate = Callable[[Session, User], str | None]


class Status(str, Enum):
    not_started = "niet gestart"
    in_progress = "bezig"
    completed = "afgerond"


@dataclass(frozen=True)
class ModuleStanding:
    module: Module
    status: Status
    sections_read: frozenset[str]
    attempts: int
    best_score: float | None
    completed_at: datetime | None
    passed: bool

    @property
    def n_sections(self) -> int:
        return len(self.module.sections)

    @property
    def n_read(self) -> int:
        return len(self.sections_read & set(self.module.section_ids))

    @property
    def percent(self) -> int:
        """Progress through the module: every section and the knowledge check count as one step each."""
        if self.status is Status.completed:
            return 100
        steps = self.n_sections + 1
        return round(100 * (self.n_read + (1 if self.passed else 0)) / steps)

    @property
    def next_section_id(self) -> str | None:
        return next((s for s in self.module.section_ids if s not in self.sections_read), None)


@dataclass(frozen=True)
class LearningPath:
    standings: list[ModuleStanding]
    locked_reason: str | None
    due_dates: Mapping[str, date] = field(default_factory=dict)  # module id -> the earliest due date of the cohorts

    @property
    def percent(self) -> int:
        if not self.standings:
            return 0
        return round(sum(s.percent for s in self.standings) / len(self.standings))

    @property
    def n_completed(self) -> int:
        return sum(1 for s in self.standings if s.status is Status.completed)

    @property
    def next_module(self) -> ModuleStanding | None:
        return next((s for s in self.standings if s.status is not Status.completed), None)


def _require_trainee(user: User) -> None:
    if user.role != Role.trainee:
        raise PermissionDenied("Alleen deelnemers werken modules door.")


def find_module(modules: Sequence[Module], module_id: str) -> Module:
    for module in modules:
        if module.id == module_id:
            return module
    raise NotFound("Deze module bestaat niet (meer).")


def standings(
    session: Session, *, user_ids: Sequence[int], modules: Sequence[Module]
) -> dict[int, list[ModuleStanding]]:
    """Standing of each user in each module, in three queries whatever the number of users."""
    reads: dict[tuple[int, str], set[str]] = {}
    for uid, mid, sid in session.exec(
        select(SectionRead.user_id, SectionRead.module_id, SectionRead.section_id).where(
            col(SectionRead.user_id).in_(user_ids)
        )
    ):
        reads.setdefault((uid, mid), set()).add(sid)
    progress = {
        (p.user_id, p.module_id): p
        for p in session.exec(select(ModuleProgress).where(col(ModuleProgress.user_id).in_(user_ids)))
    }
    result: dict[int, list[ModuleStanding]] = {}
    for uid in user_ids:
        rows = []
        for module in modules:
            p = progress.get((uid, module.id))
            read = frozenset(reads.get((uid, module.id), set()))
            passed = p is not None and p.best_score is not None and p.best_score >= module.pass_mark
            if p is not None and p.completed_at is not None:
                status = Status.completed
            elif p is not None or read:
                status = Status.in_progress
            else:
                status = Status.not_started
            rows.append(
                ModuleStanding(
                    module,
                    status,
                    read,
                    p.attempts if p else 0,
                    p.best_score if p else None,
                    p.completed_at if p else None,
                    passed,
                )
            )
        result[uid] = rows
    return result


def learning_path(
    session: Session, *, user: User, modules: Sequence[Module], gate: ModuleGate | None = None
) -> LearningPath:
    """The modules of the trainee's cohorts (``modules`` is the whole content), with the trainee's standing in each."""
    _require_trainee(user)
    plan = trainee_plan(session, user=user, modules=modules)
    return LearningPath(
        standings(session, user_ids=[id_of(user)], modules=[p.module for p in plan])[id_of(user)],
        gate(session, user) if gate else None,
        {p.module.id: p.due_on for p in plan if p.due_on},
    )


def open_module(
    session: Session, *, user: User, modules: Sequence[Module], module_id: str, gate: ModuleGate | None = None
) -> ModuleStanding:
    """The trainee's standing in a module they may open; raises when modules are still locked."""
    _require_trainee(user)
    module = find_module(modules, module_id)
    if module.id not in {m.id for m in trainee_modules(session, user=user, modules=modules)}:
        raise NotFound("Deze module hoort niet bij het programma van je groep.")
    reason = gate(session, user) if gate else None
    if reason:
        raise PermissionDenied(reason)
    return standings(session, user_ids=[id_of(user)], modules=[module])[id_of(user)][0]


def progress_row(session: Session, user: User, module: Module) -> ModuleProgress:
    """The trainee's progress row for the module, created when it is not there yet."""
    row = session.exec(
        select(ModuleProgress).where(ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id)
    ).first()
    if row is None:
        row = ModuleProgress(user_id=id_of(user), module_id=module.id, content_hash=module.content_hash)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # created concurrently by another request of the same trainee
            row = session.exec(
                select(ModuleProgress).where(ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id)
            ).one()
    return row


def maybe_complete(session: Session, user: User, module: Module, row: ModuleProgress) -> None:
    """Mark the module completed once every section is read and the check is passed."""
    if row.completed_at is not None:
        return  # completion is never taken back, also not when the module is edited later
    read = set(
        session.exec(
            select(SectionRead.section_id).where(SectionRead.user_id == user.id, SectionRead.module_id == module.id)
        )
    )
    if set(module.section_ids) <= read and row.best_score is not None and row.best_score >= module.pass_mark:
        row.completed_at = utcnow()


def mark_section_read(
    session: Session,
    *,
    user: User,
    modules: Sequence[Module],
    module_id: str,
    section_id: str,
    gate: ModuleGate | None = None,
) -> ModuleStanding:
    standing = open_module(session, user=user, modules=modules, module_id=module_id, gate=gate)
    module = standing.module
    if module.section(section_id) is None:
        raise NotFound("Dit onderdeel bestaat niet (meer).")
    row = progress_row(session, user, module)
    if section_id not in standing.sections_read:
        try:
            with session.begin_nested():
                session.add(
                    SectionRead(
                        user_id=id_of(user),
                        module_id=module.id,
                        section_id=section_id,
                        content_hash=module.content_hash,
                    )
                )
        except IntegrityError:
            pass  # already recorded by a parallel request: reading twice is reading once
    row.content_hash = module.content_hash
    maybe_complete(session, user, module, row)
    session.add(row)
    session.flush()
    return standings(session, user_ids=[id_of(user)], modules=[module])[id_of(user)][0]


def notes_for(session: Session, *, user: User, module: Module) -> dict[str, ReflectionNote]:
    """The user's own notes for a module. There is deliberately no function that reads anyone else's."""
    return {
        n.prompt_id: n
        for n in session.exec(
            select(ReflectionNote).where(ReflectionNote.user_id == user.id, ReflectionNote.module_id == module.id)
        )
    }


def save_note(
    session: Session,
    *,
    user: User,
    modules: Sequence[Module],
    module_id: str,
    prompt_id: str,
    text: str,
    gate: ModuleGate | None = None,
) -> ReflectionNote:
    standing = open_module(session, user=user, modules=modules, module_id=module_id, gate=gate)
    module = standing.module
    if not any(p.id == prompt_id for p in module.reflection_prompts):
        raise NotFound("Deze reflectievraag bestaat niet (meer).")
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput(f"Een notitie kan hoogstens {NOTE_MAX_LENGTH} tekens lang zijn.", field="text")
    note = notes_for(session, user=user, module=module).get(prompt_id)
    if note is None:
        note = ReflectionNote(user_id=id_of(user), module_id=module.id, prompt_id=prompt_id, text=text)
        try:
            with session.begin_nested():
                session.add(note)
            return note
        except IntegrityError:
            note = notes_for(session, user=user, module=module)[prompt_id]
    note.text = text
    note.updated_at = utcnow()
    session.add(note)
    session.flush()
    return note
