"""``activity-core``: the command line. Library errors become one line and an exit status here
(3 when the database cannot be used, 1 otherwise), and nowhere else; no command prints a
traceback for a problem the operator can fix."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import RPCError

from activitycore import output
from activitycore.cadence import RunMark, mirror, trigger_slots
from activitycore.definitions import load_definitions
from activitycore.devserver import DevServer, find_temporal_cli
from activitycore.errors import ActivityCoreError, ConfigError, DefinitionError, StoreError
from activitycore.metrics import metrics_runtime
from activitycore.schedules import describe_schedules, sync_schedules
from activitycore.settings import Settings, load_settings
from activitycore.store import Store, catalog, runs
from activitycore.temporal import connect
from activitycore.trigger import operator_identity, trigger_run
from activitycore.worker import run_until_stopped
from durations import DurationError, parse_duration

app = typer.Typer(
    name="activity-core",
    help="Activity definitions as Temporal Schedules, a worker that runs their HTTP actions, "
    "and the ActivityRun audit trail. Settings come from the environment: "
    "ACTIVITY_CORE_HOME, ACTIVITY_CORE_DATABASE_URL, ACTIVITY_DEFINITION_DIRS, "
    "TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ACTIVITY_CORE_TASK_QUEUE, STATE_HUB_URL, "
    "STATE_HUB_TOKEN, ACTIVITY_CORE_METRICS_ADDRESS (see docs/activity-core.md).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output (scripts, CI logs) gets wide lines instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() else 200
console = Console(highlight=False, width=_WIDTH)
errors = Console(stderr=True, highlight=False, width=_WIDTH)
T = TypeVar("T")
# The database cannot be used (unreachable, locked, too new), as `statehub` says it.
EXIT_STORE = 3
# `cadence --check`: slots missed, failed or skipped (1 stays "the command failed").
EXIT_SLOTS_MISSED = 4
MAX_WINDOW = timedelta(days=31)


def _fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _guarded(body: Callable[[], T]) -> T:
    """Run a command body, turning expected failures into a message and an exit status."""
    try:
        return body()
    except StoreError as exc:
        _fail(str(exc), EXIT_STORE)
    except ActivityCoreError as exc:
        _fail(str(exc))
    except RPCError as exc:
        _fail(f"Temporal refused the request: {exc.message} ({exc.status.name})")
    except KeyboardInterrupt:
        errors.print("interrupted")
        raise typer.Exit(130) from None


def _settings(**overrides: Any) -> Settings:
    return load_settings(**overrides)


def _announce(store: Store) -> None:
    """Which database a command used, on stderr (JSON output stays clean): a shell and a
    worker on two different homes look alike otherwise."""
    errors.print(f"activity-core database: {store.description}", style="dim", soft_wrap=True)


def _open_store(settings: Settings, *, announce: bool = True) -> Store:
    store = Store.open(settings.resolved_database_url)
    if announce:
        _announce(store)
    return store


def _with_temporal(
    settings: Settings,
    body: Callable[[Client, Store], Coroutine[Any, Any, T]],
    *,
    announce: bool = True,
    runtime: Runtime | None = None,
) -> T:
    store = _open_store(settings, announce=announce)

    async def main() -> T:
        client = await connect(settings, runtime=runtime)
        return await body(client, store)

    try:
        return asyncio.run(main())
    finally:
        store.dispose()


@app.command("sync-activity-definitions")
def sync_activity_definitions(
    directories: Annotated[
        list[Path] | None,
        typer.Option(
            "--dir",
            help="a definitions directory (repeatable); default: ACTIVITY_DEFINITION_DIRS",
        ),
    ] = None,
    allow_empty: Annotated[
        bool,
        typer.Option(help="allow zero definition files, removing every known definition"),
    ] = False,
) -> None:
    """Load every definition file and upsert it into the database by id.

    Prints what was created, changed, unchanged, or is no longer on disk (removed). Safe to run
    again: a second run reports everything unchanged.
    """

    def body() -> None:
        settings = _settings()
        paths = directories or settings.definition_paths
        loaded = load_definitions(paths, settings.substitution_variables())
        store = Store.open(settings.resolved_database_url)
        try:
            with store.session() as db:
                if not loaded and not allow_empty and catalog.active_definitions(db):
                    raise DefinitionError(
                        [
                            f"no definition files in {', '.join(map(str, paths))}; refusing to "
                            "remove every known definition (check ACTIVITY_DEFINITION_DIRS, "
                            "or pass --allow-empty)"
                        ]
                    )
                report = catalog.sync_definitions(db, loaded=loaded)
        finally:
            store.dispose()
        output.print_definition_sync(console, report, store.description)

    _guarded(body)


@app.command("sync-schedules")
def sync_schedules_command(
    prune: Annotated[
        bool,
        typer.Option(
            help="also delete this task queue's schedules that no definition in the database "
            "knows (each is listed)"
        ),
    ] = False,
) -> None:
    """Make the Temporal schedules match the definitions in the database.

    One schedule per definition (cron, time zone, overlap SKIP, catch-up window by
    misfire_policy; paused with a note while enabled is false), updated in place, deleted when
    its definition is gone. A schedule the database does not know is listed and left alone
    unless --prune. Refuses to run from a database without definitions. Safe to run again.
    """

    def body() -> None:
        settings = _settings()
        report = _with_temporal(settings, lambda c, s: sync_schedules(c, s, settings, prune=prune))
        output.print_schedule_sync(console, report, settings)

    _guarded(body)


@app.command()
def worker() -> None:
    """Run the Temporal worker (the ActivityRun workflow and its activities) until Ctrl-C."""

    def body() -> None:
        settings = _settings()
        runtime = metrics_runtime(settings)
        console.print(
            f"worker on task queue [bold]{settings.task_queue}[/] at "
            f"{settings.temporal_address} (namespace {settings.temporal_namespace}); Ctrl-C stops"
        )
        if settings.metrics_address:
            console.print(f"metrics on http://{settings.metrics_address}/metrics")
        _with_temporal(
            settings, lambda c, s: run_until_stopped(c, s, settings, runtime), runtime=runtime
        )
        console.print("worker stopped")

    _guarded(body)


@app.command()
def trigger(
    name_or_id: Annotated[str, typer.Argument(help="the definition's name or id")],
    wait: Annotated[bool, typer.Option(help="wait for the run to finish")] = True,
    timeout: Annotated[float, typer.Option(help="seconds to wait")] = 900.0,
    identity: Annotated[
        str | None, typer.Option("--as", help="who triggers (default: user@host)")
    ] = None,
) -> None:
    """Start one run now (the runbook's manual canary), recorded with trigger `manual`."""

    def body() -> None:
        settings = _settings()
        # An unknown name is the likelier mistake: say so before trying Temporal.
        store = _open_store(settings)
        try:
            with store.reading() as db:
                catalog.find_definition(db, name_or_id=name_or_id)
        finally:
            store.dispose()
        result = _with_temporal(
            settings,
            lambda c, s: trigger_run(
                c,
                s,
                settings,
                name_or_id=name_or_id,
                identity=identity or operator_identity(),
                wait_seconds=timeout if wait else None,
            ),
            announce=False,
        )
        output.print_triggered(console, result, waited=wait)
        if wait and (result.row is None or result.row.status != runs.SUCCEEDED):
            raise typer.Exit(1)

    _guarded(body)


@app.command("runs")
def list_runs(
    definition: Annotated[
        str | None, typer.Option(help="only this definition (name or id)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="how many runs")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List ActivityRuns, newest first."""

    def body() -> None:
        settings = _settings()
        store = _open_store(settings, announce=not as_json)
        try:
            with store.reading() as db:
                definition_id = None
                if definition is not None:
                    definition_id = catalog.find_definition(
                        db, name_or_id=definition, include_removed=True
                    ).id
                found = runs.list_runs(db, definition_id=definition_id, limit=limit)
        finally:
            store.dispose()
        if as_json:
            print(json.dumps([output.run_document(r, n) for r, n in found], indent=2))
        else:
            output.print_runs(console, found)

    _guarded(body)


def _duration(option: str, text: str) -> timedelta:
    # The grammar and its message are State Hub's too (`statehub cadence`, its API).
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise ConfigError(f"{option}: {exc}") from None


@app.command("cadence")
def cadence_command(
    name_or_id: Annotated[str, typer.Argument(help="the definition's name or id")],
    since: Annotated[str, typer.Option(help="window back from now: 15m, 2h, 7d")] = "7d",
    grace: Annotated[
        str, typer.Option(help="a slot is judged once this has passed since it")
    ] = "5m",
    as_json: Annotated[
        bool, typer.Option("--json", help="print JSON, every slot included")
    ] = False,
    check: Annotated[
        bool, typer.Option(help=f"exit {EXIT_SLOTS_MISSED} unless every judged slot succeeded")
    ] = False,
) -> None:
    """The mirror check: each slot the definition's trigger expects against its ActivityRuns,
    so a fire that never happened shows even when Temporal's counters say nothing."""

    def body() -> None:
        window, grace_period = _duration("--since", since), _duration("--grace", grace)
        if window > MAX_WINDOW:
            raise ConfigError(f"--since {since}: at most {MAX_WINDOW.days}d")
        if grace_period > MAX_WINDOW:  # a slot plus more would run past datetime's year 9999
            raise ConfigError(f"--grace {grace}: at most {MAX_WINDOW.days}d")
        settings = _settings()
        store = _open_store(settings, announce=not as_json)
        end = datetime.now(UTC)
        start = end - window
        try:
            with store.reading() as db:
                row = catalog.find_definition(db, name_or_id=name_or_id, include_removed=True)
                found = runs.runs_fired_since(db, definition_id=row.id, since=start)
                name, trigger, timezone, enabled = row.name, row.trigger, row.timezone, row.enabled
        finally:
            store.dispose()
        try:
            slots = trigger_slots(trigger, timezone, start, end)
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
        result = mirror(
            (RunMark(*values) for values in found),
            slots=slots,
            start=start,
            end=end,
            grace=grace_period,
        )
        if as_json:
            document = output.mirror_document(result, name=name, trigger=trigger, enabled=enabled)
            print(json.dumps(document, indent=2))
        else:
            output.print_mirror(console, result, name=name, trigger=trigger, enabled=enabled)
        if check and not result.ok:
            raise typer.Exit(EXIT_SLOTS_MISSED)

    _guarded(body)


@app.command("schedules")
def show_schedules(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show each definition's schedule: state, next fire times and recent actions."""

    def body() -> None:
        settings = _settings()
        views = _with_temporal(
            settings, lambda c, s: describe_schedules(c, s, settings), announce=not as_json
        )
        if as_json:
            print(json.dumps([output.schedule_document(v) for v in views], indent=2))
        else:
            output.print_schedules(console, views)

    _guarded(body)


@app.command()
def dev(
    port: Annotated[int, typer.Option(help="the Temporal frontend (gRPC) port")] = 7233,
    ui_port: Annotated[
        int | None, typer.Option(help="serve Temporal's web UI on this port (default: none)")
    ] = None,
) -> None:
    """One machine: start a Temporal dev server (own SQLite file in ACTIVITY_CORE_HOME), sync
    definitions and schedules, and run the worker. Ctrl-C stops everything it started."""

    def body() -> None:
        settings = _settings(temporal_address=f"127.0.0.1:{port}")
        server = DevServer(
            binary=find_temporal_cli(settings.temporal_cli),
            db_file=settings.home / "temporal-dev.db",
            port=port,
            ui_port=ui_port,
        )
        # SIGTERM must unwind like Ctrl-C, or the server (in its own session) would outlive us.
        signal.signal(signal.SIGTERM, _interrupt)
        server.start()
        try:
            console.print(f"Temporal dev server at {server.address}, log {server.log_file}")
            sync_activity_definitions(directories=None, allow_empty=True)
            asyncio.run(_dev_main(settings))
        finally:
            server.stop()
            console.print("stopped the Temporal dev server")

    _guarded(body)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


async def _dev_main(settings: Settings) -> None:
    store = _open_store(settings)
    try:
        runtime = metrics_runtime(settings)
        client = await connect(settings, wait_seconds=20, runtime=runtime)
        report = await sync_schedules(client, store, settings)
        output.print_schedule_sync(console, report, settings)
        console.print(f"worker on task queue [bold]{settings.task_queue}[/]; Ctrl-C stops all")
        await run_until_stopped(client, store, settings, runtime)
    finally:
        store.dispose()


def main() -> None:
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = _exit_status(exc.code)
    _exit_without_finalizing(code)


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _exit_without_finalizing(code: int) -> NoReturn:
    """Leave the process without interpreter teardown, every output flushed first.

    This module imports Temporal's SDK, whose Rust core keeps Tokio threads that can call
    back into Python while CPython finalizes: a command that has done its work then aborts
    with "Fatal Python error: PyGILState_Release" and exit status 134
    (temporalio/sdk-python#300). Each command closes its own store before returning.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
