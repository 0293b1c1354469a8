"""The privacy statement (AVG art. 13) per organisation: a plain-Dutch default, admin edits as new versions, and
the acknowledgement of the version in force, asked at first sign-in and again whenever the statement changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from privacy.models import PrivacyStatement, StatementAcknowledgement
from training import audit_trail
from training.errors import InvalidInput, PermissionDenied
from training.ids import id_of
from training.models import Organisation, Role, User

DEFAULT_VERSION = 0  # the built-in text, until an admin saves one of the organisation's own
MAX_LENGTH = 20_000

DEFAULT_TEXT = """Op dit platform volg je de training resourcegroepen (R-ACT) en vul je vragenlijsten in over je \
kennis, vaardigheden en houding. {organisation} is verantwoordelijk voor wat er met je gegevens gebeurt.

Welke gegevens? Je naam, e-mailadres, rol en wijk; je voortgang in de modules en je resultaten op de kennischecks; je \
reflectienotities; je antwoorden op de vragenlijsten; je keuze over onderzoek; en een logboek van wat er op het \
platform gebeurt (inloggen, wijzigingen).

Waarvoor? Voor drie doelen, en voor niets anders:
1. Persoonlijke leerfeedback: jij ziet je eigen voortgang en je eigen groei.
2. Monitoring per wijk: de projectleiding ziet alleen groepscijfers, pas vanaf vijf mensen, nooit per persoon. Dat is \
de eigen monitoring van het programma en valt onder de publieke taak van de gemeente.
3. Evaluatieonderzoek: alleen als jij daar ja op zegt, zonder je naam, onder een code. Nee zeggen heeft geen gevolgen.

Je gegevens worden nooit gebruikt om jou te beoordelen. Je leidinggevende ziet geen scores van jou. Je \
reflectienotities en open antwoorden ziet niemand behalve jij.

Schrijf geen namen of andere herkenbare gegevens van cliënten op. Het platform waarschuwt je als een tekst daarop lijkt.

Hoe lang? Tot de bewaartermijn van je organisatie na het laatste meetmoment van je groep. Daarna worden je account, \
notities en open antwoorden verwijderd; je antwoorden op de vragenlijst blijven alleen zonder je naam bestaan, zodat \
de groepscijfers kloppen.

Jouw rechten: op de pagina Mijn gegevens zie je wat het platform over je weet en download je alles. Wil je iets laten \
verbeteren of verwijderen, of maak je bezwaar? Vraag het de beheerder van het platform; die legt het vast en je krijgt \
bericht. Je kunt ook een klacht indienen bij de Autoriteit Persoonsgegevens."""


@dataclass(frozen=True)
class Statement:
    organisation_id: int | None
    version: int
    text: str


def current_statement(session: Session, *, organisation_id: int | None) -> Statement:
    """The version in force for the organisation (the default text when it saved none of its own)."""
    if organisation_id is not None:
        row = session.exec(
            select(PrivacyStatement)
            .where(PrivacyStatement.organisation_id == organisation_id)
            .order_by(col(PrivacyStatement.version).desc())
        ).first()
        if row is not None:
            return Statement(organisation_id, row.version, row.text)
    organisation = session.get(Organisation, organisation_id) if organisation_id is not None else None
    name = organisation.name if organisation is not None else "De gemeente"
    return Statement(organisation_id, DEFAULT_VERSION, DEFAULT_TEXT.format(organisation=name))


def needs_acknowledgement(session: Session, *, user: User) -> bool:
    statement = current_statement(session, organisation_id=user.organisation_id)
    return (
        session.exec(
            select(StatementAcknowledgement.id).where(
                StatementAcknowledgement.user_id == id_of(user),
                StatementAcknowledgement.organisation_id == statement.organisation_id,
                StatementAcknowledgement.version == statement.version,
            )
        ).first()
        is None
    )


def acknowledge_statement(session: Session, *, user: User, version: int) -> None:
    """Record that the user saw this version (idempotent; an outdated version is not recorded as the current one)."""
    statement = current_statement(session, organisation_id=user.organisation_id)
    if version != statement.version or not needs_acknowledgement(session, user=user):
        return
    session.add(
        StatementAcknowledgement(user_id=id_of(user), organisation_id=statement.organisation_id, version=version)
    )
    session.flush()
    audit_trail.record(
        session,
        action="privacy.statement_seen",
        object_type="privacy_statement",
        object_id=version,
        organisation_id=user.organisation_id,
    )


def save_statement(session: Session, *, user: User, organisation_id: int, text: str) -> Statement:
    """An admin saves a new version; everyone of the organisation is shown it at their next visit."""
    if user.role != Role.admin:
        raise PermissionDenied("Alleen beheer kan de privacyverklaring wijzigen.")
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise InvalidInput("Vul de tekst van de privacyverklaring in.", field="text")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(f"De privacyverklaring mag hoogstens {MAX_LENGTH} tekens zijn.", field="text")
    version = current_statement(session, organisation_id=organisation_id).version + 1
    session.add(
        PrivacyStatement(organisation_id=organisation_id, version=version, text=text, created_by_user_id=id_of(user))
    )
    session.flush()
    audit_trail.record(
        session,
        action="privacy.statement_changed",
        object_type="privacy_statement",
        object_id=version,
        organisation_id=organisation_id,
    )
    return Statement(organisation_id, version, text)
