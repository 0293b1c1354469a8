"""The research export: answers per person under a fresh pseudonym, in long and wide form, a codebook and SPSS.

Privacy (docs/domain.md §6.3): every export makes a new random secret and pseudonymises each enrolment with
HMAC-SHA256(secret, enrolment id), truncated to 12 hex characters; the secret lives only in memory for the export.
Rows are ordered by pseudonym, so not even the row order links two exports. No names, e-mails, user or enrolment
ids, background answers or open answers: the open_answer table is never read. A wijk with too few people in the
export is reported as its gebied or as "overig", by the monitor's own disclosure plan, and then every wijk × cohort
combination is made to hold at least ``min_n`` people (``monitor.exports.anonymity``; docs/exports.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from monitor.exports.anonymity import OTHER, Coarsening, Subject, k_anonymise
from monitor.exports.audit import WEB, record_export
from monitor.exports.codebook import THEN_SUFFIX, codebook_json, codebook_rows, version_key
from monitor.models import Answer, InstrumentVersion, QuestionnaireResponse
from monitor.questionnaire.instrument import MOMENTS, Instrument, Moment
from monitor.questionnaire.versions import instrument_of, list_versions
from monitor.report import statistics as st
from monitor.report.dataset import Person, Scope, people_query, score_columns
from monitor.report.disclosure import Group, Thresholds, plan_suppression
from monitor.report.references import rci_references
from privacy.models import ResearchChoice
from training.errors import PermissionDenied
from training.ids import id_of
from training.models import Cohort, Enrolment, Gebied, Organisation, Role, User, Wijk

PSEUDONYM_LENGTH = 12
GEBIED_SUFFIX = " (gebied)"
# The research choice the person's data are exported under (privacy.research): the version of the explanation they
# agreed to and the date (not the time) of that yes, per person, in every file.
CHOICE_COLUMNS = ("research_choice_version", "research_choice_date")
PERSON_COLUMNS = ("pseudonym", "wijk", "cohort", *CHOICE_COLUMNS)
LONG_COLUMNS = (*PERSON_COLUMNS, "moment", "instrument_version", "item", "scale", "value", "missing_code")
KINDS = {"long": "csv", "wide": "csv", "spss": "sav", "codebook_csv": "csv", "codebook_json": "json"}
CHANGES: tuple[tuple[Moment, Moment], ...] = (("T0", "T1"), ("T0", "T2"), ("T1", "T2"))


class Pseudonymiser:
    """HMAC-SHA256 of the enrolment id under a random per-export secret. The secret is never stored or shown."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def __call__(self, enrolment_id: int) -> str:
        digest = hmac.new(self._secret, str(enrolment_id).encode("ascii"), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_LENGTH]


@dataclass(frozen=True, slots=True)
class ExportPerson:
    pseudonym: str
    wijk: str  # the disclosure-safe label: wijk, "<gebied> (gebied)" or "overig"
    cohort: str  # the cohort's name, or "" where k-anonymity suppressed it
    enrolment_id: int  # internal only: never written
    research_choice_version: int = 0  # the research explanation version the person agreed to
    research_choice_date: str = ""  # ISO date of the person's current yes

    @property
    def person_cells(self) -> tuple[Any, ...]:
        """The per-person columns every file starts with (``PERSON_COLUMNS``)."""
        return (self.pseudonym, self.wijk, self.cohort, self.research_choice_version, self.research_choice_date)


@dataclass(frozen=True, slots=True)
class _Member:
    """What the plan needs of a person: no scores (those are read per chunk while writing)."""

    enrolment_id: int
    user_id: int
    cohort_id: int
    wijk_id: int


@dataclass
class ResearchPlan:
    """Who is in the export, under which pseudonym and wijk label. Built once per export."""

    organisation: Organisation
    scope: Scope
    instrument: Instrument
    versions: dict[int, Instrument]  # instrument_version id -> the wording it froze
    version_keys: dict[int, str]  # instrument_version id -> short hash
    people: list[ExportPerson]  # ordered by pseudonym
    thresholds: Thresholds
    reliability: dict[str, tuple[float | None, float | None, float | None]] = field(default_factory=dict)
    coarsening: dict[str, Any] = field(default_factory=dict)  # what k-anonymity changed (the codebook reports it)

    @property
    def versions_by_key(self) -> dict[str, Instrument]:
        return {self.version_keys[vid]: inst for vid, inst in sorted(self.versions.items())}


