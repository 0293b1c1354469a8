"""The regie-ondersteuner monitor: overview per wijk, wijk page, cohort page, and the JSON API for dashboards."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.auth import CurrentUser, SessionDep
from api.content import get_instrument, get_thresholds
from api.errors import api_errors
from api.inputs import PathId, QueryId
from api.monitor_headline import headline_context, trend_context
from api.monitor_views import gebied_context, overview_context, wijk_context
from api.templating import render
from monitor.questionnaire.instrument import Instrument
from monitor.report import service
from monitor.report.disclosure import Thresholds

router = APIRouter()
InstrumentDep = Annotated[Instrument, Depends(get_instrument)]
ThresholdsDep = Annotated[Thresholds, Depends(get_thresholds)]
MomentQ = Literal["T0", "T1", "T2"]


@router.get("/monitor", include_in_schema=False)
def monitor_overview_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    van: MomentQ = "T0",
    naar: MomentQ = "T1",
    groep: QueryId = None,
    vanaf: Annotated[date | None, Query()] = None,
    tot: Annotated[date | None, Query()] = None,
    versie: QueryId = None,
):
    report = service.organisation_report(
        session,
        user=user,
        instrument=instrument,
        thresholds=thresholds,
        moment_from=van,
        moment_to=naar,
        cohort_id=groep,
        started_from=vanaf,
        started_to=tot,
        version_id=versie,
        n_modules=len(request.app.state.modules),
    )
    filters = service.filter_options(session, user=user, instrument=instrument)
    return render(
        request,
        "monitor_overview.html",
        overview_context(report, instrument, foldable=True)
        | {
            "filters": filters,
            "groep": groep,
            "van": van,
            "naar": naar,
            "vanaf": vanaf,
            "tot": tot,
            "versie": versie,
            "query": request.url.query,
        },
    )


@router.get("/monitor/gebied/{gebied_id}/wijken", include_in_schema=False)
def monitor_gebied_wijken_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    gebied_id: PathId,
    van: MomentQ = "T0",
    naar: MomentQ = "T1",
    groep: QueryId = None,
    vanaf: Annotated[date | None, Query()] = None,
    tot: Annotated[date | None, Query()] = None,
    versie: QueryId = None,
):
    """The wijk rows of one gebied, folded away on the overview of a large organisation: the same (cached) report
    and filters as /monitor, so the same figures. htmx gets the fragment, a browser without JavaScript a page."""
    report = service.organisation_report(
        session,
        user=user,
        instrument=instrument,
        thresholds=thresholds,
        moment_from=van,
        moment_to=naar,
        cohort_id=groep,
        started_from=vanaf,
        started_to=tot,
        version_id=versie,
        n_modules=len(request.app.state.modules),
    )
    context = gebied_context(report, instrument, gebied_id) | {"query": request.url.query, "hl": 3}
    return render(request, "monitor_gebied.html", context, fragment="_monitor_gebied_wijken.html")


@router.get("/monitor/kort", include_in_schema=False)
def monitor_headline_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    organisatie: QueryId = None,
):
    """The first screen for project leaders: a plain sentence per scale, per wijk a chart beside its table."""
    report = service.organisation_report(
        session, user=user, instrument=instrument, thresholds=thresholds, organisation_id=organisatie
    )
    org = service.organisation_for(session, user=user, organisation_id=organisatie)
    return render(
        request,
        "monitor_headline.html",
        headline_context(report, instrument, organisation=org.name, today=date.today()),
    )


@router.get("/monitor/trend", include_in_schema=False)
def monitor_trend_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    organisatie: QueryId = None,
    gebied: QueryId = None,
):
    """Change per cohort (by start period) side by side, each cohort under the organisation's small-cell rule: of
    the organisation, or of one of its gebieden (``gebied``: that gebied's row of the same cohort reports)."""
    org, cohorts = service.trend_reports(
        session, user=user, instrument=instrument, thresholds=thresholds, organisation_id=organisatie
    )
    chosen = service.trend_gebied(session, org, gebied) if gebied is not None else None
    context = trend_context(cohorts, instrument, organisation=org.name, today=date.today(), gebied=chosen)
    gebieden = service.trend_gebieden(session, org)
    return render(request, "monitor_trend.html", context | {"gebieden": gebieden, "organisatie": organisatie})


@router.get("/monitor/alle-organisaties", include_in_schema=False)
def monitor_overall_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    van: MomentQ = "T0",
    naar: MomentQ = "T1",
    vanaf: Annotated[date | None, Query()] = None,
    tot: Annotated[date | None, Query()] = None,
    versie: QueryId = None,
):
    report = service.overall_report(
        session,
        user=user,
        instrument=instrument,
        thresholds=thresholds,
        moment_from=van,
        moment_to=naar,
        started_from=vanaf,
        started_to=tot,
        version_id=versie,
        n_modules=len(request.app.state.modules),
    )
    filters = service.filter_options(session, user=user, instrument=instrument) | {"cohorts": []}
    return render(
        request,
        "monitor_overview.html",
        overview_context(report, instrument)
        | {
            "filters": filters,
            "overall": True,
            "groep": None,
            "van": van,
            "naar": naar,
            "vanaf": vanaf,
            "tot": tot,
            "versie": versie,
        },
    )


@router.get("/monitor/wijk/{wijk_id}", include_in_schema=False)
def monitor_wijk_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    wijk_id: PathId,
):
    reports, items = service.wijk_reports(
        session, user=user, instrument=instrument, thresholds=thresholds, wijk_id=wijk_id
    )
    return render(request, "monitor_wijk.html", wijk_context(reports, f"wijk:{wijk_id}", instrument, items))


