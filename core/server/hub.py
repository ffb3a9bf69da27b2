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
from queue import SimpleQueue
from typing import Any

from flask import request
from flask_socketio import SocketIO, disconnect, join_room

from core.accounts import Accounts, Unauthorized, token_hash
from core.context import SYSTEM, Actor
from core.events import Event, TicketEvent
from core.handlers import QueueService
from core.tickets import DomainError

log = logging.getLogger(__name__)

VERSION_BEACON_SECONDS = 2.0

SESSION_CHECK_SECONDS = 10.0


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
        self._outbox: SimpleQueue[Event | None] | None = None
        # Kiosk printing (set by the app): a kiosk's snapshot says how its printer is, and
        # the printer is asked again in the background when the kiosk connects.
        self.printing: Any = None

    # -------------------------------------------------------------- outgoing
    def start_relay(self) -> None:
        """Emit from one background thread instead of the request that committed the change.

        In threading mode a fan-out to hundreds of connections takes tens of milliseconds;
        with the relay the officer's request returns at once and QueueService's publish lock
        is not held meanwhile (bench/RESULTS-fanout.md). One thread keeps version order.
        `antrian serve` turns it on; in-process tests keep the direct, synchronous path.
        """
        if self._outbox is None:
            self._outbox = SimpleQueue()
            self.socketio.start_background_task(self._relay, self._outbox)

    def stop_relay(self) -> None:
        if self._outbox is not None:
            self._outbox.put(None)
            self._outbox = None

    def _relay(self, outbox: SimpleQueue[Event | None]) -> None:
        while (event := outbox.get()) is not None:
            try:
                self._emit(event)
            except Exception:  # one failed emit must not stop the relay
                log.exception("relaying %s failed", event.name)

    def publish(self, event: Event) -> None:
        """Relay one committed event (called in version order by QueueService)."""
        if self._outbox is not None:
            self._outbox.put(event)
        else:
            self._emit(event)

    def _emit(self, event: Event) -> None:
        payload = event.payload()
        is_ticket_event = isinstance(event, TicketEvent) and bool(event.ticket_id)
        # The visitor's own page first: one socket, before the hundreds of the mall room.
        # No client is in both rooms, so the order between them changes nothing it sees.
        if is_ticket_event:
            self.socketio.emit(event.name, payload, to=f"ticket:{event.ticket_id}")
        self.socketio.emit(event.name, payload, to=self.mall_room)
        if is_ticket_event:
            for service in event.waiting:  # type: ignore[attr-defined]
                self.socketio.emit("queue.moved", {"service": service}, to=f"service:{service}")

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
        """Cut the live connections of a user whose account was disabled or who signed out."""
        self.socketio.emit("session.ended", {"reason": "signed_out"}, to=f"user:{username}")
        with self._lock:
            sids = [sid for sid, actor in self._sids.items() if actor.name == username]
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
        asks for a snapshot (static/antrian-live.js)."""

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
            if actor.kind in ("officer", "admin") and self.accounts.password_change_required(
                actor.name
            ):
                from socketio.exceptions import ConnectionRefusedError

                raise ConnectionRefusedError("Choose a new password first.")
            rooms = [self.mall_room]
            if actor.kind == "officer":
                rooms += [f"counter:{actor.counter}", f"user:{actor.name}"]
            if actor.kind == "display" and actor.zone:
                rooms.append(f"zone:{actor.zone}")
            if actor.kind == "kiosk" and actor.kiosk:
                rooms.append(f"kiosk:{actor.kiosk}")
            view_zone = self._view_zone(actor, auth.get("zone"))
            # Join first, then read the snapshot: every change committed after the read reaches
            # this client as an event. Events that overtake the snapshot are held by the client
            # and replayed past its version (static/antrian-live.js), so nothing falls between.
            for room in rooms:
                join_room(room)
            with self._lock:
                self._sids[request.sid] = actor  # type: ignore[attr-defined]
                self._view_zones[request.sid] = view_zone  # type: ignore[attr-defined]
                self._tokens[request.sid] = token_hash(auth["token"])  # type: ignore[attr-defined]
            snapshot = self.queue.snapshot(view_zone)
            if actor.kind == "kiosk" and self.printing is not None:
                snapshot["printer"] = self.printing.known_state(actor.kiosk)
            socketio.emit("snapshot", snapshot, to=request.sid)  # type: ignore[attr-defined]
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
                return {"error": {"code": "unauthorized", "message": "Not signed in."}}
            return self.queue.snapshot(view_zone)

    def _connect_ticket_page(self, ticket_id: Any) -> bool:
        try:
            status = self.queue.ticket_status(ticket_id)  # refuses ids that are not ours
        except DomainError:
            from socketio.exceptions import ConnectionRefusedError

            raise ConnectionRefusedError("Unknown ticket.") from None
        join_room(f"ticket:{ticket_id}")
        join_room(f"service:{status['service']}")
        self.socketio.emit("ticket.status", status, to=request.sid)  # type: ignore[attr-defined]
        return True
