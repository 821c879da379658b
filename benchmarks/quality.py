"""Plan quality on generated caseloads: what the placement leaves unmet, against a bound.

For caseloads of 10, 30 and 100 clients (``benchmarks/caseload.py``, fixed
seeds, with its Lisbon therapist), the caseload is planned and measured:

- **requests**: the therapy sessions the rules ask for;
- **unmet**: sessions outside their window, covered by the next dose's
  session, or not planned (warnings ``late``, ``early``, ``merged``,
  ``not-planned``);
- **lateness**: how far outside their windows those sessions are, in total;
- **same day**: client-local days with more than one session of the client;
- **bound**: the fewest windows any plan could leave unmet, from a relaxed
  problem that a maximum flow solves exactly: each request may take any
  therapist working day on which its window meets the therapist's hours and the
  client's (its own ``[availability]``, else the rulebook's client hours), and a
  day holds as many sessions as its working hours fit, up to the therapist's
  daily maximum. Doses, buffers, bookings, breaks between sessions of different
  lengths and one-a-day are ignored, so no real plan can do better than it.

Usage: ``python benchmarks/quality.py`` prints the table; ``--write`` puts it
into README.md between ``<!-- quality-table:start -->`` and
``<!-- quality-table:end -->``. The numbers are counts, not times: the same
on every machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, deque
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.caseload import generate  # noqa: E402

from kapplan.edge.load import load_caseload, load_therapist, rulebooks_for  # noqa: E402
from kapplan.engine.calendar import ALL_DAYS, Clock, Hours, Search, local_days  # noqa: E402
from kapplan.engine.caseload import build_caseload, session_requests  # noqa: E402
from kapplan.engine.planner import SessionRequest  # noqa: E402
from kapplan.i18n import catalogues  # noqa: E402
from kapplan.model.hours import TherapistHours  # noqa: E402
from kapplan.model.plan import Plan, WarningCode  # noqa: E402
from kapplan.model.rulebook import Placement  # noqa: E402

README = ROOT / "README.md"
MARKERS = ("<!-- quality-table:start -->", "<!-- quality-table:end -->")
SIZES = ((10, 1), (30, 2), (100, 3))
UNMET = (WarningCode.LATE, WarningCode.EARLY, WarningCode.MERGED, WarningCode.NOT_PLANNED)


def measure(plans: tuple[Plan, ...], sessions: set[str]) -> tuple[int, int, int]:
    """Return the sessions' unmet windows, total minutes outside them, and crowded
    client-days (`sessions`: the ids of the session rules)."""
    unmet = lateness = 0
    crowded = 0
    for plan in plans:
        for warning in plan.warnings:
            if warning.code in UNMET and warning.rule in sessions:
                unmet += 1
                miss = warning.params.get("miss", 0)
                lateness += miss if isinstance(miss, int) else 0
        zone = plan.zone
        per_day = Counter(e.start.astimezone(zone).date() for e in plan.sessions)
        crowded += sum(1 for n in per_day.values() if n > 1)
    return unmet, lateness, crowded


def bound(requests: list[SessionRequest], therapist: TherapistHours) -> int:
    """Return the fewest unmet windows of the relaxed problem (see the module docstring)."""
    clock = Clock()
    working = Hours(therapist.zone, therapist.weekdays, therapist.ranges, therapist.days_off, clock)
    buffer = therapist.buffer
    shortest = min(r.length for r in requests)
    fits = sum(
        (timedelta(minutes=r.end - r.start) + buffer) // (shortest + buffer)
        for r in therapist.ranges
    )
    capacity = min(therapist.max_per_day or fits, fits) if fits else 0
    days: dict[date, int] = {}
    edges: list[list[int]] = []
    for request in requests:
        planner = request.planner
        schedule = planner.schedule
        if schedule.availability.model_fields_set & {"days", "hours"}:
            own = Hours(
                planner.zone,
                schedule.availability.weekdays,
                schedule.availability.ranges,
                frozenset(),
                clock,
            )
        else:
            own = Hours(planner.zone, ALL_DAYS, planner.settings.client_ranges, frozenset(), clock)
        search = Search((working, own), (), request.length)
        reach: list[int] = []
        if request.lo <= request.hi:
            for day in local_days(request.lo, request.hi + request.length, therapist.zone):
                first = clock.at(day, 0, therapist.zone)
                last = clock.at(day + timedelta(days=1), 0, therapist.zone)
                lo, hi = max(request.lo, first), min(request.hi, last - timedelta(minutes=1))
                if lo <= hi and search.find(lo, hi, latest=False) is not None:
                    reach.append(days.setdefault(day, len(days)))
        edges.append(reach)
    return len(requests) - _max_flow(edges, len(days), capacity)


def _max_flow(edges: list[list[int]], days: int, capacity: int) -> int:
    """Return the most requests matched to days (each day up to `capacity`), by Dinic's
    algorithm on source -> request -> day -> sink."""
    n_req = len(edges)
    source, sink = n_req + days, n_req + days + 1
    graph: list[list[int]] = [[] for _ in range(sink + 1)]
    to: list[int] = []
    cap: list[int] = []

    def add(u: int, v: int, c: int) -> None:
        graph[u].append(len(to))
        to.append(v)
        cap.append(c)
        graph[v].append(len(to))
        to.append(u)
        cap.append(0)

    for r, reach in enumerate(edges):
        add(source, r, 1)
        for d in reach:
            add(r, n_req + d, 1)
    for d in range(days):
        add(n_req + d, sink, capacity)
    flow = 0
    while True:
        level = [-1] * (sink + 1)
        level[source] = 0
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for e in graph[u]:
                if cap[e] and level[to[e]] < 0:
                    level[to[e]] = level[u] + 1
                    queue.append(to[e])
        if level[sink] < 0:
            return flow
        pointer = [0] * (sink + 1)
        while pushed := _push(graph, to, cap, level, pointer, source, sink):
            flow += pushed


def _push(
    graph: list[list[int]],
    to: list[int],
    cap: list[int],
    level: list[int],
    pointer: list[int],
    source: int,
    sink: int,
) -> int:
    """Find one augmenting path of unit capacity along the level graph (iteratively)."""
    path: list[int] = []
    u = source
    while True:
        if u == sink:
            for e in path:
                cap[e] -= 1
                cap[e ^ 1] += 1
            return 1
        advanced = False
        while pointer[u] < len(graph[u]):
            e = graph[u][pointer[u]]
            v = to[e]
            if cap[e] and level[v] == level[u] + 1:
                path.append(e)
                u = v
                advanced = True
                break
            pointer[u] += 1
        if not advanced:
            if u == source:
                return 0
            level[u] = -1  # a dead end: never again this phase
            e = path.pop()
            u = to[e ^ 1]
            pointer[u] += 1


def run() -> str:
    """Plan each caseload; return the Markdown table."""
    texts = catalogues()
    rows = [
        "| clients (seed) | sessions asked | unmet windows | bound: no plan leaves fewer "
        "| total outside windows (per unmet window) | client-days with 2+ sessions |",
        "|---|---|---|---|---|---|",
    ]
    for clients, seed in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            written = generate(clients, seed).write(Path(folder))
            paths = [str(p) for p in sorted(Path(written).glob("*.toml"))]
            schedules = load_caseload(paths)
            books = rulebooks_for(paths, schedules, None)
            starts = [dose.start for s in schedules for dose in s.doses()[0]]
            therapist = load_therapist(str(Path(folder) / "therapist.toml"), starts)
            plans = build_caseload(schedules, books, therapist, texts=texts)
            requests = session_requests(schedules, books, therapist, texts=texts)
        rules = {r.id for book in books for r in book.rule if r.placement is Placement.SESSION}
        unmet, lateness, crowded = measure(plans, rules)
        lower = bound(requests, therapist)
        hours = f"{lateness / 60:,.0f} h ({lateness / 60 / max(unmet, 1):,.1f} h)"
        rows.append(
            f"| {clients} ({seed}) | {len(requests):,} | {unmet:,} | {lower:,} | {hours} "
            f"| {crowded:,} |"
        )
    return "\n".join(rows)


def write_readme(table: str) -> None:
    """Replace the table between the markers in README.md."""
    readme = README.read_text(encoding="utf-8")
    start, end = readme.index(MARKERS[0]), readme.index(MARKERS[1])
    README.write_text(
        readme[: start + len(MARKERS[0])] + "\n" + table + "\n" + readme[end:], encoding="utf-8"
    )


def main() -> None:
    """Print the table; write it into the README with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the table into README.md")
    table = run()
    print(table)
    if parser.parse_args().write:
        write_readme(table)


if __name__ == "__main__":
    main()