def require_research_access(user: User) -> None:
    """Person-level files (even pseudonymised) are for beheer only: managers never see individual scores
    (docs/domain.md §6.2)."""
    if user.role != Role.admin:
        raise PermissionDenied("Onderzoeksbestanden met gegevens per persoon zijn alleen voor beheer.")


# --- the plan ------------------------------------------------------------------------------------------------


def plan_research_export(
    session: Session,
    *,
    organisation: Organisation,
    instrument: Instrument,
    thresholds: Thresholds,
    pseudonymiser: Pseudonymiser | None = None,
) -> ResearchPlan:
    """Everyone of the organisation who agreed to research and submitted a response, pseudonymised, safe wijk label.

    The plan holds a few short strings per person and no scores, so it stays small for any organisation: the
    answers and scores are read per chunk of people while the file is written (flat memory, docs/performance.md).
    """
    scope = Scope(organisation_id=organisation.id, instrument_id=instrument.id)
    versions = {id_of(v): instrument_of(v) for v in list_versions(session, instrument_id=instrument.id)}
    people, coarsening = coarsen_people(
        session, organisation=organisation, instrument=instrument, thresholds=thresholds
    )
    pseudonymise = pseudonymiser or Pseudonymiser()
    pseudonyms = {p.enrolment_id: pseudonymise(p.enrolment_id) for p in people}
    if len(set(pseudonyms.values())) != len(pseudonyms):  # 48 bits: practically never; never silently merge people
        return plan_research_export(session, organisation=organisation, instrument=instrument, thresholds=thresholds)
    # (version, day) per person, read as plain rows: an ORM object per person cost ~0.7 kB each at 60,000 people
    choices = {
        user_id: (version, chosen_at.date().isoformat())
        for user_id, version, chosen_at in session.exec(
            select(ResearchChoice.user_id, ResearchChoice.explanation_version, ResearchChoice.chosen_at).where(
                col(ResearchChoice.user_id).in_({p.user_id for p in people}), col(ResearchChoice.agreed).is_(True)
            )
        )
    }
    if any(p.user_id not in choices for p in people):  # someone withdrew meanwhile: plan again without them
        return plan_research_export(session, organisation=organisation, instrument=instrument, thresholds=thresholds)
    members = sorted(
        (
            ExportPerson(
                pseudonyms[p.enrolment_id],
                *coarsening.labels[p.enrolment_id],
                p.enrolment_id,
                *choices[p.user_id],
            )
            for p in people
        ),
        key=lambda e: e.pseudonym,
    )
    del people, pseudonyms, choices
    version_keys = {vid: version_key(_hash(session, vid)) for vid in versions}
    plan = ResearchPlan(
        organisation, scope, instrument, versions, version_keys, members, thresholds, coarsening=coarsening.summary
    )
    plan.reliability = _pooled_reliability(session, plan)
    return plan


def coarsen_people(
    session: Session, *, organisation: Organisation, instrument: Instrument, thresholds: Thresholds
) -> tuple[list[_Member], Coarsening]:
    """The people of the export (everyone of the organisation with a submitted response who agreed to research)
    and their written wijk and cohort: the disclosure plan's wijk label, then k-anonymity over wijk × cohort with
    k = ``min_n``."""
    scope = Scope(organisation_id=organisation.id, instrument_id=instrument.id)
    with_response = select(QuestionnaireResponse.enrolment_id).where(
        QuestionnaireResponse.status == "submitted", QuestionnaireResponse.instrument_id == instrument.id
    )
    # Only people whose current choice is "yes" (privacy.research): participation in research is voluntary.
    agreed = select(ResearchChoice.user_id).where(col(ResearchChoice.agreed).is_(True))
    rows = session.connection().execute(
        people_query(scope).where(
            col(Enrolment.id).in_(with_response.scalar_subquery()),
            col(Enrolment.user_id).in_(agreed.scalar_subquery()),
        )
    )
    people = [_Member(eid, uid, cid, wid) for eid, uid, cid, wid, _gid in rows]
    wijken = {id_of(w): w for w in session.exec(select(Wijk).where(Wijk.organisation_id == organisation.id))}
    gebieden = {id_of(g): g for g in session.exec(select(Gebied).where(Gebied.organisation_id == organisation.id))}
    cohorts = {c.id: c.name for c in session.exec(select(Cohort).where(Cohort.organisation_id == organisation.id))}
    labels = wijk_labels(people, wijken, gebieden, id_of(organisation), thresholds)
    subjects = []
    for p in people:
        label, wijk = labels[p.enrolment_id], wijken[p.wijk_id]
        gebied = gebieden[wijk.gebied_id].name + GEBIED_SUFFIX if wijk.gebied_id is not None else OTHER
        named = label == wijk.name
        subjects.append(
            Subject(
                p.enrolment_id,
                p.user_id,
                label,
                gebied if named or label == gebied else OTHER,
                cohorts[p.cohort_id],
                named,
            )
        )
    return people, k_anonymise(subjects, thresholds.min_n)


