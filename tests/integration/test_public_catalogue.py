"""The public phone pages as the server renders them (no script needed to read them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.test_remote_tickets import remote_settings, take

ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Mobile Safari/537.36"


@pytest.fixture
def client(settings: Settings, clock: FakeClock) -> Iterator[FlaskClient]:
    app: Flask = create_app(remote_settings(settings), clock=clock, test_config={"TESTING": True})
    yield app.test_client()
    app.extensions["antrian.engine"].dispose()


def test_phones_opening_the_mall_address_land_on_the_catalogue(client: FlaskClient) -> None:
    assert client.get("/", headers={"User-Agent": ANDROID}).headers["Location"] == "/layanan/"
    assert client.get("/").headers["Location"] == "/counter"


def test_the_catalogue_lists_every_agency_with_fee_and_remote_tag(client: FlaskClient) -> None:
    page = client.get("/layanan/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert 'id="agency-DISDUKCAPIL"' in text and 'data-service="PASPOR"' in text
    assert "Rp350.000" in text and "Gratis" in text and "Bisa dari rumah" in text


def test_a_service_page_shows_requirements_hours_and_what_is_left_from_home(
    client: FlaskClient, clock: FakeClock
) -> None:
    take(client)
    text = client.get("/layanan/KTP").get_data(as_text=True)
    assert "Fotokopi Kartu Keluarga (KK)" in text
    assert "08:00-14:30" in text  # a Tuesday
    assert "Sisa nomor dari rumah hari ini: 1" in text  # 2 of 10, one taken
    assert 'id="take"' in text
    english = client.get("/layanan/KTP?lang=en").get_data(as_text=True)
    assert "Copy of the family card (KK)" in english and 'href="/layanan/KTP?lang=id"' in english
    take(client, addr="10.9.0.2")
    used_up = client.get("/layanan/KTP").get_data(as_text=True)
    assert 'id="take"' not in used_up and "Nomor dari rumah untuk hari ini sudah habis" in used_up
    clock.advance(hours=-2)  # 07:00, before the service opens
    closed = client.get("/layanan/KK").get_data(as_text=True)
    assert 'id="take"' not in closed and "saat layanan buka" in closed


def test_an_unknown_service_is_a_404_page(client: FlaskClient) -> None:
    page = client.get("/layanan/NOPE")
    assert page.status_code == 404 and "Layanan tidak ditemukan" in page.get_data(as_text=True)
