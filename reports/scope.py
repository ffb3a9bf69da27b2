"""Which services an actor may see in reports: an admin the whole mall, a supervisor the
services of their agencies (core/scope.py decides, as for the dashboard); nobody else."""

from __future__ import annotations

from collections.abc import Collection

from core.config import Settings
from core.context import Actor
from core.scope import visible_services as services_in_scope
from core.staff import scope_of
from core.store import UnitOfWork
from core.tickets import Forbidden


def visible_services(actor: Actor, settings: Settings, uow: UnitOfWork) -> Collection[str] | None:
    """None for the whole mall, else the service codes the report may count."""
    if actor.is_admin:
        return None
    if actor.kind != "supervisor":
        raise Forbidden(
            "Hanya admin atau pengawas yang dapat membaca laporan. / "
            "Only an admin or a supervisor can read the reports."
        )
    return {service.code for service in services_in_scope(scope_of(uow, actor), settings)}
