"""Privacy is sticky: a discreet calendar stays discreet, and sessions-only stays so.

Every file written here is read back with the icalendar library, an independent
parser, as well as searched as bytes for a revealing word.
"""

from __future__ import annotations

import re
from pathlib import Path

import icalendar
import pytest

from kapplan.cli.app import app
from kapplan.formats.ics import DISCREET_WORDS, parse_previous
from kapplan.i18n import LANGUAGES, catalogue
from kapplan.model.settings import (
    CalendarLayer,
    Configuration,
    Flags,
    Sourced,
    UserConfig,
    resolve,
)
from tests.cli_runner import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "iv-six-infusions.toml"

#: Every revealing word of every language, as --discreet refuses them.
_WORDS = {*DISCREET_WORDS, *(w for lang in LANGUAGES for w in catalogue(lang).discreet_words)}
REVEALING = re.compile("|".join(re.escape(w) for w in sorted(_WORDS)), re.IGNORECASE)
#: The only titles a discreet calendar shows, in English.
NEUTRAL = {"Appointment", "Session", "Personal time", "Cancelled"}


def _calendar(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def _events(path: Path) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in _calendar(path).walk("VEVENT")}


def _plan(runner: CliRunner, *args: str | Path) -> tuple[int, str]:
    """Run kapplan plan; return its exit status and stderr without the ``wrote FILE: ...``
    line that ends a run with -o (checked to be there)."""
    result = runner.invoke(app, ["plan", *map(str, args)])
    stderr = result.stderr
    if result.exit_code == 0 and "-o" in args:
        *said, wrote = stderr.splitlines(keepends=True)
        assert wrote.startswith(("wrote ", "записано в ")), stderr
        stderr = "".join(said)
    return result.exit_code, stderr


def _assert_discreet(path: Path) -> None:
    """Nothing in the file names the treatment; every title and text is neutral."""
    data = path.read_bytes().decode("utf-8")
    assert not REVEALING.search(data), REVEALING.search(data)
    calendar = _calendar(path)
    assert str(calendar["X-KAPPLAN-DISCREET"]) == "TRUE"
    events = list(calendar.walk("VEVENT"))
    assert events
    for event in events:
        assert str(event["SUMMARY"]) in NEUTRAL
        assert str(event["DESCRIPTION"]) in NEUTRAL | {"This event was removed from the plan."}


@pytest.fixture(name="mine")
def fixture_mine(tmp_path: Path) -> Path:
    """The patient's schedule, a copy of the six-infusion example."""
    path = tmp_path / "mine.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


