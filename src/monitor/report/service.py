"""Use cases of the monitor: who may see which report, built from the dataset with the configured thresholds."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any, Literal, NamedTuple, TypeVar, cast

import numpy as np
from sqlmodel import Session, col, select

from monitor.errors import InvalidMomentPair
from monitor.questionnaire.instrument import MOMENTS, Instrument
from monitor.report.build import Report, ScaleQuality, build_report
from monitor.report.build import pooled_quality as report_quality
from monitor.report.data_version import data_version
from monitor.report.dataset import Dataset, Scope, item_matrices, item_values, load_dataset, scored_responses
from monitor.report.disclosure import Thresholds
from monitor.report.references import Reference, rci_references
from training.access import get_visible_cohort
from training.errors import NotFound, PermissionDenied
from training.ids import id_of
from training.models import Cohort, Gebied, Organisation, Role, User, Wijk

PAIRS = (("T0", "T1"), ("T0", "T2"), ("T1", "T2"))


def check_pair(moment_from: str, moment_to: str) -> None:
    if (moment_from, moment_to) not in PAIRS:
        raise InvalidMomentPair()


def organisation_for(session: Session, *, user: User, organisation_id: int | None = None) -> Organisation:
    """The organisation whose monitor the user may see: a manager their own, an admin any (default: the first)."""
    if user.role == Role.manager:
        if organisation_id not in (None, user.organisation_id):
            raise NotFound("Deze organisatie bestaat niet of je hebt er geen toegang toe.")
        org = session.get(Organisation, user.organisation_id)
    elif user.role == Role.admin:
        org = (
            session.get(Organisation, organisation_id)
            if organisation_id
            else session.exec(select(Organisation).order_by(col(Organisation.id))).first()
        )
    else:
        raise PermissionDenied("Alleen projectleiding en beheer zien de monitor van de organisatie.")
    if org is None:
        raise NotFound("Deze organisatie bestaat niet.")
    return org


_QUALITY_CACHE: OrderedDict[tuple[object, ...], list[ScaleQuality]] = OrderedDict()
_QUALITY_CACHE_SIZE = 64
_quality_lock = threading.Lock()


def pooled_quality(session: Session, org_data: Dataset) -> list[ScaleQuality]:
    """Cronbach's α and item–rest correlations per scale and moment, pooled over the organisation (never per wijk,
    docs/domain.md §5.4): the reliability for the RCI and the quality table.

    It depends on which submitted responses there are and on their answers, which change only by an admin's
    correction (``monitor.questionnaire.paper``). It is cached per process under a digest of their ids, the
    instrument and the data version (which every committed write bumps, a correction included); within a
    transaction that has written itself (no version) it is computed afresh.
    """
    version = data_version(session)
    digest = hashlib.blake2b(digest_size=16)
    for moment in MOMENTS:
        ids = np.sort(np.fromiter(scored_responses(org_data, moment), np.int64))
        digest.update(moment.encode() + b":" + ids.tobytes() + b";")
    key = (
        org_data.scope.organisation_id,
        org_data.instrument.id,
        org_data.instrument.version_hash,
        tuple(sorted(org_data.versions)),
        digest.hexdigest(),
        version,
    )
    if version is None:
        return report_quality(_item_matrices(session, org_data), org_data)
    with _quality_lock:
        if key in _QUALITY_CACHE:
            _QUALITY_CACHE.move_to_end(key)
            return _QUALITY_CACHE[key]
    quality = report_quality(_item_matrices(session, org_data), org_data)
    with _quality_lock:
        _QUALITY_CACHE[key] = quality
        while len(_QUALITY_CACHE) > _QUALITY_CACHE_SIZE:
            _QUALITY_CACHE.popitem(last=False)
    return quality


def _item_matrices(session: Session, org_data: Dataset) -> dict[tuple[str, str], np.ndarray]:
    return {
        (scale, m): matrix
        for m in MOMENTS
        for scale, matrix in item_matrices(session, dataset=org_data, moment=m).items()
    }


_REPORT_CACHE: OrderedDict[tuple[object, ...], object] = OrderedDict()
T = TypeVar("T")
REPORT_CACHE_SIZE = 32  # reports of a few organisations × filters; at 10× the city one report is a few MB at most
_report_lock = threading.Lock()


def _cached(session: Session, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, cached per process under ``key`` and the data version (``monitor.report.data_version``), which
    every committed write of a table the monitor reads bumps: a change is never served stale, and every worker agrees.
    ``key`` holds everything else the result depends on (organisation, scope, filters, instrument version,
    thresholds, today: windows close by date); who may see it is checked before. Least recently used goes first."""
    version = data_version(session)  # read before the data: a later write gets a newer version, never the reverse
    if version is None:
        return compute()
    # the database too: copies of one database (a migrated template per test) share an epoch and count alike
    bind = session.get_bind()
    full = (str(bind.engine.url), *version, date.today(), *key)
    with _report_lock:
        if full in _REPORT_CACHE:
            _REPORT_CACHE.move_to_end(full)
            return cast(T, _REPORT_CACHE[full])  # stored under this key by the same compute
    value = compute()
    with _report_lock:
        _REPORT_CACHE[full] = value
        while len(_REPORT_CACHE) > REPORT_CACHE_SIZE:
            _REPORT_CACHE.popitem(last=False)
    return value


