"""Turn a monitor Report into what the templates show: tables per scale and the charts beside them."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from api import monitor_charts as charts
from monitor.report.build import GroupFigures, Report
from monitor.report.references import REFERENCE_SAMPLE_N
from training.errors import NotFound
from training.spreadsheet import nl, p_value  # one Dutch number format for pages and Excel exports

FMT_REASON = {"from": "Voormeting", "to": "Nameting", "paired": "Verandering"}


LEVEL_NAMES = {
    "overall": "totaal",
    "organisation": "organisatie",
    "gebied": "gebied",
    "wijk": "wijk",
    "cohort": "groep",
}  # read out by screen readers beside each group's name


def scale_rows(rows: list[GroupFigures], min_paired: int, link_wijken: bool) -> Markup:
    """The rows of a scale's table (_monitor_scales.html): five tables of ≈ 95 rows on the overview, written here
    rather than in a Jinja loop, which took most of the page's rendering time. Every text is escaped."""
    return Markup("".join(_scale_row(r, min_paired, link_wijken) for r in rows))


def _scale_row(r: GroupFigures, min_paired: int, link_wijken: bool) -> str:
    name: str = escape(r.group)
    if r.level == "wijk" and link_wijken:
        name = f'<a href="/monitor/wijk/{escape(r.group_key.split(":")[1])}">{name}</a>'
    if r.n_from is None:
        before = (
            f'<td colspan="2" class="withheld">{escape(r.reasons.get("from", "te weinig deelnemers"))}</td>\n          '
        )
    else:
        before = f'<td class="num">{r.n_from}</td><td class="num">{nl(r.mean_from)} ({nl(r.sd_from)})</td>'
    if r.n_to is None:
        after = (
            f'<td colspan="2" class="withheld">{escape(r.reasons.get("to", "te weinig deelnemers"))}</td>\n          '
        )
    else:
        after = f'<td class="num">{r.n_to}</td><td class="num">{nl(r.mean_to)} ({nl(r.sd_to)})</td>'
    if r.n_paired is None:
        reason = escape(r.reasons.get("paired", "te weinig deelnemers"))
        change = f'<td colspan="4" class="withheld">{reason} (minder dan {min_paired} paren)</td>\n          '
    else:
        change = (
            f'<td class="num">{r.n_paired}</td>\n            <td class="num">{nl(r.mean_change)} [{nl(r.ci_low)}; '
            f'{nl(r.ci_high)}]</td>\n            <td class="num">{nl(r.d_z)}</td><td class="num">{nl(r.g_av)} '
            f'<span class="sd-paired">(sd {nl(r.sd_from_paired)} / {nl(r.sd_to_paired)})</span></td>'
        )
    tests = (
        f'{escape(p_value(r.p_holm))} <span class="p-raw">(t {escape(p_value(r.p_t))}; '
        f"Wilcoxon {escape(p_value(r.p_wilcoxon))})</span>"
        if r.p_t is not None or r.p_wilcoxon is not None
        else "—"
    )
    rci = f"{r.pct_improved}% / {r.pct_unchanged}% / {r.pct_deteriorated}%" if r.pct_improved is not None else "—"
    return (
        f'\n        <tr class="level-{escape(r.level)}">\n          <th scope="row">{name}\n            '
        f'<span class="visually-hidden">({LEVEL_NAMES.get(r.level, r.level)})</span></th>\n'
        f"          {before}\n          {after}\n"
        f'          {change}\n          <td class="num">{tests}</td>\n          <td class="num">{rci}</td>\n'
        f"        </tr>\n      "
    )


FOLD_ABOVE = 100
"""Above this many wijken the overview shows organisation and gebied rows only; each gebied's wijk rows (chart and
table) load on demand from /monitor/gebied/{id}/wijken. The city data's first organisation has 72 wijken at 1×
(not folded, 0.47 MB), 216 at 3× (1.5 MB unfolded) and 720 at 10× (4 MB unfolded, 0.14 MB folded); issue 15."""


def _wijk_count(report: Report) -> int:
    return sum(1 for _, _, level, _ in report.groups if level == "wijk")


def _scale(report: Report, scale: str, title: str, rows: list[GroupFigures], plotted: list[GroupFigures], per: str):
    """One scale's chart and table: ``rows`` in the table, ``plotted`` as points, the organisation as red line."""
    org = report.row(report.groups[0][0], scale)
    points: list[dict[str, Any]] = [
        {"group": r.group, "mean": r.mean_change, "lo": r.ci_low, "hi": r.ci_high}
        for r in plotted
        if r.mean_change is not None and r.ci_low is not None
    ]
    if org.mean_change is not None and org.ci_low is not None:
        points.append({"group": f"{org.group} (totaal)", "mean": org.mean_change, "lo": org.ci_low, "hi": org.ci_high})
    chart = (
        charts.forest_plot(
            points,
            reference=org.mean_change,
            title=f"{title}: verandering {report.moment_from} → {report.moment_to}",
        )
        if points
        else None
    )
    described = ", ".join(f"{p['group']} {nl(p['mean'])} ({nl(p['lo'])} tot {nl(p['hi'])})" for p in points)
    return {
        "id": scale,
        "title": title,
        "rows": rows,
        "org": org,
        "chart": chart,
        "per": per,
        "chart_alt": (
            f"Gemiddelde verandering met 95%-betrouwbaarheidsinterval per {per}: {described}." if points else ""
        ),
    }


