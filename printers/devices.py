"""Ticket printers behind one small interface, chosen from configuration.

Every printer takes finished ESC/POS bytes (see `printers.layout`) and either delivers them or
raises `PrinterError` with a reason a kiosk operator can act on. `build_printer` turns a
validated `PrinterSpec` into the right implementation; `RecordingPrinter` is the fake for tests
and for kiosks configured without paper.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from printers.layout import PaperWidth, known_profiles

__all__ = [
    "CupsPrinter",
    "FilePrinter",
    "NetworkPrinter",
    "PrinterConfigError",
    "PrinterError",
    "PrinterHealth",
    "PrinterSpec",
    "RecordingPrinter",
    "SerialPrinter",
    "TicketPrinter",
    "UsbPrinter",
    "build_printer",
]

KINDS = ("network", "usb", "serial", "file", "cups", "dummy")
DEFAULT_PORT = 9100
DEFAULT_BAUDRATE = 9600
DEFAULT_TIMEOUT_SECONDS = 5.0

# DLE EOT 4: real-time request for the roll paper sensor status (one byte back).
PAPER_STATUS_REQUEST = b"\x10\x04\x04"
# The longest a ticket waits for that byte before it is sent anyway (at most half the printer's
# timeout): a printer on a LAN answers within milliseconds, and one that does not answer at all
# (a print server that relays no replies, a model without the command) must not hold every
# visitor up for the whole timeout.
STATUS_REPLY_SECONDS = 1.0
_STATUS_FIXED_MASK, _STATUS_FIXED_BITS = 0x93, 0x12  # bits 0, 1, 4, 7 are fixed at 0, 1, 1, 0
_PAPER_NEAR_END, _PAPER_NOT_PRESENT = 0x0C, 0x60


class PrinterError(Exception):
    """A ticket could not be printed; the message says why in words an operator understands."""


class PrinterConfigError(ValueError):
    """A printer entry in the configuration is invalid; the message starts with its key path."""


@dataclass(frozen=True, slots=True)
class PrinterHealth:
    ok: bool
    message: str
    # False when nothing answered at all; True when something is there but not ready.
    reachable: bool = True
    # False when the printer is there but did not say whether it can print (no status reply).
    known: bool = True


@runtime_checkable
class TicketPrinter(Protocol):
    def print_bytes(self, data: bytes, timeout: float) -> str | None:
        """Deliver `data` within `timeout` seconds or raise `PrinterError`.

        Returns None, or a note when the bytes went out but the printer's state could not be
        learnt (it did not answer a status request): printed, as far as anyone can tell.
        """
        ...

    def check(self, timeout: float) -> PrinterHealth:
        """Whether the printer can take a ticket now. Never raises."""
        ...


def _seconds(value: float) -> str:
    return f"{value:g} s"


# --- network ----------------------------------------------------------------------------------


class NetworkPrinter:
    """A printer on raw TCP (port 9100, "JetDirect").

    A plain socket rather than escpos.printer.Network: each send gets the time left before the
    deadline, and the count of bytes handed over tells a dropped connection from a slow one.
    With `status_query` the printer is asked for its paper status before and after the ticket;
    the answer after it confirms the connection outlived the ticket, which `send` alone cannot
    (the kernel accepts bytes long before the printer has read them).

    A printer that leaves the status request unanswered for `STATUS_REPLY_SECONDS` (or half the
    timeout) gets the ticket anyway, reported as printed with its state unknown; later tickets
    do not ask again (and so do not wait) until a health check hears an answer.
    """

    def __init__(self, host: str, port: int = DEFAULT_PORT, status_query: bool = True) -> None:
        self.host = host
        self.port = port
        self.status_query = status_query
        # Set when a status request went unanswered; cleared when one is answered.
        self.silent = False

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __repr__(self) -> str:
        return f"NetworkPrinter({self.address})"

    def print_bytes(self, data: bytes, timeout: float) -> str | None:
        started = time.monotonic()
        deadline = started + timeout
        with self._connect(timeout) as connection:
            if not self.status_query:
                self._send(connection, data, deadline, timeout)
                return None
            if self.silent:
                self._send(connection, data, deadline, timeout)
                return (
                    f"ticket sent to printer {self.address} ({len(data)} bytes) without asking "
                    "its paper status, which it left unanswered before: printer state unknown"
                )
            wait = min(STATUS_REPLY_SECONDS, timeout / 2)
            status = self._paper_status(connection, started + wait, sent=None)
            if status is None:
                self.silent = True
                unanswered = (
                    f"printer {self.address} did not answer the paper-status request within "
                    f"{_seconds(wait)}"
                )
                try:
                    self._send(connection, data, deadline, timeout)
                except PrinterError as error:
                    raise PrinterError(
                        f"{unanswered}; sending the ticket anyway: {error}"
                    ) from None
                return f"{unanswered}; the ticket was sent anyway: printer state unknown"
            if status & _PAPER_NOT_PRESENT == _PAPER_NOT_PRESENT:
                raise PrinterError(f"printer {self.address} is out of paper")
            self._send(connection, data, deadline, timeout)
            if self._paper_status(connection, deadline, sent=len(data)) is None:
                return (
                    f"printer {self.address} took the ticket ({len(data)} bytes) but did not "
                    f"confirm it within {_seconds(timeout)}: printer state unknown"
                )
            return None

    def check(self, timeout: float) -> PrinterHealth:
        deadline = time.monotonic() + timeout
        try:
            with self._connect(timeout) as connection:
                if not self.status_query:
                    return PrinterHealth(True, f"printer {self.address} accepts connections")
                status = self._paper_status(connection, deadline, sent=None)
        except _NotConnected as error:
            return PrinterHealth(False, str(error), reachable=False)
        except PrinterError as error:
            return PrinterHealth(False, str(error))
        if status is None:
            self.silent = True
            # Tickets are printed regardless (see print_bytes): nothing to warn visitors about.
            return PrinterHealth(
                True,
                f"printer {self.address} accepts connections but did not answer the "
                f"paper-status request within {_seconds(timeout)}: printer state unknown",
                known=False,
            )
        self.silent = False
        if status & _PAPER_NOT_PRESENT == _PAPER_NOT_PRESENT:
            return PrinterHealth(False, f"printer {self.address} is out of paper")
        if status & _PAPER_NEAR_END:
            return PrinterHealth(True, f"printer {self.address} is ready; paper is running low")
        return PrinterHealth(True, f"printer {self.address} is ready")

    def _connect(self, timeout: float) -> socket.socket:
        try:
            return socket.create_connection((self.host, self.port), timeout=timeout)
        except ConnectionRefusedError:
            raise _NotConnected(f"printer {self.address} refused the connection") from None
        except TimeoutError:
            raise _NotConnected(
                f"printer {self.address} did not accept a connection within {_seconds(timeout)}"
            ) from None
        except OSError as error:
            reason = error.strerror or str(error)
            raise _NotConnected(f"cannot reach printer {self.address}: {reason}") from None

    def _send(
        self, connection: socket.socket, data: bytes, deadline: float, timeout: float
    ) -> None:
        # send() rather than sendall(): on failure the count of bytes taken is known.
        view = memoryview(data)
        sent = 0
        while sent < len(data):
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                connection.settimeout(remaining)
                sent += connection.send(view[sent:])
            except TimeoutError:
                raise PrinterError(
                    f"printer {self.address} did not take the ticket within {_seconds(timeout)} "
                    f"({sent} of {len(data)} bytes sent)"
                ) from None
            except OSError:
                raise PrinterError(
                    f"connection to printer {self.address} dropped after {sent} of "
                    f"{len(data)} bytes"
                ) from None

    def _paper_status(
        self, connection: socket.socket, deadline: float, sent: int | None
    ) -> int | None:
        """The DLE EOT 4 status byte, or None when none came by `deadline`. `sent` is the
        ticket's size once it has gone out. Raises `PrinterError` when the connection drops."""
        dropped = (
            f"connection to printer {self.address} dropped"
            if sent is None
            else f"connection to printer {self.address} dropped before the printer confirmed "
            f"the ticket ({sent} bytes sent)"
        )
        try:
            connection.settimeout(max(deadline - time.monotonic(), 0.001))
            connection.sendall(PAPER_STATUS_REQUEST)
            while True:
                connection.settimeout(max(deadline - time.monotonic(), 0.001))
                reply = connection.recv(1)
                if not reply:
                    raise PrinterError(dropped)
                # Bytes the printer volunteers on its own do not carry the fixed status bits.
                if reply[0] & _STATUS_FIXED_MASK == _STATUS_FIXED_BITS:
                    return reply[0]
        except TimeoutError:
            return None
        except OSError:
            raise PrinterError(dropped) from None


