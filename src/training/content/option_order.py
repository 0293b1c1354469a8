"""The order in which a knowledge check's options are shown: shuffled per attempt, answers given by position.

Pure: an order is a mapping from question id to the option ids in the order shown. The form sends the position a
trainee chose (1, 2, ...), never an option id, so the page's source says nothing about which option is right and
scoring goes through the stored order only.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping

from training.content.models import KnowledgeCheck, Option, Question
from training.errors import InvalidInput

OptionOrder = dict[str, tuple[str, ...]]


def shuffled_order(
    check: KnowledgeCheck, rng: random.Random, *, unlike: Mapping[str, Collection[str]] | None = None
) -> OptionOrder:
    """A fresh random order of every question's options; different from ``unlike`` (the last order) when possible."""
    order: OptionOrder = {}
    for _ in range(20):  # a check with only two-option questions can repeat by chance; a few draws make that rare
        order = {question.id: _shuffled(question, rng) for question in check.questions}
        if unlike is None or any(tuple(unlike.get(q_id, ())) != ids for q_id, ids in order.items()):
            break
    return order


def _shuffled(question: Question, rng: random.Random) -> tuple[str, ...]:
    ids = [option.id for option in question.options]
    rng.shuffle(ids)
    return tuple(ids)


def ordered_options(question: Question, order: Mapping[str, Collection[str]]) -> tuple[Option, ...]:
    """The question's options in the stored order; options the order does not know (a later edit) go last."""
    stored = [question.option(option_id) for option_id in order.get(question.id, ())]
    shown = [option for option in stored if option is not None]
    return tuple(shown) + tuple(option for option in question.options if option not in shown)


def covers(check: KnowledgeCheck, order: Mapping[str, Collection[str]]) -> bool:
    """Whether ``order`` holds exactly the questions and options of ``check`` (else the check was edited since)."""
    return set(order) == {q.id for q in check.questions} and all(
        sorted(order[q.id]) == sorted(o.id for o in q.options) for q in check.questions
    )


def answers_from_positions(
    check: KnowledgeCheck, order: Mapping[str, Collection[str]], positions: Mapping[str, Collection[str]]
) -> dict[str, list[str]]:
    """Option ids chosen, from the positions ("1", "2", ...) the form sent; raises InvalidInput for odd positions.

    Unknown question ids pass through unchanged so that grading names them; unanswered questions stay empty.
    """
    numbers = {question.id: number for number, question in enumerate(check.questions, start=1)}
    answers: dict[str, list[str]] = {}
    for question_id, chosen in positions.items():
        question = check.question(question_id)
        if question is None:
            answers[question_id] = [chosen] if isinstance(chosen, str) else list(chosen)
            continue
        number = numbers[question_id]
        shown = ordered_options(question, order)
        ids: list[str] = []
        for position in [chosen] if isinstance(chosen, str) else chosen:
            if not (position.isdigit() and 1 <= int(position) <= len(shown)):
                raise InvalidInput(
                    f"Vraag {number} heeft geen antwoord {position!r}. Laad de pagina opnieuw.", field=question_id
                )
            ids.append(shown[int(position) - 1].id)
        answers[question_id] = ids
    return answers


def positions_of(question: Question, order: Mapping[str, Collection[str]], option_ids: Collection[str]) -> list[str]:
    """The positions ("1", ...) at which the given options are shown: the inverse of ``answers_from_positions``."""
    shown = ordered_options(question, order)
    return [str(index) for index, option in enumerate(shown, start=1) if option.id in option_ids]
