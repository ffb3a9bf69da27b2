"""Live events in version order, whichever process made them.

Every server process runs one relay. It hands this process's screens the mall's events as one
strictly increasing sequence of versions, so a screen takes a snapshot only after a real loss.

Why not simply emit through Socket.IO's message queue, as before: each process published its
own events after its own commit, so events of two processes reached Redis, and every screen,
in either order (hundreds of gaps a minute under load, each a snapshot per screen), and an
event published while Redis was down was lost to the other processes' screens for good.

How it works:
- The database holds the truth. Each event is written, as sent on the wire, to `live_events`
  in the transaction that bumps the version (core/live_log.py). Versions commit in version
  order, so when v+1 is committed, v is too.
- The message queue is the fast path and only a hint: a process publishes its committed
  events on its deployment's channel (a thread of its own, so a slow or dead Redis never holds
  up a request), and every relay subscribes to it. Its own events reach its relay directly.
- The relay keeps a reorder buffer by version and emits, to this process's clients only
  (`ignore_queue`), the next version as soon as it is there. A version that has not arrived
  within `REORDER_SECONDS` while later ones have is read from the database, never replaced by
  a snapshot. Once a second (every `OUTAGE_POLL_SECONDS` while the message queue is down) it
  also reads what the database has past its last version: events nobody told it about (the
  message queue down, a process killed between its commit and its publish) arrive that way.
- Only what the log no longer holds (pruned, far behind) is a real loss: the relay skips
  ahead, and a screen sees the gap and takes a snapshot (static/antrian-live.js).
- The message queue's state is watched: a publish that fails, a subscription whose connection
  breaks (Redis's health checks find a silent one). Then every screen of this process is told
  `live.status {"ok": false}` (they show "data may be out of date"), and the relay reads the
  database four times a second. When the queue is back, it catches up from the database
  first, then says `{"ok": true}`: whole again within a second of the queue's return.

Channels are per deployment: `antrian:<deployment id>:<mall>:live`. Redis's pub/sub ignores
the db number, so two deployments on one Redis with the same mall code would otherwise hear
each other. The id is `deployment_id` from the configuration, else one made at random once
and kept in the database (`app_settings`): every process of a deployment shares its database,
however they spell its URL, and two deployments share none. (A copy of a database, such as a
staging server restored from production's backup, keeps the id: give it its own
`deployment_id`, or its own Redis.)
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from typing import Any

from sqlalchemy import select

from core.events import Event
from core.store import UnitOfWork, app_settings, insert_if_absent

log = logging.getLogger(__name__)

# How long a missing version may be late, while later ones are here, before the database is
# asked. Asking early is always safe (when v+1 is committed, so is v) and costs one read by
# primary key per process, not per screen; waiting saves that read only when the queue merely
# swapped two messages, a matter of milliseconds. A process slow to publish its own event
# (threads starved right after the commit) is the usual late one: 50 ms bounds what it costs
# the other processes' screens (at 200 ms the relays' p99 was 430 ms on SQLite).
REORDER_SECONDS = 0.05
POLL_SECONDS = 1.0  # the database is asked what is past the last version this often
OUTAGE_POLL_SECONDS = 0.25  # ... and this often while the message queue is down
BEACON_SECONDS = 2.0  # screens hear the relay's version this often, when it moved
CATCH_UP_LIMIT = 2000  # events read from the database at once
PRUNE_SECONDS = 60.0


@dataclass(frozen=True)
class Record:
    """One committed event as it travels: its version, name, wire payload and ticket room."""

    version: int
    name: str
    payload: dict[str, Any]
    ticket_id: str | None = None
    # When the committing process handed it over (wall clock, for the relay lag metric);
    # None for a record read back from the database.
    made_at: float | None = None

    @classmethod
    def of(cls, event: Event) -> Record:
        ticket_id = getattr(event, "ticket_id", None)
        return cls(event.version, event.name, event.payload(), ticket_id, time.time())

    def encode(self) -> str:
        return json.dumps(
            {
                "v": self.version,
                "n": self.name,
                "t": self.ticket_id,
                "p": self.payload,
                "s": self.made_at,
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, data: bytes | str) -> Record | None:
        try:
            raw = json.loads(data)
            made_at = raw.get("s")
            made_at = float(made_at) if isinstance(made_at, int | float) else None
            return cls(int(raw["v"]), str(raw["n"]), dict(raw["p"]), raw.get("t"), made_at)
        except (ValueError, KeyError, TypeError):
            return None


def deployment_id(configured: str | None, uow: UnitOfWork) -> str:
    """The configured id, else the one kept in the database (made by the first process)."""
    if configured:
        return configured
    with uow.writing() as conn:
        insert_if_absent(
            conn, app_settings, {"key": "deployment_id", "value": secrets.token_hex(8)}
        )
        return str(
            conn.execute(
                select(app_settings.c.value).where(app_settings.c.key == "deployment_id")
            ).scalar_one()
        )


def channel_name(deployment: str, mall: str) -> str:
    return f"antrian:{deployment}:{mall}:live"


class Sequencer:
    """Orders records by version and hands them on, one after the other, without a gap.

    `emit(record)` sends one record to this process's clients; `read_after(version, limit)`
    reads committed records from the database; `read_version()` the mall's version there;
    `beacon(version)` tells clients the relay's version; `status(ok)` tells them whether the
    message queue works. All are called from the relay's own thread only.
    """

    def __init__(
        self,
        emit: Callable[[Record], None],
        read_after: Callable[[int, int], list[Record]],
        read_version: Callable[[], int],
        beacon: Callable[[int], None] = lambda _version: None,
        status: Callable[[bool], None] = lambda _ok: None,
        *,
        reorder: float = REORDER_SECONDS,
        poll: float = POLL_SECONDS,
        outage_poll: float = OUTAGE_POLL_SECONDS,
        beacon_every: float = BEACON_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit, self._read_after, self._read_version = emit, read_after, read_version
        self._beacon, self._status = beacon, status
        self.reorder, self.poll, self.outage_poll = reorder, poll, outage_poll
        self.beacon_every = beacon_every
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: dict[int, Record] = {}
        self.last: int | None = None
        self._gap_since: float | None = None
        self._catch_up_now = False
        self._bus_ok = True
        self._told_ok = True  # what the clients were last told
        self._stopped = False
        # What happened, for tests and logs.
        self.filled_from_database = 0
        self.skipped = 0

    # ---------------------------------------------------------------- inputs (any thread)
    def offer(self, record: Record) -> None:
        with self._cond:
            if self.last is not None and record.version <= self.last:
                return  # already sent (the same event from the queue and the database)
            if record.version not in self._pending:
                self._pending[record.version] = record
                self._cond.notify()

    def bus_changed(self, ok: bool) -> None:
        """The message queue went down (`False`) or came back (`True`)."""
        with self._cond:
            self._bus_ok = ok
            self._catch_up_now = True  # either way: read the database now
            self._cond.notify()

    @property
    def bus_ok(self) -> bool:
        return self._told_ok

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    # ---------------------------------------------------------------- the relay's thread
    def run(self) -> None:
        while self.last is None and not self._stopped:
            try:
                self.last = self._read_version()
            except Exception:  # the database is not there yet: try again
                log.exception("the relay cannot read the mall's version")
                time.sleep(1.0)
        next_poll = self._clock() + self.poll
        next_beacon = self._clock() + self.beacon_every
        beaconed = self.last
        while True:
            with self._cond:
                if self._stopped:
                    return
                batch = self._take_ready()
                if batch:
                    self.last = batch[-1].version
                    self._gap_since = None
                else:
                    now = self._clock()
                    if not self._pending:
                        self._gap_since = None
                    elif self._gap_since is None:
                        self._gap_since = now
                    gap_due = (
                        self._gap_since + self.reorder
                        if self._gap_since is not None
                        else float("inf")
                    )
                    wake = min(next_poll, next_beacon, gap_due)
                    told = self._bus_ok == self._told_ok
                    if not self._catch_up_now and told and now < wake:
                        self._cond.wait(wake - now)
                        continue
                    catch_up = self._catch_up_now or now >= next_poll or now >= gap_due
                    self._catch_up_now = False
                bus_ok = self._bus_ok
            # Sent outside the lock: the queue's and the requests' threads keep offering.
            for record in batch:
                self._safely(self._emit, record)
            if batch:
                continue
            now = self._clock()
            if catch_up:
                self._catch_up(bus_ok)
                next_poll = now + (self.poll if bus_ok else self.outage_poll)
                with self._cond:
                    if self.last is not None and self.last + 1 in self._pending:
                        continue  # send what the database had first
            if bus_ok != self._told_ok:
                # Down: said at once. Back: said once the database caught us up (just now).
                self._told_ok = bus_ok
                self._safely(self._status, bus_ok)
            if now >= next_beacon:
                next_beacon = now + self.beacon_every
                if self.last != beaconed:
                    beaconed = self.last
                    self._safely(self._beacon, self.last)

    def _take_ready(self) -> list[Record]:
        batch = []
        assert self.last is not None
        version = self.last
        while (record := self._pending.pop(version + 1, None)) is not None:
            batch.append(record)
            version += 1
        return batch

    def _catch_up(self, bus_ok: bool) -> None:
        """Read what the database has past the last version; skip what it no longer has."""
        assert self.last is not None
        try:
            # The version first: every version up to it was committed before the log is read
            # (versions commit in order), so the read that follows must show each of them.
            # The other way round, a commit between the two reads would look like a loss.
            newest = self._read_version()
            records = self._read_after(self.last, CATCH_UP_LIMIT)
        except Exception:  # the database blinked: the next round tries again
            log.exception("the relay could not read the event log")
            return
        with self._cond:
            last = self.last
            for record in records:
                if record.version > last and record.version not in self._pending:
                    self._pending[record.version] = record
                    self.filled_from_database += 1
            if last + 1 in self._pending or newest <= last:
                return
            # The database is past the last version but its log lacks the next one: lost for
            # good (pruned, or written by a process without the log). Skip to what follows.
            after = [v for v in self._pending if v <= newest]
            self._skip_to(min(after) - 1 if after else newest)

    def _skip_to(self, version: int) -> None:
        assert self.last is not None
        log.warning(
            "live events %d..%d are not in the log: screens will take a snapshot",
            self.last + 1,
            version,
        )
        self.skipped += version - self.last
        self.last = version
        self._gap_since = None
        for stale in [v for v in self._pending if v <= version]:
            del self._pending[stale]
        # Clients see the gap at the next event and take a snapshot; the beacon tells them at
        # once in case no event follows.
        self._safely(self._beacon, version)

    @staticmethod
    def _safely(call: Callable[[Any], None], argument: Any) -> None:
        try:
            call(argument)
        except Exception:  # one failed emit must not stop the relay
            log.exception("the live relay failed to send")


class RedisBus:
    """The message queue between the relays: publish in a thread of its own, subscribe in
    another, and report whether both work (`on_state(ok)`, on every change)."""

    def __init__(
        self,
        url: str,
        channel: str,
        on_record: Callable[[Record], None],
        on_state: Callable[[bool], None],
        *,
        retry_seconds: float = 0.25,
    ) -> None:
        import redis

        self._redis = redis
        self.url, self.channel = url, channel
        self._on_record, self._on_state = on_record, on_state
        self.retry_seconds = retry_seconds
        self._outbox: SimpleQueue[Record] = SimpleQueue()
        self._publisher = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
        self._lock = threading.Lock()
        self._subscribed = False
        self._publishing = True
        self._reported: bool | None = None
        self.published = 0

    @property
    def ok(self) -> bool:
        with self._lock:
            return self._subscribed and self._publishing

    def start(self, start_task: Callable[..., Any]) -> None:
        start_task(self._publish_loop)
        start_task(self._subscribe_loop)

    def publish(self, record: Record) -> None:
        self._outbox.put(record)

    def _set(self, *, subscribed: bool | None = None, publishing: bool | None = None) -> None:
        with self._lock:
            if subscribed is not None:
                self._subscribed = subscribed
            if publishing is not None:
                self._publishing = publishing
            ok = self._subscribed and self._publishing
            changed = ok != self._reported
            self._reported = ok
        if changed:
            (log.info if ok else log.warning)(
                "the message queue %s", "works" if ok else "is down: screens are told"
            )
            self._on_state(ok)

    def _publish_loop(self) -> None:
        errors = self._redis.RedisError, OSError
        while True:
            try:
                batch = [self._outbox.get(timeout=1.0)]
            except Empty:
                try:  # idle: is the queue still there?
                    self._publisher.ping()
                    self._set(publishing=True)
                except errors:
                    self._set(publishing=False)
                continue
            while len(batch) < 500:
                try:
                    batch.append(self._outbox.get_nowait())
                except Empty:
                    break
            try:
                pipe = self._publisher.pipeline(transaction=False)
                for record in batch:
                    pipe.publish(self.channel, record.encode())
                pipe.execute()
                self.published += len(batch)
                self._set(publishing=True)
            except errors as exc:
                # Not sent again: the events are in the database, and every relay reads them
                # from there while the queue is down.
                dropped = len(batch)
                while True:  # a hung queue must not pile events up here either
                    try:
                        self._outbox.get_nowait()
                        dropped += 1
                    except Empty:
                        break
                log.warning("publishing %d live events failed: %s", dropped, exc)
                self._set(publishing=False)

    def _subscribe_loop(self) -> None:
        errors = self._redis.RedisError, OSError
        while True:
            client = None
            try:
                client = self._redis.Redis.from_url(
                    self.url, socket_connect_timeout=1, health_check_interval=1
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self._set(subscribed=True)
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    record = Record.decode(message["data"])
                    if record is not None:
                        self._on_record(record)
            except errors as exc:
                log.debug("the live subscription broke: %s", exc)
                self._set(subscribed=False)
            except Exception:  # never let the subscription die
                log.exception("the live subscription failed")
                self._set(subscribed=False)
            finally:
                if client is not None:
                    with contextlib.suppress(errors):
                        client.close()
            time.sleep(self.retry_seconds)
