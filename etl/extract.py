"""Extract: fetch CBS OData sets and PDOK WFS layers, with timeouts, retries and a disk cache.

All network I/O of the ETL lives here. Replies are cached on disk in the layout of the
live services (``{host}/ODataFeed/odata/{TABLE}/{Set}.json``, gzip when large;
``{host}/cbs/gebiedsindelingen/{YEAR}/wfs/v1_0/{LAYER}.geojson``), which is also the
layout of a recorded mirror: a cache can be replayed later with ``--mirror DIR``.

``cbsodata`` creates a bare ``requests.Session`` per page and sets no timeout. We hand it
a session with urllib3 ``Retry`` (connection errors, 5xx, 429 honouring Retry-After)
and pass a timeout through its request kwargs; failures inside a body (reset connection,
truncated JSON) are retried around the whole set with tenacity.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cbsodata
import cbsodata.cbsodata3 as cbsodata_impl
import pandas as pd
import requests
import urllib3
import urllib3.connection
from requests.adapters import HTTPAdapter
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from etl.errors import EtlError
from etl.settings import (
    KWB_TABLES,
    LIVE_HOSTS,
    PDOK_LAYERS,
    POLICE_TABLES,
    RIVM_TABLES,
    Settings,
)
from etl.transform import period_year

GZIP_ABOVE_BYTES = 10_000_000
Progress = Callable[[str], None]


class ExtractError(EtlError):
    """A source could not be fetched; the message names the table (or layer) and URL."""

    def __init__(self, what: str, url: str, reason: str) -> None:
        super().__init__(f"{what}: {reason} ({url})")
        self.what = what
        self.url = url
        self.reason = reason


class ServiceUnreachable(ExtractError):
    """The first request of a run found no server at all (no name, no route, refused): the
    services cannot be reached from here, as opposed to failing halfway through a run.
    The CLI then builds the store from the bundled snapshot instead (etl/snapshot.py)."""


class NotPublished(LookupError):
    """The service does not have this table or layer (HTTP 404 on the table itself)."""


# ---------------------------------------------------------- deadline per request
# requests and urllib3 bound each socket read, not a whole reply: a server that drips a few
# bytes a second never trips a read timeout. Each attempt gets a timer that shuts its socket
# when the reply is not complete in time, and the blocked read ends. The headers must come
# within the timeout; the body within the timeout plus its Content-Length at MIN_RATE, so a
# large reply on a slow but honest link still arrives.
MIN_RATE = 50_000  # bytes per second: below a slow mobile link
_in_flight = threading.local()  # this thread's request: its deadline and the last timer


class DeadlineExceeded(requests.Timeout):
    """The whole reply did not arrive within the deadline."""


class _Timer:
    def __init__(self, conn: Any, seconds: float) -> None:
        self.conn = conn
        self.expired = False
        self.ends = time.monotonic() + seconds
        self._timer = self._start(seconds)

    def _start(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(max(seconds, 0.0), self._expire)
        timer.daemon = True
        timer.start()
        return timer

    def extend(self, seconds: float) -> None:
        """Allow ``seconds`` more (the body's share), unless the time is already up."""
        if self.expired:
            return
        self._timer.cancel()
        self.ends += seconds
        self._timer = self._start(self.ends - time.monotonic())

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(self.conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _DeadlineConnection:
    """Mixin for urllib3 connections: every request starts the thread's deadline timer."""

    _deadline_timer: _Timer | None = None

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.end_deadline()
        seconds = getattr(_in_flight, "seconds", None)
        if seconds:
            self._deadline_timer = _in_flight.timer = _Timer(self, seconds)
        return super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        response = super().getresponse(*args, **kwargs)  # type: ignore[misc]
        length = response.headers.get("Content-Length", "")
        if self._deadline_timer is not None and length.isdigit():
            self._deadline_timer.extend(int(length) / MIN_RATE)
        return response

    def close(self) -> None:
        self.end_deadline()
        super().close()  # type: ignore[misc]

    def end_deadline(self) -> None:
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None


class _HTTPConnection(_DeadlineConnection, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection

    def _put_conn(self, conn: Any) -> None:  # the reply was read to its end
        if conn is not None:
            conn.end_deadline()
        super()._put_conn(conn)


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            conn.end_deadline()
        super()._put_conn(conn)


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineSession(requests.Session):
    """A session whose every attempt must deliver its headers within ``deadline`` seconds
    and its whole reply within that plus Content-Length / MIN_RATE (the body is read inside
    ``send``: nothing here streams)."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        outer = getattr(_in_flight, "seconds", None)
        _in_flight.seconds, _in_flight.timer = self.deadline, None
        try:
            return super().send(request, **kwargs)
        except requests.RequestException as exc:
            timer = getattr(_in_flight, "timer", None)
            if timer is not None and timer.expired and not isinstance(exc, requests.Timeout):
                raise DeadlineExceeded(
                    f"no complete reply within {self.deadline:g} s (+ its length at "
                    f"{MIN_RATE // 1000} kB/s)", request=request
                ) from exc
            raise
        finally:
            timer = getattr(_in_flight, "timer", None)
            if timer is not None:
                timer.cancel()
            _in_flight.seconds = outer


def make_session(settings: Settings) -> requests.Session:
    """A session that retries connection errors, 5xx and 429 (honouring Retry-After), and
    gives every attempt ``settings.timeout`` seconds for its whole reply."""
    retries = Retry(
        total=settings.retries,
        connect=settings.retries,
        # Read timeouts surface as requests.Timeout; tenacity retries those, so the
        # two retry layers never multiply.
        read=False,
        status=settings.retries,
        backoff_factor=settings.backoff / 2,
        backoff_max=30,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = DeadlineSession(settings.timeout)
    adapter = _DeadlineAdapter(max_retries=retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "zicht-op-wijken-etl (+https://github.com/)"
    # The URL of the last reply, so a malformed page of a paged set can be named.
    session.hooks["response"].append(_remember_url)
    return session


def _remember_url(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
    _in_flight.last_url = response.url


def _is_transient(exc: BaseException) -> bool:
    """Failures worth another try of the whole set: broken bodies and timeouts.

    Not HTTP errors, and not connection errors that urllib3 already retried."""
    if isinstance(exc, requests.HTTPError):
        return False
    if isinstance(exc, requests.ConnectionError) and exc.args and isinstance(
        exc.args[0], MaxRetryError
    ):
        return False
    return isinstance(exc, requests.RequestException | json.JSONDecodeError)


def _as_extract_error(what: str, url: str, exc: Exception, timeout: float) -> ExtractError:
    """One clear message per kind of failure, naming the table (or layer) and URL."""
    if isinstance(exc, requests.HTTPError):
        return ExtractError(what, url, f"HTTP {_http_status(exc) or 'error'}")
    if isinstance(exc, DeadlineExceeded):
        return ExtractError(what, url, f"timed out after {timeout:g} s (the whole reply must "
                                       f"arrive within it, plus its length at "
                                       f"{MIN_RATE // 1000} kB/s)")
    if isinstance(exc, requests.Timeout):
        return ExtractError(what, url, f"timed out after {timeout:g} s")
    if isinstance(exc, json.JSONDecodeError):
        return ExtractError(what, url, f"reply is not valid JSON ({exc.msg})")
    return ExtractError(what, url, f"connection failed: {exc.__class__.__name__}")


def _unreachable(error: ExtractError, exc: Exception) -> ExtractError:
    """A connection failure (a connect timeout too) as ServiceUnreachable; others as they
    are. Only for the run's first request: later ones mean a service failed mid-run."""
    if isinstance(exc, requests.ConnectionError) and (
        error.reason.startswith("connection failed") or isinstance(exc, requests.ConnectTimeout)
    ):
        return ServiceUnreachable(error.what, error.url, error.reason)
    return error


def _http_status(exc: BaseException) -> int | None:
    for err in (exc, exc.__cause__):
        response = getattr(err, "response", None)
        if response is not None:
            return int(response.status_code)
    return None


@dataclass(frozen=True)
class TableRef:
    catalog: str  # "opendata" or "dataderden"
    table: str

    @property
    def host(self) -> str:
        return LIVE_HOSTS[self.catalog]


class CbsClient:
    """Fetches OData sets and WFS layers through the cache, or replays a mirror."""

    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.settings = settings
        self.session = make_session(settings)
        self.progress = progress or (lambda _msg: None)
        self.fetched: list[str] = []  # URLs that went over the network, in order
        # table (or "gebiedsindelingen/{year}/{layer}") → the cache or mirror files it came
        # from, so a failed validation can name the replies that are suspect.
        self.files: dict[str, list[Path]] = {}

    # ---------------------------------------------------------------- paths and urls
    def _root(self) -> Path:
        return self.settings.mirror if self.settings.mirror else self.settings.cache_dir

    def odata_url(self, ref: TableRef, entity_set: str = "") -> str:
        base = self.settings.base_url(ref.catalog)
        return f"{base}/ODataFeed/odata/{ref.table}/{entity_set}"

    def odata_path(self, ref: TableRef, entity_set: str) -> Path:
        name = entity_set or "index"
        return self._root() / ref.host / "ODataFeed" / "odata" / ref.table / f"{name}.json"

    def wfs_url(self, year: int, layer: str) -> str:
        base = self.settings.base_url("pdok")
        return f"{base}/cbs/gebiedsindelingen/{year}/wfs/v1_0"

    def wfs_path(self, year: int, layer: str) -> Path:
        return (
            self._root()
            / LIVE_HOSTS["pdok"]
            / "cbs"
            / "gebiedsindelingen"
            / str(year)
            / "wfs"
            / "v1_0"
            / f"{layer}.geojson"
        )

    # ------------------------------------------------------------------- cache files
    @staticmethod
    def _read_cached(path: Path) -> Any | None:
        if path.exists():
            return json.loads(path.read_bytes())
        gz = path.with_name(path.name + ".gz")
        if gz.exists():
            with gzip.open(gz, "rb") as fh:
                return json.loads(fh.read())
        return None

    @staticmethod
    def _write_cached(path: Path, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        target = path
        if len(data) > GZIP_ABOVE_BYTES:
            target = path.with_name(path.name + ".gz")
            data = gzip.compress(data, compresslevel=5)
        # Write beside the target and rename, so a crash never leaves half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        for stale in (path, path.with_name(path.name + ".gz")):
            if stale != target and stale.exists():
                stale.unlink()

    def _cached(self, path: Path) -> Any | None:
        if self.settings.refresh and self.settings.mirror is None:
            return None
        return self._read_cached(path)

    def _used(self, source: str, path: Path) -> None:
        found = [p for p in (path, path.with_name(path.name + ".gz")) if p.exists()]
        self.files.setdefault(source, []).extend(found)

    # ----------------------------------------------------------------------- OData
    def service_document(self, ref: TableRef) -> list[str]:
        """Names of the entity sets a table has; NotPublished if the table does not exist."""
        path = self.odata_path(ref, "")
        cached = self._cached(path)
        if cached is None and self.settings.mirror is not None:
            raise NotPublished(f"{ref.table} is not in the mirror {self.settings.mirror}")
        if cached is None:
            url = self.odata_url(ref)
            try:
                rows = self._download(ref, "")
            except ExtractError as exc:
                if "HTTP 404" in exc.reason:
                    raise NotPublished(f"{ref.table} not published at {url}") from exc
                raise
            cached = {"odata.metadata": f"{url}$metadata", "value": rows}
            self._write_cached(path, cached)
        rows = _odata_rows(cached, f"{ref.table}/service document", str(path))
        self._used(ref.table, path)
        names = [item.get("name") for item in rows]
        if not all(isinstance(name, str) for name in names):
            raise ExtractError(f"{ref.table}/service document", str(path),
                               "an entity set without a name")
        return names

    def entity_set(self, ref: TableRef, entity_set: str) -> list[dict[str, Any]]:
        """All rows of one entity set (all pages), from cache, mirror or network."""
        path = self.odata_path(ref, entity_set)
        cached = self._cached(path)
        if cached is None and self.settings.mirror is not None:
            raise ExtractError(
                f"{ref.table}/{entity_set}", str(path), "missing from the mirror"
            )
        if cached is None:
            rows = self._download(ref, entity_set)
            cached = {"odata.metadata": self.odata_url(ref, entity_set), "value": rows}
            self._write_cached(path, cached)
        rows = _odata_rows(cached, f"{ref.table}/{entity_set}", str(path))
        self._used(ref.table, path)
        return rows

    def _failure(self, what: str, url: str, exc: Exception) -> ExtractError:
        """The error a failed download ends the run with; ServiceUnreachable when nothing
        has come over the network yet and no server answered at all."""
        error = _as_extract_error(what, url, exc, self.settings.timeout)
        return error if self.fetched else _unreachable(error, exc)

    @contextmanager
    def _cbsodata_client(self, base_url: str) -> Iterator[str]:
        """Point cbsodata at a base URL with our session; restore its globals after."""
        parts = urlsplit(base_url)
        catalog_url = parts.netloc + parts.path.rstrip("/")
        saved = (cbsodata.options.use_https, cbsodata_impl.Session)
        cbsodata.options.use_https = parts.scheme == "https"
        cbsodata_impl.Session = lambda: self.session  # type: ignore[assignment]
        try:
            yield catalog_url
        finally:
            cbsodata.options.use_https, cbsodata_impl.Session = saved

    def _download(self, ref: TableRef, entity_set: str) -> list[dict[str, Any]]:
        url = self.odata_url(ref, entity_set)
        what = f"{ref.table}/{entity_set or 'service document'}"
        self.progress(f"download {what}")

        @retry(
            retry=retry_if_exception(_is_transient),
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=wait_exponential(multiplier=self.settings.backoff, max=30),
            reraise=True,
        )
        def attempt() -> list[dict[str, Any]]:
            with self._cbsodata_client(self.settings.base_url(ref.catalog)) as catalog_url:
                return cbsodata.get_meta(
                    ref.table, entity_set, catalog_url=catalog_url, timeout=self.settings.timeout
                )

        try:
            rows = attempt()
        except (requests.RequestException, json.JSONDecodeError) as exc:
            raise self._failure(what, url, exc) from exc
        except (KeyError, TypeError, AttributeError) as exc:
            # cbsodata reads reply["value"] (and its odata.nextLink) without a check.
            page = getattr(_in_flight, "last_url", None) or url
            raise ExtractError(what, page, f"malformed OData reply: no 'value' list "
                                           f"({exc.__class__.__name__}: {exc})") from exc
        _odata_rows({"value": rows}, what, url)
        self.fetched.append(url)
        return rows

    # ------------------------------------------------------------------------- WFS
    def wfs_layer(self, year: int, layer: str) -> dict[str, Any]:
        """A whole WFS layer as a GeoJSON FeatureCollection (EPSG:4326), paged."""
        path = self.wfs_path(year, layer)
        cached = self._cached(path)
        if cached is None and self.settings.mirror is not None:
            raise NotPublished(f"layer {layer} {year} is not in the mirror")
        if cached is None:
            cached = self._download_wfs(year, layer)
            self._write_cached(path, cached)
        _features(cached, f"PDOK {layer} {year}", str(path))
        self._used(f"gebiedsindelingen/{year}/{layer}", path)
        return cached

    def _download_wfs(self, year: int, layer: str) -> dict[str, Any]:
        url = self.wfs_url(year, layer)
        what = f"PDOK {layer} {year}"
        features: list[dict[str, Any]] = []

        @retry(
            retry=retry_if_exception(_is_transient),
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=wait_exponential(multiplier=self.settings.backoff, max=30),
            reraise=True,
        )
        def page(start: int) -> dict[str, Any]:
            params = {
                "request": "GetFeature",
                "service": "WFS",
                "version": "2.0.0",
                "typeName": f"gebiedsindelingen:{layer}",
                "outputFormat": "json",
                "srsName": "EPSG:4326",
                "count": str(self.settings.page_size),
                "startIndex": str(start),
            }
            response = self.session.get(url, params=params, timeout=self.settings.timeout)
            response.raise_for_status()
            return response.json()

        start = 0
        while True:
            self.progress(f"download {what} from feature {start}")
            try:
                reply = page(start)
            except (requests.RequestException, json.JSONDecodeError) as exc:
                if _http_status(exc) in (400, 404):
                    # PDOK answers 404 for a year it has no service for and 400 for an
                    # unknown layer (e.g. no buurt layer in early years).
                    raise NotPublished(f"{what} not published at {url}") from exc
                raise self._failure(what, url, exc) from exc
            batch = _features(reply, what, _page_url(url, start))
            features.extend(batch)
            matched = reply.get("numberMatched")
            if matched is not None and not isinstance(matched, int):
                raise ExtractError(what, _page_url(url, start),
                                   f"malformed WFS reply: numberMatched is {matched!r}")
            if isinstance(matched, int):
                # The server may cap a page below our count: trust numberMatched.
                if len(features) >= matched:
                    break
                if not batch:
                    raise ExtractError(
                        what, url, f"got {len(features)} of {matched} features, then none"
                    )
            elif len(batch) < self.settings.page_size:
                break
            start += len(batch)
        self.fetched.append(url)
        return {"type": "FeatureCollection", "features": features}


def _odata_rows(payload: Any, what: str, where: str) -> list[dict[str, Any]]:
    """The rows of an OData reply (or its cached copy); anything else fails, naming it."""
    rows = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise ExtractError(what, where, f"malformed OData reply: no 'value' list (has {keys})")
    if not all(isinstance(row, dict) for row in rows):
        raise ExtractError(what, where, "malformed OData reply: 'value' holds non-objects")
    return rows


def _features(payload: Any, what: str, where: str) -> list[dict[str, Any]]:
    """The features of a WFS GeoJSON reply (or its cached copy); anything else fails."""
    features = payload.get("features") if isinstance(payload, dict) else None
    if not isinstance(features, list):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise ExtractError(what, where, f"malformed WFS reply: no 'features' list (has {keys})")
    return features


def _page_url(url: str, start: int) -> str:
    return f"{url}?request=GetFeature&startIndex={start}"


# ------------------------------------------------------------------ source tables
DIMENSION_TYPES = {"Dimension", "GeoDimension", "TimeDimension", "GeoDetail"}


@dataclass
class RawTable:
    """One CBS table as the service gave it: nothing cleaned, nothing renamed."""

    ref: TableRef
    info: dict[str, Any]
    properties: list[dict[str, Any]]
    data: pd.DataFrame
    dimensions: dict[str, list[dict[str, Any]]]
    fetched_at: str = field(default_factory=lambda: _now())


@dataclass(frozen=True)
class Unavailable:
    """A table the service does not have (it was asked for, and said no)."""

    ref: TableRef
    reason: str
    fetched_at: str = field(default_factory=lambda: _now())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


Fetched = RawTable | Unavailable


def fetch_table(
    client: CbsClient, ref: TableRef, sets: list[str], years: tuple[int, ...] | None = None
) -> RawTable:
    """TableInfos, DataProperties, the TypedDataSet and every dimension of a table.

    We fetch ``TypedDataSet`` by name: cbsodata's ``get_data(typed=True)`` would fetch the
    UntypedDataSet (its flag is inverted) and replace region keys by their titles. With
    ``years``, a table whose periods all lie outside them keeps its (large) data set unread.
    """
    for needed in ("TableInfos", "DataProperties", "TypedDataSet"):
        if needed not in sets:
            raise ExtractError(
                f"{ref.table}/{needed}", client.odata_url(ref), "not in the service document"
            )
    info_rows = client.entity_set(ref, "TableInfos")
    properties = client.entity_set(ref, "DataProperties")
    dimensions = {
        prop["Key"]: client.entity_set(ref, prop["Key"])
        for prop in properties
        if prop.get("Type") in DIMENSION_TYPES and prop.get("Key") in sets
    }
    if years is not None and not _has_period_in(properties, dimensions, years):
        data = pd.DataFrame()
    else:
        data = pd.DataFrame.from_records(client.entity_set(ref, "TypedDataSet"))
    return RawTable(ref, info_rows[0] if info_rows else {}, properties, data, dimensions)


def _has_period_in(
    properties: list[dict[str, Any]], dimensions: dict[str, list[dict[str, Any]]],
    years: tuple[int, ...],
) -> bool:
    """Whether a table with a time dimension has a whole-year period among ``years``
    (a table without one, such as KWB, always does)."""
    time_keys = [p["Key"] for p in properties if p.get("Type") == "TimeDimension"]
    if not time_keys or time_keys[0] not in dimensions:
        return True
    return any(period_year(str(m["Key"])) in years for m in dimensions[time_keys[0]])


def fetch_published(
    client: CbsClient, ref: TableRef, label: str, years: tuple[int, ...] | None = None
) -> Fetched:
    """A table with its data and dimensions, or Unavailable when the service lacks it."""
    try:
        sets = client.service_document(ref)
    except NotPublished as exc:
        client.progress(f"[yellow]{label}: {ref.table} not available[/] ({exc})")
        return Unavailable(ref, str(exc))
    raw = fetch_table(client, ref, sets, years)
    if raw.data.empty:
        client.progress(f"{label}: {ref.table} has no period in {list(years or ())}; data not read")
    else:
        client.progress(f"{label}: {ref.table}, {len(raw.data):,} rows")
    return raw


def extract_kwb(client: CbsClient, years: tuple[int, ...]) -> dict[int, Fetched]:
    """Kerncijfers wijken en buurten: one table per year."""
    return {
        year: fetch_published(client, TableRef("opendata", KWB_TABLES[year]), f"KWB {year}")
        for year in years
    }


def extract_police(client: CbsClient, years: tuple[int, ...]) -> list[Fetched]:
    """Registered crime per wijk and buurt (dataderden), every police table."""
    return [
        fetch_published(client, TableRef("dataderden", table), "Politie", years)
        for table in POLICE_TABLES
    ]


def extract_rivm(client: CbsClient, years: tuple[int, ...]) -> list[Fetched]:
    """RIVM health estimates: the tables asked for, newest edition first, up to the first
    one that is published (each edition replaces the previous one)."""
    asked: list[Fetched] = []
    for table in RIVM_TABLES:
        fetched = fetch_published(client, TableRef("dataderden", table), "RIVM", years)
        asked.append(fetched)
        if isinstance(fetched, RawTable):
            break
    return asked


def extract_boundaries(
    client: CbsClient, years: tuple[int, ...]
) -> dict[tuple[int, str], dict[str, Any]]:
    """PDOK gebiedsindelingen per year and level, as GeoJSON; absent layers are left out."""
    layers: dict[tuple[int, str], dict[str, Any]] = {}
    for year in years:
        for level, layer in PDOK_LAYERS.items():
            try:
                layers[(year, level)] = client.wfs_layer(year, layer)
            except NotPublished:
                continue
    return layers


@dataclass
class Sources:
    """What every statistics table gave, untransformed."""

    kwb: dict[int, Fetched]
    police: list[Fetched]
    rivm: list[Fetched]

    def asked(self) -> list[Fetched]:
        return [*self.kwb.values(), *self.police, *self.rivm]


def extract_tables(client: CbsClient, years: tuple[int, ...]) -> Sources:
    """Fetch every statistics table the ETL uses for these years (KWB, police, RIVM)."""
    return Sources(
        kwb=extract_kwb(client, years),
        police=extract_police(client, years),
        rivm=extract_rivm(client, years),
    )
