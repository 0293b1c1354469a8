"""Paper entry done right (issue 14): the date on the form, every problem at once with the input kept, a review that
writes nothing, a double click that saves once, and an admin's correction with a reason in the audit trail."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from monitor.models import QuestionnaireResponse
from monitor.questionnaire import paper
from monitor.questionnaire.stored_scores import scores_from_answers
from monitor.questionnaire.windows import get_window
from tests.api.test_questionnaires import answers, start
from tests.monitor.test_questionnaire_versions import demo_enrolment
from training.errors import InvalidForm
from training.models import AuditEntry, Cohort, User

TODAY = date.today()


def form_for(enrolment, moment: str = "T0", **extra: str) -> dict[str, str]:
    return {
        "deelnemer": str(enrolment.id),
        "moment": moment,
        "datum": TODAY.isoformat(),
        "a-KEN1": "4",
        "a-KEN2": "2",
        "o-O1": "Mijn buurvrouw helpen",
        **extra,
    }


def responses_of(db, enrolment) -> list[QuestionnaireResponse]:
    db.expire_all()
    return list(db.exec(select(QuestionnaireResponse).where(QuestionnaireResponse.enrolment_id == enrolment.id)))


def audit_of(db, action: str) -> list[AuditEntry]:
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


# --- the date on the form -------------------------------------------------------------------------------------------


def test_the_date_is_required_and_every_problem_is_shown_at_once_with_the_input_kept(login_as, demo):
    enrolment = demo_enrolment(demo)
    trainer = login_as("trainer")
    data = form_for(enrolment, datum="", **{"a-KEN3": "9", "a-ZEL2": "x"})
    page = trainer.post(f"/groepen/{enrolment.cohort_id}/papier/controle", data=data)
    assert page.status_code == 422
    assert "Verbeter 3 punten" in page.text
    assert "Vul de datum in die op het papieren formulier staat." in page.text
    assert '<a href="#vraag-a-KEN3">Kies bij vraag KEN3 een antwoord van' in page.text
    assert '<a href="#vraag-a-ZEL2">' in page.text
    # what was typed is still there: the radios, the free text
    assert re.search(r'id="a-KEN1-4" name="a-KEN1" value="4" checked', page.text)
    assert re.search(r'id="a-KEN2-2" name="a-KEN2" value="2" checked', page.text)
    assert ">Mijn buurvrouw helpen</textarea>" in page.text
    assert 'id="datum" name="datum" required value=""' in page.text and 'aria-invalid="true"' in page.text
    assert responses_of(demo, enrolment) == []


def test_a_date_after_today_is_refused(login_as, demo):
    enrolment = demo_enrolment(demo)
    tomorrow = TODAY + timedelta(days=1)
    page = login_as("trainer").post(
        f"/groepen/{enrolment.cohort_id}/papier/controle", data=form_for(enrolment, datum=tomorrow.isoformat())
    )
    assert page.status_code == 422
    assert f"De datum {tomorrow:%d-%m-%Y} ligt na vandaag ({TODAY:%d-%m-%Y})" in page.text
    assert f'value="{tomorrow.isoformat()}"' in page.text  # kept as typed
    assert responses_of(demo, enrolment) == []


def test_a_date_more_than_the_slack_before_the_window_opened_is_refused(login_as, demo):
    enrolment = demo_enrolment(demo)
    window = get_window(demo, cohort_id=enrolment.cohort_id, moment="T0")
    assert window is not None and window.open_rule == "date"
    earliest = window.opens_on - timedelta(days=paper.PAPER_DATE_SLACK_DAYS)
    trainer = login_as("trainer")
    url = f"/groepen/{enrolment.cohort_id}/papier/controle"
    too_early = trainer.post(url, data=form_for(enrolment, datum=(earliest - timedelta(days=1)).isoformat()))
    assert too_early.status_code == 422
    assert f"ging open op {window.opens_on:%d-%m-%Y}" in too_early.text
    assert f"hoogstens 14 dagen eerder gedateerd zijn, dus vanaf {earliest:%d-%m-%Y}" in too_early.text
    # the earliest allowed day, typed the Dutch way, is fine
    ok = trainer.post(url, data=form_for(enrolment, datum=f"{earliest.day}-{earliest.month}-{earliest.year}"))
    assert ok.status_code == 200 and "Controleer de papieren vragenlijst" in ok.text
    assert f"{earliest:%d-%m-%Y}" in ok.text


def test_paper_date_rules_in_the_service(demo):
    enrolment = demo_enrolment(demo)
    cohort = demo.get(Cohort, enrolment.cohort_id)
    check = paper.check_paper_date
    assert check(demo, cohort=cohort, moment="T0", raw=TODAY.isoformat(), today=TODAY) == TODAY
    assert paper.parse_paper_date("5.3.2026") == date(2026, 3, 5)
    assert paper.parse_paper_date("05/03/2026") == date(2026, 3, 5)
    for raw, message in [
        ("31-02-2026", "bestaat niet of is onleesbaar"),
        ("gisteren", "bestaat niet of is onleesbaar"),
        ("  ", "Vul de datum in"),
        ((TODAY + timedelta(days=1)).isoformat(), "ligt na vandaag"),
    ]:
        with pytest.raises(InvalidForm, match=message) as caught:
            check(demo, cohort=cohort, moment="T0", raw=raw, today=TODAY)
        assert caught.value.problems[0][0] == paper.DATE_FIELD
    # a nameting that opens once the modules are completed has no fixed opening: the cohort's start counts
    t1 = get_window(demo, cohort_id=cohort.id, moment="T1")
    assert t1 is not None and t1.open_rule == "modules_completed"
    earliest, why = paper.earliest_paper_date(demo, cohort=cohort, moment="T1")
    assert earliest == cohort.start_date - timedelta(days=14) and "deze groep begon op" in why


# --- review before saving -------------------------------------------------------------------------------------------


def test_the_review_shows_every_answer_as_text_and_writes_nothing_and_terug_keeps_the_input(login_as, demo):
    enrolment = demo_enrolment(demo)
    name = demo.get(User, enrolment.user_id).name
    trainer = login_as("trainer")
    url = f"/groepen/{enrolment.cohort_id}/papier"
    review = trainer.post(url + "/controle", data=form_for(enrolment))
    assert review.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", review.text))
    assert f"Deelnemer {name}" in text and "Meetmoment Voormeting (T0)" in text
    assert f"Datum op het formulier {TODAY:%d-%m-%Y}" in text
    assert "Mijn buurvrouw helpen" in text and "niet ingevuld" in text
    # the label of the chosen answer, not the number: KEN1 = 4 on the agreement scale
    ken1 = re.search(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", review.text)
    assert ken1 and not ken1.group(2).strip().isdigit()
    assert 'name="bevestigd" value="1">Opslaan</button>' in review.text
    assert 'name="terug" value="1" formaction="/groepen/' in review.text
    assert responses_of(demo, enrolment) == []
    # a form posted to the save address without the confirmation gets the review too, and writes nothing
    unconfirmed = trainer.post(url, data=form_for(enrolment))
    assert unconfirmed.status_code == 200 and "Controleer de papieren vragenlijst" in unconfirmed.text
    assert responses_of(demo, enrolment) == []
    # "Terug om te wijzigen": the form again, everything as typed
    back = trainer.post(url + "/controle", data={**form_for(enrolment), "terug": "1"})
    assert back.status_code == 200
    assert re.search(r'id="a-KEN1-4" name="a-KEN1" value="4" checked', back.text)
    assert f'name="datum" required value="{TODAY.isoformat()}"' in back.text
    assert ">Mijn buurvrouw helpen</textarea>" in back.text
    assert responses_of(demo, enrolment) == []


def test_a_double_click_on_opslaan_saves_one_response_and_one_audit_entry(login_as, demo):
    enrolment = demo_enrolment(demo)
    trainer = login_as("trainer")
    url = f"/groepen/{enrolment.cohort_id}/papier"
    data = {**form_for(enrolment), "bevestigd": "1"}
    before = len(audit_of(demo, "response.paper_entered"))
    first = trainer.post(url, data=data, follow_redirects=False)
    second = trainer.post(url, data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == f"{url}?ingevoerd=1"
    [response] = responses_of(demo, enrolment)
    assert (response.source, response.status, response.paper_date) == ("paper", "submitted", TODAY)
    assert answers(demo, response.id) == {("KEN1", False): 4, ("KEN2", False): 2}
    assert len(audit_of(demo, "response.paper_entered")) == before + 1
    # not the same form (another answer), or the same form by someone else: the response exists, nothing changes
    changed = trainer.post(url, data={**data, "a-KEN2": "3"})
    assert changed.status_code == 409 and "bestaat al" in changed.text
    by_admin = login_as("admin").post(url, data=data)
    assert by_admin.status_code == 409
    assert answers(demo, response.id) == {("KEN1", False): 4, ("KEN2", False): 2}
    assert len(responses_of(demo, enrolment)) == 1


def test_the_review_of_someone_who_has_a_response_already_is_refused(login_as, demo):
    enrolment = demo_enrolment(demo)
    start(login_as("trainee"), demo, "T0")
    page = login_as("trainer").post(f"/groepen/{enrolment.cohort_id}/papier/controle", data=form_for(enrolment))
    assert page.status_code == 409 and "bestaat al" in page.text


# --- correction by an admin -----------------------------------------------------------------------------------------


def entered(login_as, demo, moment: str = "T1") -> QuestionnaireResponse:
    enrolment = demo_enrolment(demo)
    data = {**form_for(enrolment, moment), "t-ZEL1": "2", "a-ZEL1": "5", "bevestigd": "1"}
    saved = login_as("trainer").post(f"/groepen/{enrolment.cohort_id}/papier", data=data, follow_redirects=False)
    assert saved.status_code == 303
    [response] = responses_of(demo, enrolment)
    return response


def test_an_admin_corrects_answers_with_a_reason_scores_are_recomputed_and_the_trail_has_old_and_new(login_as, demo):
    response = entered(login_as, demo)
    before = json.loads(response.scores_json)
    admin = login_as("admin")
    url = f"/beheer/vragenlijsten/{response.id}/corrigeren"
    page = admin.get(url)
    assert page.status_code == 200
    assert re.search(r'id="a-KEN1-4" name="a-KEN1" value="4" checked', page.text)
    assert re.search(r'id="t-ZEL1-2" name="t-ZEL1" value="2" checked', page.text)
    assert "Mijn buurvrouw helpen" not in page.text  # free text is the trainee's own, also for beheer
    # no reason: refused, nothing changes, the choice is kept
    refused = admin.post(url, data={"a-KEN1": "1", "a-KEN2": "2", "reden": " "})
    assert refused.status_code == 422 and "Vul de reden van de correctie in" in refused.text
    assert re.search(r'id="a-KEN1-1" name="a-KEN1" value="1" checked', refused.text)
    assert answers(demo, response.id)[("KEN1", False)] == 4
    # nothing changed: refused too
    same = admin.post(url, data={"a-KEN1": "4", "reden": "tikfout"})
    assert same.status_code == 422 and "Je hebt geen antwoord gewijzigd" in same.text
    done = admin.post(
        url,
        data={"a-KEN1": "1", "a-KEN2": "2", "t-ZEL1": "", "reden": "Tikfout bij het overnemen"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == url + "?gecorrigeerd=2"
    assert answers(demo, response.id) == {("KEN1", False): 1, ("KEN2", False): 2, ("ZEL1", False): 5}
    demo.expire_all()
    stored = demo.get(QuestionnaireResponse, response.id)
    recomputed = scores_from_answers(demo, [response.id])[response.id]
    assert stored.scores_json == recomputed.scores_json() and stored.items_json == recomputed.items_json()
    assert json.loads(stored.scores_json) != before
    [entry] = audit_of(demo, "response.corrected")
    assert (entry.object_type, entry.object_id, entry.user_id) == (
        "questionnaire_response",
        str(response.id),
        user(demo, "admin@demo.local").id,
    )
    details = json.loads(entry.details_json)
    assert details["reason"] == "Tikfout bij het overnemen"
    assert sorted(details["changes"], key=lambda c: c["item"]) == [
        {"item": "KEN1", "then_test": False, "old": 4, "new": 1},
        {"item": "ZEL1", "then_test": True, "old": 2, "new": None},
    ]
    assert "2 antwoorden gewijzigd" in admin.get(done.headers["location"]).text


def test_an_online_response_can_be_corrected_but_not_before_it_is_submitted(login_as, demo):
    trainee = login_as("trainee")
    rid = start(trainee, demo, "T0")
    admin = login_as("admin")
    url = f"/beheer/vragenlijsten/{rid}/corrigeren"
    assert admin.get(url).status_code == 409  # still in progress: the trainee's own to change
    trainee.post(f"/vragenlijsten/{rid}/stap/1", data={"a-KEN1": "3"})
    assert trainee.post(f"/vragenlijsten/{rid}/indienen", follow_redirects=False).status_code == 303
    fixed = admin.post(
        url, data={"a-KEN1": "5", "reden": "Deelnemer meldde een verkeerde klik"}, follow_redirects=False
    )
    assert fixed.status_code == 303
    assert answers(demo, rid)[("KEN1", False)] == 5
    details = json.loads(audit_of(demo, "response.corrected")[-1].details_json)
    assert details["source"] == "web" and details["changes"] == [
        {"item": "KEN1", "then_test": False, "old": 3, "new": 5}
    ]
    assert admin.get("/beheer/vragenlijsten/999999/corrigeren").status_code == 404


@pytest.mark.parametrize("role", ["trainer", "manager", "trainee"])
def test_only_admins_may_correct(login_as, demo, role):
    response = entered(login_as, demo)
    client = login_as(role)
    url = f"/beheer/vragenlijsten/{response.id}/corrigeren"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"a-KEN1": "1", "reden": "x"}).status_code == 403
    assert answers(demo, response.id)[("KEN1", False)] == 4
    assert audit_of(demo, "response.corrected") == []
    with pytest.raises(Exception, match="Alleen beheerders"):
        paper.correct_response(
            demo, user=user(demo, f"{role}@demo.local"), response_id=response.id, values={}, reason="x"
        )


def test_the_paper_page_points_an_admin_to_the_correction_and_a_trainer_not(login_as, demo):
    response = entered(login_as, demo)
    enrolment = demo_enrolment(demo)
    url = f"/groepen/{enrolment.cohort_id}/papier?deelnemer={enrolment.id}&moment=T1"
    link = f'href="/beheer/vragenlijsten/{response.id}/corrigeren"'
    assert link in login_as("admin").get(url).text
    assert link not in login_as("trainer").get(url).text
