"""Render a plan as an RFC 5545 calendar, and read back an earlier export.

The serializer is written by hand, small and streaming (`iter_ics` yields one
component at a time; `render_ics` joins them; `render_items` writes each event
as a calendar of its own, a vdir's items). It is pure: no clock, no files.

Times
    Timed events are written in UTC (``DTSTART:20261027T090000Z``), never with
    TZID. A plan's events are instants (a clinic appointment, an online session
    with a therapist who may live in another zone), and every calendar app
    shows a UTC time at the right local time of whoever looks at it, across
    DST changes. UTC needs no VTIMEZONE, so none of the VTIMEZONE faults that
    clients have (RDATE lists misread by ical.js and vobject, Outlook's
    undeclared or remapped zones) can shift an event, and every parser reads
    the same instant. Google Calendar's own export writes single events the
    same way. No ``X-WR-TIMEZONE`` is written: some readers apply it to UTC
    times and shift them. Advisories are all-day events, ``VALUE=DATE`` with
    an exclusive DTEND (a one-day advisory on the 5th ends on the 6th), which
    are dates, not instants, so they need no zone either.

Updates in place (UID, SEQUENCE, DTSTAMP)
    UID is the plan event's uid, which the engine derives from what the event
    is, so a re-plan keeps it. What an event says is fingerprinted: a hash of
    its content lines other than UID, DTSTAMP and SEQUENCE (times, texts,
    status, alarms). Given the earlier export (`IcsOptions.previous`):

    - an event whose fingerprint is unchanged keeps its SEQUENCE and DTSTAMP,
      so it is byte-identical and apps leave it alone;
    - an event that changed gets SEQUENCE + 1 and a DTSTAMP later than its
      previous one, so apps that import or subscribe replace it (RFC 5546
      orders revisions by SEQUENCE, then DTSTAMP);
    - a new event starts at SEQUENCE 0;
    - a uid of the earlier export that the plan no longer has is written as
      ``STATUS:CANCELLED`` with SEQUENCE + 1, its old times, a title starting
      "Cancelled", no alarms and TRANSP:TRANSPARENT. Cancelled events are kept
      on later exports (unchanged, so byte-identical), so a person who skipped
      an import still gets the cancellation.

    Without a previous export every event has SEQUENCE 0. DTSTAMP comes from
    the schedule, not the clock: by default it is the earliest start among the
    plan's doses and events (UTC, whole seconds), so an unchanged schedule gives
    a byte-identical file. A changed event's DTSTAMP is the later of that and
    its previous DTSTAMP plus one second, so it always moves forward. When the
    caller passes `IcsOptions.stamp` (e.g. the clock, on request), every event
    carries that stamp, as RFC 5545 defines DTSTAMP for a METHOD object.

Events
    Each VEVENT has UID, DTSTAMP, SEQUENCE, DTSTART, DTEND, SUMMARY,
    DESCRIPTION, CATEGORIES (the PEI phase), TRANSP (TRANSPARENT for all-day
    advisories, which are notes, OPAQUE for timed events, which take the
    time), CLASS and STATUS, in that order, in the plan's event order;
    cancellations follow, in the earlier export's order.

Reminders
    Sessions with a therapist and doses get one ``VALARM`` (ACTION:DISPLAY with
    the event's title as DESCRIPTION) per lead time; `DEFAULT_REMINDERS` is one
    day and one hour before. Google drops VALARM on import and subscription,
    and Apple's subscribe flow removes alerts by default, so users of those set
    notifications on the calendar themselves.

Privacy
    Every event is ``CLASS:PRIVATE`` (the plan is health data; shared calendars
    then show only busy time). With `IcsOptions.discreet` titles, descriptions,
    alarm texts, categories and the calendar name are neutral ("Appointment"
    for doses, "Session" for sessions, "Personal time" for everything else),
    and none of `DISCREET_WORDS` appears anywhere in the file: the remaining
    free text (uids, a calendar name the caller chose) is checked up front and
    refused with `InvalidOption` rather than written.

    A discreet calendar says so in a calendar property of its own,
    ``X-KAPPLAN-DISCREET:TRUE`` (RFC 5545 section 3.8.8.2: other apps ignore an
    X- property), and `parse_previous` reads it back, so a re-export over it can
    stay discreet without being told again. A file written before kapplan
    remembered it is known by its texts: every event has a discreet category.
    With `IcsOptions.sessions_only` only sessions and doses are written (the
    practices and advisories are left out, so their uids of an earlier export
    are cancelled), and ``X-KAPPLAN-SESSIONS-ONLY:TRUE`` remembers it. Neither
    property is written when off, so a visible, complete calendar is as before.

Text
    TEXT values are escaped per RFC 5545 section 3.3.11 (backslash, semicolon,
    comma, newline), so no text from the schedule can start a property. CR and
    CRLF become newlines; characters that parsers may take for a line break
    (VT, FF, FS, GS, RS, NEL, LS, PS) become newlines too; other control
    characters, which TEXT does not allow, are dropped, as are C1 controls. Content lines longer
    than 75 octets are folded (section 3.1) at UTF-8 character boundaries;
    shorter lines are written as they are.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo

from msgspec import Struct

from kapplan import __version__
from kapplan.characters import bare
from kapplan.errors import InvalidOption, UnreadableCalendar
from kapplan.formats.ical import (
    CRLF,
    ContentLineError,
    escape_text,
    fold_lines,
    parse_line,
    split_plain,
    unescape_text,
    unfold,
)
from kapplan.i18n import Catalogue, catalogue
from kapplan.model.fields import LANGUAGES
from kapplan.model.plan import EventKind, Plan, PlanEvent
from kapplan.model.reminders import DEFAULT_REMINDERS, clip

#: Product identifier; also how `parse_previous` knows a calendar kapplan wrote.
PRODID = f"-//kapplan//kapplan {__version__}//EN"
#: Every calendar kapplan writes starts with these bytes (see `kapplan.edge.atomic`).
OWNED_MARKER = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kapplan//"
#: Words (or stems) a ``--discreet`` calendar never contains, in any case, nor hidden
#: behind look-alike letters, invisible characters or accents (`kapplan.characters.bare`):
#: the treatment and what it treats. Not "therapy" or "therapist": a therapist's calendar
#: may say so, and it names no treatment.
DISCREET_WORDS = (
    "ketamine",
    "esketamine",
    "spravato",
    "infusion",
    "dose",
    "dosing",
    "dosage",
    "psychedelic",
    "psychiatr",
    "depressi",
)
#: The calendar property that remembers a discreet export.
DISCREET_PROPERTY = "X-KAPPLAN-DISCREET"
#: The clients whose events a calendar holds (a caseload's), so a later export over it
#: never cancels the events of clients it does not plan.
CLIENTS_PROPERTY = "X-KAPPLAN-CLIENTS"
#: The calendar property that remembers an export of sessions and doses only.
SESSIONS_ONLY_PROPERTY = "X-KAPPLAN-SESSIONS-ONLY"

_ONE_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@functools.cache
def _leak() -> re.Pattern[str]:
    """Match a revealing word of any language, whatever the output language, in a `bare`
    text."""
    words = {w for lang in LANGUAGES for w in catalogue(lang).discreet_words} | set(DISCREET_WORDS)
    return re.compile("|".join(re.escape(w) for w in sorted({bare(w) for w in words})))


def revealing_word(text: str) -> str | None:
    """Return the revealing word a text holds, however it is disguised, or None.

    The text is read as `kapplan.characters.bare` reads it: ``Kеtаminе`` with
    Cyrillic letters, ``Ket\u00adamine`` with a soft hyphen, ``ketami\u0301ne``
    with an accent all hold ``ketamine``.

    Parameters:
        text: A calendar name, a uid.

    Returns:
        The part of the text that reads as a word of `DISCREET_WORDS` or of a
        catalogue's ``discreet_words``, as the text writes it.
    """
    pattern = _leak()
    # Each character read on its own, so a match leads back to what the text wrote.
    places = [(n, c) for n, char in enumerate(text) for c in bare(char)]
    found = pattern.search("".join(c for _, c in places))
    if found is None:
        return None
    return text[places[found.start()][0] : places[found.end() - 1][0] + 1]


_STAMP_VALUE = re.compile(r"\d{8}T\d{6}Z")
_TIME_LINE = re.compile(r"(?:DTSTART|DTEND)(?::\d{8}T\d{6}Z|;VALUE=DATE:\d{8})")
#: A time a calendar app writes when a person moves an event: local, with its zone.
_ZONED_LINE = re.compile(r"(DTSTART|DTEND);TZID=\"?([A-Za-z0-9_+\-/]+)\"?:(\d{8}T\d{6})")
#: Where kapplan placed a session (UTC start/end), so a re-plan can tell a hand move.
PLACED = "X-KAPPLAN-PLACED"
#: The property every event kapplan writes carries: with a kapplan UID, it marks the
#: event as kapplan's to rewrite or delete wherever it sits among a person's own (a
#: calendar app that imported the .ics, a vdir, a CalDAV calendar `kapplan sync` writes).
#: Bookkeeping, not content: no SEQUENCE rises for it.
OWNED_PROPERTY = "X-KAPPLAN-EVENT"
_NOT_REVISION = frozenset(("UID", "DTSTAMP", "SEQUENCE", OWNED_PROPERTY))


class PreviousEvent(Struct, frozen=True):
    """One VEVENT of an earlier export, as much as a re-export needs."""

    uid: str
    """The event's UID."""
    sequence: int
    """Its SEQUENCE."""
    fingerprint: str
    """Hash of its content lines other than UID, DTSTAMP and SEQUENCE."""
    stamp: datetime
    """Its DTSTAMP (UTC)."""
    start_line: str
    """Its DTSTART content line, as written (UTC or VALUE=DATE)."""
    end_line: str
    """Its DTEND content line, as written."""
    summary: str
    """Its SUMMARY, unescaped."""
    categories: str
    """Its CATEGORIES, unescaped ('' when absent)."""
    cancelled: bool
    """True when it was already written as STATUS:CANCELLED."""
    description: str = ""
    """Its DESCRIPTION, unescaped ('' when absent)."""
    body: tuple[str, ...] = ()
    """The content lines `fingerprint` hashes, unfolded, as written."""
    start: datetime | None = None
    """Its start (UTC) for a timed event; None for an all-day one."""
    end: datetime | None = None
    """Its end (UTC) for a timed event; None for an all-day one."""
    placed: tuple[datetime, datetime] | None = None
    """Where kapplan placed it (a session's `PLACED`), if it says."""
    outside: bool = False
    """True when kapplan booked it outside its window (`PLACED;OUTSIDE=TRUE`)."""


