"""The display's server-side voice: `GET /display/speech.wav?number=A123&counter=3`.

The endpoint speaks only phrases that core builds from a ticket number and a counter; it is
for display devices and admins, and says 404 when the server has no espeak-ng.
"""

from __future__ import annotations

import dataclasses
import io
import wave
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core import announcement, speech
from core.config import Settings
from core.server.app import create_app
from tests.conftest import require_program


@pytest.fixture
def app(demo_settings: Settings, sqlite_url: str) -> Iterator[Flask]:
    settings = dataclasses.replace(demo_settings, database_url=sqlite_url, secret_key="test")
    app = create_app(settings, test_config={"TESTING": True})
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(autouse=True)
def empty_speech_cache() -> Iterator[None]:
    speech.clear_cache()
    yield
    speech.clear_cache()


@pytest.fixture
def espeak() -> None:
    """Skip without espeak-ng on a workstation; under ANTRIAN_REQUIRE_SERVICES=1, fail."""
    require_program(speech.ESPEAK)


def device(app: Flask, name: str, kind: str, **where: str) -> dict[str, str]:
    token = app.extensions["antrian.accounts"].add_device(name, kind, **where)
    return {"Authorization": f"Bearer {token}"}


def user_token(client: FlaskClient, app: Flask, name: str, role: str, **login: int) -> str:
    app.extensions["antrian.accounts"].add_user(name, "rahasia-123", role, [])
    response = client.post(
        "/api/v1/auth/login", json={"username": name, "password": "rahasia-123", **login}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def seconds(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


# ---------------------------------------------------------------------- a valid call
def test_a_display_gets_the_configured_call_phrase_as_a_wave(app, client, espeak):
    headers = device(app, "layar-a", "display", zone="A")

    response = client.get("/display/speech.wav?number=A123&counter=3", headers=headers)

    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.data[:4] == b"RIFF" and response.data[8:12] == b"WAVE"
    assert 1.0 < seconds(response.data) < 20.0
    # The very phrase core builds for this call from the mall's template, nothing else.
    template = app.extensions["antrian.settings"].announcement.template
    phrase = announcement.build_call_phrase(template, "A", 123, "Loket 3", 3)
    assert phrase == "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga"
    assert response.data == speech.synthesize_wav(phrase)


def test_a_different_counter_is_a_different_phrase(app, client, espeak):
    headers = device(app, "layar-a", "display", zone="A")

    loket_3 = client.get("/display/speech.wav?number=A123&counter=3", headers=headers)
    loket_12 = client.get("/display/speech.wav?number=A123&counter=12", headers=headers)

    assert loket_3.status_code == loket_12.status_code == 200
    assert loket_3.data != loket_12.data


def test_an_admin_signed_into_the_display_page_may_fetch_it(app, client, espeak):
    token = user_token(client, app, "admin", "admin")
    assert client.post("/display/session", json={"token": token}).status_code == 200

    response = client.get("/display/speech.wav?number=SP007&counter=25")

    assert response.status_code == 200
    assert response.mimetype == "audio/wav"


# ---------------------------------------------------------------------- who may ask
def test_without_a_sign_in_there_is_no_audio(client):
    response = client.get("/display/speech.wav?number=A123&counter=3")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_revoked_or_unknown_token_is_refused(client):
    response = client.get(
        "/display/speech.wav?number=A123&counter=3", headers={"Authorization": "Bearer nope"}
    )

    assert response.status_code == 401


@pytest.mark.parametrize("kind", ["officer", "kiosk"])
def test_officers_and_kiosks_do_not_get_display_audio(app, client, kind):
    if kind == "officer":
        token = user_token(client, app, "siti", "officer", counter=3)
        headers = {"Authorization": f"Bearer {token}"}
    else:
        headers = device(app, "kiosk-lobi", "kiosk", kiosk="K1")

    response = client.get("/display/speech.wav?number=A123&counter=3", headers=headers)

    assert response.status_code == 403


def test_a_display_cannot_announce_a_counter_of_another_zone(app, client):
    headers = device(app, "layar-a", "display", zone="A")

    response = client.get("/display/speech.wav?number=SP001&counter=25", headers=headers)

    assert response.status_code == 403


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "query",
    [
        "",
        "text=Pengumuman+palsu",
        "number=A123",
        "counter=3",
        "number=a123&counter=3",
        "number=A12X&counter=3",
        "number=ABCD1&counter=3",
        "number=A1234567&counter=3",
        "number=A123&counter=tiga",
        "number=A123&counter=-3",
        "number=A123&counter=%D9%A3",
    ],
)
def test_malformed_input_is_400(app, client, query):
    headers = device(app, "layar-a", "display", zone="A")

    response = client.get(f"/display/speech.wav?{query}", headers=headers)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("query", ["number=ZZ1&counter=3", "number=A123&counter=99"])
def test_an_unknown_service_prefix_or_counter_is_404(app, client, query):
    headers = device(app, "layar-a", "display", zone="A")

    response = client.get(f"/display/speech.wav?{query}", headers=headers)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_without_espeak_the_answer_is_404(app, client, monkeypatch):
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)
    headers = device(app, "layar-a", "display", zone="A")

    response = client.get("/display/speech.wav?number=A123&counter=3", headers=headers)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "no_speech"


# ---------------------------------------------------------------------- the page itself
def test_the_page_tells_the_page_whether_the_server_can_speak(app, client, monkeypatch):
    token = app.extensions["antrian.accounts"].add_device("layar-a", "display", zone="A")
    assert client.post("/display/session", json={"token": token}).status_code == 200
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)

    page = client.get("/display/")

    assert page.status_code == 200
    assert '"serverSpeech": false' in page.get_data(as_text=True)


def test_the_page_and_its_assets_are_served_and_ask_for_sign_in(client):
    page = client.get("/display/")
    assert page.status_code == 401
    assert "/display/setup#TOKEN" in page.get_data(as_text=True)
    # Static files stream from disk: close the responses so the files are closed too.
    with client.get("/display/static/display.js") as script:
        assert script.status_code == 200 and b"antrianDisplay" in script.data
    with client.get("/display/static/display.css") as style:
        assert style.status_code == 200 and b"@media (orientation: portrait)" in style.data


# ---------------------------------------------------------------------- a missing program
def test_a_missing_program_skips_a_test_with_the_reason(monkeypatch):
    monkeypatch.setattr("tests.conftest.shutil.which", lambda name: None)
    monkeypatch.delenv("ANTRIAN_REQUIRE_SERVICES", raising=False)
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="espeak-ng is not installed"):
        require_program("espeak-ng")


def test_a_missing_program_fails_a_test_when_services_are_required(monkeypatch):
    monkeypatch.setattr("tests.conftest.shutil.which", lambda name: None)
    monkeypatch.setenv("ANTRIAN_REQUIRE_SERVICES", "1")
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.fail.Exception, match="espeak-ng is not installed"):
        require_program("espeak-ng")


def test_a_present_program_is_found(monkeypatch):
    monkeypatch.setattr("tests.conftest.shutil.which", lambda name: f"/opt/bin/{name}")

    assert require_program("espeak-ng") == "/opt/bin/espeak-ng"
