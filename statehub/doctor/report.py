"""The doctor's answer: what it looked at, what each check saw, and every problem with its fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from statehub.doctor.checks import Problem


@dataclass(frozen=True)
class Outcome:
    """One check: its name and, when it passed, what it saw."""

    check: str
    summary: str
    ok: bool


@dataclass
class DoctorReport:
    looked_at: dict[str, Any] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def passed(self, check: str, summary: str) -> None:
        self.outcomes.append(Outcome(check, summary, ok=True))

    def failed(self, problem: Problem) -> None:
        self.outcomes.append(Outcome(problem.check, problem.message, ok=False))
        self.problems.append(problem)

    def record(self, check: str, problems: list[Problem], summary: str) -> None:
        """``summary`` when ``problems`` is empty, else each problem."""
        if not problems:
            self.passed(check, summary)
        for problem in problems:
            self.failed(problem)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def document(self) -> dict[str, Any]:
        return {
            "ok": not self.problems,
            "looked_at": self.looked_at,
            "checks": [{"check": o.check, "ok": o.ok, "summary": o.summary} for o in self.outcomes],
            "problems": [
                {"check": p.check, "message": p.message, "fix": p.fix} for p in self.problems
            ],
        }
