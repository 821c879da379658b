"""Whole-path properties: schedule TOML text -> loader -> engine -> JSON and .ics.

Hypothesis writes schedule *files* (text, as a user would): single doses and
RRULE series of any method, in zones with odd offsets and odd DST rules
(Kathmandu +05:45, Lord Howe's 30-minute DST, St John's -03:30, Chatham
+12:45/+13:45, Santiago, whose clocks change at midnight), starting on a DST
change, on a leap day or far in the future (up to year 9998), dosed densely or
sparsely, written as local times, with offsets on some entries and not on
others, with seconds and fractions of seconds. Each example goes through the
real loader, engine and both machine renderers, in process; a few go through
the command line. Every plan must hold every invariant:

- no two sessions overlap, and no timed event overlaps a dose or another;
- every session lies inside the availability, every practice in its hours;
- every session is inside its window, or it is flagged and a warning names it;
- every dose is in the plan, and every dose's integration session is placed,
  covered by a later one, or warned about;
- uids are unique, and planning the same text again gives the same bytes;
- the JSON and the .ics (read back with the icalendar library) agree event
  for event: uid, title, description, start and end;
- a plan that would run past 9999-12-31 is refused with one clean error, and
  only then.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as label
from hypothesis import strategies as st

from kapplan.cli.app import app
from kapplan.edge.load import schedule_from_text
from kapplan.engine import build_plan
from kapplan.errors import ScheduleError
from kapplan.formats.ics import IcsOptions, render_ics
from kapplan.formats.json import render_json
from kapplan.model.fields import METHOD_ALIASES
from kapplan.model.hours import WEEKDAYS
from kapplan.model.plan import Plan
from kapplan.model.schedule import Schedule
from kapplan.model.zones import resolve_wall
from tests.cli_runner import CliRunner
from tests.conftest import examples
from tests.ics_fixtures import read_icalendar
from tests.plans import TEXTS, rulebook
from tests.test_properties import (
    check_doses_answered,
    check_hours,
    check_one_session_a_day,
    check_order_around_doses,
    check_timed_events,
    check_windows,
    hours_text,
)

ZONES = (
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Chatham",
    "America/Santiago",
    "Europe/Berlin",
    "America/New_York",
    "UTC",
)

#: Leap days, near and far.
LEAP_DAYS = (date(2028, 2, 29), date(2400, 2, 29), date(9996, 2, 29))

#: The counts are each test's (`examples`: a quick run by default, the full one marked slow).
WHOLE_PATH = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Every property of a kapplan VEVENT; nothing from a schedule may add another.
EVENT_PROPERTIES = {
    "UID", "X-KAPPLAN-EVENT", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY",
    "DESCRIPTION", "CATEGORIES", "TRANSP", "CLASS", "STATUS",
}  # fmt: skip
#: A session's events also say where kapplan placed them (to tell a hand move).
SESSION_PROPERTIES = EVENT_PROPERTIES | {"X-KAPPLAN-PLACED"}


@cache
def transitions(zone: str, year: int) -> tuple[datetime, ...]:
    """Return the local wall times (naive) just before each UTC-offset change in a year."""
    tz = ZoneInfo(zone)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    found = []
    while moment.year == year:
        after = moment + timedelta(hours=1)
        if moment.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset():
            found.append(after.astimezone(tz).replace(tzinfo=None) - timedelta(hours=1))
        moment = after
    return tuple(found)


@st.composite
def first_dose(draw: st.DrawFn, zone: str) -> datetime:
    """Return a first dose's wall time: near a DST change, on a leap day, far ahead, or any."""
    kind = draw(st.sampled_from(["dst", "leap", "far", "any"]))
    if kind == "dst":
        year = draw(st.sampled_from([2026, 2027, 2400]))
        edges = transitions(zone, year) or (datetime(year, 3, 29, 2),)
        # From a week before the change to a day after: doses and sessions cross it.
        moment = draw(st.sampled_from(edges)) + timedelta(
            minutes=draw(st.integers(-7 * 1440, 1440))
        )
    elif kind == "leap":
        day = draw(st.sampled_from(LEAP_DAYS))
        moment = datetime.combine(day, datetime.min.time()) + timedelta(
            minutes=draw(st.integers(0, 1439))
        )
    elif kind == "far":
        # The last years often push the long arc past 9999-12-31: a clean refusal.
        earliest = draw(st.sampled_from([datetime(9000, 1, 1), datetime(9998, 1, 1)]))
        moment = draw(st.datetimes(min_value=earliest, max_value=datetime(9998, 12, 1)))
    else:
        moment = draw(
            st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))
        )
    return moment.replace(second=draw(st.sampled_from([0, 0, 0, 30, 59])), microsecond=0)


