"""What follows a new contact in its transaction, as an ``Annotated`` dependency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from hub.contacts.service import ContactRecorded
from hub.dependencies import CalendarDep
from hub.kit.working_time import WorkingHours


async def _contact_recorded(request: Request, calendar: CalendarDep) -> ContactRecorded:
    """The app wires screening's start here (``create_app``), so the front door does not
    depend on the domains after it."""
    starter: Callable[[WorkingHours], ContactRecorded] = request.app.state.contact_recorded
    return starter(calendar)


ContactRecordedDep = Annotated[ContactRecorded, Depends(_contact_recorded)]
