"""Load benchmark: 100 simulated users on the production server, real page flows.

Starts `zow serve --prod` (gunicorn, preloaded workers) on a free port on 127.0.0.1 over
data/zow.duckdb, then runs locust headless against it with this file as the locustfile:

    python benchmarks/load.py [--users 100] [--spawn-rate 20] [--time 60s] [--workers 4]

With ``--slow-clients 10`` it runs twice on the same server: first the users alone, then
the same users while 10 slow clients (benchmarks/slow_clients.py: slow headers, slow body,
a lying Content-Length) hold connections open, and prints both (issue 12):

    python benchmarks/load.py --users 50 --slow-clients 10

Every simulated user sends its own made-up ``X-Forwarded-For`` and the server trusts one
proxy hop (``ZOW_TRUSTED_PROXIES=1``), so the per-client rate limits see 100 clients, as
they would behind nginx, and not one.

Each user does what the browser does (requests built like the Dash renderer builds them,
from the app's own /_dash-dependencies and the layout the pages router returns):

* open the map: GET /, /_dash-layout, /_dash-dependencies, the pages-router callback, the
  table's first block of rows, and once per user the boundaries (/geo/<jaar>/<niveau>.json;
  the browser keeps them for a day)
* switch indicator: the map page's main callback, then the table's rows for the new view
* open a profile: the router callback for /gebied/GM0363 (if that page exists)
* download a CSV: /download/kaart.csv?<view> (if that route exists)

Prints requests/s, p50/p95/p99 latency and errors from locust's CSV stats, per request type
and overall, and the server's CPU use. Target on the 2-core machine: p95 <= 300 ms, 0 errors.
Bounded: --time (60 s) of load, nothing but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import itertools
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CALLBACK = "/_dash-update-component"
ROUTER = ".._pages_content.children..._pages_store.data.."
PROFILE_CODE = "GM0363"
TARGET_P95_MS = 300

# ============================================================================ locustfile
# Locust imports this module to find the users; the orchestration below only runs as a
# script, which does not import locust (and so does not get gevent's monkey patching).
LOCUSTFILE = __name__ != "__main__"


def outputs_of(dep: dict[str, Any]) -> Any:
    """The ``outputs`` field for a callback from /_dash-dependencies, as the renderer sends."""
    output = dep["output"]
    if output.startswith(".."):
        parts = output[2:-2].split("...")
        return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    component, prop = output.rsplit(".", 1)
    return {"id": component, "property": prop}


def request_body(dep: dict[str, Any], props: dict[str, dict[str, Any]],
                 changed: list[str], overrides: dict[str, Any] | None = None) -> dict:
    """A callback request with input/state values taken from the components' props (what
    the browser holds); values the page does not have are left out, like undefined."""
    overrides = overrides or {}

    def fill(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sent = []
        for item in items:
            key = f"{item['id']}.{item['property']}"
            one = {"id": item["id"], "property": item["property"]}
            if key in overrides:
                one["value"] = overrides[key]
            elif item["property"] in props.get(item["id"], {}):
                one["value"] = props[item["id"]][item["property"]]
            sent.append(one)
        return sent

    body: dict[str, Any] = {
        "output": dep["output"],
        "outputs": outputs_of(dep),
        "inputs": fill(dep["inputs"]),
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }
    if dep["state"]:
        body["state"] = fill(dep["state"])
    return body


def components(node: Any, found: dict[str, dict[str, Any]] | None = None) -> dict:
    """Props of every component with a string id in a serialised layout."""
    found = {} if found is None else found
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            found[props["id"]] = dict(props)
        for value in node.values():
            components(value, found)
    elif isinstance(node, list):
        for value in node:
            components(value, found)
    return found


def find_dependency(deps: list[dict], input_key: str, state_key: str | None = None) -> Any:
    for dep in deps:
        if dep.get("clientside_function"):
            continue
        inputs = {f"{i['id']}.{i['property']}" for i in dep["inputs"]}
        states = {f"{s['id']}.{s['property']}" for s in dep["state"]}
        if input_key in inputs and (state_key is None or state_key in states):
            return dep
    return None


FEATURES: dict[str, Any] = {}

if LOCUSTFILE:
    from urllib.parse import urlencode

    import orjson
    from locust import between, events, task
    from locust.contrib.fasthttp import FastHttpUser

    WAIT = [float(x) for x in os.environ.get("ZOW_LOAD_WAIT", "2,8").split(",")]
    USER_NUMBERS = itertools.count(1)

    @events.test_start.add_listener
    def discover(environment: Any, **_: Any) -> None:
        """Find the callbacks and optional pages once, before the users start."""
        import requests

        host = environment.host
        deps = requests.get(host + "/_dash-dependencies", timeout=30).json()
        FEATURES["router"] = find_dependency(deps, "_pages_location.pathname")
        FEATURES["change_view"] = find_dependency(deps, "indicator.value", "view.data")
        FEATURES["table"] = find_dependency(deps, "table.getRowsRequest")
        if not FEATURES["router"] or not FEATURES["change_view"]:
            raise RuntimeError("map page callbacks not found in /_dash-dependencies")
        FEATURES["ids"] = {
            item["id"]
            for dep in (FEATURES["change_view"], FEATURES["table"]) if dep
            for item in dep["inputs"] + dep["state"]
        }
        body = request_body(FEATURES["router"], {"_pages_location": {
            "pathname": f"/gebied/{PROFILE_CODE}", "search": ""}},
            ["_pages_location.pathname"])
        reply = requests.post(host + CALLBACK, json=body, timeout=60)
        FEATURES["profile"] = reply.ok and "404 - Page not found" not in reply.text
        # Without the route, the Dash pages' catch-all answers the HTML page instead.
        csv_reply = requests.get(host + "/download/kaart.csv", timeout=60)
        FEATURES["download"] = "html" not in csv_reply.headers.get("Content-Type", "html")
        print(f"load: profile page {'yes' if FEATURES['profile'] else 'no (skipped)'}, "
              f"CSV download {'yes' if FEATURES['download'] else 'no (skipped)'}",
              flush=True)

    class MapUser(FastHttpUser):
        """Someone exploring the map: opens it, switches indicators, looks at an area,
        downloads the table now and then, reading for a few seconds in between."""

        wait_time = between(WAIT[0], WAIT[1])

        def __init__(self, environment: Any) -> None:
            # Each simulated user is its own client for the server's per-client rate limits
            # (the server trusts one proxy hop in this benchmark): a made-up address in a
            # header, never a connection to it.
            n = next(USER_NUMBERS)
            self.default_headers = {"X-Forwarded-For": f"10.77.{n // 250}.{n % 250 + 1}"}
            super().__init__(environment)

        def on_start(self) -> None:
            self.initial: dict[str, dict[str, Any]] = {}  # the map page's controls, as loaded
            self.props: dict[str, dict[str, Any]] = {}  # ... and as they are now
            self.boundaries: set[str] = set()
            self.open_map()

        # ---------------------------------------------------------------- helpers
        def callback(self, name: str, body: dict, *, parse: bool = True) -> dict | None:
            with self.client.post(CALLBACK, json=body, name=name,
                                  catch_response=True) as response:
                if response.status_code == 204:
                    response.success()
                    return None
                if response.status_code != 200:
                    response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                    return None
                if not parse:  # (keeps the load generator's CPU for sending load)
                    response.success()
                    return {}
                try:  # orjson: the load generator shares the 2 cores with the server
                    reply = orjson.loads(response.content)["response"]
                except (ValueError, KeyError):
                    response.failure("not a Dash callback reply")
                    return None
                response.success()
                return reply

        def table_rows(self) -> None:
            dep = FEATURES.get("table")
            if not dep:
                return
            request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
            self.callback("callback table rows",
                          request_body(dep, self.props, ["table.getRowsRequest"],
                                       {"table.getRowsRequest": request}))

        def view(self) -> dict[str, Any]:
            return self.props.get("view", {}).get("data") or {}

        # ------------------------------------------------------------------ flows
        @task(2)
        def open_map(self) -> None:
            self.client.get("/", name="GET /")
            self.client.get("/_dash-layout", name="GET /_dash-layout")
            self.client.get("/_dash-dependencies", name="GET /_dash-dependencies")
            body = request_body(FEATURES["router"],
                                {"_pages_location": {"pathname": "/", "search": ""}},
                                ["_pages_location.pathname", "_pages_location.search"])
            # The layout of "/" is the same every time: read it once per user.
            reply = self.callback("callback router /", body, parse=not self.initial)
            if reply is None:
                return
            if not self.initial:
                found = components(reply["_pages_content"]["children"])
                self.initial = {k: v for k, v in found.items() if k in FEATURES["ids"]}
            # Replies update props per component, so a copy per component is enough (a deep
            # copy of the whole page cost the load generator more CPU than the server used).
            self.props = {component: dict(props) for component, props in self.initial.items()}
            view = self.view()
            geo = f"/geo/{view.get('jaar', 2024)}/{view.get('niveau', 'wijk')}.json"
            if geo not in self.boundaries:  # cached by the browser for a day
                self.client.get(geo, name="GET /geo/[jaar]/[niveau].json")
                self.boundaries.add(geo)
            self.table_rows()

        @task(6)
        def switch_indicator(self) -> None:
            options = [o["value"] for o in self.props.get("indicator", {}).get("options", [])]
            current = self.props.get("indicator", {}).get("value")
            choices = [o for o in options if o != current]
            if not choices:
                return
            choice = random.choice(choices)
            body = request_body(FEATURES["change_view"], self.props, ["indicator.value"],
                                {"indicator.value": choice})
            reply = self.callback("callback change_view (indicator)", body)
            if not reply:
                return
            for component, changed in reply.items():
                self.props.setdefault(component, {}).update(changed)
            self.table_rows()

        @task(1)
        def open_profile(self) -> None:
            if not FEATURES.get("profile"):
                return
            body = request_body(FEATURES["router"], {"_pages_location": {
                "pathname": f"/gebied/{PROFILE_CODE}", "search": ""}},
                ["_pages_location.pathname", "_pages_location.search"])
            self.callback(f"callback router /gebied/{PROFILE_CODE}", body)

        @task(1)
        def download_csv(self) -> None:
            if not FEATURES.get("download"):
                return
            view = self.view()
            query = {k: view[k] for k in ("thema", "indicator", "jaar", "niveau", "gemeente",
                                          "lang") if view.get(k) not in (None, "")}
            self.client.get("/download/kaart.csv?" + urlencode(query),
                            name="GET /download/kaart.csv")


# ========================================================================= orchestrator
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(duration[:-1]) * units[duration[-1]] if duration[-1] in units else int(duration)


def cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and its (waited-for and live) children, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            # utime stime (cutime cstime only for the master: its dead workers)
            total += int(fields[11]) + int(fields[12])
            if int(entry.name) == pid:
                total += int(fields[13]) + int(fields[14])
    return total / tick


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 240) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if requests.get(base + "/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not come up")


def read_stats(prefix: str) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def number(text: str) -> float:
    """A figure from locust's CSV ("N/A" when no request finished: NaN)."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


