"""The earlier export is the ledger: re-planning keeps booked sessions where they are.

A therapist has told each client a time; a clinic moves one dose; the re-plan
moves only what must move, keeps what a person moved by hand, and says whom
to tell. Calendars are read back with the icalendar library, an independent
parser.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import icalendar

from kapplan import api
from kapplan.cli.app import app
from kapplan.engine import build_plan
from kapplan.formats.ics import IcsOptions, parse_previous, render_ics
from tests.cli_runner import CliRunner
from tests.conftest import ROOT
from tests.plans import TEXTS, doses, rulebook, schedule
from tests.plans import plan as plan_of

CASELOAD = ROOT / "examples" / "caseload"
LISBON = ROOT / "examples" / "therapist" / "lisbon.toml"


def sessions(path: Path) -> dict[str, tuple[str, datetime, datetime]]:
    """Return a calendar's live sessions by uid: (summary, start, end)."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    found = {}
    for event in calendar.walk("VEVENT"):
        if "X-KAPPLAN-PLACED" not in event or event.get("STATUS") == "CANCELLED":
            continue
        found[str(event["UID"])] = (
            str(event["SUMMARY"]),
            event.decoded("DTSTART"),
            event.decoded("DTEND"),
        )
    return found


def move_vera_dose_3(folder: Path, day: str = "09") -> None:
    """Write Vera's schedule with dose 3 moved from Tue 8 Dec to another December day."""
    days = ["01", "04", day, "11", "15", "18"]
    (folder / "vera.toml").write_text(
        'client = "Vera"\ntimezone = "Europe/Moscow"\n'
        + "".join(f'[[infusion]]\nat = 2026-12-{d}T12:00:00\nmethod = "iv"\n' for d in days),
        encoding="utf-8",
    )


def plan(runner: CliRunner, folder: Path, output: Path, *more: str) -> tuple[int, str]:
    """Plan the caseload to `output`; return the exit status and stderr without the
    ``wrote FILE: ...`` line that ends it (checked to be there)."""
    result = runner.invoke(
        app, ["plan", str(folder), "--therapist", str(LISBON), "-o", str(output), *more]
    )
    stderr = result.stderr
    if result.exit_code == 0:
        *said, wrote = stderr.splitlines(keepends=True)
        assert wrote.startswith(f"wrote {output}: "), stderr
        stderr = "".join(said)
    return result.exit_code, stderr


def test_a_moved_dose_moves_only_its_clients_sessions(runner: CliRunner, tmp_path: Path) -> None:
    """Vera's dose 3 moves a day: her session after it moves, nobody else's does, and the
    change list names Vera's session on her clock and the therapist's."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    calendar = tmp_path / "sessions.ics"
    assert plan(runner, folder, calendar)[0] == 0
    before = sessions(calendar)
    move_vera_dose_3(folder)
    code, stderr = plan(runner, folder, calendar)
    assert code == 0
    after = sessions(calendar)
    moved = {uid for uid in before if uid in after and before[uid] != after[uid]}
    assert {before[uid][0].split(":")[0] for uid in moved} == {"Vera"}
    assert len(moved) == 1
    assert stderr.splitlines() == [
        f"Changes against {calendar} (1 session):",
        "  Vera (Europe/Moscow)",
        "    moved: Integration session after dose 3: Wed 09 Dec 2026 12:00 (09:00 WET) → "
        "Thu 10 Dec 2026 12:00 (09:00 WET)",
    ]


def test_replan_places_afresh_and_says_so(runner: CliRunner, tmp_path: Path) -> None:
    """--replan ignores the bookings: here Anna's session moves too, and the list says so."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    calendar = tmp_path / "sessions.ics"
    plan(runner, folder, calendar)
    move_vera_dose_3(folder)
    code, stderr = plan(runner, folder, calendar, "--replan")
    assert code == 0
    assert "  Anna (Europe/Berlin)" in stderr.splitlines()
    assert "  Vera (Europe/Moscow)" in stderr.splitlines()


