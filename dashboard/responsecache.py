"""Finished replies, kept: the same request gets the same bytes without any work.

Every callback reply, CSV download and API answer is a pure function of the request (all
view state travels in the URL or the callback body) and of the store, which never changes
while a process runs. So the reply as it leaves the app (serialised and compressed) is kept
under a hash of what determines it, and sent again when the same request comes back. A
newsletter link sends thousands of people to the same few views: after the first, those
cost a dictionary lookup instead of a query, a JSON dump and a gzip.

The key holds the store file's identity and the app's version, so replicas sharing one
Redis (``ZOW_REDIS_URL``) never mix releases, and the day, because Excel files say the day
they were made. Only 200 replies are kept, each at most ``MAX_ENTRY_BYTES``.
"""

from __future__ import annotations

import hashlib
from datetime import date
from importlib.metadata import PackageNotFoundError, version

import dash
from flask import Response, g, request
from flask_caching import Cache

MAX_ENTRY_BYTES = 256 * 1024
# Pure GET routes (by path prefix) whose replies are kept, beside the callback POSTs.
CACHED_GET_PREFIXES = ("/download/", "/api/v1/")
HIT_HEADER = "X-Zow-Cache"


def _app_version() -> str:
    try:
        return version("zicht-op-wijken")
    except PackageNotFoundError:
        return "dev"


def request_key(callback_path: str, namespace: str) -> str | None:
    """The cache key of the current request, or None when its reply must not be kept."""
    if request.method == "POST" and request.path == callback_path:
        payload = request.get_data(cache=True)
    elif request.method == "GET" and request.path.startswith(CACHED_GET_PREFIXES):
        payload = request.query_string
    else:
        return None
    digest = hashlib.sha256()
    for part in (namespace, date.today().isoformat(), request.method, request.path,
                 request.headers.get("Accept-Encoding", "")):
        digest.update(part.encode() + b"\0")
    digest.update(payload)
    return "zow:reply:" + digest.hexdigest()


def install_response_cache(app: dash.Dash, cache: Cache, build: str) -> None:
    """Serve kept replies before Dash or the routes run; keep new 200 replies.

    Call this *before* ``Compress(server)``: Flask runs ``after_request`` hooks in reverse
    order, so the hook registered first sees the reply last, compressed and complete."""
    server = app.server
    callback_path = f"{app.config.routes_pathname_prefix}_dash-update-component"
    namespace = f"{_app_version()}:{build}"

    @server.before_request
    def _send_kept_reply() -> Response | None:
        key = request_key(callback_path, namespace)
        if key is None:
            return None
        kept = cache.get(key)
        if kept is None:
            g.zow_reply_key = key
            return None
        body, headers = kept
        response = Response(body, status=200, headers=headers)
        response.headers[HIT_HEADER] = "hit"
        return response

    @server.after_request
    def _keep_reply(response: Response) -> Response:
        key = g.pop("zow_reply_key", None)
        if (key is None or response.status_code != 200 or response.direct_passthrough
                or response.is_streamed):
            return response
        body = response.get_data()
        if len(body) <= MAX_ENTRY_BYTES:
            headers = [(k, v) for k, v in response.headers.items()
                       if k.lower() not in ("content-length", "set-cookie")]
            cache.set(key, (body, headers))
        response.headers[HIT_HEADER] = "miss"
        return response
