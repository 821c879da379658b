"""Fast paths agree with the plain code they stand in for.

The engine, the catalogues and the ICS writer take short cuts for speed
(see the README, "Performance"); each is checked here against the slower,
obvious way of computing the same thing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from kapplan.engine import build_caseload
from kapplan.engine.calendar import TherapistCalendar
from kapplan.engine.calendar import plus_months as _plus_months
from kapplan.formats.ical import _TEXT_TABLE
from kapplan.formats.ical import escape_text as _escape
from kapplan.i18n import _Formatter, catalogue
from kapplan.model.hours import HourRange, TherapistHours
from tests.plans import TEXTS, doses, rulebook, schedule


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.integers(min_value=-40, max_value=40),
    st.integers(min_value=-60, max_value=60),
)
def test_calendar_months_move_as_relativedelta_moves_them(
    day: date, months: int, days: int
) -> None:
    """Months then days, the day of the month clipped to the month's last (31 Jan + 1 mo)."""
    assert _plus_months(day, months) + timedelta(days=days) == day + relativedelta(
        months=months, days=days
    )
    wall = datetime.combine(day, datetime.min.time()).replace(hour=10, minute=30)
    assert _plus_months(wall, months) == wall + relativedelta(months=months)


@given(st.text(alphabet=st.characters(max_codepoint=0x2100)))
def test_text_escaping_matches_the_character_table(text: str) -> None:
    """The four-replacement fast path escapes exactly as the full RFC 5545 table does."""
    assert _escape(text) == text.replace("\r\n", "\n").translate(_TEXT_TABLE)


@given(st.text(alphabet="\\;,\n\r\x0b\x1c\x1f\x7f\x85\u2028\t ab"))
def test_text_escaping_of_specials_and_controls(text: str) -> None:
    """Dense in the characters either path treats specially."""
    assert _escape(text) == text.replace("\r\n", "\n").translate(_TEXT_TABLE)


PIECES = st.sampled_from(
    (
        "{n}",
        "{n:plural:day|days}",
        "{n:02}",
        "{x!r}",
        "{x:>6}",
        "{when:%H:%M}",
        "{{",
        "}}",
        "{{n}}",
        "text ",
        "день ",
        ":",
        "|",
    )
)


@given(st.lists(PIECES, max_size=8), st.integers(min_value=0, max_value=125))
def test_messages_fill_in_as_the_plural_formatter_does(pieces: list[str], n: int) -> None:
    """Compiled templates give what `string.Formatter` with the plural spec gives."""
    template = "".join(pieces)
    texts = catalogue("en")
    params = {"n": n, "x": "a;b", "when": datetime(2026, 12, 1, 9, 5)}
    assert texts.format(template, **params) == _Formatter(texts.plural).vformat(
        template, (), params
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_catalogue_message_fills_in_as_before(lang: str) -> None:
    """Every shipped message, with numbers that take each plural form."""
    texts = catalogue(lang)
    moment = datetime(2026, 12, 1, 9, 5)
    for key, template in texts.messages.items():
        fields = [(name, spec) for _, name, spec, _ in _Formatter(texts.plural).parse(template)]
        for n in (0, 1, 2, 5, 21):
            # A count where a number goes, a time where a time format goes.
            params: dict[str, object] = {
                name: moment if spec and "%" in spec else n for name, spec in fields if name
            }
            expected = _Formatter(texts.plural).vformat(template, (), params)
            assert texts.format(template, **params) == expected, key


DAYS = (1, 4, 8)


def test_skipping_days_without_room_changes_no_placement(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crowded therapist's days with no room left are skipped in searches; planning
    the same caseload without that short cut places every session the same way."""
    clients = [
        schedule(
            f'client = "C{i}"\n' + doses(*(f"2026-12-{d:02}T{9 + i % 4:02}:00:00" for d in DAYS)),
            "Europe/Lisbon",
        )
        for i in range(12)
    ]
    therapist = TherapistHours(
        zone=ZoneInfo("Europe/Lisbon"),
        weekdays=frozenset(range(5)),
        ranges=(HourRange(9 * 60, 12 * 60), HourRange(13 * 60, 15 * 60)),
        buffer=timedelta(minutes=10),
        max_per_day=6,
    )
    rules = rulebook(
        "dose", "rest", "integration-session", "week-2-anchoring", "relapse-prevention"
    )
    skipped: list[date] = []
    has_room = TherapistCalendar._has_room

    def counting(practice: TherapistCalendar, t: TherapistHours, day: date, n: timedelta) -> bool:
        room = has_room(practice, t, day, n)
        if not room:
            skipped.append(day)
        return room

    monkeypatch.setattr(TherapistCalendar, "_has_room", counting)
    fast = build_caseload(clients, rules, therapist, texts=TEXTS)
    assert skipped, "no day ran out of room: the test no longer exercises the short cut"
    monkeypatch.setattr(TherapistCalendar, "_has_room", lambda *_: True)
    plain = build_caseload(clients, rules, therapist, texts=TEXTS)
    assert fast == plain


_ZONES = st.sampled_from(
    [
        ZoneInfo("UTC"),
        ZoneInfo("Europe/Berlin"),
        ZoneInfo("Asia/Kathmandu"),
        ZoneInfo("America/St_Johns"),
    ]
)


@given(
    st.lists(
        st.tuples(st.integers(0, 2000), st.integers(1, 300), _ZONES),
        min_size=1,
        max_size=12,
    ),
    st.integers(-100, 2400),
    st.integers(1, 300),
)
def test_a_timeline_in_any_zone_answers_as_plain_intervals(
    spans: list[tuple[int, int, ZoneInfo]], at: int, length: int
) -> None:
    """Busy time added in any zone is kept in UTC (so bisect compares plain values) and
    answers as the plain list of intervals it was given does."""
    from kapplan.engine.calendar import Timeline

    base = datetime(2027, 3, 27, tzinfo=UTC)
    timeline = Timeline()
    plain: list[tuple[datetime, datetime]] = []
    for offset, minutes, zone in spans:
        start = base + timedelta(minutes=offset)
        end = start + timedelta(minutes=minutes)
        timeline.add(start.astimezone(zone), end.astimezone(zone))
        plain.append((start, end))
    assert all(t.tzinfo is UTC for t in (*timeline.starts, *timeline.ends))
    lo = base + timedelta(minutes=at)
    hi = lo + timedelta(minutes=length)
    overlapping = [(a, b) for a, b in plain if a < hi and b > lo]
    assert (timeline.first_overlap(lo, hi) is None) == (not overlapping)
    if overlapping:
        first = timeline.first_overlap(lo, hi)
        assert first is not None
        assert first[0] <= min(a for a, _ in overlapping) < hi
