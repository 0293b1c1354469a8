"""The trainer workspace: create and edit cohorts with their measurement windows, enrol and invite trainees
(one by one or from a CSV, previewed before anything is written), reminders, and the mail outbox."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api.auth import CurrentUser, SessionDep
from api.content import get_modules
from api.inputs import PathId, parse_id
from api.templating import render
from mail import outbox
from mail.delivery import deliver_queued
from monitor.questionnaire import reminders, windows_admin
from training import audit_trail, cohort_admin, cohort_modules, enrolment
from training.cohorts import list_cohorts
from training.content import Module
from training.enrolment_csv import MAX_BYTES
from training.errors import Conflict, InvalidInput
from training.ids import id_of
from training.plurals import plural

router = APIRouter()


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]
Modules = Annotated[list[Module], Depends(get_modules)]


def base_url(request: Request) -> str:
    # Never the request's Host header: a forged one would send invitation links (with their token) elsewhere.
    return request.app.state.settings.public_base_url


def deliver_after_commit(request: Request, background: BackgroundTasks) -> None:
    """Try to send the queued mail once the response (and so the request's commit) is done; failures stay queued."""
    background.add_task(deliver_queued, request.app.state.engine, request.app.state.settings)


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _text(form: FormData, name: str, max_length: int = 5000) -> str:
    value = form.get(name)
    return value[:max_length] if isinstance(value, str) else ""


def _date(form: FormData, name: str) -> date | None:
    value = _text(form, name, 20).strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Vul een geldige datum in (dd-mm-jjjj).", field=name) from None


def _int(form: FormData, name: str) -> int | None:
    """An id chosen in a select: None when left empty, InvalidInput when it is no id at all."""
    value = _text(form, name, 20).strip()
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        raise InvalidInput("Kies een van de mogelijkheden.", field=name)
    return number


def _ints(form: FormData, name: str) -> list[int]:
    """The ids ticked in a list of checkboxes; values that are no id are dropped (no such object exists)."""
    return [n for n in (parse_id(v) for v in form.getlist(name)) if n is not None]


def _module_choice(form: FormData, modules: list[Module]) -> cohort_modules.ModuleChoice | None:
    """The module set, when the form shows it (the hidden ``module_set`` field): no box ticked is then an error,
    not "leave as it is"."""
    if form.get("module_set") != "1":
        return None
    ids = [v[:100] for v in form.getlist("module_ids") if isinstance(v, str)]
    return cohort_modules.ModuleChoice(ids, {m.id: _date(form, f"due_{m.id}") for m in modules if m.id in ids})


def _cohort_form(
    form: FormData, modules: list[Module]
) -> tuple[cohort_admin.CohortForm, dict[str, windows_admin.WindowInput]]:
    cohort_form = cohort_admin.CohortForm(
        name=_text(form, "name", 300),
        organisation_id=_int(form, "organisation_id"),
        start_date=_date(form, "start_date"),
        end_date=_date(form, "end_date"),
        trainer_ids=_ints(form, "trainer_ids"),
        require_t0_before_modules=form.get("require_t0_before_modules") == "on",
        certificate_requires_t1=form.get("certificate_requires_t1") == "on",
        reminder_days=_text(form, "reminder_days", 50),
        modules=_module_choice(form, modules),
    )
    windows = {
        m: windows_admin.WindowInput(
            _date(form, f"{m}_opens_on"), _date(form, f"{m}_closes_on"), _text(form, f"{m}_open_rule", 30) or "date"
        )
        for m in windows_admin.MOMENTS
    }
    return cohort_form, windows


def _cohort_form_context(session, user, modules, *, cohort=None, values=None, exc=None) -> dict:
    problems = getattr(exc, "problems", None) or ([(exc.field, exc.message)] if exc else [])
    return {
        "cohort": cohort,
        "values": values or {},
        "error": exc.message if exc else None,
        "field": exc.field if exc else None,
        "errors": problems,  # every (field, message) of the form, shown at once
        "error_fields": {f for f, _ in problems if f},
        "modules": modules,
        "organisations": cohort_admin.organisations_for(session, user=user),
        "trainers": cohort_admin.trainers_for(session, user=user),
        "moments": windows_admin.MOMENTS,
        "moment_labels": windows_admin.MOMENT_LABELS,
    }


def _values_from_cohort(session, cohort, modules) -> dict:
    planned = cohort_modules.planned_modules(session, cohort_id=cohort.id, modules=modules)
    values = {
        "module_ids": [p.module.id for p in planned],
        **{f"due_{p.module.id}": p.due_on.isoformat() for p in planned if p.due_on},
        "name": cohort.name,
        "organisation_id": str(cohort.organisation_id),
        "start_date": cohort.start_date.isoformat(),
        "end_date": cohort.end_date.isoformat(),
        "require_t0_before_modules": "on" if cohort.require_t0_before_modules else "",
        "certificate_requires_t1": "on" if cohort.certificate_requires_t1 else "",
        "reminder_days": cohort.reminder_days,
        "trainer_ids": [str(t) for t in cohort_admin.trainer_ids_of(session, cohort_id=cohort.id)],
    }
    for moment, window in windows_admin.cohort_windows(session, cohort_id=cohort.id).items():
        values |= {
            f"{moment}_opens_on": window.opens_on.isoformat(),
            f"{moment}_closes_on": window.closes_on.isoformat(),
            f"{moment}_open_rule": window.open_rule,
        }
    return values


def _form_values(form: FormData) -> dict:
    values: dict[str, str | list[str]] = {
        k: _text(form, k, 300) for k in form if k not in ("csrf_token", "trainer_ids", "module_ids")
    }
    values["trainer_ids"] = [str(t) for t in _ints(form, "trainer_ids")]
    values["module_ids"] = [v for v in form.getlist("module_ids") if isinstance(v, str)]
    return values


# --- cohorts ---------------------------------------------------------------------------------------------------------


@router.get("/groepen/nieuw", include_in_schema=False)
def cohort_new_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules):
    values = {
        "reminder_days": "7,2",
        "organisation_id": str(user.organisation_id or ""),
        "trainer_ids": [str(user.id)],
        "module_ids": [m.id for m in modules],
    }
    return render(request, "cohort_form.html", _cohort_form_context(session, user, modules, values=values))


