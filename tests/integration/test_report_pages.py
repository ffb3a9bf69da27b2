"""The report pages' own header: a supervisor's pages say whose figures they show, as their
figures' title does ("mall — agency"), never the mall's name alone; an admin's the mall's."""

from __future__ import annotations

import html

import pytest
from flask import Flask

from tests.integration import test_admin_api as base

# The management API tests' app: an admin, and sari who supervises DISDUKCAPIL.
quick_hashes = base.quick_hashes
app = base.app
PASSWORD = base.PASSWORD

DISDUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil Kota Malang"
MALL = "Mal Pelayanan Publik Merdeka Kota Malang"


def header_of(app: Flask, username: str, path: str) -> str:
    client = app.test_client()
    signed_in = client.post(
        "/admin/login",
        data={"username": username, "password": PASSWORD},
        headers={"Origin": "http://localhost"},
    )
    assert signed_in.status_code == 302
    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    return html.unescape(body.split('<p class="mall">', 1)[1].split("</p>", 1)[0])


@pytest.mark.parametrize("path", ["/admin/reports", "/admin/skm"])
def test_a_supervisor_s_report_page_names_their_agencies_in_its_header(app: Flask, path: str):
    assert header_of(app, "sari", path) == f"{MALL} — {DISDUKCAPIL}"
    assert header_of(app, "admin", path) == MALL
