"""A kapplan calendar as CalDAV calendar objects, and a CalDAV calendar read back as a ledger.

CalDAV stores a calendar as one resource per event (RFC 4791 §4.1): each a
VCALENDAR holding one VEVENT, without METHOD. `calendar_objects` splits the
.ics kapplan writes into those resources. Each VEVENT carries kapplan's mark,
`OWNED_PROPERTY` (the writer puts it in every event), so a sync can tell its
own events from a person's own (which carry no such line and have no kapplan
UID) and never touches the latter.

`ledger_of` reads the resources of a calendar on a server back into the
`PreviousCalendar` an earlier .ics export gives, so a sync re-plans over what
is on the server exactly as `kapplan plan -o` re-plans over its earlier file:
booked sessions stay, hand-moved ones are pinned, SEQUENCE rises only for
what changed. Servers re-serialise what they store (Radicale sorts the
properties), and calendar apps add their own (LAST-MODIFIED, X-APPLE-...);
only the properties kapplan writes are read, in the order it writes them, so
an event counts as changed only when something kapplan wrote changed.
Pure text: no network here (`kapplan.edge.caldav` talks to the server).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from msgspec import Struct

from kapplan.formats.ical import (
    Component,
    ContentLineError,
    Property,
    fold_lines,
    parse_calendars,
)
from kapplan.formats.ics import (
    CLIENTS_PROPERTY,
    DISCREET_PROPERTY,
    OWNED_PROPERTY,
    PLACED,
    PRODID,
    SESSIONS_ONLY_PROPERTY,
    PreviousCalendar,
    parse_previous,
)

#: What marks a UID as kapplan's (see `kapplan.engine.planner.ClientPlanner.uid`).
UID_SUFFIX = "@kapplan"
#: The event properties kapplan writes, in the order it writes them (`_event_body`).
_ORDER = (
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "CATEGORIES",
    "TRANSP",
    "CLASS",
    "STATUS",
    PLACED,
)
_ALARM_ORDER = ("ACTION", "DESCRIPTION", "TRIGGER")
_DURATION = re.compile(r"([+-]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


class CalendarObject(Struct, frozen=True):
    """One event as the CalDAV resource a sync writes."""

    uid: str
    text: str
    """The resource: a VCALENDAR with this one VEVENT, CRLF line ends, folded."""
    sequence: int
    """Its SEQUENCE."""
    cancelled: bool
    """True for the cancellation of an event the plan no longer has."""


class RemoteEvent(Struct, frozen=True):
    """A kapplan event as a server holds it."""

    href: str
    """Its resource's address on the server."""
    etag: str | None
    """Its resource's ETag, for a conditional write (None when the server gave none)."""


def calendar_objects(calendar: str) -> list[CalendarObject]:
    """Split a calendar kapplan rendered into one CalDAV resource per event.

    Parameters:
        calendar: The .ics text (`kapplan.formats.ics.render_ics`).

    Returns:
        One resource per VEVENT, in the calendar's order.
    """
    [whole] = parse_calendars(calendar)
    # A CalDAV resource may not carry METHOD (RFC 4791 §4.1); the rest is as a vdir
    # item has it (`kapplan.formats.ics.render_items`).
    kept = [p.text for p in whole.properties if p.name != "METHOD"]
    objects = []
    for event in whole.children:
        if event.name != "VEVENT":
            continue
        uid = _value(event, "UID")
        lines = [*kept, *_block(event)]
        objects.append(
            CalendarObject(
                uid=uid,
                text=fold_lines(("BEGIN:VCALENDAR", *lines, "END:VCALENDAR")),
                sequence=int(_value(event, "SEQUENCE") or 0),
                cancelled=_value(event, "STATUS").upper() == "CANCELLED",
            )
        )
    return objects


