"""Use cases of one response: start it, save answers one at a time, submit it once. Only its author reads it."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from monitor.errors import (
    AnswerOutOfRange,
    InvalidQuestionnaireInput,
    QuestionnaireNotAllowed,
    ResponseAlreadySubmitted,
    ResponseNotFound,
    UnknownItem,
)
from monitor.models import Answer, InstrumentVersion, MeasurementWindow, OpenAnswer, QuestionnaireResponse
from monitor.questionnaire.instrument import MOMENTS, THEN_TEST_MOMENT, AnswerValue, Instrument
from monitor.questionnaire.stored_scores import store_scores
from monitor.questionnaire.versions import get_or_create_version, instrument_of, instrument_of_version
from monitor.questionnaire.windows import require_open, require_window_open
from training.ids import id_of
from training.models import Enrolment, Role, User, utcnow

OPEN_ANSWER_MAX_LENGTH = 5000
# An answer on a scale: ASCII digits only (str.isdigit() also accepts "²", which int() refuses).
WHOLE_NUMBER_RE = re.compile(r"-?[0-9]{1,5}")
IN_PROGRESS, SUBMITTED = "in_progress", "submitted"


@dataclass(frozen=True)
class OwnResponse:
    """A response with what it needs to be shown: the instrument of its own version and its answers."""

    response: QuestionnaireResponse
    enrolment: Enrolment
    instrument: Instrument
    answers: dict[tuple[str, bool], AnswerValue]  # (question id, then_test) -> value or code
    open_answers: dict[str, str]

    @property
    def moment(self) -> str:
        return self.response.moment

    @property
    def is_submitted(self) -> bool:
        return self.response.status == SUBMITTED


def _require_trainee(user: User) -> None:
    if user.role != Role.trainee:
        raise QuestionnaireNotAllowed("Alleen deelnemers vullen hun eigen vragenlijst in.")


def own_enrolment(session: Session, *, user: User, enrolment_id: int) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        raise ResponseNotFound("Deze inschrijving bestaat niet of is niet van u.")
    return enrolment


def find_response(
    session: Session, *, enrolment_id: int, moment: str, instrument_id: str
) -> QuestionnaireResponse | None:
    return session.exec(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.enrolment_id == enrolment_id,
            QuestionnaireResponse.moment == moment,
            QuestionnaireResponse.instrument_id == instrument_id,
        )
    ).first()


def get_or_create_response(
    session: Session,
    *,
    enrolment: Enrolment,
    moment: str,
    instrument: Instrument,
    source: str = "web",
    entered_by_user_id: int | None = None,
) -> tuple[QuestionnaireResponse, bool]:
    """(response, created). One per enrolment, moment and instrument: the unique constraint decides a race."""
    response = find_response(session, enrolment_id=id_of(enrolment), moment=moment, instrument_id=instrument.id)
    if response is not None:
        return response, False
    version = get_or_create_version(session, instrument=instrument)
    response = QuestionnaireResponse(
        enrolment_id=id_of(enrolment),
        moment=moment,
        instrument_id=instrument.id,
        instrument_version_id=id_of(version),
        source=source,
        entered_by_user_id=entered_by_user_id,
    )
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError:  # a second tab or device started it at the same moment
        response = find_response(session, enrolment_id=id_of(enrolment), moment=moment, instrument_id=instrument.id)
        assert response is not None
        return response, False
    return response, True


def start_response(
    session: Session,
    *,
    user: User,
    enrolment_id: int,
    moment: str,
    instrument: Instrument,
    module_ids: Collection[str],
    today: date | None = None,
) -> QuestionnaireResponse:
    """The trainee's response for the moment: the existing one (resume on any device) or a new one."""
    _require_trainee(user)
    if moment not in MOMENTS:
        raise ResponseNotFound("Dit meetmoment bestaat niet.")
    enrolment = own_enrolment(session, user=user, enrolment_id=enrolment_id)
    existing = find_response(session, enrolment_id=id_of(enrolment), moment=moment, instrument_id=instrument.id)
    if existing is not None:
        return existing
    require_open(session, enrolment=enrolment, moment=moment, module_ids=module_ids, today=today or date.today())
    return get_or_create_response(session, enrolment=enrolment, moment=moment, instrument=instrument)[0]


def _own(session: Session, *, user: User, response_id: int) -> tuple[QuestionnaireResponse, Enrolment]:
    """The response if it is the user's own. Anyone else's, or none, is the same NotFound: nothing is revealed."""
    _require_trainee(user)
    row = session.exec(
        select(QuestionnaireResponse, Enrolment)
        .join(Enrolment, col(Enrolment.id) == QuestionnaireResponse.enrolment_id)
        .where(QuestionnaireResponse.id == response_id, Enrolment.user_id == user.id)
    ).first()
    if row is None:
        raise ResponseNotFound()
    return row


# response, enrolment, the cohort's window for the moment (None: none, an outer join), instrument id, version hash
_WritableQuery = Select[QuestionnaireResponse, Enrolment, MeasurementWindow | None, str, str]


@dataclass(frozen=True)
class _Writable:
    response: QuestionnaireResponse
    instrument: Instrument