@router.post("/groepen/nieuw", include_in_schema=False)
def create_cohort(request: Request, session: SessionDep, user: CurrentUser, form: Form, modules: Modules):
    try:
        cohort_form, windows = _cohort_form(form, modules)
        with session.begin_nested():  # a refused form leaves nothing behind
            cohort = windows_admin.save_cohort(
                session, user=user, cohort_id=None, form=cohort_form, windows=windows, modules=modules
            )
    except (InvalidInput, Conflict) as exc:
        return render(
            request,
            "cohort_form.html",
            _cohort_form_context(session, user, modules, values=_form_values(form), exc=exc),
            status_code=422,
        )
    audit_trail.record(
        session,
        action="cohort.created",
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
    )
    flash(request, f"De groep ‘{cohort.name}’ is aangemaakt. Nodig nu de deelnemers uit.")
    return see_other(f"/groepen/{cohort.id}/deelnemers")


@router.get("/groepen/{cohort_id}/bewerken", include_in_schema=False)
def cohort_edit_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules, cohort_id: PathId):
    cohort = cohort_admin.get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    return render(
        request,
        "cohort_form.html",
        _cohort_form_context(
            session, user, modules, cohort=cohort, values=_values_from_cohort(session, cohort, modules)
        ),
    )


@router.post("/groepen/{cohort_id}/bewerken", include_in_schema=False)
def update_cohort(
    request: Request, session: SessionDep, user: CurrentUser, form: Form, modules: Modules, cohort_id: PathId
):
    cohort = cohort_admin.get_managed_cohort(session, user=user, cohort_id=cohort_id, for_change=True)
    try:
        cohort_form, windows = _cohort_form(form, modules)
        with session.begin_nested():
            windows_admin.save_cohort(
                session, user=user, cohort_id=cohort.id, form=cohort_form, windows=windows, modules=modules
            )
    except (InvalidInput, Conflict) as exc:
        session.refresh(cohort)
        return render(
            request,
            "cohort_form.html",
            _cohort_form_context(session, user, modules, cohort=cohort, values=_form_values(form), exc=exc),
            status_code=422,
        )
    audit_trail.record(
        session,
        action="cohort.changed",
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
    )
    flash(request, "De wijzigingen zijn opgeslagen.")
    return see_other(f"/groepen/{cohort_id}")


