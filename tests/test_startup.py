"""Start-up guard: each command imports and builds only what it uses.

Every check runs kapplan as a whole process and reads `sys.modules` (and the
pydantic models that were built) after the run, so a module-level import
added anywhere on the path fails here rather than slowing every run
unnoticed. Timings live in ``benchmarks/`` (see the README, "Performance").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = """
import json, sys
import kapplan.cli.app
sys.argv = ["kapplan", *sys.argv[1:]]
try:
    kapplan.cli.app.main()
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
    "dateutil",
    # The CalDAV stack is `kapplan sync`'s alone.
    "kapplan.edge.caldav",
    "kapplan.api.sync",
    "kapplan.formats.objects",
    "caldav",
    "niquests",
    "requests",
    "keyring",
)

#: The models a schedule, the user's config file (plan reads it, even when there
#: is none, for its defaults) and the default rulebook are validated with.
SCHEDULE_MODELS = [
    "kapplan.model.days_off.DaysOff",
    "kapplan.model.rulebook.MethodText",
    "kapplan.model.rulebook.PlacementSettings",
    "kapplan.model.rulebook.Rule",
    "kapplan.model.rulebook.Rulebook",
    "kapplan.model.schedule.Availability",
    "kapplan.model.schedule.InfusionEntry",
    "kapplan.model.schedule.PlanSettings",
    "kapplan.model.schedule.Schedule",
    "kapplan.model.schedule.SeriesEntry",
    "kapplan.model.settings.UserConfig",
]


def _run(*arguments: str) -> dict[str, list[str]]:
    """Run kapplan in a fresh interpreter; return the modules loaded and models built."""
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


@pytest.mark.parametrize("output_format", ["json", "ics"])
def test_scripts_path_builds_only_the_models_it_validates_with(output_format: str) -> None:
    """The only pydantic models built are the schedule's and the rulebook's."""
    report = _run("plan", IV, "--format", output_format)
    assert report["models"] == SCHEDULE_MODELS


def test_holidays_load_the_library() -> None:
    """A schedule naming `holidays` loads the holidays library (one without does not:
    `test_scripts_path_loads_nothing_it_does_not_use`)."""
    report = _run("plan", IV, "--format", "json")
    assert "holidays" in report["modules"]


def test_series_loads_dateutil_rrule_only() -> None:
    """A schedule with a series loads dateutil's recurrence rules, not its parser."""
    report = _run("plan", str(ROOT / "examples" / "spravato.toml"), "--format", "json")
    assert "dateutil.rrule" in report["modules"]
    assert "dateutil.parser" not in report["modules"]


def test_version_loads_neither_pydantic_nor_the_engine() -> None:
    """`kapplan --version` answers before any model or rule code is imported."""
    report = _run("--version")
    for name in (
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
