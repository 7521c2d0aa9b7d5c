"""Structured JSON logs with a request id on every line.

Log lines carry ids and codes only. Names, dates of birth, addresses, NHS numbers, the
free text of contacts, tokens and key material never reach a log: call sites pass ids,
and the ``drop_unsafe_fields`` processor removes any field whose name says it holds
such data, as a second wall.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Field names that would mean personal data or secrets were about to be logged.
UNSAFE_FIELD_FRAGMENTS = (
    "name",
    "birth",
    "dob",
    "address",
    "postcode",
    "nhs",
    "text",
    "summary",
    "details",
    "token",
    "secret",
    "password",
    "key_material",
    "authorization",
    "email",
    "phone",
)
SAFE_FIELDS = frozenset({"event", "level", "timestamp", "request_id", "logger", "key_id"})


_UNSAFE_FRAGMENT = re.compile("|".join(re.escape(f) for f in UNSAFE_FIELD_FRAGMENTS))


@functools.lru_cache(maxsize=1024)
def _unsafe(field: str) -> bool:
    # Field names are the code's own, a few dozen: each is judged once per process.
    return field not in SAFE_FIELDS and _UNSAFE_FRAGMENT.search(field.lower()) is not None


def drop_unsafe_fields(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for field in list(event_dict):
        if _unsafe(field):
            event_dict[field] = "[withheld]"
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now (a test's capture, a redirected stream)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(*, level: str = "INFO", json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_unsafe_fields,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    # Uvicorn's access log prints query strings; the hub logs its own request line instead.
    logging.getLogger("uvicorn.access").disabled = True