@router.post("/groepen/{cohort_id}/archiveren", include_in_schema=False)
def archive_cohort(request: Request, session: SessionDep, user: CurrentUser, cohort_id: PathId):
    cohort = cohort_admin.archive_cohort(session, user=user, cohort_id=cohort_id)
    audit_trail.record(
        session,
        action="cohort.archived",
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
    )
    flash(request, f"De groep ‘{cohort.name}’ is gearchiveerd.")
    return see_other("/groepen")


# --- trainees --------------------------------------------------------------------------------------------------------


def _trainees_context(session, user, cohort_id: int) -> dict:
    cohort = cohort_admin.get_managed_cohort(session, user=user, cohort_id=cohort_id)
    return {
        "cohort": cohort,
        "lines": enrolment.roster(session, user=user, cohort_id=id_of(cohort)),
        "wijken": enrolment.wijken_of(session, organisation_id=cohort.organisation_id),
        "targets": enrolment_targets(session, user, cohort),
        "max_mb": MAX_BYTES // 1_000_000,
    }


def enrolment_targets(session, user, cohort):
    return [
        c
        for c in list_cohorts(session, user=user)
        if c.id != cohort.id and c.archived_at is None and c.organisation_id == cohort.organisation_id
    ]


@router.get("/groepen/{cohort_id}/deelnemers", include_in_schema=False)
def trainees_page(request: Request, session: SessionDep, user: CurrentUser, cohort_id: PathId):
    ctx = _trainees_context(session, user, cohort_id)
    ctx["flash"] = request.session.pop("flash", None)
    return render(request, "cohort_trainees.html", ctx)


@router.post("/groepen/{cohort_id}/deelnemers", include_in_schema=False)
def invite_trainee(
    request: Request, session: SessionDep, user: CurrentUser, form: Form, background: BackgroundTasks, cohort_id: PathId
):
    try:
        with session.begin_nested():
            enrolled = enrolment.invite_trainee(
                session,
                user=user,
                cohort_id=cohort_id,
                name=_text(form, "name", 300),
                email=_text(form, "email", 400),
                wijk_id=_int(form, "wijk_id"),
                base_url=base_url(request),
            )
            audit_trail.record(
                session,
                action="enrolment.created",
                object_type="enrolment",
                object_id=enrolled.id,
                details={"cohort_id": cohort_id, "user_id": enrolled.user_id},
            )
    except (InvalidInput, Conflict) as exc:
        ctx = _trainees_context(session, user, cohort_id)
        ctx |= {"error": exc.message, "field": exc.field, "values": _form_values(form)}
        return render(request, "cohort_trainees.html", ctx, status_code=422)
    deliver_after_commit(request, background)
    flash(request, f"{_text(form, 'name', 300).strip()} is ingeschreven; de uitnodiging is verstuurd.")
    return see_other(f"/groepen/{cohort_id}/deelnemers")


@router.post("/groepen/{cohort_id}/import", include_in_schema=False)
async def upload_enrolment_csv(
    request: Request, session: SessionDep, user: CurrentUser, cohort_id: PathId, bestand: UploadFile
):
    data = await bestand.read(MAX_BYTES + 1)
    record = enrolment.preview_import(
        session, user=user, cohort_id=cohort_id, data=data, filename=bestand.filename or ""
    )
    return see_other(f"/groepen/{cohort_id}/import/{record.token}")


