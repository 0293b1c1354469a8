"""Authorization in one place: which roles may reach which route. Every route is listed; unknown routes are refused.

Object-level rules (a trainer sees only the cohorts they train, a trainee only their own things) live in the services
of `training` and `monitor`, which take the current user and scope every query by it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import NotAuthenticated, OptionalUser
from training.errors import PermissionDenied
from training.models import Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = frozenset(Role)
TRAINEE = frozenset({Role.trainee})
STAFF = frozenset({Role.trainer, Role.manager, Role.admin})
TRAINER = frozenset({Role.trainer, Role.admin})
MANAGER = frozenset({Role.manager, Role.admin})
ADMIN = frozenset({Role.admin})

# Route name -> who may call it. Route names are the handler function names.
ACCESS: dict[str, str | frozenset[Role]] = {
    # public
    "healthz": PUBLIC,
    "login_page": PUBLIC,
    "login": PUBLIC,
    "swagger_docs_page": PUBLIC,
    # any signed-in user
    "logout": SIGNED_IN,
    "home_page": SIGNED_IN,
    "password_page": SIGNED_IN,
    "change_password": SIGNED_IN,
    "api_me": SIGNED_IN,
    # privacy: everyone reads the statement and their own data, and chooses about research (privacy.research)
    "privacy_statement_page": PUBLIC,
    "acknowledge_statement": SIGNED_IN,
    "research_choice_page": TRAINEE,
    "choose_research": TRAINEE,
    "own_data_page": SIGNED_IN,
    "own_data_download": SIGNED_IN,
    # privacy: erasure on request, the statement's text and the retention period are for beheer
    "erase_user_page": ADMIN,
    "erase_user": ADMIN,
    "privacy_admin_page": ADMIN,
    "save_privacy_statement": ADMIN,
    "save_retention": ADMIN,
    # training modules (trainee)
    "learning_path_page": TRAINEE,
    "module_page": TRAINEE,
    "section_page": TRAINEE,
    "mark_section_read": TRAINEE,
    "save_note_fragment": TRAINEE,
    "quiz_page": TRAINEE,
    "submit_quiz": TRAINEE,
    "quiz_result_page": TRAINEE,
    "module_print_page": TRAINEE,
    # the trainee's own reflection journal: notes are private, so nobody else ever reads them (training.journal)
    "journal_page": TRAINEE,
    "journal_download": TRAINEE,
    # certificate of completion: the trainee's own, once earned (training.certificate scopes it to their enrolment);
    # the overview of who earned it is the trainer's (own cohorts) and the admin's. Managers never see a person.
    "certificate_page": TRAINEE,
    "certificates_page": TRAINER,
    # cohorts: trainers (their own cohorts) and admins. Managers see only the aggregated monitor, never a person.
    "cohorts_page": TRAINER,
    "cohort_page": TRAINER,
    "cohort_progress_csv": TRAINER,
    # knowledge-check statistics per question, over the trainer's own cohorts (training.check_statistics), admins all
    "check_statistics_page": TRAINER,
    # questionnaires: a trainee fills in and reads only their own; nobody else ever reads the answers
    "questionnaires_page": TRAINEE,
    "start_questionnaire": TRAINEE,
    "growth_page": TRAINEE,
    "questionnaire_page": TRAINEE,
    "questionnaire_step_page": TRAINEE,
    "save_questionnaire_step": TRAINEE,
    "save_answer_fragment": TRAINEE,
    "save_open_answer_fragment": TRAINEE,
    "questionnaire_review_page": TRAINEE,
    "submit_questionnaire": TRAINEE,
    # paper forms: a trainer enters them for their own cohorts (scoped in monitor.questionnaire.paper), and never
    # reads them back
    "paper_entry_page": TRAINER,
    "review_paper_entry": TRAINER,  # the review step before saving: writes nothing
    "save_paper_entry": TRAINER,
    # correcting a submitted response (any source) shows individual answers: beheer only, never trainers or managers
    # (enforced again in monitor.questionnaire.paper.correction_target)
    "correction_page": ADMIN,
    "save_correction": ADMIN,
    # monitor: managers see their organisation, trainers only their cohorts' pages, admins everything
    "monitor_overview_page": MANAGER,
    "monitor_headline_page": MANAGER,
    "monitor_trend_page": MANAGER,
    "monitor_wijk_page": MANAGER,
    "monitor_gebied_wijken_page": MANAGER,  # the overview's folded wijk rows; the organisation checked in the service
    "cohort_monitor_page": STAFF,
    "api_monitor": MANAGER,
    "monitor_overall_page": ADMIN,  # over every organisation: beheer only (enforced again in monitor.report.service)
    "api_overall_monitor": ADMIN,
    "api_cohort_monitor": STAFF,
    # monitor exports: aggregate tables for managers (own organisation) and admins; person-level research files
    # (pseudonymised) and their codebook for admins only, enforced again in monitor.exports.research
    "monitor_exports_page": MANAGER,
    "export_monitor_csv": MANAGER,
    "export_flow_csv": MANAGER,
    "export_quality_csv": MANAGER,
    "export_monitor_xlsx": MANAGER,
    "export_excel_csv": MANAGER,
    "export_research_long": ADMIN,
    "export_research_wide": ADMIN,
    "export_research_spss": ADMIN,
    "export_codebook_csv": ADMIN,
    "export_codebook_json": ADMIN,
    # trainer workspace: trainers manage their own cohorts (training.cohort_admin.get_managed_cohort), admins all
    "cohort_progress_xlsx": TRAINER,
    "cohort_new_page": TRAINER,
    "create_cohort": TRAINER,
    "cohort_edit_page": TRAINER,
    "update_cohort": TRAINER,
    "archive_cohort": TRAINER,
    "trainees_page": TRAINER,
    "invite_trainee": TRAINER,
    "upload_enrolment_csv": TRAINER,
    "import_preview_page": TRAINER,
    "confirm_import": TRAINER,
    "reinvite_trainee": TRAINER,
    "deactivate_trainee": TRAINER,
    "reactivate_trainee": TRAINER,
    "move_trainee": TRAINER,
    "reminders_page": TRAINER,
    "send_reminders": TRAINER,
    "outbox_page": TRAINER,
    "retry_outbox": TRAINER,
    # password reset (training.password_reset): anyone may ask; the one-time token in the link is the credential
    "forgot_password_page": PUBLIC,
    "request_password_reset": PUBLIC,
    "reset_password_page": PUBLIC,
    "reset_password": PUBLIC,
    # invitation links: the one-time token is the credential
    "invitation_page": PUBLIC,
    "accept_invitation": PUBLIC,
    # admin
    "users_page": ADMIN,
    # the audit trail (issue 13): who did what; for beheer only
    "audit_page": ADMIN,
    "audit_csv": ADMIN,
    # organisations, gebieden and wijken (training.organisations): admins change them; a manager reads their own
    # organisation's (scoped in training.organisations.get_organisation)
    "organisations_page": MANAGER,
    "organisation_page": MANAGER,
    "create_organisation": ADMIN,
    "rename_organisation": ADMIN,
    "archive_organisation": ADMIN,
    "create_gebied": ADMIN,
    "rename_gebied": ADMIN,
    "archive_gebied": ADMIN,
    "create_wijk": ADMIN,
    "wijk_edit_page": ADMIN,
    "update_wijk": ADMIN,
    "archive_wijk": ADMIN,
    "upload_wijken_csv": ADMIN,
    "wijken_import_page": ADMIN,
    "confirm_wijken_import": ADMIN,
    # staff accounts (training.staff): admins only; see that module for why a manager does not invite trainers
    "staff_new_page": ADMIN,
    "invite_staff": ADMIN,
    "account_page": ADMIN,
    "change_account": ADMIN,
    "deactivate_account_page": ADMIN,
    "deactivate_account": ADMIN,
    "reactivate_account": ADMIN,
    "unlock_account": ADMIN,
    "reinvite_account": ADMIN,
}

# Routes FastAPI or Starlette add themselves (not APIRoutes): always public, never touching data.
FRAMEWORK_ROUTES = frozenset({"openapi", "swagger_ui_redirect", "redoc_html", "static"})


def rule_for(route_name: str) -> str | frozenset[Role] | None:
    return ACCESS.get(route_name)


async def enforce_access(request: Request, user: OptionalUser) -> None:
    """App-wide dependency: refuses the request unless the route's rule admits the current user.

    Pure (the user is loaded by ``get_optional_user``), so ``async def``: no thread-pool hop for every request."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    rule = rule_for(name) if name else None
    if rule is None:
        # Fail closed: a route nobody classified is reachable by nobody.
        raise PermissionDenied("Deze pagina is (nog) voor niemand toegankelijk.")
    if rule == PUBLIC:
        return
    if user is None:
        raise NotAuthenticated()
    if Role(user.role) not in rule:
        raise PermissionDenied()


AccessChecked = Annotated[None, Depends(enforce_access)]
