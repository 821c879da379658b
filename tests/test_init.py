"""`kapplan init` and kapplan.edge.starter: presets, answers, prompts, and the file it writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from kapplan.cli.app import app
from kapplan.edge.load import default_rulebook, schedule_from_text
from kapplan.edge.starter import (
    MAX_DOSES,
    MAX_MAINTENANCE,
    PRESETS,
    Answers,
    Every,
    Preset,
    default_start,
    next_steps,
    parse_count,
    parse_every,
    parse_maintenance_every,
    parse_method,
    parse_start,
    starter_toml,
)
from kapplan.engine import build_plan
from kapplan.errors import BadAnswer
from kapplan.i18n import catalogue, catalogues
from kapplan.model.fields import METHOD_ALIASES
from kapplan.model.plan import EventKind
from kapplan.model.schedule import Availability, PlanSettings
from kapplan.model.zones import localize
from tests.cli_runner import CliRunner
from tests.test_languages import Allowed, _names

MONDAY = date(2027, 1, 4)
ZONE_AND_DATE = ("--timezone", "Europe/Berlin", "--start", "2027-01-04")

#: The dose dates each preset gives from Monday 2027-01-04 with its defaults.
PRESET_DOSES = {
    Preset.CUSTOM: ["01-04", "01-07", "01-11", "01-14", "01-18", "01-21"],
    Preset.IV_SIX: ["01-04", "01-07", "01-11", "01-14", "01-18", "01-21"],
    Preset.ESKETAMINE: [
        # Weeks 1-4 twice a week, weeks 5-8 weekly, then 4 doses every 2 weeks.
        *("01-04", "01-07", "01-11", "01-14", "01-18", "01-21", "01-25", "01-28"),
        *("02-01", "02-08", "02-15", "02-22"),
        *("03-01", "03-15", "03-29", "04-12"),
    ],
    Preset.ORAL: ["01-04", "01-07", "01-11", "01-14", "01-18", "01-21", "01-25", "01-28"],
}


def _defaults(preset: Preset, zone: str = "Europe/Berlin") -> Answers:
    """Return a preset's default answers for a course starting Monday 2027-01-04."""
    info = PRESETS[preset]
    every = parse_maintenance_every if preset is Preset.ESKETAMINE else parse_every
    return Answers(
        preset=preset,
        timezone=zone,
        method=str(info.method or "iv"),
        start=datetime.combine(MONDAY, info.at),
        count=info.count,
        every=every(info.every),
    )


@pytest.mark.parametrize("preset", list(Preset), ids=str)
class TestPresets:
    """Each preset writes a file that loads, plans, has its dose dates and names its source."""

    def test_golden(
        self, preset: Preset, runner: CliRunner, golden: Callable[[str, bytes], None]
    ) -> None:
        """`init -` writes tests/golden/init/<preset>.toml for a fixed zone and first date."""
        result = runner.invoke(
            app,
            ["init", "-", "--no-interactive", f"--preset={preset}", *ZONE_AND_DATE],
        )
        assert (result.exit_code, result.stderr) == (0, "")
        assert result.stdout == starter_toml(_defaults(preset))
        golden(f"init/{preset}.toml", result.stdout.encode())

    def test_loads_and_plans(self, preset: Preset) -> None:
        """The file loads, has the expected doses in order, and the plan has one event each."""
        answers = _defaults(preset)
        schedule = schedule_from_text(starter_toml(answers), "s.toml")
        doses, notes = schedule.doses()
        assert notes == []
        assert [f"{d.start:%m-%d}" for d in doses] == PRESET_DOSES[preset]
        assert {d.start.time() for d in doses} == {PRESETS[preset].at}
        assert {d.method for d in doses} == {PRESETS[preset].method or "iv"}
        plan = build_plan(schedule, default_rulebook(), texts=catalogues())
        assert sum(e.kind is EventKind.INFUSION for e in plan.events) == len(PRESET_DOSES[preset])
        assert any(e.kind is EventKind.INTEGRATION_SESSION for e in plan.events)

    def test_names_its_source(self, preset: Preset) -> None:
        """A preset's header names where its schedule comes from; custom says it is yours."""
        header = starter_toml(_defaults(preset)).split("\ntimezone", 1)[0]
        if preset is Preset.CUSTOM:
            assert "your answers" in header
            assert "Source:" not in header
        else:
            assert "# Source: " in header
        expected = {
            Preset.IV_SIX: [
                "000 (Ketamine Integration",
                "001 (Integration",
                "6-infusion",
                "two to three",
            ],
            Preset.ESKETAMINE: ["product label", "weeks 1-4", "weeks 5-8", "week 9", "000"],
            Preset.ORAL: ["(003,", "How to Make Ketamine", "examples/oral-at-home.toml"],
        }
        for words in expected.get(preset, []):
            assert words in header

    def test_commented_tables_are_the_defaults(self, preset: Preset) -> None:
        """Uncommenting [plan] and [availability] gives a valid file with the same settings."""
        text = starter_toml(_defaults(preset))
        body, tables = text.split("# [plan]\n", 1)
        opened = "[plan]\n" + "\n".join(
            line.removeprefix("# ") if line.startswith(("# [", "# ")) and " = " in line else line
            for line in tables.replace("# [availability]", "[availability]").splitlines()
        )
        schedule = schedule_from_text(body + opened, "s.toml")
        assert {"plan", "availability"} <= schedule.model_fields_set
        assert schedule.plan == PlanSettings()
        assert schedule.availability == Availability()


