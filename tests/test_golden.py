"""Golden files: the terminal and JSON output of every example, byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kapplan.cli.app import app
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES
from tests.ics_fixtures import READERS


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
class TestExamples:
    """Each shipped example plans without error and matches its reviewed output."""

    def test_terminal(
        self, example: Path, runner: CliRunner, golden: Callable[[str, bytes], None]
    ) -> None:
        """The terminal view (no colour, 100 columns) matches tests/golden/<stem>.txt."""
        result = runner.invoke(app, ["plan", str(example)])
        assert result.exit_code == 0, result.stderr
        assert "\x1b[" not in result.stdout
        golden(f"{example.stem}.txt", result.stdout.encode())

    def test_json(
        self, example: Path, runner: CliRunner, golden: Callable[[str, bytes], None]
    ) -> None:
        """The JSON document matches tests/golden/<stem>.json."""
        result = runner.invoke(app, ["plan", str(example), "--format", "json"])
        assert result.exit_code == 0, result.stderr
        golden(f"{example.stem}.json", result.stdout.encode())


SESSION_KINDS = {
    "preparation-session",
    "integration-session",
    "relapse-prevention",
    "consolidation-session",
    "long-arc-session",
}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
class TestExampleCalendars:
    """Each example's .ics is reviewed byte for byte and read alike by independent parsers."""

    def test_ics(
        self, example: Path, runner: CliRunner, golden: Callable[[str, bytes], None]
    ) -> None:
        """The calendar matches tests/golden/<stem>.ics."""
        result = runner.invoke(app, ["plan", str(example), "--format", "ics"])
        assert result.exit_code == 0, result.stderr
        golden(f"{example.stem}.ics", result.stdout_bytes)

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_parsers_read_what_the_json_says(
        self, example: Path, reader: str, runner: CliRunner
    ) -> None:
        """Every parser reads the JSON output's events: uids, instants, titles and alarms."""
        ics = runner.invoke(app, ["plan", str(example), "--format", "ics"]).stdout
        data = json.loads(runner.invoke(app, ["plan", str(example), "--format", "json"]).stdout)
        seen = READERS[reader](ics)
        expected = []
        for event in data["events"]:
            start, end = (datetime.fromisoformat(event[k]) for k in ("start", "end"))
            alarmed = event["kind"] in SESSION_KINDS or event["kind"] == "infusion"
            expected.append(
                (
                    event["uid"],
                    start.date() if event["all_day"] else start.astimezone(UTC),
                    end.date() if event["all_day"] else end.astimezone(UTC),
                    event["title"],
                    event["description"],
                    (-timedelta(days=1), -timedelta(hours=1)) if alarmed else (),
                )
            )
        assert [
            (s.uid, s.start, s.end, s.summary, s.description, tuple(lead for lead, _ in s.alarms))
            for s in seen
        ] == expected

    def test_discreet_reveals_nothing(self, example: Path, runner: CliRunner) -> None:
        """--discreet output holds no word that reveals the treatment, in any case."""
        result = runner.invoke(app, ["plan", str(example), "--format", "ics", "--discreet"])
        assert result.exit_code == 0
        lowered = result.stdout_bytes.lower()
        for word in (b"ketamine", b"esketamine", b"spravato", b"infusion", b"dose"):
            assert word not in lowered
        assert b"CLASS:PRIVATE" in result.stdout_bytes
