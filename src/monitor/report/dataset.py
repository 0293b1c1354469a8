"""Load what the monitor needs: the people in scope, their submitted moments and scale scores, and their learning.

Scale scores (reverse keying, the 80% rule) are computed once when a response is submitted and stored with it
(``monitor.questionnaire.stored_scores``); the monitor reads those, one short row per response, and the database
aggregates the learning progress. Item-level answers are read only for Cronbach's α and the item heatmap. Open
answers never are.

The data set is columnar (``Columns``): one array per attribute, moment and scale, position ``i`` being the same
person everywhere, filled straight from the query rows. Building an object per person and per response made the
load and every pass over it grow faster than the data (docs/performance.md); ``Dataset.people`` still gives such
objects, built on demand, for the few callers that want them (tests, small data sets).
"""

from __future__ import annotations

import logging
import math
import operator
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import repeat
from typing import Any, TypeVar

import numpy as np
import orjson
from sqlalchemy import Result, func, or_, tuple_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from monitor.models import InstrumentVersion, QuestionnaireResponse
from monitor.questionnaire.instrument import MOMENTS, Instrument
from monitor.questionnaire.stored_scores import decode_items, scores_from_answers
from monitor.questionnaire.versions import instrument_of
from training.ids import id_of
from training.models import Cohort, Enrolment, Gebied, Organisation, Wijk

log = logging.getLogger(__name__)

NO_GEBIED = -1  # Columns.gebied_id of a person whose wijk has no gebied
CHUNK = 4096  # response rows processed at a time: a chunk's objects are still in the CPU caches when they are used
_Scoped = TypeVar("_Scoped", Wijk, Gebied, Cohort)  # the models read per organisation in scope


@dataclass(frozen=True)
class Scope:
    """Which people the monitor looks at. ``cohort_ids`` None = all cohorts of the organisation;
    ``organisation_id`` None = every organisation (beheer's view over all organisations)."""

    organisation_id: int | None
    instrument_id: str = "netwerkactivering"
    cohort_ids: tuple[int, ...] | None = None
    version_ids: tuple[int, ...] | None = None
    started_from: date | None = None  # cohorts starting in this period
    started_to: date | None = None