class _NotConnected(PrinterError):
    """No TCP connection could be made: nothing at that address took the call."""


# --- USB and serial (through python-escpos) ---------------------------------------------------


class _Busy(PrinterError):
    """An earlier ticket still holds the device (its driver call has not returned)."""


@contextlib.contextmanager
def _held(lock: threading.Lock, timeout: float, name: str) -> Iterator[None]:
    # One handle serves every ticket; a write stuck in the driver must not also hang the next
    # ticket or a health check forever.
    if not lock.acquire(timeout=max(timeout, 0)):
        raise _Busy(f"{name} is still busy with an earlier ticket")
    try:
        yield
    finally:
        lock.release()


class UsbPrinter:
    """A USB printer found by vendor and product id, opened on first use and kept open.

    A failed write closes the handle, so unplugging and replugging the printer recovers by
    itself on the next ticket.
    """

    def __init__(self, vendor_id: int, product_id: int) -> None:
        self.vendor_id = vendor_id
        self.product_id = product_id
        self._device: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"USB printer {self.vendor_id:04x}:{self.product_id:04x}"

    def __repr__(self) -> str:
        return f"UsbPrinter({self.vendor_id:04x}:{self.product_id:04x})"

    def print_bytes(self, data: bytes, timeout: float) -> None:
        with _held(self._lock, timeout, self.name):
            device = self._open(timeout)
            try:
                device.timeout = max(int(timeout * 1000), 1)  # pyusb counts milliseconds
                device._raw(data)  # python-escpos' documented hook for raw bytes
            except Exception as error:  # pyusb raises USBError / USBTimeoutError subclasses
                self._close()
                if "timeout" in type(error).__name__.lower() or "timed out" in str(error):
                    raise PrinterError(
                        f"{self.name} did not take the ticket within {_seconds(timeout)}"
                    ) from None
                raise PrinterError(f"{self.name} failed: {error}") from None

    def check(self, timeout: float) -> PrinterHealth:
        try:
            with _held(self._lock, timeout, self.name):
                self._open(timeout)
        except _Busy as error:
            return PrinterHealth(False, str(error))
        except PrinterError as error:
            return PrinterHealth(False, str(error), reachable=False)
        return PrinterHealth(True, f"{self.name} is connected")

    def close(self) -> None:
        with self._lock:
            self._close()

    def _open(self, timeout: float) -> Any:
        if self._device is not None:
            return self._device
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise PrinterError(f"{self.name}: USB printing needs the pyusb package")
        device = Usb(self.vendor_id, self.product_id, timeout=max(int(timeout * 1000), 1))
        try:
            device.open()
        except DeviceNotFoundError:
            raise PrinterError(f"{self.name} is not connected or not accessible") from None
        self._device = device
        return device

    def _close(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            # A vanished device cannot be released; dropping the handle is enough.
            with contextlib.suppress(Exception):
                device.close()


class SerialPrinter:
    """A printer on a serial port (RS-232 or a USB serial adapter), opened on first use."""

    def __init__(self, device: str, baudrate: int = DEFAULT_BAUDRATE) -> None:
        self.device = device
        self.baudrate = baudrate
        self._port: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SerialPrinter({self.device}@{self.baudrate})"

    def print_bytes(self, data: bytes, timeout: float) -> None:
        with _held(self._lock, timeout, f"serial printer {self.device}"):
            printer = self._open(timeout)
            try:
                # pyserial's `timeout` is for reads only; writes block unless told otherwise.
                printer.device.write_timeout = timeout
                printer._raw(data)  # python-escpos' documented hook for raw bytes
                printer.device.flush()
            except Exception as error:  # SerialTimeoutException, SerialException, OSError
                self._close()
                if "timeout" in type(error).__name__.lower():
                    raise PrinterError(
                        f"serial printer {self.device} did not take the ticket within "
                        f"{_seconds(timeout)}"
                    ) from None
                raise PrinterError(f"serial printer {self.device} failed: {error}") from None

    def check(self, timeout: float) -> PrinterHealth:
        try:
            with _held(self._lock, timeout, f"serial printer {self.device}"):
                self._open(timeout)
        except _Busy as error:
            return PrinterHealth(False, str(error))
        except PrinterError as error:
            return PrinterHealth(False, str(error), reachable=False)
        return PrinterHealth(True, f"serial port {self.device} is open")

    def close(self) -> None:
        with self._lock:
            self._close()

    def _open(self, timeout: float) -> Any:
        if self._port is not None:
            return self._port
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Serial

        if not Serial.is_usable():
            raise PrinterError(f"serial printer {self.device}: needs the pyserial package")
        printer = Serial(self.device, baudrate=self.baudrate, timeout=timeout)
        try:
            printer.open()
        except DeviceNotFoundError:
            raise PrinterError(f"serial port {self.device} cannot be opened") from None
        self._port = printer
        return printer

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            # A port that vanished cannot be flushed; dropping the handle is enough.
            with contextlib.suppress(Exception):
                port.close()


# --- file and CUPS ----------------------------------------------------------------------------


class FilePrinter:
    """A device node such as /dev/usb/lp0, or a plain file that collects the bytes.

    A blocking device write cannot be interrupted here; `printers.jobs.print_with_timeout`
    gives up on it instead.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"FilePrinter({self.path})"

    def print_bytes(self, data: bytes, timeout: float) -> None:
        try:
            with open(self.path, "ab", buffering=0) as device:
                device.write(data)
        except FileNotFoundError:
            raise PrinterError(
                f"printer device {self.path} does not exist (is the printer plugged in?)"
            ) from None
        except PermissionError:
            raise PrinterError(f"no permission to write to printer device {self.path}") from None
        except OSError as error:
            raise PrinterError(
                f"writing to printer device {self.path} failed: {error.strerror or error}"
            ) from None

    def check(self, timeout: float) -> PrinterHealth:
        if os.path.exists(self.path):
            if os.access(self.path, os.W_OK):
                return PrinterHealth(True, f"printer device {self.path} is writable")
            return PrinterHealth(False, f"no permission to write to printer device {self.path}")
        parent = os.path.dirname(os.path.abspath(self.path))
        if not self.path.startswith("/dev/") and os.access(parent, os.W_OK):
            return PrinterHealth(True, f"{self.path} will be created on the first ticket")
        return PrinterHealth(False, f"printer device {self.path} does not exist", reachable=False)


class CupsPrinter:
    """A CUPS queue, fed raw bytes through `lp -o raw` so that no driver reformats them."""

    def __init__(self, queue: str) -> None:
        self.queue = queue

    def __repr__(self) -> str:
        return f"CupsPrinter({self.queue})"

    def print_bytes(self, data: bytes, timeout: float) -> None:
        result = self._run(["lp", "-d", self.queue, "-o", "raw"], data, timeout)
        if result.returncode != 0:
            reason = _first_line(result.stderr) or f"lp exited with {result.returncode}"
            raise PrinterError(f"CUPS queue {self.queue!r} rejected the ticket: {reason}")

    def check(self, timeout: float) -> PrinterHealth:
        try:
            result = self._run(["lpstat", "-p", self.queue], b"", timeout)
        except PrinterError as error:
            return PrinterHealth(False, str(error), reachable=False)
        state = _first_line(result.stdout)
        if result.returncode != 0:
            reason = _first_line(result.stderr) or f"lpstat exited with {result.returncode}"
            return PrinterHealth(False, f"CUPS queue {self.queue!r}: {reason}", reachable=False)
        if "disabled" in state:
            return PrinterHealth(False, f"CUPS queue {self.queue!r} is disabled: {state}")
        return PrinterHealth(True, state or f"CUPS queue {self.queue!r} is ready")

    def _run(
        self, command: list[str], data: bytes, timeout: float
    ) -> subprocess.CompletedProcess[bytes]:
        if shutil.which(command[0]) is None:
            raise PrinterError(f"the {command[0]} command is missing; install the CUPS client")
        try:
            return subprocess.run(command, input=data, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PrinterError(
                f"CUPS did not answer within {_seconds(timeout)} (queue {self.queue!r})"
            ) from None


def _first_line(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return lines[0].strip() if lines else ""


# --- the fake -----------------------------------------------------------------------------------


@dataclass
class RecordingPrinter:
    """Keeps every ticket in memory. Set `failure` to make the next prints fail with it, or
    `delay` to make them take that long (to stand in for a printer that hangs)."""

    jobs: list[bytes] = field(default_factory=list, repr=False)
    failure: str | None = None
    delay: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def print_bytes(self, data: bytes, timeout: float) -> None:
        if self.delay:
            time.sleep(self.delay)
        if self.failure is not None:
            raise PrinterError(self.failure)
        with self._lock:
            self.jobs.append(bytes(data))

    def check(self, timeout: float) -> PrinterHealth:
        if self.failure is not None:
            return PrinterHealth(False, self.failure)
        return PrinterHealth(True, "recording printer is ready")

    @property
    def last(self) -> bytes | None:
        return self.jobs[-1] if self.jobs else None


# --- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrinterSpec:
    """One kiosk's printer, as configured. Build it with `from_mapping` to get it validated."""

    kind: str
    paper: int = 80
    host: str | None = None
    port: int = DEFAULT_PORT
    vendor_id: int | None = None
    product_id: int | None = None
    device: str | None = None
    baudrate: int = DEFAULT_BAUDRATE
    queue: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    native_qr: bool = True
    profile: str | None = None
    # Network printers only: ask for paper status around each ticket (DLE EOT 4).
    status_query: bool = True

    @property
    def paper_width(self) -> PaperWidth:
        return PaperWidth.from_millimetres(self.paper)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], path: str) -> PrinterSpec:
        """Validate one printer entry; errors name the key, e.g. `kiosks[0].printer.port`."""
        if not isinstance(data, Mapping):
            raise PrinterConfigError(f"{path}: must be a mapping, got {_shown(data)}")
        unknown = sorted(str(key) for key in data if key not in _FIELDS)
        if unknown:
            raise PrinterConfigError(
                f"{path}.{unknown[0]}: unknown key; use one of {', '.join(_FIELDS)}"
            )
        if "kind" not in data:
            raise PrinterConfigError(f"{path}.kind: required; use one of {', '.join(KINDS)}")
        kind = data["kind"]
        if kind not in KINDS:
            raise PrinterConfigError(
                f"{path}.kind: unknown kind {_shown(kind)}; use one of {', '.join(KINDS)}"
            )
        values: dict[str, Any] = {"kind": kind}
        for key, parse in _PARSERS.items():
            if key in data and data[key] is not None:
                values[key] = parse(data[key], f"{path}.{key}")
        for key in _REQUIRED[kind]:
            if key not in values:
                raise PrinterConfigError(f"{path}.{key}: required for a {kind} printer")
        return cls(**values)


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"


