"""`kapplan validate`: every problem of every file, located; kinds; exit codes; JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from kapplan.api import Environment, validate_files
from kapplan.cli.app import app
from kapplan.edge.load import (
    check_schedule,
    default_rulebook,
    detect_kind,
    guess_kind,
    schedule_from_text,
)
from kapplan.edge.located import check_model, parse_toml
from kapplan.engine import build_plan
from kapplan.errors import KapplanError, ScheduleError
from kapplan.i18n import catalogues
from kapplan.model.choices import FileKind
from kapplan.model.rulebook import Rulebook
from tests.cli_runner import CliRunner
from tests.conftest import ROOT
from tests.test_cli import BAD_INPUTS, GOOD

FILES = ROOT / "tests" / "validate_files"
NOW = datetime(2026, 11, 1, tzinfo=UTC)

THREE_MISTAKES = [
    "three-mistakes.toml:7: infusion[1].minuts: unknown key 'minuts'; "
    "expected one of at, method, minutes",
    "three-mistakes.toml:11: infusion[2].method: unknown method 'ivv'; expected one of "
    "iv, im, esketamine, oral (or spravato, sublingual, troche, lozenge)",
    "three-mistakes.toml:14: plan.session_minutes: got 120; expected less than or equal to 90",
]


#: The schedules in examples/ (its folders are not searched).
EXAMPLE_NAMES = ("iv-six-infusions", "oral-at-home", "spravato", "two-courses")


def _validate(runner: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, list[str]]:
    """Run `kapplan validate` and return its exit code and stdout lines; stderr must be empty."""
    result = runner.invoke(app, ["validate", *args], input=stdin)
    assert result.stderr == ""
    return result.exit_code, result.stdout.splitlines()


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(name="in_root")
def fixture_in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository, so paths in the output are short and stable."""
    monkeypatch.chdir(ROOT)


