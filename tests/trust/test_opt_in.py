"""``trust_repo_config`` in the fleet config file and ``repos add --trust-repo-config``, through
the real CLI: a trusted repo's own programs run again, every other repo's stay neutralised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, set_config


def _cli(
    tmp_path: Path, database_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statehub", *args],
        env={
            **os.environ,
            "STATEHUB_HOME": str(tmp_path / "home"),
            "STATEHUB_DATABASE_URL": database_url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_the_config_file_opt_in_restores_one_repos_programs(
    tmp_path: Path, database_url: str, fleet_builder: FleetBuilder, payloads: Payloads
) -> None:
    repos = {name: fleet_builder.clean(name) for name in ("trusted", "untrusted")}
    for name, repo in repos.items():
        set_config(repo, "core.fsmonitor", str(payloads.script(f"fsmonitor-{name}", "exit 1")))
    config = tmp_path / "fleet.yaml"
    config.write_text(
        f"repos:\n  - path: {repos['trusted']}\n    trust_repo_config: true\n"
        f"  - path: {repos['untrusted']}\n"
    )

    out = _cli(
        tmp_path,
        database_url,
        "sweep",
        "--remote-all",
        "--json",
        "--no-fetch",
        STATEHUB_CONFIG_FILE=str(config),
    )

    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["skipped_clean"] == ["trusted"]
    [entry] = result["repos_processed"]
    assert entry["name"] == "untrusted" and entry["findings"] == ["untrusted_config"]
    [line] = entry["state"]["untrusted_config"]
    assert line.startswith("core.fsmonitor=") and line.endswith("(.git/config)")
    assert payloads.fired() == ["fsmonitor-trusted"]


def test_repos_add_trust_repo_config(
    tmp_path: Path, database_url: str, fleet_builder: FleetBuilder
) -> None:
    repo = fleet_builder.clean("mine")
    added = _cli(tmp_path, database_url, "repos", "add", str(repo), "--trust-repo-config")
    assert added.returncode == 0, added.stderr
    other = _cli(tmp_path, database_url, "repos", "add", str(fleet_builder.clean("theirs")))
    assert other.returncode == 0, other.stderr

    listed = json.loads(_cli(tmp_path, database_url, "repos", "list", "--json").stdout)

    assert {r["name"]: r["trust_repo_config"] for r in listed} == {"mine": True, "theirs": False}
