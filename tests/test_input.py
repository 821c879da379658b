"""Input that cannot be misread (issue 17): each mistake a new user made is one line, exit 2.

Numeric dates in an order other than ISO's, TOML datetimes without seconds,
misspelt zones, wrong choices of an option, no file named, subfolders of a
folder, an output suffix kapplan does not know; and `init` for the schedules
people have: dose dates from a letter, a city for the zone, natural intervals.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from kapplan.cli.app import app
from kapplan.edge.load import schedule_from_text
from kapplan.edge.located import parse_toml
from kapplan.edge.starter import Every, parse_doses, parse_every, parse_timezone
from kapplan.errors import BadAnswer, ScheduleError
from kapplan.i18n import catalogue, catalogues
from kapplan.model.fields import read_datetime
from kapplan.model.zones import close_zones, zones_of_city
from tests.cli_runner import CliRunner
from tests.conftest import ROOT, default_first
from tests.test_hardening import EXAMPLE


def _run(
    *args: str, stdin: bytes | None = None, cwd: Path = ROOT, process: bool = False
) -> tuple[int, str, str]:
    """Run kapplan with `stdin` piped in (None: an empty stdin): in process (typer's runner
    gives the exit status, stdout and stderr a process gives), or with `process` as
    `python -m kapplan`, where the process is the point."""
    if process:
        done = subprocess.run(
            [sys.executable, "-B", "-m", "kapplan", *args],
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            timeout=60,
            cwd=cwd,
            env={**os.environ, "TZ": "UTC", "NO_COLOR": "1"},
            check=False,
        )
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner(env={"TZ": "UTC", "NO_COLOR": "1"}).invoke(app, list(args), input=stdin)
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _schedule(tmp_path: Path, at: str, zone: str = "Europe/London") -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'timezone = "{zone}"\n\n[[infusion]]\nat = {at}\nmethod = "iv"\n', "utf-8")
    return path


class TestNumericDates:
    """An all-numeric date in another order than ISO's is refused, naming its readings."""

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                "12/01/2027 14:00",
                "'12/01/2027 14:00' is ambiguous: 12 January 2027 (day first) or 1 December "
                "2027 (month first); expected the ISO form, 2027-01-12T14:00 or 2027-12-01T14:00",
            ),
            (
                "01.12.2027 09:30",
                "'01.12.2027 09:30' is ambiguous: 1 December 2027 (day first) or 12 January "
                "2027 (month first); expected the ISO form, 2027-12-01T09:30 or 2027-01-12T09:30",
            ),
            (
                "12-01-2027T09:30",
                "'12-01-2027T09:30' is ambiguous: 12 January 2027 (day first) or 1 December "
                "2027 (month first); expected the ISO form, 2027-01-12T09:30 or 2027-12-01T09:30",
            ),
            (
                "25/12/2027 10:00",
                "'25/12/2027 10:00' can only be 25 December 2027 (day first), but all-numeric "
                "dates are read in ISO order (year first) only; expected 2027-12-25T10:00",
            ),
            (
                "12/25/2027 10:00",
                "'12/25/2027 10:00' can only be 25 December 2027 (month first), but all-numeric "
                "dates are read in ISO order (year first) only; expected 2027-12-25T10:00",
            ),
            (
                "05/05/2027 10:00",
                "'05/05/2027 10:00' is not in ISO order (year first); expected 2027-05-05T10:00",
            ),
            (
                "13/13/2027 10:00",
                "cannot read '13/13/2027 10:00' as a date in either order (day first or month "
                "first); expected an ISO date such as 2027-01-14T09:30",
            ),
        ],
    )
    def test_refused(self, text: str, message: str) -> None:
        """Both readings (or the only one) and the ISO form to write."""
        with pytest.raises(ValueError, match="ISO") as raised:
            read_datetime(text)
        assert str(raised.value) == message

    @pytest.mark.parametrize(
        ("text", "when"),
        [
            ("2027-01-14 09:30", datetime(2027, 1, 14, 9, 30)),
            ("2027-01-14T09:30", datetime(2027, 1, 14, 9, 30)),
            ("14 January 2027 09:30", datetime(2027, 1, 14, 9, 30)),
            ("January 14, 2027 9:30am", datetime(2027, 1, 14, 9, 30)),
        ],
    )
    def test_iso_and_words_still_read(self, text: str, when: datetime) -> None:
        """ISO dates and dates with the month in words are not ambiguous."""
        assert read_datetime(text) == when

    def test_schedule_refuses_as_a_process(self, tmp_path: Path) -> None:
        """`plan` names the file, line and field: one line, exit 2, nothing on stdout."""
        path = _schedule(tmp_path, '"12/01/2027 14:00"')
        assert _run("plan", str(path), process=True) == (
            2,
            "",
            f"kapplan: error: {path}:4: infusion[1].at: '12/01/2027 14:00' is ambiguous: "
            "12 January 2027 (day first) or 1 December 2027 (month first); expected the ISO "
            "form, 2027-01-12T14:00 or 2027-12-01T14:00\n",
        )

    def test_init_names_both_readings(self) -> None:
        """`init --start` refuses the same dates with the same sentence."""
        code, out, err = _run("init", "-", "--no-interactive", "--start", "12/01/2027")
        assert (code, out) == (2, "")
        assert err == (
            "kapplan: error: --start: '12/01/2027' is ambiguous: 12 January 2027 (day first) "
            "or 1 December 2027 (month first); expected the ISO form, 2027-01-12 or 2027-12-01\n"
        )


