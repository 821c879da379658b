"""Throughput: plan a generated caseload and export it, as one whole kapplan process.

``kapplan plan FOLDER --therapist therapist.toml --format ics`` reads every
client's schedule, plans them together on the therapist's calendar and writes
that calendar (each client's sessions and doses). The JSON run writes every
event of every client (practices and advisories too), for comparison.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from caseload import generate
from measure import KAPPLAN, run


@dataclass(frozen=True)
class Throughput:
    """How one caseload fared."""

    clients: int
    doses: int
    seconds: float
    """Median wall time of the whole process."""
    peak_mb: float
    """The largest peak resident memory of the runs (MiB)."""
    events: int
    """Events in the output: VEVENTs of the calendar, or JSON events."""


def measure(clients: int, runs: int, *, output: str = "ics", seed: int = 1) -> Throughput:
    """Generate a caseload, plan and export it `runs` times, and measure.

    Parameters:
        clients: How many clients.
        runs: How many times to run kapplan (the median is reported).
        output: ``ics`` (the therapist's calendar) or ``json`` (every event).
        seed: The generator's seed.

    Returns:
        The measurements.
    """
    caseload = generate(clients, seed)
    with tempfile.TemporaryDirectory(prefix="kapplan-bench-") as name:
        folder = Path(name)
        schedules = caseload.write(folder)
        command = [
            KAPPLAN,
            "plan",
            str(schedules),
            "--therapist",
            str(folder / "therapist.toml"),
            "--format",
            output,
        ]
        result = folder / f"out.{output}"
        done = [run(command, stdout=result) for _ in range(runs)]
        text = result.read_text(encoding="utf-8")
    events = text.count("BEGIN:VEVENT") if output == "ics" else text.count('"uid": ')
    return Throughput(
        clients=clients,
        doses=caseload.doses,
        seconds=statistics.median(r.seconds for r in done),
        peak_mb=max(r.peak_mb for r in done),
        events=events,
    )


def growth(base: int, runs: int) -> list[Throughput]:
    """Measure the ICS run for 1x, 2x, 4x and 8x `base` clients."""
    return [measure(base * factor, runs) for factor in (1, 2, 4, 8)]


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for kind in ("ics", "json"):
        print(kind, measure(size, 1, output=kind))
