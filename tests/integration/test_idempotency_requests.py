"""An Idempotency-Key belongs to one request, and a retry always gets the ticket that exists:
also when the first attempt died after the ticket committed (before or while printing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.test_kiosk_printing import Mall, make_mall  # noqa: F401


@pytest.fixture
def mall(make_mall: Callable[..., Mall]) -> Mall:  # noqa: F811
    return make_mall({"kind": "dummy"})


def issue(mall: Mall, key: str, **body: object):  # type: ignore[no-untyped-def]
    return mall.post(
        "/tickets",
        mall.kiosk_token,
        json={"service": "KTP", **body},
        headers={"Idempotency-Key": key},
    )


def test_a_key_sent_again_for_another_service_is_refused_not_answered(mall: Mall):
    first = issue(mall, "key-1")
    assert first.status_code == 201
    again = issue(mall, "key-1", service="SIM")
    assert again.status_code == 422
    assert again.get_json()["error"]["code"] == "idempotency_key_reused"
    assert "different request" in again.get_json()["error"]["message"]
    # The same request again is still answered with the first ticket.
    same = issue(mall, "key-1")
    assert (same.status_code, same.get_json()["number"]) == (201, first.get_json()["number"])


def test_a_key_reused_for_another_action_does_not_replay_the_first(mall: Mall):
    accounts = mall.app.extensions["antrian.accounts"]
    accounts.add_user("siti", "rahasia-123", "officer", [1])
    login = mall.client.post(
        "/api/v1/auth/login", json={"username": "siti", "password": "rahasia-123", "counter": 1}
    )
    officer = login.get_json()["token"]
    ticket = issue(mall, "kiosk-key").get_json()
    key = {"Idempotency-Key": "officer-key"}
    called = mall.post("/counters/1/call-next", officer, headers=key)
    assert called.status_code == 200
    start = mall.post(f"/tickets/{ticket['id']}/start", officer, headers=key)
    assert start.status_code == 422
    assert mall.get(f"/tickets/{ticket['id']}").get_json()["status"] == "called"


def test_a_retry_after_a_crash_before_printing_gets_the_same_ticket_printed(
    mall: Mall, monkeypatch: pytest.MonkeyPatch
):
    printing = mall.app.extensions["antrian.printing"]
    real_print = printing.print_ticket

    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # stands for the process dying after the commit

    monkeypatch.setattr(printing, "print_ticket", crash)
    with pytest.raises(KeyboardInterrupt):
        issue(mall, "kiosk-retry")
    monkeypatch.setattr(printing, "print_ticket", real_print)

    retry = issue(mall, "kiosk-retry")
    assert retry.status_code == 201
    ticket = retry.get_json()
    assert ticket["number"] == "A001"  # the ticket that exists, not a second one
    assert ticket["print"]["status"] == "printed"  # printed now: it never was
    [job] = mall.print_jobs(ticket["id"])
    assert job["status"] == "printed"
    # Another retry reports that print, and prints nothing more.
    again = issue(mall, "kiosk-retry").get_json()
    assert (again["number"], again["print"]["job"]) == ("A001", job["id"])
    assert len(mall.print_jobs(ticket["id"])) == 1
    # Only one KTP ticket was made: the next visitor's is A002.
    assert mall.issue("KTP").get_json()["number"] == "A002"
