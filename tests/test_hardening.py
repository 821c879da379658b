"""Hardening: output safety, pipes, Ctrl-C, --strict, limits, injection and privacy.

Each test states one guarantee of README "Guarantees" and proves it through
the command line (in process with CliRunner, or as a real process where a
pipe, a signal or the set of imported modules is the point).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import icalendar
import pytest
from benchmarks.caseload import generate

from kapplan.cli.app import app
from kapplan.edge import atomic as output
from kapplan.edge.load import rulebook_from_text, schedule_from_text
from kapplan.engine import build_plan
from kapplan.formats.ics import IcsOptions, render_ics
from kapplan.i18n import catalogues
from kapplan.views.agenda import render_caseload, render_terminal
from tests.caldav_servers import Server
from tests.cli_runner import CliRunner
from tests.conftest import ROOT, default_first
from tests.test_whole_path import EVENT_PROPERTIES, SESSION_PROPERTIES

EXAMPLE = ROOT / "examples" / "iv-six-infusions.toml"
WARNED = ROOT / "examples" / "spravato.toml"  # its plan carries warnings

#: 1000 weekly doses: the largest plan the default limits allow, ~1 s to plan.
BIG = (
    'timezone = "Europe/Berlin"\n[[series]]\nstart = 2026-01-05T10:00:00\n'
    'rrule = "FREQ=DAILY;INTERVAL=3;COUNT=1000"\nmethod = "iv"\n'
)


#: 60 doses every third day: a plan of 50 kB (terminal) to 450 kB (JSON), ~1 s to plan.
SIXTY = BIG.replace("COUNT=1000", "COUNT=60")

#: The size of a memory page, the smallest a pipe can be made (F_SETPIPE_SZ).
PAGE = os.sysconf("SC_PAGE_SIZE")


def invoke(runner: CliRunner, *args: str, data: bytes | None = None) -> tuple[int, str, str]:
    """Run kapplan in process; return exit status, stdout and stderr."""
    result = runner.invoke(app, list(args), input=data)
    return result.exit_code, result.stdout, result.stderr


def default_sigint() -> None:
    """In a child: SIGINT handled as a user's shell gives it. A test run started as a
    background job (``pytest &``) passes it on ignored, and Python then installs no
    KeyboardInterrupt for it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def process(*args: str, stdout: int = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """Start `python -m kapplan` as a process with the default SIGINT handling (stdout: a
    pipe to read, or a file descriptor)."""
    return subprocess.Popen(
        [sys.executable, "-B", "-m", "kapplan", *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, "TZ": "UTC", "NO_COLOR": "1"},
        preexec_fn=default_sigint,
    )


class TestOutputSafety:
    """-o never leaves a partial, truncated or clobbered file, and says why in one line."""

    def test_missing_folder(self, runner: CliRunner, tmp_path: Path) -> None:
        """-o into a folder that does not exist: exit 2, the folder named, nothing created."""
        target = tmp_path / "nope" / "plan.ics"
        code, stdout, stderr = invoke(runner, "plan", str(EXAMPLE), "-o", str(target))
        assert (code, stdout) == (2, "")
        assert stderr == (
            f"kapplan: error: {target}: folder '{target.parent}' does not exist; create it or "
            "choose another path\n"
        )
        assert not target.parent.exists()

    @pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
    def test_read_only_folder(self, runner: CliRunner, tmp_path: Path) -> None:
        """-o into a read-only folder: exit 2, permission denied, the folder unchanged."""
        folder = tmp_path / "ro"
        folder.mkdir()
        (folder / "plan.json").write_text("mine", encoding="utf-8")
        folder.chmod(0o555)
        try:
            code, _, stderr = invoke(
                runner, "plan", str(EXAMPLE), "-o", str(folder / "plan.json"), "--force"
            )
        finally:
            folder.chmod(0o755)
        assert code == 2
        assert "permission denied" in stderr
        assert [p.name for p in folder.iterdir()] == ["plan.json"]
        assert (folder / "plan.json").read_text(encoding="utf-8") == "mine"

    def test_permission_denied_simulated(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The same, simulated (so it runs as root too): the earlier file is untouched."""
        target = tmp_path / "plan.json"
        target.write_text("mine", encoding="utf-8")

        def denied(*args: object, **kwargs: object) -> tuple[int, str]:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(output.tempfile, "mkstemp", denied)
        code, _, stderr = invoke(runner, "plan", str(EXAMPLE), "-o", str(target), "--force")
        assert code == 2
        assert stderr == (
            f"kapplan: error: {target}: cannot write: permission denied; choose a folder you "
            "can write to (any earlier file is unchanged)\n"
        )
        assert target.read_text(encoding="utf-8") == "mine"

    def test_full_disk(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A full disk part-way: exit 2, the earlier calendar intact, no temporary file left."""
        target = tmp_path / "plan.ics"
        assert invoke(runner, "plan", str(EXAMPLE), "-o", str(target))[0] == 0
        before = target.read_bytes()

        def full(descriptor: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(output.os, "fsync", full)
        code, _, stderr = invoke(runner, "plan", str(WARNED), "-o", str(target))
        assert code == 2
        assert stderr == (
            f"kapplan: error: {target}: cannot write: the disk is full; free some space and "
            "run again (any earlier file is unchanged)\n"
        )
        assert target.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ics"]

    @pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
    def test_output_is_the_input(self, runner: CliRunner, tmp_path: Path, how: str) -> None:
        """-o naming the schedule itself (even through a link, even with --force) is refused."""
        schedule = tmp_path / "s.toml"
        schedule.write_bytes(EXAMPLE.read_bytes())
        target = tmp_path / "out.txt"
        if how == "same path":
            target = schedule
        elif how == "symlink":
            target.symlink_to(schedule)
        else:
            os.link(schedule, target)
        # -f json: a .toml output without it is refused for its suffix, before this check.
        code, _, stderr = invoke(
            runner, "plan", str(schedule), "-f", "json", "-o", str(target), "--force"
        )
        assert code == 2
        assert stderr == (
            f"kapplan: error: {target}: is also an input ({str(schedule)!r}); choose another "
            "output file\n"
        )
        assert schedule.read_bytes() == EXAMPLE.read_bytes()

    def test_interrupt_while_writing_keeps_the_earlier_file(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Ctrl-C during the write: exit 130, one line, the earlier file whole, no temp file."""
        target = tmp_path / "plan.ics"
        assert invoke(runner, "plan", str(EXAMPLE), "-o", str(target))[0] == 0
        before = target.read_bytes()

        def interrupted(source: str, destination: str) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(output.os, "replace", interrupted)
        code, _, stderr = invoke(runner, "plan", str(WARNED), "-o", str(target))
        assert (code, stderr) == (130, "kapplan: interrupted\n")
        assert target.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ics"]


class TestPipesAndSignals:
    """A closed pipe stops quietly; Ctrl-C exits 130 with one line; never a traceback."""

    @pytest.fixture(name="big")
    def fixture_big(self, tmp_path: Path) -> str:
        """Return the path of a schedule whose plan takes about a second and is megabytes."""
        path = tmp_path / "big.toml"
        path.write_text(BIG, encoding="utf-8")
        return str(path)

    @pytest.mark.parametrize("fmt", default_first(["terminal", "json", "ics"]))
    def test_head_closes_the_pipe(self, fmt: str, tmp_path: Path, runner: CliRunner) -> None:
        """`kapplan plan s.toml | head -1`: the first line, exit 0, nothing on stderr.

        The pipe holds one page (the least Linux allows), and the plan is many times
        that, so kapplan is still writing when head has its line and goes.
        """
        path = tmp_path / "sixty.toml"
        path.write_text(SIXTY, encoding="utf-8")
        planned = runner.invoke(app, ["plan", str(path), "-f", fmt])
        assert planned.exit_code == 0
        whole = planned.stdout_bytes
        reading, writing = os.pipe()
        fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, PAGE)
        assert fcntl.fcntl(writing, fcntl.F_GETPIPE_SZ) == PAGE
        assert len(whole) > 8 * PAGE
        kapplan = process("plan", str(path), "-f", fmt, stdout=writing)
        os.close(writing)
        head = subprocess.Popen(["head", "-1"], stdin=reading, stdout=subprocess.PIPE)
        os.close(reading)  # only head reads it now
        first, _ = head.communicate(timeout=120)
        _, stderr = kapplan.communicate(timeout=120)
        assert first.strip()
        assert first == whole.splitlines(keepends=True)[0]
        assert (kapplan.returncode, stderr) == (0, b"")

    def test_broken_pipe_on_a_later_write_is_quiet(self) -> None:
        """When the write itself raises BrokenPipeError, kapplan still exits 0 silently."""
        probe = (
            "import os, sys\n"
            "import kapplan.cli.app\n"
            "write = os.write\n"
            "def broken(descriptor, data):\n"
            "    if descriptor == 1:\n"
            "        raise BrokenPipeError(32, 'Broken pipe')\n"
            "    return write(descriptor, data)\n"
            "os.write = broken\n"
            f"sys.argv = ['kapplan', 'plan', {str(EXAMPLE)!r}, '-f', 'json']\n"
            "kapplan.cli.app.main()\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, timeout=60, check=False
        )
        assert (result.returncode, result.stderr) == (0, b"")

    @pytest.mark.parametrize("delay", default_first([0.6, 0.3, 1.0]))
    def test_ctrl_c_exits_130_with_one_line(self, delay: float, big: str) -> None:
        """SIGINT while loading, planning or writing a big plan: exit 130 and one line.

        (The first few milliseconds of interpreter start-up, before kapplan's code
        runs, are Python's own: not tested.)
        """
        kapplan = process("plan", big, "-f", "json")
        time.sleep(delay)
        kapplan.send_signal(signal.SIGINT)
        _, stderr = kapplan.communicate(timeout=120)
        if kapplan.returncode == 0:
            pytest.skip("the plan was done before the signal arrived")
        assert (kapplan.returncode, stderr) == (130, b"kapplan: interrupted\n")


class TestStrict:
    """--strict: exit 1 when the plan has warnings, after writing it."""

    def test_warnings_exit_1_and_the_plan_is_still_written(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """A plan with warnings is written, and --strict makes the exit status 1."""
        target = tmp_path / "plan.json"
        code, _, stderr = invoke(runner, "plan", str(WARNED), "-o", str(target), "--strict")
        assert code == 1
        assert stderr.splitlines()[1:] == ["kapplan: 4 warnings in the plan (--strict)"]
        assert stderr.startswith(f"wrote {target}: ")
        assert len(json.loads(target.read_text(encoding="utf-8"))["warnings"]) == 4

    def test_in_the_plans_language(self, runner: CliRunner) -> None:
        """The note says why in the language of the plan."""
        code, _, stderr = invoke(runner, "plan", str(WARNED), "--strict", "--lang", "ru")
        assert code == 1
        assert stderr == "kapplan: 4 предупреждения в плане (--strict)\n"

    def test_without_warnings_exit_0(self, runner: CliRunner) -> None:
        """A plan without warnings exits 0 under --strict."""
        code, stdout, stderr = invoke(runner, "plan", str(EXAMPLE), "--strict", "-f", "json")
        assert (code, stderr) == (0, "")
        assert json.loads(stdout)["warnings"] == []

    def test_without_strict_warnings_exit_0(self, runner: CliRunner) -> None:
        """Without --strict, warnings do not change the exit status."""
        assert invoke(runner, "plan", str(WARNED), "-f", "ics")[0] == 0

    def test_caseload(self, runner: CliRunner) -> None:
        """--strict counts the warnings of every client of a caseload."""
        code, _, stderr = invoke(
            runner, "plan", str(ROOT / "examples" / "caseload"), "--strict", "-f", "json"
        )
        plans = json.loads(runner.invoke(app, ["plan", str(ROOT / "examples" / "caseload"),
                                               "-f", "json"]).stdout)  # fmt: skip
        assert code == (1 if plans["warnings"] else 0)
        assert stderr == (
            f"kapplan: {len(plans['warnings'])} warnings in the plan (--strict)\n"
            if plans["warnings"]
            else ""
        )


class TestLimitsOnTheCommandLine:
    """The limits are options of `kapplan plan`, named in the errors they cause."""

    def test_max_infusions(self, runner: CliRunner) -> None:
        """A series over --max-infusions is refused before it is expanded."""
        code, _, stderr = invoke(runner, "plan", "-", "--max-infusions", "500", data=BIG.encode())
        assert code == 2
        assert stderr == (
            "kapplan: error: <stdin>:4: series[1].rrule: COUNT=1000 is more doses than the limit "
            "of 500 allows; expected a smaller COUNT, or a higher --max-infusions\n"
        )

    def test_max_events(self, runner: CliRunner) -> None:
        """A plan over --max-events is refused before any event is placed."""
        code, _, stderr = invoke(runner, "plan", str(EXAMPLE), "--max-events", "10")
        assert code == 2
        assert stderr == (
            f"kapplan: error: {EXAMPLE}: the plan would have more than 10 events, the limit; "
            "expected a smaller schedule, or a higher --max-events\n"
        )

    def test_max_events_is_per_client(self, runner: CliRunner) -> None:
        """A caseload may hold more events than the limit; each client's plan may not."""
        caseload = ["plan", "examples/caseload/", "-f", "json"]
        result = runner.invoke(app, caseload)
        assert result.exit_code == 0
        per_client: dict[str, int] = {}
        for event in json.loads(result.stdout)["events"]:
            per_client[event["client"]] = per_client.get(event["client"], 0) + 1
        total = sum(per_client.values())
        assert len(per_client) == 3
        # Under the whole caseload's count, above any one client's.
        code, _, stderr = invoke(runner, *caseload, "--max-events", str(total - 1))
        assert (code, stderr) == (0, "")
        code, _, stderr = invoke(runner, *caseload, "--max-events", "10")
        assert code == 2
        assert stderr.startswith("kapplan: error: ")
        assert "'s plan would have more than 10 events, the limit" in stderr

    def test_max_years(self, runner: CliRunner) -> None:
        """Doses further apart than --max-years are refused, naming the later dose."""
        text = (
            'timezone = "UTC"\n[[infusion]]\nat = 2026-01-01T10:00:00\nmethod = "iv"\n'
            '[[infusion]]\nat = 2029-01-01T10:00:00\nmethod = "iv"\n'
        )
        code, _, stderr = invoke(runner, "plan", "-", "--max-years", "2", data=text.encode())
        assert code == 2
        assert stderr == (
            "kapplan: error: <stdin>:6: infusion[2].at: 2029-01-01T10:00:00+00:00 is more than 2 "
            "years after the first dose (infusion[1].at, 2026-01-01T10:00:00+00:00); expected a "
            "schedule of at most 2 years, or a higher --max-years\n"
        )
        assert invoke(runner, "plan", "-", "--max-years", "3", data=text.encode())[0] == 0

    @staticmethod
    def big_caseload(tmp_path: Path) -> tuple[str, ...]:
        """Return `plan` arguments for a caseload with a therapist, one client of 1000 doses."""
        folder = tmp_path / "clients"
        folder.mkdir()
        (folder / "a.toml").write_text(BIG, encoding="utf-8")
        (folder / "b.toml").write_bytes(EXAMPLE.read_bytes())
        therapist = str(ROOT / "examples" / "therapist" / "lisbon.toml")
        return ("plan", str(folder), "--therapist", therapist, "-f", "json")

    def test_lowered_limits_reach_the_therapist_loader(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """A limit lowered on the command line holds for a caseload with a therapist too."""
        args = self.big_caseload(tmp_path)
        assert invoke(runner, *args, "--max-infusions", "999")[0] == 2

    @pytest.mark.slow  # plans a caseload of 1000 doses: several seconds on two cores
    def test_raised_limits_reach_the_therapist_loader(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """Limits raised on the command line hold for a caseload with a therapist too."""
        args = self.big_caseload(tmp_path)
        code, _, stderr = invoke(runner, *args, "--max-infusions", "1000", "--max-events", "99999")
        assert (code, stderr) == (0, "")


#: Text that would add properties or components if a renderer did not escape it.
INJECTION = "x\r\nATTENDEE:mailto:evil@example.com\r\nBEGIN:VEVENT\nUID:1;X=y:z\\, [bold]b[/bold]"


class TestInjection:
    """No schedule or rulebook text can add to a calendar or mark up the terminal view."""

    def calendar_shape(self, calendar: str, events: int) -> None:
        """Assert the calendar holds exactly `events` VEVENTs of kapplan's property set."""
        parsed = icalendar.Calendar.from_ical(calendar)
        assert [c.name for c in parsed.subcomponents] == ["VEVENT"] * events
        # A caseload's calendar also lists its clients, escaped like any text.
        assert set(parsed.keys()) - {"X-KAPPLAN-CLIENTS"} == {
            "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME", "NAME",
        }  # fmt: skip
        for vevent in parsed.subcomponents:
            assert set(vevent.keys()) in (EVENT_PROPERTIES, SESSION_PROPERTIES)
            assert {c.name for c in vevent.subcomponents} <= {"VALARM"}
            for alarm in vevent.subcomponents:
                assert set(alarm.keys()) == {"ACTION", "DESCRIPTION", "TRIGGER"}

    def test_client_name_cannot_add_to_the_calendar(self, runner: CliRunner) -> None:
        """A client label full of CR/LF, ';', ':' and 'BEGIN:VEVENT' stays one text value."""
        schedule = schedule_from_text(
            f"client = {json.dumps(INJECTION)}\n" + EXAMPLE.read_text(encoding="utf-8"), "s.toml"
        )
        plan = build_plan(schedule, rulebook_from_text(_RULES, "r.toml"), texts=catalogues())
        calendar = render_ics(plan, IcsOptions())
        self.calendar_shape(calendar, len(plan.events))
        unfolded = calendar.replace("\r\n ", "")
        assert "X-WR-CALNAME:Integration plan: x\\nATTENDEE:mailto:evil@example.com\\n" in unfolded
        assert "BEGIN:VEVENT\\nUID:1\\;X=y:z\\\\\\, [bold]b[/bold]" in unfolded

    def test_rulebook_text_cannot_add_to_the_calendar(self) -> None:
        """A rule's title and description with line breaks and delimiters round-trip as text."""
        rules = _RULES.replace(
            'title = "Integration session after {dose}"',
            f"title = {json.dumps(INJECTION)}",
        ).replace(
            'description = "Write freely for 15 to 30 minutes about the experience."',
            f"description = {json.dumps(INJECTION)}",
        )
        schedule = schedule_from_text(EXAMPLE.read_text(encoding="utf-8"), "s.toml")
        plan = build_plan(schedule, rulebook_from_text(rules, "r.toml"), texts=catalogues())
        assert any(e.title == INJECTION for e in plan.events)
        calendar = render_ics(plan, IcsOptions())
        self.calendar_shape(calendar, len(plan.events))
        titles = [str(v["SUMMARY"]) for v in icalendar.Calendar.from_ical(calendar).walk("VEVENT")]
        assert titles.count(INJECTION.replace("\r\n", "\n")) == sum(
            e.title == INJECTION for e in plan.events
        )
        descriptions = [
            str(v["DESCRIPTION"]) for v in icalendar.Calendar.from_ical(calendar).walk("VEVENT")
        ]
        assert sum(d.startswith(INJECTION.replace("\r\n", "\n")) for d in descriptions) == 6

    def test_caseload_labels_cannot_add_to_the_calendar(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """The therapist's calendar, titled with client labels, keeps its shape too."""
        for n, name in enumerate(["anna", "boris"]):
            label = json.dumps(INJECTION + str(n))
            body = (ROOT / "examples" / "caseload" / f"{name}.toml").read_text(encoding="utf-8")
            lines = [line for line in body.splitlines() if not line.startswith("client")]
            (tmp_path / f"{name}.toml").write_text(
                f"client = {label}\n" + "\n".join(lines) + "\n", encoding="utf-8"
            )
        code, stdout, stderr = invoke(runner, "plan", str(tmp_path), "-f", "ics")
        assert (code, stderr) == (0, "")
        events = len(icalendar.Calendar.from_ical(stdout).walk("VEVENT"))
        self.calendar_shape(stdout, events)

    def test_rich_markup_in_a_client_name_prints_literally(self) -> None:
        """`[bold]` and `[link=...]` in a client label print as typed, even in colour."""
        label = "[bold red]Eve[/bold red] [link=https://evil.example]click[/link]"
        schedule = schedule_from_text(
            f"client = {json.dumps(label)}\n" + EXAMPLE.read_text(encoding="utf-8"), "s.toml"
        )
        plan = build_plan(schedule, rulebook_from_text(_RULES, "r.toml"), texts=catalogues())
        for color in (False, True):
            text = render_terminal(plan, width=140, color=color)
            assert label in text
            assert "\x1b]8;" not in text  # no OSC 8 hyperlink
        agenda = render_caseload([plan], timezone="Europe/Berlin", width=140, color=True)
        assert "[bold red]Eve[/bold red]" in agenda
        assert "\x1b]8;" not in agenda


_RULES = resources.files("kapplan").joinpath("data/rulebook.toml").read_text(encoding="utf-8")


#: Run in a fresh interpreter: every module imported, every format planned; then report.
PRIVACY_PROBE = """
import importlib, io, json, os, pkgutil, sys
events = []
def hook(event, args):
    if event.startswith(("socket.", "urllib.", "http.", "smtplib.", "ftplib.", "ssl.")):
        events.append([event, repr(args)[:200]])
    elif event == "open" and isinstance(args[0], (str, bytes)):
        mode, flags = args[1] or "", args[2] or 0
        if any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            events.append(["write", str(args[0])])
    elif event in ("os.rename", "os.replace", "os.remove", "os.mkdir", "os.symlink", "os.link"):
        events.append([event, str(args[0]), str(args[1]) if len(args) > 1 else ""])
sys.addaudithook(hook)
import kapplan
for found in pkgutil.walk_packages(kapplan.__path__, "kapplan."):
    if found.name != "kapplan.__main__":
        importlib.import_module(found.name)
from kapplan.__main__ import run
for args in sys.argv[1:]:
    sys.argv = ["kapplan", *json.loads(args)]
    sys.stdout = io.TextIOWrapper(io.BytesIO())
    try:
        run()
    except SystemExit as done:
        assert done.code in (0, None), (args, done.code)
    sys.stdout = sys.__stdout__
NETWORK = ("socket", "ssl", "http.client", "urllib.request", "asyncio", "smtplib", "ftplib")
print(json.dumps({"modules": sorted(m for m in NETWORK if m in sys.modules), "events": events}))
"""


def _probe(runs: list[list[str]], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run kapplan's commands under `PRIVACY_PROBE` in a fresh interpreter; return its report
    (network modules loaded, and the audit events seen)."""
    result = subprocess.run(
        [sys.executable, "-B", "-c", PRIVACY_PROBE, *map(json.dumps, runs)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.splitlines()[-1]))


class TestPrivacy:
    """No network, and nothing written anywhere but where the user asked."""

    def test_no_network_and_no_stray_writes(self, tmp_path: Path) -> None:
        """A run of every format (and -o) creates no socket, loads no network client module,
        and writes only the -o file (its temporary sibling, then the rename).

        The probe imports every kapplan module, `kapplan sync`'s too, so `socket` may be
        loaded here: never used, which the audit hook proves (`plan` alone does not even
        load it: tests/test_startup.py).
        """
        home = tmp_path / "home"
        home.mkdir()
        work = tmp_path / "work"
        work.mkdir()
        target = work / "plan.ics"
        runs = [
            ["plan", str(EXAMPLE)],
            ["plan", str(EXAMPLE), "-f", "json"],
            ["plan", str(EXAMPLE), "-f", "ics"],
            ["plan", str(EXAMPLE), "-o", str(target)],
            ["plan", str(ROOT / "examples" / "caseload"), "--therapist",
             str(ROOT / "examples" / "therapist" / "lisbon.toml")],
        ]  # fmt: skip
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "TMPDIR": str(tmp_path / "tmp"),
            "TZ": "UTC",
            "NO_COLOR": "1",
        }
        (tmp_path / "tmp").mkdir()
        report = _probe(runs, work, env)
        assert set(report["modules"]) <= {"socket"}
        assert not [e for e in report["events"] if e[0].startswith("socket.")]
        writes = [e for e in report["events"] if not e[0].startswith("socket.")]
        assert writes, "the -o run wrote nothing"
        for event in writes:
            assert Path(event[1]).parent == work, event
            assert Path(event[1]).name.startswith((".plan.ics.", "plan.ics")), event
        assert sorted(p.name for p in tmp_path.rglob("*")) == ["home", "plan.ics", "tmp", "work"]

    def test_sync_talks_only_to_the_named_host(
        self, tmp_path: Path, radicale_server: Server
    ) -> None:
        """`kapplan sync --to URL` connects only to that host and port (the audit hook sees
        every connect and name lookup), and writes nothing on this machine."""
        url = radicale_server.new_calendar_url("privacy")
        work = tmp_path / "work"
        work.mkdir()
        env = {
            **os.environ,
            "HOME": str(tmp_path),
            "KAPPLAN_CALDAV_USER": "kapplan",
            "KAPPLAN_CALDAV_PASSWORD": "x",
            "TZ": "UTC",
        }
        report = _probe([["sync", str(EXAMPLE), "--to", url]], work, env)
        connects = [e for e in report["events"] if e[0] == "socket.connect"]
        assert connects, "the sync made no connection"
        port = radicale_server.port
        for event in connects:
            assert re.search(rf"\('127\.0\.0\.1', {port}\)", event[1]), event
        lookups = [e for e in report["events"] if e[0] == "socket.getaddrinfo"]
        for event in lookups:
            assert event[1].startswith("('127.0.0.1', "), event
        sent = ("socket.", "http.client.")
        assert not [e for e in report["events"] if not e[0].startswith(sent)]  # no file written
        assert list(work.iterdir()) == []


def run_kapplan(*args: str, cwd: Path | None = None, **env: str) -> tuple[int, str, str]:
    """Run `python -m kapplan` as a process under a timeout (a hang fails the test)."""
    result = subprocess.run(
        [sys.executable, "-B", "-m", "kapplan", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "TZ": "UTC", "NO_COLOR": "1", **env},
        check=False,
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()


class TestFilesThatAreNotWhatTheySeem:
    """-o and --previous read only regular files, within the size limit, and never block."""

    @pytest.mark.parametrize("extra", default_first([[], ["--force"], ["-f", "json"]]))
    def test_output_on_a_fifo(self, tmp_path: Path, extra: list[str]) -> None:
        """-o naming a FIFO is refused in one line, exit 2, never opened (no hang)."""
        fifo = tmp_path / "plan.ics"
        os.mkfifo(fifo)
        code, stdout, stderr = run_kapplan("plan", str(EXAMPLE), "-o", str(fifo), *extra)
        assert (code, stdout) == (2, "")
        assert stderr == (
            f"kapplan: error: {fifo}: is not a regular file; give a file name, or omit -o to "
            "write to stdout\n"
        )

    @pytest.mark.parametrize("device", default_first(["fifo", "/dev/zero", "/dev/urandom"]))
    def test_previous_on_a_device_or_fifo(self, tmp_path: Path, device: str) -> None:
        """--previous on /dev/zero, /dev/urandom or a FIFO: one line, exit 2, no read."""
        if device == "fifo":
            device = str(tmp_path / "earlier.ics")
            os.mkfifo(device)
        code, _, stderr = run_kapplan("plan", str(EXAMPLE), "-f", "ics", "--previous", device)
        assert code == 2
        assert stderr == (
            f"kapplan: error: {device}: is not a regular file; expected an earlier kapplan export\n"
        )

    def test_a_huge_earlier_export_is_read_within_the_limit(self, tmp_path: Path) -> None:
        """A 200 MB -o file that starts with kapplan's marker is refused after 64 MiB."""
        target = tmp_path / "plan.ics"
        assert run_kapplan("plan", str(EXAMPLE), "-o", str(target))[0] == 0
        with target.open("ab") as stream:
            stream.truncate(200 * 1024 * 1024)
        code, _, stderr = run_kapplan("plan", str(EXAMPLE), "-o", str(target))
        assert code == 2
        assert stderr == (
            f"kapplan: error: {target}: larger than 64 MiB; expected an earlier kapplan export "
            "(move it away, or choose another output file)\n"
        )
        assert target.stat().st_size == 200 * 1024 * 1024
        code, _, stderr = run_kapplan("plan", str(EXAMPLE), "-f", "ics", "--previous", str(target))
        assert (code, stderr) == (2, f"kapplan: error: {target}: larger than 64 MiB; expected "
                                     "an earlier kapplan export\n")  # fmt: skip

    def test_an_earlier_export_with_a_date_that_is_none(self, tmp_path: Path) -> None:
        """An earlier export whose DTSTAMP has a 13th month (digits where kapplan writes
        them) is one located line and exit 2, not a traceback, and stays as it was."""
        target = tmp_path / "plan.ics"
        assert run_kapplan("plan", str(EXAMPLE), "-o", str(target))[0] == 0
        text = target.read_bytes()
        at = text.index(b"DTSTAMP:") + len(b"DTSTAMP:")
        garbled = text[:at] + b"20261399" + text[at + 8 :]
        target.write_bytes(garbled)
        line = garbled[:at].count(b"\n") + 1
        code, _, stderr = run_kapplan("plan", str(EXAMPLE), "-o", str(target))
        stamp = garbled[at : at + 16].decode()
        assert (code, stderr) == (
            2,
            f"kapplan: error: {target}:{line}: DTSTAMP '{stamp}' is not a real date and time; "
            "expected one like 20261027T090000Z\n",
        )
        assert stamp.startswith("20261399T")
        assert target.read_bytes() == garbled

    @pytest.mark.slow
    def test_a_clinics_calendar_is_exported_again_over_itself(self, tmp_path: Path) -> None:
        """The therapist's calendar of a 1,000-client caseload (over 10 MiB, the limit of
        an input file) is read back when it is exported again to the same file, and
        --previous reads it too: the same calendar, not a refusal."""
        clients = generate(1000).write(tmp_path / "caseload")
        target = tmp_path / "clinic.ics"
        therapist = str(clients.parent / "therapist.toml")
        plan = ("plan", str(clients), "--therapist", therapist, "-f", "ics")
        assert run_kapplan(*plan, "-o", str(target))[0] == 0
        first = target.read_bytes()
        assert len(first) > 10 * 1024 * 1024, "no longer larger than an input may be"
        code, _, stderr = run_kapplan(*plan, "-o", str(target))
        assert (code, target.read_bytes()) == (0, first), stderr
        code, out, stderr = run_kapplan(*plan, "--previous", str(target))
        assert (code, out.encode()) == (0, first), stderr


class TestInputsAreNeverOverwritten:
    """Every file a run reads is compared with the output by identity, --force or not."""

    @pytest.fixture(name="therapist")
    def fixture_therapist(self, tmp_path: Path) -> Path:
        """Return a therapist file whose busy_calendar is busy.ics next to it."""
        text = (ROOT / "examples" / "therapist" / "lisbon.toml").read_text(encoding="utf-8")
        path = tmp_path / "me.toml"
        path.write_text(
            text.replace("[therapist]\n", '[therapist]\nbusy_calendar = "busy.ics"\n', 1),
            encoding="utf-8",
        )
        return path

    @pytest.mark.parametrize("kind", ["foreign", "kapplan's"])
    @pytest.mark.parametrize("force", [[], ["--force"]])
    def test_the_busy_calendar(
        self, runner: CliRunner, tmp_path: Path, therapist: Path, kind: str, force: list[str]
    ) -> None:
        """-o naming the therapist's busy calendar is refused, even an earlier kapplan export,
        even with --force; the calendar is untouched."""
        busy = tmp_path / "busy.ics"
        caseload = str(ROOT / "examples" / "caseload")
        if kind == "foreign":
            busy.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
        else:
            busy.write_bytes(b"")
            assert invoke(runner, "plan", caseload, "-o", str(tmp_path / "x.ics"))[0] == 0
            os.replace(tmp_path / "x.ics", busy)
        before = busy.read_bytes()
        code, _, stderr = invoke(
            runner, "plan", caseload, "--therapist", str(therapist), "-o", str(busy), *force
        )
        assert code == 2
        assert stderr == (
            f"kapplan: error: {busy}: is also an input ({str(busy)!r}); choose another output "
            "file\n"
        )
        assert busy.read_bytes() == before

    @pytest.mark.parametrize(
        "command",
        # -f: a .toml output without it is refused for its suffix, before this check.
        [
            ("plan", str(EXAMPLE), "-f", "json"),
            ("rules", "-f", "terminal"),
            ("rules", "--dump"),
            ("schema",),
        ],
        ids=["plan", "rules", "rules-dump", "schema"],
    )
    def test_the_config_file(self, tmp_path: Path, command: tuple[str, ...]) -> None:
        """-o naming the config file in use (KAPPLAN_CONFIG) is refused, even with --force,
        by every command that writes a file (whether or not it reads the config)."""
        config = tmp_path / "config.toml"
        config.write_text('language = "en"\n', encoding="utf-8")
        link = tmp_path / "link.toml"
        link.symlink_to(config)
        runner = CliRunner(env={"NO_COLOR": "1", "TZ": "UTC", "KAPPLAN_CONFIG": str(config)})
        code, _, stderr = invoke(runner, *command, "-o", str(link), "--force")
        assert code == 2
        assert stderr == (
            f"kapplan: error: {link}: is also an input ({str(config)!r}); choose another "
            "output file\n"
        )
        assert config.read_text(encoding="utf-8") == 'language = "en"\n'

    def test_an_earlier_export_other_than_the_output(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """--previous naming an item of the vdir written: that item is neither replaced nor
        removed; --previous naming the -o file itself (any name) is the ledger, allowed."""
        folder = tmp_path / "cal"
        assert invoke(runner, "plan", str(EXAMPLE), "-f", "vdir", "-o", str(folder))[0] == 0
        item = sorted(folder.glob("*.ics"))[0]
        before = item.read_bytes()
        code, _, stderr = invoke(
            runner, "plan", str(WARNED), "-f", "vdir", "-o", str(folder), "--previous", str(item)
        )
        assert (code, stderr) == (2, f"kapplan: error: {item}: is also an input of this run; "
                                     "not removed\n")  # fmt: skip
        assert item.read_bytes() == before
        earlier = tmp_path / "earlier.ics"
        assert invoke(runner, "plan", str(EXAMPLE), "-o", str(earlier))[0] == 0
        link = tmp_path / "hard.ics"
        os.link(earlier, link)
        code, _, stderr = invoke(
            runner, "plan", str(WARNED), "--previous", str(earlier), "-o", str(link)
        )
        assert code == 0
        assert stderr.startswith(f"Changes against {earlier} ")


#: Every command that prints on stdout, as the arguments of one run.
PRINTING = [
    ["plan", str(EXAMPLE)],
    ["plan", str(EXAMPLE), "-f", "json"],
    ["plan", str(EXAMPLE), "-f", "ics"],
    ["plan", str(EXAMPLE), "-f", "html"],
    ["plan", str(EXAMPLE), "--view", "month"],
    ["validate", str(EXAMPLE)],
    ["rules"],
    ["schema"],
    ["config"],
    ["diff", str(EXAMPLE), str(WARNED)],
    ["--version"],
    ["--help"],
    ["plan", "--help"],
]


def shell(command: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """Run a shell command line (for redirections like ``>&-``); return status and output."""
    result = subprocess.run(
        ["sh", "-c", command],
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "TZ": "UTC", "NO_COLOR": "1", **env},
        check=False,
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def kapplan_line(args: list[str]) -> str:
    """Return `python -m kapplan ARGS` quoted for sh."""
    import shlex

    return shlex.join([sys.executable, "-B", "-m", "kapplan", *args])


class TestStandardStreams:
    """stdout full, closed or not UTF-8, and stdin closed: one line and a documented status."""

    @pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
    @pytest.mark.parametrize("args", default_first(PRINTING, keep=3), ids=" ".join)
    def test_stdout_on_dev_full(self, tmp_path: Path, args: list[str]) -> None:
        """Every command printing into /dev/full: one line, exit 74, no traceback."""
        code, _, stderr = shell(kapplan_line(args) + " >/dev/full", tmp_path)
        assert (code, stderr) == (74, "kapplan: error: cannot write to stdout: No space left on "
                                      "device\n")  # fmt: skip

    def test_stdout_closed(self, tmp_path: Path) -> None:
        """A closed stdout: one line, exit 74; with -o, nothing is printed and all is well."""
        code, _, stderr = shell(kapplan_line(["plan", str(EXAMPLE)]) + " >&-", tmp_path)
        assert (code, stderr) == (74, "kapplan: error: cannot write to stdout: it is closed\n")
        line = kapplan_line(["plan", str(EXAMPLE), "-o", "plan.ics", "--quiet"]) + " >&-"
        assert shell(line, tmp_path)[::2] == (0, "")
        assert (tmp_path / "plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")

    def test_stdin_closed(self, tmp_path: Path) -> None:
        """`kapplan plan -` with stdin closed: one line, exit 2."""
        code, _, stderr = shell(kapplan_line(["plan", "-"]) + " <&-", tmp_path)
        assert (code, stderr) == (
            2,
            "kapplan: error: <stdin>: stdin is closed; expected a TOML file on stdin\n",
        )

    @pytest.mark.parametrize(
        ("fmt", "encoding"),
        [
            # Each format and each encoding once; the rest of the matrix is a slow test.
            ("terminal", "cp1252"),
            ("json", "ascii"),
            ("ics", "cp1252"),
            pytest.param("terminal", "ascii", marks=pytest.mark.slow),
            pytest.param("json", "cp1252", marks=pytest.mark.slow),
            pytest.param("ics", "ascii", marks=pytest.mark.slow),
        ],
    )
    def test_stdout_is_utf8_whatever_the_locale(
        self, runner: CliRunner, tmp_path: Path, encoding: str, fmt: str
    ) -> None:
        """A non-UTF-8 PYTHONIOENCODING: the same UTF-8 bytes as -o writes, exit 0."""
        args = ["plan", str(EXAMPLE), "-f", fmt, "--lang", "ru"]
        # The file -o writes is the same in process (the encoding of stdout is the point).
        code, _, stderr = invoke(runner, *args, "-o", str(tmp_path / "p"), "--force", "-q")
        assert (code, stderr) == (0, "")
        result = subprocess.run(
            [sys.executable, "-B", "-m", "kapplan", *args],
            capture_output=True,
            timeout=60,
            env={
                **os.environ,
                "TZ": "UTC",
                "NO_COLOR": "1",
                "PYTHONIOENCODING": encoding,
                "COLUMNS": "100",  # the runner's width
            },
            check=False,
        )
        assert (result.returncode, result.stderr) == (0, b"")
        assert result.stdout == (tmp_path / "p").read_bytes()


class TestSignalsAndLeftovers:
    """SIGTERM and SIGHUP end like Ctrl-C; a killed run's temporary file is cleared later."""

    @pytest.mark.parametrize(
        ("signum", "status", "line"),
        [
            (signal.SIGTERM, 143, b"kapplan: terminated (SIGTERM)\n"),
            (signal.SIGHUP, 129, b"kapplan: hung up (SIGHUP)\n"),
        ],
    )
    def test_sigterm_and_sighup_while_planning(
        self, tmp_path: Path, signum: int, status: int, line: bytes
    ) -> None:
        """A signal while a big plan is made: one line, 128 + the signal, no file left."""
        schedule = tmp_path / "big.toml"
        schedule.write_text(BIG, encoding="utf-8")
        for _ in range(5):  # a busy machine may let a run finish first: run it again
            (tmp_path / "plan.json").unlink(missing_ok=True)
            kapplan = process("plan", str(schedule), "-o", str(tmp_path / "plan.json"))
            time.sleep(0.3)
            kapplan.send_signal(signum)
            _, stderr = kapplan.communicate(timeout=120)
            if kapplan.returncode != 0:
                break
        else:
            pytest.skip("five runs were done before the signal arrived")
        assert (kapplan.returncode, stderr) == (status, line)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.toml"]

    @pytest.mark.parametrize(
        ("signum", "status", "line"),
        [
            (signal.SIGINT, 130, b"kapplan: interrupted\n"),
            (signal.SIGTERM, 143, b"kapplan: terminated (SIGTERM)\n"),
            (signal.SIGHUP, 129, b"kapplan: hung up (SIGHUP)\n"),
        ],
    )
    def test_a_signal_while_writing(
        self, tmp_path: Path, signum: int, status: int, line: bytes
    ) -> None:
        """A signal that lands while a streamed output is half written (sent by the stream
        itself, so it lands there on any machine): one line, 128 + the signal, the
        temporary file removed and the earlier output left as it was."""
        target = tmp_path / "plan.json"
        target.write_bytes(b"earlier")
        program = (
            "import os, sys\n"
            "from pathlib import Path\n"
            "from kapplan.cli.stops import run\n"
            "from kapplan.edge.atomic import write_output\n"
            "def pieces():\n"
            "    yield b'{' * 100_000\n"
            f"    os.kill(os.getpid(), {int(signum)})\n"
            "    for _ in range(1_000_000): yield b' '\n"
            "    yield b'}'\n"
            "run(lambda: write_output(Path(sys.argv[1]), pieces(), force=True))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", program, str(target)],
            capture_output=True,
            timeout=60,
            cwd=ROOT,
            check=False,
            preexec_fn=default_sigint,
        )
        assert (done.returncode, done.stderr) == (status, line)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
        assert target.read_bytes() == b"earlier"

    def test_a_killed_runs_temporary_file_is_removed(self, tmp_path: Path) -> None:
        """A leftover of kapplan's naming (mode 0600) goes at the next write; others stay."""
        stale = tmp_path / ".plan.ics.a1b2c3_d.tmp"
        stale.write_bytes(b"BEGIN:VCALENDAR\r\nhalf")
        stale.chmod(0o600)
        kept = [tmp_path / ".plan.ics.notmine.tmp", tmp_path / ".other.ics.a1b2c3_d.tmp"]
        for path in kept:
            path.write_bytes(b"x")
            path.chmod(0o600)
        assert run_kapplan("plan", str(EXAMPLE), "-o", str(tmp_path / "plan.ics"), "-q")[::2] == (
            0,
            "",
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            ["plan.ics", *(p.name for p in kept)]
        )

    @pytest.mark.slow  # a big plan killed mid-write; SIGTERM and SIGHUP run by default
    def test_sigkill_leaves_what_the_next_run_removes(self, tmp_path: Path) -> None:
        """SIGKILL (no code runs) may leave a temporary file; the next run removes it."""
        schedule = tmp_path / "big.toml"
        schedule.write_text(BIG, encoding="utf-8")
        target = tmp_path / "plan.json"
        for delay in (0.8, 1.1, 1.4):
            kapplan = process("plan", str(schedule), "-o", str(target))
            time.sleep(delay)
            kapplan.kill()
            kapplan.communicate(timeout=60)
        code, _, stderr = run_kapplan("plan", str(EXAMPLE), "-o", str(target), "--force", "-q")
        assert (code, stderr) == (0, "")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.toml", "plan.json"]

    def test_ctrl_c_while_loading_is_one_line(self, tmp_path: Path) -> None:
        """SIGINT while kapplan's own modules load (after the interpreter's start): exit 130
        and one line, never a traceback."""
        schedule = tmp_path / "big.toml"
        schedule.write_text(BIG, encoding="utf-8")
        seen = []
        for delay in (0.06, 0.08, 0.1, 0.12, 0.15, 0.2):
            kapplan = process("plan", str(schedule), "-f", "json")
            time.sleep(delay)
            kapplan.send_signal(signal.SIGINT)
            _, stderr = kapplan.communicate(timeout=120)
            if kapplan.returncode != 130 and b"/kapplan/" not in stderr:
                continue  # still the interpreter's own start-up: no frame of kapplan's
            seen.append(delay)
            assert (kapplan.returncode, stderr) == (130, b"kapplan: interrupted\n")
        assert seen

    def test_ctrl_c_inside_a_callback_still_stops(self) -> None:
        """A Ctrl-C that lands in a weak-reference callback (the import system's module locks
        have one) is not swallowed as "Exception ignored": the run stops there, exit 130."""
        program = (
            "import os, signal, sys, weakref\n"
            "from kapplan.cli.stops import run\n"
            "class Thing: pass\n"
            "def gone(_):\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    for _ in range(1000): pass\n"
            "def program():\n"
            "    thing = Thing()\n"
            "    alive = weakref.ref(thing, gone)\n"
            "    del thing\n"
            "    for _ in range(1000): pass\n"
            "    print('finished')\n"
            "run(program)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            timeout=60,
            cwd=ROOT,
            check=False,
            preexec_fn=default_sigint,
        )
        assert (done.returncode, done.stdout, done.stderr) == (130, b"", b"kapplan: interrupted\n")

    def test_ctrl_c_as_the_handling_starts_is_one_line(self) -> None:
        """A Ctrl-C in the very first thing the handling does once its handlers are in
        (making stdout UTF-8) is said as one line, exit 130, like any later one."""
        program = (
            "import os, signal\n"
            "from kapplan.cli import stops\n"
            "utf8 = stops._utf8_stdout\n"
            "def interrupted():\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    utf8()\n"
            "stops._utf8_stdout = interrupted\n"
            "stops.run(lambda: print('finished'))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            timeout=60,
            cwd=ROOT,
            check=False,
            preexec_fn=default_sigint,
        )
        assert (done.returncode, done.stdout, done.stderr) == (130, b"", b"kapplan: interrupted\n")


class TestUsageMistakesAreOneLine:
    """Click's usage mistakes are one line and exit 2, like every other error."""

    @pytest.mark.parametrize(
        ("args", "line"),
        [
            (["plan", str(EXAMPLE), "--foo"],
             "no such option --foo (did you mean --for or --from or --to?); see kapplan "
             "plan --help"),
            (["--foo"], "no such option --foo; see kapplan --help"),
            (["nope"], "no such command 'nope'; see kapplan --help"),
            # stdin is /dev/null here, not a terminal: it is read, and is empty (test_input.py
            # runs it on a terminal, which keeps "missing argument").
            (["plan"], "no schedule named and stdin is empty; expected a file name, or a "
             "schedule piped to stdin (kapplan plan < course.toml)"),
            (["plan", str(EXAMPLE), "--max-events", "x"],
             "invalid value for '--max-events': Input should be a valid integer, unable to parse "
             "string as an integer; see kapplan plan --help"),
        ],
    )  # fmt: skip
    def test_one_line(self, args: list[str], line: str) -> None:
        """An unknown option or command, a missing argument, a bad value: one line, exit 2."""
        line = line.replace("see kapplan", "see python -m kapplan")  # the program as run
        assert run_kapplan(*args) == (2, "", f"kapplan: error: {line}\n")

    @pytest.mark.parametrize(
        "command", [["rules", "-f", "json"], ["schema"], ["plan", str(EXAMPLE), "-f", "json"]]
    )
    def test_output_on_a_folder(
        self, runner: CliRunner, tmp_path: Path, command: list[str]
    ) -> None:
        """-o naming a folder, for a command that writes a file: one line, exit 2."""
        code, stdout, stderr = invoke(runner, *command, "-o", str(tmp_path))
        assert (code, stdout) == (2, "")
        assert stderr.startswith("kapplan: error: ")
        assert stderr.count("\n") == 1
        assert str(tmp_path) in stderr

    @pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
    @pytest.mark.parametrize("command", [["rules", "-o"], ["plan", str(EXAMPLE), "-o"]])
    def test_unreadable_existing_file(self, tmp_path: Path, command: list[str]) -> None:
        """-o naming an existing file kapplan may not read: one line, exit 2, file unchanged."""
        target = tmp_path / "out.ics"
        target.write_bytes(b"mine")
        target.chmod(0)
        try:
            code, _, stderr = run_kapplan(*command, str(target))
        finally:
            target.chmod(0o644)
        assert code == 2
        assert stderr.startswith("kapplan: error: ")
        assert stderr.count("\n") == 1
        assert target.read_bytes() == b"mine"

    @pytest.mark.skipif(os.geteuid() == 0, reason="root lists folders without permission")
    def test_unlistable_folder(self, runner: CliRunner, tmp_path: Path) -> None:
        """A folder of schedules that cannot be listed is said to be unreadable, not empty."""
        folder = tmp_path / "clients"
        folder.mkdir()
        (folder / "a.toml").write_bytes(EXAMPLE.read_bytes())
        folder.chmod(0o300)
        try:
            code, _, stderr = invoke(runner, "plan", str(folder))
        finally:
            folder.chmod(0o755)
        assert code == 2
        assert stderr == (
            f"kapplan: error: {folder}: cannot read the folder: Permission denied; expected a "
            "folder of schedule files you can read\n"
        )

    def test_unlistable_folder_simulated(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The same, simulated (so it runs as root too)."""
        from kapplan.edge import load

        def denied(path: object) -> None:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(load.os, "scandir", denied)
        code, _, stderr = invoke(runner, "plan", str(tmp_path))
        assert (code, stderr) == (2, f"kapplan: error: {tmp_path}: cannot read the folder: "
                                     "Permission denied; expected a folder of schedule files "
                                     "you can read\n")  # fmt: skip


class TestEndOfTime:
    """Issue 15: numbers and times at the edge of what a date can hold are one line."""

    def _export(self, runner: CliRunner, tmp_path: Path) -> dict[str, Any]:
        result = runner.invoke(app, ["plan", str(EXAMPLE), "-f", "json"])
        assert result.exit_code == 0
        return dict(json.loads(result.stdout))

    def test_diff_of_an_export_ending_after_9999(self, runner: CliRunner, tmp_path: Path) -> None:
        """An event ending 9999-12-31T23:59:59-12:00 (after 9999 in UTC): one line, exit 2."""
        data = self._export(runner, tmp_path)
        data["events"][0]["end"] = "9999-12-31T23:59:59-12:00"
        old = tmp_path / "old.json"
        old.write_text(json.dumps(data), encoding="utf-8")
        result = runner.invoke(app, ["diff", str(old), str(EXAMPLE)])
        assert result.exit_code == 2
        assert result.stderr == (
            f"kapplan: error: {old}: events[1].end: '9999-12-31T23:59:59-12:00' is past the "
            "last time a calendar can hold (year 9999 in UTC); expected a kapplan export's "
            "times\n"
        )

    def test_diff_of_an_export_with_a_huge_number(self, runner: CliRunner, tmp_path: Path) -> None:
        """A 100,000-digit integer in the JSON: one line, exit 2, no traceback."""
        text = json.dumps(self._export(runner, tmp_path))
        old = tmp_path / "old.json"
        old.write_text(text.replace('"infusion": 1', '"infusion": ' + "1" * 100_000, 1), "utf-8")
        result = runner.invoke(app, ["diff", str(old), str(EXAMPLE)])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"kapplan: error: {old}: not a kapplan export: ")
        assert result.stderr.count("\n") == 1

    def test_a_stamp_at_the_end_of_time(self, runner: CliRunner, tmp_path: Path) -> None:
        """--stamp 9999-12-31T23:59:59Z is refused (a later run raises it by a second); a
        file stamped so by an older kapplan is still written over."""
        out = tmp_path / "plan.ics"
        result = runner.invoke(
            app, ["plan", str(EXAMPLE), "-o", str(out), "--stamp", "9999-12-31T23:59:59Z"]
        )
        assert result.exit_code == 2
        assert "is too late for a calendar stamp" in result.stderr
        assert not out.exists()
        stamp = "9998-12-31T23:59:59Z"
        assert (
            runner.invoke(app, ["plan", str(EXAMPLE), "-o", str(out), "--stamp", stamp]).exit_code
            == 0
        )
        data = out.read_bytes().replace(b"DTSTAMP:99981231T235959Z", b"DTSTAMP:99991231T235959Z")
        out.write_bytes(data.replace(b"SUMMARY:IV infusion 1\r\n", b"SUMMARY:changed\r\n", 1))
        result = runner.invoke(app, ["plan", str(EXAMPLE), "-o", str(out)])
        assert result.exit_code == 0, result.stderr
