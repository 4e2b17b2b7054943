"""What keeps the app standing on the open internet, apart from the security headers and
payload checks of ``dashboard.security``:

* **Request bodies** are read whole, within ``BODY_SECONDS`` and up to ``MAX_BODY_BYTES``,
  before the app sees them (408 / 413 otherwise): a client that announces a body and sends
  it slowly, or never (a lying ``Content-Length``), costs a socket for a few seconds and
  never a worker. The deadline needs a server whose sockets yield (gunicorn's gevent worker,
  what ``zow serve`` runs); elsewhere the body is still read up front, capped in size.
* **Rate limits per client** (flask-limiter) on the expensive routes: downloads, the JSON
  API, and the callback route with a limit people never meet. The counts live in Redis when
  ``ZOW_REDIS_URL`` is set (shared by every worker and replica), else in each worker's
  memory. The client is the peer address; ``X-Forwarded-For`` counts only behind
  ``ZOW_TRUSTED_PROXIES`` (the number of proxies in front that set it, e.g. 1 behind the
  project's nginx). ``ZOW_RATE_LIMITS=off`` turns the limits off (tests of other things).
* **Unknown paths** answer HTTP 404, with the app's own not-found page
  (``pages/not_found_404.py``); every page address the pages router knows keeps 200.
* **Development-only routes** (Dash's ``/_reload-hash``, which lists the installed
  packages) answer 404 unless the app runs for development (``zow serve --dev``).
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NoReturn

import dash
from flask import Flask, Response, abort, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from core.sources import ATTRIBUTION

#: The largest request body the app takes (the callback route's own cap is 256 KB).
MAX_BODY_BYTES = 1024 * 1024
#: Seconds a client has to send a request body, once its headers are in.
BODY_SECONDS = 10.0
#: Limits per client and group of routes (a path prefix), in flask-limiter's notation.
#: An Excel download of every wijk costs about 1.7 s of CPU; the browser sends a few
#: callbacks per click (and one per block of table rows).
RATE_LIMITS: dict[str, tuple[str, str]] = {  # group: (path prefix, limit)
    "download": ("/download/", "10 per minute"),
    "api": ("/api/v1/", "60 per minute"),
    "callback": ("/_dash-update-component", "600 per minute;60 per second"),
}
#: Dash routes that only make sense while working on the code.
DEV_ONLY_ROUTES = ("_reload-hash",)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def install(app: dash.Dash, *, dev: bool = False, rate_limits: bool | None = None) -> None:
    """Everything above, on a freshly made app. Call it before any other hook is added:
    the limits are checked before the other ``before_request`` hooks (payload checks, kept
    replies) do any work."""
    server = app.server
    server.wsgi_app = BufferedBody(server.wsgi_app)  # type: ignore[method-assign]
    proxies = int(os.environ.get("ZOW_TRUSTED_PROXIES", "0") or 0)
    if proxies > 0:
        # Outermost: the client address is the one the trusted proxies saw.
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=proxies, x_proto=0, x_host=0, x_port=0, x_prefix=0)
    if rate_limits is None:
        rate_limits = os.environ.get("ZOW_RATE_LIMITS", "on") != "off"
    if rate_limits:
        install_rate_limits(server)
    install_not_found(app)
    if not dev:
        hide_dev_routes(app)


# ------------------------------------------------------------------------ request bodies
class _NoDeadline(Exception):
    """Never raised: the exception to catch where reads cannot be timed out."""


def _deadline(seconds: float) -> tuple[AbstractContextManager[Any], type[BaseException]]:
    """A timeout around blocking socket reads, where the server's sockets are gevent's,
    and the exception it raises."""
    try:
        from gevent import Timeout, monkey
    except ImportError:  # pragma: no cover - gevent ships with the app
        return nullcontext(), _NoDeadline
    if not monkey.is_module_patched("socket"):
        return nullcontext(), _NoDeadline
    return Timeout(seconds), Timeout


def _plain_error(start_response: Callable[..., Any], status: str, message: str
                 ) -> list[bytes]:
    body = json.dumps({"error": message}).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body))),
                            ("X-Content-Type-Options", "nosniff"),
                            ("Cache-Control", "no-store")])
    return [body]


class BufferedBody:
    """WSGI middleware: the request body, read whole within a deadline, before the app."""

    def __init__(self, app: WSGIApp, seconds: float = BODY_SECONDS,
                 max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.seconds = seconds
        self.max_bytes = max_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length in ("", "0") and not chunked:
            return self.app(environ, start_response)
        try:
            announced = int(length) if length else None
        except ValueError:
            return _plain_error(start_response, "400 Bad Request", "bad Content-Length")
        if announced is not None and announced > self.max_bytes:
            return _plain_error(start_response, "413 Request Entity Too Large",
                                f"body over {self.max_bytes // 1024} KB")
        limit = self.max_bytes + 1 if announced is None else announced
        timer, expired = _deadline(self.seconds)
        try:
            with timer:
                body = _read(environ["wsgi.input"], limit)
        except expired:
            _stop_reading(environ)
            return _plain_error(start_response, "408 Request Timeout",
                                f"request body not received within {self.seconds:g} s")
        size = len(body)
        if size > self.max_bytes:
            return _plain_error(start_response, "413 Request Entity Too Large",
                                f"body over {self.max_bytes // 1024} KB")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(size)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


def _stop_reading(environ: dict[str, Any]) -> None:
    """Let the server see the end of a connection whose body never came: gunicorn would
    otherwise wait for the rest of it (up to its keep-alive timeout) before closing."""
    sock = environ.get("gunicorn.socket")
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass


def _read(stream: Any, limit: int) -> bytes:
    """At most ``limit`` bytes of a body stream, up to its end."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        part = stream.read(min(64 * 1024, limit - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


