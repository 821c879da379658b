"""Which part of a plan to show: a range of days and kinds of events (``--from``, ``--to``,
``--kind``).

Pure: "today" is data the caller passes in (the command line reads it once, or takes
``KAPPLAN_TODAY``). A filtered plan is still a whole plan (its doses, courses and
warnings), with only the events the filter keeps, so every renderer shows it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from msgspec import Struct
from msgspec.structs import replace

from kapplan.errors import InvalidOption
from kapplan.model.plan import EventKind, Plan, PlanEvent

#: The kinds ``--kind`` picks from, in the order they are listed.
KINDS = ("sessions", "doses", "practices")

#: The forms a day of ``--from`` and ``--to`` may take, for the error message.
DAY_FORMS = "YYYY-MM-DD, today, tomorrow, yesterday, or +N/-N days or weeks (+7d, -2w)"

_RELATIVE = re.compile(r"([+-])(\d{1,4})([dw])")


class PlanFilter(Struct, frozen=True):
    """The part of a plan to show; the default keeps every event."""

    first: date | None = None
    """The first day shown (inclusive), or None from the start."""
    last: date | None = None
    """The last day shown (inclusive), or None to the end."""
    kinds: frozenset[str] = frozenset()
    """Kinds of `KINDS` to show; empty for all."""

    @property
    def active(self) -> bool:
        """Tell whether the filter leaves anything out."""
        return self.first is not None or self.last is not None or bool(self.kinds)

    def record(self) -> Mapping[str, object]:
        """Return the filter as JSON data: ``from``, ``to`` (ISO dates or null), ``kinds``.

        Returns:
            The record; ``kinds`` lists every kind when none was picked.
        """
        return {
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "kinds": [kind for kind in KINDS if not self.kinds or kind in self.kinds],
        }


def parse_day(text: str, today: date, *, option: str) -> date:
    """Read a day given to ``--from`` or ``--to``.

    Parameters:
        text: An ISO date, ``today``, ``tomorrow``, ``yesterday``, or ``+7d``, ``-2w``
            (days or weeks from today).
        today: The current date.
        option: The option's field, named by the error (``from`` or ``to``).

    Returns:
        The day.

    Raises:
        InvalidOption: At `option`, naming the forms accepted.
    """
    word = text.strip().lower()
    named = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if word in named:
        return today + timedelta(days=named[word])
    relative = _RELATIVE.fullmatch(word)
    if relative is not None:
        sign, count, unit = relative.groups()
        days = int(count) * (7 if unit == "w" else 1)
        return today + timedelta(days=days if sign == "+" else -days)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise InvalidOption(f"cannot read {text!r}; expected {DAY_FORMS}", field=option) from None


def parse_kinds(values: Iterable[str]) -> frozenset[str]:
    """Read ``--kind`` values: each a kind of `KINDS`, or several joined by commas.

    Parameters:
        values: The values given (the option may repeat).

    Returns:
        The kinds; empty when none was given.

    Raises:
        InvalidOption: At ``kind``, for a kind not in `KINDS`.
    """
    kinds = set()
    for value in values:
        for part in value.split(","):
            kind = part.strip().lower()
            if kind not in KINDS:
                raise InvalidOption(
                    f"unknown kind {part.strip()!r}; expected {', '.join(KINDS)} (several "
                    "joined by commas, or the option repeated)",
                    field="kind",
                )
            kinds.add(kind)
    return frozenset(kinds)


def make_filter(
    first: str | None, last: str | None, kinds: Iterable[str], today: date | None
) -> PlanFilter:
    """Read ``--from``, ``--to`` and ``--kind`` into a filter.

    Parameters:
        first: ``--from``, if given.
        last: ``--to``, if given.
        kinds: ``--kind`` values.
        today: The current date, for ``today`` and ``+7d`` (needed when a day is given).

    Returns:
        The filter.

    Raises:
        InvalidOption: At ``from``, ``to`` or ``kind``, for a value that cannot be
            read, or a ``--to`` before ``--from``.
        ValueError: For a day given without `today`.
    """
    if today is None and (first is not None or last is not None):
        raise ValueError("a day of --from or --to needs today's date")
    today = today or date.min
    start = parse_day(first, today, option="from") if first is not None else None
    end = parse_day(last, today, option="to") if last is not None else None
    if start is not None and end is not None and end < start:
        raise InvalidOption(
            f"{end.isoformat()} is before --from {start.isoformat()}; expected a later day",
            field="to",
        )
    return PlanFilter(start, end, parse_kinds(kinds))


def kind_of(event: PlanEvent) -> str:
    """Return which kind of `KINDS` an event is: a session, a dose, or a practice."""
    if event.is_session:
        return "sessions"
    if event.kind is EventKind.INFUSION:
        return "doses"
    return "practices"


def keeps(chosen: PlanFilter, event: PlanEvent, zone: ZoneInfo) -> bool:
    """Tell whether a filter keeps an event: of a kind chosen, on a day in range.

    An event is on the days it covers, on `zone`'s clock: one that starts before the
    first day and runs into it is kept (a multi-day advisory, a dose past midnight).

    Parameters:
        chosen: The filter.
        event: The event.
        zone: The clock whose days the range counts.

    Returns:
        True to show the event.
    """
    if chosen.kinds and kind_of(event) not in chosen.kinds:
        return False
    if chosen.first is not None:
        opens = _midnight(chosen.first, zone)
        if event.end <= opens and event.start < opens:
            return False
    return chosen.last is None or event.start < _midnight(chosen.last + timedelta(days=1), zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def filter_plan(plan: Plan, chosen: PlanFilter, zone: ZoneInfo | None = None) -> Plan:
    """Return a plan with only the events a filter keeps (its doses, courses and
    warnings as they are).

    Parameters:
        plan: The plan.
        chosen: The filter.
        zone: The clock whose days the range counts (default: the plan's).

    Returns:
        The plan itself when the filter keeps everything, else a copy.
    """
    if not chosen.active:
        return plan
    clock = zone or plan.zone
    return replace(plan, events=tuple(e for e in plan.events if keeps(chosen, e, clock)))


__all__ = [
    "DAY_FORMS",
    "KINDS",
    "PlanFilter",
    "filter_plan",
    "keeps",
    "kind_of",
    "make_filter",
    "parse_day",
    "parse_kinds",
]
