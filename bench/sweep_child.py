"""One sweep in a process of its own: ``python -m bench.sweep_child [--fetch]``.

Times ``Sweeper.run`` alone — the lock, the checks, the recording — which is what a running
server does for each POST; the interpreter's start-up and imports (a CLI cost, paid once by a
server) are outside the clock. Prints one JSON line, with this process's peak RSS: VmHWM, not
ru_maxrss, which Linux carries over exec from the process that spawned it (the bench's own
RSS, 120 MB and more, would hide a smaller sweep's).
Settings come from the environment (``STATEHUB_HOME`` …), as for the CLI.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from bench.measure import cpu_seconds
from statehub.settings import load_settings
from statehub.store import Store
from statehub.sweep import engine
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fetch", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    args = parser.parse_args()
    settings = load_settings()
    store = Store.open(settings.resolved_database_url)
    try:
        own, children = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = Sweeper(settings, store).run(
            SweepRequest(max_seconds=args.max_seconds, fetch=args.fetch, triggered_by="bench")
        )
        seconds = time.perf_counter() - started
        own = cpu_seconds(resource.RUSAGE_SELF) - own
        children = cpu_seconds(resource.RUSAGE_CHILDREN) - children
    finally:
        store.dispose()
    counts = {
        "repos_processed": len(result.repos_processed),
        "skipped_clean": len(result.skipped_clean),
        "skipped_missing": len(result.skipped_missing),
        "skipped_budget": len(result.skipped_budget),
        "errors": len(result.errors),
    }
    document = {
        "seconds": seconds,
        "checks_seconds": result.duration_seconds,
        "workers": _pool(settings.workers, fetch=args.fetch),
        # CPU of Sweeper.run: the sweep's own threads, and the git processes it reaped.
        "cpu_own": own,
        "cpu_git": children,
        "peak_rss_mb": _peak_rss_mb(),
        "counts": counts,
    }
    print(json.dumps(document))


def _peak_rss_mb() -> float | None:
    """This process's own high-water RSS (its address space's, since its exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None  # not Linux: the parent falls back to wait4's figure


def _pool(workers: int, *, fetch: bool) -> str:
    sizes = getattr(engine, "pool_sizes", None)  # absent from an engine snapshot before it
    if sizes is None:
        return f"{workers} threads"
    threads, local = sizes(workers, fetch=fetch)
    return f"{threads} threads, {local} running local git"


if __name__ == "__main__":
    main()
