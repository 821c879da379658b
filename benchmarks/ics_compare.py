"""kapplan's ICS writer against the icalendar library, on the same events, in one run.

A generated caseload is planned once; then the therapist's calendar is
written both ways: by `kapplan.formats.ics.render_ics`, and by building an
``icalendar.Calendar`` of the same events (the same properties, texts,
times and reminders) and calling ``to_ical()``. Each side is timed alone
(median of several runs), and both files are parsed back with icalendar and
must hold the same events, property for property.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import icalendar
from caseload import generate

from kapplan import api
from kapplan.engine import therapist_calendar
from kapplan.formats.ics import PRODID, IcsOptions, render_ics
from kapplan.i18n import catalogue
from kapplan.model.plan import EventKind, Plan
from kapplan.model.reminders import DEFAULT_REMINDERS


@dataclass(frozen=True)
class Comparison:
    """Both writers on one calendar."""

    events: int
    kapplan_seconds: float
    icalendar_seconds: float

    @property
    def speedup(self) -> float:
        """How many times faster kapplan's writer is."""
        return self.icalendar_seconds / self.kapplan_seconds


def caseload_calendar(clients: int, seed: int = 1) -> Plan:
    """Plan a generated caseload in-process and return the therapist's calendar."""
    caseload = generate(clients, seed)
    with tempfile.TemporaryDirectory(prefix="kapplan-bench-") as name:
        folder = Path(name)
        schedules = caseload.write(folder)
        therapist = str(folder / "therapist.toml")
        planned = api.plan_files([str(schedules)], therapist=therapist)
    return therapist_calendar(planned.plans, planned.timezone)


def with_icalendar(plan: Plan) -> bytes:
    """Build the calendar `render_ics` writes by default, with icalendar, and serialise it."""
    texts = catalogue(plan.language)
    name = texts.text("ics.calendar_name")
    stamp = min(e.start.astimezone(UTC) for e in plan.events).replace(microsecond=0)
    calendar = icalendar.Calendar()
    for key, value in (
        ("version", "2.0"),
        ("prodid", PRODID),
        ("calscale", "GREGORIAN"),
        ("method", "PUBLISH"),
        ("x-wr-calname", name),
        ("name", name),
    ):
        calendar.add(key, value)
    for event in plan.events:
        item = icalendar.Event()
        item.add("uid", event.uid)
        item.add("x-kapplan-event", "TRUE")
        item.add("dtstamp", stamp)
        item.add("sequence", 0)
        if event.all_day:
            item.add("dtstart", event.start.date())
            item.add("dtend", event.end.date())
        else:
            item.add("dtstart", event.start.astimezone(UTC))
            item.add("dtend", event.end.astimezone(UTC))
        item.add("summary", event.title)
        item.add("description", event.description)
        item.add("categories", [texts.text(f"phase.{event.phase.value}")])
        item.add("transp", "TRANSPARENT" if event.all_day else "OPAQUE")
        item.add("class", "PRIVATE")
        item.add("status", "CONFIRMED")
        if event.is_session and not event.all_day:
            first, last = event.placed or (event.start, event.end)
            period = "/".join(t.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for t in (first, last))
            outside = {"OUTSIDE": "TRUE"} if event.outside else None
            item.add("x-kapplan-placed", period, parameters=outside)
        if event.is_session or event.kind is EventKind.INFUSION:
            for lead in sorted(DEFAULT_REMINDERS, reverse=True):
                alarm = icalendar.Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", event.title)
                alarm.add("trigger", -lead)
                item.add_component(alarm)
        calendar.add_component(item)
    return calendar.to_ical()


def _events(data: bytes) -> list[tuple[object, ...]]:
    """Parse a calendar and return its events as comparable values, property by property."""
    calendar = icalendar.Calendar.from_ical(data)

    def properties(component: icalendar.cal.Component) -> tuple[tuple[str, bytes], ...]:
        return tuple(sorted((key, component[key].to_ical()) for key in component))

    return [
        (properties(event), tuple(properties(alarm) for alarm in event.walk("VALARM")))
        for event in calendar.walk("VEVENT")
    ]


def _median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(clients: int, runs: int) -> Comparison:
    """Time both writers on a caseload's calendar and check they agree.

    Raises:
        AssertionError: When the two files do not parse to the same events.
    """
    plan = caseload_calendar(clients)
    ours = render_ics(plan, IcsOptions()).encode()
    theirs = with_icalendar(plan)
    mine, other = _events(ours), _events(theirs)
    assert len(mine) == len(plan.events), "kapplan's calendar lost events"
    assert mine == other, "the two calendars do not parse to the same events"
    return Comparison(
        events=len(plan.events),
        kapplan_seconds=_median_seconds(lambda: render_ics(plan, IcsOptions()), runs),
        icalendar_seconds=_median_seconds(lambda: with_icalendar(plan), runs),
    )


if __name__ == "__main__":
    result = compare(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, 3)
    print(result, f"{result.speedup:.1f}x")
