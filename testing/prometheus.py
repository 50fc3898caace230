"""A real Prometheus server on loopback, scraping what a test serves, and its HTTP API.

Debian's ``prometheus`` package provides ``prometheus`` and ``promtool`` (``.ci/run``
installs it). ``binary()`` finds one or says why not; the tests skip on that reason, unless
STATEHUB_REQUIRE_PROMETHEUS=1 (CI), where they fail.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from testing.processes import answers_ok, stop_process
from testing.serve import free_port
from testing.waiting import wait_for


def binary(name: str) -> Path | str:
    """The path of ``name`` (prometheus, promtool), or the reason it cannot be used."""
    found = shutil.which(name)
    return Path(found) if found else f"{name} is not installed (apt-get install prometheus)"


class PrometheusServer:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/PATH; its ``data`` when the status is success."""
        answer = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=5)
        body = answer.json()
        assert body.get("status") == "success", body
        return body["data"]

    def query(self, promql: str) -> list[dict[str, Any]]:
        """An instant query's result vector."""
        data = self.api("query", query=promql)
        assert data["resultType"] == "vector", data
        result: list[dict[str, Any]] = data["result"]
        return result

    def ready(self) -> bool:
        return answers_ok(
            self.process,
            f"{self.url}/-/ready",
            exited=lambda code: AssertionError(
                f"prometheus exited with {code}:\n{self.output()[-4000:]}"
            ),
        )


@contextmanager
def prometheus_server(
    directory: Path,
    scrape_configs: list[dict[str, Any]],
    *,
    rule_files: Sequence[Path] = (),
    interval: str = "1s",
) -> Iterator[PrometheusServer]:
    """``prometheus`` with its config and storage in ``directory``, on a free loopback port,
    scraping and evaluating every ``interval``; stopped when the block ends."""
    executable = binary("prometheus")
    if not isinstance(executable, Path):
        raise AssertionError(executable)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": interval, "evaluation_interval": interval},
                "rule_files": [str(path) for path in rule_files],
                "scrape_configs": scrape_configs,
            }
        )
    )
    port = free_port()
    log = directory / "prometheus.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [
                str(executable),
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = PrometheusServer(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(server.ready, timeout=30, interval=0.1, what="prometheus /-/ready")
        yield server
    finally:
        stop_process(process, timeout=15)
