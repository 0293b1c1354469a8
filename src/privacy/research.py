"""Research participation: a separate, voluntary choice, asked before the voormeting and changeable at any time.

Only people whose current choice is "yes" go into research exports (``monitor.exports.research`` reads the table).
The monitor (aggregated, with small-cell protection) is the programme's own monitoring and does not depend on it."""

from __future__ import annotations

from sqlmodel import Session, select

from privacy.models import RESEARCH_EXPLANATION_VERSION, ResearchChoice
from training import audit_trail
from training.ids import id_of
from training.models import User, utcnow

EXPLANATION_VERSION = RESEARCH_EXPLANATION_VERSION
EXPLANATION = (
    "De gemeente laat onderzoeken of de training werkt. Daarvoor kunnen onderzoekers je antwoorden op de "
    "vragenlijsten gebruiken: zonder je naam of e-mailadres, onder een code die per bestand anders is, en alleen "
    "als je daar ja op zegt. Je open antwoorden en reflectienotities gaan nooit naar onderzoekers. "
    "Zeg je nee, dan heeft dat geen enkel gevolg: je volgt de training gewoon en je antwoorden tellen wel mee in de "
    "groepscijfers per wijk (altijd geanonimiseerd, nooit per persoon). Je kunt je keuze altijd wijzigen op de "
    "pagina Mijn gegevens."
)


def research_choice_of(session: Session, *, user_id: int) -> ResearchChoice | None:
    return session.exec(select(ResearchChoice).where(ResearchChoice.user_id == user_id)).first()


def needs_research_choice(session: Session, *, user: User) -> bool:
    """A trainee who has not yet chosen: asked before the voormeting."""
    return research_choice_of(session, user_id=id_of(user)) is None


def choose_research(session: Session, *, user: User, agreed: bool) -> ResearchChoice:
    """Record the person's current choice (one row, overwritten); the change itself goes into the audit trail."""
    choice = research_choice_of(session, user_id=id_of(user))
    if choice is None:
        choice = ResearchChoice(user_id=id_of(user), agreed=agreed, explanation_version=EXPLANATION_VERSION)
    else:
        choice.agreed, choice.explanation_version, choice.chosen_at = agreed, EXPLANATION_VERSION, utcnow()
    session.add(choice)
    session.flush()
    audit_trail.record(
        session,
        action="research.chosen",
        object_type="user",
        object_id=id_of(user),
        organisation_id=user.organisation_id,
        details={"agreed": agreed, "explanation_version": EXPLANATION_VERSION},
    )
    return choice
