"""The trainee's learning path: modules section by section, private reflection notes, knowledge checks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from api.auth import CurrentUser, SessionDep
from api.content import get_module_gate, get_modules
from api.templating import is_htmx, render
from privacy import freetext
from training import journal, knowledge_checks, progress
from training.content import Module
from training.errors import InvalidInput

router = APIRouter()
Modules = Annotated[list[Module], Depends(get_modules)]
Gate = Annotated[progress.ModuleGate | None, Depends(get_module_gate)]


async def form_data(request: Request) -> FormData:
    return await request.form()


@router.get("/leerpad", include_in_schema=False)
def learning_path_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules, gate: Gate):
    path = progress.learning_path(session, user=user, modules=modules, gate=gate)
    return render(request, "learning_path.html", {"path": path})


def _section_context(session, user, modules, module_id, section_id, gate):
    standing = progress.open_module(session, user=user, modules=modules, module_id=module_id, gate=gate)
    module = standing.module
    section = module.section(section_id) if section_id else None
    if section is None:
        section = module.section(standing.next_section_id or module.section_ids[0])
    assert section is not None  # the module's own section ids always resolve
    ids = module.section_ids
    index = ids.index(section.id)
    notes = progress.notes_for(session, user=user, module=module)
    return {
        "standing": standing,
        "module": module,
        "section": section,
        "index": index,
        "previous_id": ids[index - 1] if index > 0 else None,
        "next_id": ids[index + 1] if index + 1 < len(ids) else None,
        "prompts": module.prompts_after(section.id),
        "notes": notes,
    }


@router.get("/modules/{module_id}", include_in_schema=False)
def module_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules, gate: Gate, module_id: str):
    return render(request, "module.html", _section_context(session, user, modules, module_id, None, gate))


@router.get("/modules/{module_id}/onderdeel/{section_id}", include_in_schema=False)
def section_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    modules: Modules,
    gate: Gate,
    module_id: str,
    section_id: str,
):
    ctx = _section_context(session, user, modules, module_id, section_id, gate)
    if ctx["section"].id != section_id:  # removed or renamed section: show where the trainee can continue
        return RedirectResponse(f"/modules/{module_id}", status_code=303)
    return render(request, "module.html", ctx, fragment="_module_section.html")


@router.post("/modules/{module_id}/onderdeel/{section_id}/gelezen", include_in_schema=False)
def mark_section_read(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    modules: Modules,
    gate: Gate,
    module_id: str,
    section_id: str,
):
    standing = progress.mark_section_read(
        session, user=user, modules=modules, module_id=module_id, section_id=section_id, gate=gate
    )
    ids = standing.module.section_ids
    index = ids.index(section_id)
    target = (
        f"/modules/{module_id}/onderdeel/{ids[index + 1]}" if index + 1 < len(ids) else f"/modules/{module_id}/toets"
    )
    if is_htmx(request):
        return RedirectResponse(target, status_code=303, headers={"HX-Location": target})
    return RedirectResponse(target, status_code=303)


@router.post("/modules/{module_id}/notities/{prompt_id}", include_in_schema=False)
def save_note_fragment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    modules: Modules,
    gate: Gate,
    module_id: str,
    prompt_id: str,
    text: Annotated[str, Form(max_length=20000)] = "",
):
    note = progress.save_note(
        session, user=user, modules=modules, module_id=module_id, prompt_id=prompt_id, text=text, gate=gate
    )
    if not is_htmx(request):
        return RedirectResponse(f"/modules/{module_id}", status_code=303)
    return render(
        request,
        "_note_status.html",
        {"note": note, "prompt_id": prompt_id, "privacy_warnings": freetext.warnings(text)},
    )


@router.get("/modules/{module_id}/toets", include_in_schema=False)
def quiz_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules, gate: Gate, module_id: str):
    check = knowledge_checks.open_check(session, user=user, modules=modules, module_id=module_id, gate=gate)
    return render(
        request, "quiz.html", {"check": check, "standing": check.standing, "module": check.module, "chosen": {}}
    )


@router.post("/modules/{module_id}/toets", include_in_schema=False)
def submit_quiz(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    modules: Modules,
    gate: Gate,
    module_id: str,
    form: Annotated[FormData, Depends(form_data)],
):
    positions = {key[2:]: [v for v in form.getlist(key) if isinstance(v, str)] for key in form if key.startswith("q-")}
    try:
        knowledge_checks.submit_attempt(
            session, user=user, modules=modules, module_id=module_id, positions=positions, gate=gate
        )
    except InvalidInput as exc:  # e.g. a question left open: show the check again with the answers already given
        check = knowledge_checks.open_check(session, user=user, modules=modules, module_id=module_id, gate=gate)
        context = {"check": check, "standing": check.standing, "module": check.module, "chosen": positions}
        return render(request, "quiz.html", context | {"error": exc.message}, status_code=422)
    # Post/redirect/get: reloading the result page shows it again instead of submitting the answers twice.
    return RedirectResponse(f"/modules/{module_id}/toets/uitslag", status_code=303)


@router.get("/modules/{module_id}/toets/uitslag", include_in_schema=False)
def quiz_result_page(
    request: Request, session: SessionDep, user: CurrentUser, modules: Modules, gate: Gate, module_id: str
):
    review = knowledge_checks.latest_review(session, user=user, modules=modules, module_id=module_id, gate=gate)
    if review is None:
        return RedirectResponse(f"/modules/{module_id}/toets", status_code=303)
    return render(request, "quiz_result.html", {"review": review, "module": review.standing.module})


@router.get("/modules/{module_id}/afdrukken", include_in_schema=False)
def module_print_page(
    request: Request, session: SessionDep, user: CurrentUser, modules: Modules, gate: Gate, module_id: str
):
    standing = progress.open_module(session, user=user, modules=modules, module_id=module_id, gate=gate)
    notes = progress.notes_for(session, user=user, module=standing.module)  # the trainee's own, never anyone else's
    return render(request, "module_print.html", {"module": standing.module, "notes": notes})


@router.get("/mijn-reflecties", include_in_schema=False)
def journal_page(request: Request, session: SessionDep, user: CurrentUser, modules: Modules):
    entries = journal.journal(session, user=user, modules=modules)  # the trainee's own notes, never anyone else's
    return render(request, "journal.html", {"journal": entries})


@router.get("/mijn-reflecties/download", include_in_schema=False)
def journal_download(session: SessionDep, user: CurrentUser, modules: Modules):
    today = date.today()
    text = journal.to_markdown(journal.journal(session, user=user, modules=modules), name=user.name, today=today)
    return Response(
        text.encode("utf-8"),
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{journal.filename(today)}"',
            "Cache-Control": "no-store",  # private notes: no copy in a shared cache or the browser's
        },
    )