class PreviousCalendar(Struct, frozen=True):
    """An earlier export: what SEQUENCE bumps and cancellations are measured against."""

    source: str
    """Name of the file it came from, for messages."""
    events: Mapping[str, PreviousEvent]
    """Its events by uid, in file order. Treat as read-only."""
    discreet: bool = False
    """True when it was written discreet (its `DISCREET_PROPERTY`, or an older
    file whose every event has a discreet category)."""
    sessions_only: bool = False
    """True when it holds sessions and doses only (its `SESSIONS_ONLY_PROPERTY`)."""
    clients: tuple[str, ...] = ()
    """The clients whose events it holds, when it says (`CLIENTS_PROPERTY`)."""
    foreign: tuple[tuple[str, ...], ...] = ()
    """Events kapplan did not write (a person added them), each as its unfolded lines:
    a re-export carries them over unchanged, never cancels or rewrites them."""


class IcsOptions(Struct, frozen=True):
    """How `render_ics` writes a calendar.

    Raises:
        InvalidOption: When a reminder is negative or the stamp is naive.
    """

    reminders: tuple[timedelta, ...] = DEFAULT_REMINDERS
    """Lead times of the alarms before sessions and doses; () for none."""
    discreet: bool = False
    """Write neutral titles and texts that do not reveal the treatment."""
    stamp: datetime | None = None
    """DTSTAMP for every event (aware); None derives it from the plan (see module doc)."""
    previous: PreviousCalendar | None = None
    """The earlier export, for SEQUENCE bumps and cancellation of vanished events."""
    calendar_name: str | None = None
    """X-WR-CALNAME; None picks 'Integration plan' (or 'Personal' when discreet)."""
    sessions_only: bool = False
    """Write only therapy sessions and doses: no practices, no advisories."""
    clients: tuple[str, ...] = ()
    """The clients whose events the calendar holds (written as `CLIENTS_PROPERTY` when
    there are several)."""

    def __post_init__(self) -> None:
        """Check the values a caller may have built by hand."""
        for lead in self.reminders:
            if lead < timedelta(0):
                raise InvalidOption(
                    f"reminder {lead} is negative; give a lead time before the event",
                    field="reminders",
                )
        if self.stamp is not None and self.stamp.utcoffset() is None:
            raise InvalidOption(
                f"{self.stamp.isoformat()} has no UTC offset; add one, e.g. Z or +02:00",
                field="stamp",
            )


