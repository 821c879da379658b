"""The terminal view: colour only when asked, labels that read without colour."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kapplan.cli.app import app
from kapplan.edge.load import default_rulebook, schedule_from_text
from kapplan.engine import build_plan
from kapplan.model.plan import Plan
from kapplan.views.agenda import render_terminal, summary
from kapplan.views.labels import clock_range, minutes_between
from tests.cli_runner import CliRunner
from tests.plans import TEXTS, doses, plan

SCHEDULE = (
    'timezone = "Europe/Berlin"\nclient = "[bold]Ann[/bold]"\n'
    '[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = "iv"\n'
)


def _plan() -> Plan:
    return build_plan(schedule_from_text(SCHEDULE, "s.toml"), default_rulebook(), texts=TEXTS)


def test_colour_uses_ansi_codes_and_keeps_text_labels() -> None:
    """With colour, phases are coloured and still spelled out as words."""
    plan = _plan()
    coloured = render_terminal(plan, width=100, color=True)
    plain = render_terminal(plan, width=100, color=False)
    assert "\x1b[" in coloured
    assert "\x1b[" not in plain
    for label in ("Preparation", "Experience", "Integration"):
        assert label in plain


def test_no_color_env_gives_plain_text() -> None:
    """NO_COLOR (and a non-terminal stdout) give plain text with no escape codes."""
    runner = CliRunner(env={"NO_COLOR": "1"})
    result = runner.invoke(app, ["plan", "-"], input=SCHEDULE)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout


def test_markup_in_a_label_prints_literally() -> None:
    """Rich markup in text from the schedule is printed as written, not interpreted."""
    text = render_terminal(_plan(), width=100, color=True)
    assert "Integration plan for [bold]Ann[/bold]" in text


def test_summary_counts_courses_doses_sessions() -> None:
    """The summary counts courses, doses, therapy sessions, events and warnings.

    One dose gives 12 sessions: preparation, integration, 2 week-2, relapse
    prevention, 3 biweekly and 4 monthly long-arc sessions.
    """
    line = summary(_plan())
    assert line.startswith("1 course · 1 dose · 12 therapy sessions · ")
    assert line.endswith(" · 0 warnings")


def test_lines_have_no_trailing_blanks_and_fit_the_width() -> None:
    """Plain output has no trailing spaces and no line wider than asked."""
    text = render_terminal(_plan(), width=80, color=False)
    for line in text.splitlines():
        assert line == line.rstrip()
        assert len(line) <= 80


class TestRealDurations:
    """Lengths are real time (measured in UTC), not the wall clock, across DST changes."""

    # Clocks go back in London at 02:00 BST on 25 October 2026 (to 01:00 GMT) and
    # forward at 01:00 GMT on 29 March 2026 (to 02:00 BST): a 120-minute oral dose
    # from 00:30 spans one hour of wall clock on the first day and three on the other.
    FOLD = doses("2026-10-25T00:30:00", method="oral")
    GAP = doses("2026-03-29T00:30:00", method="oral")

    def _dose_line(self, body: str) -> str:
        text = render_terminal(plan(body, "Europe/London"), width=100)
        return next(line for line in text.splitlines() if "Oral/sublingual dose 1" in line)

    def test_a_dose_across_the_autumn_fold(self) -> None:
        """A dose of 120 minutes that ends in the repeated hour says 120 min, and its
        range names both clocks (one hour of wall clock would read as 60 min)."""
        line = self._dose_line(self.FOLD)
        assert "00:30 BST–01:30 GMT" in line
        assert " 120 min " in line

    def test_a_dose_across_the_spring_gap(self) -> None:
        """A dose of 120 minutes across the missing hour says 120 min, not 180."""
        line = self._dose_line(self.GAP)
        assert "00:30 GMT–03:30 BST" in line
        assert " 120 min " in line

    def test_the_json_agrees(self) -> None:
        """The terminal's length is the JSON's end minus start, as instants."""
        the_plan = plan(self.FOLD, "Europe/London")
        dose = next(e for e in the_plan.events if e.rule == "dose")
        assert (dose.end - dose.start).total_seconds() == 3600  # wall clock, the trap
        assert minutes_between(dose.start, dose.end) == 120

    def test_same_offset_keeps_plain_times(self) -> None:
        """Without a clock change inside it, an event's range has no zone names."""
        london = ZoneInfo("Europe/London")
        start = datetime(2026, 10, 25, 9, 0, tzinfo=london)
        assert clock_range(start, start + timedelta(hours=1)) == "09:00–10:00"
        assert minutes_between(start, start + timedelta(hours=1)) == 60

    def test_russian_says_minutes_in_russian(self) -> None:
        """The Russian agenda gives the same real length, in its own unit."""
        body = 'language = "ru"\n' + self.GAP
        text = render_terminal(plan(body, "Europe/London"), width=100)
        line = next(line for line in text.splitlines() if "сублингвальный приём № 1" in line)
        assert "00:30 GMT–03:30 BST" in line
        assert " 120 мин " in line
