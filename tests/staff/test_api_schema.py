"""Property-based tests of the JSON API against its own OpenAPI document (schemathesis, in-process).

Schemathesis' pytest plugin does not work with the installed pytest 9 (it reads a private
attribute), so each operation's Hypothesis strategy is driven directly here. The check
``positive_data_acceptance`` is left out: the API rightly answers 400 to requests the schema cannot
describe as wrong (``to`` before ``from``, an unknown district, a phone number that is no number),
and documents that 400. Every other check runs (no 5xx, status codes, content types, response
schemas, headers, authentication not ignored), and no answer may take a second of CPU or more.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok
from schemathesis.openapi import from_wsgi

from shared.db import Database
from shared.seed.demo import seed_demo_events, seed_demo_kiosk

KIOSK_TOKEN = "test-kiosk-token"
# Issue 12: no generated request may take a second (far dates included). Measured as the CPU time
# the in-process request spends, so a machine loaded by other work does not fail it.
MAX_RESPONSE_SECONDS = 1.0
# The whole property run of one operation (40 examples) is bounded too, so the test stays short.
MAX_OPERATION_SECONDS = 20.0
OPERATIONS = ("GET /districts", "GET /venues", "GET /categories", "GET /events", "GET /events.ics",
              "GET /events/{event_id}", "POST /requests", "GET /kiosk/schedule", "POST /kiosk/heartbeat")

Operation = schemathesis.APIOperation[Any, Any, Any, Any]


@pytest.fixture
def api_schema(app: Flask, db: Database) -> schemathesis.BaseSchema:
    """The live document of an app with events and a kiosk, so answers are not trivially empty."""
    with db.session() as session:
        seed_demo_events(session)
        seed_demo_kiosk(session, "bz-hoerde", KIOSK_TOKEN)
    return from_wsgi("/api/v1/openapi.json", app)


def operations(api_schema: schemathesis.BaseSchema) -> list[Operation]:
    """Every operation of the document; one it cannot describe fails the test."""
    found = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        found.append(result.ok())
    return found


def test_every_operation_is_covered(api_schema: schemathesis.BaseSchema) -> None:
    found = {operation.label for operation in operations(api_schema)}
    assert found == set(OPERATIONS)


@pytest.mark.slow
@pytest.mark.once_on_postgres  # the stricter database (integer ranges, NUL) finds more; once per make test
@pytest.mark.parametrize("label", OPERATIONS)
def test_api_conforms_to_its_schema(api_schema: schemathesis.BaseSchema, label: str) -> None:
    operation = next(operation for operation in operations(api_schema) if operation.label == label)

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=True)
    def conforms(case: schemathesis.Case[Operation]) -> None:
        started = time.thread_time()  # CPU time of the request: other work on the machine does not count
        # identity: schemathesis asks for gzip like requests does, but does not unpack it in-process
        # The token goes into the case itself, so the auth checks know the call was authenticated.
        case.headers.update({"Authorization": f"Bearer {KIOSK_TOKEN}", "Accept-Encoding": "identity"})
        response = case.call()
        elapsed = time.thread_time() - started
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        slowest.append(elapsed)
        assert elapsed < MAX_RESPONSE_SECONDS, f"{case.method} {case.formatted_path}: {elapsed:.2f} s"

    slowest: list[float] = []

    conforms()
    assert sum(slowest) < MAX_OPERATION_SECONDS, f"{label}: {sum(slowest):.1f} s of CPU for {len(slowest)} requests"
