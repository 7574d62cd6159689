"""Query parameters read safely: integers within what the database can hold, and the parameters a
page hands on to its own links without letting them override ``url_for``'s arguments.

Bad input in a query string is the visitor's mistake, never a server error (issue 12): an integer
that is malformed (``²``, ``1.5``, ``中文``) or beyond a database integer (23 digits) never reaches
``int()`` or the database driver. A page's filter ignores it (as if absent, like any other
malformed filter); with ``strict=True`` it is a 400 naming the parameter (the API's way).

    from ..requestargs import int_arg

    unit_id = int_arg("unit", minimum=1)      # None when absent, empty or bad
    year = int_arg("year", minimum=2000, maximum=2100, strict=True)   # 400 when bad

    {{ url_for("feedback.staff_comments", consultation_id=c.id, **link_args()) }}
"""
from __future__ import annotations

import re

from flask import abort, request

# The largest value of a database INTEGER column (PostgreSQL ``integer``; ids are ``serial``).
DB_INT_MAX = 2**31 - 1
DB_INT_MIN = -(2**31)
_INTEGER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: int() also accepts "٣" and " 3 "


def parse_int(raw: str | None, *, minimum: int | None = DB_INT_MIN, maximum: int | None = DB_INT_MAX) -> int | None:
    """``raw`` as an integer within [minimum, maximum], else None (malformed or out of range)."""
    if raw is None or len(raw) > 20 or not _INTEGER.fullmatch(raw):
        return None
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return None
    return value


def int_arg(name: str, default: int | None = None, *, minimum: int | None = DB_INT_MIN,
            maximum: int | None = DB_INT_MAX, strict: bool = False) -> int | None:
    """The integer query parameter ``name``: ``default`` when absent or empty, and when malformed
    or outside [minimum, maximum] (by default: a database integer) unless ``strict``, which makes
    such a value a 400 naming the parameter."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = parse_int(raw, minimum=minimum, maximum=maximum)
    if value is None:
        if not strict:
            return default
        if _INTEGER.fullmatch(raw) is None:
            abort(400, description=f"'{name}' must be an integer")
        abort(400, description=f"'{name}' must be between {minimum} and {maximum}")
    return value


def link_args(**overrides) -> dict:
    """The request's query parameters to hand on to a link of the same page (filters kept), without
    those that would collide with ``url_for``'s own arguments (``endpoint``, ``_external``,
    ``_anchor``...) or with the page's URL parameters (``?consultation_id=x``), then ``overrides``."""
    reserved = set(request.view_args or ())
    kept = {key: value for key, value in request.args.items()
            if key not in reserved and key != "endpoint" and not key.startswith("_")}
    kept.update(overrides)
    return kept
