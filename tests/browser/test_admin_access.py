"""The management pages with a screen reader and a keyboard: every field has a name of its own
(a row's field names its row, in the page's language), and the first Tab reaches a visible
"Langsung ke isi" link that jumps over the header's navigation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_admin import sign_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-admin"
# Each page, and the rows its script draws before the check runs (None: nothing drawn).
PAGES = {
    "/admin": "#services tr",
    "/admin/officers": "#users tr",
    "/admin/devices": "#devices tr",
    "/admin/services": "#service-admin tr",
    "/admin/displays": None,
    "/admin/audit": "#audit tr",
    "/admin/password": None,
}

# A field's own name: its label, aria-label or aria-labelledby. A placeholder is not one (it
# vanishes once typed in, and some screen readers never read it); nor is a column's heading.
UNNAMED_FIELDS = """() => Array.from(document.querySelectorAll(
    "input:not([type=hidden]), select, textarea")).filter((field) => {
  const byIds = (field.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
    .map((id) => (document.getElementById(id) || {}).textContent || "").join(" ");
  const labels = Array.from(field.labels || []).map((label) => label.textContent).join(" ");
  return !((field.getAttribute("aria-label") || "") + byIds + labels).trim();
}).map((field) => field.outerHTML.slice(0, 160))"""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield context.new_page()
    context.close()


@pytest.fixture
def signed_in(live_server: LiveServer, page: Any) -> Any:
    live_server.add_admin("kepala", password=PASSWORD)
    token = live_server.login("kepala", password=PASSWORD)
    added = live_server.api(
        "POST", "/admin/devices", token, json={"name": "tv-aula", "kind": "display", "zone": "A"}
    )
    assert added.status_code == 201, added.text
    sign_in(page, live_server, "kepala")
    return page


def test_every_field_of_every_management_page_has_a_name(
    live_server: LiveServer, signed_in: Any
) -> None:
    page = signed_in
    unnamed: dict[str, list[str]] = {}
    for path, rows in PAGES.items():
        page.goto(f"{live_server.base_url}{path}")
        if rows:
            expect(page.locator(rows).first).to_be_attached()
        if found := page.evaluate(UNNAMED_FIELDS):
            unnamed[path] = [*found[:3], f"{len(found)} in all"]
    assert not unnamed, f"fields without an accessible name: {unnamed}"


def test_a_rows_field_names_its_row_in_the_pages_language(
    live_server: LiveServer, signed_in: Any
) -> None:
    page = signed_in
    page.goto(f"{live_server.base_url}/admin/services")
    quota = page.locator("tr[data-service='KTP'] input[type=number]")
    expect(quota).to_have_accessible_name("Kuota hari ini untuk KTP")
    page.locator("[data-lang-toggle]").click()
    expect(quota).to_have_accessible_name("Today's quota for KTP")

    page.goto(f"{live_server.base_url}/admin/officers")
    expect(page.locator("[data-user='kepala'] input[type=password]")).to_have_accessible_name(
        "New password for kepala"
    )


def skip_past_the_links(page: Any, url: str, name: str, target: str) -> None:
    """The first Tab on `url` reaches a visible skip link `name`; Enter moves to `target`."""
    page.goto(url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=name)
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 0, f"{url}: the link is off screen"
    page.keyboard.press("Enter")
    expect(page.locator(target)).to_be_focused()


def test_the_first_tab_reaches_a_visible_skip_link_on_every_management_page(
    live_server: LiveServer, signed_in: Any
) -> None:
    page = signed_in
    for path in [*PAGES, "/admin/login"]:
        if path == "/admin/login":
            page.context.clear_cookies()
        skip_past_the_links(page, f"{live_server.base_url}{path}", "Langsung ke isi", "main")
    sign_in(page, live_server, "kepala")  # signed out above, on the sign-in page
    # The report pages: past their links to the filters, where a report begins.
    for path in ("/admin/reports", "/admin/skm"):
        url = f"{live_server.base_url}{path}"
        skip_past_the_links(page, url, "Langsung ke isi / Skip to content", "#filters")
        page.keyboard.press("Tab")
        expect(page.locator("#from")).to_be_focused()
