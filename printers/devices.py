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
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from printers.base import (
    Label,
    PrinterConfigError,
    PrinterError,
    PrinterHealth,
    TicketPrinter,
    _Busy,
    _held,
    failed,
    not_taken,
)
from printers.network import NetworkPrinter
from printers.serial_port import SerialPrinter
from printers.spec import _REQUIRED, PrinterSpec
from printers.words import both, seconds

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


# --- USB (through python-escpos) -------------------------------------------------------------


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

    @property
    def label(self) -> Label:
        return (f"printer USB {self.vendor_id:04x}:{self.product_id:04x}", self.name)

    def __repr__(self) -> str:
        return f"UsbPrinter({self.vendor_id:04x}:{self.product_id:04x})"

    def print_bytes(self, data: bytes, timeout: float) -> None:
        with _held(self._lock, timeout, self.label):
            device = self._open(timeout)
            try:
                device.timeout = max(int(timeout * 1000), 1)  # pyusb counts milliseconds
                device._raw(data)  # python-escpos' documented hook for raw bytes
            except Exception as error:  # pyusb raises USBError / USBTimeoutError subclasses
                self._close()
                if "timeout" in type(error).__name__.lower() or "timed out" in str(error):
                    raise PrinterError(not_taken(self.label, timeout)) from None
                raise PrinterError(failed(self.label, error)) from None

    def check(self, timeout: float) -> PrinterHealth:
        try:
            with _held(self._lock, timeout, self.label):
                self._open(timeout)
        except _Busy as error:
            return PrinterHealth(False, str(error))
        except PrinterError as error:
            return PrinterHealth(False, str(error), reachable=False)
        return PrinterHealth(True, both(f"{self.label[0]} tersambung", f"{self.name} is connected"))

    def close(self) -> None:
        with self._lock:
            self._close()

    def _open(self, timeout: float) -> Any:
        if self._device is not None:
            return self._device
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise PrinterError(
                both(
                    f"{self.label[0]}: mencetak lewat USB perlu paket pyusb",
                    f"{self.name}: USB printing needs the pyusb package",
                )
            )
        device = Usb(self.vendor_id, self.product_id, timeout=max(int(timeout * 1000), 1))
        try:
            device.open()
        except DeviceNotFoundError:
            raise PrinterError(
                both(
                    f"{self.label[0]} tidak tersambung atau tidak dapat diakses",
                    f"{self.name} is not connected or not accessible",
                )
            ) from None
        self._device = device
        return device

    def _close(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            # A vanished device cannot be released; dropping the handle is enough.
            with contextlib.suppress(Exception):
                device.close()


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
                both(
                    f"perangkat printer {self.path} tidak ada (apakah printer sudah dicolok?)",
                    f"printer device {self.path} does not exist (is the printer plugged in?)",
                )
            ) from None
        except PermissionError:
            raise PrinterError(self._no_permission) from None
        except OSError as error:
            reason = error.strerror or error
            raise PrinterError(
                both(
                    f"menulis ke perangkat printer {self.path} gagal: {reason}",
                    f"writing to printer device {self.path} failed: {reason}",
                )
            ) from None

    @property
    def _no_permission(self) -> str:
        return both(
            f"tidak ada izin menulis ke perangkat printer {self.path}",
            f"no permission to write to printer device {self.path}",
        )

    def check(self, timeout: float) -> PrinterHealth:
        if os.path.exists(self.path):
            if os.access(self.path, os.W_OK):
                return PrinterHealth(
                    True,
                    both(
                        f"perangkat printer {self.path} dapat ditulisi",
                        f"printer device {self.path} is writable",
                    ),
                )
            return PrinterHealth(False, self._no_permission)
        parent = os.path.dirname(os.path.abspath(self.path))
        if not self.path.startswith("/dev/") and os.access(parent, os.W_OK):
            return PrinterHealth(
                True,
                both(
                    f"{self.path} akan dibuat pada tiket pertama",
                    f"{self.path} will be created on the first ticket",
                ),
            )
        return PrinterHealth(
            False,
            both(
                f"perangkat printer {self.path} tidak ada",
                f"printer device {self.path} does not exist",
            ),
            reachable=False,
        )


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
            raise PrinterError(
                both(
                    f"antrean CUPS {self.queue!r} menolak tiket: {reason}",
                    f"CUPS queue {self.queue!r} rejected the ticket: {reason}",
                )
            )

    def check(self, timeout: float) -> PrinterHealth:
        try:
            result = self._run(["lpstat", "-p", self.queue], b"", timeout)
        except PrinterError as error:
            return PrinterHealth(False, str(error), reachable=False)
        state = _first_line(result.stdout)
        if result.returncode != 0:
            reason = _first_line(result.stderr) or f"lpstat exited with {result.returncode}"
            return PrinterHealth(
                False,
                both(
                    f"antrean CUPS {self.queue!r}: {reason}", f"CUPS queue {self.queue!r}: {reason}"
                ),
                reachable=False,
            )
        if "disabled" in state:
            return PrinterHealth(
                False,
                both(
                    f"antrean CUPS {self.queue!r} dinonaktifkan: {state}",
                    f"CUPS queue {self.queue!r} is disabled: {state}",
                ),
            )
        return PrinterHealth(
            True,
            state
            or both(f"antrean CUPS {self.queue!r} siap", f"CUPS queue {self.queue!r} is ready"),
        )

    def _run(
        self, command: list[str], data: bytes, timeout: float
    ) -> subprocess.CompletedProcess[bytes]:
        if shutil.which(command[0]) is None:
            raise PrinterError(
                both(
                    f"perintah {command[0]} tidak ada; pasang klien CUPS",
                    f"the {command[0]} command is missing; install the CUPS client",
                )
            )
        try:
            return subprocess.run(command, input=data, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PrinterError(
                both(
                    f"CUPS tidak menjawab dalam {seconds(timeout)} (antrean {self.queue!r})",
                    f"CUPS did not answer within {seconds(timeout)} (queue {self.queue!r})",
                )
            ) from None


def _first_line(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return lines[0].strip() if lines else ""


# --- the fake -----------------------------------------------------------------------------------


@dataclass
class RecordingPrinter:
    """Keeps the latest `KEEP` tickets in memory (a `dummy` kiosk printer runs as long as the
    server: all of them would grow without end). Set `failure` to make the next prints fail
    with it, `delay` to make them take that long (to stand in for a printer that hangs), or
    `paper_low` to stand in for a roll whose near-end sensor is on."""

    KEEP: ClassVar[int] = 500

    jobs: list[bytes] = field(default_factory=list, repr=False)
    failure: str | None = None
    delay: float = 0.0
    paper_low: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def print_bytes(self, data: bytes, timeout: float) -> None:
        if self.delay:
            time.sleep(self.delay)
        if self.failure is not None:
            raise PrinterError(self.failure)
        with self._lock:
            self.jobs.append(bytes(data))
            del self.jobs[: -self.KEEP]

    def check(self, timeout: float) -> PrinterHealth:
        if self.failure is not None:
            return PrinterHealth(False, self.failure)
        if self.paper_low:
            return PrinterHealth(
                True,
                both(
                    "printer perekam siap; kertas hampir habis",
                    "recording printer is ready; paper is running low",
                ),
                paper_low=True,
            )
        return PrinterHealth(True, both("printer perekam siap", "recording printer is ready"))

    @property
    def last(self) -> bytes | None:
        return self.jobs[-1] if self.jobs else None


def build_printer(spec: PrinterSpec) -> TicketPrinter:
    """The printer `spec` describes. Opens nothing yet: devices connect on first use."""
    match spec.kind:
        case "network" if spec.host:
            return NetworkPrinter(spec.host, spec.port, status_query=spec.status_query)
        case "usb" if spec.vendor_id is not None and spec.product_id is not None:
            return UsbPrinter(spec.vendor_id, spec.product_id)
        case "serial" if spec.device:
            return SerialPrinter(spec.device, spec.baudrate, status_query=spec.status_query)
        case "file" if spec.device:
            return FilePrinter(spec.device)
        case "cups" if spec.queue:
            return CupsPrinter(spec.queue)
        case "dummy":
            return RecordingPrinter()
    missing = ", ".join(_REQUIRED.get(spec.kind, ("kind",)))
    raise PrinterConfigError(f"a {spec.kind} printer needs {missing}")
