"""A visitor books a slot, looks at the booking, cancels or moves it.

The story of a booking: check the service, the day and the slot against the calendar
(core/booking/slots.py) and the NIK's structure (core/booking/nik.py); then, in one
transaction, claim a place in the slot (and one of the day's online quota) by a conditional
UPDATE, and insert the booking with the NIK's keyed hash. A full slot answers 409 without
leaving anything behind; the unique constraint on the active NIK hash refuses a second
active booking of the same person for the same service and day, however the requests race.

Bookings are not tickets: they bump no version and publish nothing (nobody watches a slot
live). The check-in that turns a booking into a ticket is core/usecases/check_in.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, func, select, update
from sqlalchemy.exc import IntegrityError

from core.booking import codes, nik, slots
from core.booking.slots import BookingRefused, Slot
from core.context import DEFAULT_LANGUAGE, LANGUAGES, MallContext
from core.store import insert_if_absent
from core.store_bookings import booking_slots, bookings
from core.tickets import DomainError, InvalidRequest, NotFound
from core.usecases.unit import changing

DAY_TOTAL = "*"  # the booking_slots row that counts a day's bookings (online quota)
# Refusals that ask the visitor to fix the request (400); the others are the state (409).
BAD_INPUT = {"invalid_request", "invalid_nik", "unknown_slot", "date_in_past", "date_too_far"}


class BookingConflict(DomainError):
    """The booking cannot be made or changed in the current state (a full slot, a closed
    day, a cancelled booking...); `code` says which."""

    code = "booking_conflict"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def refusal(exc: BookingRefused) -> DomainError:
    """The domain's refusal as the error the API answers: 400 for bad input, else 409."""
    if exc.code in BAD_INPUT:
        error = InvalidRequest(exc.message)
        error.code = exc.code
        return error
    return BookingConflict(exc.code, exc.message)


def known_service(ctx: MallContext, code: object) -> str:
    if not isinstance(code, str) or not code:
        raise InvalidRequest(
            "Layanan harus diisi dengan kode layanan, mis. \"KTP\". / 'service' must be a "
            'service code, e.g. "KTP".'
        )
    try:
        return ctx.settings.service(code).code
    except KeyError:
        raise NotFound(
            f"Layanan {code[:40]!r} tidak dikenal; pilih layanan dari daftar "
            f"(GET /api/v1/services). / Unknown 'service' {code[:40]!r}; GET /api/v1/services "
            "lists them."
        ) from None


def checked_slot(
    ctx: MallContext, service: str, raw_day: object, raw_slot: object
) -> tuple[date, Slot]:
    """The day and slot asked for, if they can be booked now; else the refusal."""
    try:
        slots.rules(ctx.settings, service)
        day = slots.parse_day(raw_day)
        slots.check_day(ctx.settings, service, day, ctx.now())
        slot = slots.find_slot(ctx.settings, service, day, raw_slot)
        slots.check_slot(ctx.settings, service, day, slot, ctx.now())
    except BookingRefused as exc:
        raise refusal(exc) from None
    return day, slot


def _claim_place(
    conn: Connection, mall: str, service: str, day: str, slot: str, limit: int
) -> bool:
    """Take one place of `slot` (or of the day's quota) if fewer than `limit` are taken."""
    key = {"mall": mall, "service": service, "day": day, "slot": slot}
    insert_if_absent(conn, booking_slots, {**key, "booked": 0})
    taken = conn.execute(
        update(booking_slots)
        .where(*(booking_slots.c[k] == v for k, v in key.items()), booking_slots.c.booked < limit)
        .values(booked=booking_slots.c.booked + 1)
    )
    return taken.rowcount == 1


def _release_place(conn: Connection, mall: str, service: str, day: str, slot: str) -> None:
    key = {"mall": mall, "service": service, "day": day, "slot": slot}
    conn.execute(
        update(booking_slots)
        .where(*(booking_slots.c[k] == v for k, v in key.items()), booking_slots.c.booked > 0)
        .values(booked=booking_slots.c.booked - 1)
    )


def _take_places(ctx: MallContext, conn: Connection, service: str, day: date, slot: Slot) -> None:
    rules = slots.rules(ctx.settings, service)
    when = f"{slot.label} on {day.isoformat()}"
    if not _claim_place(
        conn, ctx.mall, service, day.isoformat(), slot.label, rules.capacity_per_slot
    ):
        raise BookingConflict(
            "slot_full",
            f"Jam {slot.label} pada {day.isoformat()} sudah penuh; pilih jam lain. / 'slot' "
            f"{when} is full; choose another slot.",
        )
    if rules.online_quota is not None and not _claim_place(
        conn, ctx.mall, service, day.isoformat(), DAY_TOTAL, rules.online_quota
    ):
        raise BookingConflict(
            "quota_full",
            f"Tanggal {day.isoformat()}: {rules.online_quota} tempat booking {service} sudah "
            f"habis; pilih hari lain. / 'date' {day.isoformat()}: the {rules.online_quota} "
            f"online places of {service} are all booked; choose another day.",
        )


