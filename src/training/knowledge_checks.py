"""Use cases of a module's knowledge check: open it (options shuffled, the order kept), submit it, review the result."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from training.content import (
    AttemptResult,
    Module,
    Option,
    OptionOrder,
    Question,
    answers_from_positions,
    covers,
    grade_attempt,
    ordered_options,
    shuffled_order,
)
from training.errors import InvalidInput
from training.ids import id_of
from training.models import QuizAttempt, QuizOpenAttempt, User
from training.progress import ModuleGate, ModuleStanding, maybe_complete, open_module, progress_row

_SYSTEM_RANDOM = random.SystemRandom()


@dataclass(frozen=True)
class OpenCheck:
    """A check as the trainee sees it now: the standing, and each question with its options in the stored order."""

    standing: ModuleStanding
    order: OptionOrder

    @property
    def module(self) -> Module:
        return self.standing.module

    def options(self, question: Question) -> tuple[Option, ...]:
        return ordered_options(question, self.order)


@dataclass(frozen=True)
class OptionReview:
    text: str
    chosen: bool
    correct: bool
    feedback: str | None  # shown for the options the trainee chose


@dataclass(frozen=True)
class QuestionReview:
    number: int
    text: str
    correct: bool
    options: tuple[OptionReview, ...]  # in the order they were shown
    explanation: str | None

    @property
    def chosen(self) -> tuple[OptionReview, ...]:
        return tuple(option for option in self.options if option.chosen)

    @property
    def right(self) -> tuple[OptionReview, ...]:
        return tuple(option for option in self.options if option.correct)


@dataclass(frozen=True)
class AttemptReview:
    """The trainee's latest attempt, graded against the module as it is now (``questions`` empty when it changed)."""

    standing: ModuleStanding
    score: float
    passed: bool
    pass_mark: int
    correct_count: int | None
    question_count: int | None
    questions: tuple[QuestionReview, ...]
    submitted_at: datetime

    @property
    def unread_sections(self) -> list[tuple[str, str]]:
        """(id, title) of the sections still to read: what stands between a passed check and a completed module."""
        module = self.standing.module
        return [(s.id, s.title) for s in module.sections if s.id not in self.standing.sections_read]


def _load(text: str | None) -> OptionOrder:
    data = json.loads(text) if text else {}
    return {str(key): tuple(value) for key, value in data.items()} if isinstance(data, dict) else {}


def _open_row(session: Session, user: User, module: Module) -> QuizOpenAttempt | None:
    return session.exec(
        select(QuizOpenAttempt).where(QuizOpenAttempt.user_id == user.id, QuizOpenAttempt.module_id == module.id)
    ).first()


def _last_order(session: Session, user: User, module: Module) -> OptionOrder | None:
    last = session.exec(
        select(QuizAttempt.option_order_json)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
        .order_by(col(QuizAttempt.id).desc())
    ).first()
    return _load(last) if last else None


def open_check(
    session: Session,
    *,
    user: User,
    modules: Sequence[Module],
    module_id: str,
    gate: ModuleGate | None = None,
    rng: random.Random | None = None,
) -> OpenCheck:
    """The check with the option order of the open attempt; a new shuffled order when none is open or it is stale.

    A new order differs from the one of the last submitted attempt, so a retry cannot be answered by position.
    """
    standing = open_module(session, user=user, modules=modules, module_id=module_id, gate=gate)
    module = standing.module
    row = _open_row(session, user, module)
    if (
        row is not None
        and row.content_hash == module.content_hash
        and covers(module.knowledge_check, _load(row.option_order_json))
    ):
        return OpenCheck(standing, _load(row.option_order_json))
    order = shuffled_order(module.knowledge_check, rng or _SYSTEM_RANDOM, unlike=_last_order(session, user, module))
    text = json.dumps({key: list(value) for key, value in order.items()}, sort_keys=True)
    if row is None:
        row = QuizOpenAttempt(
            user_id=id_of(user), module_id=module.id, content_hash=module.content_hash, option_order_json=text
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # opened at the same moment in another tab: show the order that one stored
            stored = _open_row(session, user, module)
            assert stored is not None
            return OpenCheck(standing, _load(stored.option_order_json))
    else:
        row.content_hash, row.option_order_json = module.content_hash, text
        session.add(row)
    session.flush()
    return OpenCheck(standing, order)


def submit_attempt(
    session: Session,
    *,
    user: User,
    modules: Sequence[Module],
    module_id: str,
    positions: Mapping[str, Sequence[str]],
    gate: ModuleGate | None = None,
) -> AttemptResult:
    """Grade the positions chosen (question id -> "1", "2", ... as shown) against the stored order, and record it.

    Raises InvalidInput (nothing written) when the check was not opened, was changed since, or an answer is missing.
    """
    standing = open_module(session, user=user, modules=modules, module_id=module_id, gate=gate)
    module = standing.module
    row = _open_row(session, user, module)
    order = _load(row.option_order_json) if row is not None else {}
    if row is None or row.content_hash != module.content_hash or not covers(module.knowledge_check, order):
        raise InvalidInput("Deze kennischeck is intussen veranderd of verlopen. Beantwoord de vragen opnieuw.")
    answers = answers_from_positions(module.knowledge_check, order, positions)
    result = grade_attempt(module, answers)  # raises InvalidInput for unknown ids or missing answers
    progress = progress_row(session, user, module)
    session.add(
        QuizAttempt(
            user_id=id_of(user),
            module_id=module.id,
            content_hash=module.content_hash,
            answers_json=json.dumps({q: sorted(v) for q, v in answers.items()}, sort_keys=True),
            option_order_json=row.option_order_json,
            score=result.score,
            passed=result.passed,
        )
    )
    session.delete(row)  # the next attempt gets a new order
    progress.attempts += 1
    progress.best_score = result.score if progress.best_score is None else max(progress.best_score, result.score)
    progress.content_hash = module.content_hash
    maybe_complete(session, user, module, progress)
    session.add(progress)
    session.flush()
    return result


def latest_review(
    session: Session, *, user: User, modules: Sequence[Module], module_id: str, gate: ModuleGate | None = None
) -> AttemptReview | None:
    """The trainee's own latest attempt at the module's check, question by question; None before the first."""
    standing = open_module(session, user=user, modules=modules, module_id=module_id, gate=gate)
    module = standing.module
    attempt = session.exec(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
        .order_by(col(QuizAttempt.id).desc())
    ).first()
    if attempt is None:
        return None
    answers = {str(k): list(v) for k, v in json.loads(attempt.answers_json).items()}
    try:
        result = grade_attempt(module, answers)
    except InvalidInput:  # the check was edited after this attempt: only its stored score is still meaningful
        return AttemptReview(
            standing, attempt.score, attempt.passed, module.pass_mark, None, None, (), attempt.created_at
        )
    order = _load(attempt.option_order_json)
    reviews = []
    for number, (question, graded) in enumerate(
        zip(module.knowledge_check.questions, result.questions, strict=True), 1
    ):
        reviews.append(
            QuestionReview(
                number=number,
                text=question.text,
                correct=graded.correct,
                options=tuple(
                    OptionReview(option.text, option.id in graded.chosen, option.correct, option.feedback)
                    for option in ordered_options(question, order)
                ),
                explanation=question.explanation,
            )
        )
    return AttemptReview(
        standing,
        result.score,
        result.passed,
        result.pass_mark,
        result.correct_count,
        result.question_count,
        tuple(reviews),
        attempt.created_at,
    )
