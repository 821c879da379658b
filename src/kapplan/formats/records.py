"""An event as a calendar compares it: the records `kapplan.diff` compares, from .ics lines.

A plan's events become the content lines kapplan's .ics export writes for
them (`kapplan.formats.ics.event_lines`), an earlier export's events are read
as written (`kapplan.formats.ics.parse_previous`), and both are grouped by
what a line is about (`kapplan.diff.Aspect`), so a diff names exactly what a
re-export changes. Kept apart from the writer, so writing a calendar does not
load the diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, tzinfo

from kapplan.diff import Aspect, Diff, EventRecord, compare
from kapplan.formats.ical import parse_line
from kapplan.formats.ics import IcsOptions, PreviousCalendar, event_lines
from kapplan.model.plan import Plan

_ASPECT_OF = {
    "DTSTART": Aspect.START,
    "DTEND": Aspect.END,
    "SUMMARY": Aspect.TITLE,
    "DESCRIPTION": Aspect.DESCRIPTION,
    "CATEGORIES": Aspect.CATEGORY,
}


def _grouped(lines: Sequence[str]) -> dict[Aspect, tuple[str, ...]]:
    """Group an event's content lines (valid ones: kapplan's own) by what they are about."""
    groups: dict[Aspect, list[str]] = {}
    depth = 0
    for line in lines:
        name = parse_line(line, 0).name
        if name == "BEGIN":
            depth += 1
        # Everything inside a VALARM is a reminder, whatever its property name.
        aspect = Aspect.REMINDERS if depth else _ASPECT_OF.get(name, Aspect.OTHER)
        groups.setdefault(aspect, []).append(line)
        if name == "END":
            depth -= 1
    return {aspect: tuple(lines) for aspect, lines in groups.items()}


def records_from_plan(plan: Plan, options: IcsOptions, zone: tzinfo) -> tuple[EventRecord, ...]:
    """Turn a plan's events into diff records, with the lines its .ics would hold.

    Parameters:
        plan: The plan (built from a schedule, or read by `plan_from_json`).
        options: Privacy and reminders, as the calendar is (or will be) exported.
        zone: The diff's zone, for times.

    Returns:
        One record per event, in plan order.
    """
    return tuple(
        EventRecord(
            uid=event.uid,
            start=_in_zone(event.start, event.all_day, zone),
            end=_in_zone(event.end, event.all_day, zone),
            all_day=event.all_day,
            title=event.title,
            parts=_grouped(event_lines(event, options, plan.language)),
            kind=event.kind,
        )
        for event in plan.events
    )


def records_from_calendar(calendar: PreviousCalendar, zone: tzinfo) -> tuple[EventRecord, ...]:
    """Turn the events of a kapplan .ics export into diff records.

    Parameters:
        calendar: The export, read by `parse_previous`.
        zone: The diff's zone: timed events are shown in it, and an all-day
            event's dates start at its midnight.

    Returns:
        One record per VEVENT, in file order (cancelled ones flagged).
    """
    records = []
    for event in calendar.events.values():
        start, all_day = _ics_time(event.start_line, zone)
        end, _ = _ics_time(event.end_line, zone)
        records.append(
            EventRecord(
                uid=event.uid,
                start=start,
                end=end,
                all_day=all_day,
                title=event.summary,
                parts=_grouped(event.body),
                cancelled=event.cancelled,
            )
        )
    return tuple(records)


def _ics_time(line: str, zone: tzinfo) -> tuple[datetime, bool]:
    """Read a DTSTART/DTEND line as `parse_previous` accepts it (UTC or VALUE=DATE)."""
    value = line.rpartition(":")[2]
    if "VALUE=DATE" in line.upper():
        return datetime.combine(
            date(int(value[:4]), int(value[4:6]), int(value[6:])), time(), zone
        ), True
    moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return moment.astimezone(zone), False


def _in_zone(moment: datetime, all_day: bool, zone: tzinfo) -> datetime:
    # An all-day event is a date: the same date at the diff zone's midnight.
    if all_day:
        return datetime.combine(moment.date(), time(), zone)
    return moment.astimezone(zone)


def compare_sides(
    old: Plan | PreviousCalendar, new: Plan | PreviousCalendar, options: IcsOptions, zone: tzinfo
) -> Diff:
    """Compare two inputs, each a plan (from a schedule or a JSON export) or a calendar export.

    Parameters:
        old: What the calendar holds now.
        new: What it will hold.
        options: Privacy and reminders of the calendar export (they change what
            a calendar compares; a calendar export's own lines are taken as written).
        zone: The diff's zone.

    Returns:
        The diff.
    """

    def records(side: Plan | PreviousCalendar) -> tuple[EventRecord, ...]:
        if isinstance(side, Plan):
            return records_from_plan(side, options, zone)
        return records_from_calendar(side, zone)

    return compare(records(old), records(new), zone)


__all__ = ["compare_sides", "records_from_calendar", "records_from_plan"]
