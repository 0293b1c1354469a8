"""Mijn reflecties: all of a trainee's own reflection notes in one place, per module and section, with the prompt.

Private like the notes themselves (``training.models.ReflectionNote``): every function reads the notes of the user
it is given, and only a trainee has notes. There is deliberately no way to ask for anyone else's journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from training.content import Module
from training.errors import PermissionDenied
from training.models import ReflectionNote, Role, User

GONE_PROMPT = "(Deze reflectievraag staat niet meer in de training.)"


@dataclass(frozen=True)
class JournalNote:
    prompt_id: str
    prompt: str
    text: str
    updated_at: datetime


@dataclass(frozen=True)
class JournalSection:
    title: str | None  # None: notes whose section or prompt left the content
    notes: tuple[JournalNote, ...]


@dataclass(frozen=True)
class JournalModule:
    module_id: str
    title: str  # "Module 3: ..." or, for a module that left the content, its id
    sections: tuple[JournalSection, ...]


def journal(session: Session, *, user: User, modules: Sequence[Module]) -> list[JournalModule]:
    """The user's own non-empty notes, in content order; notes of prompts or modules that left the content come last
    in their module (or at the end), so nothing the trainee wrote goes missing."""
    if user.role != Role.trainee:
        raise PermissionDenied("Alleen deelnemers schrijven reflecties.")
    notes: dict[str, dict[str, ReflectionNote]] = {}
    for note in session.exec(
        select(ReflectionNote).where(col(ReflectionNote.user_id) == user.id).order_by(col(ReflectionNote.id))
    ):
        if note.text.strip():
            notes.setdefault(note.module_id, {})[note.prompt_id] = note
    out: list[JournalModule] = []
    for module in modules:
        own = notes.pop(module.id, None)
        if not own:
            continue
        sections = []
        for section in module.sections:
            found = tuple(_entry(own.pop(p.id), p.text) for p in module.prompts_after(section.id) if p.id in own)
            if found:
                sections.append(JournalSection(section.title, found))
        if own:
            sections.append(JournalSection(None, tuple(_entry(n, GONE_PROMPT) for n in own.values())))
        out.append(JournalModule(module.id, f"Module {module.order}: {module.title}", tuple(sections)))
    for module_id, own in notes.items():
        gone = JournalSection(None, tuple(_entry(n, GONE_PROMPT) for n in own.values()))
        out.append(JournalModule(module_id, f"Module ‘{module_id}’ (staat niet meer in de training)", (gone,)))
    return out


def _entry(note: ReflectionNote, prompt: str) -> JournalNote:
    return JournalNote(note.prompt_id, prompt, note.text, note.updated_at)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def to_markdown(entries: Sequence[JournalModule], *, name: str, today: date) -> str:
    """The journal as a Markdown document (the prompts as quotes, the notes as written)."""
    lines = [f"# Mijn reflecties: {name}", "", f"Opgeslagen op {today.strftime('%d-%m-%Y')}.", ""]
    if not entries:
        lines += ["Je hebt nog geen reflecties geschreven.", ""]
    for module in entries:
        lines += [f"## {module.title}", ""]
        for section in module.sections:
            lines += [f"### {section.title or 'Overige notities'}", ""]
            for note in section.notes:
                lines += [_quote(note.prompt), "", note.text.strip().replace("\r\n", "\n"), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def filename(today: date) -> str:
    return f"mijn-reflecties-{today.isoformat()}.md"
