"""Printers that fail: refused, silent, stuck or dropping connections, and bad configuration.

Every fake printer here listens on 127.0.0.1 only and stops with its test.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from printers.base import PAPER_STATUS_REQUEST
from printers.devices import (
    CupsPrinter,
    FilePrinter,
    NetworkPrinter,
    PrinterConfigError,
    PrinterSpec,
    RecordingPrinter,
    SerialPrinter,
    UsbPrinter,
    build_printer,
)
from printers.jobs import GRACE_SECONDS, print_with_timeout
from printers.layout import PaperWidth, TicketSlip, render_ticket
from printers.words import halves

TIMEOUT = 1.0
# How late an outcome may come: the grace period, plus room for a busy CI machine.
LATENESS = GRACE_SECONDS + 0.5

PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x7E

TICKET = render_ticket(
    TicketSlip(
        mall_name="Mal Pelayanan Publik Kota Bandung",
        mall_address="Jl. Jenderal Sudirman No. 123",
        agency_name="Dukcapil",
        service_name="Perekaman KTP-el",
        number="A012",
        issued_at=datetime(2026, 11, 28, 3, 42, tzinfo=UTC),
        timezone_label="WIB",
        ahead=3,
        eta_minutes=15,
        status_url="https://antrian.example.go.id/t/8f3a2c1e9b",
        footer="Silakan menunggu panggilan",
        priority_label=None,
    ),
    PaperWidth.MM80,
    native_qr=False,  # the raster QR code makes a ticket of several kilobytes
)


class FakePrinter:
    """A raw-TCP printer on 127.0.0.1 that answers DLE EOT 4 with `status` (None: never; only
    the first `answers` requests when that is set; `later` after the first answer, as when
    the roll runs out during a ticket), and closes a connection once it has read
    `drop_after` bytes."""

    def __init__(
        self,
        status: int | None = PAPER_OK,
        drop_after: int | None = None,
        one_shot: bool = False,
        answers: int | None = None,
        later: int | None = None,
    ) -> None:
        self.status = status
        self.later = later
        self.answers = answers
        self.drop_after = drop_after
        self.one_shot = one_shot
        self.received = bytearray()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakePrinter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                self._talk(connection)
            if self.one_shot:
                self._listener.close()  # the printer is gone, as after a power cut
                return

    def _talk(self, connection: socket.socket) -> None:
        connection.settimeout(0.05)
        seen = bytearray()
        while not self._stopping.is_set():
            wanted = 4096
            if self.drop_after is not None:
                wanted = min(wanted, self.drop_after - len(seen))
                if wanted <= 0:
                    return  # closing with unread data makes the kernel reset the connection
            try:
                chunk = connection.recv(wanted)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            before = seen.count(PAPER_STATUS_REQUEST)
            seen += chunk
            self.received += chunk
            if self.status is not None:
                for _ in range(seen.count(PAPER_STATUS_REQUEST) - before):
                    if self.answers is not None:
                        if self.answers <= 0:
                            break
                        self.answers -= 1
                    connection.sendall(bytes([self.status]))
                    if self.later is not None:
                        self.status = self.later


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


@pytest.fixture
def stuck_printer() -> Iterator[int]:
    """A printer whose connections are accepted by the kernel but never read: its buffers
    are tiny, so a long job stalls, and it never answers a status query."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    yield listener.getsockname()[1]
    listener.close()


def timed_print(printer: object, data: bytes = TICKET) -> tuple[bool, str, float]:
    ok, error, _, elapsed = noted_print(printer, data)
    return ok, error, elapsed


def noted_print(printer: object, data: bytes = TICKET) -> tuple[bool, str, str, float]:
    """(ok, error, note, seconds taken) of one print with a `TIMEOUT` deadline; the error and
    the note in English, their second half (the Indonesian one: `test_..._indonesian_first`)."""
    started = time.monotonic()
    outcome = print_with_timeout(printer, data, TIMEOUT)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    return outcome.ok, halves(outcome.error or "")[1], halves(outcome.note or "")[1], elapsed


