"""The counter terminal against a real server: every officer action over the REST API and
Socket.IO, the refusals, idempotent retries, racing officers, disabling and sign-in pages.

One server runs for the whole module; each test works at its own counters and services, so
the tests do not see each other's tickets.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import func, select

from core.store import audit_log, make_engine, ticket_events
from tests.support.live import LiveServer

PASSWORD = "rahasia-123"
ADMIN_NAME = "kepala"  # the server itself creates "admin" on first start
WAIT = 10  # seconds: an upper bound for live events, never a sleep


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(Path(tmp_path_factory.mktemp("counter-terminal")))
    live.start()
    live.add_admin(ADMIN_NAME)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def admin(server: LiveServer) -> str:
    return server.login(ADMIN_NAME, "rahasia-admin")


@pytest.fixture(scope="module")
def engine(server: LiveServer) -> Iterator[Any]:
    engine = make_engine(server.settings.database_url)
    yield engine
    engine.dispose()


def officer_at(server: LiveServer, counter: int, allowed: list[int] | None = None) -> str:
    """A new officer signed in at `counter` (which opens it); returns the token."""
    name = f"petugas-{counter}-{uuid.uuid4().hex[:6]}"
    server.add_officer(name, PASSWORD, allowed or [counter])
    return server.login(name, PASSWORD, counter)


def whoami(server: LiveServer, token: str) -> str:
    return server.api("GET", "/auth/me", token).json()["name"]


def issue(server: LiveServer, admin: str, service: str, count: int = 1) -> list[dict[str, Any]]:
    tickets = []
    for _ in range(count):
        response = server.api("POST", "/tickets", admin, json={"service": service})
        assert response.status_code == 201, response.text
        tickets.append(response.json())
    return tickets


def post(
    server: LiveServer, path: str, token: str, key: str | None = None, **kwargs: Any
) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return server.api("POST", path, token, headers=headers, **kwargs)


def act(server: LiveServer, token: str, ticket_id: str, action: str, **kwargs: Any) -> Any:
    return post(server, f"/tickets/{ticket_id}/{action}", token, **kwargs)


def state(server: LiveServer, token: str, counter: int) -> dict[str, Any]:
    response = server.api("GET", f"/counters/{counter}", token)
    assert response.status_code == 200, response.text
    return response.json()


def error_code(response: requests.Response) -> str:
    return response.json()["error"]["code"]


class Listener:
    """A python-socketio client that records what the server sends it."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.events: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.disconnected = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.on("disconnect", self._gone)
        self.client.connect(server.base_url, auth={"token": token}, wait_timeout=WAIT)

    def _record(self, name: str, payload: Any = None) -> None:
        with self.changed:
            self.events.append((name, payload))
            self.changed.notify_all()

    def _gone(self, *_args: Any) -> None:
        self.disconnected.set()

    def names(self) -> list[str]:
        with self.changed:
            return [name for name, _ in self.events]

    def wait_for(self, predicate: Any, timeout: float = WAIT) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.names()), timeout=timeout)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


# ------------------------------------------------------------------ every action
def test_an_officer_calls_recalls_serves_and_finishes_while_the_socket_reports_each_step(
    server: LiveServer, admin: str
) -> None:
    token = officer_at(server, 7)
    first, second = issue(server, admin, "SIM", 2)
    listener = Listener(server, token)
    try:
        assert listener.wait_for(lambda names: "snapshot" in names)

        called = post(server, "/counters/7/call-next", token)
        assert called.status_code == 200
        assert called.json()["number"] == first["number"]
        assert called.json()["allowed_actions"] == [
            "recall",
            "start",
            "no_show",
            "hold",
            "cancel",
            "transfer",
        ]

        recalled = act(server, token, first["id"], "recall")
        assert recalled.json()["call_count"] == 2
        assert act(server, token, first["id"], "start").json()["status"] == "serving"
        finished = act(server, token, first["id"], "finish")
        assert finished.json()["status"] == "done"
        assert finished.json()["allowed_actions"] == []

        view = state(server, token, 7)
        assert view["current"] is None
        assert view["figures"]["served"] == 1
        assert [w["number"] for w in view["waiting"]] == [second["number"]]

        expected = ["ticket.called", "ticket.recalled", "ticket.serving", "ticket.finished"]
        assert listener.wait_for(
            lambda names: [n for n in names if n.startswith("ticket.")][-4:] == expected
        ), listener.names()
        versions = [p["version"] for n, p in listener.events if n.startswith("ticket.")]
        assert versions == sorted(versions)
    finally:
        listener.close()


