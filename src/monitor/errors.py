"""Domain errors of the monitor side: each names a fact, carries a readable Dutch message, never an HTTP status."""

from __future__ import annotations


class MonitorError(Exception):
    """Base of all monitor-domain errors. ``message`` is Dutch and safe to show to the user."""

    message: str = "Er ging iets mis bij de vragenlijst."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.message
        self.field = field
        super().__init__(self.message)


class UnknownItem(MonitorError):
    """An answer or lookup names a question the instrument does not have (or has no then-test for)."""

    message = "Deze vraag komt niet voor in de vragenlijst."


class UnknownScale(MonitorError):
    message = "Deze schaal komt niet voor in de vragenlijst."


class AnswerOutOfRange(MonitorError):
    """A value is neither a whole number on the answer scale nor one of its 'missing' options."""

    message = "Dit antwoord is niet toegestaan."


class ResponseNotFound(MonitorError):
    """No such response, or not the user's own: existence is not revealed."""

    message = "Deze vragenlijst bestaat niet of is niet van u."


class QuestionnaireNotAllowed(MonitorError):
    message = "Je hebt geen toegang tot deze vragenlijst."


class WindowNotOpen(MonitorError):
    """The moment's measurement window is not (yet, or no longer) open for this trainee."""

    message = "Deze vragenlijst staat nu niet open."


class WindowClosed(WindowNotOpen):
    message = "De periode om deze vragenlijst in te vullen is voorbij. Antwoorden kunnen niet meer worden opgeslagen."


class ResponseAlreadySubmitted(MonitorError):
    message = "Deze vragenlijst is al ingediend. Antwoorden kunnen niet meer worden gewijzigd."


class ResponseExists(MonitorError):
    """A paper or imported response would be a second response for the same enrolment and moment."""

    message = "Voor deze deelnemer en dit meetmoment bestaat al een vragenlijst."


class InvalidQuestionnaireInput(MonitorError):
    message = "De invoer is niet geldig."


class InvalidMomentPair(MonitorError):
    """The monitor compares two moments in the order T0 → T1 → T2."""

    message = "Kies twee verschillende meetmomenten in de volgorde T0, T1, T2."