def clear_report_cache() -> None:
    with _report_lock:
        _REPORT_CACHE.clear()


def _instrument_key(instrument: Instrument) -> tuple[object, ...]:
    return (instrument.id, instrument.version_hash)


def references_for(session: Session, instrument: Instrument, thresholds: Thresholds) -> dict[str, Reference]:
    """The instrument version's RCI references, or none while its sample is below the small-cell threshold (a
    provisional reference of fewer people would be a figure about too few people)."""
    refs = rci_references(session, instrument=instrument)
    return {s: r for s, r in refs.items() if r.frozen or r.n_sample >= thresholds.min_n}


def _datasets(
    session: Session, scope: Scope, instrument: Instrument, learning: bool = True
) -> tuple[Dataset, Dataset, list[ScaleQuality]]:
    """The view's data set, the whole organisation's (the reference of its small-cell plan and of α) and α."""
    data = load_dataset(session, scope=scope, instrument=instrument, learning=learning)
    org_scope = Scope(organisation_id=scope.organisation_id, instrument_id=scope.instrument_id)
    org_data = (
        data if scope == org_scope else load_dataset(session, scope=org_scope, instrument=instrument, learning=False)
    )
    return data, org_data, pooled_quality(session, org_data)


def _report(
    session: Session,
    scope: Scope,
    *,
    instrument: Instrument,
    moment_from: str,
    moment_to: str,
    thresholds: Thresholds,
    root: Literal["organisation", "cohort", "overall"],
    n_modules: int = 0,
) -> Report:
    check_pair(moment_from, moment_to)

    def compute() -> Report:
        data, org_data, quality = _datasets(session, scope, instrument, learning=root in ("organisation", "overall"))
        return build_report(
            data,
            moment_from=moment_from,
            moment_to=moment_to,
            thresholds=thresholds,
            quality=quality,
            root=root,
            n_modules=n_modules,
            ref=org_data,
            references=references_for(session, instrument, thresholds),
        )

    key = ("report", scope, _instrument_key(instrument), thresholds, moment_from, moment_to, root, n_modules)
    return _cached(session, key, compute)


def organisation_report(
    session: Session,
    *,
    user: User,
    instrument: Instrument,
    thresholds: Thresholds,
    moment_from: str = "T0",
    moment_to: str = "T1",
    organisation_id: int | None = None,
    cohort_id: int | None = None,
    started_from: date | None = None,
    started_to: date | None = None,
    version_id: int | None = None,
    n_modules: int = 0,
) -> Report:
    org = organisation_for(session, user=user, organisation_id=organisation_id)
    cohort_ids: tuple[int, ...] | None = None
    if cohort_id is not None:
        cohort = get_visible_cohort(session, user=user, cohort_id=cohort_id)
        if cohort.organisation_id != org.id:
            raise NotFound("Deze groep hoort niet bij deze organisatie.")
        cohort_ids = (id_of(cohort),)
    scope = Scope(
        organisation_id=org.id,
        instrument_id=instrument.id,
        cohort_ids=cohort_ids,
        started_from=started_from,
        started_to=started_to,
        version_ids=(version_id,) if version_id is not None else None,
    )
    return _report(
        session,
        scope,
        instrument=instrument,
        moment_from=moment_from,
        moment_to=moment_to,
        thresholds=thresholds,
        root="organisation",
        n_modules=n_modules,
    )


