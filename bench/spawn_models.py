"""How fast can Python run the inspection's git commands at all? ``python -m bench.spawn_models``

Not part of ``make bench``: an experiment behind a design decision (bench/findings.md). It
runs the sweep's two inspection commands in every repo of the 1,000-repo bench fleet through
five process models, interleaved with the ``xargs`` baseline, at the sweep's niceness, and
prints wall time and CPU (this process's own, and its git children's) for each:

- ``threads + run_git``: the engine's model — a thread pool, ``statehub.git.runner.run_git``;
- ``threads + subprocess.run``: the same threads with nothing but ``subprocess.run``;
- ``asyncio + posix_spawn``: one thread, an asyncio loop, pipes and a pidfd per child;
- ``epoll + posix_spawn``: one thread, a bare ``select.epoll`` loop, no asyncio.

Output is discarded (nothing is parsed): this measures running git, not reading its answer.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures as cf
import os
import resource
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence

from bench.contenders import INSPECT_COMMANDS, git_env, xargs_argv
from bench.context import REPO, BenchContext, Sizes
from bench.measure import median
from statehub.git.runner import run_git
from statehub.sweep.engine import SWEEP_NICENESS

Command = Sequence[str]


def _posix_spawn(git: str, path: str, args: Command, env: dict[str, str]) -> tuple[int, int, int]:
    """Start ``git -C path args``: (pid, stdout read end, stderr read end)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        pid = os.posix_spawn(
            git,
            ["git", "-C", path, *args],
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(out_w)
        os.close(err_w)
    return pid, out_r, err_r


def threads_run_git(paths: list[str], env: dict[str, str], parallel: int) -> None:
    def one(path: str) -> None:
        for args in INSPECT_COMMANDS:
            run_git(args, cwd=path, timeout=60, env=env)

    with cf.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, paths))


def threads_subprocess(paths: list[str], env: dict[str, str], parallel: int) -> None:
    def one(path: str) -> None:
        for args in INSPECT_COMMANDS:
            subprocess.run(["git", *args], cwd=path, env=env, capture_output=True, check=False)

    with cf.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, paths))


def asyncio_posix_spawn(paths: list[str], env: dict[str, str], parallel: int) -> None:
    git = shutil.which("git") or "git"

    async def run(path: str, args: Command) -> None:
        loop = asyncio.get_running_loop()
        pid, out_r, err_r = _posix_spawn(git, path, args, env)
        pidfd = os.pidfd_open(pid)
        waiting = {out_r, err_r, pidfd}
        finished = loop.create_future()

        def ready(fd: int) -> None:
            if fd != pidfd and os.read(fd, 65536):
                return
            loop.remove_reader(fd)
            waiting.discard(fd)
            if not waiting:
                finished.set_result(None)

        for fd in (out_r, err_r, pidfd):
            loop.add_reader(fd, ready, fd)
        await finished
        for fd in (out_r, err_r, pidfd):
            os.close(fd)
        os.waitpid(pid, 0)

    async def main() -> None:
        queue = iter(paths)

        async def worker() -> None:
            for path in queue:
                for args in INSPECT_COMMANDS:
                    await run(path, args)

        await asyncio.gather(*(worker() for _ in range(parallel)))

    asyncio.run(main())


def epoll_posix_spawn(paths: list[str], env: dict[str, str], parallel: int) -> None:
    git = shutil.which("git") or "git"
    todo = [(path, args) for path in reversed(paths) for args in reversed(INSPECT_COMMANDS)]
    owner: dict[int, tuple[int, set[int], tuple[int, ...]]] = {}  # fd -> (pid, open fds, all)
    with select.epoll() as poller:
        while todo or owner:
            while todo and len({pid for pid, _, _ in owner.values()}) < parallel:
                path, args = todo.pop()
                pid, out_r, err_r = _posix_spawn(git, path, args, env)
                fds = (out_r, err_r, os.pidfd_open(pid))
                job = (pid, set(fds), fds)
                for fd in fds:
                    poller.register(fd, select.EPOLLIN)
                    owner[fd] = job
            for fd, _ in poller.poll():
                pid, waiting, fds = owner[fd]
                if fd != fds[2] and os.read(fd, 65536):
                    continue
                poller.unregister(fd)
                del owner[fd]
                waiting.discard(fd)
                if not waiting:
                    for each in fds:
                        os.close(each)
                    os.waitpid(pid, 0)


def _xargs(paths: list[str], env: dict[str, str], parallel: int) -> None:
    feed = b"\0".join(os.fsencode(p) for p in paths)
    argv = xargs_argv(INSPECT_COMMANDS, parallel=parallel, per_call=8)
    argv = argv[argv.index("xargs") :]  # this process is niced already (main)
    subprocess.run(argv, input=feed, env=env, check=True)


MODELS: dict[str, Callable[[list[str], dict[str, str], int], None]] = {
    "xargs -P 8 (baseline)": _xargs,
    "threads + run_git (the engine)": threads_run_git,
    "threads + subprocess.run": threads_subprocess,
    "asyncio + posix_spawn": asyncio_posix_spawn,
    "epoll + posix_spawn": epoll_posix_spawn,
}


def _measure(model: Callable[[], None]) -> tuple[float, float, float]:
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    model()
    wall = time.perf_counter() - started
    own1 = resource.getrusage(resource.RUSAGE_SELF)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = own1.ru_utime - own0.ru_utime + own1.ru_stime - own0.ru_stime
    kids = kids1.ru_utime - kids0.ru_utime + kids1.ru_stime - kids0.ru_stime
    return wall, own, kids


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.spawn_models")
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    ctx = BenchContext(Sizes(), (REPO / ".bench").resolve())
    paths = [str(e.path) for e in ctx.local_fleet().ensure(args.repos) if e.path.exists()]
    env = git_env()
    parallel = 4 * ctx.cpus
    os.setpriority(os.PRIO_PROCESS, 0, SWEEP_NICENESS)  # the sweep's niceness, for all alike
    found: dict[str, list[tuple[float, float, float]]] = {name: [] for name in MODELS}
    for _ in range(args.reps):
        for name, model in MODELS.items():
            found[name].append(_measure(lambda m=model: m(paths, env, parallel)))  # type: ignore[misc]
    base = median([wall for wall, _, _ in found["xargs -P 8 (baseline)"]])
    print(f"{len(paths)} repos, {parallel} at a time, median of {args.reps}, interleaved")
    print(f"{'model':34} {'wall s':>7} {'vs xargs':>8} {'own CPU s':>9} {'git CPU s':>9}")
    for name, runs in found.items():
        wall = median([w for w, _, _ in runs])
        own = median([o for _, o, _ in runs])
        kids = median([k for _, _, k in runs])
        print(f"{name:34} {wall:7.2f} {wall / base:7.2f}x {own:9.2f} {kids:9.2f}")


if __name__ == "__main__":
    main()
