"""Paper forms: a trainer types in a trainee's paper questionnaire (source "paper"), once, for their own cohort.

Entry goes in three steps: choose person and moment (someone who already has a response is named first), type the
answers and the date on the form, then review and save. ``check_paper_form`` checks everything and writes nothing;
``enter_paper_response`` checks again and writes. A second identical save (a double click) writes nothing more.

An admin may correct a submitted response afterwards (``correct_response``): with a reason, the scores recomputed and
each changed item's old and new value in the audit trail (``response.corrected``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from monitor.errors import MonitorError, QuestionnaireNotAllowed, ResponseExists, ResponseNotFound
from monitor.models import Answer, InstrumentVersion, QuestionnaireResponse
from monitor.questionnaire.instrument import MOMENTS, THEN_TEST_MOMENT, AnswerValue, Instrument
from monitor.questionnaire.responses import (
    SUBMITTED,
    answers_of,
    check_open_text,
    find_response,
    get_or_create_response,
    open_answers_of,
    parse_value,
    write_answer,
    write_open_answer,
)
from monitor.questionnaire.stored_scores import store_scores
from monitor.questionnaire.versions import instrument_of
from monitor.questionnaire.windows import MOMENT_LABELS, get_window, lower_first
from training import audit_trail
from training.access import get_visible_cohort
from training.errors import Conflict, InvalidForm
from training.ids import id_of
from training.models import Cohort, Enrolment, Role, User, utcnow

# A paper form may be dated this many days before its moment opened: the voormeting is often handed out at the first
# meeting, which can fall a little before the window set in the platform. Earlier than that is a typo or the wrong
# moment. A date after today is always a typo.
PAPER_DATE_SLACK_DAYS = 14
DATE_FIELD = "datum"
_DUTCH_DATE_RE = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")
_ISO_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True)
class PaperTarget:
    cohort: Cohort
    trainees: list[tuple[Enrolment, User]]
    # per enrolment, the moments that already have a response (and its status): named before any typing
    existing: dict[int, dict[str, str]] = field(default_factory=dict)
    # per enrolment and moment, the id of that response (admins get a link to correct a submitted one)
    response_ids: dict[int, dict[str, int]] = field(default_factory=dict)

    def existing_id(self, enrolment_id: int | None, moment: str | None) -> int | None:
        if enrolment_id is None or moment is None:
            return None
        return self.response_ids.get(enrolment_id, {}).get(moment)

    def existing_for(self, enrolment_id: int | None, moment: str | None) -> str | None:
        """The status of the response this person already has at this moment, or None if there is none."""
        if enrolment_id is None or moment is None:
            return None
        return self.existing.get(enrolment_id, {}).get(moment)

    def name_of(self, enrolment_id: int | None) -> str | None:
        return next((u.name for e, u in self.trainees if e.id == enrolment_id), None)


def paper_target(session: Session, *, user: User, cohort_id: int, instrument_id: str | None = None) -> PaperTarget:
    """The cohort and its active trainees, if the user trains it (admins: any) and it is not archived. Managers never
    enter answers; deactivated trainees are not listed, so nothing can be entered for them."""
    if user.role not in (Role.trainer, Role.admin):
        raise QuestionnaireNotAllowed("Alleen trainers voeren papieren vragenlijsten in.")
    cohort = get_visible_cohort(session, user=user, cohort_id=cohort_id)
    if cohort.archived_at is not None:
        raise Conflict("Deze groep is gearchiveerd: er kunnen geen papieren vragenlijsten meer worden ingevoerd.")
    trainees = list(
        session.exec(
            select(Enrolment, User)
            .join(User, col(User.id) == Enrolment.user_id)
            .where(
                Enrolment.cohort_id == cohort.id,
                col(Enrolment.deactivated_at).is_(None),
                col(User.is_active).is_(True),
            )
            .order_by(User.name)
        )
    )
    existing: dict[int, dict[str, str]] = {}
    response_ids: dict[int, dict[str, int]] = {}
    ids = [e.id for e, _ in trainees if e.id is not None]
    if ids and instrument_id is not None:
        for response in session.exec(
            select(QuestionnaireResponse).where(
                col(QuestionnaireResponse.enrolment_id).in_(ids), QuestionnaireResponse.instrument_id == instrument_id
            )
        ):
            existing.setdefault(response.enrolment_id, {})[response.moment] = response.status
            if response.id is not None:
                response_ids.setdefault(response.enrolment_id, {})[response.moment] = response.id
    return PaperTarget(cohort, trainees, existing, response_ids)


def field_id(key: tuple[str, bool]) -> str:
    """The id of a closed question's fieldset on the form ("vraag-a-KEN1", "vraag-t-ZEL1"): error links point there."""
    return f"vraag-{'t' if key[1] else 'a'}-{key[0]}"


