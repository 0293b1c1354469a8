"""Loading the content directory (modules and questionnaires) once per app, and checking it."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request

from training.content import Module, load_modules
from training.errors import ContentInvalid
from training.sourcefiles import ContentProblem


def check_content(content_dir: Path) -> list[ContentProblem]:
    """Every problem of every module and questionnaire file, or []."""
    from monitor.instrument import load_instruments

    problems: list[ContentProblem] = []
    root = content_dir.parent
    try:
        load_modules(content_dir / "modules", root=root)
    except ContentInvalid as exc:
        problems.extend(exc.problems)
    try:
        load_instruments(content_dir / "questionnaires")
    except ContentInvalid as exc:
        problems.extend(exc.problems)
    return problems


def load_content_or_raise(content_dir: Path) -> list[Module]:
    """The modules, or ContentInvalid with the full report (the app refuses to start on invalid content)."""
    problems = check_content(content_dir)
    if problems:
        raise ContentInvalid(problems)
    return load_modules(content_dir / "modules", root=content_dir.parent)


def get_modules(request: Request) -> list[Module]:
    return request.app.state.modules


def get_module_gate(request: Request):
    return getattr(request.app.state, "module_gate", None)


def get_instrument(request: Request):
    """The current questionnaire instrument (loaded once per app from the content directory)."""
    instrument = getattr(request.app.state, "monitor_instrument", None)
    if instrument is None:
        from monitor.instrument import load_instruments

        settings = request.app.state.settings
        instrument = load_instruments(settings.content_dir / "questionnaires")[0]
        request.app.state.monitor_instrument = instrument
    return instrument


def get_thresholds(request: Request):
    from monitor.disclosure import Thresholds

    settings = request.app.state.settings
    return Thresholds(min_n=settings.min_group_n, min_paired=settings.min_paired_n)