@dataclass(slots=True)
class Person:
    """One person of a data set as an object (``Dataset.people``, ``Columns.person``)."""

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
class Columns:
    """The people of a data set as arrays; position ``i`` is the same person (enrolment) in every one of them.

    Scores are NaN where there is none: no submitted response at that moment, a response on an instrument version
    outside the data set, a scale not asked then, or fewer than 80% of its items answered.
    """

    enrolment_id: np.ndarray  # int64
    user_id: np.ndarray  # int64
    cohort_id: np.ndarray  # int64
    wijk_id: np.ndarray  # int64
    gebied_id: np.ndarray  # int64; NO_GEBIED: the wijk has no gebied
    submitted: dict[str, np.ndarray]  # moment -> bool: a submitted response (of any version)
    version: dict[str, np.ndarray]  # moment -> int64 instrument version id of that response (0: none)
    response_id: dict[str, np.ndarray]  # moment -> int64 id of that response (0: none)
    scored: dict[str, np.ndarray]  # moment -> bool: that response has scores (its version is in the data set)
    scores: dict[tuple[str, str], np.ndarray]  # (moment, scale) -> float score
    then: dict[str, np.ndarray]  # scale -> float T1 retrospective (then-test) score, only where T1 was submitted
    modules_completed: np.ndarray  # int64: modules of the cohort's programme completed
    modules_required: np.ndarray  # int64: the size of the cohort's module set; 0: no set (all modules)
    mean_check: np.ndarray  # float: mean best knowledge-check score over the modules attempted (NaN: none)

    def __len__(self) -> int:
        return len(self.enrolment_id)

    @classmethod
    def empty(cls, n: int, scales: Sequence[str]) -> Columns:
        def ints() -> np.ndarray:
            return np.zeros(n, np.int64)

        return cls(
            ints(),
            ints(),
            ints(),
            ints(),
            np.full(n, NO_GEBIED, np.int64),
            {m: np.zeros(n, bool) for m in MOMENTS},
            {m: ints() for m in MOMENTS},
            {m: ints() for m in MOMENTS},
            {m: np.zeros(n, bool) for m in MOMENTS},
            {(m, s): np.full(n, math.nan) for m in MOMENTS for s in scales},
            {s: np.full(n, math.nan) for s in scales},
            ints(),
            ints(),
            np.full(n, math.nan),
        )

    @classmethod
    def of_people(cls, people: Sequence[Person], scales: Sequence[str]) -> Columns:
        """Columns from ``Person`` objects (tests and hand-made data sets): their scores as they are."""
        n = len(people)
        c = cls.empty(n, scales)
        for i, p in enumerate(people):
            c.enrolment_id[i], c.user_id[i], c.cohort_id[i], c.wijk_id[i] = (
                p.enrolment_id,
                p.user_id,
                p.cohort_id,
                p.wijk_id,
            )
            c.gebied_id[i] = NO_GEBIED if p.gebied_id is None else p.gebied_id
            for m in p.submitted & set(MOMENTS):
                c.submitted[m][i] = True
                c.version[m][i] = p.version.get(m, 0)
                c.response_id[m][i] = p.response_ids.get(m, 0)
                if m in p.scores:
                    c.scored[m][i] = True
                    for s in scales:
                        c.scores[(m, s)][i] = _nan(p.scores[m].get(s))
            if "T1" in p.submitted:
                for s in scales:
                    c.then[s][i] = _nan(p.then_scores.get(s))
            c.modules_completed[i] = p.modules_completed
            c.modules_required[i] = p.modules_required or 0
            c.mean_check[i] = _nan(p.mean_check_score)
        return c

    def person(self, i: int, scales: Sequence[str]) -> Person:
        p = Person(
            int(self.enrolment_id[i]),
            int(self.user_id[i]),
            int(self.cohort_id[i]),
            int(self.wijk_id[i]),
            None if self.gebied_id[i] == NO_GEBIED else int(self.gebied_id[i]),
            modules_completed=int(self.modules_completed[i]),
            modules_required=int(self.modules_required[i]) or None,
            mean_check_score=_none(self.mean_check[i]),
        )
        for m in MOMENTS:
            if self.submitted[m][i]:
                p.submitted.add(m)
                p.version[m] = int(self.version[m][i])
                p.response_ids[m] = int(self.response_id[m][i])
                if self.scored[m][i]:
                    p.scores[m] = {s: _none(self.scores[(m, s)][i]) for s in scales}
        p.then_scores = {s: _none(v[i]) for s, v in self.then.items() if not math.isnan(v[i])}
        return p


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass
class Dataset:
    scope: Scope
    organisation: Organisation | None  # None: every organisation (see ``organisations``)
    instrument: Instrument
    versions: dict[int, Instrument]
    columns: Columns
    wijken: dict[int, Wijk]
    gebieden: dict[int, Gebied]
    cohorts: dict[int, Cohort]
    organisations: dict[int, Organisation] = field(default_factory=dict)  # the organisations in scope
    # (cohort, moment) -> the day its measurement window closes; None: unknown (hand-made data sets), every window
    # counts as closed.
    closes_on: dict[tuple[int, str], date] | None = None
    # built from the columns, per dataset (a cache: build.py keeps trees and groupings here)
    derived: dict[object, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of_people(
        cls,
        scope: Scope,
        organisation: Organisation,
        instrument: Instrument,
        versions: dict[int, Instrument],
        people: Sequence[Person],
        wijken: dict[int, Wijk],
        gebieden: dict[int, Gebied],
        cohorts: dict[int, Cohort],
    ) -> Dataset:
        """A data set of ``Person`` objects (tests and hand-made data sets)."""
        scales = [s.id for s in instrument.scales]
        return cls(
            scope, organisation, instrument, versions, Columns.of_people(people, scales), wijken, gebieden, cohorts
        )

    @property
    def scales(self) -> list[str]:
        return [s.id for s in self.instrument.scales]

    def __len__(self) -> int:
        return len(self.columns)

    def is_due(self, moment: str, today: date) -> np.ndarray:
        """Per person: has their cohort's window for ``moment`` closed before ``today``? Only then can a missing
        response count as a drop-out. A cohort without a window for the moment is not due."""
        if self.closes_on is None:
            return np.ones(len(self.columns), bool)
        closed = [cid for (cid, m), day in self.closes_on.items() if m == moment and day < today]
        return np.isin(self.columns.cohort_id, np.array(closed, np.int64))

    @cached_property
    def people(self) -> list[Person]:
        """The people as objects, built on demand (the monitor itself reads ``columns``)."""
        scales = self.scales
        return [self.columns.person(i, scales) for i in range(len(self.columns))]


def _versions(session: Session, instrument_id: str) -> dict[int, Instrument]:
    rows = session.exec(select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument_id))
    return {id_of(v): instrument_of(v) for v in rows}  # parsed once per snapshot (cached)


