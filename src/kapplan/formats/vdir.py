"""Render a plan as a vdir, the folder of one-event files khal and vdirsyncer use, and read
one back.

The format is vdirsyncer's "vdir" storage
(https://vdirsyncer.pimutils.org/en/stable/vdir.html): a folder whose items are
files, each one iCalendar object holding one event, named ``<ident>.ics``, and
metadata files without a suffix (``displayname``, ``color``). It mirrors a
CalDAV calendar collection, one file per calendar object resource, which is
why vdirsyncer can sync it to any CalDAV server.

Items
    Each item is `kapplan.formats.ics.render_items`' calendar of one event:
    the .ics export's header and VEVENT, line for line (UID, DTSTAMP,
    SEQUENCE, times, texts, reminders, discreet texts, the ``X-KAPPLAN-*``
    properties), without METHOD (RFC 4791 section 4.1). So every item says
    which clients and what privacy the calendar has, and the folder, read
    back, is the ledger an earlier .ics export is: the same `PreviousCalendar`.

File names
    A new item is named `item_name` of its UID. The vdir spec does not fix
    the mapping (readers take the UID from the content), so kapplan picks one
    that cannot collide: lower-case ASCII letters, digits, ``.``, ``+`` and
    ``-`` stand for themselves (a ``.`` only after the first character, so no
    item is a hidden file), and every other character, ``_`` included, is
    written as its UTF-8 bytes, each ``_`` and two lower-case hex digits
    (``@`` is ``_40``). The mapping is one to one: ``_`` only ever starts an
    escape, so a name decodes to exactly one UID. It is stable: it depends on
    the UID alone. It also holds on file systems that ignore case (macOS,
    Windows): upper-case letters are escaped too, so a name has no upper-case
    letter for such a system to fold. kapplan's UIDs are 24 hex digits and
    ``@kapplan``, so ``0654f4546377132be3cbcd62@kapplan`` is in
    ``0654f4546377132be3cbcd62_40kapplan.ics``. An item that is already in the
    folder keeps its file name, whatever it is (the spec: "When changing an
    item, the original filename must be used"; vdirsyncer names the items it
    fetches after their UID as they are, ``@`` included).

kapplan's items
    An item is kapplan's when its event's UID ends in ``@kapplan``, whoever
    wrote the file last (khal after an edit, vdirsyncer after a fetch write
    their own PRODID). Nothing else in the folder is read as kapplan's:
    other events, metadata, hidden files, ``.tmp`` files. A kapplan item must
    hold one event and nothing else, and a UID may be in one item only:
    anything else is refused rather than rewritten or deleted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from msgspec import Struct

from kapplan.errors import UnreadableCalendar
from kapplan.formats.ical import ContentLineError, parse_calendars, unescape_text
from kapplan.formats.ics import (
    IcsOptions,
    PreviousCalendar,
    PreviousEvent,
    parse_previous,
    render_items,
)
from kapplan.model.plan import Plan

#: The suffix of an item.
SUFFIX = ".ics"
#: The metadata file holding the calendar's name.
DISPLAYNAME = "displayname"
#: The metadata file holding the calendar's colour.
COLOR = "color"
#: The colour kapplan gives a vdir (slate blue), as the spec writes one: ``#RRGGBB``.
DEFAULT_COLOR = "#6a5acd"
#: How kapplan's UIDs end (the engine's `uid`).
OWN_UID = "@kapplan"

#: Characters a file name keeps as they are (the others are escaped, see the module doc).
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.+-")
#: The longest file name most file systems allow, in bytes.
_NAME_MAX = 255
#: kapplan's PRODID line in an item's header: the version it names.
_PRODID = re.compile(rb"\r\nPRODID:-//kapplan//kapplan [^/\r\n]*//EN\r\n")


def item_name(uid: str) -> str:
    """Return the file name of a new item: its UID, escaped (see the module docstring).

    Parameters:
        uid: The event's UID.

    Returns:
        The name, e.g. ``0654f4546377132be3cbcd62_40kapplan.ics``.

    Raises:
        ValueError: When the UID is empty or its name would be too long for a file.
    """
    if not uid:
        raise ValueError("an item needs a UID")
    parts = []
    for index, char in enumerate(uid):
        if char in _PLAIN and not (index == 0 and char == "."):
            parts.append(char)
        else:
            parts.append("".join(f"_{byte:02x}" for byte in char.encode("utf-8")))
    name = "".join(parts) + SUFFIX
    if len(name) > _NAME_MAX:
        raise ValueError(f"uid {uid[:40]!r}... is too long for a file name")
    return name


class ItemFile(Struct, frozen=True):
    """A file of a vdir whose name ends in ``.ics``, as read."""

    name: str
    """Its name in the folder."""
    path: str
    """How messages name it."""
    data: bytes
    """Its content."""


class EarlierVdir(Struct, frozen=True):
    """What a vdir holds of kapplan's: its events as one earlier export, and their files."""

    calendar: PreviousCalendar
    """kapplan's events, as `parse_previous` reads an earlier .ics export (their
    cancellations aside: a vdir deletes an event's item instead)."""
    names: dict[str, str]
    """The file name of each of kapplan's events, by UID. Treat as read-only."""
    calendar_name: str | None = None
    """The calendar name (X-WR-CALNAME) kapplan's items carry, if they do: a
    ``displayname`` holding it was written by kapplan, not chosen by a person."""


