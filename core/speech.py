"""Text to speech through the `espeak-ng` program (no Flask).

The server turns a call phrase (see `core.announcement`) into a WAV file that a display plays when
its browser has no usable Indonesian voice. Speech is a nicety, never a requirement: when espeak-ng
is missing or fails, `synthesize_wav` logs why and returns None, and the caller falls back to the
written call. Nothing here raises.

Results are kept in a small in-memory LRU: a mall calls the same few hundred phrases all day.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import threading
import wave
from collections import OrderedDict

logger = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
DEFAULT_VOICE = "id"
DEFAULT_SPEED = 150  # words per minute; espeak-ng's own default (175) is hurried for a hall
CACHE_SIZE = 128  # about 150 KB per phrase: a few tens of MB at most
TIMEOUT_SECONDS = 15.0

_cache: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()
_cache_lock = threading.Lock()


def speech_available() -> bool:
    """True if the espeak-ng program is on PATH."""
    return shutil.which(ESPEAK) is not None


def synthesize_wav(
    text: str, voice: str = DEFAULT_VOICE, *, speed: int = DEFAULT_SPEED
) -> bytes | None:
    """`text` spoken by espeak-ng as a complete RIFF/WAVE file, or None if that is not possible.

    None means: espeak-ng is not installed, the text is blank, or synthesis failed (logged).
    Beware that espeak-ng silently falls back to its default (English) voice for an unknown
    `voice`; pass a voice name it lists in `espeak-ng --voices`.
    """
    if not text or not text.strip():
        return None
    program = shutil.which(ESPEAK)
    if program is None:
        logger.info("%s is not installed; no synthesized speech", ESPEAK)
        return None

    key = (text, voice, speed)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached

    audio = _run_espeak(program, text, voice, speed)
    if audio is None:
        return None

    with _cache_lock:
        _cache[key] = audio
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return audio


def clear_cache() -> None:
    """Forget every synthesized phrase (for tests, or after changing voices)."""
    with _cache_lock:
        _cache.clear()


def _run_espeak(program: str, text: str, voice: str, speed: int) -> bytes | None:
    # The text goes through stdin, not argv: a phrase starting with "-" must not become an option.
    # "-b 1" tells espeak-ng that the input is UTF-8.
    command = [program, "-v", voice, "-s", str(speed), "-b", "1", "--stdout"]
    try:
        result = subprocess.run(
            command,
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("%s could not run: %s", ESPEAK, error)
        return None

    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        logger.warning("%s exited with %d: %s", ESPEAK, result.returncode, message)
        return None
    return _complete_wav(result.stdout)


def _complete_wav(raw: bytes) -> bytes | None:
    """Rewrite espeak-ng's streaming WAV with true sizes in its header.

    Writing to a pipe, espeak-ng cannot seek back, so its RIFF and data sizes are placeholders
    (about 2 GiB); some players then show a wrong duration or refuse the file.
    """
    try:
        with wave.open(io.BytesIO(raw), "rb") as source:
            params = source.getparams()
            frames = source.readframes(source.getnframes())
    except (wave.Error, EOFError) as error:
        logger.warning("%s produced no readable WAV: %s", ESPEAK, error)
        return None

    frame_size = params.nchannels * params.sampwidth
    frames = frames[: len(frames) - len(frames) % frame_size]
    if not frames:
        logger.warning("%s produced no audio", ESPEAK)
        return None

    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(params.nchannels)
        target.setsampwidth(params.sampwidth)
        target.setframerate(params.framerate)
        target.writeframes(frames)
    return out.getvalue()