def parse_stamp(text: str, now: datetime | None) -> datetime:
    """Parse a DTSTAMP given as text: ``now`` or an ISO 8601 time with an offset.

    Parameters:
        text: ``now`` (any case), or e.g. ``2026-10-01T09:00:00Z`` or
            ``2026-10-01T11:00+02:00``.
        now: The current time (aware); the caller reads the clock, not this module.

    Returns:
        The stamp in UTC, in whole seconds.

    Raises:
        InvalidOption: At ``stamp``, when the text is not such a time, or has no offset.
        ValueError: For ``now`` without a clock (`now` None).
    """
    if text.strip().lower() == "now":
        if now is None:
            raise ValueError("the stamp 'now' needs the current time")
        moment = now
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise InvalidOption(
                f"{clip(text)} is not a time; use now or ISO 8601, e.g. 2026-10-01T09:00:00Z",
                field="stamp",
            ) from None
    if moment.utcoffset() is None:
        raise InvalidOption(
            f"{clip(text)} has no UTC offset; add one, e.g. Z or +02:00", field="stamp"
        )
    try:
        stamp = moment.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        stamp = datetime.max.replace(tzinfo=UTC)
    if stamp.year > 9998:
        # A later export raises the stamp by a second: keep room for it, and for UTC.
        raise InvalidOption(
            f"{clip(text)} is too late for a calendar stamp; expected a time before 9999, "
            "e.g. 2026-10-01T09:00:00Z or now",
            field="stamp",
        )
    return stamp


def render_ics(plan: Plan, options: IcsOptions) -> str:
    """Render a plan as one iCalendar document.

    Parameters:
        plan: The plan.
        options: Reminders, privacy, stamp, earlier export, calendar name.

    Returns:
        The calendar, CRLF line ends, folded at 75 octets; encode it as UTF-8.

    Raises:
        InvalidOption: In discreet mode, when a uid or the calendar name
            contains one of `DISCREET_WORDS`.
        ValueError: When the plan has a naive time or two events share a uid.
    """
    return "".join(iter_ics(plan, options))


