"""Organisation pages: beheer creates an organisation and imports its wijken (preview, then all-or-nothing);
a manager reads their own organisation; the same from the command line."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app as cli
from training.models import Organisation, Wijk

CSV = "code,naam,gebied\nWK061001,Centrum,Schiedam-Centrum\nWK061002,Oost,Schiedam-Oost\n"


@pytest.fixture
def fresh_settings():
    """The command line reads settings once per process: clear them around a test that points it elsewhere."""
    from api.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_admin_creates_an_organisation_and_imports_its_wijken(login_as, demo):
    admin = login_as("admin")
    created = admin.post("/beheer/organisaties", data={"name": "Gemeente Schiedam"}, follow_redirects=False)
    assert created.status_code == 303
    org_url = created.headers["location"]
    page = admin.get(org_url)
    assert "Gemeente Schiedam" in page.text and "nog geen gebieden en wijken" in page.text
    dup = admin.post("/beheer/organisaties", data={"name": "gemeente schiedam"})
    assert dup.status_code == 422 and "bestaat al" in dup.text and 'aria-invalid="true"' in dup.text
    upload = admin.post(
        org_url + "/wijken-import",
        files={"bestand": ("schiedam.csv", CSV.encode(), "text/csv")},
        data={"nieuwe_gebieden": "on"},
        follow_redirects=False,
    )
    preview_url = upload.headers["location"]
    preview = admin.get(preview_url)
    assert "Alle 2 regels zijn in orde" in preview.text and "Schiedam-Oost" in preview.text
    org = demo.exec(select(Organisation).where(Organisation.name == "Gemeente Schiedam")).one()
    assert demo.exec(select(Wijk).where(Wijk.organisation_id == org.id)).all() == []  # nothing before confirming
    assert admin.post(preview_url, follow_redirects=False).status_code == 303
    demo.expire_all()
    assert {w.name for w in demo.exec(select(Wijk).where(Wijk.organisation_id == org.id))} == {"Centrum", "Oost"}
    assert admin.post(preview_url).status_code == 409  # once only


def test_a_bad_file_lists_every_bad_row_and_offers_no_import(login_as, demo):
    admin = login_as("admin")
    org = demo.exec(select(Organisation)).first()
    bad = "code,naam,gebied\nWK1,Afrikaanderwijk,Feijenoord\nWK2,Nieuw,Nergens\n"
    upload = admin.post(
        f"/beheer/organisaties/{org.id}/wijken-import",
        files={"bestand": ("w.csv", bad.encode(), "text/csv")},
        follow_redirects=False,
    )
    preview = admin.get(upload.headers["location"])
    assert "2 van de 2 regels bevatten fouten" in preview.text
    assert "Regel 2" in preview.text and "Regel 3" in preview.text and "‘Nergens’ bestaat niet" in preview.text
    assert "wijken importeren</button>" not in preview.text
    token = upload.headers["location"].rsplit("/", 1)[1]
    refused = admin.post(f"/beheer/organisaties/{org.id}/wijken-import/{token}")
    assert refused.status_code == 422
    assert demo.exec(select(Wijk).where(Wijk.name == "Nieuw")).first() is None


def test_admin_adds_renames_and_archives_gebieden_and_wijken(login_as, demo):
    admin = login_as("admin")
    org = demo.exec(select(Organisation)).first()
    base = f"/beheer/organisaties/{org.id}"
    assert admin.post(base + "/gebieden", data={"gebied_name": "Centrum"}, follow_redirects=False).status_code == 303
    page = admin.get(base)
    gebied_id = re.search(r'/gebieden/(\d+)" class="filters"', page.text.split(">Centrum<")[1]).group(1)
    made = admin.post(base + "/wijken", data={"name": "Cool", "code": "x y", "gebied_id": gebied_id})
    assert made.status_code == 422 and 'id="code"' in made.text and "Een wijkcode bestaat uit" in made.text
    assert (
        admin.post(
            base + "/wijken", data={"name": "Cool", "code": "", "gebied_id": gebied_id}, follow_redirects=False
        ).status_code
        == 303
    )
    cool = demo.exec(select(Wijk).where(Wijk.name == "Cool")).one()
    assert admin.get(f"{base}/wijken/{cool.id}").status_code == 200
    assert (
        admin.post(
            f"{base}/wijken/{cool.id}",
            data={"name": "Cool-Zuid", "code": "WK059901", "gebied_id": gebied_id},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert admin.post(f"{base}/wijken/{cool.id}/archiveren", follow_redirects=False).status_code == 303
    demo.expire_all()
    cool = demo.get(Wijk, cool.id)
    assert (cool.name, cool.code, cool.archived_at is not None) == ("Cool-Zuid", "WK059901", True)


def test_manager_reads_own_organisation_only(login_as, demo):
    manager = login_as("manager")
    org = demo.exec(select(Organisation)).first()
    assert (
        manager.get("/beheer/organisaties", follow_redirects=False).headers["location"]
        == f"/beheer/organisaties/{org.id}"
    )
    page = manager.get(f"/beheer/organisaties/{org.id}")
    assert page.status_code == 200 and "Afrikaanderwijk" in page.text and "Wijk toevoegen" not in page.text
    admin = login_as("admin")
    other = admin.post("/beheer/organisaties", data={"name": "Gemeente Vlaardingen"}, follow_redirects=False)
    assert manager.get(other.headers["location"]).status_code == 404


def test_cli_creates_an_organisation_and_imports_wijken(fresh_settings, monkeypatch, db_url_engine, db, tmp_path):
    url, _ = db_url_engine
    monkeypatch.setenv("RACT_DATABASE_URL", url)
    runner = CliRunner()
    first = runner.invoke(
        cli,
        [
            "create-user",
            "--role",
            "admin",
            "--email",
            "beheer@schiedam.nl",
            "--name",
            "Bea",
            "--password",
            "een goed wachtwoord",
        ],
    )  # the empty database's first account
    assert first.exit_code == 0, first.output
    ok = runner.invoke(cli, ["organisation", "create", "Gemeente Schiedam"])
    assert ok.exit_code == 0, ok.output
    assert runner.invoke(cli, ["organisation", "create", "Gemeente Schiedam"]).exit_code == 1
    good = tmp_path / "w.csv"
    good.write_text(CSV)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,naam,gebied\nWK1,A,X\nWK1,B,X\n")
    refused = runner.invoke(cli, ["wijken", "import", str(bad), "--organisation", "Gemeente Schiedam"])
    assert refused.exit_code == 1 and "Regel 3: De code WK1 staat al op regel 2" in refused.output
    assert db.exec(select(Wijk)).all() == []
    done = runner.invoke(cli, ["wijken", "import", str(good), "--organisation", "Gemeente Schiedam"])
    assert done.exit_code == 0 and "Imported 2 wijken" in done.output
    unknown = runner.invoke(cli, ["wijken", "import", str(good), "--organisation", "Gemeente Nergens"])
    assert unknown.exit_code == 2
    from training.models import AuditEntry

    actions = [e.action for e in db.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["user.created", "organisation.created", "wijken.imported"]
    assert {e.channel for e in db.exec(select(AuditEntry))} == {"cli"}
