"""GET /api/v1/openapi.json documents every /api/v1 route the app serves, with every method."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.pg import RecordingPrinter
from tests.integration.test_api import PASSWORD, quick_hashes  # noqa: F401

IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock, printer_factory=RecordingPrinter)
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def document(app: Flask) -> dict:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def openapi_path(rule: str) -> str:
    """`/api/v1/counters/<int:counter>/call-next` -> `/api/v1/counters/{counter}/call-next`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def served_routes(app: Flask) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        methods = {m.lower() for m in (rule.methods or set()) - IMPLICIT_METHODS}
        routes.setdefault(openapi_path(rule.rule), set()).update(methods)
    return routes


def test_path_conversion():
    assert openapi_path("/api/v1/counters/<int:counter>") == "/api/v1/counters/{counter}"
    assert openapi_path("/api/v1/tickets/<ticket_id>/call") == "/api/v1/tickets/{ticket_id}/call"


def test_the_document_is_openapi_3(document: dict):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert isinstance(document["paths"], dict) and document["paths"]


def test_every_served_route_and_method_is_documented(app: Flask, document: dict):
    served = served_routes(app)
    assert "/api/v1/counters/{counter}/call-next" in served
    missing = {
        f"{method.upper()} {path}"
        for path, methods in served.items()
        for method in methods
        if method not in document["paths"].get(path, {})
    }
    assert not missing, f"routes the OpenAPI document does not describe: {sorted(missing)}"


def test_the_document_describes_no_route_that_is_not_served(app: Flask, document: dict):
    served = served_routes(app)
    extra = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS and method not in served.get(path, set())
    }
    assert not extra, f"documented but not served: {sorted(extra)}"


def test_every_operation_has_responses_and_declares_its_path_parameters(document: dict):
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            assert operation.get("responses"), f"{method} {path} has no responses"
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, f"{method} {path}: path parameters {declared} != {names}"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_ticket_bodies_document_the_language_the_api_accepts(document: dict):
    from core.context import LANGUAGES

    for path in ("/api/v1/tickets", "/api/v1/tickets/{ticket_id}/reprint"):
        body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        language = body["schema"]["properties"]["language"]
        assert language["enum"] == list(LANGUAGES), path
        assert language["default"] == "id", path
        assert "400" in document["paths"][path]["post"]["responses"], path


# ---------------------------------------------------------------------- answers the fuzzer found
# tests/integration/test_api_fuzz.py found each of these refusals missing from the document.


def assert_documented(document: dict, method: str, path: str, response) -> None:  # type: ignore[no-untyped-def]
    """The answer's status is documented for the operation, with the error schema."""
    documented = document["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {path}: {status} is not documented"
    schema = documented[status]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Error"}
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("siti", PASSWORD, "officer")
    accounts.add_user("admin", PASSWORD, "admin")
    client = app.test_client()
    signed_in = {}
    for name, counter in (("siti", 1), ("admin", None)):
        response = client.post(
            "/api/v1/auth/login",
            json={"username": name, "password": PASSWORD, "counter": counter},
        )
        assert response.status_code == 200
        signed_in[name] = response.get_json()["token"]
    return signed_in


def test_a_login_without_a_body_is_a_documented_400(app: Flask, document: dict):
    response = app.test_client().post("/api/v1/auth/login")
    assert response.status_code == 400
    assert_documented(document, "POST", "/api/v1/auth/login", response)


def test_a_counter_status_without_a_body_is_a_documented_400(
    app: Flask, document: dict, tokens: dict[str, str]
):
    response = app.test_client().post(
        "/api/v1/counters/1/status", headers={"Authorization": f"Bearer {tokens['siti']}"}
    )
    assert response.status_code == 400
    assert_documented(document, "POST", "/api/v1/counters/{counter}/status", response)


def test_an_array_where_the_availability_object_belongs_is_a_documented_400(
    app: Flask, document: dict, tokens: dict[str, str]
):
    response = app.test_client().post(
        "/api/v1/services/KTP/availability",
        json=[None, None],
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code == 400
    assert_documented(document, "POST", "/api/v1/services/{code}/availability", response)


def test_a_nul_byte_in_the_snapshot_zone_is_a_documented_400(app: Flask, document: dict):
    # The NUL check runs before authentication: no token needed to get this answer.
    response = app.test_client().get("/api/v1/snapshot?zone=A%00")
    assert response.status_code == 400
    assert_documented(document, "GET", "/api/v1/snapshot", response)


def test_the_documented_idempotency_key_length_is_the_one_the_api_accepts(
    app: Flask, document: dict, tokens: dict[str, str]
):
    parameters = document["paths"]["/api/v1/tickets"]["post"]["parameters"]
    (key,) = [p for p in parameters if p["name"] == "Idempotency-Key"]
    longest = key["schema"]["maxLength"]
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['siti']}"}
    accepted = client.post(
        "/api/v1/tickets",
        json={"service": "KTP"},
        headers={**auth, "Idempotency-Key": "k" * longest},
    )
    assert accepted.status_code == 201, accepted.get_json()
    refused = client.post(
        "/api/v1/tickets",
        json={"service": "KTP"},
        headers={**auth, "Idempotency-Key": "k" * (longest + 1)},
    )
    assert refused.status_code == 400
    assert_documented(document, "POST", "/api/v1/tickets", refused)


def test_every_refusal_of_every_operation_is_the_error_schema(document: dict):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
            if operation.get("security") and path != "/api/v1/auth/login":
                assert "401" in operation["responses"], (method, path)
