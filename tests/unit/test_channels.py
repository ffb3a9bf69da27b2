"""The channel badge every surface shows: hall tickets none, a number from home one."""

from __future__ import annotations

from core.channels import channel_badge


def test_tickets_taken_in_the_hall_carry_no_badge() -> None:
    assert channel_badge("kiosk") is None
    assert channel_badge("officer") is None
    assert channel_badge(None) is None


def test_a_number_from_home_is_labelled_in_both_languages() -> None:
    assert channel_badge("online") == {
        "code": "online",
        "label": "Dari rumah",
        "label_en": "From home",
        "slot": None,
    }


def test_a_booking_badge_carries_its_slot() -> None:
    badge = channel_badge("booking", slot="10:30")
    assert badge is not None and (badge["code"], badge["slot"]) == ("booking", "10:30")