def format_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def parse_paper_date(raw: str) -> date | None:
    """The date as typed: 2026-12-05 (a date field) or 5-12-2026, 05/12/2026, 5.12.2026 (typed by hand)."""
    raw = raw.strip()
    try:
        if match := _ISO_DATE_RE.fullmatch(raw):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DUTCH_DATE_RE.fullmatch(raw):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:  # 31-02-2026
        return None
    return None


def earliest_paper_date(session: Session, *, cohort: Cohort, moment: str) -> tuple[date, str]:
    """The earliest date a paper form of this moment may carry, and why (Dutch, for the error message).

    From the opening of the moment's window, less the slack. Without a fixed opening date (no window, or a nameting
    that opens once the modules are completed) the cohort's start date counts instead."""
    window = get_window(session, cohort_id=cohort.id or 0, moment=moment)
    label = lower_first(MOMENT_LABELS.get(moment, moment))
    if window is not None and window.open_rule == "date":
        base, why = window.opens_on, f"de {label} van deze groep ging open op {format_date(window.opens_on)}"
    else:
        base, why = cohort.start_date, f"deze groep begon op {format_date(cohort.start_date)}"
    return base - timedelta(days=PAPER_DATE_SLACK_DAYS), why


def check_paper_date(session: Session, *, cohort: Cohort, moment: str, raw: str, today: date) -> date:
    """The date on the form, or InvalidForm with one Dutch problem on the date field."""
    if not raw.strip():
        raise InvalidForm([(DATE_FIELD, "Vul de datum in die op het papieren formulier staat.")])
    day = parse_paper_date(raw)
    if day is None:
        raise InvalidForm(
            [(DATE_FIELD, "Deze datum bestaat niet of is onleesbaar. Vul hem in als dag-maand-jaar, bv. 5-12-2026.")]
        )
    if day > today:
        raise InvalidForm(
            [
                (
                    DATE_FIELD,
                    f"De datum {format_date(day)} ligt na vandaag ({format_date(today)}). "
                    "Neem de datum over die op het papieren formulier staat.",
                )
            ]
        )
    earliest, why = earliest_paper_date(session, cohort=cohort, moment=moment)
    if day < earliest:
        raise InvalidForm(
            [
                (
                    DATE_FIELD,
                    f"De datum {format_date(day)} ligt te vroeg: {why}. Een papieren formulier mag hoogstens "
                    f"{PAPER_DATE_SLACK_DAYS} dagen eerder gedateerd zijn, dus vanaf {format_date(earliest)}. "
                    "Controleer de datum en het meetmoment.",
                )
            ]
        )
    return day


@dataclass(frozen=True)
class CheckedPaperForm:
    """A paper form that passed every check, ready to review and to save."""

    cohort: Cohort
    enrolment: Enrolment
    person: str
    moment: str
    paper_date: date
    answers: dict[tuple[str, bool], AnswerValue]
    open_texts: dict[str, str]


def check_paper_form(
    session: Session,
    *,
    user: User,
    cohort_id: int,
    enrolment_id: int,
    moment: str,
    instrument: Instrument,
    values: Mapping[tuple[str, bool], str],
    open_texts: Mapping[str, str],
    raw_date: str,
    today: date | None = None,
) -> CheckedPaperForm:
    """Check the whole form and write nothing. A person or moment that does not belong here, or that already has a
    response, is refused first; then every problem of the form at once (InvalidForm, each with its field)."""
    target = paper_target(session, user=user, cohort_id=cohort_id, instrument_id=instrument.id)
    enrolment, person = _person(target, enrolment_id, moment)
    if find_response(session, enrolment_id=enrolment_id, moment=moment, instrument_id=instrument.id):
        raise ResponseExists()
    return _check_form(
        session, target.cohort, enrolment, person, moment, instrument, values, open_texts, raw_date, today
    )


def _person(target: PaperTarget, enrolment_id: int, moment: str) -> tuple[Enrolment, str]:
    found = next(((e, u) for e, u in target.trainees if e.id == enrolment_id), None)
    if found is None or moment not in MOMENTS:
        raise ResponseNotFound("Deze deelnemer of dit meetmoment hoort niet bij deze groep.")
    return found[0], found[1].name


