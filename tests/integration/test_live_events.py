"""Live events against a running server, with the real python-socketio client over websocket."""

from __future__ import annotations

import queue as queues
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from socketio.exceptions import ConnectionError as SocketConnectionError

from tests.support.live import LiveServer

WAIT = 10.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(Path(tmp_path_factory.mktemp("live-events")))
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def kiosk(server: LiveServer) -> str:
    return server.device_token("kiosk-events", "kiosk", kiosk="K1")


class Listener:
    """A socket.io client that keeps every event it receives, in order."""

    def __init__(self) -> None:
        self.client = socketio.Client(reconnection=False)
        self.received: queues.Queue[tuple[str, Any]] = queues.Queue()
        self.seen: list[tuple[str, Any]] = []  # what wait_for has looked at, in order
        self.client.on("*", self._keep)

    def _keep(self, event: str, data: Any = None) -> None:
        self.received.put((event, data))

    def connect(self, server: LiveServer, auth: dict[str, Any]) -> None:
        self.client.connect(server.base_url, auth=auth, transports=["websocket"], wait_timeout=WAIT)

    def wait_for(self, name: str, where=lambda data: True) -> Any:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + WAIT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {name!r} event within {WAIT}s")
            try:
                event, data = self.received.get(timeout=remaining)
            except queues.Empty:
                continue
            self.seen.append((event, data))
            if event == name and where(data):
                return data

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture
def listeners() -> Iterator[list[Listener]]:
    made: list[Listener] = []
    yield made
    for listener in made:
        listener.close()


def listener(listeners: list[Listener]) -> Listener:
    made = Listener()
    listeners.append(made)
    return made


