"""Measurement windows per cohort (T0, T1, T2), whether one is open for a trainee, and the T0 gate on the modules."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlmodel import Session, col, select

from monitor.errors import InvalidQuestionnaireInput, WindowClosed, WindowNotOpen
from monitor.models import MeasurementWindow, QuestionnaireResponse
from monitor.questionnaire.instrument import MOMENTS
from training.cohort_modules import cohort_module_ids
from training.models import Cohort, Enrolment, ModuleProgress, User

OPEN_RULES = ("date", "modules_completed")
MOMENT_LABELS = {"T0": "Voormeting (T0)", "T1": "Nameting (T1)", "T2": "Follow-up (T2)"}


def lower_first(label: str) -> str:
    """A label inside a sentence: "Voormeting (T0)" becomes "voormeting (T0)", the code keeps its capital."""
    return label[:1].lower() + label[1:]


class WindowState(str, Enum):
    upcoming = "nog niet open"
    open = "open"
    closed = "gesloten"


@dataclass(frozen=True)
class WindowStanding:
    window: MeasurementWindow
    state: WindowState

    @property
    def moment(self) -> str:
        return self.window.moment


def set_window(
    session: Session, *, cohort_id: int, moment: str, opens_on: date, closes_on: date, open_rule: str = "date"
) -> MeasurementWindow:
    """Create or change the cohort's window for a moment."""
    if moment not in MOMENTS:
        raise InvalidQuestionnaireInput(f"Onbekend meetmoment {moment!r}.", field="moment")
    if open_rule not in OPEN_RULES or (open_rule != "date" and moment != "T1"):
        raise InvalidQuestionnaireInput(
            "Alleen de nameting (T1) kan opengaan als de modules af zijn.", field="open_rule"
        )
    if closes_on < opens_on:
        raise InvalidQuestionnaireInput("De sluitdatum ligt vóór de openingsdatum.", field="closes_on")
    window = get_window(session, cohort_id=cohort_id, moment=moment)
    if window is None:
        window = MeasurementWindow(cohort_id=cohort_id, moment=moment, opens_on=opens_on, closes_on=closes_on)
    window.opens_on, window.closes_on, window.open_rule = opens_on, closes_on, open_rule
    session.add(window)
    session.flush()
    return window


def get_window(session: Session, *, cohort_id: int, moment: str) -> MeasurementWindow | None:
    return session.exec(
        select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort_id, MeasurementWindow.moment == moment)
    ).first()


def windows_of(session: Session, *, cohort_ids: Collection[int]) -> dict[int, list[MeasurementWindow]]:
    result: dict[int, list[MeasurementWindow]] = {cid: [] for cid in cohort_ids}
    for window in session.exec(
        select(MeasurementWindow)
        .where(col(MeasurementWindow.cohort_id).in_(list(cohort_ids)))
        .order_by(MeasurementWindow.moment)
    ):
        result[window.cohort_id].append(window)
    return result


def modules_completed(session: Session, *, user_id: int, module_ids: Collection[str]) -> bool:
    """Has the user completed every one of these modules (an empty programme is never completed)?"""
    if not module_ids:
        return False
    done = set(
        session.exec(
            select(ModuleProgress.module_id).where(
                ModuleProgress.user_id == user_id, col(ModuleProgress.completed_at).is_not(None)
            )
        )
    )
    return set(module_ids) <= done


def window_state(window: MeasurementWindow, *, today: date, all_modules_completed: bool = False) -> WindowState:
    """A "modules_completed" window opens for a trainee once all modules are done, and on opens_on at the latest."""
    if today > window.closes_on:
        return WindowState.closed
    if today >= window.opens_on or (window.open_rule == "modules_completed" and all_modules_completed):
        return WindowState.open
    return WindowState.upcoming


