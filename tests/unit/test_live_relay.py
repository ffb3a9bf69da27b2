"""The live relay's sequencer: events of several processes leave in version order, a late one
is read from the database instead of being replaced by a snapshot, only a real loss is
skipped, and an outage of the message queue is told to the screens and caught up from the
database (core/server/relay.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from core.server.relay import Record, Sequencer


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def record(version: int) -> Record:
    return Record(version, "ticket.issued", {"version": version, "waiting": {}}, f"t{version}")


class FakeLog:
    """The database's event log: what is committed, and what was pruned from it."""

    def __init__(self, start: int = 10) -> None:
        self.version = start
        self.records: dict[int, Record] = {}
        self.reads = 0
        self.lock = threading.Lock()

    def commit(self, version: int) -> Record:
        with self.lock:
            self.records[version] = record(version)
            self.version = max(self.version, version)
            return self.records[version]

    def after(self, version: int, limit: int) -> list[Record]:
        with self.lock:
            self.reads += 1
            return [self.records[v] for v in sorted(self.records) if v > version][:limit]

    def read_version(self) -> int:
        with self.lock:
            return self.version


class Screen:
    def __init__(self) -> None:
        self.versions: list[int] = []
        self.beacons: list[int] = []
        self.statuses: list[bool] = []


@pytest.fixture
def relay() -> Iterator[tuple[Sequencer, FakeLog, Screen]]:
    log, screen = FakeLog(), Screen()
    sequencer = Sequencer(
        lambda r: screen.versions.append(r.version),
        log.after,
        log.read_version,
        screen.beacons.append,
        screen.statuses.append,
        reorder=0.05,
        poll=0.3,
        outage_poll=0.05,
        beacon_every=0.1,
    )
    thread = threading.Thread(target=sequencer.run, daemon=True)
    thread.start()
    assert wait_until(lambda: sequencer.last == 10)
    yield sequencer, log, screen
    sequencer.stop()
    thread.join(5)


def test_events_offered_out_of_order_leave_in_version_order(relay) -> None:
    sequencer, log, screen = relay
    for version in (13, 11, 14, 12, 12, 15):  # several processes, one event twice
        sequencer.offer(log.commit(version))
    assert wait_until(lambda: screen.versions == [11, 12, 13, 14, 15])
    assert sequencer.skipped == 0


def test_a_version_that_never_comes_is_read_from_the_database_not_skipped(relay) -> None:
    sequencer, log, screen = relay
    log.commit(11)  # committed by another process whose message was lost
    for version in (12, 13):
        sequencer.offer(log.commit(version))
    assert wait_until(lambda: screen.versions == [11, 12, 13])
    assert sequencer.filled_from_database >= 1
    assert sequencer.skipped == 0


def test_only_a_version_the_log_no_longer_has_is_skipped_and_the_screens_told(relay) -> None:
    sequencer, log, screen = relay
    with log.lock:
        log.version = 11  # committed, then pruned from the log before anyone read it
    sequencer.offer(log.commit(12))
    assert wait_until(lambda: screen.versions == [12])
    assert sequencer.skipped == 1
    assert 11 in screen.beacons  # screens behind it take a snapshot


def test_events_nobody_announced_arrive_from_the_database(relay) -> None:
    sequencer, log, screen = relay
    for version in (11, 12):
        log.commit(version)  # e.g. made by the command line, or the message queue was down
    assert wait_until(lambda: screen.versions == [11, 12])


def test_an_outage_of_the_message_queue_is_told_and_caught_up_from_the_database(relay) -> None:
    sequencer, log, screen = relay
    sequencer.bus_changed(False)
    assert wait_until(lambda: screen.statuses == [False])
    log.commit(11)  # another process's call while the queue is down
    assert wait_until(lambda: screen.versions == [11])
    with sequencer._cond:  # the relay is idle in its outage polls: commit and recover at once
        log.commit(12)
        sequencer.bus_changed(True)
    assert wait_until(lambda: screen.statuses == [False, True])
    # Whole before the screens hear that all is well.
    assert screen.versions == [11, 12]


# ---------------------------------------------------------------------- the deployment's id
def test_a_deployment_id_that_cannot_name_a_channel_is_a_configuration_error() -> None:
    import yaml

    from core.config import ConfigError, parse_settings
    from tests.support.live import ROOT

    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    data["deployment_id"] = "mall a"
    with pytest.raises(ConfigError, match="deployment_id"):
        parse_settings(data, environ={})
    data["deployment_id"] = "mpp-merdeka-prod"
    assert parse_settings(data, environ={}).deployment_id == "mpp-merdeka-prod"


def test_processes_of_one_database_share_its_deployment_id_and_two_databases_differ(
    tmp_path,
) -> None:
    from core.server.relay import channel_name, deployment_id
    from core.store import UnitOfWork, make_engine

    def uow(name: str) -> UnitOfWork:
        work = UnitOfWork(make_engine(f"sqlite:///{tmp_path / name}"))
        work.create_all()
        return work

    one, same, other = uow("one.db"), uow("one.db"), uow("other.db")
    try:
        assert deployment_id(None, one) == deployment_id(None, same)
        assert deployment_id(None, one) != deployment_id(None, other)
        assert deployment_id("staging", one) == "staging"
        assert channel_name("staging", "mpp-malang") == "antrian:staging:mpp-malang:live"
    finally:
        for work in (one, same, other):
            work.engine.dispose()