# enrolment id, user id, cohort id, wijk id, gebied id
PeopleQuery = Select[int, int, int, int, int | None]


def people_query(scope: Scope) -> PeopleQuery:
    people: PeopleQuery = select(  # type: ignore[call-overload]  # sqlmodel types select() for <= 4 columns
        Enrolment.id, Enrolment.user_id, Enrolment.cohort_id, Enrolment.wijk_id, Wijk.gebied_id
    )
    q = people.join(Cohort, col(Cohort.id) == Enrolment.cohort_id).join(Wijk, col(Wijk.id) == Enrolment.wijk_id)
    if scope.organisation_id is not None:
        q = q.where(Cohort.organisation_id == scope.organisation_id)
    if scope.cohort_ids is not None:
        q = q.where(col(Enrolment.cohort_id).in_(scope.cohort_ids))
    if scope.started_from is not None:
        q = q.where(Cohort.start_date >= scope.started_from)
    if scope.started_to is not None:
        q = q.where(Cohort.start_date <= scope.started_to)
    return q


def _submitted(scope: Scope, *columns: Any) -> Select[*tuple[Any, ...]]:
    """The submitted responses of the people in scope (optionally of the chosen instrument versions)."""
    enrolments = people_query(scope).with_only_columns(col(Enrolment.id)).scalar_subquery()
    q: Select[*tuple[Any, ...]] = select(*columns).where(
        QuestionnaireResponse.status == "submitted",
        QuestionnaireResponse.instrument_id == scope.instrument_id,
        col(QuestionnaireResponse.enrolment_id).in_(enrolments),
    )
    if scope.version_ids is not None:
        q = q.where(col(QuestionnaireResponse.instrument_version_id).in_(scope.version_ids))
    return q


def load_dataset(session: Session, *, scope: Scope, instrument: Instrument, learning: bool = True) -> Dataset:
    """People in scope with their submitted moments and scale scores, and their learning progress, as columns.

    The scale scores were computed once at submission (``monitor.questionnaire.stored_scores``); a response without
    them (one submitted before they were stored and not yet back-filled) is scored from its answers here.
    ``learning=False`` leaves out the learning progress (pages that do not show learning × growth).
    People are in the order of their enrolment id, so every figure is computed in the same order every time.
    """
    versions = _versions(session, scope.instrument_id)
    if scope.version_ids is not None:
        versions = {k: v for k, v in versions.items() if k in scope.version_ids}
    org = session.get(Organisation, scope.organisation_id) if scope.organisation_id is not None else None
    scales = [s.id for s in instrument.scales]
    execute = session.connection().execute  # plain rows: thousands of them, no ORM identity map needed

    people = execute(
        people_query(scope)
        .with_only_columns(
            col(Enrolment.id),
            col(Enrolment.user_id),
            col(Enrolment.cohort_id),
            col(Enrolment.wijk_id),
            func.coalesce(Wijk.gebied_id, NO_GEBIED),
        )
        .order_by(col(Enrolment.id))
    ).all()
    c = Columns.empty(len(people), scales)
    if people:
        c.enrolment_id, c.user_id, c.cohort_id, c.wijk_id, c.gebied_id = (
            np.fromiter(column, np.int64, len(people)) for column in zip(*people, strict=True)
        )

    rq = _submitted(
        scope,
        QuestionnaireResponse.id,
        QuestionnaireResponse.enrolment_id,
        QuestionnaireResponse.moment,
        QuestionnaireResponse.instrument_version_id,
        QuestionnaireResponse.scores_json,
    )
    _fill_scores(session, c, execute(rq).partitions(CHUNK), versions, scales)

    if learning:
        _fill_learning(execute, scope, c)
    return _dataset(session, scope, org, instrument, versions, c)


