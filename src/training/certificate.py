"""The certificate of completion: who has earned it, what is still missing, and what the certificate states.

A trainee earns the certificate of a cohort once every module of that cohort's programme is completed and, when the
cohort asks for it (``Cohort.certificate_requires_t1``), the nameting (T1) is submitted. Nothing is stored: the
certificate is derived from progress each time, so it never disagrees with it.

Whether T1 was submitted lives in the monitor, which training may not import; the web layer passes a ``T1Lookup``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from training.access import visible_cohort_ids
from training.cohort_modules import cohort_modules
from training.content import Module
from training.errors import NotFound, PermissionDenied
from training.ids import id_of
from training.models import Cohort, CohortTrainer, Enrolment, Organisation, Role, User
from training.progress import ModuleStanding, Status, standings

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
TRAINING_NAME = "Regie-ondersteuner in de resourcegroepenmethodiek"

# Enrolment ids -> when the nameting (T1) of that enrolment was submitted (absent: not submitted).
T1Lookup = Callable[[Session, Collection[int]], dict[int, datetime]]


@dataclass(frozen=True)
class Eligibility:
    """A trainee's standing towards the certificate of one cohort (pure: see ``assess``)."""

    standings: tuple[ModuleStanding, ...]  # the cohort's programme, in content order
    requires_t1: bool
    t1_submitted_at: datetime | None

    @property
    def missing_modules(self) -> tuple[Module, ...]:
        return tuple(s.module for s in self.standings if s.status is not Status.completed)

    @property
    def t1_missing(self) -> bool:
        return self.requires_t1 and self.t1_submitted_at is None

    @property
    def earned(self) -> bool:
        return bool(self.standings) and not self.missing_modules and not self.t1_missing

    @property
    def missing(self) -> list[str]:
        """What is still to be done, in Dutch, one line per thing."""
        lines = [f"Module {m.order}: {m.title}" for m in self.missing_modules]
        if not self.standings:
            lines.append("De groep heeft nog geen modules")
        if self.t1_missing:
            lines.append("De nameting (T1) invullen en indienen")
        return lines

    @property
    def completed_on(self) -> date | None:
        """The day the last requirement was met (None while not earned)."""
        if not self.earned:
            return None
        moments = [s.completed_at for s in self.standings if s.completed_at is not None]
        if self.requires_t1 and self.t1_submitted_at is not None:
            moments.append(self.t1_submitted_at)
        return _local_date(max(moments)) if moments else None

    @property
    def minutes(self) -> int:
        """The study load of the programme: the sum of the modules' estimated minutes (content front matter)."""
        return sum(s.module.estimated_minutes for s in self.standings)


def _local_date(moment: datetime) -> date:
    """The Rotterdam calendar day of a stored timestamp (SQLite hands back naive values, which are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LOCAL_ZONE).date()


def assess(
    module_standings: Sequence[ModuleStanding], *, requires_t1: bool, t1_submitted_at: datetime | None
) -> Eligibility:
    return Eligibility(tuple(module_standings), requires_t1, t1_submitted_at)


def study_load(minutes: int) -> str:
    """Minutes as a Dutch study load: 290 -> "4 uur en 50 minuten", 300 -> "5 uur", 45 -> "45 minuten"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minuten"
    text = f"{hours} uur"
    return f"{text} en {rest} {'minuut' if rest == 1 else 'minuten'}" if rest else text


@dataclass(frozen=True)
class Certificate:
    """What the printable certificate states."""

    enrolment_id: int
    trainee_name: str
    training: str
    cohort_name: str
    organisation: str
    trainers: tuple[str, ...]
    modules: tuple[Module, ...]
    minutes: int
    start_date: date
    completed_on: date

    @property
    def study_load(self) -> str:
        return study_load(self.minutes)


@dataclass(frozen=True)
class TraineeCertificateRow:
    """A line of the trainer's overview."""

    enrolment_id: int
    name: str
    email: str
    eligibility: Eligibility


@dataclass(frozen=True)
class CohortCertificates:
    cohort: Cohort
    rows: tuple[TraineeCertificateRow, ...]

    @property
    def n_earned(self) -> int:
        return sum(1 for r in self.rows if r.eligibility.earned)


def _eligibilities(
    session: Session,
    *,
    cohort: Cohort,
    enrolments: Sequence[Enrolment],
    modules: Sequence[Module],
    t1_lookup: T1Lookup | None,
) -> dict[int, Eligibility]:
    """Enrolment id -> eligibility, in a fixed number of queries whatever the number of trainees."""
    programme = cohort_modules(session, cohort_id=id_of(cohort), modules=modules)
    by_user = standings(session, user_ids=[e.user_id for e in enrolments], modules=programme)
    requires_t1 = cohort.certificate_requires_t1
    submitted = t1_lookup(session, [id_of(e) for e in enrolments]) if requires_t1 and t1_lookup and enrolments else {}
    return {
        id_of(e): assess(by_user[e.user_id], requires_t1=requires_t1, t1_submitted_at=submitted.get(id_of(e)))
        for e in enrolments
    }


