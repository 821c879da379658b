"""The command line: exit codes, the exact error line for each bad input, stdin, help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kapplan import __version__
from kapplan.cli.app import app
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES, ROOT

GOOD = 'timezone = "Europe/Berlin"\n[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = "iv"\n'


def _plan(runner: CliRunner, tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), *args])
    return result.exit_code, result.stdout, result.stderr.replace(str(path), "s.toml")


BAD_INPUTS = {
    "unknown key": (
        GOOD + "minuts = 60\n",
        "kapplan: error: s.toml:5: infusion[1].minuts: unknown key 'minuts'; "
        "expected one of at, method, minutes",
    ),
    "unknown method": (
        GOOD + '[[infusion]]\nat = 2026-12-03T10:00:00\nmethod = "ivv"\n',
        "kapplan: error: s.toml:7: infusion[2].method: unknown method 'ivv'; expected one of "
        "iv, im, esketamine, oral (or spravato, sublingual, troche, lozenge)",
    ),
    "unknown timezone": (
        GOOD.replace("Europe/Berlin", "Europe/Berlinn"),
        "kapplan: error: s.toml:1: timezone: unknown time zone 'Europe/Berlinn' "
        "(did you mean Europe/Berlin?); "
        "expected an IANA name such as Europe/Berlin",
    ),
    "timezone that is a folder of zones": (
        GOOD.replace("Europe/Berlin", "Europe"),
        "kapplan: error: s.toml:1: timezone: unknown time zone 'Europe'; "
        "expected an IANA name such as Europe/Berlin",
    ),
    "unparseable date": (
        GOOD.replace("2026-12-01T10:00:00", '"next tuesday-ish"'),
        "kapplan: error: s.toml:3: infusion[1].at: cannot read 'next tuesday-ish' as a date "
        "and time; expected e.g. 2026-12-01T10:00",
    ),
    "date without time": (
        GOOD.replace("2026-12-01T10:00:00", "2026-12-01"),
        "kapplan: error: s.toml:3: infusion[1].at: 2026-12-01 is a date without a time; "
        "expected a date and time",
    ),
    "same instant": (
        GOOD + '[[infusion]]\nat = "2026-12-01 10:00"\nmethod = "im"\n',
        "kapplan: error: s.toml:6: infusion[2].at: starts at the same instant as infusion[1].at "
        "(2026-12-01T10:00:00+01:00); expected every dose at a distinct time",
    ),
    "same instant via offset": (
        GOOD + '[[infusion]]\nat = 2026-12-01T09:00:00Z\nmethod = "im"\n',
        "kapplan: error: s.toml:6: infusion[2].at: starts at the same instant as infusion[1].at "
        "(2026-12-01T10:00:00+01:00); expected every dose at a distinct time",
    ),
    "unbounded rrule": (
        '[[series]]\nstart = 2026-12-01T10:00:00\nrrule = "FREQ=WEEKLY"\nmethod = "iv"\n',
        "kapplan: error: s.toml:3: series[1].rrule: 'FREQ=WEEKLY' is unbounded; "
        "expected a COUNT or UNTIL part",
    ),
    "rrule yields nothing": (
        '[[series]]\nstart = 2026-12-01T10:00:00\nrrule = "FREQ=WEEKLY;UNTIL=20261101T000000"\n'
        'method = "iv"\n',
        "kapplan: error: s.toml:3: series[1].rrule: 'FREQ=WEEKLY;UNTIL=20261101T000000' yields "
        "no dose from 2026-12-01T10:00:00; expected at least one",
    ),
    "zone with a run of dots": (
        GOOD.replace('timezone = "Europe/Berlin"', f'timezone = "Europe/{"." * 1000}"'),
        "kapplan: error: s.toml:1: timezone: unknown time zone "
        f"'Europe/{'.' * 1000}'; expected an IANA name such as Europe/Berlin",
    ),
    "zone abbreviation": (
        GOOD.replace("2026-12-01T10:00:00", '"Dec 1 2026 10am PST"'),
        "kapplan: error: s.toml:3: infusion[1].at: cannot tell which zone 'PST' is in "
        "'Dec 1 2026 10am PST'; expected the schedule's local time (2026-12-01T10:00) or the "
        "time with its UTC offset (2026-12-01T10:00±HH:MM)",
    ),
    "time without a date": (
        GOOD.replace("2026-12-01T10:00:00", '"10:00"'),
        "kapplan: error: s.toml:3: infusion[1].at: '10:00' lacks a full date or an hour (the "
        "rest would be taken from today); expected a date and time such as 2026-12-01T10:00",
    ),
    "a month alone": (
        GOOD.replace("2026-12-01T10:00:00", '"December"'),
        "kapplan: error: s.toml:3: infusion[1].at: 'December' lacks a full date or an hour (the "
        "rest would be taken from today); expected a date and time such as 2026-12-01T10:00",
    ),
    "offset of a day or more": (
        GOOD.replace("2026-12-01T10:00:00", '"2026-12-01T10:00:00+25:00"'),
        "kapplan: error: s.toml:3: infusion[1].at: cannot read '2026-12-01T10:00:00+25:00' as a "
        "date and time; expected e.g. 2026-12-01T10:00",
    ),
    "sub-daily rrule": (
        "[[series]]\nstart = 2026-12-01T10:00:00\n"
        'rrule = "FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0;UNTIL=20350101T000000"\n'
        'method = "iv"\n',
        "kapplan: error: s.toml:3: series[1].rrule: FREQ=SECONDLY recurs within a day; "
        "expected FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (doses are days apart)",
    ),
    "hourly rrule": (
        '[[series]]\nstart = 2026-12-01T10:00:00\nrrule = "FREQ=HOURLY;COUNT=3"\nmethod = "iv"\n',
        "kapplan: error: s.toml:3: series[1].rrule: FREQ=HOURLY recurs within a day; "
        "expected FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (doses are days apart)",
    ),
    "empty schedule": (
        'timezone = "UTC"\n',
        "kapplan: error: s.toml: the schedule has no doses; expected at least one [[infusion]] "
        "or [[series]] table",
    ),
    "session too long": (
        GOOD + "[plan]\nsession_minutes = 120\n",
        "kapplan: error: s.toml:6: plan.session_minutes: got 120; "
        "expected less than or equal to 90",
    ),
    "session too short": (
        GOOD + "[plan]\nsession_minutes = 45\n",
        "kapplan: error: s.toml:6: plan.session_minutes: got 45; "
        "expected greater than or equal to 50",
    ),
    "prep sessions": (
        GOOD + "[plan]\nprep_sessions = 4\n",
        "kapplan: error: s.toml:6: plan.prep_sessions: got 4; expected less than or equal to 3",
    ),
    "cadence": (
        GOOD + '[plan]\ncadence = "daily"\n',
        "kapplan: error: s.toml:6: plan.cadence: got 'daily'; "
        "expected 'every-infusion' or 'weekly'",
    ),
    "availability hours": (
        GOOD + '[availability]\nhours = "18:00-09:00"\n',
        "kapplan: error: s.toml:6: availability.hours: '18:00-09:00' ends before it starts; "
        "expected start < end",
    ),
    "availability day": (
        GOOD + '[availability]\ndays = ["mon", "funday"]\n',
        "kapplan: error: s.toml:6: availability.days: unknown day 'funday'; "
        "expected mon, tue, wed, thu, fri, sat or sun",
    ),
    "holidays country": (
        GOOD + '[availability]\nholidays = "XX"\n',
        "kapplan: error: s.toml:6: availability.holidays: unknown country 'XX'; expected an "
        "ISO 3166-1 alpha-2 country code, optionally with a subdivision: "
        "e.g. 'PT', 'DE', 'US-NY' or 'ES-MD'",
    ),
    "holidays country name": (
        GOOD + '[availability]\ndays = ["mon"]\nholidays = "Germany"\n',
        "kapplan: error: s.toml:7: availability.holidays: unknown country 'Germany'; "
        "expected its ISO 3166-1 alpha-2 code: 'DE'",
    ),
    "holidays subdivision": (
        GOOD + '[availability]\nholidays = "GB-England"\n',
        "kapplan: error: s.toml:6: availability.holidays: unknown subdivision 'England' of GB; "
        "expected its code: 'GB-ENG'",
    ),
    "days off backwards": (
        GOOD + '[availability]\ndays_off = ["2026-12-24..2026-12-20"]\n',
        "kapplan: error: s.toml:6: availability.days_off[1]: ends on 2026-12-20, before it "
        "starts on 2026-12-24; expected 'to' on or after 'from'",
    ),
    "top-level typo": (
        GOOD.replace("timezone", "timezon"),
        "kapplan: error: s.toml:1: timezon: unknown key 'timezon'; "
        "expected one of timezone, client, language, rules, discreet, sessions_only, infusion, "
        "series, plan, availability",
    ),
    "missing method": (
        "[[infusion]]\nat = 2026-12-01T10:00:00\n",
        "kapplan: error: s.toml:1: infusion[1].method: missing; this key is required",
    ),
    "TOML syntax": (
        GOOD.replace('"iv"', "iv"),
        "kapplan: error: s.toml:4: not valid TOML: Invalid value",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS), ids=str)
def test_bad_input_gets_one_located_line_and_exit_2(
    case: str, runner: CliRunner, tmp_path: Path
) -> None:
    """Each bad schedule exits 2 with exactly one line naming file, line, field and expectation."""
    text, expected = BAD_INPUTS[case]
    code, stdout, stderr = _plan(runner, tmp_path, text)
    assert code == 2
    assert stdout == ""
    assert stderr == expected + "\n"


def test_bad_holidays_in_a_therapist_file(runner: CliRunner, tmp_path: Path) -> None:
    """A therapist file's unknown holidays country is one located line, exit 2."""
    schedule = tmp_path / "s.toml"
    schedule.write_text(GOOD, encoding="utf-8")
    therapist = tmp_path / "t.toml"
    therapist.write_text('[therapist]\ntimezone = "Europe/Lisbon"\nholidays = "PRT"\n')
    result = runner.invoke(app, ["plan", str(schedule), "--therapist", str(therapist)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"kapplan: error: {therapist}:3: therapist.holidays: unknown country 'PRT'; "
        "expected its ISO 3166-1 alpha-2 code: 'PT'\n"
    )


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    """A path that does not exist is a clear error, not a traceback."""
    result = runner.invoke(app, ["plan", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "nope.toml: no such file; expected a path to a TOML file, or - for stdin\n"
    )


def test_empty_folder(runner: CliRunner, tmp_path: Path) -> None:
    """A folder (a caseload) with no schedule in it is a clear error."""
    result = runner.invoke(app, ["plan", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"kapplan: error: {tmp_path}: holds no .toml file; expected schedule files\n"
    )


def test_not_utf8_on_stdin(runner: CliRunner) -> None:
    """Bytes that are not UTF-8 are named with their line."""
    result = runner.invoke(app, ["plan", "-"], input=b'timezone = "UTC"\n\xff\xfe')
    assert result.exit_code == 2
    assert result.stderr == (
        "kapplan: error: <stdin>:2: not UTF-8 text (byte 0xff); expected a TOML file in UTF-8\n"
    )


def test_stdin_gives_the_same_plan_as_the_file(runner: CliRunner) -> None:
    """`-` reads the schedule from stdin; the plan equals the one from the file."""
    example = ROOT / "examples" / "iv-six-infusions.toml"
    from_file = runner.invoke(app, ["plan", str(example), "-f", "json"])
    from_stdin = runner.invoke(app, ["plan", "-", "-f", "json"], input=example.read_bytes())
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout == from_file.stdout


def test_bom_is_accepted(runner: CliRunner, tmp_path: Path) -> None:
    """A UTF-8 byte-order mark (as some Windows editors write) is not an error."""
    code, _, stderr = _plan(runner, tmp_path, "\ufeff" + GOOD)
    assert (code, stderr) == (0, "")


def test_dst_gap_is_resolved_and_mentioned(runner: CliRunner, tmp_path: Path) -> None:
    """A local time that does not exist moves forward, and the plan says so."""
    text = GOOD.replace("2026-12-01T10:00:00", "2027-03-28T02:30:00")
    code, stdout, _ = _plan(runner, tmp_path, text, "-f", "json")
    assert code == 0
    data = json.loads(stdout)
    assert data["infusions"][0]["at"] == "2027-03-28T03:30:00+02:00"
    assert data["warnings"][0] == {
        "client": "",
        "rule": None,
        "code": "dst-gap",
        "message": "infusion[1].at: 2027-03-28 02:30 does not exist in Europe/Berlin "
        "(clocks go forward); using 03:30",
        "params": {
            "field": "infusion[1].at",
            "wall": "2027-03-28T02:30:00",
            "zone": "Europe/Berlin",
            "moved": "2027-03-28T03:30:00+02:00",
        },
        "infusion": None,
        "event": None,
        "alternatives": [],
    }


def test_default_timezone_is_the_machines(runner: CliRunner, tmp_path: Path) -> None:
    """Without `timezone`, local times are in the machine's zone (TZ here)."""
    text = GOOD.replace('timezone = "Europe/Berlin"\n', "")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner(env={"TZ": "Asia/Kathmandu"}).invoke(app, ["plan", str(path), "-f", "json"])
    data = json.loads(result.stdout)
    assert data["timezone"] == "Asia/Kathmandu"
    assert data["infusions"][0]["at"] == "2026-12-01T10:00:00+05:45"


class TestJsonContract:
    """The JSON document has the published shape (README: "JSON output")."""

    @pytest.fixture(name="data", params=EXAMPLES, ids=lambda p: p.stem)
    def fixture_data(self, request: pytest.FixtureRequest, runner: CliRunner) -> dict[str, object]:
        result = runner.invoke(app, ["plan", str(request.param), "--format", "json"])
        assert result.exit_code == 0
        data: dict[str, object] = json.loads(result.stdout)
        return data

    def test_top_level_keys(self, data: dict[str, object]) -> None:
        """The document has exactly the published top-level keys, in order."""
        assert list(data) == ["timezone", "clients", "infusions", "courses", "events", "warnings"]

    def test_events(self, data: dict[str, object]) -> None:
        """Every event has the published keys, closed sets and offset-carrying times."""
        from datetime import datetime

        kinds = {
            "preparation-session", "intention-setting", "infusion", "rest", "journaling",
            "integration-session", "mindfulness", "movement", "small-action", "advisory",
            "relapse-prevention", "consolidation-session", "long-arc-session",
        }  # fmt: skip
        events = data["events"]
        assert isinstance(events, list)
        for event in events:
            assert list(event) == [
                "client", "uid", "kind", "phase", "start", "end", "all_day", "title",
                "description", "infusion", "course", "rule",
            ]  # fmt: skip
            assert event["kind"] in kinds
            assert event["phase"] in {"preparation", "experience", "integration"}
            start, end = (
                datetime.fromisoformat(event["start"]),
                datetime.fromisoformat(event["end"]),
            )
            assert start.utcoffset() is not None
            assert end > start
            assert event["infusion"] is None or isinstance(event["infusion"], int)
            assert event["course"] is None or isinstance(event["course"], int)
        assert len({e["uid"] for e in events}) == len(events)

    def test_infusions_and_courses(self, data: dict[str, object]) -> None:
        """Infusions and courses list 1-based indices that refer to each other."""
        infusions, courses = data["infusions"], data["courses"]
        assert isinstance(infusions, list)
        assert isinstance(courses, list)
        assert [i["index"] for i in infusions] == list(range(1, len(infusions) + 1))
        for course in courses:
            assert list(course) == ["client", "index", "start", "end", "infusions"]
            for index in course["infusions"]:
                assert infusions[index - 1]["course"] == course["index"]


def test_version(runner: CliRunner) -> None:
    """--version prints the version."""
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"kapplan {__version__}\n")


@pytest.mark.parametrize("command", [[], ["plan"]], ids=["kapplan", "plan"])
def test_every_command_has_help_with_an_example(runner: CliRunner, command: list[str]) -> None:
    """`--help` works for every command and shows an example of use."""
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "kapplan plan" in result.stdout


PROBE = """
import sys
import kapplan.cli.app
sys.argv = ["kapplan", "plan", sys.argv[1], "--format", "json"]
try:
    kapplan.cli.app.main()
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m == "rich" or m.startswith("rich."))
print("rich modules:", len(loaded), file=sys.stderr)
"""


def test_json_runs_as_a_process_without_importing_rich() -> None:
    """The JSON path works as a whole process and never imports Rich (a start-up guard)."""
    example = str(ROOT / "examples" / "spravato.toml")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, example],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert json.loads(result.stdout)["timezone"] == "America/New_York"
    assert result.stderr.strip().splitlines()[-1] == "rich modules: 0"
