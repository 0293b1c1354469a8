"""Completion rules, progress surviving content edits, private notes, forged forms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from api.app import create_app
from tests.conftest import login
from tests.quiz_forms import form_for, positions, submit, wrong
from training import knowledge_checks, progress
from training.content import load_modules
from training.errors import InvalidInput, NotFound, PermissionDenied
from training.models import QuizAttempt, ReflectionNote, SectionRead, User

REPO_CONTENT = Path(__file__).resolve().parents[2] / "content"


def trainee(db) -> User:
    return db.exec(select(User).where(User.email == "trainee@demo.local")).one()


@pytest.fixture
def modules():
    return load_modules(REPO_CONTENT / "modules")


def test_module_completes_only_when_all_sections_read_and_check_passed(demo, modules):
    user, module = trainee(demo), modules[0]
    submit(demo, user=user, modules=modules, module=module)
    standing = progress.open_module(demo, user=user, modules=modules, module_id=module.id)
    assert standing.status is progress.Status.in_progress and standing.passed
    for section in module.sections[:-1]:
        standing = progress.mark_section_read(
            demo, user=user, modules=modules, module_id=module.id, section_id=section.id
        )
    assert standing.status is progress.Status.in_progress
    assert 0 < standing.percent < 100
    standing = progress.mark_section_read(
        demo, user=user, modules=modules, module_id=module.id, section_id=module.sections[-1].id
    )
    assert standing.status is progress.Status.completed and standing.percent == 100


def test_failed_attempt_does_not_complete_and_best_score_is_kept(demo, modules):
    user, module = trainee(demo), modules[1]
    for section in module.sections:
        progress.mark_section_read(demo, user=user, modules=modules, module_id=module.id, section_id=section.id)
    failed = submit(demo, user=user, modules=modules, module=module, pick=wrong)
    assert not failed.passed and failed.score == 0
    assert (
        progress.open_module(demo, user=user, modules=modules, module_id=module.id).status
        is progress.Status.in_progress
    )
    submit(demo, user=user, modules=modules, module=module)
    submit(demo, user=user, modules=modules, module=module, pick=wrong)
    standing = progress.open_module(demo, user=user, modules=modules, module_id=module.id)
    assert standing.status is progress.Status.completed
    assert standing.best_score == 100 and standing.attempts == 3
    assert len(demo.exec(select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()) == 3


def test_reading_a_section_twice_counts_once(demo, modules):
    user, module = trainee(demo), modules[0]
    for _ in range(2):
        progress.mark_section_read(
            demo, user=user, modules=modules, module_id=module.id, section_id=module.sections[0].id
        )
    assert len(demo.exec(select(SectionRead).where(SectionRead.user_id == user.id)).all()) == 1


def test_progress_survives_a_content_edit(demo, tmp_path, modules):
    user, module = trainee(demo), modules[0]
    for section in module.sections:
        progress.mark_section_read(demo, user=user, modules=modules, module_id=module.id, section_id=section.id)
    submit(demo, user=user, modules=modules, module=module)
    # Edit the module: drop its last section and a question, reword the title.
    content = tmp_path / "modules"
    shutil.copytree(REPO_CONTENT / "modules", content)
    path = content / Path(module.source_path).name
    text = path.read_text(encoding="utf-8")
    last = module.sections[-1]
    cut = text.index(f"## {last.title}")
    text = text[:cut].rstrip() + "\n"
    text = text.replace(f'title: "{module.title}"', 'title: "Herschreven titel"', 1)
    for prompt in module.reflection_prompts:
        if prompt.section == last.id:
            text = text.replace(f"section: {last.id}\n", "")
    path.write_text(text, encoding="utf-8")
    edited = load_modules(content)
    changed = next(m for m in edited if m.id == module.id)
    assert changed.content_hash != module.content_hash and last.id not in changed.section_ids
    standing = progress.open_module(demo, user=user, modules=edited, module_id=module.id)
    assert standing.status is progress.Status.completed
    assert standing.n_read == len(changed.sections)
    # A new trainee still completes the edited module normally.
    path_now = progress.learning_path(demo, user=user, modules=edited)
    assert path_now.standings[0].percent == 100


def test_forged_answers_are_refused_and_write_nothing(demo, modules):
    user, module = trainee(demo), modules[0]
    forged = positions(demo, user=user, modules=modules, module=module)
    forged[module.knowledge_check.questions[0].id] = ["bestaat-niet"]
    with pytest.raises(InvalidInput):
        knowledge_checks.submit_attempt(demo, user=user, modules=modules, module_id=module.id, positions=forged)
    forged[module.knowledge_check.questions[0].id] = [str(len(module.knowledge_check.questions[0].options) + 1)]
    with pytest.raises(InvalidInput):
        knowledge_checks.submit_attempt(demo, user=user, modules=modules, module_id=module.id, positions=forged)
    assert demo.exec(select(QuizAttempt)).all() == []
    with pytest.raises(NotFound):
        progress.mark_section_read(demo, user=user, modules=modules, module_id=module.id, section_id="bestaat-niet")
    with pytest.raises(NotFound):
        progress.open_module(demo, user=user, modules=modules, module_id="bestaat-niet")


def test_only_trainees_work_through_modules(demo, modules):
    trainer = demo.exec(select(User).where(User.email == "trainer@demo.local")).one()
    with pytest.raises(PermissionDenied):
        progress.learning_path(demo, user=trainer, modules=modules)


def test_gate_locks_modules_with_its_reason(demo, modules):
    user = trainee(demo)

    def gate(session, u):
        return "Vul eerst de voormeting in."

    path = progress.learning_path(demo, user=user, modules=modules, gate=gate)
    assert path.locked_reason == "Vul eerst de voormeting in."
    with pytest.raises(PermissionDenied, match="voormeting"):
        progress.open_module(demo, user=user, modules=modules, module_id=modules[0].id, gate=gate)


def test_notes_are_private_and_length_checked(demo, modules):
    user, module = trainee(demo), modules[0]
    prompt = module.reflection_prompts[0]
    progress.save_note(demo, user=user, modules=modules, module_id=module.id, prompt_id=prompt.id, text="eerste")
    progress.save_note(demo, user=user, modules=modules, module_id=module.id, prompt_id=prompt.id, text="tweede")
    notes = demo.exec(select(ReflectionNote)).all()
    assert [n.text for n in notes] == ["tweede"]
    with pytest.raises(InvalidInput):
        progress.save_note(
            demo,
            user=user,
            modules=modules,
            module_id=module.id,
            prompt_id=prompt.id,
            text="x" * (progress.NOTE_MAX_LENGTH + 1),
        )
    with pytest.raises(NotFound):
        progress.save_note(demo, user=user, modules=modules, module_id=module.id, prompt_id="geen", text="x")


def test_invalid_content_stops_the_app_with_the_full_report(settings, engine, tmp_path):
    from training.errors import ContentInvalid

    content = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, content)
    broken = sorted((content / "modules").glob("*.md"))[0]
    broken.write_text(broken.read_text(encoding="utf-8").replace("pass_mark: 80", "pass_mark: 180"), encoding="utf-8")
    with pytest.raises(ContentInvalid) as exc:
        create_app(settings.model_copy(update={"content_dir": content}), engine=engine)
    assert "pass_mark" in exc.value.report() and broken.name in exc.value.report()


def test_progress_in_a_module_survives_an_edit_that_adds_a_section_and_drops_a_question(
    demo, tmp_path, modules, settings, engine
):
    from fastapi.testclient import TestClient

    user, module = trainee(demo), modules[0]
    for section in module.sections[:2]:
        progress.mark_section_read(demo, user=user, modules=modules, module_id=module.id, section_id=section.id)
    submit(demo, user=user, modules=modules, module=module, pick=wrong)
    demo.commit()
    content = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, content)
    path = content / "modules" / Path(module.source_path).name
    lines = path.read_text(encoding="utf-8").split("\n")
    dropped = module.knowledge_check.questions[-1]
    start = lines.index(f"    - id: {dropped.id}")
    end = lines.index("---", 1)  # the last question runs up to the end of the front matter
    lines = lines[:start] + lines[end:] + ["", "## Nieuw onderdeel {#nieuw-onderdeel}", "", "Nieuwe tekst."]
    path.write_text("\n".join(lines), encoding="utf-8")
    edited = load_modules(content / "modules")
    changed = next(m for m in edited if m.id == module.id)
    assert dropped.id not in {q.id for q in changed.knowledge_check.questions}
    assert changed.section_ids[-1] == "nieuw-onderdeel"

    standing = progress.open_module(demo, user=user, modules=edited, module_id=module.id)
    assert standing.status is progress.Status.in_progress
    assert (standing.n_read, standing.attempts, standing.best_score) == (2, 1, 0)
    assert standing.next_section_id == module.sections[2].id

    # Every page of the edited module still opens for the trainee, also the address of the removed question's check.
    app = create_app(settings.model_copy(update={"content_dir": content}), engine=engine)
    with TestClient(app) as client:
        login(client, user.email)
        for url in [
            "/leerpad",
            f"/modules/{module.id}",
            f"/modules/{module.id}/onderdeel/nieuw-onderdeel",
            f"/modules/{module.id}/toets",
            f"/modules/{module.id}/afdrukken",
        ]:
            assert client.get(url).status_code == 200, url
        assert "Status: <strong>bezig</strong>" in client.get("/leerpad").text
        answers = form_for(client.get(f"/modules/{module.id}/toets").text, changed)
        stale = answers | {f"q-{dropped.id}": ["1"]}
        assert client.post(f"/modules/{module.id}/toets", data=stale).status_code == 422  # a form from before the edit
        assert client.post(f"/modules/{module.id}/toets", data=answers).status_code == 200
    demo.expire_all()
    assert progress.open_module(demo, user=user, modules=edited, module_id=module.id).best_score == 100
