"""What every desk page shares: the signed-in person, the shell's context, the checks a
form passes, and times as the people using the hub read them (Europe/London)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from hub.kit.working_time import LONDON
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.security import check_csrf, check_origin
from hub.web.sessions import SignedIn


def to_sign_in() -> Response:
    """Someone not signed in (or whose session ended) goes to the sign-in page."""
    return RedirectResponse("/", status_code=303)


def shell(**context: Any) -> dict[str, Any]:
    return {
        "role_names": ROLE_NAMES,
        "team_names": TEAM_NAMES,
        "london": london,
        **context,
    }


def errors_context(errors: dict[str, str]) -> dict[str, Any]:
    """GOV.UK's error summary and field messages, from ``{field id: message}``."""
    return {
        "errors": errors,
        "error_list": [{"text": text, "href": f"#{field}"} for field, text in errors.items()],
    }


async def checked_form(request: Request, signed_in: SignedIn) -> FormData:
    """The posted form, once its Origin and this session's CSRF token are checked."""
    check_origin(request)
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(signed_in.csrf_token, token if isinstance(token, str) else None)
    return form


def form_text(form: FormData, name: str, *, most: int = 20000) -> str:
    value = form.get(name)
    return value.strip()[:most] if isinstance(value, str) else ""


def _clock(local: datetime) -> str:
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def london(moment: datetime | None, *, with_day: bool = True) -> str:
    """``Mon 30 Nov 2026, 2:05pm``: the UK local time, whatever zone ``moment`` is in."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    if not with_day:
        return _clock(local)
    return f"{local:%a} {local.day} {local:%b %Y}, {_clock(local)}"


def london_day(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y}"
