"""Static files through Flask's test client: the favicon, compression and browser caching."""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient


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


def asset_urls(client: FlaskClient, page: str) -> list[str]:
    html = client.get(page).get_data(as_text=True)
    return re.findall(r'<(?:script src|link rel="[a-z]+" href)="([^"]+)"', html)


def signed_in_kiosk(app: Flask, client: FlaskClient) -> None:
    token = app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")
    assert client.post("/kiosk/session", json={"token": token}).status_code == 200


def test_pages_name_their_assets_by_content_hash(app: Flask, client: FlaskClient) -> None:
    signed_in_kiosk(app, client)
    urls = asset_urls(client, "/kiosk/") + asset_urls(client, "/counter/login")
    urls += asset_urls(client, "/display/setup")
    assert any("/static/vendor/socket.io.min.js?v=" in url for url in urls), urls
    assert len(urls) >= 8, urls
    for url in urls:
        path, _, version = url.partition("?v=")
        assert re.fullmatch(r"[0-9a-f]{12}", version), url
        with client.get(path) as plain:
            assert plain.status_code == 200, url
            assert hashlib.sha256(plain.data).hexdigest()[:12] == version, url


def test_socket_io_is_gzipped_for_clients_that_accept_it(client: FlaskClient) -> None:
    path = "/static/vendor/socket.io.min.js"
    with client.get(path) as plain:
        original = plain.data
        assert plain.headers.get("Content-Encoding") is None
        assert plain.headers["Vary"] == "Accept-Encoding"
        plain_etag = plain.headers["ETag"]
    with client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"}) as packed:
        assert packed.status_code == 200
        assert packed.headers["Content-Encoding"] == "gzip"
        assert packed.headers["Vary"] == "Accept-Encoding"
        body = packed.data
        assert int(packed.headers["Content-Length"]) == len(body)
        assert len(body) < len(original) / 2  # 47 KB of JavaScript
        assert gzip.decompress(body) == original
        packed_etag = packed.headers["ETag"]
    assert packed_etag != plain_etag  # two bodies, two validators

    # Revalidation still answers 304, for either body.
    for etag, encoding in ((packed_etag, "gzip"), (plain_etag, "identity")):
        headers = {"If-None-Match": etag, "Accept-Encoding": encoding}
        with client.get(path, headers=headers) as again:
            assert again.status_code == 304, encoding
            assert again.data == b""
    # The next gzipped answer is the kept compressed copy, byte for byte.
    with client.get(path, headers={"Accept-Encoding": "gzip"}) as cached:
        assert cached.data == body
        assert cached.headers["ETag"] == packed_etag


def test_small_and_binary_files_are_not_gzipped(client: FlaskClient) -> None:
    for path in ("/kiosk/static/static-page.js", "/favicon.ico"):
        with client.get(path, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200, path
            assert response.headers.get("Content-Encoding") is None, path


def test_versioned_assets_are_cached_for_a_year_and_others_revalidate(
    app: Flask, client: FlaskClient
) -> None:
    signed_in_kiosk(app, client)
    urls = asset_urls(client, "/kiosk/")
    (script,) = [url for url in urls if "socket.io.min.js" in url]
    (style,) = [url for url in urls if url.startswith("/kiosk/static/kiosk.css")]
    for url in (script, style):
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as current:
            assert current.status_code == 200, url
            assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        path = url.partition("?")[0]
        for other in (path, f"{path}?v=000000000000"):  # unversioned, or an old page's version
            with client.get(other) as response:
                assert response.status_code == 200, other
                assert response.headers["Cache-Control"] == "no-cache", other
                assert response.headers["ETag"], other
