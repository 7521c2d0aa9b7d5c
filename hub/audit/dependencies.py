"""The running audit log, as an ``Annotated`` dependency for the IG routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.audit.sequencer import AuditLog


async def _audit_log(request: Request) -> AuditLog:
    audit_log: AuditLog = request.app.state.audit_log
    return audit_log


AuditLogDep = Annotated[AuditLog, Depends(_audit_log)]
