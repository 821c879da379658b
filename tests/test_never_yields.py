"""A rule that can never match is told from one that can, also by the short cut that
answers for weekly and daily rules picking days by weekday alone (issue 16)."""

from __future__ import annotations

from datetime import datetime

from dateutil import rrule
from hypothesis import given
from hypothesis import strategies as st

from kapplan.model.limits import _never_matches, _weekly_or_daily_on_weekdays, never_yields

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

#: Parts a rule may have besides FREQ and BYDAY: some keep it to weekdays, some do not.
_PARTS = st.lists(
    st.sampled_from(
        [
            "INTERVAL=2",
            "INTERVAL=3",
            "COUNT=4",
            "BYMONTH=2",
            "BYMONTHDAY=30",
            "BYMONTHDAY=-1",
            "BYYEARDAY=60",
            "BYWEEKNO=53",
            "BYSETPOS=1",
            "BYHOUR=9",
        ]
    ),
    max_size=3,
    unique=True,
)


@given(
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    st.lists(st.sampled_from(_DAYS), max_size=3, unique=True),
    _PARTS,
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_the_short_cut_answers_as_the_search_of_400_years(
    freq: str, days: list[str], parts: list[str], start: datetime
) -> None:
    """`never_yields` answers as the look at the calendar's last 400 years does, and the
    short cut it takes for weekly and daily rules on weekdays is never wrong."""
    text = ";".join([f"FREQ={freq}", *([f"BYDAY={','.join(days)}"] if days else []), *parts])
    try:
        rule = rrule.rrulestr(text, dtstart=start.replace(microsecond=0))
    except ValueError:
        return  # dateutil refuses the combination: nothing to expand
    assert isinstance(rule, rrule.rrule)
    slow = _never_matches(rule, start.replace(microsecond=0))
    assert never_yields(rule, start.replace(microsecond=0)) == slow
    if _weekly_or_daily_on_weekdays(rule):
        assert not slow


def test_the_short_cut_takes_the_common_series_and_leaves_the_rest() -> None:
    """The series a dose schedule usually has take the short cut; a rule restricted by
    month, day of the month or position does not."""
    start = datetime(2026, 3, 2, 10)

    def taken(text: str) -> bool:
        rule = rrule.rrulestr(text, dtstart=start)
        assert isinstance(rule, rrule.rrule)
        return _weekly_or_daily_on_weekdays(rule)

    assert taken("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6")
    assert taken("FREQ=DAILY;COUNT=5")
    assert taken("FREQ=WEEKLY;INTERVAL=2;UNTIL=20270101T000000")
    assert not taken("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    assert not taken("FREQ=MONTHLY;BYDAY=MO")
    assert not taken("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1")
    rule = rrule.rrulestr("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", dtstart=start)
    assert isinstance(rule, rrule.rrule)
    assert never_yields(rule, start)