def api_ok(server: LiveServer, method: str, path: str, token: str, **kwargs: Any) -> Any:
    response = server.api(method, path, token, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def database_version(server: LiveServer) -> int:
    return server.api("GET", "/health").json()["version"]


def without_clock(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k != "server_time"}


def test_an_officer_gets_a_snapshot_then_every_change_in_version_order(
    server: LiveServer, kiosk: str, listeners: list[Listener]
):
    server.add_officer("siti", counters=[1])
    token = server.login("siti", counter=1)
    officer = listener(listeners)
    officer.connect(server, {"token": token})

    snapshot = officer.wait_for("snapshot")
    assert snapshot["version"] == database_version(server)
    assert {c["number"] for c in snapshot["counters"]} >= {1, 21}  # the whole mall

    ticket = api_ok(server, "POST", "/tickets", kiosk, json={"service": "KTP"})
    called = api_ok(server, "POST", "/counters/1/call-next", token)
    assert called["id"] == ticket["id"]
    event = officer.wait_for("ticket.called", lambda d: d["ticket"]["number"] == ticket["number"])
    assert event["ticket"]["counter"] == 1
    assert event["counter"]["current"]["number"] == ticket["number"]
    assert "ticket_id" not in event and ticket["id"] not in str(event)

    api_ok(server, "POST", f"/tickets/{ticket['id']}/start", token)
    api_ok(server, "POST", f"/tickets/{ticket['id']}/finish", token)
    officer.wait_for("ticket.finished", lambda d: d["ticket"]["number"] == ticket["number"])

    final = database_version(server)
    # The client's contract (static/antrian-live.js): events that overtake the snapshot are held
    # and replayed past its version; after the snapshot, the server sends only later changes.
    # (The sign-in's own change may be emitted between joining the rooms and reading the
    # snapshot, so it can arrive just before it.)
    at = next(i for i, (name, _) in enumerate(officer.seen) if name == "snapshot")

    def versions(seen: list[tuple[str, Any]]) -> list[int]:
        return [d["version"] for _, d in seen if isinstance(d, dict) and d.get("version")]

    replayed = [v for v in versions(officer.seen[:at]) if v > snapshot["version"]]
    after = versions(officer.seen[at + 1 :])
    # Every later change once, in order, without a gap.
    assert replayed + after == list(range(snapshot["version"] + 1, final + 1))
    names = [name for name, _ in officer.seen]
    for expected in ("ticket.issued", "ticket.called", "ticket.serving", "ticket.finished"):
        assert expected in names


@pytest.mark.parametrize("auth", [{"token": "not-a-token"}, {}], ids=["bad", "missing"])
def test_a_bad_or_missing_token_is_refused(server: LiveServer, auth: dict[str, Any]):
    client = socketio.Client(reconnection=False)
    with pytest.raises(SocketConnectionError):
        client.connect(server.base_url, auth=auth, transports=["websocket"], wait_timeout=WAIT)
    assert not client.connected


def test_a_client_that_missed_events_gets_the_database_state_on_reconnect(
    server: LiveServer, kiosk: str, listeners: list[Listener]
):
    server.add_officer("budi", counters=[2])
    officer = server.login("budi", counter=2)
    display = server.device_token("display-events-a", "display", zone="A")
    screen = listener(listeners)
    screen.connect(server, {"token": display})
    first = screen.wait_for("snapshot")
    assert first["zone"] == "A"
    screen.close()

    # Changes the screen does not hear about.
    tickets = [api_ok(server, "POST", "/tickets", kiosk, json={"service": "KTP"}) for _ in range(3)]
    called = api_ok(server, "POST", "/counters/2/call-next", officer)
    api_ok(server, "POST", f"/tickets/{called['id']}/no-show", officer)
    called = api_ok(server, "POST", "/counters/2/call-next", officer)
    assert database_version(server) > first["version"]

    again = listener(listeners)
    again.connect(server, {"token": display})
    fresh = again.wait_for("snapshot")

    assert fresh["version"] == database_version(server)
    from_api = api_ok(server, "GET", "/snapshot", display)
    assert without_clock(fresh) == without_clock(from_api)
    assert fresh["calls"][0]["number"] == called["number"]
    assert {t["number"] for t in tickets} >= {c["number"] for c in fresh["calls"][:2]}
    # Asking for a snapshot (what a client does on a version gap) gives the same state.
    asked = again.client.call("snapshot", timeout=WAIT)
    assert without_clock(asked) == without_clock(fresh)


def test_a_ticket_page_hears_its_own_call(
    server: LiveServer, kiosk: str, listeners: list[Listener]
):
    server.add_officer("rina", counters=[3])
    officer = server.login("rina", counter=3)
    ticket = api_ok(server, "POST", "/tickets", kiosk, json={"service": "KIA"})
    page = listener(listeners)
    page.connect(server, {"ticket": ticket["id"]})
    status = page.wait_for("ticket.status")
    assert (status["number"], status["status"]) == (ticket["number"], "waiting")

    api_ok(server, "POST", f"/tickets/{ticket['id']}/call", officer)

    event = page.wait_for("ticket.called", lambda d: d["ticket"]["number"] == ticket["number"])
    assert event["ticket"]["counter_name"] == "Loket 3"
    assert event["ticket"]["status"] == "called"


def test_one_event_reaches_the_ticket_page_and_the_mall_room_once_each(
    server: LiveServer, kiosk: str, listeners: list[Listener]
):
    """The relay sends an event to the ticket's own room and the mall room in one emit: each
    listener of either hears it once, and those of other tickets do not."""
    server.add_officer("dewi", counters=[4])
    officer = server.login("dewi", counter=4)
    mine, other = (
        api_ok(server, "POST", "/tickets", kiosk, json={"service": "PINDAH"}) for _ in range(2)
    )
    page, other_page, display = (listener(listeners) for _ in range(3))
    page.connect(server, {"ticket": mine["id"]})
    other_page.connect(server, {"ticket": other["id"]})
    display.connect(server, {"token": server.device_token("tv-once", "display", zone="A")})
    for each in (page, other_page):
        each.wait_for("ticket.status")
    display.wait_for("snapshot")

    api_ok(server, "POST", f"/tickets/{mine['id']}/call", officer)
    api_ok(server, "POST", f"/tickets/{mine['id']}/no-show", officer)  # a later event: all in

    def calls_heard(who: Listener) -> int:
        who.wait_for("ticket.no_show", lambda d: d["ticket"]["number"] == mine["number"])
        return sum(
            1
            for name, data in who.seen
            if name == "ticket.called" and data["ticket"]["number"] == mine["number"]
        )

    assert calls_heard(page) == 1
    assert calls_heard(display) == 1
    time.sleep(0.5)  # the other ticket's page hears neither event
    while not other_page.received.empty():
        other_page.seen.append(other_page.received.get())
    assert not [name for name, _ in other_page.seen if name in ("ticket.called", "ticket.no_show")]


def test_an_unknown_ticket_page_is_refused(server: LiveServer):
    client = socketio.Client(reconnection=False)
    with pytest.raises(SocketConnectionError):
        client.connect(
            server.base_url,
            auth={"ticket": "no-such-ticket"},
            transports=["websocket"],
            wait_timeout=WAIT,
        )


def test_an_admin_previews_one_zone_and_a_display_keeps_its_own(
    server: LiveServer, kiosk: str, listeners: list[Listener]
):
    server.add_admin("kepala-zona", "rahasia-admin")
    admin = server.login("kepala-zona", "rahasia-admin")
    # A call in each zone, zone B's first: the mall's newest call is zone A's.
    for counter in (24, 4):
        service = server.settings.counter(counter).services[0]
        api_ok(server, "POST", f"/counters/{counter}/status", admin, json={"status": "open"})
        api_ok(server, "POST", "/tickets", kiosk, json={"service": service})
        api_ok(server, "POST", f"/counters/{counter}/call-next", admin)
    preview = listener(listeners)
    preview.connect(server, {"token": admin, "zone": "B"})
    snapshot = preview.wait_for("snapshot")
    zone_b = {c.number for c in server.settings.counters if c.zone == "B"}
    assert snapshot["zone"] == "B"
    assert {c["number"] for c in snapshot["counters"]} == zone_b
    assert snapshot["calls"] and {call["zone"] for call in snapshot["calls"]} == {"B"}

    # A display's token binds its zone: asking for another changes nothing.
    display = listener(listeners)
    display.connect(
        server, {"token": server.device_token("layar-zona-a", "display", "A"), "zone": "B"}
    )
    assert display.wait_for("snapshot")["zone"] == "A"

    refused = socketio.Client(reconnection=False)
    reasons: list[Any] = []
    refused.on("connect_error", reasons.append)
    with pytest.raises(SocketConnectionError):
        refused.connect(
            server.base_url,
            auth={"token": admin, "zone": "Z"},
            transports=["websocket"],
            wait_timeout=WAIT,
        )
    assert "Unknown display zone 'Z'" in str(reasons)