class TestStickyDiscreet:
    """The issue's scenario: --discreet once, then the same command without the flag."""

    def test_rerun_without_the_flag_stays_discreet(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """The second run writes the same bytes: no real title, no SEQUENCE bump, no notice."""
        out = tmp_path / "p.ics"
        assert _plan(runner, mine, "-o", out, "--discreet") == (0, "")
        first = out.read_bytes()
        _assert_discreet(out)
        assert _plan(runner, mine, "-o", out) == (0, "")
        assert out.read_bytes() == first
        assert {int(e["SEQUENCE"]) for e in _events(out).values()} == {0}

    def test_a_month_later_with_a_moved_dose(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """A changed schedule re-exported without the flag stays discreet; only changed
        events get SEQUENCE 1, and nothing revealing is written, cancellations included."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out, "--discreet")
        before = _events(out)
        # The clinic moves dose 3 by two days and drops the last dose.
        text = mine.read_text(encoding="utf-8").rsplit("[[infusion]]", 1)[0]
        third = re.findall(r"at = (\d{4}-\d\d-)(\d\d)", text)[2]
        moved = f"{third[0]}{int(third[1]) + 2:02d}"
        mine.write_text(text.replace("".join(third), moved, 1), encoding="utf-8")
        code, said = _plan(runner, mine, "-o", out)
        assert code == 0
        assert said.startswith(f"Changes against {out} (")  # whom to tell: the sessions
        _assert_discreet(out)
        after = _events(out)
        assert set(after) == set(before)
        cancelled = {u for u, e in after.items() if str(e["STATUS"]) == "CANCELLED"}
        assert cancelled
        bumped = {u for u, e in after.items() if int(e["SEQUENCE"]) == 1}
        assert cancelled <= bumped < set(after)
        for uid in set(after) - bumped:
            assert int(after[uid]["SEQUENCE"]) == 0

    def test_previous_is_remembered_too(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """--previous old.ics, a discreet export, makes the new file discreet."""
        old, new = tmp_path / "old.ics", tmp_path / "new.ics"
        _plan(runner, mine, "-o", old, "--discreet")
        assert _plan(runner, mine, "-o", new, "--previous", old) == (0, "")
        assert new.read_bytes() == old.read_bytes()

    def test_an_older_discreet_export_is_known_by_its_texts(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """A discreet file written before the property existed stays discreet too."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out, "--discreet")
        older = out.read_bytes().replace(b"X-KAPPLAN-DISCREET:TRUE\r\n", b"")
        out.write_bytes(older)
        assert parse_previous(older, "p.ics").discreet
        assert _plan(runner, mine, "-o", out) == (0, "")
        _assert_discreet(out)

    def test_a_visible_export_is_not_taken_for_discreet(self, mine: Path) -> None:
        """A plain export remembers nothing: no property, not discreet."""
        result = CliRunner().invoke(app, ["plan", str(mine), "-f", "ics"])
        assert b"X-KAPPLAN-DISCREET" not in result.stdout_bytes
        assert b"X-KAPPLAN-SESSIONS-ONLY" not in result.stdout_bytes
        assert not parse_previous(result.stdout_bytes, "-").discreet

    def test_a_files_discreet_false_does_not_reveal(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """Only the flag reveals: `discreet = false` in the schedule keeps the calendar discreet."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out, "--discreet")
        mine.write_text("discreet = false\n" + mine.read_text(encoding="utf-8"), "utf-8")
        assert _plan(runner, mine, "-o", out) == (0, "")
        _assert_discreet(out)


class TestNoDiscreet:
    """An explicit --no-discreet reveals, and says so once."""

    NOTE = (
        "kapplan: {calendar} was discreet; --no-discreet writes the real titles into it, "
        "visible to everyone who can see that calendar\n"
    )

    def test_the_one_line_notice(self, runner: CliRunner, mine: Path, tmp_path: Path) -> None:
        """--no-discreet over a discreet calendar writes the titles, with one line on stderr."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out, "--discreet")
        code, stderr = _plan(runner, mine, "-o", out, "--no-discreet")
        assert (code, stderr) == (0, self.NOTE.format(calendar=out))
        calendar = _calendar(out)
        assert "X-KAPPLAN-DISCREET" not in calendar
        titles = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
        assert "IV infusion 1" in titles
        # Now visible, it stays so without the flag, silently.
        revealed = out.read_bytes()
        assert _plan(runner, mine, "-o", out) == (0, "")
        assert out.read_bytes() == revealed

    def test_no_notice_over_a_visible_calendar(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """--no-discreet over a calendar that was not discreet says nothing."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out)
        assert _plan(runner, mine, "-o", out, "--no-discreet") == (0, "")

    def test_the_notice_in_russian(self, runner: CliRunner, mine: Path, tmp_path: Path) -> None:
        """The notice is in the plan's language."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out, "--discreet", "--lang", "ru")
        code, stderr = _plan(runner, mine, "-o", out, "--no-discreet", "--lang", "ru")
        assert code == 0
        assert stderr == (
            f"kapplan: {out} был скрытым; --no-discreet записывает в него настоящие названия, "
            "и их увидят все, кому виден этот календарь\n"
        )


class TestDiscreetInFiles:
    """`discreet = true` in a schedule or a therapist file."""

    def test_in_a_schedule(self, runner: CliRunner, mine: Path, tmp_path: Path) -> None:
        """A schedule's `discreet = true` gives the --discreet calendar; --no-discreet wins."""
        flagged = tmp_path / "flagged.ics"
        _plan(runner, mine, "-o", flagged, "--discreet")
        text = mine.read_text(encoding="utf-8")
        mine.write_text("discreet = true\n" + text, encoding="utf-8")
        out = tmp_path / "p.ics"
        assert _plan(runner, mine, "-o", out) == (0, "")
        _assert_discreet(out)
        assert out.read_bytes() == flagged.read_bytes()
        visible = tmp_path / "visible.ics"
        assert _plan(runner, mine, "-o", visible, "--no-discreet") == (0, "")
        assert "X-KAPPLAN-DISCREET" not in _calendar(visible)

    def test_in_a_therapist_file(self, runner: CliRunner, tmp_path: Path) -> None:
        """`[therapist] discreet = true` makes the caseload's calendar discreet."""
        therapist = tmp_path / "me.toml"
        plain = (ROOT / "examples" / "therapist" / "lisbon.toml").read_text(encoding="utf-8")
        therapist.write_text(plain.replace("[therapist]\n", "[therapist]\ndiscreet = true\n", 1))
        folder = ROOT / "examples" / "caseload"
        out = tmp_path / "sessions.ics"
        assert _plan(runner, folder, "--therapist", therapist, "-o", out) == (0, "")
        data = out.read_bytes().decode("utf-8")
        assert not REVEALING.search(data)
        calendar = _calendar(out)
        assert str(calendar["X-KAPPLAN-DISCREET"]) == "TRUE"
        # Discreet titles are neutral: not even the client's label is written.
        for event in calendar.walk("VEVENT"):
            assert str(event["SUMMARY"]) in NEUTRAL

    def test_schema_has_the_keys(self, runner: CliRunner) -> None:
        """`kapplan schema` offers discreet and sessions_only as booleans."""
        import json

        result = runner.invoke(app, ["schema"])
        properties = json.loads(result.stdout)["properties"]
        for key in ("discreet", "sessions_only"):
            assert properties[key]["type"] == "boolean"


class TestSessionsOnly:
    """--sessions-only: a shared calendar of sessions and doses, without "Personal time"."""

    def test_only_sessions_and_doses(self, runner: CliRunner, mine: Path, tmp_path: Path) -> None:
        """The file holds sessions and doses only, and says so."""
        out = tmp_path / "p.ics"
        assert _plan(runner, mine, "-o", out, "--discreet", "--sessions-only") == (0, "")
        _assert_discreet(out)
        calendar = _calendar(out)
        assert str(calendar["X-KAPPLAN-SESSIONS-ONLY"]) == "TRUE"
        titles = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
        assert set(titles) == {"Appointment", "Session"}
        assert titles.count("Appointment") == 6
        # Remembered: the same command without the flags writes the same file.
        first = out.read_bytes()
        assert _plan(runner, mine, "-o", out) == (0, "")
        assert out.read_bytes() == first

    def test_dropped_events_are_cancelled(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """Over a full export, the practices and advisories are cancelled; sessions and
        doses are left as they were."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out, "--discreet")
        before = _events(out)
        assert _plan(runner, mine, "-o", out, "--sessions-only") == (0, "")
        _assert_discreet(out)
        after = _events(out)
        assert set(after) == set(before)
        kept = {u for u, e in before.items() if str(e["SUMMARY"]) in {"Appointment", "Session"}}
        for uid, event in after.items():
            if uid in kept:
                assert str(event["STATUS"]) == "CONFIRMED"
                assert event.to_ical() == before[uid].to_ical()
            else:
                assert str(event["STATUS"]) == "CANCELLED"
                assert int(event["SEQUENCE"]) == 1
        # --no-sessions-only brings them back, as changed events.
        assert _plan(runner, mine, "-o", out, "--no-sessions-only") == (0, "")
        back = _events(out)
        assert {str(e["STATUS"]) for e in back.values()} == {"CONFIRMED"}
        assert "X-KAPPLAN-SESSIONS-ONLY" not in _calendar(out)

    def test_in_a_schedule(self, runner: CliRunner, mine: Path, tmp_path: Path) -> None:
        """`sessions_only = true` in a schedule, without discreet, keeps the real titles."""
        mine.write_text("sessions_only = true\n" + mine.read_text(encoding="utf-8"), "utf-8")
        out = tmp_path / "p.ics"
        assert _plan(runner, mine, "-o", out) == (0, "")
        calendar = _calendar(out)
        assert "X-KAPPLAN-DISCREET" not in calendar
        titles = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
        assert "IV infusion 1" in titles
        assert not any("Journaling" in t or "Mindfulness" in t for t in titles)

    def test_refused_with_other_formats(self, runner: CliRunner, mine: Path) -> None:
        """--sessions-only, like the other calendar options, is refused with JSON."""
        code, stderr = _plan(runner, mine, "-f", "json", "--sessions-only")
        assert code == 2
        assert stderr == (
            "kapplan: error: --sessions-only applies to calendars; "
            "expected --format ics or -o FILE.ics\n"
        )


class TestPrecedence:
    """Flag > earlier export > schedule or therapist file > config file > default."""

    @staticmethod
    def _settle(
        flag: bool | None, earlier: bool, files: tuple[bool | None, ...], config: bool | None
    ) -> Sourced[bool]:
        user = Configuration("cfg.toml", exists=True, values=UserConfig(discreet=config))
        layers = [CalendarLayer(f"s{n}.toml", value) for n, value in enumerate(files)]
        settings = resolve(user, Flags(discreet=flag), machine_zone="UTC", files=layers)
        return settings.remembering(CalendarLayer("p.ics", discreet=earlier)).discreet

    def test_each_layer(self) -> None:
        """Each layer wins over the ones below it; files that disagree: the private one."""
        assert self._settle(None, False, (), None) == Sourced(False, "default")
        assert self._settle(None, False, (), True) == Sourced(True, "cfg.toml")
        assert self._settle(None, False, (False,), True) == Sourced(False, "s0.toml")
        assert self._settle(None, False, (False, True), False) == Sourced(True, "s1.toml")
        assert self._settle(None, True, (False,), False) == Sourced(True, "p.ics")
        assert self._settle(False, True, (True,), True) == Sourced(False, "--no-discreet")
        assert self._settle(True, False, (False,), False) == Sourced(True, "--discreet")

    def test_a_visible_export_does_not_undo_a_file(self) -> None:
        """An earlier export only ever makes the new one more private."""
        assert self._settle(None, False, (True,), None) == Sourced(True, "s0.toml")


class TestDiff:
    """`kapplan diff` over a calendar compares as a re-export over it would write."""

    def test_a_discreet_calendar_is_compared_discreet(
        self, runner: CliRunner, mine: Path, tmp_path: Path
    ) -> None:
        """Without --discreet, an unchanged schedule leaves a discreet export unchanged."""
        out = tmp_path / "p.ics"
        _plan(runner, mine, "-o", out, "--discreet", "--sessions-only")
        result = runner.invoke(app, ["diff", str(out), str(mine)])
        assert result.exit_code == 0
        assert result.stdout.splitlines()[-1] == (
            "0 moved · 0 added · 0 removed · 0 changed · 23 unchanged"
        )
        flagged = runner.invoke(app, ["diff", str(out), str(mine), "--no-discreet"])
        assert flagged.stdout.splitlines()[-1] == (
            "0 moved · 0 added · 0 removed · 23 changed · 0 unchanged"
        )
