"""The front door of the management pages: every admin or supervisor action, scoped and audited.

Each method first works out the actor's scope (core/scope.py: an admin the whole mall, a
supervisor their agencies) and refuses what lies outside it with a Forbidden that names the
agency, audited like every refusal; each action that changes something writes one audit row
(who, what, when). The work itself is done by the use cases and `Accounts`, unchanged, so the
CLI and the API keep one rule each.
"""

from __future__ import annotations

from typing import Any

from core import staff
from core.accounts import ROLES, Accounts
from core.context import SYSTEM, Actor
from core.handlers import QueueService
from core.scope import (
    Scope,
    covers_officer,
    require_counter,
    require_counters,
    require_officer,
    require_service,
    require_whole_mall,
    visible_agencies,
    visible_counters,
    visible_services,
)
from core.tickets import Forbidden, InvalidRequest
from core.usecases import alerting, notices, quota
from core.usecases.unit import audit
from core.views import audit as audit_views
from core.views import dashboard as dashboards
from core.views import notices as notice_views


class Management:
    def __init__(self, queue: QueueService, accounts: Accounts) -> None:
        self.queue = queue
        self.ctx = queue.ctx
        self.accounts = accounts
        self.settings = queue.settings

    # ------------------------------------------------------------------ scope
    def scope(self, actor: Actor) -> Scope:
        try:
            return staff.scope_of(self.accounts.uow, actor)
        except Forbidden as exc:
            audit(self.ctx, actor, "refused:manage", exc.message)
            raise

    def _refused(self, actor: Actor, action: str, exc: Forbidden) -> Forbidden:
        audit(self.ctx, actor, f"refused:{action}", exc.message)
        return exc

    def _check(self, actor: Actor, action: str, check: Any) -> Any:
        try:
            return check()
        except Forbidden as exc:
            raise self._refused(actor, action, exc) from None

    # ------------------------------------------------------------------ reading
    def dashboard(self, actor: Actor) -> dict[str, Any]:
        scope = self.scope(actor)
        view = dashboards.dashboard(self.ctx, scope)
        view["alerts"] = alerting.alert_list(self.ctx, scope)
        return view

    def structure(self, actor: Actor) -> dict[str, Any]:
        """What the scope covers, for the pages' choices (agencies, services, counters)."""
        scope = self.scope(actor)
        settings = self.settings
        return {
            "agencies": [
                {"code": a.code, "name": a.name, "name_en": a.name_en}
                for a in settings.agencies
                if a.code in visible_agencies(scope, settings)
            ],
            "services": [
                {"code": s.code, "name": s.name, "name_en": s.name_en, "agency": s.agency}
                for s in visible_services(scope, settings)
            ],
            "counters": [
                {"number": c.number, "name": c.name, "agency": c.agency}
                for c in visible_counters(scope, settings)
            ],
            "zones": [z.code for z in settings.zones],
            "kiosks": [k.code for k in settings.kiosks],
            "roles": list(ROLES) if scope.whole_mall else ["officer"],
        }

    def audit_log(self, who: Actor, **filters: Any) -> list[dict[str, Any]]:
        """`filters`: see core/views/audit.py (`actor` there is whose entries to show)."""
        scope = self.scope(who)
        self._check(who, "read_audit", lambda: require_whole_mall(scope, "read the audit log"))
        return audit_views.entries(self.ctx, **filters)

    def alerts(self, actor: Actor, open_only: bool) -> list[dict[str, Any]]:
        return alerting.alert_list(self.ctx, self.scope(actor), open_only=open_only)

    def acknowledge(self, actor: Actor, alert_id: int) -> dict[str, Any]:
        return alerting.acknowledge(self.ctx, self.scope(actor), alert_id)

    # ------------------------------------------------------------------ people
    def users(self, actor: Actor) -> list[dict[str, Any]]:
        scope = self.scope(actor)
        return [
            u
            for u in staff.users_list(self.accounts.uow)
            if covers_officer(scope, self.settings, u["role"], u["counters"])
        ]

    def _managed_user(self, actor: Actor, username: str, action: str) -> dict[str, Any]:
        scope = self.scope(actor)
        found = staff.user(self.accounts.uow, username)
        self._check(
            actor,
            action,
            lambda: require_officer(
                scope, self.settings, username, found["role"], found["counters"]
            ),
        )
        return found

    def add_user(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        scope = self.scope(actor)
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise InvalidRequest(
                "Kirim 'username' dan 'password' sebagai teks. / "
                "Send 'username' and 'password' as strings."
            )
        role = data.get("role", "officer")
        if role not in ROLES:
            raise InvalidRequest(
                f"'role' harus salah satu dari {', '.join(ROLES)}. / "
                f"'role' must be one of {', '.join(ROLES)}."
            )
        counters = staff.check_counters(self.settings, data.get("counters", []))
        agencies = staff.check_agencies(self.settings, data.get("agencies", []))
        if not scope.whole_mall:
            if role != "officer":
                refusal = Forbidden(
                    "Pengawas hanya dapat menambahkan petugas. / A supervisor adds officers only."
                )
                raise self._refused(actor, "add_user", refusal)
            if not counters:
                raise InvalidRequest(
                    "'counters': sebutkan loket instansi Anda tempat petugas ini bertugas. / "
                    "'counters': name the counters of your agencies this officer works at."
                )
            self._check(actor, "add_user", lambda: require_counters(scope, self.settings, counters))
        if role == "supervisor" and not agencies:
            raise InvalidRequest(
                "'agencies': pengawas memerlukan sedikitnya satu instansi. / "
                "'agencies': a supervisor needs at least one agency."
            )
        self.accounts.add_user(username, password, role, counters)
        if role == "supervisor":
            staff.set_supervisor_agencies(self.accounts.uow, username, agencies)
        if data.get("must_change_password", True):
            staff.require_password_change(self.accounts.uow, username)
        audit(self.ctx, actor, "user.add", f"{role} {username} counters={counters} {agencies}")
        return staff.user(self.accounts.uow, username)

    def set_active(self, actor: Actor, username: str, active: bool) -> dict[str, Any]:
        """Enable or disable; disabling closes the counters they left open (the caller also
        cuts their live connections)."""
        self._managed_user(actor, username, "disable_user" if not active else "enable_user")
        if username == actor.name and not active:
            raise InvalidRequest(
                "Anda tidak dapat menonaktifkan akun Anda sendiri. / "
                "You cannot disable your own account."
            )
        self.accounts.set_active(username, active)
        if not active:
            self.queue.close_counters_of(username, SYSTEM)
        audit(self.ctx, actor, "user.enable" if active else "user.disable", username)
        return staff.user(self.accounts.uow, username)

    def reset_password(self, actor: Actor, username: str, password: Any) -> dict[str, Any]:
        self._managed_user(actor, username, "reset_password")
        if not isinstance(password, str):
            raise InvalidRequest("Kirim 'password' sebagai teks. / Send 'password' as a string.")
        self.accounts.set_password(username, password)
        staff.require_password_change(self.accounts.uow, username)  # theirs at next sign-in
        audit(self.ctx, actor, "user.reset_password", username)
        return staff.user(self.accounts.uow, username)

    def set_counters(self, actor: Actor, username: str, counters: Any) -> dict[str, Any]:
        scope = self.scope(actor)
        self._managed_user(actor, username, "set_counters")
        numbers = staff.check_counters(self.settings, counters)
        if not scope.whole_mall:
            if not numbers:
                raise InvalidRequest(
                    "'counters': pengawas harus menyebutkan sedikitnya satu loket. / "
                    "'counters': a supervisor names at least one counter."
                )
            self._check(
                actor, "set_counters", lambda: require_counters(scope, self.settings, numbers)
            )
        staff.set_counters(self.accounts.uow, username, numbers)
        # A session at a counter they may no longer use ends, and that counter closes (their
        # live connections are cut by the periodic session check).
        left = self.accounts.revoke_sessions_outside(username, numbers)
        if left:
            self.queue.close_counters_of(username, SYSTEM, only=left)
        audit(self.ctx, actor, "user.counters", f"{username}: {numbers or 'any'}")
        return staff.user(self.accounts.uow, username)

    def set_agencies(self, actor: Actor, username: str, agencies: Any) -> dict[str, Any]:
        scope = self.scope(actor)
        self._check(actor, "set_agencies", lambda: require_whole_mall(scope, "bind supervisors"))
        codes = staff.check_agencies(self.settings, agencies)
        staff.set_supervisor_agencies(self.accounts.uow, username, codes)
        audit(self.ctx, actor, "user.agencies", f"{username}: {codes}")
        return staff.user(self.accounts.uow, username)

    # ------------------------------------------------------------------ devices
    def devices(self, actor: Actor) -> list[dict[str, Any]]:
        scope = self.scope(actor)
        self._check(actor, "list_devices", lambda: require_whole_mall(scope, "manage devices"))
        return self.accounts.list_devices()

    def add_device(self, actor: Actor, data: dict[str, Any]) -> str:
        scope = self.scope(actor)
        self._check(actor, "add_device", lambda: require_whole_mall(scope, "manage devices"))
        name, kind = data.get("name"), data.get("kind")
        if not isinstance(name, str) or not isinstance(kind, str):
            raise InvalidRequest(
                'Kirim \'name\' dan \'kind\' ("kiosk", "display" atau "survey") sebagai teks. / '
                'Send \'name\' and \'kind\' ("kiosk", "display" or "survey") as strings.'
            )
        zone, kiosk, counter = data.get("zone"), data.get("kiosk"), data.get("counter")
        if zone is not None and not isinstance(zone, str):
            raise InvalidRequest(
                "'zone' harus kode zona atau null. / 'zone' must be a zone code or null."
            )
        if kiosk is not None and not isinstance(kiosk, str):
            raise InvalidRequest(
                "'kiosk' harus kode anjungan atau null. / 'kiosk' must be a kiosk code or null."
            )
        if counter is not None and (not isinstance(counter, int) or isinstance(counter, bool)):
            raise InvalidRequest(
                "'counter' harus nomor loket (untuk tablet survei) atau null. / "
                "'counter' must be a counter number (a survey tablet's) or null."
            )
        token = self.accounts.add_device(name, kind, zone=zone, kiosk=kiosk, counter=counter)
        audit(self.ctx, actor, "device.add", f"{kind} {name}")
        return token

    def revoke_device(self, actor: Actor, name: str) -> None:
        scope = self.scope(actor)
        self._check(actor, "revoke_device", lambda: require_whole_mall(scope, "manage devices"))
        self.accounts.revoke_device(name)
        audit(self.ctx, actor, "device.revoke", name)

    def close_counter(self, actor: Actor, number: int, reason: Any) -> dict[str, Any]:
        """Close a counter left open (an officer gone home without signing out); the officer
        opens it again by signing in."""
        scope = self.scope(actor)
        self._check(actor, "close_counter", lambda: require_counter(scope, self.settings, number))
        if reason is not None and not isinstance(reason, str):
            raise InvalidRequest(
                "'reason' harus teks atau null. / 'reason' must be a string or null."
            )
        self.queue.set_counter_status(number, "closed", reason, SYSTEM)
        audit(self.ctx, actor, "counter.close", f"{number}: {reason}" if reason else str(number))
        with self.ctx.uow.reading() as conn:
            rows = dashboards.counter_rows(self.ctx, conn, scope)
        return next(r for r in rows if r["number"] == number)

    # ------------------------------------------------------------------ services, displays
    def set_service_closed(self, actor: Actor, code: str, reason: Any) -> dict[str, Any]:
        scope = self.scope(actor)
        self._check(actor, "close_service", lambda: require_service(scope, self.settings, code))
        if reason is not None and (not isinstance(reason, str) or not reason.strip()):
            raise InvalidRequest(
                "'reason' harus teks yang tidak kosong (menutup) atau null (membuka kembali). / "
                "'reason' must be a non-empty string (closing) or null (reopening)."
            )
        self.queue.set_service_closed(code, reason, actor)
        audit(
            self.ctx,
            actor,
            "service.close" if reason else "service.reopen",
            f"{code}: {reason}" if reason else code,
        )
        return self._service_row(scope, code)

    def set_quota(self, actor: Actor, code: str, value: Any) -> dict[str, Any]:
        scope = self.scope(actor)
        self._check(actor, "set_quota", lambda: require_service(scope, self.settings, code))
        quota.set_day_quota(self.ctx, code, value, actor)
        audit(
            self.ctx,
            actor,
            "service.quota",
            f"{code}: {value if value is not None else 'configured'}",
        )
        return self._service_row(scope, code)

    def _service_row(self, scope: Scope, code: str) -> dict[str, Any]:
        with self.ctx.uow.reading() as conn:
            rows = dashboards.service_rows(self.ctx, conn, scope)
        return next(r for r in rows if r["code"] == code)

    def notices(self, actor: Actor) -> dict[str, str]:
        self.scope(actor)
        with self.ctx.uow.reading() as conn:
            return notice_views.notices(self.ctx, conn)

    def set_notices(self, actor: Actor, data: dict[str, Any]) -> dict[str, str]:
        scope = self.scope(actor)
        self._check(
            actor, "set_notices", lambda: require_whole_mall(scope, "change the displays' texts")
        )
        return notices.set_notices(self.ctx, actor, data)
