"""Replay every attack of issue 12 against a served portal, over plain HTTP.

    python -m tests.robustness.replay_seed > world.json        # on the portal's machine (demo mode)
    python -m tests.robustness.replay --base-url http://127.0.0.1:5000 --world world.json

Each attack is a line: ``held`` or ``FAILED`` with the evidence; the exit status is 1 when any
attack succeeded (0 otherwise, 2 when the replay could not run). The replay acts as the visitors
of the issue would: residents, staff of one unit, an admin and anonymous visitors, each a browser
with its own cookies that logs in through the login form and posts forms with the CSRF token
scraped from the page. The accounts and objects come from the seed (``replay_seed.py``); the
replay itself comments, moderates, edits, extends, draws, withdraws, logs in and out, changes
passwords and deactivates accounts through the portal's pages.

Options: ``--host NAME`` (the Host header to send, when the base URL is an address the portal
does not answer to), ``--public-base-url URL`` (the portal's ``PORTAL_BASE_URL``, expected in
feeds; default: the one the seed recorded), ``--mail-dir DIR`` (the ``.eml`` files of the file
mail backend: the password reset is then followed to its end), ``--upload-bytes N`` (the
over-size upload; default 26 MiB, above the 25 MB ``MAX_CONTENT_LENGTH``), ``--login/--password``
pairs are taken from the world file. The portal must allow the replay's logins from one address:
``PORTAL_LOGIN_RATE_LIMIT_IP`` of at least 60 per 5 minutes.
"""
from __future__ import annotations

import argparse
import email
import hashlib
import html
import json
import re
import secrets
import socket
import ssl
import sys
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

HUGE = "9" * 23
THIRTY_DAYS = 30 * 24 * 3600
PUBLIC_VALUE = "03 08 14 21 27 30 + 11"
NEW_PASSWORD = "Replay-New-Pass-2026-xq"


# --- HTTP ------------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def location(self) -> str:
        return self.header("Location") or ""


class Browser:
    """One visitor: its own cookies, no automatic redirects, the CSRF token of the last form."""

    def __init__(self, base_url: str, host: str | None = None, lang: str = "en"):
        parts = urllib.parse.urlsplit(base_url)
        self.scheme = parts.scheme
        self.address = (parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80))
        self.prefix = parts.path.rstrip("/")
        self.host = host or parts.netloc
        self.cookies: dict[str, str] = {"lang": lang} if lang else {}
        self.set_cookie_headers: list[str] = []

    def raw(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
            timeout: float = 60) -> Response:
        target = self.prefix + path
        sent = {"Host": self.host, "User-Agent": "portal-replay/1", "Connection": "close",
                "Accept": "text/html,application/json,*/*"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body or method == "POST":
            sent["Content-Length"] = str(len(body))
        sent.update(headers or {})
        head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in sent.items()) + "\r\n"
        sock = socket.create_connection(self.address, timeout=timeout)
        if self.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host.split(":")[0])
        try:
            sock.sendall(head.encode("latin-1", "strict") if head.isascii() else head.encode("utf-8"))
            try:
                for start in range(0, len(body), 1 << 16):
                    sock.sendall(body[start:start + (1 << 16)])
            except OSError:
                pass  # the server answered before reading the whole body (413): read its answer
            chunks = []
            while True:
                try:
                    chunk = sock.recv(1 << 16)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            sock.close()
        return self._parse(b"".join(chunks), path)

    def _parse(self, data: bytes, path: str) -> Response:
        head, _sep, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if not lines or not lines[0].startswith("HTTP/"):
            raise ConnectionError(f"no HTTP answer for {path} ({len(data)} bytes)")
        status = int(lines[0].split()[1])
        headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
        if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
            body = _dechunk(body)
        response = Response(status, headers, body, path)  # type: ignore[arg-type]
        self.set_cookie_headers = response.all("Set-Cookie")
        for line in self.set_cookie_headers:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                expired = morsel["max-age"] == "0" or (morsel["expires"] and _past(morsel["expires"]))
                if expired or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, query: dict | list | None = None, headers: dict | None = None) -> Response:
        if query:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(query, doseq=True)
        return self.raw("GET", path, headers=headers)

    def post(self, path: str, data: dict | list, headers: dict | None = None) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self.raw("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                             "Origin": f"{self.scheme}://{self.host}",
                                             "Referer": f"{self.scheme}://{self.host}{self.prefix}{path}",
                                             **(headers or {})})

    def form(self, path: str, index: int | Callable[[dict], bool] = 0) -> dict:
        """The fields of a form of the page at ``path`` (its current values), CSRF token included."""
        response = self.get(path)
        if response.status != 200:
            raise AssertionError(f"GET {path} answered {response.status}, expected the form page")
        forms = parse_forms(response.text)
        for found in forms:
            found["action"] = found["action"] or urllib.parse.urlsplit(path).path
        if callable(index):
            found = [f for f in forms if index(f)]
            if not found:
                raise AssertionError(f"no such form on {path}")
            return dict(found[0]["fields"])
        return dict(forms[index]["fields"])

    def submit(self, page: str, changes: dict, action: str | None = None, pick=None) -> Response:
        fields = self.form(page, pick if pick is not None else (lambda f: "csrf_token" in f["fields"]
                                                                and (action is None or f["action"] == action)))
        fields.update(changes)
        return self.post(action or page, [(k, v) for k, vs in fields.items()
                                          for v in (vs if isinstance(vs, list) else [vs])])

    def csrf(self, path: str) -> str:
        for found in parse_forms(self.get(path).text):
            if found["fields"].get("csrf_token"):
                return found["fields"]["csrf_token"]
        raise AssertionError(f"no CSRF token on {path}")

    def log_in(self, login: str, password: str, remember: bool = False) -> Response:
        data = {"csrf_token": self.csrf("/auth/login"), "login": login, "password": password}
        if remember:
            data["remember"] = "y"
        return self.post("/auth/login", data)


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _sep, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


