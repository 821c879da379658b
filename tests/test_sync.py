"""`kapplan sync` against real CalDAV servers (Radicale and Xandikos on 127.0.0.1).

Every test runs kapplan on each server (`caldav_server` is parametrized; the
Xandikos half is marked slow) and, where it syncs IV's course, on its first three
doses (`course`; the whole course is marked slow), and
checks the server's state by reading it back with plain HTTP and icalendar
(`tests.caldav_servers`), never with the caldav library the sync itself uses.
The default run keeps sync's core on Radicale: a first sync, nothing written twice, a
moved dose, a person's own event untouched, a dry run, every fault and busy time read
from CalDAV; the rest (logins from .netrc and the keyring, a pinned session, a caseload,
vdirsyncer, the progress bar, Russian) run with the slow tests, as CI's second step.
Faults come from a real proxy in front of the real server. kapplan runs in
process (typer's runner: its exit status, stdout and stderr are what a process
gives, one import of the caldav library for all runs), and as a real process
where the process is the point: a terminal on stderr, the caldav extra missing,
the keyring backend chosen from the environment.
"""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest

from kapplan.cli.app import app
from tests.caldav_servers import (
    FaultProxy,
    Server,
    create_calendar,
    edit_event,
    put_event,
    read_calendar,
    read_objects,
)
from tests.cli_runner import CliRunner
from tests.conftest import ROOT
from tests.test_ledger import move_vera_dose_3

IV = ROOT / "examples" / "iv-six-infusions.toml"
CASELOAD = ROOT / "examples" / "caseload"
LISBON = ROOT / "examples" / "therapist" / "lisbon.toml"
SECRET = "s3cret-pa55"


@dataclass(frozen=True)
class Ran:
    """How a run of kapplan ended: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(
    name="caldav_server",
    params=["radicale", pytest.param("xandikos", marks=pytest.mark.slow)],
)
def fixture_caldav_server(request: pytest.FixtureRequest) -> Server:
    """Each CalDAV server in turn, as in tests/caldav_servers.py, but Xandikos only with the
    slow tests: a sync writes tens of events, a git commit each on Xandikos, so the module
    takes minutes. Both servers' quirks stay in every run's tests/test_caldav_servers.py."""
    server: Server = request.getfixturevalue(f"{request.param}_server")
    return server


#: IV's course cut to its first three doses: 45 events instead of 78, yet every kind the
#: six-dose plan has (preparation, each dose's own, week-2, relapse-prevention and long-arc
#: sessions, practices) and dose 3 to move. Nothing in a sync depends on how many events
#: there are, so the default run syncs this; the slow run syncs the whole course too.
THREE_DOSES = re.sub(
    r"\[\[infusion\]\]\nat = 2026-12-(11|15|18)T[^[#]*", "", IV.read_text(encoding="utf-8")
)


@pytest.fixture(
    name="course",
    params=["three-doses", pytest.param("six-doses", marks=pytest.mark.slow)],
)
def fixture_course(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of the schedule a test syncs, its own to edit: IV's first three doses in the
    default run, and IV's whole course (what these tests always synced) with the slow
    tests. Xandikos, itself slow, syncs the whole course alone."""
    copy = tmp_path / "course.toml"
    # (Xandikos with three doses is not collected: tests/conftest.py leaves it out.)
    if request.param == "three-doses":
        copy.write_text(THREE_DOSES, encoding="utf-8")
    else:
        shutil.copy(IV, copy)
    return copy


