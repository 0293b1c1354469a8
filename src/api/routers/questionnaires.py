"""The trainee's questionnaires (voormeting, nameting, follow-up): overview, form by page, review, submit, growth."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api.auth import CurrentUser, SessionDep
from api.growth_chart import growth_chart_svg
from api.inputs import FormId, PathId, StepNumber
from api.templating import is_htmx, render, templates
from monitor.errors import ResponseNotFound
from monitor.questionnaire import growth, responses
from monitor.questionnaire import overview as questionnaires
from monitor.questionnaire.instrument import Instrument
from monitor.questionnaire.windows import MOMENT_LABELS
from privacy import freetext
from privacy.research import needs_research_choice
from training import audit_trail

router = APIRouter(prefix="/vragenlijsten")
templates.env.globals.update(MOMENT_LABELS=MOMENT_LABELS, choices_of=questionnaires.choices_of)


# The pure dependencies below are ``async def``: FastAPI runs a plain ``def`` dependency in the thread pool, and a
# hop there costs more than what they do (docs/performance.md, answer saves).
async def get_instrument(request: Request) -> Instrument:
    """The questionnaire trainees fill in now: the (first) instrument in content/questionnaires."""
    instruments = request.app.state.instruments
    if not instruments:
        raise ResponseNotFound("Er is geen vragenlijst beschikbaar.")
    return instruments[0]


async def get_module_ids(request: Request) -> list[str]:
    return [module.id for module in request.app.state.modules]


async def form_data(request: Request) -> FormData:
    return await request.form()


CurrentInstrument = Annotated[Instrument, Depends(get_instrument)]
ModuleIds = Annotated[list[str], Depends(get_module_ids)]
Form_ = Annotated[FormData, Depends(form_data)]


def _redirect(target: str, request: Request) -> RedirectResponse:
    headers = {"HX-Location": target} if is_htmx(request) else None
    return RedirectResponse(target, status_code=303, headers=headers)


@router.get("", include_in_schema=False)
def questionnaires_page(
    request: Request, session: SessionDep, user: CurrentUser, instrument: CurrentInstrument, module_ids: ModuleIds
):
    if needs_research_choice(session, user=user):  # asked once, before the voormeting (privacy.research)
        return RedirectResponse("/onderzoek?next=/vragenlijsten", status_code=303)
    data = questionnaires.overview(session, user=user, instrument=instrument, module_ids=module_ids)
    profile = growth.growth_profile(session, user=user)
    return render(
        request, "questionnaires.html", {"overview": data, "instrument": instrument, "has_growth": profile.ready}
    )


@router.post("/starten", include_in_schema=False)
def start_questionnaire(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: CurrentInstrument,
    module_ids: ModuleIds,
    enrolment_id: FormId,
    moment: Annotated[str, Form(max_length=10)],
):
    response = responses.start_response(
        session, user=user, enrolment_id=enrolment_id, moment=moment, instrument=instrument, module_ids=module_ids
    )
    return _redirect(f"/vragenlijsten/{response.id}", request)


@router.get("/groei", include_in_schema=False)
def growth_page(request: Request, session: SessionDep, user: CurrentUser):
    profile = growth.growth_profile(session, user=user)
    chart = growth_chart_svg(profile) if profile.ready else None
    return render(request, "questionnaire_growth.html", {"profile": profile, "chart": chart})


@router.get("/{response_id:int}", include_in_schema=False)
def questionnaire_page(request: Request, session: SessionDep, user: CurrentUser, response_id: PathId):
    own = responses.get_own_response(session, user=user, response_id=response_id)
    pages = questionnaires.pages_for(own.instrument, own.moment)
    if not own.is_submitted:
        return RedirectResponse(
            f"/vragenlijsten/{response_id}/stap/{questionnaires.resume_page(own, pages)}", status_code=303
        )
    return render(request, "questionnaire_done.html", {"own": own, "pages": pages})


@router.get("/{response_id:int}/stap/{step:int}", include_in_schema=False)
def questionnaire_step_page(
    request: Request, session: SessionDep, user: CurrentUser, response_id: PathId, step: StepNumber
):
    own = responses.get_own_response(session, user=user, response_id=response_id)
    if own.is_submitted:
        return RedirectResponse(f"/vragenlijsten/{response_id}", status_code=303)
    pages = questionnaires.pages_for(own.instrument, own.moment)
    page = questionnaires.page_of(pages, step)
    return render(request, "questionnaire_step.html", {"own": own, "pages": pages, "page": page})


@router.post("/{response_id:int}/stap/{step:int}", include_in_schema=False)
def save_questionnaire_step(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    module_ids: ModuleIds,
    response_id: PathId,
    step: StepNumber,
    form: Form_,
):
    """The form without JavaScript: "Opslaan en verder" saves the page's answers and goes on."""
    own = responses.get_own_response(session, user=user, response_id=response_id)
    pages = questionnaires.pages_for(own.instrument, own.moment)
    page = questionnaires.page_of(pages, step)
    values = {
        (key[2:], key[0] == "t"): value
        for key, value in form.multi_items()
        if key[:2] in ("a-", "t-") and isinstance(value, str)
    }
    if values:
        responses.save_answers(session, user=user, response_id=response_id, values=values, module_ids=module_ids)
    for question in page.open_questions:
        text = form.get(f"o-{question.id}")
        if isinstance(text, str) and text != own.open_answers.get(question.id, ""):
            responses.save_open_answer(
                session, user=user, response_id=response_id, question_id=question.id, text=text, module_ids=module_ids
            )
    target = (
        f"/vragenlijsten/{response_id}/stap/{step - 1}"
        if form.get("richting") == "terug" and step > 1
        else f"/vragenlijsten/{response_id}/stap/{step + 1}"
        if step < len(pages)
        else f"/vragenlijsten/{response_id}/controle"
    )
    return RedirectResponse(target, status_code=303)