class TestOneFile:
    def test_three_mistakes_are_three_located_problems(
        self, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Independent mistakes are all reported, each with its line and field, then a summary."""
        monkeypatch.chdir(FILES)
        code, lines = _validate(runner, "three-mistakes.toml")
        assert code == 2
        assert lines == [*THREE_MISTAKES, "3 problems in 1 file"]

    def test_a_good_file(self, runner: CliRunner, in_root: None) -> None:
        """A valid schedule without warnings gives only the summary and exit 0."""
        code, lines = _validate(runner, "examples/iv-six-infusions.toml")
        assert (code, lines) == (0, ["1 file OK"])

    def test_the_first_problem_is_the_error_plan_gives(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """For every bad schedule of test_cli, validate fails and its first line is plan's error.

        So validate passes exactly when plan succeeds, and says the same thing.
        """
        path = tmp_path / "s.toml"
        for case, (text, expected) in BAD_INPUTS.items():
            path.write_text(text, encoding="utf-8")
            code, lines = _validate(runner, str(path))
            assert code == 2, case
            first = lines[0].replace(str(path), "s.toml")
            assert "kapplan: error: " + first == expected, case

    def test_every_dose_problem_at_once(self, runner: CliRunner, tmp_path: Path) -> None:
        """A series that yields nothing and two clashes of doses are three problems."""
        path = _write(
            tmp_path,
            "s.toml",
            GOOD
            + "[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = 'im'\n"  # line 5
            + "[[series]]\nstart = 2026-12-01T10:00:00\n"  # line 8
            + "rrule = 'FREQ=WEEKLY;UNTIL=20261101T000000'\nmethod = 'iv'\n"
            + "[[series]]\nstart = 2026-12-08T10:00:00\n"  # line 12
            + "rrule = 'FREQ=WEEKLY;COUNT=2'\nmethod = 'iv'\n"
            + "[[infusion]]\nat = 2026-12-15T10:00:00\nmethod = 'iv'\n",
        )
        code, lines = _validate(runner, path)
        assert code == 2
        assert [line.replace(path, "s.toml").split(": ")[:2] for line in lines[:-1]] == [
            ["s.toml:10", "series[1].rrule"],
            ["s.toml:6", "infusion[2].at"],
            ["s.toml:12", "series[2] dose 2"],
        ]
        assert lines[-1] == "3 problems in 1 file"

    def test_toml_syntax_stops_at_the_first(self, runner: CliRunner, tmp_path: Path) -> None:
        """TOML cannot be read past a syntax error: one problem, with its column in JSON."""
        path = _write(tmp_path, "s.toml", "a = \nb = [\nmethod = iv\n")
        code, lines = _validate(runner, path)
        assert (code, lines) == (
            2,
            [f"{path}:1: not valid TOML: Invalid value", "1 problem in 1 file"],
        )
        result = runner.invoke(app, ["validate", path, "--format", "json"])
        (error,) = json.loads(result.stdout)["files"][0]["errors"]
        assert error == {
            "line": 1,
            "column": 5,
            "field": None,
            "message": "not valid TOML: Invalid value",
        }

    def test_a_missing_file(self, runner: CliRunner, tmp_path: Path) -> None:
        """A file that is not there is a problem of its own; the others are still checked."""
        missing = str(tmp_path / "nope.toml")
        good = _write(tmp_path, "good.toml", GOOD)
        code, lines = _validate(runner, missing, good)
        assert code == 2
        assert lines == [
            f"{missing}: no such file; expected a path to a TOML file, or - for stdin",
            "1 problem in 1 file",
        ]

    def test_problems_are_one_per_field(self) -> None:
        """The alternatives of a union that all fail at one field are one problem, not several.

        (pydantic reports `minutes = [1]` of a rule once as no int and once as no string.)
        """
        text = "version = 1\n[methods]\n[[rule]]\nminutes = [1]\n"
        data = {"version": 1, "methods": {}, "rule": [{"minutes": [1]}]}
        _, problems = check_model(Rulebook, data, text, "r.toml", ScheduleError)
        fields = [p.field for p in problems]
        assert fields.count("rule[1].minutes") == 1
        assert len(fields) == len(set(fields))
        minutes = next(p for p in problems if p.field == "rule[1].minutes")
        assert (minutes.line, minutes.message) == (4, "got list; expected a valid integer")


class TestSeveralFiles:
    def test_several_files_and_the_summary(self, runner: CliRunner, tmp_path: Path) -> None:
        """Each file's problems follow in argument order; the summary counts problems and files."""
        first = _write(tmp_path, "a.toml", GOOD.replace('"iv"', '"ivv"'))
        good = _write(tmp_path, "b.toml", GOOD)
        third = _write(
            tmp_path, "c.toml", GOOD + "[plan]\nprep_sessions = 4\nlong_arc_months = 1\n"
        )
        code, lines = _validate(runner, first, good, third)
        assert code == 2
        assert [line.split(": ")[0] for line in lines[:-1]] == [
            f"{first}:4",
            f"{third}:6",
            f"{third}:7",
        ]
        assert lines[-1] == "3 problems in 2 files"

    def test_all_good(self, runner: CliRunner, in_root: None) -> None:
        """Several valid files: one summary line naming how many."""
        code, lines = _validate(
            runner, "examples/iv-six-infusions.toml", "examples/two-courses.toml"
        )
        assert (code, lines) == (0, ["2 files OK"])

    def test_a_folder_is_every_toml_in_it(self, runner: CliRunner, in_root: None) -> None:
        """A folder stands for its .toml files, sorted, as with plan."""
        result = runner.invoke(app, ["validate", "tests/validate_files", "-f", "json"])
        paths = [f["path"] for f in json.loads(result.stdout)["files"]]
        assert paths == sorted(str(p.relative_to(ROOT)) for p in FILES.glob("*.toml"))

    def test_an_empty_folder_is_a_problem(self, runner: CliRunner, tmp_path: Path) -> None:
        """A folder without .toml files is reported, like a missing file, without stopping."""
        (tmp_path / "empty").mkdir()
        good = _write(tmp_path, "good.toml", GOOD)
        code, lines = _validate(runner, str(tmp_path / "empty"), good)
        assert code == 2
        assert lines == [
            f"{tmp_path / 'empty'}: holds no .toml file; expected schedule files",
            "1 problem in 1 file",
        ]

    def test_clients_must_have_distinct_labels(self, runner: CliRunner, tmp_path: Path) -> None:
        """Schedules planned together need distinct labels: the later is flagged, as by plan."""
        first = _write(tmp_path, "a.toml", 'client = "Vera"\n' + GOOD)
        second = _write(tmp_path, "b.toml", 'client = "Vera"\n' + GOOD)
        code, lines = _validate(runner, first, second)
        assert code == 2
        expected = (
            f"{second}:1: client: client 'Vera' is also the label of {first}; "
            "expected a distinct client label per schedule"
        )
        assert lines == [expected, "1 problem in 1 file"]
        plan = runner.invoke(app, ["plan", first, second])
        assert plan.exit_code == 2
        assert plan.stderr == f"kapplan: error: {expected.replace(':1:', ':', 1)}\n"


class TestStdin:
    def test_stdin(self, runner: CliRunner) -> None:
        """`-` reads stdin, named <stdin> in problems."""
        code, lines = _validate(runner, "-", stdin=GOOD.replace('"iv"', '"ivv"'))
        assert code == 2
        assert lines[0].startswith("<stdin>:4: infusion[1].method: unknown method 'ivv'")
        assert _validate(runner, "-", stdin=GOOD) == (0, ["1 file OK"])

    def test_stdin_twice_is_a_usage_error(self, runner: CliRunner) -> None:
        """Naming stdin twice is refused on stderr before anything is read, as plan refuses it."""
        result = runner.invoke(app, ["validate", "-", "-"], input=GOOD)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == (
            "kapplan: error: stdin (-) is named more than once; expected it once at most\n"
        )


class TestKinds:
    def test_mixed_kinds_are_told_apart(self, runner: CliRunner, in_root: None) -> None:
        """A schedule, a therapist file and the shipped rulebook are each checked by their model."""
        args = [
            "examples/oral-at-home.toml",
            "examples/therapist/lisbon.toml",
            "src/kapplan/data/rulebook.toml",
        ]
        result = runner.invoke(app, ["validate", *args, "--format", "json"])
        assert result.exit_code == 0
        files = json.loads(result.stdout)["files"]
        assert [(f["path"], f["kind"], f["ok"]) for f in files] == [
            (args[0], "schedule", True),
            (args[1], "therapist", True),
            (args[2], "rulebook", True),
        ]

    @pytest.mark.parametrize(
        ("data", "kind"),
        [
            ({"therapist": {}}, FileKind.THERAPIST),
            ({"version": 1}, FileKind.RULEBOOK),
            ({"rule": []}, FileKind.RULEBOOK),
            ({"methods": {}}, FileKind.RULEBOOK),
            ({"infusion": []}, FileKind.SCHEDULE),
            ({}, FileKind.SCHEDULE),
        ],
    )
    def test_detect_kind(self, data: dict[str, object], kind: FileKind) -> None:
        """The kind comes from the top-level tables and keys."""
        assert detect_kind(data) is kind

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("[therapist]\nhours = \n", FileKind.THERAPIST),
            ("version = 1\n[[rule]\n", FileKind.RULEBOOK),
            ("[methods.iv]\nlabel = \n", FileKind.RULEBOOK),
            ("[[infusion]]\nat = \n", FileKind.SCHEDULE),
        ],
    )
    def test_guess_kind_of_broken_toml(self, text: str, kind: FileKind) -> None:
        """A file that does not parse is labelled by its headers."""
        assert guess_kind(text) is kind

    def test_kind_can_be_forced(self, runner: CliRunner, tmp_path: Path) -> None:
        """--kind checks a file as that kind whatever it holds."""
        path = _write(tmp_path, "s.toml", GOOD)
        code, lines = _validate(runner, path, "--kind", "therapist")
        assert code == 2
        assert lines[:2] == [
            f"{path}:1: timezone: unknown key 'timezone'; expected one of therapist",
            f"{path}: therapist: missing; this key is required",
        ]

    def test_a_therapist_file_with_mistakes(self, runner: CliRunner, tmp_path: Path) -> None:
        """Every mistake of a therapist file is reported at its line."""
        path = _write(
            tmp_path,
            "t.toml",
            '[therapist]\ntimezone = "Mars/Olympus"\ndays = ["mon", "funday"]\n'
            "buffer_minutes = -1\n",
        )
        code, lines = _validate(runner, path)
        assert code == 2
        assert [line.split(": ")[:2] for line in lines[:-1]] == [
            [f"{path}:2", "therapist.timezone"],
            [f"{path}:3", "therapist.days"],
            [f"{path}:4", "therapist.buffer_minutes"],
        ]

    def test_items_of_a_list_are_found_at_their_key(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """A bad day off or booking in an inline list is reported at its key's line, and an
        unknown holidays country at its own."""
        path = _write(
            tmp_path,
            "t.toml",
            '[therapist]\ntimezone = "Europe/Lisbon"\n'
            "busy = [{ start = 2026-12-02T09:00:00 }]\n"
            'days_off = [2026-12-24, "24.12.2026"]\n'
            'holidays = "XX"\n',
        )
        code, lines = _validate(runner, path)
        assert code == 2
        assert [line.split(": ")[:2] for line in lines[:-1]] == [
            [f"{path}:3", "therapist.busy[1]"],
            [f"{path}:4", "therapist.days_off[2]"],
            [f"{path}:5", "therapist.holidays"],
        ]

    def test_a_missing_busy_calendar(self, runner: CliRunner, tmp_path: Path) -> None:
        """A busy calendar plan could not read is an error at the busy_calendar key."""
        path = _write(
            tmp_path, "t.toml", '[therapist]\ntimezone = "UTC"\nbusy_calendar = "busy.ics"\n'
        )
        code, lines = _validate(runner, path)
        assert code == 2
        assert lines[0] == (
            f"{path}:3: therapist.busy_calendar: {tmp_path / 'busy.ics'}: no such file; "
            "expected a path to an .ics calendar file, or - for stdin"
        )

    def test_a_broken_busy_calendar(self, runner: CliRunner, tmp_path: Path) -> None:
        """A busy calendar that does not parse names its own line inside the message."""
        (tmp_path / "busy.ics").write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\n", encoding="utf-8")
        path = _write(
            tmp_path, "t.toml", '[therapist]\ntimezone = "UTC"\nbusy_calendar = "busy.ics"\n'
        )
        schedule = _write(tmp_path, "s.toml", GOOD)
        reports = validate_files([schedule, path], env=Environment(now=NOW))
        assert [r.passes() for r in reports] == [True, False]
        (problem,) = reports[1].errors
        assert (problem.line, problem.field) == (3, "therapist.busy_calendar")
        assert problem.message.startswith(f"{tmp_path / 'busy.ics'}:")

    def test_a_good_busy_calendar(self, runner: CliRunner, tmp_path: Path) -> None:
        """A readable busy calendar passes."""
        (tmp_path / "busy.ics").write_bytes(
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:x@test\r\nDTSTART:20261202T090000Z\r\nDTEND:20261202T120000Z\r\n"
            b"RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        path = _write(
            tmp_path, "t.toml", '[therapist]\ntimezone = "UTC"\nbusy_calendar = "busy.ics"\n'
        )
        assert _validate(runner, path) == (0, ["1 file OK"])

    def test_a_rulebook_with_mistakes(self, runner: CliRunner, in_root: None) -> None:
        """A partial rulebook's independent mistakes are all reported, at the user's lines."""
        code, lines = _validate(runner, "tests/validate_files/rulebook.toml")
        assert code == 2
        assert sorted(line.split(": ")[:2] for line in lines[:-1]) == [
            ["tests/validate_files/rulebook.toml:12", "rule[2].minutes"],
            ["tests/validate_files/rulebook.toml:16", "rule[3].title"],
            ["tests/validate_files/rulebook.toml:8", "rule[1].closes"],
        ]
        assert lines[-1] == "3 problems in 1 file"

    def test_a_newer_rulebook_says_why(self, runner: CliRunner, in_root: None) -> None:
        """A rulebook from a later kapplan is one problem that says what to do."""
        code, lines = _validate(runner, "tests/validate_files/rulebook-newer.toml")
        assert code == 2
        assert lines[0] == (
            "tests/validate_files/rulebook-newer.toml:2: version: written for rulebook version 2; "
            "this kapplan reads versions up to 1; upgrade kapplan"
        )

    def test_a_schedule_with_a_broken_rulebook(
        self, runner: CliRunner, in_root: None, tmp_path: Path
    ) -> None:
        """A schedule naming a missing or broken rulebook fails validate as it fails plan."""
        schedule = tmp_path / "s.toml"
        body = Path("examples/iv-six-infusions.toml").read_text(encoding="utf-8")
        schedule.write_text('rules = "missing.toml"\n' + body, encoding="utf-8")
        code, lines = _validate(runner, str(schedule))
        assert code == 2
        assert lines[0].startswith(f"{schedule}:1: rules: no rulebook file")
        (tmp_path / "missing.toml").write_text(
            "version = 1\n[[rule]]\nid = 'journaling'\nminutes = -5\n", encoding="utf-8"
        )
        code, lines = _validate(runner, str(schedule))
        assert code == 2
        # The schedule that leads there, then the rulebook's own place.
        assert lines[0].startswith(f"{schedule}: {tmp_path / 'missing.toml'}:4: rule[1].minutes:")
        result = runner.invoke(app, ["plan", str(schedule), "-f", "json"])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"kapplan: error: {tmp_path / 'missing.toml'}:4:")


