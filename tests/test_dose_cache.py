"""A schedule's doses are expanded once, and every caller gets its own lists."""

from __future__ import annotations

from unittest import mock

from kapplan.model.schedule import Schedule
from tests.plans import doses, schedule


def test_doses_are_expanded_once_for_copies_that_keep_them() -> None:
    """The loader, the therapist's file and the engine each ask (the engine of a copy with
    another session length): the series is expanded once, and each gets fresh lists."""
    calls: list[Schedule] = []
    original = Schedule._expand_doses

    def counting(self: Schedule, limits: object) -> object:
        calls.append(self)
        return original(self, limits)  # type: ignore[arg-type]

    with mock.patch.object(Schedule, "_expand_doses", counting):
        client = schedule(  # a series of its own: no other test has expanded it
            "[[series]]\nstart = 2031-03-03T10:07:00\n"
            'rrule = "FREQ=WEEKLY;COUNT=3"\nmethod = "iv"\n'
        )
        first, _ = client.doses()
        first.clear()
        copy = client.model_copy(update={"language": "ru"})
        again, _ = copy.doses()
        assert client.dose_problems() == []
    assert len(calls) == 1
    assert [d.start.isoformat() for d in again] == [
        "2031-03-03T10:07:00+01:00",
        "2031-03-10T10:07:00+01:00",
        "2031-03-17T10:07:00+01:00",
    ]


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
