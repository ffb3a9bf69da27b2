"""A kiosk's printer as configured: `PrinterSpec.from_mapping` validates the entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from printers.base import (
    DEFAULT_BAUDRATE,
    DEFAULT_PORT,
    DEFAULT_TIMEOUT_SECONDS,
    KINDS,
    PrinterConfigError,
)
from printers.layout import PaperWidth, known_profiles

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
    # Network and serial printers: ask for paper status around each ticket (DLE EOT 4).
    status_query: bool = True

    @property
    def device_key(self) -> str | None:
        """Which printer this is, so that kiosks configured with the same one share what is
        known of it (`network:host:port`, `usb:vid:pid`, the device path, the CUPS queue);
        None for a `dummy`, which is each kiosk's own."""
        match self.kind:
            case "network":
                return f"network:{(self.host or '').lower()}:{self.port}"
            case "usb":
                return f"usb:{self.vendor_id or 0:04x}:{self.product_id or 0:04x}"
            case "serial" | "file":  # one device node, however it is written to
                return f"device:{self.device}"
            case "cups":
                return f"cups:{self.queue}"
        return None

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
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
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
