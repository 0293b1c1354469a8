"""Trainers' cohort pages: the cohort home (progress matrix, measurement status) and its CSV and XLSX downloads
(modules and T0/T1/T2 status).

Status and scores only: never reflection notes or questionnaire answers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.auth import CurrentUser, SessionDep
from api.content import get_modules
from api.inputs import PathId, parse_id
from api.templating import render
from monitor.questionnaire import windows_admin
from monitor.questionnaire.cohort_status import cohort_questionnaire_status, status_columns
from training import cohorts
from training.content import Module

router = APIRouter(prefix="/groepen")
Modules = Annotated[list[Module], Depends(get_modules)]
Wijk = Annotated[str | None, Query(max_length=20)]  # "" means all wijken (the filter form sends it)
Status = Annotated[str | None, Query(max_length=20)]
Sort = Annotated[str, Query(max_length=20)]


@router.get("", include_in_schema=False)
def cohorts_page(request: Request, session: SessionDep, user: CurrentUser):
    return render(
        request,
        "cohorts.html",
        {"cohorts": cohorts.list_cohorts(session, user=user), "flash": request.session.pop("flash", None)},
    )


@router.get("/{cohort_id}", include_in_schema=False)
def cohort_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    modules: Modules,
    cohort_id: PathId,
    wijk: Wijk = None,
    status: Status = None,
    sort: Sort = "wijk",
):
    data = cohorts.cohort_progress(
        session, user=user, cohort_id=cohort_id, modules=modules, wijk_id=parse_id(wijk), status=status, sort=sort
    )
    measurement = windows_admin.measurement_status(session, user=user, cohort_id=cohort_id, today=date.today())
    # per trainee: T0/T1/T2 not started, in progress or submitted (never answers); training may not import monitor
    questionnaires = cohort_questionnaire_status(session, user=user, cohort_id=cohort_id)
    return render(
        request,
        "cohort.html",
        {
            "data": data,
            "measurement": measurement,
            "questionnaires": questionnaires,
            "statuses": cohorts.STATUSES,
            "flash": request.session.pop("flash", None),
        },
        fragment="_cohort_matrix.html",
    )


@router.get("/{cohort_id}/voortgang.csv", include_in_schema=False)
def cohort_progress_csv(
    session: SessionDep,
    user: CurrentUser,
    modules: Modules,
    cohort_id: PathId,
    wijk: Wijk = None,
    status: Status = None,
    sort: Sort = "wijk",
):
    data = cohorts.cohort_progress(
        session, user=user, cohort_id=cohort_id, modules=modules, wijk_id=parse_id(wijk), status=status, sort=sort
    )
    return Response(
        # BOM: Excel opens UTF-8 correctly
        "\ufeff" + cohorts.progress_csv(data, status_columns(session, user=user, cohort_id=cohort_id)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="voortgang-groep-{cohort_id}.csv"'},
    )


@router.get("/{cohort_id}/voortgang.xlsx", include_in_schema=False)
def cohort_progress_xlsx(
    session: SessionDep,
    user: CurrentUser,
    modules: Modules,
    cohort_id: PathId,
    wijk: Wijk = None,
    status: Status = None,
    sort: Sort = "wijk",
):
    data = cohorts.cohort_progress(
        session, user=user, cohort_id=cohort_id, modules=modules, wijk_id=parse_id(wijk), status=status, sort=sort
    )
    return Response(
        cohorts.progress_xlsx(data, status_columns(session, user=user, cohort_id=cohort_id)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="voortgang-groep-{cohort_id}.xlsx"'},
    )
