"""The running audit log, as an ``Annotated`` dependency for the IG routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from hub.audit.sequencer import AuditLog
from hub.dependencies import from_app_state

AuditLogDep = Annotated[AuditLog, Depends(from_app_state("audit_log"))]
