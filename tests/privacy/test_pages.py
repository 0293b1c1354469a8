"""The privacy pages: statement at sign-in and after a change, Mijn gegevens and its download, erasure by beheer,
and the free-text warning on a reflection note."""

from __future__ import annotations

import io
import json
import zipfile

from sqlmodel import select

from privacy.models import Erasure
from tests.conftest import DEMO_PASSWORD, csrf_from, login
from training.models import AuditEntry, ReflectionNote, User


def _sign_in_location(make_client, email: str) -> str:
    c = make_client()
    token = csrf_from(c.get("/login").text)
    r = c.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}, follow_redirects=False)
    return r.headers["location"]


def test_the_statement_comes_at_first_sign_in_and_again_when_it_changes(make_client, login_as, demo):
    assert _sign_in_location(make_client, "trainer@demo.local") == "/privacy?next=/"
    login(make_client(), "trainer@demo.local")  # acknowledges it
    assert _sign_in_location(make_client, "trainer@demo.local") == "/"
    admin = login_as("admin")
    page = admin.get("/beheer/privacy")
    assert "Versie 0 (standaardtekst)" in page.text and "nooit gebruikt om jou te beoordelen" in page.text
    saved = admin.post("/beheer/privacy/verklaring", data={"text": "Nieuwe tekst over je gegevens."})
    assert "Versie 1." in saved.text
    assert _sign_in_location(make_client, "trainer@demo.local") == "/privacy?next=/"
    entries = demo.exec(select(AuditEntry.action).where(AuditEntry.action.like("privacy.statement%"))).all()
    assert "privacy.statement_changed" in entries and "privacy.statement_seen" in entries


def test_the_statement_is_linked_from_every_page_even_before_sign_in(client, demo):
    assert 'href="/privacy"' in client.get("/login").text
    assert "Evaluatieonderzoek" in client.get("/privacy").text


def test_own_data_page_tells_in_words_and_the_download_holds_the_notes(login_as, demo, app):
    c = login_as("trainee")
    module = app.state.modules[0]
    prompt = module.reflection_prompts[0]
    c.post(f"/modules/{module.id}/notities/{prompt.id}", data={"text": "Mijn eigen notitie"})
    page = c.get("/mijn-gegevens")
    assert "Reflectienotities: alleen voor de schrijver zelf" in page.text
    download = c.get("/mijn-gegevens/download")
    assert download.headers["content-type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(download.content)).read("gegevens.json"))
    assert [n["text"] for n in data["reflection_note"]] == ["Mijn eigen notitie"]
    assert demo.exec(select(AuditEntry).where(AuditEntry.action == "privacy.own_data_downloaded")).first()


def test_a_note_with_a_clients_details_is_saved_with_a_warning(login_as, app):
    c = login_as("trainee")
    module = app.state.modules[0]
    prompt = module.reflection_prompts[0]
    url = f"/modules/{module.id}/notities/{prompt.id}"
    r = c.post(url, data={"text": "Bel mevrouw op 06-12345678"}, headers={"HX-Request": "true"})
    assert "Opgeslagen om" in r.text and "telefoonnummer" in r.text and "cliënten" in r.text
    plain = c.post(url, data={"text": "Ik vroeg meer door."}, headers={"HX-Request": "true"})
    assert "Let op" not in plain.text


def test_beheer_erases_a_person_with_a_reason(login_as, demo):
    trainee = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    demo.add(ReflectionNote(user_id=trainee.id, module_id="m", prompt_id="p", text="notitie"))
    demo.commit()
    admin = login_as("admin")
    form = admin.get(f"/beheer/gebruikers/{trainee.id}/verwijderen")
    assert "Definitief verwijderen" in form.text
    refused = admin.post(f"/beheer/gebruikers/{trainee.id}/verwijderen", data={"reason": "", "kind": "request"})
    assert refused.status_code == 422
    done = admin.post(
        f"/beheer/gebruikers/{trainee.id}/verwijderen",
        data={"reason": "Verzoek van de medewerker", "kind": "request"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    demo.expire_all()
    assert demo.exec(select(ReflectionNote).where(ReflectionNote.user_id == trainee.id)).all() == []
    assert demo.exec(select(Erasure)).one().reason == "Verzoek van de medewerker"
    assert demo.get(User, trainee.id).name == "Verwijderd account"
