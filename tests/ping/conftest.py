"""The CLI's fixtures, for the ping tests that run ``statehub sweep`` with a check URL."""

from tests.cli.conftest import cli_env, run_cli

__all__ = ["cli_env", "run_cli"]
