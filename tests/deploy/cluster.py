"""The pieces of the deployment test, each owned by the test: nginx with deploy/nginx/portal.conf,
gunicorn app nodes with deploy/gunicorn.conf.py, a TCP proxy in front of PostgreSQL that can cut
the connection, and a throwaway redis-server. Ports come from 18000-18999; every process is
started here and stopped by its own pid."""
from __future__ import annotations

import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.load.conftest import Client, NoRedirect

ROOT = Path(__file__).resolve().parents[2]
HOST = "portal.test"
PORT_RANGE = (18000, 18999)
TRACE_MARKERS = ("Traceback", "psycopg", "sqlalchemy", 'File "/')


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def free_ports(count: int) -> list[int]:
    """``count`` free loopback ports from 18000-18999 (starting at a random place)."""
    low, high = PORT_RANGE
    start = random.randint(low, high)
    found: list[int] = []
    for offset in range(high - low + 1):
        port = low + (start - low + offset) % (high - low + 1)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError("no free ports in 18000-18999")


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(interval)
    return False


# --- clients -------------------------------------------------------------------------------------

class Responses:
    """Every response the test received: statuses, and any body that shows a trace."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.traces: list[tuple[str, int, str]] = []

    def note(self, path: str, status: int, body: str) -> None:
        with self.lock:
            self.count += 1
            if any(marker in body for marker in TRACE_MARKERS):
                self.traces.append((path, status, body[:300]))


class TlsClient(Client):
    """A visitor of https://portal.test through nginx: own cookies, no redirects followed."""

    def __init__(self, base: str, responses: Responses):
        self.base = base
        self.responses = responses
        self.jar = http.cookiejar.CookieJar()
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), urllib.request.HTTPCookieProcessor(self.jar),
            NoRedirect())

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 60,
                headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers={"Host": HOST, **(headers or {})})
        try:
            with self.opener.open(req, timeout=timeout) as response:
                result = response.status, response.headers, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            result = error.code, error.headers, error.read().decode("utf-8", "replace")
        self.responses.note(path, result[0], result[2])
        return result


# --- processes -----------------------------------------------------------------------------------

class Node:
    """One app node: gunicorn (2 workers) with deploy/gunicorn.conf.py, its own instance folder."""

    def __init__(self, name: str, port: int, env: dict[str, str], workdir: Path):
        self.name, self.port = name, port
        self.instance = workdir / name
        self.instance.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"{name}.log"
        self.env = {**os.environ, **env, "PORTAL_BIND": f"127.0.0.1:{port}",
                    "PORTAL_INSTANCE_PATH": str(self.instance), "GUNICORN_WORKERS": "2"}
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Node":
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([gunicorn, "--config", str(ROOT / "deploy" / "gunicorn.conf.py")],
                                         cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        if not wait_for(self._healthy, 60, 0.2):
            raise RuntimeError(f"{self.name} did not start:\n" + self.log_text()[-3000:])
        return self

    def _healthy(self) -> bool:
        with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
            return response.status == 200

    def kill(self) -> None:
        """SIGKILL to the master and its workers (one process group) at once."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


class Nginx:
    """nginx as this user, with deploy/nginx/portal.conf rewritten only where a sysadmin would
    edit it (host name, certificate, checkout path, app nodes, ports, log folder)."""

    def __init__(self, workdir: Path, https_port: int, http_port: int, nodes: list[Node]):
        self.dir = workdir / "nginx"
        self.https_port, self.http_port = https_port, http_port
        for sub in ("logs", "tmp"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self._certificate()
        site = (ROOT / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")
        upstream = "\n    ".join(f"server 127.0.0.1:{n.port} max_fails=1 fail_timeout=10s;" for n in nodes)
        site = site.replace("server 127.0.0.1:8000 max_fails=1 fail_timeout=10s;", upstream)
        site = "\n".join(line for line in site.splitlines() if "[::]" not in line)  # no IPv6 here
        for old, new in (("portal.example.gov.cn", HOST), ("/etc/ssl/portal/", f"{self.dir}/"),
                         ("/srv/portal", str(ROOT)), ("/var/log/nginx/", f"{self.dir}/logs/"),
                         ("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
                         ("listen 80", f"listen 127.0.0.1:{http_port}")):
            assert old in site, old
            site = site.replace(old, new)
        (self.dir / "portal.conf").write_text(site, encoding="utf-8")
        user = "user root root;\n" if os.geteuid() == 0 else ""
        temp = self.dir / "tmp"
        (self.dir / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {self.dir}/nginx.pid;\nerror_log {self.dir}/logs/error.log warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
            f"  access_log {self.dir}/logs/access.log;\n"
            f"  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
            f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n"
            f"  include {self.dir}/portal.conf;\n}}\n", encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def _certificate(self) -> None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
                        "-keyout", str(self.dir / "privkey.pem"), "-out", str(self.dir / "fullchain.pem")],
                       check=True, capture_output=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def start(self) -> "Nginx":
        binary = nginx_binary()
        assert binary
        check = subprocess.run([binary, "-t", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
                                      "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                return True

        assert wait_for(up, 20), "nginx did not start"
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # nginx's fast shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


class TcpProxy:
    """The loopback TCP proxy to PostgreSQL (tests/deploy/tcpproxy.py, its own process): ``cut()``
    closes every open connection and refuses new ones until ``restore()``."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port = port
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.deploy.tcpproxy", str(port),
                                      f"{target[0]}:{target[1]}"], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"
        self.proc.stdout.close()

    def cut(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.1)

    def restore(self) -> None:
        self.proc.send_signal(signal.SIGUSR2)
        time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


class RedisServer:
    """A throwaway redis-server of this test on its own port (never the shared one)."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        assert wait_for(up, 10), "redis-server did not start"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def request_ids_in(log: str) -> set[str]:
    return set(re.findall(r'"request_id": "([^"]+)"', log))
