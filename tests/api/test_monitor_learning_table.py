"""What a manager reads in the overview's "Leren en groei samen" table: figures where they give nobody away,
"—" and the reason in the caption where they would (``monitor.report.patterns.learning_withheld``)."""

from __future__ import annotations

import re

from api import monitor_views
from api.templating import templates
from tests.monitor.test_disclosure_attack import _learning_split, learning_report


def _table(done_in_w1: int) -> tuple[str, dict[str, list[str]]]:
    ref = _learning_split(done_in_w1)
    report = learning_report(ref)
    context = monitor_views._base_context(report, ref.instrument, [])  # what the overview's templates get
    html = templates.env.get_template("_monitor_extra.html").render(context)
    section = html[html.index('id="leren-kop"') :]
    caption = re.sub(r"\s+", " ", re.search(r"<caption>(.*?)</caption>", section, re.S).group(1))
    rows = {}
    for title, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', section, re.S):
        rows[title] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return caption, rows


def test_the_table_shows_both_halves_where_they_give_nobody_away():
    caption, rows = _table(done_in_w1=0)
    knowledge = next(cells for title, cells in rows.items() if title.startswith("Kennis"))
    assert knowledge[0].endswith("(24)") and knowledge[1].endswith("(12)"), knowledge
    assert "niet getoond als een groep kleiner is dan 10" in caption


def test_the_table_says_why_a_withheld_pair_is_empty():
    caption, rows = _table(done_in_w1=1)
    knowledge = next(cells for title, cells in rows.items() if title.startswith("Kennis"))
    assert knowledge[:2] == ["—", "—"], knowledge
    assert "samen met de andere iets over minder dan 5 deelnemers zouden verraden" in caption