def iter_ics(plan: Plan, options: IcsOptions) -> Iterator[str]:
    """Yield an iCalendar document in pieces: the header, each VEVENT, the end.

    Parameters:
        plan: The plan.
        options: See `render_ics`.

    Returns:
        An iterator of folded CRLF-terminated text; joined, the document.

    Raises:
        InvalidOption: See `render_ics` (raised before anything is yielded).
        ValueError: See `render_ics`.
    """
    previous = options.previous
    events, texts, name = _shown(plan, options)
    uids = {event.uid for event in events}
    vanished = [p for uid, p in previous.events.items() if uid not in uids] if previous else []
    if options.discreet:
        _refuse_leaks(name, uids, (p.uid for p in vanished))
    return _stream(plan, events, options, name, vanished, texts)


class CalendarItem(Struct, frozen=True):
    """One event as a calendar of its own: a VCALENDAR holding one VEVENT."""

    uid: str
    """The event's UID."""
    text: str
    """The calendar, CRLF line ends, folded at 75 octets; encode it as UTF-8."""


class CalendarItems(Struct, frozen=True):
    """A calendar as one calendar object per event (`render_items`)."""

    name: str
    """The calendar's name, as `render_ics` writes it in X-WR-CALNAME."""
    items: tuple[CalendarItem, ...]
    """One per event the calendar shows, in the plan's order."""


def render_items(plan: Plan, options: IcsOptions) -> CalendarItems:
    """Render each event a calendar shows as a calendar of its own (a vdir's items).

    Each item is the calendar `render_ics` writes cut down to one event: the
    same header (PRODID, the calendar's name and what it remembers: discreet,
    sessions only, the clients) and the same VEVENT, UID, DTSTAMP and SEQUENCE
    decided against `IcsOptions.previous` as `render_ics` decides them. Two
    differences, both because an item is a calendar object resource of a
    CalDAV collection, which a vdir mirrors: there is no METHOD (RFC 4791
    section 4.1: such resources "MUST NOT specify the iCalendar METHOD
    property"), and an event of the earlier export that the plan no longer has
    gets no item (no cancellation: deleting its item is how a collection
    cancels it; that is the caller's to do).

    Parameters:
        plan: The plan.
        options: See `render_ics`.

    Returns:
        The calendar's name and the items.

    Raises:
        InvalidOption: See `render_ics`.
        ValueError: See `render_ics`.
    """
    events, texts, name = _shown(plan, options)
    if options.discreet:
        _refuse_leaks(name, (event.uid for event in events), ())
    head = fold_lines(_calendar_head(name, options, method=False))
    revise = _revisions(plan, options)
    return CalendarItems(
        name,
        tuple(
            CalendarItem(uid, head + vevent + "END:VCALENDAR" + CRLF)
            for uid, vevent in _vevents(events, options, texts, revise)
        ),
    )


def _shown(plan: Plan, options: IcsOptions) -> tuple[tuple[PlanEvent, ...], Catalogue, str]:
    """Return the events a calendar shows, its catalogue and its name."""
    events = shown_events(plan, options)
    if len({event.uid for event in events}) != len(events):
        raise ValueError("two plan events share a uid; uids must be unique")
    texts = catalogue(plan.language)
    return events, texts, _calendar_name(plan, options, texts)


def shown_events(plan: Plan, options: IcsOptions) -> tuple[PlanEvent, ...]:
    """Return the events a calendar shows of a plan.

    Parameters:
        plan: The plan.
        options: With `IcsOptions.sessions_only`, only sessions and doses are shown.

    Returns:
        The events, in the plan's order.
    """
    if not options.sessions_only:
        return plan.events
    # What carries a reminder, and what a therapist's calendar shows of a client.
    return tuple(e for e in plan.events if e.is_session or e.kind is EventKind.INFUSION)


def _stream(
    plan: Plan,
    events: tuple[PlanEvent, ...],
    options: IcsOptions,
    name: str,
    vanished: list[PreviousEvent],
    texts: Catalogue,
) -> Iterator[str]:
    yield fold_lines(_calendar_head(name, options, method=True))
    revise = _revisions(plan, options)
    for _, vevent in _vevents(events, options, texts, revise):
        yield vevent
    for gone in vanished:
        yield _vevent(gone.uid, _cancelled_body(gone, options.discreet, texts), revise)
    for lines in options.previous.foreign if options.previous else ():
        yield fold_lines(lines)
    yield "END:VCALENDAR" + CRLF


def _calendar_head(name: str, options: IcsOptions, *, method: bool) -> list[str]:
    """Return a calendar's lines before its first VEVENT (`method`: METHOD:PUBLISH too)."""
    remembered = [f"{DISCREET_PROPERTY}:TRUE"] if options.discreet else []
    if options.sessions_only:
        remembered.append(f"{SESSIONS_ONLY_PROPERTY}:TRUE")
    if len(options.clients) > 1:
        listed = ",".join(escape_text(client) for client in options.clients)
        remembered.append(f"{CLIENTS_PROPERTY}:{listed}")
    return [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        *(["METHOD:PUBLISH"] if method else []),
        f"X-WR-CALNAME:{escape_text(name)}",
        f"NAME:{escape_text(name)}",
        *remembered,
    ]


def _revisions(plan: Plan, options: IcsOptions) -> _Revisions:
    """Return what decides each event's SEQUENCE and DTSTAMP for this plan."""
    # The stamp is the whole plan's, so leaving events out does not move it.
    return _Revisions(options, _plan_stamp(plan) if options.stamp is None else options.stamp)


