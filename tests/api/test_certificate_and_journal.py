"""The certificate page, the trainer's overview and the reflection journal over HTTP, with who may see what."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from training.cohort_modules import set_cohort_modules
from training.models import Cohort, Enrolment, ModuleProgress, User

SECRET = "Mijn eigen gedachte ✓ over eigen regie"


def _trainee_and_enrolment(db):
    user = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    return user, db.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()


def _finish_programme(db, app, *, user, enrolment, n=2):
    modules = app.state.modules[:n]
    set_cohort_modules(db, cohort_id=enrolment.cohort_id, chosen={m.id: None for m in modules})
    for m in modules:
        db.add(
            ModuleProgress(
                user_id=user.id,
                module_id=m.id,
                content_hash=m.content_hash,
                completed_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
            )
        )
    db.commit()


def test_certificate_only_when_earned_and_only_for_its_owner(login_as, app, demo):
    user, enrolment = _trainee_and_enrolment(demo)
    set_cohort_modules(demo, cohort_id=enrolment.cohort_id, chosen={app.state.modules[0].id: None})
    demo.commit()
    c = login_as("trainee")
    not_yet = c.get(f"/certificaat/{enrolment.id}")
    assert not_yet.status_code == 404 and "nog niet behaald" in not_yet.text
    assert "/certificaat/" not in c.get("/").text

    _finish_programme(demo, app, user=user, enrolment=enrolment)
    page = c.get(f"/certificaat/{enrolment.id}")
    assert page.status_code == 200
    cohort = demo.get(Cohort, enrolment.cohort_id)
    minutes = sum(m.estimated_minutes for m in app.state.modules[:2])
    for text in ("Dewi Deelnemer", "Regie-ondersteuner in de resourcegroepenmethodiek", "Tessa Trainer", cohort.name):
        assert text in page.text
    assert cohort.start_date.strftime("%d-%m-%Y") in page.text and "20-11-2026" in page.text
    assert f"{minutes // 60} uur" in page.text
    assert f'href="/certificaat/{enrolment.id}"' in c.get("/").text  # linked from the home page once earned

    other = demo.exec(
        select(User).where(User.role == "trainee", User.id != user.id, User.email.like("%@demo.local"))
    ).first()

    for who in ("trainer", "manager", "admin"):
        assert login_as(who).get(f"/certificaat/{enrolment.id}").status_code == 403
    assert login_as(other.email).get(f"/certificaat/{enrolment.id}").status_code == 404
    assert c.get("/certificaat/999999").status_code == 404


def test_trainer_overview_lists_who_earned_it_and_what_others_miss(login_as, app, demo):
    user, enrolment = _trainee_and_enrolment(demo)
    _finish_programme(demo, app, user=user, enrolment=enrolment)
    page = login_as("trainer").get("/certificaten")
    assert page.status_code == 200
    row = page.text.split("Dewi Deelnemer", 1)[1].split("</tr>", 1)[0]
    assert "Behaald op 20-11-2026" in row
    m2 = app.state.modules[1]
    assert f"Module {m2.order}: {m2.title}" in page.text  # what someone else still has to do
    cohort = demo.get(Cohort, enrolment.cohort_id)
    assert "1 van " in page.text and cohort.name in page.text
    assert login_as("manager").get("/certificaten").status_code == 403
    assert login_as("trainee").get("/certificaten").status_code == 403


def test_cohort_setting_t1_holds_the_certificate_back(login_as, app, demo):
    user, enrolment = _trainee_and_enrolment(demo)
    _finish_programme(demo, app, user=user, enrolment=enrolment)
    cohort = demo.get(Cohort, enrolment.cohort_id)
    cohort.certificate_requires_t1 = True
    demo.add(cohort)
    demo.commit()
    r = login_as("trainee").get(f"/certificaat/{enrolment.id}")
    assert r.status_code == 404 and "nameting (T1)" in r.text
    assert "De nameting (T1) invullen en indienen" in login_as("trainer").get("/certificaten").text


def test_journal_page_and_markdown_download_show_only_own_notes(login_as, app, demo):
    module = app.state.modules[0]
    prompt = module.reflection_prompts[0]
    c = login_as("trainee")
    r = c.post(f"/modules/{module.id}/notities/{prompt.id}", data={"text": SECRET}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    page = c.get("/mijn-reflecties")
    assert page.status_code == 200
    assert SECRET in page.text and prompt.text in page.text and f"Module {module.order}: {module.title}" in page.text
    section = module.section(prompt.section)
    assert section.title in page.text

    download = c.get("/mijn-reflecties/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/markdown; charset=utf-8"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="mijn-reflecties-') and disposition.endswith('.md"')
    text = download.content.decode("utf-8")
    assert text.startswith("# Mijn reflecties: Dewi Deelnemer")
    assert f"## Module {module.order}: {module.title}" in text and f"### {section.title}" in text
    assert f"> {prompt.text}" in text and SECRET in text

    printed = c.get(f"/modules/{module.id}/afdrukken")
    assert SECRET in printed.text  # the trainee's own print version carries the note too

    other = demo.exec(
        select(User).where(User.role == "trainee", User.email != "trainee@demo.local").order_by(User.id)
    ).first()
    other_client = login_as(other.email)
    assert SECRET not in other_client.get("/mijn-reflecties").text
    assert SECRET not in other_client.get("/mijn-reflecties/download").text
    for who in ("trainer", "manager", "admin"):
        staff = login_as(who)
        assert staff.get("/mijn-reflecties").status_code == 403
        assert staff.get("/mijn-reflecties/download").status_code == 403


def test_the_cohort_form_sets_and_shows_the_t1_requirement(login_as, demo):
    from tests.api.test_trainer_workspace import cohort_form, make_cohort

    trainer = login_as("trainer")
    cohort = make_cohort(trainer, demo)
    assert not cohort.certificate_requires_t1  # the default: all modules done is enough
    form = cohort_form(certificate_requires_t1="on")
    assert trainer.post(f"/groepen/{cohort.id}/bewerken", data=form, follow_redirects=False).status_code == 303
    demo.expire_all()
    assert demo.get(Cohort, cohort.id).certificate_requires_t1
    edit = trainer.get(f"/groepen/{cohort.id}/bewerken").text
    assert 'name="certificate_requires_t1" aria-describedby="certificate-hint" checked' in edit
