"""Fuzzing the loader and the command line: only clean errors, never a traceback or a hang.

Hypothesis feeds `kapplan plan -` random bytes and mutated copies of valid
files (bytes flipped, the file cut short, lines duplicated, deleted, swapped,
nasty fragments inserted: NUL, BOM, stray brackets, year 1 and 9999, huge
numbers, deep nesting, runaway RRULEs). Whatever comes in, the exit status is
0 with a plan, or 2 with exactly one line on stderr starting
``kapplan: error:``. Each example runs under a wall-clock alarm, so a hang
fails the test instead of stalling it, and a sample also runs as real
processes under a timeout. The same inputs go to the load functions, which
may raise only `KapplanError`.

A coverage-guided fuzzer (atheris, optional) drives the same path:
``python tests/fuzz/fuzz_schedule.py -max_total_time=60`` (see README).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapplan.cli.app import app
from kapplan.edge.load import rulebook_from_text, schedule_from_text
from kapplan.errors import KapplanError, RulebookError
from tests.cli_runner import CliRunner
from tests.conftest import ROOT, SCALE, examples

SEEDS = tuple(
    path.read_bytes()
    for path in sorted((ROOT / "examples").rglob("*.toml"))
    if "therapist" not in path.parts
)
THERAPIST = (ROOT / "examples" / "therapist" / "lisbon.toml").read_bytes()
RULEBOOK = (ROOT / "src" / "kapplan" / "data" / "rulebook.toml").read_bytes()

#: Fragments a mutation may insert: syntax noise, bad encodings and values at every edge.
NASTY = (
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"\\", b'"', b"'''", b"[", b"]]", b"{", b"=",
    b"#", b"\t", b"\xe2\x80\xae", b"[[infusion]]", b"[[series]]", b"[plan]", b"[availability]",
    b"at = 0001-01-01T00:00:00", b"at = 9999-12-31T23:59:59.999999", b"at = 9998-12-31T23:00:00Z",
    b"at = 2026-03-29T02:30:00", b"at = 2026-12-01T10:00:00.5-00:01", b'at = "tomorrow"',
    b"at = 2026-12-01", b"at = 10:00:00", b"minutes = 99999999999999999999", b"minutes = -1",
    b'rrule = "FREQ=SECONDLY;COUNT=999999999"', b'rrule = "FREQ=YEARLY;UNTIL=99991231T235959Z"',
    b'rrule = "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30;COUNT=1"', b'rrule = "FREQ=DAILY;COUNT=6\\n"',
    b'rrule = "FREQ=DAILY;INTERVAL=0;COUNT=3"', b'rrule = "FREQ=YEARLY;BYSETPOS=-1;COUNT=2"',
    b'timezone = "Asia/Kathmandu"', b'timezone = "../../etc/passwd"', b'timezone = ""',
    b'timezone = "Etc/GMT+14"', b'method = "IV"', b'hours = "00:00-24:00"', b"days = []",
    b'client = "[bold red]x[/]"', b"a.b.c.d.e.f.g.h = 1", b"x = " + b"[" * 60 + b"]" * 60,
    b"x = " + b"{a = " * 40 + b"1" + b"}" * 40, b"language = 'ru'", b"course_gap_days = 0",
)  # fmt: skip

#: Each test's count is its own (`examples`: a quick run by default, the full one slow).
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Wall-clock bound for one example; a plan of the largest allowed schedule takes ~3 s.
HANG_SECONDS = 20


class Hang(Exception):
    """An example ran longer than `HANG_SECONDS`."""


@contextlib.contextmanager
def hang_guard(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Raise `Hang` in the running code when it takes longer than `seconds`."""

    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[bytes, ...] = SEEDS) -> bytes:
    """Return a valid file with one to five random mutations."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 5))):
        op = draw(
            st.sampled_from(["flip", "cut", "dup", "drop", "swap", "insert", "insert", "run"])
        )
        lines = bytes(data).split(b"\n")
        if op == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[draw(st.integers(0, len(data))) :]
        elif op in ("dup", "drop", "swap") and lines:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "dup":
                lines[i:i] = [lines[i]] * draw(st.integers(1, 3))
            elif op == "drop":
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        elif op == "insert":
            at = draw(st.integers(0, len(data)))
            piece = draw(st.one_of(st.sampled_from(NASTY), st.binary(min_size=1, max_size=8)))
            if draw(st.booleans()):
                piece = b"\n" + piece + b"\n"
            data[at:at] = piece
        elif op == "run":
            # A long run of one piece (a key character, a quote, a dot): inputs of up to
            # 100 kB, where a cost quadratic in a line's length shows.
            at = draw(st.integers(0, len(data)))
            piece = draw(st.sampled_from([b"a", b"-", b'"', b".", b"a.", b" ", b"#"]))
            data[at:at] = piece * draw(st.integers(1_000, 50_000))
    return bytes(data)


def assert_clean(code: int, stdout: str, stderr: str) -> None:
    """Exit 0 with a JSON plan, or exit 2 with exactly one `kapplan: error:` line."""
    assert "Traceback" not in stderr, stderr
    assert code in (0, 2), (code, stderr)
    if code == 2:
        assert stdout == ""
        assert stderr.endswith("\n"), stderr
        lines = stderr.splitlines()
        assert len(lines) == 1, stderr
        assert lines[0].startswith("kapplan: error: "), stderr
    else:
        assert stderr == ""
        assert json.loads(stdout)["events"]


def run_cli(data: bytes, *args: str) -> None:
    """Plan `data` from stdin in process, under the hang guard, and check the outcome."""
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC"})
    with hang_guard():
        result = runner.invoke(app, ["plan", "-", "-f", "json", *args], input=data)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert_clean(result.exit_code, result.stdout, result.stderr)


def load_only(data: bytes) -> None:
    """Decode and load in process: only a `KapplanError` may come out."""
    text = data.decode("utf-8", errors="replace").replace("\x00", "")
    with hang_guard(), contextlib.suppress(KapplanError):
        schedule_from_text(text, "fuzz.toml")


@examples(quick=40, full=150)
def test_random_bytes_give_a_clean_error(runs: int) -> None:
    """Any bytes on stdin give a plan or one clean error line with exit 2."""

    @settings(FUZZ, max_examples=runs)
    @given(st.binary(max_size=2048))
    def check(data: bytes) -> None:
        run_cli(data)

    check()


@examples(quick=40, full=150)
def test_mutated_schedules_give_a_plan_or_a_clean_error(runs: int) -> None:
    """Mutated example schedules give a plan or one clean error line, never a traceback."""

    @settings(FUZZ, max_examples=runs)
    @given(mutated())
    def check(data: bytes) -> None:
        run_cli(data)
        load_only(data)

    check()


@examples(quick=15, full=60)
def test_mutated_schedules_in_every_format(runs: int) -> None:
    """The terminal view and the calendar are as robust as the JSON."""

    @settings(FUZZ, max_examples=runs)
    @given(mutated())
    def check(data: bytes) -> None:
        in_every_format(data)

    check()


def in_every_format(data: bytes) -> None:
    """Plan data from stdin as the terminal view and as .ics: a plan or one clean line."""
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC"})
    for fmt in ("terminal", "ics"):
        with hang_guard():
            result = runner.invoke(app, ["plan", "-", "-f", fmt], input=data)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code in (0, 2), result.stderr
        assert "Traceback" not in result.stderr
        if result.exit_code == 2:
            assert len(result.stderr.splitlines()) == 1
            assert result.stderr.startswith("kapplan: error: ")


@examples(quick=15, full=60)
def test_mutated_therapist_files_give_a_plan_or_a_clean_error(runs: int) -> None:
    """A mangled therapist file is one clean error too (the caseload itself is valid)."""

    @settings(FUZZ, max_examples=runs)
    @given(mutated((THERAPIST,)))
    def check(data: bytes) -> None:
        therapist_file(data)

    check()


def therapist_file(data: bytes) -> None:
    """Plan the example caseload with data as its therapist file: a plan or one clean line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "therapist.toml"
        path.write_bytes(data)
        runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC"})
        with hang_guard():
            result = runner.invoke(
                app,
                [
                    "plan",
                    str(ROOT / "examples" / "caseload"),
                    "--therapist",
                    str(path),
                    "-f",
                    "json",
                ],
            )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert_clean(result.exit_code, result.stdout, result.stderr)


