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
- **unchanged**: the uid is in both and every part the calendar compares is the same.

This module knows no file format: each side is a list of `EventRecord`s whose
`parts` say what a calendar compares. The records of a plan and of an earlier
.ics export are made by `kapplan.formats.ics` (from the content lines the
export writes), so moved and changed are exactly the events whose SEQUENCE a
re-export raises, removed exactly the ones it writes as ``STATUS:CANCELLED``,
and added the ones it writes new (or restores). An old export's events that
it had already cancelled are neither removed again nor counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from msgspec import Struct

from kapplan.model.plan import EventKind


class Aspect(StrEnum):
    """A part of an event a calendar compares; the closed set of `Change.aspects`."""

    START = "start"
    END = "end"
    TITLE = "title"
    DESCRIPTION = "description"
    CATEGORY = "category"
    REMINDERS = "reminders"
    OTHER = "other"


class EventRecord(Struct, frozen=True):
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
    parts: Mapping[Aspect, tuple[str, ...]]
    """What a calendar compares, by aspect: opaque texts (for a calendar, the content
    lines other than UID, DTSTAMP and SEQUENCE). Equal parts, an unchanged event."""
    kind: EventKind | None = None
    """What the event is; None when read from a calendar, which does not say."""
    cancelled: bool = False
    """True for an event the old export had already cancelled."""


class Change(Struct, frozen=True):
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


class Diff(Struct, frozen=True):
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
        if earlier.parts == event.parts:
            unchanged += 1
            continue
        aspects = tuple(a for a in Aspect if earlier.parts.get(a, ()) != event.parts.get(a, ()))
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


__all__ = ["Aspect", "Change", "Diff", "EventRecord", "compare"]
