"""The disk under a SQLite database fills up while kiosks issue tickets, in a real process:
the database lives on a small tmpfs of its own, filled with a plain file. Answers are 201 or
503 "unavailable" (never a 500), /healthz says what is wrong, and once space is freed the
kiosks' resent requests (same keys) get their tickets, with numbers in order and none twice.

Mounting needs root and a kernel that allows it; where it cannot be done the test skips and
says why.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import services_required
from tests.faults.harness import IssueLoad, check_issued, engine_for, issue_plans, wait_until

pytestmark = pytest.mark.faults

DISK_BYTES = 24 * 1024 * 1024  # above the 16 MiB /healthz asks for, once the filler is gone
LEFT_FREE = 96 * 1024  # what the filler leaves: a few transactions' worth of WAL frames


def cannot(reason: str) -> None:
    """Skip on a workstation that cannot mount; where the suite is required (CI, as root on
    these machines), the disk-full test must run, so it fails instead."""
    if services_required():
        pytest.fail(f"{reason}; ANTRIAN_REQUIRE_SERVICES=1 requires this test to run")
    pytest.skip(reason)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        cannot("no mount program here: cannot make a small filesystem to fill")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        cannot(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path, leave: int) -> Path:
    filler = directory / "filler"
    free = shutil.disk_usage(directory).free
    with filler.open("wb") as out:
        remaining = max(0, free - leave)
        chunk = b"\0" * (1024 * 1024)
        while remaining > 0:
            remaining -= out.write(chunk[: min(len(chunk), remaining)])
    return filler


def test_a_full_disk_gives_503s_and_resent_requests_succeed_once_space_is_freed(
    small_disk: Path, make_server
) -> None:  # the disk first, so the server is stopped before it is unmounted
    server = make_server(
        database_url=f"sqlite:///{small_disk / 'antrian.db'}", ready_path="/api/v1/ping"
    )
    server.start()
    mall = server.settings.mall.code
    token = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    filler = fill(small_disk, LEFT_FREE)

    load = IssueLoad(
        server.base_url,
        token,
        issue_plans(2, 60, ["KTP", "KK"]),
        deadline=time.monotonic() + 60,
        pause=0.1,
    )
    load.start()
    try:
        assert wait_until(lambda: load.statuses[503] >= 5, 30, 0.05), (
            f"the disk never filled: {dict(load.statuses)}"
        )
        health = requests.get(f"{server.base_url}/healthz", timeout=5)
        assert health.status_code == 503
        assert any("database writes fail" in p for p in health.json()["problems"]), health.text
        acked_while_full = load.acked_count()
        time.sleep(0.5)
        assert load.acked_count() == acked_while_full, "tickets were issued on a full disk"
    finally:
        filler.unlink()
    load.join()

    assert not load.unexpected, load.unexpected
    assert not load.unanswered, f"{len(load.unanswered)} requests never answered"
    assert set(load.statuses) <= {201, 503}, load.statuses  # never a 500
    assert wait_until(
        lambda: requests.get(f"{server.base_url}/healthz", timeout=5).status_code == 200, 10, 0.2
    ), requests.get(f"{server.base_url}/healthz", timeout=5).text
    engine = engine_for(server)
    try:
        check_issued(engine, mall, "kiosk-lobby", load.keys, load.acked)
    finally:
        engine.dispose()
    print(f"answers: {dict(load.statuses)}; acknowledged while full: {acked_while_full}")