def _integer(value: object, path: str, low: int, high: int, what: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not low <= number <= high:
        raise PrinterConfigError(f"{path}: must be {what}, got {_shown(value)}")
    return number


def _port(value: object, path: str) -> int:
    return _integer(value, path, 1, 65535, "an integer 1-65535")


def _baudrate(value: object, path: str) -> int:
    return _integer(value, path, 50, 4_000_000, "a baud rate such as 9600 or 115200")


def _paper(value: object, path: str) -> int:
    text = str(value).strip().lower().removesuffix("mm") if not isinstance(value, bool) else ""
    if text in ("80", "58"):
        return int(text)
    raise PrinterConfigError(f"{path}: must be 80 or 58 (mm), got {_shown(value)}")


def _usb_id(value: object, path: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip().lower()
        try:
            number = int(text, 16) if text.startswith("0x") else int(text, 10)
        except ValueError:
            number = None
    if number is None or not 0 <= number <= 0xFFFF:
        raise PrinterConfigError(
            f"{path}: must be a USB id as an integer or a hex string like '0x04b8', "
            f"got {_shown(value)}"
        )
    return number


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PrinterConfigError(f"{path}: must be a non-empty string, got {_shown(value)}")
    return value.strip()


def _timeout(value: object, path: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 300:
        return float(value)
    raise PrinterConfigError(f"{path}: must be a number of seconds above 0, got {_shown(value)}")


def _flag(value: object, path: str) -> bool:
    if isinstance(value, bool):
        return value
    raise PrinterConfigError(f"{path}: must be true or false, got {_shown(value)}")


def _profile(value: object, path: str) -> str:
    name = _text(value, path)
    if name not in known_profiles():
        raise PrinterConfigError(
            f"{path}: unknown printer profile {name!r}; use one of {', '.join(known_profiles())}"
        )
    return name


_PARSERS = {
    "paper": _paper,
    "host": _text,
    "port": _port,
    "vendor_id": _usb_id,
    "product_id": _usb_id,
    "device": _text,
    "baudrate": _baudrate,
    "queue": _text,
    "timeout_seconds": _timeout,
    "native_qr": _flag,
    "profile": _profile,
    "status_query": _flag,
}
_FIELDS = ("kind", *_PARSERS)
_REQUIRED: dict[str, tuple[str, ...]] = {
    "network": ("host",),
    "usb": ("vendor_id", "product_id"),
    "serial": ("device",),
    "file": ("device",),
    "cups": ("queue",),
    "dummy": (),
}


def build_printer(spec: PrinterSpec) -> TicketPrinter:
    """The printer `spec` describes. Opens nothing yet: devices connect on first use."""
    match spec.kind:
        case "network" if spec.host:
            return NetworkPrinter(spec.host, spec.port, status_query=spec.status_query)
        case "usb" if spec.vendor_id is not None and spec.product_id is not None:
            return UsbPrinter(spec.vendor_id, spec.product_id)
        case "serial" if spec.device:
            return SerialPrinter(spec.device, spec.baudrate)
        case "file" if spec.device:
            return FilePrinter(spec.device)
        case "cups" if spec.queue:
            return CupsPrinter(spec.queue)
        case "dummy":
            return RecordingPrinter()
    missing = ", ".join(_REQUIRED.get(spec.kind, ("kind",)))
    raise PrinterConfigError(f"a {spec.kind} printer needs {missing}")