def _fill_scores(
    session: Session,
    c: Columns,
    chunks: Iterable[Sequence[Sequence[Any]]],
    versions: Collection[int],
    scales: list[str],
) -> None:
    """Put submitted responses into the columns, a chunk of rows at a time: who submitted, the version and
    response id, and the scale and then-test scores stored at submission (a response without them is scored from
    its answers; one on a version outside ``versions`` counts as submitted but gets no scores).
    ``chunks``: lists of rows (response id, enrolment id, moment, instrument version id, scores_json)."""
    wanted = np.fromiter(versions, np.int64, len(versions))
    unscored: list[Sequence[Any]] = []
    for chunk in chunks:
        unscored += _fill_chunk(c, chunk, wanted, scales)
    if unscored:
        log.warning(
            "%d submitted responses have no stored scores; scoring them from their answers "
            "(run `ract migrate` to store them)",
            len(unscored),
        )
        computed = scores_from_answers(session, sorted(r[0] for r in unscored))
        rows = [
            (rid, eid, moment, vid, orjson.dumps({"s": computed[rid].scales, "t": computed[rid].then}).decode())
            for rid, eid, moment, vid, _ in unscored
        ]
        _fill_chunk(c, rows, wanted, scales)


def _fill_chunk(
    c: Columns, rows: Sequence[Sequence[Any]], versions: np.ndarray, scales: list[str]
) -> list[Sequence[Any]]:
    """Fill the columns from a chunk of response rows (see ``_fill_scores``); returns the rows on a version of the
    data set that have no stored scores."""
    pos, found = _positions(c, [r[1] for r in rows])
    if not found.all():  # a response of someone who came into scope after the people were read
        rows = [r for r, ok in zip(rows, found, strict=True) if ok]
        pos = pos[found]
    if not rows:
        return []
    rid, _, moment, vid, stored = zip(*rows, strict=True)
    rid_a = np.fromiter(rid, np.int64, len(rid))
    vid_a = np.fromiter(vid, np.int64, len(vid))
    moment_a = np.array(moment)
    in_versions = np.isin(vid_a, versions)
    has_json = np.fromiter(map(operator.is_not, stored, repeat(None)), bool, len(stored))
    for m in MOMENTS:
        at = moment_a == m
        if not at.any():
            continue
        where = pos[at]
        c.submitted[m][where] = True
        c.version[m][where] = vid_a[at]
        c.response_id[m][where] = rid_a[at]
        with_scores = np.flatnonzero(at & in_versions & has_json)
        if not with_scores.size:
            continue
        where = pos[with_scores]
        c.scored[m][where] = True
        # One parse for all of the chunk's responses at this moment; a row of scale scores each (None → NaN).
        decoded = orjson.loads("[" + ",".join([stored[k] for k in with_scores.tolist()]) + "]")
        matrix = _scale_matrix([d["s"] for d in decoded], scales)
        for j, s in enumerate(scales):
            c.scores[(m, s)][where] = matrix[:, j]
        if m == "T1":  # then-test scores are asked at T1 only
            then = [(k, d["t"]) for k, d in zip(where, decoded, strict=True) if d["t"]]
            if then:
                then_at = np.fromiter((k for k, _ in then), np.intp, len(then))
                matrix = _scale_matrix([t for _, t in then], scales)
                for j, s in enumerate(scales):
                    c.then[s][then_at] = matrix[:, j]
    return [rows[k] for k in np.flatnonzero(in_versions & ~has_json).tolist()]


