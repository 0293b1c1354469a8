"""Charts drawn on the server: Vega-Altair specs rendered to inline SVG with vl-convert (no script in the browser)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from monitor.questionnaire.growth import GrowthProfile

SERIES = ("Voormeting (T0)", "Terugkijkend: vóór de training", "Nameting (T1)")
COLOURS = ("#6b7280", "#b45309", "#0b5394")  # AA contrast against white; the data table carries the same figures


def growth_chart_svg(profile: GrowthProfile) -> Markup:
    """A grouped bar chart of the scale scores (1-5) per measurement, as an inline ``<svg role="img">``.

    The SVG is built here from numbers and the instrument's own scale titles (content, not user input), and
    vl-convert escapes the text it draws, so this is the one place a chart is marked safe.
    """
    import altair as alt  # imported on first use: it adds seconds to every worker's start-up
    import vl_convert

    values = []
    for scale in profile.scales:
        for series, score in zip(SERIES, (scale.t0, scale.then, scale.t1), strict=True):
            if score is not None:
                values.append({"schaal": scale.title, "meting": series, "score": round(score, 2)})
    present = [name for name in SERIES if any(v["meting"] == name for v in values)]
    colours = [COLOURS[SERIES.index(name)] for name in present]
    order = [scale.title for scale in profile.scales]  # the table's order: the instrument's
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            x=alt.X(
                "score:Q",
                title="Score (1 = laag, 5 = hoog)",
                scale=alt.Scale(domain=[1, 5], clamp=True),
                axis=alt.Axis(values=[1, 2, 3, 4, 5], format="d"),
            ),
            # no y labels: the colour and the legend name the measurement, so long scale titles cannot collide
            y=alt.Y("meting:N", title=None, sort=present, axis=None),
            row=alt.Row(
                "schaal:N",
                title=None,
                sort=order,
                header=alt.Header(labelAngle=0, labelOrient="top", labelAnchor="start", labelFontSize=13),
            ),
            color=alt.Color(
                "meting:N",
                title=None,
                scale=alt.Scale(domain=present, range=colours),
                legend=alt.Legend(orient="top", direction="vertical", labelLimit=0),
            ),
        )
        .properties(width=280, height=alt.Step(16))
        .configure(aria=False, font="system-ui, sans-serif")
        .configure_facet(spacing=8)
    )
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    label = "Staafdiagram van je scores per onderdeel en meting. " + " ".join(
        f"{s.title}: "
        + ", ".join(
            f"{name} {score:.1f}".replace(".", ",")
            for name, score in zip(SERIES, (s.t0, s.then, s.t1), strict=True)
            if score is not None
        )
        + "."
        for s in profile.scales
    )
    # One accessible image with one text alternative: the marks' own roles and labels would be read one by one.
    svg = re.sub(r'\s(?:role|aria-[a-z]+)="[^"]*"', "", svg)
    svg = re.sub(r"^<svg ", f'<svg role="img" aria-label="{escape(label)}" focusable="false" ', svg, count=1)
    return Markup(svg)
