"""A hallway display and an officer's terminal in Chromium while the message queue between two
server processes is down (a private Redis, stopped and started here): both say their data may
be out of date; the call made on the other process meanwhile still reaches the display, which
announces it; when the queue is back both say so no more."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import yaml

from tests.browser.conftest import wait_for_js
from tests.browser.test_counter import sign_in
from tests.browser.test_display import call_next, context, issue, officer_at, open_display
from tests.faults.harness import PrivateRedis
from tests.support.live import ROOT, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.redis]

__all__ = ["context"]  # the fixture, shared with the display's tests


def test_display_and_terminal_say_they_may_be_out_of_date_while_the_queue_is_down(
    context: Any, tmp_path
) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
    mall["code"] = f"test-{secrets.token_hex(4)}"
    database_url = f"sqlite:///{tmp_path / 'antrian.db'}"
    servers: list[LiveServer] = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            server = LiveServer(
                tmp_path / name, database_url=database_url, message_queue=redis.url, mall=mall
            )
            servers.append(server)
            server.start(timeout=120)
        first, second = servers
        kiosk = first.device_token("kiosk", "kiosk", kiosk="K1")
        display = open_display(context, first, first.device_token("tv", "display", zone="A"))
        officer = officer_at(second, 1)
        opened = second.api("POST", "/counters/1/status", officer, json={"status": "open"})
        assert opened.status_code == 200, opened.text
        terminal = context.new_page()
        sign_in(terminal, first, 2)
        wait_for_js(terminal, "window.AntrianTerminal?.live?.socket?.connected === true")

        redis.stop()
        wait_for_js(display, "window.antrianDisplay.state.connection === 'stale'")
        assert "Data mungkin tertinggal" in display.inner_text("#connection")
        wait_for_js(terminal, "!document.getElementById('stale-banner').hidden")

        ticket = issue(second, kiosk, "KTP")
        called = call_next(second, officer, 1)
        assert called["number"] == ticket["number"]
        wait_for_js(
            display,
            "(number) => window.antrianDisplay.state.announcements"
            ".some((entry) => entry.number === number && entry.mode !== 'skipped')",
            ticket["number"],
        )

        redis.start()
        wait_for_js(display, "window.antrianDisplay.state.connection === 'online'")
        wait_for_js(terminal, "document.getElementById('stale-banner').hidden")
        state = display.evaluate("window.antrianDisplay.state")
        assert state["calls"][0]["number"] == ticket["number"]
    finally:
        for server in servers:
            server.stop()
        redis.stop()
