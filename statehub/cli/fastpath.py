"""The timer's command line, parsed without typer: ``statehub sweep --remote-all --json …``.

activity-core runs ``statehub sweep --remote-all --no-fetch --json`` every few minutes, and
typer with rich (and, behind the typer app, every other command's module) cost more than the
sweep of a small fleet itself (issue 15). This parser takes only command lines that are
plainly that command: ``sweep`` with ``--json``, the flags ``--remote-all`` and
``--no-fetch``, and ``--max-seconds``, ``--mode``, ``--triggered-by``, ``--caller-run-id``
with values typer would accept unchanged. For anything else — another command, ``--help``,
a display filter, a repeated option, a value typer would refuse or might read differently —
it answers None and typer parses the line as it always has, errors and all. So the command
line surface is typer's; this only finds the common case sooner. A test keeps the two parsers'
answers equal on every line this one takes.
"""

from __future__ import annotations

import re

from statehub.cli.sweep_args import SweepArgs
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode

# The bounds of typer's ``--max-seconds`` (min=1, max=3600), inclusive.
MAX_SECONDS_RANGE = (1.0, 3600.0)
# Digits and one optional fraction: read by float() exactly as click's FLOAT reads them.
_PLAIN_NUMBER = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")
FLAGS = ("--remote-all", "--no-fetch", "--json")
OPTIONS = ("--max-seconds", "--mode", "--triggered-by", "--caller-run-id")


def sweep_args(argv: list[str]) -> SweepArgs | None:
    """The parsed ``sweep --json`` command line, or None when typer must parse it."""
    if not argv or argv[0] != "sweep":
        return None
    given = _options(argv[1:])
    if given is None or "--json" not in given:
        return None
    try:
        request = SweepRequest(
            max_seconds=_max_seconds(given.get("--max-seconds", "300")),
            mode=Mode(given.get("--mode", Mode.WARN.value)),
            triggered_by=_text(given.get("--triggered-by", "manual")),
            caller_run_id=_text(given["--caller-run-id"]) if "--caller-run-id" in given else None,
            # --remote-all is the default, and the only kind of sweep there is.
            fetch="--no-fetch" not in given,
        )
    except ValueError:
        return None  # a value typer would refuse, or might read otherwise: its to say
    return SweepArgs(request=request, as_json=True)


def _options(tokens: list[str]) -> dict[str, str] | None:
    """Each option given and its value ("" for a flag); None for anything else."""
    given: dict[str, str] = {}
    rest = iter(tokens)
    for token in rest:
        name, has_value, inline = token.partition("=")
        if name in FLAGS and not has_value:
            value = ""
        elif name in OPTIONS:
            found = inline if has_value else next(rest, None)
            if found is None:
                return None
            value = found
        else:
            return None  # not an option this parser knows: typer's to read (or refuse)
        if name in given:
            return None  # repeated: typer's rule (the last wins) applies, not ours
        given[name] = value
    return given


def _max_seconds(value: str) -> float:
    low, high = MAX_SECONDS_RANGE
    if not _PLAIN_NUMBER.fullmatch(value) or not low <= float(value) <= high:
        raise ValueError(value)
    return float(value)


def _text(value: str) -> str:
    # A value that looks like an option is left to typer, whatever it makes of it.
    if value.startswith("-"):
        raise ValueError(value)
    return value
