"""Trainer-side use cases on measurement windows: save a cohort with its T0/T1/T2 windows, status, who owes."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from monitor.models import MeasurementWindow, QuestionnaireResponse
from training import cohort_admin
from training.content import Module
from training.errors import InvalidForm, InvalidInput
from training.ids import id_of
from training.models import Cohort, Enrolment, User

MOMENTS = ("T0", "T1", "T2")
MOMENT_LABELS = {"T0": "Voormeting (T0)", "T1": "Nameting (T1)", "T2": "Follow-up (T2)"}
OPEN_RULES = ("date", "modules_completed")


@dataclass(frozen=True)
class WindowInput:
    opens_on: date | None
    closes_on: date | None
    open_rule: str = "date"


@dataclass(frozen=True)
class CheckedWindow:
    """A ``WindowInput`` that ``_check_windows`` let through: both dates given, in order, a known open rule."""

    opens_on: date
    closes_on: date
    open_rule: str


@dataclass(frozen=True)
class MomentStatus:
    moment: str
    label: str
    window: MeasurementWindow | None
    state: str  # "geen periode", "nog niet open", "open", "gesloten"
    n_submitted: int
    n_enrolled: int


def _check_windows(windows: Mapping[str, WindowInput]) -> dict[str, CheckedWindow]:
    chosen: dict[str, CheckedWindow] = {}
    for moment, w in windows.items():
        if moment not in MOMENTS:
            raise InvalidInput(f"Onbekend meetmoment {moment}.", field="windows")
        if w.opens_on is None and w.closes_on is None:
            continue
        if w.opens_on is None or w.closes_on is None:
            raise InvalidInput(
                f"{MOMENT_LABELS[moment]}: vul zowel de openings- als de sluitdatum in.", field=f"{moment}_opens_on"
            )
        if w.closes_on < w.opens_on:
            raise InvalidInput(
                f"{MOMENT_LABELS[moment]}: de sluitdatum ligt vóór de openingsdatum.", field=f"{moment}_closes_on"
            )
        if w.open_rule not in OPEN_RULES or (w.open_rule != "date" and moment != "T1"):
            raise InvalidInput(
                "Alleen de nameting (T1) kan opengaan zodra de modules af zijn.", field=f"{moment}_open_rule"
            )
        chosen[moment] = CheckedWindow(w.opens_on, w.closes_on, w.open_rule)
    ordered = [chosen[m] for m in MOMENTS if m in chosen]
    # Windows may overlap (a late voormeting while the nameting already opened), but never open out of order.
    if any(later.opens_on < earlier.opens_on for earlier, later in itertools.pairwise(ordered)):
        raise InvalidInput(
            "De meetmomenten gaan op volgorde open: T0 niet later dan T1, T1 niet later dan T2.", field="windows"
        )
    return chosen


def cohort_windows(session: Session, *, cohort_id: int) -> dict[str, MeasurementWindow]:
    return {
        w.moment: w for w in session.exec(select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort_id))
    }


def _write_windows(session: Session, *, cohort_id: int, windows: dict[str, CheckedWindow]) -> None:
    existing = cohort_windows(session, cohort_id=cohort_id)
    for moment in MOMENTS:
        w, current = windows.get(moment), existing.get(moment)
        if w is None:
            if current is not None:
                answered = session.exec(
                    select(QuestionnaireResponse.id)
                    .join(Enrolment, col(Enrolment.id) == QuestionnaireResponse.enrolment_id)
                    .where(Enrolment.cohort_id == cohort_id, QuestionnaireResponse.moment == moment)
                ).first()
                if answered is not None:
                    raise InvalidInput(
                        f"{MOMENT_LABELS[moment]}: er zijn al antwoorden, de periode kan niet weg.",
                        field=f"{moment}_opens_on",
                    )
                session.exec(delete(MeasurementWindow).where(col(MeasurementWindow.id) == current.id))
            continue
        current = current or MeasurementWindow(
            cohort_id=cohort_id, moment=moment, opens_on=w.opens_on, closes_on=w.closes_on
        )
        current.opens_on, current.closes_on, current.open_rule = w.opens_on, w.closes_on, w.open_rule
        session.add(current)
    session.flush()


def save_cohort(
    session: Session,
    *,
    user: User,
    cohort_id: int | None,
    form: cohort_admin.CohortForm,
    windows: Mapping[str, WindowInput],
    modules: Sequence[Module] = (),
) -> Cohort:
    """Create (cohort_id None) or update a cohort together with its measurement windows and module set, in one
    transaction. ``modules`` is the content's module list (the module set is checked against it)."""
    problems: list[tuple[str | None, str]] = []
    chosen: dict[str, CheckedWindow] = {}
    try:
        chosen = _check_windows(windows)
    except InvalidInput as exc:
        InvalidForm.collect(problems, exc)
    try:
        if cohort_id is None:
            cohort = cohort_admin.create_cohort(session, user=user, form=form, modules=modules)
        else:
            cohort = cohort_admin.update_cohort(session, user=user, cohort_id=cohort_id, form=form, modules=modules)
    except InvalidInput as exc:  # every problem of the form at once: the cohort's fields first, then the windows
        first: list[tuple[str | None, str]] = []
        InvalidForm.collect(first, exc)
        raise InvalidForm([*first, *problems]) from exc
    if problems:
        raise InvalidForm(problems)
    _write_windows(session, cohort_id=id_of(cohort), windows=chosen)
    return cohort


