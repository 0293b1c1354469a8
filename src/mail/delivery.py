"""Delivering the outbox over SMTP, outside any request transaction: claim a message, send it, record the outcome."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from mail import outbox
from training.models import OutboundMail

log = logging.getLogger("ract.mail")


class Settings(Protocol):
    """What delivery needs of the configuration (``api.settings.Settings`` has it): mail never imports the web layer."""

    @property
    def smtp_host(self) -> str | None: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_user(self) -> str | None: ...
    @property
    def smtp_password(self) -> str | None: ...
    @property
    def smtp_tls(self) -> str: ...
    @property
    def smtp_timeout_seconds(self) -> float: ...
    @property
    def mail_from(self) -> str: ...


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    failed: int


def _connect(settings: Settings, host: str) -> smtplib.SMTP:
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, settings.smtp_port, timeout=timeout)
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.smtp_user:
        smtp.login(settings.smtp_user, settings.smtp_password or "")
    return smtp


def _email(settings: Settings, mail: OutboundMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"ract-{mail.id}")
    message.set_content(mail.body)
    return message


def deliver_queued(engine: Engine, settings: Settings, *, limit: int = 200) -> DeliveryResult:
    """Send what is waiting in the outbox. Never raises: failures are recorded on the message and retried later.

    Each message is claimed with an atomic update before it is sent, so concurrent runs never send it twice.
    Without RACT_SMTP_HOST (development) nothing is sent and the messages stay visible on the outbox page.
    """
    host = settings.smtp_host
    if not host:
        return DeliveryResult(0, 0)
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    connect_error: Exception | None = None
    try:
        with Session(engine, expire_on_commit=False) as session:
            ids = outbox.deliverable_ids(session, limit=limit)
        for mail_id in ids:
            with Session(engine, expire_on_commit=False) as session:
                mail = outbox.claim(session, mail_id=mail_id)
                session.commit()
            if mail is None:
                continue
            try:
                if connect_error is not None:
                    raise connect_error  # the server is unreachable: do not try again for every message
                try:
                    smtp = smtp or _connect(settings, host)
                except Exception as exc:
                    connect_error = exc
                    raise
                smtp.send_message(_email(settings, mail))
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:1000]
                log.warning("mail_failed id=%s attempt=%s error=%s", mail.id, mail.attempts, type(exc).__name__)
                with Session(engine, expire_on_commit=False) as session:
                    outbox.mark_failed(session, mail=session.merge(mail), error=error)
                    session.commit()
                failed += 1
                if smtp is not None:
                    with contextlib.suppress(Exception):
                        smtp.close()
                smtp = None
                continue
            with Session(engine, expire_on_commit=False) as session:
                outbox.mark_sent(session, mail=session.merge(mail))
                session.commit()
            sent += 1
    except Exception:
        log.exception("mail_delivery_error")
    finally:
        if smtp is not None:
            with contextlib.suppress(Exception):
                smtp.quit()
    if sent or failed:
        log.info("mail_delivery sent=%s failed=%s", sent, failed)
    return DeliveryResult(sent, failed)
