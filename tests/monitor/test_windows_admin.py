"""Checking the T0/T1/T2 windows a trainer enters with a cohort."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.questionnaire.windows_admin import WindowInput, _check_windows
from training.cohort_admin import normalise_reminder_days
from training.errors import InvalidInput

D = date.fromisoformat


def test_empty_windows_are_left_out_and_complete_ones_kept():
    chosen = _check_windows(
        {
            "T0": WindowInput(D("2026-01-05"), D("2026-01-19")),
            "T1": WindowInput(None, None),
            "T2": WindowInput(D("2026-06-01"), D("2026-06-30")),
        }
    )
    assert set(chosen) == {"T0", "T2"}


def test_overlapping_windows_are_allowed_when_they_open_in_order():
    chosen = _check_windows(
        {
            "T0": WindowInput(D("2026-01-05"), D("2026-03-01")),
            "T1": WindowInput(D("2026-02-01"), D("2026-03-15"), "modules_completed"),
        }
    )
    assert chosen["T1"].open_rule == "modules_completed"


@pytest.mark.parametrize(
    "windows, message",
    [
        ({"T0": WindowInput(D("2026-01-05"), None)}, "vul zowel de openings- als de sluitdatum in"),
        ({"T0": WindowInput(D("2026-01-05"), D("2026-01-01"))}, "de sluitdatum ligt vóór de openingsdatum"),
        ({"T0": WindowInput(D("2026-01-05"), D("2026-01-19"), "modules_completed")}, "Alleen de nameting (T1)"),
        (
            {"T0": WindowInput(D("2026-03-01"), D("2026-03-19")), "T1": WindowInput(D("2026-02-01"), D("2026-02-19"))},
            "op volgorde open",
        ),
        ({"T3": WindowInput(D("2026-03-01"), D("2026-03-19"))}, "Onbekend meetmoment"),
    ],
)
def test_inconsistent_windows_are_refused_in_dutch(windows, message):
    with pytest.raises(InvalidInput) as exc:
        _check_windows(windows)
    assert message in exc.value.message


@pytest.mark.parametrize("text, expected", [("7,2", "7,2"), (" 2, 7 ,7", "7,2"), ("", ""), ("14", "14")])
def test_reminder_days_are_normalised(text, expected):
    assert normalise_reminder_days(text) == expected


@pytest.mark.parametrize("text", ["7;2", "zeven", "7,,2", "-1", "1000"])
def test_malformed_reminder_days_are_refused(text):
    with pytest.raises(InvalidInput):
        normalise_reminder_days(text)
