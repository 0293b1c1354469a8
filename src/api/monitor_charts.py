"""Monitor charts drawn by Vega-Altair and rendered to SVG on the server (vl-convert); each has a data table beside it
in the template. Altair is imported lazily (about 1 s). A chart is cached by its input data: the same figures give
the same SVG without building the Vega-Lite spec again (that alone takes tens of milliseconds per chart)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

NL_NUMBER = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€", ""]}


@lru_cache(maxsize=256)
def _svg(spec_json: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(json.loads(spec_json), format_locale=NL_NUMBER)


_CHARTS: OrderedDict[str, str] = OrderedDict()
_CHARTS_SIZE = 512
_charts_lock = threading.Lock()


def cached(draw: Callable[..., str]) -> Callable[..., str]:
    """Memoise a chart function on its (JSON-serialisable) arguments."""

    @wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        key = json.dumps([draw.__name__, args, kwargs], sort_keys=True, default=str)
        with _charts_lock:
            if key in _CHARTS:
                _CHARTS.move_to_end(key)
                return _CHARTS[key]
        svg = draw(*args, **kwargs)
        with _charts_lock:
            _CHARTS[key] = svg
            while len(_CHARTS) > _CHARTS_SIZE:
                _CHARTS.popitem(last=False)
        return svg

    return wrapper


def render(chart: Any) -> str:
    """SVG markup of an Altair chart, hidden from assistive technology: the figure around it carries role="img"
    and a text alternative, and the table beside it has the numbers."""
    svg = _svg(json.dumps(chart.to_dict(), sort_keys=True))
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


@cached
def forest_plot(points: list[dict], *, reference: float | None, title: str) -> str:
    """Mean change with its 95% CI per group (rows with 'group', 'mean', 'lo', 'hi'); the reference as a red rule."""
    import altair as alt

    data = alt.Data(values=points)
    y = alt.Y("group:N", title=None, sort=None)
    base = alt.Chart(data)
    layers = [
        base.mark_rule(strokeWidth=2, color="#0b5394").encode(
            x=alt.X("lo:Q", title="Gemiddelde verandering (95%-BI)"), x2="hi:Q", y=y
        ),
        base.mark_point(filled=True, size=70, color="#0b5394").encode(x="mean:Q", y=y),
        alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color="#4a4a4a", strokeDash=[2, 2]).encode(x="x:Q"),
    ]
    if reference is not None:
        layers.append(alt.Chart(alt.Data(values=[{"x": reference}])).mark_rule(color="#a4161a").encode(x="x:Q"))
    chart = alt.layer(*layers).properties(width=420, height=max(60, 26 * len(points)), title=title)
    return render(chart)


@cached
def trend_chart(points: list[dict], *, title: str) -> str:
    """Mean per moment per scale (rows with 'moment', 'scale', 'mean')."""
    import altair as alt

    chart = (
        alt.Chart(alt.Data(values=points))
        .mark_line(point=True)
        .encode(
            x=alt.X("moment:O", title="Meetmoment", sort=["T0", "T1", "T2"]),
            y=alt.Y("mean:Q", title="Gemiddelde schaalscore (1–5)", scale=alt.Scale(domain=[1, 5])),
            color=alt.Color("scale:N", title="Schaal"),
        )
        .properties(width=420, height=240, title=title)
    )
    return render(chart)


@cached
def heatmap(points: list[dict], *, title: str) -> str:
    """Mean change per item (rows with 'item', 'scale', 'change')."""
    import altair as alt

    chart = (
        alt.Chart(alt.Data(values=points))
        .mark_rect()
        .encode(
            x=alt.X("scale:N", title="Schaal"),
            y=alt.Y("item:N", title="Item", sort=None),
            color=alt.Color("change:Q", title="Verandering", scale=alt.Scale(scheme="blueorange", domainMid=0)),
        )
        .properties(width=160, height=max(60, 14 * len(points)), title=title)
    )
    return render(chart)


def warm_up() -> None:
    """Import Altair, vl-convert and SciPy and render one tiny chart, so the first monitor page is not slow.
    Called once per process in a background thread at start-up."""
    try:
        import altair as alt
        import scipy.stats  # noqa: F401

        render(alt.Chart(alt.Data(values=[{"x": 1}])).mark_point().encode(x="x:Q"))
    except Exception:  # pragma: no cover - warm-up is best effort
        pass
