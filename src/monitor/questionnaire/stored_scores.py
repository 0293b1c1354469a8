"""Scale and item scores of a submitted response: computed once, when it is submitted, and stored with it.

A submitted response changes only by an admin's correction (monitor.questionnaire.paper.correct_response), which
stores its
scores again; so the stored scores never go stale. The monitor therefore reads two small JSON columns
per response (``scores_json``: scale scores and then-test scores; ``items_json``: the recoded item answers for
Cronbach's α and the item heatmap) instead of re-aggregating every answer on every request (docs/performance.md).

Scoring is the same as everywhere (``monitor.questionnaire.scoring``): items asked at the response's moment, reverse
keying on the frozen version's answer format, missing codes are missing, and a scale score only with at least 80% of
its items answered. ``store_scores`` is called by every path that submits a response (web, paper, import, demo data);
``ract migrate`` fills in responses submitted before this existed (``backfill``), and the monitor computes any
response still without stored scores on the fly, so a missing value can cost time but never a wrong figure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import orjson
from sqlalchemy import update
from sqlmodel import Session, col, select

from monitor.models import Answer, InstrumentVersion, QuestionnaireResponse
from monitor.questionnaire.instrument import Instrument
from monitor.questionnaire.scoring import scale_score
from monitor.questionnaire.versions import instrument_of

log = logging.getLogger(__name__)

SUBMITTED = "submitted"


@dataclass(frozen=True, slots=True)
class ResponseScores:
    scales: dict[str, float | None]  # scale -> score (None: fewer than 80% of its items answered)
    then: dict[str, float | None]  # then-test scale -> retrospective score, for scales with then-test answers
    items: dict[str, float]  # scale item -> recoded answer (answered items only; no then-test, no missing codes)

    def scores_json(self) -> str:
        return json.dumps({"s": self.scales, "t": self.then}, separators=(",", ":"), sort_keys=True)

    def items_json(self) -> str:
        return json.dumps(self.items, separators=(",", ":"), sort_keys=True)


def compute_scores(
    instrument: Instrument, moment: str, answers: Iterable[tuple[str, bool, int | None]]
) -> ResponseScores:
    """Scores of one response from its answers ``(item id, then-test, value or None for a missing code)``.

    Background and open questions are ignored; so are answers to items the instrument does not know.
    """
    given: dict[tuple[str, bool], int] = {
        (item_id, bool(then)): value for item_id, then, value in answers if value is not None
    }
    scales: dict[str, float | None] = {}
    then: dict[str, float | None] = {}
    items: dict[str, float] = {}
    for scale in instrument.scales:
        fmt = instrument.format_of(scale)
        asked = [item for item in instrument.scale_items(scale.id) if moment in item.moments]
        if not asked:
            continue
        values = [given.get((item.id, False)) for item in asked]
        scales[scale.id] = scale_score(values, [i.reverse for i in asked], low=fmt.min, high=fmt.max)
        for item, value in zip(asked, values, strict=True):
            if value is not None:
                items[item.id] = float(fmt.min + fmt.max - value if item.reverse else value)
        then_items = [item for item in asked if item.then_test]
        then_values = [given.get((item.id, True)) for item in then_items]
        if any(v is not None for v in then_values):
            then[scale.id] = scale_score(then_values, [i.reverse for i in then_items], low=fmt.min, high=fmt.max)
    return ResponseScores(scales, then, items)


def scores_from_answers(session: Session, response_ids: list[int]) -> dict[int, ResponseScores]:
    """Compute (without storing) the scores of the given responses from their answers, in a few queries."""
    if not response_ids:
        return {}
    out: dict[int, ResponseScores] = {}
    for chunk_start in range(0, len(response_ids), 500):
        chunk = response_ids[chunk_start : chunk_start + 500]
        # primary keys are never NULL: the cast only tells mypy so
        heads = cast(
            "Sequence[tuple[int, str, InstrumentVersion]]",
            session.exec(
                select(QuestionnaireResponse.id, QuestionnaireResponse.moment, InstrumentVersion)
                .join(InstrumentVersion, col(InstrumentVersion.id) == QuestionnaireResponse.instrument_version_id)
                .where(col(QuestionnaireResponse.id).in_(chunk))
            ).all(),
        )
        answers: dict[int, list[tuple[str, bool, int | None]]] = {rid: [] for rid in chunk}
        for rid, item_id, then, value in session.exec(
            select(Answer.response_id, Answer.item_id, Answer.then_test, Answer.value).where(
                col(Answer.response_id).in_(chunk)
            )
        ):
            answers[rid].append((item_id, then, value))
        for rid, moment, version in heads:
            out[rid] = compute_scores(instrument_of(version), moment, answers[rid])
    return out


def store_scores(session: Session, response_id: int) -> ResponseScores:
    """Compute the scores of a (just) submitted response from its answers and store them with it."""
    scores = scores_from_answers(session, [response_id])[response_id]
    session.exec(
        update(QuestionnaireResponse)
        .where(col(QuestionnaireResponse.id) == response_id)
        .values(scores_json=scores.scores_json(), items_json=scores.items_json())
    )
    return scores


def backfill(session: Session, *, batch: int = 500) -> int:
    """Store the scores of every submitted response that has none yet (responses from before 0007). Idempotent."""
    done = 0
    while True:
        # primary keys are never NULL: the cast only tells mypy so
        ids = cast(
            "list[int]",
            list(
                session.exec(
                    select(QuestionnaireResponse.id)
                    .where(QuestionnaireResponse.status == SUBMITTED, col(QuestionnaireResponse.scores_json).is_(None))
                    .order_by(col(QuestionnaireResponse.id))
                    .limit(batch)
                )
            ),
        )
        if not ids:
            return done
        for rid, scores in scores_from_answers(session, ids).items():
            session.exec(
                update(QuestionnaireResponse)
                .where(col(QuestionnaireResponse.id) == rid)
                .values(scores_json=scores.scores_json(), items_json=scores.items_json())
            )
        session.commit()
        done += len(ids)


def decode_scores(text: str) -> tuple[dict[str, float | None], dict[str, float | None]]:
    data = orjson.loads(text)  # thousands per monitor page: orjson parses them several times faster than json
    return data["s"], data["t"]


def decode_items(text: str) -> dict[str, float]:
    items: dict[str, float] = orjson.loads(text)
    return items