class TestEvery:
    """The --every language."""

    @pytest.mark.parametrize(
        ("text", "every", "days"),
        [
            ("3d", Every(days=3), [0, 3, 6, 9]),
            ("daily", Every(days=1), [0, 1, 2, 3]),
            ("2w", Every(days=14), [0, 14, 28, 42]),
            (" Weekly ", Every(days=7), [0, 7, 14, 21]),
            ("10 days", Every(days=10), [0, 10, 20, 30]),
            ("2/week", Every(per_week=2), [0, 3, 7, 10]),
            ("3/wk", Every(per_week=3), [0, 2, 4, 7]),
            ("1/week", Every(per_week=1), [0, 7, 14, 21]),
            ("7/week", Every(per_week=7), [0, 1, 2, 3]),
        ],
    )
    def test_reads(self, text: str, every: Every, days: list[int]) -> None:
        """Each form reads, round-trips through str, and spaces doses as documented."""
        assert parse_every(text) == every
        assert parse_every(str(every)) == every
        assert every.offsets(4) == days

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("fortnightly", "cannot read 'fortnightly'; expected e.g. 3d"),
            ("0d", "'0d' is out of range; expected 1d to 60d"),
            ("61d", "'61d' is out of range; expected 1d to 60d"),
            ("9w", "'9w' is too far apart; expected 1w to 8w"),
            ("8/week", "'8/week' is not a number of doses a week; expected 1/week to 7/week"),
        ],
    )
    def test_refuses(self, text: str, message: str) -> None:
        """Out-of-range or unreadable intervals name what is expected."""
        with pytest.raises(BadAnswer, match="^--every: " + message):
            parse_every(text)

    def test_esketamine_maintenance_is_weekly_or_fortnightly(self) -> None:
        """The label allows maintenance every week or every two weeks, nothing else."""
        assert parse_maintenance_every("14d") == Every(days=14)
        assert parse_maintenance_every("weekly") == Every(days=7)
        for text in ("3d", "2/week", "3w"):
            with pytest.raises(BadAnswer, match="expected weekly or 2w"):
                parse_maintenance_every(text)

    def test_describes(self) -> None:
        """Intervals read as words in the file's comments."""
        words = [
            Every(per_week=2).describe(),
            Every(per_week=3).describe(),
            Every(days=1).describe(),
            Every(days=14).describe(),
            Every(days=3).describe(),
        ]
        assert words == [
            "twice a week",
            "3 times a week",
            "every day",
            "every 2 weeks",
            "every 3 days",
        ]


