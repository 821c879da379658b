"""Plans a therapist would accept: issue 12's numbered cases, through the command line.

Each test runs ``kapplan plan … -f json`` on a schedule nobody planned before
and checks the plan as a therapist would: no session at a client's night, none
after the next dose (unless it covers it), sessions spread over days, a gap
before each dose, preparation after the previous course, warnings that say
why. They run the command line in process (typer's runner: the exit status and
the JSON are what a process gives) and use nothing else of kapplan's, so the
same file can be run against an older kapplan (``PYTHONPATH=<old>/src``) to see
each case fail there.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kapplan.cli.app import app
from tests.cli_runner import CliRunner
from tests.conftest import ROOT

SESSION_KINDS = (
    "preparation-session",
    "integration-session",
    "relapse-prevention",
    "consolidation-session",
    "long-arc-session",
)


def kapplan_json(*arguments: str) -> dict[str, Any]:
    """Run ``kapplan plan ARGUMENTS -f json`` in process, from the project's folder;
    return its JSON."""
    runner = CliRunner(env={"NO_COLOR": "1"})  # KAPPLAN_CONFIG: see conftest
    with contextlib.chdir(ROOT):
        done = runner.invoke(app, ["plan", *arguments, "-f", "json"])
    assert (done.exit_code, done.exception) == (0, None), done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def sessions(document: dict[str, Any], client: str | None = None) -> list[dict[str, Any]]:
    """Return the therapy sessions of a plan (or of one client of a caseload), in order."""
    return [
        e
        for e in document["events"]
        if e["kind"] in SESSION_KINDS and (client is None or e.get("client") == client)
    ]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def doses_of(document: dict[str, Any], client: str | None = None) -> list[dict[str, Any]]:
    return [i for i in document["infusions"] if client is None or i.get("client") == client]


LOS_ANGELES_THERAPIST = """\
[therapist]
timezone = "America/Los_Angeles"
days = ["mon", "tue", "wed", "thu", "fri"]
hours = "09:00-18:00"
"""

LONDON_CLIENT = """\
client = "Lena"
timezone = "Europe/London"
[[series]]
start = 2026-12-01T10:00:00
rrule = "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=6"
method = "iv"
"""


class TestClientHours:
    """Case 1: a client without [availability], planned with a therapist, keeps her days."""

    def test_no_session_at_the_clients_night(self, tmp_path: Path) -> None:
        """A London client with a Los Angeles therapist: every session between 09:00 and
        20:00 London time (the rulebook's client_hours), none at midnight."""
        (tmp_path / "c").mkdir()
        write(tmp_path / "c", "lena.toml", LONDON_CLIENT)
        therapist = write(tmp_path, "la.toml", LOS_ANGELES_THERAPIST)
        document = kapplan_json(str(tmp_path / "c"), "--therapist", str(therapist))
        london = ZoneInfo("Europe/London")
        found = sessions(document, "Lena")
        assert len(found) > 10
        for event in found:
            start = at(event["start"]).astimezone(london)
            end = at(event["end"]).astimezone(london)
            assert time(9, 0) <= start.time(), event
            assert end.time() <= time(20, 0), event
            assert start.date() == end.date(), event


class TestHardOrder:
    """Case 2: a session never lands after the next dose; one covers both, and says so."""

    def test_no_session_after_the_next_dose(self, tmp_path: Path) -> None:
        """90-minute sessions and one morning block a day, doses every other day: each
        integration session starts before the next dose, or its title covers that dose."""
        schedule = write(
            tmp_path,
            "s.toml",
            'timezone = "Europe/Berlin"\n[plan]\nsession_minutes = 90\n'
            '[availability]\ndays = ["mon", "wed", "fri"]\nhours = "09:00-10:30"\n'
            '[[series]]\nstart = 2026-12-01T10:00:00\nrrule = "FREQ=DAILY;INTERVAL=2;COUNT=6"\n'
            'method = "iv"\n',
        )
        document = kapplan_json(str(schedule))
        starts = [at(i["at"]) for i in doses_of(document)]
        for event in sessions(document):
            if event["kind"] != "integration-session" or "Week-2" in event["title"]:
                continue
            anchor = event["infusion"]
            later = [s for s in starts[anchor:] if s < at(event["start"])]
            assert not later, event
        titles = [e["title"] for e in sessions(document) if e["kind"] == "integration-session"]
        assert any(" and " in title for title in titles), titles
        assert any("no free time for it before dose" in w["message"] for w in document["warnings"])


class TestSpread:
    """Case 3: sessions of one client spread over days, as DOMAIN.md's windows allow."""

    def test_week_2_sessions_on_two_days_of_a_weekend(self, tmp_path: Path) -> None:
        """Weekend-only availability: the two week-2 sessions take Saturday and Sunday."""
        schedule = write(
            tmp_path,
            "s.toml",
            'timezone = "Europe/Berlin"\n[availability]\ndays = ["sat", "sun"]\n'
            'hours = "09:00-18:00"\n[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = "iv"\n',
        )
        document = kapplan_json(str(schedule))
        week_2 = [e for e in sessions(document) if e["title"].startswith("Week-2")]
        days = [at(e["start"]).date() for e in week_2]
        assert days == [date(2026, 12, 12), date(2026, 12, 13)]
        assert not [w for w in document["warnings"] if "Week-2" in w["message"]]

    def test_a_mon_tue_therapist_keeps_one_session_a_client_day(self, tmp_path: Path) -> None:
        """A therapist who works Mondays and Tuesdays: never two sessions of one client on
        one of her days, and the week-2 sessions keep to days 7-14."""
        folder = tmp_path / "c"
        folder.mkdir()
        write(folder, "a.toml", LONDON_CLIENT)
        therapist = write(
            tmp_path,
            "t.toml",
            '[therapist]\ntimezone = "Europe/London"\ndays = ["mon", "tue"]\n'
            'hours = "09:00-17:00"\n',
        )
        document = kapplan_json(str(folder), "--therapist", str(therapist))
        london = ZoneInfo("Europe/London")
        per_day = Counter(at(e["start"]).astimezone(london).date() for e in sessions(document))
        assert max(per_day.values()) == 1

    def test_the_example_caseload(self) -> None:
        """The shipped caseload with its therapist: no client has two sessions on one of
        her days, none is at her night, and its unmet windows are no more than the 9 the
        first-come placement left (Anna 2, Boris 2, Vera 5)."""
        document = kapplan_json(
            "examples/caseload/", "--therapist", "examples/therapist/lisbon.toml"
        )
        zones = {"Anna": "Europe/Berlin", "Boris": "America/New_York", "Vera": "Europe/Moscow"}
        for client, name in zones.items():
            zone = ZoneInfo(name)
            mine = sessions(document, client)
            per_day = Counter(at(e["start"]).astimezone(zone).date() for e in mine)
            assert max(per_day.values()) == 1, client
            for event in mine:
                local = at(event["start"]).astimezone(zone).time()
                assert time(8, 0) <= local <= time(20, 0), event
        unmet = [w for w in document["warnings"] if "its window" in w["message"]]
        assert len(unmet) <= 9


class TestPreparation:
    """Case 4: a course's preparation comes after the previous course, in number order."""

    def test_course_2_prepares_after_course_1(self, tmp_path: Path) -> None:
        """course_gap_days = 1 and three preparation sessions: course 2's come after course
        1's last dose, numbered 1/3, 2/3, 3/3 in time order."""
        schedule = write(
            tmp_path,
            "s.toml",
            'timezone = "Europe/Berlin"\n[plan]\ncourse_gap_days = 1\nprep_sessions = 3\n'
            '[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = "iv"\n'
            '[[infusion]]\nat = 2026-12-04T10:00:00\nmethod = "iv"\n',
        )
        document = kapplan_json(str(schedule))
        first_end = at(doses_of(document)[0]["end"])
        second = [
            e for e in sessions(document) if e["kind"] == "preparation-session" and e["course"] == 2
        ]
        assert second, document["warnings"]
        for event in second:
            assert at(event["start"]) >= first_end, event
        numbers = [e["title"].split()[2] for e in second]
        assert numbers == sorted(numbers), numbers


class TestBuffer:
    """Case 5: a session ends well before a dose, and never on a dose day before it."""

    def test_no_session_right_before_a_dose(self, tmp_path: Path) -> None:
        """Doses 25 hours apart with round-the-clock availability: no session ends less
        than an hour before a dose, or lies on a dose's day before it."""
        schedule = write(
            tmp_path,
            "s.toml",
            'timezone = "Europe/Berlin"\n[availability]\n'
            'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\nhours = "06:00-22:00"\n'
            '[[infusion]]\nat = 2026-12-01T08:00:00\nmethod = "iv"\n'
            '[[infusion]]\nat = 2026-12-02T09:00:00\nmethod = "iv"\n',
        )
        document = kapplan_json(str(schedule))
        for dose in doses_of(document):
            start = at(dose["at"])
            for event in sessions(document):
                end = at(event["end"])
                if at(event["start"]) < start:
                    assert end <= start - timedelta(minutes=60), event
                    assert at(event["start"]).date() != start.date(), event


class TestCourseGap:
    """Case 7: one written course rule, and a near split says what would keep one course."""

    def test_a_one_day_slip_in_two_weekly_maintenance(self, tmp_path: Path) -> None:
        """Doses every 14 days, one a day late: a new course starts, and a warning names
        course_gap_days and 15, the value that keeps one course."""
        schedule = write(
            tmp_path,
            "s.toml",
            'timezone = "Europe/Berlin"\n'
            + "".join(
                f'[[infusion]]\nat = {day}T10:00:00\nmethod = "esketamine"\n'
                for day in ("2026-12-01", "2026-12-15", "2026-12-30")
            ),
        )
        document = kapplan_json(str(schedule))
        assert [c["infusions"] for c in document["courses"]] == [[1, 2], [3]]
        messages = [w["message"] for w in document["warnings"]]
        assert any("course_gap_days = 14" in m and "course_gap_days = 15" in m for m in messages)


class TestWeeklyCadence:
    """Case 10: with a weekly cadence the two weeks after the last dose hold 3 sessions."""

    def test_three_sessions_after_the_last_dose(self, tmp_path: Path) -> None:
        """Mon/Thu doses, weekly cadence: the last dose's own session is kept, so days 0-14
        after it hold its session and the two week-2 sessions."""
        schedule = write(
            tmp_path,
            "s.toml",
            'timezone = "Europe/Berlin"\n[plan]\ncadence = "weekly"\n'
            '[[series]]\nstart = 2026-11-30T10:00:00\nrrule = "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6"\n'
            'method = "iv"\n',
        )
        document = kapplan_json(str(schedule))
        last = at(doses_of(document)[-1]["at"])
        after = [
            e
            for e in sessions(document)
            if last <= at(e["start"]) < last + timedelta(days=15)
            and e["kind"] == "integration-session"
        ]
        assert 3 <= len(after) <= 5, [e["title"] for e in after]


class TestOrderIndependence:
    """Case 11: the caseload's result does not depend on the order of its files."""

    def test_renamed_files_give_the_same_plans(self, tmp_path: Path) -> None:
        """The example caseload's files renamed so they load in reverse order: the same
        sessions at the same times for each client."""
        first = tmp_path / "a"
        second = tmp_path / "b"
        first.mkdir()
        second.mkdir()
        names = ["anna.toml", "boris.toml", "vera.toml"]
        for n, name in enumerate(names):
            text = (ROOT / "examples" / "caseload" / name).read_text(encoding="utf-8")
            write(first, f"{n}-{name}", text)
            write(second, f"{len(names) - n}-{name}", text)
        therapist = "examples/therapist/lisbon.toml"
        one = kapplan_json(str(first), "--therapist", therapist)
        other = kapplan_json(str(second), "--therapist", therapist)

        def booked(document: dict[str, Any]) -> list[tuple[str, str, str]]:
            return sorted((e["client"], e["start"], e["title"]) for e in sessions(document))

        assert booked(one) == booked(other)
        assert len(one["warnings"]) == len(other["warnings"])
