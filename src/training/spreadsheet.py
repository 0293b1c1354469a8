"""Spreadsheet-safe cell values: text that a spreadsheet would read as a formula is made inert (CSV injection).

The one rule for every CSV and XLSX the platform writes (training's progress files, the monitor's aggregate and
research files). It lives in ``training``, the base package, because both packages write such files and
``training`` may not import ``monitor``.
"""

from __future__ import annotations

from typing import Any

# OWASP "CSV Injection": a cell that starts with one of these may be run as a formula by Excel, LibreOffice or
# Google Sheets (tab and carriage return because some importers strip them and then see the next character).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a spreadsheet may show it without running it: text that starts like a formula gets a leading
    single quote, as OWASP advises. Numbers, booleans, dates and None pass unchanged, so -0.5 stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
