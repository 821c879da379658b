"""The throughput yardstick: a caseload's files to ICS text in plain Python, no planning.

What every run of ``kapplan plan FOLDER --therapist FILE -f ics`` has to do at
the least, written plainly with the standard library: read each client's
schedule with `tomllib`; expand its doses (``[[infusion]]`` tables and the
weekly or daily ``[[series]]`` RRULEs that ``benchmarks/caseload.py``
writes); put each dose on its client's clock (`zoneinfo`) and in UTC; derive
events from the doses at offsets (sessions before and after, the dose itself),
each with its client-local start for its text; and write that many VEVENTs as
kapplan writes them: a hashed UID, UTC times, escaped title and description
with the local time, phase, CLASS and STATUS, one VALARM per reminder, lines
folded at 75 octets, CRLF. There is no search for free time, no rulebook, no
warnings: the work a planner adds is what the budget measures.

The number of events is given (kapplan's own run of the same caseload says how
many it wrote), spread evenly over the doses, so both write as many events.

Usage: ``python benchmarks/floor_caseload.py FOLDER EVENTS > out.ics``, FOLDER
holding the ``*.toml`` schedules (``clients/`` of a written caseload).
"""

from __future__ import annotations

import hashlib
import sys
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

#: Dose lengths by method (minutes), roughly kapplan's.
DOSE_MINUTES = {"iv": 40, "im": 60, "esketamine": 120, "spravato": 120, "oral": 60}
#: Events derived from each dose, in turn: (phase, title, offset from the dose, minutes).
#: A dose yields the first k of these, k chosen so the caseload has the asked-for total.
EVENTS = (
    ("Experience", "Dose {n}", timedelta(0), None),
    ("Integration", "Integration session after dose {n}", timedelta(days=1, hours=2), 60),
    ("Preparation", "Preparation session before dose {n}", timedelta(days=-2, hours=1), 60),
    ("Integration", "Integration session 2 after dose {n}", timedelta(days=3), 60),
    ("Integration", "Follow-up session after dose {n}", timedelta(days=7), 60),
    ("Preparation", "Check-in before dose {n}", timedelta(days=-1, hours=3), 60),
)
DESCRIPTION = (
    "With your therapist: {what}, {local}. Why: the sessions around a dose set the "
    "framework for what it brings up; planned in the days around dose {n}, not on a "
    "dose day; come as you are."
)
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
REMINDERS = ("TRIGGER:-P1D", "TRIGGER:-PT1H")
STAMP = "DTSTAMP:20260101T000000Z"


def doses(schedule: dict[str, object]) -> list[tuple[datetime, str]]:
    """Return a schedule's doses as (local wall time, method), in time order."""
    found: list[tuple[datetime, str]] = []
    for table in schedule.get("infusion", ()):  # type: ignore[attr-defined]
        found.append((table["at"], table["method"]))
    for table in schedule.get("series", ()):  # type: ignore[attr-defined]
        found += [(at, table["method"]) for at in expand(table["start"], table["rrule"])]
    found.sort()
    return found


def expand(start: datetime, rrule: str) -> list[datetime]:
    """Expand the RRULEs the generator writes: FREQ=WEEKLY;BYDAY=..;COUNT=n or FREQ=DAILY."""
    parts = dict(part.split("=", 1) for part in rrule.split(";"))
    count = int(parts["COUNT"])
    if parts["FREQ"] == "DAILY":
        return [start + timedelta(days=i) for i in range(count)]
    days = {WEEKDAYS[d] for d in parts["BYDAY"].split(",")}
    found: list[datetime] = []
    at = start
    while len(found) < count:
        if at.weekday() in days:
            found.append(at)
        at += timedelta(days=1)
    return found


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 section 3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """End a content line with CRLF, folded at 75 octets on character boundaries."""
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    pieces = []
    start, limit = 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        pieces.append(data[start:cut])
        start, limit = cut, 74
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode() + "\r\n"


def utc(moment: datetime) -> str:
    """Format a UTC datetime as an RFC 5545 DATE-TIME."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def vevent(
    client: str, uid_key: str, phase: str, title: str, text: str, start: datetime, end: datetime
) -> str:
    """Return one VEVENT, folded."""
    summary = escape(f"{client}: {title}")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{hashlib.sha256(uid_key.encode()).hexdigest()[:24]}@kapplan",
        STAMP,
        "SEQUENCE:0",
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(end)}",
        f"SUMMARY:{summary}",
        f"DESCRIPTION:{escape(text)}",
        f"CATEGORIES:{phase}",
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        "STATUS:CONFIRMED",
    ]
    for trigger in REMINDERS:
        lines += ("BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{summary}", trigger, "END:VALARM")
    lines.append("END:VEVENT")
    return "".join(fold(line) for line in lines)


def calendar(folder: Path, events: int) -> str:
    """Return the ICS text of `events` events derived from the schedules in `folder`."""
    clients = []
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as file:
            schedule = tomllib.load(file)
        clients.append((schedule["client"], ZoneInfo(schedule["timezone"]), doses(schedule)))
    total = sum(len(d) for _, _, d in clients)
    per_dose, extra = divmod(events, total)
    out = [
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//benchmarks//floor//EN\r\n"
        "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
    ]
    written = 0
    for client, zone, dosed in clients:
        for n, (wall, method) in enumerate(dosed, start=1):
            start = wall.replace(tzinfo=zone).astimezone(UTC)
            dose_end = start + timedelta(minutes=DOSE_MINUTES.get(method, 60))
            k = per_dose + (1 if written < extra else 0)
            written += 1
            for i in range(k):
                phase, title, offset, minutes = EVENTS[i % len(EVENTS)]
                at = start + offset + timedelta(weeks=i // len(EVENTS))
                end = at + timedelta(minutes=minutes) if minutes else dose_end
                local = at.astimezone(zone)
                day: date = local.date()
                text = DESCRIPTION.format(
                    what=title.format(n=n).lower(), local=local.strftime("%a %d %b %Y %H:%M"), n=n
                )
                key = f"{client}|{phase}|{n}|{i}|{day.isoformat()}"
                out.append(vevent(client, key, phase, title.format(n=n), text, at, end))
    out.append("END:VCALENDAR\r\n")
    return "".join(out)


def main() -> None:
    """Write the calendar of the caseload in ``argv[1]`` with ``argv[2]`` events to stdout."""
    folder, events = Path(sys.argv[1]), int(sys.argv[2])
    sys.stdout.buffer.write(calendar(folder, events).encode())


if __name__ == "__main__":
    main()
