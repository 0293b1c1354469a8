"""Per-question statistics of the knowledge checks for trainers: share right at the first attempt, discrimination.

Like Moodle's quiz statistics: each trainee's first attempt at the module's current version counts once (later
attempts are practice, not measurement). Over the trainees of the cohorts the user may see; below ``min_n`` trainees
a module's figures are withheld, the same small-group rule as the monitor (the web layer passes its threshold in).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from training.access import visible_cohort_ids
from training.content import Module, grade_attempt
from training.errors import InvalidInput, PermissionDenied
from training.models import Enrolment, QuizAttempt, Role, User


@dataclass(frozen=True)
class QuestionStatistic:
    number: int
    text: str
    share_right: float | None  # 0..1; None when withheld
    discrimination: float | None  # item-rest correlation; None when withheld or undefined (everyone right or wrong)


@dataclass(frozen=True)
class ModuleStatistics:
    module: Module
    n: int  # trainees whose first attempt at this version counts
    withheld: bool  # fewer than min_n: no figures are shown
    questions: tuple[QuestionStatistic, ...]


def check_statistics(session: Session, *, user: User, modules: Sequence[Module], min_n: int) -> list[ModuleStatistics]:
    """Every module's per-question figures over the trainees of the user's cohorts (all trainees for an admin)."""
    if user.role not in (Role.trainer, Role.admin):
        raise PermissionDenied("Alleen trainers zien de statistiek van de kennischecks.")
    cohort_ids = visible_cohort_ids(session, user=user)
    query = select(QuizAttempt).order_by(col(QuizAttempt.created_at), col(QuizAttempt.id))
    if cohort_ids is not None:
        trainees = select(Enrolment.user_id).where(col(Enrolment.cohort_id).in_(cohort_ids))
        query = query.where(col(QuizAttempt.user_id).in_(trainees))
    by_module = {module.id: module for module in modules}
    first: dict[tuple[int, str], QuizAttempt] = {}
    for attempt in session.exec(query.where(col(QuizAttempt.module_id).in_(list(by_module)))):
        module = by_module[attempt.module_id]
        if attempt.content_hash == module.content_hash:
            first.setdefault((attempt.user_id, attempt.module_id), attempt)
    scored: dict[str, list[list[int]]] = {module.id: [] for module in modules}
    for (_, module_id), attempt in first.items():
        answers = {str(k): list(v) for k, v in json.loads(attempt.answers_json).items()}
        try:
            result = grade_attempt(by_module[module_id], answers)
        except InvalidInput:  # not possible for the same version; skip rather than fail the page
            continue
        scored[module_id].append([int(question.correct) for question in result.questions])
    return [_module_statistics(module, scored[module.id], min_n) for module in modules]


def _module_statistics(module: Module, rows: list[list[int]], min_n: int) -> ModuleStatistics:
    withheld = len(rows) < min_n
    questions = []
    for index, question in enumerate(module.knowledge_check.questions):
        if withheld:
            questions.append(QuestionStatistic(index + 1, question.text, None, None))
            continue
        item = [row[index] for row in rows]
        rest = [sum(row) - row[index] for row in rows]
        questions.append(QuestionStatistic(index + 1, question.text, sum(item) / len(item), correlation(item, rest)))
    return ModuleStatistics(module, len(rows), withheld, tuple(questions))


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when either side does not vary."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)
