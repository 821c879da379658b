"""Compare two plans event by event, as a calendar re-import compares them. Pure.

An event is known by its uid, the same uid the .ics export writes, so a diff
says exactly what importing the new calendar over the old one does:

- **moved**: the uid is in both and its start changed (`Change.shift` says by
  how much, on the wall clock);
- **changed**: the uid is in both, starts at the same time, and something else
  a calendar sees changed: its end (the length), title, description, category,
  reminders or status;
- **added**: the uid is new, or the old export had cancelled it;
- **removed**: the uid was in the old export and is not in the new plan;
- **unchanged**: the uid is in both and every line the calendar compares is the same.

What "the calendar sees" is the event's content lines as `render_ics` writes
them (`kapplan.formats.ics.event_lines`), so moved and changed are exactly the
events whose SEQUENCE a re-export raises, removed exactly the ones it writes
as ``STATUS:CANCELLED``, and added the ones it writes new (or restores). An
old export's events that it had already cancelled are neither removed again
nor counted.

Each side is one of: a plan (built from a schedule), a kapplan JSON export
(`plan_from_json`), or a kapplan .ics export (`records_from_calendar`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from pathlib import PurePath
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kapplan.errors import KapplanError
from kapplan.formats.ics import IcsOptions, PreviousCalendar, event_lines
from kapplan.model.plan import Kind, Phase, Plan, PlanEvent
from kapplan.model.rulebook import Placement, Rulebook


class UnreadableExport(KapplanError):
    """An earlier JSON export given to compare against is not one kapplan wrote."""


class Source(StrEnum):
    """What an input of `kapplan diff` is."""

    SCHEDULE = "schedule"
    JSON = "json"
    CALENDAR = "calendar"


class Aspect(StrEnum):
    """A part of an event a calendar compares; the closed set of `Change.aspects`."""

    START = "start"
    END = "end"
    TITLE = "title"
    DESCRIPTION = "description"
    CATEGORY = "category"
    REMINDERS = "reminders"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event of one side of a diff: what is shown, and what a calendar compares."""

    uid: str
    """The event's uid, as the .ics writes it."""
    start: datetime
    """Start, in the diff's zone; all-day events start at local midnight."""
    end: datetime
    """End (exclusive), in the diff's zone."""
    all_day: bool
    """True for advisories (whole days)."""
    title: str
    """The title to show: the plan's own, or the calendar's SUMMARY."""
    lines: tuple[str, ...]
    """The .ics content lines other than UID, DTSTAMP and SEQUENCE, unfolded."""
    kind: Kind | None = None
    """What the event is; None when read from a calendar, which does not say."""
    cancelled: bool = False
    """True for an event the old export had already cancelled."""


@dataclass(frozen=True, slots=True)
class Change:
    """An event in both plans whose calendar lines differ."""

    old: EventRecord
    """The event as it was."""
    new: EventRecord
    """The event as it is now."""
    aspects: tuple[Aspect, ...]
    """What differs, in `Aspect` order."""
    shift: timedelta
    """New start minus old start, on the wall clock of the diff's zone."""

    @property
    def uid(self) -> str:
        """Return the event's uid."""
        return self.new.uid


@dataclass(frozen=True, slots=True)
class Diff:
    """What a re-import of the new plan's calendar does to the old one."""

    moved: tuple[Change, ...]
    """Events that start at another time, by new start."""
    added: tuple[EventRecord, ...]
    """Events the old plan did not have (or had cancelled), by start."""
    removed: tuple[EventRecord, ...]
    """Events the new plan no longer has, by old start."""
    changed: tuple[Change, ...]
    """Events at the same start with another end, title, text or detail, by start."""
    unchanged: int
    """How many events are the same."""

    @property
    def identical(self) -> bool:
        """Return True when a re-import changes nothing."""
        return not (self.moved or self.added or self.removed or self.changed)


