"""Import responses from CSV (email,cohort,moment,item,value,submitted_at): check the whole file, then write it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, select

from monitor.errors import AnswerOutOfRange, UnknownItem
from monitor.models import Answer, QuestionnaireResponse
from monitor.questionnaire.instrument import MOMENTS, AnswerValue, Instrument
from monitor.questionnaire.responses import SUBMITTED, find_response, parse_value
from monitor.questionnaire.stored_scores import store_scores
from monitor.questionnaire.versions import get_or_create_version
from training.ids import id_of
from training.models import Cohort, Enrolment, User

COLUMNS = ("email", "cohort", "moment", "item", "value", "submitted_at")
THEN_SUFFIX = ":then"  # "ZEL1:then" is the retrospective "before the training" rating at T1


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class _Group:
    enrolment: Enrolment
    moment: str
    submitted_at: datetime
    first_line: int
    answers: dict[tuple[str, bool], AnswerValue] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult:
    problems: list[ImportProblem]
    responses: int = 0
    answers: int = 0


def _parse_time(raw: str) -> datetime:
    value = datetime.fromisoformat(raw.strip())
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def import_responses(session: Session, *, text: str, instrument: Instrument) -> ImportResult:
    """Validate every row first; with any problem, write nothing and return them all. Otherwise add one submitted
    response (source "import") per person, cohort and moment, with its answers. The caller commits once."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or [name.strip() for name in reader.fieldnames] != list(COLUMNS):
        return ImportResult([ImportProblem(1, f"the header must be exactly: {','.join(COLUMNS)}")])
    users = {u.email.lower(): u for u in session.exec(select(User))}
    cohorts: dict[str, list[Cohort]] = {}
    for cohort in session.exec(select(Cohort)):
        cohorts.setdefault(cohort.name, []).append(cohort)
    enrolments = {(e.user_id, e.cohort_id): e for e in session.exec(select(Enrolment))}
    problems: list[ImportProblem] = []
    groups: dict[tuple[int, str], _Group] = {}
    for line, row in enumerate(reader, start=2):
        row = {key.strip(): (value or "").strip() for key, value in row.items() if key is not None}
        user = users.get(row["email"].lower())
        found = cohorts.get(row["cohort"], [])
        if user is None:
            problems.append(ImportProblem(line, f"unknown person {row['email']!r}"))
            continue
        if len(found) != 1:
            problems.append(
                ImportProblem(
                    line,
                    f"unknown cohort {row['cohort']!r}" if not found else f"cohort name {row['cohort']!r} is ambiguous",
                )
            )
            continue
        enrolment = enrolments.get((id_of(user), id_of(found[0])))
        if enrolment is None:
            problems.append(ImportProblem(line, f"{row['email']} is not enrolled in cohort {row['cohort']!r}"))
            continue
        if row["moment"] not in MOMENTS:
            problems.append(ImportProblem(line, f"unknown moment {row['moment']!r} (use T0, T1 or T2)"))
            continue
        try:
            submitted_at = _parse_time(row["submitted_at"])
        except ValueError:
            problems.append(
                ImportProblem(line, f"bad date {row['submitted_at']!r} (use e.g. 2026-03-01 or 2026-03-01T10:30)")
            )
            continue
        key = (id_of(enrolment), row["moment"])
        group = groups.get(key)
        if group is None:
            if find_response(session, enrolment_id=id_of(enrolment), moment=row["moment"], instrument_id=instrument.id):
                problems.append(ImportProblem(line, f"a {row['moment']} response of {row['email']} already exists"))
                continue
            group = groups[key] = _Group(enrolment, row["moment"], submitted_at, line)
        item_id, then_test = row["item"], False
        if item_id.endswith(THEN_SUFFIX):
            item_id, then_test = item_id.removesuffix(THEN_SUFFIX), True
        if (item_id, then_test) in group.answers:
            problems.append(ImportProblem(line, f"item {row['item']} appears twice for {row['email']} {row['moment']}"))
            continue
        if not row["value"]:  # empty = missing: checked, never stored
            try:
                parse_value(instrument, moment=row["moment"], question_id=item_id, then_test=then_test, raw="1")
            except UnknownItem:
                problems.append(ImportProblem(line, f"unknown item {row['item']!r} at {row['moment']}"))
            except AnswerOutOfRange:
                pass
            continue
        try:
            group.answers[(item_id, then_test)] = parse_value(
                instrument, moment=row["moment"], question_id=item_id, then_test=then_test, raw=row["value"]
            )
        except UnknownItem:
            problems.append(ImportProblem(line, f"unknown item {row['item']!r} at {row['moment']}"))
        except AnswerOutOfRange:
            problems.append(ImportProblem(line, f"value {row['value']!r} is out of range for {row['item']}"))
    if problems:
        return ImportResult(problems)
    version = get_or_create_version(session, instrument=instrument)
    n_answers = 0
    for group in groups.values():
        response = QuestionnaireResponse(
            enrolment_id=id_of(group.enrolment),
            moment=group.moment,
            instrument_id=instrument.id,
            instrument_version_id=id_of(version),
            status=SUBMITTED,
            started_at=group.submitted_at,
            submitted_at=group.submitted_at,
            source="import",
        )
        session.add(response)
        session.flush()
        for (item_id, then_test), value in group.answers.items():
            fields = {"value": value} if isinstance(value, int) else {"missing_code": value}
            session.add(
                Answer(
                    response_id=id_of(response),
                    item_id=item_id,
                    then_test=then_test,
                    answered_at=group.submitted_at,
                    **fields,
                )
            )
            n_answers += 1
        session.flush()
        store_scores(session, id_of(response))
    session.flush()
    return ImportResult([], len(groups), n_answers)