class TestTomlWithoutSeconds:
    """A TOML date and time without seconds: what TOML wants, and the line fixed."""

    def test_as_a_process(self, tmp_path: Path) -> None:
        """The located line shows the fixed line."""
        path = _schedule(tmp_path, "2027-01-14T09:30")
        assert _run("plan", str(path), process=True) == (
            2,
            "",
            f"kapplan: error: {path}:4: not valid TOML: a TOML date and time needs its seconds "
            "(HH:MM:SS); expected at = 2027-01-14T09:30:00\n",
        )

    @pytest.mark.parametrize(
        ("line", "fixed"),
        [
            ("at = 2027-01-14 09:30", "at = 2027-01-14 09:30:00"),
            ("at = 2027-01-14T09:30+01:00  # first", "at = 2027-01-14T09:30:00+01:00"),
            ("start = 2027-01-14T09:30Z", "start = 2027-01-14T09:30:00Z"),
        ],
    )
    def test_forms(self, line: str, fixed: str) -> None:
        """A space or T, an offset or Z kept; a comment left out."""
        with pytest.raises(ScheduleError) as raised:
            parse_toml(f'timezone = "UTC"\n[[infusion]]\n{line}\n', "s.toml")
        assert raised.value.line == 3
        assert raised.value.message.endswith(f"; expected {fixed}")

    def test_other_syntax_errors_unchanged(self) -> None:
        """Another syntax error keeps tomllib's words."""
        with pytest.raises(ScheduleError) as raised:
            parse_toml("at = 2027-01-14T09:30:00 x\n", "s.toml")
        assert raised.value.message == (
            "not valid TOML: Expected newline or end of document after a statement"
        )


