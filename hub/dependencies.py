"""What the running app holds, as ``Annotated`` dependencies for routes and pages.

Routes declare ``keyring: KeyringDep`` instead of reaching into ``request.app.state``. A
domain's own pieces have their dependencies in that domain (``hub.audit.dependencies``,
``hub.contacts.dependencies``), so no domain imports one above it to get them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from hub.db import APP_STATE_NAME
from hub.keys.service import Keyring
from hub.kit.ratelimit import RateLimiter
from hub.kit.working_time import RagPolicy, WorkingHours
from hub.policy.firewall import Firewall
from hub.settings import Settings


def from_app_state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency that hands a route what ``create_app`` put in ``app.state.<name>``.

    It is marked with the name (:data:`hub.db.APP_STATE_NAME`), so a quick read can
    take the value straight from the app instead of through FastAPI's dependency solving.
    """

    async def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    read.__name__ = f"app_state_{name}"
    setattr(read, APP_STATE_NAME, name)
    return read


SettingsDep = Annotated[Settings, Depends(from_app_state("settings"))]
KeyringDep = Annotated[Keyring, Depends(from_app_state("keyring"))]
CalendarDep = Annotated[WorkingHours, Depends(from_app_state("calendar"))]
ScreeningPolicyDep = Annotated[RagPolicy, Depends(from_app_state("screening_policy"))]
CheckPolicyDep = Annotated[RagPolicy, Depends(from_app_state("check_policy"))]
LawfulBasesDep = Annotated[dict[str, str], Depends(from_app_state("lawful_bases"))]
FirewallDep = Annotated[Firewall, Depends(from_app_state("firewall"))]
PublicRateLimiterDep = Annotated[RateLimiter, Depends(from_app_state("public_rate_limiter"))]
