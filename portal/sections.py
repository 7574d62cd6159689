"""Extension points where a feature contributes a section to a page that another feature owns.

Slots and what their loader receives:
- ``hub``: the decision item hub /decisions/<id>; loader(item)
- ``home``: the home page; loader(None)
- ``me``: "my participation" /me; loader(account)
- ``staff``: the staff start page /staff; loader(account)
- ``admin``: the admin start page /admin; loader(account)

A loader returns the template's context (a dict), or None when it has nothing to show, so that a
page never shows an empty section. This keeps features free of imports from later features.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

_SECTIONS: dict[str, list[tuple[int, str, Callable[[Any], dict | None]]]] = defaultdict(list)


def section(slot: str, template: str, order: int = 50):
    """Register ``loader`` to render ``template`` in ``slot`` (lower order first)."""

    def decorator(loader):
        entries = _SECTIONS[slot]
        if not any(t == template for _o, t, _l in entries):
            entries.append((order, template, loader))
            entries.sort(key=lambda entry: entry[0])
        return loader

    return decorator


def sections_for(slot: str, obj: Any = None) -> list[tuple[str, dict]]:
    rendered = []
    for _order, template, loader in _SECTIONS[slot]:
        context = loader(obj)
        if context:
            rendered.append((template, context))
    return rendered