class TestAnswers:
    """The other answers' checks and defaults."""

    @pytest.mark.parametrize(
        ("today", "first"),
        [
            (date(2027, 1, 4), date(2027, 1, 11)),  # a Monday: the next Monday, 7 days on
            (date(2027, 1, 5), date(2027, 1, 18)),  # a Tuesday: 13 days on
            (date(2027, 1, 10), date(2027, 1, 18)),  # a Sunday: 8 days on
        ],
    )
    def test_default_start_leaves_a_week(self, today: date, first: date) -> None:
        """The default first dose is the first Monday at least 7 days away (room to prepare)."""
        assert default_start(today, time(10, 0)) == datetime.combine(first, time(10, 0))

    def test_start_forms(self) -> None:
        """A date takes the preset's time of day; a time given wins."""
        assert parse_start("2027-01-04", time(19, 0)) == datetime(2027, 1, 4, 19, 0)
        assert parse_start("2027-01-04 08:30") == datetime(2027, 1, 4, 8, 30)
        assert parse_start("2027-01-04T08:30:15") == datetime(2027, 1, 4, 8, 30, 15)

    def test_method_must_fit_the_preset(self) -> None:
        """A preset fixes its method; its aliases are kept as spelled."""
        assert parse_method("Spravato", Preset.ESKETAMINE) == "spravato"
        assert parse_method("sublingual", Preset.ORAL) == "sublingual"
        with pytest.raises(BadAnswer, match=r"^--method: im does not fit --preset iv-six"):
            parse_method("im", Preset.IV_SIX)

    def test_count_bounds(self) -> None:
        """Counts are whole numbers in range, maintenance may be zero."""
        assert parse_count("60") == MAX_DOSES
        assert parse_count("0", low=0, high=MAX_MAINTENANCE, flag="--maintenance") == 0
        for text in ("0", "61", "-1", "2.5", "six"):
            with pytest.raises(BadAnswer, match="expected a whole number from 1 to 60"):
                parse_count(text)

    def test_esketamine_without_maintenance(self) -> None:
        """--maintenance 0 stops after week 8: the label's first 12 doses."""
        answers = Answers(
            preset=Preset.ESKETAMINE,
            timezone="UTC",
            method="esketamine",
            start=datetime(2027, 1, 4, 10),
            count=0,
            every=Every(days=14),
        )
        text = starter_toml(answers)
        assert len(schedule_from_text(text, "s.toml").doses()[0]) == 12
        assert "Maintenance from week 9" not in text

    def test_client_is_escaped(self) -> None:
        """A client name with quotes, backslashes or newlines stays one TOML string."""
        name = 'A. "Patient" \\ 2\nsecond line'
        text = starter_toml(replace(_defaults(Preset.CUSTOM), client=name))
        assert schedule_from_text(text, "s.toml").client == name


