"""The fleet table's rows, from the registry's last observations. Pure: no I/O.

A row carries *tags*: its status and its finding codes. The filter (on the
server for the first render and in ``dashboard.js`` after that) keeps a row
when the chosen tag is among them, so both sides agree by construction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from statehub.fleet.explain import meaning
from statehub.fleet.names import printable
from statehub.fleet.state import Finding
from statehub.store.repos import RepoRecord

Status = Literal["action", "error", "missing", "unchecked", "clean"]

# Needing action first: what an operator must look at, then what nobody has
# looked at yet, then what is fine.
_RANK: dict[str, int] = {"error": 0, "action": 0, "missing": 0, "unchecked": 1, "clean": 2}

# Badge tone: red stops work (or hides the state), amber is local work not yet
# shared, blue is a branch out of step with its remote.
_DANGER = {
    Finding.CONFLICTED,
    Finding.DIVERGED,
    Finding.OPERATION_IN_PROGRESS,
    Finding.FETCH_FAILED,
    Finding.FETCH_TIMEOUT,
    Finding.UNTRUSTED_CONFIG,
}
_LOCAL_WORK = {Finding.DIRTY, Finding.STAGED, Finding.UNTRACKED, Finding.STASH}

STATUS_LABELS: dict[str, str] = {
    "action": "needs action",
    "error": "error",
    "missing": "missing",
    "unchecked": "not checked yet",
    "clean": "clean",
}


def tone(code: str) -> str:
    if code in _DANGER or code in ("error", "missing"):
        return "danger"
    if code in _LOCAL_WORK:
        return "warn"
    return "info"


def label(code: str) -> str:
    return code.replace("_", " ")


@dataclass(frozen=True)
class FleetRow:
    name: str
    path: str
    status: Status
    findings: tuple[str, ...]
    branch: str | None
    head: str | None
    operation: str | None
    ahead: int | None
    behind: int | None
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    message: str | None  # why it could not be inspected
    other_branches: tuple[str, ...] = ()  # e.g. "feature ↑2": why "ahead" when main is not
    abouts: tuple[tuple[str, str], ...] = ()  # finding -> what it is about, from the last check

    def badge_about(self, code: str) -> str | None:
        """What a badge is about in this repo (branch and counts, the remote that failed),
        its control characters spelled out: branch names and git's lines are anyone's."""
        about = dict(self.abouts).get(code) or (self.message if code == "error" else None)
        return printable(about) if about else None

    def badge_title(self, code: str) -> str:
        """A badge's tooltip: what the code means, then (when known) what it is about here."""
        what = f"{label(code)}: {meaning(code)}"
        about = self.badge_about(code)
        return f"{what}\n{about}" if about else what

    def badge_description(self, code: str) -> str:
        """The same for a screen reader, which has just read the badge's label."""
        about = self.badge_about(code)
        return f"{meaning(code)}; here: {about}" if about else meaning(code)

    @property
    def needs_action(self) -> bool:
        return _RANK[self.status] == 0

    @property
    def rank(self) -> int:
        return _RANK[self.status]

    @property
    def tags(self) -> tuple[str, ...]:
        extra = ("needs_action",) if self.needs_action else ()
        return (self.status, *extra, *self.findings)

    @property
    def badges(self) -> tuple[str, ...]:
        """What the row shows: its findings, or its status when that says more."""
        if self.status in ("error", "missing"):
            return (self.status, *self.findings)
        return self.findings


def _int(state: dict[str, Any], key: str) -> int | None:
    value = state.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(state: dict[str, Any], key: str) -> str | None:
    value = state.get(key)
    return value if isinstance(value, str) else None


def _branch_note(branch: Any) -> str | None:
    if not isinstance(branch, dict) or not isinstance(branch.get("name"), str):
        return None
    if branch.get("upstream_gone"):
        return f"{branch['name']}: upstream gone"
    if not branch.get("upstream"):
        return f"{branch['name']}: no upstream"
    moves = [
        f"{arrow}{count}"
        for arrow, count in (("\u2191", branch.get("ahead")), ("\u2193", branch.get("behind")))
        if isinstance(count, int) and count
    ]
    return f"{branch['name']} {' '.join(moves)}" if moves else None


