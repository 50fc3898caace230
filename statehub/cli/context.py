"""Build the settings and the store a command needs, once, at the edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from statehub.errors import HomeUnusable
from statehub.settings import Settings, load_settings
from statehub.store.sweepstore import SweepStore

if TYPE_CHECKING:
    from statehub.registry import DiscoverReport
    from statehub.store import Store


@dataclass
class Context:
    settings: Settings
    sweeps: SweepStore

    @property
    def store(self) -> Store:
        """The ORM store, opened on first use: the timer's sweep uses only ``sweeps``."""
        return self.sweeps.store()


@contextmanager
def opened(*, announce: bool = True, create_home: bool = True) -> Iterator[Context]:
    """Settings and store; with ``announce``, first say which home and database (on stderr,
    so ``--json`` output stays clean): two homes on one machine look alike otherwise.
    ``create_home=False`` leaves the home to the sweep, which records a failed sweep when it
    cannot create it."""
    settings = load_settings()
    if create_home:
        try:
            settings.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HomeUnusable(
                f"the State Hub home {settings.home} cannot be created "
                f"({exc.strerror or exc}); create it, or set STATEHUB_HOME to a directory "
                "this user can write"
            ) from None
    sweeps = SweepStore.open(settings.resolved_database_url)
    if announce:
        announce_home(settings, sweeps.description)
    try:
        yield Context(settings=settings, sweeps=sweeps)
    finally:
        sweeps.close()


def apply_config_file(ctx: Context) -> DiscoverReport | None:
    """Register the repos the config file names, if there is one; its problems to stderr."""
    from statehub.cli.output import err_console  # rich: see announce_home
    from statehub.registry import sync_config_file  # SQLAlchemy's ORM: not on the sweep's path

    report = sync_config_file(ctx.settings, ctx.store)
    for problem in report.problems if report else []:
        err_console.print(f"[yellow]config problem:[/] {problem}", highlight=False, soft_wrap=True)
    return report


def announce_home(settings: Settings, database: str) -> None:
    # rich is imported here, not at the top: ``sweep --json`` opens a store and prints
    # nothing for a human, and must not pay for rich (issue 15).
    from statehub.cli.output import err_console

    err_console.print(
        f"State Hub home {settings.home} · {database}", style="dim", highlight=False, soft_wrap=True
    )