class TestZones:
    """A misspelt zone names the closest IANA names; init takes a city."""

    def test_misspelt_zone_as_a_process(self, tmp_path: Path) -> None:
        """did you mean, in the one line."""
        path = _schedule(tmp_path, "2027-01-14T09:30:00", zone="Europe/Londn")
        assert _run("plan", str(path), process=True) == (
            2,
            "",
            f"kapplan: error: {path}:1: timezone: unknown time zone 'Europe/Londn' (did you "
            "mean Europe/London?); expected an IANA name such as Europe/Berlin\n",
        )

    @pytest.mark.parametrize(
        ("name", "close"),
        [
            ("Europe/Londn", ["Europe/London"]),
            ("europe/london", ["Europe/London"]),
            ("America/New York", ["America/New_York"]),
            ("Mars/Base", []),
            ("Europe", []),
        ],
    )
    def test_close_zones(self, name: str, close: list[str]) -> None:
        """Only near-certain names are offered."""
        assert close_zones(name) == close

    @pytest.mark.parametrize(
        ("city", "zone"),
        [
            ("London", "Europe/London"),
            ("new york", "America/New_York"),
            ("Moscow", "Europe/Moscow"),
            ("lisbon", "Europe/Lisbon"),
            ("NEW_YORK", "America/New_York"),
        ],
    )
    def test_init_takes_a_city(self, city: str, zone: str) -> None:
        """The last part of an IANA name, in any case, with spaces or underscores."""
        assert zones_of_city(city)[0] == zone
        assert parse_timezone(city) == zone

    def test_init_refuses_an_unknown_city(self) -> None:
        """Neither a zone nor a city: the closest names, and both forms expected."""
        with pytest.raises(BadAnswer) as raised:
            parse_timezone("Europe/Londn")
        assert str(raised.value) == (
            "--timezone: unknown time zone 'Europe/Londn' (did you mean Europe/London?); "
            "expected an IANA name such as Europe/Berlin, or a city such as London"
        )

    @pytest.mark.parametrize(
        ("lang", "note"),
        [
            ([], "kapplan: took Europe/London for 'London'\n"),
            (["--lang", "ru"], "kapplan: выбран часовой пояс Europe/London для «London»\n"),
        ],
    )
    def test_init_says_the_zone_it_took(self, lang: list[str], note: str) -> None:
        """On stderr, through the catalogues; the file has the IANA name."""
        code, out, err = _run("init", "-", "--no-interactive", "--timezone", "London", *lang)
        assert (code, err) == (0, note)
        assert schedule_from_text(out, "<stdout>").timezone == "Europe/London"

    def test_a_zone_name_is_not_announced(self) -> None:
        """An IANA name is taken as written, silently."""
        code, _, err = _run("init", "-", "--no-interactive", "--timezone", "Europe/London")
        assert (code, err) == (0, "")


class TestChoices:
    """A value that is not one of an option's choices: the option's real choices, one line."""

    @pytest.mark.parametrize(
        ("args", "line"),
        [
            (
                ["plan", str(EXAMPLE), "-f", "yaml"],
                "unknown format 'yaml'; use terminal, json, ics, html or vdir",
            ),
            (["plan", str(EXAMPLE), "--view", "week"], "unknown view 'week'; use agenda or month"),
            (["plan", str(EXAMPLE), "--lang", "xx"], "unknown language 'xx'; use en or ru"),
            (
                ["validate", str(EXAMPLE), "-f", "yaml"],
                "unknown format 'yaml'; use terminal or json",
            ),
            (
                ["validate", str(EXAMPLE), "--kind", "foo"],
                "unknown kind 'foo'; use schedule, therapist or rulebook",
            ),
            (["rules", "-f", "html"], "unknown format 'html'; use terminal or json"),
        ],
    )
    def test_one_line(self, args: list[str], line: str) -> None:
        """Exit 2, nothing on stdout, the line in kapplan's words (in process; a usage
        mistake as a process: tests/test_hardening.py `TestUsageMistakesAreOneLine`)."""
        assert _run(*args) == (2, "", f"kapplan: error: {line}\n")


