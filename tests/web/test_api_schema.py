"""Property-based tests of REST API v1 from its own OpenAPI document (Schemathesis).

Generated requests, valid and not, must never produce a server error, and every response must
match the status codes, content types and bodies the document declares.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import hub_item, load
from tests.web.test_api import bearer, make_app, make_user

EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api(db_url: str, factory: sessionmaker[Session]):
    load(factory,
         hub_item("meta/llama-like", license="llama3.1", downloads=900),
         hub_item("acme/apache-model", license="apache-2.0"),
         hub_item("acme/nc-model", license="cc-by-nc-4.0"),
         hub_item("solo/no-license", license=None))
    token = make_user(factory, "rita", "reviewer")
    app = make_app(db_url, public_read=True)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).include(path_regex="^/api/v1/"), token


def test_api_conforms_to_its_schema(api) -> None:
    # Schemathesis' pytest plugin (from_fixture) does not run under pytest 9, so each operation's
    # strategy is driven by Hypothesis directly, with the same checks.
    schema, token = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case) -> None:
            case.call_and_validate(headers=bearer(token), checks=CHECKS)

        conforms()