@router.get("/groepen/{cohort_id}/import/{import_token}", include_in_schema=False)
def import_preview_page(request: Request, session: SessionDep, user: CurrentUser, cohort_id: PathId, import_token: str):
    preview = enrolment.get_import(session, user=user, cohort_id=cohort_id, token=import_token)
    cohort = cohort_admin.get_managed_cohort(session, user=user, cohort_id=cohort_id)
    return render(request, "import_preview.html", {"cohort": cohort, "preview": preview})


@router.post("/groepen/{cohort_id}/import/{import_token}", include_in_schema=False)
def confirm_import(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    background: BackgroundTasks,
    cohort_id: PathId,
    import_token: str,
):
    n = enrolment.confirm_import(
        session, user=user, cohort_id=cohort_id, token=import_token, base_url=base_url(request)
    )
    audit_trail.record(
        session, action="enrolment.imported", object_type="cohort", object_id=cohort_id, details={"rows": n}
    )
    deliver_after_commit(request, background)
    flash(request, f"{n} deelnemers zijn ingeschreven en uitgenodigd.")
    return see_other(f"/groepen/{cohort_id}/deelnemers")


@router.post("/groepen/{cohort_id}/deelnemers/{enrolment_id}/opnieuw-uitnodigen", include_in_schema=False)
def reinvite_trainee(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    background: BackgroundTasks,
    cohort_id: PathId,
    enrolment_id: PathId,
):
    enrolment.reinvite(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id, base_url=base_url(request))
    audit_trail.record(
        session,
        action="invitation.sent",
        object_type="enrolment",
        object_id=enrolment_id,
        details={"cohort_id": cohort_id},
    )
    deliver_after_commit(request, background)
    flash(request, "Er is een nieuwe uitnodiging verstuurd; eerdere links werken niet meer.")
    return see_other(f"/groepen/{cohort_id}/deelnemers")


@router.post("/groepen/{cohort_id}/deelnemers/{enrolment_id}/deactiveren", include_in_schema=False)
def deactivate_trainee(
    request: Request, session: SessionDep, user: CurrentUser, cohort_id: PathId, enrolment_id: PathId
):
    enrolment.deactivate(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id)
    audit_trail.record(
        session,
        action="enrolment.deactivated",
        object_type="enrolment",
        object_id=enrolment_id,
        details={"cohort_id": cohort_id},
    )
    flash(request, "De deelnemer is gedeactiveerd en kan niet meer inloggen. De gegevens blijven bewaard.")
    return see_other(f"/groepen/{cohort_id}/deelnemers")


@router.post("/groepen/{cohort_id}/deelnemers/{enrolment_id}/activeren", include_in_schema=False)
def reactivate_trainee(
    request: Request, session: SessionDep, user: CurrentUser, cohort_id: PathId, enrolment_id: PathId
):
    enrolment.reactivate(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id)
    audit_trail.record(
        session,
        action="enrolment.reactivated",
        object_type="enrolment",
        object_id=enrolment_id,
        details={"cohort_id": cohort_id},
    )
    flash(request, "De deelnemer is weer actief.")
    return see_other(f"/groepen/{cohort_id}/deelnemers")


@router.post("/groepen/{cohort_id}/deelnemers/{enrolment_id}/verplaatsen", include_in_schema=False)
def move_trainee(
    request: Request, session: SessionDep, user: CurrentUser, form: Form, cohort_id: PathId, enrolment_id: PathId
):
    target = _int(form, "target_cohort_id")
    if target is None:
        raise InvalidInput("Kies de groep waar de deelnemer naartoe gaat.", field="target_cohort_id")
    enrolment.move(session, user=user, cohort_id=cohort_id, enrolment_id=enrolment_id, target_cohort_id=target)
    audit_trail.record(
        session,
        action="enrolment.moved",
        object_type="enrolment",
        object_id=enrolment_id,
        details={"from_cohort_id": cohort_id, "to_cohort_id": target},
    )
    flash(request, "De deelnemer is verplaatst; voortgang en vragenlijsten gaan mee.")
    return see_other(f"/groepen/{cohort_id}/deelnemers")