# --- a printer that works, for contrast -------------------------------------------------------


def test_a_ready_printer_gets_the_whole_ticket_between_two_status_queries() -> None:
    with FakePrinter() as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        ok, error, _ = timed_print(network)
        health = network.check(TIMEOUT)

    assert (ok, error) == (True, "")
    assert bytes(printer.received).startswith(PAPER_STATUS_REQUEST + TICKET + PAPER_STATUS_REQUEST)
    assert health.ok and "is ready" in health.message


def test_a_printer_low_on_paper_still_prints_but_says_so() -> None:
    with FakePrinter(status=PAPER_NEAR_END) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        ok, _, _ = timed_print(network)
        health = network.check(TIMEOUT)

    assert ok
    assert health.ok and "running low" in health.message


# --- refused ----------------------------------------------------------------------------------


def test_a_refused_connection_fails_at_once_with_the_address(closed_port: int) -> None:
    network = NetworkPrinter("127.0.0.1", closed_port)

    ok, error, elapsed = timed_print(network)
    health = network.check(TIMEOUT)

    assert not ok
    assert error == f"printer 127.0.0.1:{closed_port} refused the connection"
    assert elapsed < TIMEOUT
    assert not health.ok and not health.reachable
    assert "refused" in health.message


# --- stuck ------------------------------------------------------------------------------------


def test_a_printer_that_never_reads_times_out_mid_ticket(stuck_printer: int) -> None:
    network = NetworkPrinter("127.0.0.1", stuck_printer, status_query=False)
    long_job = TICKET * 400  # megabytes: more than every buffer between here and there

    ok, error, elapsed = timed_print(network, long_job)

    assert not ok
    assert f"did not take the ticket within {TIMEOUT:g} s" in error
    sent = int(error.split("(")[1].split(" of ")[0])
    assert 0 < sent < len(long_job)
    assert TIMEOUT * 0.9 <= elapsed <= TIMEOUT + LATENESS


def test_a_printer_that_never_answers_the_status_request_gets_the_ticket_anyway() -> None:
    wait = TIMEOUT / 2  # under STATUS_REPLY_SECONDS, half the timeout is the limit
    with FakePrinter(status=None) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        ok, error, note, elapsed = noted_print(network)
        ok_again, _, note_again, elapsed_again = noted_print(network)
        time.sleep(0.1)  # let the fake printer read the second ticket
        received = bytes(printer.received)
        health = network.check(TIMEOUT)

    assert (ok, error) == (True, "")
    assert note == (
        f"printer 127.0.0.1:{printer.port} did not answer the paper-status request within "
        f"{wait:g} s; the ticket was sent anyway: printer state unknown"
    )
    assert wait * 0.9 <= elapsed <= wait + LATENESS, "it waits for the reply, but not long"
    # The next ticket does not ask (or wait) again, and says why its state is unknown.
    assert ok_again and "unknown" in note_again and "bytes sent" not in note_again
    assert elapsed_again < 0.3
    assert received.count(TICKET) == 2
    assert received.count(PAPER_STATUS_REQUEST) == 1  # the first ticket's only
    assert health.ok and not health.known and health.reachable
    assert "did not answer the paper-status request" in health.message


def test_a_status_reply_heard_again_brings_the_status_requests_back() -> None:
    with FakePrinter(status=None) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        assert "unknown" in noted_print(network)[2]
        printer.status = PAPER_OK  # e.g. the print server was fixed
        health = network.check(TIMEOUT)
        ok, error, note, _ = noted_print(network)

    assert health.ok and health.known and "is ready" in health.message
    assert (ok, error, note) == (True, "", "")
    assert not network.silent


def test_a_silent_printer_is_asked_again_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stall made the printer silent; a minute later it is asked again, so its empty paper
    # roll is found instead of every later ticket passing for printed.
    import printers.status

    with FakePrinter(status=None) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        assert "unknown" in noted_print(network)[2]
        printer.status = PAPER_OUT
        assert "without asking" in noted_print(network)[2]  # within the minute: not asked
        monkeypatch.setattr(printers.status, "ASK_SILENT_AGAIN_SECONDS", 0.0)
        ok, error, _, _ = noted_print(network)

    assert not ok and "out of paper" in error
    assert not network.silent