class TestStdin:
    """No file named: stdin, when it is not a terminal."""

    def test_plan_reads_stdin(self) -> None:
        """`plan < file` is `plan file` (stdin is named <stdin>)."""
        data = EXAMPLE.read_bytes()
        piped = _run("plan", "-f", "json", stdin=data, process=True)
        named = _run("plan", "-f", "json", "-", stdin=data, process=True)
        assert piped[0] == 0
        assert piped == named
        assert json.loads(piped[1])["timezone"] == "Europe/Berlin"

    def test_validate_reads_stdin(self) -> None:
        """`validate < file` checks it."""
        assert _run("validate", stdin=EXAMPLE.read_bytes()) == (0, "1 file OK\n", "")

    @pytest.mark.parametrize("command", ["plan", "validate"])
    def test_empty_stdin(self, command: str) -> None:
        """Nothing named and nothing piped: one line, exit 2."""
        line = (
            "kapplan: error: no schedule named and stdin is empty; expected a file name, or a "
            "schedule piped to stdin (kapplan plan < course.toml)\n"
        )
        assert _run(command, stdin=b"") == (2, "", line)
        assert _run(command) == (2, "", line)  # /dev/null

    @pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals")
    @pytest.mark.parametrize(
        ("command", "metavar"), [("plan", "SCHEDULE..."), ("validate", "FILE...")]
    )
    def test_terminal_keeps_missing_argument(self, command: str, metavar: str) -> None:
        """With a terminal on stdin nothing is read: the usage line, as before."""
        main, side = os.openpty()
        try:
            done = subprocess.run(
                [sys.executable, "-B", "-m", "kapplan", command],
                stdin=side,
                capture_output=True,
                timeout=60,
                cwd=ROOT,
                check=False,
            )
        finally:
            os.close(main)
            os.close(side)
        assert (done.returncode, done.stdout, done.stderr.decode()) == (
            2,
            b"",
            f"kapplan: error: missing argument '{metavar}'; see python -m kapplan {command} "
            "--help\n",
        )

    def test_help_says_so(self, runner: CliRunner) -> None:
        """plan --help names the form."""
        result = runner.invoke(app, ["plan", "--help"])
        assert "kapplan plan < infusions.toml" in result.stdout


class TestSubfolders:
    """validate and plan name the folders they do not search."""

    @pytest.fixture
    def folder(self, tmp_path: Path) -> Path:
        (tmp_path / "a.toml").write_bytes(EXAMPLE.read_bytes())
        (tmp_path / "clients").mkdir()
        (tmp_path / "clients" / "b.toml").write_bytes(EXAMPLE.read_bytes())
        (tmp_path / ".hidden").mkdir()
        return tmp_path

    def test_note_on_stderr(self, folder: Path) -> None:
        """One note per folder, hidden ones left out; stdout as before."""
        assert _run("validate", str(folder)) == (
            0,
            "1 file OK\n",
            f"kapplan: note: {folder / 'clients'} is a folder inside a folder, not checked; "
            "name it to check its files\n",
        )

    def test_json_lists_them(self, folder: Path) -> None:
        """`skipped` in the JSON, after ok."""
        code, out, _ = _run("validate", str(folder), "-f", "json")
        data = json.loads(out)
        assert (code, list(data)) == (0, ["files", "ok", "skipped"])
        assert data["skipped"] == [str(folder / "clients")]

    def test_plan_says_it_too(self, folder: Path) -> None:
        """plan of a folder: the same note, in the plan's language, says "not planned"; the
        plan is the folder's own .toml files; a plan of one file looks at no folder."""
        code, out, err = _run("plan", str(folder), "-f", "json")
        assert (code, err) == (
            0,
            f"kapplan: note: {folder / 'clients'} is a folder inside a folder, not planned; "
            "name it to plan its files\n",
        )
        assert len(json.loads(out)["clients"]) == 1
        code, _, err = _run("plan", str(folder), "-f", "json", "--lang", "ru")
        assert (code, err) == (
            0,
            f"kapplan: примечание: {folder / 'clients'} — папка внутри папки, её расписания "
            "не включены в план; назовите её, чтобы спланировать её файлы\n",
        )
        assert _run("plan", str(folder / "a.toml"), "-f", "json")[::2] == (0, "")

    def test_a_folders_schedules_are_its_toml_files(self, folder: Path) -> None:
        """A link to a schedule is one of the folder's files; a folder named like one, a
        broken link and a hidden file are not."""
        from kapplan.edge.load import schedule_paths

        (folder / "linked.toml").symlink_to(folder / "a.toml")
        (folder / "dir.toml").mkdir()
        (folder / "broken.toml").symlink_to(folder / "gone.toml")
        (folder / ".hidden.toml").write_bytes(EXAMPLE.read_bytes())
        (folder / "notes.txt").write_text("not a schedule")
        assert schedule_paths([str(folder) + "/"]) == [
            str(folder / "a.toml"),
            str(folder / "linked.toml"),
        ]

    def test_json_without_subfolders_unchanged(self) -> None:
        """No subfolder, no key: the document is as it was."""
        code, out, err = _run("validate", str(EXAMPLE), "-f", "json")
        assert (code, list(json.loads(out)), err) == (0, ["files", "ok"], "")

    def test_russian(self, folder: Path) -> None:
        """Through the catalogues."""
        _, _, err = _run("validate", str(folder), "--lang", "ru")
        assert err == (
            f"kapplan: примечание: {folder / 'clients'} — папка внутри папки, она не "
            "проверена; назовите её, чтобы проверить её файлы\n"
        )


