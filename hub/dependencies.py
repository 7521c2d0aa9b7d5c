"""What the running app holds, as ``Annotated`` dependencies for routes and pages.

Routes declare ``keyring: KeyringDep`` instead of reaching into ``request.app.state``. A
domain's own pieces have their dependencies in that domain (``hub.audit.dependencies``,
``hub.contacts.dependencies``), so no domain imports one above it to get them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.keys.service import Keyring
from hub.kit.ratelimit import RateLimiter
from hub.kit.working_time import RagPolicy, WorkingHours
from hub.policy.firewall import Firewall
from hub.settings import Settings


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _keyring(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


async def _calendar(request: Request) -> WorkingHours:
    calendar: WorkingHours = request.app.state.calendar
    return calendar


CalendarDep = Annotated[WorkingHours, Depends(_calendar)]


async def _screening_policy(request: Request) -> RagPolicy:
    policy: RagPolicy = request.app.state.screening_policy
    return policy


async def _check_policy(request: Request) -> RagPolicy:
    policy: RagPolicy = request.app.state.check_policy
    return policy


async def _lawful_bases(request: Request) -> dict[str, str]:
    bases: dict[str, str] = request.app.state.lawful_bases
    return bases


async def _firewall(request: Request) -> Firewall:
    firewall: Firewall = request.app.state.firewall
    return firewall


async def _public_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.public_rate_limiter
    return limiter


SettingsDep = Annotated[Settings, Depends(_settings)]
KeyringDep = Annotated[Keyring, Depends(_keyring)]
ScreeningPolicyDep = Annotated[RagPolicy, Depends(_screening_policy)]
CheckPolicyDep = Annotated[RagPolicy, Depends(_check_policy)]
LawfulBasesDep = Annotated[dict[str, str], Depends(_lawful_bases)]
FirewallDep = Annotated[Firewall, Depends(_firewall)]
PublicRateLimiterDep = Annotated[RateLimiter, Depends(_public_rate_limiter)]
