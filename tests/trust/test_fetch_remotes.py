"""Every remote is fetched by name, one at a time, and ``fetch_failed`` names each one that
failed with git's own line (item 5); a legacy ``.git/remotes/<name>`` file is a remote too."""

from __future__ import annotations

from statehub.store import Store
from statehub.sweep.engine import Sweeper
from testing.fleet import FleetBuilder
from tests.trust.payloads import git, register, report, sweep


def test_fetch_failed_names_every_failed_remote_with_gits_line(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, password_server_url: str
) -> None:
    repo = fleet_builder.behind("many")
    git(repo, "remote", "add", "gone", str(fleet_builder.root / "no-such-remote.git"))
    git(repo, "remote", "add", "private", password_server_url)
    fleet_builder.behind("legacy-source")  # its remote has moved on: something to fetch
    (repo / ".git" / "remotes").mkdir()
    (repo / ".git" / "remotes" / "old-style").write_text(
        f"URL: {fleet_builder.remotes / 'legacy-source.git'}\n"
        "Pull: refs/heads/main:refs/remotes/old-style/main\n"
    )
    register(store, "many", repo)

    entry = report(sweep(sweeper), "many")

    assert sorted(entry.findings) == ["behind", "fetch_failed"]  # origin was still fetched
    assert entry.message is not None
    failed = dict(part.split(": ", 1) for part in entry.message.split("; "))
    assert sorted(failed) == ["gone", "private"]
    assert "does not appear to be a git repository" in failed["gone"]
    assert "terminal prompts disabled" in failed["private"]
    legacy_main = git(fleet_builder.remotes / "legacy-source.git", "rev-parse", "main")
    assert git(repo, "rev-parse", "refs/remotes/old-style/main") == legacy_main
    # The finding's explanation names the same remotes, each with git's own line.
    (detail,) = [d for d in entry.details if d.finding == "fetch_failed"]
    assert sorted((r.remote, r.message) for r in detail.remotes) == sorted(failed.items())
