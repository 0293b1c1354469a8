"""Invitation links: set a password once and be signed in; expired, reused or replaced links get a clear Dutch page."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.conftest import csrf_from
from training import invitations
from training.models import Cohort, Invitation, OutboundMail, User, Wijk, utcnow

PASSWORD = "een lange zin als wachtwoord"


@pytest.fixture
def invited(login_as, db):
    """Invite a new trainee through the web as the demo trainer; returns (email, token from the queued mail)."""
    trainer = login_as("trainer")
    cohort = db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners voorjaar")).one()
    wijk = db.exec(select(Wijk).where(Wijk.name == "Bloemhof")).one()
    response = trainer.post(
        f"/groepen/{cohort.id}/deelnemers",
        follow_redirects=False,
        data={"name": "Nadia Nieuw", "email": "Nadia@Example.nl", "wijk_id": str(wijk.id)},
    )
    assert response.status_code == 303
    mail = db.exec(select(OutboundMail).where(OutboundMail.to_address == "nadia@example.nl")).one()
    return "nadia@example.nl", re.search(r"token=([\w-]+)", mail.body).group(1)


def accept(client, token: str, password: str = PASSWORD, repeat: str | None = None):
    page = client.get(f"/uitnodiging?token={token}")
    return client.post(
        "/uitnodiging",
        follow_redirects=False,
        data={
            "token": token,
            "password": password,
            "password_repeat": password if repeat is None else repeat,
            "csrf_token": csrf_from(page.text),
        },
    )


def test_invited_trainee_sets_a_password_is_signed_in_and_can_log_in_later(make_client, invited):
    email, token = invited
    client = make_client()
    page = client.get(f"/uitnodiging?token={token}")
    assert page.status_code == 200 and "Welkom, Nadia Nieuw" in page.text
    response = accept(client, token)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "Nadia Nieuw" in client.get("/").text
    from tests.conftest import login

    login(make_client(), email, PASSWORD)


def test_a_used_link_cannot_be_used_again(make_client, invited, db):
    _, token = invited
    assert accept(make_client(), token).status_code == 303
    again = make_client().get(f"/uitnodiging?token={token}")
    assert again.status_code == 410 and "al gebruikt" in again.text and "Log in met je e-mailadres" in again.text
    c = make_client()
    c.get("/login")
    second = c.post(
        "/uitnodiging",
        data={
            "token": token,
            "password": "nog een ander wachtwoord",
            "password_repeat": "nog een ander wachtwoord",
            "csrf_token": csrf_from(c.get("/login").text),
        },
        follow_redirects=False,
    )
    assert second.status_code == 410


def test_an_expired_link_tells_the_trainee_to_ask_for_a_new_one(make_client, invited, db):
    _, token = invited
    invitation = db.exec(select(Invitation).where(Invitation.token_hash == invitations.hash_token(token))).one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.add(invitation)
    db.commit()
    page = make_client().get(f"/uitnodiging?token={token}")
    assert page.status_code == 410
    assert "Deze uitnodiging is verlopen. Vraag je trainer om je een nieuwe uitnodiging te sturen" in page.text


def test_reinviting_replaces_the_old_link(login_as, make_client, invited, db):
    email, old_token = invited
    user = db.exec(select(User).where(User.email == email)).one()
    from training.models import Enrolment

    enrolment = db.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    trainer = login_as("trainer")
    assert (
        trainer.post(
            f"/groepen/{enrolment.cohort_id}/deelnemers/{enrolment.id}/opnieuw-uitnodigen", follow_redirects=False
        ).status_code
        == 303
    )
    assert make_client().get(f"/uitnodiging?token={old_token}").status_code == 410
    newest = db.exec(
        select(OutboundMail).where(OutboundMail.to_address == email).order_by(OutboundMail.id.desc())
    ).first()
    new_token = re.search(r"token=([\w-]+)", newest.body).group(1)
    assert new_token != old_token and accept(make_client(), new_token).status_code == 303


def test_an_unknown_link_is_a_clear_400(make_client, demo):
    page = make_client().get("/uitnodiging?token=" + "x" * 43)
    assert page.status_code == 400 and "Deze uitnodigingslink is ongeldig" in page.text
    assert make_client().get("/uitnodiging").status_code == 400


def test_weak_or_mismatched_password_is_refused_and_the_link_stays_usable(make_client, invited):
    _, token = invited
    client = make_client()
    assert accept(client, token, "kort").status_code == 422
    assert accept(client, token, PASSWORD, "iets anders dan dat").status_code == 422
    assert accept(client, token).status_code == 303


def test_token_is_stored_hashed_and_never_in_the_request_log(make_client, invited, db, caplog):
    _, token = invited
    assert db.exec(select(Invitation).where(Invitation.token_hash == token)).first() is None
    assert db.exec(select(Invitation).where(Invitation.token_hash == invitations.hash_token(token))).one()
    with caplog.at_level(logging.INFO, logger="ract.request"):
        accept(make_client(), token)
    assert "path=/uitnodiging" in caplog.text and token not in caplog.text


def test_signed_in_as_someone_else_the_link_asks_to_log_out_first_and_changes_nothing(login_as, invited, db):
    email, token = invited
    trainer = login_as("trainer")  # e.g. the trainer opens the link on their own computer to try it
    page = trainer.get(f"/uitnodiging?token={token}")
    assert page.status_code == 200
    assert "Je bent nu ingelogd als <strong>Tessa Trainer</strong> (trainer@demo.local)" in page.text
    assert f"Deze uitnodiging is voor <strong>{email}</strong>" in page.text and "Log eerst uit" in page.text
    assert 'name="password"' not in page.text  # no form that would switch accounts
    refused = trainer.post(
        "/uitnodiging", follow_redirects=False, data={"token": token, "password": PASSWORD, "password_repeat": PASSWORD}
    )
    assert refused.status_code == 409 and "Log eerst uit" in refused.text
    assert "Tessa Trainer" in trainer.get("/").text  # still the trainer: no silent switch
    db.expire_all()
    invitee = db.exec(select(User).where(User.email == email)).one()
    invitation = db.exec(select(Invitation).where(Invitation.token_hash == invitations.hash_token(token))).one()
    assert invitee.password_hash is None and invitation.used_at is None

    out = trainer.post("/logout", data={"next": f"/uitnodiging?token={token}"}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == f"/uitnodiging?token={token}"
    del trainer.headers["X-CSRF-Token"]  # the old session's token ended with the session
    assert "Welkom, Nadia Nieuw" in trainer.get(out.headers["location"]).text
    assert accept(trainer, token).status_code == 303
    assert "Nadia Nieuw" in trainer.get("/").text


def test_an_activated_account_is_not_invited_again(make_client, login_as, invited, db):
    from training.models import Enrolment

    email, token = invited
    assert accept(make_client(), token).status_code == 303  # Nadia has her own password now
    user = db.exec(select(User).where(User.email == email)).one()
    enrolment = db.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    mails_before = len(db.exec(select(OutboundMail).where(OutboundMail.to_address == email)).all())
    trainer = login_as("trainer")
    r = trainer.post(f"/groepen/{enrolment.cohort_id}/deelnemers/{enrolment.id}/opnieuw-uitnodigen")
    assert r.status_code == 409 and "al gebruikt en een eigen wachtwoord ingesteld" in r.text
    assert len(db.exec(select(OutboundMail).where(OutboundMail.to_address == email)).all()) == mails_before
    assert (
        db.exec(
            select(Invitation).where(
                Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None)
            )
        ).first()
        is None
    )
    roster = trainer.get(f"/groepen/{enrolment.cohort_id}/deelnemers").text
    assert f"/deelnemers/{enrolment.id}/opnieuw-uitnodigen" not in roster  # no button that can only fail


def test_no_staff_page_shows_a_live_invitation_token(login_as, invited, db):
    from training.models import Enrolment

    email, first_token = invited
    user = db.exec(select(User).where(User.email == email)).one()
    enrolment = db.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    trainer = login_as("trainer")
    assert (
        trainer.post(
            f"/groepen/{enrolment.cohort_id}/deelnemers/{enrolment.id}/opnieuw-uitnodigen", follow_redirects=False
        ).status_code
        == 303
    )
    mails = db.exec(select(OutboundMail).where(OutboundMail.to_address == email).order_by(OutboundMail.id)).all()
    tokens = [re.search(r"token=([\w-]+)", m.body).group(1) for m in mails]
    assert len(tokens) == 2 and first_token in tokens  # the tokens really issued (the mails keep them to send)
    for client in (trainer, login_as("admin")):
        for path in (
            "/berichten",
            f"/groepen/{enrolment.cohort_id}/deelnemers",
            f"/groepen/{enrolment.cohort_id}",
            f"/groepen/{enrolment.cohort_id}/herinneringen",
            "/gebruikers",
            "/",
        ):
            page = client.get(path)
            assert not any(t in page.text for t in tokens), path
        outbox = client.get("/berichten").text
        assert outbox.count("uitnodiging?token=[verborgen]") == 2  # the messages are there, their links masked


def test_wrong_tokens_from_one_address_are_throttled_and_real_links_are_not(make_client, invited, settings):
    _, token = invited
    client = make_client()
    for _ in range(settings.invitation_max_failures - 1):
        assert client.get("/uitnodiging?token=" + "x" * 43).status_code == 400
    # Opening one's own link (valid or no longer usable) does not use up the allowance.
    assert client.get(f"/uitnodiging?token={token}").status_code == 200
    assert client.get("/uitnodiging?token=" + "x" * 43).status_code == 400  # the last wrong one allowed
    r = client.get(f"/uitnodiging?token={token}")  # from now on nothing is checked from this address
    assert r.status_code == 429 and "te veel ongeldige uitnodigingslinks" in r.text
    assert int(r.headers["Retry-After"]) > 0
    page = client.get("/login")
    posted = client.post(
        "/uitnodiging",
        data={"token": "z" * 43, "password": PASSWORD, "password_repeat": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert posted.status_code == 429


def test_the_command_line_prints_a_link_only_for_an_account_without_password(invited, settings, monkeypatch, db):
    from typer.testing import CliRunner

    from api import cli

    email, old_token = invited
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["invitation-link", email])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("http://testserver/uitnodiging?token=")
    new_hash = invitations.hash_token(link.split("=", 1)[1])
    new = db.exec(select(Invitation).where(Invitation.token_hash == new_hash)).one()
    assert new.used_at is None and new.revoked_at is None
    old = db.exec(select(Invitation).where(Invitation.token_hash == invitations.hash_token(old_token))).one()
    db.refresh(old)
    assert old.revoked_at is not None
    refused = CliRunner().invoke(cli.app, ["invitation-link", "trainee@demo.local"])
    assert refused.exit_code == 1 and "al een wachtwoord" in refused.output


def test_logout_never_redirects_off_site(login_as):
    client = login_as("trainee")
    out = client.post("/logout", data={"next": "//evil.example/"}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/"