def test_an_unchanged_re_plan_says_nothing(runner: CliRunner, tmp_path: Path) -> None:
    """Re-planning the same files over their own export changes nothing and is quiet."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    calendar = tmp_path / "sessions.ics"
    plan(runner, folder, calendar)
    first = calendar.read_bytes()
    assert plan(runner, folder, calendar) == (0, "")
    assert calendar.read_bytes() == first


def _edit(calendar: Path, uid: str, shift: timedelta, *, apple: bool = False) -> None:
    """Move one event the way a calendar app does: new DTSTART/DTEND, LAST-MODIFIED,
    SEQUENCE + 1 (Apple Calendar writes local times with a TZID)."""
    text = calendar.read_bytes().decode("utf-8")  # CRLF kept
    start = text.index(f"UID:{uid}")
    end = text.index("END:VEVENT", start)
    block = text[start:end]

    def shifted(match: re.Match[str]) -> str:
        moment = datetime.strptime(match.group(2), "%Y%m%dT%H%M%SZ") + shift
        if apple:  # Europe/Lisbon is UTC in December
            return f"{match.group(1)};TZID=Europe/Lisbon:{moment:%Y%m%dT%H%M%S}"
        return f"{match.group(1)}:{moment:%Y%m%dT%H%M%SZ}"

    block = re.sub(r"(DTSTART|DTEND):(\d{8}T\d{6}Z)", shifted, block)
    block = re.sub(r"SEQUENCE:(\d+)", lambda m: f"SEQUENCE:{int(m.group(1)) + 1}", block)
    block = block.replace("STATUS:CONFIRMED", "STATUS:CONFIRMED\r\nLAST-MODIFIED:20261125T100000Z")
    calendar.write_bytes((text[:start] + block + text[end:]).encode("utf-8"))


def test_a_session_moved_by_hand_stays(runner: CliRunner, tmp_path: Path) -> None:
    """Boris's first integration session moved by hand two hours later (as Thunderbird
    and Apple Calendar write an edit) stays there through a re-plan, is reported as kept,
    and still says where kapplan had placed it."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    for apple in (False, True):
        calendar = tmp_path / f"sessions-{apple}.ics"
        plan(runner, folder, calendar)
        uid, (_, start, end) = next(
            (u, s) for u, s in sessions(calendar).items() if s[0].startswith("Boris: Integ")
        )
        _edit(calendar, uid, timedelta(hours=2), apple=apple)
        code, stderr = plan(runner, folder, calendar)
        assert code == 0, stderr
        assert sessions(calendar)[uid][1:] == (start + timedelta(hours=2), end + timedelta(hours=2))
        assert "kept where it was moved by hand: Integration session after dose 1" in stderr
        placed = f"X-KAPPLAN-PLACED:{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
        assert placed in calendar.read_text(encoding="utf-8")


def test_a_session_moved_onto_a_dose_is_placed_again(runner: CliRunner, tmp_path: Path) -> None:
    """A session moved by hand onto the client's next dose cannot stay: it is placed again,
    and a warning says why."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    calendar = tmp_path / "sessions.ics"
    plan(runner, folder, calendar)
    uid, (_, start, _) = next(
        (u, s)
        for u, s in sessions(calendar).items()
        if s[0] == "Boris: Integration session after dose 1"
    )
    dose_2 = datetime(2026, 12, 3, 14, 0, tzinfo=start.tzinfo)  # Thu 3 Dec 09:00 New York
    _edit(calendar, uid, dose_2 - start)
    target = api.Target(format=api.Format.ICS, output=calendar)
    export = api.export_files([str(folder)], target, therapist=str(LISBON))
    boris = next(p for p in export.planned.plans if p.client == "Boris")
    [warning] = [w for w in boris.warnings if w.code == "pinned-moved"]
    assert api.warning_text(boris, warning).startswith(
        "Integration session after dose 1: moved by hand to Thu 03 Dec 2026 09:00, where it "
        "now overlaps a dose or another booking; placed again"
    )
    export.write(calendar)
    assert sessions(calendar)[uid][1] != dose_2


def test_the_readme_patient_walkthrough(runner: CliRunner, tmp_path: Path) -> None:
    """README "Keeping your calendar up to date": dose 3 of the IV example moves a day;
    the re-export over plan.ics moves its session and says so, as the README shows."""
    schedule = tmp_path / "infusions.toml"
    text = (ROOT / "examples" / "iv-six-infusions.toml").read_text(encoding="utf-8")
    schedule.write_text(text, encoding="utf-8")
    calendar = tmp_path / "plan.ics"
    assert runner.invoke(app, ["plan", str(schedule), "-o", str(calendar)]).exit_code == 0
    moved = text.replace("at = 2026-12-08T10:00:00", "at = 2026-12-09T10:00:00")
    assert moved != text
    schedule.write_text(moved, encoding="utf-8")
    result = runner.invoke(app, ["plan", str(schedule), "-o", str(calendar)])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"Changes against {calendar} (1 session):",
        "    moved: Integration session after dose 3: Wed 09 Dec 2026 10:00 → "
        "Thu 10 Dec 2026 10:00",
        f"wrote {calendar}: 76 events (6 doses, 17 sessions); import it into your calendar "
        '(README: "Importing into your calendar")',
    ]


def test_one_client_over_the_caseload_calendar_is_refused(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Writing one client's plan over the therapist's calendar of three would cancel the
    other two clients' events: refused with one line that says what to do, the file
    untouched (a single schedule, and --client alike)."""
    calendar = tmp_path / "sessions.ics"
    assert plan(runner, CASELOAD, calendar)[0] == 0
    assert "X-KAPPLAN-CLIENTS:Anna,Boris,Vera" in calendar.read_text(encoding="utf-8")
    written = calendar.read_bytes()
    expected = (
        f"kapplan: error: {calendar}: holds the calendar of Anna, Boris, Vera; writing Vera "
        "over it would cancel the others' events; expected the whole caseload (kapplan plan "
        "FOLDER --therapist FILE -o this file), or --client NAME -o a file of that client's own"
    )
    alone = runner.invoke(app, ["plan", str(CASELOAD / "vera.toml"), "-o", str(calendar)])
    one = runner.invoke(
        app,
        [
            "plan",
            str(CASELOAD),
            "--therapist",
            str(LISBON),
            "--client",
            "vera",
            "-o",
            str(calendar),
        ],
    )
    for result in (alone, one):
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [expected]
    assert calendar.read_bytes() == written