def toml_time(wall: datetime, zone: str, style: str, micro: int) -> str:
    """Write a dose time as TOML: local, with an offset (Z or an odd one), or a string."""
    if style == "local":
        return (wall.replace(microsecond=micro) if micro else wall).isoformat()
    if style == "string":
        return f'"{wall:%Y-%m-%d %H:%M:%S}"'
    instant = resolve_wall(wall, ZoneInfo(zone))[0].astimezone(UTC)
    if style == "utc":
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    odd = instant.astimezone(ZoneInfo("Asia/Kathmandu"))
    return odd.isoformat()


@st.composite
def schedule_texts(draw: st.DrawFn) -> str:
    """Return the text of a random valid schedule file (see the module docstring)."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(first_dose(zone))
    lines = [f'timezone = "{zone}"']
    if draw(st.booleans()):
        lines.append(f'client = "{draw(st.sampled_from(["A. Patient", "Борис", "x"]))}"')
    at = start
    if draw(st.booleans()):
        freq = draw(st.sampled_from(["DAILY", "WEEKLY"]))
        rule = f"FREQ={freq};INTERVAL={draw(st.integers(1, 3))}"
        if freq == "WEEKLY" and draw(st.booleans()):
            days = draw(
                st.sets(
                    st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
                    min_size=1,
                    max_size=2,
                )
            )
            rule += ";BYDAY=" + ",".join(sorted(days))
        rule += f";COUNT={draw(st.integers(1, 6))}"
        lines += [
            "[[series]]",
            f"start = {at.isoformat()}",
            f'rrule = "{rule}"',
            f'method = "{draw(st.sampled_from(sorted(METHOD_ALIASES)))}"',
        ]
        # Single doses follow well after the series (at most 6 of 3 weeks: 18 weeks).
        at += timedelta(days=130)
    count = draw(st.integers(0 if len(lines) > 2 else 1, 12))
    dense = draw(st.booleans())
    gap = st.integers(65, 3 * 1440) if dense else st.integers(65, 40 * 1440)
    entries = []
    for _ in range(count):
        if (at + timedelta(days=1)).year > 9998:
            break  # kapplan plans doses up to year 9998 (tests/test_corpus.py: beyond)
        style = draw(st.sampled_from(["local", "local", "utc", "odd", "string"]))
        micro = draw(st.sampled_from([0, 0, 123456]))
        entry = [
            "[[infusion]]",
            f"at = {toml_time(at, zone, style, micro)}",
            f'method = "{draw(st.sampled_from(sorted(METHOD_ALIASES)))}"',
        ]
        minutes = draw(st.one_of(st.none(), st.integers(5, 240)))
        if minutes is not None:
            entry.append(f"minutes = {minutes}")
        entries.append(entry)
        at += timedelta(minutes=draw(gap))
    for i in draw(st.permutations(range(len(entries)))):  # the file's order need not be time order
        lines += entries[i]
    lines += [
        "[plan]",
        f'cadence = "{draw(st.sampled_from(["every-infusion", "weekly"]))}"',
        f"session_minutes = {draw(st.integers(50, 90))}",
        f"prep_sessions = {draw(st.integers(1, 3))}",
        f"course_gap_days = {draw(st.integers(1, 30))}",
        f"long_arc_months = {draw(st.integers(2, 12))}",
        "[availability]",
        "days = ["
        + ", ".join(f'"{d}"' for d in sorted(draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))))
        + "]",
        f'hours = "{draw(hours_text())}"',
    ]
    return "\n".join(lines) + "\n"


def plan_text(text: str) -> tuple[Schedule, Plan] | None:
    """Load and plan a schedule text; None when it is refused as reaching past year 9999.

    The refusal is checked against an oracle: the last dose plus the long arc
    (and the engine's search margins) must really reach past 9999-12-31.
    """
    schedule = schedule_from_text(text, "s.toml")
    try:
        plan = build_plan(schedule, rulebook(), texts=TEXTS)
    except ScheduleError as error:
        refused = str(error)
    else:
        label("planned")
        return schedule, plan
    label("refused: past 9999")
    assert refused.startswith("the plan reaches outside the years 1 to 9999"), refused
    doses, _ = schedule.doses()
    last = doses[-1].start.astimezone(schedule.zone).date()
    room = (date(9999, 12, 31) - last).days
    assert room < 31 * schedule.plan.long_arc_months + 130, (last, schedule.plan.long_arc_months)
    return None


def check_plan(schedule: Schedule, plan: Plan) -> None:
    """Assert every plan invariant of the module docstring (oracles of test_properties)."""
    check_timed_events(plan)
    check_hours(schedule, plan)
    check_windows(schedule, plan)
    check_doses_answered(schedule, plan)
    check_order_around_doses(plan, schedule.zone)
    check_one_session_a_day(plan, schedule.zone)
    uids = [e.uid for e in plan.events]
    assert len(uids) == len(set(uids))


def check_formats_agree(document: str, calendar: str) -> None:
    """Assert that the JSON and the .ics describe the same events, in the same order."""
    data = json.loads(document)
    seen = read_icalendar(calendar)
    assert [s.uid for s in seen] == [e["uid"] for e in data["events"]]
    for event, got in zip(data["events"], seen, strict=True):
        start, end = datetime.fromisoformat(event["start"]), datetime.fromisoformat(event["end"])
        assert (got.summary, got.description) == (event["title"], event["description"])
        if event["all_day"]:
            assert (got.start, got.end) == (
                start.date(),
                max(end.date(), start.date() + timedelta(days=1)),
            )
        else:
            assert (got.start, got.end) == (start.astimezone(UTC), end.astimezone(UTC))
    for component in icalendar.Calendar.from_ical(calendar).walk("VEVENT"):
        assert set(component.keys()) in (EVENT_PROPERTIES, SESSION_PROPERTIES)
        assert {c.name for c in component.subcomponents} <= {"VALARM"}


#: A plan whose long arc runs past 9999-12-31: refused cleanly (kept as an explicit example).
PAST_9999 = (
    'timezone = "Pacific/Chatham"\n[[infusion]]\nat = 9998-12-01T10:00:00\nmethod = "iv"\n'
    "[plan]\nlong_arc_months = 12\n"
)


@examples(quick=15, full=120)
def test_every_schedule_text_gives_a_sound_plan(runs: int) -> None:
    """Any valid schedule file gives a plan that holds every invariant, in JSON and .ics alike."""

    @settings(WHOLE_PATH, max_examples=runs)
    @given(schedule_texts())
    @example(PAST_9999)
    def check(text: str) -> None:
        sound_plan(text)

    check()


def sound_plan(text: str) -> None:
    """Plan the text; check every invariant, the formats' agreement and determinism."""
    result = plan_text(text)
    if result is None:
        return
    schedule, plan = result
    check_plan(schedule, plan)
    document, calendar = render_json(plan), render_ics(plan, IcsOptions())
    check_formats_agree(document, calendar)
    _, again = plan_text(text) or (None, None)
    assert again is not None
    assert (render_json(again), render_ics(again, IcsOptions())) == (document, calendar)


@examples(quick=5, full=15)
def test_the_command_line_says_what_the_library_says(runs: int) -> None:
    """Through `kapplan plan -` (stdin), JSON and .ics equal the in-process renderings."""

    @settings(WHOLE_PATH, max_examples=runs)
    @given(schedule_texts())
    @example(PAST_9999)
    def check(text: str) -> None:
        says_what_the_library_says(text)

    check()


def says_what_the_library_says(text: str) -> None:
    """Plan the text through the command line in each format; compare with the library."""
    result = plan_text(text)
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC"})
    outputs: dict[str, Any] = {}
    for fmt in ("json", "ics", "terminal"):
        got = runner.invoke(app, ["plan", "-", "-f", fmt], input=text.encode())
        if result is None:
            assert got.exit_code == 2
            assert got.stderr.startswith("kapplan: error: <stdin>: the plan reaches outside the")
            return
        assert (got.exit_code, got.stderr) == (0, ""), got.stderr
        outputs[fmt] = got.stdout_bytes
    _, plan = result
    assert outputs["json"].decode() == render_json(plan)
    assert outputs["ics"].decode() == render_ics(plan, IcsOptions())
    assert outputs["terminal"]
