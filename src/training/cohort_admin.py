"""Use cases for managing cohorts: create, edit (with the module set), archive; which cohorts and trainers a user
may pick."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, delete, select

from training.access import get_visible_cohort
from training.cohort_modules import ModuleChoice, check_choice, set_cohort_modules
from training.content import Module
from training.errors import Conflict, InvalidForm, InvalidInput, PermissionDenied
from training.ids import id_of
from training.models import Cohort, CohortTrainer, Organisation, Role, User, utcnow

REMINDER_DAYS_RE = re.compile(r"^\s*(\d{1,3}\s*(,\s*\d{1,3}\s*)*)?$", re.ASCII)  # \d: 0-9 only


@dataclass
class CohortForm:
    name: str
    organisation_id: int | None
    start_date: date | None
    end_date: date | None
    trainer_ids: list[int] = field(default_factory=list)
    require_t0_before_modules: bool = False
    certificate_requires_t1: bool = False
    reminder_days: str = "7,2"
    modules: ModuleChoice | None = None  # None: leave the module set as it is (a new cohort: all modules)


def get_managed_cohort(session: Session, *, user: User, cohort_id: int, for_change: bool = False) -> Cohort:
    """A cohort the user manages (their own as trainer, any as admin). Archived cohorts are read-only."""
    if user.role not in (Role.trainer, Role.admin):
        raise PermissionDenied("Alleen trainers en beheerders beheren groepen.")
    cohort = get_visible_cohort(session, user=user, cohort_id=cohort_id)
    if for_change and cohort.archived_at is not None:
        raise Conflict("Deze groep is gearchiveerd en kan niet meer worden gewijzigd.")
    return cohort


def normalise_reminder_days(text: str) -> str:
    """ "7, 2" -> "7,2" (distinct, descending); raises InvalidInput for anything else."""
    if not REMINDER_DAYS_RE.match(text or ""):
        raise InvalidInput(
            "Vul de dagen in als getallen gescheiden door komma's, bijvoorbeeld 7,2.", field="reminder_days"
        )
    days = sorted({int(d) for d in text.split(",") if d.strip()}, reverse=True)
    return ",".join(str(d) for d in days)


def reminder_days_of(cohort: Cohort) -> list[int]:
    return [int(d) for d in cohort.reminder_days.split(",") if d.strip()]


def organisations_for(session: Session, *, user: User) -> list[Organisation]:
    q = select(Organisation).where(col(Organisation.archived_at).is_(None)).order_by(col(Organisation.name))
    if user.role != Role.admin:
        q = q.where(Organisation.id == user.organisation_id)
    return list(session.exec(q))


def trainers_for(session: Session, *, user: User) -> list[User]:
    q = select(User).where(col(User.role) == Role.trainer.value, col(User.is_active).is_(True)).order_by(col(User.name))
    if user.role != Role.admin:
        q = q.where(User.organisation_id == user.organisation_id)
    return list(session.exec(q))


def trainer_ids_of(session: Session, *, cohort_id: int) -> list[int]:
    return list(session.exec(select(CohortTrainer.user_id).where(CohortTrainer.cohort_id == cohort_id)))


def _validate(
    session: Session, *, user: User, form: CohortForm, cohort_id: int | None, modules: Sequence[Module]
) -> tuple[list[int], dict[str, date | None] | None]:
    problems: list[tuple[str | None, str]] = []
    name = form.name.strip()
    if not name:
        problems.append(("name", "Vul een naam voor de groep in."))
    elif len(name) > 200:
        problems.append(("name", "De naam is te lang (hoogstens 200 tekens)."))
    if form.start_date is None or form.end_date is None:
        problems.append(("start_date", "Vul een begin- en einddatum in."))
    elif form.end_date < form.start_date:
        problems.append(("end_date", "De einddatum ligt vóór de begindatum."))
    if form.organisation_id not in {o.id for o in organisations_for(session, user=user)}:
        problems.append(("organisation_id", "Kies een organisatie."))
    clash = session.exec(
        select(Cohort.id).where(Cohort.organisation_id == form.organisation_id, Cohort.name == name)
    ).first()
    if name and clash is not None and clash != cohort_id:
        problems.append(("name", "Er bestaat al een groep met deze naam."))
    allowed = {t.id: t for t in trainers_for(session, user=user)}
    trainer_ids = sorted(set(form.trainer_ids))
    if any(t not in allowed or allowed[t].organisation_id != form.organisation_id for t in trainer_ids):
        problems.append(("trainer_ids", "Kies trainers van de organisatie van deze groep."))
    if user.role == Role.trainer and user.id not in trainer_ids:
        trainer_ids.append(id_of(user))  # a trainer never locks themself out of the cohort they manage
    if not trainer_ids:
        problems.append(("trainer_ids", "Kies ten minste één trainer."))
    try:
        form.reminder_days = normalise_reminder_days(form.reminder_days)
    except InvalidInput as exc:
        InvalidForm.collect(problems, exc)
    chosen = None
    if form.modules is not None and form.start_date is not None and form.end_date is not None:
        try:
            chosen = check_choice(form.modules, modules=modules, start_date=form.start_date, end_date=form.end_date)
        except InvalidInput as exc:
            InvalidForm.collect(problems, exc)
    if problems:
        raise InvalidForm(problems)
    form.name = name
    return trainer_ids, chosen


def _set_trainers(session: Session, *, cohort_id: int, trainer_ids: list[int]) -> None:
    session.exec(delete(CohortTrainer).where(col(CohortTrainer.cohort_id) == cohort_id))
    session.add_all([CohortTrainer(cohort_id=cohort_id, user_id=t) for t in trainer_ids])


def create_cohort(session: Session, *, user: User, form: CohortForm, modules: Sequence[Module] = ()) -> Cohort:
    """``modules`` is the content's module list, against which ``form.modules`` is checked."""
    if user.role not in (Role.trainer, Role.admin):
        raise PermissionDenied("Alleen trainers en beheerders maken groepen aan.")
    trainer_ids, chosen = _validate(session, user=user, form=form, cohort_id=None, modules=modules)
    # _validate refuses a form without one of the user's organisations or without both dates
    assert form.organisation_id is not None and form.start_date is not None and form.end_date is not None
    cohort = Cohort(
        organisation_id=form.organisation_id,
        name=form.name,
        start_date=form.start_date,
        end_date=form.end_date,
        require_t0_before_modules=form.require_t0_before_modules,
        certificate_requires_t1=form.certificate_requires_t1,
        reminder_days=form.reminder_days,
    )
    session.add(cohort)
    session.flush()
    _set_trainers(session, cohort_id=id_of(cohort), trainer_ids=trainer_ids)
    if chosen is not None:
        set_cohort_modules(session, cohort_id=id_of(cohort), chosen=chosen)
    session.flush()
    return cohort