def report(rows: list[dict[str, str]]) -> dict[str, float]:
    header = (f"{'request':44} {'count':>6} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} "
              f"{'p99':>6} {'max':>6}  (ms)")
    print(header)
    print("-" * len(header))
    total: dict[str, float] = {}
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        line = (f"{(row['Type'] + ' ' + name)[:44]:44} {row['Request Count']:>6} "
                f"{row['Failure Count']:>5} {number(row['Requests/s']):7.1f} "
                f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
                f"{number(row['Max Response Time']):6.0f}")
        if row["Name"] == "Aggregated":
            print("-" * len(header))
            total = {"requests": number(row["Request Count"]),
                     "failures": number(row["Failure Count"]),
                     "rps": number(row["Requests/s"]), "p50": number(row["50%"]),
                     "p95": number(row["95%"]), "p99": number(row["99%"])}
        print(line)
    return total


def run_phase(name: str, base: str, server: subprocess.Popen, args: argparse.Namespace,
              folder: Path, env: dict[str, str], duration: str | None = None,
              show: bool = True) -> dict[str, float]:
    """One locust run against the running server: its figures, printed and returned."""
    duration = duration or args.time
    prefix = str(folder / name)
    locust_log = folder / f"{name}-locust.log"
    cpu_before = cpu_seconds(server.pid)
    load_before = os.getloadavg()[0]
    rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with locust_log.open("wb") as out:
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(Path(__file__).resolve()),
             "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
             "-t", duration, "--host", base, "--csv", prefix, "--only-summary",
             "--stop-timeout", "10", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**env, "ZOW_LOAD_WAIT": args.wait}, timeout=seconds(duration) + 180,
        )
    run = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (after.ru_utime + after.ru_stime) - (rusage.ru_utime + rusage.ru_stime)
    output = locust_log.read_text(errors="replace")
    if show:
        print("\n".join(line for line in output.splitlines() if line.startswith("load:")))
        if "load: profile page" not in output:  # the users never got started
            print("the users could not even load the app's callbacks; locust said:\n"
                  + "\n".join(output.splitlines()[-8:]))
    if locust.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        print(output[-3000:])
        raise SystemExit(f"locust failed (exit {locust.returncode})")
    cpu = cpu_seconds(server.pid) - cpu_before
    if not show:
        return {}
    print()
    total = report(read_stats(prefix))
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open(newline="") as f:
            for fail in list(csv.DictReader(f))[:10]:
                print(f"failure: {fail['Method']} {fail['Name']}: "
                      f"{fail['Error'][:150]} (x{fail['Occurrences']})")
    cores = os.cpu_count() or 1
    print()
    print(f"server CPU: {cpu:.0f} s in {run:.0f} s = {cpu / run:.2f} of {cores} cores "
          f"({100 * cpu / run / cores:.0f}%); machine load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (others' processes count too)")
    print(f"load generator (locust) CPU: {locust_cpu:.0f} s = {locust_cpu / run:.2f} cores")
    return total