def _positions(c: Columns, enrolment_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The position of each enrolment id in the columns (whose ids are ascending), and whether it is there."""
    wanted = np.fromiter(enrolment_ids, np.int64, len(enrolment_ids))
    pos = np.searchsorted(c.enrolment_id, wanted)
    found = pos < len(c)
    found[found] = c.enrolment_id[pos[found]] == wanted[found]
    return pos, found


def _scale_matrix(dicts: list[dict[str, float | None]], scales: list[str]) -> np.ndarray:
    """Each {scale: score} as a row of a float matrix in ``scales`` order (NaN: missing or None)."""
    out = np.full((len(dicts), len(scales)), math.nan)
    if not dicts:
        return out
    asked = set().union(*dicts)  # every scale any of them has
    present = [j for j, s in enumerate(scales) if s in asked]
    if present:
        every = operator.itemgetter(*(scales[j] for j in present))
        try:  # the usual case: every dict has all of them (one version, the same scales asked)
            out[:, present] = np.array(list(map(every, dicts)), dtype=float).reshape(len(dicts), len(present))
            return out
        except KeyError:  # some lack a scale the others have: one by one
            pass
    for j, s in enumerate(scales):
        out[:, j] = np.array([d.get(s) for d in dicts], dtype=float)
    return out


def _fill_learning(execute: Callable[..., Result[Any]], scope: Scope, c: Columns) -> None:
    """Learning, per enrolment and over the modules of its cohort's programme (all modules when the cohort has no
    module set): completed modules and the mean best knowledge-check score, aggregated by the database."""
    from training.models import CohortModule, ModuleProgress

    # A module counts when it is in the cohort's set, or when the cohort has no set (then every module counts).
    # Both as uncorrelated sub-queries (a row-value IN and a NOT IN, both columns NOT NULL): evaluated once, where
    # correlated EXISTS sub-queries ran per progress row (≈ 25% of this query's time on SQLite).
    in_set = tuple_(Enrolment.cohort_id, ModuleProgress.module_id).in_(
        select(CohortModule.cohort_id, CohortModule.module_id)
    )
    without_set = col(Enrolment.cohort_id).not_in(select(CohortModule.cohort_id))
    lq = (
        select(Enrolment.id, func.count(col(ModuleProgress.completed_at)), func.avg(ModuleProgress.best_score))
        .join(ModuleProgress, col(ModuleProgress.user_id) == Enrolment.user_id)
        .where(
            col(Enrolment.id).in_(people_query(scope).with_only_columns(col(Enrolment.id)).scalar_subquery()),
            or_(in_set, without_set),
        )
        .group_by(col(Enrolment.id))
    )
    rows = execute(lq).all()
    if rows:
        pos, found = _positions(c, [r[0] for r in rows])
        _, completed, mean_score = zip(*rows, strict=True)
        c.modules_completed[pos[found]] = np.fromiter((v or 0 for v in completed), np.int64, len(completed))[found]
        c.mean_check[pos[found]] = np.array(mean_score, dtype=float)[found]  # None (no score) → NaN
    if len(c):
        cohorts = np.unique(c.cohort_id)
        sizes = execute(
            select(CohortModule.cohort_id, func.count())
            .group_by(col(CohortModule.cohort_id))
            .where(col(CohortModule.cohort_id).in_([int(x) for x in cohorts]))
        ).all()
        if sizes:
            cohort, size = (np.array(x, dtype=np.int64) for x in zip(*sizes, strict=True))
            order = np.argsort(cohort)
            cohort, size = cohort[order], size[order]
            k = np.clip(np.searchsorted(cohort, c.cohort_id), 0, len(cohort) - 1)
            c.modules_required = np.where(cohort[k] == c.cohort_id, size[k], 0)


def score_columns(
    session: Session, *, instrument_id: str, enrolment_ids: Sequence[int], versions: Collection[int], scales: list[str]
) -> Columns:
    """The submitted moments and scale scores of the given enrolments, read exactly as ``load_dataset`` reads them
    (the research export's wide rows, a chunk of people at a time); the other columns stay empty."""
    ids = np.unique(np.asarray(enrolment_ids, dtype=np.int64))
    c = Columns.empty(len(ids), scales)
    c.enrolment_id = ids
    # response id, enrolment id, moment, instrument version id, stored scores
    query: Select[int, int, str, int, str | None] = select(  # type: ignore[call-overload]  # sqlmodel: <= 4 columns
        QuestionnaireResponse.id,
        QuestionnaireResponse.enrolment_id,
        QuestionnaireResponse.moment,
        QuestionnaireResponse.instrument_version_id,
        QuestionnaireResponse.scores_json,
    ).where(
        QuestionnaireResponse.status == "submitted",
        QuestionnaireResponse.instrument_id == instrument_id,
        col(QuestionnaireResponse.enrolment_id).in_(c.enrolment_id.tolist()),
    )
    _fill_scores(session, c, session.connection().execute(query).partitions(CHUNK), versions, scales)
    return c


def _dataset(
    session: Session,
    scope: Scope,
    org: Organisation | None,
    instrument: Instrument,
    versions: dict[int, Instrument],
    columns: Columns,
) -> Dataset:
    def of_scope(model: type[_Scoped]) -> Iterable[_Scoped]:
        q = select(model)
        if scope.organisation_id is not None:
            q = q.where(model.organisation_id == scope.organisation_id)
        return session.exec(q)

    wijken = {id_of(w): w for w in of_scope(Wijk)}
    gebieden = {id_of(g): g for g in of_scope(Gebied)}
    cohorts = {id_of(c): c for c in of_scope(Cohort)}
    organisations = (
        {id_of(org): org}
        if org is not None
        else {id_of(o): o for o in session.exec(select(Organisation).order_by(Organisation.name))}
    )
    from monitor.models import MeasurementWindow

    closes_on = {
        (w.cohort_id, w.moment): w.closes_on
        for w in session.exec(select(MeasurementWindow).where(col(MeasurementWindow.cohort_id).in_(list(cohorts))))
    }
    return Dataset(scope, org, instrument, versions, columns, wijken, gebieden, cohorts, organisations, closes_on)


def _items_by_response(session: Session, response_ids: dict[int, int]) -> dict[int, dict[str, float]]:
    """{enrolment: {item: recoded value}} for the given {response: enrolment}, from the stored item scores."""
    out: dict[int, dict[str, float]] = {}
    ids = sorted(response_ids)
    missing: list[int] = []
    for start in range(0, len(ids), 900):  # stay below SQLite's limit on bound parameters
        chunk = ids[start : start + 900]
        for rid, items_json in (
            session.connection()
            .execute(
                select(QuestionnaireResponse.id, QuestionnaireResponse.items_json).where(
                    col(QuestionnaireResponse.id).in_(chunk)
                )
            )
            .all()
        ):
            if items_json is None:
                missing.append(rid)
            else:
                out[response_ids[rid]] = decode_items(items_json)
    for rid, scores in scores_from_answers(session, missing).items():
        out[response_ids[rid]] = scores.items
    return out


def scored_responses(dataset: Dataset, moment: str, positions: np.ndarray | None = None) -> dict[int, int]:
    """{response id: enrolment id} of the responses at ``moment`` on a version of the data set (of the people at
    ``positions``, or everyone)."""
    c = dataset.columns
    scored = c.scored[moment]
    at = np.flatnonzero(scored) if positions is None else positions[scored[positions]]
    return dict(zip(c.response_id[moment][at].tolist(), c.enrolment_id[at].tolist(), strict=True))


def item_matrices(
    session: Session, *, scope: Scope | None = None, dataset: Dataset, moment: str
) -> dict[str, np.ndarray]:
    """Per scale, the recoded item answers at one moment (NaN = not answered), one row per person of the dataset
    who answered at least one of its items (for Cronbach's α)."""
    del scope  # the dataset's people are the scope
    by_enrolment = _items_by_response(session, scored_responses(dataset, moment))
    rows = [by_enrolment[e] for e in sorted(by_enrolment)]  # a fixed order: the same α to the last bit every time
    out = {}
    for scale in dataset.scales:
        items = [i.id for i in dataset.instrument.scale_items(scale) if moment in i.moments]
        matrix = np.array([[r.get(i, math.nan) for i in items] for r in rows], dtype=float).reshape(
            len(rows), len(items)
        )
        out[scale] = matrix[~np.isnan(matrix).all(axis=1)] if items else matrix
    return out


def item_values(
    session: Session, *, scope: Scope | None = None, dataset: Dataset, moment: str, enrolment_ids: Sequence[int]
) -> dict[int, dict[str, float]]:
    """Recoded item answers at one moment for the given enrolments: {enrolment: {item: value}} (no then-test)."""
    del scope
    positions = np.flatnonzero(np.isin(dataset.columns.enrolment_id, np.asarray(enrolment_ids, dtype=np.int64)))
    return _items_by_response(session, scored_responses(dataset, moment, positions))


def moments() -> Sequence[str]:
    return MOMENTS


def item_matrix(session: Session, *, scope: Scope, dataset: Dataset, scale_id: str, moment: str) -> np.ndarray:
    """The item matrix of one scale at one moment (see item_matrices, which does all scales in one query)."""
    return item_matrices(session, scope=scope, dataset=dataset, moment=moment)[scale_id]
