"""Spreadsheet-safe cell values: text that a spreadsheet would read as a formula is made inert (CSV injection).

The one rule for every CSV and XLSX the platform writes (training's progress files, the monitor's aggregate and
research files). It lives in ``training``, the base package, because both packages write such files and
``training`` may not import ``monitor``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

# OWASP "CSV Injection": a cell that starts with one of these may be run as a formula by Excel, LibreOffice or
# Google Sheets (tab and carriage return because some importers strip them and then see the next character).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text (a Dutch CSV's "-0,39"): nothing to run, and a quote would turn it into text.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a spreadsheet may show it without running it: text that starts like a formula gets a leading
    single quote, as OWASP advises. Numbers, booleans, dates and None pass unchanged, so -0.5 stays a number, and
    so does a number written as text ("-0,39" in a Dutch CSV): only digits with one decimal sign, nothing to run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


# --- Dutch spreadsheets -------------------------------------------------------------------------------------------
# CSVs meant to be opened in Excel with Dutch settings: UTF-8 with a byte-order mark (else Excel reads Windows-1252),
# a semicolon between cells (the comma is the decimal sign), decimal commas, figures rounded as on the page, dates as
# dd-mm-jjjj. The machine CSVs (comma, decimal point, English headers) stay as they are for R, SPSS and BI tools.

BOM = "\ufeff"
DELIMITER = ";"


def nl(value: float | None, digits: int = 2) -> str:
    """A number in Dutch notation, rounded to ``digits``, or an em dash for a withheld or undefined value."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",")


def p_value(value: float | None) -> str:
    """A p-value as the monitor shows it: three decimals, or "< 0,001"."""
    if value is None:
        return "—"
    return "< 0,001" if value < 0.001 else nl(value, 3)


def dutch_date(value: date | datetime) -> str:
    """dd-mm-jjjj, the date as Dutch Excel reads it."""
    return value.strftime("%d-%m-%Y")


def dutch_csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A Dutch-Excel CSV line by line: the BOM first, then ``;``-separated cells. The cells must already be text as
    the page shows it (``nl``, ``p_value``, ``dutch_date``); each passes ``spreadsheet_safe``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_safe("" if v is None else v) for v in row])
        yield buffer.getvalue()
