"""One error hierarchy, one handler, one JSON shape: ``{"error": code, "detail": text}``.

Details are written for the person at the screen and never carry personal data: they
name fields and rules, not values.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger()


class ErrorBody(BaseModel):
    error: str
    detail: str


class HubError(Exception):
    status: int = 400
    code: str = "bad_request"
    detail: str = "The request could not be processed."
    # Called with the session after the request's transaction is rolled back, to put a
    # failed attempt on the record (see hub.db.run_in_transaction).
    after_rollback: Callable[[Any], None] | None = None
    # Sent with the error response (for example Retry-After).
    headers: dict[str, str] | None = None

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        self.detail = detail or self.detail
        if code:
            self.code = code
        super().__init__(self.detail)


class BadRequest(HubError):
    status, code = 400, "bad_request"


class Unauthenticated(HubError):
    status, code = 401, "unauthenticated"
    detail = "A valid bearer token is required."


class Forbidden(HubError):
    status, code = 403, "forbidden"
    detail = "You may not do this."


class NotFound(HubError):
    status, code = 404, "not_found"
    detail = "Not found."


class Conflict(HubError):
    status, code = 409, "conflict"


class PayloadTooLarge(HubError):
    status, code = 413, "payload_too_large"
    detail = "The request body is too large."


class Unprocessable(HubError):
    status, code = 422, "invalid"


class TooManyRequests(HubError):
    status, code = 429, "rate_limited"
    detail = "Too many requests; try again later."

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(f"Too many requests; try again in {retry_after_seconds} seconds.")
        self.headers = {"Retry-After": str(retry_after_seconds)}


class ServiceUnavailable(HubError):
    status, code = 503, "unavailable"


def error_response(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


# Where a validation error is, by the part of the request it is in.
_REQUEST_PARTS = frozenset({"body", "query", "header", "path", "cookie"})

# What each kind of validation error says: a fixed sentence, never pydantic's own message,
# which for some kinds quotes the value sent (a UUID's or a date's bad character, a list's
# length, a validator's text). Limits are the schema's own numbers.
_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "has a field that is not known",
    "string_type": "must be text",
    "string_too_short": "is too short",
    "string_too_long": "is too long",
    "string_pattern_mismatch": "is not in the expected form",
    "too_short": "has too few items",
    "too_long": "has too many items",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "literal_error": "is not one of the allowed values",
    "enum": "is not one of the allowed values",
    "greater_than": "is too small",
    "greater_than_equal": "is too small",
    "less_than": "is too large",
    "less_than_equal": "is too large",
    "uuid_type": "must be a UUID",
    "uuid_parsing": "must be a UUID",
    "uuid_version": "must be a UUID",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date (YYYY-MM-DD)",
    "date_past": "must be in the past",
    "date_future": "must be in the future",
    "datetime_type": "must be a date and time (ISO 8601)",
    "datetime_parsing": "must be a date and time (ISO 8601)",
    "datetime_from_date_parsing": "must be a date and time (ISO 8601)",
    "datetime_object_invalid": "must be a date and time (ISO 8601)",
    "union_tag_invalid": "is not one of the allowed kinds",
    "union_tag_not_found": "needs its kind",
}
# The schema's limit each of these may quote (a number from the schema, not the request).
_LIMITS: dict[str, tuple[str, str]] = {
    "string_too_short": ("min_length", "at least {} characters"),
    "string_too_long": ("max_length", "at most {} characters"),
    "too_short": ("min_length", "at least {}"),
    "too_long": ("max_length", "at most {}"),
    "greater_than": ("gt", "more than {}"),
    "greater_than_equal": ("ge", "at least {}"),
    "less_than": ("lt", "less than {}"),
    "less_than_equal": ("le", "at most {}"),
}


def field_names(app: Any) -> frozenset[str]:
    """Every field and parameter name the app's OpenAPI document declares (cached).

    A validation error's location names only these: a name that is not in the schema
    (an unknown field, a key of a free-form object) came from the request.
    """
    cached = getattr(app.state, "hub_field_names", None)
    if isinstance(cached, frozenset):
        return cached
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                names.update(str(name) for name in properties)
            if node.get("in") in _REQUEST_PARTS and isinstance(node.get("name"), str):
                names.add(node["name"])
                names.add(node["name"].lower())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(app.openapi())
    found = frozenset(names)
    app.state.hub_field_names = found
    return found


def _message(error: Any) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        # The hub's own validators' sentences, which name fields and rules, not values.
        cause = context.get("error")
        return str(cause) if cause is not None else "is invalid"
    message = _MESSAGES.get(kind)
    if message is None:
        return "has the wrong type" if kind.endswith("_type") else "is invalid"
    limit = _LIMITS.get(kind)
    if limit is not None and isinstance(context.get(limit[0]), int | float):
        message += " (" + limit[1].format(context[limit[0]]) + ")"
    return message


def _location(error: Any, known: frozenset[str]) -> str:
    parts = list(error.get("loc", ()))
    if parts and parts[0] in _REQUEST_PARTS:
        parts = parts[1:]
    if error.get("type") == "extra_forbidden" and parts:
        parts = parts[:-1]  # the unknown field's name is the request's, never repeated
    kept = [
        str(part)
        for part in parts
        if (isinstance(part, int) and not isinstance(part, bool)) or part in known
    ]
    return ".".join(kept)


def describe_validation_errors(errors: list[Any], known: frozenset[str]) -> str:
    """Say which fields are wrong and how, in fixed sentences, never echoing a value.

    ``known`` is every field name of the schema (:func:`field_names`); any other part of
    an error's location (an unknown field's name, a free-form object's key) is left out.
    """
    parts: list[str] = []
    for error in errors[:10]:
        if error.get("type") == "json_invalid":
            parts.append("the body is not valid JSON")
            continue
        location = _location(error, known)
        message = _message(error)
        if not location and error.get("type") == "extra_forbidden":
            message = "the body has a field that is not known"
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(dict.fromkeys(parts)) or "The request is invalid."


# A response declaration every route can reuse with ``responses=``.
STANDARD_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 404, 409, 413, 422, 429)
}
STANDARD_ERRORS[403] = {
    "model": ErrorBody,
    "description": "You may see this, but your role may not do this to it.",
}


def _status_sentence(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "The request could not be processed."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def _hub_error(_: Request, exc: HubError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "The body is not valid JSON.")
        known = field_names(request.app)
        return error_response(422, "invalid", describe_validation_errors(errors, known))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        # A fixed sentence for the status, never the exception's own detail.
        detail = "Not found." if exc.status_code == 404 else _status_sentence(exc.status_code)
        response = error_response(exc.status_code, code, detail)
        # 405 keeps its Allow header (and any other the exception carries).
        response.headers.update(exc.headers or {})
        return response

    # An unhandled exception is answered, and logged by type only, by
    # hub.kit.middleware.RequestContextMiddleware, outside every handler.
