"""Render a diff (`kapplan.diff.Diff`) as JSON for scripts or as text for people.

JSON has a published, stable field order (`DIFF_FIELDS`, `EVENT_FIELDS`,
`CHANGE_FIELDS`). The text view is one line per event, so it can be grepped;
Rich is imported only inside `render_diff_terminal`, so ``--format json``
never loads it.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kapplan.characters import json_text
from kapplan.diff import Aspect, Change, Diff, EventRecord
from kapplan.i18n import Catalogue, catalogue
from kapplan.model.zones import zone_named
from kapplan.views.labels import clock_times

#: Published field order of the diff document and its records.
DIFF_FIELDS = ("timezone", "moved", "added", "removed", "changed", "unchanged")
EVENT_FIELDS = ("uid", "kind", "title", "all_day", "start", "end")
CHANGE_FIELDS = (
    *EVENT_FIELDS,
    "old_title",
    "old_start",
    "old_end",
    "shift_minutes",
    "changes",
)

#: Style of each group's heading; the heading also says the group in words.
GROUP_STYLE = {
    "moved": "bold yellow",
    "added": "bold green",
    "removed": "bold red",
    "changed": "bold cyan",
}


def diff_to_data(diff: Diff, timezone: str) -> dict[str, Any]:
    """Convert a diff to JSON-ready data in the published order.

    Parameters:
        diff: The diff.
        timezone: The IANA zone its times are written in.

    Returns:
        A dict: the zone, four lists of events and the unchanged count.
    """
    zone = zone_named(timezone)
    return {
        "timezone": timezone,
        "moved": [_change(c, zone) for c in diff.moved],
        "added": [_event(e, zone) for e in diff.added],
        "removed": [_event(e, zone) for e in diff.removed],
        "changed": [_change(c, zone) for c in diff.changed],
        "unchanged": diff.unchanged,
    }


def _event(event: EventRecord, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "uid": event.uid,
        "kind": event.kind.value if event.kind else None,
        "title": event.title,
        "all_day": event.all_day,
        "start": event.start.astimezone(zone).isoformat(),
        "end": event.end.astimezone(zone).isoformat(),
    }


def _change(change: Change, zone: ZoneInfo) -> dict[str, Any]:
    data = _event(change.new, zone)
    if data["kind"] is None and change.old.kind is not None:
        data["kind"] = change.old.kind.value
    data.update(
        old_title=change.old.title,
        old_start=change.old.start.astimezone(zone).isoformat(),
        old_end=change.old.end.astimezone(zone).isoformat(),
        shift_minutes=int(change.shift.total_seconds() // 60),
        changes=[a.value for a in change.aspects],
    )
    return data


def render_diff_json(diff: Diff, timezone: str) -> str:
    """Render a diff as pretty-printed JSON ending in a newline.

    Parameters:
        diff: The diff.
        timezone: The IANA zone its times are written in.

    Returns:
        The JSON document.
    """
    return json_text(json.dumps(diff_to_data(diff, timezone), indent=2, ensure_ascii=False)) + "\n"


def render_diff_terminal(
    diff: Diff,
    *,
    timezone: str,
    old: str,
    new: str,
    language: str = "en",
    color: bool = False,
) -> str:
    """Render a diff for people: one line per event, grouped, then a summary line.

    Groups come in the order moved, added, removed, changed (empty ones left
    out), each sorted by time. A line holds the event's time (for removed
    events, the old time), its full uid (the key a calendar matches on), its
    title and, for moved and changed events, how far it moved, when it was,
    and what else changed. Lines are never wrapped, so `grep` finds an event.

    Parameters:
        diff: The diff.
        timezone: The IANA zone times are shown in.
        old: Name of the old input, for the heading.
        new: Name of the new input.
        language: Language of labels and dates.
        color: Colour the group headings (ANSI); plain text otherwise.

    Returns:
        The text, ending in a newline.
    """
    from rich.text import Text

    from kapplan.views.console import plain_lines, text_console

    texts = catalogue(language)
    zone = zone_named(timezone)
    groups = [
        ("moved", [(c.new, _note(c, zone, texts, moved=True)) for c in diff.moved]),
        ("added", [(e, "") for e in diff.added]),
        ("removed", [(e, "") for e in diff.removed]),
        ("changed", [(c.new, _note(c, zone, texts, moved=False)) for c in diff.changed]),
    ]
    lines = [
        (name, [(_when(event, zone, texts), event, note) for event, note in rows])
        for name, rows in groups
    ]
    width = max((len(when) for _, rows in lines for when, _, _ in rows), default=0)
    buffer = io.StringIO()
    # Event lines are never wrapped (soft_wrap): one line per event, for grep.
    console = text_console(buffer, 1000, color)
    console.print(
        Text(texts.text("diff.title", old=old, new=new), style="bold"),
        Text(f"  ({timezone})"),
        soft_wrap=True,
    )
    for name, rows in lines:
        if not rows:
            continue
        console.print()
        console.print(Text(texts.text(f"diff.{name}", n=len(rows)), style=GROUP_STYLE[name]))
        for when, event, note in rows:
            line = f"  {when.ljust(width)}  {event.uid}  {event.title}"
            console.print(Text(line + (f"  ({note})" if note else "")), soft_wrap=True)
    if diff.identical:
        console.print()
        console.print(Text(texts.text("diff.none")))
    console.print()
    console.print(
        Text(
            texts.text(
                "diff.summary",
                moved=len(diff.moved),
                added=len(diff.added),
                removed=len(diff.removed),
                changed=len(diff.changed),
                unchanged=diff.unchanged,
            )
        )
    )
    return plain_lines(buffer.getvalue())


def _note(change: Change, zone: ZoneInfo, texts: Catalogue, *, moved: bool) -> str:
    """Say how far an event moved, when it was, and what else changed."""
    parts = [_shift(change.shift, texts)] if moved else []
    if Aspect.START in change.aspects or Aspect.END in change.aspects:
        parts.append(texts.text("diff.was", when=_when(change.old, zone, texts)))
    others = [a for a in change.aspects if a not in (Aspect.START, Aspect.END)]
    if others:
        names = [texts.text(f"diff.aspect.{a.value}") for a in others]
        parts.append(texts.text("diff.aspects", aspects=texts.join(names)))
    return "; ".join(parts)


def _shift(shift: timedelta, texts: Catalogue) -> str:
    minutes = int(shift.total_seconds() // 60)
    return ("-" if minutes < 0 else "+") + texts.format_duration(abs(minutes))


def _when(event: EventRecord, zone: ZoneInfo, texts: Catalogue) -> str:
    """Format an event's time: a date and clock range, or its days."""
    if event.all_day:
        first = event.start.date()
        last = max(first, (event.end - timedelta(days=1)).date())
        if last == first:
            return texts.text("diff.all_day", date=texts.format_date(first, "long"))
        return texts.text(
            "diff.days",
            first=texts.format_date(first, "long"),
            last=texts.format_date(last, "long"),
        )
    start, end = event.start.astimezone(zone), event.end.astimezone(zone)
    day = texts.format_date(start.date(), "long")
    opens, closes = clock_times(start, end)
    # An end at the next midnight still ends the same day: 23:00–00:00.
    if end <= start or (end - timedelta(microseconds=1)).date() == start.date():
        return texts.text("diff.timed", date=day, start=opens, end=closes)
    return texts.text(
        "diff.overnight",
        date=day,
        start=opens,
        end_date=texts.format_date(end.date(), "long"),
        end=closes,
    )
