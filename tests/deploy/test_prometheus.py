"""deploy/prometheus: the alert rules pass their promtool tests, a real scrape of a real
``statehub serve`` passes ``promtool check metrics``, and a real Prometheus scrapes it (with
the bearer token), evaluates the shipped rules against it and answers a query."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from statehub.store import Store
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.metrics import value
from testing.prometheus import binary, prometheus_server
from testing.serve import ServeProcess, free_port, serve_process, statehub_argv, statehub_env
from testing.waiting import wait_for

RULES = ROOT / "deploy" / "prometheus" / "statehub.rules.yml"
RULE_TESTS = sorted((ROOT / "deploy" / "prometheus" / "tests").glob("*.yml"))
TOKEN = "prometheus-test-token"


def _require(name: str) -> Path:
    found = binary(name)
    if isinstance(found, Path):
        return found
    if os.environ.get("STATEHUB_REQUIRE_PROMETHEUS") == "1":
        pytest.fail(f"STATEHUB_REQUIRE_PROMETHEUS=1 but {found}", pytrace=False)
    pytest.skip(found)


@pytest.fixture(scope="module")
def promtool() -> Path:
    return _require("promtool")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """``statehub serve`` (token on) over a small real fleet swept once by the CLI."""
    root = tmp_path_factory.mktemp("metrics-serve")
    home = root / "home"
    env = statehub_env(home, STATEHUB_TOKEN=TOKEN)
    store = Store.open(f"sqlite:///{home / 'statehub.db'}")
    try:
        builder = FleetBuilder(root / "fleet")
        register(store, {"clean": builder.clean("clean"), "behind": builder.behind("behind")})
    finally:
        store.dispose()
    swept = subprocess.run(
        statehub_argv("sweep", "--remote-all", "--triggered-by", "local-timer", "--quiet"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert swept.returncode == 0, swept.stdout + swept.stderr
    with serve_process(env, root / "serve.log", host="127.0.0.1", port=free_port()) as server:
        yield server


def _scrape(served: ServeProcess) -> str:
    answer = httpx.get(
        f"{served.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_alert_rules_pass_their_promtool_tests(promtool: Path) -> None:
    assert RULE_TESTS, "no promtool tests in deploy/prometheus/tests"
    checked = subprocess.run(
        [str(promtool), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    tested = subprocess.run(
        [str(promtool), "test", "rules", *map(str, RULE_TESTS)],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_a_real_scrape_passes_promtool_check_metrics(promtool: Path, served: ServeProcess) -> None:
    text = _scrape(served)
    # The CLI's sweep counts, though the server never saw it.
    assert value(text, "statehub_sweeps_total", trigger="local-timer", outcome="ok") == 1

    checked = subprocess.run(
        [str(promtool), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Problems (a counter without _total, a missing unit suffix…) are printed, exit 0 or not.
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "" and checked.stderr.strip() == "", checked.stderr


@pytest.mark.slow
def test_a_real_prometheus_scrapes_statehub_and_answers_a_query(
    served: ServeProcess, tmp_path: Path
) -> None:
    _require("prometheus")
    target = served.url.removeprefix("http://")
    job = {
        "job_name": "statehub",
        "authorization": {"type": "Bearer", "credentials": TOKEN},
        "static_configs": [{"targets": [target]}],
    }

    with prometheus_server(tmp_path / "prometheus", [job], rule_files=[RULES]) as prometheus:
        answered = wait_for(
            lambda: prometheus.query('statehub_repos_registered{job="statehub"}'),
            timeout=30,
            what="Prometheus to scrape statehub_repos_registered",
        )
        behind = prometheus.query('statehub_repos{job="statehub",finding="behind"}')
        # The shipped rules, evaluated against the real series, without an error.
        groups = wait_for(
            lambda: [
                g
                for g in prometheus.api("rules")["groups"]
                if all(r.get("lastEvaluation", "").startswith("2") for r in g["rules"])
            ],
            timeout=30,
            what="every rule evaluated once",
        )
        up = prometheus.query('up{job="statehub"}')

    assert [float(s["value"][1]) for s in answered] == [2]
    assert [float(s["value"][1]) for s in behind] == [1]
    assert [float(s["value"][1]) for s in up] == [1]
    assert {g["name"] for g in groups} == {"statehub", "activity-core"}
    problems = [(r["name"], r.get("lastError")) for g in groups for r in g["rules"]]
    assert all(r["health"] == "ok" for g in groups for r in g["rules"]), problems
