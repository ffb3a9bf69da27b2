"""A kiosk printer's identity: shared by kiosks configured with one printer, at most 64
characters (it keys the stored printer state and the alerts)."""

from __future__ import annotations

from core.server.printer_keys import MAX_LENGTH, printer_key
from printers.devices import PrinterSpec


def spec(**fields: object) -> PrinterSpec:
    return PrinterSpec.from_mapping(fields, "kiosks[0].printer")


def test_kiosks_configured_with_one_printer_get_one_identity_and_a_dummy_is_its_own():
    network = {"kind": "network", "host": "10.0.0.9", "port": 9100}
    assert printer_key("K1", spec(**network)) == printer_key("K2", spec(**network))
    assert printer_key("K1", spec(**network)) == "network:10.0.0.9:9100"
    assert printer_key("K1", spec(kind="dummy")) == "dummy:K1"
    assert printer_key("K2", spec(kind="dummy")) == "dummy:K2"


def test_a_long_device_path_is_cut_to_the_column_and_kept_apart_from_its_neighbours():
    base = "/dev/serial/by-id/usb-Seiko_Epson_Corporation_TM-T20III_receipt_printer-if00-port"
    first = printer_key("K1", spec(kind="serial", device=f"{base}0"))
    second = printer_key("K1", spec(kind="serial", device=f"{base}1"))
    assert len(first) == len(second) == MAX_LENGTH
    assert first != second
    assert first.startswith("device:/dev/serial/by-id/usb-Seiko")