def item_uids(data: bytes) -> tuple[str, ...] | None:
    """Return the UIDs of the events in an item, in file order.

    Parameters:
        data: The file's content.

    Returns:
        Each VEVENT's UID (unescaped); None when the file is not UTF-8 iCalendar
        text. Nothing is refused: any file may be in a vdir.
    """
    found = _scan(data)
    return None if found is None else found[0]


def same_item(existing: bytes, new: bytes) -> bool:
    """Tell whether an item already says what kapplan would write, so it is left alone.

    Items that differ only in the kapplan version their PRODID names are the
    same: upgrading kapplan does not rewrite every item (vdirsyncer would upload
    them all again).

    Parameters:
        existing: The file's content.
        new: What kapplan would write.

    Returns:
        True when writing `new` would change nothing but the version.
    """
    return existing == new or _PRODID.sub(b"", existing, 1) == _PRODID.sub(b"", new, 1)


def read_vdir(files: Iterable[ItemFile], source: str) -> EarlierVdir:
    """Read kapplan's items of a vdir as one earlier export.

    The events are ordered by start, then UID. The calendar is discreet, or holds
    sessions only, when any item says so (an item a person edited may have lost
    what it remembered, never gained it); its clients are every item's.

    Parameters:
        files: The folder's ``.ics`` files (other files are never items).
        source: How messages name the folder.

    Returns:
        kapplan's events and their file names; files that are not kapplan's are
        left out.

    Raises:
        UnreadableCalendar: Naming the file, when an item with a kapplan UID is not
            one event of kapplan's alone, or a UID is in two items.
    """
    events: dict[str, PreviousEvent] = {}
    names: dict[str, str] = {}
    # What the items remember, gathered as they are read: an item's calendar is not kept.
    clients: dict[str, None] = {}
    listed: tuple[str, ...] = ()
    discreet = sessions_only = False
    calendar_name: str | None = None
    for item in sorted(files, key=lambda f: f.name):
        found = _scan(item.data)
        if found is None or not any(uid.endswith(OWN_UID) for uid in found[0]):
            continue  # not kapplan's: never read, rewritten or deleted
        calendar = parse_previous(item.data, item.path, own_prodid=False)
        if len(calendar.events) != 1 or calendar.foreign:
            count = len(calendar.events) + len(calendar.foreign)
            raise UnreadableCalendar(
                f"holds {count} events; expected one event of kapplan's per file (a vdir "
                "item); move the file out of the folder",
                source=item.path,
            )
        [(uid, event)] = calendar.events.items()
        if uid in names:
            raise UnreadableCalendar(
                f"uid {uid} is also in {names[uid]}; expected one file per event",
                source=item.path,
            )
        events[uid], names[uid] = event, item.name
        discreet |= calendar.discreet
        sessions_only |= calendar.sessions_only
        if calendar.clients is not listed:  # items share their list (`parse_previous`)
            listed = calendar.clients
            clients.update(dict.fromkeys(listed))
        calendar_name = calendar_name or found[1]
    ordered = sorted(events.items(), key=lambda pair: (_start_key(pair[1]), pair[0]))
    return EarlierVdir(
        PreviousCalendar(
            source=source,
            events=dict(ordered),
            discreet=discreet,
            sessions_only=sessions_only,
            clients=tuple(clients),
        ),
        names,
        calendar_name,
    )


