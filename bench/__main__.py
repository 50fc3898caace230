"""``python -m bench`` (``make bench``): measure, then write docs/benchmarks.md.

    make bench                          # everything, full sizes (about 20-30 min on 2 cores)
    BENCH_QUICK=1 make bench            # a smoke pass with small numbers (a couple of minutes)
    python -m bench --only local,scale  # some sections; the page keeps the others as
                                        # their last full run left them (bench/results/)
    python -m bench --quick --output -  # print instead of writing

Quick runs write .bench/benchmarks-quick.md unless --output says otherwise, so a smoke pass
never overwrites the page's real figures. The work dir (fleets, homes, databases, the tools
venv) is .bench/ in the checkout, or $BENCH_DIR.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import api, bigrepo, history, local, progress, remote, scale, scheduler, startup, trust
from bench.context import REPO, BenchContext, Sizes
from bench.machine import CpuClock, OtherWork, describe, load_text
from bench.measure import load_average
from bench.report import Section, load_section, render, save_json, save_section
from bench.tools import ToolsUnavailable, tools_venv

SECTIONS = (
    "local",
    "remote",
    "scale",
    "trust",
    "bigrepo",
    "api",
    "progress",
    "history",
    "scheduler",
    "startup",
)
NOTES = Path(__file__).with_name("findings.md")
# Above this share of the CPUs' time used by other work, the page says the machine was shared.
BUSY_SHARE = 0.10
# Each section's last full figures, committed beside the code that measures them: a run of some
# sections (BENCH_ONLY) rewrites the page with the others' kept figures, not without them.
KEPT = Path(__file__).with_name("results")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", default=_env_flag("BENCH_QUICK"))
    parser.add_argument(
        "--only",
        default=os.environ.get("BENCH_ONLY", ",".join(SECTIONS)),
        help=f"comma-separated sections among {', '.join(SECTIONS)}",
    )
    parser.add_argument("--output", help="Markdown file to write, or - for stdout")
    parser.add_argument("--work", type=Path, default=os.environ.get("BENCH_DIR") or None)
    return parser.parse_args()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def main() -> int:
    args = _parse()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    work = Path(args.work or REPO / ".bench").resolve()
    work.mkdir(parents=True, exist_ok=True)
    # An installed statehub runs from bytecode (pip compiles it; a checkout's first run writes
    # __pycache__). With PYTHONDONTWRITEBYTECODE inherited, no warm-up writes any, and every
    # timed `statehub` child would compile the checkout's sources again (0.04-0.13 s of CPU
    # per start, measured) that the timer never pays: every section's children go without it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    ctx = BenchContext(Sizes.quick() if args.quick else Sizes(), work, quick=args.quick)
    load_start = load_average()
    clock_start = CpuClock.now()
    started = time.monotonic()
    sections: list[Section] = []
    postgres_version: str | None = None
    for key in chosen:
        print(f"bench: {key} …", file=sys.stderr, flush=True)
        runner = _runner(key, ctx)
        section_started = time.monotonic()
        try:
            section = runner()
        except Exception as exc:  # one broken section must not cost the others' figures
            traceback.print_exc()
            section = Section(key, key, error=f"{type(exc).__name__}: {exc}")
        if key == "progress":
            postgres_version = progress.last_postgres_version
        took = time.monotonic() - section_started
        section.notes.append(f"Section time: {took:.0f} s.")
        print(f"bench: {key} done in {took:.0f} s", file=sys.stderr, flush=True)
        sections.append(section)
    if _writes_the_page(args.output, ctx):
        sections = _with_kept_sections(sections, measured_at=_utc_now())
    wall = time.monotonic() - started
    clock_end = CpuClock.now()
    other = (
        OtherWork.between(clock_start, clock_end, wall, ctx.cpus)
        if clock_start is not None and clock_end is not None
        else None
    )
    machine = [
        *describe(postgres_version),
        ("load average at start", load_text(load_start)),
        ("load average at end", load_text(load_average())),
        (
            "CPU used beside the bench (outside its processes; PostgreSQL's server included)",
            other.text() if other is not None else "not measured (no /proc/stat)",
        ),
        ("total bench time", f"{wall:.0f} s"),
        ("mode", "quick (small numbers: a smoke pass)" if ctx.quick else "full"),
    ]
    intro = _intro()
    # The load average counts the bench's own processes (32 fetches at once), and its 5- and
    # 15-minute figures at the start count what ran before: what ran *beside* the bench is
    # the machine's busy CPU time less the bench's own.
    if other is not None and other.share > BUSY_SHARE:
        intro += [
            "",
            "**Other work shared the machine**: outside the bench's own processes the CPUs "
            f"were busy for {other.text()} during this run, so absolute figures — latency "
            "tails above all — are pessimistic; the same-run ratios hold.",
        ]
    page = render(
        title="Benchmarks" + (" (quick smoke pass)" if ctx.quick else ""),
        intro=intro,
        machine=machine,
        sections=sections,
    )
    if NOTES.exists():
        page += "\n" + NOTES.read_text()
    _write(page, args.output, ctx)
    save_json(work / ("results-quick.json" if ctx.quick else "results.json"), sections, machine)
    return 1 if any(s.error for s in sections) else 0


def _writes_the_page(output: str | None, ctx: BenchContext) -> bool:
    return not ctx.quick and not output


def _utc_now() -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime())


def _with_kept_sections(measured: list[Section], *, measured_at: str) -> list[Section]:
    """This run's sections saved for later runs, and the sections it did not run as an
    earlier run kept them, all in the page's order. A section that failed keeps its old
    figures on disk (its error still shows on the page)."""
    fresh = {section.key: section for section in measured}
    for section in measured:
        if section.error is None:
            save_section(KEPT, section, measured_at=measured_at)
    page: list[Section] = []
    for key in SECTIONS:
        section = fresh.get(key) or load_section(KEPT, key)
        if section is not None:
            page.append(section)
    return page


def _runner(key: str, ctx: BenchContext) -> Callable[[], Section]:
    if key == "local":
        return lambda: local.run(ctx, _gita(ctx))
    modules = {
        "remote": remote,
        "scale": scale,
        "bigrepo": bigrepo,
        "api": api,
        "progress": progress,
        "history": history,
        "trust": trust,
        "startup": startup,
    }
    if key in modules:
        return lambda: modules[key].run(ctx)
    return lambda: scheduler.run(ctx)


def _gita(ctx: BenchContext) -> Path | None:
    try:
        return tools_venv(ctx.work) / "gita"
    except ToolsUnavailable as exc:
        print(f"bench: gita left out: {exc}", file=sys.stderr)
        return None


def _intro() -> list[str]:
    return [
        "Generated by `make bench` (`python -m bench`); do not edit by hand — the last part,",
        "*Findings*, comes from `bench/findings.md`. Every figure is the median of several",
        "repetitions, and every baseline ran in the same run, interleaved with the contender",
        "(A, B, A, B, …), so load from elsewhere lands on both alike: read the ratios first.",
    ]


def _write(page: str, output: str | None, ctx: BenchContext) -> None:
    if output == "-":
        sys.stdout.write(page)
        return
    if output:
        target = Path(output)
    elif ctx.quick:
        target = ctx.work / "benchmarks-quick.md"
    else:
        target = REPO / "docs" / "benchmarks.md"
    target.write_text(page)
    print(f"bench: wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