def _own_writable(
    session: Session, *, user: User, response_id: int, module_ids: Collection[str], today: date | None
) -> _Writable:
    """The user's own response, still in progress, in an open window, with its frozen instrument.

    One query reads the response, its enrolment, the cohort's window for the moment and the version's identity (the
    instrument itself comes from a cache keyed by its content hash): an answer is saved on every click.
    """
    _require_trainee(user)
    query: _WritableQuery = select(  # type: ignore[call-overload]  # sqlmodel types select() for <= 4 columns
        QuestionnaireResponse,
        Enrolment,
        MeasurementWindow,
        InstrumentVersion.instrument_id,
        InstrumentVersion.version_hash,
    )
    row = session.exec(
        query.join(Enrolment, col(Enrolment.id) == QuestionnaireResponse.enrolment_id)
        .join(InstrumentVersion, col(InstrumentVersion.id) == QuestionnaireResponse.instrument_version_id)
        .outerjoin(
            MeasurementWindow,
            and_(
                col(MeasurementWindow.cohort_id) == Enrolment.cohort_id,
                col(MeasurementWindow.moment) == QuestionnaireResponse.moment,
            ),
        )
        .where(QuestionnaireResponse.id == response_id, Enrolment.user_id == user.id)
    ).first()
    if row is None:
        raise ResponseNotFound()
    response, enrolment, window, instrument_id, version_hash = row
    if response.status != IN_PROGRESS:
        raise ResponseAlreadySubmitted()
    require_window_open(
        session,
        window=window,
        enrolment=enrolment,
        moment=response.moment,
        module_ids=module_ids,
        today=today or date.today(),
    )
    instrument = instrument_of_version(
        session, version_id=response.instrument_version_id, instrument_id=instrument_id, version_hash=version_hash
    )
    return _Writable(response, instrument)


def answers_of(session: Session, *, response_id: int) -> dict[tuple[str, bool], AnswerValue]:
    result: dict[tuple[str, bool], AnswerValue] = {}
    for row in session.exec(select(Answer).where(Answer.response_id == response_id)):
        value = row.value if row.value is not None else row.missing_code
        if value is not None:
            result[(row.item_id, row.then_test)] = value
    return result


def open_answers_of(session: Session, *, response_id: int) -> dict[str, str]:
    return {
        row.question_id: row.text
        for row in session.exec(select(OpenAnswer).where(OpenAnswer.response_id == response_id))
    }


def get_own_response(session: Session, *, user: User, response_id: int) -> OwnResponse:
    response, enrolment = _own(session, user=user, response_id=response_id)
    version = session.get(InstrumentVersion, response.instrument_version_id)
    assert version is not None  # instrument_version_id is a foreign key
    return OwnResponse(
        response,
        enrolment,
        instrument_of(version),
        answers_of(session, response_id=id_of(response)),
        open_answers_of(session, response_id=id_of(response)),
    )


def parse_value(instrument: Instrument, *, moment: str, question_id: str, then_test: bool, raw: str) -> AnswerValue:
    """The stored value of a raw form value for a closed item or a background question; raises on anything else.

    Closed items take a whole number on their format's range or one of its missing codes; background questions
    take one of their choice codes (stored in ``answer.missing_code``, with no value: they are never scored).
    """
    raw = raw.strip()
    background = {q.id: q for q in instrument.background_for(moment)}
    if question_id in background:
        if then_test:
            raise UnknownItem(f"Vraag {question_id} wordt niet terugkijkend gevraagd.", field=question_id)
        if raw not in {choice.code for choice in background[question_id].choices}:
            raise AnswerOutOfRange("Kies een van de antwoorden die bij deze vraag horen.", field=question_id)
        return raw
    item = next((i for i in instrument.items_for(moment) if i.id == question_id), None)
    if item is None:
        raise UnknownItem(f"Vraag {question_id} hoort niet bij deze vragenlijst.", field=question_id)
    if then_test and not (item.then_test and moment == THEN_TEST_MOMENT):
        raise UnknownItem(f"Vraag {question_id} wordt niet terugkijkend gevraagd.", field=question_id)
    fmt = instrument.format_of(item)
    value: AnswerValue = int(raw) if WHOLE_NUMBER_RE.fullmatch(raw) else raw
    if not instrument.is_valid_value(item, value):
        options = "".join(f" of '{choice.label}'" for choice in fmt.missing)
        raise AnswerOutOfRange(
            f"Kies bij vraag {question_id} een antwoord van {fmt.min} tot en met {fmt.max}{options}.", field=question_id
        )
    return value


def _lock_in_progress(session: Session, response: QuestionnaireResponse) -> None:
    """Take the response's row lock while it is still in progress, so a concurrent submit waits for this save
    (or this save sees the submit): no answer is ever written to a submitted response."""
    result = session.exec(
        update(QuestionnaireResponse)
        .where(col(QuestionnaireResponse.id) == response.id, col(QuestionnaireResponse.status) == IN_PROGRESS)
        .values(status=QuestionnaireResponse.status)
    )
    if result.rowcount != 1:
        raise ResponseAlreadySubmitted()


