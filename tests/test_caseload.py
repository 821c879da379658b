"""A therapist's caseload: clients planned together on one calendar of sessions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kapplan.api import plan_files
from kapplan.cli.app import app
from kapplan.edge.load import load_caseload
from kapplan.engine import build_caseload, build_plan
from kapplan.engine.caseload import therapist_calendar
from kapplan.formats.json import render_json
from kapplan.model.caseload import agenda
from kapplan.model.hours import TherapistHours, parse_hours
from kapplan.model.settings import Flags
from kapplan.views.agenda import render_caseload
from tests.cli_runner import CliRunner
from tests.conftest import ROOT
from tests.plans import TEXTS, doses, message, rulebook, schedule

CASELOAD = ROOT / "examples" / "caseload"

ONLY_WEDNESDAY = '[availability]\ndays = ["wed"]\nhours = "10:00-11:00"\n'


def _client(name: str, *ats: str) -> str:
    return f'client = "{name}"\n' + ONLY_WEDNESDAY + doses(*ats)


def test_sessions_of_different_clients_never_overlap() -> None:
    """In the example caseload no two therapy sessions overlap, across clients and zones."""
    plans = build_caseload(load_caseload([str(CASELOAD)]), rulebook(), texts=TEXTS)
    sessions = sorted(
        (e.start.astimezone(UTC), e.end.astimezone(UTC)) for p in plans for e in p.sessions
    )
    assert len(sessions) > 40
    for (_, end), (start, _) in pairwise(sessions):
        assert end <= start


def test_the_window_that_closes_sooner_gets_the_slot() -> None:
    """Two clients want the only free hour; the one whose window closes sooner gets it,
    even when listed second, and the other is placed later with a warning naming it."""
    late = schedule(_client("Late", "2026-12-07T10:00:00"))  # Mon: window to Thu 10:00
    soon = schedule(_client("Soon", "2026-12-06T12:00:00"))  # Sun: window to Wed 12:00
    first, second = build_caseload(
        (late, soon), rulebook("dose", "integration-session"), texts=TEXTS
    )
    (soon_session,) = second.sessions
    (late_session,) = first.sessions
    assert soon_session.start.isoformat() == "2026-12-09T10:00:00+01:00"
    assert late_session.start.isoformat() == "2026-12-16T10:00:00+01:00"
    assert [w.rule for w in first.warnings] == ["integration-session"]
    assert "placed 6 d" in message(first, first.warnings[0])
    assert [a.isoformat() for a in first.warnings[0].alternatives] == [
        "2026-12-23T10:00:00+01:00",
        "2026-12-30T10:00:00+01:00",
    ]
    assert second.warnings == ()


def test_alone_each_client_would_get_the_slot() -> None:
    """The competition is real: planned alone, the later-closing client gets Wednesday."""
    late = schedule(_client("Late", "2026-12-07T10:00:00"))
    alone = build_plan(late, rulebook("dose", "integration-session"), texts=TEXTS)
    assert [e.start.isoformat() for e in alone.sessions] == ["2026-12-09T10:00:00+01:00"]


def test_client_label_defaults_to_the_file_stem(tmp_path: Path) -> None:
    """A schedule without `client` takes its file's stem; labels must be distinct."""
    (tmp_path / "dana.toml").write_text(doses("2026-12-01T10:00:00"), encoding="utf-8")
    (tmp_path / "eli.toml").write_text(
        'client = "dana"\n' + doses("2026-12-02T10:00:00"), encoding="utf-8"
    )
    runner = CliRunner(env={"TZ": "UTC"})
    result = runner.invoke(app, ["plan", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"kapplan: error: {tmp_path / 'eli.toml'}: client: client 'dana' is also the label of "
        f"{tmp_path / 'dana.toml'}; expected a distinct client label per schedule\n"
    )


def test_json_names_the_client_of_every_record(runner: CliRunner) -> None:
    """The caseload JSON carries `client` on every record, events in time order."""
    result = runner.invoke(app, ["plan", str(CASELOAD), "--format", "json"])
    data = json.loads(result.stdout)
    assert [c["client"] for c in data["clients"]] == ["Anna", "Boris", "Vera"]
    for key in ("infusions", "courses", "events"):
        assert {record["client"] for record in data[key]} == {"Anna", "Boris", "Vera"}
    from datetime import datetime

    starts = [datetime.fromisoformat(e["start"]) for e in data["events"]]
    assert starts == sorted(starts)
    assert len({e["uid"] for e in data["events"]}) == len(data["events"])


def test_agenda_shows_both_clocks(runner: CliRunner) -> None:
    """Where a client's zone differs from the therapist's, the agenda shows their clock."""
    result = CliRunner(env={"TZ": "Europe/Berlin", "NO_COLOR": "1", "COLUMNS": "100"}).invoke(
        app, ["plan", str(CASELOAD)]
    )
    lines = result.stdout.splitlines()
    boris = next(line for line in lines if "Boris" in line and "dose 1" in line)
    assert "15:00–17:00" in boris  # Berlin
    assert boris.rstrip().endswith("09:00 EST")  # New York
    anna = next(line for line in lines if "Anna" in line and "IV infusion 1" in line)
    assert anna.rstrip().endswith("IV infusion 1")  # same zone: one clock


def test_therapist_calendar_holds_sessions_and_doses_with_the_client() -> None:
    """The therapist's .ics holds every client's sessions and doses, titled with the client."""
    plans = build_caseload(load_caseload([str(CASELOAD)]), rulebook(), texts=TEXTS)
    merged = therapist_calendar(plans, "Europe/Berlin")
    assert len(merged.events) == len(agenda(plans))
    assert all(e.is_session or e.kind.value == "infusion" for e in merged.events)
    assert {e.title.split(":")[0] for e in merged.events} == {"Anna", "Boris", "Vera"}


def test_caseload_goldens(runner: CliRunner, golden: Callable[[str, bytes], None]) -> None:
    """The example caseload's agenda, JSON and .ics match their reviewed golden files."""
    for fmt, suffix in (("terminal", "txt"), ("json", "json"), ("ics", "ics")):
        result = runner.invoke(app, ["plan", str(CASELOAD), "--format", fmt])
        assert result.exit_code == 0, result.stderr
        golden(f"caseload.{suffix}", result.stdout_bytes)


def _therapist(**overrides: object) -> TherapistHours:
    """A therapist in Lisbon working Mon-Fri 09:00-17:00 with a lunch break."""
    values: dict[str, object] = {
        "zone": ZoneInfo("Europe/Lisbon"),
        "weekdays": frozenset(range(5)),
        "ranges": parse_hours("09:00-12:00, 13:00-17:00"),
    }
    values.update(overrides)
    return TherapistHours(**values)  # type: ignore[arg-type]


SESSION_RULES = ("dose", "integration-session")


class TestTherapist:
    """A therapist's own hours, days off, bookings, buffer and daily maximum."""

    def test_sessions_follow_the_therapists_clock(self) -> None:
        """A New York client's session is placed in the Lisbon therapist's hours: the client's
        +24 h (09:00 New York = 14:00 Lisbon) is inside them, so it lands there."""
        client = schedule('client = "NY"\n' + doses("2026-12-01T09:00:00"), "America/New_York")
        (plan,) = build_caseload((client,), rulebook(*SESSION_RULES), _therapist(), texts=TEXTS)
        (session,) = plan.sessions
        assert session.start.astimezone(ZoneInfo("Europe/Lisbon")).isoformat() == (
            "2026-12-02T14:00:00+00:00"
        )

    def test_outside_the_therapists_hours_waits_for_them(self) -> None:
        """A Tokyo client's +24 h falls in the Lisbon night: the session waits for 09:00."""
        client = schedule('client = "Tokyo"\n' + doses("2026-12-01T10:00:00"), "Asia/Tokyo")
        (plan,) = build_caseload((client,), rulebook(*SESSION_RULES), _therapist(), texts=TEXTS)
        (session,) = plan.sessions
        assert session.start.astimezone(ZoneInfo("Europe/Lisbon")).isoformat() == (
            "2026-12-02T09:00:00+00:00"
        )

    def test_a_day_off_is_skipped(self) -> None:
        """On the therapist's holiday no session is placed; the next working hour is taken."""
        client = schedule('client = "A"\n' + doses("2026-12-01T10:00:00"), "Europe/Lisbon")
        therapist = _therapist(days_off=frozenset({date(2026, 12, 2)}))
        (plan,) = build_caseload((client,), rulebook(*SESSION_RULES), therapist, texts=TEXTS)
        assert [e.start.isoformat() for e in plan.sessions] == ["2026-12-03T09:00:00+00:00"]

    def test_a_full_day_takes_no_more(self) -> None:
        """With at most one session a day, the second client goes to the next day."""
        one = schedule('client = "A"\n' + doses("2026-12-01T10:00:00"), "Europe/Lisbon")
        two = schedule('client = "B"\n' + doses("2026-12-01T11:00:00"), "Europe/Lisbon")
        therapist = _therapist(max_per_day=1)
        first, second = build_caseload((one, two), rulebook(*SESSION_RULES), therapist, texts=TEXTS)
        assert [e.start.isoformat() for e in first.sessions] == ["2026-12-02T10:00:00+00:00"]
        assert [e.start.isoformat() for e in second.sessions] == ["2026-12-03T09:00:00+00:00"]

    def test_existing_bookings_and_the_buffer_are_kept_free(self) -> None:
        """A booked hour is avoided, with the buffer kept after it: the window opens at
        10:00, the booking ends at 10:00, so the session starts at 10:15."""
        client = schedule('client = "A"\n' + doses("2026-12-01T10:00:00"), "Europe/Lisbon")
        lisbon = ZoneInfo("Europe/Lisbon")
        booked = (
            datetime(2026, 12, 2, 9, 0, tzinfo=lisbon),
            datetime(2026, 12, 2, 10, 0, tzinfo=lisbon),
        )
        therapist = _therapist(busy=(booked,), buffer=timedelta(minutes=15))
        (plan,) = build_caseload((client,), rulebook(*SESSION_RULES), therapist, texts=TEXTS)
        assert [e.start.isoformat() for e in plan.sessions] == ["2026-12-02T10:15:00+00:00"]

    def test_the_buffer_separates_clients(self) -> None:
        """Two clients' sessions keep the buffer between them."""
        one = schedule('client = "A"\n' + doses("2026-12-01T10:00:00"), "Europe/Lisbon")
        two = schedule('client = "B"\n' + doses("2026-12-01T10:30:00"), "Europe/Lisbon")
        therapist = _therapist(buffer=timedelta(minutes=10))
        first, second = build_caseload((one, two), rulebook(*SESSION_RULES), therapist, texts=TEXTS)
        assert first.sessions[0].end.isoformat() == "2026-12-02T11:00:00+00:00"
        assert second.sessions[0].start.isoformat() == "2026-12-02T13:00:00+00:00"

    def test_session_length_overrides_the_clients(self) -> None:
        """The therapist's session length applies to every client."""
        client = schedule('client = "A"\n' + doses("2026-12-01T10:00:00"), "Europe/Lisbon")
        (plan,) = build_caseload(
            (client,), rulebook(*SESSION_RULES), _therapist(session_minutes=90), texts=TEXTS
        )
        assert plan.sessions[0].end - plan.sessions[0].start == timedelta(minutes=90)

    def test_a_clients_own_availability_still_narrows(self) -> None:
        """When a client sets [availability], sessions fit both the therapist and the client."""
        body = 'client = "A"\n[availability]\ndays = ["thu"]\nhours = "15:00-18:00"\n'
        client = schedule(body + doses("2026-12-01T10:00:00"), "Europe/Lisbon")
        (plan,) = build_caseload((client,), rulebook(*SESSION_RULES), _therapist(), texts=TEXTS)
        assert [e.start.isoformat() for e in plan.sessions] == ["2026-12-03T15:00:00+00:00"]

    def test_a_clients_days_off_hold(self) -> None:
        """A client's own day off is kept in a caseload: the therapist is free on Wed 2 Dec,
        the client is not, so the session is Thu 3 Dec at the therapist's first hour."""
        body = 'client = "A"\n[availability]\ndays_off = [2026-12-02]\n'
        client = schedule(body + doses("2026-12-01T10:00:00"), "Europe/Lisbon")
        (plan,) = build_caseload((client,), rulebook(*SESSION_RULES), _therapist(), texts=TEXTS)
        assert [e.start.isoformat() for e in plan.sessions] == ["2026-12-03T09:00:00+00:00"]


def test_a_clients_holidays_hold_without_a_therapist() -> None:
    """Without a therapist file too: a client whose country's holiday (Portugal's 1 Dec)
    falls on the day after the dose waits for the next morning; the other client, with
    no holidays, keeps that day."""
    away = schedule(
        'client = "Away"\n[availability]\nholidays = "PT"\n' + doses("2026-11-30T10:00:00")
    )
    here = schedule('client = "Here"\n' + doses("2026-11-30T10:00:00"))
    first, second = build_caseload((away, here), rulebook(*SESSION_RULES), texts=TEXTS)
    assert [e.start.isoformat() for e in first.sessions] == ["2026-12-02T09:00:00+01:00"]
    assert [e.start.isoformat() for e in second.sessions] == ["2026-12-01T10:00:00+01:00"]


THERAPIST = ROOT / "examples" / "therapist" / "lisbon.toml"


class TestTherapistFile:
    """`kapplan plan ... --therapist therapist.toml`, end to end."""

    def test_the_example_therapist(self, runner: CliRunner) -> None:
        """Sessions respect the therapist's booking, buffer, lunch break and holidays."""
        result = runner.invoke(
            app, ["plan", str(CASELOAD), "--therapist", str(THERAPIST), "-f", "json"]
        )
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["timezone"] == "Europe/Lisbon"
        lisbon = ZoneInfo("Europe/Lisbon")
        sessions = [
            (datetime.fromisoformat(e["start"]).astimezone(lisbon), e)
            for e in data["events"]
            if e["kind"].endswith("session") or e["kind"] == "relapse-prevention"
        ]
        for start, event in sessions:
            end = datetime.fromisoformat(event["end"]).astimezone(lisbon)
            assert start.weekday() < 5
            assert start.time() >= time(9, 0)
            assert end.time() <= time(18, 0)
            assert end.time() <= time(12, 30) or start.time() >= time(13, 30)
            assert not date(2026, 12, 24) <= start.date() <= date(2027, 1, 1)
            # The supervision group (Wed 2 Dec 09:00-11:00) plus ten minutes stays free.
            assert start.date() != date(2026, 12, 2) or start.time() >= time(11, 10)
        anna = next(
            s for s, e in sessions if e["client"] == "Anna" and e["title"].endswith("after dose 1")
        )
        # Inside her window (+24 h to +72 h after Tue 1 Dec 09:00 Lisbon), on a free time.
        assert anna.date() == date(2026, 12, 2)
        assert anna.time() >= time(11, 10)
        assert any("Week-2 integration session" in w["message"] for w in data["warnings"])

    @staticmethod
    def _lisbon(lang: str) -> tuple[list[str], dict[str, Any]]:
        """Return the example caseload's warning lines (unwrapped) and its JSON."""
        planned = plan_files([str(CASELOAD)], therapist=str(THERAPIST), flags=Flags(lang=lang))
        text = render_caseload(planned.plans, timezone=planned.timezone, width=1000, language=lang)
        lines = [line.strip() for line in text.splitlines() if line.strip().startswith("!")]
        return lines, json.loads(render_json(planned.plans, timezone=planned.timezone))

    def test_warnings_are_on_the_therapists_clock(self) -> None:
        """The agenda's warnings give their times on the therapist's clock, as its rows
        do, and the time a session was given on the client's own clock beside it, named
        by its zone's abbreviation."""
        lines, data = self._lisbon("en")
        assert len(lines) == len(data["warnings"]) > 0
        starts = {e["uid"]: datetime.fromisoformat(e["start"]) for e in data["events"]}
        zones = {c["client"]: ZoneInfo(c["timezone"]) for c in data["clients"]}
        lisbon = ZoneInfo("Europe/Lisbon")
        for line, warning in zip(lines, data["warnings"], strict=True):
            start = starts[warning["event"]]
            mine = start.astimezone(lisbon).strftime("%a %d %b %Y %H:%M")
            own = start.astimezone(zones[warning["client"]]).strftime("%H:%M %Z")
            assert f", {mine} ({own}) (next options: " in line, line
        vera = next(
            line for line in lines if line.startswith("! Vera: Week-2 integration session 1/2")
        )
        assert "(Thu 24 Dec 2026 21:00 – Fri 01 Jan 2027 21:00)" in vera  # 00:00 in Moscow
        assert "placed 2 d 12 h late, Mon 04 Jan 2027 09:00 (12:00 MSK)" in vera

    def test_warnings_in_russian_on_the_therapists_clock(self) -> None:
        """In Russian too, with the client's clock beside the time a session was given."""
        lines, _ = self._lisbon("ru")
        vera = next(
            line for line in lines if "! Vera: Интеграционная сессия второй недели 1/2" in line
        )
        assert "(чт, 24 декабря 2026 г., 21:00 – пт, 1 января 2027 г., 21:00)" in vera
        assert "позже: пн, 4 января 2027 г., 09:00 (12:00 MSK)" in vera

    def test_the_therapists_holidays_are_days_off(self, runner: CliRunner, tmp_path: Path) -> None:
        """With `holidays = "PT"`, Tue 1 Dec (Restoration of Independence) has no session:
        the session the client's dose wants then moves to Wed 2 Dec."""
        (tmp_path / "a.toml").write_text(
            'timezone = "Europe/Lisbon"\n' + doses("2026-11-30T10:00:00"), encoding="utf-8"
        )
        starts = []
        for extra in ("", 'holidays = "PT"\n'):
            (tmp_path / "t.toml").write_text(
                '[therapist]\ntimezone = "Europe/Lisbon"\nbuffer_minutes = 0\n' + extra,
                encoding="utf-8",
            )
            result = runner.invoke(
                app,
                ["plan", str(tmp_path / "a.toml"), "--therapist", str(tmp_path / "t.toml"),
                 "-f", "json"],
            )  # fmt: skip
            assert result.exit_code == 0, result.stderr
            events = json.loads(result.stdout)["events"]
            starts.append([e["start"] for e in events if e["rule"] == "integration-session"])
        assert starts == [["2026-12-01T10:00:00+00:00"], ["2026-12-02T09:00:00+00:00"]]

    def test_a_busy_calendar_is_avoided(self, runner: CliRunner, tmp_path: Path) -> None:
        """Time taken in the therapist's own .ics (here a weekly RRULE) is kept free."""
        (tmp_path / "busy.ics").write_bytes(
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:x@test\r\nDTSTART:20261202T090000Z\r\nDTEND:20261202T120000Z\r\n"
            b"RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        (tmp_path / "t.toml").write_text(
            '[therapist]\ntimezone = "UTC"\nbusy_calendar = "busy.ics"\nbuffer_minutes = 0\n',
            encoding="utf-8",
        )
        (tmp_path / "a.toml").write_text(
            'timezone = "UTC"\n' + doses("2026-12-01T10:00:00"), encoding="utf-8"
        )
        result = runner.invoke(
            app,
            [
                "plan",
                str(tmp_path / "a.toml"),
                "--therapist",
                str(tmp_path / "t.toml"),
                "-f",
                "json",
            ],
        )
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        (session,) = [e for e in data["events"] if e["rule"] == "integration-session"]
        assert session["start"] == "2026-12-02T12:00:00+00:00"

    def test_a_bad_therapist_file(self, runner: CliRunner, tmp_path: Path) -> None:
        """A mistake in the therapist file is a located one-line error, exit 2."""
        (tmp_path / "t.toml").write_text('[therapist]\ntimezone = "Mars/Olympus"\n', "utf-8")
        result = runner.invoke(
            app, ["plan", str(CASELOAD), "--therapist", str(tmp_path / "t.toml")]
        )
        assert result.exit_code == 2
        assert result.stderr.startswith(
            f"kapplan: error: {tmp_path / 't.toml'}:2: therapist.timezone:"
        )
        assert len(result.stderr.splitlines()) == 1


def test_agenda_ranges_are_real_across_a_clock_change() -> None:
    """On the therapist's clock too, a dose across the autumn change names both clocks
    (Lisbon changes when London does: 00:30 WEST to 01:30 WET is two hours)."""
    body = 'client = "Ann"\n' + doses("2026-10-25T00:30:00", method="oral")
    plans = build_caseload([schedule(body, "Europe/London")], rulebook(), texts=TEXTS)
    text = render_caseload(plans, timezone="Europe/Lisbon")
    line = next(line for line in text.splitlines() if "Oral/sublingual dose 1" in line)
    assert "00:30 WEST–01:30 WET" in line
