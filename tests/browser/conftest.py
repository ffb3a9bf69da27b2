"""Playwright on Debian's Chromium (never a downloaded browser) against a live server."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import speech
from tests.conftest import require_program, services_required
from tests.support.live import LiveServer

EXPECT_TIMEOUT_MS = 10_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A hallway TV speaks without anyone touching it first.
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        if services_required():
            pytest.fail("Debian's chromium is not installed; .ci/run installs it with apt-get.")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def patient_expectations() -> None:
    """A busy CI machine may need more than Playwright's 5 s default for a page to show what
    it should. Only a failing expectation waits that long."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(autouse=True)
def pages_closed_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever pages a test left open are closed with it: a display left animating, or
    reconnecting to its stopped server, would take the CPU from the tests after it."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    # The wait estimates given are in the reports within half a second (5 s in service).
    server.extra_env["ANTRIAN_ESTIMATE_FLUSH_SECONDS"] = "0.5"
    server.start()
    yield server
    server.stop()


@pytest.fixture
def espeak() -> None:
    """For a test that hears the server's voice: skips (or fails under
    ANTRIAN_REQUIRE_SERVICES=1) when espeak-ng is missing."""
    require_program(speech.ESPEAK)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def wait_for_js(page: Any, expression: str, arg: Any = None, timeout: float = 30_000) -> None:
    """`page.wait_for_function` for pages under a Content-Security-Policy without
    'unsafe-eval': Playwright's own polling evaluates the predicate with eval() inside the page,
    which the policy forbids; `page.evaluate` goes through the DevTools protocol instead."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout / 1000
    last_error: Error | None = None
    while True:
        # An expression may throw until the page it waits for is there: the page navigated
        # meanwhile (a setup page opening the next), or a link was clicked and the element
        # it reads belongs to the page still loading. Only the deadline decides.
        try:
            if page.evaluate(expression, arg):
                return
            last_error = None
        except Error as exc:
            last_error = exc
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not true within {timeout:.0f} ms: {expression}"
                + (f" (last: {last_error.message})" if last_error else "")
            )
        page.wait_for_timeout(50)
