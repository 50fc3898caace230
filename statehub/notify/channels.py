"""Where notifications go: the Apprise URLs of STATEHUB_NOTIFY and the config file's ``notify:``.

Each URL is checked with Apprise when it is read, so a typo fails the start of the command
or the server with the variable (or file and line) and the URL — redacted: an Apprise URL
often *is* its secret (a token in the path, a password), and it ends up in logs, in the
outbox and on the dashboard only in the form Apprise's privacy mode prints.

Apprise is imported here, and only when a URL is configured: a sweep with nothing to notify
never pays for it (the start-up guard test holds the CLI to that).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from statehub.config import load_fleet_config
from statehub.errors import ConfigError
from statehub.settings import Settings

if TYPE_CHECKING:
    from apprise import NotifyBase


@dataclass(frozen=True)
class Channel:
    """One configured Apprise URL: ``url`` to send to, ``redacted`` to show and to store."""

    url: str
    redacted: str

    def __repr__(self) -> str:  # never the secret, even in a traceback or a log line
        return f"Channel({self.redacted!r})"


def redact_unparsed(url: str) -> str:
    """A URL Apprise could not read, shown without anything that may be its secret: the
    scheme and host alone (no user, password, path or query)."""
    scheme, found, _ = url.partition("://")
    if not found or not scheme.isalnum():
        return "a value that is not a URL (no scheme://)"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # an unclosed [ipv6 bracket, say
        host = ""
    return f"{scheme}://{host}/…" if host else f"{scheme}://…"


def plugin_for(url: str) -> NotifyBase | None:
    """Apprise's plugin for ``url``, or None when Apprise cannot use it."""
    import apprise  # here, not at the top: only a configured channel pays for it

    return apprise.Apprise.instantiate(url)


def redacted(plugin: NotifyBase) -> str:
    # Without the query: Apprise prints every default option there, and the path and host
    # are what tell an operator's channels apart.
    return str(plugin.url(privacy=True)).split("?", 1)[0]  # type: ignore[no-untyped-call]


def _checked(urls: Iterable[tuple[str, str]]) -> list[Channel]:
    """``(url, where)`` pairs as channels; the first bad one is a ConfigError naming ``where``."""
    channels: dict[str, Channel] = {}
    for url, where in urls:
        plugin = plugin_for(url)
        if plugin is None:
            raise ConfigError(
                f"{where}: {redact_unparsed(url)} is not an Apprise URL this State Hub can "
                "send to (see https://github.com/caronc/apprise/wiki for the forms); "
                "fix or remove it"
            )
        channel = Channel(url=url, redacted=redacted(plugin))
        known = channels.get(channel.redacted)
        if known is not None and known.url != url:
            raise ConfigError(
                f"{where}: {channel.redacted} looks the same as another channel once its "
                "secrets are hidden, so their deliveries could not be told apart; "
                "keep one of them"
            )
        channels[channel.redacted] = channel
    return list(channels.values())


def configured_channels(settings: Settings) -> list[Channel]:
    """STATEHUB_NOTIFY's URLs, then the config file's ``notify:`` list; duplicates once."""
    urls = [(url, "STATEHUB_NOTIFY") for url in settings.notify.split()]
    path = settings.resolved_config_file
    if path is not None and path.exists():
        try:
            config = load_fleet_config(path)
        except ConfigError:
            # The sweep reports a broken file as its own problem (the sweep is degraded,
            # which is announced on the channels still readable); not a second error here.
            config = None
        if config is not None:
            urls += [(url, config.notify_where(i)) for i, url in enumerate(config.notify)]
    return _checked(urls) if urls else []
