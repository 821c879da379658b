"""The month view: grids by phase, weeks' lines, the long arc, widths and errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from kapplan.cli.app import app
from kapplan.edge.load import default_rulebook
from kapplan.engine import build_plan
from kapplan.model.plan import Phase
from kapplan.views.agenda import render_terminal
from kapplan.views.month import day_marks, render_month
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES, ROOT
from tests.plans import ALWAYS, TEXTS, doses, plan, schedule

IV = ROOT / "examples" / "iv-six-infusions.toml"
TWO_COURSES = ROOT / "examples" / "two-courses.toml"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_month_view_golden(runner: CliRunner, golden: Callable[[str, bytes], None]) -> None:
    """--view month of the six-infusion example (100 columns, no colour) is reviewed."""
    result = runner.invoke(app, ["plan", str(IV), "--view", "month"])
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    golden("iv-six-infusions.month.txt", result.stdout.encode())


def test_month_view_golden_narrow(golden: Callable[[str, bytes], None]) -> None:
    """Two courses at 60 columns: the grids fit and the weeks' lines wrap beside them."""
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "60"}).invoke(
        app, ["plan", str(TWO_COURSES), "--view", "month"]
    )
    assert result.exit_code == 0, result.stderr
    golden("two-courses.month-60.txt", result.stdout.encode())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_every_line_fits(example: Path, width: int) -> None:
    """At 60 to 140 columns no line of any example's month view is wider than the terminal."""
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": str(width)}).invoke(
        app, ["plan", str(example), "--view", "month"]
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert sum(1 for line in lines if line.split() == ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"])


def test_colour_adds_nothing_but_colour() -> None:
    """With colour on, the text is the plain view's, so the view reads the same without colour."""
    built = plan(doses("2026-12-01T10:00:00", "2026-12-04T10:00:00") + ALWAYS)
    coloured = render_month(built, width=100, color=True)
    assert "\x1b[" in coloured
    assert "\n".join(ANSI.sub("", line).rstrip() for line in coloured.splitlines()) + "\n" == (
        render_month(built, width=100, color=False)
    )


class TestDayMarks:
    """Each day is marked by its phase, doses and sessions."""

    def test_a_dose_day_is_experience(self) -> None:
        """A dose day is experience, though it also holds preparation and journaling."""
        marks = day_marks(plan(doses("2026-12-01T10:00:00") + ALWAYS))
        dose_day = marks[date(2026, 12, 1)]
        assert dose_day.phase is Phase.EXPERIENCE
        assert dose_day.doses == (1,)
        assert dose_day.sessions == 0

    def test_session_and_preparation_days(self) -> None:
        """The preparation session's day is preparation; the day after a dose, integration."""
        marks = day_marks(plan(doses("2026-12-01T10:00:00") + ALWAYS))
        preparation = [d for d, m in marks.items() if m.phase is Phase.PREPARATION]
        assert preparation
        assert all(marks[d].sessions == 1 for d in preparation)
        after = marks[date(2026, 12, 2)]
        assert after.phase is Phase.INTEGRATION
        assert after.sessions == 1
        assert after.doses == ()

    def test_advisory_only_days(self) -> None:
        """A course day with nothing but the course advisory shows it in lower case."""
        body = doses("2026-12-01T10:00:00", "2026-12-11T10:00:00") + ALWAYS
        built = plan(body, rules=("dose", "active-course"))
        marks = day_marks(built)
        quiet = marks[date(2026, 12, 5)]
        assert quiet.phase is None
        assert quiet.advisory is Phase.INTEGRATION
        text = render_month(built, width=100)
        assert " 5i " in text
        assert " 1E " in text
        assert "11E " in text
        assert "12  " in text  # the day after the course ends: nothing


def test_each_dose_is_named_once() -> None:
    """A week across two months names its doses in the month they fall in, never twice."""
    built = plan(
        doses("2026-11-26T10:00:00", "2026-11-30T10:00:00", "2026-12-03T10:00:00") + ALWAYS
    )
    assert not built.warnings
    text = render_month(built, width=100)
    grids = text.split("\n", 2)[2].split("Long arc")[0]  # after the title and key
    named = [n for m in re.findall(r"\bdoses? (\d+(?: and \d+)*)", grids) for n in m.split(" and ")]
    assert sorted(named) == ["1", "2", "3"]
    assert "doses 2 and 3" not in text  # 30 Nov and 03 Dec are in different grids
    assert re.search(r"^  30I?E.*dose 2$", text, re.M)


def test_the_long_arc_is_a_list() -> None:
    """Grids stop with the last course's follow-up; the long arc's sessions are listed by date."""
    built = plan(doses("2026-12-01T10:00:00") + ALWAYS)
    text = render_month(built, width=100)
    long_arc = [e for e in built.events if e.course is None]
    assert long_arc
    listed = text.split("Long arc · after the last course")[1]
    headings = re.findall(r"^  ([A-Z][a-z]+ \d{4})$", text, re.M)
    assert headings[0] == "November 2026"
    for event in long_arc:
        if f"{event.start:%B %Y}" not in headings:
            assert f"{event.start:%d %b %Y}" in listed
            assert event.title in listed


def test_russian_month_view(runner: CliRunner) -> None:
    """In Russian the grid's letters, weekdays and months are Russian."""
    result = runner.invoke(app, ["plan", str(IV), "--view", "month", "--lang", "ru"])
    assert result.exit_code == 0, result.stderr
    assert "Декабрь 2026" in result.stdout
    assert "пн   вт   ср   чт   пт   сб   вс" in result.stdout
    assert " 1О " in result.stdout
    assert "приёмы 1 и 2" in result.stdout


class TestErrors:
    """--view is for the terminal and for one schedule; anything else is one stderr line."""

    @pytest.mark.parametrize("fmt", ["json", "ics", "html"])
    def test_view_needs_the_terminal(self, runner: CliRunner, fmt: str) -> None:
        """--view with another format says so and writes nothing."""
        result = runner.invoke(app, ["plan", str(IV), "--view", "agenda", "-f", fmt])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == (
            "kapplan: error: --view applies to the terminal format; expected --format terminal\n"
        )

    def test_no_month_view_of_a_caseload(self, runner: CliRunner) -> None:
        """A caseload has an agenda only."""
        result = runner.invoke(
            app, ["plan", str(ROOT / "examples" / "caseload"), "--view", "month"]
        )
        assert result.exit_code == 2
        assert result.stderr == (
            "kapplan: error: --view month shows one client's plan, not a caseload; "
            "expected a single schedule, or one client of the caseload with --client NAME\n"
        )

    def test_agenda_is_the_default(self, runner: CliRunner) -> None:
        """--view agenda prints what plain `kapplan plan` prints."""
        plain = runner.invoke(app, ["plan", str(IV)]).stdout
        assert runner.invoke(app, ["plan", str(IV), "--view", "agenda"]).stdout == plain


class TestMarkupIsText:
    """Rich markup (or HTML) in a client label or rule text prints literally in both views."""

    CLIENT = "[bold red]x[/] <script>alert(1)</script> [link=https://example.org]y[/link]"

    @pytest.mark.parametrize("view", ["agenda", "month"])
    def test_client_label(self, tmp_path: Path, view: str) -> None:
        """The client label is printed as written, in plain text and in colour."""
        path = tmp_path / "s.toml"
        path.write_text(
            f'timezone = "Europe/Berlin"\nclient = "{self.CLIENT}"\n'
            + doses("2026-12-01T10:00:00")
            + ALWAYS,
            encoding="utf-8",
        )
        result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "140"}).invoke(
            app, ["plan", str(path), "--view", view]
        )
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"Integration plan for {self.CLIENT}")

    @pytest.mark.parametrize("render", ["agenda", "month"])
    def test_rule_title_in_colour(self, render: str) -> None:
        """A rule title with markup keeps its brackets when colour is on."""
        book = default_rulebook()
        rules = tuple(
            r.model_copy(update={"title": "[bold red]x[/] {month}"})
            if r.id == "long-arc-monthly"
            else r
            for r in book.rule
        )
        built = build_plan(
            schedule(doses("2026-12-01T10:00:00") + ALWAYS),
            book.model_copy(update={"rule": rules}),
            texts=TEXTS,
        )
        draw = render_terminal if render == "agenda" else render_month
        text = ANSI.sub("", draw(built, width=140, color=True))
        assert "[bold red]x[/] 6" in text


def test_the_long_arc_list_gives_real_ranges() -> None:
    """A long-arc session that the spring change cuts into says so: 60 minutes from
    00:00 GMT end at 02:00 BST in London, and the list names both clocks."""
    built = plan(doses("2026-12-28T10:00:00") + ALWAYS, "Europe/London")
    session = next(e for e in built.events if e.start.date() == date(2027, 3, 28))
    assert session.course is None
    text = render_month(built, width=100)
    listed = text.split("Long arc · after the last course")[1]
    line = next(line for line in listed.splitlines() if "Sun 28 Mar 2027" in line)
    assert "00:00 GMT–02:00 BST" in line
