"""Hand-built plans and independent .ics readers for the calendar export tests.

Plans are built here from `PlanEvent` and friends, not by the engine, so the
export is tested on its own. Each reader turns a calendar into the same
`Seen` records using a different parser (icalendar, vobject, and ical.js
under node when it is installed), so tests can compare what every parser
reads with what the plan says.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from msgspec.structs import replace

from kapplan.formats.ics import IcsOptions
from kapplan.model.plan import EventKind, Infusion, Method, Phase, Plan, PlanEvent

BERLIN = ZoneInfo("Europe/Berlin")

#: Phase of each kind, as the engine assigns them.
PHASES = {
    EventKind.PREPARATION_SESSION: Phase.PREPARATION,
    EventKind.INTENTION_SETTING: Phase.PREPARATION,
    EventKind.INFUSION: Phase.EXPERIENCE,
    EventKind.REST: Phase.EXPERIENCE,
}
SESSIONS = {
    EventKind.PREPARATION_SESSION,
    EventKind.INTEGRATION_SESSION,
    EventKind.RELAPSE_PREVENTION,
    EventKind.CONSOLIDATION_SESSION,
    EventKind.LONG_ARC_SESSION,
}


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """Return an aware local time in Europe/Berlin."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN, fold=fold)


def event(
    uid: str,
    kind: EventKind,
    start: datetime,
    minutes: int = 60,
    *,
    title: str | None = None,
    description: str | None = None,
    days: int = 0,
    infusion: int | None = 1,
) -> PlanEvent:
    """Build a plan event; ``days`` > 0 makes an all-day event of that many days."""
    all_day = days > 0
    if all_day:
        start = datetime.combine(start.date(), datetime.min.time(), BERLIN)
        end = datetime.combine(start.date() + timedelta(days=days), datetime.min.time(), BERLIN)
    else:
        end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(BERLIN)
    return PlanEvent(
        uid=uid,
        kind=kind,
        phase=PHASES.get(kind, Phase.INTEGRATION),
        start=start,
        end=end,
        all_day=all_day,
        title=title if title is not None else f"{kind.value} {uid}",
        description=description if description is not None else f"What to do for {uid}.",
        infusion=infusion,
        course=1,
        rule=kind.value,
        is_session=kind in SESSIONS,
    )


def dose_events(n: int, start: datetime) -> list[PlanEvent]:
    """Return the events around dose n: the dose, rest, journaling, a session, an advisory."""
    after = start.astimezone(UTC)
    return [
        event(
            f"appt{n}@kapplan",
            EventKind.INFUSION,
            start,
            60,
            title=f"Infusion {n} (IV ketamine)",
            description=f"Dose {n}: IV ketamine at the clinic.",
            infusion=n,
        ),
        event(
            f"rest{n}@kapplan",
            EventKind.REST,
            (after + timedelta(hours=1)).astimezone(BERLIN),
            120,
            title="Rest",
            description="Rest; do not analyse yet.",
            infusion=n,
        ),
        event(
            f"advisory{n}@kapplan",
            EventKind.ADVISORY,
            start,
            days=2,
            title="Protect the 48 h",
            description="Avoid stressful, confrontational situations.",
            infusion=n,
        ),
        event(
            f"journal{n}@kapplan",
            EventKind.JOURNALING,
            (after + timedelta(hours=5)).astimezone(BERLIN),
            30,
            title="Journaling",
            description="- What came up?\n- What shifted?",
            infusion=n,
        ),
        event(
            f"session{n}@kapplan",
            EventKind.INTEGRATION_SESSION,
            (after + timedelta(hours=24)).astimezone(BERLIN),
            60,
            title=f"Integration session after dose {n}",
            description="Talk it through, within 24–72 h; это важно.",
            infusion=n,
        ),
    ]


#: Dose times around both DST changes of Europe/Berlin (25 Oct 2026, 28 Mar 2027).
DOSES = (
    berlin(2026, 10, 22, 10),  # CEST, UTC+2
    berlin(2026, 10, 24, 10),  # CEST; its session on the 25th falls after the change
    berlin(2026, 10, 26, 10),  # CET, UTC+1
    berlin(2027, 3, 26, 10),  # CET; its session on the 27th, the advisory spans the 28th
    berlin(2027, 3, 30, 10),  # CEST
)


def dst_plan(doses: tuple[datetime, ...] = DOSES, client: str = "") -> Plan:
    """Build a plan of doses around both DST changes, plus events in the repeated hour."""
    events = [e for n, start in enumerate(doses, start=1) for e in dose_events(n, start)]
    # 02:30 happens twice on 25 Oct 2026: first in CEST (00:30Z), then in CET (01:30Z).
    events.append(
        event(
            "early@kapplan",
            EventKind.MINDFULNESS,
            berlin(2026, 10, 25, 2, 30),
            15,
            title="Mindfulness (first 02:30)",
            infusion=None,
        )
    )
    events.append(
        event(
            "late@kapplan",
            EventKind.MINDFULNESS,
            berlin(2026, 10, 25, 2, 30, fold=1),
            15,
            title="Mindfulness (second 02:30)",
            infusion=None,
        )
    )
    events.append(
        event("arc@kapplan", EventKind.LONG_ARC_SESSION, berlin(2027, 4, 20, 18), 90, infusion=None)
    )
    events.sort(key=lambda e: (e.start.astimezone(UTC), not e.all_day, e.uid))
    infusions = tuple(
        Infusion(index=n, start=s, end=s + timedelta(hours=1), method=Method.IV, course=1)
        for n, s in enumerate(doses, start=1)
    )
    return Plan(
        timezone="Europe/Berlin",
        infusions=infusions,
        courses=(),
        events=tuple(events),
        client=client,
    )


