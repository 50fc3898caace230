"""The notifications tests run the real CLI as tests/cli does, and share its fixtures."""

from tests.cli.conftest import cli_env, run_cli

__all__ = ["cli_env", "run_cli"]