def _base_context(report: Report, instrument, scales: list[dict]) -> dict:
    return {
        "report": report,
        "scales": scales,
        "instrument": instrument,
        "nl": nl,
        "p_value": p_value,
        "reference_n": REFERENCE_SAMPLE_N,
        "scale_rows": scale_rows,
        "flows": report.flows,
        "quality": report.quality,
    }


def overview_context(report: Report, instrument, *, foldable: bool = False) -> dict:
    """The overview. With ``foldable`` and more than FOLD_ABOVE wijken, the tables, charts and response table keep
    the organisation and gebied rows, and ``gebieden`` lists the gebieden whose wijken load on demand."""
    folded = foldable and _wijk_count(report) > FOLD_ABOVE
    # wijken under a gebied fold away; wijken without a gebied sit under the organisation and stay inline
    away = {k for k, _, level, parent in report.groups if level == "wijk" and (parent or "").startswith("gebied:")}
    scales = []
    for scale, title in report.scale_titles.items():
        rows = report.rows_for(scale)
        if folded:
            kept = [r for r in rows if r.group_key not in away]
            plotted = [r for r in kept if r.level in ("gebied", "wijk")]
            scales.append(_scale(report, scale, title, kept, plotted, "gebied"))
        else:
            scales.append(_scale(report, scale, title, rows, [r for r in rows if r.level == "wijk"], "wijk"))
    context = _base_context(report, instrument, scales)
    if folded:
        n_wijken: dict[str | None, int] = {}
        for _, _, level, parent in report.groups:
            if level == "wijk":
                n_wijken[parent] = n_wijken.get(parent, 0) + 1
        context["gebieden"] = [
            {"id": key.split(":")[1], "name": name, "n_wijken": n_wijken.get(key, 0)}
            for key, name, level, _ in report.groups
            if level == "gebied"
        ]
        context["flows"] = [f for f in report.flows if f.group_key not in away]
        context["then_test"] = [t for t in report.then_test if t.group_key not in away]
    return context


def gebied_context(report: Report, instrument, gebied_id: int) -> dict:
    """The wijk rows of one gebied, from the same report as the overview: per scale the gebied and its wijken (chart
    beside its table), and their response. Unknown to this report (another organisation's gebied): NotFound."""
    key = f"gebied:{gebied_id}"
    gebied = next((g for g in report.groups if g[0] == key and g[2] == "gebied"), None)
    if gebied is None:
        raise NotFound("Dit gebied bestaat niet of je hebt er geen toegang toe.")
    wijken = {k for k, _, level, parent in report.groups if level == "wijk" and parent == key}
    scales = []
    for scale, title in report.scale_titles.items():
        rows = [r for r in report.rows_for(scale) if r.group_key == key or r.group_key in wijken]
        scales.append(_scale(report, scale, title, rows, [r for r in rows if r.level == "wijk"], "wijk"))
    context = _base_context(report, instrument, scales)
    context["gebied"] = {"id": gebied_id, "name": gebied[1], "n_wijken": len(wijken)}
    context["flows"] = [f for f in report.flows if f.group_key == key or f.group_key in wijken]
    context["then_test"] = [t for t in report.then_test if t.group_key == key or t.group_key in wijken]
    return context


def wijk_context(reports: dict[tuple[str, str], Report], key: str, instrument, items: dict) -> dict:
    base = reports[("T0", "T1")]
    name = (
        next(n for k, n, _, _ in base.groups if k == key)
        if any(k == key for k, *_ in base.groups)
        else items["wijk"].name
    )
    trend_rows, points = [], []
    for scale, title in base.scale_titles.items():
        r01 = next((r for r in base.rows if r.group_key == key and r.scale == scale), None)
        r02 = next((r for r in reports[("T0", "T2")].rows if r.group_key == key and r.scale == scale), None)
        means = {
            "T0": r01.mean_from if r01 else None,
            "T1": r01.mean_to if r01 else None,
            "T2": r02.mean_to if r02 else None,
        }
        ns = {"T0": r01.n_from if r01 else None, "T1": r01.n_to if r01 else None, "T2": r02.n_to if r02 else None}
        trend_rows.append({"scale": scale, "title": title, "means": means, "ns": ns, "row": r01})
        points += [{"moment": m, "scale": title, "mean": v} for m, v in means.items() if v is not None]
    trend_chart = charts.trend_chart(points, title=f"{name}: gemiddelde per meetmoment") if points else None
    heat = [{"item": i["item"], "scale": i["scale"], "change": i["change"]} for i in items["items"]]
    heatmap = charts.heatmap(heat, title="Verandering per item (T0 → T1)") if heat else None
    flow = next((f for f in base.flows if f.group_key == key), None)
    return {
        "name": name,
        "trend_rows": trend_rows,
        "trend_chart": trend_chart,
        "heatmap": heatmap,
        "items": items,
        "flow": flow,
        "nl": nl,
        "instrument": instrument,
        "thresholds": base.thresholds,
    }