def _hash(session: Session, version_id: int) -> str:
    version = session.get(InstrumentVersion, version_id)
    assert version is not None  # an id of list_versions, read in the same session
    return version.version_hash


def wijk_labels(
    people: Sequence[Person | _Member],
    wijken: Mapping[int, Wijk],
    gebieden: Mapping[int, Gebied],
    organisation_id: int,
    thresholds: Thresholds,
) -> dict[int, str]:
    """enrolment id -> wijk label, from the disclosure plan over the people in the export (measure "n").

    A wijk the plan shows keeps its name. A withheld wijk is reported as its gebied when the gebied is shown, else as
    "overig". The plan guarantees that every label then covers 0 or at least ``min_n`` people, including the
    complementary case (a second wijk joins a small one so that neither can be worked out by subtraction).
    """
    by_wijk: dict[int, int] = {}
    for p in people:
        by_wijk[p.wijk_id] = by_wijk.get(p.wijk_id, 0) + 1
    by_gebied: dict[int | None, list[Group]] = {}
    for wid, n in by_wijk.items():
        by_gebied.setdefault(wijken[wid].gebied_id, []).append(Group(f"wijk:{wid}", n))
    children = list(by_gebied.pop(None, []))
    children += [Group(f"gebied:{gid}", sum(g.n for g in groups), tuple(groups)) for gid, groups in by_gebied.items()]
    plan = plan_suppression(Group(f"org:{organisation_id}", len(people), tuple(children)), thresholds, measure="n")
    out = {}
    for p in people:
        gid = wijken[p.wijk_id].gebied_id
        if plan[f"wijk:{p.wijk_id}"].shown:
            out[p.enrolment_id] = wijken[p.wijk_id].name
        elif gid is not None and plan[f"gebied:{gid}"].shown:
            out[p.enrolment_id] = gebieden[gid].name + GEBIED_SUFFIX
        else:
            out[p.enrolment_id] = OTHER
    return out


def _pooled_reliability(
    session: Session, plan: ResearchPlan
) -> dict[str, tuple[float | None, float | None, float | None]]:
    """scale -> (α, SD_T0, S_diff): the instrument version's RCI reference (``monitor.report.references``), the very
    figures the monitor classifies reliable change with, so the file's RCI agrees with every monitor page."""
    out = {}
    for scale, ref in rci_references(session, instrument=plan.instrument).items():
        s_diff = None
        if ref.reliability is not None and ref.sd_t0 is not None:
            rci = st.paired_change([0.0, 0.0], [0.0, 0.0], reliability=ref.reliability, sd_reference=ref.sd_t0).rci
            s_diff = rci.s_diff if rci is not None else None
        out[scale] = (ref.reliability, ref.sd_t0, s_diff)
    return out


# --- long format ---------------------------------------------------------------------------------------------


def _closed_items(plan: ResearchPlan) -> list[str]:
    return sorted({item.id for inst in plan.versions.values() for item in inst.items})


# enrolment id, moment, instrument_version id, item, then-test, value, missing code
_AnswerQuery = Select[int, str, int, str, bool, int | None, str | None]


def _answers_query(plan: ResearchPlan) -> _AnswerQuery:
    query: _AnswerQuery = select(  # type: ignore[call-overload]  # sqlmodel types select() for <= 4 columns
        QuestionnaireResponse.enrolment_id,
        QuestionnaireResponse.moment,
        QuestionnaireResponse.instrument_version_id,
        Answer.item_id,
        Answer.then_test,
        Answer.value,
        Answer.missing_code,
    )
    return query.join(Answer, col(Answer.response_id) == QuestionnaireResponse.id).where(
        QuestionnaireResponse.status == "submitted",
        QuestionnaireResponse.instrument_id == plan.scope.instrument_id,
        col(QuestionnaireResponse.instrument_version_id).in_(list(plan.versions)),
        col(Answer.item_id).in_(_closed_items(plan)),
    )


def count_long_rows(session: Session, plan: ResearchPlan) -> int:
    enrolments = people_query(plan.scope).with_only_columns(col(Enrolment.id)).scalar_subquery()
    query = _answers_query(plan).where(col(QuestionnaireResponse.enrolment_id).in_(enrolments))
    return session.exec(select(func.count()).select_from(query.subquery())).one()


