"""`/api/v1/admin`: the management pages' API, for admins and supervisors.

Thin views over `Management` (core/management.py), which scopes and audits every action.
Errors are the API's own (`{"error": {"code", "message"}}`, the same status rules as
core/server/api.py): 403 with the agency named when an action reaches outside the actor's
scope, 400 naming the field for bad input.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import qrcode
import qrcode.constants
from flask import Blueprint, current_app, jsonify, request
from qrcode.image.svg import SvgPathFillImage
from werkzeug.exceptions import HTTPException

from core.management import Management
from core.server import api as public_api
from core.server.api import current_actor, json_body
from core.tickets import DomainError, InvalidRequest, NotFound

admin_api = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")
admin_api.register_error_handler(DomainError, public_api._domain_error)
admin_api.register_error_handler(HTTPException, public_api._http_error)

MAX_QUERY_LIMIT = 500


def management() -> Management:
    return current_app.extensions["antrian.management"]


def _end_live_connections(username: str) -> None:
    hub = current_app.extensions.get("antrian.hub")
    if hub is not None:
        hub.end_sessions_of(username)


# ---------------------------------------------------------------------- reading
@admin_api.get("/dashboard")
def dashboard():  # type: ignore[no-untyped-def]
    return jsonify(management().dashboard(current_actor()))


@admin_api.get("/structure")
def structure():  # type: ignore[no-untyped-def]
    return jsonify(management().structure(current_actor()))


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or not low <= int(raw) <= high:
        raise InvalidRequest(
            f"'{name}' harus bilangan bulat {low} sampai {high}. / "
            f"'{name}' must be a whole number from {low} to {high}."
        )
    return int(raw)


def _instant_arg(name: str, *, through: bool = False) -> datetime | None:
    """A date or an instant in the mall's time, as the audit page shows times: a date is
    its local midnight, or with `through` the next one (the day is included); an instant
    without an offset is local."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(
            f"'{name}' harus tanggal atau waktu, mis. 2026-11-30 atau 2026-11-30T08:00. / "
            f"'{name}' must be a date or an instant, e.g. 2026-11-30 or 2026-11-30T08:00:00Z."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=current_app.extensions["antrian.settings"].mall.tz)
    try:
        if through and len(raw) == 10:  # a bare date: through its end
            moment += timedelta(days=1)
        moment.astimezone(UTC)  # as the database compares it
    except OverflowError:  # 0001-01-01 or 9999-12-31: no bound at all on that side
        return None
    return moment


def _text_arg(name: str) -> str | None:
    raw = request.args.get(name)
    if raw is not None and len(raw) > 64:
        raise InvalidRequest(
            f"'{name}' lebih dari 64 karakter. / '{name}' is longer than 64 characters."
        )
    return raw or None


@admin_api.get("/audit")
def audit_log():  # type: ignore[no-untyped-def]
    entries = management().audit_log(
        current_actor(),
        actor=_text_arg("actor"),
        action=_text_arg("action"),
        since=_instant_arg("since"),
        until=_instant_arg("until", through=True),
        before=_int_arg("before", None, 1, 2**31 - 1),
        limit=_int_arg("limit", 100, 1, MAX_QUERY_LIMIT) or 100,
    )
    return jsonify({"entries": entries})


@admin_api.get("/alerts")
def alert_list():  # type: ignore[no-untyped-def]
    scope = request.args.get("state", "open")
    if scope not in ("open", "all"):
        raise InvalidRequest("'state' harus 'open' atau 'all'. / 'state' must be 'open' or 'all'.")
    return jsonify({"alerts": management().alerts(current_actor(), scope == "open")})


@admin_api.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int):  # type: ignore[no-untyped-def]
    if alert_id >= 2**62:  # beyond any id (and a database integer): not ours
        raise NotFound(f"Tidak ada peringatan {alert_id}. / No alert {alert_id}.")
    return jsonify(management().acknowledge(current_actor(), alert_id))


# ---------------------------------------------------------------------- people
@admin_api.get("/users")
def users():  # type: ignore[no-untyped-def]
    return jsonify({"users": management().users(current_actor())})


