"""`zow`: build the store from CBS (`zow etl`) and serve the dashboard (`zow serve`)."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from core.catalogue import DEFAULT_CATALOGUE, CatalogueError
from etl.errors import EtlError
from etl.settings import YEARS, Settings
from etl.store import read_meta

app = typer.Typer(
    help="Zicht op wijken: CBS neighbourhood statistics per NPLV subtheme.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _parse_years(text: str | None) -> tuple[int, ...]:
    if not text:
        return YEARS
    years: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = (int(p) for p in part.split("-"))
            years.extend(range(first, last + 1))
        else:
            years.append(int(part))
    unknown = sorted(set(years) - set(YEARS))
    if unknown:
        raise typer.BadParameter(f"no KWB table known for {unknown}; choose from {YEARS}")
    return tuple(sorted(set(years)))


@app.command()
def etl(
    mirror: Annotated[
        Path | None,
        typer.Option(help="Replay a recorded mirror/cache folder; no network at all."),
    ] = None,
    refresh: Annotated[bool, typer.Option(help="Ignore the cache and download again.")] = False,
    store: Annotated[Path | None, typer.Option(help="Store file to write.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Where raw replies are cached.")] = None,
    cbs_url: Annotated[str | None, typer.Option(help="Base URL for opendata.cbs.nl.")] = None,
    derden_url: Annotated[
        str | None, typer.Option(help="Base URL for dataderden.cbs.nl.")
    ] = None,
    pdok_url: Annotated[str | None, typer.Option(help="Base URL for service.pdok.nl.")] = None,
    server: Annotated[
        str | None,
        typer.Option(help="One server that serves all three hosts as top folders."),
    ] = None,
    years: Annotated[str | None, typer.Option(help="e.g. 2022,2024 or 2019-2025")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per HTTP request.")] = None,
    retries: Annotated[int | None, typer.Option(help="Retries per request.")] = None,
    catalogue: Annotated[Path, typer.Option(help="Indicator catalogue (TOML).")] = (
        DEFAULT_CATALOGUE
    ),
    snapshot: Annotated[bool, typer.Option(
        "--snapshot", help="Build the store from the bundled data snapshot; no network.")] = False,
    snapshot_dir: Annotated[Path | None, typer.Option(
        help="The snapshot folder (default: data/snapshot of this checkout, or "
             "ZOW_SNAPSHOT).")] = None,
) -> None:
    """Build the store (data/zow.duckdb) from CBS statistics and PDOK boundaries; when the
    live services cannot be reached, from the bundled snapshot (data/snapshot)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from etl.extract import ServiceUnreachable
    from etl.pipeline import run_etl

    settings = Settings()
    if server:
        settings = settings.with_server_root(server)
    changes = {
        "mirror": mirror,
        "store": store,
        "cache_dir": cache_dir,
        "opendata_url": cbs_url,
        "dataderden_url": derden_url,
        "pdok_url": pdok_url,
        "timeout": timeout,
        "retries": retries,
        "snapshot_dir": snapshot_dir,
    }
    settings = dataclasses.replace(
        settings,
        refresh=refresh,
        years=_parse_years(years),
        **{k: v for k, v in changes.items() if v is not None},
    )
    if settings.mirror is not None and not settings.mirror.is_dir():
        console.print(f"[red]Mirror folder not found:[/] {settings.mirror}")
        raise typer.Exit(2)
    if snapshot:
        _load_snapshot(settings.snapshot_dir, settings.store)
        return
    where = f"mirror {settings.mirror}" if settings.mirror else settings.opendata_url
    console.print(f"Building [bold]{settings.store}[/] from {where}")

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task("starting", total=None)

        def report(message: str) -> None:
            if message.startswith("download"):
                progress.update(task, description=message)
            else:
                progress.console.print(f"  {message}")

        try:
            result = run_etl(settings, catalogue, report=report)
        except ServiceUnreachable as exc:
            progress.stop()
            # Offline (a train, a closed network, CI): the bundled snapshot, said in one line.
            console.print(f"[yellow]CBS cannot be reached ({exc.what}: {exc.reason}); "
                          f"building the store from the snapshot {settings.snapshot_dir} "
                          "instead.[/]", highlight=False, soft_wrap=True)
            _load_snapshot(settings.snapshot_dir, settings.store)
            return
        except (EtlError, CatalogueError) as exc:
            progress.stop()
            _failed(str(exc), settings.store)
        except Exception as exc:  # anything else too: a message, not a traceback
            progress.stop()
            _failed(f"{exc.__class__.__name__}: {exc}", settings.store)

    _print_summary(result.summary, result.store, result.seconds)


