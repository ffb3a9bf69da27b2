"""Cross-site request forgery from a page on another port of the same host, in Chromium.

A browser treats 127.0.0.1:<other port> as the same *site* as the server, so the officer's
SameSite=Lax session cookie goes along with its requests; only the origin check stops them.
The terminal itself must keep working.
"""

from __future__ import annotations

import functools
import http.server
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.live import LiveServer, free_port

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-123"
ATTACK = """<!doctype html><html><body><p id="state">working</p>
<form id="forged" method="post" action="{base}/counter/logout"></form>
<script>
(async function () {{
  const base = {base!r};
  const tries = [
    fetch(base + "/api/v1/counters/{counter}/call-next", {{method: "POST", credentials: "include",
                                                           mode: "no-cors"}}),
    fetch(base + "/api/v1/counters/{counter}/status", {{method: "POST", credentials: "include",
      mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
      body: JSON.stringify({{status: "closed"}})}}),
  ];
  await Promise.allSettled(tries);
  document.getElementById("state").textContent = "sent";
}})();
</script></body></html>"""


@pytest.fixture
def attacker(tmp_path: Path) -> Iterator[Any]:
    """A tiny web server on another port of 127.0.0.1 serving the attacking page."""
    root = tmp_path / "attacker"
    root.mkdir()
    port = free_port()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page_url(name: str, html: str) -> str:
        (root / name).write_text(html)
        return f"http://127.0.0.1:{port}/{name}"

    yield page_url
    server.shutdown()
    server.server_close()


def test_a_page_on_another_port_cannot_act_with_the_officers_cookie(
    live_server: LiveServer, browser: Browser, attacker: Any
) -> None:
    live_server.add_admin("kepala")
    admin = live_server.login("kepala", "rahasia-admin")
    first, second = (
        live_server.api("POST", "/tickets", admin, json={"service": "KTP"}).json() for _ in range(2)
    )
    name = f"petugas-{uuid.uuid4().hex[:6]}"
    live_server.add_officer(name, PASSWORD, [1])
    context = browser.new_context()
    try:
        page: Page = context.new_page()
        page.goto(f"{live_server.base_url}/counter/login")
        page.get_by_label("Nama pengguna").fill(name)
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_label("Loket").select_option("1")
        page.get_by_role("button", name="Masuk").click()
        expect(page).to_have_url(f"{live_server.base_url}/counter")
        expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")

        evil = context.new_page()
        url = attacker("attack.html", ATTACK.format(base=live_server.base_url, counter=1))
        evil.goto(url)
        expect(evil.locator("#state")).to_have_text("sent", timeout=10_000)
        ticket = live_server.api("GET", f"/tickets/{first['id']}").json()
        assert ticket["status"] == "waiting", ticket  # call-next was refused
        # And a plain form post (navigates the attacker's tab to the refusal).
        evil.goto(url)
        with evil.expect_navigation():
            evil.evaluate("document.getElementById('forged').submit()")
        assert "cross_origin" in evil.content()
        # The counter is still open and the officer still signed in.
        page.reload()
        expect(page).to_have_url(f"{live_server.base_url}/counter")
        expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")

        # The terminal itself keeps working with the same cookie.
        page.locator("button[data-action]", has_text="Panggil berikutnya").click()
        expect(page.locator("#current-number")).to_have_text(first["number"])
        assert live_server.api("GET", f"/tickets/{first['id']}").json()["status"] == "called"
        assert live_server.api("GET", f"/tickets/{second['id']}").json()["status"] == "waiting"
    finally:
        context.close()
