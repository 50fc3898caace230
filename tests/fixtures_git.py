"""Git fixtures: real repos under tmp_path, and git kept away from the user's config."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from testing.fleet import FleetBuilder

# Set by git hooks (a pre-commit hook running the suite) and by some shells:
# any one of them would point every git call in the tests at the wrong repo.
_REPO_POINTING_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
)

_TEST_GITCONFIG = """\
[user]
\tname = State Hub Tests
\temail = tests@statehub.invalid
[init]
\tdefaultBranch = main
"""


@pytest.fixture(autouse=True, scope="session")
def _git_isolated_from_user_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every git the suite starts reads a known global config and no system one.

    HOME is left alone on purpose (Playwright and others find their caches
    there); GIT_CONFIG_GLOBAL replaces both ~/.gitconfig and the XDG file.
    A user's credential helper, url.insteadOf, commit.gpgsign or hooksPath
    would otherwise change what the tests see.
    """
    config = tmp_path_factory.mktemp("git-home") / "gitconfig"
    config.write_text(_TEST_GITCONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(config))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for name in _REPO_POINTING_VARS:
            patch.delenv(name, raising=False)
        yield


@pytest.fixture
def fleet_builder(tmp_path: Path) -> Iterator[FleetBuilder]:
    """The builder with every fault (``testing.fleet``), under this test's tmp_path."""
    builder = FleetBuilder(tmp_path / "fleet")
    yield builder
    builder.kill_hung_remotes()


class _AskForPassword(BaseHTTPRequestHandler):
    """Every request gets 401 with a Basic challenge, as a private git host does."""

    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="private"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def password_server_url() -> Iterator[str]:
    """URL of a git repo on loopback http that only answers 401 (wants a password)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AskForPassword)
    # A short poll interval keeps shutdown() from adding half a second per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/private/repo.git"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
