"""Trainers' statistics of the knowledge checks: per question, how many got it right at their first attempt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.auth import CurrentUser, SessionDep
from api.content import get_modules, get_thresholds
from api.templating import render
from monitor.report.disclosure import Thresholds
from training.check_statistics import check_statistics
from training.content import Module

router = APIRouter()
Modules = Annotated[list[Module], Depends(get_modules)]
ThresholdsDep = Annotated[Thresholds, Depends(get_thresholds)]


@router.get("/kennischecks/statistiek", include_in_schema=False)
def check_statistics_page(
    request: Request, session: SessionDep, user: CurrentUser, modules: Modules, thresholds: ThresholdsDep
):
    statistics = check_statistics(session, user=user, modules=modules, min_n=thresholds.min_n)
    return render(request, "check_statistics.html", {"statistics": statistics, "min_n": thresholds.min_n})
