"""Property-based fuzzing of /api/v1 from its own OpenAPI document (Schemathesis).

Requests are generated from the document the app serves and sent to the Flask app in-process
(WSGI), on SQLite and on PostgreSQL. Every answer must be no server error, a status code the
document names, a body that matches the documented schema, the documented content type and
headers; a request that breaks the document's schema must be refused.

Each operation runs as the actor it is for (an officer signed into counter 1, an admin, a
kiosk or display device), now and then as another one; Schemathesis also sends an accepted
request again without a token and with a wrong one, and a second test fuzzes every operation
with no valid credentials at all. Generated path parameters and body fields are often swapped
for real ones (tickets that exist, counter 1, known service and kiosk codes), so the fuzzer
gets past "not found" into the tickets' states; the tests fail when it never does.

The run is bounded and seeded: the same examples every time, well under a minute on both
databases. To dig deeper by hand: ANTRIAN_FUZZ_EXAMPLES=300 ANTRIAN_FUZZ_SEED=7.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from flask import Flask, Response, request
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.accounts import Accounts
from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.pg import RecordingPrinter
from tests.integration.test_api import PASSWORD, quick_hashes  # noqa: F401

SEED = 20261124
# Bounded for CI; ANTRIAN_FUZZ_EXAMPLES=500 (and ANTRIAN_FUZZ_SEED) digs deeper by hand.
MAX_EXAMPLES = int(os.environ.get("ANTRIAN_FUZZ_EXAMPLES") or 30)
# Without credentials every operation but the public ones is a refusal before any rule runs:
# fewer examples explore it as well (half a minute less of CI).
MAX_EXAMPLES_WITHOUT_CREDENTIALS = int(os.environ.get("ANTRIAN_FUZZ_EXAMPLES") or 12)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]

# Who sends each operation: these in turn, in the order the cases come (a seeded run sends
# its cases in the same order, so it is the same run; drawing by a case's content was not:
# real tickets' ids are random, and a run once sent every real ticket as the kiosk). The
# first is the one the operation is for, the others mostly get a 403.
ACTORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/api/v1/tickets"): ("kiosk", "kiosk", "officer", "admin", "display"),
    ("POST", "/api/v1/tickets/{ticket_id}/reprint"): ("admin", "admin", "officer"),
    ("POST", "/api/v1/services/{code}/availability"): ("admin", "admin", "officer"),
    # Only unknown accounts: disabling the officer would end the run's own session.
    ("POST", "/api/v1/users/{username}/disable"): ("admin", "officer"),
    ("GET", "/api/v1/snapshot"): ("admin", "display", "kiosk", "officer"),
}
OFFICER_FIRST = ("officer", "officer", "officer", "admin", "kiosk")


def config(max_examples: int = MAX_EXAMPLES) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": int(os.environ.get("ANTRIAN_FUZZ_SEED") or SEED),
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
                # The API refuses NUL bytes at the edge (tests/integration/test_bad_input.py);
                # keep them in, so the fuzzer checks that too.
                "allow-x00": True,
            },
            # The stateful phase needs links the document does not declare.
            "phases": {"stateful": {"enabled": False}},
            "suppress-health-check": ["too_slow", "filter_too_much"],
        }
    )


@dataclasses.dataclass
class Mall:
    """The app under test, what the fuzzer may use in it, and how it answered."""

    app: Flask
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    tickets: list[str] = dataclasses.field(default_factory=list)
    answers: Counter[tuple[str, str, int]] = dataclasses.field(default_factory=Counter)
    turns: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)

    def login(self, username: str, counter: int | None = None) -> str:
        response = self.app.test_client().post(
            "/api/v1/auth/login",
            json={"username": username, "password": PASSWORD, "counter": counter},
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    def token_for(self, case: schemathesis.Case) -> str:
        method, path = case.operation.method.upper(), case.operation.path
        if path == "/api/v1/auth/logout":
            return self.login("budi", counter=2)  # a session of its own to end
        actors = ACTORS.get((method, path), OFFICER_FIRST)
        turn = self.turns[(method, path)]
        self.turns[(method, path)] += 1
        return self.tokens[actors[turn % len(actors)]]

    def succeeded(self) -> set[tuple[str, str]]:
        """(method, documented path) of every operation that answered 2xx at least once."""
        return {
            (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule))
            for (method, rule, status) in self.answers
            if 200 <= status < 300
        }


@pytest.fixture
def mall(settings: Settings, database_url: str, clock: FakeClock) -> Iterator[Mall]:
    yield from _mall(settings, database_url, clock)


@pytest.fixture
def sqlite_mall(settings: Settings, sqlite_url: str, clock: FakeClock) -> Iterator[Mall]:
    yield from _mall(settings, sqlite_url, clock)


def _mall(settings: Settings, database_url: str, clock: FakeClock) -> Iterator[Mall]:
    app = create_app(
        dataclasses.replace(settings, database_url=database_url),
        clock=clock,
        printer_factory=RecordingPrinter,
        test_config={"TESTING": True},
    )
    mall = Mall(app)

    @app.after_request
    def _tally(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule else request.path
        mall.answers[(request.method, rule, response.status_code)] += 1
        return response

    accounts: Accounts = app.extensions["antrian.accounts"]
    accounts.add_user("siti", PASSWORD, "officer")
    accounts.add_user("budi", PASSWORD, "officer", [2])
    accounts.add_user("admin", PASSWORD, "admin")
    mall.tokens = {
        "officer": mall.login("siti", counter=1),
        "admin": mall.login("admin"),
        "kiosk": accounts.add_device("kiosk-lobby", "kiosk", kiosk="K1"),
        "display": accounts.add_device("display-lantai-1", "display", zone="A"),
    }
    client = app.test_client()
    kiosk = {"Authorization": f"Bearer {mall.tokens['kiosk']}"}
    for body in (
        {"service": "KTP"},
        {"service": "KTP", "priority": "lansia"},
        {"service": "KK", "language": "en"},
        {"service": "KTP"},
    ):
        response = client.post("/api/v1/tickets", json=body, headers=kiosk)
        assert response.status_code == 201, response.get_json()
        mall.tickets.append(response.get_json()["id"])
    officer = {"Authorization": f"Bearer {mall.tokens['officer']}"}
    assert client.post("/api/v1/counters/1/call-next", headers=officer).status_code == 200
    mall.answers.clear()  # only what the fuzzer gets counts
    yield mall
    app.extensions["antrian.engine"].dispose()


def _plausible(generated: Any, real: Any) -> bool:
    """Whether `generated` is valid where `real` goes (the document asks no more of these
    fields than their type, a non-empty string, a counter number from 0): only then may it
    be swapped without turning a negative case into a positive one."""
    if type(generated) is not type(real):
        return False
    if isinstance(generated, str):
        return generated != ""
    return not isinstance(generated, int) or generated >= 0


def _real_values(generated: dict[str, Any], choices: dict[str, list[Any]]) -> Any:
    """Mostly real values (existing tickets, counter 1, known codes), sometimes what was
    generated: both the paths past "not found" and the refusals get explored. A value of
    the wrong type (a negative case) is left alone, so it stays a negative case."""
    if not isinstance(generated, dict):
        return st.just(generated)
    options = [generated]
    for key, values in choices.items():
        if key in generated and _plausible(generated[key], values[0]):
            options += [{**generated, key: value} for value in values]
    return st.sampled_from(options)


def _schema(mall: Mall, *, authenticated: bool) -> schemathesis.BaseSchema:
    examples = MAX_EXAMPLES if authenticated else MAX_EXAMPLES_WITHOUT_CREDENTIALS
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", mall.app, config=config(examples)
    )

    @schema.hook
    def flatmap_path_parameters(context: Any, parameters: dict[str, Any]) -> Any:
        return _real_values(
            parameters, {"ticket_id": mall.tickets, "counter": [1, 1, 2], "code": ["KTP", "KK"]}
        )

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> Any:
        return _real_values(
            body, {"service": ["KTP", "KK", "KIA"], "kiosk": ["K1", "K2"], "counter": [1]}
        )

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        # New tickets join the pool the path parameters are drawn from.
        if case.operation.path == "/api/v1/tickets" and response.status_code == 201:
            mall.tickets.append(response.json()["id"])

    if authenticated:

        @schema.auth(refresh_interval=None)
        class Credentials:
            def get(self, case: Any, context: Any) -> str | None:
                method, path = case.operation.method.upper(), case.operation.path
                operation = schema.raw_schema["paths"][path][method.lower()]
                if not operation.get("security"):
                    return None  # a public operation: no token at all
                return mall.token_for(case)

            def set(self, case: Any, data: str, context: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


# With valid credentials the fuzzer must get past the refusals: these answered 2xx at least once.
MUST_SUCCEED = {
    ("GET", "/api/v1/services"),
    ("POST", "/api/v1/tickets"),
    ("GET", "/api/v1/tickets/{ticket_id}"),
    ("GET", "/api/v1/tickets/{ticket_id}/print-jobs"),
    ("POST", "/api/v1/tickets/{ticket_id}/reprint"),
    ("POST", "/api/v1/counters/{counter}/status"),
    ("GET", "/api/v1/counters/{counter}"),
    ("GET", "/api/v1/snapshot"),
    ("POST", "/api/v1/services/{code}/availability"),
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/logout"),
}


@pytest.fixture
def api_schema(mall: Mall) -> Iterator[schemathesis.BaseSchema]:
    yield _schema(mall, authenticated=True)
    missing = MUST_SUCCEED - mall.succeeded()
    assert not missing, f"the fuzzer never got past the refusals of {sorted(missing)}"


@pytest.fixture
def anonymous_schema(sqlite_mall: Mall) -> Iterator[schemathesis.BaseSchema]:
    # On SQLite alone: without a valid token a request goes no further than the token's
    # lookup, which both databases answer alike; every operation past it is fuzzed on both
    # by the test with credentials (about 25 s of CI saved).
    mall = sqlite_mall
    schema = _schema(mall, authenticated=False)
    yield schema
    protected = {
        (method.upper(), path)
        for path, item in schema.raw_schema["paths"].items()
        for method, operation in item.items()
        # `{}` among the schemes: it also answers without a token (a number from home).
        if operation.get("security") and {} not in operation["security"]
    }
    assert ("POST", "/api/v1/counters/{counter}/call-next") in protected
    optional = schema.raw_schema["paths"]["/api/v1/tickets"]["post"]["security"]
    assert {} in optional and {"bearer": []} in optional
    assert not protected & mall.succeeded(), "an operation that needs a token answered 2xx"
    assert any(status == 401 for (_, _, status) in mall.answers)


authenticated = schemathesis.pytest.from_fixture("api_schema")
anonymous = schemathesis.pytest.from_fixture("anonymous_schema")


@authenticated.parametrize()
def test_every_answer_matches_the_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[*CHECKS, ignored_auth])


@anonymous.parametrize()
def test_every_answer_without_credentials_matches_the_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
