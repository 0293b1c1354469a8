"""The audit trail: entries carry who, from where, what and the result; append-only; searched, paged and pruned."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlmodel import Session, select

from training import audit_trail
from training.audit_trail import Actor, AuditFilter
from training.models import AuditEntry, User, utcnow


def _user(db, email="beheer@example.org", name="Bea Beheer", role="admin") -> User:
    user = User(name=name, email=email, role=role)
    db.add(user)
    db.flush()
    return user


def test_an_entry_takes_the_actor_from_the_session(db):
    user = _user(db)
    audit_trail.set_actor(db, Actor(user.id, "admin", "10.1.2.3"))
    entry = audit_trail.record(
        db,
        action="organisation.created",
        object_type="organisation",
        object_id=7,
        details={"name": "Gemeente Schiedam"},
    )
    db.commit()
    stored = db.get(AuditEntry, entry.id)
    assert (stored.user_id, stored.role, stored.client_address, stored.channel) == (user.id, "admin", "10.1.2.3", "web")
    assert (stored.action, stored.object_type, stored.object_id, stored.result) == (
        "organisation.created",
        "organisation",
        "7",
        "ok",
    )


def test_without_an_actor_the_entry_is_the_command_line(db):
    entry = audit_trail.record(db, action="wijken.imported")
    assert (entry.channel, entry.user_id, entry.client_address) == ("cli", None, None)


@pytest.mark.parametrize("key", ["password", "new_password", "token", "answers", "note_text", "wachtwoord"])
def test_secrets_answers_and_notes_are_refused_as_details(db, key):
    with pytest.raises(ValueError):
        audit_trail.record(db, action="user.changed", details={key: "x"})


def test_search_filters_by_who_action_and_period_and_pages(db):
    bea = _user(db)
    other = _user(db, email="tom@example.org", name="Tom Trainer", role="trainer")
    now = utcnow()
    for _ in range(7):
        audit_trail.record(db, action="login.succeeded", actor=Actor(bea.id, "admin", "1.1.1.1"), now=now)
    audit_trail.record(
        db,
        action="login.failed",
        actor=Actor(other.id, "trainer", "2.2.2.2"),
        result="failed",
        now=now - timedelta(days=10),
    )
    db.commit()
    assert audit_trail.search(db, flt=AuditFilter(user="tom")).total == 1
    assert audit_trail.search(db, flt=AuditFilter(user=str(bea.id))).total == 7
    assert audit_trail.search(db, flt=AuditFilter(user="BEHEER@example")).total == 7
    assert audit_trail.search(db, flt=AuditFilter(action="login")).total == 8  # a prefix matches its family
    assert audit_trail.search(db, flt=AuditFilter(action="login.failed")).total == 1
    today = now.date()
    assert audit_trail.search(db, flt=AuditFilter(date_from=today)).total == 7
    assert audit_trail.search(db, flt=AuditFilter(date_to=today - timedelta(days=5))).total == 1
    page = audit_trail.search(db, flt=AuditFilter(), page=2, page_size=3)
    assert (page.total, page.pages, page.page, len(page.lines)) == (8, 3, 2, 3)
    assert audit_trail.search(db, flt=AuditFilter(), page=99, page_size=3).page == 3


def test_csv_is_spreadsheet_safe(db):
    evil = _user(db, name='=HYPERLINK("http://x")')
    audit_trail.record(db, action="login.succeeded", actor=Actor(evil.id, "admin", "1.1.1.1"))
    csv = audit_trail.audit_csv(audit_trail.all_matching(db, flt=AuditFilter()))
    assert csv.splitlines()[0].startswith("tijdstip_utc,gebruiker_id,naam")
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv


def test_prune_deletes_only_older_entries_and_records_itself(db):
    now = utcnow()
    audit_trail.record(db, action="login.succeeded", now=now - timedelta(days=400))
    audit_trail.record(db, action="login.succeeded", now=now - timedelta(days=10))
    db.commit()
    assert audit_trail.prune(db, retention_days=365, now=now) == 1
    db.commit()
    actions = [e.action for e in db.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["login.succeeded", "audit.pruned"]
    with pytest.raises(ValueError):
        audit_trail.prune(db, retention_days=7)


def test_updating_an_entry_is_refused_by_the_database(db):
    entry = audit_trail.record(db, action="login.succeeded")
    db.commit()
    with pytest.raises(sa_exc.DatabaseError):
        db.execute(text("UPDATE audit_entry SET action = 'nothing' WHERE id = :id"), {"id": entry.id})
    db.rollback()


@pytest.mark.postgres_only
def test_postgresql_refuses_update_and_delete_through_the_apps_role(engine, is_postgres):
    if not is_postgres:
        pytest.skip("the append-only trigger for DELETE is PostgreSQL's")
    now = utcnow()
    with Session(engine) as s:
        recent = audit_trail.record(s, action="login.succeeded", now=now).id
        old = audit_trail.record(s, action="login.succeeded", now=now - timedelta(days=400)).id
        s.commit()
    for statement in (
        "UPDATE audit_entry SET result = 'failed' WHERE id = :id",
        "DELETE FROM audit_entry WHERE id = :id",
    ):
        for entry_id in (recent, old):
            with Session(engine) as s, pytest.raises(sa_exc.DatabaseError, match="append-only"):
                s.execute(text(statement), {"id": entry_id})
    # Even the prune switch lets no recent entry go.
    with Session(engine) as s, pytest.raises(sa_exc.DatabaseError, match="append-only"):
        s.execute(text("SET LOCAL ract.audit_prune = 'on'"))
        s.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": recent})
    with Session(engine) as s:
        assert audit_trail.prune(s, retention_days=30, now=now) == 1
        s.commit()
        assert s.get(AuditEntry, recent) is not None and s.get(AuditEntry, old) is None


def test_filter_keeps_its_query(db):
    flt = AuditFilter(user="bea", action="login", date_from=date(2026, 1, 2))
    assert flt.as_query() == {"wie": "bea", "actie": "login", "van": "2026-01-02"}


def test_every_action_the_code_records_has_a_dutch_label():
    """The audit page's filter and rows show labels; an action without one would show its code (export.aggregate)."""
    import re
    from pathlib import Path

    from monitor.exports.research import KINDS
    from training.audit_trail import ACTION_LABELS

    src = Path(__file__).resolve().parents[2] / "src"
    recorded = {m for p in src.rglob("*.py") for m in re.findall(r'action="([a-z_.]+)"', p.read_text(encoding="utf-8"))}
    recorded |= {f"export.research_{kind.split('_')[0]}" for kind in KINDS}  # built from the kind (exports.research)
    assert recorded - set(ACTION_LABELS) == set()