# --- reminders -------------------------------------------------------------------------------------------------------


def _reminders_context(session, user, cohort_id: int, values: dict | None = None) -> dict:
    cohort = cohort_admin.get_managed_cohort(session, user=user, cohort_id=cohort_id)
    today = date.today()
    return {
        "cohort": cohort,
        "trainees": windows_admin.active_enrolments(session, cohort_id=id_of(cohort)),
        "status": windows_admin.measurement_status(session, user=user, cohort_id=id_of(cohort), today=today),
        "values": values
        or {
            "subject": reminders.DEFAULT_SUBJECT,
            "body": reminders.DEFAULT_BODY,
            "moment": "T0",
            "recipients": "owing",
        },
    }


@router.get("/groepen/{cohort_id}/herinneringen", include_in_schema=False)
def reminders_page(request: Request, session: SessionDep, user: CurrentUser, cohort_id: PathId):
    ctx = _reminders_context(session, user, cohort_id)
    ctx["flash"] = request.session.pop("flash", None)
    return render(request, "reminders.html", ctx)


@router.post("/groepen/{cohort_id}/herinneringen", include_in_schema=False)
def send_reminders(
    request: Request, session: SessionDep, user: CurrentUser, form: Form, background: BackgroundTasks, cohort_id: PathId
):
    moment = _text(form, "moment", 10) or None
    selected = _text(form, "recipients", 20) == "selected"
    try:
        with session.begin_nested():
            result = reminders.send_manual_reminders(
                session,
                user=user,
                cohort_id=cohort_id,
                moment=moment,
                enrolment_ids=_ints(form, "enrolment_ids") if selected else None,
                subject=_text(form, "subject", 300),
                body=_text(form, "body", 6000),
                today=date.today(),
                base_url=base_url(request),
            )
    except InvalidInput as exc:
        values = _form_values(form) | {"enrolment_ids": _ints(form, "enrolment_ids")}
        ctx = _reminders_context(session, user, cohort_id, values) | {"error": exc.message, "field": exc.field}
        return render(request, "reminders.html", ctx, status_code=422)
    deliver_after_commit(request, background)
    message = f"{plural(result.queued, 'herinnering', 'herinneringen')} verstuurd."
    if result.invited:
        message += (
            f" {plural(result.invited, 'deelnemer had', 'deelnemers hadden')} het account nog niet geactiveerd en "
            f"{plural(result.invited, 'kreeg', 'kregen', with_number=False)} daarom een nieuwe uitnodiging met de "
            "herinnering erin."
        )
    if result.skipped:
        message += (
            f" {plural(result.skipped, 'deelnemer kreeg', 'deelnemers kregen')} deze herinnering vandaag al en "
            f"{plural(result.skipped, 'is', 'zijn', with_number=False)} overgeslagen."
        )
    flash(request, message)
    return see_other(f"/groepen/{cohort_id}/herinneringen")


# --- outbox ----------------------------------------------------------------------------------------------------------


@router.get("/berichten", include_in_schema=False)
def outbox_page(request: Request, session: SessionDep, user: CurrentUser):
    smtp = bool(request.app.state.settings.smtp_host)
    # Never a live token, also without a mail server: an invitation link is the trainee's password-to-be, and
    # staff who could read it could take the account over (docs/security.md: how a developer gets a link).
    return render(
        request,
        "outbox.html",
        {
            "mails": outbox.list_outbox(session, user=user),
            "labels": outbox.STATUS_LABELS,
            "show": outbox.redact_tokens,
            "smtp": smtp,
            "flash": request.session.pop("flash", None),
        },
    )


@router.post("/berichten/verzenden", include_in_schema=False)
def retry_outbox(request: Request, user: CurrentUser, background: BackgroundTasks):
    deliver_after_commit(request, background)
    flash(
        request, "Berichten die nog niet verzonden waren worden opnieuw verstuurd. Vernieuw de pagina over een moment."
    )
    return see_other("/berichten")
