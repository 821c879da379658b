"""Expand a calendar's events into occurrences with recurring-ical-events, bounded.

recurring-ical-events applies RRULE, RDATE (periods too), EXDATE (dates
too) and RECURRENCE-ID overrides (RANGE=THISANDFUTURE too) the way the
calendar apps do. It hands each rule to dateutil, which walks from DTSTART
up to the end of the span asked for, and looks until year 9999 for the first
instance of a rule that never matches. So the rules it builds are checked
before it walks them (`Budget`): a rule that can never match is refused, and
every rule is walked once, lazily, counting its instances up to the span's
end, before the library collects them. Pure: no I/O, no clock. Imported only
when a busy calendar is read (it imports icalendar and recurring-ical-events).

The checks sit in subclasses the library lets a caller pass
(``ComponentsWithName(series=..., occurrence=..., adapter=...)``); the rule
check reaches one level further, into ``Series.RecurrenceRules`` (its
``rrules`` and ``rrule_between``), which is why the dependency is pinned
below the next major version, and why tests/test_busy.py times the limits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import recurring_ical_events as library
from msgspec import Struct, field
from recurring_ical_events.util import convert_to_datetime

from kapplan.model.limits import never_yields, recurrence_steps

if TYPE_CHECKING:
    from dateutil import rrule as rrulemod
    from icalendar import Calendar, Component

#: A DATE or DATE-TIME value as icalendar and recurring-ical-events give it.
Time = date | datetime

#: What recurring-ical-events raises on a series it cannot build or expand.
_LIBRARY_FAILURES = (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError)


class RuleProblem(Exception):
    """A recurrence rule kapplan will not expand.

    Parameters:
        kind: ``never`` (it can never match), ``rule`` (one rule yields more
            than its limit), ``total`` (all rules together do) or ``steps``
            (walking it would take more periods than its limit).
        rule: The rule as recurring-ical-events wrote it (icalendar's form).
    """

    def __init__(self, kind: Literal["never", "rule", "total", "steps"], rule: str) -> None:
        super().__init__(kind, rule)
        self.kind = kind
        self.rule = rule
        self.components: list[Component] = []
        """The series' components, once known."""


class SeriesProblem(Exception):
    """recurring-ical-events could not build or expand one series (one UID).

    Parameters:
        components: The series' components.
        problem: What the library raised.
    """

    def __init__(self, components: list[Component], problem: Exception) -> None:
        super().__init__(str(problem))
        self.components = components
        self.problem = problem


class Budget(Struct):
    """How many instances the rules may yield: each, and all together.

    Parameters:
        per_rule: At most this many instances of one rule, from its DTSTART on.
        total: At most this many instances of all rules of the file.
        steps: At most this many periods (FREQ times INTERVAL) walked for one
            rule, from its DTSTART on, matched or not (`recurrence_steps`).
        total_steps: At most this many periods walked for all rules of the file.
    """

    per_rule: int
    total: int
    steps: int = 1_000_000
    total_steps: int = 3_000_000
    spent: int = 0
    stepped: int = 0
    _counted: dict[int, int] = field(default_factory=dict)
    _stepped: dict[int, int] = field(default_factory=dict)
    _rules: list[object] = field(default_factory=list)

    def spend(self, rule: rrulemod.rrule, stop: datetime) -> None:
        """Count a rule's instances up to `stop`, once, refusing it past a limit.

        The count walks the rule lazily; the rule caches what it yields, so the
        library's own walk that follows reuses it.

        Parameters:
            rule: A rule as recurring-ical-events built it (with its DTSTART).
            stop: The latest instance wanted, comparable with the rule's instances.

        Raises:
            RuleProblem: When the rule, or all rules so far, pass a limit; before
                any step, when walking it would take more than `steps` periods.
        """
        try:
            steps = recurrence_steps(rule, stop)
        except (TypeError, OverflowError):  # a start dateutil could not compare
            steps = 0
        known = self._stepped.get(id(rule), 0)
        if steps > known:
            if steps > self.steps or self.stepped - known + steps > self.total_steps:
                raise RuleProblem("steps", _text(rule))
            if id(rule) not in self._stepped and id(rule) not in self._counted:
                self._rules.append(rule)  # keep it alive, so its id stays its own
            self._stepped[id(rule)] = steps
            self.stepped += steps - known
        before = self._counted.get(id(rule), 0)
        others = self.spent - before
        count = 0
        for moment in rule:
            if moment > stop:
                break
            count += 1
            if count > self.per_rule:
                raise RuleProblem("rule", _text(rule))
            if others + count > self.total:
                raise RuleProblem("total", _text(rule))
        if count > before:
            if id(rule) not in self._counted:
                self._rules.append(rule)  # keep it alive, so its id stays its own
            self._counted[id(rule)] = count
            self.spent = others + count


class Occurrence(Struct, frozen=True):
    """One instance of an event, as recurring-ical-events computed it."""

    source: Component
    """The VEVENT it comes from: the series' own, or an override (RECURRENCE-ID)."""
    start: Time
    end: Time


def occurrences(
    calendar: Calendar, start: datetime, stop: datetime, budget: Budget
) -> Iterator[Occurrence]:
    """Yield the occurrences of a calendar's VEVENTs that overlap ``[start, stop]``.

    Parameters:
        calendar: An icalendar calendar holding only VEVENTs.
        start: Start of the span (aware).
        stop: End of the span (aware).
        budget: The instance limits, shared by every calendar of the file.

    Returns:
        The occurrences, series by series, in no particular order.

    Raises:
        RuleProblem: When a rule never matches or yields too many instances.
        SeriesProblem: When the library fails on a series.
    """
    selection = library.ComponentsWithName(
        "VEVENT", adapter=_Event, series=_bounded_series(budget), occurrence=_Occurrence
    )
    query = library.CalendarQuery(calendar, components=[selection])
    for series in query.series:
        with _about(series.components):
            for found in series.between(start, stop):
                yield Occurrence(found.source, found.start, found.end)


def _text(rule: rrulemod.rrule) -> str:
    return str(getattr(rule, "string", rule))


# recurring-ical-events ships no type information: its classes are Any to mypy.


class _Event(library.EventAdapter):  # type: ignore[misc]
    """The library's VEVENT adapter, keeping its component where kapplan can see it."""

    def __init__(self, component: Component) -> None:
        super().__init__(component)
        self.component = component


class _Occurrence(library.Occurrence):  # type: ignore[misc]
    """The library's occurrence, keeping the VEVENT it comes from."""

    def __init__(
        self, adapter: _Event, start: Time | None = None, end: Any = None, sequence: int = -1
    ) -> None:
        super().__init__(adapter, start, end, sequence)
        self.source = adapter.component


def _bounded_series(budget: Budget) -> type[Any]:
    """Return recurring-ical-events' Series, its rules checked against `budget`."""

    class Rules(library.Series.RecurrenceRules):  # type: ignore[misc]
        """One series' rules: refused when they never match, counted before a walk."""

        def __init__(self, core: _Event) -> None:
            super().__init__(core)
            # self.rrules[0] is a rule set of DTSTART and the RDATEs; the rest
            # are the RRULEs, each starting at DTSTART.
            rules: list[rrulemod.rrule] = []
            for rule in self.rrules[1:]:
                if never_yields(rule, self.start):
                    raise RuleProblem("never", _text(rule))
                rules.extend(_counting_dtstart(rule, self.start))
            self.rrules[1:] = rules

        def rrule_between(self, span_start: Time, span_stop: Time) -> Iterator[Time]:
            stop = convert_to_datetime(span_stop, self.tzinfo)
            for rule in self.rrules[1:]:
                budget.spend(rule, stop)
            result: Iterator[Time] = super().rrule_between(span_start, span_stop)
            return result

    class BoundedSeries(library.Series):  # type: ignore[misc]
        """A series whose rules are checked before they are walked."""

        RecurrenceRules = Rules

        def __init__(self, components: Sequence[_Event]) -> None:
            with _about(components):
                super().__init__(components)

    return BoundedSeries


def _counting_dtstart(rule: rrulemod.rrule, start: datetime) -> list[rrulemod.rrule]:
    """Return the rule, one instance shorter when COUNT must include an unmatched DTSTART.

    RFC 5545 §3.8.5.3: DTSTART always counts as the first instance. The
    library adds DTSTART to the set and lets the rule yield COUNT more when
    DTSTART is not one of the rule's own instances.
    """
    built: Any = (
        rule  # the library set `string` and `until` on it; dateutil keeps COUNT in `_count`
    )
    count = built._count
    if not count or next(iter(rule), None) == start:
        return [rule]
    if count == 1:
        return []
    shorter: Any = rule.replace(count=count - 1)
    shorter.string, shorter.until = built.string, built.until
    return [shorter]


__all__ = ["Budget", "Occurrence", "RuleProblem", "SeriesProblem", "Time", "occurrences"]


@contextmanager
def _about(events: Sequence[Any]) -> Iterator[None]:
    """Say which series' components a failure of the library is about (a rule, or the
    library itself: `SeriesProblem`)."""
    try:
        yield
    except RuleProblem as problem:
        problem.components = [event.component for event in events]
        raise
    except _LIBRARY_FAILURES as problem:
        raise SeriesProblem([event.component for event in events], problem) from None
