"""The learning path over HTTP: pages, htmx fragments, forged forms, note privacy, trainer matrix and CSV."""

from __future__ import annotations

import re
from datetime import UTC

from markupsafe import escape as escape_text
from sqlmodel import select

from tests.quiz_forms import answer, form_for, shown_order, wrong
from training.models import Cohort, CohortTrainer, ReflectionNote, User

SECRET_NOTE = "Mijn geheime reflectie over de inwoner"


def first_module(app):
    return app.state.modules[0]


def test_learning_path_lists_every_module_with_progress_bars(login_as, app):
    page = login_as("trainee").get("/leerpad")
    assert page.status_code == 200
    for module in app.state.modules:
        assert module.title in page.text
    assert page.text.count("<progress") == len(app.state.modules) + 1
    assert "Jouw volgende stap" in page.text


def test_section_navigation_gives_htmx_a_fragment_and_others_a_page(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    url = f"/modules/{m.id}/onderdeel/{m.sections[1].id}"
    full = c.get(url)
    assert full.status_code == 200 and "<html" in full.text and m.sections[1].title in full.text
    frag = c.get(url, headers={"HX-Request": "true"})
    assert "<html" not in frag.text and 'id="module-content"' in frag.text
    assert frag.headers["vary"].startswith("HX-Request")


def test_removed_section_url_redirects_instead_of_breaking(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    r = c.get(f"/modules/{m.id}/onderdeel/verdwenen-onderdeel", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/modules/{m.id}"


def test_read_complete_and_pass_over_http(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    for i, section in enumerate(m.sections):
        r = c.post(f"/modules/{m.id}/onderdeel/{section.id}/gelezen", follow_redirects=False)
        expected = (
            f"/modules/{m.id}/onderdeel/{m.sections[i + 1].id}" if i + 1 < len(m.sections) else f"/modules/{m.id}/toets"
        )
        assert r.headers["location"] == expected
    r = answer(c, m)
    assert r.status_code == 200 and "Gehaald" in r.text and f"Module {m.order} is afgerond." in r.text
    assert "Status: <strong>afgerond</strong>" in c.get("/leerpad").text


def test_forged_quiz_form_is_a_422_and_writes_nothing(login_as, app, db):
    from training.models import QuizAttempt

    c, m = login_as("trainee"), first_module(app)
    data = form_for(c.get(f"/modules/{m.id}/toets").text, m)
    data["q-vraag-die-niet-bestaat"] = ["1"]
    r = c.post(f"/modules/{m.id}/toets", data=data)
    assert r.status_code == 422
    r = c.post(f"/modules/{m.id}/toets", data={})
    assert r.status_code == 422 and "nog niet beantwoord" in r.text
    assert db.exec(select(QuizAttempt)).all() == []
    assert c.post("/modules/bestaat-niet/toets", data=data).status_code == 404


def test_note_autosave_fragment_and_privacy(login_as, make_client, app, db):
    trainee, m = login_as("trainee"), first_module(app)
    prompt = m.reflection_prompts[0]
    r = trainee.post(
        f"/modules/{m.id}/notities/{prompt.id}", data={"text": SECRET_NOTE}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "Opgeslagen om" in r.text
    section = m.section(prompt.section)
    assert SECRET_NOTE in trainee.get(f"/modules/{m.id}/onderdeel/{section.id}").text
    # Nobody else can read it: not another trainee, nor trainer, manager or admin, on any page they can open.
    other = db.exec(select(User).where(User.role == "trainee", User.email != "trainee@demo.local")).first()
    from tests.conftest import login

    other.password_hash = db.exec(select(User).where(User.email == "trainee@demo.local")).one().password_hash
    db.add(other)
    db.commit()
    other_client = login(make_client(), other.email)
    assert SECRET_NOTE not in other_client.get(f"/modules/{m.id}/onderdeel/{section.id}").text
    for role in ("trainer", "manager", "admin"):
        c = login_as(role)
        for url in [
            "/",
            "/groepen",
            *[f"/groepen/{cid}" for cid in db.exec(select(Cohort.id)).all()],
            *[f"/groepen/{cid}/voortgang.csv" for cid in db.exec(select(Cohort.id)).all()],
            f"/modules/{m.id}/onderdeel/{section.id}",
            "/beheer/gebruikers",
        ]:
            assert SECRET_NOTE not in c.get(url).text, (role, url)
    assert len(db.exec(select(ReflectionNote)).all()) == 1


def test_trainer_matrix_filters_by_wijk_and_downloads_csv(login_as, app, db):
    c = login_as("trainer")
    cohort = db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners voorjaar")).one()
    page = c.get(f"/groepen/{cohort.id}")
    assert page.status_code == 200 and "Dewi Deelnemer" in page.text
    wijk_ids = re.findall(r'<option value="(\d+)"', page.text)
    assert wijk_ids
    filtered = c.get(f"/groepen/{cohort.id}?wijk={wijk_ids[-1]}", headers={"HX-Request": "true"})
    assert 'id="cohort-matrix"' in filtered.text and "<html" not in filtered.text
    assert filtered.text.count('<th scope="row">') < page.text.count('<th scope="row">')
    csv = c.get(f"/groepen/{cohort.id}/voortgang.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("naam;wijk;modules afgerond")
    assert any(line.startswith("Dewi Deelnemer;") for line in lines)


def test_trainer_sees_only_own_cohorts(login_as, db):
    other = db.exec(select(User).where(User.email == "trainer2@demo.local")).one()
    own = set(db.exec(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == other.id)).all())
    foreign = [cid for cid in db.exec(select(Cohort.id)).all() if cid not in own]
    assert foreign

    c = login_as("trainer2@demo.local")
    for cid in foreign:
        assert c.get(f"/groepen/{cid}").status_code == 404
        assert c.get(f"/groepen/{cid}/voortgang.csv").status_code == 404
    listed = c.get("/groepen").text
    assert all(f'/groepen/{cid}"' not in listed for cid in foreign)


def test_print_view_shows_the_whole_module_on_one_page(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    page = c.get(f"/modules/{m.id}/afdrukken")
    assert page.status_code == 200
    for objective in m.learning_objectives:
        assert objective in page.text
    for section in m.sections:
        assert f"<h2>{section.title}</h2>" in page.text
        assert section.html in page.text
    for prompt in m.reflection_prompts:
        assert prompt.text in page.text
    assert 'href="/static/app.css"' in page.text  # the stylesheet's print rules hide the navigation


def test_every_reflection_prompt_warns_not_to_write_traceable_details(login_as, app):
    c = login_as("trainee")
    for m in app.state.modules:
        for prompt in m.reflection_prompts:
            html = c.get(f"/modules/{m.id}/onderdeel/{prompt.section}").text
            form = html[html.index(f'id="note-{prompt.id}"') - 2000 : html.index(f'id="note-{prompt.id}"')]
            assert "Alleen jij kunt deze notitie lezen." in form
            assert "Schrijf geen namen of herleidbare gegevens van inwoners op." in form


def test_quiz_result_reads_as_text_with_each_answer_feedback_and_keeps_the_best_score(login_as, app):
    from markupsafe import escape

    c, m = login_as("trainee"), first_module(app)
    questions = m.knowledge_check.questions
    r = answer(c, m, wrong, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/modules/{m.id}/toets/uitslag"
    r = c.get(r.headers["location"])
    assert r.status_code == 200 and "Uitslag: 0% goed" in r.text and "Nog niet gehaald: 0 van" in r.text
    for q in questions:
        chosen = q.option(wrong(q)[0])
        assert str(escape(chosen.feedback)) in r.text, q.id
        assert str(escape(q.explanation)) in r.text, q.id
        for option_id in q.correct_option_ids:
            assert str(escape(q.option(option_id).text)) in r.text, q.id
    assert r.text.count(": niet goed</h3>") == len(questions)
    # The bug of issue 14: feedback printed as a Python tuple, e.g. ('b', 'Niet juist. …').
    assert "(&#39;" not in r.text and "('" not in r.text
    # After failing, the first button is to try again.
    actions = r.text[r.text.index('<p class="actions">') :]
    assert actions.index("Opnieuw proberen") < actions.index("Module teruglezen")
    assert c.get(f"/modules/{m.id}/toets/uitslag").text == r.text  # a reload shows the result and submits nothing
    answer(c, m)
    answer(c, m, wrong)
    quiz = c.get(f"/modules/{m.id}/toets").text
    assert "Pogingen tot nu toe: 3, beste score 100%." in quiz


def test_passing_without_reading_names_the_sections_still_to_read(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    c.post(f"/modules/{m.id}/onderdeel/{m.sections[0].id}/gelezen")
    r = answer(c, m)
    assert "Gehaald" in r.text and "is afgerond" not in r.text
    for section in m.sections[1:]:
        assert f'<a href="/modules/{m.id}/onderdeel/{section.id}">' in r.text
    assert f'<a href="/modules/{m.id}/onderdeel/{m.sections[0].id}">' not in r.text


def test_the_result_page_before_any_attempt_leads_to_the_check(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    r = c.get(f"/modules/{m.id}/toets/uitslag", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/modules/{m.id}/toets"


def test_the_shuffled_order_survives_a_reload_and_changes_for_the_next_attempt(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    questions = m.knowledge_check.questions
    first = c.get(f"/modules/{m.id}/toets").text
    order = [shown_order(first, q) for q in questions]
    assert [shown_order(c.get(f"/modules/{m.id}/toets").text, q) for q in questions] == order
    # the page names no option id: the form sends positions only
    assert not re.search(r'value="[a-z]"', first)
    c.post(f"/modules/{m.id}/toets", data=form_for(first, m))
    result = c.get(f"/modules/{m.id}/toets/uitslag").text
    assert "Uitslag: 100% goed" in result
    # the result lists each question's options in the order they were shown
    for q, shown in zip(questions, order, strict=True):
        texts = [str(escape_text(q.option(option_id).text)) for option_id in shown if option_id in q.correct_option_ids]
        positions = [result.index(text) for text in texts]
        assert positions == sorted(positions), q.id
    assert [shown_order(c.get(f"/modules/{m.id}/toets").text, q) for q in questions] != order


def test_note_saved_time_is_rotterdam_time(login_as, app, db):
    from datetime import datetime

    from api.templating import local_time

    assert local_time(datetime(2025, 7, 1, 10, 0), "%H:%M") == "12:00"  # naive values from SQLite are UTC (CEST)
    assert local_time(datetime(2025, 1, 1, 10, 0, tzinfo=UTC), "%H:%M") == "11:00"  # CET
    c, m = login_as("trainee"), first_module(app)
    prompt = m.reflection_prompts[0]
    r = c.post(f"/modules/{m.id}/notities/{prompt.id}", data={"text": "x"}, headers={"HX-Request": "true"})
    note = db.exec(select(ReflectionNote)).one()
    assert f"Opgeslagen om {local_time(note.updated_at, '%H:%M:%S')}" in r.text


def test_too_long_note_shows_the_error_in_the_status_element_and_the_next_save_still_lands(login_as, app, db):
    c, m = login_as("trainee"), first_module(app)
    prompt = m.reflection_prompts[0]
    url = f"/modules/{m.id}/notities/{prompt.id}"
    r = c.post(url, data={"text": "x" * 5001}, headers={"HX-Request": "true"})
    assert r.status_code == 422
    assert f'id="status-{prompt.id}"' in r.text and "foutmelding" not in r.text and "<html" not in r.text
    assert "Niet opgeslagen." in r.text and "hoogstens 5000 tekens" in r.text
    assert db.exec(select(ReflectionNote)).all() == []
    r = c.post(url, data={"text": "korter"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and f'id="status-{prompt.id}"' in r.text and "Opgeslagen om" in r.text


def test_note_save_with_a_stale_csrf_token_keeps_the_status_element(login_as, app, db):
    c, m = login_as("trainee"), first_module(app)
    prompt = m.reflection_prompts[0]
    r = c.post(
        f"/modules/{m.id}/notities/{prompt.id}",
        data={"text": "iets"},
        headers={"HX-Request": "true", "X-CSRF-Token": "verlopen"},
    )
    assert r.status_code == 403
    assert f'id="status-{prompt.id}"' in r.text and "foutmelding" not in r.text
    assert "Niet opgeslagen." in r.text and "Laad de pagina opnieuw" in r.text and "kopieer hem" in r.text
    assert db.exec(select(ReflectionNote)).all() == []
    # Other htmx errors (and the same error without htmx) still get the usual error section or page.
    page = c.post(f"/modules/{m.id}/notities/{prompt.id}", data={"text": "iets"}, headers={"X-CSRF-Token": "verlopen"})
    assert page.status_code == 403 and 'id="foutmelding"' in page.text and "<html" in page.text
    other = c.post(
        f"/modules/{m.id}/onderdeel/{m.sections[0].id}/gelezen",
        headers={"HX-Request": "true", "X-CSRF-Token": "verlopen"},
    )
    assert other.status_code == 403 and 'id="foutmelding"' in other.text


def test_note_for_an_unknown_prompt_answers_in_the_status_element(login_as, app):
    c, m = login_as("trainee"), first_module(app)
    r = c.post(f"/modules/{m.id}/notities/bestaat-niet", data={"text": "iets"}, headers={"HX-Request": "true"})
    assert r.status_code == 404 and 'id="status-bestaat-niet"' in r.text and "bestaat niet (meer)" in r.text


def test_answers_to_a_check_that_was_never_opened_are_refused_and_the_check_is_shown(login_as, app, db):
    from training.models import QuizAttempt

    c, m = login_as("trainee"), first_module(app)
    data = {f"q-{q.id}": ["1"] for q in m.knowledge_check.questions}
    r = c.post(f"/modules/{m.id}/toets", data=data)
    assert r.status_code == 422 and "intussen veranderd of verlopen" in r.text
    assert db.exec(select(QuizAttempt)).all() == []
    # the page that came back opened the check: answering it now works
    assert answer(c, m).status_code == 200