def _vevents(
    events: Iterable[PlanEvent], options: IcsOptions, texts: Catalogue, revise: _Revisions
) -> Iterator[tuple[str, str]]:
    """Yield each event's uid and its VEVENT, folded, as `render_ics` writes it."""
    alarms = _Alarms(options.reminders)
    for event in events:
        body = _event_body(event, options.discreet, alarms, texts)
        yield event.uid, _vevent(event.uid, body, revise)


def _vevent(uid: str, body: list[str], revise: _Revisions) -> str:
    sequence, stamp = revise(uid, body)
    return fold_lines(
        (
            "BEGIN:VEVENT",
            f"UID:{escape_text(uid)}",
            f"{OWNED_PROPERTY}:TRUE",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{sequence}",
            *body,
            "END:VEVENT",
        )
    )


class _Revisions:
    """Decide SEQUENCE and DTSTAMP per uid (see the module docstring)."""

    def __init__(self, options: IcsOptions, base: datetime) -> None:
        self.previous = options.previous.events if options.previous else None
        self.fixed = options.stamp is not None
        self.base = base.astimezone(UTC).replace(microsecond=0)
        self.base_text = _utc(self.base)

    def __call__(self, uid: str, body: list[str]) -> tuple[int, str]:
        known = self.previous.get(uid) if self.previous is not None else None
        if known is None:
            return 0, self.base_text
        if _fingerprint(body) == known.fingerprint:
            return known.sequence, self.base_text if self.fixed else _utc(known.stamp)
        if self.fixed:
            return known.sequence + 1, self.base_text
        # An earlier stamp at the end of time (an older kapplan took any --stamp) stays.
        later = known.stamp + _ONE_SECOND if known.stamp.year < 9999 else known.stamp
        return known.sequence + 1, _utc(max(self.base, later))


class _Alarms:
    """Build VALARM lines; the TRIGGER lines are formatted once per render."""

    def __init__(self, reminders: Iterable[timedelta]) -> None:
        leads = sorted(set(reminders), reverse=True)
        self.triggers = tuple(f"TRIGGER:{_duration(-lead)}" for lead in leads)

    def lines(self, text: str) -> list[str]:
        description = f"DESCRIPTION:{escape_text(text)}"
        out: list[str] = []
        for trigger in self.triggers:
            out += ("BEGIN:VALARM", "ACTION:DISPLAY", description, trigger, "END:VALARM")
        return out


def event_lines(event: PlanEvent, options: IcsOptions, language: str) -> tuple[str, ...]:
    """Return the content lines `render_ics` writes for an event, but UID, DTSTAMP and SEQUENCE.

    These lines are what a calendar compares on re-import: `PreviousEvent.body`
    holds the same lines of an earlier export, and a difference in them is a
    SEQUENCE bump.

    Parameters:
        event: The plan event.
        options: Privacy and reminders (the other options do not change an event).
        language: The catalogue for phase names and discreet texts.

    Returns:
        The lines, unfolded, without line ends.
    """
    return tuple(
        _event_body(event, options.discreet, _Alarms(options.reminders), catalogue(language))
    )


def _event_body(event: PlanEvent, discreet: bool, alarms: _Alarms, texts: Catalogue) -> list[str]:
    """Return the content lines of a VEVENT other than UID, DTSTAMP and SEQUENCE."""
    if event.all_day:
        first = event.start.date()
        after = max(event.end.date(), first + timedelta(days=1))
        times = [f"DTSTART;VALUE=DATE:{_date(first)}", f"DTEND;VALUE=DATE:{_date(after)}"]
    else:
        times = [f"DTSTART:{_utc(event.start)}", f"DTEND:{_utc(event.end)}"]
    if discreet:
        title = _discreet_title(event, texts)
        description, category = title, texts.text("ics.discreet_category")
    else:
        title, description = event.title, event.description
        category = texts.text(f"phase.{event.phase.value}")
    lines = [
        *times,
        f"SUMMARY:{escape_text(title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"CATEGORIES:{escape_text(category)}",
        "TRANSP:TRANSPARENT" if event.all_day else "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        "STATUS:CONFIRMED",
    ]
    if event.is_session and not event.all_day:
        first, last = event.placed or (event.start, event.end)
        # OUTSIDE: booked outside its window, an exception a re-plan may keep.
        marker = f"{PLACED};OUTSIDE=TRUE" if event.outside else PLACED
        lines.append(f"{marker}:{_utc(first)}/{_utc(last)}")
    if event.is_session or event.kind is EventKind.INFUSION:
        lines += alarms.lines(title)
    return lines


def _cancelled_body(gone: PreviousEvent, discreet: bool, texts: Catalogue) -> list[str]:
    """Return the content lines of the cancellation of an event the plan dropped."""
    if discreet:
        title, category = texts.text("ics.cancelled"), texts.text("ics.discreet_category")
    elif gone.cancelled:
        title, category = gone.summary, gone.categories
    else:
        title = texts.text("ics.cancelled_title", title=gone.summary)
        category = gone.categories
    lines = [
        gone.start_line,
        gone.end_line,
        f"SUMMARY:{escape_text(title)}",
        f"DESCRIPTION:{escape_text(texts.text('ics.cancelled_description'))}",
    ]
    if category:
        lines.append(f"CATEGORIES:{escape_text(category)}")
    lines += ("TRANSP:TRANSPARENT", "CLASS:PRIVATE", "STATUS:CANCELLED")
    return lines