def row_for(repo: RepoRecord) -> FleetRow:
    state = repo.last_state if isinstance(repo.last_state, dict) else {}
    status: Status
    # The sweep stores {"missing": true} or {"error": msg} instead of an observed state.
    if repo.last_checked_at is None:
        status = "unchecked"
    elif state.get("missing") is True:
        status = "missing"
    elif "error" in state:
        status = "error"
    elif repo.last_findings:
        status = "action"
    else:
        status = "clean"
    return FleetRow(
        name=repo.name,
        path=repo.path,
        status=status,
        findings=tuple(str(f) for f in repo.last_findings),
        branch=_str(state, "branch"),
        head=_str(state, "head"),
        operation=_str(state, "operation"),
        ahead=_int(state, "ahead"),
        behind=_int(state, "behind"),
        last_checked_at=repo.last_checked_at,
        last_changed_at=repo.last_changed_at,
        message=_str(state, "error"),
        other_branches=tuple(
            note for note in map(_branch_note, state.get("branches") or []) if note is not None
        ),
        abouts=tuple(_abouts(repo.last_details)),
    )


def _abouts(details: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (d["finding"], d["about"])
        for d in details
        if isinstance(d, dict) and isinstance(d.get("finding"), str) and d.get("about")
    ]


@dataclass(frozen=True)
class LegendEntry:
    code: str
    text: str
    meaning: str


def legend() -> list[LegendEntry]:
    """Every badge the fleet can show, in the order of ``Finding``, then the statuses."""
    codes = [f.value for f in Finding] + ["missing", "error"]
    return [LegendEntry(code, label(code), meaning(code)) for code in codes]


def ordered(repos: Iterable[RepoRecord]) -> list[FleetRow]:
    """Needing action first, then unchecked, then clean; by name within each."""
    return sorted((row_for(r) for r in repos), key=lambda row: (row.rank, row.name.casefold()))


def matches(row: FleetRow, *, name: str = "", tag: str = "") -> bool:
    """The filter: ``name`` is a case-insensitive substring, ``tag`` one of ``row.tags``."""
    if name and name.lower() not in row.name.lower():  # as dashboard.js does
        return False
    return not tag or tag in row.tags


@dataclass(frozen=True)
class FilterOption:
    value: str
    text: str
    count: int


def filter_options(rows: Sequence[FleetRow], selected: str = "") -> list[FilterOption]:
    """The finding filter's choices: statuses first, then each finding code present
    (and ``selected``, so a bookmarked filter still shows what it asks for)."""
    counts = Counter(tag for row in rows for tag in row.tags)
    options = [FilterOption("", "all repos", len(rows))]
    options.append(FilterOption("needs_action", "needs action", counts["needs_action"]))
    options += [
        FilterOption(status, STATUS_LABELS[status], counts[status])
        for status in ("error", "missing", "unchecked", "clean")
        if counts[status]
    ]
    known = [f.value for f in Finding]
    wanted = {f for row in rows for f in row.findings}
    if selected and selected not in {o.value for o in options} and selected not in STATUS_LABELS:
        wanted.add(selected)
    present = sorted(
        wanted,
        key=lambda f: (known.index(f) if f in known else len(known), f),
    )
    options += [FilterOption(f, f"finding: {label(f)}", counts[f]) for f in present]
    return options


@dataclass(frozen=True)
class FleetCounts:
    total: int
    needs_action: int
    clean: int
    unchecked: int


def finding_counts(rows: Sequence[FleetRow]) -> dict[str, int]:
    """How many repos needing action show each badge (a finding, ``error`` or ``missing``)."""
    return dict(Counter(code for row in rows if row.needs_action for code in row.badges))


def counts(rows: Sequence[FleetRow]) -> FleetCounts:
    return FleetCounts(
        total=len(rows),
        needs_action=sum(r.needs_action for r in rows),
        clean=sum(r.status == "clean" for r in rows),
        unchecked=sum(r.status == "unchecked" for r in rows),
    )
