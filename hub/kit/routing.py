"""Mounting a domain's routes on the app as routes of its own, not as a nested router.

FastAPI matches an included router by walking it, and each router it includes in turn,
on every request: with the API's ten domains under one authenticated parent, finding
``GET /api/v1/contacts/{id}`` cost more than the rest of the event loop's work for it.
:func:`mount_routes` adds each route to the app once, at start, with the parent's
prefix and dependencies in front of its own, so a request is matched by one pass over
the app's routes. What the parent router said (its prefix, its dependencies: a verified
principal) holds for every route mounted through it, as an include would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, params
from fastapi.routing import APIRoute

# Set by a route class that wraps its endpoint (hub.db.TransactionalRoute): the endpoint
# as written, which the route made again from it wraps once more, not twice.
ENDPOINT_AS_WRITTEN = "hub_endpoint_as_written"


def mount_routes(
    target: APIRouter,
    router: APIRouter,
    *,
    prefix: str = "",
    dependencies: Sequence[params.Depends] = (),
) -> None:
    """Add every route of ``router`` to ``target``: path under ``prefix``, ``dependencies``
    before the route's own (and so solved first, as an including router's are)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"only API routes are mounted flat, not {type(route).__name__}")
        target.add_api_route(
            prefix + route.path,
            getattr(route, ENDPOINT_AS_WRITTEN, route.endpoint),
            **_settings_of(route),
            # First, even where the route takes the same value as a parameter: a caller
            # without a token is refused before anything they sent is looked at.
            dependencies=[*dependencies, *route.dependencies],
            route_class_override=type(route),
        )


def _settings_of(route: APIRoute) -> dict[str, Any]:
    """What the route was declared with, as ``add_api_route`` takes it."""
    return {
        "response_model": route.response_model,
        "status_code": route.status_code,
        "tags": list(route.tags),
        "summary": route.summary,
        "description": route.description,
        "response_description": route.response_description,
        "responses": dict(route.responses),
        "deprecated": route.deprecated,
        "methods": sorted(route.methods or ()),
        "operation_id": route.operation_id,
        "response_model_include": route.response_model_include,
        "response_model_exclude": route.response_model_exclude,
        "response_model_by_alias": route.response_model_by_alias,
        "response_model_exclude_unset": route.response_model_exclude_unset,
        "response_model_exclude_defaults": route.response_model_exclude_defaults,
        "response_model_exclude_none": route.response_model_exclude_none,
        "include_in_schema": route.include_in_schema,
        "response_class": route.response_class,
        "name": route.name,
        "callbacks": route.callbacks,
        "openapi_extra": route.openapi_extra,
        "generate_unique_id_function": route.generate_unique_id_function,
        "strict_content_type": route.strict_content_type,
        "max_body_size": route.max_body_size,
        "form_limits": route.form_limits or None,
    }
