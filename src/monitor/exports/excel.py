"""The monitor's tables for Dutch Excel: Dutch headers, figures rounded and written as the monitor page shows them.

Two kinds of file hold the same rows (``monitor.exports.aggregate``). The machine CSVs (``/monitor/exports/*.csv``:
comma, decimal point, shortest exact floats, English snake_case headers) are for R, SPSS and BI tools and stay
unchanged. The Excel CSVs (``/monitor/exports/excel/*.csv``) follow ``training.spreadsheet``'s Dutch convention, and the
workbook gets number formats with the page's decimals, a frozen header row, column widths and a ``Kolommen`` sheet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from monitor.exports.aggregate import Table
from training.spreadsheet import dutch_csv_lines, dutch_date, nl, p_value, spreadsheet_safe


@dataclass(frozen=True)
class Column:
    header: str  # the Dutch header
    kind: str  # "text", "int", "pct" (a whole percentage), "dec2" (two decimals), "p" (three, or "< 0,001"), "bool"
    meaning: str


def _col(header: str, kind: str, meaning: str) -> Column:
    return Column(header, kind, meaning)


COLUMNS: dict[str, Column] = {
    "group_key": _col("groepscode", "text", "Vaste code van de groep (niveau:id)."),
    "group": _col("groep", "text", "Naam van de organisatie, het gebied, de wijk of de trainingsgroep."),
    "level": _col("niveau", "text", "totaal, organisatie, gebied, wijk of groep."),
    "parent_key": _col("bovenliggende groep", "text", "Groepscode van het niveau erboven."),
    "scale": _col("schaalcode", "text", "Code van de schaal in de vragenlijst."),
    "scale_title": _col("schaal", "text", "Naam van de schaal."),
    "moment_from": _col("van", "text", "Eerste meetmoment (T0, T1)."),
    "moment_to": _col("naar", "text", "Tweede meetmoment (T1, T2)."),
    "n_from": _col("n van", "int", "Aantal deelnemers met een score op het eerste meetmoment."),
    "mean_from": _col("gemiddelde van", "dec2", "Gemiddelde schaalscore (1-5) op het eerste meetmoment."),
    "sd_from": _col("sd van", "dec2", "Standaarddeviatie op het eerste meetmoment."),
    "n_to": _col("n naar", "int", "Aantal deelnemers met een score op het tweede meetmoment."),
    "mean_to": _col("gemiddelde naar", "dec2", "Gemiddelde schaalscore (1-5) op het tweede meetmoment."),
    "sd_to": _col("sd naar", "dec2", "Standaarddeviatie op het tweede meetmoment."),
    "n_paired": _col("paren", "int", "Aantal deelnemers met een score op beide meetmomenten."),
    "sd_from_paired": _col("sd van (paren)", "dec2", "Standaarddeviatie op het eerste meetmoment, over de paren."),
    "sd_to_paired": _col("sd naar (paren)", "dec2", "Standaarddeviatie op het tweede meetmoment, over de paren."),
    "mean_change": _col("verandering", "dec2", "Gemiddelde verandering binnen personen (naar min van)."),
    "ci_low": _col("95%-BI onder", "dec2", "Ondergrens van het 95%-betrouwbaarheidsinterval van de verandering."),
    "ci_high": _col("95%-BI boven", "dec2", "Bovengrens van het 95%-betrouwbaarheidsinterval van de verandering."),
    "d_z": _col("d_z", "dec2", "Effectgrootte: verandering gedeeld door de sd van de verschillen."),
    "g_av": _col("g_av", "dec2", "Effectgrootte: verandering gedeeld door de gemiddelde sd (Hedges-gecorrigeerd)."),
    "p_t": _col("p (t-toets)", "p", "Overschrijdingskans van de gepaarde t-toets (alleen op organisatieniveau)."),
    "p_wilcoxon": _col("p (Wilcoxon)", "p", "Overschrijdingskans van de Wilcoxon-toets (alleen op organisatieniveau)."),
    "p_holm": _col(
        "p (Holm)", "p", "Overschrijdingskans van de primaire toets, Holm-gecorrigeerd over de uitkomstschalen."
    ),
    "pct_improved": _col("% betrouwbaar verbeterd", "pct", "Percentage paren met een betrouwbare verbetering (RCI)."),
    "pct_unchanged": _col("% gelijk", "pct", "Percentage paren zonder betrouwbare verandering."),
    "pct_deteriorated": _col(
        "% betrouwbaar verslechterd", "pct", "Percentage paren met een betrouwbare achteruitgang."
    ),
    "withheld": _col("afgeschermd", "text", "Welke cijfers van deze regel zijn afgeschermd (lege cellen)."),
    "withheld_reason": _col("reden afscherming", "text", "Waarom: te weinig deelnemers of aanvullend afgeschermd."),
    "invited": _col("uitgenodigd", "int", "Aantal uitgenodigde deelnemers."),
    "responded_from": _col("ingevuld van", "int", "Aantal ingediende vragenlijsten op het eerste meetmoment."),
    "responded_to": _col("ingevuld naar", "int", "Aantal ingediende vragenlijsten op het tweede meetmoment."),
    "paired": _col("paren", "int", "Aantal deelnemers dat beide vragenlijsten indiende."),
    "due": _col("aan de beurt", "int", "Aantal deelnemers van wie het venster voor het tweede meetmoment gesloten is."),
    "responded_due": _col("ingevuld van aan de beurt", "int", "Van hen: aantal dat het tweede meetmoment invulde."),
    "rate_from": _col("respons van (%)", "pct", "Respons op het eerste meetmoment, in procenten van uitgenodigd."),
    "rate_to": _col(
        "respons naar (%)", "pct", "Respons op het tweede meetmoment, in procenten van wie aan de beurt was."
    ),
    "moment": _col("meetmoment", "text", "Meetmoment (T0, T1, T2)."),
    "n": _col("n", "int", "Aantal deelnemers over de hele organisatie."),
    "alpha": _col("alfa", "dec2", "Cronbachs α van de schaal; onder 0,70 is verandering lastig te duiden."),
    "alpha_below_070": _col("alfa onder 0,70", "bool", "ja als α lager is dan 0,70."),
    "item": _col("vraag", "text", "Code van de vraag."),
    "item_rest": _col("item-restcorrelatie", "dec2", "Correlatie van de vraag met de rest van de schaal."),
}
LEVELS = {"overall": "totaal", "organisation": "organisatie", "gebied": "gebied", "wijk": "wijk", "cohort": "groep"}
NUMBER_FORMATS = {"int": "0", "pct": "0", "dec2": "0.00", "p": "0.000"}  # Excel shows them in the reader's locale


def dutch_cell(name: str, value: Any) -> str:
    """One cell as text for a Dutch-Excel CSV: what the monitor page shows, an empty cell where it shows "—"."""
    if value is None:
        return ""
    kind = COLUMNS[name].kind
    if isinstance(value, bool) or kind == "bool":
        return "ja" if value else "nee"
    if isinstance(value, datetime | date):
        return dutch_date(value)
    if kind == "dec2":
        return nl(value, 2)
    if kind == "p":
        return p_value(value)
    if kind in ("int", "pct"):
        return str(round(value))
    if name == "level":
        level: str = value
        return LEVELS.get(level, level)
    if name == "withheld":
        return " ".join(COLUMNS[field].header if field in COLUMNS else field for field in str(value).split())
    return str(value)


def dutch_csv(table: Table) -> Iterator[str]:
    """The table as a Dutch-Excel CSV (BOM, ``;``, decimal comma, Dutch headers)."""
    rows = ([dutch_cell(name, v) for name, v in zip(table.header, row, strict=True)] for row in table.rows)
    return dutch_csv_lines([COLUMNS[name].header for name in table.header], rows)


def xlsx_value(name: str, value: Any) -> Any:
    """A workbook cell: numbers rounded as on the page (shown by the number format), Dutch words for text codes."""
    if value is None:
        return None
    kind = COLUMNS[name].kind
    if kind == "bool":
        return "ja" if value else "nee"
    if kind == "dec2":
        return round(value, 2)
    if kind == "p":
        return round(value, 3)
    if kind in ("int", "pct"):
        return round(value)
    return dutch_cell(name, value)


def write_workbook(path: Path, tables: Sequence[Table], notes: Sequence[tuple[str, str]] = ()) -> None:
    """One sheet per table with Dutch headers, the page's decimals as number formats, a frozen bold header row and
    column widths; then ``Kolommen`` (what every column means) and ``Toelichting`` (scope and thresholds)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    first_sheet = workbook.active  # a new workbook has one empty sheet
    assert first_sheet is not None
    workbook.remove(first_sheet)
    for table in tables:
        sheet = workbook.create_sheet(table.name)
        sheet.append([spreadsheet_safe(COLUMNS[name].header) for name in table.header])
        for row in table.rows:
            sheet.append([spreadsheet_safe(xlsx_value(n, v)) for n, v in zip(table.header, row, strict=True)])
        for index, name in enumerate(table.header, start=1):
            letter = get_column_letter(index)
            sheet[f"{letter}1"].font = Font(bold=True)
            number_format = NUMBER_FORMATS.get(COLUMNS[name].kind)
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
            longest = max([len(COLUMNS[name].header)] + [len(str(r[index - 1] or "")) for r in table.rows[:200]])
            sheet.column_dimensions[letter].width = min(max(longest + 2, 8), 50)
        sheet.freeze_panes = "A2"
    columns = workbook.create_sheet("Kolommen")
    columns.append(["tabblad", "kolom", "in de machineleesbare CSV", "betekenis"])
    for table in tables:
        for name in table.header:
            columns.append([table.name, COLUMNS[name].header, name, COLUMNS[name].meaning])
    for letter, width in zip("ABCD", (16, 28, 26, 90), strict=True):
        columns.column_dimensions[letter].width = width
        columns[f"{letter}1"].font = Font(bold=True)
    columns.freeze_panes = "A2"
    if notes:
        sheet = workbook.create_sheet("Toelichting")
        for key, text in notes:
            sheet.append([spreadsheet_safe(key), spreadsheet_safe(text)])
        sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 18, 100
    workbook.save(path)
