"""Organisations, gebieden and wijken: created, renamed and archived by beheer, imported from CSV all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from training import organisations
from training.enrolment import wijken_of
from training.errors import Conflict, NotFound, PermissionDenied
from training.models import AuditEntry, Gebied, Organisation, User, Wijk
from training.wijken_csv import parse_wijken_csv

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rotterdam-wijken.csv"


@pytest.fixture
def admin(db) -> User:
    user = User(name="Bea", email="bea@example.org", role="admin")
    db.add(user)
    db.flush()
    return user


def _import(db, org, text: str, *, create_gebieden=True) -> int:
    return organisations.import_wijken(
        db, user=None, organisation_id=org.id, data=text.encode(), create_gebieden=create_gebieden
    )


def test_create_rename_archive_an_organisation_with_audit(db, admin):
    org = organisations.create_organisation(db, user=admin, name="  Gemeente   Schiedam ")
    assert org.name == "Gemeente Schiedam"
    with pytest.raises(Conflict):
        organisations.create_organisation(db, user=admin, name="gemeente schiedam")
    organisations.rename_organisation(db, user=admin, organisation_id=org.id, name="Gemeente Schiedam (test)")
    organisations.archive_organisation(db, user=admin, organisation_id=org.id)
    assert db.get(Organisation, org.id).archived_at is not None
    actions = [e.action for e in db.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["organisation.created", "organisation.renamed", "organisation.archived"]


def test_only_admins_change_and_a_manager_sees_only_their_own(db, admin):
    org = organisations.create_organisation(db, user=admin, name="Gemeente Schiedam")
    other = organisations.create_organisation(db, user=admin, name="Gemeente Vlaardingen")
    manager = User(name="Mo", email="mo@example.org", role="manager", organisation_id=org.id)
    db.add(manager)
    db.flush()
    with pytest.raises(PermissionDenied):
        organisations.create_wijk(db, user=manager, organisation_id=org.id, name="Centrum")
    assert organisations.get_organisation(db, user=manager, organisation_id=org.id) == org
    with pytest.raises(NotFound):
        organisations.get_organisation(db, user=manager, organisation_id=other.id)
    assert organisations.list_organisations(db, user=manager) == [org]


def test_the_import_creates_gebieden_and_wijken_in_one_go(db):
    org = Organisation(name="Gemeente Schiedam")
    db.add(org)
    db.flush()
    n = _import(
        db,
        org,
        "code,naam,gebied\nWK061001,Centrum,Schiedam-Centrum\nwk061002,Oost,Schiedam-Oost\n"
        "WK061003,Nieuwland,Schiedam-Oost\n,Kethel,\n",
    )
    assert n == 4
    wijken = {w.name: w for w in db.exec(select(Wijk).where(Wijk.organisation_id == org.id))}
    gebieden = {g.id: g.name for g in db.exec(select(Gebied))}
    assert wijken["Oost"].code == "WK061002"  # codes are upper-cased
    assert gebieden[wijken["Nieuwland"].gebied_id] == "Schiedam-Oost" and wijken["Kethel"].gebied_id is None
    assert len(gebieden) == 2


def test_every_bad_row_is_named_and_nothing_is_written(db):
    org = Organisation(name="Gemeente Schiedam")
    db.add(org)
    db.flush()
    db.add(Wijk(organisation_id=org.id, name="Centrum", code="WK061001"))
    db.flush()
    text = (
        "code;naam;gebied\n"
        "WK061001;Nieuw;Oost\n"  # code in use
        "WK061009;centrum;Oost\n"  # name in use (any case)
        "WK061005;Groenoord;Oost\n"
        "WK061005;Woudhoek;Oost\n"  # code twice in the file
        ";Groenoord;Oost\n"  # name twice in the file
        "WK 06;Kethel;Noord\n"  # bad code, unknown gebied
        ";;Oost\n"
    )  # no name
    with pytest.raises(organisations.WijkenImportRefused) as refused:
        _import(db, org, text, create_gebieden=False)
    problems = "\n".join(refused.value.problems)
    for expected in (
        "Regel 2: De code WK061001 is al in gebruik voor de wijk ‘Centrum’",
        "Regel 3: Er bestaat al een wijk ‘Centrum’",
        "Regel 5: De code WK061005 staat al op regel 4",
        "Regel 6: De wijk ‘Groenoord’ staat al op regel 4",
        "Regel 7: De code ‘WK 06’ is ongeldig",
        "Het gebied ‘Noord’ bestaat niet in deze organisatie",
        "Regel 8: De naam van de wijk ontbreekt.",
    ):
        assert expected in problems
    assert len(refused.value.problems) == 7  # every row but line 4 is refused (line 4 alone is fine)
    assert db.exec(select(Wijk).where(Wijk.organisation_id == org.id)).all() == [db.exec(select(Wijk)).first()]
    assert db.exec(select(Gebied)).all() == []


@pytest.mark.parametrize(
    "text, problem",
    [
        (b"", "Het bestand is leeg"),
        (b"naam,gebied\nCentrum,Oost\n", "Ontbreekt: code"),
        (b"code,naam,gebied\n", "alleen een kopregel"),
        (b"code,naam,gebied\nA,B\x00,C\n", "Regel 2"),
    ],
)
def test_unreadable_files_say_why(text, problem):
    parsed = parse_wijken_csv(text)
    assert parsed.rows == [] and problem in " ".join(parsed.problems)


def test_an_archived_wijk_keeps_its_enrolments_and_is_not_offered_anymore(demo):
    from training.models import Enrolment

    enrolment = demo.exec(select(Enrolment).order_by(Enrolment.id)).first()
    wijk = demo.get(Wijk, enrolment.wijk_id)
    organisations.archive_wijk(demo, user=None, organisation_id=wijk.organisation_id, wijk_id=wijk.id)
    demo.commit()
    assert demo.get(Enrolment, enrolment.id).wijk_id == wijk.id
    assert wijk.id not in [w.id for w in wijken_of(demo, organisation_id=wijk.organisation_id)]
    lines = [
        line
        for block in organisations.structure(demo, organisation_id=wijk.organisation_id)
        for line in block.wijken
        if line.wijk.id == wijk.id
    ]
    assert lines[0].n_enrolments > 0 and lines[0].wijk.archived_at is not None


def test_rename_a_wijk_keeps_it_and_refuses_a_taken_name_or_code(db):
    org = Organisation(name="Gemeente Schiedam")
    db.add(org)
    db.flush()
    _import(db, org, "code,naam,gebied\nWK061001,Centrum,Midden\nWK061002,Oost,Midden\n")
    oost = db.exec(select(Wijk).where(Wijk.name == "Oost")).one()
    with pytest.raises(Conflict):
        organisations.update_wijk(db, user=None, organisation_id=org.id, wijk_id=oost.id, name="Centrum")
    with pytest.raises(Conflict):
        organisations.update_wijk(db, user=None, organisation_id=org.id, wijk_id=oost.id, name="Oost", code="wk061001")
    organisations.update_wijk(
        db, user=None, organisation_id=org.id, wijk_id=oost.id, name="Schiedam-Oost", code="WK061002"
    )
    assert db.get(Wijk, oost.id).name == "Schiedam-Oost"


def test_the_shipped_rotterdam_example_imports_cleanly(db):
    org = Organisation(name="Gemeente Rotterdam (voorbeeld)")
    db.add(org)
    db.flush()
    n = organisations.import_wijken(
        db, user=None, organisation_id=org.id, data=EXAMPLE.read_bytes(), create_gebieden=True
    )
    assert n >= 60
    assert len(db.exec(select(Gebied).where(Gebied.organisation_id == org.id)).all()) == 14
