"""What the kiosk's check-in scanner read: a booking's code or a printed ticket's address."""

from __future__ import annotations

import pytest

from core.booking.scans import BookingCode, TicketAddress, Unreadable, read


def test_a_booking_qr_holds_its_code():
    assert read("ABCD2345") == BookingCode("ABCD2345")
    assert read(" abcd-2345 ") == BookingCode("ABCD2345")


@pytest.mark.parametrize(
    "address",
    [
        "https://antrian.mpp.example.go.id/t/Xy_9-abcDEF12345",
        "https://antrian.mpp.example.go.id/t/Xy_9-abcDEF12345?lang=en",
        "https://antrian.mpp.example.go.id/t/Xy_9-abcDEF12345?lang=en#k=S3cr3t_key-1",
        "https://antrian.mpp.example.go.id/t/Xy_9-abcDEF12345#k=S3cr3t_key-1",
        "http://10.0.0.5:8080/antrian/t/Xy_9-abcDEF12345",
        "antrian.mpp.example.go.id/t/Xy_9-abcDEF12345",
    ],
)
def test_a_printed_ticket_s_qr_holds_its_status_address(address: str):
    assert read(address) == TicketAddress("Xy_9-abcDEF12345")


@pytest.mark.parametrize(
    "scanned",
    [
        "https://antrian.mpp.example.go.id/t/",  # cut short
        "https://antrian.mpp.example.go.id/t/abc!def",
        "https://antrian.mpp.example.go.id/booking/ABCD2345/qr.svg",
        "https://example.com/",
    ],
)
def test_another_address_is_unreadable_as_an_address(scanned: str):
    assert read(scanned) == Unreadable(address=True)


@pytest.mark.parametrize("scanned", ["", "   ", "12345678901", None, 42, "x" * 600])
def test_anything_else_is_unreadable_text(scanned: object):
    assert read(scanned) == Unreadable(address=False)
