"""Extension points where features contribute sections to pages that another feature owns.

The decision item hub (/decisions/<id>) shows a section per feature only when it has content:
each feature registers ``(template, loader)`` with ``hub_section``; ``loader(item)`` returns the
template context, or None when there is nothing to show for that item. Keeps the catalogue
feature free of imports from consultation, feedback and meetings.
"""
from __future__ import annotations

from typing import Any, Callable

HUB_SECTIONS: list[tuple[int, str, Callable[[Any], dict | None]]] = []


def hub_section(template: str, order: int = 50):
    def decorator(loader):
        HUB_SECTIONS.append((order, template, loader))
        HUB_SECTIONS.sort(key=lambda entry: entry[0])
        return loader

    return decorator


def hub_sections_for(item) -> list[tuple[str, dict]]:
    sections = []
    for _order, template, loader in HUB_SECTIONS:
        context = loader(item)
        if context:
            sections.append((template, context))
    return sections
