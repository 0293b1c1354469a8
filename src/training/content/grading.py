"""Grade an attempt at a module's knowledge check: pure, from chosen option ids to a score and per-question feedback."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from training.content.models import KnowledgeCheck, Module, Question
from training.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question_id: str
    chosen: tuple[str, ...]  # in the order of the options in the file
    correct_option_ids: tuple[str, ...]
    correct: bool
    feedback: tuple[tuple[str, str], ...]  # (option id, feedback) for each chosen option that has feedback
    explanation: str | None


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """``score`` is the unrounded percentage of questions answered correctly; ``passed`` is decided exactly."""

    score: float
    passed: bool
    pass_mark: int
    correct_count: int
    question_count: int
    questions: tuple[QuestionResult, ...]

    def question(self, question_id: str) -> QuestionResult | None:
        return next((result for result in self.questions if result.question_id == question_id), None)


def grade_attempt(module_or_check: Module | KnowledgeCheck, answers: Mapping[str, Collection[str]]) -> AttemptResult:
    """Grade ``answers`` (question id -> chosen option ids); raises InvalidInput (Dutch) for incomplete or odd input.

    A question is correct when the chosen set equals the set of correct options. A bare string as a value counts as
    one chosen option id, so form data with a single value per question works as it is.
    """
    check = module_or_check.knowledge_check if isinstance(module_or_check, Module) else module_or_check
    chosen_by_question = _validated(check, answers)
    results = tuple(_grade_question(question, chosen_by_question[question.id]) for question in check.questions)
    correct_count = sum(result.correct for result in results)
    question_count = len(results)
    return AttemptResult(
        score=100 * correct_count / question_count,
        # integers, not the float score: 4 of 5 at pass mark 80 must pass whatever the rounding
        passed=correct_count * 100 >= check.pass_mark * question_count,
        pass_mark=check.pass_mark,
        correct_count=correct_count,
        question_count=question_count,
        questions=results,
    )


def _validated(check: KnowledgeCheck, answers: Mapping[str, Collection[str]]) -> dict[str, frozenset[str]]:
    numbers = {question.id: number for number, question in enumerate(check.questions, start=1)}
    unknown = [question_id for question_id in answers if question_id not in numbers]
    if unknown:
        raise InvalidInput(
            f"Onbekende vraag: {unknown[0]!r}. Laad de pagina opnieuw en probeer het nog eens.", field=str(unknown[0])
        )
    chosen_by_question: dict[str, frozenset[str]] = {}
    for question in check.questions:
        raw = answers.get(question.id) or ()
        chosen = frozenset([raw] if isinstance(raw, str) else raw)
        number = numbers[question.id]
        foreign = sorted(option_id for option_id in chosen if question.option(option_id) is None)
        if foreign:
            raise InvalidInput(
                f"Vraag {number} heeft geen antwoord {foreign[0]!r}. Laad de pagina opnieuw.", field=question.id
            )
        if question.type == "single" and len(chosen) > 1:
            raise InvalidInput(f"Kies bij vraag {number} één antwoord.", field=question.id)
        chosen_by_question[question.id] = chosen
    unanswered = [question for question in check.questions if not chosen_by_question[question.id]]
    if unanswered:
        listed = _dutch_list([str(numbers[question.id]) for question in unanswered])
        noun, verb = ("vraag", "is") if len(unanswered) == 1 else ("vragen", "zijn")
        raise InvalidInput(
            f"Beantwoord alle vragen: {noun} {listed} {verb} nog niet beantwoord.", field=unanswered[0].id
        )
    return chosen_by_question


def _grade_question(question: Question, chosen: frozenset[str]) -> QuestionResult:
    chosen_options = [option for option in question.options if option.id in chosen]
    return QuestionResult(
        question_id=question.id,
        chosen=tuple(option.id for option in chosen_options),
        correct_option_ids=tuple(option.id for option in question.options if option.correct),
        correct=chosen == question.correct_option_ids,
        feedback=tuple((option.id, option.feedback) for option in chosen_options if option.feedback),
        explanation=question.explanation,
    )


def _dutch_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]