def test_a_printer_that_takes_the_ticket_but_never_confirms_it_is_printed_state_unknown() -> None:
    with FakePrinter(answers=1) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        ok, error, note, elapsed = noted_print(network)

    assert (ok, error) == (True, "")
    assert note == (
        f"printer 127.0.0.1:{printer.port} took the ticket ({len(TICKET)} bytes) but did not "
        f"confirm it within {TIMEOUT:g} s: printer state unknown"
    )
    assert TICKET in bytes(printer.received)
    assert elapsed <= TIMEOUT + LATENESS


def test_a_printer_that_neither_answers_nor_reads_says_both(stuck_printer: int) -> None:
    network = NetworkPrinter("127.0.0.1", stuck_printer)
    long_job = TICKET * 400

    ok, error, elapsed = timed_print(network, long_job)

    assert not ok
    prefix = (
        f"printer 127.0.0.1:{stuck_printer} did not answer the paper-status request within "
        f"{TIMEOUT / 2:g} s; sending the ticket anyway: printer 127.0.0.1:{stuck_printer} did "
        f"not take the ticket within {TIMEOUT:g} s ("
    )
    assert error.startswith(prefix) and error.endswith(f" of {len(long_job)} bytes sent)")
    assert elapsed <= TIMEOUT + LATENESS


# --- dropped ----------------------------------------------------------------------------------


def test_a_printer_that_drops_mid_ticket_and_goes_away_is_reported() -> None:
    with FakePrinter(drop_after=120, one_shot=True) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        ok, error, elapsed = timed_print(network)
        time.sleep(0.1)  # let the fake printer close its listener
        health = network.check(TIMEOUT)

    assert not ok
    assert error.startswith(f"connection to printer 127.0.0.1:{printer.port} dropped")
    assert len(printer.received) == 120
    assert elapsed <= TIMEOUT + LATENESS
    assert not health.ok and not health.reachable


def test_a_drop_during_a_long_job_says_how_far_it_got() -> None:
    long_job = TICKET * 400

    with FakePrinter(drop_after=120) as printer:
        ok, error, elapsed = timed_print(NetworkPrinter("127.0.0.1", printer.port), long_job)

    assert not ok
    prefix = f"connection to printer 127.0.0.1:{printer.port} dropped after "
    assert error.startswith(prefix) and error.endswith(f" of {len(long_job)} bytes")
    assert 120 <= int(error.removeprefix(prefix).split()[0]) < len(long_job)
    assert elapsed <= TIMEOUT + LATENESS


def test_a_printers_reasons_come_in_indonesian_first(closed_port: int) -> None:
    """The officer's banner shows the first half, the English page the second."""
    refused = print_with_timeout(NetworkPrinter("127.0.0.1", closed_port), TICKET, TIMEOUT)
    assert halves(refused.error or "") == (
        f"printer 127.0.0.1:{closed_port} menolak sambungan",
        f"printer 127.0.0.1:{closed_port} refused the connection",
    )
    with FakePrinter(status=PAPER_OUT) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        empty = print_with_timeout(network, TICKET, TIMEOUT)
        health = network.check(TIMEOUT)
    assert halves(empty.error or "")[0] == f"printer 127.0.0.1:{printer.port} kehabisan kertas"
    assert halves(health.message) == halves(empty.error or "")
    with FakePrinter(status=None) as silent:
        unanswered = print_with_timeout(NetworkPrinter("127.0.0.1", silent.port), TICKET, TIMEOUT)
    assert unanswered.ok
    assert halves(unanswered.note or "")[0].endswith(
        "tiket tetap dikirim: keadaan printer tidak diketahui"
    )


def test_a_printer_without_paper_is_not_sent_the_ticket() -> None:
    with FakePrinter(status=PAPER_OUT) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        ok, error, _ = timed_print(network)
        health = network.check(TIMEOUT)

    assert not ok
    assert error == f"printer 127.0.0.1:{printer.port} is out of paper"
    assert TICKET not in bytes(printer.received)
    assert not health.ok and health.reachable