def _state(window: MeasurementWindow | None, today: date) -> str:
    if window is None:
        return "geen periode"
    if today > window.closes_on:
        return "gesloten"
    return "open" if today >= window.opens_on else "nog niet open"


def submitted_enrolment_ids(session: Session, *, enrolment_ids: Collection[int], moment: str) -> set[int]:
    """Enrolments that submitted the moment (a response counts once its status is 'submitted')."""
    ids = list(enrolment_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(
            session.exec(
                select(QuestionnaireResponse.enrolment_id).where(
                    col(QuestionnaireResponse.enrolment_id).in_(ids[start : start + 500]),
                    QuestionnaireResponse.moment == moment,
                    QuestionnaireResponse.status == "submitted",
                )
            )
        )
    return found


def active_enrolments(session: Session, *, cohort_id: int) -> list[tuple[Enrolment, User]]:
    return list(
        session.exec(
            select(Enrolment, User)
            .join(User, col(User.id) == Enrolment.user_id)
            .where(
                Enrolment.cohort_id == cohort_id,
                col(Enrolment.deactivated_at).is_(None),
                col(User.is_active).is_(True),
            )
            .order_by(User.name)
        )
    )


def owing(session: Session, *, cohort_id: int, moment: str) -> list[tuple[Enrolment, User]]:
    """Active trainees of the cohort who have not submitted the moment yet."""
    rows = active_enrolments(session, cohort_id=cohort_id)
    done = submitted_enrolment_ids(session, enrolment_ids=[id_of(e) for e, _ in rows], moment=moment)
    return [(e, u) for e, u in rows if e.id not in done]


def measurement_status(session: Session, *, user: User, cohort_id: int, today: date) -> list[MomentStatus]:
    """Per moment: the window, its state and how many active trainees submitted. Counts only, never answers."""
    cohort = cohort_admin.get_managed_cohort(session, user=user, cohort_id=cohort_id)
    windows = cohort_windows(session, cohort_id=id_of(cohort))
    rows = active_enrolments(session, cohort_id=id_of(cohort))
    ids = [e.id for e, _ in rows]
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        for moment, n in session.execute(
            select(QuestionnaireResponse.moment, func.count(col(QuestionnaireResponse.id)))
            .where(
                col(QuestionnaireResponse.enrolment_id).in_(ids[start : start + 500]),
                QuestionnaireResponse.status == "submitted",
            )
            .group_by(QuestionnaireResponse.moment)
        ).all():
            counts[moment] = counts.get(moment, 0) + n
    return [
        MomentStatus(m, MOMENT_LABELS[m], windows.get(m), _state(windows.get(m), today), counts.get(m, 0), len(ids))
        for m in MOMENTS
    ]
