"""The audit trail for beheer: filter by who, what and period, page through it, download it as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.auth import CurrentUser, SessionDep
from api.paging import page_links
from api.templating import render
from training import audit_trail
from training.errors import InvalidInput

router = APIRouter(prefix="/beheer")

Text = Annotated[str, Query(max_length=200)]
Day = Annotated[str, Query(max_length=10)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("Vul een geldige datum in (dd-mm-jjjj).", field=field) from None


def _filter(wie: str, actie: str, van: str, tot: str) -> audit_trail.AuditFilter:
    return audit_trail.AuditFilter(user=wie, action=actie, date_from=_day(van, "van"), date_to=_day(tot, "tot"))


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    wie: Text = "",
    actie: Text = "",
    van: Day = "",
    tot: Day = "",
    pagina: PageNumber = 1,
):
    values = {"wie": wie, "actie": actie, "van": van, "tot": tot}
    context = {
        "values": values,
        "actions": audit_trail.known_actions(session),
        "labels": audit_trail.ACTION_LABELS,
        "results": audit_trail.RESULT_LABELS,
    }
    try:
        flt = _filter(wie, actie, van, tot)
    except InvalidInput as exc:
        return render(
            request, "audit.html", context | {"error": exc.message, "field": exc.field, "page": None}, status_code=422
        )
    page = audit_trail.search(session, flt=flt, page=pagina)
    query = flt.as_query()
    return render(
        request,
        "audit.html",
        context
        | {
            "page": page,
            "page_href": page_links("/beheer/audit", query),
            "csv_href": page_links("/beheer/audit.csv", query)(1),
        },
    )


@router.get("/audit.csv", include_in_schema=False)
def audit_csv(session: SessionDep, user: CurrentUser, wie: Text = "", actie: Text = "", van: Day = "", tot: Day = ""):
    flt = _filter(wie, actie, van, tot)
    lines = audit_trail.all_matching(session, flt=flt)
    # Downloading the trail is itself on the trail (after the rows were read, so it is not in its own file).
    audit_trail.record(
        session,
        action="audit.exported",
        object_type="audit_entry",
        details={"filters": flt.as_query(), "rows": len(lines)},
    )
    return Response(
        "\ufeff" + audit_trail.audit_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
