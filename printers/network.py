"""A network printer: ESC/POS bytes over TCP (port 9100), with a paper-status request first."""

from __future__ import annotations

import socket
import time

from printers.base import (
    _PAPER_NEAR_END,
    _PAPER_NOT_PRESENT,
    _STATUS_FIXED_BITS,
    _STATUS_FIXED_MASK,
    DEFAULT_PORT,
    PAPER_STATUS_REQUEST,
    STATUS_REPLY_SECONDS,
    PrinterError,
    PrinterHealth,
    _seconds,
)

# A printer that left the status request unanswered is asked again after this long: it may
# have been stalled only for a while, and without the answer a closed connection, a reset or
# an empty paper roll after the ticket's bytes went out cannot be told from a printed ticket.
ASK_SILENT_AGAIN_SECONDS = 60.0

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
    do not ask again (and so do not wait) until a health check hears an answer or
    `ASK_SILENT_AGAIN_SECONDS` have passed.
    """

    def __init__(self, host: str, port: int = DEFAULT_PORT, status_query: bool = True) -> None:
        self.host = host
        self.port = port
        self.status_query = status_query
        # Set when a status request went unanswered; cleared when one is answered.
        self.silent = False
        self._silent_since = 0.0
        # What the last status byte said of the roll's near-end sensor (None: none heard
        # yet). A ticket reads it too, so a roll running low is known without a health check.
        self.paper_low: bool | None = None

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
            if self.silent and started - self._silent_since < ASK_SILENT_AGAIN_SECONDS:
                self._send(connection, data, deadline, timeout)
                return (
                    f"ticket sent to printer {self.address} ({len(data)} bytes) without asking "
                    "its paper status, which it left unanswered before: printer state unknown"
                )
            wait = min(STATUS_REPLY_SECONDS, timeout / 2)
            status = self._paper_status(connection, started + wait, sent=None)
            if status is None:
                self.silent, self._silent_since = True, started
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
            self.silent = False
            if status & _PAPER_NOT_PRESENT == _PAPER_NOT_PRESENT:
                raise PrinterError(f"printer {self.address} is out of paper")
            self._send(connection, data, deadline, timeout)
            after = self._paper_status(connection, deadline, sent=len(data))
            if after is None:
                return (
                    f"printer {self.address} took the ticket ({len(data)} bytes) but did not "
                    f"confirm it within {_seconds(timeout)}: printer state unknown"
                )
            if after & _PAPER_NOT_PRESENT == _PAPER_NOT_PRESENT:
                # The roll ended under this ticket: a slip torn off half-way, or none at all.
                raise PrinterError(f"printer {self.address} ran out of paper during the ticket")
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
            self.silent, self._silent_since = True, time.monotonic()
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
            return PrinterHealth(
                True, f"printer {self.address} is ready; paper is running low", paper_low=True
            )
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
                    self.paper_low = bool(reply[0] & _PAPER_NEAR_END)
                    return reply[0]
        except TimeoutError:
            return None
        except OSError:
            raise PrinterError(dropped) from None


class _NotConnected(PrinterError):
    """No TCP connection could be made: nothing at that address took the call."""