def test_no_show_hold_resume_call_a_specific_ticket_and_transfer(
    server: LiveServer, admin: str
) -> None:
    token = officer_at(server, 9)  # Loket 9 serves SKCK only
    first, second, third = issue(server, admin, "SKCK", 3)

    assert post(server, "/counters/9/call-next", token).json()["number"] == first["number"]
    assert act(server, token, first["id"], "no-show").json()["status"] == "no_show"
    assert state(server, token, 9)["figures"]["no_show"] == 1

    # Hold: the visitor fetches a document; the counter is free for the next one meanwhile.
    assert post(server, "/counters/9/call-next", token).json()["number"] == second["number"]
    assert act(server, token, second["id"], "hold").json()["status"] == "on_hold"
    view = state(server, token, 9)
    assert view["current"] is None
    assert [t["number"] for t in view["on_hold"]] == [second["number"]]

    # Call a specific waiting ticket out of order.
    called = act(server, token, third["id"], "call")
    assert called.status_code == 200
    assert called.json()["counter"] == 9

    # Transfer it to another service: it leaves this counter and keeps its history.
    moved = act(server, token, third["id"], "transfer", json={"service": "TANAH"})
    assert moved.status_code == 200
    assert moved.json()["service"] == "TANAH"
    assert moved.json()["transfers"] == ["SKCK"]
    assert moved.json()["status"] == "waiting"

    # Requeue: back in the queue with its arrival time, so first in line again.
    assert act(server, token, second["id"], "requeue").json()["status"] == "waiting"
    view = state(server, token, 9)
    assert view["on_hold"] == []
    assert [w["number"] for w in view["waiting"]] == [second["number"]]
    assert post(server, "/counters/9/call-next", token).json()["number"] == second["number"]
    assert act(server, token, second["id"], "cancel").json()["status"] == "cancelled"

    # Nobody left: call-next answers 204.
    assert post(server, "/counters/9/call-next", token).status_code == 204


def test_a_counter_on_break_shows_its_reason_and_cannot_call(
    server: LiveServer, admin: str
) -> None:
    token = officer_at(server, 19)
    issue(server, admin, "AIRADUAN")
    on_break = post(
        server, "/counters/19/status", token, json={"status": "break", "reason": "Salat"}
    )
    assert on_break.status_code == 200
    assert on_break.json()["status"] == "break"
    assert state(server, token, 19)["counter"]["reason"] == "Salat"

    refused = post(server, "/counters/19/call-next", token)
    assert refused.status_code == 409
    assert error_code(refused) == "counter_closed"

    assert post(server, "/counters/19/status", token, json={"status": "open"}).status_code == 200
    assert post(server, "/counters/19/call-next", token).status_code == 200


# ------------------------------------------------------------------ refusals
def test_stale_actions_are_refused_with_409(server: LiveServer, admin: str) -> None:
    token = officer_at(server, 17)  # BAYAR (Loket 16 serves it too but stays closed)
    first, second = issue(server, admin, "BAYAR", 2)

    post(server, "/counters/17/call-next", token)
    busy = post(server, "/counters/17/call-next", token)
    assert busy.status_code == 409
    assert error_code(busy) == "counter_busy"

    act(server, token, first["id"], "start")
    assert act(server, token, first["id"], "start").status_code == 409
    assert act(server, token, first["id"], "finish").status_code == 200
    again = act(server, token, first["id"], "finish")
    assert again.status_code == 409
    assert error_code(again) == "illegal_transition"
    assert "done" in again.json()["error"]["message"]

    post(server, "/counters/17/call-next", token)
    assert act(server, token, second["id"], "no-show").status_code == 200
    late = act(server, token, second["id"], "recall")
    assert late.status_code == 409
    assert error_code(late) == "illegal_transition"
    assert act(server, token, second["id"], "transfer", json={"service": "PBB"}).status_code == 409


