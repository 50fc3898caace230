"""Validate trigger expressions before Temporal sees them.

Temporal accepts more than one cron dialect, and one of them is a trap: a 6-field string is
read as *minute … day-of-week year*, not the *second minute …* most cron libraries mean, so
``0 */15 * * * *`` would silently fire at hours 0 and 15. We therefore accept only the
classic 5 fields and Temporal's ``@every <n><unit>`` interval form (which the tests use to fire
every few seconds); anything else is refused with the reason.
"""

from __future__ import annotations

import re

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

# (name, lowest, highest, names mapped to numbers)
_FIELDS: list[tuple[str, int, int, dict[str, int]]] = [
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    ("day-of-week", 0, 7, {name: i for i, name in enumerate(_DAYS)}),
]

_EVERY = re.compile(r"^@every\s+(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ITEM = re.compile(r"^(?P<range>\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(?P<step>\d+))?$")

EXPECTED = (
    "a 5-field cron expression 'minute hour day-of-month month day-of-week' "
    "(e.g. '*/15 * * * *') or '@every <n>s|m|h|d'"
)


class CronError(ValueError):
    """The expression is not one we accept; the message says why."""


def every_seconds(expression: str) -> int | None:
    """The interval of an ``@every`` expression in seconds, or None for a cron expression."""
    match = _EVERY.match(expression.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def validate(expression: str) -> str:
    """Return the expression, normalised to single spaces, or raise :class:`CronError`."""
    text = " ".join(expression.split())
    if text.startswith("@every"):
        seconds = every_seconds(text)
        if seconds is None or seconds <= 0:
            raise CronError(f"{text!r}: expected '@every <n>s|m|h|d' with n > 0")
        return text
    if text.startswith("@") or text.upper().startswith("CRON_TZ="):
        raise CronError(f"{text!r} is not supported; expected {EXPECTED} (set `timezone` instead)")
    parts = text.split(" ")
    if len(parts) != 5:
        raise CronError(f"{text!r} has {len(parts)} fields; expected {EXPECTED}")
    for part, (name, low, high, names) in zip(parts, _FIELDS, strict=True):
        for item in part.split(","):
            _check_item(text, item, name, low, high, names)
    _refuse_impossible_dates(text, parts)
    return text


# The most days each month ever has (February: in leap years).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _refuse_impossible_dates(text: str, parts: list[str]) -> None:
    """A day-of-month no allowed month has (``30 2``) would make a schedule that never fires,
    and Temporal would accept it silently. When day-of-week is restricted too, cron fires on
    either, so the weekday still fires it."""
    if parts[2].startswith("*") or not parts[4].startswith("*"):
        return
    sets = _expand(parts)
    days, months = sets[2], sets[3]
    if any(day <= _MONTH_DAYS[month - 1] for month in months for day in days):
        return
    raise CronError(
        f"{text!r} never fires: no month among {_names(months, _MONTHS)} has day "
        f"{', '.join(map(str, sorted(days)))}"
    )


def _names(values: frozenset[int], names: list[str]) -> str:
    return ", ".join(names[v - 1] for v in sorted(values))


def _check_item(
    text: str, item: str, name: str, low: int, high: int, names: dict[str, int]
) -> None:
    match = _ITEM.match(item)
    if match is None:
        raise CronError(f"{text!r}: {name} item {item!r} is not n, a-b, *, or one of them /step")
    step = match.group("step")
    if step is not None and int(step) == 0:
        raise CronError(f"{text!r}: {name} step must be at least 1")
    if step is not None and int(step) > high - low + 1:
        # */61 in the minute field can only ever mean its first value: surely a mistake.
        raise CronError(
            f"{text!r}: {name} step {int(step)} exceeds the field ({low}-{high}, "
            f"{high - low + 1} values)"
        )
    spec = match.group("range")
    if spec == "*":
        return
    bounds = [_value(text, bound, name, low, high, names) for bound in spec.split("-")]
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise CronError(f"{text!r}: {name} range {spec!r} runs backwards")


def _value(text: str, token: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    if token.isdigit():
        value = int(token)
    elif token.upper() in names:
        value = names[token.upper()]
    else:
        raise CronError(f"{text!r}: {name} value {token!r} is not a number or a known name")
    if not low <= value <= high:
        raise CronError(f"{text!r}: {name} value {value} is outside {low}-{high}")
    return value


def field_values(expression: str) -> tuple[list[frozenset[int]], bool, bool]:
    """The set of values each of the 5 fields allows (day-of-week 7 folded to 0), and whether
    day-of-month and day-of-week are restricted (cron ORs them when both are)."""
    text = validate(expression)
    if text.startswith("@every"):
        raise CronError(f"{text!r} is an interval, not a cron expression")
    parts = text.split(" ")
    # As Vixie cron and Temporal: a field starting with "*" (even "*/2") is unrestricted.
    return _expand(parts), not parts[2].startswith("*"), not parts[4].startswith("*")


def _expand(parts: list[str]) -> list[frozenset[int]]:
    """Each field's allowed values, from fields ``_check_item`` has accepted."""
    sets: list[frozenset[int]] = []
    for part, (_name, low, high, names) in zip(parts, _FIELDS, strict=True):
        values: set[int] = set()
        for item in part.split(","):
            match = _ITEM.match(item)
            assert match is not None  # validate() checked it
            spec, step = match.group("range"), int(match.group("step") or 1)
            if spec == "*":
                first, last = low, high
            else:
                bounds = [int(b) if b.isdigit() else names[b.upper()] for b in spec.split("-")]
                first = bounds[0]
                # "5/15" means 5-59/15, as in Vixie cron and Temporal.
                last = bounds[-1] if len(bounds) == 2 or step == 1 else high
            values.update(range(first, last + 1, step))
        sets.append(frozenset(values))
    sets[4] = frozenset(0 if day == 7 else day for day in sets[4])
    return sets