@settings(FUZZ, max_examples=SCALE * 100)
@given(mutated((RULEBOOK,)))
def test_mutated_rulebooks_give_a_rulebook_or_a_rulebook_error(data: bytes) -> None:
    """Loading a mangled rulebook yields a rulebook or a `RulebookError`, nothing else."""
    text = data.decode("utf-8", errors="replace")
    with hang_guard(), contextlib.suppress(RulebookError):
        rulebook_from_text(text, "rules.toml")


#: Inputs run as real processes: the worst of the mutation fragments, whole.
PROCESS_CASES = (
    b"\x00" * 100,
    b"\xff" * 100,
    b"\xef\xbb\xbf" + SEEDS[0],
    SEEDS[0][: len(SEEDS[0]) // 2],
    b'[[series]]\nstart = 2026-01-01T10:00:00\nrrule = "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30;'
    b'COUNT=1"\nmethod = "iv"\n',
    b'[[series]]\nstart = 2026-01-01T10:00:00\nrrule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;'
    b'BYDAY=MO;COUNT=900"\nmethod = "iv"\n',
    b'[[series]]\nstart = 2026-01-01T10:00:00\nrrule = "FREQ=MINUTELY;COUNT=1000"\nmethod = "iv"\n',
    b"x = " + b"[" * 100_000,
    b"a" + b".a" * 100_000 + b" = 1\n",
)


@pytest.mark.parametrize("data", PROCESS_CASES, ids=range(len(PROCESS_CASES)))
def test_real_processes_end_in_time(data: bytes) -> None:
    """As a real process under a timeout, each nasty input ends cleanly (no hang, no traceback)."""
    result = subprocess.run(
        [sys.executable, "-m", "kapplan", "plan", "-", "-f", "json"],
        input=data,
        capture_output=True,
        timeout=60,
        env={**os.environ, "TZ": "UTC", "NO_COLOR": "1"},
        check=False,
    )
    assert_clean(result.returncode, result.stdout.decode(), result.stderr.decode())


def test_atheris_finds_no_crash_in_a_few_seconds(tmp_path: Path) -> None:
    """The coverage-guided target runs for a few seconds from the examples without a crash.

    Skips where atheris is not installed (it is optional: it ships wheels for
    Linux only, see README).
    """
    pytest.importorskip("atheris", reason="atheris is optional: pip install atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted((ROOT / "examples").glob("*.toml")):
        (corpus / path.name).write_bytes(path.read_bytes())
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "fuzz" / "fuzz_schedule.py"),
            "-max_total_time=5",
            "-timeout=20",
            "-rss_limit_mb=2048",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr
    assert not list(tmp_path.glob("crash-*")) + list(tmp_path.glob("timeout-*"))
