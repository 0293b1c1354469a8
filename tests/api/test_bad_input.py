"""Bad input never gives a 500: ids out of range, control characters, non-ASCII digits and over-long values get a
clear 4xx (a Dutch page, an htmx fragment or JSON), on SQLite and on PostgreSQL (where they used to reach the
database and fail there)."""

from __future__ import annotations

import typing

import pytest
from fastapi.routing import APIRoute
from sqlmodel import select

from api.authz import ACCESS, PUBLIC
from api.inputs import MAX_ID
from tests.api.test_authz_matrix import api_routes, sample_path, samples  # noqa: F401 (samples is a fixture)
from training.models import Role, User

BAD_IDS = [2**31, 2**63, -1, 0]

# Ids that handlers read from the form or query by hand (api.inputs.parse_id), not through a typed parameter.
HAND_PARSED: list[tuple[str, str, str]] = [
    ("create_cohort", "form", "organisation_id"),
    ("create_cohort", "form", "trainer_ids"),
    ("update_cohort", "form", "organisation_id"),
    ("update_cohort", "form", "trainer_ids"),
    ("invite_trainee", "form", "wijk_id"),
    ("move_trainee", "form", "target_cohort_id"),
    ("send_reminders", "form", "enrolment_ids"),
    ("save_paper_entry", "form", "deelnemer"),
    ("cohort_page", "query", "wijk"),
    ("cohort_progress_csv", "query", "wijk"),
    ("cohort_progress_xlsx", "query", "wijk"),
]


def _params(dependant):
    for kind in ("path", "query", "body"):
        for field in getattr(dependant, f"{kind}_params"):
            yield kind, field
    for sub in dependant.dependencies:
        yield from _params(sub)


def _is_int(annotation) -> bool:
    return annotation is int or int in typing.get_args(annotation)


def int_parameters(app) -> list[tuple[object, str, str]]:
    """(route, location, name) of every int parameter of every route, those of its dependencies included."""
    found = []
    for route in api_routes(app):
        declared = {(kind, f.alias) for kind, f in _params(route.route.dependant) if _is_int(f.field_info.annotation)}
        found += [(route, "form" if kind == "body" else kind, name) for kind, name in sorted(declared)]
    by_name = {route.name: route for route in api_routes(app)}
    found += [(by_name[name], kind, param) for name, kind, param in HAND_PARSED]
    return found


def test_every_int_parameter_is_bounded_to_the_database_range(app):
    unbounded = []
    for route in api_routes(app):
        assert isinstance(route.route, APIRoute)
        for kind, field in _params(route.route.dependant):
            if not _is_int(field.field_info.annotation):
                continue
            bounds = {type(m).__name__: m for m in field.field_info.metadata}
            if "Ge" not in bounds or "Le" not in bounds or bounds["Le"].le > MAX_ID or bounds["Ge"].ge < 1:
                unbounded.append(f"{route.name}: {kind} {field.alias}")
    assert unbounded == [], "use api.inputs.PathId/QueryId/FormId for these parameters"


def _role_for(route_name: str) -> Role:
    rule = ACCESS[route_name]
    if rule == PUBLIC:
        return Role.admin
    return next(role for role in (Role.admin, Role.trainee, Role.trainer, Role.manager) if role in rule)


@pytest.fixture
def signed_in(login_as):
    clients: dict[Role, object] = {}

    def _as(role: Role):
        if role not in clients:
            clients[role] = login_as(role.value)
        return clients[role]

    return _as


def test_ids_out_of_range_in_path_query_or_form_are_a_4xx_on_every_route(app, signed_in, samples):  # noqa: F811
    params = int_parameters(app)
    assert len({route.name for route, _, _ in params}) >= 17
    failures = []
    for route, kind, name in params:
        c = signed_in(_role_for(route.name))
        for bad in BAD_IDS:
            path = sample_path(route, samples | ({name: str(bad)} if kind == "path" else {}))
            for method in sorted(route.methods - {"HEAD"}):
                query = {name: str(bad)} if kind == "query" else None
                data = {name: str(bad)} if kind == "form" and method == "POST" else None
                if kind == "form" and data is None:
                    continue
                r = c.request(
                    method, path, params=query, data=data, follow_redirects=False, headers={"Accept": "text/html"}
                )
                label = f"{method} {route.path} {kind} {name}={bad} -> {r.status_code}"
                if r.status_code >= 500:
                    failures.append(label)
                elif kind == "path" and r.status_code != 404:
                    failures.append(label + " (expected 404)")
                elif kind == "query" and route.name not in {n for n, _, _ in HAND_PARSED} and r.status_code != 422:
                    failures.append(label + " (expected 422)")
    assert failures == []


def test_an_out_of_range_id_gets_the_dutch_404_page_htmx_fragment_and_json(login_as):
    c = login_as("admin")
    r = c.get(f"/groepen/{2**31}")
    assert r.status_code == 404 and "<html" in r.text and "Deze pagina bestaat niet." in r.text
    assert r.headers["x-frame-options"] == "DENY"
    r = c.get(f"/groepen/{2**63}", headers={"HX-Request": "true"})
    assert r.status_code == 404 and "<html" not in r.text and 'id="foutmelding"' in r.text
    r = c.get(f"/api/v1/monitor/cohorts/{2**31}")
    assert r.status_code == 404 and r.json() == {"detail": "Deze pagina bestaat niet."}
    r = c.get("/api/v1/monitor", params={"cohort_id": 2**31})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "cohort_id"]


