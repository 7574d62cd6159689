"""Atom feeds (RFC 4287) for catalogue changes, new consultations and new feedback reports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, render_template, request

from . import clock
from .urls import absolute_url


@dataclass
class FeedEntry:
    id: str          # a stable tag: URI, e.g. "tag:portal,2026:decision-12-event-3"
    title: str
    link: str        # the page: a path (``url_for(...)``), made absolute from PORTAL_BASE_URL
    updated: datetime
    summary: str = ""
    author: str = ""


def atom_response(title: str, entries: list[FeedEntry], *, feed_id: str) -> Response:
    """The feed; every link is absolute from the configured base URL, never the Host header."""
    for entry in entries:
        entry.link = absolute_url(entry.link)
    query = request.query_string.decode("latin-1")
    self_url = absolute_url(request.path + ("?" + query if query else ""))
    updated = max((e.updated for e in entries), default=clock.now())
    xml = render_template("feeds/atom.xml", title=title, entries=entries, feed_id=feed_id,
                          updated=clock.aware(updated).isoformat(), self_url=self_url,
                          site_url=absolute_url("/"), aware=clock.aware)
    return Response(xml, mimetype="application/atom+xml")
