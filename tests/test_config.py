"""The user's config file: where it is, its errors, and default < config < schedule < flag."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest

from kapplan.cli.app import app
from kapplan.edge.config import CONFIG_ENV, STARTER, config_path, load_config
from kapplan.errors import ConfigError
from kapplan.model.reminders import DEFAULT_REMINDER_TEXTS, DEFAULT_REMINDERS, parse_reminder
from kapplan.model.settings import UserConfig
from tests.cli_runner import CliRunner
from tests.conftest import ROOT
from tests.test_golden import SESSION_KINDS

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
DOSE = '[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = "iv"\n'

WriteConfig = Callable[[str], Path]


@pytest.fixture(name="config")
def fixture_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteConfig:
    """Return a function that writes the user's config file and points kapplan at it."""
    path = tmp_path / "cfg" / "config.toml"

    def write(text: str) -> Path:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv(CONFIG_ENV, str(path))
        return path

    return write


@pytest.fixture(name="schedule")
def fixture_schedule(tmp_path: Path) -> Callable[[str], str]:
    """Return a function that writes a schedule file and gives its path."""

    def write(text: str) -> str:
        path = tmp_path / "s.toml"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def _run(runner: CliRunner, *args: str, code: int = 0, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, result.stderr
    return result.stdout if code == 0 else result.stderr


def _settings(runner: CliRunner, *args: str) -> dict[str, tuple[object, str]]:
    """Run `kapplan config --format json` and return {setting: (value, source)}."""
    document = json.loads(_run(runner, "config", "--format", "json", *args))
    return {row["setting"]: (row["value"], row["source"]) for row in document["settings"]}


def _plan_json(runner: CliRunner, path: str, *args: str) -> dict[str, object]:
    return json.loads(_run(runner, "plan", path, "--format", "json", *args))  # type: ignore[no-any-return]


def _ics(runner: CliRunner, path: str, *args: str) -> str:
    return _run(runner, "plan", path, "--format", "ics", *args)


class TestPath:
    """`config_path` finds the file in the platform's config folder, or $KAPPLAN_CONFIG."""

    def test_environment_variable_wins_on_every_platform(self) -> None:
        """$KAPPLAN_CONFIG names the file itself, with ~ expanded."""
        for platform in ("linux", "darwin", "win32"):
            env = {CONFIG_ENV: "~/my.toml", "XDG_CONFIG_HOME": "/x", "APPDATA": "/a"}
            assert config_path(env, platform) == Path.home() / "my.toml"

    def test_empty_environment_variable_is_unset(self) -> None:
        """An empty $KAPPLAN_CONFIG falls back to the platform's folder."""
        env = {CONFIG_ENV: "", "XDG_CONFIG_HOME": "/xdg"}
        assert config_path(env, "linux") == Path("/xdg/kapplan/config.toml")

    @pytest.mark.parametrize("platform", ["linux", "freebsd14", "openbsd7", "cygwin"])
    def test_xdg_config_home(self, platform: str) -> None:
        """Linux and the BSDs use $XDG_CONFIG_HOME/kapplan/config.toml."""
        assert config_path({"XDG_CONFIG_HOME": "/xdg"}, platform) == Path(
            "/xdg/kapplan/config.toml"
        )

    @pytest.mark.parametrize("xdg", [None, "", "relative/dir"])
    def test_xdg_default_is_dot_config(self, xdg: str | None) -> None:
        """Without an absolute $XDG_CONFIG_HOME (unset, empty, relative), ~/.config is used."""
        env = {} if xdg is None else {"XDG_CONFIG_HOME": xdg}
        assert config_path(env, "linux") == Path.home() / ".config" / "kapplan" / "config.toml"

    def test_macos(self) -> None:
        """macOS uses ~/Library/Application Support, whatever $XDG_CONFIG_HOME says."""
        expected = Path.home() / "Library" / "Application Support" / "kapplan" / "config.toml"
        assert config_path({"XDG_CONFIG_HOME": "/xdg"}, "darwin") == expected

    def test_windows(self) -> None:
        """Windows uses %APPDATA%, else the usual Roaming folder under the home folder."""
        appdata = r"C:\Users\m\AppData\Roaming"
        assert config_path({"APPDATA": appdata}, "win32") == Path(appdata) / "kapplan" / (
            "config.toml"
        )
        assert config_path({}, "win32") == Path.home() / "AppData" / "Roaming" / "kapplan" / (
            "config.toml"
        )

    @pytest.mark.parametrize(
        ("platform", "parts"),
        [
            ("linux", (".config",)),
            ("darwin", ("Library", "Application Support")),
            ("win32", ("AppData", "Roaming")),
        ],
    )
    def test_defaults_read_this_process(
        self,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        platform: str,
        parts: tuple[str, ...],
    ) -> None:
        """Without arguments the real sys.platform and environment are used."""
        monkeypatch.setattr(sys, "platform", platform)
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("USERPROFILE", str(tmp_path))
        for name in (CONFIG_ENV, "XDG_CONFIG_HOME", "APPDATA"):
            monkeypatch.delenv(name, raising=False)
        assert config_path() == tmp_path.joinpath(*parts, "kapplan", "config.toml")

    def test_path_option_prints_the_path_found_or_not(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`kapplan config --path` prints the path even when no file is there."""
        monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "nothing" / "here.toml"))
        assert _run(runner, "config", "--path") == f"{tmp_path / 'nothing' / 'here.toml'}\n"
        assert not (tmp_path / "nothing").exists()


class TestLoad:
    """Reading the config: missing is fine, bad is one located line, nothing is written."""

    def test_missing_file_gives_defaults_and_creates_nothing(self, tmp_path: Path) -> None:
        """A missing config is no error, and reading it creates no folder."""
        path = tmp_path / "absent" / "kapplan" / "config.toml"
        configuration = load_config(path)
        assert (configuration.exists, configuration.values) == (False, UserConfig())
        assert not (tmp_path / "absent").exists()

    def test_no_file_is_every_default_as_validation_gives_it(self) -> None:
        """`UserConfig.empty` (no validator built) is `UserConfig()`, field for field."""
        empty, validated = UserConfig.empty(), UserConfig()
        assert empty == validated
        assert empty.model_fields_set == validated.model_fields_set == set()
        assert empty.model_dump() == validated.model_dump()

    def test_commands_create_nothing(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`plan` and `config` read the platform's folder without creating it."""
        monkeypatch.delenv(CONFIG_ENV)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        monkeypatch.setattr(sys, "platform", "linux")
        example = str(ROOT / "examples" / "iv-six-infusions.toml")
        _run(runner, "plan", example, "-f", "json")
        _run(runner, "config")
        assert not (tmp_path / "xdg").exists()

    def test_values_are_read(self, config: WriteConfig) -> None:
        """Every key is read; a key left out stays None (not set)."""
        path = config('language = "ru"\nreminders = []\n[availability]\ndays = ["Saturday"]\n')
        values = load_config(path).values
        assert (values.language, values.reminders, values.discreet) == ("ru", (), None)
        assert values.availability is not None
        assert values.availability.days == ("sat",)
        assert values.availability.model_fields_set == {"days"}

    def test_default_reminder_texts_match_the_calendar_defaults(self) -> None:
        """The reminders `kapplan config` shows by default are the ones .ics uses."""
        assert tuple(parse_reminder(t) for t in DEFAULT_REMINDER_TEXTS) == DEFAULT_REMINDERS

    BAD: ClassVar[dict[str, tuple[str, str]]] = {
        "unknown key": (
            'language = "en"\ncolour = true\n',
            "cfg.toml:2: colour: unknown key 'colour'; expected one of language, timezone, "
            "availability, reminders, discreet, sessions_only, caldav_url",
        ),
        "unknown language": (
            'language = "de"\n',
            "cfg.toml:1: language: unknown language 'de'; expected one of en, ru",
        ),
        "unknown zone": (
            '\ntimezone = "Mars/Base"\n',
            "cfg.toml:2: timezone: unknown time zone 'Mars/Base'; "
            "expected an IANA name such as Europe/Berlin",
        ),
        "bad lead time": (
            'reminders = ["1d", "2x"]\n',
            "cfg.toml:1: reminders[2]: '2x' is not a lead time; use a number and a unit, "
            "e.g. 15m, 2h, 1d or 1w",
        ),
        "lead time too far": (
            'reminders = ["5w"]\n',
            "cfg.toml:1: reminders[1]: '5w' is too far ahead; a reminder can be at most "
            "4 weeks (4w) before",
        ),
        "reminders not a list": (
            'reminders = "1d"\n',
            'cfg.toml:1: reminders: got \'1d\'; expected a list such as ["1d", "1h"], '
            "or [] for none",
        ),
        "discreet not a boolean": (
            'discreet = "yes"\n',
            "cfg.toml:1: discreet: got 'yes'; expected a valid boolean",
        ),
        "bad hours": (
            '[availability]\ndays = ["mon"]\nhours = "9-5"\n',
            "cfg.toml:3: availability.hours: cannot read '9-5'; expected HH:MM-HH:MM, "
            "e.g. 09:00-18:00",
        ),
        "bad day": (
            '[availability]\ndays = ["someday"]\n',
            "cfg.toml:2: availability.days: unknown day 'someday'; "
            "expected mon, tue, wed, thu, fri, sat or sun",
        ),
        "unknown availability key": (
            "[availability]\nbreaks = []\n",
            "cfg.toml:2: availability.breaks: unknown key 'breaks'; "
            "expected one of days, hours, days_off, holidays",
        ),
        "not TOML": ("language = \n", "cfg.toml:1: not valid TOML: Invalid value"),
    }

    @pytest.mark.parametrize("command", ["config", "plan"])
    @pytest.mark.parametrize(("text", "expected"), BAD.values(), ids=BAD.keys())
    def test_bad_config_is_one_located_line(
        self,
        runner: CliRunner,
        config: WriteConfig,
        command: str,
        text: str,
        expected: str,
    ) -> None:
        """Every command that reads the config reports its problem the same way, exit 2."""
        path = config(text)
        args = [command] + ([str(ROOT / "examples" / "spravato.toml")] if command == "plan" else [])
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == f"kapplan: error: {expected.replace('cfg.toml', str(path))}\n"

    def test_not_utf8(self, runner: CliRunner, config: WriteConfig) -> None:
        """A config that is not UTF-8 names the line of the bad byte."""
        path = config("")
        path.write_bytes(b'language = "en"\n# caf\xe9\n')
        error = _run(runner, "config", code=2)
        assert error == (
            f"kapplan: error: {path}:2: not UTF-8 text (byte 0xe9); "
            "expected a kapplan config file (TOML) in UTF-8\n"
        )

    def test_folder(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A folder where the file should be is an error, not defaults."""
        monkeypatch.setenv(CONFIG_ENV, str(tmp_path))
        assert _run(runner, "config", code=2) == (
            f"kapplan: error: {tmp_path}: is a folder; expected a kapplan config file (TOML)\n"
        )

    def test_stdin_is_not_a_config(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """$KAPPLAN_CONFIG=- is refused: stdin is for schedules."""
        monkeypatch.setenv(CONFIG_ENV, "-")
        with pytest.raises(ConfigError, match=r"KAPPLAN_CONFIG is '-'"):
            load_config()


class TestInit:
    """`kapplan config --init` writes a commented starter file, never over one."""

    def test_writes_a_valid_starter_and_its_folder(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The starter (folders created) loads as an all-default config."""
        path = tmp_path / "new" / "kapplan" / "config.toml"
        monkeypatch.setenv(CONFIG_ENV, str(path))
        result = runner.invoke(app, ["config", "--init"])
        assert (result.exit_code, result.stderr) == (0, f"kapplan: wrote {path}\n")
        assert path.read_text(encoding="utf-8") == STARTER
        assert load_config(path).values == UserConfig()

    def test_starter_lines_uncommented_are_a_valid_config(self, tmp_path: Path) -> None:
        """Each commented-out setting in the starter is valid once uncommented."""
        text = "\n".join(
            line[2:] for line in STARTER.splitlines() if re.match(r"# (\[|\w+ = )", line)
        )
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        values = load_config(path).values
        assert values.model_fields_set == set(UserConfig.model_fields)

    def test_never_overwrites(self, runner: CliRunner, config: WriteConfig) -> None:
        """An existing config is left alone, even kapplan's own starter."""
        path = config(STARTER)
        assert _run(runner, "config", "--init", code=2) == (
            f"kapplan: error: {path}: already exists; expected no file there "
            "(edit it, or move it away first)\n"
        )
        assert path.read_text(encoding="utf-8") == STARTER


class TestLanguage:
    """language: default en < config < schedule's `language` < --lang."""

    @pytest.mark.parametrize(
        ("in_config", "in_schedule", "flag", "expected", "source"),
        [
            (None, None, None, "en", "default"),
            ("ru", None, None, "ru", "config"),
            ("ru", "en", None, "en", "schedule"),
            (None, "ru", None, "ru", "schedule"),
            ("en", "ru", None, "ru", "schedule"),
            ("en", "en", "ru", "ru", "--lang"),
            ("ru", "ru", "en", "en", "--lang"),
            ("ru", None, "en", "en", "--lang"),
        ],
    )
    def test_each_level_wins_over_the_ones_below(
        self,
        runner: CliRunner,
        config: WriteConfig,
        schedule: Callable[[str], str],
        in_config: str | None,
        in_schedule: str | None,
        flag: str | None,
        expected: str,
        source: str,
    ) -> None:
        """`kapplan config` names the winning level, and the plan is in its language."""
        config_file = config(f'language = "{in_config}"\n' if in_config else "")
        path = schedule((f'language = "{in_schedule}"\n' if in_schedule else "") + DOSE)
        flags = ["--lang", flag] if flag else []
        value, where = _settings(runner, path, *flags)["language"]
        sources = {"default": "default", "config": str(config_file), "schedule": path}
        assert (value, where) == (expected, sources.get(source, source))
        titles = " ".join(e["title"] for e in _plan_json(runner, path, *flags)["events"])  # type: ignore[attr-defined]
        assert bool(CYRILLIC.search(titles)) == (expected == "ru")

    def test_caseload_agenda_follows_the_config(
        self, runner: CliRunner, config: WriteConfig
    ) -> None:
        """A caseload's agenda is in the config's language; --lang still wins."""
        config('language = "ru"\n')
        folder = str(ROOT / "examples" / "caseload")
        assert CYRILLIC.search(_run(runner, "plan", folder))
        assert not CYRILLIC.search(_run(runner, "plan", folder, "--lang", "en"))


class TestTimezone:
    """timezone: this machine's < config < the schedule's `timezone` (no flag)."""

    def test_config_zone_reads_schedules_without_one(
        self, runner: CliRunner, config: WriteConfig, schedule: Callable[[str], str]
    ) -> None:
        """A schedule naming no zone is read in the config's zone, not the machine's."""
        path = schedule(DOSE)
        assert _plan_json(runner, path)["timezone"] == "UTC"  # the runner's TZ
        assert _settings(runner, path)["timezone"] == ("UTC", "default")
        config_file = config('timezone = "Asia/Tokyo"\n')
        data = _plan_json(runner, path)
        assert data["timezone"] == "Asia/Tokyo"
        assert data["infusions"][0]["at"] == "2026-12-01T10:00:00+09:00"  # type: ignore[index]
        assert _settings(runner, path)["timezone"] == ("Asia/Tokyo", str(config_file))

    def test_schedule_zone_wins(
        self, runner: CliRunner, config: WriteConfig, schedule: Callable[[str], str]
    ) -> None:
        """A schedule's own zone beats the config's."""
        config('timezone = "Asia/Tokyo"\n')
        path = schedule('timezone = "Europe/Berlin"\n' + DOSE)
        assert _plan_json(runner, path)["timezone"] == "Europe/Berlin"
        assert _settings(runner, path)["timezone"] == ("Europe/Berlin", path)

    def test_caseload_clock(self, runner: CliRunner, config: WriteConfig) -> None:
        """Without --therapist, a caseload's clock is the config's zone."""
        folder = str(ROOT / "examples" / "caseload")
        assert _plan_json(runner, folder)["timezone"] == "UTC"
        config('timezone = "Asia/Tokyo"\n')
        assert _plan_json(runner, folder)["timezone"] == "Asia/Tokyo"


def _session_slots(data: dict[str, object]) -> set[tuple[int, int]]:
    """Return the (weekday, hour) of every therapy session's start."""
    events = data["events"]
    assert isinstance(events, list)
    starts = [datetime.fromisoformat(e["start"]) for e in events if e["kind"] in SESSION_KINDS]
    assert starts
    return {(s.weekday(), s.hour) for s in starts}


class TestAvailability:
    """[availability]: default < config < the schedule's own table (taken whole)."""

    CONFIG = '[availability]\ndays = ["sat"]\nhours = "10:00-12:00"\n'

    def test_default(self, runner: CliRunner, schedule: Callable[[str], str]) -> None:
        """Without config or table, sessions fall Monday to Friday, 09:00-18:00."""
        slots = _session_slots(_plan_json(runner, schedule(DOSE)))
        assert all(day < 5 and 9 <= hour < 18 for day, hour in slots)

    def test_config_applies_to_a_schedule_without_a_table(
        self, runner: CliRunner, config: WriteConfig, schedule: Callable[[str], str]
    ) -> None:
        """The config's days and hours place the sessions."""
        config_file = config(self.CONFIG)
        path = schedule(DOSE)
        assert _session_slots(_plan_json(runner, path)) <= {(5, 10), (5, 11)}
        settings = _settings(runner, path)
        assert settings["availability.days"] == (["sat"], str(config_file))
        assert settings["availability.hours"] == ("10:00-12:00", str(config_file))

    def test_schedule_table_wins_whole(
        self, runner: CliRunner, config: WriteConfig, schedule: Callable[[str], str]
    ) -> None:
        """A schedule's [availability], even with hours only, replaces the config's table."""
        config(self.CONFIG)
        path = schedule(DOSE + '[availability]\nhours = "13:00-15:00"\n')
        slots = _session_slots(_plan_json(runner, path))
        assert all(day < 5 and hour in (13, 14) for day, hour in slots)
        settings = _settings(runner, path)
        assert settings["availability.days"] == (["mon", "tue", "wed", "thu", "fri"], "default")
        assert settings["availability.hours"] == ("13:00-15:00", path)

    def test_config_table_with_days_only(
        self, runner: CliRunner, config: WriteConfig, schedule: Callable[[str], str]
    ) -> None:
        """A config table that sets only days keeps the default hours."""
        config_file = config('[availability]\ndays = ["sun"]\n')
        path = schedule(DOSE)
        slots = _session_slots(_plan_json(runner, path))
        assert all(day == 6 and 9 <= hour < 18 for day, hour in slots)
        assert _settings(runner, path)["availability.hours"] == ("09:00-18:00", "default")
        assert _settings(runner, path)["availability.days"] == (["sun"], str(config_file))

    def test_config_days_off_and_holidays(
        self, runner: CliRunner, config: WriteConfig, schedule: Callable[[str], str]
    ) -> None:
        """The config's days off and holidays keep sessions off those dates (the sessions
        after 1 Dec and 24 Dec would be on 2 Dec and 25 Dec), for a schedule without
        [availability], and `kapplan config` names them with their source."""
        config_file = config(
            '[availability]\ndays_off = ["2026-12-02..2026-12-03"]\nholidays = "DE"\n'
        )
        christmas_eve = DOSE.replace("2026-12-01", "2026-12-24")
        path = schedule('timezone = "Europe/Berlin"\n' + DOSE + christmas_eve)
        events = _plan_json(runner, path)["events"]
        assert isinstance(events, list)
        days = {e["start"][:10] for e in events if e["kind"] in SESSION_KINDS}
        assert not days & {"2026-12-02", "2026-12-03", "2026-12-25", "2026-12-26"}
        settings = _settings(runner, path)
        assert settings["availability.days_off"] == (["2026-12-02..2026-12-03"], str(config_file))
        assert settings["availability.holidays"] == ("DE", str(config_file))


def _triggers(ics: str) -> set[str]:
    return {line for line in ics.splitlines() if line.startswith("TRIGGER")}


class TestCalendarOptions:
    """reminders and discreet: default < config < flag, for .ics only."""

    EXAMPLE = str(ROOT / "examples" / "iv-six-infusions.toml")

    def test_config_reminders(self, runner: CliRunner, config: WriteConfig) -> None:
        """Config reminders give the same calendar as the same --remind flags."""
        assert _triggers(_ics(runner, self.EXAMPLE)) == {"TRIGGER:-P1D", "TRIGGER:-PT1H"}
        flagged = _ics(runner, self.EXAMPLE, "--remind", "2h", "--remind", "15m")
        config('reminders = ["2h", "15m"]\n')
        assert _ics(runner, self.EXAMPLE) == flagged
        assert _triggers(flagged) == {"TRIGGER:-PT2H", "TRIGGER:-PT15M"}

    def test_config_no_reminders(self, runner: CliRunner, config: WriteConfig) -> None:
        """`reminders = []` is --no-remind; --remind replaces it."""
        config("reminders = []\n")
        assert _ics(runner, self.EXAMPLE) == _ics(runner, self.EXAMPLE, "--no-remind")
        assert "VALARM" not in _ics(runner, self.EXAMPLE)
        assert _triggers(_ics(runner, self.EXAMPLE, "--remind", "30m")) == {"TRIGGER:-PT30M"}

    def test_flags_replace_config_reminders(self, runner: CliRunner, config: WriteConfig) -> None:
        """--remind replaces (does not add to) the config's list; --no-remind drops it."""
        config('reminders = ["2h"]\n')
        assert _triggers(_ics(runner, self.EXAMPLE, "--remind", "1w")) == {"TRIGGER:-P1W"}
        assert "VALARM" not in _ics(runner, self.EXAMPLE, "--no-remind")
        settings = _settings(runner, "--no-remind")
        assert settings["reminders"] == ([], "--no-remind")
        assert _settings(runner, "--remind", "1w")["reminders"] == (["1w"], "--remind")

    def test_config_discreet(self, runner: CliRunner, config: WriteConfig) -> None:
        """`discreet = true` gives the --discreet calendar; --no-discreet overrides it."""
        plain = _ics(runner, self.EXAMPLE)
        discreet = _ics(runner, self.EXAMPLE, "--discreet")
        assert plain != discreet
        assert _ics(runner, self.EXAMPLE, "--no-discreet") == plain
        config_file = config("discreet = true\n")
        assert _ics(runner, self.EXAMPLE) == discreet
        assert _ics(runner, self.EXAMPLE, "--no-discreet") == plain
        assert _settings(runner)["discreet"] == (True, str(config_file))
        assert _settings(runner, "--no-discreet")["discreet"] == (False, "--no-discreet")

    def test_config_false_and_flag_true(self, runner: CliRunner, config: WriteConfig) -> None:
        """--discreet beats `discreet = false`."""
        discreet = _ics(runner, self.EXAMPLE, "--discreet")
        config("discreet = false\n")
        assert _ics(runner, self.EXAMPLE, "--discreet") == discreet

    def test_caseload_calendar(self, runner: CliRunner, config: WriteConfig) -> None:
        """A caseload's calendar takes the config's calendar options too."""
        folder = str(ROOT / "examples" / "caseload")
        flagged = _ics(runner, folder, "--discreet", "--no-remind")
        config("discreet = true\nreminders = []\n")
        assert _ics(runner, folder) == flagged

    @pytest.mark.parametrize("output_format", ["json", "terminal"])
    def test_not_used_for_other_formats(
        self, runner: CliRunner, config: WriteConfig, output_format: str
    ) -> None:
        """Config calendar options are not flags: JSON and terminal output ignore them."""
        before = _run(runner, "plan", self.EXAMPLE, "-f", output_format)
        config('discreet = true\nreminders = ["2h"]\n')
        assert _run(runner, "plan", self.EXAMPLE, "-f", output_format) == before

    def test_no_discreet_flag_is_for_calendars(self, runner: CliRunner) -> None:
        """--no-discreet, like --discreet, is refused with another format."""
        error = _run(runner, "plan", self.EXAMPLE, "-f", "json", "--no-discreet", code=2)
        assert error == (
            "kapplan: error: --no-discreet applies to calendars; expected --format ics or "
            "-o FILE.ics\n"
        )


class TestConfigCommand:
    """`kapplan config`: a table or JSON of every setting and its source."""

    def test_table_of_defaults(self, runner: CliRunner, tmp_path: Path) -> None:
        """Without a config file, every setting is the default, and the table says so."""
        path = config_path()
        assert _run(runner, "config") == (
            f"config file: {path} (not found; using defaults)\n"
            "\n"
            "setting                value                    source\n"
            "language               en                       default\n"
            "timezone               UTC                      default\n"
            "availability.days      mon, tue, wed, thu, fri  default\n"
            "availability.hours     09:00-18:00              default\n"
            "availability.days_off  none                     default\n"
            "availability.holidays  none                     default\n"
            "reminders              1d, 1h                   default\n"
            "discreet               false                    default\n"
            "sessions_only          false                    default\n"
            "caldav_url             none                     default\n"
            "\n"
            "reminders, discreet and sessions_only apply to calendar (.ics) output only.\n"
        )

    def test_table_of_every_source(
        self, runner: CliRunner, config: WriteConfig, schedule: Callable[[str], str]
    ) -> None:
        """Defaults, the config file, the schedule and flags each name themselves."""
        c = config('language = "ru"\nreminders = []\n[availability]\ndays = ["sat"]\n')
        s = schedule('timezone = "Europe/Lisbon"\n' + DOSE)
        table = _run(runner, "config", s, "--discreet")
        assert table.splitlines()[:2] == [f"config file: {c}", f"schedule:    {s}"]
        rows = [line.split(None, 2) for line in table.splitlines()[4:12]]
        assert rows == [
            ["language", "ru", str(c)],
            ["timezone", "Europe/Lisbon", s],
            ["availability.days", "sat", str(c)],
            ["availability.hours", "09:00-18:00", "default"],
            ["availability.days_off", "none", "default"],
            ["availability.holidays", "none", "default"],
            ["reminders", "none", str(c)],
            ["discreet", "true", "--discreet"],
        ]

    def test_json(self, runner: CliRunner, config: WriteConfig) -> None:
        """JSON keeps the config file's place and typed values, in the table's order."""
        c = config('discreet = true\nreminders = ["2h", "1d"]\n')
        document = json.loads(_run(runner, "config", "-f", "json", "--lang", "ru"))
        assert document["config"] == {"path": str(c), "exists": True}
        assert document["schedule"] is None
        assert document["settings"] == [
            {"setting": "language", "value": "ru", "source": "--lang"},
            {"setting": "timezone", "value": "UTC", "source": "default"},
            {
                "setting": "availability.days",
                "value": ["mon", "tue", "wed", "thu", "fri"],
                "source": "default",
            },
            {"setting": "availability.hours", "value": "09:00-18:00", "source": "default"},
            {"setting": "availability.days_off", "value": [], "source": "default"},
            {"setting": "availability.holidays", "value": None, "source": "default"},
            {"setting": "reminders", "value": ["2h", "1d"], "source": str(c)},
            {"setting": "discreet", "value": True, "source": str(c)},
            {"setting": "sessions_only", "value": False, "source": "default"},
            {"setting": "caldav_url", "value": None, "source": "default"},
        ]

    def test_schedule_from_stdin(self, runner: CliRunner) -> None:
        """A schedule on stdin is credited to <stdin>."""
        document = json.loads(
            _run(runner, "config", "-", "-f", "json", stdin='language = "ru"\n' + DOSE)
        )
        assert document["schedule"] == "<stdin>"
        assert document["settings"][0] == {
            "setting": "language",
            "value": "ru",
            "source": "<stdin>",
        }

    def test_bad_schedule_is_located(
        self, runner: CliRunner, schedule: Callable[[str], str]
    ) -> None:
        """The schedule is checked as fully as `plan` checks it."""
        path = schedule('language = "xx"\n' + DOSE)
        assert _run(runner, "config", path, code=2) == (
            f"kapplan: error: {path}:1: language: unknown language 'xx'; expected one of en, ru\n"
        )

    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (
                ["--remind", "2x"],
                "--remind: '2x' is not a lead time; use a number and a unit, "
                "e.g. 15m, 2h, 1d or 1w",
            ),
            (
                ["--remind", "1h", "--no-remind"],
                "--remind and --no-remind contradict each other; expected one of them",
            ),
        ],
        ids=["bad lead time", "contradiction"],
    )
    def test_bad_flags(self, runner: CliRunner, args: list[str], expected: str) -> None:
        """Flags are checked as `plan` checks them."""
        assert _run(runner, "config", *args, code=2) == f"kapplan: error: {expected}\n"

    def test_no_calendar_format(self, runner: CliRunner) -> None:
        """Settings come as a table or JSON only."""
        result = runner.invoke(app, ["config", "--format", "ics"])
        assert result.exit_code == 2
        assert result.stderr == "kapplan: error: unknown format 'ics'; use terminal or json\n"

    def test_help_has_examples(self, runner: CliRunner) -> None:
        """`kapplan config --help` explains the file's place and gives examples."""
        text = _run(runner, "config", "--help")
        assert "Examples:" in text
        assert "kapplan config --init" in text
        assert "KAPPLAN_CONFIG" in text

    def test_readme_example_is_a_valid_config(self, tmp_path: Path) -> None:
        """The README's example config file loads, with every key set."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
        example = section.split("```toml\n", 1)[1].split("```", 1)[0]
        path = tmp_path / "config.toml"
        path.write_text(example, encoding="utf-8")
        assert load_config(path).values.model_fields_set == set(UserConfig.model_fields)
