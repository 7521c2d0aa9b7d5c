"""The running audit log, and the purpose an IG request states, as ``Annotated``
dependencies for the IG routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from hub.audit.sequencer import AuditLog
from hub.dependencies import from_app_state

AuditLogDep = Annotated[AuditLog, Depends(from_app_state("audit_log"))]

# Checked after the firewall (in the service), so a caller who may not read the log is
# refused, and audited, whatever headers they sent.
Purpose = Annotated[
    str | None,
    Header(
        alias="X-Audit-Purpose",
        max_length=200,
        description="Why you are reading the log (for example a case reference); it is logged.",
    ),
]
