"""Changing the server's secret: with the old one listed in `previous_secret_keys`, a TV signed
in before keeps its session (and is moved to the new key), a ticket printed before keeps its
survey key, and a NIK booked before is still one NIK. Without it, all three are lost: the
reason the setting exists."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core import skm
from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.pg import RecordingPrinter
from tests.integration.test_api import Api
from tests.integration.test_bookings_api import NIK_MAN, TOMORROW

OLD_SECRET = "old-secret-" + "a" * 53
NEW_SECRET = "new-secret-" + "b" * 53
DAY_AFTER = (date.fromisoformat(TOMORROW) + timedelta(days=1)).isoformat()


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """Each test on SQLite and on PostgreSQL."""
    return dataclasses.replace(settings, database_url=database_url)


@contextmanager
def server(
    settings: Settings, clock: FakeClock, secret: str, previous: tuple[str, ...] = ()
) -> Iterator[Flask]:
    """A server process on the shared database, started with `secret` (and `previous`)."""
    changed = dataclasses.replace(settings, secret_key=secret, previous_secret_keys=previous)
    app = create_app(
        changed, clock=clock, printer_factory=RecordingPrinter, test_config={"TESTING": True}
    )
    try:
        yield app
    finally:
        app.extensions["antrian.engine"].dispose()


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def book(app: Flask, day: str = TOMORROW) -> tuple[int, dict]:
    response = app.test_client().post(
        "/api/v1/bookings",
        json={"service": "KTP", "date": day, "slot": "09:00", "nik": NIK_MAN},
    )
    return response.status_code, response.get_json()


def survey_status(app: Flask, ticket: dict) -> tuple[int, dict]:
    """The survey's answer to the ticket's key: a waiting ticket with the right key is
    refused as not finished (409), with a wrong one as unkeyed (403)."""
    key = ticket["status_url"].split("#k=")[1]
    response = app.test_client().post(
        f"/api/v1/tickets/{ticket['id']}/survey",
        json={"scores": dict.fromkeys(skm.ELEMENT_CODES, 3), "key": key},
    )
    return response.status_code, response.get_json()


@dataclasses.dataclass
class BeforeTheChange:
    cookie: str
    ticket: dict
    booking: str


@pytest.fixture
def before(settings: Settings, clock: FakeClock) -> BeforeTheChange:
    """A day under the old secret: a TV signed in, a ticket issued, a NIK booked."""
    with server(settings, clock, OLD_SECRET) as app:
        api = Api(app)
        tv = api.device("tv-lobby", "display", zone="A")
        client = app.test_client()
        assert client.post("/display/session", json={"token": tv}).status_code == 200
        assert client.get("/display/").status_code == 200
        ticket = api.issue(api.device("kiosk-lobby", "kiosk", kiosk="K1"))
        status, body = book(app)
        assert status == 201, body
        return BeforeTheChange(session_cookie(client), ticket, body["code"])


def test_with_the_old_secret_listed_nothing_signed_before_is_lost(
    settings: Settings, clock: FakeClock, before: BeforeTheChange
):
    with server(settings, clock, NEW_SECRET, previous=(OLD_SECRET,)) as app:
        tv = app.test_client()
        tv.set_cookie("session", before.cookie)
        assert tv.get("/display/").status_code == 200
        # The answer signed the session again, with the new secret.
        moved = session_cookie(tv)
        assert moved != before.cookie

        status, body = survey_status(app, before.ticket)
        assert status == 409 and body["error"]["code"] == "ticket_not_finished", body

        status, body = book(app)
        assert status == 409 and body["error"]["code"] == "already_booked", body

    # Later the old secret is dropped: the TV, moved to the new key, stays signed in.
    with server(settings, clock, NEW_SECRET) as app:
        tv = app.test_client()
        tv.set_cookie("session", moved)
        assert tv.get("/display/").status_code == 200


def test_a_booking_from_before_cannot_be_moved_onto_the_day_of_one_made_after(
    settings: Settings, clock: FakeClock, before: BeforeTheChange
):
    """The reschedule knows only the old booking's stored hash, not the NIK: the booking made
    under the new secret moved the NIK's older bookings to its hash, so the two still meet."""
    with server(settings, clock, NEW_SECRET, previous=(OLD_SECRET,)) as app:
        status, body = book(app, DAY_AFTER)
        assert status == 201, body
        api = Api(app)
        status, body = api(
            "POST",
            f"/bookings/{before.booking}/reschedule",
            json={"date": DAY_AFTER, "slot": "10:00"},
        )
        assert status == 409 and body["error"]["code"] == "already_booked", body
        # Moving it within its own day is no second booking.
        status, body = api(
            "POST",
            f"/bookings/{before.booking}/reschedule",
            json={"date": TOMORROW, "slot": "10:00"},
        )
        assert status == 200, body
    # And once the old secret is dropped, the old booking is still this NIK's.
    with server(settings, clock, NEW_SECRET) as app:
        status, body = book(app)
        assert status == 409 and body["error"]["code"] == "already_booked", body


def test_without_it_sessions_survey_keys_and_the_nik_rule_are_lost(
    settings: Settings, clock: FakeClock, before: BeforeTheChange
):
    with server(settings, clock, NEW_SECRET) as app:
        tv = app.test_client()
        tv.set_cookie("session", before.cookie)
        assert tv.get("/display/").status_code != 200  # back to the setup page

        status, body = survey_status(app, before.ticket)
        assert status == 403 and body["error"]["code"] == "survey_key_invalid", body

        status, body = book(app)
        assert status == 201, body  # the same NIK, seen as another person
