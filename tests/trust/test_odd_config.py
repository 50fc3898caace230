"""Config files git itself chokes on, and odd names, never break the sweep or the reader:
each such repo is one entry of the result, and no payload runs."""

from __future__ import annotations

from pathlib import Path

from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, register, report, sweep


def _append(repo: Path, text: str) -> None:
    with (repo / ".git" / "config").open("a", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)


def test_broken_cyclic_deep_and_oddly_named_config(
    tmp_path: Path,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
) -> None:
    b = fleet_builder
    garbage = b.clean("garbage")
    with (garbage / ".git" / "config").open("ab") as file:
        file.write(b"\n[core\xff\x00\n\tfsmonitor = x\n")
    cyclic = b.clean("cyclic")
    _append(cyclic, f"[include]\n\tpath = {cyclic / '.git' / 'config'}\n")
    deep = b.clean("deep")
    for level in range(20):
        (tmp_path / f"level{level}.cfg").write_text(f"[include]\n\tpath = level{level + 1}.cfg\n")
    (tmp_path / "level20.cfg").write_text(f"[core]\n\tfsmonitor = {payloads.script('deep')}\n")
    _append(deep, f"[include]\n\tpath = {tmp_path / 'level0.cfg'}\n")
    odd = b.clean("odd")
    clean = payloads.script("odd-filter", "exec cat")
    _append(odd, f'[filter "we\\"ird\tü ;#"]\n\tclean = {clean}\n\trequired\n')
    (odd / ".gitattributes").write_text('*.md filter=we"ird\tü\n')
    for name in ("garbage", "cyclic", "deep", "odd"):
        register(store, name, b.repos / name)

    result = sweep(sweeper, Mode.FIX)

    placed = [r.name for r in result.repos_processed] + [e.name for e in result.errors]
    assert sorted(placed + result.skipped_clean) == ["cyclic", "deep", "garbage", "odd"]
    assert payloads.fired() == []
    errors = {e.name: e.message for e in result.errors}
    assert "bad config line" in errors["garbage"]
    assert "cyclic" in errors and "deep" in errors  # git refuses both, past its include depth
    assert "untrusted_config" in report(result, "odd").findings