def _past(expires: str) -> bool:
    try:
        return parsedate_to_datetime(expires).timestamp() < time.time()
    except (TypeError, ValueError):
        return False


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.textarea: str | None = None
        self.select: str | None = None
        self.option: str | None = None

    def _add(self, name: str, value: str) -> None:
        if self.current is None or not name:
            return
        fields = self.current["fields"]
        if name in fields:
            existing = fields[name]
            fields[name] = (existing if isinstance(existing, list) else [existing]) + [value]
        else:
            fields[name] = value

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.current = {"action": urllib.parse.urlsplit(a.get("action", "")).path, "fields": {}}
            self.forms.append(self.current)
        elif tag == "input" and self.current is not None:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(a.get("name", ""), a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self.textarea, self.buffer = a.get("name", ""), ""
        elif tag == "select":
            self.select, self.first, self.chosen = a.get("name", ""), None, None
        elif tag == "option" and self.select is not None:
            value = a.get("value")
            self.option = value
            if self.first is None:
                self.first = value
            if "selected" in a:
                self.chosen = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.buffer += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self._add(self.textarea, self.buffer[1:] if self.buffer.startswith("\n") else self.buffer)
            self.textarea = None
        elif tag == "select" and self.select is not None:
            value = self.chosen if self.chosen is not None else self.first
            if value is not None:
                self._add(self.select, value)
            self.select = None
        elif tag == "form":
            self.current = None


def parse_forms(page: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


# --- the report ------------------------------------------------------------------------------------

@dataclass
class Report:
    lines: list[tuple[str, bool, str]] = field(default_factory=list)
    out: object = sys.stdout

    def note(self, name: str, held: bool, evidence: str = "") -> bool:
        self.lines.append((name, held, evidence))
        word = "held  " if held else "FAILED"
        print(f"{word} {name}" + (f" — {evidence}" if evidence else ""), file=self.out, flush=True)
        return held

    def check(self, name: str, condition: bool, evidence: str) -> bool:
        return self.note(name, bool(condition), "" if condition else evidence)

    @property
    def failures(self) -> list[tuple[str, bool, str]]:
        return [line for line in self.lines if not line[1]]


def _status(response: Response) -> str:
    snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))[:160].strip()
    where = f" → {response.location}" if response.location else ""
    return f"{response.status}{where} for {response.url}: {snippet}"


def _is_login_page(response: Response) -> bool:
    return response.status in (301, 302, 303) and "/auth/login" in response.location


def _logged_in(response: Response) -> bool:
    return response.status in (302, 303) and "/auth/login" not in response.location


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the attacks ------------------------------------------------------------------------------------

