"""ASGI middleware: a request id on every log line, and a cap on body size."""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger()


class RequestContextMiddleware:
    """Bind a request id (echoed as ``X-Request-ID``) and log one line per request.

    The line carries the route template, never the raw path or query string.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _next_request_id()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = {"code": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"cache-control", b"no-store"))
                headers.append((b"x-content-type-options", b"nosniff"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            # Answered and logged here, so that nothing further out prints a traceback:
            # its frames and the exception's text carry SQL parameters (references,
            # hashes, sealed bytes). The type and the request id find it in the code.
            log.error("request.unhandled_error", error_type=type(error).__name__)
            if status["started"]:
                raise _ResponseBroken() from None
            await _reply(send_with_id, 500, "internal_error", UNHANDLED_DETAIL)
        finally:
            route = scope.get("route")
            log.info(
                "request.done",
                method=scope["method"],
                route=getattr(route, "path", "unmatched"),
                status=status["code"],
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            structlog.contextvars.clear_contextvars()


UNHANDLED_DETAIL = "Something went wrong; it has been logged."


class _RequestIds:
    """Request ids: 32 hex digits, unique, drawn from no system call per request.

    A random half per process (drawn again in a forked child) and a counter: an id only
    has to find its request in the logs and the audit log, not be unguessable.
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count()

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"


_next_request_id = _RequestIds()


class _ResponseBroken(Exception):
    """An error after the response began: the server can only drop the connection."""


class BodySizeLimitMiddleware:
    """Read the whole body before the app does, answering 413 past ``max_bytes`` (declared
    or streamed) and 422 when it or the query string holds a NUL character.

    Every route takes its body whole and bodies are small, so reading it here costs
    nothing extra, and a limit met halfway through a chunked body is a 413 rather than
    an error inside the app's own reading. A NUL reaches no text field: PostgreSQL
    cannot store it in text, and it is never part of what a person typed.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "bad_request", "The Content-Length header is invalid.")
                    return
                if declared > self.max_bytes:
                    await _reply(send, 413, "payload_too_large", "The request body is too large.")
                    return
        if _NUL_IN_QUERY.search(scope.get("query_string", b"")):
            await _reply(send, 422, "invalid", NUL_DETAIL)
            return
        chunks: list[bytes] = []
        received = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; let the app see it.
                await self.app(scope, _replay(b"", message, receive), send)
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _reply(send, 413, "payload_too_large", "The request body is too large.")
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        body = b"".join(chunks)
        if body and holds_nul(body):
            await _reply(send, 422, "invalid", NUL_DETAIL)
            return
        await self.app(scope, _replay(body, None, receive), send)


NUL_DETAIL = "Text may not contain the NUL character (\\u0000)."
# %00 in a query string; in a JSON body, the escape \u0000 (not an escaped backslash
# followed by "u0000"), or the raw byte in any body.
_NUL_IN_QUERY = re.compile(rb"%00")
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def holds_nul(body: bytes) -> bool:
    return b"\x00" in body or (b"\\u" in body and _NUL_ESCAPE.search(body) is not None)


def _replay(body: bytes, first: Message | None, receive: Receive) -> Receive:
    """A receive that gives the body read already, then whatever comes next."""
    pending: list[Message] = [first or {"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay


async def _reply(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps({"error": code, "detail": detail}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
