"""Signing officers in and out of a counter: one rule for the API and the terminal's form;
and who sends a request (its bearer token, or the page's session cookie).

Signing in at a counter opens it (the displays show it as open); signing out closes it and
cuts the officer's live connections; an admin disabling an account does the same.
"""

from __future__ import annotations

from contextlib import suppress

from flask import current_app, g, request, session

from core.accounts import Accounts, PasswordChangeRequired, Unauthorized
from core.context import ROLES, Actor
from core.handlers import QueueService
from core.tickets import DomainError, Forbidden
from core.usecases.unit import audit


def _queue() -> QueueService:
    return current_app.extensions["antrian.queue"]


def _accounts() -> Accounts:
    return current_app.extensions["antrian.accounts"]


def request_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return session.get("token")


# What an account that must change its password may still do.
DURING_PASSWORD_CHANGE = ("api.me", "api.logout", "api.change_password")


def current_actor() -> Actor:
    if "actor" not in g:
        actor = _accounts().authenticate(request_token())
        if (
            actor.kind in ROLES
            and request.endpoint not in DURING_PASSWORD_CHANGE
            and _accounts().password_change_required(actor.name)
        ):
            raise PasswordChangeRequired(
                f"Akun {actor.name!r} harus memilih kata sandi baru terlebih dahulu: "
                'POST /api/v1/auth/password {"current_password", "new_password"}. / '
                f"The account {actor.name!r} must choose a new password first: "
                'POST /api/v1/auth/password {"current_password", "new_password"}.'
            )
        g.actor = actor
    return g.actor


def _end_live_connections(username: str) -> None:
    hub = current_app.extensions.get("antrian.hub")
    if hub is not None:
        hub.end_sessions_of(username)


def _throttle():  # type: ignore[no-untyped-def]
    return current_app.extensions.get("antrian.throttle")


def sign_in(username: str, password: str, counter: int | None) -> tuple[str, Actor]:
    """Sign in (throttled: too many failures for the account or the client are refused with
    `RateLimited` before any password is hashed)."""
    throttle = _throttle()
    if throttle is not None:
        throttle.check_login(username)
    try:
        token, actor = _accounts().login(username, password, counter)
    except Unauthorized:
        if throttle is not None:
            throttle.login_failed(username)
        raise
    # An account that must first choose its password opens its counter only once it has.
    if not _accounts().password_change_required(actor.name):
        _open_counter_of(actor)
    return token, actor


def _open_counter_of(actor: Actor) -> None:
    if actor.kind == "officer" and actor.counter is not None:
        _queue().open_counter(actor.counter, actor)


def change_password(actor: Actor, current: str, new: str, token: str | None) -> None:
    """The signed-in user's own change (throttled like sign-ins: a wrong current password counts
    as a failed one). A counter left unopened while the change was due opens now."""
    throttle = _throttle()
    if throttle is not None:
        throttle.check_login(actor.name)
    was_required = _accounts().password_change_required(actor.name)
    try:
        _accounts().change_password(actor.name, current, new, keeping=token)
    except Unauthorized:
        if throttle is not None:
            throttle.login_failed(actor.name)
        raise
    _audit_change(actor)
    if was_required:
        _open_counter_of(actor)


def _audit_change(actor: Actor) -> None:
    audit(_queue().ctx, actor, "user.change_password", f"{actor.kind} {actor.name}")


def set_new_password(actor: Actor, new: str, token: str | None) -> None:
    """The first sign-in's forced change (a password the server made or an admin set): the
    session was opened with that password moments ago, so only the new one is asked. With no
    change due, a signed-in screen is no licence to set one without the current password."""
    if not _accounts().password_change_required(actor.name):
        raise Forbidden(
            "Tidak ada penggantian kata sandi yang tertunda: ganti dengan kata sandi saat ini. "
            "/ No password change is due: change it with the current password."
        )
    _accounts().replace_given_password(actor.name, new, keeping=token)
    _audit_change(actor)
    _open_counter_of(actor)


def sign_out(token: str, actor: Actor) -> None:
    if actor.kind == "officer" and actor.counter is not None:
        # Signing out must work even when the counter cannot be closed.
        with suppress(DomainError):
            _queue().set_counter_status(actor.counter, "closed", None, actor)
    _accounts().logout(token)
    _end_live_connections(actor.name)


def disable(username: str, admin: Actor) -> None:
    _accounts().set_active(username, False)
    _queue().close_counters_of(username, admin)
    _end_live_connections(username)