def test_acting_on_another_counters_ticket_is_forbidden_and_audited(
    server: LiveServer, admin: str, engine: Any
) -> None:
    mine = officer_at(server, 12)  # PKB
    theirs = officer_at(server, 13)  # PKB too
    intruder = whoami(server, theirs)
    (ticket,) = issue(server, admin, "PKB")
    assert post(server, "/counters/12/call-next", mine).json()["id"] == ticket["id"]

    for action in ("recall", "finish", "no-show", "hold"):
        refused = act(server, theirs, ticket["id"], action)
        assert refused.status_code == 403, action
        assert error_code(refused) == "forbidden"
    assert post(server, "/counters/12/call-next", theirs).status_code == 403
    assert server.api("GET", "/counters/12", theirs).status_code == 403

    with engine.connect() as conn:
        refusals = conn.execute(
            select(audit_log.c.action, audit_log.c.detail).where(audit_log.c.actor == intruder)
        ).all()
    actions = {row.action for row in refusals}
    assert {"refused:recall", "refused:finish", "refused:no_show", "refused:hold"} <= actions
    assert any("belongs to counter 12" in row.detail for row in refusals)
    # The ticket is untouched.
    assert state(server, mine, 12)["current"]["status"] == "called"


def test_a_counter_cannot_call_a_ticket_of_a_service_it_does_not_serve(
    server: LiveServer, admin: str
) -> None:
    token = officer_at(server, 38)  # TILANG only
    (ticket,) = issue(server, admin, "PERKARA")
    refused = act(server, token, ticket["id"], "call")
    assert refused.status_code == 403
    assert server.api("GET", f"/tickets/{ticket['id']}").json()["status"] == "waiting"


# ------------------------------------------------------------------ retries and races
def test_retrying_call_next_with_the_same_key_returns_the_same_ticket_and_calls_once(
    server: LiveServer, admin: str, engine: Any
) -> None:
    token = officer_at(server, 30)  # PBG: no other test calls it
    first, second = issue(server, admin, "PBG", 2)
    key = f"counter-30-{uuid.uuid4().hex}"

    answer = post(server, "/counters/30/call-next", token, key)
    retry = post(server, "/counters/30/call-next", token, key)

    assert answer.status_code == retry.status_code == 200
    assert retry.json()["id"] == answer.json()["id"] == first["id"]
    view = state(server, token, 30)
    assert view["current"]["id"] == first["id"]
    assert second["id"] in {w["id"] for w in view["waiting"]}
    with engine.connect() as conn:
        calls = conn.execute(
            select(func.count()).where(
                ticket_events.c.action == "call", ticket_events.c.counter == 30
            )
        ).scalar_one()
    assert calls == 1
    # A new key is a new request: the counter is busy now.
    fresh = post(server, "/counters/30/call-next", token, f"other-{uuid.uuid4().hex}")
    assert fresh.status_code == 409


