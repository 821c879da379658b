"""Generate a realistic caseload for the benchmarks: deterministic from a seed.

Each client has one to three courses; a course is two or three doses a week
for two to three weeks (four to nine doses, six being typical), given at a
clinic (IV, IM, esketamine) in clinic hours or at home (oral) in the evening.
Clients live in different time zones and some speak Russian; some write
their doses one by one, others as a weekly RRULE; some set their own
availability or a weekly cadence. Every client's first dose falls within one
year, so a bigger caseload is a busier year, as a growing clinic's is. The
therapist works in Lisbon, Monday to Friday with a lunch break, takes
holidays and has a standing weekly supervision in an .ics calendar.

Usage: ``python benchmarks/caseload.py N FOLDER [--seed S]`` writes
``client-0001.toml`` … and ``therapist.toml`` (with ``busy.ics``) into FOLDER.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

#: The day the year of intake starts (a Monday).
FIRST_DAY = date(2026, 1, 5)
#: Clients' first doses fall within this many days of `FIRST_DAY`.
INTAKE_DAYS = 365

ZONES = (
    "Europe/Lisbon",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tbilisi",
    "Asia/Jerusalem",
    "Australia/Sydney",
)
CLINIC_METHODS = ("iv", "iv", "iv", "im", "esketamine", "spravato")
#: Weekday patterns of two or three doses a week (RRULE BYDAY and date.weekday()).
PATTERNS = (
    (("MO", "TH"), (0, 3)),
    (("TU", "FR"), (1, 4)),
    (("MO", "WE", "FR"), (0, 2, 4)),
    (("TU", "TH"), (1, 3)),
    (("MO", "WE"), (0, 2)),
)
THERAPIST_ZONE = "Europe/Lisbon"


@dataclass(frozen=True)
class Caseload:
    """The files of a generated caseload, by name, and how many doses they hold."""

    schedules: dict[str, str]
    """Schedule files: name -> TOML text."""
    therapist: str
    """``therapist.toml``."""
    busy_calendar: str
    """``busy.ics``, which the therapist file names."""
    doses: int
    """Doses in all schedules together."""

    def write(self, folder: Path) -> Path:
        """Write the schedules into `folder` and the therapist beside it; return that folder.

        The schedules go into ``folder/clients/`` so the folder can be planned
        as a whole (``kapplan plan folder/clients --therapist folder/therapist.toml``).
        """
        clients = folder / "clients"
        clients.mkdir(parents=True, exist_ok=True)
        for name, text in self.schedules.items():
            (clients / name).write_text(text, encoding="utf-8")
        (folder / "therapist.toml").write_text(self.therapist, encoding="utf-8")
        (folder / "busy.ics").write_text(self.busy_calendar, encoding="utf-8", newline="")
        return clients


def generate(clients: int, seed: int = 1) -> Caseload:
    """Return a caseload of `clients` schedules and their therapist.

    Parameters:
        clients: How many clients.
        seed: The random seed; the same seed gives the same files.

    Returns:
        The caseload.
    """
    rng = random.Random(seed)
    schedules: dict[str, str] = {}
    doses = 0
    for number in range(1, clients + 1):
        text, count = _client(rng, number)
        schedules[f"client-{number:04d}.toml"] = text
        doses += count
    return Caseload(schedules, _therapist(), _busy_calendar(), doses)


def _client(rng: random.Random, number: int) -> tuple[str, int]:
    zone = rng.choice(ZONES)
    lines = [
        f"# Generated client {number} (benchmarks/caseload.py).",
        f'client = "Client {number:04d}"',
        f'timezone = "{zone}"',
    ]
    if rng.random() < 0.2:
        lines.append('language = "ru"')
    at_home = rng.random() < 0.2
    start = FIRST_DAY + timedelta(days=rng.randrange(INTAKE_DAYS))
    total = 0
    for _course in range(rng.choice((1, 1, 2, 2, 3))):
        byday, weekdays = rng.choice(PATTERNS)
        weeks = rng.choice((2, 3, 3))
        count = len(weekdays) * weeks
        method = "oral" if at_home else rng.choice(CLINIC_METHODS)
        clock = (
            time(rng.choice((18, 19, 20)), rng.choice((0, 30)))
            if at_home
            else time(rng.randrange(8, 16), rng.choice((0, 15, 30, 45)))
        )
        first = start + timedelta(days=(weekdays[0] - start.weekday()) % 7)
        if rng.random() < 0.5:
            lines += [
                "",
                "[[series]]",
                f"start = {datetime.combine(first, clock).isoformat()}",
                f'rrule = "FREQ=WEEKLY;BYDAY={",".join(byday)};COUNT={count}"',
                f'method = "{method}"',
            ]
        else:
            for week in range(weeks):
                monday = first - timedelta(days=first.weekday()) + timedelta(weeks=week)
                for weekday in weekdays:
                    at = datetime.combine(monday + timedelta(days=weekday), clock)
                    lines += ["", "[[infusion]]", f"at = {at.isoformat()}", f'method = "{method}"']
        total += count
        # The next course, a booster, starts one to four months after this one.
        start = first + timedelta(weeks=weeks) + timedelta(days=rng.randrange(30, 120))
    settings = []
    if rng.random() < 0.25:
        settings.append('cadence = "weekly"')
    if rng.random() < 0.2:
        settings.append(f"prep_sessions = {rng.choice((2, 3))}")
    if rng.random() < 0.2:
        settings.append(f"long_arc_months = {rng.choice((3, 4, 12))}")
    if settings:
        lines += ["", "[plan]", *settings]
    if rng.random() < 0.3:
        days = rng.choice(('["mon", "tue", "wed", "thu", "fri"]', '["mon", "wed", "fri", "sat"]'))
        hours = rng.choice(('"08:00-20:00"', '"07:00-12:00, 16:00-22:00"', '"10:00-23:00"'))
        lines += ["", "[availability]", f"days = {days}", f"hours = {hours}"]
    return "\n".join(lines) + "\n", total


def _therapist() -> str:
    return "\n".join(
        (
            "# Generated therapist (benchmarks/caseload.py).",
            "[therapist]",
            'name = "Benchmark Clinic"',
            f'timezone = "{THERAPIST_ZONE}"',
            'days = ["mon", "tue", "wed", "thu", "fri"]',
            'hours = "08:00-19:00"',
            'breaks = ["12:30-13:30"]',
            "days_off = [2026-04-03, 2026-12-25, { from = 2026-08-03, to = 2026-08-21 },"
            " { from = 2026-12-28, to = 2027-01-01 }, 2027-04-02]",
            "busy = [{ start = 2026-03-11T09:00:00, minutes = 180 }]",
            'busy_calendar = "busy.ics"',
            "session_minutes = 60",
            "buffer_minutes = 10",
            "max_sessions_per_day = 8",
            "",
        )
    )


def _busy_calendar() -> str:
    lines = (
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//benchmarks//caseload//EN",
        "BEGIN:VEVENT",
        "UID:supervision@benchmarks",
        "DTSTAMP:20260101T000000Z",
        "DTSTART;TZID=Europe/Lisbon:20260107T090000",
        "DTEND;TZID=Europe/Lisbon:20260107T103000",
        "RRULE:FREQ=WEEKLY;BYDAY=WE",
        "SUMMARY:Supervision group",
        "END:VEVENT",
        "END:VCALENDAR",
    )
    return "\r\n".join(lines) + "\r\n"


def main() -> None:
    """Write a caseload to a folder (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clients", type=int, help="how many clients")
    parser.add_argument("folder", type=Path, help="where to write the files")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    caseload = generate(args.clients, args.seed)
    clients = caseload.write(args.folder)
    print(f"{len(caseload.schedules)} clients, {caseload.doses} doses in {clients}")


if __name__ == "__main__":
    main()
