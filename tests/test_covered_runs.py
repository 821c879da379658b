"""Daily dosing: doses each too soon after the one before are said once, not once a dose.

DOMAIN.md: when two doses are too close for a session between them, the next dose's
session covers both, and a warning says so. A daily series makes such a warning for
every dose; the views for people (the terminal, the handout, `validate`) say a run of
three or more as one line, while JSON keeps every warning for scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import pytest

from kapplan.cli.app import app
from kapplan.i18n import catalogue, covered_runs
from kapplan.model.plan import PlanWarning, WarningCode
from tests.cli_runner import CliRunner
from tests.test_languages import _names

DAILY = """timezone = "Europe/Berlin"
[[series]]
start = 2027-01-04T10:00:00
rrule = "FREQ=DAILY;COUNT={count}"
method = "iv"
"""


def _covered(dose: int, rule: str = "integration-session", client: str = "") -> PlanWarning:
    return PlanWarning(
        code=WarningCode.COVERED,
        params=MappingProxyType({"dose": dose, "next": dose + 1, "gap": 1440}),
        rule=rule,
        client=client,
        infusion=dose,
    )


def _other(dose: int) -> PlanWarning:
    return PlanWarning(
        code=WarningCode.MERGED,
        params=MappingProxyType({"dose": dose, "next": dose + 1}),
        rule="integration-session",
        client="",
        infusion=dose,
    )


def _shape(groups: list[tuple[PlanWarning, ...]]) -> list[list[int | None]]:
    return [[w.infusion for w in group] for group in groups]


class TestRuns:
    """Which warnings make a run."""

    def test_three_or_more_in_a_row_are_one(self) -> None:
        warnings = [_covered(n) for n in (1, 2, 3, 4)]
        assert _shape(covered_runs(warnings)) == [[1, 2, 3, 4]]

    def test_two_stay_apart(self) -> None:
        """A pair (two doses a day apart once) reads as before, each on its line."""
        assert _shape(covered_runs([_covered(1), _covered(2)])) == [[1], [2]]

    def test_a_gap_in_the_chain_ends_a_run(self) -> None:
        """Doses 1-3 covered, dose 4 not (a session fits after it), doses 5-7 covered."""
        warnings = [_covered(n) for n in (1, 2, 3, 5, 6, 7)]
        assert _shape(covered_runs(warnings)) == [[1, 2, 3], [5, 6, 7]]

    def test_another_rule_client_or_code_ends_a_run(self) -> None:
        warnings = [
            _covered(1),
            _covered(2),
            _covered(3, rule="another"),
            _covered(4),
            _other(5),
            _covered(6, client="anna"),
        ]
        assert _shape(covered_runs(warnings)) == [[1], [2], [3], [4], [5], [6]]

    def test_the_order_and_every_warning_are_kept(self) -> None:
        warnings = [_other(9), *(_covered(n) for n in (1, 2, 3)), _other(10)]
        groups = covered_runs(warnings)
        assert [w for group in groups for w in group] == warnings
        assert _shape(groups) == [[9], [1, 2, 3], [10]]

    @pytest.mark.parametrize(
        ("lang", "line"),
        [
            (
                "en",
                "Integration session: doses 1 to 3 are each followed by the next 1 d later, "
                "too soon for a session between them; the session after dose 4 covers all 4",
            ),
            (
                "ru",
                "Интеграционная сессия: за каждым из приёмов с 1 по 3 следующий идёт всего "
                "через 1 д, слишком рано для сессии между ними; сессия после приёма 4 охватит "
                "все 4 приёма",
            ),
        ],
    )
    def test_said_once(self, lang: str, line: str) -> None:
        run = tuple(_covered(n) for n in (1, 2, 3))
        assert catalogue(lang).covered_run_text(run) == line


def _daily(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "daily.toml"
    path.write_text(DAILY.replace("{count}", str(count)), encoding="utf-8")
    return path


def test_validate_says_a_daily_series_once(runner: CliRunner, tmp_path: Path) -> None:
    """Twenty daily doses: one line at the series, the least and the most gap between
    doses (the clocks change in none of them here), the dose that covers them all."""
    path = _daily(tmp_path, 20)
    result = runner.invoke(app, ["validate", str(path)])
    assert (result.exit_code, result.stdout) == (
        0,
        f"{path}:2: warning: series[1] dose 1: Integration session: doses 1 to 19 are each "
        "followed by the next 1 d later, too soon for a session between them; the session "
        "after dose 20 covers all 20\n1 file OK, 1 warning\n",
    )


def test_the_terminal_says_it_once_and_json_keeps_each(runner: CliRunner, tmp_path: Path) -> None:
    path = _daily(tmp_path, 20)
    terminal = runner.invoke(app, ["plan", str(path)]).stdout
    assert terminal.count("doses 1 to 19 are each followed by the next") == 1
    assert "dose 2 follows" not in terminal
    document = json.loads(runner.invoke(app, ["plan", str(path), "-f", "json"]).stdout)
    covered = [w for w in document["warnings"] if w["code"] == "covered"]
    assert [w["infusion"] for w in covered] == list(range(1, 20))


def test_a_runs_line_is_russian_in_russian(runner: CliRunner, tmp_path: Path) -> None:
    """The grouped line has no English word in Russian output, terminal and validate."""
    path = _daily(tmp_path, 20)
    terminal = runner.invoke(app, ["plan", str(path), "--lang", "ru"]).stdout
    validated = runner.invoke(app, ["validate", str(path), "--lang", "ru"]).stdout
    said = [line for line in (terminal + validated).splitlines() if "охватит все 20" in line]
    assert len(said) == 2
    assert _names([path]).english(terminal + validated) == []