class Replay:
    def __init__(self, base_url: str, world: dict, report: Report, host: str | None = None,
                 public_base_url: str | None = None, mail_dir: Path | None = None,
                 upload_bytes: int = 26 * 1024 * 1024):
        self.base_url, self.world, self.report, self.host = base_url, world, report, host
        self.public_base_url = (public_base_url if public_base_url is not None else world.get("base_url", "")).rstrip("/")
        self.mail_dir, self.upload_bytes = mail_dir, upload_bytes
        self.tag, self.password = world["tag"], world["password"]
        self.now = datetime.fromisoformat(world["now"])
        self._browsers: dict[str, Browser] = {}

    def browser(self, lang: str = "en") -> Browser:
        return Browser(self.base_url, self.host, lang)

    def as_(self, role: str) -> Browser:
        """A logged-in browser of one of the world's accounts (kept for the whole replay)."""
        if role not in self._browsers:
            browser = self.browser()
            response = browser.log_in(self.world["accounts"][role], self.password)
            if not _logged_in(response):
                raise AssertionError(f"could not log in as {role}: {_status(response)}")
            self._browsers[role] = browser
        return self._browsers[role]

    def run(self) -> None:
        for step in (self.privacy, self.lottery, self.sessions, self.hosts, self.bad_input, self.no_store,
                     self.accounts, self.id_numbers):
            try:
                step()
            except Exception as error:  # noqa: BLE001 - an attack that could not run is a failure
                self.report.note(f"{step.__name__}: the replay could not finish", False,
                                 "".join(traceback.format_exception_only(type(error), error)).strip())

    # 1. personal data in comments -------------------------------------------------------------------

    def privacy(self) -> None:
        from portal.privacy import detect

        from .replay_seed import PII

        w, r = self.world, self.report
        consultation = w["consultations"]["open"]
        section = w["sections"]["open"][1] if len(w["sections"]["open"]) > 1 else ""
        commenter = self.as_("commenter")
        markers = {}
        for kind, value in PII.items():
            marker = f"回放{self.tag}-{kind}"
            markers[kind] = marker
            response = commenter.submit(f"/consultations/{consultation}/comments", {
                "section_id": str(section), "text": f"{marker}：请联系我{value}，谢谢。",
                "respondent_type": "citizen", "show_as": "masked", "consent": "y"})
            if response.status != 302:
                r.note(f"1 · comment with {kind} submitted", False, _status(response))
        manual_marker, private = f"回放{self.tag}-manual", "隔壁王阿姨家的女儿"
        commenter.submit(f"/consultations/{consultation}/comments", {
            "section_id": "", "text": f"{manual_marker}：我是{private}，反映楼道堆物问题。",
            "respondent_type": "citizen", "show_as": "masked", "consent": "y"})

        staff = self.as_("staff")
        queue_url = f"/staff/consultations/{consultation}/moderation"
        queue = staff.get(queue_url).text
        ids = _comment_ids_of(queue, list(markers.values()) + [manual_marker])
        for kind, value in PII.items():
            finding = detect(value)
            span = value[finding[0].start:finding[0].end] if finding else value
            shown = f'<mark class="pii">{html.escape(span, quote=False)}</mark>'
            r.check(f"1 · the moderator sees the {kind} highlighted in the queue", shown in queue,
                    f"{shown!r} not in {queue_url}")
        manual_id = ids.get(manual_marker)
        if manual_id:
            response = staff.submit(queue_url, {"hide": private},
                                    action=f"/staff/consultations/{consultation}/comments/{manual_id}/redact")
            r.check("1 · staff hide a span by hand before publishing", response.status == 302, _status(response))
        response = staff.submit(queue_url, {"comment_ids": [str(i) for i in ids.values()], "action": "publish",
                                            "confirmed": "1"}, action=queue_url)
        r.check("1 · staff publish the comments", response.status == 302 and len(ids) == len(markers) + 1,
                f"{_status(response)}; found {len(ids)} of {len(markers) + 1} comments in the queue")
        time.sleep(1.2)  # every process sees the change (PAGE_CACHE_VERSION_SECONDS)

        anonymous = self.browser("zh_CN")
        closed, reported = w["consultations"]["closed"], w["decisions"]["reported"]
        surfaces = {
            f"/consultations/{consultation}": (), f"/consultations/{consultation}/comments": markers.values(),
            f"/api/v1/consultations/{consultation}?per_page=100": markers.values(),
            f"/consultations/{closed}/comments": w["report_comments"].values(),
            f"/api/v1/consultations/{closed}?per_page=100": w["report_comments"].values(),
            f"/feedback/{reported}": w["report_comments"].values(),
            f"/api/v1/feedback/{reported}": (), "/consultations/feed.atom": (), "/catalogue/feed.atom": (),
            "/feedback/feed.atom": (), f"/decisions/{w['decisions']['consulting']}": (),
            f"/decisions/{reported}": (), "/": (), "/consultations": (), "/api/v1/consultations": (),
        }
        pages = {}
        for path, expected in surfaces.items():
            response = anonymous.get(path)
            pages[path] = _readable(response)
            for more in range(2, 5 if path.startswith("/feedback/") else 1):  # the report's further pages
                pages[path] += _readable(anonymous.get(path, {"page": more}))
            missing = [m for m in expected if m not in pages[path]]
            if response.status != 200 or missing:
                r.note(f"1 · public surface {path} shows the published comments", False,
                       f"{response.status}; not shown: {missing[:3]}")
        for kind, value in PII.items():
            leaked = [path for path, text in pages.items() if any(v in text for v in _written_forms(value))]
            r.check(f"1 · {kind} ({value}) never published as typed", not leaked,
                    f"published verbatim on {', '.join(leaked)}")
        leaked = [path for path, text in pages.items() if private in text]
        r.check("1 · a span hidden by hand is hidden everywhere", not leaked and manual_id is not None,
                f"shown on {leaked}" if leaked else "the comment was not in the queue")
        mine = commenter.get("/me/comments").text
        r.check("1 · the author still sees the original", private in html.unescape(mine),
                "the original text is not on /me/comments")

    # 2. the lottery -------------------------------------------------------------------------------

    def lottery(self) -> None:
        w, r = self.world, self.report
        signup, drawn = w["meetings"]["signup"], w["meetings"]["drawn"]
        staff, anonymous = self.as_("staff"), self.browser("zh_CN")
        before = _lottery_fields(anonymous.get(f"/meetings/{signup}").text)
        r.check("2 · the commitment is published with the meeting", len(before.get("commitment", "")) == 64,
                f"no commitment on /meetings/{signup}: {before}")

        response = staff.post(f"/staff/meetings/{signup}/seed", {"csrf_token": staff.csrf(f"/staff/meetings/{signup}"),
                                                                  "seed": "a seed I like"})
        r.check("2 · staff cannot type a seed", response.status in (404, 405), _status(response))
        response = staff.submit(f"/staff/meetings/{signup}/draw",
                                {"public_value": PUBLIC_VALUE, "public_value_origin": "https://www.cwl.gov.cn/"})
        r.check("2 · no draw while sign-up is open", response.status == 422, _status(response))

        edit_url = f"/staff/meetings/{signup}/edit"
        fields = staff.form(edit_url, lambda f: "signup_closes_at" in f["fields"])
        closes = datetime.fromisoformat(fields["signup_closes_at"])
        due = datetime.fromisoformat(fields["public_value_due"])
        opens = datetime.fromisoformat(fields["signup_opens_at"])
        fmt = "%Y-%m-%dT%H:%M"
        attempts = {"move the close back (earlier)": ("signup_closes_at", (closes - timedelta(days=2)).strftime(fmt)),
                    "move the close forward in the edit form": ("signup_closes_at", (closes + timedelta(hours=2)).strftime(fmt)),
                    "move the close past the public value": ("signup_closes_at", (due + timedelta(days=1)).strftime(fmt)),
                    "move the opening": ("signup_opens_at", (opens + timedelta(hours=1)).strftime(fmt)),
                    "change the public value's date": ("public_value_due", (due + timedelta(days=1)).strftime(fmt)),
                    "change the public source": ("public_source", "另一期开奖号码"),
                    "switch to staff review": ("selection_method", "review")}
        for what, (name, value) in attempts.items():
            response = staff.submit(edit_url, {name: value}, action=edit_url)
            r.check(f"2 · after the commitment staff cannot {what}", response.status == 422, _status(response))

        extend_url = f"/staff/meetings/{signup}/extend"
        for what, when, reason in (("earlier", closes - timedelta(hours=1), "提前截止"),
                                   ("without a reason", closes + timedelta(hours=1), " "),
                                   ("to when the public value is known", due, "延长到开奖时")):
            response = staff.submit(extend_url, {"closes_at": when.strftime(fmt), "reason": reason}, action=extend_url)
            r.check(f"2 · no extension {what}", response.status == 422, _status(response))
        reason = f"报名人数不足，延长半小时（回放{self.tag}）"
        response = staff.submit(extend_url, {"closes_at": (closes + timedelta(minutes=30)).strftime(fmt),
                                             "reason": reason}, action=extend_url)
        r.check("2 · an extension before the close with a reason is accepted", response.status == 302, _status(response))
        time.sleep(1.2)
        page = anonymous.get(f"/meetings/{signup}").text
        after = _lottery_fields(page)
        r.check("2 · the extension and its reason are public", reason in html.unescape(page),
                f"the reason is not on /meetings/{signup}")
        r.check("2 · the commitment did not change", after.get("commitment") == before.get("commitment"),
                f"{before.get('commitment')} became {after.get('commitment')}")

        # The closed meeting: its input list is frozen.
        # (the page no longer offers the form: the request is forged with a valid CSRF token)
        response = staff.post(f"/staff/meetings/{drawn}/applications/{w['applications']['open']}",
                              {"csrf_token": staff.csrf(f"/staff/meetings/{drawn}"), "reason": "不符合条件"})
        r.check("2 · nobody is excluded after the close", response.status == 422, _status(response))
        leaving = self.as_("withdraws")
        response = leaving.submit(f"/meetings/{drawn}/withdraw", {}, action=f"/meetings/{drawn}/withdraw")
        r.check("2 · a late withdrawal is accepted (and must be on the record)", response.status == 302,
                _status(response))
        draw_url = f"/staff/meetings/{drawn}/draw"
        response = staff.submit(draw_url, {"public_value": PUBLIC_VALUE, "public_value_origin": "https://www.cwl.gov.cn/"},
                                action=draw_url)
        r.check("2 · the draw with the public value", response.status == 302, _status(response))
        response = staff.post(draw_url, {"csrf_token": staff.csrf(f"/staff/meetings/{drawn}"),
                                         "public_value": "01 02 03 04 05 06 + 07", "public_value_origin": "cwl"})
        r.check("2 · a second draw with another value is refused", response.status in (302, 409, 422)
                and response.status != 200, _status(response))
        time.sleep(1.2)
        self._redo_draw(anonymous, drawn)

    def _redo_draw(self, anonymous: Browser, meeting: int) -> None:
        r, w = self.report, self.world
        page = anonymous.get(f"/meetings/{meeting}").text
        fields = _lottery_fields(page)
        entries = [tuple(html.unescape(x) for x in m) for m in re.findall(
            r'<li data-number="([^"]+)" data-category="([^"]+)" data-name="([^"]*)">', page)]
        withdrawn = re.search(r'class="small lottery-withdrawn">(.*?)</ul>', page, re.S)
        skipped = re.findall(r'data-number="([^"]+)" data-before-draw="1"', withdrawn.group(1)) if withdrawn else []
        results = {category: (int(seats), re.findall(r'data-number="([^"]+)"', block)) for category, seats, block in
                   re.findall(r'class="small lottery-result" data-category="([^"]+)" data-seats="(\d+)">(.*?)</ol>',
                              page, re.S)}
        needed = ("commitment", "secret", "public_value", "seed", "input_hash")
        if not all(fields.get(n) for n in needed) or not entries or not results:
            r.note("2 · the draw can be redone from the published record", False,
                   f"the record on /meetings/{meeting} lacks {[n for n in needed if not fields.get(n)]}, "
                   f"{len(entries)} entries, {len(results)} results")
            return
        r.check("2 · the revealed secret matches the commitment", sha256(fields["secret"]) == fields["commitment"],
                "sha256(secret) != commitment")
        r.check("2 · the published input list matches its hash",
                sha256("\n".join("|".join(e) for e in entries)) == fields["input_hash"], "input hash differs")
        seed = sha256(fields["secret"] + "|" + re.sub(r"[^0-9]", "", fields["public_value"]))
        r.check("2 · the seed is derived from secret and public value", seed == fields["seed"],
                f"{seed} != published {fields['seed']}")
        numbers = [e[0] for e in entries]
        r.check("2 · an exclusion before the close is visible, not in the input",
                w["applications"]["excluded_number"] not in numbers and "户籍与工作单位均不在本区" in html.unescape(page),
                "the excluded application is in the list or its reason is not published")
        r.check("2 · the withdrawal after the freeze is on the record", w["applications"]["leaving_number"] in skipped
                and w["applications"]["leaving_number"] in numbers, f"withdrawn before the draw: {skipped}")
        for category, (_seats, drawn) in results.items():
            keyed = sorted((sha256(seed + ":" + n), n) for n, c, _name in entries if c == category)
            order = [n for _key, n in keyed if n not in skipped]
            r.check(f"2 · redoing the draw ({category}) gives the published result", order == drawn,
                    f"redone {order}, published {drawn}")

    # 3. sessions -----------------------------------------------------------------------------------

    def _device(self, role: str, remember: bool = True) -> tuple[Browser, dict[str, str]]:
        browser = self.browser()
        response = browser.log_in(self.world["accounts"][role], self.password, remember=remember)
        if not _logged_in(response):
            raise AssertionError(f"login of {role} failed: {_status(response)}")
        return browser, {k: v for k, v in browser.cookies.items() if k in ("session", "remember_token")}

    def _replay(self, name: str, value: str) -> Response:
        thief = self.browser()
        thief.cookies[name] = value
        return thief.get("/me")

    def sessions(self) -> None:
        r = self.report
        browser, copied = self._device("logout")
        max_age = _remember_seconds(browser.set_cookie_headers)
        r.check("3 · remember-me lasts at most 30 days (Set-Cookie)", max_age is not None and max_age <= THIRTY_DAYS + 60,
                f"remember_token lasts {max_age} s: {browser.set_cookie_headers}")
        r.check("3 · (control) copied cookies log in before any event",
                all(self._replay(k, v).status == 200 for k, v in copied.items()) and len(copied) == 2,
                f"copied cookies {sorted(copied)} did not log in")
        _other, other = self._device("logout")
        browser.post("/auth/logout", {"csrf_token": browser.csrf("/me")})
        for name in ("session", "remember_token"):
            response = self._replay(name, copied[name])
            r.check(f"3 · after logout the old {name} cookie gets the login page", _is_login_page(response),
                    _status(response))
        response = self._replay("remember_token", other["remember_token"])
        r.check("3 · after logout the other device's remember-me cookie ends", _is_login_page(response), _status(response))

        changer, _mine = self._device("password")
        _second, stolen = self._device("password")
        response = changer.submit("/auth/password", {"current": self.password, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD}, action="/auth/password")
        r.check("3 · the password change is accepted", response.status == 302, _status(response))
        for name, value in stolen.items():
            response = self._replay(name, value)
            r.check(f"3 · after a password change the other session's {name} gets the login page",
                    _is_login_page(response), _status(response))

        _victim, stolen = self._device("deactivated")
        admin = self.as_("admin")
        account = self.world["account_ids"]["deactivated"]
        response = admin.submit(f"/admin/accounts/{account}", {}, action=f"/admin/accounts/{account}/active")
        r.check("3 · the admin deactivates the account", response.status == 302, _status(response))
        for name, value in stolen.items():
            response = self._replay(name, value)
            r.check(f"3 · after deactivation the {name} cookie gets the login page", _is_login_page(response),
                    _status(response))
        response = self.browser().log_in(self.world["accounts"]["deactivated"], self.password)
        r.check("3 · a deactivated account cannot log in", not _logged_in(response), _status(response))

    # 4. Host header ----------------------------------------------------------------------------------

    def hosts(self) -> None:
        r = self.report
        paths = ["/consultations/feed.atom", "/catalogue/feed.atom", "/feedback/feed.atom", "/api/v1/consultations",
                 "/api/v1/decisions", "/api/v1/openapi.json", "/"]
        for path in paths:
            attack = self.browser("").get(path, headers={"Host": "evil.example"})
            r.check(f"4 · Host: evil.example refused on {path}", 400 <= attack.status < 500
                    and b"evil.example" not in attack.body, _status(attack))
            forwarded = self.browser("").get(path, headers={"X-Forwarded-Host": "evil.example",
                                                              "X-Forwarded-Proto": "javascript"})
            victim = self.browser("").get(path)
            poisoned = [resp.url for resp in (forwarded, victim) if b"evil.example" in resp.body or b"javascript:" in resp.body]
            r.check(f"4 · {path} served to everyone links only to the base URL", not poisoned and victim.status == 200,
                    f"{victim.status}; evil.example in {poisoned}")
            if path.endswith(".atom") and self.public_base_url:
                r.check(f"4 · {path} links come from PORTAL_BASE_URL", f'href="{self.public_base_url}' in victim.text,
                        f"no link to {self.public_base_url}")

    # 5. bad input ------------------------------------------------------------------------------------

    def bad_input(self) -> None:
        w, r = self.world, self.report
        staff, admin = self.as_("staff"), self.as_("admin")
        consultation, closed = w["consultations"]["open"], w["consultations"]["closed"]
        probes = [
            (staff, f"/staff/consultations/{consultation}/moderation", {"section": "²"}),
            (staff, f"/staff/consultations/{consultation}/moderation", {"campaign": HUGE}),
            (staff, f"/staff/feedback/consultations/{closed}/comments", {"section": "²"}),
            (staff, f"/staff/feedback/consultations/{closed}/comments", {"campaign": HUGE}),
            (admin, "/admin/audit", {"object_id": HUGE}), (admin, "/admin/audit", {"actor_id": HUGE}),
            (admin, "/admin/audit", {"unit_id": HUGE}), (admin, "/admin/audit", {"endpoint": "x"}),
            (admin, "/admin/audit", {"endpoint": "x", "page": "2", "_external": "1"}),
            (staff, "/staff/catalogue", {"unit": HUGE}), (admin, "/staff/catalogue", {"unit": HUGE}),
            (admin, "/admin/calendar", {"start": "9999-12-20", "n": "500"}),
        ]
        for browser, path, query in probes:
            response = browser.get(path, query)
            r.check(f"5 · {path}?{urllib.parse.urlencode(query)}", response.status < 500, _status(response))

        offline = f"/staff/consultations/{consultation}/offline"
        summary = f"座谈会纪要（回放{self.tag}）"
        response = staff.submit(offline, {"channel": "symposium", "held_on": self.now.date().isoformat(),
                                          "participants": HUGE, "summary": summary}, action=offline)
        r.check("5 · offline opinion with participants=<huge> is refused on the form",
                response.status == 422 and summary in html.unescape(response.text), _status(response))

        commenter = self.as_("commenter")
        marker = f"回放{self.tag}-query"
        commenter.submit(f"/consultations/{consultation}/comments", {
            "section_id": "", "text": f"{marker}：建议公布投放时间表。", "respondent_type": "citizen",
            "show_as": "masked", "consent": "y"})
        queue = f"/staff/consultations/{consultation}/moderation?consultation_id=x&endpoint=y&status=pending"
        ids = _comment_ids_of(staff.get(queue).text, [marker])
        response = staff.submit(queue, {"comment_ids": [str(i) for i in ids.values()], "action": "publish",
                                        "confirmed": "1"}, action=urllib.parse.urlsplit(queue).path)
        response = staff.post(queue, {"csrf_token": staff.csrf(queue), "comment_ids": [str(i) for i in ids.values()],
                                      "action": "publish", "confirmed": "1"}) if response.status == 302 and ids else response
        time.sleep(1.2)
        shown = marker in self.browser().get(f"/consultations/{consultation}/comments").text
        r.check("5 · moderation with ?consultation_id= saves and says so", ids and response.status < 500 and shown,
                f"{_status(response)}; published: {shown}")

        response = self._export(staff, consultation, "csv")
        r.check("5 · the staff CSV export works", response.status == 200 and b"," in response.body, _status(response))
        self._oversize_upload(staff)
        self._walk()

    def _export(self, staff: Browser, consultation: int, fmt: str) -> Response:
        """The staff export (a POST from the consultation's staff page: the download is audited)."""
        return staff.post(f"/staff/consultations/{consultation}/export/{fmt}",
                          {"csrf_token": staff.csrf(f"/staff/consultations/{consultation}")})

    def _oversize_upload(self, staff: Browser) -> None:
        item = self.world["decisions"]["consulting"]
        path = f"/staff/catalogue/items/{item}/documents/new"
        token = staff.csrf(path)
        boundary = "replay" + secrets.token_hex(8)
        head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                       for k, v in (("csrf_token", token), ("kind", "other"), ("title", "超大附件"))).encode()
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
                 "Content-Type: application/pdf\r\n\r\n").encode()
        body = head + b"%PDF-1.4\n" + b"0" * self.upload_bytes + f"\r\n--{boundary}--\r\n".encode()
        response = staff.raw("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.report.check("5 · a logged-in upload over the size limit is 413", response.status == 413, _status(response))

    def _walk(self) -> None:
        """Every GET route of the URL map, as each role, with hostile query strings: no 5xx; every
        staff and admin page ``Cache-Control: no-store``."""
        r = self.report
        browsers = {"anonymous": self.browser(), "resident": self.as_("commenter"), "staff": self.as_("staff"),
                    "admin": self.as_("admin")}
        urls = walk_urls(self.world)
        keys = ["page", "per_page", "unit", "unit_id", "year", "q", "status", "section", "campaign", "object_id",
                "actor_id", "object_type", "action", "start", "n", "endpoint", "consultation_id", "topic", "kind",
                "sort", "month", "category", "since", "type", "show", "lang", "next", "id", "limit", "offset"]
        queries = [{k: HUGE for k in keys}, {k: "²" for k in keys}, {k: "" for k in keys},
                   {k: "中文\u202e<script>alert(1)</script>'\"" for k in keys},
                   {"zz-unknown": "1", "endpoint": "x", "_external": "1", "_anchor": "y", "_scheme": "javascript",
                    "page": "-1", "per_page": "0"}]
        errors: list[str] = []
        not_private: list[str] = []
        count = 0
        for url in urls:
            for role, browser in browsers.items():
                plain = browser.get(url)
                count += 1
                if plain.status >= 500:
                    errors.append(f"{role} {url} → {plain.status}")
                private = url.startswith(("/staff", "/admin")) and role in ("staff", "admin")
                if private and plain.status == 200 and "no-store" not in (plain.header("Cache-Control") or ""):
                    not_private.append(f"{role} {url}: {plain.header('Cache-Control')}")
                for query in queries:
                    response = browser.get(url, query)
                    count += 1
                    if response.status >= 500:
                        errors.append(f"{role} {url}?{urllib.parse.urlencode(query)[:80]} → {response.status}")
            if role_lost(browsers):
                raise AssertionError("a walked page logged a browser out")
        r.check(f"5 · walk of {len(urls)} GET routes × 4 roles × 6 query strings ({count} requests): no 5xx",
                not errors, "; ".join(errors[:10]) + (f" (+{len(errors) - 10})" if len(errors) > 10 else ""))
        r.check("6 · every staff and admin page of the walk is no-store", not not_private, "; ".join(not_private[:10]))

    # 6. no-store --------------------------------------------------------------------------------------

    def no_store(self) -> None:
        w, r = self.world, self.report
        resident, staff = self.as_("commenter"), self.as_("staff")
        registration, consultation = w["registration"], w["consultations"]["open"]
        pages = [(resident, "/me"), (resident, "/me/export.json"), (resident, f"/me/open-days/{registration}"),
                 (resident, f"/me/open-days/{registration}.ics"), (resident, f"/me/open-days/{registration}/qr.png"),
                 (resident, "/me/comments"), (resident, "/me/inbox"),
                 (staff, f"/staff/consultations/{consultation}/export/csv"),
                 (staff, f"/staff/consultations/{consultation}/export/xlsx"), (staff, "/staff")]
        for browser, path in pages:
            export = re.fullmatch(r"/staff/consultations/(\d+)/export/(\w+)", path)
            response = self._export(browser, int(export[1]), export[2]) if export else browser.get(path)
            header = response.header("Cache-Control") or ""
            r.check(f"6 · {path} is Cache-Control: no-store", response.status == 200 and "no-store" in header,
                    f"{response.status}, Cache-Control: {header!r}")

    # 7. accounts ---------------------------------------------------------------------------------------

    def accounts(self) -> None:
        w, r = self.world, self.report
        results = [_logged_in(self.browser().log_in(w["accounts"]["owner"], self.password)) for _ in range(6)]
        r.check("7 · six correct logins in a row do not lock the owner out", all(results), f"logins: {results}")

        answers = []
        for login in (w["accounts"]["commenter"].upper(), f"replay-{self.tag}-new@example.com"):
            browser = self.browser()
            response = browser.submit("/auth/register", {"login": login, "name": "回放新用户", "password": NEW_PASSWORD,
                                                         "confirm": NEW_PASSWORD, "agree": "y"}, action="/auth/register")
            follow = browser.get(urllib.parse.urlsplit(response.location).path or "/") if response.location else response
            answers.append((response.status, urllib.parse.urlsplit(response.location).path, follow.status,
                            _visible(follow.text).replace(login.lower(), "").replace(login, "").count("alert")))
        r.check("7 · registration answers the same for a registered and a new email", answers[0] == answers[1]
                and answers[0][0] == 302, f"registered: {answers[0]}, new: {answers[1]}")

        unverified = self.browser()
        unverified.log_in(w["accounts"]["unverified"], self.password)
        consultation = w["consultations"]["open"]
        marker = f"回放{self.tag}-unverified"
        response = unverified.submit(f"/consultations/{consultation}", {
            "section_id": "", "text": f"{marker}：未验证账号的意见。", "respondent_type": "citizen",
            "show_as": "masked", "consent": "y"}, action=f"/consultations/{consultation}/comments") \
            if _has_form(unverified, f"/consultations/{consultation}", f"/consultations/{consultation}/comments") \
            else unverified.post(f"/consultations/{consultation}/comments", {
                "csrf_token": unverified.csrf("/me"), "text": f"{marker}：未验证账号的意见。", "consent": "y"})
        stored = marker in self.as_("staff").get(f"/staff/consultations/{consultation}/moderation").text
        r.check("7 · an unverified account cannot comment", "/auth/verify" in response.location and not stored,
                f"{_status(response)}; stored: {stored}")
        response = unverified.get(f"/meetings/{w['meetings']['signup']}/apply")
        r.check("7 · an unverified account cannot sign up for a meeting", "/auth/verify" in response.location,
                _status(response))
        response = unverified.post(f"/open-days/{w['activity']}", {
            "csrf_token": unverified.csrf("/me"), "slot_id": str(w["slot"]), "name": "王五",
            "mobile": "13912345678", "consent": "y"})
        r.check("7 · an unverified account cannot register for an open day", "/auth/verify" in response.location,
                _status(response))

        answers = []
        for address in (w["accounts"]["reset"], f"nobody-{self.tag}@example.com"):
            response = self.browser().submit("/auth/reset", {"email": address}, action="/auth/reset")
            answers.append((response.status, response.location))
        r.check("7 · a password reset answers the same for a known and an unknown email", answers[0] == answers[1]
                and answers[0][0] == 302, f"{answers}")
        if self.mail_dir:
            self._reset_by_mail()

    def _reset_by_mail(self) -> None:
        r, address = self.report, self.world["accounts"]["reset"]
        before, stolen = self._device("reset")
        link = _reset_link(self.mail_dir, address)  # type: ignore[arg-type]
        if not link:
            r.note("7 · the reset email arrives", False, f"no email to {address} in {self.mail_dir}")
            return
        path = urllib.parse.urlsplit(link).path
        browser = self.browser()
        response = browser.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, action=path)
        r.check("7 · the reset link sets a new password", response.status == 302, _status(response))
        r.check("7 · the new password logs in", _logged_in(self.browser().log_in(address, NEW_PASSWORD)), "refused")
        r.check("7 · the old password no longer does", not _logged_in(self.browser().log_in(address, self.password)),
                "the old password still logs in")
        again = self.browser().get(path)
        r.check("7 · the reset link works once", again.status != 200, _status(again))
        for name, value in stolen.items():
            r.check(f"3 · after a password reset the old {name} gets the login page",
                    _is_login_page(self._replay(name, value)), "still logged in")

    # 8. ID numbers ---------------------------------------------------------------------------------------

    def id_numbers(self) -> None:
        meeting = self.world["meetings"]["signup"]
        browser = self.as_("idcard")
        url = f"/meetings/{meeting}/apply"
        response = browser.submit(url, {"name": "张晓明", "mobile": "139 1234 5678", "id_number": "310229196503120025",
                                        "category": "citizen", "organisation": "", "relation": "本人居住在改造范围内。",
                                        "points": "建议增加停车位。", "interests": "无", "consent": "y"}, action=url)
        self.report.check("8 · 310229196503120025 (青浦县, born 1965) is accepted", response.status == 302,
                          _status(response))


