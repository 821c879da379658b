"""Filters (--from, --to, --kind), kapplan agenda/today, the month view's today marker, the
'wrote' line after -o and the progress bar of a long run; today fixed by KAPPLAN_TODAY."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kapplan.cli.app import app
from tests.cli_runner import CliRunner
from tests.conftest import ROOT

IV = ROOT / "examples" / "iv-six-infusions.toml"
CASELOAD = ROOT / "examples" / "caseload"
TODAY = {"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC", "KAPPLAN_TODAY": "2026-12-08"}


def _run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner(env=TODAY).invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_filtered_plan_golden(golden: Callable[[str, bytes], None]) -> None:
    """--from today --to +1w --kind sessions: the two sessions of that week, nothing else."""
    code, out, err = _run("plan", IV, "--from", "today", "--to", "+1w", "--kind", "sessions")
    assert (code, err) == (0, "")
    golden("iv-six-infusions.filtered.txt", out.encode())


def test_agenda_golden(golden: Callable[[str, bytes], None]) -> None:
    """kapplan agenda of a caseload: a week from the fixed today, each line naming its client."""
    code, out, err = _run("agenda", CASELOAD)
    assert (code, err) == (0, "")
    assert out.startswith("Tue 08 Dec – Mon 14 Dec: 12 events")
    golden("caseload.agenda.txt", out.encode())


def test_today_of_one_schedule_golden(golden: Callable[[str, bytes], None]) -> None:
    """kapplan today of one schedule: every event of the day, advisories first."""
    code, out, err = _run("today", IV)
    assert (code, err) == (0, "")
    golden("iv-six-infusions.today.txt", out.encode())


def test_agenda_says_what_comes_next() -> None:
    """Days without events: the next event and how to see it; after the plan, that it is over."""
    code, out, _ = _run("agenda", IV, "--from", "2027-03-01", "--to", "2027-03-05")
    assert code == 0
    assert out.replace("\n", " ") == (
        "Nothing on Mon 01 Mar – Fri 05 Mar. Next: Thu 18 Mar 2027 09:00, Long-arc session "
        "(month 3); see it with --to 2027-03-18 "
    )
    code, out, _ = _run("agenda", IV, "--from", "2030-01-01", "--to", "2030-01-02")
    assert out.startswith("Nothing on Tue 01 Jan – Wed 02 Jan, nor after it")


def test_month_view_marks_today(golden: Callable[[str, bytes], None]) -> None:
    """Brackets around today's cell, and a line under the key saying so."""
    code, out, _ = _run("plan", IV, "--view", "month")
    assert code == 0
    assert "[ 8E ] 9I*" in out
    assert "[ ] marks today, Tue 08 Dec 2026" in out
    golden("iv-six-infusions.month-today.txt", out.encode())


def test_month_view_without_today_in_range_is_unchanged() -> None:
    """A today outside the plan's months marks nothing: the view is the reviewed one."""
    result = CliRunner(env={**TODAY, "KAPPLAN_TODAY": "2030-01-01"}).invoke(
        app, ["plan", str(IV), "--view", "month"]
    )
    expected = (ROOT / "tests" / "golden" / "iv-six-infusions.month.txt").read_text("utf-8")
    assert result.stdout == expected


def test_json_says_its_filter_and_stays_valid() -> None:
    """A filtered JSON document parses, holds only the kinds asked for, and says the filter;
    both ends are days, included (the doses are on 1 and 4 December)."""
    code, out, _ = _run(
        "plan", IV, "-f", "json", "--from", "2026-12-01", "--to", "2026-12-04", "--kind", "doses"
    )
    data = json.loads(out)
    assert code == 0
    assert [e["start"][:10] for e in data["events"]] == ["2026-12-01", "2026-12-04"]
    assert {e["kind"] for e in data["events"]} == {"infusion"}
    assert data["filter"] == {"from": "2026-12-01", "to": "2026-12-04", "kinds": ["doses"]}
    code, out, _ = _run(
        "plan", IV, "-f", "json", "--from", "2026-12-02", "--to", "2026-12-03", "--kind", "doses"
    )
    assert (code, json.loads(out)["events"]) == (0, [])
    assert "filter" not in json.loads(_run("plan", IV, "-f", "json")[1])


