"""Channels: read from STATEHUB_NOTIFY and the config file, checked by Apprise, shown
redacted; nothing configured loads no Apprise at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from statehub.errors import ConfigError
from statehub.notify.channels import configured_channels, redact_unparsed
from statehub.settings import Settings


def _settings(tmp_path: Path, notify: str = "", config: str | None = None) -> Settings:
    config_file = None
    if config is not None:
        config_file = tmp_path / "fleet.yaml"
        config_file.write_text(config)
    return Settings(home=tmp_path / "home", notify=notify, config_file=config_file)


def test_it_reads_the_variable_then_the_file_once_each(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        notify="json://127.0.0.1:9/a  json://u:pw@127.0.0.1:9/b",
        config="notify:\n  - json://127.0.0.1:9/a\n  - ntfys://ntfy.example/topic\n",
    )
    channels = configured_channels(settings)
    assert [c.redacted for c in channels] == [
        "json://127.0.0.1:9/a",
        "json://u:****@127.0.0.1:9/b",
        "ntfys://ntfy.example/topic",
    ]
    assert "pw" not in repr(channels)


def test_nothing_configured_is_no_channel(tmp_path: Path) -> None:
    assert configured_channels(_settings(tmp_path)) == []
    assert configured_channels(_settings(tmp_path, config="repos: []\n")) == []


def test_two_urls_that_look_alike_once_redacted_are_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path, notify="json://u:one@127.0.0.1:9/a json://u:two@127.0.0.1:9/a")
    with pytest.raises(ConfigError, match=r"STATEHUB_NOTIFY: json://u:\*\*\*\*@127.0.0.1:9/a"):
        configured_channels(settings)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("nosuch://me:hunter2@hooks.example/t0k3n?key=k", "nosuch://hooks.example/…"),
        ("mailto://", "mailto://…"),
        ("hunter2", "a value that is not a URL (no scheme://)"),
        ("http://[::1", "http://…"),
    ],
)
def test_an_unreadable_url_is_shown_without_what_may_be_its_secret(url: str, shown: str) -> None:
    assert redact_unparsed(url) == shown


def test_a_sweep_with_nothing_to_notify_never_imports_apprise(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from statehub.notify import sweep_observers\n"
        "from statehub.settings import Settings\n"
        "def unopened():\n"
        "    raise AssertionError('the store was opened with nothing to observe')\n"
        f"assert sweep_observers(Settings(home={str(tmp_path)!r}, notify=''), unopened) == []\n"
        "print('apprise' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"
