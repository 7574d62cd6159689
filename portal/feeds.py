"""Atom feeds (RFC 4287) for catalogue changes, new consultations and new feedback reports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, render_template, request

from . import clock


@dataclass
class FeedEntry:
    id: str          # a stable tag: URI, e.g. "tag:portal,2026:decision-12-event-3"
    title: str
    link: str        # absolute URL of the page
    updated: datetime
    summary: str = ""
    author: str = ""


def atom_response(title: str, entries: list[FeedEntry], *, feed_id: str) -> Response:
    updated = max((e.updated for e in entries), default=clock.now())
    xml = render_template("feeds/atom.xml", title=title, entries=entries, feed_id=feed_id,
                          updated=clock.aware(updated).isoformat(), self_url=request.url,
                          site_url=request.url_root, aware=clock.aware)
    return Response(xml, mimetype="application/atom+xml")