# --------------------------------------------------------------------------- rate limits
def _group(path: str) -> str | None:
    return next((name for name, (prefix, _) in RATE_LIMITS.items()
                 if path.startswith(prefix)), None)


def _too_many(limit: RequestLimit) -> Response:
    body: dict[str, Any] = {
        "error": f"too many requests ({limit.limit}); try again later",
    }
    if request.path.startswith("/api/"):  # the API's replies all carry the attribution
        body = {**body, "parameter": None, "attribution": ATTRIBUTION}
    return Response(json.dumps(body), status=429, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


def install_rate_limits(server: Flask) -> Limiter:
    """flask-limiter on ``server``: one shared counter per client and group of routes."""
    redis_url = os.environ.get("ZOW_REDIS_URL")

    def limit(name: str, rate: str) -> ApplicationLimit:
        return ApplicationLimit(rate, scope=name, exempt_when=lambda: _group(request.path)
                                != name)

    limiter = Limiter(
        get_remote_address,  # the peer, or what ProxyFix took from X-Forwarded-For
        application_limits=[limit(name, rate) for name, (_, rate) in RATE_LIMITS.items()],
        storage_uri=redis_url or "memory://",
        strategy="fixed-window",
        key_prefix="zow:limits",
        headers_enabled=True,  # Retry-After on a 429, X-RateLimit-* on limited routes
        swallow_errors=True,  # a broken store of counts must not take the site down
        in_memory_fallback_enabled=bool(redis_url),  # Redis away: count in memory
        on_breach=_too_many,
    )
    limiter.init_app(server)

    @server.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded) -> Response:
        # The reply on_breach made (JSON); without it, the same in short.
        return exc.get_response()  # type: ignore[return-value]

    server.extensions["zow_limiter"] = limiter
    return limiter


# -------------------------------------------------------------------- unknown addresses
def is_page(app: dash.Dash, path: str) -> bool:
    """Whether the pages router has a page for ``path`` (the not-found page aside)."""
    from dash._pages import _path_to_page  # the router's own matching, so both agree

    found, variables = _path_to_page(app.strip_relative_path(path) or "")
    if not found or str(found.get("module", "")).endswith("not_found_404"):
        return False
    # A page with a path template may say which of its addresses exist (the profile: a
    # region or focus area the store knows); the others are as unknown as any path.
    exists = getattr(sys.modules.get(str(found.get("module", ""))), "address_exists", None)
    return bool(exists(**(variables or {}))) if exists is not None else True


def install_not_found(app: dash.Dash) -> None:
    """Answer 404 for addresses that are no page. Dash serves its page shell for any path
    (the router then draws the not-found page in the browser); the shell stays, the status
    becomes 404."""
    server = app.server
    endpoint = f"{app.config.routes_pathname_prefix}<path:path>"
    shell = server.view_functions.get(endpoint)
    if shell is None:  # no pages router: nothing to correct
        return

    def catchall(*args: Any, **kwargs: Any) -> Response:
        response = server.make_response(shell(*args, **kwargs))
        if response.status_code == 200 and not is_page(app, request.path):
            response.status_code = 404
            response.headers["Cache-Control"] = "no-store"
        return response

    server.view_functions[endpoint] = catchall


def hide_dev_routes(app: dash.Dash) -> None:
    """Dash's development-only routes answer 404."""
    for name in DEV_ONLY_ROUTES:
        endpoint = f"{app.config.routes_pathname_prefix}{name}"
        if endpoint in app.server.view_functions:
            app.server.view_functions[endpoint] = _not_found


def _not_found() -> NoReturn:
    abort(404)