@router.get("/groepen/{cohort_id}/monitor", include_in_schema=False)
def cohort_monitor_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    cohort_id: PathId,
    van: MomentQ = "T0",
    naar: MomentQ = "T1",
):
    report = service.cohort_report(
        session,
        user=user,
        cohort_id=cohort_id,
        instrument=instrument,
        thresholds=thresholds,
        moment_from=van,
        moment_to=naar,
    )
    return render(
        request,
        "monitor_cohort.html",
        overview_context(report, instrument)
        | {"cohort_id": cohort_id, "van": van, "naar": naar, "pairs": service.PAIRS},
    )


class MonitorRow(BaseModel):
    group: str
    group_key: str
    level: str
    scale: str
    moment_from: str
    moment_to: str
    n_from: int | None
    n_to: int | None
    n_paired: int | None
    sd_from_paired: float | None
    sd_to_paired: float | None
    mean_from: float | None
    sd_from: float | None
    mean_to: float | None
    sd_to: float | None
    mean_change: float | None
    ci_low: float | None
    ci_high: float | None
    d_z: float | None
    g_av: float | None
    p_t: float | None
    p_wilcoxon: float | None
    p_holm: float | None
    pct_improved: int | None
    pct_unchanged: int | None
    pct_deteriorated: int | None
    suppressed: list[str]


class FlowRow(BaseModel):
    group: str
    group_key: str
    level: str
    invited: int | None
    responded_from: int | None
    responded_to: int | None
    paired: int | None
    rate_from: int | None
    rate_to: int | None
    due: int | None
    responded_due: int | None
    suppressed: list[str]


class QualityRow(BaseModel):
    scale: str
    moment: str
    n: int
    alpha: float | None
    items: list[str]
    item_rest: list[float | None]
    warning: bool


class MonitorResponse(BaseModel):
    moment_from: str
    moment_to: str
    min_n: int
    min_paired: int
    instrument: str
    instrument_status: str
    primary_test: str
    rows: list[MonitorRow]
    flows: list[FlowRow]
    quality: list[QualityRow]
    left_out: dict[str, int] = Field(
        default_factory=dict,
        description="Per scale: how many people of this view have scores in no figure, because figures about "
        "different moments combined would give them away (docs/disclosure.md). A count, never who.",
    )


def _response(report, instrument: Instrument) -> MonitorResponse:
    return MonitorResponse(
        moment_from=report.moment_from,
        moment_to=report.moment_to,
        min_n=report.thresholds.min_n,
        min_paired=report.thresholds.min_paired,
        instrument=instrument.id,
        instrument_status=instrument.status,
        primary_test=report.primary_test,
        rows=[MonitorRow(**{k: getattr(r, k) for k in MonitorRow.model_fields}) for r in report.rows],
        flows=[FlowRow(**{k: getattr(f, k) for k in FlowRow.model_fields}) for f in report.flows],
        quality=[
            QualityRow(
                scale=q.scale,
                moment=q.moment,
                n=q.n,
                alpha=q.alpha,
                items=q.items,
                item_rest=q.item_rest,
                warning=q.warning,
            )
            for q in report.quality
        ],
        left_out=dict(report.left_out),
    )


@router.get(
    "/api/v1/monitor", response_model=MonitorResponse, tags=["monitor"], responses=api_errors(401, 403, 404, 422, 503)
)
def api_monitor(
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    moment_from: MomentQ = "T0",
    moment_to: MomentQ = "T1",
    cohort_id: QueryId = None,
    organisation_id: QueryId = None,
) -> MonitorResponse:
    """Skill growth per group (organisation, gebied, wijk) and scale. Withheld values are null and listed in
    `suppressed` (small-cell protection: n ≥ min_n per moment, n_paired ≥ min_paired for change figures)."""
    report = service.organisation_report(
        session,
        user=user,
        instrument=instrument,
        thresholds=thresholds,
        moment_from=moment_from,
        moment_to=moment_to,
        cohort_id=cohort_id,
        organisation_id=organisation_id,
    )
    return _response(report, instrument)


@router.get(
    "/api/v1/monitor/overall",
    response_model=MonitorResponse,
    tags=["monitor"],
    responses=api_errors(401, 403, 422, 503),
)
def api_overall_monitor(
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    moment_from: MomentQ = "T0",
    moment_to: MomentQ = "T1",
) -> MonitorResponse:
    """The same figures over every organisation (beheer only): groups `overall`, then organisation, gebied and
    wijk, under the same small-cell rule."""
    report = service.overall_report(
        session, user=user, instrument=instrument, thresholds=thresholds, moment_from=moment_from, moment_to=moment_to
    )
    return _response(report, instrument)


@router.get(
    "/api/v1/monitor/cohorts/{cohort_id}",
    response_model=MonitorResponse,
    tags=["monitor"],
    responses=api_errors(401, 403, 404, 422, 503),
)
def api_cohort_monitor(
    session: SessionDep,
    user: CurrentUser,
    instrument: InstrumentDep,
    thresholds: ThresholdsDep,
    cohort_id: PathId,
    moment_from: MomentQ = "T0",
    moment_to: MomentQ = "T1",
) -> MonitorResponse:
    """The same figures for one cohort (cohort → wijk), for its trainers and the organisation's managers."""
    report = service.cohort_report(
        session,
        user=user,
        cohort_id=cohort_id,
        instrument=instrument,
        thresholds=thresholds,
        moment_from=moment_from,
        moment_to=moment_to,
    )
    return _response(report, instrument)
