"""The doctor's judgements, on captured output: git versions, remote URLs, git's and ssh's
failure lines, systemd's environment, and where the server listens."""

from __future__ import annotations

import pytest

from statehub.doctor.checks import (
    Failure,
    Host,
    Remote,
    Transport,
    agent_problems,
    check_git_version,
    classify_failure,
    environment_files,
    group_by_host,
    host_of,
    listens_beyond_loopback,
    parse_environment,
    serve_host,
    token_problem,
)


@pytest.mark.parametrize(
    ("output", "ok"),
    [
        ("git version 2.39.5\n", True),
        ("git version 2.35.0", True),
        ("git version 2.34.1\n", False),
        ("git version 1.9", False),
        ("git version 3.0.0.windows.1", True),
        ("command not found", False),
    ],
)
def test_it_wants_git_2_35(output: str, ok: bool) -> None:
    problem = check_git_version(output)
    assert (problem is None) is ok
    if problem is not None:
        assert "2.35" in problem.fix


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("git@github.com:org/repo.git", Host(Transport.SSH, "github.com")),
        ("ssh://git@gitlab.example:2222/org/repo", Host(Transport.SSH, "gitlab.example:2222")),
        ("https://user:secret@github.com/org/repo", Host(Transport.HTTP, "https://github.com")),
        ("http://127.0.0.1:8080/x.git", Host(Transport.HTTP, "http://127.0.0.1:8080")),
        ("file:///srv/git/a.git", Host(Transport.LOCAL, "file:///srv/git/a.git")),
        ("/srv/git/a.git", Host(Transport.LOCAL, "/srv/git/a.git")),
        ("../sibling", Host(Transport.LOCAL, "../sibling")),
        ("git://example.org/x", Host(Transport.OTHER, "git://example.org")),
    ],
)
def test_it_groups_remotes_by_the_host_git_would_reach(url: str, host: Host) -> None:
    assert host_of(url) == host
    assert "secret" not in str(host)
    assert str(host).count("://") <= 1


def test_one_probe_per_host_names_every_remote_on_it() -> None:
    remotes = [
        Remote("b", "origin", "git@github.com:org/b.git"),
        Remote("a", "origin", "git@github.com:org/a.git"),
        Remote("a", "backup", "https://backup.example/a.git"),
    ]
    grouped = group_by_host(remotes)
    assert len(grouped) == 2
    assert [r.label for r in grouped[Host(Transport.SSH, "github.com")]] == ["a/origin", "b/origin"]


NO_KEY = (
    "root@127.0.0.1: Permission denied (publickey).\n"
    "fatal: Could not read from remote repository.\n"
)


@pytest.mark.parametrize(
    ("stderr", "transport", "timed_out", "agent", "failure"),
    [
        (NO_KEY, Transport.SSH, False, None, Failure.NO_AGENT),
        (NO_KEY, Transport.SSH, False, "/run/user/1000/agent", Failure.AUTH_REFUSED),
        ("ssh: connect to host 127.0.0.1 port 1: Connection refused\n", Transport.SSH, False,
         None, Failure.UNREACHABLE),
        ("fatal: unable to access 'https://127.0.0.1:1/x/': Failed to connect to 127.0.0.1 port 1"
         " after 0 ms: Couldn't connect to server", Transport.HTTP, False, None,
         Failure.UNREACHABLE),
        ("fatal: could not read Username for 'http://127.0.0.1:5/': terminal prompts disabled",
         Transport.HTTP, False, None, Failure.AUTH_REFUSED),
        ("Host key verification failed.\nfatal: Could not read from remote repository.",
         Transport.SSH, False, None, Failure.HOST_KEY),
        ("fatal: '/gone' does not appear to be a git repository", Transport.LOCAL, False, None,
         Failure.NOT_FOUND),
        ("", Transport.HTTP, True, None, Failure.TIMED_OUT),
        ("fatal: something new", Transport.HTTP, False, None, Failure.OTHER),
    ],
)  # fmt: skip
def test_it_names_why_a_remote_would_fail(
    stderr: str, transport: Transport, timed_out: bool, agent: str | None, failure: Failure
) -> None:
    assert (
        classify_failure(stderr, transport=transport, timed_out=timed_out, agent_socket=agent)
        == failure
    )


def test_it_reads_systemd_environment_as_systemctl_prints_it() -> None:
    assert parse_environment('STATEHUB_HOME=/h/x "A=b c" SSH_AUTH_SOCK=/run/s') == {
        "STATEHUB_HOME": "/h/x",
        "A": "b c",
        "SSH_AUTH_SOCK": "/run/s",
    }
    assert environment_files(
        "/h/.config/statehub/env (ignore_errors=yes)\n/e (ignore_errors=no)"
    ) == [
        ("/h/.config/statehub/env", True),
        ("/e", False),
    ]


def test_units_with_different_agents_are_a_problem() -> None:
    [problem] = agent_problems(
        {"custodian-sync.service": "/run/a", "statehub.service": None},
        needs_agent=True,
        exists={"/run/a": True},
    )
    assert (
        "different SSH_AUTH_SOCK" in problem.message
        and "statehub.service gets none" in problem.message
    )


def test_no_agent_matters_only_when_a_remote_uses_ssh() -> None:
    sockets: dict[str, str | None] = {"custodian-sync.service": None, "statehub.service": None}
    assert agent_problems(sockets, needs_agent=False, exists={}) == []
    [problem] = agent_problems(sockets, needs_agent=True, exists={})
    assert "get no SSH_AUTH_SOCK" in problem.message


def test_an_agent_socket_that_is_not_there_is_a_problem() -> None:
    sockets = {"custodian-sync.service": "/run/x", "statehub.service": "/run/x"}
    assert agent_problems(sockets, needs_agent=True, exists={"/run/x": True}) == []
    [problem] = agent_problems(sockets, needs_agent=True, exists={"/run/x": False})
    assert "does not exist" in problem.message


@pytest.mark.parametrize(
    ("exec_start", "beyond"),
    [
        ("%h/state-hub/.venv/bin/statehub serve --host 127.0.0.1 --port 8000", False),
        ("statehub serve --host 0.0.0.0", True),
        ("statehub serve --host=::", True),
        ("statehub serve --host ::1", False),
        ("statehub serve --host localhost", False),
        ("statehub serve --host workstation.lan", True),
        ("statehub serve", False),
    ],
)
def test_a_server_beyond_loopback_needs_a_token(exec_start: str, beyond: bool) -> None:
    host = serve_host(exec_start)
    assert listens_beyond_loopback(host) is beyond
    assert (token_problem(host, token_set=False) is not None) is beyond
    assert token_problem(host, token_set=True) is None