def _load_snapshot(folder: Path, store: Path) -> None:
    """Build the store from a snapshot (checksums checked; atomic like the ETL)."""
    from etl.snapshot import load

    try:
        manifest = load(folder, store)
    except EtlError as exc:
        _failed(str(exc), store)
    meta = read_meta(store)
    origin = manifest["origin"]
    console.print(f"Loaded the snapshot of {manifest['built_at'][:10]} from {folder} (built "
                  f"from {origin['kind']} CBS data of {(origin['built_at'] or '?')[:10]})",
                  highlight=False)
    if "summary" in meta:  # every ETL-built store has one (small test stores may not)
        _print_summary(meta["summary"], store, 0.0)


def _failed(message: str, store: Path) -> NoReturn:
    # markup=False: messages quote replies and paths, whose brackets are not rich markup.
    console.print("[red bold]ETL failed:[/]", end=" ")
    console.print(message, markup=False, highlight=False)
    console.print(f"The previous store (if any) is untouched: {store}")
    raise typer.Exit(1)


def _print_summary(summary: dict, store: Path, seconds: float) -> None:
    table = Table(title="Per indeling and level: regions / observations on them / boundaries")
    table.add_column("indeling")
    levels = ["land", "gemeente", "wijk", "buurt"]
    for level in levels:
        table.add_column(level, justify="right")
    for year, entry in sorted(summary["per_year"].items()):
        cells = []
        for level in levels:
            e = entry.get(level)
            cells.append(f"{e['regions']:,} / {e['observations']:,} / {e['boundaries']:,}"
                         if e else "–")
        table.add_row(year, *cells)
    console.print(table)
    gaps: dict[str, list[str]] = defaultdict(list)
    for item in summary["unavailable"]:
        gaps[item["indicator"]].append(f"{item['year']}: {item['reason'] or item['status']}")
    if gaps:
        missing = Table(title="Indicator-years without data, and why", show_lines=False)
        missing.add_column("indicator")
        missing.add_column("year: reason")
        for indicator, reasons in sorted(gaps.items()):
            missing.add_row(indicator, "\n".join(reasons))
        console.print(missing)
    if summary.get("mergers"):
        console.print(f"Gemeente mergers found: {'; '.join(summary['mergers'])}")
    if "changed_areas" in summary:
        console.print(f"Codes that are not the same area in two indelingen (or cannot be "
                      f"told to be): {summary['changed_areas']:,}")
    if summary.get("withheld"):
        reasons = ", ".join(f"{n:,} {reason.replace('_', ' ')}"
                            for reason, n in summary["withheld"].items())
        console.print(f"Values withheld: {reasons} (reasons in observation_gap)")
    console.print(
        f"[green]Wrote {store}[/] ({store.stat().st_size / 1e6:.1f} MB): "
        f"{summary['observations']:,} observations of {summary['indicators_with_data']} "
        f"indicators in {seconds:.1f} s."
    )


@app.command(name="snapshot")
def snapshot_command(
    store: Annotated[Path, typer.Option(help="Store file to take the snapshot of.")] = Path(
        "data/zow.duckdb"),
    out: Annotated[Path, typer.Option(help="Snapshot folder to write.")] = Path(
        "data/snapshot"),
) -> None:
    """Write the store's tables to the data snapshot (Parquet + manifest.json) that
    `zow etl` falls back on offline; unchanged data leaves the snapshot as it was."""
    from etl.snapshot import dump

    try:
        manifest, changed = dump(store, out)
    except EtlError as exc:
        console.print("[red bold]Snapshot failed:[/]", end=" ")
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None
    size = sum(entry["bytes"] for entry in manifest["tables"].values())
    rows = manifest["tables"]["observation"]["rows"]
    if changed:
        console.print(f"[green]Wrote the snapshot {out}[/] ({size / 1e6:.1f} MB, "
                      f"{rows:,} observations) of {store}", highlight=False)
    else:
        console.print(f"The snapshot {out} holds this data already (of "
                      f"{manifest['built_at'][:10]}; {size / 1e6:.1f} MB): left as it was",
                      highlight=False)