def _start_key(event: PreviousEvent) -> str:
    """Order events by start: a UTC time or a date, as written (``20261201``...)."""
    return event.start_line.partition(":")[2]


def _scan(data: bytes) -> tuple[tuple[str, ...], str | None] | None:
    """Return an item's VEVENT UIDs and its X-WR-CALNAME; None when it is not iCalendar."""
    try:
        calendars = parse_calendars(data.decode("utf-8").removeprefix("\ufeff"))
    except (UnicodeDecodeError, ContentLineError):
        return None
    uids = tuple(
        unescape_text(uid.value)
        for calendar in calendars
        for event in calendar.children
        if event.name == "VEVENT" and (uid := event.first("UID")) is not None
    )
    name = calendars[0].first("X-WR-CALNAME")
    return uids, unescape_text(name.value) if name is not None else None


class Item(Struct, frozen=True):
    """One file of a vdir, as kapplan writes it."""

    uid: str
    """The UID of its event."""
    name: str
    """Its file name in the folder."""
    data: bytes
    """Its content: a VCALENDAR with one VEVENT, UTF-8, CRLF line ends."""


class Vdir(Struct, frozen=True):
    """A plan as a vdir: what kapplan's part of the folder should hold."""

    items: tuple[Item, ...]
    """One per event the calendar shows, in the plan's order."""
    removed: tuple[str, ...]
    """File names of kapplan's items whose events the plan no longer has."""
    displayname: str
    """The calendar's name, as the .ics export's X-WR-CALNAME."""
    color: str = DEFAULT_COLOR
    """The calendar's colour, ``#RRGGBB``."""
    earlier_displayname: str | None = None
    """The name kapplan gave the calendar before (`EarlierVdir.calendar_name`): a
    ``displayname`` that still holds it may be updated; any other is a person's."""


def render_vdir(plan: Plan, options: IcsOptions, earlier: EarlierVdir | None = None) -> Vdir:
    """Render a plan as the items of a vdir.

    Parameters:
        plan: The plan.
        options: As for `kapplan.formats.ics.render_ics`; `IcsOptions.previous` is
            the ledger SEQUENCE and DTSTAMP are decided against.
        earlier: kapplan's items already in the folder (`read_vdir`): an event keeps
            its item's file name, and the items of events the plan no longer has
            are to be removed.

    Returns:
        The items, the files to remove and the metadata.

    Raises:
        InvalidOption: As `render_ics` does.
        ValueError: As `render_ics` does, or a UID too long for a file name.
    """
    rendered = render_items(plan, options)
    known = earlier.names if earlier is not None else {}
    items = tuple(
        Item(item.uid, known.get(item.uid) or item_name(item.uid), item.text.encode("utf-8"))
        for item in rendered.items
    )
    kept = {item.uid for item in items}
    return Vdir(
        items=items,
        removed=tuple(name for uid, name in known.items() if uid not in kept),
        displayname=rendered.name,
        earlier_displayname=earlier.calendar_name if earlier is not None else None,
    )


__all__ = [
    "COLOR",
    "DEFAULT_COLOR",
    "DISPLAYNAME",
    "OWN_UID",
    "SUFFIX",
    "EarlierVdir",
    "Item",
    "ItemFile",
    "Vdir",
    "item_name",
    "item_uids",
    "read_vdir",
    "render_vdir",
    "same_item",
]