def role_lost(browsers: dict[str, Browser]) -> bool:
    return any(role != "anonymous" and "session" not in b.cookies and "remember_token" not in b.cookies
               for role, b in browsers.items())


def _has_form(browser: Browser, page: str, action: str) -> bool:
    return any(f["action"] == action for f in parse_forms(browser.get(page).text))


def _visible(page: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)


def _comment_ids_of(page: str, markers: list[str]) -> dict[str, int]:
    """The comment id of each marker in the moderation queue (the checkbox of its row)."""
    found = {}
    rows = re.split(r"<tr[ >]", page)
    for row in rows:
        match = re.search(r'name="comment_ids" value="(\d+)"', row)
        text = html.unescape(row)
        for marker in markers:
            if match and marker in text and marker not in found:
                found[marker] = int(match.group(1))
    return found


def _readable(response: Response) -> str:
    """What a reader of the response sees: entities decoded, JSON strings unescaped."""
    kind = response.header("Content-Type") or ""
    if "json" in kind:
        try:
            return json.dumps(json.loads(response.body), ensure_ascii=False)
        except ValueError:
            return response.text
    return html.unescape(response.text)


def _written_forms(value: str) -> set[str]:
    compact = re.sub(r"[\s\-+]", "", value)
    forms = {value}
    if compact.isdigit() and len(compact) >= 11:
        forms.add(compact[-11:] if compact.startswith("86") else compact)
    return forms


