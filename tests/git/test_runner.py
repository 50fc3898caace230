"""run_git: no hangs, no prompts, no survivors.

Shell aliases (``-c alias.x='!…'``) let a real git run a process of our
choosing, the way git runs ssh, credential helpers and upload-pack.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from statehub.git.runner import GitResult, GitTimeout, git_environment, run_git
from testing.processes import AWAIT_SESSION_NICENESS, autogroups, read_pids, survivors


def _alias(tmp_path: Path, script: str) -> list[str]:
    path = tmp_path / "alias.sh"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return ["-c", f"alias.probe=!{path}", "probe"]


def _env_of_child(tmp_path: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    env = git_environment(base) if base is not None else None
    result = run_git(_alias(tmp_path, "env -0\n"), cwd=tmp_path, timeout=10, env=env)
    assert result.ok, result.stderr
    pairs = (item.split(b"=", 1) for item in result.stdout.split(b"\0") if b"=" in item)
    return {key.decode(): value.decode() for key, value in pairs}


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids"
    # git -> sh -> two sleeps, one in the background: the grandchildren are
    # what a plain proc.kill() would leave running.
    args = _alias(
        tmp_path,
        f"echo $$ >> {pids_file}\nsleep 300 &\necho $! >> {pids_file}\n"
        f"sleep 300 &\necho $! >> {pids_file}\nwait\n",
    )
    started = time.monotonic()
    with pytest.raises(GitTimeout, match=r"timed out after 1\.0s"):
        run_git(args, cwd=tmp_path, timeout=1)
    assert time.monotonic() - started < 2.5
    pids = read_pids(pids_file, expect=3)
    assert len(pids) == 3
    assert survivors(pids) == []


def test_git_runs_in_its_own_session(tmp_path: Path) -> None:
    # Field 6 of /proc/<pid>/stat is the session id.
    result = run_git(_alias(tmp_path, "cat /proc/$$/stat\n"), cwd=tmp_path, timeout=10)
    session = int(result.stdout.decode().rpartition(")")[2].split()[3])
    assert session != os.getsid(0)


# At least a sweep thread's niceness (a test run may be niced already: never lower it).
NICED = max(os.getpriority(os.PRIO_PROCESS, 0), 10)


def _session_group_from_a_niced_thread(tmp_path: Path) -> str:
    """What ``/proc/self/autogroup`` says inside git's session, git started from a thread at
    niceness ``NICED`` (as a sweep's are). The probe waits for a niceness other than 0 to
    appear, up to 5 s, so that it does not read before the runner has written."""
    probe = _alias(tmp_path, AWAIT_SESSION_NICENESS + "cat /proc/self/autogroup\n")
    results: list[GitResult] = []

    def niced() -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICED)
        results.append(run_git(probe, cwd=tmp_path, timeout=30))

    thread = threading.Thread(target=niced)
    thread.start()
    thread.join()
    [result] = results
    assert result.ok, result.stderr
    return result.stdout.decode().strip()


@pytest.mark.skipif(not autogroups(), reason="the kernel does not group sessions (autogroup)")
def test_git_keeps_its_threads_niceness_in_its_own_session(tmp_path: Path) -> None:
    # The session is a scheduling group of its own: without the runner's write it would
    # weigh as much as the whole State Hub process, niced or not.
    assert _session_group_from_a_niced_thread(tmp_path).endswith(f" nice {NICED}")


@pytest.mark.skipif(not autogroups(), reason="the kernel does not group sessions (autogroup)")
@pytest.mark.skipif(os.getpriority(os.PRIO_PROCESS, 0) != 0, reason="the test run is niced")
def test_a_call_from_a_thread_at_niceness_0_leaves_its_session_as_it_was(
    tmp_path: Path,
) -> None:
    probe = _alias(tmp_path, "cat /proc/self/autogroup\n")
    result = run_git(probe, cwd=tmp_path, timeout=10)  # this thread: niceness 0, no write
    assert result.ok and result.stdout.decode().strip().endswith(" nice 0")


def test_stdin_is_closed(tmp_path: Path) -> None:
    # With our stdin inherited, `cat` would wait for a human; with it closed it sees EOF.
    result = run_git(_alias(tmp_path, "cat\necho done\n"), cwd=tmp_path, timeout=5)
    assert result.ok and result.stdout == b"done\n"


def test_the_child_gets_no_prompts_and_no_optional_locks(tmp_path: Path) -> None:
    env = _env_of_child(tmp_path)
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_OPTIONAL_LOCKS"] == "0"
    assert env["GIT_ASKPASS"] == "" and env["SSH_ASKPASS"] == ""
    assert env["LC_ALL"] == "C"
    assert "BatchMode=yes" in env["GIT_SSH_COMMAND"]


def test_a_users_ssh_command_is_kept_but_made_batch(tmp_path: Path) -> None:
    base = dict(os.environ, GIT_SSH_COMMAND="ssh -i /keys/id", GIT_DIR="/elsewhere/.git")
    env = _env_of_child(tmp_path, base)
    assert env["GIT_SSH_COMMAND"] == "ssh -i /keys/id -o BatchMode=yes"
    # GIT_DIR from a hook would aim every call at one repo (git sets it for the
    # alias itself, so check it is not the inherited one).
    assert env.get("GIT_DIR") != "/elsewhere/.git"


def test_a_failure_reports_gits_most_telling_line(tmp_path: Path) -> None:
    # The ceiling keeps git from finding a repo above tmp_path.
    env = git_environment(dict(os.environ, GIT_CEILING_DIRECTORIES=str(tmp_path.parent)))
    result = run_git(["rev-parse", "--verify", "HEAD"], cwd=tmp_path, timeout=10, env=env)
    assert not result.ok
    assert result.error_line().startswith("fatal: not a git repository")


def test_a_spent_budget_times_out_without_starting_git(tmp_path: Path) -> None:
    with pytest.raises(GitTimeout):
        run_git(["status"], cwd=tmp_path, timeout=0)


def test_large_output_on_both_streams_arrives_whole(tmp_path: Path) -> None:
    # More than a pipe holds (64 KiB) on stdout and stderr at once: reading one stream to
    # its end before the other would deadlock until the timeout.
    script = "head -c 300000 /dev/zero | tr '\\0' o; head -c 200000 /dev/zero | tr '\\0' e >&2\n"
    result = run_git(_alias(tmp_path, script), cwd=tmp_path, timeout=20)
    assert result.ok
    assert result.stdout == b"o" * 300_000
    assert result.stderr == "e" * 200_000


def test_it_works_where_the_kernel_has_no_pidfd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fault we cannot produce for real on this kernel: pidfd_open missing (macOS, Linux
    # before 5.3). The runner must fall back to Popen's own wait, timeouts included.
    monkeypatch.delattr(os, "pidfd_open", raising=False)
    assert run_git(["--version"], cwd=tmp_path, timeout=10).stdout.startswith(b"git version")
    with pytest.raises(GitTimeout):
        run_git(_alias(tmp_path, "sleep 30\n"), cwd=tmp_path, timeout=0.5)


def test_git_is_found_again_when_it_moves_between_calls(tmp_path: Path) -> None:
    real_git = shutil.which("git")
    assert real_git is not None
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "git").symlink_to(real_git)
    env = git_environment({**os.environ, "PATH": f"{first}:{second}:{os.defpath}"})
    assert run_git(["--version"], cwd=tmp_path, timeout=10, env=env).ok  # remembers first/git
    (first / "git").unlink()
    (second / "git").symlink_to(real_git)
    assert run_git(["--version"], cwd=tmp_path, timeout=10, env=env).ok


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_no_descriptor_outlives_a_call(tmp_path: Path) -> None:
    # The runner makes git's pipes itself: every way a call can end must close them all —
    # a sweep makes thousands of calls, and a leak per call runs out of descriptors.
    run_git(["--version"], cwd=tmp_path, timeout=10)  # opens the one /dev/null kept for stdin
    before = _open_fds()
    assert run_git(["--version"], cwd=tmp_path, timeout=10).ok
    assert not run_git(["no-such-command"], cwd=tmp_path, timeout=10).ok
    with pytest.raises(GitTimeout):
        run_git(_alias(tmp_path, "sleep 30\n"), cwd=tmp_path, timeout=0.5)
    with pytest.raises(FileNotFoundError):
        run_git(["--version"], cwd=tmp_path / "gone", timeout=10)
    assert _open_fds() == before
