"""The personal growth profile: the trainee's own scale scores at T0 and T1 (and the then-test), for their eyes only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from monitor.models import InstrumentVersion, QuestionnaireResponse
from monitor.questionnaire.instrument import AnswerValue, Instrument, Moment
from monitor.questionnaire.responses import SUBMITTED, answers_of
from monitor.questionnaire.scoring import score_response
from monitor.questionnaire.versions import instrument_of
from training.ids import id_of
from training.models import Enrolment, User


@dataclass(frozen=True)
class ScaleGrowth:
    scale_id: str
    title: str
    t0: float | None
    t1: float | None
    then: float | None  # the retrospective "before the training" score (then-test scales only)

    @property
    def change(self) -> float | None:
        return None if self.t0 is None or self.t1 is None else self.t1 - self.t0


@dataclass(frozen=True)
class GrowthProfile:
    ready: bool  # the nameting (T1) is submitted
    scales: list[ScaleGrowth] = field(default_factory=list)
    same_version: bool = True  # T0 and T1 were answered on the same instrument version
    has_t0: bool = False


def _scores(
    instrument: Instrument, answers: Mapping[tuple[str, bool], AnswerValue], *, moment: Moment, then_test: bool
) -> dict[str, float | None]:
    values = {item_id: value for (item_id, is_then), value in answers.items() if is_then == then_test}
    known = {item.id for item in instrument.items} | {q.id for q in instrument.background}
    return score_response(
        instrument, {k: v for k, v in values.items() if k in known}, then_test=then_test, moment=moment
    )


def growth_profile(session: Session, *, user: User) -> GrowthProfile:
    """Scores of the user's own submitted T0 and T1 responses (the latest enrolment that has a submitted T1).

    Each response is scored with the instrument version it was answered on.
    """
    rows = session.exec(
        select(QuestionnaireResponse, InstrumentVersion)
        .join(Enrolment, col(Enrolment.id) == QuestionnaireResponse.enrolment_id)
        .join(InstrumentVersion, col(InstrumentVersion.id) == QuestionnaireResponse.instrument_version_id)
        .where(
            Enrolment.user_id == user.id,
            QuestionnaireResponse.status == SUBMITTED,
            col(QuestionnaireResponse.moment).in_(["T0", "T1"]),
        )
        .order_by(col(QuestionnaireResponse.enrolment_id).desc())
    ).all()
    by_enrolment: dict[int, dict[str, tuple[QuestionnaireResponse, InstrumentVersion]]] = {}
    for response, version in rows:
        by_enrolment.setdefault(response.enrolment_id, {})[response.moment] = (response, version)
    chosen = next((moments for moments in by_enrolment.values() if "T1" in moments), None)
    if chosen is None:
        return GrowthProfile(ready=False)
    t1_response, t1_version = chosen["T1"]
    t1_instrument = instrument_of(t1_version)
    t1_answers = answers_of(session, response_id=id_of(t1_response))
    t1 = _scores(t1_instrument, t1_answers, moment="T1", then_test=False)
    then = _scores(t1_instrument, t1_answers, moment="T1", then_test=True)
    t0: dict[str, float | None] = {}
    same_version = True
    if "T0" in chosen:
        t0_response, t0_version = chosen["T0"]
        t0 = _scores(
            instrument_of(t0_version), answers_of(session, response_id=id_of(t0_response)), moment="T0", then_test=False
        )
        same_version = t0_version.id == t1_version.id
    scales = [
        ScaleGrowth(scale.id, scale.title, t0.get(scale.id), t1.get(scale.id), then.get(scale.id))
        for scale in t1_instrument.scales
        if scale.id in t1 or scale.id in t0
    ]
    return GrowthProfile(ready=True, scales=scales, same_version=same_version, has_t0="T0" in chosen)
