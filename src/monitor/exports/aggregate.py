"""Aggregate exports of the monitor: exactly the rows the monitor shows, as CSV lines or an XLSX workbook.

The rows come from ``monitor.report.service.organisation_report``, so the small-cell rule is the monitor's own, applied
once: a withheld figure is an empty cell, and the ``withheld`` / ``withheld_reason`` columns say which and why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from monitor.exports.audit import WEB, record_export
from monitor.questionnaire.instrument import Instrument
from monitor.report import service
from monitor.report.build import Report
from monitor.report.disclosure import Thresholds
from training.models import User
from training.spreadsheet import spreadsheet_safe

FIGURES = (
    "n_from",
    "mean_from",
    "sd_from",
    "n_to",
    "mean_to",
    "sd_to",
    "n_paired",
    "sd_from_paired",
    "sd_to_paired",
    "mean_change",
    "ci_low",
    "ci_high",
    "d_z",
    "g_av",
    "p_t",
    "p_wilcoxon",
    "p_holm",
    "pct_improved",
    "pct_unchanged",
    "pct_deteriorated",
)
MONITOR_COLUMNS = (
    "group_key",
    "group",
    "level",
    "parent_key",
    "scale",
    "scale_title",
    "moment_from",
    "moment_to",
    *FIGURES,
    "withheld",
    "withheld_reason",
)
FLOW_FIGURES = ("invited", "responded_from", "responded_to", "paired", "due", "responded_due", "rate_from", "rate_to")
FLOW_COLUMNS = ("group_key", "group", "level", *FLOW_FIGURES, "withheld")
QUALITY_COLUMNS = ("scale", "scale_title", "moment", "n", "alpha", "alpha_below_070", "item", "item_rest")

# Which table a download holds; "xlsx" holds all three as sheets.
TABLES = ("monitor", "flow", "quality")


@dataclass(frozen=True)
class Table:
    name: str  # the sheet name in a workbook
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class AggregateExport:
    organisation_name: str
    report: Report
    tables: list[Table]

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def monitor_table(report: Report) -> Table:
    rows = []
    for r in report.rows:
        reasons = "; ".join(f"{part}: {reason}" for part, reason in r.reasons.items())
        rows.append(
            (
                r.group_key,
                r.group,
                r.level,
                r.parent_key,
                r.scale,
                report.scale_titles.get(r.scale, r.scale),
                r.moment_from,
                r.moment_to,
                *(getattr(r, name) for name in FIGURES),
                " ".join(r.suppressed),
                reasons,
            )
        )
    return Table("Monitor", MONITOR_COLUMNS, rows)


def flow_table(report: Report) -> Table:
    rows = [
        (f.group_key, f.group, f.level, *(getattr(f, name) for name in FLOW_FIGURES), " ".join(f.suppressed))
        for f in report.flows
    ]
    return Table("Respons", FLOW_COLUMNS, rows)


def quality_table(report: Report) -> Table:
    rows = [
        (q.scale, q.title, q.moment, q.n, q.alpha, q.warning, item, r)
        for q in report.quality
        for item, r in zip(q.items, q.item_rest, strict=True)
    ]
    return Table("Betrouwbaarheid", QUALITY_COLUMNS, rows)


BUILDERS = {"monitor": monitor_table, "flow": flow_table, "quality": quality_table}


def export_aggregate(
    session: Session,
    *,
    user: User,
    instrument: Instrument,
    thresholds: Thresholds,
    table: str,
    format: str,
    moment_from: str = "T0",
    moment_to: str = "T1",
    organisation_id: int | None = None,
    cohort_id: int | None = None,
    started_from: date | None = None,
    started_to: date | None = None,
    version_id: int | None = None,
    n_modules: int = 0,
) -> AggregateExport:
    """The monitor's tables for one scope, audit-logged. ``table`` is one of TABLES, or "all" for a workbook."""
    org = service.organisation_for(session, user=user, organisation_id=organisation_id)
    report = service.organisation_report(
        session,
        user=user,
        instrument=instrument,
        thresholds=thresholds,
        moment_from=moment_from,
        moment_to=moment_to,
        organisation_id=org.id,
        cohort_id=cohort_id,
        started_from=started_from,
        started_to=started_to,
        version_id=version_id,
        n_modules=n_modules,
    )
    names = TABLES if table == "all" else (table,)
    export = AggregateExport(org.name, report, [BUILDERS[name](report) for name in names])
    scope = {
        "moment_from": moment_from,
        "moment_to": moment_to,
        "cohort_id": cohort_id,
        "tables": list(names),
        "started_from": started_from,
        "started_to": started_to,
        "version_id": version_id,
        "instrument": instrument.id,
        "min_n": thresholds.min_n,
        "min_paired": thresholds.min_paired,
    }
    record_export(
        session,
        action="export.aggregate",
        format=format,
        organisation_id=org.id,
        scope=scope,
        row_count=export.row_count,
        user_id=user.id,
        channel=WEB,
    )
    return export