class TestOutputSuffix:
    """-o with a suffix kapplan does not know is refused unless -f names the format."""

    def test_refused(self, tmp_path: Path) -> None:
        """One line naming the suffixes; no file written."""
        target = tmp_path / "x.pdf"
        assert _run("plan", str(EXAMPLE), "-o", str(target)) == (
            2,
            "",
            f"kapplan: error: {target}: kapplan does not know the suffix .pdf; expected one of "
            ".json, .ics, .txt, .html, .htm (or name the format with -f)\n",
        )
        assert not target.exists()

    def test_with_format_any_suffix(self, tmp_path: Path) -> None:
        """-f ics -o x.pdf writes a calendar; no suffix is still terminal text."""
        target = tmp_path / "x.pdf"
        assert _run("plan", str(EXAMPLE), "-f", "ics", "-o", str(target))[0] == 0
        assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
        plain = tmp_path / "plan"
        assert _run("plan", str(EXAMPLE), "-o", str(plain))[0] == 0
        assert plain.read_text(encoding="utf-8").startswith("Integration plan")

    @pytest.mark.parametrize(
        ("args", "name", "line"),
        default_first(
            [
                (
                    [],
                    "x.pdf",
                    ".pdf for rules; expected .json or .txt (or name the format with -f)",
                ),
                (["--dump"], "x.json", ".json for rules --dump; expected .toml"),
            ],
            unpack=True,
        ),
    )
    def test_rules_refuses_too(self, tmp_path: Path, args: list[str], name: str, line: str) -> None:
        """kapplan rules -o with a suffix that says another format: refused, nothing written;
        its own suffixes (and -f with any) are written."""
        target = tmp_path / name
        assert _run("rules", *args, "-o", str(target)) == (
            2,
            "",
            f"kapplan: error: {target}: kapplan does not know the suffix {line}\n",
        )
        assert not target.exists()
        assert _run("rules", "-f", "json", "-o", str(tmp_path / "r.pdf"))[0] == 0
        assert json.loads((tmp_path / "r.pdf").read_text(encoding="utf-8"))
        assert _run("rules", "--dump", "-o", str(tmp_path / "mine.toml"))[0] == 0


class TestPlurals:
    """Counts take the catalogue's plural forms; no "(s)" is left."""

    @pytest.mark.parametrize(
        ("n", "word"),
        [
            (1, "1 предупреждение"),
            (2, "2 предупреждения"),
            (5, "5 предупреждений"),
            (11, "11 предупреждений"),
            (21, "21 предупреждение"),
            (22, "22 предупреждения"),
        ],
    )
    def test_russian_strict(self, n: int, word: str) -> None:
        """Three Russian forms."""
        assert catalogue("ru").text("terminal.strict", n=n) == f"{word} в плане (--strict)"

    def test_strict_as_a_process(self) -> None:
        """plan --strict: exit 1, the count in words."""
        code, _, err = _run("plan", "examples/spravato.toml", "--strict", process=True)
        assert (code, err) == (1, "kapplan: 4 warnings in the plan (--strict)\n")

    def test_no_s_in_parentheses(self) -> None:
        """No catalogue message, and no kapplan source, writes a plural as "(s)"."""
        for texts in catalogues().values():
            assert not [k for k, v in texts.messages.items() if "(s)" in v.replace("http(s)", "")]
        sources = (ROOT / "src" / "kapplan").rglob("*.py")
        plural = re.compile(r"(?<!http)\(s\)")
        assert not [p for p in sources if plural.search(p.read_text(encoding="utf-8"))]


