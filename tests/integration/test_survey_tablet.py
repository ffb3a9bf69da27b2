"""A counter's survey tablet rates the visitor its form was shown for: the officer may finish
the next visitor while the one before is still answering (the form names the ticket's public
number, never its id)."""

from __future__ import annotations

from tests.integration import test_survey_api as base
from tests.integration.test_api import Api

# The API tests' fixtures: an app with officers and an admin, a kiosk, siti at counter 1.
quick_hashes = base.quick_hashes
app = base.app
api = base.api
kiosk = base.kiosk
siti = base.siti
ANSWERS = base.ANSWERS
served = base.served


def test_an_answer_rates_the_visitor_the_form_was_shown_for(api: Api, kiosk: str, siti: str):
    tablet = api.device("tablet-loket-1", "survey", counter=1)
    first = served(api, kiosk, siti)
    status, state = api("GET", "/counters/1/survey", tablet)
    assert status == 200 and state["open"] is True and state["number"] == first["number"]
    second = served(api, kiosk, siti)  # finished while the first visitor still answers

    status, body = api(
        "POST", "/counters/1/survey", tablet, json={**ANSWERS, "number": first["number"]}
    )
    assert status == 201 and body["ticket"] == first["number"]
    # The next visitor's own rating is still theirs to give.
    assert api("GET", "/counters/1/survey", tablet)[1]["number"] == second["number"]
    status, body = api(
        "POST", "/counters/1/survey", tablet, json={**ANSWERS, "number": second["number"]}
    )
    assert status == 201 and body["ticket"] == second["number"]


def test_a_number_the_counter_did_not_just_finish_is_refused_by_name(
    api: Api, kiosk: str, siti: str
):
    tablet = api.device("tablet-loket-1", "survey", counter=1)
    served(api, kiosk, siti)
    status, body = api("POST", "/counters/1/survey", tablet, json={**ANSWERS, "number": "Z999"})
    assert status == 409 and body["error"]["code"] == "nothing_to_rate"
    assert "Z999" in body["error"]["message"]
    status, body = api("POST", "/counters/1/survey", tablet, json={**ANSWERS, "number": 7})
    assert status == 400 and "number" in body["error"]["message"]


def test_an_admins_preview_of_the_tablet_is_marked_and_stores_no_rating(
    app, api: Api, kiosk: str, siti: str
):
    visitor = served(api, kiosk, siti)  # counter 1 just finished a real visitor
    token = api.login("admin")
    browser = app.test_client()  # the admin opens the tablet's page on their own screen
    assert browser.post("/survey/session", json={"token": token}).status_code == 200
    page = browser.get("/survey/").get_data(as_text=True)
    assert 'id="preview"' in page and "Pratinjau" in page and "not stored" in page

    # The preview's answer is checked like a visitor's, then dropped.
    status, body = api("POST", "/counters/1/survey", token, json=ANSWERS)
    assert status == 200 and body["saved"] is False and body["channel"] == "preview"
    status, body = api("POST", "/counters/1/survey", token, json={"scores": {"u1": 9}})
    assert status == 400 and "scores" in body["error"]["message"]

    # The visitor's own rating is still theirs, and the SKM report counts nobody yet.
    tablet = api.device("tablet-loket-1", "survey", counter=1)
    assert api("GET", "/counters/1/survey", tablet)[1]["open"] is True
    assert api("GET", "/skm?by=service", token)[1]["total"]["respondents"] == 0
    status, body = api("POST", "/counters/1/survey", tablet, json=ANSWERS)
    assert status == 201 and body["ticket"] == visitor["number"]
    assert api("GET", "/skm?by=service", token)[1]["total"]["respondents"] == 1


def test_the_counters_own_tablet_is_no_preview(app, api: Api):
    tablet = api.device("tablet-loket-1", "survey", counter=1)
    client = app.test_client()
    assert client.post("/survey/session", json={"token": tablet}).status_code == 200
    page = client.get("/survey/").get_data(as_text=True)
    assert 'id="preview"' not in page
