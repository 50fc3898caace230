"""Build the settings and the store a command needs, once, at the edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from statehub.registry import DiscoverReport, sync_config_file
from statehub.settings import Settings, load_settings
from statehub.store import Store


@dataclass
class Context:
    settings: Settings
    store: Store


@contextmanager
def opened() -> Iterator[Context]:
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.resolved_database_url)
    try:
        yield Context(settings=settings, store=store)
    finally:
        store.dispose()


def apply_config_file(ctx: Context) -> DiscoverReport | None:
    """Register the repos the config file names, if there is one."""
    return sync_config_file(ctx.settings, ctx.store)
