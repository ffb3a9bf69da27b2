"""How a ticket came: the one label every surface shows (counter terminal, display, phone).

Tickets carry their channel from issuing: ``kiosk`` (the hall's anjungan), ``officer`` (taken
for a visitor at a counter), ``online`` (a number from home). Tickets taken in the hall (kiosk,
officer) are the ordinary case and get no badge; the others do, so an officer knows the
visitor came from home (and may need a moment to reach the counter). A booked visitor's badge
will also carry the slot.
"""

from __future__ import annotations

from typing import Any

KIOSK = "kiosk"
ONLINE = "online"
IN_THE_HALL = frozenset({KIOSK, "officer"})

# Indonesian first, English second, as every surface shows them.
LABELS: dict[str, tuple[str, str]] = {
    ONLINE: ("Dari rumah", "From home"),
    "booking": ("Booking", "Booking"),
}


def channel_badge(channel: str | None, slot: str | None = None) -> dict[str, Any] | None:
    """``{"code", "label", "label_en", "slot"}`` for a badge, or None for a hall ticket."""
    if not channel or channel in IN_THE_HALL:
        return None
    label, label_en = LABELS.get(channel, (channel, channel))
    return {"code": channel, "label": label, "label_en": label_en, "slot": slot}