def ledger_of(
    resources: Iterable[tuple[str, str | None, str]], source: str
) -> tuple[PreviousCalendar, dict[str, RemoteEvent]]:
    """Read a server calendar's resources back as the ledger an earlier export gives.

    Only kapplan's events count (a kapplan UID and `OWNED_PROPERTY`); a person's
    own events are left out, so nothing is ever decided about them.

    Parameters:
        resources: ``(href, etag, text)`` of every resource of the calendar.
        source: The calendar's address, for messages.

    Returns:
        The ledger (`kapplan.formats.ics.parse_previous` of kapplan's events, in
        the order kapplan writes their properties), and where each event lives.

    Raises:
        UnreadableCalendar: When one of kapplan's events lacks or garbles what
            kapplan writes.
    """
    remote: dict[str, RemoteEvent] = {}
    calendar: list[str] = []
    blocks: list[str] = []
    for href, etag, text in resources:
        try:
            found = parse_calendars(text)
        except ContentLineError:
            continue  # not kapplan's to read: a person's, in a form kapplan does not write
        for whole in found:
            for event in whole.children:
                uid = _value(event, "UID")
                if event.name != "VEVENT" or not _owned(event) or uid in remote:
                    continue
                remote[uid] = RemoteEvent(href, etag)
                blocks += _block(event)
                calendar += [p.text for p in whole.properties if p.name in _REMEMBERED]
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", *_merged(calendar)]
    text = fold_lines((*head, *blocks, "END:VCALENDAR"))
    return parse_previous(text, source), remote


_REMEMBERED = (DISCREET_PROPERTY, SESSIONS_ONLY_PROPERTY, CLIENTS_PROPERTY)


def _merged(lines: Sequence[str]) -> list[str]:
    """Return the calendar properties the events remember, once each: discreet and
    sessions-only if any event's calendar says so (the safe side), every client named."""
    out: list[str] = []
    for name in (DISCREET_PROPERTY, SESSIONS_ONLY_PROPERTY):
        if any(
            line.upper().startswith(f"{name}:") and line.upper().endswith(":TRUE") for line in lines
        ):
            out.append(f"{name}:TRUE")
    clients: list[str] = []
    for line in lines:
        if line.upper().startswith(f"{CLIENTS_PROPERTY}:"):
            for client in re.split(r"(?<!\\),", line.partition(":")[2]):
                if client and client not in clients:
                    clients.append(client)
    if clients:
        out.append(f"{CLIENTS_PROPERTY}:{','.join(clients)}")
    return out


def is_kapplans(text: str) -> bool:
    """Tell whether a calendar resource holds an event kapplan wrote (a kapplan UID and
    `OWNED_PROPERTY`); False for anything else, readable or not."""
    try:
        found = parse_calendars(text)
    except ContentLineError:
        return False
    return any(_owned(e) for whole in found for e in whole.children if e.name == "VEVENT")


def _owned(event: Component) -> bool:
    return _value(event, "UID").endswith(UID_SUFFIX) and event.first(OWNED_PROPERTY) is not None


def _value(component: Component, name: str) -> str:
    found = component.first(name)
    return found.value if found is not None else ""


def _block(event: Component) -> list[str]:
    """Return a VEVENT's lines as kapplan writes them: UID, its marker, DTSTAMP, SEQUENCE,
    its own properties in its order, then its alarms by lead time."""
    head = [
        p.text for name in ("UID", OWNED_PROPERTY, "DTSTAMP", "SEQUENCE") for p in event.every(name)
    ]
    body = [p.text for name in _ORDER for p in event.every(name)]
    alarms = sorted(
        (a for a in event.children if a.name == "VALARM"),
        key=lambda a: _lead(a.first("TRIGGER")),
    )
    for alarm in alarms:
        inner = [p.text for name in _ALARM_ORDER for p in alarm.every(name)]
        body += ("BEGIN:VALARM", *inner, "END:VALARM")
    return ["BEGIN:VEVENT", *head, *body, "END:VEVENT"]


def _lead(trigger: Property | None) -> int:
    """Return a relative TRIGGER in seconds (earliest first), 0 when it is not one."""
    found = _DURATION.fullmatch(trigger.value.strip()) if trigger is not None else None
    if found is None:
        return 0
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in found.groups()[1:])
    total = (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    return -total if found.group(1) == "-" else total
