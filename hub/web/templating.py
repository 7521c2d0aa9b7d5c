"""The pages' Jinja environment: our templates first, then GOV.UK Frontend's macros."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

from hub.web.navigation import navigation_for
from hub.web.security import secure_headers

HERE = Path(__file__).resolve().parent


def make_environment() -> Environment:
    # GOV.UK's macros read optional parameters freely (params.x.y), and its base template
    # calls govukHeader() without arguments: a chainable undefined renders those as empty.
    return Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(HERE / "templates"),
                PrefixLoader(
                    {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}
                ),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def error_for(errors: dict[str, str] | None, field_id: str) -> dict[str, str] | bool:
    """The ``errorMessage`` GOV.UK's macros take for a field: False when it is right."""
    if errors and field_id in errors:
        return {"text": errors[field_id]}
    return False


def choices(
    names: dict[str, str], current: str | list[str], *, many: bool = False
) -> list[dict[str, Any]]:
    """Radios or checkboxes items from {value: label}, with the current answer(s) checked."""
    chosen = set(current) if many else {current}
    return [
        {"value": value, "text": label, "checked": value in chosen}
        for value, label in names.items()
    ]


def select_choices(names: dict[str, str], current: str) -> list[dict[str, Any]]:
    return [
        {"value": value, "text": label, "selected": value == current}
        for value, label in names.items()
    ]


def as_written(value: object) -> object:
    """A value as a person reads it: a date (``2015-06-21``) as "21 June 2015"; the rest as is."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return f"{day.day} {day.strftime('%B %Y')}"
    return value


def _environment() -> Environment:
    env = make_environment()
    env.globals.update(error_for=error_for, choices=choices, select_choices=select_choices)
    env.filters["as_written"] = as_written
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """A page, with the shell's context (council, person, CSRF token) and secure headers."""
    state = request.app.state
    signed_in = getattr(request.state, "signed_in", None)
    full = {
        "council_name": state.settings.council_name,
        "signed_in": signed_in,
        "navigation": (navigation_for(signed_in.principal, request.url.path) if signed_in else []),
        "dev_mode": state.settings.dev_mode,
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    secure_headers(response, state.content_security_policy)
    return response
