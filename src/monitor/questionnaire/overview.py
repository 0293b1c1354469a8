"""The trainee's questionnaires: which moments are open, due or done, and a response laid out as pages."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from monitor.errors import ResponseNotFound
from monitor.models import QuestionnaireResponse
from monitor.questionnaire.instrument import (
    THEN_TEST_MOMENT,
    AnswerFormat,
    AnswerValue,
    BackgroundQuestion,
    Instrument,
    Item,
    OpenQuestion,
)
from monitor.questionnaire.responses import SUBMITTED, OwnResponse
from monitor.questionnaire.windows import MOMENT_LABELS, WindowState, standing_for, windows_of
from training.ids import id_of
from training.models import Cohort, Enrolment, User


@dataclass(frozen=True)
class Page:
    """One step of the form: a scale (one format, its items), the open questions, or the background questions."""

    number: int
    kind: str  # "scale" | "open" | "background"
    title: str
    items: Sequence[Item] = ()
    fmt: AnswerFormat | None = None
    then_test: bool = False  # ask the items twice: "Nu" and "Terugkijkend: vóór de training"
    open_questions: Sequence[OpenQuestion] = ()
    background: Sequence[BackgroundQuestion] = ()


@dataclass(frozen=True)
class Unanswered:
    page: int
    question_id: str
    text: str
    then_test: bool = False


@dataclass(frozen=True)
class MomentRow:
    """One moment of one of the trainee's cohorts, as the "Vragenlijsten" page lists it."""

    enrolment_id: int
    cohort_name: str
    moment: str
    label: str
    opens_on: date
    closes_on: date
    state: WindowState
    response_id: int | None
    status: str | None  # None (not started), in_progress, submitted
    submitted_at: object = None

    @property
    def is_done(self) -> bool:
        return self.status == SUBMITTED

    @property
    def can_fill_in(self) -> bool:
        return self.state is WindowState.open and not self.is_done


@dataclass(frozen=True)
class Overview:
    rows: list[MomentRow] = field(default_factory=list)

    @property
    def open(self) -> list[MomentRow]:
        return [row for row in self.rows if row.can_fill_in]

    @property
    def done(self) -> list[MomentRow]:
        return [row for row in self.rows if row.is_done]

    @property
    def later(self) -> list[MomentRow]:
        return [row for row in self.rows if not row.is_done and row.state is not WindowState.open]


def choices_of(question: AnswerFormat | BackgroundQuestion) -> list[tuple[int | str, str]]:
    """The options of a closed question in form order: (value, label), scale points first, then missing codes."""
    if isinstance(question, BackgroundQuestion):
        return [(choice.code, choice.label) for choice in question.choices]
    return [*question.labels.items(), *((choice.code, choice.label) for choice in question.missing)]


def pages_for(instrument: Instrument, moment: str) -> list[Page]:
    """One page per scale asked at the moment, then the open questions, then the background questions."""
    pages: list[Page] = []
    for scale in instrument.scales:
        items = [item for item in instrument.scale_items(scale.id) if moment in item.moments]
        if not items:
            continue
        then_test = moment == THEN_TEST_MOMENT and any(item.then_test for item in items)
        pages.append(Page(len(pages) + 1, "scale", scale.title, items, instrument.format_of(scale), then_test))
    if open_questions := instrument.open_questions_for(moment):
        pages.append(Page(len(pages) + 1, "open", "Open vragen", open_questions=open_questions))
    if background := instrument.background_for(moment):
        pages.append(Page(len(pages) + 1, "background", "Over jezelf", background=background))
    return pages


def page_of(pages: Sequence[Page], number: int) -> Page:
    if not 1 <= number <= len(pages):
        raise ResponseNotFound("Deze stap bestaat niet.")
    return pages[number - 1]


def unanswered(
    pages: Sequence[Page], answers: Mapping[tuple[str, bool], AnswerValue], open_answers: Mapping[str, str]
) -> list[Unanswered]:
    """Every question without an answer, in form order, with the page where it is asked."""
    missing: list[Unanswered] = []
    for page in pages:
        for item in page.items:
            if (item.id, False) not in answers:
                missing.append(Unanswered(page.number, item.id, item.text))
            if page.then_test and item.then_test and (item.id, True) not in answers:
                missing.append(Unanswered(page.number, item.id, item.text, then_test=True))
        missing += [Unanswered(page.number, q.id, q.text) for q in page.open_questions if not open_answers.get(q.id)]
        missing += [Unanswered(page.number, q.id, q.text) for q in page.background if (q.id, False) not in answers]
    return missing


def overview(
    session: Session, *, user: User, instrument: Instrument, module_ids: Collection[str], today: date | None = None
) -> Overview:
    """Every moment of the trainee's cohorts that has a window: open, later, or done."""
    today = today or date.today()
    enrolments = session.exec(
        select(Enrolment, Cohort)
        .join(Cohort, col(Cohort.id) == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id)
        .order_by(col(Cohort.start_date))
    ).all()
    if not enrolments:
        return Overview()
    windows = windows_of(session, cohort_ids=[id_of(cohort) for _, cohort in enrolments])
    responses = {
        (r.enrolment_id, r.moment): r
        for r in session.exec(
            select(QuestionnaireResponse).where(
                col(QuestionnaireResponse.enrolment_id).in_([e.id for e, _ in enrolments]),
                QuestionnaireResponse.instrument_id == instrument.id,
            )
        )
    }
    rows = []
    for enrolment, cohort in enrolments:
        for window in windows[id_of(cohort)]:
            state = standing_for(session, window=window, user_id=id_of(user), module_ids=module_ids, today=today).state
            response = responses.get((id_of(enrolment), window.moment))
            rows.append(
                MomentRow(
                    id_of(enrolment),
                    cohort.name,
                    window.moment,
                    MOMENT_LABELS[window.moment],
                    window.opens_on,
                    window.closes_on,
                    state,
                    response.id if response else None,
                    response.status if response else None,
                    response.submitted_at if response else None,
                )
            )
    return Overview(rows)


def resume_page(own: OwnResponse, pages: Sequence[Page]) -> int:
    """The first page with an unanswered question (resume where the trainee left off, on any device)."""
    missing = unanswered(pages, own.answers, own.open_answers)
    return missing[0].page if missing else len(pages)
