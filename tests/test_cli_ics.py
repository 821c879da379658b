"""`kapplan plan -o plan.ics` as a user runs it: update in place, cancel, refuse to clobber."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kapplan.cli.app import app
from tests.cli_runner import CliRunner

SCHEDULE = """timezone = "Europe/Berlin"
[[infusion]]
at = 2026-12-01T10:00:00
method = "iv"
[[infusion]]
at = 2026-12-04T10:00:00
method = "iv"
[[infusion]]
at = 2026-12-08T10:00:00
method = "iv"
"""


def _events(ics: str) -> dict[str, str]:
    """Map uid -> the whole VEVENT text."""
    blocks = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", ics, re.DOTALL)
    return {re.search(r"UID:(\S+)", b).group(1): b for b in blocks}  # type: ignore[union-attr]


def _sequence(block: str) -> int:
    return int(re.search(r"SEQUENCE:(\d+)", block).group(1))  # type: ignore[union-attr]


@pytest.fixture(name="schedule")
def fixture_schedule(tmp_path: Path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(SCHEDULE, encoding="utf-8")
    return path


def test_rerun_gives_an_identical_file(runner: CliRunner, schedule: Path, tmp_path: Path) -> None:
    """Exporting an unchanged schedule twice gives byte-identical files."""
    out = tmp_path / "plan.ics"
    assert runner.invoke(app, ["plan", str(schedule), "-o", str(out)]).exit_code == 0
    first = out.read_bytes()
    assert first.startswith(b"BEGIN:VCALENDAR\r\n")
    assert runner.invoke(app, ["plan", str(schedule), "-o", str(out)]).exit_code == 0
    assert out.read_bytes() == first


def test_moving_a_dose_updates_in_place(runner: CliRunner, schedule: Path, tmp_path: Path) -> None:
    """Re-exporting over the old file after dose 2 moves bumps SEQUENCE of changed events only."""
    out = tmp_path / "plan.ics"
    runner.invoke(app, ["plan", str(schedule), "-o", str(out)])
    before = _events(out.read_bytes().decode("utf-8"))
    schedule.write_text(SCHEDULE.replace("2026-12-04T10:00:00", "2026-12-04T14:00:00"), "utf-8")
    assert runner.invoke(app, ["plan", str(schedule), "-o", str(out)]).exit_code == 0
    after = _events(out.read_bytes().decode("utf-8"))
    assert set(after) == set(before)
    changed = {uid for uid in after if after[uid] != before[uid]}
    assert changed, "moving a dose must change some events"
    for uid, block in after.items():
        assert _sequence(block) == (1 if uid in changed else 0)
    moved = [after[uid] for uid in changed]
    assert any("SUMMARY:IV infusion 2" in block for block in moved)
    assert not any("SUMMARY:IV infusion 1\r\n" in block for block in moved)


def test_dropping_a_dose_cancels_its_events(
    runner: CliRunner, schedule: Path, tmp_path: Path
) -> None:
    """Events of a dose that is gone come back as STATUS:CANCELLED with a higher SEQUENCE."""
    out = tmp_path / "plan.ics"
    runner.invoke(app, ["plan", str(schedule), "-o", str(out)])
    before = _events(out.read_bytes().decode("utf-8"))
    shorter = SCHEDULE.rsplit("[[infusion]]", 1)[0]
    schedule.write_text(shorter, encoding="utf-8")
    new = tmp_path / "new.ics"
    result = runner.invoke(app, ["plan", str(schedule), "-o", str(new), "--cancel-from", str(out)])
    assert result.exit_code == 0, result.stderr
    after = _events(new.read_bytes().decode("utf-8"))
    cancelled = {uid for uid, block in after.items() if "STATUS:CANCELLED" in block}
    assert cancelled
    assert cancelled <= set(before)
    assert all(_sequence(after[uid]) == _sequence(before[uid]) + 1 for uid in cancelled)
    assert any("IV infusion 3" in after[uid] for uid in cancelled)


def test_does_not_clobber_a_foreign_file(runner: CliRunner, schedule: Path, tmp_path: Path) -> None:
    """An existing file kapplan did not write is kept, unless --force."""
    out = tmp_path / "plan.ics"
    out.write_text("my own notes\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", str(schedule), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"kapplan: error: {out}: exists and was not written by kapplan; "
        "use --force to overwrite it\n"
    )
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    assert runner.invoke(app, ["plan", str(schedule), "-o", str(out), "--force"]).exit_code == 0
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_never_writes_over_its_input(runner: CliRunner, schedule: Path) -> None:
    """The output may not be the schedule itself, even with --force."""
    result = runner.invoke(
        app, ["plan", str(schedule), "-o", str(schedule), "-f", "ics", "--force"]
    )
    assert result.exit_code == 2
    assert schedule.read_text(encoding="utf-8") == SCHEDULE


def test_missing_folder(runner: CliRunner, schedule: Path, tmp_path: Path) -> None:
    """A missing output folder is a clear error and creates nothing."""
    result = runner.invoke(app, ["plan", str(schedule), "-o", str(tmp_path / "no" / "p.ics")])
    assert result.exit_code == 2
    assert "p.ics" in result.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--discreet"], "--discreet applies to calendars; expected --format ics or -o FILE.ics"),
        (["-f", "json", "--remind", "1h"], "--remind applies to calendars"),
        (["-f", "ics", "--remind", "2h", "--no-remind"], "--remind and --no-remind contradict"),
        (["-f", "ics", "--remind", "soon"], "--remind"),
        (["-f", "ics", "--stamp", "yesterday"], "--stamp"),
    ],
    ids=["discreet-terminal", "remind-json", "remind-and-no-remind", "bad-remind", "bad-stamp"],
)
def test_bad_calendar_options(
    runner: CliRunner, schedule: Path, args: list[str], message: str
) -> None:
    """Calendar options that make no sense are one clear line and exit 2."""
    result = runner.invoke(app, ["plan", str(schedule), *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr


def test_reminder_lead_times(runner: CliRunner, schedule: Path) -> None:
    """--remind sets the alarms; --no-remind removes them."""
    ics = runner.invoke(app, ["plan", str(schedule), "-f", "ics", "--remind", "90m"]).stdout
    assert "TRIGGER:-PT1H30M" in ics
    assert "TRIGGER:-P1D" not in ics
    quiet = runner.invoke(app, ["plan", str(schedule), "-f", "ics", "--no-remind"]).stdout
    assert "BEGIN:VALARM" not in quiet


def test_stamp_now_reads_the_clock(runner: CliRunner, schedule: Path) -> None:
    """By default DTSTAMP comes from the schedule; --stamp now uses the clock instead."""
    default = runner.invoke(app, ["plan", str(schedule), "-f", "ics"]).stdout
    now = runner.invoke(app, ["plan", str(schedule), "-f", "ics", "--stamp", "now"]).stdout
    stamps = set(re.findall(r"DTSTAMP:(\S+)", default))
    assert stamps == {"20261124T090000Z"}
    assert set(re.findall(r"DTSTAMP:(\S+)", now)).isdisjoint(stamps)


def test_unreadable_previous_calendar(runner: CliRunner, schedule: Path, tmp_path: Path) -> None:
    """A --previous file that is not a kapplan calendar is a located error."""
    junk = tmp_path / "old.ics"
    junk.write_text("not a calendar\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", str(schedule), "-f", "ics", "--previous", str(junk)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kapplan: error: {junk}")
