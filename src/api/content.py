"""Loading the content directory (modules and questionnaires) once per app, and checking it."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from fastapi import Request

from training.content import Module, load_modules, quality_warnings
from training.errors import ContentInvalid
from training.sourcefiles import ContentProblem


def check_content(content_dir: Path) -> list[ContentProblem]:
    """Every problem of every module and questionnaire file, or []."""
    try:
        load_content(content_dir)
    except ContentInvalid as exc:
        return list(exc.problems)
    return []


def content_warnings(content_dir: Path) -> list[ContentProblem]:
    """Warnings about knowledge checks that can be passed by guessing (call after check_content found no problems)."""
    return quality_warnings(load_content(content_dir)[0])


_LOADED: dict[tuple[Path, str], tuple[list, list]] = {}
_loaded_lock = threading.Lock()


def _digest(content_dir: Path) -> str:
    """A digest of every file's path and bytes under the content directory."""
    digest = hashlib.blake2b(digest_size=20)
    for path in sorted(p for p in content_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(content_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_content(content_dir: Path) -> tuple[list[Module], list]:
    """The modules and the questionnaire instruments, or ContentInvalid with the full report of both.

    Parsing (YAML with line numbers for the error report, Markdown) takes a second or more, so what was parsed is
    kept per process under a digest of every file's bytes: the same content is parsed once, changed content again.
    """
    from monitor.questionnaire.instrument import load_instruments

    key = (content_dir.resolve(), _digest(content_dir))
    with _loaded_lock:
        if key in _LOADED:
            modules, instruments = _LOADED[key]
            return list(modules), list(instruments)
    problems: list[ContentProblem] = []
    modules, instruments = [], []
    try:
        modules = load_modules(content_dir / "modules", root=content_dir.parent)
    except ContentInvalid as exc:
        problems.extend(exc.problems)
    try:
        instruments = load_instruments(content_dir / "questionnaires")
    except ContentInvalid as exc:
        problems.extend(exc.problems)
    if problems:
        raise ContentInvalid(problems)
    with _loaded_lock:
        _LOADED[key] = (modules, instruments)
    return list(modules), list(instruments)


def load_content_or_raise(content_dir: Path) -> list[Module]:
    """The modules, or ContentInvalid with the full report (the app refuses to start on invalid content)."""
    return load_content(content_dir)[0]


def get_modules(request: Request) -> list[Module]:
    return request.app.state.modules


def get_module_gate(request: Request):
    return getattr(request.app.state, "module_gate", None)


def get_instrument(request: Request):
    """The current questionnaire instrument (loaded once per app from the content directory)."""
    instrument = getattr(request.app.state, "monitor_instrument", None)
    if instrument is None:
        from monitor.questionnaire.instrument import load_instruments

        settings = request.app.state.settings
        instrument = load_instruments(settings.content_dir / "questionnaires")[0]
        request.app.state.monitor_instrument = instrument
    return instrument


def get_thresholds(request: Request):
    from monitor.report.disclosure import Thresholds

    settings = request.app.state.settings
    return Thresholds(
        min_n=settings.min_group_n, min_paired=settings.min_paired_n, priority=settings.disclosure_priority
    )
