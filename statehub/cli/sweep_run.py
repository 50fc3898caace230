"""Running one sweep for the command line: open the store, run the sweep, show its result.

Both ways in share it: typer's ``sweep`` command and the fast path that parses the timer's
``--json`` command line itself. With ``--json`` nothing here imports typer or rich: the
terminal's rendering (``sweep_show``) is imported only when a human will read the output.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from statehub.cli.context import opened
from statehub.cli.jsonout import print_json
from statehub.cli.sweep_args import SweepArgs, View
from statehub.notify import deliver_pending, settle, sweep_observers
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import SweepCannotStart, SweepNotRecorded, SweepResult


def run_sweep(args: SweepArgs) -> int:
    """Run the sweep and show it; the exit status. A sweep that is not recorded, or could
    not start, is shown all the same and then raised, for ``main`` to say why (exit 3)."""
    view = args.view
    # The sweep creates its home itself, so that it can record its failure to.
    with opened(announce=not args.as_json, create_home=False) as ctx:
        # The ORM store is opened only for an observer that is configured (it writes there).
        observers = sweep_observers(ctx.settings, ctx.sweeps.store)
        sweeper = Sweeper(ctx.settings, ctx.sweeps, observers)
        try:
            try:
                if args.as_json or not sys.stderr.isatty():
                    result = sweeper.run(args.request)
                else:
                    from statehub.cli.sweep_show import run_with_progress

                    result = run_with_progress(sweeper, args.request)
            except (SweepNotRecorded, SweepCannotStart) as exc:
                _show(exc.result, args.as_json, view)
                raise
            if args.changed and not args.as_json:
                from statehub.store.history import changed_by

                with ctx.store.reading() as db:
                    view = replace(view, changed=changed_by(db, sweep_id=str(result.sweep_id)))
            _show(result, args.as_json, view)
            if observers:
                # Alerts the sweep enqueued: one bounded pass, now that the result is out;
                # what a slow channel keeps waiting stays for the next sweep or the server.
                deliver_pending(ctx.settings, ctx.store)
        finally:
            # Shown first, then the pings sent off the sweep's thread get their bounded time:
            # a hanging endpoint delays the exit by at most its timeout, never changes it.
            settle(observers)
    return result.exit_code


def _show(result: SweepResult, as_json: bool, view: View) -> None:
    if as_json:
        print_json(result.document())
        return
    from statehub.cli.sweep_show import render

    render(result, view)