class TestInitDoses:
    """init takes the dates of a letter, a name, the language and whether others see it."""

    def test_doses_as_flags(self, tmp_path: Path) -> None:
        """Each --dose is a dose; the file validates and plans."""
        path = tmp_path / "letter.toml"
        dates = ["2027-01-14T09:30", "2027-01-19 14:00", "2027-01-21", "2027-01-26 09:30"]
        args = [a for d in dates for a in ("--dose", d)]
        code, out, err = _run(
            "init", str(path), "--no-interactive", "--timezone", "UTC", *args, "--client", "A. P."
        )
        assert (code, out) == (0, "")
        assert err.startswith(f"kapplan: wrote {path}: 4 doses, Thu 14 Jan 2027 to Tue 26 Jan 2027")
        schedule = schedule_from_text(path.read_text(encoding="utf-8"), str(path))
        assert [f"{d.start:%m-%d %H:%M}" for d in schedule.doses()[0]] == [
            "01-14 09:30",
            "01-19 14:00",
            "01-21 10:00",
            "01-26 09:30",
        ]
        assert schedule.client == "A. P."
        assert _run("validate", str(path))[0] == 0
        assert _run("plan", str(path), "-f", "json")[0] == 0

    def test_language_and_discreet(self) -> None:
        """--lang and --discreet are written as the schedule's own."""
        code, out, _ = _run(
            "init", "-", "--no-interactive", "--timezone", "UTC", "--lang", "ru", "--discreet"
        )
        assert code == 0
        schedule = schedule_from_text(out, "<stdout>")
        assert (schedule.language, schedule.discreet) == ("ru", True)
        assert '\nlanguage = "ru"\n' in out
        code, out, _ = _run("init", "-", "--no-interactive", "--no-discreet")
        assert schedule_from_text(out, "<stdout>").discreet is False

    @pytest.mark.parametrize(
        ("args", "line"),
        [
            (
                ["--dose", "2027-01-14", "--start", "2027-01-14"],
                "--start: does not apply with --dose (the dates are the doses); expected either "
                "--dose for each date, or --start, --count and --every",
            ),
            (
                ["--preset", "esketamine", "--dose", "2027-01-14"],
                "--dose: does not apply to --preset esketamine; it follows the label's schedule; "
                "expected --preset custom --method esketamine",
            ),
            (
                ["--dose", "2027-01-14", "--dose", "2027-01-14T10:00"],
                "--dose: 2027-01-14 10:00 is given twice; expected each dose once",
            ),
            (
                ["--dose", "14/01/2027"],
                "--dose: '14/01/2027' can only be 14 January 2027 (day first), but all-numeric "
                "dates are read in ISO order (year first) only; expected 2027-01-14",
            ),
            (["--lang", "de"], "--lang: unknown language 'de'; expected one of en, ru"),
        ],
    )
    def test_refused(self, args: list[str], line: str) -> None:
        """One line, exit 2, nothing written."""
        assert _run("init", "-", "--no-interactive", *args) == (2, "", f"kapplan: error: {line}\n")

    def test_doses_at_the_prompt(self, runner: CliRunner, tmp_path: Path) -> None:
        """Each date a line, a bad one asked again, an empty line ends; start and repeat skipped."""
        path = tmp_path / "s.toml"
        replies = ["custom", "lisbon", "oral", "2027-02-01 19:00", "01/02/2027", "2027-02-09", ""]
        replies += ["Vera", "ru", "yes", ""]
        result = runner.invoke(app, ["init", str(path), "--interactive"], input="\n".join(replies))
        assert result.exit_code == 0, result.stderr
        assert "enter each dose date" in result.stderr
        assert "Dose date 3:" in result.stderr
        assert "  '01/02/2027' is ambiguous" in result.stderr
        assert "First dose" not in result.stderr
        assert "kapplan: took Europe/Lisbon for 'lisbon'" in result.stderr
        schedule = schedule_from_text(path.read_text(encoding="utf-8"), str(path))
        assert schedule.timezone == "Europe/Lisbon"
        assert [f"{d.start:%m-%d %H:%M}" for d in schedule.doses()[0]] == [
            "02-01 19:00",
            "02-09 10:00",  # a date alone: the preset's time of day
        ]
        assert (schedule.client, schedule.language, schedule.discreet) == ("Vera", "ru", True)

    def test_parse_doses(self) -> None:
        """Blank lines skipped; empty means a start and a repeat."""
        assert parse_doses("") == ()
        assert parse_doses("2027-01-14\n\n2027-01-15 08:00\n") == (
            datetime(2027, 1, 14, 10, 0),
            datetime(2027, 1, 15, 8, 0),
        )


