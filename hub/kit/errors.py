"""One error hierarchy, one handler, one JSON shape: ``{"error": code, "detail": text}``.

Details are written for the person at the screen and never carry personal data: they
name fields and rules, not values.
"""

from __future__ import annotations

from collections.abc import Callable
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


def describe_validation_errors(errors: list[Any]) -> str:
    """Say which fields are wrong and how, never echoing the submitted values."""
    parts: list[str] = []
    for error in errors[:10]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body",))
        message = str(error.get("msg", "is invalid"))
        if error.get("type") == "extra_forbidden":
            message = "is not a known field"
        elif error.get("type") == "json_invalid":
            message = "the body is not valid JSON"
            location = location.split(".")[0] if location else ""
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts) or "The request is invalid."


# A response declaration every route can reuse with ``responses=``.
STANDARD_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 404, 409, 413, 422, 429)
}
STANDARD_ERRORS[403] = {
    "model": ErrorBody,
    "description": "You may see this, but your role may not do this to it.",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def _hub_error(_: Request, exc: HubError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "The body is not valid JSON.")
        return error_response(422, "invalid", describe_validation_errors(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        detail = "Not found." if exc.status_code == 404 else str(exc.detail)
        response = error_response(exc.status_code, code, detail)
        # 405 keeps its Allow header (and any other the exception carries).
        response.headers.update(exc.headers or {})
        return response

    # An unhandled exception is answered, and logged by type only, by
    # hub.kit.middleware.RequestContextMiddleware, outside every handler.