def summary(name: str, total: dict[str, float]) -> str:
    if not total.get("requests"):
        return f"{name}: no request of the users finished (the server did not answer them)"
    verdict = "OK" if total.get("p95", 1e9) <= TARGET_P95_MS and not total.get("failures") \
        else "MISSED"
    return (f"{name}: {total.get('rps', 0):.1f} req/s, p50 {total.get('p50', 0):.0f} ms, "
            f"p95 {total.get('p95', 0):.0f} ms, p99 {total.get('p99', 0):.0f} ms, "
            f"{total.get('failures', 0):.0f} errors of {total.get('requests', 0):.0f} "
            f"(target p95 <= {TARGET_P95_MS} ms, 0 errors: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=int, default=20)
    parser.add_argument("--time", default="60s", help="load duration (locust -t)")
    parser.add_argument("--workers", type=int, default=4,
                        help="gunicorn workers (zow serve's default: 4)")
    parser.add_argument("--wait", default="2,8",
                        help="MIN,MAX seconds a user reads between actions (default 2,8)")
    parser.add_argument("--reply-cache", choices=["on", "off"], default="on",
                        help="the app's kept replies (off: every request does the work)")
    parser.add_argument("--slow-clients", type=int, default=0,
                        help="N: run twice, first quiet and then while N slow clients attack "
                             "(slow headers, slow body, lying Content-Length), and compare")
    parser.add_argument("--warmup", default="20s",
                        help="users run this long first, not counted (0 for none)")
    parser.add_argument("--store", type=Path, default=ROOT / "data" / "zow.duckdb")
    parser.add_argument("--csv-dir", type=Path, default=None,
                        help="keep locust's CSV files here (default: a temporary folder)")
    args = parser.parse_args()
    if importlib.util.find_spec("locust") is None:
        sys.exit("locust is not installed: pip install -e '.[dev]'")
    if not args.store.exists():
        sys.exit(f"no store at {args.store}: build it with `zow etl`")
    sys.path.insert(0, str(ROOT))
    from benchmarks.slow_clients import SlowClients

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.csv_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed in finally
        env = {k: v for k, v in os.environ.items() if k != "ZOW_STORE"}
        # One trusted proxy hop: every simulated user is its own client for the limits.
        server_env = {**env, "ZOW_REPLY_CACHE": args.reply_cache, "ZOW_TRUSTED_PROXIES": "1"}
        server = subprocess.Popen(
            [sys.executable, "-m", "zow", "serve", "--prod", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(args.workers), "--store", str(args.store),
             "--control-socket", "off"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=server_env,
            start_new_session=True,
        )
        try:
            wait_healthy(base, server)
            print(f"server: zow serve (gunicorn, {args.workers} workers) on {base}, reply "
                  f"cache {args.reply_cache}; locust: {args.users} users "
                  f"(+{args.spawn_rate}/s) for {args.time}, "
                  f"{args.wait.replace(',', '-')} s between actions", flush=True)
            if args.warmup and seconds(args.warmup) > 0:
                # The first minutes fill the caches (kept replies, layouts, queries): a
                # phase measured first would pay for them and the next one would not.
                print(f"\n(warm-up: the same users for {args.warmup}, not counted)", flush=True)
                run_phase("warmup", base, server, args, folder, env, args.warmup, show=False)
            print("\n== quiet: normal users only ==", flush=True)
            results["quiet"] = run_phase("quiet", base, server, args, folder, env)
            if args.slow_clients:
                print(f"\n== attack: the same users while {args.slow_clients} slow clients "
                      f"hold connections open ==", flush=True)
                with SlowClients("127.0.0.1", port, args.slow_clients) as attack:
                    results["attack"] = run_phase("attack", base, server, args, folder, env)
                stats = ", ".join(f"{v} {k}" for k, v in sorted(attack.stats.items()))
                print(f"slow clients: {stats}")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()

    print()
    for name, total in results.items():
        print(summary(name, total))


if __name__ == "__main__":
    main()