def move_dose(plan: Plan, n: int, by: timedelta) -> Plan:
    """Return the plan with dose n and every event of that dose moved by ``by``."""
    events = tuple(
        replace(e, start=e.start + by, end=e.end + by) if e.infusion == n else e
        for e in plan.events
    )
    infusions = tuple(
        replace(i, start=i.start + by, end=i.end + by) if i.index == n else i
        for i in plan.infusions
    )
    return replace(plan, events=events, infusions=infusions)


@dataclass(frozen=True)
class Seen:
    """What a parser reads for one VEVENT, normalised for comparison."""

    uid: str
    summary: str
    description: str
    start: datetime | date
    end: datetime | date
    categories: tuple[str, ...]
    alarms: tuple[tuple[timedelta, str], ...]
    status: str


def expected(plan: Plan, options: IcsOptions | None = None) -> list[Seen]:
    """Return what a parser should read for each event of a plan (not discreet)."""
    reminders = sorted(set((options or IcsOptions()).reminders), reverse=True)
    out = []
    for e in plan.events:
        alarmed = e.is_session or e.kind is EventKind.INFUSION
        out.append(
            Seen(
                uid=e.uid,
                summary=e.title,
                description=e.description,
                start=e.start.date() if e.all_day else e.start.astimezone(UTC),
                end=e.end.date() if e.all_day else e.end.astimezone(UTC),
                categories=(e.phase.value.capitalize(),),
                alarms=tuple((-lead, e.title) for lead in reminders) if alarmed else (),
                status="CONFIRMED",
            )
        )
    return out


def _when(value: datetime | date) -> datetime | date:
    if isinstance(value, datetime):
        assert value.utcoffset() is not None, f"floating time {value!r}"
        return value.astimezone(UTC)
    return value


def read_icalendar(text: str) -> list[Seen]:
    """Read events with the icalendar library."""
    calendar = icalendar.Calendar.from_ical(text)
    out = []
    for v in calendar.walk("VEVENT"):
        categories: list[str] = []
        raw = v.get("CATEGORIES")
        for item in raw if isinstance(raw, list) else [raw] if raw is not None else []:
            categories += [str(c) for c in item.cats]
        out.append(
            Seen(
                uid=str(v["UID"]),
                summary=str(v["SUMMARY"]),
                description=str(v["DESCRIPTION"]),
                start=_when(v.decoded("DTSTART")),
                end=_when(v.decoded("DTEND")),
                categories=tuple(categories),
                alarms=tuple(
                    (a.decoded("TRIGGER"), str(a["DESCRIPTION"])) for a in v.walk("VALARM")
                ),
                status=str(v.get("STATUS", "")),
            )
        )
    return out


def read_vobject(text: str) -> list[Seen]:
    """Read events with vobject."""
    calendar = vobject.readOne(text)
    out = []
    for v in calendar.contents.get("vevent", []):
        categories: list[str] = []
        for line in v.contents.get("categories", []):
            categories += line.value
        out.append(
            Seen(
                uid=v.uid.value,
                summary=v.summary.value,
                description=v.description.value,
                start=_when(v.dtstart.value),
                end=_when(v.dtend.value),
                categories=tuple(categories),
                alarms=tuple(
                    (a.trigger.value, a.description.value) for a in v.contents.get("valarm", [])
                ),
                status=v.status.value if "status" in v.contents else "",
            )
        )
    return out


_ICALJS = r"""
const ICAL = require('ical.js');
let data = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', () => {
  const root = new ICAL.Component(ICAL.parse(data));
  const when = (t) => (t.isDate ? { date: t.toString() } : { unix: t.toUnixTime() });
  const events = root.getAllSubcomponents('vevent').map((v) => ({
    uid: v.getFirstPropertyValue('uid'),
    summary: v.getFirstPropertyValue('summary'),
    description: v.getFirstPropertyValue('description'),
    start: when(v.getFirstPropertyValue('dtstart')),
    end: when(v.getFirstPropertyValue('dtend')),
    categories: v.getAllProperties('categories').flatMap((p) => p.getValues()),
    alarms: v.getAllSubcomponents('valarm').map((a) => [
      a.getFirstPropertyValue('trigger').toSeconds(), a.getFirstPropertyValue('description'),
    ]),
    status: v.getFirstPropertyValue('status') || '',
  }));
  process.stdout.write(JSON.stringify(events));
});
"""


@functools.cache
def icaljs_available() -> bool:
    """Return True when node can load the ical.js module (found through NODE_PATH)."""
    node = shutil.which("node")
    if node is None:
        return False
    probe = subprocess.run(
        [node, "-e", "require('ical.js')"], capture_output=True, env=os.environ, check=False
    )
    return probe.returncode == 0


def read_icaljs(text: str) -> list[Seen]:
    """Read events with ical.js (Thunderbird's parser) under node; skip when absent."""
    if not icaljs_available():
        pytest.skip("ical.js not found: npm install ical.js and set NODE_PATH to its node_modules")
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, "-e", _ICALJS], input=text.encode(), capture_output=True, check=True
    )
    out = []
    for v in json.loads(done.stdout):
        out.append(
            Seen(
                uid=v["uid"],
                summary=v["summary"],
                description=v["description"],
                start=_js_when(v["start"]),
                end=_js_when(v["end"]),
                categories=tuple(v["categories"]),
                alarms=tuple((timedelta(seconds=s), d) for s, d in v["alarms"]),
                status=v["status"],
            )
        )
    return out


def _js_when(value: dict[str, Any]) -> datetime | date:
    if "date" in value:
        return date.fromisoformat(value["date"])
    return datetime.fromtimestamp(value["unix"], UTC)


#: Every independent reader, for parametrised tests.
READERS = {"icalendar": read_icalendar, "vobject": read_vobject, "ical.js": read_icaljs}