# --- control characters -----------------------------------------------------------------------------------------


def test_a_nul_byte_in_a_cohort_name_is_a_422_and_nothing_is_saved(login_as, db):
    from training.models import Cohort

    c = login_as("trainer")
    before = db.exec(select(Cohort)).all()
    page = c.get("/groepen/nieuw")
    assert page.status_code == 200
    r = c.post("/groepen/nieuw", data={"name": "Groep\x00A", "start_date": "2026-01-01", "end_date": "2026-06-01"})
    assert r.status_code == 422
    assert "bevat een ongeldig teken" in r.text
    db.expire_all()
    assert len(db.exec(select(Cohort)).all()) == len(before)


def test_a_nul_byte_in_a_reflection_note_is_a_422_fragment(login_as, app, db):
    from training.models import ReflectionNote

    module = app.state.modules[0]
    prompt = module.reflection_prompts[0]
    c = login_as("trainee")
    r = c.post(
        f"/modules/{module.id}/notities/{prompt.id}", data={"text": "mijn\x00notitie"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 422
    assert "<html" not in r.text and "ongeldig teken" in r.text
    assert db.exec(select(ReflectionNote).where(ReflectionNote.text.contains("notitie"))).all() == []
    # line breaks and tabs in multi-line text stay allowed
    ok = c.post(
        f"/modules/{module.id}/notities/{prompt.id}",
        data={"text": "regel 1\r\n\tregel 2"},
        headers={"HX-Request": "true"},
    )
    assert ok.status_code in (200, 409), ok.text[:300]


def _own_open_response(c, db) -> int:
    """The trainee's T0 response (started when needed) and its first open question."""
    from monitor.models import QuestionnaireResponse
    from training.models import Enrolment

    trainee = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = db.exec(select(Enrolment).where(Enrolment.user_id == trainee.id)).first()
    existing = db.exec(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.enrolment_id == enrolment.id, QuestionnaireResponse.status == "in_progress"
        )
    ).first()
    if existing:
        return existing.id
    r = c.post("/vragenlijsten/starten", data={"enrolment_id": enrolment.id, "moment": "T0"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return int(r.headers["location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("text", ["ant\x00woord", "bel\x07l", "esc\x1b[31m", "c1\x85"])
def test_control_characters_in_an_open_answer_are_a_422(login_as, db, text):
    c = login_as("trainee")
    response_id = _own_open_response(c, db)
    r = c.post(f"/vragenlijsten/{response_id}/open/O1", data={"o-O1": text}, headers={"HX-Request": "true"})
    assert r.status_code == 422
    assert "ongeldig teken" in r.text


def test_control_characters_in_the_query_or_path_are_a_422_json_for_the_api(login_as):
    c = login_as("manager")
    r = c.get("/api/v1/monitor", params={"moment_from": "T0\x00"})
    assert r.status_code == 422
    assert "ongeldig teken" in r.json()["detail"]
    r = login_as("trainer").get("/groepen/1/import/abc%00def")
    assert r.status_code == 422


def test_a_csv_upload_with_nul_bytes_is_refused_with_its_line(login_as, db):
    from training.models import Cohort

    c = login_as("trainer")
    cohort = db.exec(select(Cohort).order_by(Cohort.id)).first()
    data = b"naam,email,wijk\nAnna\x00,anna@example.org,Carnisse\n"
    r = c.post(f"/groepen/{cohort.id}/import", files={"bestand": ("lijst.csv", data, "text/csv")})
    assert r.status_code < 500
    assert "Regel 2 van het bestand bevat een ongeldig teken" in r.text


# --- non-ASCII digits and over-long values ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "٣", "３", "1²"])
def test_non_ascii_digits_as_an_answer_get_the_invalid_answer_message(login_as, db, value):
    c = login_as("trainee")
    response_id = _own_open_response(c, db)
    r = c.post(
        f"/vragenlijsten/{response_id}/antwoord", data={"item": "KEN1", "value": value}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 422
    assert "Kies bij vraag KEN1 een antwoord van" in r.text


def test_non_ascii_digits_as_ids_in_hand_parsed_fields_are_no_id(login_as, db):
    from training.models import Cohort

    c = login_as("trainer")
    cohort = db.exec(select(Cohort).order_by(Cohort.id)).first()
    r = c.get(f"/groepen/{cohort.id}", params={"wijk": "²"})
    assert r.status_code == 200
    r = c.post(f"/groepen/{cohort.id}/papier", data={"deelnemer": "３", "moment": "T0"})
    assert r.status_code < 500


def test_an_over_long_trainee_name_is_a_422_not_a_database_error(login_as, db):
    from training.models import Cohort, Wijk

    c = login_as("trainer")
    cohort = db.exec(select(Cohort).order_by(Cohort.id)).first()
    wijk = db.exec(select(Wijk).where(Wijk.organisation_id == cohort.organisation_id)).first()
    r = c.post(
        f"/groepen/{cohort.id}/deelnemers",
        data={"name": "N" * 250, "email": "lang@example.org", "wijk_id": str(wijk.id)},
    )
    assert r.status_code == 422
    assert "hoogstens 200 tekens" in r.text


def test_over_long_values_in_typed_fields_are_a_422(login_as):
    c = login_as("manager")
    r = c.post("/login", data={"email": "x" * 400, "password": "y"})
    assert r.status_code == 422
