"""Load what the monitor needs: the people in scope, their submitted moments and scale scores, and their learning.

Scale scores (reverse keying, the 80% rule) are computed once when a response is submitted and stored with it
(``monitor.stored_scores``); the monitor reads those, one short row per response, and the database aggregates the
learning progress. Item-level answers are read only for Cronbach's α and the item heatmap. Open answers never are.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import func, or_
from sqlmodel import Session, select

from monitor.instrument import MOMENTS, Instrument
from monitor.models import InstrumentVersion, QuestionnaireResponse
from monitor.stored_scores import decode_items, decode_scores, scores_from_answers
from monitor.versions import instrument_of
from training.models import Cohort, Enrolment, Gebied, Organisation, Wijk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """Which people the monitor looks at. ``cohort_ids`` None = all cohorts of the organisation."""

    organisation_id: int
    instrument_id: str = "netwerkactivering"
    cohort_ids: tuple[int, ...] | None = None
    version_ids: tuple[int, ...] | None = None
    started_from: date | None = None  # cohorts starting in this period
    started_to: date | None = None


@dataclass(slots=True)
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
    response_ids: dict[str, int] = field(default_factory=dict)  # moment -> submitted response id
    modules_completed: int = 0  # of the modules of the cohort's programme
    modules_required: int | None = None  # the size of the cohort's module set; None: all modules
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
    derived: dict = field(default_factory=dict, repr=False, compare=False)  # arrays built from people, per dataset

    @property
    def scales(self) -> list[str]:
        return [s.id for s in self.instrument.scales]


def _versions(session: Session, instrument_id: str) -> dict[int, Instrument]:
    rows = session.exec(select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument_id))
    return {v.id: instrument_of(v) for v in rows}  # parsed once per snapshot (cached)


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


def _submitted(scope: Scope, *columns):
    """The submitted responses of the people in scope (optionally of the chosen instrument versions)."""
    enrolments = people_query(scope).with_only_columns(Enrolment.id).scalar_subquery()
    q = select(*columns).where(QuestionnaireResponse.status == "submitted",
                               QuestionnaireResponse.instrument_id == scope.instrument_id,
                               QuestionnaireResponse.enrolment_id.in_(enrolments))
    if scope.version_ids is not None:
        q = q.where(QuestionnaireResponse.instrument_version_id.in_(scope.version_ids))
    return q


def load_dataset(session: Session, *, scope: Scope, instrument: Instrument, learning: bool = True) -> Dataset:
    """People in scope with their submitted moments and scale scores, and their learning progress.

    The scale scores were computed once at submission (``monitor.stored_scores``); a response without them (one
    submitted before they were stored and not yet back-filled) is scored from its answers here.
    ``learning=False`` leaves out the learning progress (pages that do not show learning × growth).
    """
    versions = _versions(session, scope.instrument_id)
    if scope.version_ids is not None:
        versions = {k: v for k, v in versions.items() if k in scope.version_ids}
    org = session.get(Organisation, scope.organisation_id)
    rows = session.connection().execute  # plain rows: thousands of them, no ORM identity map needed
    people = {eid: Person(eid, uid, cid, wid, gid) for eid, uid, cid, wid, gid in rows(people_query(scope)).all()}

    rq = _submitted(scope, QuestionnaireResponse.id, QuestionnaireResponse.enrolment_id, QuestionnaireResponse.moment,
                    QuestionnaireResponse.instrument_version_id, QuestionnaireResponse.scores_json)
    attach_scores(session, people, rows(rq).all(), versions)

    # Learning, per enrolment and over the modules of its cohort's programme (all modules when the cohort has no
    # module set): completed modules and the mean best knowledge-check score, aggregated by the database.
    from training.models import CohortModule, ModuleProgress

    if not learning:
        return _dataset(session, scope, org, instrument, versions, people)
    in_set = (select(CohortModule.module_id).where(CohortModule.cohort_id == Enrolment.cohort_id,
                                                   CohortModule.module_id == ModuleProgress.module_id).exists())
    has_set = select(CohortModule.module_id).where(CohortModule.cohort_id == Enrolment.cohort_id).exists()
    lq = (select(Enrolment.id, func.count(ModuleProgress.completed_at), func.avg(ModuleProgress.best_score))
          .join(ModuleProgress, ModuleProgress.user_id == Enrolment.user_id)
          .where(Enrolment.id.in_(people_query(scope).with_only_columns(Enrolment.id).scalar_subquery()),
                 or_(in_set, ~has_set))
          .group_by(Enrolment.id))
    for eid, completed, mean_score in rows(lq).all():
        people[eid].modules_completed = int(completed or 0)
        people[eid].mean_check_score = float(mean_score) if mean_score is not None else None
    set_sizes = dict(rows(select(CohortModule.cohort_id, func.count()).group_by(CohortModule.cohort_id)
                          .where(CohortModule.cohort_id.in_({p.cohort_id for p in people.values()}))).all())
    for person in people.values():
        person.modules_required = set_sizes.get(person.cohort_id)
    return _dataset(session, scope, org, instrument, versions, people)


def attach_scores(session: Session, people: dict[int, Person], responses, versions: Collection[int]) -> None:
    """Record submitted responses on their people: the moment, its version and response id, and the scale scores
    stored at submission (``monitor.stored_scores``); a response without them is scored from its answers here.
    ``responses`` are rows of (response id, enrolment id, moment, instrument version id, scores_json); a response on
    a version outside ``versions`` counts as submitted but gets no scores."""
    unscored: dict[int, tuple[Person, str]] = {}
    for rid, eid, moment, vid, scores_json in responses:
        person = people[eid]
        person.submitted.add(moment)
        person.version[moment] = vid
        person.response_ids[moment] = rid
        if vid not in versions:
            continue
        if scores_json is None:
            unscored[rid] = (person, moment)
            continue
        scales, then = decode_scores(scores_json)
        person.scores[moment] = scales
        person.then_scores.update(then)
    if unscored:
        log.warning("%d submitted responses have no stored scores; scoring them from their answers "
                    "(run `ract migrate` to store them)", len(unscored))
        for rid, scores in scores_from_answers(session, sorted(unscored)).items():
            person, moment = unscored[rid]
            person.scores[moment] = scores.scales
            person.then_scores.update(scores.then)


def _dataset(session: Session, scope: Scope, org: Organisation, instrument: Instrument,
             versions: dict[int, Instrument], people: dict[int, Person]) -> Dataset:
    wijken = {w.id: w for w in session.exec(select(Wijk).where(Wijk.organisation_id == scope.organisation_id))}
    gebieden = {g.id: g for g in session.exec(select(Gebied).where(Gebied.organisation_id == scope.organisation_id))}
    cohorts = {c.id: c for c in session.exec(select(Cohort).where(Cohort.organisation_id == scope.organisation_id))}
    return Dataset(scope, org, instrument, versions, list(people.values()), wijken, gebieden, cohorts)


def _items_by_response(session: Session, response_ids: dict[int, int]) -> dict[int, dict[str, float]]:
    """{enrolment: {item: recoded value}} for the given {response: enrolment}, from the stored item scores."""
    out: dict[int, dict[str, float]] = {}
    ids = sorted(response_ids)
    missing: list[int] = []
    for start in range(0, len(ids), 900):  # stay below SQLite's limit on bound parameters
        chunk = ids[start:start + 900]
        for rid, items_json in session.connection().execute(
                select(QuestionnaireResponse.id, QuestionnaireResponse.items_json)
                .where(QuestionnaireResponse.id.in_(chunk))).all():
            if items_json is None:
                missing.append(rid)
            else:
                out[response_ids[rid]] = decode_items(items_json)
    for rid, scores in scores_from_answers(session, missing).items():
        out[response_ids[rid]] = scores.items
    return out


def item_matrices(session: Session, *, scope: Scope | None = None, dataset: Dataset,
                  moment: str) -> dict[str, np.ndarray]:
    """Per scale, the recoded item answers at one moment (NaN = not answered), one row per person of the dataset
    who answered at least one of its items (for Cronbach's α)."""
    del scope  # the dataset's people are the scope
    responses = {p.response_ids[moment]: p.enrolment_id for p in dataset.people
                 if moment in p.response_ids and p.version.get(moment) in dataset.versions}
    by_enrolment = _items_by_response(session, responses)
    rows = [by_enrolment[e] for e in sorted(by_enrolment)]  # a fixed order: the same α to the last bit every time
    out = {}
    for scale in dataset.scales:
        items = [i.id for i in dataset.instrument.scale_items(scale) if moment in i.moments]
        matrix = np.array([[r.get(i, math.nan) for i in items] for r in rows], dtype=float).reshape(len(rows), len(items))
        out[scale] = matrix[~np.isnan(matrix).all(axis=1)] if items else matrix
    return out


def item_values(session: Session, *, scope: Scope | None = None, dataset: Dataset, moment: str,
                enrolment_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """Recoded item answers at one moment for the given enrolments: {enrolment: {item: value}} (no then-test)."""
    del scope
    wanted = set(enrolment_ids)
    responses = {p.response_ids[moment]: p.enrolment_id for p in dataset.people
                 if p.enrolment_id in wanted and moment in p.response_ids and p.version.get(moment) in dataset.versions}
    return _items_by_response(session, responses)


def moments() -> Sequence[str]:
    return MOMENTS


def item_matrix(session: Session, *, scope: Scope, dataset: Dataset, scale_id: str, moment: str) -> np.ndarray:
    """The item matrix of one scale at one moment (see item_matrices, which does all scales in one query)."""
    return item_matrices(session, scope=scope, dataset=dataset, moment=moment)[scale_id]
