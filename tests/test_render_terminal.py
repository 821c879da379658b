"""The terminal view: colour only when asked, labels that read without colour."""

from __future__ import annotations

from typer.testing import CliRunner

from kapplan.cli.app import app
from kapplan.edge.load import default_rulebook, schedule_from_text
from kapplan.engine import build_plan
from kapplan.model.plan import Plan
from kapplan.views.agenda import render_terminal, summary
from tests.plans import TEXTS

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