def _give_back(ctx: MallContext, conn: Connection, service: str, day: str, slot: str) -> None:
    _release_place(conn, ctx.mall, service, day, slot)
    if slots.kept_rules(ctx.settings, service).online_quota is not None:
        _release_place(conn, ctx.mall, service, day, DAY_TOTAL)


def _active_elsewhere(
    conn: Connection, mall: str, service: str, day: str, hashes: list[str]
) -> bool:
    """Whether the NIK (its hash under the secret and each one it replaced) already holds an
    active booking: the unique constraint sees only hashes under the same secret."""
    query = select(func.count()).where(
        bookings.c.mall == mall,
        bookings.c.service == service,
        bookings.c.day == day,
        bookings.c.active_nik.in_(hashes),
    )
    return bool(conn.execute(query).scalar_one())


def _rehash(conn: Connection, mall: str, hashes: list[str]) -> None:
    """Move the NIK's bookings kept under a secret it replaced (`hashes[1:]`) to its hash
    under the secret (`hashes[0]`). A reschedule knows only its booking's hash, not the NIK,
    and compares it with the other bookings' as they are stored: an old booking moved onto
    the day of one made after the change would otherwise be a second booking that day. Any
    NIK with bookings under two secrets gave itself under the new one, here, so none is
    left behind."""
    current, previous = hashes[0], hashes[1:]
    conn.execute(
        update(bookings)
        .where(bookings.c.mall == mall, bookings.c.nik_hash.in_(previous))
        .values(
            nik_hash=current,
            active_nik=case((bookings.c.active_nik.is_(None), None), else_=current),
        )
    )


def _already_booked(service: str, day: str) -> BookingConflict:
    return BookingConflict(
        "already_booked",
        f"NIK ini sudah punya booking {service} pada {day}; satu booking per orang per layanan "
        "per hari (batalkan atau ubah jadwal yang itu). / 'nik' already has an active booking "
        f"for {service} on {day}; one per person per service and day (cancel or reschedule "
        "that one).",
    )


def book(
    ctx: MallContext,
    secret: str | bytes,
    service_code: object,
    raw_day: object,
    raw_slot: object,
    raw_nik: object,
    language: object = DEFAULT_LANGUAGE,
    answer: Callable[[Connection, str], Any] | None = None,
) -> str:
    """Book a place; the new booking's code. `answer` renders the new booking (in the same
    transaction) as the request's answer, kept on its Idempotency-Key: a phone that sends
    again after a lost reply gets its booking's code, never "already booked"."""
    service = known_service(ctx, service_code)
    if language not in LANGUAGES:
        raise InvalidRequest(
            f"'language' harus salah satu dari {', '.join(LANGUAGES)}. / "
            f"'language' must be one of {', '.join(LANGUAGES)}."
        )
    try:
        number = nik.validate(raw_nik)
    except nik.InvalidNik as exc:
        error = InvalidRequest(str(exc))
        error.code = "invalid_nik"
        raise error from None
    day, slot = checked_slot(ctx, service, raw_day, raw_slot)
    hashed = nik.keyed_hash(number, secret)
    hashes = [hashed, *(nik.keyed_hash(number, old) for old in ctx.settings.previous_secret_keys)]
    for _ in range(3):  # a code collision (one in 10^11) is tried again with a new code
        code = codes.new_code()
        try:
            with changing(ctx) as change:
                conn = change.conn
                if _active_elsewhere(conn, ctx.mall, service, day.isoformat(), hashes):
                    raise _already_booked(service, day.isoformat())
                _take_places(ctx, conn, service, day, slot)
                if len(hashes) > 1:
                    _rehash(conn, ctx.mall, hashes)
                now = ctx.now()
                conn.execute(
                    bookings.insert().values(
                        code=code,
                        mall=ctx.mall,
                        service=service,
                        day=day.isoformat(),
                        slot=slot.label,
                        status="booked",
                        nik_hash=hashed,
                        active_nik=hashed,
                        language=language,
                        created_at=now,
                        updated_at=now,
                    )
                )
                if answer is not None:
                    change.answered(answer(conn, code), status=201)
            return code
        except IntegrityError as exc:  # a racing request of the same NIK won (PostgreSQL)
            if "active_nik" in str(exc.orig):
                raise _already_booked(service, day.isoformat()) from None
    raise BookingConflict(
        "try_again",
        "Kode booking belum didapat; silakan coba lagi. / No free booking code was found; "
        "please try again.",
    )