def overall_report(
    session: Session,
    *,
    user: User,
    instrument: Instrument,
    thresholds: Thresholds,
    moment_from: str = "T0",
    moment_to: str = "T1",
    started_from: date | None = None,
    started_to: date | None = None,
    version_id: int | None = None,
    n_modules: int = 0,
) -> Report:
    """The monitor over every organisation (beheer only): all organisations → organisation → gebied → wijk, with the
    same small-cell rule over that tree; α and the RCI's SD pooled over everyone in scope. For a programme that
    trains a few people from each of many organisations, only this level may have enough people to show."""
    if user.role != Role.admin:
        raise PermissionDenied("Alleen beheer ziet de monitor over alle organisaties.")
    scope = Scope(
        organisation_id=None,
        instrument_id=instrument.id,
        started_from=started_from,
        started_to=started_to,
        version_ids=(version_id,) if version_id is not None else None,
    )
    return _report(
        session,
        scope,
        instrument=instrument,
        moment_from=moment_from,
        moment_to=moment_to,
        thresholds=thresholds,
        root="overall",
        n_modules=n_modules,
    )


def cohort_report(
    session: Session,
    *,
    user: User,
    cohort_id: int,
    instrument: Instrument,
    thresholds: Thresholds,
    moment_from: str = "T0",
    moment_to: str = "T1",
) -> Report:
    """A cohort's monitor for its trainers (and managers/admins of its organisation): cohort → wijk."""
    if user.role == Role.trainee:
        raise PermissionDenied("Deelnemers zien geen groepsmonitor.")
    cohort = get_visible_cohort(session, user=user, cohort_id=cohort_id)
    scope = Scope(organisation_id=cohort.organisation_id, instrument_id=instrument.id, cohort_ids=(id_of(cohort),))
    return _report(
        session,
        scope,
        instrument=instrument,
        moment_from=moment_from,
        moment_to=moment_to,
        thresholds=thresholds,
        root="cohort",
    )


def filter_options(session: Session, *, user: User, instrument: Instrument) -> dict[str, Any]:
    """Cohorts of the user's organisation and the stored versions of the instrument, for the monitor's filters."""
    from monitor.models import InstrumentVersion

    org = organisation_for(session, user=user)
    cohorts = list(
        session.exec(select(Cohort).where(Cohort.organisation_id == org.id).order_by(col(Cohort.start_date)))
    )
    versions = list(
        session.exec(
            select(InstrumentVersion)
            .where(InstrumentVersion.instrument_id == instrument.id)
            .order_by(col(InstrumentVersion.created_at))
        )
    )
    return {"cohorts": cohorts, "versions": versions, "current_hash": instrument.version_hash}


def wijk_reports(
    session: Session, *, user: User, instrument: Instrument, thresholds: Thresholds, wijk_id: int
) -> tuple[dict[tuple[str, str], Report], dict[str, Any]]:
    """The wijk page: the wijk's rows for every pair of moments and its item heatmap (T0 → T1), from one load.

    Each report is planned over the whole organisation (so complementary suppression is the overview's own) but
    computes figures for this wijk only.
    """
    wijk = session.get(Wijk, wijk_id)
    # a manager: their own organisation's wijken; an admin: any wijk (the overview of all organisations links here)
    try:
        org = organisation_for(session, user=user, organisation_id=wijk.organisation_id if wijk else -1)
    except NotFound:
        raise NotFound("Deze wijk bestaat niet of je hebt er geen toegang toe.") from None
    assert wijk is not None  # no organisation has id -1: organisation_for refused a missing wijk above
    scope = Scope(organisation_id=org.id, instrument_id=instrument.id)

    def compute() -> tuple[dict[tuple[str, str], Report], dict[str, Any]]:
        data, _, quality = _datasets(session, scope, instrument, learning=False)
        key = f"wijk:{wijk_id}"
        references = references_for(session, instrument, thresholds)
        reports = {
            (a, b): build_report(
                data,
                moment_from=a,
                moment_to=b,
                thresholds=thresholds,
                quality=quality,
                only={key},
                references=references,
            )
            for a, b in PAIRS
        }
        items = _item_changes(session, data, reports[("T0", "T1")], wijk, thresholds)
        return reports, items

    return _cached(session, ("wijk", org.id, wijk_id, _instrument_key(instrument), thresholds), compute)