@router.post("/{response_id:int}/antwoord", include_in_schema=False)
def save_answer_fragment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    module_ids: ModuleIds,
    response_id: PathId,
    item: Annotated[str, Form(max_length=50)],
    value: Annotated[str, Form(max_length=50)],
    then_test: Annotated[bool, Form()] = False,
):
    responses.save_answer(
        session,
        user=user,
        response_id=response_id,
        question_id=item,
        raw_value=value,
        then_test=then_test,
        module_ids=module_ids,
    )
    if not is_htmx(request):
        return RedirectResponse(f"/vragenlijsten/{response_id}", status_code=303)
    return render(request, "_questionnaire_saved.html", {})


@router.post("/{response_id:int}/open/{question_id}", include_in_schema=False)
def save_open_answer_fragment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    module_ids: ModuleIds,
    response_id: PathId,
    question_id: str,
    form: Form_,
):
    value = form.get(f"o-{question_id}", "")
    text = value if isinstance(value, str) else ""
    responses.save_open_answer(
        session, user=user, response_id=response_id, question_id=question_id, text=text, module_ids=module_ids
    )
    if not is_htmx(request):
        return RedirectResponse(f"/vragenlijsten/{response_id}", status_code=303)
    return render(request, "_questionnaire_saved.html", {"privacy_warnings": freetext.warnings(text)})


@router.get("/{response_id:int}/controle", include_in_schema=False)
def questionnaire_review_page(request: Request, session: SessionDep, user: CurrentUser, response_id: PathId):
    own = responses.get_own_response(session, user=user, response_id=response_id)
    if own.is_submitted:
        return RedirectResponse(f"/vragenlijsten/{response_id}", status_code=303)
    pages = questionnaires.pages_for(own.instrument, own.moment)
    missing = questionnaires.unanswered(pages, own.answers, own.open_answers)
    return render(request, "questionnaire_review.html", {"own": own, "pages": pages, "missing": missing})


@router.post("/{response_id:int}/indienen", include_in_schema=False)
def submit_questionnaire(
    request: Request, session: SessionDep, user: CurrentUser, module_ids: ModuleIds, response_id: PathId
):
    responses.submit_response(session, user=user, response_id=response_id, module_ids=module_ids)
    audit_trail.record(
        session,
        action="response.submitted",
        object_type="questionnaire_response",
        object_id=response_id,
        organisation_id=user.organisation_id,
    )
    return _redirect(f"/vragenlijsten/{response_id}", request)