def kapplan(*args: str | Path, env: dict[str, str | None] | None = None) -> Ran:
    """Run kapplan in process, with the test servers' user name and password (env: more
    variables for the run; None unsets one). Anything but an exit is a test failure."""
    environ: dict[str, str | None] = {
        "KAPPLAN_CALDAV_USER": "kapplan",
        "KAPPLAN_CALDAV_PASSWORD": SECRET,
        "NO_COLOR": "1",
        "TZ": "UTC",
        **(env or {}),
    }
    result = CliRunner(env=environ).invoke(app, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def synced(*args: str | Path, env: dict[str, str | None] | None = None) -> str:
    """Run `kapplan sync` and return its stdout; fail the test on any error."""
    done = kapplan("sync", *args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    return done.stdout


def planned_uids(*args: str | Path) -> set[str]:
    """Return the UIDs `kapplan plan -f ics` writes for the same inputs."""
    done = kapplan("plan", *args, "-f", "ics")
    assert done.returncode == 0, done.stderr
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(done.stdout).walk("VEVENT")}


def state(url: str) -> dict[str, tuple[str, str, int, str]]:
    """Return each event on the server: start, end, SEQUENCE and STATUS."""
    return {
        uid: (
            e.decoded("DTSTART").isoformat(),
            e.decoded("DTEND").isoformat(),
            int(e.get("SEQUENCE", 0)),
            str(e.get("STATUS", "")),
        )
        for uid, e in read_calendar(url).items()
    }


def move_dose(path: Path, before: str, after: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert before in text
    path.write_text(text.replace(before, after, 1), encoding="utf-8")


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- the scenario, on each server ----------------------------------------------------


def test_first_sync_creates_the_calendar_with_the_ics_events(
    course: Path, fresh_calendar_url: str
) -> None:
    """The calendar did not exist: it is created, and holds exactly the events the .ics
    export has, each marked as kapplan's; the summary says so."""
    out = synced(course, "--to", fresh_calendar_url)
    on_server = read_calendar(fresh_calendar_url)
    assert set(on_server) == planned_uids(course)
    assert all(str(e.get("X-KAPPLAN-EVENT")) == "TRUE" for e in on_server.values())
    assert out.splitlines()[-1] == (
        f"synced to {fresh_calendar_url}: {len(on_server)} created, 0 unchanged "
        "(the calendar was created)"
    )


def test_a_second_sync_writes_nothing(
    course: Path, fault_proxy: FaultProxy, fresh_calendar_url: str
) -> None:
    """Idempotent: with nothing changed, a second run sends no request that writes."""
    url = fault_proxy.url(fresh_calendar_url)
    synced(course, "--to", url)
    before = state(fresh_calendar_url)
    fault_proxy.reset_counts()
    out = synced(course, "--to", url)
    assert fault_proxy.writes == 0, fault_proxy.counts
    assert state(fresh_calendar_url) == before
    assert out == f"synced to {url}: {len(before)} unchanged\n"


def test_a_moved_dose_updates_only_its_events(course: Path, fresh_calendar_url: str) -> None:
    """The clinic moves dose 3 a day: its events are updated with a higher SEQUENCE, the
    other sessions stay where they were booked, and the change list says what moved."""
    schedule = course
    synced(schedule, "--to", fresh_calendar_url)
    before = state(fresh_calendar_url)
    move_dose(schedule, "2026-12-08T", "2026-12-09T")
    out = synced(schedule, "--to", fresh_calendar_url)
    after = state(fresh_calendar_url)
    changed = {uid for uid in after.keys() & before.keys() if after[uid] != before[uid]}
    assert changed, "nothing changed on the server"
    for uid in changed:
        assert after[uid][2] == before[uid][2] + 1, (uid, before[uid], after[uid])
    # What the plan no longer has is deleted, what is new created: the .ics events.
    assert set(after) == planned_uids(schedule)
    assert "moved: Integration session after dose 3" in out
    assert re.search(r"synced to .*: \d+ updated(, \d+ deleted)?, \d+ unchanged\n$", out), out


@pytest.mark.slow
def test_a_removed_dose_deletes_its_events(
    tmp_path: Path, course: Path, fresh_calendar_url: str
) -> None:
    """A dose taken off the schedule: its events are deleted from the server; with
    --cancel they stay, marked cancelled."""
    schedule = course
    synced(schedule, "--to", fresh_calendar_url)
    before = set(read_calendar(fresh_calendar_url))
    text = schedule.read_text(encoding="utf-8")
    blocks = text.split("[[infusion]]")
    schedule.write_text("[[infusion]]".join(blocks[:-1]).rstrip() + "\n", encoding="utf-8")
    gone = before - planned_uids(schedule)
    assert gone
    cancelled_copy = tmp_path / "again.toml"
    shutil.copy(schedule, cancelled_copy)
    out = synced(schedule, "--to", fresh_calendar_url, "--cancel")
    now = state(fresh_calendar_url)
    assert {uid for uid, s in now.items() if s[3] == "CANCELLED"} == gone
    assert "cancelled" in out
    synced(schedule, "--to", fresh_calendar_url)  # without --cancel: deleted
    assert set(read_calendar(fresh_calendar_url)) == before - gone


def test_a_persons_own_event_is_never_touched(course: Path, caldav_server: Server) -> None:
    """A person's own events in the same calendar, one with a kapplan-like UID but no
    kapplan marker, survive every sync byte for byte, even a re-plan that cancels."""
    url = caldav_server.new_calendar_url("own")
    create_calendar(url)
    own = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//me//EN\r\nBEGIN:VEVENT\r\n"
        "UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSEQUENCE:3\r\n"
        "DTSTART:20261202T100000Z\r\nDTEND:20261202T110000Z\r\nSUMMARY:Dentist\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    put_event(url, own.format(uid="dentist-1@example.org"))
    put_event(url, own.format(uid="0000aaaa@kapplan"))
    mine = {o.url: o.text for o in read_objects(url)}
    assert len(mine) == 2
    schedule = course
    synced(schedule, "--to", url)
    move_dose(schedule, "2026-12-08T", "2026-12-09T")
    synced(schedule, "--to", url, "--replan")
    after = {o.url: o.text for o in read_objects(url)}
    for where, text in mine.items():
        assert after[where] == text


@pytest.mark.slow
def test_a_hand_moved_session_is_pinned(course: Path, fresh_calendar_url: str) -> None:
    """A session dragged two hours later in a calendar app (new DTSTART/DTEND with a
    TZID, LAST-MODIFIED, SEQUENCE+1) stays there through a re-plan, and is reported."""
    schedule = course
    synced(schedule, "--to", fresh_calendar_url)
    events = read_calendar(fresh_calendar_url)
    uid, session = next(
        (u, e) for u, e in events.items() if str(e["SUMMARY"]).startswith("Long-arc session")
    )
    start, end = session.decoded("DTSTART"), session.decoded("DTEND")
    edit_event(fresh_calendar_url, uid, start + timedelta(hours=2), end + timedelta(hours=2))
    move_dose(schedule, "2026-12-08T", "2026-12-09T")
    out = synced(schedule, "--to", fresh_calendar_url)
    kept = read_calendar(fresh_calendar_url)[uid]
    assert kept.decoded("DTSTART") == start + timedelta(hours=2)
    assert "kept where it was moved by hand: Long-arc session" in out
    # Converged: the next run writes nothing.
    assert synced(schedule, "--to", fresh_calendar_url).endswith(" unchanged\n")


@pytest.mark.slow
def test_a_discreet_sync_stays_discreet(course: Path, fresh_calendar_url: str) -> None:
    """--discreet once: no real title reaches the server, and a later sync without the
    flag keeps the calendar discreet (it remembers)."""
    synced(course, "--to", fresh_calendar_url, "--discreet")
    synced(course, "--to", fresh_calendar_url, "--remind", "2h")
    for uid, event in read_calendar(fresh_calendar_url).items():
        words = f"{event.get('SUMMARY')} {event.get('DESCRIPTION')} {uid}".lower()
        assert not re.search(r"ketamine|infusion|dose|integration", words), words


@pytest.mark.slow
def test_a_caseload_moves_only_one_clients_sessions(
    tmp_path: Path, fresh_calendar_url: str
) -> None:
    """A therapist's caseload: the calendar holds the therapist's .ics events; Vera's dose
    moves, and no other client's event changes."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    synced(folder, "--therapist", LISBON, "--to", fresh_calendar_url)
    before = read_calendar(fresh_calendar_url)
    assert set(before) == planned_uids(folder, "--therapist", LISBON)
    move_vera_dose_3(folder)
    out = synced(folder, "--therapist", LISBON, "--to", fresh_calendar_url)
    after = read_calendar(fresh_calendar_url)
    for uid, event in after.items():
        if not str(event["SUMMARY"]).startswith("Vera"):
            assert event.decoded("DTSTART") == before[uid].decoded("DTSTART"), event["SUMMARY"]
    assert "Vera" in out


def test_a_dry_run_writes_nothing(
    course: Path, fault_proxy: FaultProxy, fresh_calendar_url: str
) -> None:
    """--dry-run reads and tells what a sync would do; no request writes, the calendar is
    not even created."""
    url = fault_proxy.url(fresh_calendar_url)
    out = synced(course, "--to", url, "--dry-run")
    assert fault_proxy.writes == 0, fault_proxy.counts
    assert "dry run, nothing written" in out
    assert "(and create the calendar)" in out
    synced(course, "--to", url)
    schedule_events = len(read_calendar(fresh_calendar_url))
    fault_proxy.reset_counts()
    assert synced(course, "--to", url, "-n").endswith(f"{schedule_events} unchanged\n")
    assert fault_proxy.writes == 0


# -- faults: one line, exit 2, never the password; a re-run converges -----------------


def test_wrong_password_is_one_line(fault_proxy: FaultProxy, fresh_calendar_url: str) -> None:
    """401: one line naming the server and where credentials come from, exit 2, no password."""
    fault_proxy.fail(401)
    done = kapplan("sync", IV, "--to", fault_proxy.url(fresh_calendar_url))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "401 Unauthorized" in line
    assert "KAPPLAN_CALDAV_PASSWORD" in line
    assert SECRET not in done.stderr + done.stdout


@pytest.mark.parametrize(("status", "said"), [(403, "403 Forbidden"), (503, "503 server error")])
def test_refusals_and_server_errors_are_one_line(
    fault_proxy: FaultProxy, fresh_calendar_url: str, status: int, said: str
) -> None:
    """403 on everything, 503 on writes: one line, exit 2."""
    fault_proxy.fail(status, methods=None if status == 403 else {"PUT", "MKCALENDAR"})
    done = kapplan("sync", IV, "--to", fault_proxy.url(fresh_calendar_url))
    assert done.returncode == 2
    assert said in one_line(done.stderr)


def test_a_server_that_is_down(fault_proxy: FaultProxy, fresh_calendar_url: str) -> None:
    """Nothing listens: one line saying the server cannot be reached."""
    fault_proxy.refuse()
    done = kapplan("sync", IV, "--to", fault_proxy.url(fresh_calendar_url))
    assert done.returncode == 2
    assert "cannot reach" in one_line(done.stderr)


def test_a_slow_server_times_out(fault_proxy: FaultProxy, fresh_calendar_url: str) -> None:
    """An answer slower than --timeout: one line saying so."""
    fault_proxy.delay(5)
    done = kapplan("sync", IV, "--to", fault_proxy.url(fresh_calendar_url), "--timeout", "1")
    assert done.returncode == 2
    assert "did not answer within 1 s" in one_line(done.stderr)


@pytest.mark.slow
def test_an_edit_during_the_sync_is_not_overwritten(
    course: Path, fault_proxy: FaultProxy, fresh_calendar_url: str
) -> None:
    """412 on a write (someone edited the event since it was read): one line, exit 2;
    the next run syncs over the edit."""
    schedule = course
    url = fault_proxy.url(fresh_calendar_url)
    synced(schedule, "--to", url)
    move_dose(schedule, "2026-12-08T", "2026-12-09T")
    fault_proxy.fail(412, methods={"PUT"}, times=1)
    done = kapplan("sync", schedule, "--to", url)
    assert done.returncode == 2
    assert "412 Precondition Failed" in one_line(done.stderr)
    synced(schedule, "--to", url)
    fault_proxy.reset_counts()
    synced(schedule, "--to", url)
    assert fault_proxy.writes == 0


@pytest.mark.slow
def test_a_sync_cut_off_half_way_converges(
    course: Path, fault_proxy: FaultProxy, caldav_server: Server
) -> None:
    """The connection drops after 20 writes: exit 2 with one line; running again finishes
    the job, and the server then equals a calendar synced in one go."""
    url = caldav_server.new_calendar_url("cut")
    whole = caldav_server.new_calendar_url("whole")
    fault_proxy.drop_after(20, methods={"PUT"})
    done = kapplan("sync", course, "--to", fault_proxy.url(url))
    assert done.returncode == 2
    assert "run kapplan sync again" in one_line(done.stderr)
    assert 0 < len(read_calendar(url)) < len(planned_uids(course))
    fault_proxy.pass_through()
    synced(course, "--to", fault_proxy.url(url))
    synced(course, "--to", whole)
    assert state(url) == state(whole)
    fault_proxy.reset_counts()
    synced(course, "--to", fault_proxy.url(url))
    assert fault_proxy.writes == 0


# -- the command's own refusals -------------------------------------------------------


def test_no_url_is_one_line(tmp_path: Path) -> None:
    """Neither --to nor caldav_url in the config: one line, exit 2, nothing sent."""
    done = kapplan("sync", IV, env={"KAPPLAN_CONFIG": str(tmp_path / "none.toml")})
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        "kapplan: error: --to: no calendar to sync to; expected --to URL (the CalDAV calendar's "
        "address) or caldav_url in the config file (kapplan config --init)"
    )


def test_a_password_in_the_url_is_refused() -> None:
    """A URL with user:password: refused, and the password is not echoed."""
    done = kapplan("sync", IV, "--to", f"https://me:{SECRET}@cal.example.org/dav/cal/")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "never on the command line" in line
    assert SECRET not in line


@pytest.mark.slow
def test_netrc_gives_the_login(tmp_path: Path, course: Path, fresh_calendar_url: str) -> None:
    """Without the environment variables, the .netrc entry of the host is used."""
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login kapplan password {SECRET}\n", encoding="utf-8")
    netrc.chmod(0o600)
    env = {"KAPPLAN_CALDAV_USER": None, "KAPPLAN_CALDAV_PASSWORD": None, "NETRC": str(netrc)}
    done = kapplan("sync", course, "--to", fresh_calendar_url, env=env)
    assert done.returncode == 0, done.stderr
    assert read_calendar(fresh_calendar_url)


def test_without_the_caldav_extra_it_says_how_to_install_it() -> None:
    """The caldav library missing: one line with the pip command, exit 2."""
    probe = (
        "import sys; sys.modules['caldav'] = None; sys.modules['caldav.davclient'] = None\n"
        "from kapplan.__main__ import run\n"
        f"sys.argv = ['kapplan', 'sync', {str(IV)!r}, '--to', 'http://127.0.0.1:9/cal/']\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        "kapplan: error: kapplan sync needs the caldav extra, which is not installed; install it "
        "with: pip install 'kapplan[caldav]'"
    )


# -- busy time from the same server ----------------------------------------------------


def _therapist_with_remote_busy(tmp_path: Path, busy_url: str) -> Path:
    text = LISBON.read_text(encoding="utf-8")
    line = "busy = [{ start = 2026-12-02T09:00:00, end = 2026-12-02T11:00:00 }]"
    assert line in text
    therapist = tmp_path / "therapist.toml"
    therapist.write_text(text.replace(line, f'busy = {{ caldav = "{busy_url}" }}'), "utf-8")
    return therapist


def test_busy_time_comes_from_a_caldav_calendar(tmp_path: Path, caldav_server: Server) -> None:
    """`busy = { caldav = URL }`: an appointment put on the therapist's other calendar
    (read with a free-busy query) keeps every session off its time; the sessions booked
    there before move, the others stay."""
    target = caldav_server.new_calendar_url("sessions")
    busy = caldav_server.new_calendar_url("work")
    create_calendar(busy)
    therapist = _therapist_with_remote_busy(tmp_path, busy)
    synced(CASELOAD, "--therapist", therapist, "--to", target)
    before = read_calendar(target)
    first = min(
        (e for e in before.values() if "session" in str(e["SUMMARY"]).lower()),
        key=lambda e: e.decoded("DTSTART"),
    )
    blocked = first.decoded("DTSTART").strftime("%Y%m%d")  # a UTC day
    put_event(
        busy,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//me//EN\r\nBEGIN:VEVENT\r\n"
        "UID:supervision@example.org\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART:{blocked}T000000Z\r\nDTEND:{blocked}T235900Z\r\nSUMMARY:Away\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    out = synced(CASELOAD, "--therapist", therapist, "--to", target)
    after = read_calendar(target)
    for event in after.values():
        if "session" in str(event["SUMMARY"]).lower():
            assert event.decoded("DTSTART").strftime("%Y%m%d") != blocked, event["SUMMARY"]
    assert "moved:" in out
    assert after[str(first["UID"])].decoded("DTSTART") != first.decoded("DTSTART")


@pytest.mark.slow
def test_busy_time_from_the_synced_calendar_does_not_block_itself(
    tmp_path: Path, fault_proxy: FaultProxy, fresh_calendar_url: str
) -> None:
    """The busy calendar is the one kapplan syncs into: kapplan's own sessions there are
    not busy time (an event search leaves them out), so a re-run moves and writes nothing."""
    url = fault_proxy.url(fresh_calendar_url)
    therapist = _therapist_with_remote_busy(tmp_path, url)
    synced(CASELOAD, "--therapist", therapist, "--to", url)
    before = state(fresh_calendar_url)
    fault_proxy.reset_counts()
    synced(CASELOAD, "--therapist", therapist, "--to", url)
    assert fault_proxy.writes == 0, fault_proxy.counts
    assert state(fresh_calendar_url) == before


def test_plan_does_not_read_busy_time_from_a_server(tmp_path: Path) -> None:
    """Only sync connects: `kapplan plan` with such a therapist file is one line, exit 2."""
    therapist = _therapist_with_remote_busy(tmp_path, "http://127.0.0.1:9/busy/")
    done = kapplan("plan", CASELOAD, "--therapist", therapist)
    assert done.returncode == 2
    assert "read only by kapplan sync" in one_line(done.stderr)


# -- the local-first path: a vdir, synced by vdirsyncer ---------------------------------


def _vdirsyncer(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("vdirsyncer") or str(Path(sys.executable).parent / "vdirsyncer")
    if not Path(executable).exists():
        pytest.skip("vdirsyncer is not installed (it is in the test extra)")
    return subprocess.run(
        [executable, "-c", str(config), *args],
        input="y\n" * 5,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _events(url: str) -> dict[str, tuple[str, ...]]:
    """Each event's content lines as a server returns them, but the stamp: what a
    calendar app sees, independent of who uploaded it."""
    found = {}
    for uid, event in read_calendar(url).items():
        lines = [
            line
            for line in event.to_ical().decode().splitlines()
            if not line.startswith(("DTSTAMP", " "))
        ]
        found[uid] = tuple(sorted(lines))
    return found


@pytest.mark.slow
def test_vdirsyncer_brings_a_vdir_where_a_direct_sync_does(
    tmp_path: Path, course: Path, caldav_server: Server
) -> None:
    """`kapplan plan -f vdir`, then `vdirsyncer sync` to the server, leaves the calendar
    equal, event for event, to a direct `kapplan sync`; and so after a moved dose."""
    schedule = course
    folder = tmp_path / "vdir"
    via = caldav_server.new_calendar_url("via-vdirsyncer")
    direct = caldav_server.new_calendar_url("direct")
    create_calendar(via)
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(
        f'[general]\nstatus_path = "{tmp_path / "status"}/"\n\n'
        '[pair kapplan]\na = "local"\nb = "server"\ncollections = null\n'
        'conflict_resolution = "a wins"\n\n'
        f'[storage local]\ntype = "filesystem"\npath = "{folder}/"\nfileext = ".ics"\n\n'
        f'[storage server]\ntype = "caldav"\nurl = "{via}"\n'
        f'username = "{caldav_server.user}"\npassword = "{caldav_server.password}"\n',
        encoding="utf-8",
    )
    for step in range(2):
        if step:
            move_dose(schedule, "2026-12-08T", "2026-12-09T")
        done = kapplan("plan", schedule, "-f", "vdir", "-o", folder)
        assert done.returncode == 0, done.stderr
        # Discovered once: a later sync of the same pair needs no new discovery.
        for args in (("discover", "kapplan"), ("sync",))[step:]:
            ran = _vdirsyncer(config, *args)
            assert ran.returncode == 0, ran.stdout + ran.stderr
        synced(schedule, "--to", direct)
        assert _events(via) == _events(direct)


def test_a_bad_busy_url_is_one_located_line(tmp_path: Path) -> None:
    """`busy = { caldav = "ftp://…" }`: validate names the file, line and key."""
    therapist = _therapist_with_remote_busy(tmp_path, "ftp://files.example.org/busy")
    line = (
        therapist.read_text(encoding="utf-8")
        .splitlines()
        .index('busy = { caldav = "ftp://files.example.org/busy" }')
    )
    done = kapplan("validate", therapist)
    assert done.returncode == 2
    assert done.stdout.splitlines()[0] == (
        f"{therapist}:{line + 1}: therapist.busy.caldav: got 'ftp://files.example.org/busy'; "
        "expected the http(s) URL of a CalDAV calendar, such as "
        "https://cloud.example.org/remote.php/dav/calendars/me/work/"
    )


def _without_login() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KAPPLAN_CALDAV")}


@pytest.mark.slow
def test_the_keyring_gives_the_login(
    course: Path, fault_proxy: FaultProxy, fresh_calendar_url: str
) -> None:
    """No environment variables, no .netrc: the system keyring's entry for the host
    (service ``kapplan:HOST``) is asked through the keyring library, and its login is sent;
    a wrong one is a 401 line that says it came from the keyring."""
    keyring = json.dumps({"kapplan:127.0.0.1": ["kapplan", SECRET]})
    env = {
        **_without_login(),
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backend.EnvKeyring",
        "KAPPLAN_TEST_KEYRING": keyring,
        "PYTHONPATH": str(ROOT),
        "HOME": str(ROOT / "no-home"),
        "TZ": "UTC",
    }
    url = fault_proxy.url(fresh_calendar_url)
    command = [sys.executable, "-m", "kapplan", "sync", str(course), "--to", url]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    sent = [s for s in fault_proxy.log if s.method == "PUT"]
    assert sent
    expected = base64.b64encode(f"kapplan:{SECRET}".encode()).decode()
    assert all(s.authorization == f"Basic {expected}" for s in sent)
    fault_proxy.fail(401)
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 2
    assert "(from keyring)" in one_line(done.stderr)
    assert SECRET not in done.stderr


@pytest.mark.slow
def test_a_progress_bar_on_a_terminal(
    course: Path, fault_proxy: FaultProxy, fresh_calendar_url: str
) -> None:
    """With stderr a terminal and writes that take a while, a progress bar shows there
    (and is gone at the end); the change list and summary still go to stdout."""
    fault_proxy.delay(0.03, methods={"PUT"})
    leader, follower = pty.openpty()
    url = fault_proxy.url(fresh_calendar_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "kapplan", "sync", str(course), "--to", url],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "KAPPLAN_CALDAV_USER": "kapplan", "KAPPLAN_CALDAV_PASSWORD": "x",
             "TERM": "xterm", "COLUMNS": "100"},
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    out, _ = process.communicate(timeout=120)
    os.close(leader)
    assert process.returncode == 0
    assert b"Syncing" in shown
    assert out.decode().splitlines()[-1].startswith("synced to ")


@pytest.mark.slow
def test_the_config_files_caldav_url(tmp_path: Path, course: Path, fresh_calendar_url: str) -> None:
    """Without --to, the config file's caldav_url is the calendar; `kapplan config` shows
    it; a password in it is refused in one located line."""
    config = tmp_path / "config.toml"
    config.write_text(f'caldav_url = "{fresh_calendar_url}"\n', encoding="utf-8")
    env = {"KAPPLAN_CONFIG": str(config)}
    synced(course, env=env)
    assert set(read_calendar(fresh_calendar_url)) == planned_uids(course)
    shown = kapplan("config", env=env).stdout
    assert re.search(
        rf"caldav_url +{re.escape(fresh_calendar_url)} +{re.escape(str(config))}", shown
    )
    config.write_text(f'caldav_url = "http://me:{SECRET}@127.0.0.1/cal/"\n', encoding="utf-8")
    done = kapplan("sync", IV, env=env)
    assert done.returncode == 2
    assert one_line(done.stderr).startswith(f"kapplan: error: {config}:1: caldav_url: the URL")
    assert SECRET not in done.stderr


def test_a_calendar_that_cannot_be_found_or_made(
    fault_proxy: FaultProxy, fresh_calendar_url: str
) -> None:
    """404 for the calendar and for creating it: one line that says what URL to give."""
    fault_proxy.fail(404)
    done = kapplan("sync", IV, "--to", fault_proxy.url(fresh_calendar_url))
    assert done.returncode == 2
    assert "was not found (404); expected the URL of a calendar" in one_line(done.stderr)


@pytest.mark.slow
def test_in_russian(fresh_calendar_url: str, course: Path) -> None:
    """--lang ru: the change list and the summary are Russian (only the URL is not)."""
    schedule = course
    synced(schedule, "--to", fresh_calendar_url, "--lang", "ru")
    move_dose(schedule, "2026-12-08T", "2026-12-09T")
    out = synced(schedule, "--to", fresh_calendar_url, "--lang", "ru")
    words = re.sub(re.escape(fresh_calendar_url), "", out)
    assert "синхронизировано с" in out
    assert not re.search(r"[A-Za-z]{3,}", words), out


@pytest.mark.slow
def test_one_client_over_a_caseload_calendar_is_refused(fresh_calendar_url: str) -> None:
    """The server's calendar holds the whole caseload: syncing one client's own plan
    into it would delete the others' events, so it is refused, and nothing is written."""
    synced(CASELOAD, "--therapist", LISBON, "--to", fresh_calendar_url)
    before = state(fresh_calendar_url)
    done = kapplan(
        "sync", CASELOAD, "--therapist", LISBON, "--client", "vera", "--to", fresh_calendar_url
    )
    assert done.returncode == 2
    assert "would cancel the others' events" in one_line(done.stderr)
    assert state(fresh_calendar_url) == before
