"""The Socket.IO hub: authenticates connections, puts them in rooms, relays committed events.

The server, never the client, decides the rooms:
- every signed-in device or person joins `mall:<code>` and gets every event with its `version`;
- officers also join `counter:<n>` and `user:<name>` (so a disabled account can be cut off);
- a visitor's status page connects with `{"ticket": id}` and joins only `ticket:<id>` and the
  service's public room, where it hears that the queue moved.
On connect each client gets `snapshot`; a client that sees a version gap emits `snapshot` and
gets a fresh one back as the acknowledgement.

Connections outlive the checks made when they opened: `check_sessions` (every
`SESSION_CHECK_SECONDS` in `antrian serve`) cuts those whose session expired or was revoked,
whose account was disabled or whose device was revoked, from any process (the CLI too), and
closes the counters their officers left open, so the displays stop showing them. A client that
asks for a snapshot is checked again on the spot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from flask import request
from flask_socketio import SocketIO, disconnect, join_room

from core import staff
from core.accounts import ROLES, Accounts, Unauthorized, token_hash
from core.config.environment import seconds_from_environment
from core.context import SYSTEM, Actor
from core.events import Event, TicketEvent
from core.handlers import QueueService
from core.tickets import DomainError

log = logging.getLogger(__name__)

VERSION_BEACON_SECONDS = 2.0

SESSION_CHECK_SECONDS = 10.0
SESSION_CHECK_KEY = "ANTRIAN_SESSION_CHECK_SECONDS"
# Quicker than this the checks would keep the database busy; slower, and a revoked device or
# a disabled account could keep watching the queue for longer than anyone would expect.
SESSION_CHECK_RANGE = (0.2, 3600.0)


def session_check_seconds(environ: Mapping[str, str] | None = None) -> float:
    """How often live connections are checked (`ANTRIAN_SESSION_CHECK_SECONDS`)."""
    return seconds_from_environment(
        SESSION_CHECK_KEY,
        SESSION_CHECK_SECONDS,
        SESSION_CHECK_RANGE,
        "how often live connections are checked",
        environ,
    )


class Hub:
    def __init__(self, socketio: SocketIO, queue: QueueService, accounts: Accounts) -> None:
        self.socketio = socketio
        self.queue = queue
        self.accounts = accounts
        self.mall_room = f"mall:{queue.mall}"
        self._sids: dict[str, Actor] = {}
        # The zone whose snapshot each connection gets: a display's own; for an admin or an
        # officer previewing a display page, the zone it asked for (None: the whole mall).
        self._view_zones: dict[str, str | None] = {}
        self._tokens: dict[str, str] = {}  # sid -> digest of the token it connected with
        self._lock = threading.Lock()
        # sid -> the version of the snapshot it was just given, until an event past it was
        # sent: events up to it are not sent to that client (its snapshot holds them). The
        # emit lock makes "which clients to skip, then emit" one step against "note the
        # snapshot's version, then send it", so no stale event slips in after a snapshot.
        self._floors: dict[str, int] = {}
        self._emit_lock = threading.Lock()
        self._live: Any = None  # the live relay, once started (core/server/live.py)
        # Names the message queue's channels (core/server/relay.py); set by the app.
        self.deployment = ""
        # Kiosk printing (set by the app): a kiosk's snapshot says how its printer is, and
        # the printer is asked again in the background when the kiosk connects.
        self.printing: Any = None
        # Told each `printer.status` payload the relay passes on, from whichever process (the
        # alert monitor, set by the app): else each process's alerts judge a printer by what
        # this process alone heard, and one clears what another raised.
        self.printer_listeners: list[Callable[[dict[str, Any]], None]] = []
        # Told how long each relayed event took from its commit to its emit (the metrics).
        self.relay_lag_listener: Callable[[float], None] | None = None

    # -------------------------------------------------------------- outgoing
    def start_relay(self, message_queue: str | None = None, deployment: str = "") -> None:
        """Emit from the live relay (core/server/relay.py) instead of the committing request.

        The relay puts every process's events in version order for this process's clients,
        fills late ones from the database and tells the screens when the message queue is
        down. The officer's request returns at once (a fan-out to hundreds of connections
        takes tens of milliseconds in threading mode, bench/RESULTS-fanout.md).
        `antrian serve` turns it on; in-process tests keep the direct, synchronous path.
        """
        if self._live is not None:
            return
        from core.server.live import LiveEvents

        settings = self.queue.settings
        self._live = LiveEvents(
            self.queue,
            self._emit_record,
            self._emit_beacon,
            self._emit_status,
            message_queue=message_queue if message_queue is not None else settings.message_queue,
            deployment=deployment or self.deployment,
        )
        self._live.start(self.socketio.start_background_task)

    def stop_relay(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def publish(self, event: Event) -> None:
        """Relay one committed event (called in version order by QueueService)."""
        if event.name.startswith("alert."):
            self._emit_alert(event)
            return
        if self._live is not None:
            self._live.publish(event)
        else:
            ticket_id = event.ticket_id if isinstance(event, TicketEvent) else None
            self._emit(event.name, event.payload(), ticket_id)

    def _emit_record(self, record: Any) -> None:
        if record.name == "printer.status":
            # Whichever process learnt it (a print, a health check), this one's kiosk
            # printing knows it as soon as the relay does: before, a printer another process
            # found recovered stayed failing here until this process's own recheck (30 s).
            if self.printing is not None:
                self.printing.heard(record.payload)
            for listener in self.printer_listeners:
                listener(record.payload)
        self._emit(record.name, record.payload, record.ticket_id)
        if record.made_at is not None and self.relay_lag_listener is not None:
            self.relay_lag_listener(time.time() - record.made_at)

    def _emit(self, name: str, payload: dict[str, Any], ticket_id: str | None) -> None:
        # Only to this process's own clients: every process's relay sends each event to its
        # own (the message queue carries the events to the relays, not to the sockets).
        emit = self.socketio.emit
        version = payload.get("version")
        with self._emit_lock:
            skip = self._skipped_for(version) if isinstance(version, int) else []
            self._emit_once(name, payload, ticket_id, skip)
        if ticket_id:
            for service in payload.get("waiting") or ():
                room = f"service:{service}"
                if self._has_clients(room):
                    emit("queue.moved", {"service": service}, to=room, ignore_queue=True)

    def _skipped_for(self, version: int) -> list[str]:
        """The clients whose snapshot already holds `version` (called with the emit lock).
        Events come in version order, so a floor that this event passes is done with."""
        floors = list(self._floors.items())  # a disconnect may drop one meanwhile
        for sid, floor in floors:
            if floor < version:
                self._floors.pop(sid, None)
        return [sid for sid, floor in floors if version <= floor]

    def _sent_snapshot(self, sid: str, version: Any) -> None:
        """Note the version of the snapshot `sid` was given (called with the emit lock)."""
        if isinstance(version, int):
            self._floors[sid] = version

    def _emit_once(
        self, name: str, payload: dict[str, Any], ticket_id: str | None, skip: list[str]
    ) -> None:
        # One emit for the visitor's own page and the mall room: python-socketio encodes a
        # packet (and scans it for binary data) per emit, also for a room nobody is in, as
        # most tickets' rooms are (bench/bench_relay_emit.py). The ticket's room is listed
        # first, so its one socket is sent to before the hundreds of the mall room (no
        # client is in both).
        self.socketio.emit(
            name,
            payload,
            to=[f"ticket:{ticket_id}", self.mall_room] if ticket_id else self.mall_room,
            skip_sid=skip or None,
            ignore_queue=True,
        )

    def _has_clients(self, room: str) -> bool:
        """Whether any client of this process is in `room` (an emit to nobody still encodes)."""
        return (
            next(iter(self.socketio.server.manager.get_participants("/", room)), None) is not None
        )

    def _emit_alert(self, event: Event) -> None:
        """Alerts are hints to the managers' dashboards, outside the mall's versioned stream
        (core/usecases/alerting.py): sent through Socket.IO's own message queue, to every
        process's managers. Admins see every alert; a supervisor their agencies' and the
        kiosks' (whose printers serve every agency)."""
        payload = event.payload()
        agency = payload["alert"].get("agency")  # type: ignore[index]
        rooms = [f"managers:{self.queue.mall}", f"agency:{agency}" if agency else "supervisors"]
        self.socketio.emit(event.name, payload, to=rooms)

    def _emit_beacon(self, version: int) -> None:
        self.socketio.emit(
            "mall.version", {"version": version}, to=self.mall_room, ignore_queue=True
        )

    def _emit_status(self, ok: bool) -> None:
        self.socketio.emit("live.status", {"ok": ok}, to=self.mall_room, ignore_queue=True)

    def _view_zone(self, actor: Actor, asked: Any) -> str | None:
        """A display sees its own zone, whatever it asks; an admin or officer may preview one
        zone's display (its snapshot then holds that zone's latest calls, not the mall's)."""
        if actor.kind == "display":
            return actor.zone
        if asked is None or actor.kind not in ("admin", "officer"):
            return None
        zones = [zone.code for zone in self.queue.settings.zones]
        if asked not in zones:
            from socketio.exceptions import ConnectionRefusedError

            raise ConnectionRefusedError(
                f"Unknown display zone {asked!r}; zones: {', '.join(zones)}."
            )
        return str(asked)

    def _probe_printer(self, kiosk: str | None) -> None:
        try:
            self.printing.probe(kiosk)
        except Exception:  # a probe must never take the connection down with it
            log.exception("probing the printer of kiosk %s failed", kiosk)

    def end_sessions_of(self, username: str) -> None:
        """Cut the live connections of an account that was disabled or signed out, on every
        process (the message queue) and here at once; never those of a device that happens
        to share the account's name."""
        self.socketio.emit("session.ended", {"reason": "signed_out"}, to=f"user:{username}")
        with self._lock:
            sids = [
                sid
                for sid, actor in self._sids.items()
                if actor.kind in ROLES and actor.name == username
            ]
        for sid in sids:
            self.socketio.server.disconnect(sid, namespace="/")

    def check_sessions(self) -> int:
        """Cut connections whose token no longer signs anyone in, and close the counters of
        officers without a valid session. Returns how many connections were cut."""
        with self._lock:
            tokens = dict(self._tokens)
        cut = 0
        if tokens:
            valid = self.accounts.valid_tokens(set(tokens.values()))
            self.accounts.forget_tokens(set(tokens.values()) - valid)
            for sid, digest in tokens.items():
                if digest not in valid:
                    self._cut(sid, "session_ended")
                    cut += 1
        for number, officer in self.accounts.stale_open_counters(self.queue.mall):
            try:
                self.queue.set_counter_status(number, "closed", None, SYSTEM)
                log.info("closed counter %s: %s has no valid session any more", number, officer)
            except DomainError as exc:
                log.warning("could not close counter %s: %s", number, exc.message)
        return cut

    def _cut(self, sid: str, reason: str) -> None:
        self.socketio.emit("session.ended", {"reason": reason}, to=sid)
        self.socketio.server.disconnect(sid, namespace="/")
        with self._lock:
            self._forget_sid(sid)

    def _forget_sid(self, sid: str) -> None:
        self._sids.pop(sid, None)
        self._view_zones.pop(sid, None)
        self._tokens.pop(sid, None)
        # Not under the emit lock: this runs under `_lock`, and an emit may end a connection.
        self._floors.pop(sid, None)

    def start_session_checks(self, interval: float = SESSION_CHECK_SECONDS) -> None:
        def loop() -> None:
            while True:
                self.socketio.sleep(interval)
                try:
                    self.check_sessions()
                except Exception:  # a failed round is retried next time
                    log.exception("checking the sessions of live connections failed")

        self.socketio.start_background_task(loop)

    def start_version_beacon(self, interval: float = VERSION_BEACON_SECONDS) -> None:
        """Tell this process's own clients the mall's version whenever it moved.

        Events travel between processes through the message queue; an event published while
        the queue was down is lost to every screen, and nothing else would tell them. The
        beacon reads the version from the database (the truth) and sends it past the queue
        (`ignore_queue`): a client that is behind and hears no event to close the gap soon
        asks for a snapshot (static/antrian-live.js). The live relay beacons by itself, after
        the events it sent, so with it running this does nothing."""
        if self._live is not None:
            return

        def loop() -> None:
            last: int | None = None
            while True:
                self.socketio.sleep(interval)
                try:
                    version = self.queue.version()
                    if version != last:
                        self.socketio.emit(
                            "mall.version",
                            {"version": version},
                            to=self.mall_room,
                            ignore_queue=True,
                        )
                        last = version
                except Exception:  # the database or a socket blinked: next round
                    log.exception("the version beacon failed")

        self.socketio.start_background_task(loop)

    def connected_count(self) -> int:
        with self._lock:
            return len(self._sids)

    def connections_by_kind(self) -> dict[str, int]:
        """This process's live connections by kind of client; status pages sign in with no
        token, so they are the connections the hub holds no actor for."""
        with self._lock:
            counts = Counter(actor.kind for actor in self._sids.values())
        everyone = self.socketio.server.manager.rooms.get("/", {}).get(None, ())
        counts["ticket_page"] = max(0, len(everyone) - sum(counts.values()))
        return dict(counts)

    # -------------------------------------------------------------- incoming
    def register(self) -> None:
        socketio = self.socketio

        @socketio.on("connect")
        def on_connect(auth: dict[str, Any] | None = None) -> bool:
            auth = auth if isinstance(auth, dict) else {}
            ticket_id = auth.get("ticket")
            if ticket_id and not auth.get("token"):
                return self._connect_ticket_page(ticket_id)
            try:
                actor = self.accounts.authenticate(auth.get("token"))
            except Unauthorized as exc:
                # python-socketio sends this message to the client as the refusal reason.
                from socketio.exceptions import ConnectionRefusedError

                raise ConnectionRefusedError(exc.message) from None
            if actor.kind in ROLES and self.accounts.password_change_required(actor.name):
                from socketio.exceptions import ConnectionRefusedError

                raise ConnectionRefusedError("Choose a new password first.")
            rooms = [self.mall_room]
            if actor.kind == "officer":
                rooms += [f"counter:{actor.counter}", f"user:{actor.name}"]
            if actor.kind == "display" and actor.zone:
                rooms.append(f"zone:{actor.zone}")
            if actor.kind == "kiosk" and actor.kiosk:
                rooms.append(f"kiosk:{actor.kiosk}")
            if actor.kind == "admin":
                rooms.append(f"managers:{self.queue.mall}")
            if actor.kind == "supervisor":
                rooms.append("supervisors")
                agencies = staff.supervised_agencies(self.accounts.uow, actor.name)
                rooms += [f"agency:{code}" for code in agencies]
            view_zone = self._view_zone(actor, auth.get("zone"))
            # Join first, then read the snapshot: every change committed after the read reaches
            # this client as an event. Events that overtake the snapshot are held by the client
            # and replayed past its version (static/antrian-live.js), so nothing falls between;
            # events the snapshot holds that were still on their way are not sent after it.
            for room in rooms:
                join_room(room)
            with self._lock:
                self._sids[request.sid] = actor  # type: ignore[attr-defined]
                self._view_zones[request.sid] = view_zone  # type: ignore[attr-defined]
                self._tokens[request.sid] = token_hash(auth["token"])  # type: ignore[attr-defined]
            snapshot = self._with_printers(actor, self.queue.snapshot(view_zone))
            with self._emit_lock:
                self._sent_snapshot(request.sid, snapshot.get("version"))  # type: ignore[attr-defined]
                socketio.emit("snapshot", snapshot, to=request.sid)  # type: ignore[attr-defined]
            if self._live is not None and not self._live.bus_ok:
                # The message queue is down: this screen's data may lag behind the database.
                socketio.emit("live.status", {"ok": False}, to=request.sid)  # type: ignore[attr-defined]
            if actor.kind == "kiosk" and self.printing is not None:
                socketio.start_background_task(self._probe_printer, actor.kiosk)
            return True

        @socketio.on("disconnect")
        def on_disconnect(*_args: Any) -> None:
            with self._lock:
                self._forget_sid(request.sid)  # type: ignore[attr-defined]

        @socketio.on("snapshot")
        def on_snapshot(_data: Any = None) -> dict[str, Any]:
            with self._lock:
                actor = self._sids.get(request.sid)  # type: ignore[attr-defined]
                view_zone = self._view_zones.get(request.sid)  # type: ignore[attr-defined]
                digest = self._tokens.get(request.sid)  # type: ignore[attr-defined]
            if actor is None or digest is None or not self.accounts.valid_tokens({digest}):
                disconnect()
                message = "Belum masuk. / Not signed in."
                return {"error": {"code": "unauthorized", "message": message}}
            snapshot = self._with_printers(actor, self.queue.snapshot(view_zone))
            with self._emit_lock:
                self._sent_snapshot(request.sid, snapshot.get("version"))  # type: ignore[attr-defined]
            return snapshot

    def _with_printers(self, actor: Actor, snapshot: dict[str, Any]) -> dict[str, Any]:
        """A kiosk's snapshot says how its printer was last seen; a staff member's, every
        kiosk's (the counters' banner): a `printer.status` event missed while away, or sent
        before they signed in, is caught up like any other change."""
        if self.printing is not None and actor.kind == "kiosk":
            snapshot["printer"] = self.printing.known_state(actor.kiosk)
        elif self.printing is not None and actor.kind in ROLES:
            snapshot["printers"] = self.printing.known_states()
        return snapshot

    def _connect_ticket_page(self, ticket_id: Any) -> bool:
        try:
            status = self.queue.ticket_status(ticket_id)  # refuses ids that are not ours
        except DomainError:
            from socketio.exceptions import ConnectionRefusedError

            raise ConnectionRefusedError("Unknown ticket.") from None
        join_room(f"ticket:{ticket_id}")
        join_room(f"service:{status['service']}")
        # Read again now that the page is in its rooms: a queue that moved between the first
        # read (which names the service's room) and the join would otherwise stay unseen on
        # the page until its next move.
        status = self.queue.ticket_status(ticket_id)
        self.socketio.emit("ticket.status", status, to=request.sid)  # type: ignore[attr-defined]
        return True