def test_kind_repeats_or_joins() -> None:
    """--kind a,b is --kind a --kind b."""
    joined = _run("plan", IV, "--kind", "sessions,doses", "-f", "ics")[1]
    repeated = _run("plan", IV, "--kind", "sessions", "--kind", "doses", "-f", "ics")[1]
    assert joined == repeated
    assert joined.count("BEGIN:VEVENT") == 6 + 17


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--from", "nextweek"],
            "kapplan: error: --from: cannot read 'nextweek'; expected YYYY-MM-DD, today, "
            "tomorrow, yesterday, or +N/-N days or weeks (+7d, -2w)\n",
        ),
        (
            ["--to", "+3x"],
            "kapplan: error: --to: cannot read '+3x'; expected YYYY-MM-DD, today, tomorrow, "
            "yesterday, or +N/-N days or weeks (+7d, -2w)\n",
        ),
        (
            ["--from", "2026-12-10", "--to", "2026-12-01"],
            "kapplan: error: --to: 2026-12-01 is before --from 2026-12-10; expected a later day\n",
        ),
        (
            ["--kind", "sessions,naps"],
            "kapplan: error: --kind: unknown kind 'naps'; expected sessions, doses, practices "
            "(several joined by commas, or the option repeated)\n",
        ),
    ],
)
def test_a_bad_filter_is_one_line(args: list[str], line: str) -> None:
    """A value that cannot be read: exit 2, one line naming the option and the forms."""
    assert _run("plan", IV, *args) == (2, "", line)


def test_a_bad_kapplan_today_is_one_line() -> None:
    """KAPPLAN_TODAY that is not a date: exit 2, one line."""
    result = CliRunner(env={**TODAY, "KAPPLAN_TODAY": "soon"}).invoke(app, ["today", str(IV)])
    assert result.exit_code == 2
    assert result.stderr == (
        "kapplan: error: KAPPLAN_TODAY: cannot read 'soon'; expected a date, YYYY-MM-DD "
        "(or unset it for today)\n"
    )


def test_an_unknown_client_suggests_close_names() -> None:
    """--client with a typo names the client it is close to."""
    assert _run("agenda", CASELOAD, "--client", "vra") == (
        2,
        "",
        "kapplan: error: --client: no client 'vra' in the caseload (did you mean Vera?); "
        "expected one of Anna, Boris, Vera\n",
    )


@pytest.mark.parametrize(
    ("name", "extra", "line"),
    [
        (
            "plan.ics",
            [],
            "wrote {out}: 78 events (6 doses, 17 sessions); import it into your calendar "
            '(README: "Importing into your calendar")\n',
        ),
        (
            "shared.ics",
            ["--sessions-only"],
            "wrote {out}: 23 events (6 doses, 17 sessions); import it into your calendar "
            '(README: "Importing into your calendar")\n',
        ),
        (
            "handout.html",
            [],
            "wrote {out}: 78 events (6 doses, 17 sessions); open it in a browser and print\n",
        ),
        ("plan.json", [], "wrote {out}: 78 events (6 doses, 17 sessions)\n"),
        (
            "cal/",
            [],
            "wrote {out}: 78 events (6 doses, 17 sessions); read it with khal, or sync it "
            "with vdirsyncer\n",
        ),
        (
            "plan.ics",
            ["--lang", "ru"],
            "записано в {out}: 78 событий (6 приёмов, 17 сессий); импортируйте его в календарь "
            '(README: "Importing into your calendar")\n',
        ),
    ],
)
def test_the_wrote_line(tmp_path: Path, name: str, extra: list[str], line: str) -> None:
    """After -o: one line on stderr with the counts and the next step; --quiet says nothing."""
    out = f"{tmp_path}/{name}"
    assert _run("plan", IV, "-o", out, *extra) == (0, "", line.format(out=out))
    again = f"{tmp_path}/q-{name}"
    assert _run("plan", IV, "-o", again, "-q", *extra) == (0, "", "")


