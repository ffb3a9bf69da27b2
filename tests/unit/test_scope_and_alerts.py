"""The management rules, pure: who sees what (core/scope.py), when a wait is amber or red and
which conditions are alerts (core/alerts.py)."""

from __future__ import annotations

import pytest

from core.alerts import evaluate, service_level, wait_level
from core.config import Settings
from core.context import SYSTEM, Actor
from core.scope import (
    covers_officer,
    require_counter,
    require_service,
    require_whole_mall,
    scope_for,
    visible_counters,
    visible_services,
)
from core.tickets import Forbidden, NotFound

ADMIN = Actor("admin", "admin")
SARI = Actor("supervisor", "sari")


def test_an_admin_sees_the_whole_mall_and_a_supervisor_their_agencies(demo_settings: Settings):
    everything = scope_for(ADMIN, None)
    assert visible_services(everything, demo_settings) == list(demo_settings.services)
    assert scope_for(SYSTEM, None).whole_mall
    mine = scope_for(SARI, ["POLRESTA"])
    assert [s.code for s in visible_services(mine, demo_settings)] == ["SIM", "SKCK"]
    assert [c.number for c in visible_counters(mine, demo_settings)] == [7, 8, 9, 10]


def test_a_supervisor_bound_to_nothing_sees_nothing_never_everything(demo_settings: Settings):
    nobody = scope_for(SARI, None)
    assert not nobody.whole_mall
    assert visible_services(nobody, demo_settings) == []


def test_officers_and_devices_are_refused(demo_settings: Settings):
    for kind in ("officer", "kiosk", "display"):
        with pytest.raises(Forbidden):
            scope_for(Actor(kind, "x"), None)


def test_a_refusal_names_the_owner_and_the_supervisors_agencies(demo_settings: Settings):
    mine = scope_for(SARI, ["POLRESTA"])
    assert require_service(mine, demo_settings, "SIM").code == "SIM"
    with pytest.raises(Forbidden, match="DISDUKCAPIL.*POLRESTA"):
        require_service(mine, demo_settings, "KTP")
    with pytest.raises(Forbidden, match="Counter 1 belongs to agency DISDUKCAPIL"):
        require_counter(mine, demo_settings, 1)
    with pytest.raises(NotFound):
        require_counter(mine, demo_settings, 999)
    with pytest.raises(Forbidden, match="Only an admin"):
        require_whole_mall(mine, "manage devices")


def test_a_supervisor_manages_officers_whose_every_counter_is_theirs(demo_settings: Settings):
    mine = scope_for(SARI, ["POLRESTA"])
    assert covers_officer(mine, demo_settings, "officer", [7, 8])
    assert not covers_officer(mine, demo_settings, "officer", [7, 1])  # one counter elsewhere
    assert not covers_officer(mine, demo_settings, "officer", [])  # any counter: the admins'
    assert not covers_officer(mine, demo_settings, "supervisor", [7])
    assert covers_officer(scope_for(ADMIN, None), demo_settings, "admin", [])


@pytest.mark.parametrize(
    ("longest", "eta", "level"),
    [
        (None, None, "green"),
        (5, 10, "green"),  # 10 of 20: 50 %
        (14, 0, "green"),  # 70 %
        (15, None, "amber"),  # 75 %
        (0, 15, "amber"),  # the estimate alone
        (19, 19, "amber"),
        (20, 3, "red"),
        (2, 25, "red"),  # a queue that grew faster than the counters serve
    ],
)
def test_the_wait_level_takes_the_worse_of_the_wait_and_the_estimate(longest, eta, level):
    assert wait_level(longest, eta, 20, 75) == level


def test_visitors_waiting_with_no_counter_open_are_amber_at_least():
    assert wait_level(0, None, 20, 75, waiting=2) == "amber"
    assert wait_level(25, None, 20, 75, waiting=2) == "red"
    assert wait_level(None, None, 20, 75, waiting=0) == "green"


def test_outside_its_hours_a_service_nobody_waits_for_is_neutral_whatever_the_estimate():
    # 05:00: the estimate for a visitor arriving now is the three hours until opening.
    assert service_level(None, 180, 20, 75, 0, "not_open") == "not_open"
    assert service_level(None, None, 20, 75, 0, "closed") == "closed"
    assert service_level(30, 5, 20, 75, 1, "closed") == "red"  # still waiting: judged
    assert service_level(None, 180, 20, 75, 0, None) == "red"  # inside its hours


def test_a_neutral_service_raises_no_alert():
    assert evaluate([_service("KTP", "not_open"), _service("KK", "closed")], [], {}, 30) == []


def _service(code: str, level: str) -> dict:
    return {
        "code": code,
        "agency": "DISDUKCAPIL",
        "level": level,
        "longest_wait_minutes": 30,
        "eta_minutes": None,
        "target_wait_minutes": 20,
    }


def _counter(number: int, status: str, minutes: int, reason: str | None = None) -> dict:
    return {
        "number": number,
        "name": f"Loket {number}",
        "agency": "POLRESTA",
        "status": status,
        "reason": reason,
        "minutes_in_state": minutes,
    }


def test_the_evaluator_finds_red_waits_long_breaks_and_failed_printers():
    found = evaluate(
        [_service("KTP", "red"), _service("KK", "amber")],
        [_counter(7, "break", 31, "Sholat"), _counter(8, "break", 29), _counter(9, "closed", 90)],
        {"K1": (False, "Kertas habis / Out of paper"), "K2": (True, "OK")},
        break_limit_minutes=30,
    )
    assert [c.key for c in found] == ["wait:KTP", "break:7", "printer:K1"]
    assert found[1].agency == "POLRESTA" and "Sholat" in found[1].message
    assert found[2].agency is None and found[2].message == (
        "Printer anjungan K1 gagal mencetak: Kertas habis / kiosk K1 printer failed: Out of paper"
    )
    assert "menunggu 30 mnt" in found[0].message and "target 20" in found[0].message


def test_a_roll_running_low_is_a_paper_warning_of_its_own_beside_a_failure():
    found = evaluate(
        [],
        [],
        {"K1": (False, "Kertas habis"), "K2": (True, "OK")},
        break_limit_minutes=30,
        paper_low={"K2", "K1"},
    )
    assert [c.key for c in found] == ["printer:K1", "paper:K1", "paper:K2"]
    assert found[2].agency is None and found[2].message == (
        "Kertas printer anjungan K2 hampir habis, siapkan gulungan baru / "
        "kiosk K2 printer paper is running low, fetch a new roll"
    )


def test_a_printer_kiosks_share_is_one_condition_naming_them_all():
    """Printers are keyed by the printer: two kiosks on one empty roll are one alert."""
    shared = "network:10.0.0.9:9100"
    found = evaluate(
        [],
        [],
        {shared: (False, "Kertas habis"), "dummy:K3": (True, "OK")},
        break_limit_minutes=30,
        paper_low={shared},
        kiosks={shared: ["K1", "K2"], "dummy:K3": ["K3"]},
    )
    assert [c.key for c in found] == [f"printer:{shared}", f"paper:{shared}"]
    # A device's own words in one language stand in both halves.
    assert found[0].message == (
        "Printer anjungan K1, K2 gagal mencetak: Kertas habis / printer of kiosks K1, K2 "
        "failed: Kertas habis"
    )
    assert found[1].message == (
        "Kertas printer anjungan K1, K2 hampir habis, siapkan gulungan baru / "
        "printer paper of kiosks K1, K2 is running low, fetch a new roll"
    )
