"""The monitor for project leaders: a plain Dutch sentence per scale, per wijk a chart with its table, and the trend
over cohorts. Built from the same withheld-where-needed report rows as every other monitor page."""

from __future__ import annotations

from datetime import date
from typing import Any

from api import monitor_charts as charts
from api.monitor_views import nl
from monitor.questionnaire.instrument import Instrument
from monitor.report.build import GroupFigures, Report

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _points(value: float | None) -> str:
    """'0,66 punt' / '1,20 punt': the change on the scale's own units, always unsigned (the verb gives the sign)."""
    return f"{nl(abs(value) if value is not None else None)} punt"


def sentence(row: GroupFigures, title: str, instrument: Instrument, scale: str, min_paired: int) -> str:
    """One sentence a project leader can repeat, for one group and scale."""
    fmt = instrument.format_of(instrument.scale(scale))
    units = f"op een schaal van {fmt.min} tot {fmt.max}"
    if not instrument.is_outcome(scale):
        if row.mean_from is None or row.mean_to is None:
            return f"{title} beschrijft je werkomgeving, niet wat je leert; er zijn nog te weinig antwoorden."
        return (
            f"{title} beschrijft je werkomgeving, niet wat je leert: gemiddeld {nl(row.mean_from)} bij de "
            f"{row.moment_from} en {nl(row.mean_to)} bij de {row.moment_to}, {units}."
        )
    if not instrument.compared(scale, row.moment_from, row.moment_to):
        moments = " en ".join(instrument.scale_analysis(scale).moments or ())
        return f"{title} vergelijken we alleen tussen {moments}, dus hier niet."
    if row.mean_change is None or row.ci_low is None or row.ci_high is None:
        return (
            f"{title}: nog te weinig deelnemers met een voor- en nameting om iets te zeggen "
            f"(we tonen een verandering vanaf {min_paired} mensen)."
        )
    interval = f"(95%-betrouwbaarheidsinterval {nl(row.ci_low)} tot {nl(row.ci_high)})"
    if row.ci_low > 0:
        change = f"{title} steeg gemiddeld {_points(row.mean_change)} {units} {interval}"
    elif row.ci_high < 0:
        change = f"{title} daalde gemiddeld {_points(row.mean_change)} {units} {interval}"
    else:
        change = (
            f"{title} veranderde gemiddeld {nl(row.mean_change)} punt {units} {interval}: "
            "zo weinig dat het ook toeval kan zijn"
        )
    text = f"{change}, bij {row.n_paired} deelnemers met een voor- en nameting."
    if row.pct_improved is not None:
        text += f" {row.pct_improved}% ging betrouwbaar vooruit, {row.pct_deteriorated}% betrouwbaar achteruit."
    return text


def _wijk_rows(rows: list[GroupFigures], min_paired: int) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r.level != "wijk":
            continue
        reason = None
        if r.mean_change is None:
            why = r.reasons.get("paired", "te weinig deelnemers")
            reason = (
                f"te weinig deelnemers (minder dan {min_paired} met voor- en nameting)"
                if why == "te weinig deelnemers"
                else "afgeschermd, omdat je anders een kleine wijk zou kunnen terugrekenen"
                if why == "aanvullend afgeschermd"
                else why
            )
        out.append({"row": r, "reason": reason})
    return out