class TestWarnings:
    def test_plan_warnings_are_warnings(self, runner: CliRunner, in_root: None) -> None:
        """A window the plan cannot meet is a warning at the dose's series, and exit 0."""
        code, lines = _validate(runner, "examples/spravato.toml")
        assert code == 0
        assert len(lines) == 5
        assert lines[0].startswith(
            "examples/spravato.toml:7: warning: series[1] dose 2: Integration session after dose 2:"
        )
        assert lines[-1] == "1 file OK, 4 warnings"

    def test_strict_fails_on_warnings(self, runner: CliRunner, in_root: None) -> None:
        """--strict exits 1 when there are warnings but no error, and says why."""
        code, lines = _validate(runner, "examples/spravato.toml", "--strict")
        assert code == 1
        assert lines[-1] == "4 warnings in 1 file (--strict)"
        result = runner.invoke(
            app, ["validate", "examples/spravato.toml", "--strict", "-f", "json"]
        )
        data = json.loads(result.stdout)
        assert (data["ok"], data["files"][0]["ok"]) == (False, False)

    def test_strict_without_warnings_passes(self, runner: CliRunner, in_root: None) -> None:
        """--strict changes nothing for a file without warnings."""
        assert _validate(runner, "examples/iv-six-infusions.toml", "--strict") == (
            0,
            ["1 file OK"],
        )

    def test_errors_beat_strict(self, runner: CliRunner, in_root: None) -> None:
        """With errors and warnings, the exit status is 2 with or without --strict."""
        code, lines = _validate(
            runner, "examples/spravato.toml", "tests/validate_files/three-mistakes.toml", "--strict"
        )
        assert code == 2
        assert lines[-1] == "3 problems in 1 file, 4 warnings"

    def test_dst_notes_are_warnings_in_english(self, runner: CliRunner, tmp_path: Path) -> None:
        """A local time moved by DST is a warning at its line, in English whatever the
        schedule's language (without --lang)."""
        path = _write(
            tmp_path,
            "s.toml",
            'timezone = "Europe/Berlin"\nlanguage = "ru"\n'
            "[[series]]\nstart = 2026-10-25T02:30:00\nrrule = 'FREQ=DAILY;COUNT=1'\n"
            "method = 'oral'\n",
        )
        code, lines = _validate(runner, path)
        assert code == 0
        assert lines == [
            f"{path}:3: warning: series[1] dose 1: 2026-10-25 02:30 happens twice in "
            "Europe/Berlin (clocks go back); using the first, UTC+02:00",
            "1 file OK, 1 warning",
        ]