def _discreet_title(event: PlanEvent, texts: Catalogue) -> str:
    if event.kind is EventKind.INFUSION:
        return texts.text("ics.discreet_appointment")
    if event.is_session:
        return texts.text("ics.discreet_session")
    return texts.text("ics.discreet_personal")


def _calendar_name(plan: Plan, options: IcsOptions, texts: Catalogue) -> str:
    if options.calendar_name is not None:
        return options.calendar_name
    if options.discreet:
        return texts.text("ics.discreet_calendar_name")
    if plan.client:
        return texts.text("ics.calendar_name_client", client=plan.client)
    return texts.text("ics.calendar_name")


def _refuse_leaks(name: str, uids: Iterable[str], vanished: Iterable[str]) -> None:
    """Refuse discreet output that would carry a revealing word."""
    found = revealing_word(name)
    if found:
        raise InvalidOption(
            f"the calendar name contains {found!r}, which --discreet never "
            "writes; choose a neutral name",
            field="calendar_name",
        )
    for uid in (*uids, *vanished):
        found = revealing_word(uid)
        if found:
            raise InvalidOption(
                f"event uid {clip(uid)} contains {found!r}, which --discreet never "
                "writes; export without --discreet",
                field="discreet",
            )


def _plan_stamp(plan: Plan) -> datetime:
    """Return the default DTSTAMP: the earliest start of the plan's doses and events."""
    starts = [i.start for i in plan.infusions] + [e.start for e in plan.events]
    return min((s.astimezone(UTC) for s in starts), default=_EPOCH)


#: Two-digit numbers, as written in dates and times: a look-up, not a format spec per
#: field (six of them per time took a tenth of writing a caseload's calendar).
_TWO = tuple(f"{n:02d}" for n in range(100))


