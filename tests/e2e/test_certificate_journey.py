"""In Chromium: a trainee who finished the programme opens the certificate from the home page and reads it, and
reads their own reflections on one page; the trainer reads the overview. Every page axe-clean."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from tests.e2e.conftest import check_accessibility, sign_in
from training.cohort_modules import set_cohort_modules
from training.models import Cohort, Enrolment, ModuleProgress, ReflectionNote, User

NOTE = "Ik vraag vaker door naar wie er nu al helpt."


def test_certificate_and_journal_pages(page, live_server, demo, app_modules, browser):
    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = demo.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    chosen = app_modules[:2]
    set_cohort_modules(demo, cohort_id=enrolment.cohort_id, chosen={m.id: None for m in chosen})
    for m in chosen:
        demo.add(
            ModuleProgress(
                user_id=user.id,
                module_id=m.id,
                content_hash=m.content_hash,
                completed_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
            )
        )
    prompt = chosen[0].reflection_prompts[0]
    demo.add(ReflectionNote(user_id=user.id, module_id=chosen[0].id, prompt_id=prompt.id, text=NOTE))
    demo.commit()
    cohort = demo.get(Cohort, enrolment.cohort_id)

    sign_in(page, live_server.url, "trainee@demo.local")
    page.get_by_role("link", name="Certificaat bekijken en afdrukken").click()
    page.wait_for_load_state("networkidle")
    check_accessibility(page)
    text = page.locator("article.certificate").inner_text()
    assert "Dewi Deelnemer" in text
    assert "Regie-ondersteuner in de resourcegroepenmethodiek" in text
    assert "20-11-2026" in text  # the completion date
    assert cohort.start_date.strftime("%d-%m-%Y") in text and "Tessa Trainer" in text
    for m in chosen:
        assert m.title in text
    page.emulate_media(media="print")  # printed: no navigation and no buttons
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Certificaat afdrukken").is_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Mijn reflecties").first.click()
    page.wait_for_load_state("networkidle")
    check_accessibility(page)
    journal = page.locator("main").inner_text()
    assert NOTE in journal and prompt.text in journal and chosen[0].title in journal
    with page.expect_download() as info:
        page.get_by_role("link", name="Download als Markdown-bestand").click()
    assert info.value.suggested_filename.startswith("mijn-reflecties-")

    context = browser.new_context(bypass_csp=True, locale="nl-NL")  # as the conftest's: axe is injected
    trainer = context.new_page()
    sign_in(trainer, live_server.url, "trainer@demo.local")
    trainer.goto(live_server.url + "/certificaten")
    check_accessibility(trainer)
    assert "Behaald op 20-11-2026" in trainer.locator("main").inner_text()
    context.close()
