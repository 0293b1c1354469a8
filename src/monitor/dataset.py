"""Load what the monitor needs with aggregation in SQL: people and their scale scores per moment.

Scale scores are computed by the database (one GROUP BY over the answers joined to an item→scale mapping built from
the frozen instrument versions); Python only applies the 80% rule and the statistics. Open answers are never read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, String, and_, case, column, func, literal, values
from sqlmodel import Session, select

from monitor.instrument import MOMENTS, Instrument
from monitor.models import Answer, InstrumentVersion, QuestionnaireResponse
from training.models import Cohort, Enrolment, Gebied, Organisation, Wijk

MIN_ANSWERED_FRACTION = 0.8


@dataclass(frozen=True)
class Scope:
    """Which people the monitor looks at. ``cohort_ids`` None = all cohorts of the organisation."""

    organisation_id: int
    instrument_id: str = "netwerkactivering"
    cohort_ids: tuple[int, ...] | None = None
    version_ids: tuple[int, ...] | None = None
    started_from: date | None = None  # cohorts starting in this period
    started_to: date | None = None


@dataclass
class Person:
    enrolment_id: int
    user_id: int
    cohort_id: int
    wijk_id: int
    gebied_id: int | None
    submitted: set[str] = field(default_factory=set)  # moments with a submitted response
    version: dict[str, int] = field(default_factory=dict)  # moment -> instrument_version_id
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)  # moment -> scale -> score
    then_scores: dict[str, float | None] = field(default_factory=dict)  # T1 retrospective, per then-test scale
    modules_completed: int = 0
    mean_check_score: float | None = None  # mean best knowledge-check score over the modules attempted


@dataclass
class Dataset:
    scope: Scope
    organisation: Organisation
    instrument: Instrument
    versions: dict[int, Instrument]
    people: list[Person]
    wijken: dict[int, Wijk]
    gebieden: dict[int, Gebied]
    cohorts: dict[int, Cohort]

    @property
    def scales(self) -> list[str]:
        return [s.id for s in self.instrument.scales]


def _versions(session: Session, instrument_id: str) -> dict[int, Instrument]:
    rows = session.exec(select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument_id))
    return {v.id: Instrument.from_snapshot(json.loads(v.snapshot_json)) for v in rows}


def _mapping(versions: dict[int, Instrument]):
    rows = []
    for vid, inst in versions.items():
        for item in inst.items:
            fmt = inst.format_of(item)
            rows.append((vid, item.id, item.scale, int(item.reverse), fmt.min + fmt.max))
    if not rows:
        rows.append((-1, "", "", 0, 0))  # an empty VALUES list is not valid SQL
    # A CTE "WITH item_map(...) AS (VALUES ...)" works on SQLite and PostgreSQL alike.
    return values(
        column("version_id", Integer), column("item_id", String), column("scale_id", String),
        column("reverse", Integer), column("flip", Integer), name="item_map",
    ).data(rows).cte("item_map")


def _k(inst: Instrument, scale_id: str, moment: str, then_test: bool) -> int:
    items = [i for i in inst.scale_items(scale_id) if moment in i.moments]
    return len([i for i in items if i.then_test]) if then_test else len(items)


def people_query(scope: Scope):
    q = (select(Enrolment.id, Enrolment.user_id, Enrolment.cohort_id, Enrolment.wijk_id, Wijk.gebied_id)
         .join(Cohort, Cohort.id == Enrolment.cohort_id).join(Wijk, Wijk.id == Enrolment.wijk_id)
         .where(Cohort.organisation_id == scope.organisation_id))
    if scope.cohort_ids is not None:
        q = q.where(Enrolment.cohort_id.in_(scope.cohort_ids))
    if scope.started_from is not None:
        q = q.where(Cohort.start_date >= scope.started_from)
    if scope.started_to is not None:
        q = q.where(Cohort.start_date <= scope.started_to)
    return q


def load_dataset(session: Session, *, scope: Scope, instrument: Instrument) -> Dataset:
    versions = _versions(session, scope.instrument_id)
    if scope.version_ids is not None:
        versions = {k: v for k, v in versions.items() if k in scope.version_ids}
    org = session.get(Organisation, scope.organisation_id)
    people = {eid: Person(eid, uid, cid, wid, gid) for eid, uid, cid, wid, gid in session.exec(people_query(scope))}
    enrolments = people_query(scope).with_only_columns(Enrolment.id).scalar_subquery()

    # Submitted responses (which moments, which version).
    rq = select(QuestionnaireResponse.enrolment_id, QuestionnaireResponse.moment, QuestionnaireResponse.instrument_version_id).where(
        QuestionnaireResponse.status == "submitted", QuestionnaireResponse.instrument_id == scope.instrument_id,
        QuestionnaireResponse.enrolment_id.in_(enrolments))
    if scope.version_ids is not None:
        rq = rq.where(QuestionnaireResponse.instrument_version_id.in_(scope.version_ids))
    for eid, moment, vid in session.exec(rq):
        people[eid].submitted.add(moment)
        people[eid].version[moment] = vid

    # Scale scores: the database averages the (reverse-keyed) answered items per response and scale.
    item_map = _mapping(versions)
    score = case((item_map.c.reverse == 1, item_map.c.flip - Answer.value), else_=Answer.value)
    sq = (select(QuestionnaireResponse.enrolment_id, QuestionnaireResponse.moment, QuestionnaireResponse.instrument_version_id,
                 Answer.then_test, item_map.c.scale_id, func.avg(score), func.count(Answer.value))
          .join(Answer, Answer.response_id == QuestionnaireResponse.id)
          .join(item_map, and_(item_map.c.version_id == QuestionnaireResponse.instrument_version_id,
                               item_map.c.item_id == Answer.item_id))
          .where(QuestionnaireResponse.status == "submitted", QuestionnaireResponse.instrument_id == scope.instrument_id,
                 QuestionnaireResponse.enrolment_id.in_(enrolments))
          .group_by(QuestionnaireResponse.enrolment_id, QuestionnaireResponse.moment,
                    QuestionnaireResponse.instrument_version_id, Answer.then_test, item_map.c.scale_id))
    for eid, moment, vid, then_test, scale_id, mean, answered in session.exec(sq):
        inst = versions.get(vid)
        if inst is None:
            continue
        k = _k(inst, scale_id, moment, bool(then_test))
        value = float(mean) if k and mean is not None and answered / k >= MIN_ANSWERED_FRACTION else None
        if then_test:
            people[eid].then_scores[scale_id] = value
        else:
            people[eid].scores.setdefault(moment, {})[scale_id] = value

    # Learning: completed modules and knowledge-check scores per person (aggregated by the database).
    from training.models import ModuleProgress

    by_user = {p.user_id: p for p in people.values()}
    lq = (select(ModuleProgress.user_id, func.count(ModuleProgress.completed_at), func.avg(ModuleProgress.best_score))
          .where(ModuleProgress.user_id.in_(people_query(scope).with_only_columns(Enrolment.user_id).scalar_subquery()))
          .group_by(ModuleProgress.user_id))
    for uid, completed, mean_score in session.exec(lq):
        if uid in by_user:
            by_user[uid].modules_completed = int(completed or 0)
            by_user[uid].mean_check_score = float(mean_score) if mean_score is not None else None

    wijk_ids = {p.wijk_id for p in people.values()}
    wijken = {w.id: w for w in session.exec(select(Wijk).where(Wijk.organisation_id == scope.organisation_id))}
    gebieden = {g.id: g for g in session.exec(select(Gebied).where(Gebied.organisation_id == scope.organisation_id))}
    cohorts = {c.id: c for c in session.exec(select(Cohort).where(Cohort.organisation_id == scope.organisation_id))}
    del wijk_ids
    return Dataset(scope, org, instrument, versions, list(people.values()), wijken, gebieden, cohorts)


def _item_rows(session: Session, *, scope: Scope, dataset: Dataset, moment: str, enrolment_ids=None):
    """(enrolment, item, recoded value) of the submitted answers at one moment (no then-test, no missing codes)."""
    enrolments = enrolment_ids if enrolment_ids is not None else people_query(scope).with_only_columns(Enrolment.id).scalar_subquery()
    item_map = _mapping(dataset.versions)
    score = case((item_map.c.reverse == 1, item_map.c.flip - Answer.value), else_=Answer.value)
    q = (select(QuestionnaireResponse.enrolment_id, Answer.item_id, score, item_map.c.scale_id)
         .join(Answer, Answer.response_id == QuestionnaireResponse.id)
         .join(item_map, and_(item_map.c.version_id == QuestionnaireResponse.instrument_version_id,
                              item_map.c.item_id == Answer.item_id))
         .where(QuestionnaireResponse.status == "submitted", QuestionnaireResponse.moment == moment,
                QuestionnaireResponse.instrument_id == scope.instrument_id, Answer.then_test == literal(False),
                Answer.value.is_not(None), QuestionnaireResponse.enrolment_id.in_(enrolments)))
    return session.exec(q)


def item_matrices(session: Session, *, scope: Scope, dataset: Dataset, moment: str) -> dict[str, list[list[float | None]]]:
    """Per scale, the recoded item answers at one moment, one row per person (for Cronbach's α, pooled)."""
    rows: dict[str, dict[int, dict[str, float]]] = {}
    for eid, item_id, value, scale in _item_rows(session, scope=scope, dataset=dataset, moment=moment):
        rows.setdefault(scale, {}).setdefault(eid, {})[item_id] = float(value)
    out = {}
    for scale in dataset.scales:
        items = [i.id for i in dataset.instrument.scale_items(scale) if moment in i.moments]
        out[scale] = [[r.get(i) for i in items] for r in rows.get(scale, {}).values()]
    return out


def item_values(session: Session, *, scope: Scope, dataset: Dataset, moment: str,
                enrolment_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """Recoded item answers at one moment for the given enrolments: {enrolment: {item: value}} (no then-test)."""
    if not enrolment_ids:
        return {}
    out: dict[int, dict[str, float]] = {}
    for eid, item_id, value, _ in _item_rows(session, scope=scope, dataset=dataset, moment=moment,
                                             enrolment_ids=list(enrolment_ids)):
        out.setdefault(eid, {})[item_id] = float(value)
    return out


def moments() -> Sequence[str]:
    return MOMENTS


def item_matrix(session: Session, *, scope: Scope, dataset: Dataset, scale_id: str, moment: str) -> list[list[float | None]]:
    """The item matrix of one scale at one moment (see item_matrices, which does all scales in one query)."""
    return item_matrices(session, scope=scope, dataset=dataset, moment=moment)[scale_id]