class TestLanguage:
    """--lang: the warnings and the summary in the reader's language; errors in English."""

    def test_warnings_in_russian(self, runner: CliRunner, in_root: None) -> None:
        """Each warning, its dose's place and the summary are Russian."""
        code, lines = _validate(runner, "examples/spravato.toml", "--lang", "ru")
        assert code == 0
        assert lines[0].startswith(
            "examples/spravato.toml:7: warning: series[1], приём 2: "
            "Интеграционная сессия после приёма 2: в отведённом окне (пт, 8 января 2027 г., "
        )
        assert lines[-1] == "1 файл без ошибок, 4 предупреждения"

    @pytest.mark.parametrize(
        ("args", "summary"),
        [
            (["examples/spravato.toml", "--strict"], "4 предупреждения в 1 файле (--strict)"),
            (
                [f"examples/{name}.toml" for name in EXAMPLE_NAMES],
                "4 файла без ошибок, 4 предупреждения",
            ),
            (
                ["examples/spravato.toml", "tests/validate_files/three-mistakes.toml"],
                "3 ошибки в 1 файле, 4 предупреждения",
            ),
        ],
    )
    def test_russian_summary(
        self, runner: CliRunner, in_root: None, args: list[str], summary: str
    ) -> None:
        """The summary counts in Russian plural forms and cases."""
        assert _validate(runner, *args, "--lang", "ru")[1][-1] == summary

    def test_errors_stay_english(self, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
        """A problem is said as `kapplan plan` says it, in English, under a Russian summary."""
        monkeypatch.chdir(FILES)
        code, lines = _validate(runner, "three-mistakes.toml", "--lang", "ru")
        assert code == 2
        assert lines == [*THREE_MISTAKES, "3 ошибки в 1 файле"]

    def test_the_config_files_language(
        self, runner: CliRunner, in_root: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --lang, the config file's `language` is the reader's."""
        config = tmp_path / "config.toml"
        config.write_text('language = "ru"\n', encoding="utf-8")
        monkeypatch.setenv("KAPPLAN_CONFIG", str(config))
        assert _validate(runner, "examples/iv-six-infusions.toml") == (0, ["1 файл без ошибок"])


class TestJson:
    def test_json_shape(
        self, runner: CliRunner, in_root: None, golden: Callable[[str, bytes], None]
    ) -> None:
        """The JSON report of the sample folder is byte-stable; exit 2 as it holds errors."""
        result = runner.invoke(app, ["validate", "tests/validate_files/", "--format", "json"])
        assert result.exit_code == 2
        golden("validate.json", result.stdout.encode())
        data = json.loads(result.stdout)
        assert list(data) == ["files", "ok"]
        for entry in data["files"]:
            assert list(entry) == ["path", "kind", "ok", "errors", "warnings"]
            for problem in entry["errors"] + entry["warnings"]:
                assert list(problem) == ["line", "column", "field", "message"]
            assert entry["ok"] is not entry["errors"]

    def test_terminal_report(
        self, runner: CliRunner, in_root: None, golden: Callable[[str, bytes], None]
    ) -> None:
        """The terminal report of the sample folder is byte-stable."""
        result = runner.invoke(app, ["validate", "tests/validate_files/"])
        assert result.exit_code == 2
        golden("validate.txt", result.stdout.encode())

    def test_json_of_a_good_file(self, runner: CliRunner, in_root: None) -> None:
        """All valid: ok is true at both levels and the lists are empty."""
        result = runner.invoke(app, ["validate", "examples/two-courses.toml", "-f", "json"])
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {
            "files": [
                {
                    "path": "examples/two-courses.toml",
                    "kind": "schedule",
                    "ok": True,
                    "errors": [],
                    "warnings": [],
                }
            ],
            "ok": True,
        }


class TestSharedLocating:
    def test_dose_problems_and_doses_agree(self) -> None:
        """`Schedule.doses` raises the first of `dose_problems`, so plan and validate agree."""
        text = GOOD + "[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = 'im'\n"
        text += "[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = 'oral'\n"
        schedule, _, problems = check_schedule(parse_toml(text, "s.toml"), text, "s.toml")
        assert schedule is None
        assert [p.field for p in problems] == ["infusion[2].at", "infusion[3].at"]
        with pytest.raises(ScheduleError) as raised:
            schedule_from_text(text, "s.toml")
        assert str(raised.value) == str(problems[0])


_VALUES = st.one_of(
    st.integers(-5, 2000),
    st.sampled_from(["iv", "ivv", "spravato", "2026-12-01 10:00", "weekly", "", "mon"]),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 1, 1)),
)


def _mostly(valid: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Draw from `valid` nine times in ten, else any value (mostly a wrong one)."""
    return st.integers(0, 9).flatmap(lambda n: _VALUES if n == 0 else valid)


_AT = _mostly(
    st.one_of(
        st.sampled_from([datetime(2026, 12, 1, 10), datetime(2026, 10, 25, 2, 30)]),
        st.datetimes(min_value=datetime(2026, 10, 20), max_value=datetime(2026, 12, 31)).map(
            lambda d: d.replace(second=0, microsecond=0)
        ),
    )
)
_INFUSION = st.fixed_dictionaries(
    {"at": _AT, "method": _mostly(st.sampled_from(["iv", "oral", "spravato"]))},
    optional={"minutes": _mostly(st.integers(5, 240))},
)
#: Bounded rules, and one time in five an unbounded one or one that yields nothing.
_RRULES = [
    *(["FREQ=WEEKLY;COUNT=3", "FREQ=DAILY;COUNT=2"] * 4),
    "FREQ=DAILY",
    "FREQ=WEEKLY;UNTIL=20261101T000000",
]
_SERIES = st.fixed_dictionaries(
    {
        "start": _AT,
        "rrule": _mostly(st.sampled_from(_RRULES)),
        "method": _mostly(st.sampled_from(["im", "esketamine"])),
    }
)
_SCHEDULES = st.fixed_dictionaries(
    {"timezone": _mostly(st.sampled_from(["UTC", "Europe/Berlin"]))},
    optional={
        "infusion": st.lists(_INFUSION, min_size=1, max_size=3),
        "series": st.lists(_SERIES, max_size=2),
        "plan": st.fixed_dictionaries({}, optional={"session_minutes": _mostly(st.just(60))}),
        "availability": st.fixed_dictionaries(
            {}, optional={"days": st.lists(_mostly(st.sampled_from(["mon", "sat"])), max_size=3)}
        ),
    },
)


@settings(max_examples=60, deadline=None)
@given(_SCHEDULES)
def test_validate_passes_exactly_when_plan_succeeds(data: dict[str, object]) -> None:
    """For any schedule, validate has no error iff plan's loading and planning succeed;
    and when plan fails, validate's first error is plan's error."""
    text = tomli_w.dumps(data)
    try:
        schedule = schedule_from_text(text, "s.toml")
        build_plan(schedule, default_rulebook(), texts=catalogues())
        failure = None
    except KapplanError as error:
        failure = str(error)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        path.write_text(text, encoding="utf-8")
        (report,) = validate_files([str(path)], env=Environment(now=NOW))
    assert report.passes() is (failure is None)
    if failure is not None:
        assert report.errors[0].text().replace(str(path), "s.toml") == failure


PROBE = """
import sys
import kapplan.cli.app
sys.argv = ["kapplan", "validate", *sys.argv[1:]]
try:
    kapplan.cli.app.main()
except SystemExit as exit:
    print("exit", exit.code, file=sys.stderr)
print("rich", any(m == "rich" or m.startswith("rich.") for m in sys.modules), file=sys.stderr)
"""


def test_validate_runs_as_a_process_without_rich() -> None:
    """validate is plain text: a whole process prints its report and never imports Rich."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "examples" / "spravato.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.splitlines()[-1] == "1 file OK, 4 warnings"
    assert result.stderr.splitlines() == ["exit 0", "rich False"]