def _check_form(
    session: Session,
    cohort: Cohort,
    enrolment: Enrolment,
    person: str,
    moment: str,
    instrument: Instrument,
    values: Mapping[tuple[str, bool], str],
    open_texts: Mapping[str, str],
    raw_date: str,
    today: date | None,
) -> CheckedPaperForm:
    problems: list[tuple[str | None, str]] = []
    paper_date = None
    try:
        paper_date = check_paper_date(session, cohort=cohort, moment=moment, raw=raw_date, today=today or date.today())
    except InvalidForm as exc:
        problems.extend(exc.problems)
    parsed: dict[tuple[str, bool], AnswerValue] = {}
    for key, raw in values.items():
        if not raw.strip():
            continue
        try:
            parsed[key] = parse_value(instrument, moment=moment, question_id=key[0], then_test=key[1], raw=raw)
        except MonitorError as exc:
            problems.append((field_id(key), exc.message))
    texts: dict[str, str] = {}
    for qid, text in open_texts.items():
        if not text.strip():
            continue
        try:
            texts[qid] = check_open_text(instrument, moment=moment, question_id=qid, text=text)
        except MonitorError as exc:
            problems.append((f"o-{qid}", exc.message))
    if problems or paper_date is None:
        raise InvalidForm(problems)
    return CheckedPaperForm(cohort, enrolment, person, moment, paper_date, parsed, texts)


def _same_entry(session: Session, response: QuestionnaireResponse, *, user: User, form: CheckedPaperForm) -> bool:
    """Whether ``response`` is this very form, saved before by this user (a double click on "Opslaan")."""
    return (
        response.source == "paper"
        and response.entered_by_user_id == user.id
        and response.status == SUBMITTED
        and response.paper_date == form.paper_date
        and answers_of(session, response_id=response.id or 0) == form.answers
        and open_answers_of(session, response_id=response.id or 0) == form.open_texts
    )


def enter_paper_response(
    session: Session,
    *,
    user: User,
    cohort_id: int,
    enrolment_id: int,
    moment: str,
    instrument: Instrument,
    values: Mapping[tuple[str, bool], str],
    open_texts: Mapping[str, str],
    raw_date: str,
    today: date | None = None,
) -> tuple[QuestionnaireResponse, bool]:
    """Check every value first, then store one submitted response (source "paper", entered by the trainer).

    (response, created). The same form saved twice by the same user (a double click, a second tab) is not an error:
    the second save writes nothing and returns the first response with created False. A different form for a person
    and moment that already have a response is ResponseExists; the unique constraint decides a race."""
    target = paper_target(session, user=user, cohort_id=cohort_id)
    enrolment, person = _person(target, enrolment_id, moment)
    existing = find_response(session, enrolment_id=id_of(enrolment), moment=moment, instrument_id=instrument.id)
    try:
        form = _check_form(
            session, target.cohort, enrolment, person, moment, instrument, values, open_texts, raw_date, today
        )
    except InvalidForm:
        if existing is not None:  # that there is a response already is what matters here
            raise ResponseExists() from None
        raise
    if existing is not None:
        if _same_entry(session, existing, user=user, form=form):
            return existing, False
        raise ResponseExists()
    response, created = get_or_create_response(
        session, enrolment=enrolment, moment=moment, instrument=instrument, source="paper", entered_by_user_id=user.id
    )
    if not created:  # entered at the same moment, by a second click of this user or by someone else
        session.refresh(response)
        if _same_entry(session, response, user=user, form=form):
            return response, False
        raise ResponseExists()
    for (question_id, then_test), value in form.answers.items():
        fields = {"value": value} if isinstance(value, int) else {"missing_code": value}
        session.add(Answer(response_id=id_of(response), item_id=question_id, then_test=then_test, **fields))
    for question_id, text in form.open_texts.items():
        write_open_answer(session, response_id=id_of(response), question_id=question_id, text=text)
    response.status, response.submitted_at, response.paper_date = SUBMITTED, utcnow(), form.paper_date
    session.add(response)
    session.flush()
    store_scores(session, id_of(response))
    return response, True


# --- correction by an admin --------------------------------------------------------------------------------------

REASON_FIELD = "reden"
REASON_MAX_LENGTH = 1000


@dataclass(frozen=True)
class CorrectionTarget:
    """A submitted response as an admin corrects it: the closed answers, never the free text (only its author's)."""

    response: QuestionnaireResponse
    person: str
    cohort: Cohort
    instrument: Instrument
    answers: dict[tuple[str, bool], AnswerValue]

    @property
    def moment(self) -> str:
        return self.response.moment


