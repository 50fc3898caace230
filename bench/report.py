"""Results and the Markdown page they become (``docs/benchmarks.md``)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Row:
    """One line of a section's table: a figure next to its baseline from the same run."""

    measurement: str
    figure: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=dict)
    error: str | None = None


def seconds(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f} s"


def millis(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 1000:.1f} ms"


def times(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def render(
    *, title: str, intro: list[str], machine: list[tuple[str, str]], sections: list[Section]
) -> str:
    lines = [f"# {title}", "", *intro, "", "## Machine and run", ""]
    lines += ["| | |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in machine]
    lines += ["", "## Summary", ""]
    lines += _table([row for section in sections for row in section.rows], first="measurement")
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        if section.error:
            lines += [f"**Not measured** — the harness failed: `{section.error}`", ""]
        if section.rows:
            lines += _table(section.rows, first="measurement")
            lines.append("")
        for note in section.notes:
            lines += [note, ""]
        if section.commands:
            lines += ["Commands:", "", "```sh", *section.commands, "```", ""]
        if section.samples:
            lines += ["Samples (every repetition, in run order):", ""]
            lines += [
                f"- {name}: {', '.join(_sample(v) for v in values)}"
                for name, values in section.samples.items()
            ]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _sample(value: float) -> str:
    return f"{value:.3g}"


def _table(rows: list[Row], *, first: str) -> list[str]:
    out = [
        f"| {first} | figure (median) | baseline, same run | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        cells = (row.measurement, row.figure, row.baseline, row.ratio, row.target, row.verdict)
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return out


def save_json(path: Path, sections: list[Section], machine: list[tuple[str, str]]) -> None:
    document = {"machine": dict(machine), "sections": [asdict(s) for s in sections]}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def save_section(folder: Path, section: Section, *, measured_at: str) -> None:
    """Keep one section's figures beside the page, so that a later run of other sections
    still shows them (marked with their date) instead of dropping them."""
    folder.mkdir(parents=True, exist_ok=True)
    document = {"measured_at": measured_at, "section": asdict(section)}
    path = folder / f"{section.key}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def load_section(folder: Path, key: str) -> Section | None:
    """The section as an earlier run kept it, with a note that says when; None if absent."""
    path = folder / f"{key}.json"
    try:
        document = json.loads(path.read_text())
        raw = dict(document["section"])
        rows = [Row(**row) for row in raw.pop("rows")]
        section = Section(rows=rows, **raw)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    where = "/".join(path.parts[-3:])
    section.notes.insert(
        0,
        f"*Not re-measured in the latest run: these figures are from the run of "
        f"{document['measured_at']} (UTC), kept in `{where}`.*",
    )
    return section
