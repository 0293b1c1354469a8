"""Paper questionnaires: trainers type them in for trainees of their own cohort (choose, enter, review, save) and
never read answers back. Admins correct a submitted response (any source), with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api.auth import CurrentUser, SessionDep
from api.inputs import PathId, QueryId, parse_id
from api.routers.questionnaires import CurrentInstrument, Form_
from api.templating import render
from monitor.questionnaire import overview as questionnaires
from monitor.questionnaire import paper
from monitor.questionnaire.instrument import AnswerValue, Instrument
from monitor.questionnaire.overview import Page
from training import audit_trail
from training.errors import InvalidForm
from training.models import Role, User

router = APIRouter()


@dataclass(frozen=True)
class PaperInput:
    """The paper form as posted, raw: checked by monitor.questionnaire.paper, and shown again as typed when something
    is wrong."""

    enrolment_id: int
    moment: str
    raw_date: str
    values: dict[tuple[str, bool], str]
    open_texts: dict[str, str]
    kept: dict[str, str]  # field name -> value as typed (radios, texts, the date)


def _paper_input(form: FormData) -> PaperInput:
    kept = {
        key: value[:5000]
        for key, value in form.multi_items()
        if isinstance(value, str) and (key[:2] in ("a-", "t-", "o-") or key == paper.DATE_FIELD)
    }
    values = {(key[2:], key[0] == "t"): value for key, value in kept.items() if key[:2] in ("a-", "t-")}
    texts = {key[2:]: value for key, value in kept.items() if key.startswith("o-")}
    return PaperInput(
        enrolment_id=parse_id(form.get("deelnemer")) or 0,  # 0 matches no enrolment: the service says so
        moment=str(form.get("moment", ""))[:2],
        raw_date=kept.get(paper.DATE_FIELD, "")[:40],
        values=values,
        open_texts=texts,
        kept=kept,
    )


def _entry_context(
    target: paper.PaperTarget,
    instrument: Instrument,
    user: User,
    *,
    deelnemer: int | None,
    moment: str | None,
    kept: dict[str, str] | None = None,
    problems: list[tuple[str | None, str]] | None = None,
    done: str | None = None,
) -> dict[str, Any]:
    chosen = deelnemer is not None and moment in ("T0", "T1", "T2") and target.name_of(deelnemer) is not None
    existing = target.existing_for(deelnemer, moment) if chosen else None
    # someone who already has a response is named before any typing: no blank form that would lose the work
    pages = questionnaires.pages_for(instrument, moment) if chosen and moment and existing is None else []
    problems = problems or []
    return {
        "target": target,
        "instrument": instrument,
        "pages": pages,
        "deelnemer": deelnemer,
        "moment": moment,
        "done": done,
        "existing": existing,
        "existing_id": target.existing_id(deelnemer, moment) if user.role == Role.admin else None,
        "person": target.name_of(deelnemer) if chosen else None,
        "kept": kept or {},
        "errors": problems,
        "error": problems[0][1] if problems else None,
        "error_fields": {f for f, _ in problems if f},
        "date_field": paper.DATE_FIELD,
        "slack_days": paper.PAPER_DATE_SLACK_DAYS,
    }


@router.get("/groepen/{cohort_id}/papier", include_in_schema=False)
def paper_entry_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: CurrentInstrument,
    cohort_id: PathId,
    deelnemer: QueryId = None,
    moment: Annotated[str | None, Query(max_length=2)] = None,
):
    target = paper.paper_target(session, user=user, cohort_id=cohort_id, instrument_id=instrument.id)
    context = _entry_context(
        target, instrument, user, deelnemer=deelnemer, moment=moment, done=request.query_params.get("ingevoerd")
    )
    return render(request, "questionnaire_paper.html", context)


@dataclass(frozen=True)
class ReviewRow:
    question: str
    answer: str | None  # the chosen answer's label; None: not filled in


@dataclass(frozen=True)
class ReviewSection:
    title: str
    rows: list[ReviewRow]


def _label(choices: list[tuple[int | str, str]], value: AnswerValue | None) -> str | None:
    if value is None:
        return None
    return next((label for v, label in choices if str(v) == str(value)), str(value))


def review_sections(
    instrument: Instrument, pages: list[Page], answers: dict[tuple[str, bool], AnswerValue], texts: dict[str, str]
) -> list[ReviewSection]:
    """Every question of the form, in form order, with the chosen answer as its text (or None when left empty)."""
    labels = instrument.then_test_labels
    sections = []
    for page in pages:
        rows: list[ReviewRow] = []
        for item in page.items:
            choices = questionnaires.choices_of(page.fmt) if page.fmt else []
            for then in [False, True] if page.then_test and item.then_test else [False]:
                suffix = f" ({labels.retrospective if then else labels.now})" if labels and page.then_test else ""
                rows.append(ReviewRow(item.text + suffix, _label(choices, answers.get((item.id, then)))))
        rows += [ReviewRow(q.text, texts.get(q.id)) for q in page.open_questions]
        rows += [
            ReviewRow(q.text, _label(questionnaires.choices_of(q), answers.get((q.id, False)))) for q in page.background
        ]
        sections.append(ReviewSection(page.title, rows))
    return sections


def _review_or_form(request: Request, session: SessionDep, user: User, instrument: Instrument, cohort_id: int, form):
    """Check the form and show the review (nothing written), or the form again with every problem and the input."""
    entered = _paper_input(form)
    try:
        checked = paper.check_paper_form(
            session,
            user=user,
            cohort_id=cohort_id,
            enrolment_id=entered.enrolment_id,
            moment=entered.moment,
            instrument=instrument,
            values=entered.values,
            open_texts=entered.open_texts,
            raw_date=entered.raw_date,
        )
    except InvalidForm as exc:
        target = paper.paper_target(session, user=user, cohort_id=cohort_id, instrument_id=instrument.id)
        context = _entry_context(
            target,
            instrument,
            user,
            deelnemer=entered.enrolment_id,
            moment=entered.moment,
            kept=entered.kept,
            problems=exc.problems,
        )
        return render(request, "questionnaire_paper.html", context, status_code=422)
    pages = questionnaires.pages_for(instrument, checked.moment)
    return render(
        request,
        "questionnaire_paper_review.html",
        {
            "checked": checked,
            "sections": review_sections(instrument, pages, checked.answers, checked.open_texts),
            "kept": entered.kept,
            "paper_date": paper.format_date(checked.paper_date),
        },
    )


@router.post("/groepen/{cohort_id}/papier/controle", include_in_schema=False)
def review_paper_entry(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: CurrentInstrument,
    cohort_id: PathId,
    form: Form_,
):
    """The review step: every answer as text, the date, person and moment. "Terug om te wijzigen" comes back here
    (``terug``) and gets the form again with everything as typed. Writes nothing."""
    if form.get("terug"):
        entered = _paper_input(form)
        target = paper.paper_target(session, user=user, cohort_id=cohort_id, instrument_id=instrument.id)
        context = _entry_context(
            target, instrument, user, deelnemer=entered.enrolment_id, moment=entered.moment, kept=entered.kept
        )
        return render(request, "questionnaire_paper.html", context)
    return _review_or_form(request, session, user, instrument, cohort_id, form)


@router.post("/groepen/{cohort_id}/papier", include_in_schema=False)
def save_paper_entry(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: CurrentInstrument,
    cohort_id: PathId,
    form: Form_,
):
    """Save after the review ("Opslaan" sends ``bevestigd``); without it, the review is shown and nothing written."""
    if form.get("bevestigd") != "1":
        return _review_or_form(request, session, user, instrument, cohort_id, form)
    entered = _paper_input(form)
    try:
        response, created = paper.enter_paper_response(
            session,
            user=user,
            cohort_id=cohort_id,
            enrolment_id=entered.enrolment_id,
            moment=entered.moment,
            instrument=instrument,
            values=entered.values,
            open_texts=entered.open_texts,
            raw_date=entered.raw_date,
        )
    except InvalidForm as exc:  # changed since the review (or posted by hand): the form again, as typed
        target = paper.paper_target(session, user=user, cohort_id=cohort_id, instrument_id=instrument.id)
        context = _entry_context(
            target,
            instrument,
            user,
            deelnemer=entered.enrolment_id,
            moment=entered.moment,
            kept=entered.kept,
            problems=exc.problems,
        )
        return render(request, "questionnaire_paper.html", context, status_code=422)
    if created:  # a second click on "Opslaan" saves nothing more, and records nothing more
        audit_trail.record(
            session,
            action="response.paper_entered",
            object_type="enrolment",
            object_id=entered.enrolment_id,
            details={"cohort_id": cohort_id, "moment": entered.moment, "paper_date": response.paper_date},
        )
    return RedirectResponse(f"/groepen/{cohort_id}/papier?ingevoerd=1", status_code=303)


# --- correction of a submitted response (admins) -----------------------------------------------------------------


def _correction_context(
    target: paper.CorrectionTarget,
    *,
    kept: dict[str, str] | None = None,
    reason: str = "",
    problems: list[tuple[str | None, str]] | None = None,
    done: str | None = None,
) -> dict[str, Any]:
    if kept is None:
        kept = {f"{'t' if then else 'a'}-{qid}": str(value) for (qid, then), value in target.answers.items()}
    pages = [p for p in questionnaires.pages_for(target.instrument, target.moment) if p.kind != "open"]
    problems = problems or []
    return {
        "target": target,
        "pages": pages,
        "instrument": target.instrument,
        "kept": kept,
        "reason": reason,
        "errors": problems,
        "error": problems[0][1] if problems else None,
        "error_fields": {f for f, _ in problems if f},
        "done": done,
        "paper_date": paper.format_date(target.response.paper_date) if target.response.paper_date else None,
    }


@router.get("/beheer/vragenlijsten/{response_id}/corrigeren", include_in_schema=False)
def correction_page(request: Request, session: SessionDep, user: CurrentUser, response_id: PathId):
    target = paper.correction_target(session, user=user, response_id=response_id)
    done = request.query_params.get("gecorrigeerd")
    return render(request, "questionnaire_correction.html", _correction_context(target, done=done))


@router.post("/beheer/vragenlijsten/{response_id}/corrigeren", include_in_schema=False)
def save_correction(request: Request, session: SessionDep, user: CurrentUser, response_id: PathId, form: Form_):
    kept = {key: value[:100] for key, value in form.multi_items() if isinstance(value, str) and key[:2] in ("a-", "t-")}
    values = {(key[2:], key[0] == "t"): value for key, value in kept.items()}
    reason = str(form.get(paper.REASON_FIELD, ""))[: paper.REASON_MAX_LENGTH + 1]
    try:
        with session.begin_nested():  # a refused correction leaves nothing behind
            changes = paper.correct_response(session, user=user, response_id=response_id, values=values, reason=reason)
    except InvalidForm as exc:
        target = paper.correction_target(session, user=user, response_id=response_id)
        context = _correction_context(target, kept=kept, reason=reason, problems=exc.problems)
        return render(request, "questionnaire_correction.html", context, status_code=422)
    return RedirectResponse(
        f"/beheer/vragenlijsten/{response_id}/corrigeren?gecorrigeerd={len(changes)}", status_code=303
    )
