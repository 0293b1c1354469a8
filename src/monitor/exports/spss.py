"""The research export as an SPSS file: item answers and scale scores per pseudonym, with variable and value labels.

pandas and pyreadstat are imported inside ``write_spss`` only: the app does not pay their import at start-up.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from monitor.exports.codebook import THEN_SUFFIX, coarsening_notes, missing_numeric
from monitor.exports.research import PERSON_COLUMNS, ResearchPlan, iter_long_rows, wide_columns, wide_rows
from monitor.questionnaire.instrument import MOMENTS, Instrument
from training.spreadsheet import spreadsheet_safe

if TYPE_CHECKING:
    from pyreadstat.pyclasses import MissingRange

    # The shapes pyreadstat.write_sav takes (its dicts and lists are invariant, so spelled out exactly).
    _Labels = dict[str, str | None]
    _ValueLabels = dict[str, dict[int | float, str]]
    _MissingRanges = dict[str, list[int | float | str | MissingRange]]


def write_spss(plan: ResearchPlan, session: Session, path: Path) -> int:
    """An SPSS file, one row per pseudonym: every item answer per moment (``<ITEM>_<MOMENT>``, then-test as
    ``<ITEM>_T1then``; the very values of the long export) plus the wide scale scores. Items carry their wording as
    variable label and their answer labels as value labels; 'missing' options are coded 97, 98, … and declared
    user-missing. Returns the number of rows (people)."""
    import pandas as pd
    import pyreadstat

    inst = plan.instrument
    item_columns: list[str] = []
    notes = coarsening_notes(plan.coarsening)
    labels: _Labels = {
        "pseudonym": "Export pseudonym (this export only)",
        "wijk": f"Wijk, gebied or overig. {notes.get('wijk', '')}".strip(),
        "cohort": f"Training group, empty = suppressed. {notes.get('cohort', '')}".strip(),
        "research_choice_version": "Version of the research explanation the person agreed to",
        "research_choice_date": "Date of the person's current consent to research (YYYY-MM-DD)",
    }
    value_labels: _ValueLabels = {}
    missing_ranges: _MissingRanges = {}
    for moment in MOMENTS:
        for item in inst.items_for(moment):
            _item_variable(
                inst,
                item.id,
                f"{item.id}_{moment}",
                f"{moment}: {item.text}",
                item_columns,
                labels,
                value_labels,
                missing_ranges,
            )
    for item in inst.then_test_items():
        _item_variable(
            inst,
            item.id,
            f"{item.id}_T1then",
            f"T1 terugkijkend: {item.text}",
            item_columns,
            labels,
            value_labels,
            missing_ranges,
        )

    values: dict[str, dict[str, Any]] = {e.pseudonym: {} for e in plan.people}
    first = len(PERSON_COLUMNS)
    for row in iter_long_rows(session, plan):
        pseudonym = row[0]
        moment, _version, item_id, _, value, missing_code = row[first:]
        column = f"{item_id}_{moment.replace(THEN_SUFFIX, 'then')}"
        if value is None and missing_code is not None:
            value = missing_numeric(inst, item_id).get(missing_code) if item_id in {i.id for i in inst.items} else None
        values[pseudonym][column] = value

    wide = wide_columns(plan)
    scores = wide[first:]
    for name in scores:
        labels[name] = _wide_label(plan, name)
    frame: dict[str, list[Any]] = {name: [] for name in [*PERSON_COLUMNS, *item_columns, *scores]}
    for e, wide_row in zip(plan.people, wide_rows(session, plan), strict=True):
        frame["pseudonym"].append(e.pseudonym)
        # A .sav runs no formulas, but its strings end up in Excel (pandas' to_excel writes "=…" as a formula):
        # the same inert text as the CSV files, so the three files agree cell for cell.
        frame["wijk"].append(spreadsheet_safe(e.wijk))
        frame["cohort"].append(spreadsheet_safe(e.cohort))
        frame["research_choice_version"].append(float(e.research_choice_version))
        frame["research_choice_date"].append(e.research_choice_date)
        for column in item_columns:
            v = values[e.pseudonym].get(column)
            frame[column].append(float(v) if v is not None else math.nan)
        for name, v in zip(scores, wide_row[first:], strict=True):
            frame[name].append(float(v) if v is not None else math.nan)
    df = pd.DataFrame(frame)
    # Measurement levels and formats as a researcher expects them: answers are ordinal whole numbers (F2.0, so the
    # value labels show and "3" is not "3.00"), scores, changes and RCIs are scale, the rest is nominal.
    measure = dict.fromkeys(PERSON_COLUMNS, "nominal")
    measure |= dict.fromkeys(item_columns, "ordinal") | dict.fromkeys(scores, "scale")
    formats = dict.fromkeys(item_columns, "F2.0") | dict.fromkeys(scores, "F8.2")
    formats["research_choice_version"] = "F3.0"
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges=missing_ranges or None,
        variable_measure=measure,
        variable_format=formats,
    )
    return len(plan.people)


def _item_variable(
    inst: Instrument,
    item_id: str,
    name: str,
    label: str,
    columns: list[str],
    labels: _Labels,
    value_labels: _ValueLabels,
    missing_ranges: _MissingRanges,
) -> None:
    item = inst.item(item_id)
    fmt = inst.format_of(item)
    columns.append(name)
    if item.reverse:  # the raw answer; the scale score counts it as (min + max) − answer
        label = f"[reverse-keyed: scored {fmt.min + fmt.max} − answer] {label}"
    labels[name] = label[:250]
    codes = missing_numeric(inst, item_id)
    value_labels[name] = {float(v): text for v, text in fmt.labels.items()} | {
        float(codes[c.code]): c.label for c in fmt.missing
    }
    if codes:
        missing_ranges[name] = [float(v) for v in codes.values()]


def _wide_label(plan: ResearchPlan, name: str) -> str:
    scale = max((s.id for s in plan.instrument.scales if name.startswith(s.id + "_")), key=len)
    rest = name[len(scale) + 1 :]
    title = plan.instrument.scale(scale).title
    if rest.startswith("rci_"):
        alpha, sd, _ = plan.reliability.get(scale, (None, None, None))
        a = f"{alpha:.2f}" if alpha is not None else "-"
        s = f"{sd:.2f}" if sd is not None else "-"
        return f"{title}: RCI {rest[4:].replace('_', '→')} (α={a}, SD_T0={s}, reference of the instrument version)"
    if rest.startswith("change_"):
        return f"{title}: change {rest[7:].replace('_', '→')}"
    return f"{title}: scale score {rest}"
