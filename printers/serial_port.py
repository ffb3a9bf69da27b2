"""A printer on a serial port (RS-232 or a USB serial adapter), through python-escpos, asked for
its paper status around each ticket as a network printer is (printers.status): a serial line
carries the printer's answers back, so a roll running low is seen at the kiosk before it ends.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from printers.base import (
    _PAPER_NEAR_END,
    DEFAULT_BAUDRATE,
    PAPER_STATUS_REQUEST,
    Label,
    PrinterError,
    PrinterHealth,
    _Busy,
    _held,
    failed,
    is_status_byte,
    not_taken,
    paper_health,
)
from printers.status import StatusQueries
from printers.words import both


class SerialPrinter(StatusQueries):
    """Opened on first use and kept open; a failed write closes it, so a replugged adapter
    recovers by itself on the next ticket."""

    def __init__(
        self, device: str, baudrate: int = DEFAULT_BAUDRATE, status_query: bool = True
    ) -> None:
        super().__init__(status_query)
        self.device = device
        self.baudrate = baudrate
        self._port: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"serial printer {self.device}"

    @property
    def label(self) -> Label:
        return (f"printer serial {self.device}", self.name)

    @property
    def _open_port(self) -> Label:
        return (f"port serial {self.device} terbuka", f"serial port {self.device} is open")

    def __repr__(self) -> str:
        return f"SerialPrinter({self.device}@{self.baudrate})"

    def print_bytes(self, data: bytes, timeout: float) -> str | None:
        with _held(self._lock, timeout, self.label):
            printer = self._open(timeout)

            def send() -> None:
                # pyserial's `timeout` is for reads only; writes block unless told otherwise.
                printer.device.write_timeout = timeout
                printer._raw(data)  # python-escpos' documented hook for raw bytes
                printer.device.flush()

            try:
                return self.guarded_send(
                    lambda by, _sent: self._paper_status(printer.device, by),
                    send,
                    len(data),
                    timeout,
                )
            except PrinterError:
                raise
            except Exception as error:  # SerialTimeoutException, SerialException, OSError
                self._close()
                if "timeout" in type(error).__name__.lower():
                    raise PrinterError(not_taken(self.label, timeout)) from None
                raise PrinterError(failed(self.label, error)) from None

    def check(self, timeout: float) -> PrinterHealth:
        deadline = time.monotonic() + timeout
        try:
            with _held(self._lock, timeout, self.label):
                printer = self._open(timeout)
                if not self.status_query:
                    return PrinterHealth(True, both(*self._open_port))
                try:
                    status = self._paper_status(printer.device, deadline)
                except Exception as error:  # the adapter vanished under the request
                    self._close()
                    return PrinterHealth(False, failed(self.label, error), reachable=False)
        except _Busy as error:
            return PrinterHealth(False, str(error))
        except PrinterError as error:
            return PrinterHealth(False, str(error), reachable=False)
        self.heard(status, time.monotonic())
        return paper_health(status, self.label, timeout, self._open_port)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _paper_status(self, port: Any, deadline: float) -> int | None:
        """The DLE EOT 4 status byte, or None when none came by `deadline`."""
        port.reset_input_buffer()  # an answer that came too late for an earlier request
        port.write(PAPER_STATUS_REQUEST)
        port.flush()
        while (left := deadline - time.monotonic()) > 0:
            port.timeout = left
            reply = port.read(1)
            if not reply:
                return None
            if is_status_byte(reply[0]):
                self.paper_low = bool(reply[0] & _PAPER_NEAR_END)
                return reply[0]
        return None

    def _open(self, timeout: float) -> Any:
        if self._port is not None:
            return self._port
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Serial

        if not Serial.is_usable():
            raise PrinterError(
                both(
                    f"{self.label[0]}: perlu paket pyserial",
                    f"{self.name}: needs the pyserial package",
                )
            )
        printer = Serial(self.device, baudrate=self.baudrate, timeout=timeout)
        try:
            printer.open()
        except DeviceNotFoundError:
            raise PrinterError(
                both(
                    f"port serial {self.device} tidak dapat dibuka",
                    f"serial port {self.device} cannot be opened",
                )
            ) from None
        self._port = printer
        return printer

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            # A port that vanished cannot be flushed; dropping the handle is enough.
            with contextlib.suppress(Exception):
                port.close()
