"""The processing register: every table says which of its columns hold personal data, why, on what basis, for how
long and who sees them. ``ract privacy register`` writes docs/verwerkingsregister.md and .csv from it; a test
checks that every column of every table is declared here, so a new column cannot slip in undeclared."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

# The purposes of docs/domain.md §6.1, plus running the platform itself.
LEARNING = "Persoonlijke leerfeedback"
MONITOR = "Geaggregeerde monitoring per wijk"
RESEARCH = "Evaluatieonderzoek (alleen met toestemming van de deelnemer)"
OPERATIONS = "Beheer en beveiliging van het platform"

PUBLIC_TASK = "Publieke taak (AVG art. 6 lid 1 sub e)"
RESEARCH_BASIS = "Publieke taak, met vrijwillige deelname en waarborgen van art. 89 (pseudonimisering)"

ORG_RETENTION = "Tot de bewaartermijn van de organisatie na het laatste meetmoment van de groep (ract retention run)"
AUDIT_RETENTION = "RACT_AUDIT_RETENTION_DAYS (ract audit prune)"
SESSION_RETENTION = "Tot uitloggen of verlopen van de sessie; daarna met het account"
SHORT = "Kort: tot gebruik of verlopen; daarna met het account"

SELF = "de persoon zelf"
TRAINER = "trainers van de groep (voortgang, geen antwoorden of notities)"
ADMIN = "beheerders van de organisatie"
AGGREGATE = "projectleiding en beheer, alleen geaggregeerd en met celgrootteregels"
RESEARCHERS = "onderzoekers, gepseudonimiseerd en alleen van wie ja zei"

SECURITY = (
    "Versleutelde verbinding (HTTPS), wachtwoorden als hash, server-side sessies, rolgebaseerde toegang "
    "(één autorisatietabel), CSRF-bescherming, audit-log, minimale celgrootte in de monitor, "
    "pseudoniemen per export, k-anonimiteit in onderzoeksbestanden."
)


@dataclass(frozen=True)
class Declaration:
    """What one table holds about people. ``personal`` and ``other`` together name every column of the table."""

    table: str
    description: str
    personal: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    category: str = ""
    purposes: tuple[str, ...] = ()
    legal_basis: str = ""
    retention: str = ""
    recipients: tuple[str, ...] = ()
    exported: str = "nee"
    in_own_data: bool = False  # part of "Mijn gegevens" (the download of a person's own data)

    @property
    def is_personal(self) -> bool:
        return bool(self.personal)


def _technical(table: str, description: str, *columns: str) -> Declaration:
    return Declaration(table, description, other=columns)


DECLARATIONS: tuple[Declaration, ...] = (
    Declaration(
        "user_account",
        "Het account van een medewerker",
        personal=(
            "name",
            "email",
            "password_hash",
            "role",
            "organisation_id",
            "wijk_id",
            "is_active",
            "failed_logins",
            "locked_until",
            "created_at",
            "last_login_at",
        ),
        other=("id", "session_version"),
        category="Identificatie- en contactgegevens, functie-rol, werkgebied (wijk)",
        purposes=(LEARNING, MONITOR, OPERATIONS),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION + "; bij verwijdering geanonimiseerd",
        recipients=(SELF, ADMIN, TRAINER),
        in_own_data=True,
    ),
    Declaration(
        "enrolment",
        "Inschrijving van een deelnemer in een groep, met de wijk op dat moment",
        personal=("user_id", "cohort_id", "wijk_id", "enrolled_at", "deactivated_at"),
        other=("id",),
        category="Deelname aan de training, werkgebied",
        purposes=(LEARNING, MONITOR, RESEARCH),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(SELF, TRAINER, ADMIN),
        exported="wijk en groep, gegeneraliseerd (onderzoeksbestand)",
        in_own_data=True,
    ),
    Declaration(
        "module_progress",
        "Voortgang per module",
        personal=("user_id", "module_id", "started_at", "completed_at", "attempts", "best_score"),
        other=("id", "content_hash"),
        category="Leervoortgang",
        purposes=(LEARNING,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(SELF, TRAINER),
        in_own_data=True,
    ),
    Declaration(
        "section_read",
        "Gelezen onderdelen van een module",
        personal=("user_id", "module_id", "section_id", "read_at"),
        other=("id", "content_hash"),
        category="Leervoortgang",
        purposes=(LEARNING,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(SELF,),
        in_own_data=True,
    ),
    Declaration(
        "quiz_attempt",
        "Pogingen op de kennischecks",
        personal=("user_id", "module_id", "answers_json", "option_order_json", "score", "passed", "created_at"),
        other=("id", "content_hash"),
        category="Leerresultaten",
        purposes=(LEARNING,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(SELF, TRAINER),
        in_own_data=True,
    ),
    Declaration(
        "quiz_open_attempt",
        "Een geopende kennischeck: de geschudde volgorde van de antwoorden, tot de poging is ingeleverd",
        personal=("user_id", "module_id", "created_at"),
        other=("id", "content_hash", "option_order_json"),
        category="Leervoortgang",
        purposes=(LEARNING,),
        legal_basis=PUBLIC_TASK,
        retention=SHORT,
        recipients=(SELF,),
    ),
    Declaration(
        "reflection_note",
        "Reflectienotities: alleen voor de schrijver zelf",
        personal=("user_id", "module_id", "prompt_id", "text", "updated_at"),
        other=("id",),
        category="Vrije tekst van de medewerker (kan onbedoeld cliëntgegevens bevatten; het platform waarschuwt)",
        purposes=(LEARNING,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(SELF,),
        in_own_data=True,
    ),
    Declaration(
        "questionnaire_response",
        "Een ingevulde vragenlijst (voormeting, nameting, follow-up) met de scores",
        personal=(
            "enrolment_id",
            "moment",
            "status",
            "started_at",
            "submitted_at",
            "entered_by_user_id",
            "source",
            "paper_date",
            "scores_json",
            "items_json",
        ),
        other=("id", "instrument_id", "instrument_version_id"),
        category="Zelfbeoordeling van kennis, vaardigheden, houding en zelfvertrouwen",
        purposes=(LEARNING, MONITOR, RESEARCH),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION + "; daarna zonder koppeling aan de persoon bewaard voor de monitor",
        recipients=(SELF, AGGREGATE, RESEARCHERS),
        exported="ja, gepseudonimiseerd, alleen van wie ja zei tegen onderzoek",
        in_own_data=True,
    ),
    Declaration(
        "answer",
        "Antwoord op één gesloten vraag",
        personal=("response_id", "item_id", "then_test", "value", "missing_code", "answered_at"),
        other=("id",),
        category="Zelfbeoordeling",
        purposes=(LEARNING, MONITOR, RESEARCH),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION + "; daarna zonder koppeling aan de persoon bewaard voor de monitor",
        recipients=(SELF, AGGREGATE, RESEARCHERS),
        exported="ja, gepseudonimiseerd, alleen van wie ja zei tegen onderzoek",
        in_own_data=True,
    ),
    Declaration(
        "open_answer",
        "Antwoord op een open vraag: alleen voor de schrijver zelf",
        personal=("response_id", "question_id", "text", "answered_at"),
        other=("id",),
        category="Vrije tekst van de medewerker (kan onbedoeld cliëntgegevens bevatten; het platform waarschuwt)",
        purposes=(LEARNING,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(SELF,),
        in_own_data=True,
    ),
    Declaration(
        "research_choice",
        "De keuze van de deelnemer over het evaluatieonderzoek",
        personal=("user_id", "agreed", "explanation_version", "chosen_at"),
        other=("id",),
        category="Toestemming voor onderzoek",
        purposes=(RESEARCH,),
        legal_basis=RESEARCH_BASIS,
        retention=ORG_RETENTION,
        recipients=(SELF, ADMIN),
        in_own_data=True,
    ),
    Declaration(
        "statement_acknowledgement",
        "Welke versie van de privacyverklaring iemand heeft gezien",
        personal=("user_id", "organisation_id", "version", "acknowledged_at"),
        other=("id",),
        category="Verantwoording van informatieplicht (AVG art. 13)",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(SELF, ADMIN),
        in_own_data=True,
    ),
    Declaration(
        "erasure",
        "Vastlegging dat een account is geanonimiseerd (verzoek, bezwaar of bewaartermijn)",
        personal=("user_id", "erased_at", "kind", "reason", "erased_by_user_id"),
        other=("id",),
        category="Verantwoording van verwijdering",
        purposes=(OPERATIONS,),
        legal_basis="Wettelijke plicht tot verantwoording (AVG art. 5 lid 2)",
        retention="Zolang het geanonimiseerde account bestaat",
        recipients=(ADMIN,),
    ),
    Declaration(
        "audit_entry",
        "Het audit-log: wie deed wat, wanneer, vanaf welk adres (nooit antwoorden, notities of wachtwoorden)",
        personal=(
            "user_id",
            "role",
            "client_address",
            "created_at",
            "action",
            "object_type",
            "object_id",
            "details_json",
        ),
        other=("id", "channel", "organisation_id", "result"),
        category="Gebruiks- en beveiligingslog",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK + "; BIO-logging",
        retention=AUDIT_RETENTION,
        recipients=(ADMIN,),
        in_own_data=True,
    ),
    Declaration(
        "audit_event",
        "Log van exports (wie exporteerde wat)",
        personal=("user_id", "created_at"),
        other=("id", "channel", "action", "format", "organisation_id", "scope_json", "row_count"),
        category="Gebruikslog",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=AUDIT_RETENTION,
        recipients=(ADMIN,),
        in_own_data=True,
    ),
    Declaration(
        "user_session",
        "Ingelogde browsers",
        personal=("user_id", "created_at", "last_seen_at", "ended_at", "user_agent"),
        other=("id",),
        category="Technische gebruiksgegevens",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=SESSION_RETENTION,
        recipients=(SELF, ADMIN),
        in_own_data=True,
    ),
    Declaration(
        "login_throttle",
        "Tellers tegen wachtwoord raden, onder een hash van account en adres",
        personal=("key",),
        other=("attempts", "window_started_at"),
        category="Beveiligingsgegevens (gehasht, niet terug te leiden in het platform)",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention="Minuten: het venster van de teller",
        recipients=("niemand (alleen het platform)",),
    ),
    Declaration(
        "invitation",
        "Uitnodigingslinks (alleen de hash van de link)",
        personal=("user_id", "cohort_id", "created_at", "expires_at", "used_at", "revoked_at"),
        other=("id", "token_hash"),
        category="Accountbeheer",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=SHORT,
        recipients=(ADMIN, TRAINER),
        in_own_data=True,
    ),
    Declaration(
        "password_reset",
        "Links voor wachtwoordherstel (alleen de hash van de link)",
        personal=("user_id", "created_at", "expires_at", "used_at", "revoked_at"),
        other=("id", "token_hash"),
        category="Accountbeheer",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=SHORT,
        recipients=("niemand (alleen het platform)",),
        in_own_data=True,
    ),
    Declaration(
        "outbound_mail",
        "Verstuurde e-mail (uitnodigingen, herinneringen, berichten over je gegevens)",
        personal=("to_address", "subject", "body", "created_at", "sent_at"),
        other=("id", "status", "attempts", "last_error", "cohort_id", "claimed_at"),
        category="Contactgegevens en berichten",
        purposes=(LEARNING, OPERATIONS),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(ADMIN, TRAINER),
        in_own_data=True,
    ),
    Declaration(
        "reminder",
        "Verstuurde herinneringen per inschrijving",
        personal=("enrolment_id", "sent_on", "created_by_user_id", "created_at"),
        other=("id", "kind", "subject_key", "outbound_mail_id"),
        category="Contactmomenten",
        purposes=(MONITOR,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(TRAINER, ADMIN),
        in_own_data=True,
    ),
    Declaration(
        "cohort_trainer",
        "Welke trainer welke groep begeleidt",
        personal=("user_id", "cohort_id"),
        category="Functie-rol",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(ADMIN,),
        in_own_data=True,
    ),
    Declaration(
        "enrolment_import",
        "Een ingelezen deelnemerslijst die wacht op bevestiging",
        personal=("rows_json", "created_by_user_id", "filename"),
        other=("id", "cohort_id", "token", "created_at", "confirmed_at"),
        category="Identificatie- en contactgegevens van anderen (tijdelijk)",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(ADMIN,),
    ),
    Declaration(
        "wijk_import",
        "Een ingelezen wijkenlijst die wacht op bevestiging",
        personal=("created_by_user_id",),
        other=("id", "organisation_id", "token", "filename", "rows_json", "created_at", "confirmed_at"),
        category="Wie de import deed",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention=ORG_RETENTION,
        recipients=(ADMIN,),
    ),
    Declaration(
        "privacy_statement",
        "De privacyverklaring per organisatie, per versie",
        personal=("created_by_user_id",),
        other=("id", "organisation_id", "version", "text", "created_at"),
        category="Wie de tekst wijzigde",
        purposes=(OPERATIONS,),
        legal_basis=PUBLIC_TASK,
        retention="Zolang de organisatie bestaat",
        recipients=(ADMIN,),
    ),
    _technical("organisation", "Organisaties (gemeenten)", "id", "name", "archived_at"),
    _technical("gebied", "Gebieden", "id", "organisation_id", "name", "archived_at"),
    _technical("wijk", "Wijken", "id", "organisation_id", "gebied_id", "name", "code", "archived_at"),
    _technical(
        "cohort",
        "Groepen",
        "id",
        "organisation_id",
        "name",
        "start_date",
        "end_date",
        "require_t0_before_modules",
        "certificate_requires_t1",
        "reminder_days",
        "created_at",
        "archived_at",
    ),
    _technical(
        "rci_reference",
        "Bevroren referentie (α en sd bij T0) per vragenlijstversie en schaal, over minstens 30 mensen samen",
        "id",
        "instrument_version_id",
        "scale",
        "reliability",
        "sd_t0",
        "n_alpha",
        "n_sd",
        "n_sample",
        "frozen_at",
    ),
    _technical("data_version", "Teller van wijzigingen, voor de cache van de monitor", "id", "n", "epoch"),
    _technical("cohort_module", "Modules per groep", "cohort_id", "module_id", "due_on"),
    _technical(
        "measurement_window",
        "Meetmomenten per groep",
        "id",
        "cohort_id",
        "moment",
        "opens_on",
        "closes_on",
        "open_rule",
    ),
    _technical(
        "instrument_version",
        "Bevroren versies van de vragenlijst",
        "id",
        "instrument_id",
        "version_hash",
        "snapshot_json",
        "created_at",
    ),
    _technical(
        "retention_policy",
        "Bewaartermijn per organisatie",
        "organisation_id",
        "months_after_last_window",
        "updated_at",
    ),
    _technical(
        "cohort_retention", "Groepen waarvan de bewaartermijn is uitgevoerd", "cohort_id", "processed_at", "people"
    ),
)


def declaration(table: str) -> Declaration:
    return next(d for d in DECLARATIONS if d.table == table)


def personal_declarations() -> list[Declaration]:
    return [d for d in DECLARATIONS if d.is_personal]


def own_data_tables() -> set[str]:
    return {d.table for d in DECLARATIONS if d.in_own_data}


CSV_COLUMNS = (
    "tabel",
    "omschrijving",
    "persoonsgegevens",
    "categorie",
    "doelen",
    "grondslag",
    "bewaartermijn",
    "ontvangers",
    "in exports",
    "in Mijn gegevens",
)


def register_rows() -> list[tuple[str, ...]]:
    return [
        (
            d.table,
            d.description,
            ", ".join(d.personal),
            d.category,
            "; ".join(d.purposes),
            d.legal_basis,
            d.retention,
            "; ".join(d.recipients),
            d.exported,
            "ja" if d.in_own_data else "nee",
        )
        for d in personal_declarations()
    ]


def register_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(register_rows())
    return out.getvalue()


def register_markdown() -> str:
    """The verwerkingsregister entry and DPIA annex, in Dutch, for the gemeente's privacy officer."""
    purposes = (LEARNING, MONITOR, RESEARCH, OPERATIONS)
    lines = [
        "# Verwerkingsregister en DPIA-bijlage: R-ACT leerplatform",
        "",
        "<!-- Generated by `ract privacy register` from src/privacy/registry.py; do not edit by hand. -->",
        "",
        "## Doelen",
        "",
        *(f"{n}. {p}" for n, p in enumerate(purposes, 1)),
        "",
        "De gegevens worden nooit gebruikt om een persoon te beoordelen. Leidinggevenden zien geen individuele scores.",
        "",
        "## Beveiligingsmaatregelen",
        "",
        SECURITY,
        "",
        "## Persoonsgegevens per tabel",
        "",
    ]
    for d in personal_declarations():
        lines += [
            f"### `{d.table}`: {d.description}",
            "",
            f"- **Persoonsgegevens:** {', '.join(f'`{c}`' for c in d.personal)}",
            f"- **Categorie:** {d.category}",
            f"- **Doelen:** {'; '.join(d.purposes)}",
            f"- **Grondslag:** {d.legal_basis}",
            f"- **Bewaartermijn:** {d.retention}",
            f"- **Ontvangers:** {'; '.join(d.recipients)}",
            f"- **In exports:** {d.exported}",
            f"- **In Mijn gegevens (inzage en download):** {'ja' if d.in_own_data else 'nee'}",
            "",
        ]
    technical = [d.table for d in DECLARATIONS if not d.is_personal]
    lines += ["## Tabellen zonder persoonsgegevens", "", ", ".join(f"`{t}`" for t in technical), ""]
    return "\n".join(lines)
