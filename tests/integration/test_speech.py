"""Speech through the real espeak-ng program, and a quiet None without it."""

import io
import wave

import pytest

from core import speech
from tests.conftest import require_program

PHRASE = "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga"


@pytest.fixture(autouse=True)
def empty_cache():
    speech.clear_cache()
    yield
    speech.clear_cache()


@pytest.fixture
def espeak() -> str:
    """Skip without espeak-ng on a workstation; where it is required (CI), fail instead."""
    return require_program(speech.ESPEAK, "espeak-ng")


def duration_seconds(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def test_speech_is_available_when_espeak_is_installed(espeak):
    assert speech.speech_available()


def test_a_phrase_becomes_a_wave_file_of_plausible_length(espeak):
    audio = speech.synthesize_wav(PHRASE)

    assert audio is not None
    assert audio[:4] == b"RIFF"
    assert audio[8:12] == b"WAVE"
    # About four seconds at 150 words per minute; the header must tell the truth, not 2 GiB.
    assert 1.0 < duration_seconds(audio) < 20.0


def test_the_header_sizes_match_the_file(espeak):
    audio = speech.synthesize_wav(PHRASE)

    assert audio is not None
    assert int.from_bytes(audio[4:8], "little") == len(audio) - 8
    with wave.open(io.BytesIO(audio), "rb") as wav:
        frame_bytes = wav.getnframes() * wav.getnchannels() * wav.getsampwidth()
        assert len(wav.readframes(wav.getnframes())) == frame_bytes


def test_a_repeated_phrase_comes_from_the_cache(espeak, monkeypatch):
    first = speech.synthesize_wav(PHRASE)

    def no_more_processes(*args, **kwargs):
        raise AssertionError("espeak-ng ran again for a cached phrase")

    monkeypatch.setattr(speech.subprocess, "run", no_more_processes)
    assert speech.synthesize_wav(PHRASE) is first


def test_a_phrase_starting_with_a_dash_is_spoken_not_parsed_as_an_option(espeak):
    audio = speech.synthesize_wav("-x halo")

    assert audio is not None
    assert duration_seconds(audio) > 0


def test_blank_text_gives_none():
    assert speech.synthesize_wav("   ") is None


def test_without_espeak_on_path_there_is_no_speech(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    assert not speech.speech_available()
    assert speech.synthesize_wav(PHRASE) is None


def test_without_espeak_even_a_cached_phrase_is_not_offered(espeak, monkeypatch):
    assert speech.synthesize_wav(PHRASE) is not None
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)

    assert speech.synthesize_wav(PHRASE) is None


def test_a_failing_espeak_is_logged_and_gives_none(monkeypatch, tmp_path, caplog):
    fake = tmp_path / speech.ESPEAK
    fake.write_text("#!/bin/sh\necho 'voice data missing' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert speech.synthesize_wav(PHRASE) is None
    assert "exited with 1: voice data missing" in caplog.text


def test_a_broken_program_is_logged_and_gives_none(monkeypatch, tmp_path, caplog):
    fake = tmp_path / speech.ESPEAK
    fake.write_text("#!/bin/sh\necho 'not a wave file'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert speech.synthesize_wav(PHRASE) is None
    assert "no readable WAV" in caplog.text