def compare(old: Iterable[EventRecord], new: Iterable[EventRecord], zone: tzinfo) -> Diff:
    """Compare two sides' events by uid.

    Parameters:
        old: The earlier plan's events (cancelled ones count as absent).
        new: The new plan's events.
        zone: The zone whose wall clock measures a move.

    Returns:
        The diff, each group sorted by time (ties by uid).

    Raises:
        ValueError: When a side holds a uid twice.
    """
    before = {uid: e for uid, e in _by_uid(old).items() if not e.cancelled}
    after = {uid: e for uid, e in _by_uid(new).items() if not e.cancelled}
    moved: list[Change] = []
    changed: list[Change] = []
    added: list[EventRecord] = []
    unchanged = 0
    for uid, event in after.items():
        earlier = before.get(uid)
        if earlier is None:
            added.append(event)
            continue
        if earlier.lines == event.lines:
            unchanged += 1
            continue
        aspects = _aspects(earlier.lines, event.lines)
        shift = _wall(event.start, zone) - _wall(earlier.start, zone)
        change = Change(earlier, event, aspects, shift)
        (moved if Aspect.START in aspects else changed).append(change)
    removed = [e for uid, e in before.items() if uid not in after]
    return Diff(
        moved=tuple(sorted(moved, key=lambda c: _order(c.new))),
        added=tuple(sorted(added, key=_order)),
        removed=tuple(sorted(removed, key=_order)),
        changed=tuple(sorted(changed, key=lambda c: _order(c.new))),
        unchanged=unchanged,
    )


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


def session_kinds(rulebook: Rulebook) -> frozenset[Kind]:
    """Return the kinds of events the rulebook places as therapy sessions.

    Parameters:
        rulebook: The rulebook.

    Returns:
        The kinds (sessions carry reminders in a calendar, as doses do).
    """
    return frozenset(rule.kind for rule in rulebook.rule if rule.placement is Placement.SESSION)


def _by_uid(events: Iterable[EventRecord]) -> dict[str, EventRecord]:
    found: dict[str, EventRecord] = {}
    for event in events:
        if event.uid in found:
            raise ValueError(f"uid {event.uid!r} appears twice on one side of a diff")
        found[event.uid] = event
    return found


def _order(event: EventRecord) -> tuple[datetime, bool, str]:
    # All-day notes first at the same midnight, as the plan orders them.
    return event.start.astimezone(UTC), not event.all_day, event.uid


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


_ASPECT_OF = {
    "DTSTART": Aspect.START,
    "DTEND": Aspect.END,
    "SUMMARY": Aspect.TITLE,
    "DESCRIPTION": Aspect.DESCRIPTION,
    "CATEGORIES": Aspect.CATEGORY,
}
_NAME = re.compile(r"[A-Za-z0-9-]+")


def _aspects(old: Sequence[str], new: Sequence[str]) -> tuple[Aspect, ...]:
    """Name the parts of an event whose content lines differ."""
    before, after = _grouped(old), _grouped(new)
    return tuple(a for a in Aspect if before.get(a, ()) != after.get(a, ()))


def _grouped(lines: Sequence[str]) -> dict[Aspect, tuple[str, ...]]:
    groups: dict[Aspect, list[str]] = {}
    depth = 0
    for line in lines:
        match = _NAME.match(line)
        name = match.group(0).upper() if match else ""
        if name == "BEGIN":
            depth += 1
        # Everything inside a VALARM is a reminder, whatever its property name.
        aspect = Aspect.REMINDERS if depth else _ASPECT_OF.get(name, Aspect.OTHER)
        groups.setdefault(aspect, []).append(line)
        if name == "END":
            depth -= 1
    return {aspect: tuple(lines) for aspect, lines in groups.items()}


# -- the sides ------------------------------------------------------------------


def source_of(path: str, text: str) -> Source:
    """Tell what an input is: by its suffix, else (stdin, other names) by its content.

    Parameters:
        path: The path given (``-`` for stdin).
        text: Its content.

    Returns:
        ``.ics``/``.ical`` is a calendar, ``.json`` a JSON export, ``.toml`` a
        schedule; otherwise text starting with BEGIN:VCALENDAR is a calendar,
        text starting with ``{`` a JSON export, and anything else a schedule
        (neither can start a TOML document).
    """
    suffix = PurePath(path).suffix.lower() if path != "-" else ""
    if suffix in (".ics", ".ical"):
        return Source.CALENDAR
    if suffix == ".json":
        return Source.JSON
    if suffix == ".toml":
        return Source.SCHEDULE
    head = text.lstrip()
    if head[:15].upper() == "BEGIN:VCALENDAR":
        return Source.CALENDAR
    if head.startswith("{"):
        return Source.JSON
    return Source.SCHEDULE


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
            lines=event_lines(event, options, plan.language),
            kind=event.kind,
        )
        for event in plan.events
    )


