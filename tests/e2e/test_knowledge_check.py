"""A trainee fails a knowledge check, reads why on the result page, tries again in a new order and passes."""

from __future__ import annotations

from tests.e2e.conftest import check_accessibility, sign_in


def shown_texts(page, question) -> list[str]:
    fieldset = page.locator("fieldset.question").filter(has_text=question.text)
    return [text.strip() for text in fieldset.locator("label").all_inner_texts()]


def answer_all(page, module, pick) -> None:
    for question in module.knowledge_check.questions:
        for option_id in pick(question):  # the options are shuffled: find them by their text
            page.get_by_label(question.option(option_id).text, exact=True).check()
    page.get_by_role("button", name="Antwoorden controleren").click()
    page.wait_for_load_state("networkidle")


def wrong(question):
    return [next(o.id for o in question.options if not o.correct)]


def right(question):
    return sorted(question.correct_option_ids)


def test_a_failed_check_explains_each_answer_in_words_and_a_retry_passes(page, live_server, app_modules):
    module = app_modules[0]
    questions = module.knowledge_check.questions
    sign_in(page, live_server.url, "trainee@demo.local")
    page.goto(f"{live_server.url}/modules/{module.id}/toets")
    check_accessibility(page)
    first_order = [shown_texts(page, q) for q in questions]
    page.reload()
    assert [shown_texts(page, q) for q in questions] == first_order  # a reload keeps the order

    answer_all(page, module, wrong)
    assert page.url.endswith(f"/modules/{module.id}/toets/uitslag")
    assert page.get_by_role("heading", level=1).inner_text() == "Uitslag: 0% goed"
    status = page.get_by_role("status").inner_text()
    assert status.startswith(f"Nog niet gehaald: 0 van {len(questions)} vragen goed")
    body = page.locator("main").inner_text()
    assert "('" not in body and "')" not in body  # no Python tuples, as in issue 14
    for number, question in enumerate(questions, start=1):
        item = page.locator("li.result").nth(number - 1)
        text = item.inner_text()
        assert item.get_by_role("heading", level=3).inner_text() == f"Vraag {number}: niet goed"
        chosen = question.option(wrong(question)[0])
        assert f"Jouw antwoord\n{chosen.text}" in text
        assert chosen.feedback in text
        for option_id in question.correct_option_ids:
            assert question.option(option_id).text in text
        assert question.explanation in text
    check_accessibility(page)
    page.reload()  # a reload shows the same result and submits nothing
    assert page.get_by_role("heading", level=1).inner_text() == "Uitslag: 0% goed"

    # The first button after a fail is to try again; the options come in a new order.
    page.locator("p.actions .button").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Kennischeck")
    assert "Pogingen tot nu toe: 1, beste score 0%." in page.locator("main").inner_text()
    assert [shown_texts(page, q) for q in questions] != first_order
    answer_all(page, module, right)
    assert page.get_by_role("heading", level=1).inner_text() == "Uitslag: 100% goed"
    status = page.get_by_role("status").inner_text()
    assert f"Gehaald: {len(questions)} van {len(questions)} vragen goed" in status
    # Nothing read yet: the result names the sections still to read, with links.
    for section in module.sections:
        assert page.get_by_role("status").get_by_role("link", name=section.title).is_visible()
    check_accessibility(page)


def test_the_trainers_statistics_page_is_accessible(page, live_server):
    sign_in(page, live_server.url, "trainer@demo.local")
    page.get_by_role("link", name="Kennischecks").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Statistiek van de kennischecks"
    check_accessibility(page)