def _lottery_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in re.findall(r'data-lottery="([a-z_]+)">([^<]*)<', page)}


def _remember_seconds(headers: list[str]) -> float | None:
    for line in headers:
        if line.startswith("remember_token="):
            cookie = SimpleCookie()
            cookie.load(line)
            morsel = cookie["remember_token"]
            ages = []
            if morsel["max-age"]:
                ages.append(float(morsel["max-age"]))
            if morsel["expires"]:
                ages.append(parsedate_to_datetime(morsel["expires"]).timestamp() - time.time())
            return max(ages) if ages else None
    return None


def _reset_link(folder: Path, address: str) -> str | None:
    for path in sorted(folder.rglob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(path.read_bytes())
        if address.lower() not in (message["To"] or "").lower():
            continue
        parts = [message] if not message.is_multipart() else list(message.walk())
        for part in parts:
            payload = part.get_payload(decode=True)
            if payload:
                match = re.search(r"https?://\S*/auth/reset/[A-Za-z0-9._\-]+", payload.decode("utf-8", "replace"))
                if match:
                    return match.group(0)
    return None


def walk_urls(world: dict) -> list[str]:
    """One URL per GET rule of the portal's URL map, its parameters filled from the world."""
    from portal import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "replay-url-map-only",
                      "RATELIMIT_ENABLED": False})
    from portal.feedback import charts as feedback_charts
    from portal.oversight import charts as oversight_charts

    now = datetime.fromisoformat(world["now"])
    values = {"account_id": world["account_ids"]["owner"], "year": now.year, "unit_slug": world["unit"]["slug"],
              "slug": world["unit"]["slug"], "unit_id": world["unit"]["id"], "consultation_id": world["consultations"]["open"],
              "item_id": world["decisions"]["consulting"], "decision_id": world["decisions"]["reported"],
              "meeting_id": world["meetings"]["drawn"], "application_id": world["applications"]["open"],
              "activity_id": world["activity"], "registration_id": world["registration"], "slot_id": world["slot"],
              "section_id": world["sections"]["open"][0], "code": "en", "size": "large",
              "tracking_number": "zz-unknown", "token": "zz-unknown"}
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static", "bootstrap.static", "readyz"):
            continue
        if rule.endpoint in ("main.language", "main.text_size"):
            continue  # preferences: they only set a cookie of the browser that asks
        arguments = {}
        for name in rule.arguments:
            if name == "kind":
                kinds = oversight_charts.KINDS if rule.endpoint.startswith("oversight.") else feedback_charts.KINDS
                arguments[name] = list(kinds)[0]
            else:
                converter = rule._converters.get(name)
                is_int = converter is not None and converter.__class__.__name__.endswith("IntConverter")
                arguments[name] = values.get(name, 2**31 - 1 if is_int else "zz-unknown")
        with app.test_request_context():
            urls.append(app.url_map.bind("localhost").build(rule.endpoint, arguments, method="GET"))
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="where the portal is served, e.g. http://127.0.0.1:8000")
    parser.add_argument("--world", required=True, type=Path, help="the JSON printed by tests.robustness.replay_seed")
    parser.add_argument("--host", help="the Host header to send (default: the base URL's)")
    parser.add_argument("--public-base-url", help="the portal's PORTAL_BASE_URL (default: as the seed recorded it)")
    parser.add_argument("--mail-dir", type=Path, help="the file mail backend's folder: follow the reset email")
    parser.add_argument("--upload-bytes", type=int, default=26 * 1024 * 1024, help="size of the over-size upload")
    args = parser.parse_args(argv)
    world = json.loads(args.world.read_text(encoding="utf-8"))
    report = Report()
    Replay(args.base_url, world, report, host=args.host, public_base_url=args.public_base_url,
           mail_dir=args.mail_dir, upload_bytes=args.upload_bytes).run()
    failed = report.failures
    print(f"{len(report.lines)} checks, {len(report.lines) - len(failed)} held, {len(failed)} FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
