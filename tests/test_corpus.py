"""The corpus of nasty inputs: each has a known outcome, reached as a real process in time.

Small cases live in tests/corpus/ (non-UTF-8, BOM, NUL, deep nesting, years 1,
2, 9998 and 9999, seconds and microseconds, mixed offsets). Large ones are
generated into a temporary folder at test time and never committed: a 50 MB
file, 100,000 infusions, the largest schedule the limits allow (the last two
marked `slow`: the second step of .ci/run, not an everyday run). Each runs as
``python -m kapplan`` under a subprocess timeout, so a hang fails the test
(rather than a timed assertion, which would flake on a slow machine); the
plannable files' other formats render in process, once planned so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kapplan.cli.app import app
from tests.cli_runner import CliRunner
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"

#: How long any corpus case may take as a whole process; most take well under a second.
TIMEOUT = 120


def kapplan(
    *args: str, stdin: bytes | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run `python -m kapplan` as a process, failing the test if it outlives `timeout`."""
    result = subprocess.run(
        [sys.executable, "-m", "kapplan", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "TZ": "UTC", "NO_COLOR": "1"},
        check=False,
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )


#: file -> the exact stderr line (``{path}`` is the file), or the infusion times of the plan.
CASES: dict[str, str | list[str]] = {
    "non-utf8.toml": "kapplan: error: {path}:2: not UTF-8 text (byte 0xe9); "
    "expected a TOML file in UTF-8",
    "bom.toml": ["2026-12-01T10:00:00+01:00"],
    "nul.toml": "kapplan: error: {path}:3: contains a NUL byte; expected a text file",
    "deep-table.toml": "kapplan: error: {path}:2: more than 32 dotted parts in a row "
    "(a key nested too deeply); expected a few levels",
    "deep-array.toml": "kapplan: error: {path}: not valid TOML: nested too deeply",
    "deep-inline-table.toml": "kapplan: error: {path}:2: plan.a: unknown key 'a'; expected one "
    "of cadence, session_minutes, prep_sessions, course_gap_days, long_arc_months",
    "year-1.toml": "kapplan: error: {path}:4: infusion[1].at: 0001-01-01T10:00:00 is outside "
    "the years kapplan plans; expected a date from year 2 to 9998",
    "year-2.toml": ["0002-03-01T10:00:00-03:30:52"],
    "year-9998.toml": ["9998-03-01T10:00:00+05:45"],
    "year-9998-long-arc.toml": "kapplan: error: {path}: the plan reaches outside the years "
    "1 to 9999 that a date can have; expected doses further inside them",
    "year-9999.toml": "kapplan: error: {path}:4: infusion[1].at: 9999-12-31T10:00:00 is outside "
    "the years kapplan plans; expected a date from year 2 to 9998",
    "seconds-and-microseconds.toml": [
        "2026-12-01T10:00:30-03:30",
        "2026-12-04T10:15:45-03:30",
        "2026-12-08T09:05:07-03:30",
    ],
    "mixed-offsets.toml": [
        "2026-10-01T10:00:00+10:30",
        "2026-10-05T10:00:00+11:00",
        "2026-10-08T15:15:00+11:00",
        "2026-10-11T10:00:00+11:00",
    ],
}