@admin_api.post("/users")
def add_user():  # type: ignore[no-untyped-def]
    return jsonify(management().add_user(current_actor(), json_body())), 201


@admin_api.post("/users/<username>/disable")
def disable_user(username: str):  # type: ignore[no-untyped-def]
    user = management().set_active(current_actor(), username, False)
    _end_live_connections(username)
    return jsonify(user)


@admin_api.post("/users/<username>/enable")
def enable_user(username: str):  # type: ignore[no-untyped-def]
    return jsonify(management().set_active(current_actor(), username, True))


@admin_api.post("/users/<username>/password")
def reset_password(username: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    data = json_body()
    return jsonify(management().reset_password(actor, username, data.get("password")))


@admin_api.post("/users/<username>/counters")
def set_counters(username: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    data = json_body()
    if "counters" not in data:
        raise InvalidRequest(
            "Kirim 'counters': daftar nomor loket ([] untuk loket mana saja). / "
            "Send 'counters': a list of counter numbers ([] for any counter)."
        )
    return jsonify(management().set_counters(actor, username, data["counters"]))


@admin_api.post("/users/<username>/agencies")
def set_agencies(username: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    data = json_body()
    if "agencies" not in data:
        raise InvalidRequest(
            "Kirim 'agencies': daftar kode instansi. / Send 'agencies': a list of agency codes."
        )
    return jsonify(management().set_agencies(actor, username, data["agencies"]))


# ---------------------------------------------------------------------- devices
@admin_api.get("/devices")
def devices():  # type: ignore[no-untyped-def]
    rows = management().devices(current_actor())
    for row in rows:
        row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
    return jsonify({"devices": rows})


def setup_address(kind: str, token: str) -> str:
    base = current_app.extensions["antrian.settings"].mall.public_base_url.rstrip("/")
    return f"{base}/{kind}/setup#{token}"


def qr_data_url(text: str) -> str:
    """An SVG QR code as a data: address (the page's policy allows data: images)."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    svg = code.make_image(image_factory=SvgPathFillImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


@admin_api.post("/devices")
def add_device():  # type: ignore[no-untyped-def]
    data = json_body()
    token = management().add_device(current_actor(), data)
    address = setup_address(data["kind"], token)
    # The token is shown this once (only its hash is stored): in the setup address and its QR.
    return jsonify(
        {
            "name": data["name"],
            "kind": data["kind"],
            "setup_url": address,
            "qr": qr_data_url(address),
        }
    ), 201


@admin_api.post("/devices/<name>/revoke")
def revoke_device(name: str):  # type: ignore[no-untyped-def]
    management().revoke_device(current_actor(), name)
    return jsonify({"name": name, "active": False})


@admin_api.post("/counters/<int:number>/close")
def close_counter(number: int):  # type: ignore[no-untyped-def]
    actor = current_actor()
    return jsonify(management().close_counter(actor, number, json_body().get("reason")))


# ---------------------------------------------------------------------- services, displays
@admin_api.post("/services/<code>/close")
def close_service(code: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    reason = json_body().get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidRequest(
            "Isi alasan layanan ditutup hari ini (ditampilkan kepada pengunjung). / Send "
            "'reason': why the service is closed today (shown to visitors)."
        )
    return jsonify(management().set_service_closed(actor, code, reason.strip()))


@admin_api.post("/services/<code>/reopen")
def reopen_service(code: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    json_body()
    return jsonify(management().set_service_closed(actor, code, None))


@admin_api.post("/services/<code>/quota")
def set_quota(code: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    data = json_body()
    if "quota" not in data:
        raise InvalidRequest(
            "Kirim 'quota': kuota hari ini, atau null untuk kuota bawaan. / "
            "Send 'quota': today's quota, or null for the configured one."
        )
    return jsonify(management().set_quota(actor, code, data["quota"]))


@admin_api.get("/notices")
def get_notices():  # type: ignore[no-untyped-def]
    return jsonify(management().notices(current_actor()))


@admin_api.post("/notices")
def set_notices():  # type: ignore[no-untyped-def]
    actor = current_actor()
    return jsonify(management().set_notices(actor, json_body()))
