"""Speed never changes the plan: outputs of large inputs against recorded digests.

The golden files pin small plans byte for byte; this pins the large ones the
speed-ups were made for, without storing megabytes: the SHA-256 of what
kapplan writes for

- generated caseloads of 300 and 1,000 clients (``benchmarks/caseload.py``,
  seed 1, with its Lisbon therapist), as the therapist's ``.ics`` and as JSON;
- one schedule of 1,000 daily doses (the most a schedule may have), as
  ``.ics``, JSON and the terminal view (100 columns, no colour).

``benchmarks/digests.json`` holds the digests recorded before the speed-ups of
issue 16 (``python benchmarks/identical.py --record`` writes it, on purpose
only: a change of output is reviewed like a golden file's). The digests depend
on the time-zone data and the ``holidays`` package as installed; after an
upgrade of either, record again and say so in the commit.

Usage: ``python benchmarks/identical.py`` compares and prints one line per
output; ``--record`` rewrites the file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from caseload import generate
from measure import ENVIRONMENT, KAPPLAN, ROOT

DIGESTS = Path(__file__).resolve().parent / "digests.json"
SIZES = (300, 1000)

#: One series of 1,000 daily doses, the largest a schedule may hold.
THOUSAND_DOSES = """\
timezone = "Europe/London"

[[series]]
rrule = "FREQ=DAILY;COUNT=1000"
method = "iv"
start = 2027-01-04T10:00:00
"""


def _digest(command: list[str]) -> str:
    env = {**ENVIRONMENT, "COLUMNS": "100", "NO_COLOR": "1"}
    done = subprocess.run(command, capture_output=True, cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr!r}")
    return hashlib.sha256(done.stdout).hexdigest()


def outputs(sizes: tuple[int, ...] = SIZES) -> Iterator[tuple[str, str]]:
    """Run kapplan on every input above; yield (name, SHA-256 of its output)."""
    with tempfile.TemporaryDirectory(prefix="kapplan-identical-") as name:
        folder = Path(name)
        for clients in sizes:
            here = folder / str(clients)
            schedules = generate(clients, 1).write(here)
            therapist = str(here / "therapist.toml")
            for kind in ("ics", "json"):
                command = [KAPPLAN, "plan", str(schedules), "--therapist", therapist, "-f", kind]
                yield f"{clients}-client caseload, {kind}", _digest(command)
        schedule = folder / "thousand-doses.toml"
        schedule.write_text(THOUSAND_DOSES, encoding="utf-8")
        for kind in ("ics", "json", "terminal"):
            command = [KAPPLAN, "plan", str(schedule), "-f", kind]
            yield f"1,000-dose schedule, {kind}", _digest(command)


def compare() -> dict[str, bool]:
    """Return, for each output, whether its digest is the recorded one."""
    recorded = json.loads(DIGESTS.read_text(encoding="utf-8"))
    return {name: recorded.get(name) == digest for name, digest in outputs()}


def main() -> None:
    """Compare against (or with --record, write) ``benchmarks/digests.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write the digests file")
    args = parser.parse_args()
    if args.record:
        found = dict(outputs())
        DIGESTS.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
        print(f"recorded {len(found)} digests in {os.path.relpath(DIGESTS)}")
        return
    same = compare()
    for name, ok in same.items():
        print(f"{'same' if ok else 'DIFFERENT'}  {name}")
    sys.exit(0 if all(same.values()) else 1)


if __name__ == "__main__":
    main()
