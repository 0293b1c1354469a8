"""Domain errors of the training side: each names a fact, carries a readable Dutch message, never an HTTP status."""

from __future__ import annotations

from training.sourcefiles import ContentProblem


class TrainingError(Exception):
    """Base of all training-domain errors. ``message`` is Dutch and safe to show to the user."""

    message: str = "Er ging iets mis."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.message
        self.field = field
        super().__init__(self.message)


class NotFound(TrainingError):
    message = "Niet gevonden."


class PermissionDenied(TrainingError):
    message = "Je hebt geen toegang tot deze pagina."


class InvalidInput(TrainingError):
    message = "De invoer is niet geldig."


class InvalidForm(InvalidInput):
    """Several fields of one form are wrong: ``problems`` holds each (field, Dutch message), so a page can show them
    all at once instead of one per try. ``message`` and ``field`` are the first problem's."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems

    @classmethod
    def collect(cls, problems: list[tuple[str | None, str]], exc: TrainingError) -> None:
        """Add the problems of ``exc`` (one, or all of an InvalidForm) to ``problems``."""
        problems.extend(exc.problems if isinstance(exc, InvalidForm) else [(exc.field, exc.message)])


class Conflict(TrainingError):
    message = "Dit conflicteert met bestaande gegevens."


class ContentInvalid(TrainingError):
    """Content files (modules, questionnaires) have problems; ``problems`` lists each with file and line."""

    message = "De inhoudsbestanden bevatten fouten."

    def __init__(self, problems: list[ContentProblem]) -> None:
        super().__init__()
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)