def records_from_calendar(calendar: PreviousCalendar, zone: tzinfo) -> tuple[EventRecord, ...]:
    """Turn the events of a kapplan .ics export into diff records.

    Parameters:
        calendar: The export, read by `kapplan.formats.ics.parse_previous`.
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
                lines=event.body,
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


#: Fields every event of a kapplan JSON export has, with the types they must have.
_JSON_EVENT: Mapping[str, tuple[type, ...]] = {
    "uid": (str,),
    "kind": (str,),
    "phase": (str,),
    "start": (str,),
    "end": (str,),
    "all_day": (bool,),
    "title": (str,),
    "description": (str,),
    "infusion": (int, type(None)),
    "course": (int, type(None)),
    "rule": (str,),
}


def plan_from_json(
    text: str, source: str, *, language: str, session_kinds: Collection[Kind]
) -> Plan:
    """Read a kapplan JSON export (``kapplan plan --format json``) back as a plan of events.

    Parameters:
        text: The document.
        source: The file's name, for messages.
        language: The language to write calendar lines in (phase names,
            discreet texts): a JSON export does not record its own.
        session_kinds: Kinds of events that are therapy sessions (they carry
            reminders in a calendar), from the rulebook.

    Returns:
        A plan with the export's zone and events (no doses or courses).

    Raises:
        UnreadableExport: When the text is not JSON, not a kapplan export of
            one schedule, or an event lacks or garbles a field; the message
            names the file, the line where it can be told, and the field.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise UnreadableExport(
            f"not valid JSON: {problem.msg}; expected a kapplan JSON export "
            "(kapplan plan --format json)",
            source=source,
            line=problem.lineno,
        ) from None
    except RecursionError:
        raise UnreadableExport("not valid JSON: nested too deeply", source=source) from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise UnreadableExport(
            "no events list; expected a kapplan JSON export (kapplan plan --format json)",
            source=source,
        )
    zone = data.get("timezone")
    try:
        if not isinstance(zone, str):
            raise TypeError(zone)
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise UnreadableExport(
            f"got {_shown(zone)}; expected an IANA zone name such as Europe/Berlin",
            source=source,
            field="timezone",
        ) from None
    clients = data.get("clients")
    if isinstance(clients, list) and len(clients) > 1:
        raise UnreadableExport(
            f"the export of a caseload ({len(clients)} clients); expected one schedule's "
            "export: kapplan diff compares one client's plan",
            source=source,
            field="clients",
        )
    events = tuple(
        _json_event(item, f"events[{n}]", source, session_kinds)
        for n, item in enumerate(data["events"], start=1)
    )
    uids = [e.uid for e in events]
    for n, uid in enumerate(uids, start=1):
        if uid in uids[: n - 1]:
            raise UnreadableExport(
                f"uid {uid!r} appears twice; expected a kapplan export",
                source=source,
                field=f"events[{n}].uid",
            )
    return Plan(timezone=zone, infusions=(), courses=(), events=events, language=language)


def _json_event(item: Any, where: str, source: str, session_kinds: Collection[Kind]) -> PlanEvent:
    if not isinstance(item, dict):
        raise UnreadableExport("not an object; expected an event", source=source, field=where)
    for name, types in _JSON_EVENT.items():
        if name not in item:
            raise UnreadableExport(
                "missing; every event of a kapplan export has it",
                source=source,
                field=f"{where}.{name}",
            )
        if not isinstance(item[name], types) or (
            bool not in types and isinstance(item[name], bool)
        ):
            expected = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise UnreadableExport(
                f"got {_shown(item[name])}; expected {expected}",
                source=source,
                field=f"{where}.{name}",
            )
    kind = _json_enum(Kind, item["kind"], source, f"{where}.kind")
    phase = _json_enum(Phase, item["phase"], source, f"{where}.phase")
    start, end = (_json_time(item[k], source, f"{where}.{k}") for k in ("start", "end"))
    return PlanEvent(
        uid=item["uid"],
        kind=kind,
        phase=phase,
        start=start,
        end=end,
        all_day=item["all_day"],
        title=item["title"],
        description=item["description"],
        infusion=item["infusion"],
        course=item["course"],
        rule=item["rule"],
        is_session=kind in session_kinds,
    )


_E = TypeVar("_E", Kind, Phase)


def _json_enum(closed: type[_E], value: str, source: str, field: str) -> _E:
    try:
        return closed(value)
    except ValueError:
        what = field.rpartition(".")[2]
        raise UnreadableExport(
            f"unknown {what} {_shown(value)}; expected one of {', '.join(closed)}",
            source=source,
            field=field,
        ) from None


def _json_time(value: str, source: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise UnreadableExport(
            f"{_shown(value)} is not a time with an offset; expected ISO 8601, "
            "e.g. 2026-12-01T10:00:00+01:00",
            source=source,
            field=field,
        )
    return moment


def _shown(value: object) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."
