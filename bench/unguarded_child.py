"""``bench.sweep_child`` on today's engine without the trust hardening's per-repo work:
``python -m bench.unguarded_child``. A measuring device for ``bench.trust``, never a product
switch: nothing in ``statehub`` can turn the hardening off; this child swaps ``guard_repo`` in
``statehub.sweep.check`` for its own process only.

What it removes, repo by repo (statehub/git/trust.py): ``guard_repo`` runs every repo down
the path of a repo whose config the user trusts (``trusted=True``): no listing of ``hooks/``,
no look for ``.gitmodules`` and no reading of the submodules it lists, no classification of
the repo's config entries, no command-scope config (``GIT_CONFIG_COUNT`` …) on its git, no
``--upload-pack``/``--receive-pack``. (``load_repo_config`` still reads the configs of
submodules absorbed under ``modules/``, on both sides; the bench fleet has none.)

What stays, because today's engine needs it without the hardening too: reading the repo's own
config (remotes, and the branch → upstream map the ref-file reader of issue 15 uses), the
user's config read once per sweep (one ``git config``; the ref-file reader checks its keys),
and the sweep-wide environment (``GIT_PAGER``, ``GIT_SSH_COMMAND``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import sweep_child
from statehub.git.repoconfig import RepoConfig
from statehub.git.trust import RepoGuard, SweepTrust, guard_repo
from statehub.sweep import check

# The name check._prepare calls; a rename there must fail this child, not measure nothing.
SWAPPED = ("guard_repo",)


def replacements() -> dict[str, Callable[..., Any]]:
    """What ``unguard`` puts in place of each name of ``SWAPPED`` (also for
    ``bench.trust_pairs_child``, which swaps them in and out repo by repo)."""
    missing = [name for name in SWAPPED if not hasattr(check, name)]
    if missing:
        raise SystemExit(
            f"bench.unguarded_child: statehub.sweep.check no longer calls {', '.join(missing)}; "
            "update the variant to the engine's new seams"
        )

    def trusted_guard(
        config: RepoConfig, work_tree: Path, *, trust: SweepTrust, trusted: bool
    ) -> RepoGuard:
        return guard_repo(config, work_tree, trust=trust, trusted=True)

    return {"guard_repo": trusted_guard}


def unguard() -> None:
    """Swap the hardening's per-repo work out of ``statehub.sweep.check`` (this process)."""
    vars(check).update(replacements())


if __name__ == "__main__":
    unguard()
    sweep_child.main()
