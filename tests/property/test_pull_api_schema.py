"""The pull API fuzzed from its own OpenAPI file (the one the app serves at
/api/v1/openapi.json) with schemathesis: every operation, with generated parameters and bodies,
with the service's real token, a wrong one and none. Every answer must be one the file
documents, with the documented content type and body shape, and never a 5xx (schemathesis'
default checks: not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, response_headers_conformance, ...)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from database import Database
from tests.helpers.pull_api import send, token_for
from tests.helpers.services import add_service

TOKENS: dict[str, str] = {}
SPEC = Path(__file__).resolve().parents[2] / "routing" / "openapi.json"


@pytest.fixture
def api_app(app_config: dict[str, object], redis_client: Any) -> Iterator[Any]:
    app = create_app(app_config)
    database: Database = app.extensions["database"]
    add_service(database, "oslo", "0301")
    add_service(database, "bergen", "4601")
    TOKENS["oslo"] = token_for(database, "oslo")
    TOKENS["bergen"] = token_for(database, "bergen")
    for _ in range(3):
        send(database, "0301", "Bekymring for barnet")
    send(database, "4601", "Bekymring i Bergen")
    yield app
    database.dispose()


def test_every_answer_of_the_pull_api_is_one_its_openapi_file_documents(
        api_app: Any, record_property: Any) -> None:
    # Loaded from the app itself, so what is fuzzed is what the app serves. (Schemathesis'
    # pytest plugin does not run under pytest 9 yet; its strategies and checks do.)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    cases: list[tuple[str, str, int]] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(), token=st.sampled_from(
            ["oslo", "oslo", "oslo", "bergen", "wrong", "none"]))
        @settings(max_examples=80, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def fuzz(case: Any, token: str) -> None:
            headers = dict(case.headers or {})
            if token in TOKENS:
                headers["Authorization"] = f"Bearer {TOKENS[token]}"
            elif token == "wrong":
                headers["Authorization"] = "Bearer oslo.not-the-token"
            else:
                headers.pop("Authorization", None)
            case.headers = headers
            response = case.call_and_validate()
            cases.append((case.method.upper(), case.operation.path, response.status_code))

        fuzz()

    operations = {(method, path) for method, path, _status in cases}
    statuses = sorted({status for _method, _path, status in cases})
    print(f"\npull API fuzzing: {len(cases)} requests over {len(operations)} operations, "
          f"statuses {statuses}")
    record_property("requests", len(cases))
    documented = {(method.upper(), path) for path, item in json.loads(SPEC.read_text())["paths"]
                  .items() for method in item if method in ("get", "post", "put", "delete")}
    assert documented <= operations
    # Past the door too: real answers, not only refusals.
    assert 200 in statuses and 401 in statuses
