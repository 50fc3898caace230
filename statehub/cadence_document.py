"""The cadence verdict as one JSON document: ``statehub cadence --json`` and
``GET /consistency/cadence`` return the same shape. Pure."""

from __future__ import annotations

from typing import Any

from statehub.cadence import Gap, SweepMark, Verdict


def _mark_dict(mark: SweepMark) -> dict[str, Any]:
    return {
        "event_id": mark.event_id,
        "sweep_id": mark.sweep_id,
        "triggered_by": mark.triggered_by,
        "started_at": mark.started_at.isoformat(),
        "finished_at": mark.finished_at.isoformat(),
        "lock_skipped": mark.lock_skipped,
        "exit_code": mark.exit_code,
        "failed": mark.failed,
    }


def _gap_dict(gap: Gap | None) -> dict[str, Any] | None:
    if gap is None:
        return None
    return {
        "start": gap.start.isoformat(),
        "end": gap.end.isoformat(),
        "slots": gap.slots,
        "seconds": gap.duration.total_seconds(),
    }


def verdict_as_dict(verdict: Verdict, *, include_slots: bool = True) -> dict[str, Any]:
    """The JSON document ``statehub cadence --json`` prints and the API returns."""
    judged_until = verdict.window_end - verdict.tolerance
    document: dict[str, Any] = {
        "window_start": verdict.window_start.isoformat(),
        "window_end": verdict.window_end.isoformat(),
        "every_seconds": verdict.every.total_seconds(),
        "tolerance_seconds": verdict.tolerance.total_seconds(),
        "source": verdict.source,
        "slots_expected": len(verdict.slots),
        "slots_judged": verdict.judged,
        "slots_covered": verdict.covered,
        "slots_attended": verdict.attended,
        "totals": [
            {
                "source": t.source,
                "sweeps": t.sweeps,
                "lock_skips": t.lock_skips,
                "failures": t.failures,
                "slots_attended": t.slots_attended,
            }
            for t in verdict.totals
        ],
        "longest_gap": _gap_dict(verdict.longest_gap),
        "longest_source_gap": _gap_dict(verdict.longest_source_gap),
        "missed": [t.isoformat() for t in verdict.missed],
        "late": [t.isoformat() for t in verdict.late],
        "can_disable_timer": verdict.can_disable_timer,
        "reasons": list(verdict.reasons),
    }
    if include_slots:
        document["slots"] = [
            {
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "judged": s.start <= judged_until,
                "covered": s.covered,
                "attended": s.attended_by(verdict.source, within=verdict.tolerance),
                "ran_by": sorted(s.ran_by),
                "skipped_by": sorted(s.skipped_by),
                "failed_by": sorted(s.failed_by),
                "marks": [_mark_dict(m) for m in s.marks],
            }
            for s in verdict.slots
        ]
    return document