def _utc(moment: datetime) -> str:
    """Format an aware datetime as an RFC 5545 UTC DATE-TIME (form #2)."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} in a plan; times must be aware")
    u = moment.astimezone(UTC)
    two = _TWO
    return f"{_date(u)}T{two[u.hour]}{two[u.minute]}{two[u.second]}Z"


def _date(day: date) -> str:
    year = day.year
    return f"{year if year >= 1000 else f'{year:04d}'}{_TWO[day.month]}{_TWO[day.day]}"


def _duration(delta: timedelta) -> str:
    """Format a timedelta as an RFC 5545 DURATION (section 3.3.6), whole seconds."""
    sign = "-" if delta < timedelta(0) else ""
    seconds = int(abs(delta).total_seconds())
    if seconds == 0:
        return "PT0S"
    days, rest = divmod(seconds, 86400)
    if rest == 0 and days % 7 == 0:
        return f"{sign}P{days // 7}W"
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return f"{sign}P{f'{days}D' if days else ''}{'T' + clock if clock else ''}"


def _fingerprint(body: Iterable[str]) -> str:
    # Where kapplan placed a session is bookkeeping, not what the event says.
    said = (line for line in body if not line.startswith(PLACED))
    return hashlib.sha256("\n".join(said).encode()).hexdigest()[:32]


# -- reading an earlier export -------------------------------------------------


def parse_previous(data: str | bytes, source: str, *, own_prodid: bool = True) -> PreviousCalendar:
    """Read a calendar kapplan wrote earlier, for SEQUENCE bumps and cancellations.

    Parameters:
        data: The file's content (bytes are decoded as UTF-8, a BOM dropped).
        source: The file's name, for messages.
        own_prodid: Require kapplan's PRODID. False reads an event kapplan wrote
            that another program wrote back, with its own PRODID (a vdir's item
            that khal edited or vdirsyncer fetched from a server): its UID says
            it is kapplan's.

    Returns:
        Its events by uid, in file order, and whether it was discreet or held
        sessions and doses only.

    Raises:
        UnreadableCalendar: When the data is not UTF-8, not iCalendar, not
            written by kapplan, or a VEVENT lacks or garbles what kapplan
            writes; the message names the file and line.
    """
    text = _decode(data, source)
    events: dict[str, PreviousEvent] = {}
    stack: list[tuple[str, int]] = []
    current: dict[str, tuple[str, int]] = {}
    body: list[str] = []
    seen_prodid = False
    remembered: set[str] = set()
    try:
        lines = list(unfold(text))
    except ContentLineError as problem:
        raise UnreadableCalendar(problem.message, source=source, line=problem.line) from None
    if not lines or lines[0][1] != "BEGIN:VCALENDAR":
        raise UnreadableCalendar(
            "not an iCalendar file (expected BEGIN:VCALENDAR on the first line)",
            source=source,
            line=lines[0][0] if lines else 1,
        )
    clients: tuple[str, ...] = ()
    foreign: list[tuple[str, ...]] = []
    raw: list[str] = []
    closed = False
    for number, content in lines:
        if len(stack) >= 2 or (len(stack) == 1 and content.upper() == "BEGIN:VEVENT"):
            raw.append(content)  # every line of the event, for one kapplan did not write
        if closed:
            raise UnreadableCalendar(
                f"{clip(content)} after END:VCALENDAR", source=source, line=number
            )
        try:
            name, value = _name_and_value(content, number)
        except ContentLineError:
            raise UnreadableCalendar(
                f"not an iCalendar content line: {clip(content)}", source=source, line=number
            ) from None
        if name == "BEGIN":
            if len(stack) == 1 and value == "VEVENT" and not seen_prodid and own_prodid:
                raise UnreadableCalendar(
                    "no kapplan PRODID before the first VEVENT; give the .ics file kapplan wrote",
                    source=source,
                    line=number,
                )
            if len(stack) >= 2:
                body.append(content)
            stack.append((value, number))
            if len(stack) == 2:
                current, body = {}, []
                raw = [content]
        elif name == "END":
            if not stack or stack[-1][0] != value:
                raise UnreadableCalendar(
                    f"{clip(content)} does not match; expected END:{stack[-1][0]}",
                    source=source,
                    line=number,
                )
            kind, begun = stack.pop()
            closed = not stack
            if len(stack) >= 2:
                body.append(content)
            elif len(stack) == 1 and kind == "VEVENT" and _foreign(current):
                foreign.append(tuple(raw))  # a person's own event: carried over as it is
            elif len(stack) == 1 and kind == "VEVENT":
                event = _previous_event(current, body, source, begun)
                if event.uid in events:
                    raise UnreadableCalendar(
                        f"uid {clip(event.uid)} appears twice",
                        source=source,
                        line=current["UID"][1],
                    )
                events[event.uid] = event
        elif len(stack) == 1 and name == "PRODID":
            if own_prodid and not value.startswith("-//kapplan//"):
                raise UnreadableCalendar(
                    f"PRODID {clip(value)} is not kapplan's; give the .ics file kapplan wrote",
                    source=source,
                    line=number,
                )
            seen_prodid = True
        elif len(stack) == 1 and name == CLIENTS_PROPERTY:
            clients = _listed_clients(value)
        elif len(stack) == 1 and name in (DISCREET_PROPERTY, SESSIONS_ONLY_PROPERTY):
            if value.strip().upper() == "TRUE":
                remembered.add(name)
        elif len(stack) == 2 and stack[-1][0] == "VEVENT":
            current.setdefault(name, (content, number))
            if name not in _NOT_REVISION:
                body.append(content)
        elif len(stack) > 2:
            body.append(content)
    if stack:
        kind, begun = stack[-1]
        raise UnreadableCalendar(
            f"BEGIN:{kind} is never closed (the file ends early)", source=source, line=begun
        )
    return PreviousCalendar(
        source=source,
        events=events,
        discreet=DISCREET_PROPERTY in remembered or _looks_discreet(events.values()),
        sessions_only=SESSIONS_ONLY_PROPERTY in remembered,
        clients=clients,
        foreign=tuple(foreign),
    )


@functools.lru_cache(maxsize=4)
def _listed_clients(value: str) -> tuple[str, ...]:
    """Read `CLIENTS_PROPERTY`'s value: every item of a caseload's vdir has the same
    list of every client, so it is read once and shared (a 1,000-client calendar has
    some 14,000 items, each naming 1,000 clients)."""
    return tuple(unescape_text(c) for c in re.split(r"(?<!\\),", value) if c)


def _foreign(props: Mapping[str, tuple[str, int]]) -> bool:
    """Tell an event kapplan did not write (a person added it): its UID is not kapplan's."""
    uid = props.get("UID")
    return uid is not None and not unescape_text(uid[0].partition(":")[2]).endswith("@kapplan")


def _looks_discreet(events: Iterable[PreviousEvent]) -> bool:
    """Tell an export written discreet before the property existed: by its categories."""
    neutral = {catalogue(lang).text("ics.discreet_category") for lang in LANGUAGES}
    found = [event.categories for event in events]
    return bool(found) and all(category in neutral for category in found)


