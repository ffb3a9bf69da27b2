"""A portrait hall TV (1080×1920) in a mall with far more services than its waiting panel holds:
no service is cut off without a word. The list is shown a page at a time, every row whole, the
pages turn by themselves, and the panel's title says which page this is and how many services
the others hold."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.test_display import open_display
from tests.support.live import ROOT, LiveServer

pytestmark = pytest.mark.browser

EXTRA_SERVICES = 170  # with the demo's own: about two hundred, as a big MPP has
PAGE_TURN_MS = 30_000  # an upper bound for one turn of the page (display.js turns every 10 s)

# What the waiting panel shows now, read in one step (a page may turn between two readings).
SHOWN = """() => {
  const list = document.getElementById("services");
  const box = list.getBoundingClientRect();
  const rows = [...list.querySelectorAll("li")];
  return {
    pages: window.antrianDisplay.servicePages || null,
    shown: rows.map((row) => row.dataset.service),
    whole: rows.every((row) => {
      const r = row.getBoundingClientRect();
      return r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5
        && r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
    }),
    mark: document.getElementById("services-pages")?.innerText ?? "",
  };
}"""


def prefixes() -> Iterator[str]:
    for second in string.ascii_uppercase:
        for third in string.ascii_uppercase:
            yield "Q" + second + third


def many_services() -> dict[str, Any]:
    """The demo mall and 170 more services, all served at counter 1 in zone A."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    services, counters = data["services"], data["counters"]
    model = {k: v for k, v in services[0].items() if k not in ("booking", "remote")}
    extra = [
        {
            **model,
            "code": f"EXT{index:03d}",
            "prefix": prefix,
            "name": f"Layanan tambahan nomor {index} untuk warga",
            "name_en": f"Additional service number {index} for residents",
        }
        for index, prefix in zip(range(EXTRA_SERVICES), prefixes(), strict=False)
    ]
    counters[0]["services"] = [*counters[0]["services"], *(s["code"] for s in extra)]
    return {"services": services + extra, "counters": counters}


@pytest.fixture
def big_mall(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path, **many_services())
    server.start()
    yield server
    server.stop()


def page_number(mark: str) -> int:
    found = re.search(r"Halaman (\d+)/", mark)
    assert found, mark
    return int(found.group(1))


def test_a_portrait_display_turns_pages_of_services_and_says_how_many_more(
    browser: Any, big_mall: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        page = open_display(context, big_mall, big_mall.device_token("tv", "display", zone="A"))
        services = page.evaluate("window.antrianDisplay.state.services")
        in_order = [s["code"] for s in sorted(services, key=lambda s: s["prefix"])]
        assert len(in_order) > EXTRA_SERVICES

        seen = page.evaluate(SHOWN)
        assert seen["whole"], "a row of the waiting list is cut off"
        assert len(seen["shown"]) < len(in_order), "all fit: the test mall is too small"
        assert seen["mark"], "services are left out without a word"
        pages = seen["pages"]
        # Every service is on exactly one page, in prefix order.
        assert [code for codes in pages for code in codes] == in_order

        def check(seen: dict[str, Any]) -> int:
            number = page_number(seen["mark"])
            on_page = pages[number - 1]
            assert seen["shown"] == on_page
            assert seen["whole"], "a row of the waiting list is cut off"
            others = len(in_order) - len(on_page)
            assert f"Halaman {number}/{len(pages)} · +{others} layanan lainnya" in seen["mark"]
            assert f"Page {number}/{len(pages)} · +{others} more services" in seen["mark"]
            return number

        first = check(seen)
        expect(page.locator("#services-pages")).to_be_visible()
        # The page turns by itself: a visitor whose service is further on sees it come.
        following = first % len(pages) + 1
        expect(page.locator("#services-pages")).to_contain_text(
            f"Halaman {following}/{len(pages)}", timeout=PAGE_TURN_MS
        )
        assert check(page.evaluate(SHOWN)) in (following, following % len(pages) + 1)
    finally:
        context.close()


def test_a_display_whose_services_all_fit_shows_no_pages(browser: Any, big_mall: LiveServer):
    """Zone B keeps the demo's few services: one page, and no page mark."""
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        page = open_display(context, big_mall, big_mall.device_token("tv-b", "display", zone="B"))
        seen = page.evaluate(SHOWN)
        assert len(seen["pages"]) == 1 and seen["whole"]
        assert len(seen["shown"]) == len(page.evaluate("window.antrianDisplay.state.services"))
        expect(page.locator("#services-pages")).to_be_hidden()
    finally:
        context.close()
