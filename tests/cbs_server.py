"""Local fake of the CBS OData v3 bulk feed and the PDOK WFS, serving ../shared/cbs-mirror.

The live host becomes the first path segment (see the mirror's README.md):

- ``/{catalog}/ODataFeed/odata/{TABLE}[/]``  → ``{TABLE}/index.json`` (service document; the
  absolute ``https://{catalog}/…`` URLs in it are rewritten to point at this server);
- ``/{catalog}/ODataFeed/odata/{TABLE}/{Set}`` → ``{Set}.json`` (or ``{Set}.json.gz``), cut into
  pages of ``page_size`` rows with ``$skip``/``$top`` and an absolute ``odata.nextLink``;
- ``/service.pdok.nl/cbs/gebiedsindelingen/{YEAR}/wfs/v1_0?request=GetFeature&typeName=…``
  → ``{LAYER}.geojson``, with WFS 2.0 ``count``/``startIndex`` paging.

Faults (slow replies, error statuses, connection resets, truncated bodies, 404s, bodies
dripped a few bytes at a time, malformed replies, changed or duplicated rows) can be
injected per URL substring with :meth:`MirrorServer.add_fault`. Standard library only.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote

__all__ = ["FAULT_KINDS", "Fault", "MirrorServer"]

FAULT_KINDS = frozenset({"slow", "status", "reset", "truncate", "404", "drip", "body",
                         "patch", "duplicate"})
ODATA_HOSTS = ("opendata.cbs.nl", "dataderden.cbs.nl")
PDOK_HOST = "service.pdok.nl"
JSON_CT = "application/json;charset=utf-8"

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_ODATA_PATH = re.compile(
    r"^/(?P<host>[^/]+)/ODataFeed/odata/(?P<table>[^/]+)(?:/(?P<set>[^/]*))?/?$"
)
_WFS_PATH = re.compile(r"^/service\.pdok\.nl/cbs/gebiedsindelingen/(?P<year>[^/]+)/wfs/v1_0/?$")


@dataclass
class Fault:
    """One injected fault: applies to requests whose path+query contains ``match``."""

    match: str
    kind: str
    times: int | None = 1  # None = forever
    opts: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error_reply(status: int, message: str, headers: dict[str, str] | None = None) -> _Reply:
    body = json.dumps({"error": {"code": status, "message": message}}).encode()
    return _Reply(status, body, dict(headers or {}))


def _safe(segment: str | None) -> bool:
    return bool(segment) and bool(_SEGMENT.match(segment or "")) and ".." not in (segment or "")


def _int_param(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name.lower())
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise _HTTPError(400, f"invalid {name}: {raw!r}") from None
    if value < 0:
        raise _HTTPError(400, f"invalid {name}: {raw!r}")
    return value


def _region(row: dict[str, Any]) -> str:
    return str(row.get("WijkenEnBuurten") or row.get("Codering_3") or "").strip()


def _changed_rows(rows: list[Any], kind: str, opts: dict[str, Any]) -> list[Any]:
    """``patch``: ``rows={code: {key: value}}`` sets values of a region's rows.
    ``duplicate``: ``code``, ``key``, ``value`` adds a second row for that region (and, in
    tables with periods, the same period) that differs in that one key."""
    if kind == "patch":
        wanted: dict[str, dict[str, Any]] = opts["rows"]
        return [{**row, **wanted[_region(row)]} if _region(row) in wanted else row
                for row in rows]
    out = list(rows)
    for row in rows:
        if _region(row) == opts["code"]:
            out.append({**row, "ID": len(out), opts["key"]: opts["value"]})
            break
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    mirror: MirrorServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "cbs-mirror-fake/1.0"
    timeout = 30  # idle keep-alive connections end after this

    # -- quiet ---------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- connection tracking (so stop() can end keep-alive threads) ----------
    def setup(self) -> None:
        super().setup()
        self.server.mirror._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.mirror._track(self.connection, add=False)

    # -- dispatch ------------------------------------------------------------
    def do_GET(self) -> None:
        try:
            self._handle_get()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def _handle_get(self) -> None:
        mirror = self.server.mirror
        target = unquote(self.path)
        fault = mirror._take_fault(self.path, target)
        if fault is None:
            self._send(mirror._resolve(self.path), target)
            return
        opts = fault.opts
        if fault.kind == "slow":
            if mirror._stopping.wait(float(opts.get("delay", 5.0))):
                self.close_connection = True
                return
            self._send(mirror._resolve(self.path), target)
        elif fault.kind == "status":
            status = int(opts.get("status", 503))
            headers = {}
            if opts.get("retry_after") is not None:
                headers["Retry-After"] = str(opts["retry_after"])
            self._send(_error_reply(status, f"injected fault: status {status}", headers), target)
        elif fault.kind == "404":
            self._send(_error_reply(404, "injected fault: not found"), target)
        elif fault.kind == "truncate":
            reply = mirror._resolve(self.path)
            reply.body = reply.body[: len(reply.body) // 2]
            self.close_connection = True
            self._send(reply, target)
        elif fault.kind == "reset":
            self._send_reset(mirror._resolve(self.path), target)
        elif fault.kind == "drip":
            self._send_drip(mirror._resolve(self.path), target, float(opts.get("rate", 64)))
        elif fault.kind == "body":  # a 200 whose JSON is whatever the test says
            body = json.dumps(opts["body"]).encode()
            self._send(_Reply(200, body), target)
        elif fault.kind in ("patch", "duplicate"):
            self._send(mirror._resolve(self.path, rows=(fault.kind, opts)), target)
        else:  # pragma: no cover - add_fault validates kinds
            self._send(_error_reply(500, f"unknown fault kind {fault.kind!r}"), target)

    # -- writing -------------------------------------------------------------
    def _write_head(self, reply: _Reply, target: str, content_length: int) -> None:
        self.server.mirror._log(target, reply.status)
        self.send_response(reply.status)
        self.send_header("Content-Type", JSON_CT)
        self.send_header("Content-Length", str(content_length))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _send(self, reply: _Reply, target: str) -> None:
        self._write_head(reply, target, len(reply.body))
        self.wfile.write(reply.body)
        self.wfile.flush()

    def _send_drip(self, reply: _Reply, target: str, rate: float) -> None:
        """The headers at once, then the body at ``rate`` bytes a second (a slow link that
        never stalls long enough for a read timeout)."""
        self._write_head(reply, target, len(reply.body))
        chunk = max(1, int(rate / 8))
        for start in range(0, len(reply.body), chunk):
            if self.server.mirror._stopping.wait(chunk / rate):
                self.close_connection = True
                return
            self.wfile.write(reply.body[start:start + chunk])
            self.wfile.flush()

    def _send_reset(self, reply: _Reply, target: str) -> None:
        self.close_connection = True
        self._write_head(reply, target, len(reply.body))
        self.wfile.write(reply.body[: len(reply.body) // 2])
        self.wfile.flush()
        with contextlib.suppress(OSError):  # SO_LINGER 0: close() sends RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.rfile.close()
            self.connection.close()


class MirrorServer:
    """Threaded HTTP server that answers like CBS OData / PDOK WFS from a mirror directory.

    Use as a context manager::

        with MirrorServer(root, page_size=5000) as srv:
            requests.get(f"{srv.url}/opendata.cbs.nl/ODataFeed/odata/85984NED/TableInfos")
    """

    def __init__(self, root: Path | str, page_size: int = 5000, host: str = "127.0.0.1") -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"mirror directory not found: {self.root}")
        self.page_size = page_size
        self._host = host
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._cache: dict[Path, Any] = {}
        self._cache_lock = threading.Lock()
        self._file_locks: dict[Path, threading.Lock] = {}
        self._log_lock = threading.Lock()
        self._requests: list[tuple[str, int]] = []
        self._fault_lock = threading.Lock()
        self._faults: list[Fault] = []
        self._conn_lock = threading.Lock()
        self._conns: set[socket.socket] = set()

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> MirrorServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Server((self._host, 0), _Handler)
        httpd.mirror = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="cbs-mirror-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes "slow" faults
        httpd.shutdown()
        httpd.server_close()
        with self._conn_lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:  # end idle keep-alive connections
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    # -- request log ---------------------------------------------------------
    @property
    def requests(self) -> list[tuple[str, int]]:
        """Copy of the request log: ``(path_with_query, status)`` in order (percent-decoded)."""
        with self._log_lock:
            return list(self._requests)

    def clear_log(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def _log(self, target: str, status: int) -> None:
        with self._log_lock:
            self._requests.append((target, status))

    # -- faults --------------------------------------------------------------
    def add_fault(self, match: str, kind: str, times: int | None = 1, **opts: Any) -> Fault:
        """Inject a fault for requests whose path+query contains ``match``.

        ``kind``: ``"slow"`` (``delay`` s, default 5.0, then normal reply), ``"status"``
        (``status``, optional ``retry_after``), ``"reset"`` (half the body, then RST),
        ``"truncate"`` (200 with the first half of the body), ``"404"``, ``"drip"`` (the
        body at ``rate`` bytes a second, default 64), ``"body"`` (200 with the JSON ``body``),
        ``"patch"`` (OData rows with ``rows={code: {key: value}}`` changed) and
        ``"duplicate"`` (one more row for ``code`` with ``key`` set to ``value``).
        ``times`` = how many matching requests it hits; ``None`` = forever.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if kind == "status" and "status" not in opts:
            raise ValueError('fault kind "status" needs status=...')
        needs = {"body": ("body",), "patch": ("rows",), "duplicate": ("code", "key", "value")}
        missing = [name for name in needs.get(kind, ()) if name not in opts]
        if missing:
            raise ValueError(f"fault kind {kind!r} needs {', '.join(missing)}=...")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        fault = Fault(match, kind, times, dict(opts))
        with self._fault_lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._fault_lock:
            self._faults.clear()

    def _take_fault(self, raw: str, decoded: str) -> Fault | None:
        with self._fault_lock:
            for fault in self._faults:
                if fault.match in raw or fault.match in decoded:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # -- connections ---------------------------------------------------------
    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    # -- data ----------------------------------------------------------------
    def _load(self, path: Path) -> Any:
        """Parsed JSON of ``path`` (``.json`` or ``.json.gz``), cached per file."""
        with self._cache_lock:
            if path in self._cache:
                return self._cache[path]
            file_lock = self._file_locks.setdefault(path, threading.Lock())
        with file_lock:  # one parse per file even under concurrent first requests
            with self._cache_lock:
                if path in self._cache:
                    return self._cache[path]
            if path.name.endswith(".gz"):
                with gzip.open(path, "rb") as fh:
                    data = json.loads(fh.read().decode("utf-8"))
            else:
                data = json.loads(path.read_bytes().decode("utf-8"))
            with self._cache_lock:
                self._cache[path] = data
            return data

    def _resolve(self, raw_target: str, rows: tuple[str, dict[str, Any]] | None = None
                 ) -> _Reply:
        raw_path, _, query = raw_target.partition("?")
        path = unquote(raw_path)
        params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        try:
            if m := _ODATA_PATH.match(path):
                return self._odata(m["host"], m["table"], m["set"] or "", params, rows)
            if m := _WFS_PATH.match(path):
                return self._wfs(m["year"], params)
            raise _HTTPError(404, f"no such resource: {path}")
        except _HTTPError as err:
            return _error_reply(err.status, err.message)

    def _table_dir(self, host: str, table: str) -> Path:
        if host not in ODATA_HOSTS or not _safe(table):
            raise _HTTPError(404, f"unknown table {host}/{table}")
        base = self.root / host / "ODataFeed" / "odata"
        tdir = base / table
        if not tdir.is_dir() and base.is_dir():
            for cand in base.iterdir():  # table ids are case-insensitive on the live service
                if cand.is_dir() and cand.name.upper() == table.upper():
                    return cand
        if not tdir.is_dir():
            raise _HTTPError(404, f"unknown table {host}/{table}")
        return tdir

    def _odata(self, host: str, table: str, set_name: str, params: dict[str, str],
               change: tuple[str, dict[str, Any]] | None = None) -> _Reply:
        tdir = self._table_dir(host, table)
        if not set_name:
            index = tdir / "index.json"
            if not index.is_file():
                raise _HTTPError(404, f"no service document for {table}")
            text = index.read_text("utf-8")
            for live in ODATA_HOSTS:
                text = text.replace(f"https://{live}/", f"{self.url}/{live}/")
                text = text.replace(f"http://{live}/", f"{self.url}/{live}/")
            return _Reply(200, text.encode("utf-8"))
        if not _safe(set_name) or set_name == "index":
            raise _HTTPError(404, f"unknown entity set {table}/{set_name}")
        plain = tdir / f"{set_name}.json"
        packed = tdir / f"{set_name}.json.gz"
        if plain.is_file():
            data = self._load(plain)
        elif packed.is_file():
            data = self._load(packed)
        else:
            raise _HTTPError(404, f"unknown entity set {table}/{set_name}")
        if not isinstance(data, dict) or not isinstance(data.get("value"), list):
            return _Reply(200, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        rows: list[Any] = data["value"]
        if change is not None:
            rows = _changed_rows(rows, *change)
        skip = _int_param(params, "$skip") or 0
        top = _int_param(params, "$top")
        end = len(rows) if top is None else min(len(rows), skip + top)
        page_end = max(skip, min(end, skip + self.page_size))
        reply: dict[str, Any] = {k: v for k, v in data.items() if k != "value"}
        reply["value"] = rows[skip:page_end]
        if page_end < end:
            link = f"{self.url}/{host}/ODataFeed/odata/{tdir.name}/{set_name}"
            link += f"?$format=json&$skip={page_end}"
            if top is not None:
                link += f"&$top={end - page_end}"
            reply["odata.nextLink"] = link
        return _Reply(200, json.dumps(reply, ensure_ascii=False).encode("utf-8"))

    def _wfs(self, year: str, params: dict[str, str]) -> _Reply:
        request = params.get("request", "")
        if request.lower() != "getfeature":
            raise _HTTPError(400, f"unsupported WFS request {request!r} (only GetFeature)")
        type_name = params.get("typenames") or params.get("typename") or ""
        if not type_name:
            raise _HTTPError(400, "missing typeName")
        layer = type_name.split(":", 1)[-1]
        if not _safe(year) or not _safe(layer):
            raise _HTTPError(404, f"unknown layer {type_name!r}")
        path = self.root / PDOK_HOST / "cbs" / "gebiedsindelingen" / year / "wfs" / "v1_0"
        path = path / f"{layer}.geojson"
        if not path.is_file():
            raise _HTTPError(404, f"unknown layer {type_name!r} for {year}")
        data = self._load(path)
        features: list[Any] = data.get("features", [])
        start = _int_param(params, "startIndex") or 0
        count = _int_param(params, "count")
        if count is None:
            count = _int_param(params, "maxFeatures")  # WFS 1.x spelling
        page = features[start:] if count is None else features[start : start + count]
        reply: dict[str, Any] = {k: v for k, v in data.items() if k != "features"}
        reply["features"] = page
        reply["numberMatched"] = len(features)
        reply["numberReturned"] = len(page)
        return _Reply(200, json.dumps(reply, ensure_ascii=False).encode("utf-8"))
