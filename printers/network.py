"""A network printer: ESC/POS bytes over TCP (port 9100), with a paper-status request first."""

from __future__ import annotations

import socket
import time

from printers.base import (
    _PAPER_NEAR_END,
    DEFAULT_PORT,
    PAPER_STATUS_REQUEST,
    Label,
    PrinterError,
    PrinterHealth,
    is_status_byte,
    paper_health,
)
from printers.status import StatusQueries
from printers.words import both, seconds

# --- network ----------------------------------------------------------------------------------


class NetworkPrinter(StatusQueries):
    """A printer on raw TCP (port 9100, "JetDirect").

    A plain socket rather than escpos.printer.Network: each send gets the time left before the
    deadline, and the count of bytes handed over tells a dropped connection from a slow one.
    With `status_query` the printer is asked for its paper status before and after the ticket;
    the answer after it confirms the connection outlived the ticket, which `send` alone cannot
    (the kernel accepts bytes long before the printer has read them).

    Silent printers: printers.status.
    """

    def __init__(self, host: str, port: int = DEFAULT_PORT, status_query: bool = True) -> None:
        super().__init__(status_query)
        self.host = host
        self.port = port

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def name(self) -> str:
        return f"printer {self.address}"

    @property
    def label(self) -> Label:
        return (self.name, self.name)  # "printer" is the Indonesian word as well

    @property
    def _accepts(self) -> Label:
        return (
            f"printer {self.address} menerima sambungan",
            f"printer {self.address} accepts connections",
        )

    def __repr__(self) -> str:
        return f"NetworkPrinter({self.address})"

    def print_bytes(self, data: bytes, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        with self._connect(timeout) as connection:
            return self.guarded_send(
                lambda by, sent: self._paper_status(connection, by, sent),
                lambda: self._send(connection, data, deadline, timeout),
                len(data),
                timeout,
            )

    def check(self, timeout: float) -> PrinterHealth:
        deadline = time.monotonic() + timeout
        try:
            with self._connect(timeout) as connection:
                if not self.status_query:
                    return PrinterHealth(True, both(*self._accepts))
                status = self._paper_status(connection, deadline, sent=None)
        except _NotConnected as error:
            return PrinterHealth(False, str(error), reachable=False)
        except PrinterError as error:
            return PrinterHealth(False, str(error))
        self.heard(status, time.monotonic())
        return paper_health(status, self.label, timeout, self._accepts)

    def _connect(self, timeout: float) -> socket.socket:
        try:
            return socket.create_connection((self.host, self.port), timeout=timeout)
        except ConnectionRefusedError:
            raise _NotConnected(
                both(
                    f"printer {self.address} menolak sambungan",
                    f"printer {self.address} refused the connection",
                )
            ) from None
        except TimeoutError:
            raise _NotConnected(
                both(
                    f"printer {self.address} tidak menerima sambungan dalam {seconds(timeout)}",
                    f"printer {self.address} did not accept a connection within {seconds(timeout)}",
                )
            ) from None
        except OSError as error:
            reason = error.strerror or str(error)
            raise _NotConnected(
                both(
                    f"printer {self.address} tidak dapat dihubungi: {reason}",
                    f"cannot reach printer {self.address}: {reason}",
                )
            ) from None

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
                    both(
                        f"printer {self.address} tidak menerima tiket dalam {seconds(timeout)} "
                        f"({sent} dari {len(data)} byte terkirim)",
                        f"printer {self.address} did not take the ticket within "
                        f"{seconds(timeout)} ({sent} of {len(data)} bytes sent)",
                    )
                ) from None
            except OSError:
                raise PrinterError(
                    both(
                        f"sambungan ke printer {self.address} terputus setelah {sent} dari "
                        f"{len(data)} byte",
                        f"connection to printer {self.address} dropped after {sent} of "
                        f"{len(data)} bytes",
                    )
                ) from None

    def _paper_status(
        self, connection: socket.socket, deadline: float, sent: int | None
    ) -> int | None:
        """The DLE EOT 4 status byte, or None when none came by `deadline`. `sent` is the
        ticket's size once it has gone out. Raises `PrinterError` when the connection drops."""
        dropped = (
            both(
                f"sambungan ke printer {self.address} terputus",
                f"connection to printer {self.address} dropped",
            )
            if sent is None
            else both(
                f"sambungan ke printer {self.address} terputus sebelum printer mengonfirmasi "
                f"tiket ({sent} byte terkirim)",
                f"connection to printer {self.address} dropped before the printer confirmed "
                f"the ticket ({sent} bytes sent)",
            )
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
                if is_status_byte(reply[0]):
                    self.paper_low = bool(reply[0] & _PAPER_NEAR_END)
                    return reply[0]
        except TimeoutError:
            return None
        except OSError:
            raise PrinterError(dropped) from None


class _NotConnected(PrinterError):
    """No TCP connection could be made: nothing at that address took the call."""
