"""``statehub sweep`` on a terminal: each finding with what it is about and what to type."""

from __future__ import annotations

from testing.fleet import FleetBuilder
from tests.cli.conftest import RunCli


def test_the_sweep_command_says_ahead_on_feature_not_on_main(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repo = fleet_builder.ahead_on_other_branch("experiments")
    assert run_cli("repos", "add", str(repo)).returncode == 0

    out = run_cli("sweep")

    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # The repo's name, then what its finding is about on a line of its own.
    row = lines[lines.index("  experiments") + 1]
    assert row == "    feature: 1 ahead of origin/feature"
    assert "0/0" not in out.stdout
    assert "push origin feature" in out.stdout