def load_row(conn: Connection, mall: str, raw_code: object, *, for_update: bool = False) -> Any:
    code = codes.normalize(raw_code)
    if code is None:
        raise NotFound(
            "Kode booking tidak dikenal; periksa 8 karakter pada booking Anda. / Unknown booking "
            "code; check the 8 characters on your booking."
        )
    query = select(bookings).where(bookings.c.mall == mall, bookings.c.code == code)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(
            f"Kode booking {codes.grouped(code)} tidak dikenal. / Unknown booking code "
            f"{codes.grouped(code)}."
        )
    return row


def ensure_active(row: Any, today: date | None = None) -> None:
    """Refuse a booking that can no longer change: cancelled, used, or its day is past."""
    if row.status == "booked" and today is not None and row.day < today.isoformat():
        raise BookingConflict(
            "booking_expired",
            f"Booking {row.code} untuk {row.day}, yang sudah lewat. / Booking {row.code} was for "
            f"{row.day}, which is past.",
        )
    if row.status == "cancelled":
        raise BookingConflict(
            "booking_cancelled",
            f"Booking {row.code} sudah dibatalkan. / Booking {row.code} was cancelled.",
        )
    if row.status == "checked_in":
        raise BookingConflict(
            "booking_used",
            f"Booking {row.code} sudah dipakai untuk mengambil nomor. / Booking {row.code} was "
            "already used to take a ticket.",
        )


def cancel(ctx: MallContext, raw_code: object) -> str:
    """Cancel a booking; cancelling it again answers as the first time did. A phone whose
    reply was lost sends it again, and was told "cancelled" as a refusal of what it asked."""
    with changing(ctx) as change:
        row = load_row(change.conn, ctx.mall, raw_code, for_update=True)
        if row.status == "cancelled":
            return row.code  # nothing changes: no event, no place given back twice
        ensure_active(row, ctx.today())
        _give_back(ctx, change.conn, row.service, row.day, row.slot)
        change.conn.execute(
            update(bookings)
            .where(bookings.c.id == row.id)
            .values(
                status="cancelled",
                active_nik=None,
                updated_at=ctx.now(),
                sequence=bookings.c.sequence + 1,  # the calendar's event is revised
            )
        )
        return row.code


def reschedule(ctx: MallContext, raw_code: object, raw_day: object, raw_slot: object) -> str:
    with ctx.uow.reading() as conn:
        service = load_row(conn, ctx.mall, raw_code).service
    day, slot = checked_slot(ctx, service, raw_day, raw_slot)
    try:
        with changing(ctx) as change:
            conn = change.conn
            row = load_row(conn, ctx.mall, raw_code, for_update=True)
            ensure_active(row, ctx.today())
            if (row.day, row.slot) == (day.isoformat(), slot.label):
                return row.code  # already there: nothing to move
            if row.day != day.isoformat() and _active_elsewhere(
                conn, ctx.mall, service, day.isoformat(), [row.active_nik]
            ):
                raise _already_booked(service, day.isoformat())
            # Give the old place back first: a move within the day keeps its place of the
            # day's online quota, so a day whose quota is used up must not refuse it. A
            # refusal rolls the whole transaction back, the old place with it.
            _give_back(ctx, conn, service, row.day, row.slot)
            _take_places(ctx, conn, service, day, slot)
            conn.execute(
                update(bookings)
                .where(bookings.c.id == row.id)
                .values(
                    day=day.isoformat(),
                    slot=slot.label,
                    updated_at=ctx.now(),
                    sequence=bookings.c.sequence + 1,  # the calendar's event is revised
                )
            )
            return row.code
    except IntegrityError as exc:
        if "active_nik" in str(exc.orig):
            raise _already_booked(service, day.isoformat()) from None
        raise


def forget_identities(ctx: MallContext) -> int:
    """Delete the NIK hash of bookings whose day is more than `retention_days` past: the
    personal data of a booking is kept no longer than the rule needs it."""
    from datetime import timedelta

    limit = ctx.today() - timedelta(days=ctx.settings.bookings.retention_days)
    with ctx.uow.writing() as conn:
        done = conn.execute(
            update(bookings)
            .where(
                bookings.c.mall == ctx.mall,
                bookings.c.day < limit.isoformat(),
                bookings.c.nik_hash.is_not(None),
            )
            .values(nik_hash=None, active_nik=None)
        )
        return int(done.rowcount or 0)
