"""Trainers type in paper questionnaires for trainees of their own cohort. They never read answers back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from api.auth import CurrentUser, SessionDep
from api.inputs import PathId, QueryId, parse_id
from api.routers.questionnaires import CurrentInstrument, Form_
from api.templating import render
from monitor.questionnaire import overview as questionnaires
from monitor.questionnaire import paper
from training import audit_trail

router = APIRouter(prefix="/groepen")


@router.get("/{cohort_id}/papier", include_in_schema=False)
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
    chosen = deelnemer is not None and moment in ("T0", "T1", "T2") and target.name_of(deelnemer) is not None
    existing = target.existing_for(deelnemer, moment) if chosen else None
    # someone who already has a response is named before any typing: no blank form that would lose the work
    pages = questionnaires.pages_for(instrument, moment) if chosen and moment and existing is None else []
    return render(
        request,
        "questionnaire_paper.html",
        {
            "target": target,
            "instrument": instrument,
            "pages": pages,
            "deelnemer": deelnemer,
            "moment": moment,
            "done": request.query_params.get("ingevoerd"),
            "existing": existing,
            "person": target.name_of(deelnemer) if chosen else None,
        },
    )


@router.post("/{cohort_id}/papier", include_in_schema=False)
def save_paper_entry(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: CurrentInstrument,
    cohort_id: PathId,
    form: Form_,
):
    values = {
        (key[2:], key[0] == "t"): value
        for key, value in form.multi_items()
        if key[:2] in ("a-", "t-") and isinstance(value, str)
    }
    texts = {key[2:]: value for key, value in form.multi_items() if key.startswith("o-") and isinstance(value, str)}
    enrolment_id = parse_id(form.get("deelnemer")) or 0  # 0 matches no enrolment: the service says so
    paper.enter_paper_response(
        session,
        user=user,
        cohort_id=cohort_id,
        enrolment_id=enrolment_id,
        moment=str(form.get("moment", "")),
        instrument=instrument,
        values=values,
        open_texts=texts,
    )
    audit_trail.record(
        session,
        action="response.paper_entered",
        object_type="enrolment",
        object_id=enrolment_id,
        details={"cohort_id": cohort_id, "moment": str(form.get("moment", ""))[:2]},
    )
    return RedirectResponse(f"/groepen/{cohort_id}/papier?ingevoerd=1", status_code=303)
