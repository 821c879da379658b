"""Start-up guard: each command imports and builds only what it uses.

Every check runs kapplan as a whole process, through the entry point the
``kapplan`` script calls, and reads `sys.modules` (and the pydantic models that
were built) after the run, so a module-level import added anywhere on the path
fails here rather than slowing every run unnoticed. Timings live in
``benchmarks/`` (see the README, "Performance"; `benchmarks/startup.py`).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

#: Runs kapplan as the ``kapplan`` script does (`kapplan.__main__.run`), then reports.
PROBE = """
import json, sys
from kapplan.__main__ import run
sys.argv = ["kapplan", *sys.argv[1:]]
try:
    run()
except SystemExit:
    pass
modules = sorted(sys.modules)
built = []
if "pydantic" in modules:
    from pydantic import BaseModel
    pending = [BaseModel]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("kapplan") and cls.__pydantic_complete__:
            built.append(f"{cls.__module__}.{cls.__qualname__}")
print(json.dumps({"modules": modules, "models": sorted(built)}), file=sys.stderr)
"""

IV = str(ROOT / "examples" / "iv-six-infusions.toml")

#: The same doses without `holidays`: a schedule of plain TOML datetimes and nothing else.
PLAIN = (ROOT / "examples" / "iv-six-infusions.toml").read_text(encoding="utf-8")
PLAIN = PLAIN[: PLAIN.index("[availability]")]

#: Modules the JSON and ICS paths of one schedule never need.
NEVER = (
    "rich",
    "kapplan.views.agenda",
    "kapplan.model.caseload",
    "kapplan.model.therapist",
    "kapplan.formats.busy",
    "kapplan.formats.recurrence",
    "icalendar",
    "recurring_ical_events",
    "x_wr_timezone",
    "kapplan.views.reference",
    "kapplan.edge.atomic",
    # What changed against an earlier export: there is none without -o or --previous.
    "kapplan.api.changes",
    "dateutil",
    # The CalDAV stack is `kapplan sync`'s alone.
    "kapplan.edge.caldav",
    "kapplan.api.sync",
    "kapplan.formats.objects",
    "caldav",
    "niquests",
    "requests",
    "keyring",
    # Package metadata (pydantic's plugin loader imports it, plugins are disabled), and
    # the socket module its email package would load.
    "email",
    "importlib.metadata._adapters",
    "socket",
    # The package's data files are read beside its modules: importlib.resources would
    # load tempfile (and random, hashlib) for them.
    "importlib.resources",
    "tempfile",
)

#: The models a schedule is validated with. The tests have no config file (plan
#: then takes `UserConfig.empty`), and the default rulebook is built without
#: validation (`kapplan.model.rulebook.shipped_rulebook`): none of their models is built.
SCHEDULE_MODELS = [
    "kapplan.model.days_off.DaysOff",
    "kapplan.model.schedule.Availability",
    "kapplan.model.schedule.InfusionEntry",
    "kapplan.model.schedule.PlanSettings",
    "kapplan.model.schedule.Schedule",
    "kapplan.model.schedule.SeriesEntry",
]


@functools.cache
def _run(*arguments: str) -> dict[str, list[str]]:
    """Run kapplan in a fresh interpreter; return the modules loaded and models built
    (once for each set of arguments: several tests read the same run's report)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "TZ": "UTC"},
        cwd=ROOT,
        check=False,
    )
    report: dict[str, list[str]] = json.loads(result.stderr.strip().splitlines()[-1])
    assert result.stdout, result.stderr
    return report


def _loaded(report: dict[str, list[str]], name: str) -> list[str]:
    return [m for m in report["modules"] if m == name or m.startswith(name + ".")]


@pytest.mark.parametrize("output_format", ["json", "ics"])
def test_scripts_path_loads_nothing_it_does_not_use(output_format: str, tmp_path: Path) -> None:
    """`plan -f json|ics` loads no Rich, no terminal view, no caseload, therapist,
    busy-calendar, docs or file-writing code, no iCalendar library, no holidays library,
    and no dateutil for a schedule of plain TOML datetimes."""
    plain = tmp_path / "plain.toml"
    plain.write_text(PLAIN, encoding="utf-8")
    report = _run("plan", str(plain), "--format", output_format)
    for name in (*NEVER, "holidays"):
        assert _loaded(report, name) == [], f"{name} imported by plan -f {output_format}"
    other = "kapplan.formats.ics" if output_format == "json" else "kapplan.formats.json"
    assert _loaded(report, other) == []


