"""Property-based tests of REST API v1 from its own OpenAPI document (Schemathesis).

Generated requests, valid and not, must never produce a server error, and every response must
match the status codes, content types and bodies the document declares.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import hub_item, load
from tests.test_api import bearer, make_app, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_token(factory: sessionmaker[Session]) -> str:
    return make_user(factory, "rita", "reviewer")


@pytest.fixture
def api_schema(db_url: str, factory: sessionmaker[Session], api_token: str):
    load(factory,
         hub_item("meta/llama-like", license="llama3.1", downloads=900),
         hub_item("acme/apache-model", license="apache-2.0"),
         hub_item("acme/nc-model", license="cc-by-nc-4.0"),
         hub_item("solo/no-license", license=None))
    app = make_app(db_url, public_read=True)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).include(path_regex="^/api/v1/")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case, api_token: str) -> None:
    case.call_and_validate(headers=bearer(api_token), checks=CHECKS)
