"""The demo trainee reads a module, writes a note, passes the check and sees the progress bars move."""

from __future__ import annotations

from tests.e2e.conftest import check_accessibility, sign_in


def progress_value(page, element_id: str) -> int:
    return int(page.locator(f"#{element_id}").get_attribute("value"))


def test_trainee_completes_a_module_in_the_browser(page, live_server, app_modules):
    module = app_modules[0]
    sign_in(page, live_server.url, "trainee@demo.local")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn leerpad").click()
    check_accessibility(page)
    assert progress_value(page, "totaal") == 0
    assert progress_value(page, f"m-{module.id}") == 0

    page.get_by_role("link", name=module.title).click()
    check_accessibility(page)
    for section in module.sections:
        assert page.get_by_role("heading", level=2, name=section.title).is_visible()
        for prompt in module.prompts_after(section.id):
            note = page.locator(f"#note-{prompt.id}")
            note.fill("Ik merk dat ik snel zelf de regie neem.")
            note.blur()
            page.locator(f"#status-{prompt.id}").get_by_text("Opgeslagen om").wait_for()
            check_accessibility(page)
        page.get_by_role("button", name="Gelezen").click()
        page.wait_for_load_state("networkidle")
    # The last "Gelezen" leads to the knowledge check.
    assert page.get_by_role("heading", level=1).inner_text().startswith("Kennischeck")
    check_accessibility(page)
    for question in module.knowledge_check.questions:
        for option_id in sorted(question.correct_option_ids):  # the options are shuffled: find them by their text
            page.get_by_label(question.option(option_id).text, exact=True).check()
    page.get_by_role("button", name="Antwoorden controleren").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Uitslag: 100% goed"
    assert f"Module {module.order} is afgerond." in page.get_by_role("status").inner_text()
    check_accessibility(page)

    page.get_by_role("link", name="Naar mijn leerpad").click()
    assert progress_value(page, f"m-{module.id}") == 100
    assert progress_value(page, "totaal") > 0
    # The note survives a reload, and the next module is now the highlighted next step.
    page.goto(f"{live_server.url}/modules/{module.id}/onderdeel/{module.reflection_prompts[0].section}")
    assert (
        "Ik merk dat ik snel zelf de regie neem."
        in page.locator(f"#note-{module.reflection_prompts[0].id}").input_value()
    )


def test_section_links_work_by_keyboard_with_htmx(page, live_server, app_modules):
    module = app_modules[1]
    sign_in(page, live_server.url, "trainee@demo.local")
    page.goto(f"{live_server.url}/modules/{module.id}")
    link = page.get_by_role("navigation", name="Onderdelen van deze module").get_by_role(
        "link", name=module.sections[2].title
    )
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/onderdeel/{module.sections[2].id}")
    assert page.get_by_role("heading", level=2, name=module.sections[2].title).is_visible()
    check_accessibility(page)


def test_note_autosave_recovers_after_a_failed_save_without_losing_the_text(page, live_server, app_modules):
    module = app_modules[0]
    prompt = module.reflection_prompts[0]
    sign_in(page, live_server.url, "trainee@demo.local")
    page.goto(f"{live_server.url}/modules/{module.id}/onderdeel/{prompt.section}")
    note, status = page.locator(f"#note-{prompt.id}"), page.locator(f"#status-{prompt.id}")
    good_headers = page.locator("body").get_attribute("hx-headers")
    # A stale token (e.g. signed out and in again in another tab): the save is refused with a 403.
    page.locator("body").evaluate("b => b.setAttribute('hx-headers', '{\"X-CSRF-Token\": \"verlopen\"}')")
    note.fill("Eerste gedachte die niet werd opgeslagen.")
    note.blur()
    status.get_by_text("Niet opgeslagen.").wait_for()
    assert note.input_value() == "Eerste gedachte die niet werd opgeslagen."
    check_accessibility(page)
    # Too long for the server (the browser's maxlength bypassed): a 422, shown in the same status element.
    page.locator("body").evaluate("(b, h) => b.setAttribute('hx-headers', h)", good_headers)
    note.evaluate("t => t.removeAttribute('maxlength')")
    note.fill("x" * 5001)
    note.blur()
    status.get_by_text("hoogstens 5000 tekens").wait_for()
    assert len(note.input_value()) == 5001
    # The next save still finds its status element.
    note.fill("Eerste gedachte, nu wel opgeslagen.")
    note.blur()
    status.get_by_text("Opgeslagen om").wait_for()
    page.reload()
    assert note.input_value() == "Eerste gedachte, nu wel opgeslagen."