def _init(runner: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["init", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


FLAGS = ["--timezone", "America/New_York", "--start", "2027-01-05 09:30"]


BAD_FLAGS = {
    "unknown preset": (
        ["--preset", "ivv"],
        "--preset: unknown preset 'ivv'; expected one of custom, iv-six, esketamine, oral",
    ),
    "unknown zone": (
        ["--timezone", "Mars/Base"],
        "--timezone: unknown time zone 'Mars/Base'; expected an IANA name such as "
        "Europe/Berlin, or a city such as London",
    ),
    "no such date": (
        ["--start", "2027-02-30"],
        "--start: cannot read '2027-02-30' as a date; "
        "expected YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2026-12-07 10:00",
    ),
    "offset": (
        ["--start", "2027-01-04T10:00+01:00"],
        "--start: '2027-01-04T10:00+01:00' has a UTC offset; expected a local time in the "
        "schedule's zone (choose the zone with --timezone)",
    ),
    "year": (
        ["--start", "1999-12-31"],
        "--start: '1999-12-31' is in 1999; expected a year from 2000 to 2099",
    ),
    "zero doses": (
        ["--count", "0"],
        "--count: '0' is not a number of doses; expected a whole number from 1 to 60",
    ),
    "not a count": (
        ["--count", "many"],
        "--count: 'many' is not a number of doses; expected a whole number from 1 to 60",
    ),
    "interval": (
        ["--every", "often"],
        "--every: cannot read 'often'; expected e.g. 3d or every 3 days, 2w or every 2 weeks, "
        "2/week, 2x/week or twice a week, daily or weekly",
    ),
    "unknown method": (
        ["--method", "ivv"],
        "--method: unknown method 'ivv'; "
        "expected one of iv, im, esketamine, oral (or spravato, sublingual, troche, lozenge)",
    ),
    "method of another preset": (
        ["--preset", "esketamine", "--method", "oral"],
        "--method: oral does not fit --preset esketamine; "
        "expected esketamine (or --preset custom for another method)",
    ),
    "count for esketamine": (
        ["--preset", "esketamine", "--count", "20"],
        "--count: does not apply to --preset esketamine; "
        "expected --maintenance for the doses after week 8",
    ),
    "too much maintenance": (
        ["--preset", "esketamine", "--maintenance", "53"],
        "--maintenance: '53' is not a number of doses; expected a whole number from 0 to 52",
    ),
    "maintenance interval": (
        ["--preset", "esketamine", "--every", "2/week"],
        "--every: '2/week' is not on the label's maintenance schedule; "
        "expected weekly or 2w (every week or every two weeks)",
    ),
    "maintenance without esketamine": (
        ["--maintenance", "2"],
        "--maintenance: does not apply to --preset custom; it applies only to --preset esketamine",
    ),
    "long client": (
        ["--client", "x" * 201],
        "--client: is 201 characters long; expected at most 200",
    ),
}


class TestCommand:
    """The `init` command: flags, prompts, the file and the hint."""

    def test_flags(self, runner: CliRunner, tmp_path: Path) -> None:
        """Flags give every answer; the file is written and the next steps go to stderr."""
        path = tmp_path / "course.toml"
        code, out, err = _init(
            runner,
            str(path),
            "--no-interactive",
            "--preset",
            "esketamine",
            *FLAGS,
            "--maintenance",
            "2",
            "--every",
            "weekly",
            "--client",
            "Vera",
        )
        expected = Answers(
            preset=Preset.ESKETAMINE,
            timezone="America/New_York",
            method="esketamine",
            start=datetime(2027, 1, 5, 9, 30),
            count=2,
            every=Every(days=7),
            client="Vera",
        )
        assert (code, out) == (0, "")
        assert path.read_text(encoding="utf-8") == starter_toml(expected)
        assert err == next_steps(str(path), expected, catalogue("en"))
        assert "kapplan validate" in err
        assert f"kapplan plan {path} -o plan.ics" in err
        schedule = schedule_from_text(path.read_text(encoding="utf-8"), str(path))
        starts = [d.start for d in schedule.doses()[0]]
        assert len(starts) == 14
        assert starts[-2:] == [
            datetime(2027, 3, 2, 9, 30, tzinfo=schedule.zone),
            datetime(2027, 3, 9, 9, 30, tzinfo=schedule.zone),
        ]
        assert schedule.client == "Vera"

    def test_defaults_without_a_terminal(self, runner: CliRunner, tmp_path: Path) -> None:
        """Without a terminal nothing is asked: the machine's zone, six IV doses, next Monday."""
        path = tmp_path / "schedule.toml"
        code, _, err = _init(runner, str(path), stdin="")
        assert code == 0
        assert "?" not in err
        assert "Time zone" not in err
        schedule = schedule_from_text(path.read_text(encoding="utf-8"), str(path))
        assert schedule.timezone == "UTC"  # the runner's TZ
        doses = schedule.doses()[0]
        assert [d.method for d in doses] == ["iv"] * 6
        first = doses[0].start
        assert first.weekday() == 0
        assert first.time() == time(10, 0)
        # Counted from today, which KAPPLAN_TODAY fixes for the tests (tests/conftest.py).
        assert timedelta(days=7) <= first.date() - date(2000, 1, 3) < timedelta(days=14)

    def test_interactive_reasks_a_bad_answer(self, runner: CliRunner, tmp_path: Path) -> None:
        """In interactive mode each question is asked, and asked again after a bad reply."""
        path = tmp_path / "home.toml"
        replies = ["oral", "Mars/Base", "Europe/Moscow", "", "2027-13-01", "2027-03-01"]
        replies += ["0", "", "3/week", "", "", "", ""]
        code, _, err = _init(runner, str(path), "--interactive", stdin="\n".join(replies))
        assert code == 0, err
        assert "esketamine" in err  # the list of presets
        assert err.count("Time zone (or a city, e.g. London) [UTC]:") == 2
        assert "  unknown time zone 'Mars/Base'; expected an IANA name" in err
        assert "  cannot read '2027-13-01' as a date" in err
        assert err.count("How many doses [8]:") == 2
        assert "Method" not in err  # the oral preset fixes the method
        schedule = schedule_from_text(path.read_text(encoding="utf-8"), str(path))
        assert schedule.timezone == "Europe/Moscow"
        assert [f"{d.start:%m-%d %H:%M}" for d in schedule.doses()[0]] == [
            "03-01 19:00",
            "03-03 19:00",
            "03-05 19:00",
            "03-08 19:00",
            "03-10 19:00",
            "03-12 19:00",
            "03-15 19:00",
            "03-17 19:00",
        ]

    def test_interactive_asks_only_what_flags_leave_open(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """Answers given as flags are not asked again; custom asks for the method."""
        path = tmp_path / "s.toml"
        code, _, err = _init(
            runner,
            str(path),
            "--interactive",
            "--preset",
            "custom",
            *FLAGS,
            stdin="im\n4\n3d\n\n\n\n",
        )
        assert code == 0, err
        assert "Preset" not in err
        assert "Time zone" not in err
        assert "Method (iv, im, esketamine, oral) [iv]:" in err
        doses = schedule_from_text(path.read_text(encoding="utf-8"), str(path)).doses()[0]
        assert [f"{d.start:%m-%d}" for d in doses] == ["01-05", "01-08", "01-11", "01-14"]
        assert {d.method for d in doses} == {"im"}

    def test_never_overwrites_without_force(self, runner: CliRunner, tmp_path: Path) -> None:
        """An existing file is an error naming --force, before any question; --force replaces it."""
        path = tmp_path / "s.toml"
        path.write_text("mine\n", encoding="utf-8")
        code, out, err = _init(runner, str(path), "--interactive", stdin="")
        assert (code, out) == (2, "")
        assert err == f"kapplan: error: {path}: exists; use --force to overwrite it\n"
        assert path.read_text(encoding="utf-8") == "mine\n"
        code, _, err = _init(runner, str(path), "--no-interactive", "--force")
        assert code == 0, err
        assert path.read_text(encoding="utf-8").startswith("# kapplan schedule")

    def test_stdout(self, runner: CliRunner, tmp_path: Path) -> None:
        """PATH - writes the file to stdout and nothing to stderr, and writes no file."""
        code, out, err = _init(runner, "-", "--no-interactive", "--preset", "iv-six", *FLAGS)
        assert (code, err) == (0, "")
        assert len(schedule_from_text(out, "<stdout>").doses()[0]) == 6
        assert not list(tmp_path.iterdir())

    def test_from_nothing_to_a_calendar(self, runner: CliRunner, tmp_path: Path) -> None:
        """init, validate, then plan -o plan.ics: a new user's path to an importable calendar.

        Every command the hint on stderr names works on the file as written.
        """
        schedule, calendar = tmp_path / "schedule.toml", tmp_path / "plan.ics"
        code, _, hint = _init(runner, str(schedule), "--preset", "oral", "--no-interactive")
        assert code == 0
        assert "kapplan validate" in hint
        result = runner.invoke(app, ["validate", str(schedule)])
        assert result.exit_code == 0, result.stdout
        assert result.stdout.splitlines()[-1].startswith("1 file OK")
        result = runner.invoke(app, ["plan", str(schedule), "-o", str(calendar)])
        assert result.exit_code == 0, result.stderr
        assert calendar.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")

    def test_help(self, runner: CliRunner) -> None:
        """`init --help` shows its examples and the --every language."""
        result = runner.invoke(app, ["init", "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.stdout
        assert "kapplan init course.toml --preset iv-six" in result.stdout
        assert "2/week" in result.stdout

    @pytest.mark.parametrize(("args", "line"), BAD_FLAGS.values(), ids=BAD_FLAGS.keys())
    def test_bad_flags(self, runner: CliRunner, tmp_path: Path, args: list[str], line: str) -> None:
        """A bad flag is one line on stderr and exit 2, before any question; no file is written."""
        path = tmp_path / "s.toml"
        preset = [] if "--preset" in args else ["--preset", "custom"]
        code, out, err = _init(runner, str(path), "--interactive", *preset, *args, stdin="\n" * 9)
        assert (code, out, err) == (2, "", f"kapplan: error: {line}\n")
        assert not path.exists()


ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")


@st.composite
def answers(draw: st.DrawFn) -> Answers:
    """Return any valid answers, as the parsers would give them."""
    preset = draw(st.sampled_from(list(Preset)))
    fixed = PRESETS[preset].method
    methods = sorted(name for name, m in METHOD_ALIASES.items() if fixed in (None, m))
    if preset is Preset.ESKETAMINE:
        count = draw(st.integers(0, MAX_MAINTENANCE))
        every = draw(st.sampled_from([Every(days=7), Every(days=14)]))
    else:
        count = draw(st.integers(1, MAX_DOSES))
        every = draw(
            st.one_of(
                st.builds(Every, days=st.integers(1, 60)),
                st.builds(Every, per_week=st.integers(1, 7)),
            )
        )
    start = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59)))
    return Answers(
        preset=preset,
        timezone=draw(st.sampled_from(ZONES)),
        method=draw(st.sampled_from(methods)),
        start=start.replace(microsecond=0),
        count=count,
        every=every,
        client=draw(st.text(max_size=40)).strip(),
    )


@given(answers())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_answers_give_a_file_that_loads(given_answers: Answers) -> None:
    """Any valid answers give a file that loads, with every dose in order at its local time."""
    schedule = schedule_from_text(starter_toml(given_answers), "s.toml")
    doses = schedule.doses()[0]
    expected = given_answers.doses()
    extra = 12 if given_answers.preset is Preset.ESKETAMINE else 0
    assert len(doses) == len(expected) == given_answers.count + extra
    assert [d.start for d in doses] == [localize(wall, schedule.zone) for wall in expected]
    assert all(a.start < b.start for a, b in pairwise(doses))
    assert schedule.client == given_answers.client


class TestInRussian:
    """`kapplan init` asks, explains and reports in the plan's language when it knows it
    before asking: ``--lang``, else the config file's ``language``."""

    ANSWERS = "\nEurope/Moscow\n\n\n2027-01-04\n4\nкаждые 3 дня\nВера\nда\n"

    def _said(self, runner: CliRunner, path: Path, *args: str) -> str:
        result = runner.invoke(app, ["init", str(path), "--interactive", *args], input=self.ANSWERS)
        assert result.exit_code == 0, result.stderr
        return result.stderr

    def test_flag(self, runner: CliRunner, tmp_path: Path) -> None:
        path = tmp_path / "ru.toml"
        said = self._said(runner, path, "--lang", "ru")
        # Names and codes stay as typed: the presets, methods and interval codes, a city,
        # the zone, the Enter key, and the commands to run next.
        typed = {"custom", "iv-six", "esketamine", "oral", "(iv, im, esketamine, oral)", "[iv]"}
        typed |= {"London", "UTC", "Europe/Moscow", "Enter", "3d", "2w", "2/week"}
        typed |= {"kapplan validate", "kapplan plan", "-o plan.ics"}
        words = Allowed(frozenset(_names([path]).exact | typed), frozenset({"kapplan"}))
        assert words.english(said) == []
        assert "Заготовка [custom]" in said
        assert f"kapplan: записан {path}: 4 приёма, с пн, 4 января 2027 г. по" in said
        assert "каждые 3 дня" in said  # the prompt's forms
        schedule = schedule_from_text(path.read_text(encoding="utf-8"), str(path))
        assert (schedule.language, schedule.client, schedule.discreet) == ("ru", "Вера", True)

    def test_config_file(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = tmp_path / "config.toml"
        config.write_text('language = "ru"\n', encoding="utf-8")
        monkeypatch.setenv("KAPPLAN_CONFIG", str(config))
        answers = self.ANSWERS.replace("Вера\n", "Вера\n\n")  # the language asked: Enter
        result = runner.invoke(
            app, ["init", str(tmp_path / "c.toml"), "--interactive"], input=answers
        )
        assert result.exit_code == 0, result.stderr
        assert "Язык плана (en / ru; Enter: из файла настроек, иначе en)" in result.stderr
        assert "Дальше: если даты в клинике другие" in result.stderr

    def test_english_by_default(self, runner: CliRunner, tmp_path: Path) -> None:
        answers = self.ANSWERS.replace("каждые 3 дня", "every 3 days").replace("Вера\n", "Vera\n\n")
        result = runner.invoke(
            app, ["init", str(tmp_path / "en.toml"), "--interactive"], input=answers
        )
        assert result.exit_code == 0, result.stderr
        assert "How often: 3d or every 3 days" in result.stderr
        assert not re.search("[А-Яа-яЁё]", result.stderr.replace("да", ""))