def test_an_event_of_ones_own_is_never_cancelled(runner: CliRunner, tmp_path: Path) -> None:
    """A person adds an event of their own (with a SEQUENCE) to kapplan's .ics: a re-export
    over it is refused without --force (one line, the file untouched); with --force the event
    is carried over unchanged, never cancelled or rewritten (issue 15)."""
    schedule = ROOT / "examples" / "iv-six-infusions.toml"
    calendar = tmp_path / "plan.ics"
    assert runner.invoke(app, ["plan", str(schedule), "-o", str(calendar)]).exit_code == 0
    own = (
        "BEGIN:VEVENT\r\nUID:dentist-42@example.org\r\nDTSTAMP:20261120T080000Z\r\n"
        "SEQUENCE:3\r\nDTSTART:20261203T150000Z\r\nDTEND:20261203T160000Z\r\n"
        "SUMMARY:Dentist\r\nEND:VEVENT\r\n"
    )
    text = calendar.read_bytes().decode("utf-8").replace("END:VCALENDAR", own + "END:VCALENDAR")
    calendar.write_bytes(text.encode("utf-8"))
    result = runner.invoke(app, ["plan", str(schedule), "-o", str(calendar)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"kapplan: error: {calendar}: holds 1 event kapplan did not write (UID "
        "'dentist-42@example.org'); they would be kept as they are: add --force to write the "
        "new plan over it\n"
    )
    assert calendar.read_bytes().decode("utf-8") == text
    for _ in range(2):
        result = runner.invoke(app, ["plan", str(schedule), "-o", str(calendar), "--force"])
        assert result.exit_code == 0, result.stderr
        parsed = icalendar.Calendar.from_ical(calendar.read_bytes())
        [dentist] = [e for e in parsed.walk("VEVENT") if str(e["UID"]) == "dentist-42@example.org"]
        assert (str(dentist["SUMMARY"]), int(dentist["SEQUENCE"])) == ("Dentist", 3)
        assert "STATUS" not in dentist
        assert own in calendar.read_bytes().decode("utf-8")


def test_json_over_a_ledger_carries_the_changes(runner: CliRunner, tmp_path: Path) -> None:
    """`-f json --previous sessions.ics` plans over the ledger and adds `changes`: Vera's
    moved session, on her clock; without --previous the document has no `changes`."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    calendar = tmp_path / "sessions.ics"
    plan(runner, folder, calendar)
    move_vera_dose_3(folder)
    args = ["plan", str(folder), "--therapist", str(LISBON), "-f", "json"]
    result = runner.invoke(app, [*args, "--previous", str(calendar)])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["changes"] == [
        {
            "client": "Vera",
            "uid": document["changes"][0]["uid"],
            "title": "Integration session after dose 3",
            "change": "moved",
            "before": {"start": "2026-12-09T12:00:00+03:00", "end": "2026-12-09T13:00:00+03:00"},
            "after": {"start": "2026-12-10T12:00:00+03:00", "end": "2026-12-10T13:00:00+03:00"},
        }
    ]
    assert list(document)[-1] == "changes"
    plain = json.loads(runner.invoke(app, args).stdout)
    assert "changes" not in plain


def test_diff_of_caseloads_gives_the_per_client_list(runner: CliRunner, tmp_path: Path) -> None:
    """`kapplan diff` of a caseload: the therapist's calendar or the earlier folder against
    the folder now gives the per-client list a re-plan would, as text and JSON; an
    unchanged caseload says so, and --exit-code tells them apart."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    earlier = tmp_path / "earlier"
    shutil.copytree(CASELOAD, earlier)
    calendar = tmp_path / "sessions.ics"
    plan(runner, folder, calendar)
    base = ["diff", "--therapist", str(LISBON)]
    same = runner.invoke(app, [*base, str(calendar), str(folder), "--exit-code"])
    assert (same.exit_code, same.stdout) == (
        0,
        "No session moves: a re-plan keeps every booking.\n",
    )
    move_vera_dose_3(folder)
    for old in (calendar, earlier):
        result = runner.invoke(app, [*base, str(old), str(folder), "--exit-code"])
        assert result.exit_code == 1
        assert result.stdout.splitlines()[1:] == [
            "  Vera (Europe/Moscow)",
            "    moved: Integration session after dose 3: Wed 09 Dec 2026 12:00 (09:00 WET) → "
            "Thu 10 Dec 2026 12:00 (09:00 WET)",
        ]
    document = json.loads(
        runner.invoke(app, [*base, str(earlier), str(folder), "-f", "json"]).stdout
    )
    assert [(c["client"], c["change"]) for c in document["changes"]] == [("Vera", "moved")]


# -- what may stay: accepted exceptions, and windows that moved away ----------------

_RULES = ("dose", "integration-session")


def _only(days: str, hours: str, *ats: str) -> str:
    listed = ", ".join(f'"{d}"' for d in days.split())
    return f'[availability]\ndays = [{listed}]\nhours = "{hours}"\n' + doses(*ats)


def test_a_session_accepted_as_late_stays_late() -> None:
    """Booked 5 min late because only Fri 10:05 was free: the export marks it
    (`PLACED;OUTSIDE=TRUE`), and a re-plan with more free time keeps it there, still
    warned, rather than moving a time the client was told."""
    late = plan_of(_only("fri", "10:05-11:05", "2026-12-01T10:00:00"), rules=_RULES)
    [session] = late.sessions
    assert session.outside
    calendar = render_ics(late, IcsOptions())
    assert "X-KAPPLAN-PLACED;OUTSIDE=TRUE:20261204T090500Z/20261204T100500Z" in calendar
    ledger = api.changes.bookings_of(parse_previous(calendar.encode(), "p.ics"))
    assert ledger[session.uid].outside
    wide = schedule(_only("mon tue wed thu fri", "08:00-20:00", "2026-12-01T10:00:00"))
    again = build_plan(wide, rulebook(*_RULES), texts=TEXTS, bookings=ledger)
    assert [(e.uid, e.start) for e in again.sessions] == [(session.uid, session.start)]
    assert [w.code for w in again.warnings] == ["late"]


def test_a_session_its_window_moved_away_from_is_placed_again() -> None:
    """Booked inside its window (Wed 10:00); the dose moves three days earlier, so the
    old time is 24 h after the new window. It could stay as a late session, but it was
    never accepted as one: it moves into its window."""
    wide = "mon tue wed thu fri sat sun", "08:00-20:00"
    first = plan_of(_only(*wide, "2026-12-01T10:00:00"), rules=_RULES)
    [session] = first.sessions
    assert not session.outside
    assert session.start.isoformat() == "2026-12-02T10:00:00+01:00"
    ledger = api.changes.bookings_of(
        parse_previous(render_ics(first, IcsOptions()).encode(), "p.ics")
    )
    moved = schedule(_only(*wide, "2026-11-28T10:00:00"))
    again = build_plan(moved, rulebook(*_RULES), texts=TEXTS, bookings=ledger)
    [placed] = again.sessions
    assert (placed.uid, placed.start.isoformat()) == (session.uid, "2026-11-29T10:00:00+01:00")
    assert again.warnings == ()
