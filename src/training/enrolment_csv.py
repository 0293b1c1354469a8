"""Reading an enrolment CSV (naam, email, wijk) and planning what each row will do: pure, no database, no I/O."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from training.text import INVALID_CHARACTER, first_invalid_line

MAX_ROWS = 5000
MAX_BYTES = 2_000_000
EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
COLUMNS = ("naam", "email", "wijk")
# Header spellings people use in Excel, mapped to our column names.
ALIASES = {
    "naam": "naam",
    "name": "naam",
    "volledige naam": "naam",
    "email": "email",
    "e-mail": "email",
    "e-mailadres": "email",
    "emailadres": "email",
    "mail": "email",
    "wijk": "wijk",
}


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line number in the file, as a spreadsheet shows it
    naam: str
    email: str
    wijk: str
    wrong_columns: str | None = None  # "verwacht 3 kolommen, gevonden 5" when the row could not be split


@dataclass(frozen=True)
class ParsedCsv:
    rows: list[CsvRow]
    problems: list[str]  # problems with the file as a whole: nothing can be imported while there are any


@dataclass
class PlannedRow:
    line: int
    naam: str
    email: str
    wijk: str
    wijk_id: int | None = None
    action: str = ""  # "new" (account created and invited) or "existing" (existing trainee enrolled)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Excel writes it on Dutch Windows."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def parse_enrolment_csv(data: bytes, *, max_rows: int = MAX_ROWS) -> ParsedCsv:
    """The data rows of the file, or the reasons (in Dutch) why the file as a whole cannot be read."""
    if len(data) > MAX_BYTES:
        return ParsedCsv([], [f"Het bestand is te groot (meer dan {MAX_BYTES // 1_000_000} MB)."])
    text = decode(data)
    bad_line = first_invalid_line(text)
    if bad_line is not None:  # e.g. NUL bytes from a file that is no CSV at all
        return ParsedCsv(
            [], [f"Regel {bad_line} van het bestand {INVALID_CHARACTER}. Haal het weg en probeer het opnieuw."]
        )
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip().strip(",;\t")), None)
    if header_line is None:
        return ParsedCsv(
            [], ["Het bestand is leeg. Verwacht: een kopregel naam,email,wijk en één regel per deelnemer."]
        )
    delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as exc:
        return ParsedCsv([], [f"Het bestand is geen leesbaar CSV-bestand (regel {reader.line_num}: {exc})."])
    records = [(line, record) for line, record in records if any(cell.strip() for cell in record)]
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in records[0][1]]
    while header and header[-1] == "":  # Excel adds empty trailing columns
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if missing or unknown or duplicated:
        found = ", ".join(h or "(leeg)" for h in header)
        return ParsedCsv(
            [],
            [
                f"De kopregel moet precies de kolommen naam, email en wijk bevatten (in willekeurige volgorde). "
                f"Gevonden: {found}."
                + (f" Ontbreekt: {', '.join(missing)}." if missing else "")
                + (f" Onbekend: {', '.join(unknown)}." if unknown else "")
                + (f" Dubbel: {', '.join(duplicated)}." if duplicated else "")
            ],
        )
    position = {name: header.index(name) for name in COLUMNS}
    rows: list[CsvRow] = []
    for index, record in records[1:]:  # empty lines are skipped; line numbers stay those of the file
        extra = [cell for cell in record[len(header) :] if cell.strip()]
        if len(record) < len(header) or extra:
            rows.append(
                CsvRow(index, "", "", "", wrong_columns=f"verwacht {len(header)} kolommen, gevonden {len(record)}")
            )
        else:
            rows.append(
                CsvRow(
                    index,
                    record[position["naam"]].strip(),
                    record[position["email"]].strip(),
                    record[position["wijk"]].strip(),
                )
            )
        if len(rows) > max_rows:
            return ParsedCsv(
                [], [f"Het bestand bevat meer dan {max_rows} deelnemers. Splits het in kleinere bestanden."]
            )
    if not rows:
        return ParsedCsv([], ["Het bestand bevat alleen een kopregel en geen deelnemers."])
    return ParsedCsv(rows, [])


def plan_rows(
    parsed: ParsedCsv,
    *,
    wijken: Mapping[str, int],
    existing_users: Mapping[str, str],
    enrolled_emails: frozenset[str] | set[str],
) -> list[PlannedRow]:
    """What each row will do, with every problem it has (in Dutch).

    ``wijken`` maps lower-cased wijk names of the cohort's organisation to ids, ``existing_users`` lower-cased
    e-mail addresses of existing accounts to their role ("other" for accounts of another organisation),
    ``enrolled_emails`` the addresses already in this cohort.
    """
    seen: dict[str, int] = {}
    planned: list[PlannedRow] = []
    for row in parsed.rows:
        email = row.email.lower()
        plan = PlannedRow(row.line, row.naam, email, row.wijk)
        if row.wrong_columns:
            plan.errors.append(
                f"Het aantal kolommen klopt niet: {row.wrong_columns}. Let op het scheidingsteken en aanhalingstekens."
            )
            planned.append(plan)
            continue
        if not row.naam:
            plan.errors.append("De naam ontbreekt.")
        elif len(row.naam) > 200:
            plan.errors.append("De naam is langer dan 200 tekens.")
        if not email:
            plan.errors.append("Het e-mailadres ontbreekt.")
        elif not EMAIL_RE.match(email) or len(email) > 320:
            plan.errors.append(f"‘{row.email}’ is geen geldig e-mailadres.")
        elif email in seen:
            plan.errors.append(f"Dit e-mailadres staat al op regel {seen[email]} van dit bestand.")
        elif email in enrolled_emails:
            plan.errors.append("Deze deelnemer is al ingeschreven in deze groep.")
        elif existing_users.get(email) == "other":
            plan.errors.append("Dit e-mailadres hoort bij een deelnemer van een andere organisatie.")
        elif email in existing_users and existing_users[email] != "trainee":
            plan.errors.append("Dit e-mailadres hoort bij een account dat geen deelnemer is.")
        if email and email not in seen:
            seen[email] = row.line
        if not row.wijk:
            plan.errors.append("De wijk ontbreekt.")
        else:
            plan.wijk_id = wijken.get(row.wijk.lower())
            if plan.wijk_id is None:
                plan.errors.append(
                    f"De wijk ‘{row.wijk}’ is onbekend. Gebruik de naam zoals die in het platform staat."
                )
        plan.action = "existing" if email in existing_users else "new"
        planned.append(plan)
    return planned