def test_no_wrote_line_on_stdout() -> None:
    """Without -o nothing is said on stderr."""
    assert _run("plan", IV, "-f", "ics")[2] == ""


def test_a_filtered_calendar_is_not_written_over_an_earlier_export(tmp_path: Path) -> None:
    """It would cancel every event it leaves out: refused in one line, the file as it was."""
    out = tmp_path / "plan.ics"
    assert _run("plan", IV, "-o", out)[0] == 0
    before = out.read_bytes()
    code, _, err = _run("plan", IV, "-o", out, "--kind", "sessions")
    assert code == 2
    assert err == (
        f"kapplan: error: {out}: holds an earlier export; a filtered plan (--from, --to, "
        "--kind) written over it would cancel every event it leaves out; expected a new "
        "file, or no filter\n"
    )
    assert out.read_bytes() == before


def _big_caseload(folder: Path, clients: int) -> None:
    """Write a caseload of many clients (weekly esketamine for a year each)."""
    folder.mkdir()
    for n in range(clients):
        (folder / f"c{n}.toml").write_text(
            f'client = "C{n}"\ntimezone = "Europe/Berlin"\n[[series]]\n'
            f"start = 2026-12-0{1 + n % 5}T{8 + n % 9:02d}:00:00\n"
            'rrule = "FREQ=WEEKLY;COUNT=40"\nmethod = "esketamine"\n',
            encoding="utf-8",
        )


def _on_a_terminal(args: list[str]) -> tuple[int, bytes]:
    """Run kapplan with stderr on a pseudo-terminal (stdout to the null device: a pipe
    nobody reads until the end would fill and stop the run); return the exit status and
    what the terminal showed."""
    leader, follower = os.openpty()
    env = {**os.environ, **TODAY, "TERM": "xterm"}
    env.pop("NO_COLOR")
    process = subprocess.Popen(
        [sys.executable, "-B", "-m", "kapplan", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    code = process.wait(timeout=60)
    os.close(leader)
    return code, shown


@pytest.mark.slow
def test_a_long_run_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """A caseload that takes over a second: a bar on a terminal's stderr, nothing on a pipe."""
    folder = tmp_path / "clients"
    _big_caseload(folder, 150)
    args = ["plan", str(folder), "-f", "json"]
    started = time.monotonic()
    code, shown = _on_a_terminal(args)
    took = time.monotonic() - started
    assert code == 0
    assert took > 1.5, f"the caseload took {took:.1f} s: make it bigger, the bar waits 1 s"
    assert b"Planning" in shown
    piped = subprocess.run(
        [sys.executable, "-B", "-m", "kapplan", *args],
        capture_output=True,
        env={**os.environ, **TODAY},
        check=False,
    )
    assert (piped.returncode, piped.stderr) == (0, b"")


@pytest.mark.parametrize(("work", "delay", "shown"), [(0.0, 5.0, False), (1.0, 0.05, True)])
def test_the_bar_waits_for_its_delay(work: float, delay: float, shown: bool) -> None:
    """On a terminal, work done before the delay shows nothing (no flash); work that goes on
    past it shows the bar, which is gone (transient) when the work ends."""
    program = (
        "import time\n"
        "from kapplan.views.progress import delayed_bar\n"
        f"with delayed_bar(lambda: 'Planning', delay={delay}):\n"
        f"    time.sleep({work})\n"
    )
    leader, follower = os.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-B", "-c", program], stdin=subprocess.DEVNULL, stderr=follower, env=env
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.wait(timeout=60) == 0
    assert (b"Planning" in seen) is shown
    if not shown:
        assert seen == b""