def standing_for(
    session: Session, *, window: MeasurementWindow, user_id: int, module_ids: Collection[str], today: date
) -> WindowStanding:
    """``module_ids`` are the content's; "all modules completed" means all modules of the window's cohort."""
    completed = window.open_rule == "modules_completed" and modules_completed(
        session,
        user_id=user_id,
        module_ids=cohort_module_ids(session, cohort_id=window.cohort_id, module_ids=list(module_ids)),
    )
    return WindowStanding(window, window_state(window, today=today, all_modules_completed=completed))


def require_open(
    session: Session, *, enrolment: Enrolment, moment: str, module_ids: Collection[str], today: date
) -> MeasurementWindow:
    """The window of the enrolment's cohort for the moment, if it is open for this trainee; else WindowNotOpen."""
    return require_window_open(
        session,
        window=get_window(session, cohort_id=enrolment.cohort_id, moment=moment),
        enrolment=enrolment,
        moment=moment,
        module_ids=module_ids,
        today=today,
    )


def require_window_open(
    session: Session,
    *,
    window: MeasurementWindow | None,
    enrolment: Enrolment,
    moment: str,
    module_ids: Collection[str],
    today: date,
) -> MeasurementWindow:
    """``require_open`` for a window the caller has already read (``None``: the cohort has none for the moment)."""
    if window is None:
        raise WindowNotOpen("Voor dit meetmoment is (nog) geen periode vastgesteld.")
    state = standing_for(session, window=window, user_id=enrolment.user_id, module_ids=module_ids, today=today).state
    if state is WindowState.closed:
        raise WindowClosed(
            f"De periode voor de {MOMENT_LABELS[moment].lower()} is op "
            f"{window.closes_on.strftime('%d-%m-%Y')} gesloten. Antwoorden kunnen niet meer worden opgeslagen."
        )
    if state is WindowState.upcoming:
        raise WindowNotOpen(f"De {MOMENT_LABELS[moment].lower()} staat nog niet open.")
    return window


def t0_gate(session: Session, user: User, *, today: date | None = None) -> str | None:
    """A Dutch reason why the trainee's modules are still locked, or None.

    A cohort with ``require_t0_before_modules`` locks the modules until the trainee submitted the voormeting.
    The lock lifts when the T0 window has closed: a missed voormeting can no longer be made up, and locking the
    training for good would only harm the trainee.
    """
    today = today or date.today()
    rows = session.exec(
        select(Enrolment, Cohort)
        .join(Cohort, col(Cohort.id) == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id, col(Cohort.require_t0_before_modules).is_(True))
    ).all()
    for enrolment, _cohort in rows:
        submitted = session.exec(
            select(QuestionnaireResponse.id).where(
                QuestionnaireResponse.enrolment_id == enrolment.id,
                QuestionnaireResponse.moment == "T0",
                QuestionnaireResponse.status == "submitted",
            )
        ).first()
        if submitted is not None:
            continue
        window = get_window(session, cohort_id=enrolment.cohort_id, moment="T0")
        if window is None:
            return "De modules gaan open nadat je de voormeting (T0) hebt ingevuld. De voormeting staat nog niet klaar."
        if window_state(window, today=today) is WindowState.closed:
            continue
        return (
            "De modules gaan open nadat je de voormeting (T0) hebt ingevuld en ingediend. "
            "Je vindt haar onder Vragenlijsten."
        )
    return None


def t1_submissions(session: Session, enrolment_ids: Collection[int]) -> dict[int, datetime]:
    """Enrolment id -> when its nameting (T1) was submitted, for those that submitted one (for the certificate,
    training.certificate, which may not read the monitor itself). Paper forms count as submitted too."""
    if not enrolment_ids:
        return {}
    rows = session.exec(
        select(QuestionnaireResponse.enrolment_id, QuestionnaireResponse.submitted_at).where(
            col(QuestionnaireResponse.enrolment_id).in_(list(enrolment_ids)),
            QuestionnaireResponse.moment == "T1",
            QuestionnaireResponse.status == "submitted",
        )
    ).all()
    out: dict[int, datetime] = {}
    for enrolment_id, submitted_at in rows:
        if submitted_at is not None and (enrolment_id not in out or submitted_at < out[enrolment_id]):
            out[enrolment_id] = submitted_at
    return out
