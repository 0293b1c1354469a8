"""The trainee's to-do home: which step comes first, dates in words, windows, overdue modules (pure, no database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitor.home.todo import build_todo, when
from monitor.questionnaire.overview import MomentRow, Overview
from monitor.questionnaire.windows import WindowState
from training.content import load_modules
from training.plurals import plural
from training.progress import LearningPath, ModuleStanding, Status

REPO_CONTENT = Path(__file__).resolve().parents[2] / "content"
TODAY = date(2026, 12, 5)


@pytest.fixture(scope="module")
def modules():
    return load_modules(REPO_CONTENT / "modules")[:3]


def standing(module, status=Status.not_started, read=(), passed=False):
    return ModuleStanding(module, status, frozenset(read), 1 if passed else 0, 100.0 if passed else None, None, passed)


def row(moment="T0", opens=date(2026, 12, 1), closes=date(2026, 12, 20), status=None, state=WindowState.open):
    label = {"T0": "Voormeting (T0)", "T1": "Nameting (T1)", "T2": "Follow-up (T2)"}[moment]
    return MomentRow(7, "Voorjaar", moment, label, opens, closes, state, 3 if status else None, status)


def test_dates_in_words():
    assert when(TODAY, TODAY) == "vandaag"
    assert when(date(2026, 12, 6), TODAY) == "morgen"
    assert when(date(2026, 12, 14), TODAY) == "over 9 dagen"
    assert when(date(2026, 12, 4), TODAY) == "gisteren"
    assert when(date(2026, 12, 1), TODAY) == "4 dagen geleden"


def test_a_new_trainee_first_fills_in_the_open_voormeting_then_module_1(modules):
    path = LearningPath([standing(m) for m in modules], None, {modules[0].id: date(2026, 12, 14)})
    todo = build_todo(path, Overview([row()]), today=TODAY)
    assert todo.is_new
    first, second = todo.steps
    assert first.title == "Vul de voormeting (T0) in"
    assert "Open tot en met 20-12-2026 (over 15 dagen)" in first.detail
    assert first.starts_questionnaire and (first.enrolment_id, first.moment) == (7, "T0")
    assert second.title.startswith("Begin aan module 1:")
    assert "uiterlijk op 14-12-2026 (over 9 dagen)" in second.detail
    assert second.href == f"/modules/{modules[0].id}"
    assert second.urgent is False  # nine days away


def test_module_due_before_a_later_window_closes_comes_first(modules):
    path = LearningPath([standing(m) for m in modules], None, {modules[0].id: date(2026, 12, 8)})
    todo = build_todo(path, Overview([row("T0", status="submitted"), row("T1")]), today=TODAY)
    assert [s.kind for s in todo.steps] == ["module", "questionnaire"]
    assert todo.next_step is not None and todo.next_step.urgent  # three days away


def test_locked_modules_leave_only_the_questionnaire_and_no_module_links(modules):
    path = LearningPath([standing(m) for m in modules], "Vul eerst de voormeting in.", {})
    todo = build_todo(path, Overview([row()]), today=TODAY)
    assert [s.kind for s in todo.steps] == ["questionnaire"]
    assert all(line.href is None for line in todo.modules)
    assert todo.locked_reason == "Vul eerst de voormeting in."


def test_closed_upcoming_and_submitted_windows_are_not_steps(modules):
    rows = [
        row("T0", status="submitted"),
        row("T1", date(2027, 2, 1), date(2027, 2, 20), state=WindowState.upcoming),
        row("T2", date(2026, 11, 1), date(2026, 11, 20), state=WindowState.closed),
    ]
    path = LearningPath([standing(m) for m in modules], None, {})
    todo = build_todo(path, Overview(rows), today=TODAY)
    assert [s.kind for s in todo.steps] == ["module"]
    assert not todo.is_new  # the voormeting was submitted
    assert len(todo.questionnaires) == 3


def test_a_started_questionnaire_resumes_at_its_response(modules):
    path = LearningPath([standing(m, Status.completed, passed=True) for m in modules], None, {})
    todo = build_todo(path, Overview([row(status="in_progress")]), today=TODAY)
    step = todo.next_step
    assert step is not None
    assert step.action == "Verder invullen" and step.href == "/vragenlijsten/3" and not step.starts_questionnaire


def test_overdue_module_is_marked_and_said_so(modules):
    first = modules[0]
    path = LearningPath(
        [standing(first, Status.in_progress, read=first.section_ids[:1]), *(standing(m) for m in modules[1:])],
        None,
        {first.id: date(2026, 12, 1)},
    )
    todo = build_todo(path, Overview(), today=TODAY)
    assert todo.modules[0].overdue and not todo.modules[1].overdue
    step = todo.next_step
    assert step is not None
    assert step.title.startswith("Ga verder met module 1")
    assert "Dit had af moeten zijn op 01-12-2026 (4 dagen geleden)" in step.detail
    assert f"1 van {len(first.section_ids)} onderdelen gelezen" in step.detail


def test_all_sections_read_but_check_not_passed_goes_straight_to_the_check(modules):
    first = modules[0]
    path = LearningPath([standing(first, Status.in_progress, read=first.section_ids)], None, {})
    step = build_todo(path, Overview(), today=TODAY).next_step
    assert step is not None
    assert step.href == f"/modules/{first.id}/toets" and "nu nog de kennischeck" in step.detail


def test_everything_done_has_no_steps(modules):
    path = LearningPath([standing(m, Status.completed, passed=True) for m in modules], None, {})
    todo = build_todo(path, Overview([row(status="submitted")]), today=TODAY)
    assert todo.steps == [] and todo.all_done and todo.percent == 100


def test_not_enrolled_is_its_own_state():
    assert build_todo(LearningPath([], None, {}), Overview(), today=TODAY).enrolled is False


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0 regels met fouten"), (1, "1 regel met fouten"), (2, "2 regels met fouten")]
)
def test_dutch_plural(n, expected):
    assert plural(n, "regel met fouten", "regels met fouten") == expected
    assert plural(n, "regel", "regels", with_number=False) == expected.split()[1]