def iter_long_rows(session: Session, plan: ResearchPlan, *, chunk_size: int = 500) -> Iterator[tuple[Any, ...]]:
    """The long rows, ordered by pseudonym, moment and item. People are read in chunks (in pseudonym order) and
    each chunk's answers stream from the database (``yield_per``), so memory stays flat for any size."""
    order: dict[str, int] = {m: i for i, m in enumerate(MOMENTS)}  # the stored moment is a str
    for start in range(0, len(plan.people), chunk_size):
        chunk = plan.people[start : start + chunk_size]
        by_id = {e.enrolment_id: e for e in chunk}
        query = _answers_query(plan).where(col(QuestionnaireResponse.enrolment_id).in_(list(by_id)))
        rows = []
        for eid, moment, vid, item_id, then_test, value, missing_code in session.exec(
            query.execution_options(yield_per=1000)
        ):
            person = by_id[eid]
            inst = plan.versions[vid]
            item = inst.item(item_id)
            rows.append(
                (
                    (person.pseudonym, order[moment], bool(then_test), inst.items.index(item)),
                    (
                        *person.person_cells,
                        f"{moment}{THEN_SUFFIX}" if then_test else moment,
                        plan.version_keys[vid],
                        item_id,
                        item.scale,
                        value,
                        missing_code,
                    ),
                )
            )
        rows.sort(key=lambda r: r[0])
        for _, row in rows:
            yield row


# --- wide format ---------------------------------------------------------------------------------------------


def wide_columns(plan: ResearchPlan) -> list[str]:
    columns = list(PERSON_COLUMNS)
    for scale in plan.instrument.scales:
        s = scale.id
        columns += [f"{s}_{m}" for m in MOMENTS]
        if scale.then_test:
            columns.append(f"{s}_T1then")
        if not plan.instrument.is_outcome(s):  # a context scale is described, never scored as change
            continue
        columns += [f"{s}_change_{a}_{b}" for a, b in CHANGES]
        if scale.then_test:
            columns.append(f"{s}_change_then_T1")
        columns += [f"{s}_rci_T0_{b}" for a, b in CHANGES if a == "T0"]
    return columns


def _diff(a: float | None, b: float | None) -> float | None:
    return b - a if a is not None and b is not None else None


def _scores_of(session: Session, plan: ResearchPlan, enrolment_ids: list[int]) -> dict[int, Person]:
    """The submitted moments and scale scores of some of the plan's people (one chunk), read as the monitor reads
    them (``dataset.score_columns``), as ``Person`` rows whose other ids are never used."""
    scales = [s.id for s in plan.instrument.scales]
    c = score_columns(
        session,
        instrument_id=plan.scope.instrument_id,
        enrolment_ids=enrolment_ids,
        versions=plan.versions,
        scales=scales,
    )
    return {p.enrolment_id: p for p in (c.person(i, scales) for i in range(len(c)))}


def wide_rows(session: Session, plan: ResearchPlan, *, chunk_size: int = 500) -> Iterator[tuple[Any, ...]]:
    """One row per pseudonym: scale scores per moment (80% rule), changes and the RCI against the pooled T0.
    Scores are read per chunk of people (in pseudonym order), so memory stays flat for any size."""
    for start in range(0, len(plan.people), chunk_size):
        chunk = plan.people[start : start + chunk_size]
        scored = _scores_of(session, plan, [e.enrolment_id for e in chunk])
        for e in chunk:
            yield _wide_row(plan, e, scored[e.enrolment_id])


def _wide_row(plan: ResearchPlan, e: ExportPerson, p: Person) -> tuple[Any, ...]:
    row: list[Any] = list(e.person_cells)
    for scale in plan.instrument.scales:
        s = scale.id
        score = {m: p.scores.get(m, {}).get(s) if m in p.submitted else None for m in MOMENTS}
        row += [score[m] for m in MOMENTS]
        then = p.then_scores.get(s) if "T1" in p.submitted else None
        if scale.then_test:
            row.append(then)
        if not plan.instrument.is_outcome(s):
            continue
        row += [_diff(score[a], score[b]) for a, b in CHANGES]
        if scale.then_test:
            row.append(_diff(then, score["T1"]))
        s_diff = plan.reliability.get(s, (None, None, None))[2]
        for a, b in CHANGES:
            if a == "T0":
                change = _diff(score[a], score[b])
                row.append(change / s_diff if change is not None and s_diff else None)
    return tuple(row)


# --- web downloads -------------------------------------------------------------------------------------------