def _own_enrolment(session: Session, *, user: User, enrolment_id: int) -> tuple[Enrolment, Cohort]:
    """The trainee's own active enrolment; NotFound for anyone else's (existence is not revealed)."""
    if user.role != Role.trainee:
        raise PermissionDenied("Alleen deelnemers hebben een certificaat.")
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id or enrolment.deactivated_at is not None:
        raise NotFound("Dit certificaat bestaat niet of je hebt er geen toegang toe.")
    cohort = session.get(Cohort, enrolment.cohort_id)
    assert cohort is not None  # a foreign key
    return enrolment, cohort


def own_eligibilities(
    session: Session, *, user: User, modules: Sequence[Module], t1_lookup: T1Lookup | None
) -> list[tuple[Enrolment, Cohort, Eligibility]]:
    """The trainee's active enrolments with their standing towards each cohort's certificate."""
    if user.role != Role.trainee:
        raise PermissionDenied("Alleen deelnemers hebben een certificaat.")
    rows = session.exec(
        select(Enrolment, Cohort)
        .join(Cohort, col(Cohort.id) == col(Enrolment.cohort_id))
        .where(col(Enrolment.user_id) == user.id, col(Enrolment.deactivated_at).is_(None))
        .order_by(col(Cohort.start_date), col(Cohort.id))
    ).all()
    out = []
    for enrolment, cohort in rows:
        found = _eligibilities(session, cohort=cohort, enrolments=[enrolment], modules=modules, t1_lookup=t1_lookup)
        out.append((enrolment, cohort, found[id_of(enrolment)]))
    return out


def earned_certificates(
    session: Session, *, user: User, modules: Sequence[Module], t1_lookup: T1Lookup | None
) -> list[tuple[Enrolment, Cohort]]:
    """The enrolments whose certificate the trainee has earned (for the link on the home page)."""
    return [
        (e, c)
        for e, c, found in own_eligibilities(session, user=user, modules=modules, t1_lookup=t1_lookup)
        if found.earned
    ]


def certificate(
    session: Session, *, user: User, enrolment_id: int, modules: Sequence[Module], t1_lookup: T1Lookup | None
) -> Certificate:
    """The trainee's own certificate for one enrolment; NotFound when it is someone else's or not earned yet."""
    enrolment, cohort = _own_enrolment(session, user=user, enrolment_id=enrolment_id)
    found = _eligibilities(session, cohort=cohort, enrolments=[enrolment], modules=modules, t1_lookup=t1_lookup)[
        enrolment_id
    ]
    if not found.earned or found.completed_on is None:
        raise NotFound(
            "Je hebt het certificaat van deze groep nog niet behaald. Nog te doen: " + "; ".join(found.missing) + "."
        )
    organisation = session.get(Organisation, cohort.organisation_id)
    trainers = session.exec(
        select(User.name)
        .join(CohortTrainer, col(CohortTrainer.user_id) == col(User.id))
        .where(col(CohortTrainer.cohort_id) == cohort.id)
        .order_by(col(User.name))
    ).all()
    return Certificate(
        enrolment_id=enrolment_id,
        trainee_name=user.name,
        training=TRAINING_NAME,
        cohort_name=cohort.name,
        organisation=organisation.name if organisation else "",
        trainers=tuple(trainers),
        modules=tuple(s.module for s in found.standings),
        minutes=found.minutes,
        start_date=cohort.start_date,
        completed_on=found.completed_on,
    )


def trainer_overview(
    session: Session, *, user: User, modules: Sequence[Module], t1_lookup: T1Lookup | None
) -> list[CohortCertificates]:
    """Per cohort the trainer trains (admins: every cohort), who has earned the certificate and what others miss.
    Archived cohorts are left out; so are deactivated enrolments."""
    if user.role not in (Role.trainer, Role.admin):
        raise PermissionDenied("Alleen trainers en beheerders zien wie het certificaat heeft behaald.")
    ids = visible_cohort_ids(session, user=user)
    q = select(Cohort).where(col(Cohort.archived_at).is_(None)).order_by(col(Cohort.start_date), col(Cohort.name))
    if ids is not None:
        q = q.where(col(Cohort.id).in_(ids))
    out = []
    for cohort in session.exec(q).all():
        pairs = session.exec(
            select(Enrolment, User)
            .join(User, col(User.id) == col(Enrolment.user_id))
            .where(col(Enrolment.cohort_id) == cohort.id, col(Enrolment.deactivated_at).is_(None))
            .order_by(col(User.name), col(User.id))
        ).all()
        found = _eligibilities(
            session, cohort=cohort, enrolments=[e for e, _ in pairs], modules=modules, t1_lookup=t1_lookup
        )
        rows = tuple(TraineeCertificateRow(id_of(e), u.name, u.email, found[id_of(e)]) for e, u in pairs)
        out.append(CohortCertificates(cohort, rows))
    return out
