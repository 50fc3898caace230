"""Build the settings and the store a command needs, once, at the edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from statehub.cli.output import err_console
from statehub.registry import DiscoverReport, sync_config_file
from statehub.settings import Settings, load_settings
from statehub.store import Store


@dataclass
class Context:
    settings: Settings
    store: Store


@contextmanager
def opened(*, announce: bool = True) -> Iterator[Context]:
    """Settings and store; with ``announce``, first say which home and database (on stderr,
    so ``--json`` output stays clean): two homes on one machine look alike otherwise."""
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.resolved_database_url)
    if announce:
        announce_home(settings, store.description)
    try:
        yield Context(settings=settings, store=store)
    finally:
        store.dispose()


def apply_config_file(ctx: Context) -> DiscoverReport | None:
    """Register the repos the config file names, if there is one."""
    return sync_config_file(ctx.settings, ctx.store)


def announce_home(settings: Settings, database: str) -> None:
    err_console.print(
        f"State Hub home {settings.home} · {database}", style="dim", highlight=False, soft_wrap=True
    )
