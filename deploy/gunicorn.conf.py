"""gunicorn settings of an app node (used by deploy/systemd/portal.service and tests/deploy).

Sync workers behind nginx: nginx buffers whole requests and responses (deploy/nginx/portal.conf),
so a worker is only busy while the portal computes; slow or stalled clients wait in nginx. The
worker timeout (30 s) is longer than the database's connect and statement timeouts
(DATABASE_CONNECT_TIMEOUT 5 s, DATABASE_STATEMENT_TIMEOUT_MS 10 s), so a stalled database answers
503 pages instead of getting workers killed.

Environment (all optional): PORTAL_BIND (127.0.0.1:8000), GUNICORN_WORKERS (2 per core + 1),
GUNICORN_TIMEOUT (30), GUNICORN_ACCESS_LOG ("-" for standard output; off by default when the
portal writes its own request log with LOG_FORMAT=json).
"""
import multiprocessing
import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 20
# nginx keeps upstream connections open (keepalive 32 in the upstream block).
keepalive = 15
# Recycle workers now and then (bounded memory growth), not all at once.
max_requests = 5000
max_requests_jitter = 500
# nginx sends X-Forwarded-*; the portal trusts PROXY_HOPS of them (werkzeug ProxyFix).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Refuse oversized request lines and headers before the portal sees them (nginx does too).
limit_request_line = 8190
limit_request_fields = 100
proc_name = "portal"
wsgi_app = "portal:create_app()"
