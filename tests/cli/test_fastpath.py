"""The timer's ``sweep --json`` command line, parsed without typer, means what typer reads.

``statehub.cli.fastpath`` takes a command line only when it is plainly the timer's command;
everything else goes to typer. Every line it takes must give the same sweep as typer's own
parse of that line (``make_context`` of typer's command: the real parser, nothing run), and
a line it leaves must still be typer's to accept or refuse.
"""

from __future__ import annotations

from typing import Any

import pytest
import typer
import typer.main
from hypothesis import given
from hypothesis import strategies as st

from statehub.cli import app
from statehub.cli.fastpath import sweep_args
from statehub.cli.sweep_args import SweepArgs

SWEEP = typer.main.get_command(app).commands["sweep"]  # type: ignore[attr-defined]


def typer_params(argv: list[str]) -> dict[str, Any]:
    assert argv[0] == "sweep"
    with SWEEP.make_context("sweep", list(argv[1:])) as ctx:
        return dict(ctx.params)


def assert_same(args: SweepArgs, params: dict[str, Any]) -> None:
    request = args.request
    assert params["as_json"] is True and args.as_json
    assert request.max_seconds == params["max_seconds"]
    assert request.mode == params["mode"]
    assert request.triggered_by == params["triggered_by"]
    assert request.caller_run_id == params["caller_run_id"]
    assert request.fetch is not params["no_fetch"]
    # The display filters are typer's alone: a line with one never takes the fast path.
    assert not params["only"] and not params["changed"] and not params["quiet"]


TAKEN = [
    ["sweep", "--remote-all", "--no-fetch", "--json"],
    ["sweep", "--json"],
    ["sweep", "--json", "--remote-all"],
    ["sweep", "--remote-all", "--json", "--max-seconds", "600", "--triggered-by", "activity-core"],
    ["sweep", "--json", "--max-seconds=1", "--mode=fix", "--caller-run-id=run-7"],
    ["sweep", "--json", "--max-seconds", "3600", "--mode", "warn", "--no-fetch"],
    ["sweep", "--json", "--max-seconds", "2.5", "--triggered-by", ""],
]


@pytest.mark.parametrize("argv", TAKEN, ids=" ".join)
def test_a_line_it_takes_means_what_typer_reads(argv: list[str]) -> None:
    args = sweep_args(argv)

    assert args is not None
    assert_same(args, typer_params(argv))


LEFT_TO_TYPER = [
    [],
    ["sweep"],  # no --json: the terminal's output
    ["sweep", "--remote-all", "--no-fetch"],
    ["repos", "list", "--json"],
    ["sweep", "--json", "--help"],
    ["sweep", "--json", "--quiet"],
    ["sweep", "--json", "--changed"],
    ["sweep", "--json", "--only", "dirty"],
    ["sweep", "--json", "--json"],  # repeated
    ["sweep", "--json", "--max-seconds", "5", "--max-seconds", "6"],
    ["sweep", "--json", "--triggered-by", "--no-fetch"],  # a value that looks like an option
    ["sweep", "--json", "--max-seconds", "1e3"],
    ["sweep", "--json", "--max-seconds", "nan"],
    ["sweep", "--json", "--json=1"],
    ["sweep", "--json", "--max-seconds"],
    ["sweep", "--json", "extra"],
    ["sweep", "--json", "--"],
]


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=lambda argv: " ".join(argv) or "(empty)")
def test_any_other_line_is_left_to_typer(argv: list[str]) -> None:
    assert sweep_args(argv) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["sweep", "--json", "--max-seconds", "0"],
        ["sweep", "--json", "--max-seconds", "3600.5"],
        ["sweep", "--json", "--mode", "WARN"],
        ["sweep", "--json", "--mode", "repair"],
        ["sweep", "--json", "--max-seconds", "soon"],
    ],
    ids=" ".join,
)
def test_a_value_typer_refuses_is_left_for_typer_to_refuse(argv: list[str]) -> None:
    assert sweep_args(argv) is None
    with pytest.raises(typer.BadParameter):
        typer_params(argv)


TOKENS = st.sampled_from(
    [
        "--remote-all",
        "--no-fetch",
        "--json",
        "--quiet",
        "--max-seconds",
        "--mode",
        "--triggered-by",
        "--caller-run-id",
        "--max-seconds=30",
        "--mode=fix",
        "1",
        "3600",
        "0.5",
        "12.25",
        "warn",
        "fix",
        "timer",
        "-x",
        "",
    ]
)


@given(st.lists(TOKENS, max_size=8))
def test_whatever_the_line_the_fast_path_agrees_with_typer_or_stays_out(
    tokens: list[str],
) -> None:
    argv = ["sweep", *tokens]
    args = sweep_args(argv)
    if args is None:
        return
    assert_same(args, typer_params(argv))