def exports_page(session: Session, *, user: User, organisation_id: int | None = None) -> dict[str, Any]:
    """What the exports page lists: the organisation, its cohorts (filter), the organisations an admin may pick,
    whether research files are offered, and the latest exports of the organisation (from the audit log)."""
    from sqlmodel import col, select

    from monitor.exports.audit import list_exports
    from training.models import Cohort, Organisation, Role

    org = service.organisation_for(session, user=user, organisation_id=organisation_id)
    admin = user.role == Role.admin
    cohorts = session.exec(
        select(Cohort).where(Cohort.organisation_id == org.id).order_by(col(Cohort.start_date))
    ).all()
    organisations = session.exec(select(Organisation).order_by(Organisation.name)).all() if admin else []
    return {
        "organisation": org,
        "cohorts": list(cohorts),
        "organisations": list(organisations),
        "research_allowed": admin,
        "recent": list_exports(session, organisation_id=org.id, limit=10),
    }


# --- writers ---------------------------------------------------------------------------------------------------


def cell(value: Any) -> Any:
    """CSV cell text: empty for None (missing or withheld), true/false for booleans, shortest exact form for floats,
    and text that starts like a formula made inert (``training.spreadsheet``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_safe(value)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text line by line (RFC 4180, comma, UTF-8): memory stays flat however many rows there are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue()


def write_xlsx(path: Path, tables: Sequence[Table], notes: Sequence[tuple[str, str]] = ()) -> None:
    """A workbook in openpyxl's write-only mode (rows go straight to disk), one sheet per table plus notes. Text that
    starts like a formula is made inert (openpyxl would store "=…" as a live formula); numbers stay numbers."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name)
        sheet.append([spreadsheet_safe(v) for v in table.header])
        for row in table.rows:
            sheet.append([spreadsheet_safe(v) for v in row])
    if notes:
        sheet = workbook.create_sheet("Toelichting")
        for key, text in notes:
            sheet.append([spreadsheet_safe(key), spreadsheet_safe(text)])
    workbook.save(path)


def workbook_notes(export: AggregateExport, instrument: Instrument) -> list[tuple[str, str]]:
    report = export.report
    return [
        ("organisatie", export.organisation_name),
        ("meetmomenten", f"{report.moment_from} → {report.moment_to}"),
        ("vragenlijst", f"{instrument.title} ({instrument.status})"),
        (
            "drempels",
            f"groepscijfers vanaf {report.thresholds.min_n} deelnemers per meetmoment; "
            f"veranderingen vanaf {report.thresholds.min_paired} paren",
        ),
        (
            "afgeschermd",
            "Een lege cel is afgeschermd of ontbreekt. De kolom 'afgeschermd' noemt de afgeschermde "
            "cijfers, 'reden afscherming' de reden: 'te weinig deelnemers' of 'aanvullend afgeschermd' "
            "(zodat een kleine groep niet door aftrekken te herleiden is). Het tabblad 'Kolommen' zegt wat "
            "elke kolom betekent.",
        ),
        ("betrouwbaarheid", "Cronbachs α per schaal over de hele organisatie (nooit per wijk)."),
    ]
