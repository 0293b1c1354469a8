"""Schemathesis against /openapi.json, in-process, signed in as manager and as admin: no 5xx, and every answer is a
status code the operation documents, with a body that matches its documented schema.

Bounded for CI: a fixed number of examples per operation and generation mode, derandomized (the same cases on
every run), no Hypothesis database. The checks are chosen: ``positive_data_acceptance`` is left out because a
valid-looking cohort id that does not exist is rightly a 404, and ``negative_data_rejection`` because FastAPI
accepts ``?cohort_id=01`` and similar lenient spellings of valid values.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # the in-process client keeps the app's lifespan running until told


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_the_api_answers_as_documented_and_never_with_a_server_error(api_schema, login_as, role):
    client = login_as(role)
    headers = {
        "Cookie": f"ract_session={client.cookies['ract_session']}",
        "X-CSRF-Token": client.headers["X-CSRF-Token"],
    }
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/me", "/api/v1/monitor", "/api/v1/monitor/cohorts/{cohort_id}"}
    statuses: dict[str, set[int]] = {}
    for operation in operations:
        has_parameters = bool(list(operation.path_parameters) or list(operation.query))
        # invalid input needs something to make invalid: an operation without parameters has no negative cases
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_parameters else (GenerationMode.POSITIVE,)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                key = f"{operation.method.upper()} {operation.path}"  # noqa: B023 (run() runs in this iteration)
                statuses.setdefault(key, set()).add(response.status_code)

            run()
    # the session held: the signed-in role saw its data, not only 401s and 422s
    assert 200 in statuses["GET /api/v1/me"] and 200 in statuses["GET /api/v1/monitor"]
    assert 404 in statuses["GET /api/v1/monitor/cohorts/{cohort_id}"]  # ids that do not exist, in range or not