def test_a_roll_that_runs_out_during_the_ticket_fails_the_print() -> None:
    """Paper at the start, none when the printer confirms the ticket: the slip came out torn
    off half-way or not at all, and the kiosk must keep the number on screen."""
    with FakePrinter(status=PAPER_OK, later=PAPER_OUT) as printer:
        network = NetworkPrinter("127.0.0.1", printer.port)
        ok, error, _ = timed_print(network)

    assert TICKET in bytes(printer.received)
    assert not ok
    assert error == f"printer 127.0.0.1:{printer.port} ran out of paper during the ticket"


# --- drivers that block or break --------------------------------------------------------------


def test_a_driver_that_blocks_is_abandoned_after_the_timeout() -> None:
    slow = RecordingPrinter(delay=TIMEOUT * 5)

    ok, error, elapsed = timed_print(slow)

    assert not ok
    assert error == f"printer did not finish within {TIMEOUT:g} s"
    assert elapsed <= TIMEOUT + LATENESS


def test_a_device_node_nobody_reads_is_abandoned_after_the_timeout(tmp_path) -> None:
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)  # opening a FIFO for writing blocks until a reader comes, like a dead device

    ok, error, elapsed = timed_print(FilePrinter(str(fifo)))
    # Let the abandoned writer finish, so that no thread outlives the test.
    with open(fifo, "rb") as reader:
        reader.read()

    assert not ok
    assert "did not finish within" in error
    assert elapsed <= TIMEOUT + LATENESS


def test_a_failing_fake_reports_its_failure_and_is_unhealthy() -> None:
    fake = RecordingPrinter(failure="printer cover is open")

    ok, error, _ = timed_print(fake)

    assert (ok, error) == (False, "printer cover is open")
    assert fake.jobs == []
    assert not fake.check(TIMEOUT).ok


def test_an_unexpected_driver_exception_becomes_an_outcome() -> None:
    class Broken:
        def print_bytes(self, data: bytes, timeout: float) -> None:
            raise RuntimeError("driver bug")

    ok, error, _ = timed_print(Broken())

    assert not ok
    assert "unexpected printer error" in error and "driver bug" in error


def test_a_missing_device_node_is_named(tmp_path) -> None:
    missing = tmp_path / "no-such-dir" / "lp0"
    printer = FilePrinter(str(missing))

    ok, error, _ = timed_print(printer)

    assert not ok
    assert error == f"printer device {missing} does not exist (is the printer plugged in?)"
    assert not printer.check(TIMEOUT).ok


def test_a_file_printer_appends_each_ticket(tmp_path) -> None:
    target = tmp_path / "tickets.bin"
    printer = FilePrinter(str(target))

    assert timed_print(printer)[0] and timed_print(printer)[0]
    assert target.read_bytes() == TICKET * 2


def test_a_cups_queue_that_does_not_exist_is_reported() -> None:
    printer = CupsPrinter("antrian-no-such-queue")

    ok, error, _ = timed_print(printer)

    assert not ok
    assert "antrian-no-such-queue" in error or "lp command is missing" in error
    assert not printer.check(TIMEOUT).ok