def update_cohort(
    session: Session, *, user: User, cohort_id: int, form: CohortForm, modules: Sequence[Module] = ()
) -> Cohort:
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    form.organisation_id = cohort.organisation_id  # a cohort never changes organisation: its wijken belong to it
    trainer_ids, chosen = _validate(session, user=user, form=form, cohort_id=cohort.id, modules=modules)
    assert form.start_date is not None and form.end_date is not None  # _validate refuses a form without both dates
    cohort.name, cohort.start_date, cohort.end_date = form.name, form.start_date, form.end_date
    cohort.require_t0_before_modules = form.require_t0_before_modules
    cohort.certificate_requires_t1 = form.certificate_requires_t1
    cohort.reminder_days = form.reminder_days
    session.add(cohort)
    _set_trainers(session, cohort_id=id_of(cohort), trainer_ids=trainer_ids)
    if chosen is not None:
        set_cohort_modules(session, cohort_id=id_of(cohort), chosen=chosen)
    session.flush()
    return cohort


def archive_cohort(session: Session, *, user: User, cohort_id: int, now: datetime | None = None) -> Cohort:
    """Archived cohorts stay readable (history, monitor) but get no changes and no reminders. Idempotent."""
    cohort = get_managed_cohort(session, user=user, cohort_id=cohort_id)
    if cohort.archived_at is None:
        cohort.archived_at = now or utcnow()
        session.add(cohort)
        session.flush()
    return cohort
