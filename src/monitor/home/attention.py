"""A trainer's home: per active cohort what needs attention (trainees behind, windows closing, invitations open)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from monitor.questionnaire.windows import lower_first
from monitor.questionnaire.windows_admin import (
    MOMENT_LABELS,
    active_enrolments,
    cohort_windows,
    submitted_enrolment_ids,
)
from training.access import visible_cohort_ids
from training.content import Module
from training.ids import id_of
from training.models import Cohort, CohortModule, ModuleProgress, User
from training.plurals import plural

CLOSING_DAYS = 7  # an open window closing within this many days is an attention point
LOW_RESPONSE = 0.5  # below this share submitted, a closing window is called low


@dataclass(frozen=True)
class AttentionPoint:
    kind: str  # "behind" | "window" | "invitation"
    text: str
    action: str
    href: str


@dataclass(frozen=True)
class CohortAttention:
    cohort: Cohort
    n_active: int
    points: list[AttentionPoint] = field(default_factory=list)


def _due_text(days: int) -> str:
    if days == 0:
        return "vandaag"
    return "morgen" if days == 1 else f"over {days} dagen"


def cohort_attention(
    session: Session, *, cohort: Cohort, today: date, titles: dict[str, str] | None = None
) -> CohortAttention:
    """The attention points of one cohort (the caller has checked the user may see it)."""
    cid = id_of(cohort)
    titles = titles or {}
    rows = active_enrolments(session, cohort_id=cid)
    points: list[AttentionPoint] = []
    # Trainees behind: a module's due date has passed and they have not completed it.
    overdue = [
        cm
        for cm in session.exec(select(CohortModule).where(CohortModule.cohort_id == cid))
        if cm.due_on is not None and cm.due_on < today and (not titles or cm.module_id in titles)
    ]
    user_ids = [id_of(u) for _, u in rows]
    if overdue and user_ids:
        completed = set(
            session.exec(
                select(ModuleProgress.user_id, ModuleProgress.module_id).where(
                    col(ModuleProgress.user_id).in_(user_ids), col(ModuleProgress.completed_at).is_not(None)
                )
            ).all()
        )
        behind = sorted({u.name for _, u in rows for cm in overdue if (id_of(u), cm.module_id) not in completed})
        if behind:
            modules = ", ".join(
                titles.get(cm.module_id, cm.module_id) for cm in sorted(overdue, key=lambda c: c.due_on or today)
            )
            points.append(
                AttentionPoint(
                    "behind",
                    f"{plural(len(behind), 'deelnemer loopt', 'deelnemers lopen')} achter met een module waarvan de "
                    f"uiterste datum voorbij is ({modules}): {', '.join(behind)}.",
                    "Bekijk de voortgang",
                    f"/groepen/{cid}",
                )
            )
    # Windows closing soon, with their response so far.
    ids = [e.id for e, _ in rows if e.id is not None]
    for moment, window in sorted(cohort_windows(session, cohort_id=cid).items()):
        days = (window.closes_on - today).days
        if not (window.opens_on <= today <= window.closes_on) or days > CLOSING_DAYS:
            continue
        done = len(submitted_enrolment_ids(session, enrolment_ids=ids, moment=moment)) if ids else 0
        low = bool(ids) and done / len(ids) < LOW_RESPONSE
        points.append(
            AttentionPoint(
                "window",
                f"De {lower_first(MOMENT_LABELS[moment])} sluit {_due_text(days)} "
                f"({window.closes_on.strftime('%d-%m-%Y')}): "
                f"{done} van {len(ids)} ingevuld{' (lage respons)' if low else ''}.",
                "Stuur een herinnering",
                f"/groepen/{cid}/herinneringen",
            )
        )
    # Invitations not accepted: the account has no password yet.
    waiting = sorted(u.name for _, u in rows if not u.password_hash)
    if waiting:
        points.append(
            AttentionPoint(
                "invitation",
                f"{plural(len(waiting), 'deelnemer heeft', 'deelnemers hebben')} de uitnodiging nog niet "
                f"geaccepteerd: {', '.join(waiting)}.",
                "Opnieuw uitnodigen",
                f"/groepen/{cid}/deelnemers",
            )
        )
    return CohortAttention(cohort, len(rows), points)


def attention_points(
    session: Session, *, user: User, today: date, modules: Sequence[Module] = ()
) -> list[CohortAttention]:
    """Every active (not archived, not ended) cohort the user may see, with its attention points."""
    ids = visible_cohort_ids(session, user=user)
    q = select(Cohort).where(col(Cohort.archived_at).is_(None), Cohort.end_date >= today)
    if ids is not None:
        q = q.where(col(Cohort.id).in_(ids))
    titles = {m.id: f"module {m.order}" for m in modules}
    return [
        cohort_attention(session, cohort=cohort, today=today, titles=titles)
        for cohort in session.exec(q.order_by(col(Cohort.start_date), col(Cohort.name)))
    ]