def test_two_officers_racing_call_next_get_different_tickets(
    server: LiveServer, admin: str
) -> None:
    rounds = 8
    tokens = {14: officer_at(server, 14), 15: officer_at(server, 15)}  # both serve PBB
    issued = issue(server, admin, "PBB", 2 * rounds)
    called: list[tuple[int, str]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def officer(counter: int, start: threading.Barrier) -> None:
        token = tokens[counter]
        for _ in range(rounds):
            start.wait(timeout=WAIT)
            response = post(server, f"/counters/{counter}/call-next", token)
            if response.status_code != 200:
                errors.append(f"{counter}: {response.status_code} {response.text}")
                continue
            ticket = response.json()
            with lock:
                called.append((counter, ticket["id"]))
            act(server, token, ticket["id"], "start")
            act(server, token, ticket["id"], "finish")

    start = threading.Barrier(2)
    threads = [threading.Thread(target=officer, args=(n, start)) for n in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    ids = [ticket_id for _, ticket_id in called]
    assert len(ids) == 2 * rounds
    assert len(set(ids)) == len(ids), "a ticket was called by both counters"
    assert set(ids) == {t["id"] for t in issued}


# ------------------------------------------------------------------ ending sessions
def test_disabling_an_officer_ends_their_socket_and_their_token(
    server: LiveServer, admin: str
) -> None:
    name = f"petugas-{uuid.uuid4().hex[:6]}"
    server.add_officer(name, PASSWORD, [20])
    token = server.login(name, PASSWORD, 20)
    other = officer_at(server, 18)
    listener = Listener(server, token)
    try:
        assert listener.wait_for(lambda names: "snapshot" in names)

        assert post(server, f"/users/{name}/disable", other).status_code == 403
        assert not listener.disconnected.is_set()

        disabled = post(server, f"/users/{name}/disable", admin)
        assert disabled.status_code == 200
        assert disabled.json() == {"username": name, "active": False}

        assert listener.disconnected.wait(WAIT), "the socket stayed connected"
        assert "session.ended" in listener.names()
        refused = server.api("GET", "/counters/20", token)
        assert refused.status_code == 401
        with pytest.raises(socketio.exceptions.ConnectionError):
            Listener(server, token)
    finally:
        listener.close()
    assert post(server, "/users/nobody-here/disable", admin).status_code == 404


def test_signing_out_on_the_page_closes_the_counter_and_ends_the_live_connection(
    server: LiveServer,
) -> None:
    name = f"petugas-{uuid.uuid4().hex[:6]}"
    server.add_officer(name, PASSWORD, [21])
    browser = requests.Session()
    signed_in = browser.post(
        f"{server.base_url}/counter/login",
        data={"username": name, "password": PASSWORD, "counter": "21"},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 303
    # The page's API calls work with the session cookie alone: the token lives there.
    assert (
        browser.get(f"{server.base_url}/api/v1/counters/21", timeout=10).json()["counter"]["status"]
        == "open"
    )
    token = server.login(name, PASSWORD, 21)  # a second terminal of the same officer
    listener = Listener(server, token)
    try:
        assert listener.wait_for(lambda names: "snapshot" in names)
        out = browser.post(
            f"{server.base_url}/counter/logout",
            headers={"Origin": server.base_url},  # as the page's own form sends it
            allow_redirects=False,
            timeout=10,
        )
        assert out.status_code == 303
        assert out.headers["Location"].endswith("/counter/login?notice=signed_out")
        assert listener.disconnected.wait(WAIT)
    finally:
        listener.close()
    gone = browser.get(f"{server.base_url}/counter", allow_redirects=False, timeout=10)
    assert gone.status_code == 302
    snapshot = server.api("GET", "/snapshot", token).json()
    assert next(c for c in snapshot["counters"] if c["number"] == 21)["status"] == "closed"


# ------------------------------------------------------------------ pages
def test_the_counter_page_without_a_session_redirects_to_the_login_page(
    server: LiveServer,
) -> None:
    page = requests.get(f"{server.base_url}/counter", allow_redirects=False, timeout=10)
    assert page.status_code == 302
    assert page.headers["Location"].endswith("/counter/login")
    root = requests.get(f"{server.base_url}/", allow_redirects=False, timeout=10)
    assert root.headers["Location"].endswith("/counter")
    login = requests.get(f"{server.base_url}/counter/login", timeout=10)
    assert login.status_code == 200
    assert 'name="password"' in login.text
    assert "Loket 38" in login.text


def test_signing_in_at_a_disallowed_counter_shows_the_message(server: LiveServer) -> None:
    name = f"petugas-{uuid.uuid4().hex[:6]}"
    server.add_officer(name, PASSWORD, [1, 2, 3, 6])
    browser = requests.Session()
    refused = browser.post(
        f"{server.base_url}/counter/login",
        data={"username": name, "password": PASSWORD, "counter": "5"},
        allow_redirects=False,
        timeout=10,
    )
    assert refused.status_code == 403
    assert "tidak diizinkan bertugas di loket 5" in refused.text
    assert "Loket Anda: 1-3, 6" in refused.text
    assert (
        browser.get(f"{server.base_url}/counter", allow_redirects=False, timeout=10).status_code
        == 302
    )

    wrong = browser.post(
        f"{server.base_url}/counter/login",
        data={"username": name, "password": "salah-sekali", "counter": "1"},
        timeout=10,
    )
    assert wrong.status_code == 401
    assert "kata sandi salah" in wrong.text

    allowed = browser.post(
        f"{server.base_url}/counter/login",
        data={"username": name, "password": PASSWORD, "counter": "6"},
        timeout=10,
    )
    assert allowed.status_code == 200
    assert allowed.url.endswith("/counter")
    assert "Loket 6" in allowed.text
    assert "Panggil berikutnya" in allowed.text


def test_the_terminal_serves_its_own_static_files(server: LiveServer) -> None:
    for name, kind in (
        ("terminal-core.js", "javascript"),
        ("terminal-actions.js", "javascript"),
        ("terminal-render.js", "javascript"),
        ("terminal-focus.js", "javascript"),
        ("terminal-no-show.js", "javascript"),
        ("terminal-transfer.js", "javascript"),
        ("terminal.js", "javascript"),
        ("counter.css", "css"),
    ):
        response = requests.get(f"{server.base_url}/counter/static/{name}", timeout=10)
        assert response.status_code == 200, name
        assert kind in response.headers["Content-Type"]
