"""Reading a wijken CSV (code, naam, gebied) and checking every row: pure, no database, no I/O.

Lines starting with ``#`` are comments (the shipped example file explains itself that way). The whole file is
checked first; an import writes only a file without a single bad row (all-or-nothing).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from training.enrolment_csv import decode
from training.text import INVALID_CHARACTER, first_invalid_line

MAX_ROWS = 2000
MAX_BYTES = 1_000_000
COLUMNS = ("code", "naam", "gebied")
ALIASES = {
    "code": "code",
    "wijkcode": "code",
    "naam": "naam",
    "name": "naam",
    "wijk": "naam",
    "wijknaam": "naam",
    "gebied": "gebied",
    "gebiedsnaam": "gebied",
}
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


@dataclass
class WijkRow:
    line: int  # the line number in the file, as a text editor shows it
    code: str
    naam: str
    gebied: str
    new_gebied: bool = False  # the gebied is created by the import
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ParsedWijken:
    rows: list[WijkRow]
    problems: list[str]  # problems with the file as a whole


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def parse_wijken_csv(data: bytes) -> ParsedWijken:
    """The data rows, or the reasons (in Dutch) why the file as a whole cannot be read."""
    if len(data) > MAX_BYTES:
        return ParsedWijken([], [f"Het bestand is te groot (meer dan {MAX_BYTES // 1_000_000} MB)."])
    text = decode(data)
    bad_line = first_invalid_line(text)
    if bad_line is not None:
        return ParsedWijken(
            [], [f"Regel {bad_line} van het bestand {INVALID_CHARACTER}. Haal het weg en probeer het opnieuw."]
        )
    numbered = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip().strip(",;\t") and not line.lstrip().startswith("#")
    ]
    if not numbered:
        return ParsedWijken([], ["Het bestand is leeg. Verwacht: een kopregel code,naam,gebied en één regel per wijk."])
    delimiter = _delimiter(numbered[0][1])
    try:
        records = [(n, next(csv.reader([line], delimiter=delimiter))) for n, line in numbered]
    except csv.Error as exc:
        return ParsedWijken([], [f"Het bestand is geen leesbaar CSV-bestand ({exc})."])
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in records[0][1]]
    while header and header[-1] == "":
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if missing or unknown or duplicated:
        found = ", ".join(h or "(leeg)" for h in header)
        return ParsedWijken(
            [],
            [
                "De kopregel moet precies de kolommen code, naam en gebied bevatten (in willekeurige volgorde). "
                f"Gevonden: {found}."
                + (f" Ontbreekt: {', '.join(missing)}." if missing else "")
                + (f" Onbekend: {', '.join(unknown)}." if unknown else "")
                + (f" Dubbel: {', '.join(duplicated)}." if duplicated else "")
            ],
        )
    position = {name: header.index(name) for name in COLUMNS}
    rows: list[WijkRow] = []
    for line, record in records[1:]:
        extra = [cell for cell in record[len(header) :] if cell.strip()]
        if len(record) < len(header) or extra:
            row = WijkRow(line, "", "", "")
            row.errors.append(f"Het aantal kolommen klopt niet: verwacht {len(header)}, gevonden {len(record)}.")
        else:
            code, naam, gebied = (record[position[c]].strip() for c in COLUMNS)
            row = WijkRow(line, code, naam, gebied)
        rows.append(row)
        if len(rows) > MAX_ROWS:
            return ParsedWijken(
                [], [f"Het bestand bevat meer dan {MAX_ROWS} wijken. Splits het in kleinere bestanden."]
            )
    if not rows:
        return ParsedWijken([], ["Het bestand bevat alleen een kopregel en geen wijken."])
    return ParsedWijken(rows, [])


def check_rows(
    rows: list[WijkRow],
    *,
    existing_names: Mapping[str, str],
    existing_codes: Mapping[str, str],
    gebieden: set[str],
    create_gebieden: bool,
) -> list[WijkRow]:
    """Every problem of every row, in Dutch. ``existing_names`` / ``existing_codes`` map the lower-cased names and
    upper-cased codes of the organisation's wijken (archived ones too) to their name; ``gebieden`` holds the
    lower-cased names of its gebieden."""
    names: dict[str, int] = {}
    codes: dict[str, int] = {}
    for row in rows:
        if row.errors:
            continue
        if not row.naam:
            row.errors.append("De naam van de wijk ontbreekt.")
        elif len(row.naam) > 200:
            row.errors.append("De naam is langer dan 200 tekens.")
        elif row.naam.lower() in names:
            row.errors.append(f"De wijk ‘{row.naam}’ staat al op regel {names[row.naam.lower()]} van dit bestand.")
        elif row.naam.lower() in existing_names:
            row.errors.append(f"Er bestaat al een wijk ‘{existing_names[row.naam.lower()]}’ in deze organisatie.")
        if row.naam:
            names.setdefault(row.naam.lower(), row.line)
        code = row.code.upper()
        if code:
            if not CODE_RE.match(code):
                row.errors.append(
                    f"De code ‘{row.code}’ is ongeldig: gebruik letters, cijfers, - of _ "
                    "(hoogstens 20 tekens), bijvoorbeeld WK059901."
                )
            elif code in codes:
                row.errors.append(f"De code {code} staat al op regel {codes[code]} van dit bestand.")
            elif code in existing_codes:
                row.errors.append(f"De code {code} is al in gebruik voor de wijk ‘{existing_codes[code]}’.")
            codes.setdefault(code, row.line)
            row.code = code
        if row.gebied:
            if len(row.gebied) > 200:
                row.errors.append("De naam van het gebied is langer dan 200 tekens.")
            elif row.gebied.lower() not in gebieden:
                if create_gebieden:
                    row.new_gebied = True
                else:
                    row.errors.append(
                        f"Het gebied ‘{row.gebied}’ bestaat niet in deze organisatie. Maak het eerst "
                        "aan, of kies bij het uploaden dat nieuwe gebieden worden aangemaakt."
                    )
    return rows
