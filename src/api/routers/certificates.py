"""The certificate of completion (the trainee's own, printable) and the trainer's overview of who has earned it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.auth import CurrentUser, SessionDep
from api.content import get_modules
from api.inputs import PathId
from api.templating import render
from monitor.questionnaire.windows import t1_submissions
from training import certificate
from training.content import Module

router = APIRouter()
Modules = Annotated[list[Module], Depends(get_modules)]


@router.get("/certificaat/{enrolment_id}", include_in_schema=False)
def certificate_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules, enrolment_id: PathId):
    found = certificate.certificate(
        session, user=user, enrolment_id=enrolment_id, modules=modules, t1_lookup=t1_submissions
    )
    return render(request, "certificate.html", {"certificate": found})


@router.get("/certificaten", include_in_schema=False)
def certificates_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules):
    cohorts = certificate.trainer_overview(session, user=user, modules=modules, t1_lookup=t1_submissions)
    return render(request, "certificates.html", {"cohorts": cohorts})
