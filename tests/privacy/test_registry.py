"""The processing register covers every column of every table, and the committed register is current."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import SQLModel

import monitor.models  # noqa: F401  (registers the tables)
import privacy.models  # noqa: F401
import training.models  # noqa: F401
from privacy.registry import DECLARATIONS, register_csv, register_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_table_and_column_is_declared_exactly_once():
    declared = {d.table: set(d.personal) | set(d.other) for d in DECLARATIONS}
    assert len(declared) == len(DECLARATIONS), "a table is declared twice"
    actual = {t.name: {c.name for c in t.columns} for t in SQLModel.metadata.sorted_tables}
    assert declared == actual, "declare new tables and columns in src/privacy/registry.py"


def test_no_column_is_both_personal_and_not():
    assert [d.table for d in DECLARATIONS if set(d.personal) & set(d.other)] == []


def test_personal_tables_say_why_how_long_and_who():
    incomplete = [
        d.table
        for d in DECLARATIONS
        if d.is_personal and not (d.category and d.purposes and d.legal_basis and d.retention and d.recipients)
    ]
    assert incomplete == []


def test_the_committed_register_is_current():
    """Run `ract privacy register` after changing src/privacy/registry.py."""
    assert (DOCS / "verwerkingsregister.md").read_text(encoding="utf-8") == register_markdown()
    assert (DOCS / "verwerkingsregister.csv").read_text(encoding="utf-8") == register_csv()


def test_the_register_names_the_three_purposes_and_that_nobody_is_judged():
    text = register_markdown()
    for purpose in ("leerfeedback", "monitoring per wijk", "Evaluatieonderzoek"):
        assert purpose in text
    assert "nooit gebruikt om een persoon te beoordelen" in text
    assert "`reflection_note`" in text and "`text`" in text