@app.command()
def info(store: Annotated[Path, typer.Option(help="Store file.")] = Path("data/zow.duckdb")
         ) -> None:
    """Say what an existing store holds."""
    if not store.exists():
        console.print(f"No store at {store}. Build one with: zow etl")
        raise typer.Exit(1)
    meta = read_meta(store)
    console.print(f"{store}: built {meta.get('built_at')} from {meta.get('source')} "
                  f"({meta.get('origin', '?')})")
    _print_summary(meta["summary"], store, 0.0)


def control_socket_path(host: str, port: int) -> Path | None:
    """Where this instance's gunicorn control socket goes: one per host and port, in the
    user's runtime folder (``$XDG_RUNTIME_DIR``, else a private ``zow-<uid>`` folder in the
    temp folder). gunicorn's own default is one path per user, so a second instance on the
    machine would take over (and on exit remove) the first one's socket. None when no
    private folder can be had (then the socket is off)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        folder = Path(runtime)
    else:
        folder = Path(tempfile.gettempdir()) / f"zow-{os.getuid()}"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            info = folder.lstat()
        except OSError:
            return None
        # Someone else's folder (or a link to one) in a shared /tmp must not be used.
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid()
                or info.st_mode & 0o077):
            return None
    name = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)
    return folder / f"zow-gunicorn-{name}-{port}.ctl"


@app.command()
def serve(
    store: Annotated[Path, typer.Option(envvar="ZOW_STORE", help="Store file.")] = Path(
        "data/zow.duckdb"
    ),
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8050,
    prod: Annotated[bool, typer.Option(
        "--prod/--dev", help="gunicorn with several workers (default), or the Dash development "
                             "server (one process, for working on the code)")] = True,
    workers: Annotated[int, typer.Option(help="gunicorn workers (--prod)")] = 4,
    control_socket: Annotated[str | None, typer.Option(
        help="gunicorn's control socket (gunicornc -s PATH): a path, or 'off'. Default: one "
             "per host and port in $XDG_RUNTIME_DIR or a private zow-<uid> temp folder")] = None,
    snapshot_if_missing: Annotated[bool, typer.Option(
        "--snapshot-if-missing", help="Without a store, build it from the bundled snapshot "
                                      "first (data/snapshot or ZOW_SNAPSHOT; the Docker "
                                      "image does)")] = False,
) -> None:
    """Serve the dashboard on http://HOST:PORT over the store."""
    if snapshot_if_missing and not store.exists():
        from etl.settings import Settings

        _load_snapshot(Settings().snapshot_dir, store)
    if not store.exists():
        console.print(
            f"[red]No store at {store}.[/] Build it first:\n"
            "  zow etl                               (live CBS, needs internet)\n"
            "  zow etl --mirror ../shared/cbs-mirror (offline, from a recorded mirror)"
        )
        raise typer.Exit(1)
    os.environ["ZOW_STORE"] = str(store.resolve())
    server = f"gunicorn, {workers} workers" if prod else "Dash development server"
    console.print(f"Serving {store} on http://{host}:{port} ({server})")
    if prod:
        # Worker class (gevent: slow clients cost a greenlet, not a worker), timeouts and
        # the warm-up hook are in dashboard/gunicorn_conf.py.
        argv = [
            sys.executable, "-m", "gunicorn", "dashboard.wsgi:server",
            "--config", "python:dashboard.gunicorn_conf",
            "--bind", f"{host}:{port}", "--workers", str(workers),
            "--preload", "--access-logfile", "-",
        ]
        socket = (None if control_socket == "off" else
                  Path(control_socket) if control_socket else control_socket_path(host, port))
        argv += ["--control-socket", str(socket)] if socket else ["--no-control-socket"]
        os.execvp(sys.executable, argv)
    from dashboard.app import create_app

    create_app(store, dev=True).run(host=host, port=port, debug=False)


if __name__ == "__main__":
    app()
