"""The outbox reaches a real SMTP server after the request commits; when SMTP is down mail waits, is shown as not
sent, and goes out on a later run. Concurrent runs send each message once."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from mail.delivery import deliver_queued
from mail.outbox import Message, queue_mail
from tests.conftest import login
from tests.smtp import body_of, free_port, smtp_settings
from training.models import Cohort, OutboundMail, Wijk


def invite(client, db, email: str):
    cohort = db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners voorjaar")).one()
    wijk = db.exec(select(Wijk).where(Wijk.name == "Bloemhof")).one()
    return client.post(
        f"/groepen/{cohort.id}/deelnemers",
        follow_redirects=False,
        data={"name": "Eva Mail", "email": email, "wijk_id": str(wijk.id)},
    )


def test_invitation_is_delivered_to_the_smtp_server_after_the_request(settings, engine, demo, db, smtp_server):
    app = create_app(smtp_settings(settings, smtp_server.port), engine=engine)
    with TestClient(app) as client:
        login(client, "trainer@demo.local")
        assert invite(client, db, "eva@example.nl").status_code == 303
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "eva@example.nl" and message["Subject"] == "Uitnodiging leerplatform Resourcegroepen"
    assert "http://testserver/uitnodiging?token=" in body_of(message)
    db.expire_all()
    mail = db.exec(select(OutboundMail)).one()
    assert (mail.status, mail.attempts, mail.sent_at is not None) == ("sent", 1, True)
    assert "token=[verborgen]" in mail.body  # once sent, the link lives only in the recipient's mailbox
    assert deliver_queued(engine, smtp_settings(settings, smtp_server.port)).sent == 0  # never twice


def test_smtp_down_keeps_the_mail_shows_it_as_not_sent_and_a_later_run_delivers(
    settings, engine, demo, db, smtp_server
):
    down = smtp_settings(settings, free_port())  # nothing listens there
    app = create_app(down, engine=engine)
    with TestClient(app) as client:
        login(client, "trainer@demo.local")
        assert invite(client, db, "eva@example.nl").status_code == 303  # the request does not break
        outbox = client.get("/berichten")
        assert "niet verzonden" in outbox.text and "eva@example.nl" in outbox.text
        assert "token=[verborgen]" in outbox.text  # with a real mail server, staff never see a usable link
        cohort = db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners voorjaar")).one()
        assert "niet verzonden" in client.get(f"/groepen/{cohort.id}/deelnemers").text
    db.expire_all()
    mail = db.exec(select(OutboundMail)).one()
    assert mail.status == "failed" and mail.attempts == 1 and "ConnectionRefusedError" in mail.last_error
    result = deliver_queued(engine, smtp_settings(settings, smtp_server.port))
    assert (result.sent, result.failed) == (1, 0)
    assert [m["To"] for m in smtp_server.inbox.wait_for(1)] == ["eva@example.nl"]


def test_concurrent_delivery_runs_send_each_message_once(settings, engine, db, smtp_server):
    for i in range(20):
        queue_mail(db, message=Message(f"p{i}@example.nl", "Onderwerp", "Tekst"))
    db.commit()
    mail_settings = smtp_settings(settings, smtp_server.port)
    results = []
    threads = [threading.Thread(target=lambda: results.append(deliver_queued(engine, mail_settings))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in results) == 20
    received = sorted(m["To"] for m in smtp_server.inbox.wait_for(20))
    assert received == sorted(f"p{i}@example.nl" for i in range(20))


def test_without_smtp_host_nothing_is_sent_and_mail_stays_queued(settings, engine, db):
    queue_mail(db, message=Message("a@example.nl", "Onderwerp", "Tekst"))
    db.commit()
    assert deliver_queued(engine, settings).sent == 0
    assert db.exec(select(OutboundMail.status)).one() == "queued"


@pytest.mark.parametrize("attempts, expected", [(7, 1), (8, 0)])
def test_failed_mail_is_retried_a_limited_number_of_times(settings, engine, db, smtp_server, attempts, expected):
    mail = queue_mail(db, message=Message("a@example.nl", "Onderwerp", "Tekst"))
    mail.status, mail.attempts = "failed", attempts
    db.add(mail)
    db.commit()
    assert deliver_queued(engine, smtp_settings(settings, smtp_server.port)).sent == expected
