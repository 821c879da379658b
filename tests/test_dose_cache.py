"""A schedule's doses are expanded once per run, and each schedule gets its own."""

from __future__ import annotations

from unittest import mock

from kapplan import api
from kapplan.edge import load as load_module
from kapplan.engine import caseload as caseload_module
from kapplan.model import doses as doses_module
from kapplan.model.doses import DoseExpansion
from kapplan.model.limits import DEFAULT_LIMITS, Limits
from kapplan.model.schedule import Schedule
from tests.conftest import ROOT
from tests.plans import doses, schedule


def test_a_run_expands_each_schedules_doses_once() -> None:
    """Loading checks a schedule's doses, the therapist's busy calendar is read for the time
    they span, and the engine plans with them: one expansion per schedule serves all three,
    handed from one to the next (nothing is kept between calls)."""
    calls: list[Schedule] = []
    original = doses_module.expand_doses

    def counting(schedule: Schedule, limits: Limits = DEFAULT_LIMITS) -> DoseExpansion:
        calls.append(schedule)
        return original(schedule, limits)

    clients = sorted(str(p) for p in (ROOT / "examples" / "caseload").glob("*.toml"))
    therapist = str(ROOT / "examples" / "therapist" / "lisbon.toml")
    with (
        mock.patch.object(load_module, "expand_doses", counting),
        mock.patch.object(caseload_module, "expand_doses", counting),
    ):
        planned = api.plan_files(clients, therapist=therapist)
    assert len(planned.plans) == len(clients) == 3
    assert sorted(s.client for s in calls) == sorted(p.client for p in planned.plans)


def test_other_doses_or_another_zone_are_expanded_again() -> None:
    """A schedule with other doses, or the same wall times in another zone, is its own."""
    berlin = schedule(doses("2031-03-03T10:00:00"))
    tokyo = schedule(doses("2031-03-03T10:00:00"), timezone="Asia/Tokyo")
    later = schedule(doses("2031-03-04T10:00:00"))
    starts = [s.doses()[0][0].start.isoformat() for s in (berlin, tokyo, later)]
    assert starts == [
        "2031-03-03T10:00:00+01:00",
        "2031-03-03T10:00:00+09:00",
        "2031-03-04T10:00:00+01:00",
    ]
