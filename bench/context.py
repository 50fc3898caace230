"""What every benchmark section gets: sizes (full or quick), the work dir, the fleets, tools."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from bench.fleet import BenchFleet, FleetSpec, Templates

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is. ``quick()`` is a smoke pass: same code, small numbers."""

    local_repos: int = 1_000
    scale_repos: int = 10_000
    remote_repos: int = 200
    latency_ms: int = 100
    large_files: int = 20_000
    events: int = 1_000_000
    small_events: int = 1_000
    fires: int = 30
    repetitions: int = 5
    slow_repetitions: int = 3  # for the runs that take half a minute each
    api_sweeps: int = 3
    requests: int = 500
    warmup: bool = True  # one unmeasured run of each contender first

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            local_repos=100,
            scale_repos=300,
            remote_repos=20,
            large_files=2_000,
            events=20_000,
            small_events=200,
            fires=6,
            repetitions=2,
            slow_repetitions=1,
            api_sweeps=1,
            requests=60,
        )

    def scaled(self, **changes: int) -> Sizes:
        return replace(self, **changes)


@dataclass
class BenchContext:
    sizes: Sizes
    work: Path  # cached fleets, homes, databases, the tools venv: never committed
    quick: bool = False

    @property
    def cpus(self) -> int:
        return os.cpu_count() or 1

    def templates(self) -> Templates:
        large = self.sizes.large_files
        return Templates(self.work / f"templates-{large}", large)

    def local_fleet(self) -> BenchFleet:
        """Fleet for the local sweeps and the scale runs: one large repo, no latency."""
        spec = FleetSpec(large_files=self.sizes.large_files)
        return BenchFleet(self.work / f"fleet-local-{spec.large_files}", spec, self.templates())

    def remote_fleet(self) -> BenchFleet:
        """Fleet whose every fetch waits ``latency_ms`` before upload-pack answers."""
        spec = FleetSpec(large_files=0, latency_ms=self.sizes.latency_ms)
        path = self.work / f"fleet-remote-{spec.latency_ms}ms"
        return BenchFleet(path, spec, self.templates())

    def home(self, name: str) -> Path:
        return self.work / "homes" / name
