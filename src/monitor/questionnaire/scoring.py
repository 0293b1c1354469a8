"""Scoring answers: reverse keying, scale means under the 80% rule, and the scale scores of one response."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from monitor.errors import AnswerOutOfRange, UnknownItem
from monitor.questionnaire.instrument import AnswerValue, BackgroundQuestion, Instrument, Item, Moment, OpenQuestion

MIN_ANSWERED_FRACTION = 0.8
# 4/5 and 8/10 must pass at exactly 0.8 whatever the float rounding does.
_EPSILON = 1e-9


def score_item(value: AnswerValue | None, *, reverse: bool, low: int = 1, high: int = 5) -> float | None:
    """The item score: ``x``, or ``(low + high) - x`` when reverse keyed (6 - x on 1..5).

    A missing code ("weet ik niet", "n.v.t.", any string) or None scores None: missing, never a midpoint.
    """
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AnswerOutOfRange(f"Een antwoord moet een geheel getal van {low} tot en met {high} zijn, niet {value!r}.")
    return float(low + high - value if reverse else value)


def scale_score(
    values: Sequence[AnswerValue | None],
    reverse_flags: Sequence[bool],
    min_answered_fraction: float = MIN_ANSWERED_FRACTION,
    *,
    low: int = 1,
    high: int = 5,
) -> float | None:
    """Mean of the answered (recoded) items, or None when fewer than ``min_answered_fraction`` of them are answered.

    ``values`` holds one entry per item of the scale, in the order of ``reverse_flags``; with 0.8, a 5-, 6- or
    7-item scale may miss at most one answer.
    """
    if len(values) != len(reverse_flags):
        raise ValueError(f"{len(values)} values but {len(reverse_flags)} reverse flags")
    if not 0 < min_answered_fraction <= 1:
        raise ValueError(f"min_answered_fraction must be in (0, 1], not {min_answered_fraction}")
    scores = [
        score
        for value, reverse in zip(values, reverse_flags, strict=True)
        if (score := score_item(value, reverse=reverse, low=low, high=high)) is not None
    ]
    if not scores or len(scores) / len(values) < min_answered_fraction - _EPSILON:
        return None
    return math.fsum(scores) / len(scores)


def score_response(
    instrument: Instrument,
    answers: Mapping[str, AnswerValue | None],
    *,
    then_test: bool = False,
    moment: Moment | None = None,
) -> dict[str, float | None]:
    """Scale id -> scale score for one response; an unanswered item is simply absent (or None) in ``answers``.

    ``then_test=True``: ``answers`` are the retrospective "before the training" ratings, and only the then-test
    scales are scored, each on its then-test items. ``moment``: score each scale on the items asked at that
    moment only, and leave out scales with none. Answers to open and background questions are ignored.
    """
    _check_answers(instrument, answers, then_test=then_test)
    scores: dict[str, float | None] = {}
    for scale in instrument.scales:
        if then_test and not scale.then_test:
            continue
        items = [
            item
            for item in instrument.scale_items(scale.id)
            if (item.then_test or not then_test) and (moment is None or moment in item.moments)
        ]
        if not items:
            continue
        fmt = instrument.format_of(scale)
        scores[scale.id] = scale_score(
            [answers.get(item.id) for item in items],
            [item.reverse for item in items],
            low=fmt.min,
            high=fmt.max,
        )
    return scores


def _check_answers(instrument: Instrument, answers: Mapping[str, AnswerValue | None], *, then_test: bool) -> None:
    questions: tuple[OpenQuestion | BackgroundQuestion, ...] = (*instrument.open_questions, *instrument.background)
    unscored = {question.id for question in questions}
    for item_id, value in answers.items():
        if item_id in unscored:
            continue
        item: Item = instrument.item(item_id)  # raises UnknownItem
        if then_test and not item.then_test:
            raise UnknownItem(f"Vraag {item_id} wordt niet terugkijkend gevraagd.", field=item_id)
        if value is not None and not instrument.is_valid_value(item, value):
            fmt = instrument.format_of(item)
            options = "".join(f" of '{code}'" for code in sorted(fmt.missing_codes))
            message = f"Het antwoord op {item_id} moet een geheel getal van {fmt.min} tot en met {fmt.max} zijn"
            raise AnswerOutOfRange(f"{message}{options}.", field=item_id)
