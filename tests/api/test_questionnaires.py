"""The trainee's questionnaire flow over HTTP: start, save answer by answer, page by page, review, submit once."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select

from monitor.models import Answer, MeasurementWindow, OpenAnswer, QuestionnaireResponse
from tests.monitor.test_questionnaire_versions import demo_enrolment
from training.models import Cohort, Enrolment, User

HX = {"HX-Request": "true"}


def start(client, db, moment: str = "T0", email: str = "trainee@demo.local") -> int:
    enrolment = demo_enrolment(db, email)
    response = client.post(
        "/vragenlijsten/starten", data={"enrolment_id": enrolment.id, "moment": moment}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:300]
    return int(re.search(r"/vragenlijsten/(\d+)", response.headers["location"]).group(1))


def answers(db, response_id: int) -> dict[tuple[str, bool], object]:
    db.expire_all()
    return {
        (a.item_id, a.then_test): a.value if a.value is not None else a.missing_code
        for a in db.exec(select(Answer).where(Answer.response_id == response_id))
    }


def choose_research(client, agreed: str = "ja") -> None:
    client.post("/onderzoek", data={"agreed": agreed, "next": "/vragenlijsten"}, follow_redirects=False)


def test_overview_lists_the_open_voormeting_with_its_close_date_and_the_draft_status(login_as):
    client = login_as("trainee")
    first = client.get("/vragenlijsten", follow_redirects=False)  # before the voormeting: the research choice
    assert first.headers["location"] == "/onderzoek?next=/vragenlijsten"
    assert "geen enkel gevolg" in client.get(first.headers["location"]).text
    choose_research(client)
    page = client.get("/vragenlijsten")
    assert page.status_code == 200
    assert "Voormeting (T0)" in page.text and "Open tot en met" in page.text
    assert "Conceptvragenlijst" in page.text and "nog niet gevalideerd" in page.text
    assert 'href="/vragenlijsten"' in login_as("trainee").get("/").text  # in the main navigation


def test_starting_twice_resumes_the_same_response(login_as, demo):
    client = login_as("trainee")
    first = start(client, demo)
    assert start(client, demo) == first
    assert start(login_as("trainee"), demo) == first  # another device
    step = client.get(f"/vragenlijsten/{first}", follow_redirects=False)
    assert step.headers["location"] == f"/vragenlijsten/{first}/stap/1"


def test_each_answer_is_saved_as_it_is_given_and_the_page_resumes_with_it(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    page = client.get(f"/vragenlijsten/{rid}/stap/1")
    assert "Stap 1 van" in page.text and "<progress" in page.text
    assert '<fieldset class="card question" id="vraag-KEN1">' in page.text and "<legend>" in page.text
    saved = client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": "4"}, headers=HX)
    assert saved.status_code == 200 and "opgeslagen" in saved.text
    client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": "5"}, headers=HX)  # changed mind
    assert answers(demo, rid) == {("KEN1", False): 5}
    again = login_as("trainee").get(f"/vragenlijsten/{rid}/stap/1")
    assert re.search(r'id="a-KEN1-5" name="a-KEN1" value="5" checked', again.text)


def test_missing_option_is_offered_where_the_format_has_one_and_stored_as_missing(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    vaa = client.get(f"/vragenlijsten/{rid}/stap/2")
    assert "n.v.t. – geen inwoners voor wie dit relevant was" in vaa.text
    assert "weet ik niet" not in client.get(f"/vragenlijsten/{rid}/stap/1").text  # KEN has no missing option
    client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "VAA1", "value": "nvt"}, headers=HX)
    row = demo.exec(select(Answer).where(Answer.response_id == rid)).one()
    assert (row.value, row.missing_code) == (None, "nvt")


def test_without_javascript_opslaan_en_verder_saves_the_page_and_goes_on(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    done = client.post(f"/vragenlijsten/{rid}/stap/1", data={"a-KEN1": "2", "a-KEN2": "3"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/vragenlijsten/{rid}/stap/2"
    assert answers(demo, rid) == {("KEN1", False): 2, ("KEN2", False): 3}


def test_open_and_background_questions_are_asked_at_t0(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    texts = [client.get(f"/vragenlijsten/{rid}/stap/{n}").text for n in range(1, 8)]
    assert "Open vragen" in texts[5] and "Welke situatie" in texts[5] and "Wat uit de training" not in texts[5]
    assert "Wat is uw functie?" in texts[6]
    client.post(f"/vragenlijsten/{rid}/open/O1", data={"o-O1": "Contact met familie"}, headers=HX)
    client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "functie", "value": "ggz"}, headers=HX)
    assert demo.exec(select(OpenAnswer.text).where(OpenAnswer.response_id == rid)).one() == "Contact met familie"
    assert answers(demo, rid) == {("functie", False): "ggz"}


def test_review_lists_unanswered_questions_with_links_and_submit_makes_it_read_only(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": "4"}, headers=HX)
    review = client.get(f"/vragenlijsten/{rid}/controle")
    assert f'href="/vragenlijsten/{rid}/stap/1#vraag-KEN2"' in review.text
    assert f'href="/vragenlijsten/{rid}/stap/1#vraag-KEN1"' not in review.text
    assert client.post(f"/vragenlijsten/{rid}/indienen", follow_redirects=False).status_code == 303
    assert client.post(f"/vragenlijsten/{rid}/indienen", follow_redirects=False).status_code == 303  # double click
    done = client.get(f"/vragenlijsten/{rid}")
    assert "Ingediend" in done.text and "mee eens (4)" in done.text
    assert client.get(f"/vragenlijsten/{rid}/stap/1", follow_redirects=False).status_code == 303
    refused = client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": "1"}, headers=HX)
    assert refused.status_code == 409 and "al ingediend" in refused.text
    assert answers(demo, rid) == {("KEN1", False): 4}
    response = demo.get(QuestionnaireResponse, rid)
    demo.refresh(response)
    assert response.status == "submitted" and response.submitted_at is not None


def test_answers_after_the_window_closed_are_refused_and_nothing_is_written(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    enrolment = demo_enrolment(demo)
    window = demo.exec(
        select(MeasurementWindow).where(
            MeasurementWindow.cohort_id == enrolment.cohort_id, MeasurementWindow.moment == "T0"
        )
    ).one()
    window.opens_on, window.closes_on = date.today() - timedelta(days=30), date.today() - timedelta(days=1)
    demo.add(window)
    demo.commit()
    refused = client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": "3"}, headers=HX)
    assert refused.status_code == 409 and "gesloten" in refused.text
    assert client.post(f"/vragenlijsten/{rid}/indienen").status_code == 409
    assert answers(demo, rid) == {}


def test_out_of_range_unknown_and_misplaced_answers_are_refused_with_a_dutch_message(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    cases = [
        ({"item": "KEN1", "value": "6"}, "van 1 tot en met 5"),
        ({"item": "KEN1", "value": "0"}, "van 1 tot en met 5"),
        ({"item": "KEN1", "value": "weet_niet"}, "van 1 tot en met 5"),  # KEN has no missing option
        ({"item": "KEN1", "value": "3.5"}, "van 1 tot en met 5"),
        ({"item": "XYZ9", "value": "3"}, "hoort niet bij"),
        ({"item": "O3", "value": "3"}, "hoort niet bij"),  # an open question asked at T1, not T0
        ({"item": "ZEL1", "value": "3", "then_test": "1"}, "terugkijkend"),  # no then-test at T0
        ({"item": "functie", "value": "astronaut"}, "Kies een van de antwoorden"),
    ]
    for data, text in cases:
        refused = client.post(f"/vragenlijsten/{rid}/antwoord", data=data, headers=HX)
        assert refused.status_code == 422, data
        assert text in refused.text, (data, refused.text[:400])
    too_long = client.post(f"/vragenlijsten/{rid}/open/O1", data={"o-O1": "x" * 5001}, headers=HX)
    assert too_long.status_code == 422
    nojs = client.post(f"/vragenlijsten/{rid}/stap/1", data={"a-KEN1": "2", "a-KEN2": "9"})
    assert nojs.status_code == 422
    assert answers(demo, rid) == {}  # the valid KEN1 of the refused page was not written either
    assert demo.exec(select(OpenAnswer).where(OpenAnswer.response_id == rid)).all() == []


def test_someone_elses_response_is_not_found_and_untouched(login_as, demo):
    other = demo.exec(select(QuestionnaireResponse).order_by(QuestionnaireResponse.id)).first()
    before = answers(demo, other.id)
    client = login_as("trainee")
    assert client.get(f"/vragenlijsten/{other.id}").status_code == 404
    assert client.get(f"/vragenlijsten/{other.id}/controle").status_code == 404
    saved = client.post(f"/vragenlijsten/{other.id}/antwoord", data={"item": "KEN1", "value": "1"}, headers=HX)
    assert saved.status_code == 404
    assert answers(demo, other.id) == before


def test_staff_never_read_answers(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    client.post(f"/vragenlijsten/{rid}/open/O1", data={"o-O1": "GEHEIM-antwoord-4711"}, headers=HX)
    client.post(f"/vragenlijsten/{rid}/indienen")
    cohort_id = demo_enrolment(demo).cohort_id
    for role in ("trainer", "manager", "admin"):
        staff = login_as(role)
        for path in (
            f"/vragenlijsten/{rid}",
            f"/vragenlijsten/{rid}/stap/1",
            f"/vragenlijsten/{rid}/controle",
            "/vragenlijsten",
            "/vragenlijsten/groei",
        ):
            assert staff.get(path, follow_redirects=False).status_code in (403, 404), (role, path)
        for path in ("/", f"/groepen/{cohort_id}", f"/groepen/{cohort_id}/voortgang.csv", "/groepen"):
            page = staff.get(path)
            assert "GEHEIM-antwoord-4711" not in page.text, (role, path)


def test_trainer_sees_status_per_moment_and_the_response_rate_never_answers(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "KEN1", "value": "1"}, headers=HX)
    cohort = demo.get(Cohort, demo_enrolment(demo).cohort_id)
    page = login_as("trainer").get(f"/groepen/{cohort.id}")
    row = re.search(r'<th scope="row">Dewi Deelnemer</th>(.*?)</tr>', page.text, re.S).group(1)
    hidden = '<span class="visually-hidden">{}</span>'  # a sign on screen, the word for screen readers
    assert 'class="q-in_progress">bezig' in row and hidden.format("niet gestart") in row.split('class="q-')[-1]
    assert 'class="q-submitted"><span aria-hidden="true">✓</span>' + hidden.format("ingediend") in page.text
    assert "helemaal mee oneens" not in page.text


def test_trainer_sees_the_response_rate_per_moment(login_as, demo):
    cohort_id = demo_enrolment(demo).cohort_id
    page = login_as("trainer").get(f"/groepen/{cohort_id}").text
    section = page.split('id="meting-kop"', 1)[1].split("</section>", 1)[0]
    rates = re.findall(r'<td class="num">(\d+) van (\d+) \((\d+)%\)</td>', section)
    assert len(rates) == 3  # T0, T1, T2
    submitted, enrolled, percent = map(int, rates[0])
    assert 0 < submitted < enrolled and percent == round(100 * submitted / enrolled)


def test_cohort_status_counts_submitted_per_moment(demo):
    from monitor.questionnaire.cohort_status import ResponseStatus, cohort_questionnaire_status

    trainer = demo.exec(select(User).where(User.email == "trainer@demo.local")).one()
    cohort_id = demo_enrolment(demo).cohort_id
    status = cohort_questionnaire_status(demo, user=trainer, cohort_id=cohort_id)
    submitted = demo.exec(
        select(QuestionnaireResponse)
        .join(Enrolment, Enrolment.id == QuestionnaireResponse.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id, QuestionnaireResponse.moment == "T0")
    ).all()
    t0 = next(rate for rate in status.rates if rate.moment == "T0")
    assert status.moments == ["T0", "T1", "T2"] and t0.submitted == len(submitted) > 0
    assert 0 < t0.percent < 100
    trainee = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    assert status.status(trainee.id, "T0") is ResponseStatus.not_started


def test_module_gate_locks_modules_until_t0_is_submitted(login_as, demo):
    cohort = demo.get(Cohort, demo_enrolment(demo).cohort_id)
    cohort.require_t0_before_modules = True
    demo.add(cohort)
    demo.commit()
    client = login_as("trainee")
    path = client.get("/leerpad")
    assert "voormeting (T0)" in path.text and 'href="/modules/' not in path.text
    module_id = "herstel-en-eigen-regie"
    assert client.get(f"/modules/{module_id}").status_code == 403
    rid = start(client, demo)
    client.post(f"/vragenlijsten/{rid}/indienen")
    assert client.get(f"/modules/{module_id}").status_code == 200
    assert "voormeting (T0)" not in client.get("/leerpad").text


def test_t1_asks_the_then_test_items_twice_and_stores_the_retrospective_rating(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo, "T1")  # the demo spring cohort's nameting is open by date
    zel = client.get(f"/vragenlijsten/{rid}/stap/4")
    assert "<h2>Zelfvertrouwen</h2>" in zel.text
    assert zel.text.count("Terugkijkend: vóór de training") == 7 and "<legend>Nu</legend>" in zel.text
    assert "Terugkijkend" not in client.get(f"/vragenlijsten/{rid}/stap/1").text
    client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "ZEL1", "value": "4"}, headers=HX)
    client.post(f"/vragenlijsten/{rid}/antwoord", data={"item": "ZEL1", "value": "2", "then_test": "1"}, headers=HX)
    assert answers(demo, rid) == {("ZEL1", False): 4, ("ZEL1", True): 2}
    assert "Wat uit de training" in client.get(f"/vragenlijsten/{rid}/stap/6").text  # O3 at T1


def test_growth_profile_shows_t0_t1_and_then_test_scores_as_a_chart_and_a_table(login_as, demo):
    client = login_as("trainee")
    choose_research(client, "nee")
    assert "verschijnt zodra" in client.get("/vragenlijsten/groei").text
    t0 = start(client, demo, "T0")
    client.post(f"/vragenlijsten/{t0}/stap/1", data={f"a-KEN{i}": "2" for i in range(1, 7)})
    client.post(f"/vragenlijsten/{t0}/indienen")
    t1 = start(client, demo, "T1")
    client.post(f"/vragenlijsten/{t1}/stap/1", data={f"a-KEN{i}": "4" for i in range(1, 7)})
    client.post(
        f"/vragenlijsten/{t1}/stap/4",
        data={**{f"a-ZEL{i}": "4" for i in range(1, 8)}, **{f"t-ZEL{i}": "1" for i in range(1, 8)}},
    )
    client.post(f"/vragenlijsten/{t1}/indienen")
    page = client.get("/vragenlijsten/groei")
    assert '<svg role="img" aria-label="Staafdiagram' in page.text
    assert "<script" not in page.text.split("<main", 1)[1]
    kennis = re.search(r'<th scope="row">Kennis</th>(.*?)</tr>', page.text, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', kennis) == ["2,0", "–", "4,0", "+2,0"]
    assert "‘weet ik niet’" in page.text and "uw " not in page.text.split("<main", 1)[1]  # not just "oversloeg"
    assert "Bekijk je persoonlijke groeiprofiel" in client.get("/vragenlijsten").text


def test_trainer_enters_a_paper_form_once_for_their_own_cohort_and_never_reads_it_back(login_as, demo):
    enrolment = demo_enrolment(demo)
    trainer = login_as("trainer")
    form = trainer.get(f"/groepen/{enrolment.cohort_id}/papier?deelnemer={enrolment.id}&moment=T1")
    assert form.status_code == 200 and "Terugkijkend" in form.text and 'name="datum"' in form.text
    data = {
        "deelnemer": str(enrolment.id),
        "moment": "T1",
        "datum": date.today().isoformat(),
        "a-KEN1": "4",
        "t-ZEL1": "2",
        "a-ZEL1": "5",
        "o-O3": "Netwerkkaart gemaakt",
    }
    mine = select(QuestionnaireResponse).where(QuestionnaireResponse.enrolment_id == enrolment.id)
    bad = trainer.post(f"/groepen/{enrolment.cohort_id}/papier/controle", data={**data, "a-KEN2": "8"})
    assert bad.status_code == 422
    assert demo.exec(mine).all() == []
    review = trainer.post(f"/groepen/{enrolment.cohort_id}/papier/controle", data=data)
    assert review.status_code == 200 and "Controleer de papieren vragenlijst" in review.text
    assert demo.exec(mine).all() == []  # the review writes nothing
    ok = trainer.post(f"/groepen/{enrolment.cohort_id}/papier", data={**data, "bevestigd": "1"}, follow_redirects=False)
    assert ok.status_code == 303
    response = demo.exec(mine).one()
    trainer_id = demo.exec(select(User.id).where(User.email == "trainer@demo.local")).one()
    assert (response.source, response.status, response.entered_by_user_id) == ("paper", "submitted", trainer_id)
    assert response.paper_date == date.today()
    assert answers(demo, response.id) == {("KEN1", False): 4, ("ZEL1", True): 2, ("ZEL1", False): 5}
    again = trainer.post(f"/groepen/{enrolment.cohort_id}/papier", data={**data, "a-KEN1": "3", "bevestigd": "1"})
    assert again.status_code == 409 and "bestaat al" in again.text
    assert "Netwerkkaart gemaakt" not in trainer.get(f"/groepen/{enrolment.cohort_id}").text
    assert login_as("manager").get(f"/groepen/{enrolment.cohort_id}/papier").status_code == 403
    own = login_as("trainee").get(f"/vragenlijsten/{response.id}")
    assert "Netwerkkaart gemaakt" in own.text  # the author reads it


def test_paper_entry_names_an_existing_response_before_any_typing_and_shows_no_blank_form(login_as, demo):
    enrolment = demo_enrolment(demo)
    name = demo.get(User, enrolment.user_id).name
    trainee = login_as("trainee")
    start(trainee, demo, "T0")  # begun online, not submitted
    trainer = login_as("trainer")
    page = trainer.get(f"/groepen/{enrolment.cohort_id}/papier")
    assert f"{name} (al ingevuld: T0)" in page.text  # in the person list, before choosing
    chosen = trainer.get(f"/groepen/{enrolment.cohort_id}/papier?deelnemer={enrolment.id}&moment=T0")
    assert chosen.status_code == 200
    assert f"{name} heeft al een voormeting (t0)" in chosen.text and "online begonnen" in chosen.text
    assert 'name="a-KEN1"' not in chosen.text and 'name="datum"' not in chosen.text
    other = trainer.get(f"/groepen/{enrolment.cohort_id}/papier?deelnemer={enrolment.id}&moment=T1")
    assert 'name="a-KEN1"' in other.text and "heeft al een" not in other.text


def test_the_cohort_page_leads_the_trainer_to_paper_entry(login_as, demo):
    cohort_id = demo_enrolment(demo).cohort_id
    trainer = login_as("trainer")
    page = trainer.get(f"/groepen/{cohort_id}")
    link = re.search(
        r'<a class="button secondary" href="(/groepen/\d+/papier)">Papieren vragenlijst invoeren</a>', page.text
    )
    assert link and link.group(1) == f"/groepen/{cohort_id}/papier"
    assert trainer.get(link.group(1)).status_code == 200
    cohort = demo.get(Cohort, cohort_id)
    from training.models import utcnow

    cohort.archived_at = utcnow()  # archived: no more changes, so no invitation to enter forms
    demo.add(cohort)
    demo.commit()
    assert "Papieren vragenlijst invoeren" not in trainer.get(f"/groepen/{cohort_id}").text


def test_trainer_cannot_enter_paper_forms_for_a_cohort_they_do_not_train(login_as, demo):
    from training.models import CohortTrainer

    enrolment = demo_enrolment(demo)
    other = demo.exec(select(User).where(User.email == "trainer2@demo.local")).one()
    assert demo.get(CohortTrainer, (enrolment.cohort_id, other.id)) is None
    client = login_as("trainer2@demo.local")
    assert client.get(f"/groepen/{enrolment.cohort_id}/papier").status_code == 404
    refused = client.post(
        f"/groepen/{enrolment.cohort_id}/papier", data={"deelnemer": str(enrolment.id), "moment": "T0", "a-KEN1": "4"}
    )
    assert refused.status_code == 404


def test_the_concept_notice_is_shown_once_on_the_first_step_and_folded_not_on_every_step(login_as, demo):
    client = login_as("trainee")
    rid = start(client, demo)
    first = client.get(f"/vragenlijsten/{rid}/stap/1").text
    assert "Conceptvragenlijst" in first
    # the researcher's detail (α ≥ .70, item-rest correlations) is folded away behind a summary
    assert re.search(r"<details class=\"explain\">\s*<summary>Wat betekent dat\?</summary>\s*<p>[^<]*α ≥ \.70", first)
    for step in (2, 3):
        text = client.get(f"/vragenlijsten/{rid}/stap/{step}").text
        assert "Conceptvragenlijst" not in text and "α ≥ .70" not in text
    review = client.get(f"/vragenlijsten/{rid}/controle")
    assert review.status_code == 200 and "Controleren en indienen" in review.text
    assert "Conceptvragenlijst" not in review.text