class TestNaturalIntervals:
    """ "twice a week" and the other phrasings the prompt lists are read."""

    @pytest.mark.parametrize(
        ("text", "every"),
        [
            ("twice a week", Every(per_week=2)),
            ("once a week", Every(per_week=1)),
            ("thrice a week", Every(per_week=3)),
            ("every 3 days", Every(days=3)),
            ("every 2 weeks", Every(days=14)),
            ("every day", Every(days=1)),
            ("every week", Every(days=7)),
            ("weekly", Every(days=7)),
            ("daily", Every(days=1)),
            ("2x/week", Every(per_week=2)),
            ("2 per week", Every(per_week=2)),
            ("3 times a week", Every(per_week=3)),
            ("Twice  a Week", Every(per_week=2)),
        ],
    )
    def test_reads(self, text: str, every: Every) -> None:
        """Each phrasing is the --every language's form."""
        assert parse_every(text) == every

    def test_the_prompt_lists_what_is_read(self) -> None:
        """Every form the prompt names reads, and the prompt names each kind that reads."""
        listed = catalogue("en").text("init.about_every")
        forms = ["3d", "every 3 days", "daily", "every day", "2w", "every 2 weeks", "weekly"]
        forms += ["every week", "2/week", "2x/week", "2 per week", "2 times a week"]
        for form in forms:
            assert form in listed, form
            parse_every(form)
        for word in ("once", "twice", "thrice"):
            assert word in listed
            parse_every(f"{word} a week")

    @pytest.mark.parametrize(
        ("text", "every"),
        [
            ("3d", Every(days=3)),
            ("каждые 3 дня", Every(days=3)),
            ("каждые 5 дней", Every(days=5)),
            ("ежедневно", Every(days=1)),
            ("каждый день", Every(days=1)),
            ("2w", Every(days=14)),
            ("каждые 2 недели", Every(days=14)),
            ("еженедельно", Every(days=7)),
            ("каждую неделю", Every(days=7)),
            ("2/week", Every(per_week=2)),
            ("2 раза в неделю", Every(per_week=2)),
            ("раз в неделю", Every(per_week=1)),
            ("дважды в неделю", Every(per_week=2)),
            ("трижды в неделю", Every(per_week=3)),
        ],
    )
    def test_russian_forms_read(self, text: str, every: Every) -> None:
        """The forms of the Russian prompt (its words, and the codes it names) read too."""
        assert parse_every(text) == every

    def test_the_russian_prompt_lists_what_is_read(self) -> None:
        listed = catalogue("ru").text("init.about_every")
        for form in ("3d", "каждые 3 дня", "ежедневно", "каждый день", "2w", "каждые 2 недели"):
            assert form in listed, form
        for form in ("еженедельно", "каждую неделю", "2/week", "2 раза в неделю", "раз в неделю"):
            assert form in listed, form
        assert "дважды или трижды в неделю" in listed

    def test_as_a_process(self) -> None:
        """--every 'twice a week' writes Monday and Thursday doses."""
        code, out, _ = _run(
            "init", "-", "--no-interactive", "--start", "2027-01-04", "--every", "twice a week",
            "--count", "4", process=True,
        )  # fmt: skip
        assert code == 0
        doses = schedule_from_text(out, "<stdout>").doses()[0]
        assert [f"{d.start:%a %d}" for d in doses] == ["Mon 04", "Thu 07", "Mon 11", "Thu 14"]