def test_every_corpus_file_has_an_expected_outcome() -> None:
    """No file in tests/corpus/ goes untested."""
    assert sorted(p.name for p in CORPUS.glob("*.toml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_case(name: str) -> None:
    """Each corpus file gives its exact error line with exit 2, or a plan with its doses."""
    path = CORPUS / name
    result = kapplan("plan", str(path), "-f", "json")
    expected = CASES[name]
    if isinstance(expected, str):
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == expected.format(path=path) + "\n"
    else:
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
        assert [i["at"] for i in json.loads(result.stdout)["infusions"]] == expected


@pytest.mark.parametrize("fmt", ["terminal", "ics"])
@pytest.mark.parametrize("name", sorted(n for n, e in CASES.items() if isinstance(e, list)))
def test_corpus_plans_render_in_every_format(runner: CliRunner, name: str, fmt: str) -> None:
    """The plannable corpus files render as a terminal view and a calendar too (in process:
    `test_corpus_case` has planned each as a process under its timeout)."""
    result = runner.invoke(app, ["plan", str(CORPUS / name), "-f", fmt])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout


def test_a_50_mb_file_is_refused_unread(tmp_path: Path) -> None:
    """A 50 MB schedule is refused after reading 10 MiB, from a file or from stdin."""
    path = tmp_path / "huge.toml"
    line = b"# " + b"x" * 97 + b"\n"
    path.write_bytes(b'timezone = "UTC"\n' + line * 500_000)
    result = kapplan("plan", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"kapplan: error: {path}: larger than 10 MiB; expected a TOML file\n"
    piped = kapplan("plan", "-", stdin=path.read_bytes())
    assert piped.stderr == "kapplan: error: <stdin>: larger than 10 MiB; expected a TOML file\n"


def test_long_runs_of_key_characters_are_read_promptly(tmp_path: Path) -> None:
    """An 80,000-character comment and string are read in about a second, not a minute.

    The guard against deeply dotted keys once rescanned every run of key characters from
    each of its characters (quadratic: 65 s). The 20 s timeout only guards against a hang.
    """
    run = "a" * 80_000
    comment = tmp_path / "comment.toml"
    comment.write_text(
        f'timezone = "UTC"\n# {run}\n[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = "iv"\n',
        encoding="utf-8",
    )
    result = kapplan("plan", str(comment), "-f", "json", timeout=20)
    assert (result.returncode, result.stderr) == (0, "")
    assert [i["at"] for i in json.loads(result.stdout)["infusions"]] == [
        "2026-12-01T10:00:00+00:00"
    ]
    string = tmp_path / "string.toml"
    string.write_text(f'timezone = "UTC"\nclient = "{run}-{run}"\n', encoding="utf-8")
    result = kapplan("plan", str(string), "-f", "json", timeout=20)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"kapplan: error: {string}:2: client: String should have at most 200 characters\n"
    )


def infusions(count: int, step_minutes: int) -> str:
    """Return a schedule of `count` infusions, `step_minutes` apart, written in UTC."""
    first = datetime(2026, 1, 1, tzinfo=UTC)
    lines = ['timezone = "UTC"']
    for i in range(count):
        at = first + timedelta(minutes=i * step_minutes)
        lines += ["[[infusion]]", f"at = {at:%Y-%m-%dT%H:%M:%SZ}", 'method = "iv"']
    return "\n".join(lines) + "\n"


@pytest.mark.slow  # the size is the point: several seconds on two cores
def test_100000_infusions_are_refused_before_validation(tmp_path: Path) -> None:
    """100,000 [[infusion]] tables are refused at the first beyond the limit, naming its line."""
    path = tmp_path / "many.toml"
    path.write_text(infusions(100_000, 60), encoding="utf-8")
    result = kapplan("plan", str(path))
    assert result.returncode == 2
    assert result.stderr == (
        f"kapplan: error: {path}:3002: infusion[1001]: the schedule has more than 1000 doses, "
        "the limit; expected a shorter schedule, or a higher --max-infusions\n"
    )


@pytest.mark.slow  # the size is the point: several seconds on two cores
def test_100000_infusions_allowed_are_refused_before_planning(tmp_path: Path) -> None:
    """With --max-infusions raised, the event limit refuses the plan before placing anything."""
    path = tmp_path / "many.toml"
    path.write_text(infusions(100_000, 30), encoding="utf-8")
    result = kapplan("plan", str(path), "--max-infusions", "100000")
    assert result.returncode == 2
    assert result.stderr == (
        f"kapplan: error: {path}: the plan would have more than 20000 events, the limit; "
        "expected a smaller schedule, or a higher --max-events\n"
    )


@pytest.mark.slow  # the size is the point: several seconds on two cores
def test_the_largest_schedule_the_limits_allow_is_planned(tmp_path: Path) -> None:
    """1000 daily doses, the most the default limits allow, are planned in every format."""
    path = tmp_path / "daily.toml"
    path.write_text(infusions(1000, 24 * 60), encoding="utf-8")
    outputs = {}
    for fmt in ("json", "ics", "terminal"):
        result = kapplan("plan", str(path), "-f", fmt)
        assert (result.returncode, result.stderr) == (0, "")
        outputs[fmt] = result.stdout
    assert len(json.loads(outputs["json"])["infusions"]) == 1000