def write_answer(
    session: Session, *, response_id: int, question_id: str, then_test: bool, value: AnswerValue
) -> Answer:
    """Insert or overwrite one stored answer (validated by the caller) in one statement: an upsert on the unique
    (response, item, then-test) key, so a double click or two tabs saving the same answer at once cannot collide."""
    fields = (
        {"value": value, "missing_code": None} if isinstance(value, int) else {"value": None, "missing_code": value}
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    answered_at = utcnow()
    statement = (
        insert(Answer)
        .values(response_id=response_id, item_id=question_id, then_test=then_test, answered_at=answered_at, **fields)
        .on_conflict_do_update(
            index_elements=["response_id", "item_id", "then_test"], set_={**fields, "answered_at": answered_at}
        )
        .returning(Answer)
    )
    answer: Answer = session.exec(statement, execution_options={"populate_existing": True}).scalar_one()
    return answer


def save_answer(
    session: Session,
    *,
    user: User,
    response_id: int,
    question_id: str,
    raw_value: str,
    then_test: bool = False,
    module_ids: Collection[str],
    today: date | None = None,
) -> Answer:
    """Save one answer as it is given. Refuses (and writes nothing) for someone else's or a submitted response,
    a closed window, an unknown question or a value outside the answer scale."""
    own = _own_writable(session, user=user, response_id=response_id, module_ids=module_ids, today=today)
    value = parse_value(
        own.instrument, moment=own.response.moment, question_id=question_id, then_test=then_test, raw=raw_value
    )
    _lock_in_progress(session, own.response)
    return write_answer(session, response_id=response_id, question_id=question_id, then_test=then_test, value=value)


def save_answers(
    session: Session,
    *,
    user: User,
    response_id: int,
    values: dict[tuple[str, bool], str],
    module_ids: Collection[str],
    today: date | None = None,
) -> int:
    """Save a page of answers at once (the form without JavaScript). All are checked before any is written."""
    own = _own_writable(session, user=user, response_id=response_id, module_ids=module_ids, today=today)
    parsed = {
        key: parse_value(own.instrument, moment=own.response.moment, question_id=key[0], then_test=key[1], raw=raw)
        for key, raw in values.items()
        if raw.strip()
    }
    if parsed:
        _lock_in_progress(session, own.response)
    for (question_id, then_test), value in parsed.items():
        write_answer(session, response_id=response_id, question_id=question_id, then_test=then_test, value=value)
    return len(parsed)


def write_open_answer(session: Session, *, response_id: int, question_id: str, text: str) -> OpenAnswer | None:
    row = session.exec(
        select(OpenAnswer).where(OpenAnswer.response_id == response_id, OpenAnswer.question_id == question_id)
    ).first()
    if not text.strip():
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    if row is None:
        row = OpenAnswer(response_id=response_id, question_id=question_id, text=text)
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            row = session.exec(
                select(OpenAnswer).where(OpenAnswer.response_id == response_id, OpenAnswer.question_id == question_id)
            ).one()
    row.text, row.answered_at = text, utcnow()
    session.add(row)
    session.flush()
    return row


def check_open_text(instrument: Instrument, *, moment: str, question_id: str, text: str) -> str:
    if question_id not in {q.id for q in instrument.open_questions_for(moment)}:
        raise UnknownItem(f"Vraag {question_id} hoort niet bij deze vragenlijst.", field=question_id)
    if len(text) > OPEN_ANSWER_MAX_LENGTH:
        raise InvalidQuestionnaireInput(
            f"Een antwoord kan hoogstens {OPEN_ANSWER_MAX_LENGTH} tekens lang zijn.", field=question_id
        )
    return text


def save_open_answer(
    session: Session,
    *,
    user: User,
    response_id: int,
    question_id: str,
    text: str,
    module_ids: Collection[str],
    today: date | None = None,
) -> OpenAnswer | None:
    """Save (or clear, when empty) the answer to an open question."""
    own = _own_writable(session, user=user, response_id=response_id, module_ids=module_ids, today=today)
    text = check_open_text(own.instrument, moment=own.response.moment, question_id=question_id, text=text)
    _lock_in_progress(session, own.response)
    return write_open_answer(session, response_id=response_id, question_id=question_id, text=text)


def submit_response(
    session: Session, *, user: User, response_id: int, module_ids: Collection[str], today: date | None = None
) -> bool:
    """Submit once: an atomic conditional UPDATE. True if this call submitted it, False if it already was
    (a double click or a second tab); the answers are untouched either way."""
    response, enrolment = _own(session, user=user, response_id=response_id)
    if response.status == SUBMITTED:
        return False
    require_open(
        session, enrolment=enrolment, moment=response.moment, module_ids=module_ids, today=today or date.today()
    )
    result = session.exec(
        update(QuestionnaireResponse)
        .where(col(QuestionnaireResponse.id) == response.id, col(QuestionnaireResponse.status) == IN_PROGRESS)
        .values(status=SUBMITTED, submitted_at=utcnow())
    )
    session.expire(response)
    if result.rowcount != 1:
        return False
    store_scores(session, response_id)
    return True