def _decode(data: str | bytes, source: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        raise UnreadableCalendar(
            "not UTF-8 text; expected the .ics file kapplan wrote", source=source, line=line
        ) from None


def _name_and_value(content: str, number: int) -> tuple[str, str]:
    """Return a content line's name (upper-case) and value, as the codec reads it
    (`parse_line`): most lines of an export have no parameters, ``NAME:value``, and are
    split at their first colon (a big caseload's calendar has hundreds of thousands)."""
    plain = split_plain(content)
    if plain is not None:
        return plain
    found = parse_line(content, number)
    return found.name, found.value


def _previous_event(
    props: dict[str, tuple[str, int]], body: list[str], source: str, begun: int
) -> PreviousEvent:
    def value(name: str) -> str:
        if name not in props:
            raise UnreadableCalendar(
                f"VEVENT has no {name}; not a calendar kapplan wrote", source=source, line=begun
            )
        return props[name][0].partition(":")[2]

    def text(name: str) -> str:
        """Return a TEXT property's value, unescaped; '' when absent."""
        return unescape_text(props.get(name, (f"{name}:", begun))[0].partition(":")[2])

    uid = unescape_text(value("UID"))
    stamp = value("DTSTAMP")
    if not _STAMP_VALUE.fullmatch(stamp):
        raise UnreadableCalendar(
            f"DTSTAMP {clip(stamp)} is not a UTC time like 20261027T090000Z",
            source=source,
            line=props["DTSTAMP"][1],
        )
    sequence = value("SEQUENCE")
    if not sequence.isascii() or not sequence.isdigit() or len(sequence) > 9:
        raise UnreadableCalendar(
            f"SEQUENCE {clip(sequence)} is not a whole number",
            source=source,
            line=props["SEQUENCE"][1],
        )
    times = []
    moments: list[datetime | None] = []
    for name in ("DTSTART", "DTEND"):
        value(name)
        line, number = props[name]
        zoned = _ZONED_LINE.fullmatch(line)
        if zoned is not None:
            # A calendar app moved the event and wrote local time: read it as UTC.
            moment = _zoned_time(zoned, source, number)
            line = f"{name}:{_utc(moment)}"
        elif not _TIME_LINE.fullmatch(line):
            raise UnreadableCalendar(
                f"{clip(line)} is not a UTC time or a VALUE=DATE date as kapplan writes",
                source=source,
                line=number,
            )
        times.append(line)
        written = line.partition(":")[2]
        if written.endswith("Z"):
            moments.append(_utc_time(written, source, number, name))
        else:
            _valid_date(written, source, number, name)
            moments.append(None)
    status = props.get("STATUS", ("STATUS:CONFIRMED", begun))[0].partition(":")[2]
    return PreviousEvent(
        uid=uid,
        sequence=int(sequence),
        fingerprint=_fingerprint(body),
        stamp=_utc_time(stamp, source, props["DTSTAMP"][1], "DTSTAMP"),
        start_line=times[0],
        end_line=times[1],
        summary=text("SUMMARY"),
        categories=text("CATEGORIES"),
        cancelled=status.upper() == "CANCELLED",
        description=text("DESCRIPTION"),
        body=tuple(body),
        start=moments[0],
        end=moments[1],
        placed=_placed(props.get(PLACED), source),
        outside=_outside(props.get(PLACED)),
    )


def _zoned_time(found: re.Match[str], source: str, line: int) -> datetime:
    """Return a ``DTSTART;TZID=Zone:local`` time as UTC (a fold takes its first time)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(found.group(2))
    except (ZoneInfoNotFoundError, ValueError):
        raise UnreadableCalendar(
            f"unknown time zone {clip(found.group(2))}; expected an IANA zone such as "
            "Europe/Berlin",
            source=source,
            line=line,
        ) from None
    wall = _utc_time(found.group(3), source, line, found.group(1), zone=None)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _utc_time(
    written: str, source: str, line: int, name: str, *, zone: tzinfo | None = UTC
) -> datetime:
    """Return a time written as kapplan writes UTC (``20261027T090000Z``, its digits
    checked already; a wall-clock time without the ``Z`` when `zone` is None), or refuse
    one that names no real moment (a 13th month, a 30 February, a 61st minute) in one
    located line, as any other garbled line is."""
    try:
        return datetime(
            int(written[0:4]),
            int(written[4:6]),
            int(written[6:8]),
            int(written[9:11]),
            int(written[11:13]),
            int(written[13:15]),
            tzinfo=zone,
        )
    except ValueError:
        like = "20261027T090000Z" if zone is not None else "20261027T090000"
        raise UnreadableCalendar(
            f"{name} {clip(written)} is not a real date and time; expected one like {like}",
            source=source,
            line=line,
        ) from None


def _valid_date(written: str, source: str, line: int, name: str) -> None:
    """Refuse a ``VALUE=DATE`` date (its digits checked already) that is no real date."""
    try:
        date(int(written[0:4]), int(written[4:6]), int(written[6:8]))
    except ValueError:
        raise UnreadableCalendar(
            f"{name} {clip(written)} is not a real date; expected one like 20261027",
            source=source,
            line=line,
        ) from None


def _outside(prop: tuple[str, int] | None) -> bool:
    """Tell whether kapplan booked a session outside its window (`PLACED;OUTSIDE=TRUE`)."""
    if prop is None:
        return False
    found = parse_line(*prop)
    return tuple(v.upper() for v in found.params.get("OUTSIDE", ())) == ("TRUE",)


def _placed(prop: tuple[str, int] | None, source: str) -> tuple[datetime, datetime] | None:
    """Read where kapplan placed a session (`PLACED`); None when the event does not say."""
    if prop is None:
        return None
    content, line = prop
    first, _, last = content.partition(":")[2].partition("/")
    try:
        if not (_STAMP_VALUE.fullmatch(first) and _STAMP_VALUE.fullmatch(last)):
            raise ValueError(content)
        return (_utc_time(first, source, line, PLACED), _utc_time(last, source, line, PLACED))
    except (ValueError, UnreadableCalendar):
        raise UnreadableCalendar(
            f"{clip(content)} is not two UTC times like 20261202T090000Z/20261202T100000Z",
            source=source,
            line=line,
        ) from None
