"""Fewer surprises at the API's edges (issue 11): OPTIONS answers with Allow, the OpenAPI schema
declares the 400 of unparseable bodies and refuses what the handlers refuse, and the docs page
is served from this server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(("path", "allow"), [
    ("/api/v1/models", "GET, HEAD, OPTIONS"),
    ("/api/v1/check", "OPTIONS, POST"),
    ("/api/v1/models/acme/model/flags", "GET, HEAD, OPTIONS, POST"),
    ("/logout", "OPTIONS, POST"),
    ("/static/app.css", "GET, HEAD, OPTIONS"),
])
def test_options_answers_with_allow(client: TestClient, path, allow):
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow


def test_options_on_nothing_is_a_404(client: TestClient):
    assert client.options("/no/such/page").status_code == 404


def test_the_schema_declares_400_for_bodies_and_refuses_what_handlers_refuse(client: TestClient):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/check", "/api/v1/models/{repo_id}/flags"):
        assert "400" in schema["paths"][path]["post"]["responses"], path
    check_in = schema["components"]["schemas"]["CheckIn"]["properties"]["context"]
    assert {"research", "internal", "saas", "redistribution"} == set(check_in["anyOf"][0]["enum"])
    params = {p["name"]: p for p in schema["paths"]["/api/v1/models"]["get"]["parameters"]}
    assert "none" in params["flag"]["schema"]["anyOf"][0]["items"]["enum"]
    assert params["task"]["schema"]["anyOf"][0]["items"]["minLength"] == 1


@pytest.mark.parametrize(("request_args", "status"), [
    ({"method": "POST", "url": "/api/v1/check", "json": {"models": ["a/b"], "context": ""}}, 422),
    ({"method": "POST", "url": "/api/v1/check", "content": b'{"models": [', "headers": {"content-type": "application/json"}}, 400),
    ({"method": "GET", "url": "/api/v1/models?flag=bogus"}, 422),
    ({"method": "GET", "url": "/api/v1/models?task="}, 422),
])
def test_what_the_schema_refuses_the_api_refuses_in_the_error_shape(client: TestClient, request_args, status):
    response = client.request(**request_args)
    assert response.status_code == status, response.text
    assert response.json()["ok"] is False


def test_the_docs_page_loads_only_from_this_server(client: TestClient):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "<script>" not in page.text  # the CSP allows neither
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200
    assert "SwaggerUIBundle" in client.get("/api/v1/docs/init.js").text
