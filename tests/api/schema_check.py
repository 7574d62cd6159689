"""A small validator for the subset of OpenAPI 3.0 schemas the portal uses ($ref, type, nullable,
required, properties, items, enum, minimum, maximum, format date/date-time)."""
from __future__ import annotations

from datetime import date, datetime

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def errors(value, schema: dict, document: dict, path: str = "$") -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return errors(value, document["components"]["schemas"][name], document, path)
    if value is None:
        return [] if schema.get("nullable") else [f"{path}: null is not allowed"]
    kind = schema.get("type")
    found: list[str] = []
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{path}: expected integer, got {value!r}"]
    elif kind == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return [f"{path}: expected number, got {value!r}"]
    elif kind in _TYPES and not isinstance(value, _TYPES[kind]):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        found.append(f"{path}: {value} < {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        found.append(f"{path}: {value} > {schema['maximum']}")
    if kind == "string" and schema.get("format") in ("date", "date-time"):
        try:
            (date if schema["format"] == "date" else datetime).fromisoformat(value)
        except ValueError:
            found.append(f"{path}: not an ISO {schema['format']}: {value!r}")
    if kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{path}: missing {name}")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                found += errors(value[name], sub, document, f"{path}.{name}")
    if kind == "array" and "items" in schema:
        for i, element in enumerate(value):
            found += errors(element, schema["items"], document, f"{path}[{i}]")
    return found
