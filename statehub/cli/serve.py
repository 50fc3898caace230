"""``statehub serve``: the HTTP API on uvicorn."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import typer

from statehub.cli.output import err_console
from statehub.errors import ConfigError
from statehub.settings import load_settings
from statehub.store import Store


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name could resolve anywhere: treat it as exposed


def _log_config() -> dict[str, Any]:
    # uvicorn's own format for State Hub's lines too (sweep started / recorded).
    # Neither logs request headers, so the token never reaches the log.
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["statehub"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind; non-loopback needs STATEHUB_TOKEN."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to bind."),
) -> None:
    """Serve the HTTP API (POST /consistency/sweep/remote-all, GET /progress/, …).

    SIGTERM stops it gracefully: running sweeps finish (or stop at their
    budget) and are recorded first.
    """
    # Imported here, not at the top: every `statehub` command loads this module, and FastAPI
    # with uvicorn would add about 0.3 s to the start-up of each timer sweep.
    import uvicorn

    from statehub.api import create_app

    settings = load_settings()
    token = settings.api_token()
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host} without a token: anyone who can reach it could "
            "trigger sweeps. Set STATEHUB_TOKEN or STATEHUB_TOKEN_FILE, or bind 127.0.0.1."
        )
    settings.home.mkdir(parents=True, exist_ok=True)
    # Opened here, not in the app's lifespan, so a database that is down at
    # start-up is one clear message and exit status, not a lifespan traceback.
    store = Store.open(settings.resolved_database_url)
    try:
        app = create_app(settings, store)
        auth = "bearer token required" if token else "no token (loopback only)"
        err_console.print(
            f"State Hub API on http://{host}:{port} — home {settings.home}, "
            f"{store.description}; {auth}",
            highlight=False,
            soft_wrap=True,
        )
        uvicorn.run(app, host=host, port=port, log_config=_log_config())
    finally:
        store.dispose()
