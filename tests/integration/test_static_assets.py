"""Static files through Flask's test client: the favicon, compression and browser caching."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def links(client: FlaskClient, page: str, rel: str) -> list[str]:
    html = client.get(page).get_data(as_text=True)
    return re.findall(rf'<link rel="{rel}" href="([^"]+)"', html)


@pytest.mark.parametrize(
    "page", ["/kiosk/setup", "/display/setup", "/kiosk/", "/counter/login", "/t/no-such-ticket"]
)
def test_the_pages_link_a_favicon_that_is_served(client: FlaskClient, page: str) -> None:
    (href,) = links(client, page, "icon")
    with client.get(href) as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"
        assert icon.data.startswith(b"<svg") and b"</svg>" in icon.data


def test_favicon_ico_is_served_for_browsers_that_ask_for_it(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert icon.data[:4] == b"\x00\x00\x01\x00"  # the ICO header: reserved 0, type 1