@dataclass(frozen=True)
class Change:
    item_id: str
    then_test: bool
    old: AnswerValue | None  # None: not answered
    new: AnswerValue | None

    def as_detail(self) -> dict[str, object]:
        return {"item": self.item_id, "then_test": self.then_test, "old": self.old, "new": self.new}


def correctable_keys(instrument: Instrument, moment: str) -> list[tuple[str, bool]]:
    """Every closed question of the moment in form order: items (and their then-test at T1), then background."""
    keys: list[tuple[str, bool]] = []
    for item in instrument.items_for(moment):
        keys.append((item.id, False))
        if item.then_test and moment == THEN_TEST_MOMENT:
            keys.append((item.id, True))
    keys += [(q.id, False) for q in instrument.background_for(moment)]
    return keys


def correction_target(session: Session, *, user: User, response_id: int) -> CorrectionTarget:
    """Only admins correct, and only a submitted response (online or paper, any moment)."""
    if user.role != Role.admin:
        raise QuestionnaireNotAllowed("Alleen beheerders kunnen een ingediende vragenlijst corrigeren.")
    row = session.exec(
        select(QuestionnaireResponse, User, Cohort, InstrumentVersion)
        .join(Enrolment, col(Enrolment.id) == QuestionnaireResponse.enrolment_id)
        .join(User, col(User.id) == Enrolment.user_id)
        .join(Cohort, col(Cohort.id) == Enrolment.cohort_id)
        .join(InstrumentVersion, col(InstrumentVersion.id) == QuestionnaireResponse.instrument_version_id)
        .where(QuestionnaireResponse.id == response_id)
    ).first()
    if row is None:
        raise ResponseNotFound("Deze vragenlijst bestaat niet.")
    response, person, cohort, version = row
    if response.status != SUBMITTED:
        raise Conflict(
            "Deze vragenlijst is nog niet ingediend. Alleen een ingediende vragenlijst kun je corrigeren; "
            "de deelnemer past de eigen antwoorden tot het indienen zelf aan."
        )
    return CorrectionTarget(
        response, person.name, cohort, instrument_of(version), answers_of(session, response_id=response_id)
    )


def correct_response(
    session: Session, *, user: User, response_id: int, values: Mapping[tuple[str, bool], str], reason: str
) -> list[Change]:
    """Change closed answers of a submitted response, with a reason. Every problem at once; nothing is written unless
    all is right and something changed. The stored scores are recomputed and the audit trail gets
    ``response.corrected`` with the reason and each changed item's old and new value (scale values and codes only,
    never free text). An empty value clears an answer."""
    target = correction_target(session, user=user, response_id=response_id)
    problems: list[tuple[str | None, str]] = []
    reason = reason.strip()
    if not reason:
        problems.append(
            (REASON_FIELD, "Vul de reden van de correctie in, bv. 'overtikfout bij invoer papieren formulier'.")
        )
    elif len(reason) > REASON_MAX_LENGTH:
        problems.append((REASON_FIELD, f"De reden kan hoogstens {REASON_MAX_LENGTH} tekens lang zijn."))
    allowed = set(correctable_keys(target.instrument, target.moment))
    changes: list[Change] = []
    for key, raw in values.items():
        new: AnswerValue | None = None
        if key not in allowed:
            problems.append((None, f"Vraag {key[0]} hoort niet bij deze vragenlijst."))
            continue
        if raw.strip():
            try:
                new = parse_value(
                    target.instrument, moment=target.moment, question_id=key[0], then_test=key[1], raw=raw
                )
            except MonitorError as exc:
                problems.append((field_id(key), exc.message))
                continue
        old = target.answers.get(key)
        if old != new:
            changes.append(Change(key[0], key[1], old, new))
    if not problems and not changes:
        problems.append(
            (None, "Je hebt geen antwoord gewijzigd. Kies een ander antwoord of ga terug zonder op te slaan.")
        )
    if problems:
        raise InvalidForm(problems)
    for change in changes:
        if change.new is None:
            session.exec(
                delete(Answer).where(
                    col(Answer.response_id) == response_id,
                    col(Answer.item_id) == change.item_id,
                    col(Answer.then_test) == change.then_test,
                )
            )
        else:
            write_answer(
                session,
                response_id=response_id,
                question_id=change.item_id,
                then_test=change.then_test,
                value=change.new,
            )
    session.flush()
    store_scores(session, response_id)
    audit_trail.record(
        session,
        action="response.corrected",
        object_type="questionnaire_response",
        object_id=response_id,
        organisation_id=target.cohort.organisation_id,
        details={
            "reason": reason,
            "moment": target.moment,
            "source": target.response.source,
            "changes": [change.as_detail() for change in changes],
        },
    )
    return changes
