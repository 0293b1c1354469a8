"""“Wachtwoord vergeten?”: a one-time link by e-mail (through the outbox to a real SMTP server), the same answer for
unknown addresses, limits per address and per client, and the old sessions end when the link is used."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from tests.conftest import csrf_from, login
from tests.smtp import body_of, smtp_settings
from training import password_reset
from training.models import AuditEntry, Invitation, OutboundMail, PasswordReset, User
from training.passwords import verify_password

LINK_RE = re.compile(r"http://testserver/wachtwoord-herstellen\?token=([\w-]+)")


def _ask(client: TestClient, email: str):
    page = client.get("/wachtwoord-vergeten")
    return client.post("/wachtwoord-vergeten", data={"email": email, "csrf_token": csrf_from(page.text)})


def _reset(client: TestClient, token: str, password: str = "mijn nieuwe wachtwoord", repeat: str | None = None):
    page = client.get(f"/wachtwoord-herstellen?token={token}")
    return client.post(
        "/wachtwoord-herstellen",
        follow_redirects=False,
        data={
            "token": token,
            "password": password,
            "password_repeat": repeat or password,
            "csrf_token": csrf_from(page.text),
        },
    )


def test_a_staff_member_gets_back_in_through_the_mailed_link_and_old_sessions_end(settings, engine, demo, smtp_server):
    app = create_app(smtp_settings(settings, smtp_server.port), engine=engine)
    with TestClient(app) as old_browser, TestClient(app) as browser:
        login(old_browser, "manager@demo.local")
        assert "/wachtwoord-vergeten" in browser.get("/login").text
        answer = _ask(browser, "Manager@Demo.local ")
        assert answer.status_code == 200 and "Als er een account met dit e-mailadres bestaat" in answer.text
        [message] = smtp_server.inbox.wait_for(1)
        assert message["To"] == "manager@demo.local"
        token = LINK_RE.search(body_of(message)).group(1)
        assert demo.exec(select(PasswordReset)).one().token_hash != token  # stored hashed
        done = _reset(browser, token)
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert "Monitor" in browser.get("/").text  # signed in with the new password's session
        assert old_browser.get("/monitor", follow_redirects=False).status_code == 303  # the old session is gone
        again = browser.get(f"/wachtwoord-herstellen?token={token}")
        assert again.status_code == 410  # once only
    demo.expire_all()
    manager = demo.exec(select(User).where(User.email == "manager@demo.local")).one()
    assert verify_password("mijn nieuwe wachtwoord", manager.password_hash)
    actions = [e.action for e in demo.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert "password.reset_requested" in actions and "password.reset" in actions


def test_unknown_and_known_addresses_get_the_same_answer(client, demo):
    known, unknown = _ask(client, "trainer@demo.local"), _ask(client, "niemand@example.org")
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]+"|"X-CSRF-Token": "[^"]+"', "", html)  # noqa: E731
    assert (known.status_code, strip(known.text)) == (unknown.status_code, strip(unknown.text))
    assert [m.to_address for m in demo.exec(select(OutboundMail))] == ["trainer@demo.local"]


def test_an_invitee_without_a_password_gets_a_new_invitation(client, demo):
    demo.add(User(name="Nog Niet", email="nognniet@example.org", role="trainer"))
    demo.commit()
    _ask(client, "nognniet@example.org")
    mail = demo.exec(select(OutboundMail)).one()
    assert "/uitnodiging?token=" in mail.body and "wachtwoord-herstellen" not in mail.body
    assert demo.exec(select(PasswordReset)).all() == [] and len(demo.exec(select(Invitation)).all()) == 1


def test_requests_are_limited_per_address_and_per_client(make_client, demo):
    c = make_client()
    answers = [_ask(c, "trainer@demo.local").status_code for _ in range(password_reset.MAX_PER_ADDRESS + 1)]
    assert answers[-1] == 429 and set(answers[:-1]) == {200}
    assert len(demo.exec(select(OutboundMail)).all()) == password_reset.MAX_PER_ADDRESS
    other = make_client()  # the same client address ("testclient"): 3 requests of it are counted already
    for i in range(password_reset.MAX_PER_CLIENT - password_reset.MAX_PER_ADDRESS):
        assert _ask(other, f"x{i}@example.org").status_code == 200
    assert _ask(other, "nobody-else@example.org").status_code == 429  # the client's limit


def test_an_expired_a_replaced_and_a_wrong_link_are_refused(client, demo):
    manager = demo.exec(select(User).where(User.email == "manager@demo.local")).one()
    old = password_reset.issue_reset(demo, user=manager)
    new = password_reset.issue_reset(demo, user=manager)
    expired = password_reset.issue_reset(
        demo, user=demo.exec(select(User).where(User.email == "admin@demo.local")).one()
    )
    expired.reset.expires_at = expired.reset.created_at - timedelta(seconds=1)
    demo.add(expired.reset)
    demo.commit()
    assert client.get(f"/wachtwoord-herstellen?token={old.token}").status_code == 410
    assert client.get(f"/wachtwoord-herstellen?token={expired.token}").status_code == 410
    assert client.get("/wachtwoord-herstellen?token=" + "x" * 43).status_code == 400
    weak = _reset(client, new.token, "kort")
    assert weak.status_code == 422 and 'aria-invalid="true"' in weak.text
    assert _reset(client, new.token, "een goed wachtwoord", "iets anders dan dat").status_code == 422
    assert _reset(client, new.token).status_code == 303
