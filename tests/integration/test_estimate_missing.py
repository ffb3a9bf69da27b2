"""A ticket stands when its wait estimate cannot be read: the answer says "no estimate".

The estimate is read after the ticket's commit, through SQLAlchemy and on the driver's own
cursor (core/prepared.py), so a failing read may raise the driver's errors as well as
SQLAlchemy's; none of them may turn an issued ticket into an error page.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from core.handlers import QueueService
from core.usecases.issuing import with_wait_estimate
from tests.conftest import KIOSK, officer
from tests.integration.pg import all_day

FAILURES = [
    sqlite3.OperationalError("disk I/O error"),
    psycopg.OperationalError("server closed the connection unexpectedly"),
    OperationalError("SELECT 1", {}, Exception("connection reset")),
]


@pytest.mark.parametrize("failure", FAILURES, ids=lambda exc: type(exc).__module__)
def test_a_failed_estimate_read_leaves_the_ticket_without_an_estimate(
    settings, make_queue, failure: Exception, monkeypatch: pytest.MonkeyPatch
):
    queue: QueueService = make_queue(all_day(settings))
    ktp_counter = next(c.number for c in queue.ctx.settings.counters if "KTP" in c.services)
    queue.open_counter(ktp_counter, officer(ktp_counter))
    view = queue.issue_ticket("KTP", None, KIOSK)
    assert view["eta_minutes"] is not None  # the estimate works when the read does

    def failing_read(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(queue.ctx.estimator, "for_ticket", failing_read)
    answer = with_wait_estimate(queue.ctx, view)
    assert answer["id"] == view["id"] and answer["number"] == view["number"]
    assert answer["eta_minutes"] is None and answer["eta_range"] is None
