"""Monitor exports: the exports page and its downloads (aggregate tables, research files, codebook), audit-logged."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, StreamingResponse
from sqlmodel import Session
from starlette.background import BackgroundTask

from api.auth import CurrentUser, SessionDep
from api.content import get_instrument, get_thresholds
from api.inputs import QueryId
from api.templating import render
from monitor.exports import aggregate as exports
from monitor.exports import excel as exports_excel
from monitor.exports import research as research_export
from monitor.exports.audit import WEB
from monitor.questionnaire.instrument import Instrument
from monitor.report import service
from monitor.report.disclosure import Thresholds

router = APIRouter()
InstrumentDep = Annotated[Instrument, Depends(get_instrument)]
ThresholdsDep = Annotated[Thresholds, Depends(get_thresholds)]
Moment = Annotated[str, Query(pattern="^T[012]$")]
OrgQ = QueryId
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download_headers(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}


def _temp_file(suffix: str) -> FilePath:
    handle, name = tempfile.mkstemp(prefix="ract-export-", suffix=suffix)
    os.close(handle)
    return FilePath(name)


def _file_response(path: FilePath, filename: str, media_type: str) -> FileResponse:
    """Stream a finished temp file and delete it afterwards."""
    return FileResponse(
        path,
        media_type=media_type,
        headers=_download_headers(filename),
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.get("/monitor/exports", include_in_schema=False)
def monitor_exports_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    thresholds: ThresholdsDep,
    van: Moment = "T0",
    naar: Moment = "T1",
    groep: QueryId = None,
    organisatie: OrgQ = None,
):
    context = exports.exports_page(session, user=user, organisation_id=organisatie)
    return render(
        request,
        "monitor_exports.html",
        context | {"van": van, "naar": naar, "groep": groep, "pairs": service.PAIRS, "thresholds": thresholds},
    )


@dataclass(frozen=True)
class MonitorFilters:
    """The monitor page's filters, with the same query names."""

    van: str
    naar: str
    groep: int | None
    vanaf: date | None
    tot: date | None
    versie: int | None
    organisatie: int | None


def monitor_filters(
    van: Moment = "T0",
    naar: Moment = "T1",
    groep: QueryId = None,
    vanaf: Annotated[date | None, Query()] = None,
    tot: Annotated[date | None, Query()] = None,
    versie: QueryId = None,
    organisatie: OrgQ = None,
) -> MonitorFilters:
    return MonitorFilters(van, naar, groep, vanaf, tot, versie, organisatie)


FiltersDep = Annotated[MonitorFilters, Depends(monitor_filters)]


def _aggregate(
    request: Request,
    session: Session,
    user,
    instrument: Instrument,
    thresholds: Thresholds,
    f: MonitorFilters,
    *,
    table: str,
    format: str,
) -> exports.AggregateExport:
    return exports.export_aggregate(
        session,
        user=user,
        instrument=instrument,
        thresholds=thresholds,
        table=table,
        format=format,
        moment_from=f.van,
        moment_to=f.naar,
        cohort_id=f.groep,
        started_from=f.vanaf,
        started_to=f.tot,
        version_id=f.versie,
        organisation_id=f.organisatie,
        n_modules=len(request.app.state.modules),
    )


def _csv_download(export: exports.AggregateExport, filename: str) -> StreamingResponse:
    table = export.tables[0]
    return StreamingResponse(
        exports.csv_lines(table.header, table.rows), media_type=CSV, headers=_download_headers(filename)
    )


@router.get("/monitor/exports/monitor.csv", include_in_schema=False)
def export_monitor_csv(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    f: FiltersDep,
):
    export = _aggregate(request, session, user, instrument, thresholds, f, table="monitor", format="csv")
    return _csv_download(export, f"monitor-{f.van}-{f.naar}.csv")


@router.get("/monitor/exports/flow.csv", include_in_schema=False)
def export_flow_csv(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    f: FiltersDep,
):
    export = _aggregate(request, session, user, instrument, thresholds, f, table="flow", format="csv")
    return _csv_download(export, f"respons-{f.van}-{f.naar}.csv")


@router.get("/monitor/exports/quality.csv", include_in_schema=False)
def export_quality_csv(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    f: FiltersDep,
):
    export = _aggregate(request, session, user, instrument, thresholds, f, table="quality", format="csv")
    return _csv_download(export, "betrouwbaarheid.csv")