def test_usb_and_serial_printers_that_cannot_be_opened_fail_with_a_reason() -> None:
    for printer in (UsbPrinter(0x04B8, 0x0E28), SerialPrinter("/dev/antrian-no-such-tty")):
        ok, error, _ = timed_print(printer)
        health = printer.check(TIMEOUT)

        assert not ok
        assert error, f"{printer!r} failed without a reason"
        assert not health.ok and not health.reachable


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"kind": "network", "host": "192.0.2.1", "port": "abc"},
            "kiosks[0].printer.port: must be an integer 1-65535, got 'abc'",
        ),
        (  # str.isdigit() passes it, int() does not
            {"kind": "network", "host": "192.0.2.1", "port": "9100²"},
            "kiosks[0].printer.port: must be an integer 1-65535, got '9100²'",
        ),
        (
            {"kind": "network", "host": "192.0.2.1", "port": 70000},
            "kiosks[0].printer.port: must be an integer 1-65535, got 70000 (int)",
        ),
        (
            {"kind": "lpt"},
            "kiosks[0].printer.kind: unknown kind 'lpt'; "
            "use one of network, usb, serial, file, cups, dummy",
        ),
        ({"kind": "network"}, "kiosks[0].printer.host: required for a network printer"),
        ({"kind": "usb", "vendor_id": "0x04b8"}, "kiosks[0].printer.product_id: required"),
        ({"kind": "usb", "vendor_id": "zz", "product_id": 1}, "kiosks[0].printer.vendor_id:"),
        ({"kind": "serial"}, "kiosks[0].printer.device: required for a serial printer"),
        ({"kind": "file"}, "kiosks[0].printer.device: required for a file printer"),
        ({"kind": "cups"}, "kiosks[0].printer.queue: required for a cups printer"),
        ({"kind": "dummy", "paper": 57}, "kiosks[0].printer.paper: must be 80 or 58"),
        ({"kind": "dummy", "timeout_seconds": 0}, "kiosks[0].printer.timeout_seconds:"),
        ({"kind": "dummy", "native_qr": "yes"}, "kiosks[0].printer.native_qr: must be true"),
        ({"kind": "dummy", "profile": "TM-X"}, "kiosks[0].printer.profile: unknown printer"),
        ({"kind": "dummy", "prot": 9100}, "kiosks[0].printer.prot: unknown key"),
        ({"host": "192.0.2.1"}, "kiosks[0].printer.kind: required"),
    ],
)
def test_a_bad_printer_entry_names_the_key_that_is_wrong(entry: dict, message: str) -> None:
    with pytest.raises(PrinterConfigError) as caught:
        PrinterSpec.from_mapping(entry, "kiosks[0].printer")

    assert str(caught.value).startswith(message)


def test_a_good_printer_entry_builds_the_printer_it_describes() -> None:
    specs = {
        "network": {"kind": "network", "host": "192.0.2.1"},
        "usb": {"kind": "usb", "vendor_id": "0x04b8", "product_id": 3624, "paper": 58},
        "serial": {"kind": "serial", "device": "/dev/ttyUSB0", "baudrate": 19200},
        "file": {"kind": "file", "device": "/dev/usb/lp0"},
        "cups": {"kind": "cups", "queue": "kiosk"},
        "dummy": {"kind": "dummy", "timeout_seconds": 2, "native_qr": False},
    }
    types = {
        "network": NetworkPrinter,
        "usb": UsbPrinter,
        "serial": SerialPrinter,
        "file": FilePrinter,
        "cups": CupsPrinter,
        "dummy": RecordingPrinter,
    }

    built = {
        kind: build_printer(PrinterSpec.from_mapping(entry, f"kiosks[{kind}].printer"))
        for kind, entry in specs.items()
    }

    assert {kind: type(printer) for kind, printer in built.items()} == types
    network = built["network"]
    assert isinstance(network, NetworkPrinter) and network.port == 9100
    usb = PrinterSpec.from_mapping(specs["usb"], "p")
    assert (usb.vendor_id, usb.product_id, usb.paper_width) == (0x04B8, 3624, PaperWidth.MM58)
    assert PrinterSpec.from_mapping(specs["dummy"], "p").timeout_seconds == 2.0


def test_a_dummy_printer_keeps_only_its_latest_tickets() -> None:
    """A kiosk configured with `kind: dummy` runs for months: its tickets must not pile up in
    the server's memory, one per visitor, for as long as it runs."""
    printer = build_printer(PrinterSpec.from_mapping({"kind": "dummy"}, "kiosks[0].printer"))
    assert isinstance(printer, RecordingPrinter)

    for number in range(3000):  # a busy day's tickets at one kiosk
        printer.print_bytes(f"ticket {number}".encode(), TIMEOUT)

    assert len(printer.jobs) <= 1000
    assert printer.last == b"ticket 2999"
