"""Golden files: the terminal and JSON output of every example, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kapplan.cli import app
from tests.conftest import EXAMPLES


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
