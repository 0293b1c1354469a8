"""Every route is classified in api.authz.ACCESS and answers each role as that table says."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import select

from api.authz import ACCESS, FRAMEWORK_ROUTES, PUBLIC
from tests.sessions import CSRF, session_cookie
from training.models import Role, User

ROLES = [None, *Role]


def all_routes(app):
    """Every route of the app, included routers flattened (name, path, methods, is an APIRoute)."""
    return list(iter_route_contexts(app.router.routes))


def api_routes(app):
    return [r for r in all_routes(app) if isinstance(getattr(r, "original_route", r), APIRoute)]


def test_every_route_has_an_access_rule(app):
    routes = api_routes(app)
    assert len(routes) >= 10
    unclassified = [r.name for r in routes if r.name not in ACCESS]
    assert unclassified == [], f"add these routes to api.authz.ACCESS: {unclassified}"
    others = {r.name for r in all_routes(app)} - {r.name for r in routes}
    assert others <= FRAMEWORK_ROUTES, f"unexpected non-API routes: {others - FRAMEWORK_ROUTES}"


def test_access_table_has_no_stale_entries(app):
    names = {r.name for r in api_routes(app)}
    assert set(ACCESS) - names == set(), "ACCESS lists routes that no longer exist"


def sample_path(route, samples: dict[str, str]) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        assert name in samples, f"add a sample value for path parameter {name!r} in test_authz_matrix.samples"
        return samples[name]

    return re.sub(r"{([^}]+)}", fill, route.path)


@pytest.fixture
def samples(demo, app) -> dict[str, str]:
    """Sample values for path parameters: objects of the demo organisation that every allowed role may see."""
    from training.models import Cohort

    cohort = demo.exec(select(Cohort).order_by(Cohort.id)).first()
    from training.models import Wijk

    module = app.state.modules[0]
    prompt = module.reflection_prompts[0]
    wijk = demo.exec(select(Wijk).order_by(Wijk.id)).first()
    from monitor.models import QuestionnaireResponse

    # questionnaires: someone else's response, so a trainee gets 404 and never an answer
    response = demo.exec(select(QuestionnaireResponse).order_by(QuestionnaireResponse.id)).first()
    from training.models import Enrolment

    # trainer workspace: an enrolment of the sample cohort; an import token that does not exist (404 for the allowed)
    enrolment = demo.exec(select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)).first()
    workspace = {"enrolment_id": str(enrolment.id), "import_token": "no-such-import", "table": "monitor"}
    # staff pages: an account nobody in this test signs in as (it gets deactivated along the way)
    account = demo.exec(
        select(User).where(User.role == "trainee", User.email != "trainee@demo.local").order_by(User.id.desc())
    ).first()
    workspace["user_id"] = str(account.id)
    return workspace | {
        "cohort_id": str(cohort.id),
        "module_id": module.id,
        "section_id": module.sections[0].id,
        "prompt_id": prompt.id,
        "wijk_id": str(wijk.id),
        "response_id": str(response.id),
        "step": "1",
        "question_id": "O1",
        "organisation_id": str(cohort.organisation_id),
        "gebied_id": str(wijk.gebied_id),
    }


def test_every_route_answers_every_role_as_declared(app, client, demo, samples, settings):
    users = {role: demo.exec(select(User).where(User.email == f"{role.value}@demo.local")).one() for role in Role}
    failures = []
    for route in api_routes(app):
        rule = ACCESS[route.name]
        path = sample_path(route, samples)
        for method in sorted(route.methods - {"HEAD"}):
            for role in ROLES:
                user = users.get(role)
                client.cookies.clear()
                client.cookies.set(
                    "ract_session", session_cookie(settings.secret_key, user_id=user.id if user else None, db=demo)
                )
                response = client.request(
                    method, path, headers={"X-CSRF-Token": CSRF, "Accept": "text/html"}, follow_redirects=False
                )
                allowed = rule == PUBLIC or (role is not None and role in rule)
                code = response.status_code
                label = f"{method} {path} as {role.value if role else 'anonymous'} -> {code}"
                if code >= 500:
                    failures.append(label + " (server error)")
                elif allowed and code in (401, 403):
                    failures.append(label + " (should be allowed)")
                elif not allowed and role is None:
                    is_api = path.startswith("/api/")
                    expected = 401 if is_api else 303
                    if code != expected or (not is_api and not response.headers["location"].startswith("/login")):
                        failures.append(label + f" (anonymous should get {expected} to /login)")
                elif not allowed and code != 403:
                    failures.append(label + " (should be 403)")
    assert failures == []