EXCEL_FILES = {
    "monitor": "monitor-{van}-{naar}-excel.csv",
    "flow": "respons-{van}-{naar}-excel.csv",
    "quality": "betrouwbaarheid-excel.csv",
}


@router.get("/monitor/exports/excel/{table}.csv", include_in_schema=False)
def export_excel_csv(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    f: FiltersDep,
    table: Annotated[str, Path(pattern="^(monitor|flow|quality)$")],
):
    """The same tables for Dutch Excel: BOM, semicolons, decimal commas, Dutch headers (monitor.exports.excel)."""
    export = _aggregate(request, session, user, instrument, thresholds, f, table=table, format="csv-excel")
    filename = EXCEL_FILES[table].format(van=f.van, naar=f.naar)
    return StreamingResponse(
        exports_excel.dutch_csv(export.tables[0]), media_type=CSV, headers=_download_headers(filename)
    )


@router.get("/monitor/exports/monitor.xlsx", include_in_schema=False)
def export_monitor_xlsx(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    f: FiltersDep,
):
    export = _aggregate(request, session, user, instrument, thresholds, f, table="all", format="xlsx")
    path = _temp_file(".xlsx")
    exports_excel.write_workbook(path, export.tables, exports.workbook_notes(export, instrument))
    return _file_response(path, f"monitor-{f.van}-{f.naar}.xlsx", XLSX)


def _stream_rows(request: Request, plan, header, rows_of) -> Iterator[str]:
    """CSV lines from a session of their own: the request's session is closed (and its audit row committed)
    before the body streams."""
    with Session(request.app.state.engine) as session:
        yield from exports.csv_lines(header, rows_of(session, plan))


@router.get("/monitor/exports/research-long.csv", include_in_schema=False)
def export_research_long(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    organisatie: OrgQ = None,
):
    plan, _ = research_export.prepare_download(
        session, user=user, organisation_id=organisatie, instrument=instrument, thresholds=thresholds, kind="long"
    )
    body = _stream_rows(request, plan, research_export.LONG_COLUMNS, research_export.iter_long_rows)
    return StreamingResponse(body, media_type=CSV, headers=_download_headers("onderzoek-long.csv"))


@router.get("/monitor/exports/research-wide.csv", include_in_schema=False)
def export_research_wide(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    organisatie: OrgQ = None,
):
    plan, _ = research_export.prepare_download(
        session, user=user, organisation_id=organisatie, instrument=instrument, thresholds=thresholds, kind="wide"
    )
    body = _stream_rows(request, plan, research_export.wide_columns(plan), research_export.wide_rows)
    return StreamingResponse(body, media_type=CSV, headers=_download_headers("onderzoek-wide.csv"))


def _research_file(
    session: Session,
    user,
    instrument: Instrument,
    thresholds: Thresholds,
    organisatie: int | None,
    *,
    kind: str,
    suffix: str,
    filename: str,
    media_type: str,
) -> FileResponse:
    organisation = research_export.research_organisation(session, user=user, organisation_id=organisatie)
    path = _temp_file(suffix)
    try:
        research_export.write_research_file(
            session,
            organisation=organisation,
            instrument=instrument,
            thresholds=thresholds,
            kind=kind,
            path=path,
            user_id=user.id,
            channel=WEB,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _file_response(path, filename, media_type)


@router.get("/monitor/exports/research.sav", include_in_schema=False)
def export_research_spss(
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    organisatie: OrgQ = None,
):
    return _research_file(
        session,
        user,
        instrument,
        thresholds,
        organisatie,
        kind="spss",
        suffix=".sav",
        filename="onderzoek.sav",
        media_type="application/x-spss-sav",
    )


@router.get("/monitor/exports/codebook.csv", include_in_schema=False)
def export_codebook_csv(
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    organisatie: OrgQ = None,
):
    return _research_file(
        session,
        user,
        instrument,
        thresholds,
        organisatie,
        kind="codebook_csv",
        suffix=".csv",
        filename="codeboek.csv",
        media_type=CSV,
    )


@router.get("/monitor/exports/codebook.json", include_in_schema=False)
def export_codebook_json(
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    organisatie: OrgQ = None,
):
    return _research_file(
        session,
        user,
        instrument,
        thresholds,
        organisatie,
        kind="codebook_json",
        suffix=".json",
        filename="codeboek.json",
        media_type="application/json",
    )