def _item_changes(
    session: Session, data: Dataset, report: Report, wijk: Wijk, thresholds: Thresholds
) -> dict[str, Any]:
    """Mean paired change per item for one wijk (the heatmap). Shown only for the scales whose wijk-level change is
    shown in the monitor (n_paired ≥ min_paired, not complementarily withheld); item level never exists per person."""
    moment_from, moment_to = report.moment_from, report.moment_to
    eids = data.columns.enrolment_id[data.columns.wijk_id == wijk.id].tolist()
    before = item_values(session, dataset=data, moment=moment_from, enrolment_ids=eids)
    after = item_values(session, dataset=data, moment=moment_to, enrolment_ids=eids)
    shown_scales = {r.scale for r in report.rows if r.group_key == f"wijk:{wijk.id}" and r.mean_change is not None}
    items: list[dict[str, Any]] = []
    for item in data.instrument.items:
        if item.scale not in shown_scales:
            continue
        diffs = [
            after[e][item.id] - before[e][item.id]
            for e in eids
            if item.id in before.get(e, {}) and item.id in after.get(e, {})
        ]
        if len(diffs) >= thresholds.min_paired:
            items.append(
                {
                    "item": item.id,
                    "scale": item.scale,
                    "text": item.text,
                    "n": len(diffs),
                    "change": sum(diffs) / len(diffs),
                }
            )
    return {"wijk": wijk, "items": items, "withheld_scales": sorted(set(data.scales) - shown_scales)}


class TrendCohort(NamedTuple):
    """A cohort on the trend page: what its label needs."""

    id: int
    name: str
    start_date: date


def trend_reports(
    session: Session,
    *,
    user: User,
    instrument: Instrument,
    thresholds: Thresholds,
    moment_from: str = "T0",
    moment_to: str = "T1",
    organisation_id: int | None = None,
) -> tuple[Organisation, list[tuple[TrendCohort, Report]]]:
    """Change per cohort, in order of start date: one cohort-filtered organisation report each, with the rows of the
    organisation and of each of its gebieden (``gebied:<id>``). Every one is planned on the organisation's atoms
    (``monitor.report.lattice``) over the whole tree, so a cohort's gebied row is withheld exactly as in the
    cohort-filtered overview, and the cohorts side by side cannot be subtracted from any other view's figures."""
    org = organisation_for(session, user=user, organisation_id=organisation_id)
    cohorts = list(
        session.exec(select(Cohort).where(Cohort.organisation_id == org.id).order_by(col(Cohort.start_date)))
    )
    check_pair(moment_from, moment_to)
    keys = {f"org:{org.id}"} | {f"gebied:{g.id}" for g in trend_gebieden(session, org)}
    key = ("trend", org.id, _instrument_key(instrument), thresholds, moment_from, moment_to)
    return org, _cached(
        session, key, lambda: _trend(session, org, cohorts, instrument, thresholds, moment_from, moment_to, keys)
    )


def trend_gebieden(session: Session, org: Organisation) -> list[Gebied]:
    """The gebieden whose trend a project leader can choose: every gebied of the organisation, by name."""
    return list(session.exec(select(Gebied).where(Gebied.organisation_id == org.id).order_by(col(Gebied.name))))


def trend_gebied(session: Session, org: Organisation, gebied_id: int) -> Gebied:
    """One gebied of ``org`` for the trend page; an unknown gebied or one of another organisation is not found."""
    gebied = session.get(Gebied, gebied_id)
    if gebied is None or gebied.organisation_id != org.id:
        raise NotFound("Dit gebied bestaat niet of je hebt er geen toegang toe.")
    return gebied


def _trend(
    session: Session,
    org: Organisation,
    cohorts: list[Cohort],
    instrument: Instrument,
    thresholds: Thresholds,
    moment_from: str,
    moment_to: str,
    keys: set[str],
) -> list[tuple[TrendCohort, Report]]:
    # The organisation's data set, α and references once; per cohort only its own people are read (at 10× the city
    # data, reading the organisation again per cohort took 36 s for 40 cohorts).
    org_data = load_dataset(
        session, scope=Scope(organisation_id=org.id, instrument_id=instrument.id), instrument=instrument, learning=False
    )
    quality = pooled_quality(session, org_data)
    references = references_for(session, instrument, thresholds)
    out: list[tuple[TrendCohort, Report]] = []
    for cohort in cohorts:
        scope = Scope(organisation_id=org.id, instrument_id=instrument.id, cohort_ids=(id_of(cohort),))
        data = load_dataset(session, scope=scope, instrument=instrument, learning=False)
        report = build_report(
            data,
            moment_from=moment_from,
            moment_to=moment_to,
            thresholds=thresholds,
            quality=quality,
            ref=org_data,
            references=references,
            only=keys,
        )
        # A plain copy, not the ORM object: the result is cached across requests, and a Cohort of another
        # request's session is detached (and expired once that session commits).
        out.append((TrendCohort(id_of(cohort), cohort.name, cohort.start_date), report))
    return out