def research_organisation(session: Session, *, user: User, organisation_id: int | None) -> Organisation:
    """The organisation whose research files the user may download (beheer only), or a domain error."""
    from monitor.report.service import organisation_for

    require_research_access(user)
    return organisation_for(session, user=user, organisation_id=organisation_id)


def prepare_download(
    session: Session,
    *,
    user: User,
    organisation_id: int | None,
    instrument: Instrument,
    thresholds: Thresholds,
    kind: str,
) -> tuple[ResearchPlan, int]:
    """Plan a long or wide download and log it before any data leaves; returns the plan and its row count.
    The rows themselves are streamed afterwards (``iter_long_rows`` / ``wide_rows``)."""
    organisation = research_organisation(session, user=user, organisation_id=organisation_id)
    plan = plan_research_export(session, organisation=organisation, instrument=instrument, thresholds=thresholds)
    count = count_long_rows(session, plan) if kind == "long" else len(plan.people)
    record_research_export(
        session, plan=plan, organisation=organisation, kind=kind, row_count=count, user_id=user.id, channel=WEB
    )
    return plan, count


# --- one export, end to end (the CLI and the SPSS/codebook downloads) ------------------------------------------


def record_research_export(
    session: Session,
    *,
    plan: ResearchPlan | None,
    organisation: Organisation,
    kind: str,
    row_count: int,
    user_id: int | None,
    channel: str,
) -> None:
    scope: dict[str, Any] = {
        "instrument": plan.instrument.id if plan else None,
        "kind": kind,
        "min_n": None,
        "min_paired": None,
    }
    if plan is not None:
        scope |= {"min_n": plan.thresholds.min_n, "min_paired": plan.thresholds.min_paired, "people": len(plan.people)}
    record_export(
        session,
        action=f"export.research_{kind.split('_')[0]}",
        format=KINDS[kind],
        organisation_id=organisation.id,
        scope=scope,
        row_count=row_count,
        user_id=user_id,
        channel=channel,
    )


def codebook_versions(session: Session, *, instrument: Instrument) -> dict[str, Instrument]:
    """Every frozen version of the instrument (no person data), oldest first; the current wording when none."""
    rows = session.exec(
        select(InstrumentVersion)
        .where(InstrumentVersion.instrument_id == instrument.id)
        .order_by(col(InstrumentVersion.id))
    ).all()
    versions = {version_key(v.version_hash): Instrument.from_snapshot(json.loads(v.snapshot_json)) for v in rows}
    return versions or {version_key(instrument.version_hash): instrument}


def write_research_file(
    session: Session,
    *,
    organisation: Organisation,
    instrument: Instrument,
    thresholds: Thresholds,
    kind: str,
    path: Path,
    user_id: int | None,
    channel: str,
    pseudonymiser: Pseudonymiser | None = None,
) -> int:
    """Write one research file (``kind`` in KINDS) to ``path`` and log it; returns the number of data rows."""
    from monitor.exports.aggregate import csv_lines

    if kind not in KINDS:
        raise ValueError(f"unknown research export kind {kind!r}")
    plan = None
    if kind.startswith("codebook"):
        versions = codebook_versions(session, instrument=instrument)
        coarsening = coarsen_people(session, organisation=organisation, instrument=instrument, thresholds=thresholds)[
            1
        ].summary
        if kind == "codebook_json":
            document = codebook_json(versions, coarsening)
            path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
            count = sum(len(v["items"]) for v in document["versions"])
        else:
            rows = codebook_rows(versions, coarsening)
            from monitor.exports.codebook import CODEBOOK_COLUMNS

            _write_lines(path, csv_lines(CODEBOOK_COLUMNS, rows))
            count = len(rows)
    else:
        plan = plan_research_export(
            session,
            organisation=organisation,
            instrument=instrument,
            thresholds=thresholds,
            pseudonymiser=pseudonymiser,
        )
        if kind == "long":
            count = _write_lines(path, csv_lines(LONG_COLUMNS, iter_long_rows(session, plan)))
        elif kind == "wide":
            count = _write_lines(path, csv_lines(wide_columns(plan), wide_rows(session, plan)))
        else:
            from monitor.exports.spss import write_spss

            count = write_spss(plan, session, path)
    record_research_export(
        session, plan=plan, organisation=organisation, kind=kind, row_count=count, user_id=user_id, channel=channel
    )
    return count


def _write_lines(path: Path, lines: Iterator[str]) -> int:
    """Write CSV lines; returns the number of data rows (lines after the header)."""
    count = -1
    with path.open("w", encoding="utf-8", newline="") as out:
        for line in lines:
            out.write(line)
            count += 1
    return count
