"""Staff accounts in the browser: beheer invites by a one-time link, changes roles, deactivates (sessions end at
once), reactivates and unlocks; refusals leave nothing half-written."""

from __future__ import annotations

import re

from sqlmodel import select

from tests.conftest import csrf_from
from training.models import AuditEntry, Invitation, Organisation, OutboundMail, User

LINK_RE = re.compile(r"/uitnodiging\?token=([\w-]+)")


def _user(db, email: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.email == email)).one()


def test_admin_invites_a_trainer_who_sets_a_password_through_the_link(login_as, demo, make_client):
    admin = login_as("admin")
    org = demo.exec(select(Organisation)).first()
    assert admin.get("/beheer/gebruikers/nieuw").status_code == 200
    made = admin.post(
        "/beheer/gebruikers/nieuw",
        data={"name": "Tess Trainer", "email": "Tess@Example.org", "role": "trainer", "organisation_id": str(org.id)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    tess = _user(demo, "tess@example.org")
    assert (tess.role, tess.organisation_id, tess.password_hash) == ("trainer", org.id, None)
    mail = demo.exec(select(OutboundMail).where(OutboundMail.to_address == "tess@example.org")).one()
    token = LINK_RE.search(mail.body).group(1)
    invitee = make_client()
    page = invitee.get(f"/uitnodiging?token={token}")
    accepted = invitee.post(
        "/uitnodiging",
        data={
            "token": token,
            "password": "een sterk wachtwoord",
            "password_repeat": "een sterk wachtwoord",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert "Mijn groepen" in invitee.get("/").text
    actions = [e.action for e in demo.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert "user.invited" in actions and "invitation.accepted" in actions


def test_bad_invitations_say_why_and_write_nothing(login_as, demo):
    admin = login_as("admin")
    org = demo.exec(select(Organisation)).first()
    before = len(demo.exec(select(User)).all())
    cases = [
        (
            {"name": "X", "email": "trainer@demo.local", "role": "trainer", "organisation_id": str(org.id)},
            "email",
            "Er bestaat al een account met dit e-mailadres",
        ),
        (
            {"name": "X", "email": "x@example.org", "role": "trainee", "organisation_id": str(org.id)},
            "role",
            "Deelnemers worden door hun trainer uitgenodigd",
        ),
        (
            {"name": "X", "email": "x@example.org", "role": "manager", "organisation_id": ""},
            "organisation_id",
            "Kies de organisatie",
        ),
        ({"name": "X", "email": "geen-adres", "role": "admin", "organisation_id": ""}, "email", "geen geldig"),
    ]
    for data, field, message in cases:
        answer = admin.post("/beheer/gebruikers/nieuw", data=data)
        assert answer.status_code == 422 and message in answer.text
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="formfout', answer.text), field
    assert len(demo.exec(select(User)).all()) == before
    assert demo.exec(select(Invitation).where(Invitation.cohort_id.is_(None))).all() == []


def test_deactivation_ends_the_sessions_at_once_and_reactivation_restores(login_as, demo):
    admin = login_as("admin")
    trainer_client = login_as("trainer")
    trainer = _user(demo, "trainer@demo.local")
    confirm = admin.get(f"/beheer/gebruikers/{trainer.id}/deactiveren")
    assert "op alle apparaten uitgelogd" in confirm.text
    assert admin.post(f"/beheer/gebruikers/{trainer.id}/deactiveren", follow_redirects=False).status_code == 303
    assert trainer_client.get("/groepen", follow_redirects=False).headers["location"].startswith("/login")
    assert not _user(demo, "trainer@demo.local").is_active
    admin.post(f"/beheer/gebruikers/{trainer.id}/activeren")
    assert _user(demo, "trainer@demo.local").is_active
    login_as("trainer")  # signs in again


def test_self_and_last_admin_are_protected(login_as, demo):
    admin_client = login_as("admin")
    admin = _user(demo, "admin@demo.local")
    own = admin_client.post(f"/beheer/gebruikers/{admin.id}/deactiveren")
    assert own.status_code == 409 and "eigen account niet deactiveren" in own.text
    role = admin_client.post(f"/beheer/gebruikers/{admin.id}", data={"role": "manager", "organisation_id": ""})
    assert role.status_code == 422 and "eigen rol niet wijzigen" in role.text


def test_changing_the_role_and_organisation_of_a_staff_member(login_as, demo):
    admin = login_as("admin")
    manager = _user(demo, "manager@demo.local")
    org = demo.exec(select(Organisation)).first()
    answer = admin.post(
        f"/beheer/gebruikers/{manager.id}",
        data={"role": "trainer", "organisation_id": str(org.id)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and _user(demo, "manager@demo.local").role == "trainer"
    entry = demo.exec(select(AuditEntry).where(AuditEntry.action == "user.changed")).one()
    assert '"role": "manager"' in entry.details_json and '"role": "trainer"' in entry.details_json


def test_unlock_clears_the_account_wide_sign_in_limit(login_as, demo, app, make_client):
    app.state.settings.login_account_max_failures = 3
    attacker = make_client()
    token = csrf_from(attacker.get("/login").text)
    for _ in range(4):
        attacker.post("/login", data={"email": "manager@demo.local", "password": "fout fout fout", "csrf_token": token})
    admin = login_as("admin")
    manager = _user(demo, "manager@demo.local")
    assert "geblokkeerd" in admin.get(f"/beheer/gebruikers/{manager.id}").text
    admin.post(f"/beheer/gebruikers/{manager.id}/ontgrendelen")
    assert "geblokkeerd" not in admin.get(f"/beheer/gebruikers/{manager.id}").text
    login_as("manager")


def test_the_user_list_searches_filters_and_pages(login_as, demo):
    admin = login_as("admin")
    found = admin.get("/beheer/gebruikers", params={"zoek": "trainer@demo", "rol": "trainer"})
    assert "trainer@demo.local" in found.text and "manager@demo.local" not in found.text
    trainees = admin.get("/beheer/gebruikers", params={"rol": "trainee", "actief": "ja"})
    assert "trainer@demo.local" not in trainees.text
    total = int(re.search(r"(\d+) accounts", trainees.text).group(1))
    assert total > 30
    for i in range(60):
        demo.add(User(name=f"Zz {i:02d}", email=f"zz{i}@example.org", role="trainer"))
    demo.commit()
    first = admin.get("/beheer/gebruikers", params={"zoek": "zz"})
    assert "Pagina 1 van 2" in first.text and "pagina=2" in first.text
    second = admin.get("/beheer/gebruikers", params={"zoek": "zz", "pagina": "2"})
    assert "Zz 59" in second.text and "Zz 00" not in second.text
