"""Many issuers at once, in threads and in processes: numbers stay contiguous and unique."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from core.bus import InMemoryPublisher
from core.config import Settings, load_settings
from core.handlers import QueueService
from core.store import UnitOfWork, daily_sequences, make_engine, tickets
from tests.conftest import KIOSK, FakeClock
from tests.integration.pg import all_day
from tests.support.live import ROOT, write_all_day_config

THREADS = 8
PER_THREAD = 250


def test_threads_issuing_at_once_get_numbers_one_to_n(
    demo_settings: Settings, database_url: str, clock: FakeClock
):
    settings = all_day(demo_settings, database_url=database_url, no_quotas=True)
    engine = make_engine(database_url)
    publisher = InMemoryPublisher()
    queue = QueueService(settings, UnitOfWork(engine), publisher, clock=clock)
    queue.ensure_ready()
    start = threading.Barrier(THREADS)
    numbers: list[list[int]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def issuer(slot: int) -> None:
        try:
            start.wait()
            for _ in range(PER_THREAD):
                view = queue.issue_ticket("KTP", None, KIOSK)
                numbers[slot].append(int(view["number"][1:]))
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    workers = [threading.Thread(target=issuer, args=(i,)) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    try:
        assert not errors, errors[:3]
        issued = [n for chunk in numbers for n in chunk]
        total = THREADS * PER_THREAD
        assert len(issued) == total
        assert sorted(issued) == list(range(1, total + 1))
        for chunk in numbers:  # each issuer sees its own numbers rise
            assert chunk == sorted(chunk)
        with queue.uow.reading() as conn:
            stored = conn.execute(select(tickets.c.sequence).order_by(tickets.c.sequence))
            assert [row.sequence for row in stored] == list(range(1, total + 1))
            assert conn.execute(select(daily_sequences.c.last_number)).scalar_one() == total
        # Every issue is one event, published in version order without a gap.
        assert [e.version for e in publisher.events] == list(range(1, total + 1))
    finally:
        engine.dispose()


WORKER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path

    from core.config import load_settings
    from core.context import Actor
    from core.handlers import QueueService
    from core.store import UnitOfWork, make_engine

    config, go, count, name = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    settings = load_settings(config, environ={})
    fixed = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    queue = QueueService(settings, UnitOfWork(make_engine(settings.database_url)),
                         clock=lambda: fixed)
    kiosk = Actor("kiosk", name, kiosk="K1")
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for _ in range(count):
        print(queue.issue_ticket("IKD", None, kiosk)["number"], flush=True)
        # Visitors arrive, they do not loop: a pause lets the other process's waiting
        # writer in, so the two really interleave instead of one finishing first.
        time.sleep(0.002)
    """
)


def test_two_processes_on_one_sqlite_file_share_one_sequence(tmp_path: Path):
    config = write_all_day_config(tmp_path, port=5000)
    settings = load_settings(config, environ={})
    engine = make_engine(settings.database_url)
    QueueService(settings, UnitOfWork(engine)).ensure_ready()
    go = tmp_path / "go"
    per_process = 300
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(config), str(go), str(per_process), f"kiosk-{i}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        go.touch()
        started = time.monotonic()
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    numbers = [[int(line[1:]) for line in out.split()] for out, _ in outputs]
    everything = sorted(numbers[0] + numbers[1])
    assert everything == list(range(1, 2 * per_process + 1))
    # Both processes really issued at the same time: each got numbers from across the range.
    assert min(numbers[0]) < max(numbers[1]) and min(numbers[1]) < max(numbers[0])
    assert time.monotonic() - started < 60
    with UnitOfWork(engine).reading() as conn:
        assert conn.execute(select(func.count()).select_from(tickets)).scalar_one() == 600
    engine.dispose()