def test_package_metadata_still_answers_after_a_run() -> None:
    """The stand-in for `importlib.metadata` gives the real module on first use, to
    any code (a pydantic plugin the user enables, a library reading its version)."""
    probe = (
        "import sys\n"
        "from kapplan.__main__ import run\n"
        f"sys.argv = ['kapplan', 'plan', {str(ROOT / 'examples' / 'oral-at-home.toml')!r}, "
        "'-f', 'json']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "from importlib.metadata import entry_points, version\n"
        "import importlib.metadata._meta\n"
        "print(version('pydantic'), type(entry_points(group='console_scripts')).__name__,"
        " file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    import pydantic

    assert result.stderr.split() == [pydantic.VERSION, "EntryPoints"]


@pytest.mark.parametrize("output_format", ["json", "ics"])
def test_scripts_path_builds_no_option_validator(output_format: str) -> None:
    """Typer's pydantic conversion of option values is not even imported: every value of
    ``plan SCHEDULE -f FORMAT`` is one `kapplan.cli.conversion` converts itself."""
    report = _run("plan", IV, "--format", output_format)
    assert "typer._adapters" not in report["modules"]
    assert "typer" in report["modules"]


@pytest.mark.parametrize("output_format", ["json", "ics"])
def test_scripts_path_builds_only_the_models_it_validates_with(output_format: str) -> None:
    """The only pydantic models built are the schedule's."""
    report = _run("plan", IV, "--format", output_format)
    assert report["models"] == SCHEDULE_MODELS


def _countries(report: dict[str, list[str]]) -> list[str]:
    return _loaded(report, "holidays.countries")


@pytest.mark.parametrize("output_format", ["json", "ics"])
def test_holidays_load_the_library_and_one_country(output_format: str) -> None:
    """A schedule naming `holidays` loads the holidays library and that country's module
    alone, not the 250-odd the library knows (one without `holidays` loads none:
    `test_scripts_path_loads_nothing_it_does_not_use`)."""
    report = _run("plan", IV, "--format", output_format)
    assert "holidays" in report["modules"]
    assert _countries(report) == ["holidays.countries", "holidays.countries.germany"]


def test_a_country_loads_the_calendars_it_uses_alone() -> None:
    """Germany's holidays load the Gregorian calendar (and those its own module names),
    not the library's Chinese, Hebrew, Hindu, Islamic or Tibetan ones with their tables
    (`kapplan.cli.countries.RE_EXPORTING`)."""
    report = _run("plan", IV, "--format", "json")
    assert "holidays.calendars.gregorian" in report["modules"]
    assert "holidays.groups.christian" in report["modules"]
    for name in ("chinese", "hebrew", "hindu", "islamic", "tibetan", "thai"):
        assert _loaded(report, f"holidays.calendars.{name}") == [], name
        assert _loaded(report, f"holidays.groups.{name}") == [], name


#: Countries whose holidays come from other calendar systems (a subdivision, too).
CALENDARS = ("IL", "IN", "SA", "CN", "TH", "ID", "JP", "US-NY", "DE-BY")


def test_every_calendar_gives_the_librarys_own_holidays() -> None:
    """With the lazy packages installed, as the program has them, each country's holidays
    are the very dates and names the library gives without them, and a name asked of a
    package is the object its module holds."""
    import holidays

    years = (2025, 2026, 2027)
    probe = (
        "import json, sys\n"
        "from kapplan.cli import countries\n"
        "countries.install()\n"
        "import holidays\n"
        "out = {}\n"
        "for code in sys.argv[1:]:\n"
        "    country, _, part = code.partition('-')\n"
        f"    found = holidays.country_holidays(country, subdiv=part or None, years={years})\n"
        "    out[code] = sorted((d.isoformat(), n) for d, n in found.items())\n"
        "from holidays.calendars import _IslamicLunar as lunar\n"
        "assert lunar is sys.modules['holidays.calendars.islamic']._IslamicLunar\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *CALENDARS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for code, found in json.loads(done.stdout).items():
        country, _, part = code.partition("-")
        expected = holidays.country_holidays(country, subdiv=part or None, years=years)
        assert found == [[d.isoformat(), n] for d, n in sorted(expected.items())], code
        assert found, code


def test_holidays_read_their_version_without_the_metadata_module() -> None:
    """The holidays library reads its own version as it loads: the stand-in answers that
    from the distribution's METADATA file, so a schedule with holidays loads neither
    `importlib.metadata`'s machinery nor the `email` package it parses with."""
    report = _run("plan", IV, "--format", "json")
    assert "holidays.version" in report["modules"]
    for name in ("email", "importlib.metadata._adapters", "socket"):
        assert _loaded(report, name) == [], f"{name} imported by a schedule with holidays"


@pytest.mark.parametrize(
    "distribution",
    ["holidays", "pydantic", "Pydantic-Core", "typing.extensions", "kapplan", "no-such-thing"],
)
def test_a_version_read_from_metadata_is_the_real_modules(distribution: str) -> None:
    """The stand-in's version is the one `importlib.metadata` gives (names in any case,
    with ``-``, ``_`` or ``.``), or none where only the real module can tell (a
    distribution not installed: the real one raises `PackageNotFoundError`)."""
    import importlib.metadata

    from kapplan.__main__ import _installed_version

    try:
        expected: str | None = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        expected = None
    assert _installed_version(distribution) == expected


def test_a_subdivision_loads_its_country_alone() -> None:
    """``holidays = "GB-ENG"`` (checked against the country's subdivisions when the
    schedule is read, then resolved) loads the United Kingdom's module alone."""
    report = _run("plan", str(ROOT / "examples" / "two-courses.toml"), "--format", "json")
    assert _countries(report) == ["holidays.countries", "holidays.countries.united_kingdom"]


def test_therapist_holidays_load_that_country_alone() -> None:
    """A therapist file with one country's holidays loads only that country's module."""
    report = _run(
        "plan",
        str(ROOT / "examples" / "caseload"),
        "--therapist",
        str(ROOT / "examples" / "therapist" / "lisbon.toml"),
        "--format",
        "ics",
    )
    assert _countries(report) == ["holidays.countries", "holidays.countries.portugal"]
    for name in ("rich", "caldav", "icalendar"):
        assert _loaded(report, name) == [], f"{name} imported by a caseload's -f ics"


def test_the_countries_package_still_holds_every_country() -> None:
    """After a run loaded one country, the package answers every name it always did:
    the first one asked of it runs its own code, which loads the rest."""
    probe = PROBE.replace(
        "modules = sorted(sys.modules)",
        "import holidays.countries as c\n"
        "from holidays.countries import Spain, FR\n"
        "assert c.Portugal.__name__ == 'Portugal' and Spain.__name__ == 'Spain'\n"
        "assert issubclass(FR, c.France) and c.germany.Germany is c.Germany\n"
        "modules = sorted(sys.modules)",
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, "plan", IV, "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "TZ": "UTC"},
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert len(_countries(report)) > 200


def test_series_loads_dateutil_rrule_only() -> None:
    """A schedule with a series loads dateutil's recurrence rules, not its parser."""
    report = _run("plan", str(ROOT / "examples" / "spravato.toml"), "--format", "json")
    assert "dateutil.rrule" in report["modules"]
    assert "dateutil.parser" not in report["modules"]


def test_version_loads_neither_pydantic_nor_the_engine() -> None:
    """`kapplan --version` answers before any model or rule code is imported, and before
    typer itself."""
    report = _run("--version")
    for name in (
        "typer",
        "kapplan.cli.app",
        "pydantic",
        "kapplan.engine.planner",
        "kapplan.model.schedule",
        "kapplan.model.rulebook",
        "rich",
    ):
        assert _loaded(report, name) == [], f"{name} imported by --version"
    assert report["models"] == []


def test_terminal_view_loads_rich() -> None:
    """The probe sees imports at all: the terminal view does load Rich."""
    report = _run("plan", IV)
    assert _loaded(report, "rich")
    assert "kapplan.views.agenda" in report["modules"]


def test_caseload_without_busy_calendar_loads_no_icalendar_library() -> None:
    """A therapist file without `busy_calendar` reads no .ics, so no iCalendar library loads."""
    report = _run(
        "plan",
        str(ROOT / "examples" / "caseload"),
        "--therapist",
        str(ROOT / "examples" / "therapist" / "lisbon.toml"),
        "--format",
        "json",
    )
    assert "kapplan.model.therapist" in report["modules"]
    for name in (
        "icalendar",
        "recurring_ical_events",
        "x_wr_timezone",
        "kapplan.formats.recurrence",
    ):
        assert _loaded(report, name) == [], f"{name} imported without a busy calendar"


def test_vdir_path_loads_no_rich_and_no_icalendar_library(tmp_path: Path) -> None:
    """`plan -f vdir -o DIR` writes with kapplan's own .ics writer: no Rich, no terminal
    view, no iCalendar library."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "plan", IV, "-f", "vdir", "-o", str(tmp_path / "cal")],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "TZ": "UTC"},
        cwd=ROOT,
        check=False,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert (tmp_path / "cal" / "displayname").exists()
    for name in ("rich", "kapplan.views.agenda", "icalendar", "kapplan.formats.json"):
        assert _loaded(report, name) == [], f"{name} imported by plan -f vdir"
    assert "kapplan.formats.vdir" in report["modules"]


#: Values of each kind a parameter meets: not given, strings, choices in and out of
#: case, numbers in and out of bounds, flags, lists (a repeated option, many arguments),
#: paths to a folder, to no file, to a file, and the paths typer is left to refuse.
SAMPLES: list[object] = [
    None, "", "json", "ics", "terminal", "JSON", "en", "ru", "month", "schedule", "x",
    "examples/iv-six-infusions.toml", 0, 1, 10, 1000, 1001, -1, 30.0, 0.5, 601.0, "5",
    True, False, (), ("a.toml",), ("a.toml", "b"), ["1d", "1h"], ("1d", 2),
    str(ROOT / "examples"), str(ROOT / "examples" / "no-such.toml"), "-", "a\x00b", IV,
]  # fmt: skip


@functools.cache
def _whole_group() -> Any:
    """Return the whole application as typer converts it (once: 60 ms a conversion; the
    tests below read its parameters and change none)."""
    import typer

    from kapplan.cli.app import app

    return typer.main.get_command(app)


def _parameters() -> list[tuple[str, str]]:
    """Every parameter of every command (and of the root), by command and name."""
    group = _whole_group()
    commands = [group, *group.commands.values()]
    return [(command.name, param.name) for command in commands for param in command.params]


@pytest.mark.parametrize(("command", "param"), _parameters())
def test_quick_conversion_is_typers(command: str, param: str) -> None:
    """`kapplan.cli.conversion` gives each value what typer's own conversion gives: the
    same value of the same type, or the same error; only a value that is not one of an
    option's choices is refused in kapplan's words (`UnknownChoice`, a `BadParameter`)."""
    import copy

    from typer._click import Context
    from typer._coercion import build_runtime_param

    from kapplan.cli.conversion import quicken

    group = _whole_group()
    owner = group if command == "kapplan" else group.commands[command]
    original = next(p for p in owner.params if p.name == param)
    quick = copy.copy(original)
    quick._runtime_param = None  # type: ignore[attr-defined]
    quicken([quick])
    typers = build_runtime_param(original.type_descriptor)  # type: ignore[attr-defined]
    ctx = Context(owner)

    def outcome(convert: object, value: object) -> tuple[str, object, type]:
        try:
            got = convert.coerce(value, param=original, ctx=ctx)  # type: ignore[attr-defined]
        except Exception as error:
            return type(error).__name__, str(error), str
        return "value", got, type(got)

    for value in [*SAMPLES, original.default]:
        expected = outcome(typers, value)
        got = outcome(quick._runtime_param, value)  # type: ignore[attr-defined]
        if got[0] == "UnknownChoice":
            assert expected[0] == "BadParameter", value
            assert str(got[1]).startswith(f"unknown {param.removeprefix('output_')}"), got
            continue
        assert got == expected, value


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--help"],
        ["validate", "--help"],
        ["sync", "--help"],
        ["plan"],
        ["plan", IV, "--foo"],
        ["plan", IV, "--format", "nope"],
        ["plan", IV, "--max-years", "0"],
        ["plan", IV, "--max-events", "x"],
        ["plan", IV, "--therapist", str(ROOT / "examples")],
        ["diff", IV],
        ["plan", IV, "-f", "json"],
    ],
    ids=" ".join,
)
def test_one_command_application_answers_as_the_whole(args: list[str]) -> None:
    """The application of the command run alone (`command_line`) prints, says and exits
    exactly as the whole application does."""
    from typer.testing import CliRunner

    from kapplan.cli.app import app, command_line

    alone = command_line(args)
    assert alone is not app
    runner = CliRunner()
    whole = runner.invoke(app, args, env={"NO_COLOR": "1", "TZ": "UTC"})
    one = runner.invoke(alone, args, env={"NO_COLOR": "1", "TZ": "UTC"})
    assert (one.exit_code, one.stdout, one.stderr) == (
        whole.exit_code,
        whole.stdout,
        whole.stderr,
    )
    assert whole.stdout or whole.stderr


@pytest.mark.parametrize("args", [[], ["--help"], ["nope"], ["--version"], ["-x", "plan"]])
def test_anything_but_a_command_gets_the_whole_application(args: list[str]) -> None:
    """A root option, a misspelt command or none at all runs the whole application."""
    from kapplan.cli.app import app, command_line

    assert command_line(args) is app