def headline_context(report: Report, instrument: Instrument, *, organisation: str, today: date) -> dict[str, Any]:
    top = report.groups[0][0]
    min_paired = report.thresholds.min_paired
    scales = []
    for scale, title in report.scale_titles.items():
        rows = report.rows_for(scale)
        org_row = next(r for r in rows if r.group_key == top)
        compared = instrument.compared(scale, report.moment_from, report.moment_to)
        wijken = _wijk_rows(rows, min_paired) if compared else []
        points = [
            {"group": w["row"].group, "mean": w["row"].mean_change, "lo": w["row"].ci_low, "hi": w["row"].ci_high}
            for w in wijken
            if w["row"].ci_low is not None
        ]
        chart = None
        if points:
            chart = charts.forest_plot(points, reference=org_row.mean_change, title=f"{title}: verandering per wijk")
        alt = "; ".join(f"{p['group']}: {nl(p['mean'])} ({nl(p['lo'])} tot {nl(p['hi'])})" for p in points)
        scales.append(
            {
                "id": scale,
                "title": title,
                "outcome": instrument.is_outcome(scale),
                "compared": compared,
                "sentence": sentence(org_row, title, instrument, scale, min_paired),
                "org": org_row,
                "wijken": wijken,
                "chart": chart,
                "chart_alt": f"Gemiddelde verandering per wijk met 95%-betrouwbaarheidsinterval: {alt}." if alt else "",
            }
        )
    return {
        "report": report,
        "scales": scales,
        "organisation": organisation,
        "today": dutch_date(today),
        "nl": nl,
        "instrument": instrument,
    }


TREND_NO_PEOPLE = "geen deelnemers uit dit gebied in deze groep"


def _trend_reason(row: GroupFigures | None, what: str) -> str | None:
    """Why a cohort's change is not shown, in words; None when it is shown."""
    if row is None:
        return TREND_NO_PEOPLE
    if row.mean_change is not None:
        return None
    if row.reasons.get("paired", "te weinig deelnemers") == "te weinig deelnemers":
        return "nog geen nameting of te weinig deelnemers"
    return f"afgeschermd, omdat je anders een kleine {what} zou kunnen terugrekenen"


def trend_context(
    cohorts: list[tuple[Any, Report]],
    instrument: Instrument,
    *,
    organisation: str,
    today: date,
    gebied: Any = None,
) -> dict[str, Any]:
    """Per outcome scale, every cohort's change (start period, pairs, change and CI) side by side, with a chart: of
    the organisation, or with ``gebied`` of that gebied's row in each cohort's report (the same report, so no new
    figure to subtract). A cohort without anyone in the gebied has no row and says so."""
    scales = []
    for scale in instrument.outcome_scales():
        title = instrument.scale(scale).title
        lines: list[dict[str, Any]] = []
        points: list[dict[str, Any]] = []
        for cohort, report in cohorts:
            if not instrument.compared(scale, report.moment_from, report.moment_to):
                continue
            key = f"gebied:{gebied.id}" if gebied is not None else report.groups[0][0]
            row = next((r for r in report.rows if r.group_key == key and r.scale == scale), None)
            label = f"{cohort.name} (start {cohort.start_date.strftime('%m-%Y')})"
            reason = _trend_reason(row, "groep" if gebied is None else "groep of wijk")
            lines.append({"cohort": cohort, "label": label, "row": row, "reason": reason})
            if row is not None and row.mean_change is not None and row.ci_low is not None:
                points.append({"group": label, "mean": row.mean_change, "lo": row.ci_low, "hi": row.ci_high})
        if not lines:
            continue
        chart_title = f"{title}: verandering per groep" + (f" in gebied {gebied.name}" if gebied is not None else "")
        chart = charts.forest_plot(points, reference=None, title=chart_title) if points else None
        alt = "; ".join(f"{p['group']}: {nl(p['mean'])} ({nl(p['lo'])} tot {nl(p['hi'])})" for p in points)
        scales.append({"id": scale, "title": title, "lines": lines, "chart": chart, "chart_alt": alt})
    moment_pair = (cohorts[0][1].moment_from, cohorts[0][1].moment_to) if cohorts else ("T0", "T1")
    return {
        "scales": scales,
        "organisation": organisation,
        "gebied": gebied,
        "today": dutch_date(today),
        "nl": nl,
        "moments": moment_pair,
        "min_paired": cohorts[0][1].thresholds.min_paired if cohorts else None,
        "instrument": instrument,
    }
