"""The OpenAPI document says what the server checks, so a generated client is not refused.

JSON Schema's ``minLength`` counts the text as sent, but the hub trims it first: "   "
passes ``minLength: 1`` and is refused. Each such field gets a ``pattern`` that says the
same as the check (at least ``n`` characters from the first non-space to the last),
found from the models' own validators, in one place rather than on every field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

# For a model whose validator wants "at least a name or an NHS number" (json_schema_extra).
NAME_OR_NHS_NUMBER: dict[str, Any] = {
    "anyOf": [
        {"required": [field], "properties": {field: {"type": "string", "pattern": r"\S"}}}
        for field in ("given_name", "family_name", "nhs_number")
    ]
}
NOT_IN_THE_FUTURE = "Not in the future."


def trimmed_min_length_pattern(min_length: int) -> str:
    """A pattern matched by text whose trimmed length is at least ``min_length``."""
    if min_length <= 1:
        return r"\S"
    return rf"\S[\s\S]{{{min_length - 2},}}\S"


def install_openapi(app: FastAPI) -> None:
    """Complete the document ``app.openapi`` builds (FastAPI's, or one installed before
    this) with the checks below, once."""
    build = app.openapi
    completed: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not completed:
            document = build()
            declare_trimmed_lengths(document)
            completed.append(document)
        return completed[0]

    app.openapi = openapi  # type: ignore[method-assign]


def declare_trimmed_lengths(document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    models = {model.__name__: model for model in _hub_models()}
    for name, schema in schemas.items():
        model = models.get(name.removesuffix("-Input").removesuffix("-Output"))
        if model is None:
            continue
        for field, min_length in _trimmed_fields(model):
            prop = schema.get("properties", {}).get(field)
            if prop is not None:
                for string in _string_schemas(prop):
                    if string.get("minLength", 0) >= 1:
                        string["pattern"] = trimmed_min_length_pattern(min_length)


def _hub_models() -> Iterator[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for child in pending.pop().__subclasses__():
            if child not in seen:
                seen.add(child)
                pending.append(child)
                if child.__module__.startswith("hub."):
                    yield child


def _trimmed_fields(model: type[BaseModel]) -> Iterator[tuple[str, int]]:
    """(field, minimum length) of each text field the model trims before checking."""
    core: dict[str, Any] = model.__pydantic_core_schema__  # type: ignore[assignment]
    model_schema = _find(core, lambda s: s.get("type") == "model" and s.get("cls") is model)
    if model_schema is None:
        return
    strips_all = bool(model_schema.get("config", {}).get("str_strip_whitespace"))
    fields = _find(model_schema, lambda s: s.get("type") == "model-fields") or {}
    for name, field in fields.get("fields", {}).items():
        string = _find(field, lambda s: s.get("type") == "str")
        if string is None:
            continue
        min_length = string.get("min_length") or 0
        if min_length and (strips_all or string.get("strip_whitespace")):
            yield name, min_length


def _find(schema: Any, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    if isinstance(schema, dict):
        if wanted(schema):
            return schema
        for value in schema.values():
            found = _find(value, wanted)
            if found is not None:
                return found
    elif isinstance(schema, list):
        for value in schema:
            found = _find(value, wanted)
            if found is not None:
                return found
    return None


def _string_schemas(prop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if prop.get("type") == "string":
        yield prop
    for branch in prop.get("anyOf", []):
        if branch.get("type") == "string":
            yield branch
