"""A database that cannot be written (here: SQLite told it may not grow, which is what a full
disk looks like to it) gives a clear 503, an unhealthy /healthz, nothing half-done, and heals
by itself once it can write again."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.server.app import create_app
from core.store import tickets
from tests.conftest import FakeClock
from tests.integration.test_api import PASSWORD, Api, quick_hashes  # noqa: F401


@pytest.fixture
def app(settings, clock: FakeClock) -> Iterator[Flask]:
    # One kiosk fills the database quickly: its issue limit is raised out of the way.
    limits = {"ANTRIAN_KIOSK_ISSUE_LIMITS": "100000 per minute"}
    app = create_app(settings, clock=clock, test_config={"TESTING": True, **limits})
    app.extensions["antrian.accounts"].add_user("admin", PASSWORD, "admin")
    yield app
    app.extensions["antrian.engine"].dispose()


def fill_the_disk(app: Flask, full: bool) -> None:
    """Cap the database file at its current size (full), or lift the cap."""
    engine = app.extensions["antrian.engine"]
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        conn.exec_driver_sql(f"PRAGMA max_page_count = {pages if full else 1_000_000}")
    engine.dispose()  # the pragma is per connection: new connections get it via the event
    if full:
        from sqlalchemy import event

        def cap(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(engine, "connect", cap)
        app.extensions["cap"] = cap
    elif "cap" in app.extensions:
        from sqlalchemy import event

        event.remove(engine, "connect", app.extensions.pop("cap"))
        engine.dispose()


def ticket_count(app: Flask) -> int:
    with app.extensions["antrian.engine"].connect() as conn:
        return conn.execute(select(func.count()).select_from(tickets)).scalar_one()


def test_a_full_disk_is_a_clear_503_and_an_unhealthy_server_until_it_heals(
    app: Flask, caplog: pytest.LogCaptureFixture
):
    api = Api(app)
    kiosk = api.device("kiosk-lobby", "kiosk", kiosk="K1")
    # Fill the last pages so the next ticket needs a new one.
    for _ in range(40):
        api.issue(kiosk)
    before = ticket_count(app)
    assert app.test_client().get("/healthz").status_code == 200

    fill_the_disk(app, full=True)
    with caplog.at_level(logging.ERROR):
        answers = [api("POST", "/tickets", kiosk, json={"service": "KK"}) for _ in range(60)]
    # The last free bytes of the file may take a ticket or two; then every one is refused.
    first_refused = next(i for i, (status, _) in enumerate(answers) if status != 201)
    refusals = answers[first_refused:]
    assert first_refused <= 10
    assert {status for status, _ in refusals} == {503}
    before += first_refused
    status, body = refusals[0]
    assert body["error"]["code"] == "unavailable"
    assert "Temporarily unavailable" in body["error"]["message"]
    assert any("full" in record.getMessage() for record in caplog.records)
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert "full" in " ".join(health.get_json()["problems"])
    assert ticket_count(app) == before  # nothing half-done

    fill_the_disk(app, full=False)
    api.issue(kiosk, "KK")
    assert app.test_client().get("/healthz").status_code == 200
    assert ticket_count(app) == before + 1
