"""Kiosks, displays and survey tablets: registered with a token, listed, revoked (part of
`Accounts`). A survey tablet stands at one counter and shows the satisfaction survey after that
counter finishes a ticket."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from core.credentials import DEVICE_KINDS, NAME_PATTERN, token_hash
from core.store import devices
from core.tickets import InvalidRequest, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from core.config import Settings
    from core.store import UnitOfWork


class DeviceRegistry:
    """The device half of `Accounts` (core/accounts.py), kept apart so each reads as one idea."""

    settings: Settings
    uow: UnitOfWork
    clock: Callable[[], datetime]
    _forget: Callable[[Callable[[Any], bool]], None]

    # ------------------------------------------------------------------ devices
    def add_device(
        self,
        name: str,
        kind: str,
        zone: str | None = None,
        kiosk: str | None = None,
        counter: int | None = None,
    ) -> str:
        """Register a kiosk or display and return its token (shown once, stored hashed)."""
        if not NAME_PATTERN.match(name):
            raise InvalidRequest(
                f"Nama perangkat {name!r} harus 2-64 huruf kecil, angka, '.', '_' atau '-'. / "
                f"Device name {name!r} must be 2-64 lowercase letters, digits, '.', '_' or '-'."
            )
        if kind not in DEVICE_KINDS:
            raise InvalidRequest(
                f"Jenis perangkat harus salah satu dari {', '.join(DEVICE_KINDS)}. / "
                f"Device kind must be one of {', '.join(DEVICE_KINDS)}."
            )
        if kind == "display":
            zone = zone or self.settings.zones[0].code
            try:
                self.settings.zone(zone)
            except KeyError:
                known = ", ".join(z.code for z in self.settings.zones)
                raise InvalidRequest(
                    f"Zona {zone!r} tidak dikenal; zona yang ada: {known}. / "
                    f"Unknown zone {zone!r}; known zones: {known}."
                ) from None
        if kind == "kiosk":
            kiosk = kiosk or self.settings.kiosks[0].code if self.settings.kiosks else kiosk
            try:
                self.settings.kiosk(kiosk)  # type: ignore[arg-type]
            except KeyError:
                known = ", ".join(k.code for k in self.settings.kiosks)
                raise InvalidRequest(
                    f"Anjungan {kiosk!r} tidak dikenal; anjungan yang ada: {known}. / "
                    f"Unknown kiosk {kiosk!r}; known kiosks: {known}."
                ) from None
        if kind == "survey":
            numbers = [c.number for c in self.settings.counters]
            if counter not in numbers:
                raise InvalidRequest(
                    "Tablet survei ditempatkan di loket: --counter harus salah satu dari "
                    f"{', '.join(map(str, numbers))}, bukan {counter!r}. / "
                    f"A survey tablet stands at a counter: --counter must be one of "
                    f"{', '.join(map(str, numbers))}, got {counter!r}."
                )
        token = secrets.token_urlsafe(32)
        with self.uow.writing() as conn:
            if conn.execute(select(devices.c.id).where(devices.c.name == name)).first():
                raise InvalidRequest(
                    f"Perangkat {name!r} sudah ada. / A device named {name!r} already exists."
                )
            conn.execute(
                insert(devices).values(
                    name=name,
                    kind=kind,
                    zone=zone if kind == "display" else None,
                    kiosk=kiosk if kind == "kiosk" else None,
                    counter=counter if kind == "survey" else None,
                    token_hash=token_hash(token),
                    active=True,
                    created_at=self.clock(),
                )
            )
        return token

    def list_devices(self) -> list[dict[str, Any]]:
        with self.uow.reading() as conn:
            return [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "zone": r.zone,
                    "kiosk": r.kiosk,
                    "counter": r.counter,
                    "active": r.active,
                    "created_at": r.created_at,
                }
                for r in conn.execute(select(devices).order_by(devices.c.name))
            ]

    def revoke_device(self, name: str) -> None:
        """Revoke a device's token for good: it is refused at once in this process and within
        `TOKEN_CACHE_SECONDS` elsewhere; the server cuts its live connections (`valid_tokens`)."""
        with self.uow.writing() as conn:
            done = conn.execute(
                update(devices).where(devices.c.name == name).values(active=False)
            ).rowcount
        if not done:
            raise NotFound(f"Tidak ada perangkat bernama {name!r}. / No device named {name!r}.")
        self._forget(lambda actor: actor.kind in DEVICE_KINDS and actor.name == name)
