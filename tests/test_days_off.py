"""Days off and public holidays: the codes, the dates they stand for, the years resolved."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from kapplan.model.days_off import (
    HOLIDAYS_EXAMPLE,
    check_holidays,
    dates_off,
    holiday_dates,
    plan_years,
)
from kapplan.model.schedule import Availability

BERLIN = ZoneInfo("Europe/Berlin")


class TestHolidaysCode:
    """`holidays`: a country's ISO 3166-1 alpha-2 code, optionally a subdivision."""

    @pytest.mark.parametrize(
        ("written", "code"),
        [
            ("PT", "PT"),
            ("pt", "PT"),
            (" de ", "DE"),
            ("US-NY", "US-NY"),
            ("us-ny", "US-NY"),
            ("ES-MD", "ES-MD"),
            ("GB-eng", "GB-ENG"),
        ],
    )
    def test_codes_in_any_case_are_spelled_as_the_library_does(
        self, written: str, code: str
    ) -> None:
        """A code in any case, with spaces around it, is read and written back in capitals."""
        assert check_holidays(written) == code

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            (
                "XX",
                "unknown country 'XX'; expected an ISO 3166-1 alpha-2 country code, "
                f"optionally with a subdivision: {HOLIDAYS_EXAMPLE}",
            ),
            ("PRT", "unknown country 'PRT'; expected its ISO 3166-1 alpha-2 code: 'PT'"),
            ("UK", "unknown country 'UK'; expected its ISO 3166-1 alpha-2 code: 'GB'"),
            ("Portugal", "unknown country 'Portugal'; expected its ISO 3166-1 alpha-2 code: 'PT'"),
            (
                "GB-England",
                "unknown subdivision 'England' of GB; expected its code: 'GB-ENG'",
            ),
            (
                "GB-XX",
                "unknown subdivision 'XX' of GB; expected one of ENG, NIR, SCT, WLS, "
                "written as 'GB-ENG'",
            ),
            (
                "GB-",
                "nothing after 'GB-'; expected 'GB' alone, or one of ENG, NIR, SCT, WLS, "
                "written as 'GB-ENG'",
            ),
            ("AF-KAB", "AF has no subdivisions; expected 'AF' alone"),
        ],
    )
    def test_unknown_codes_say_what_to_write(self, written: str, message: str) -> None:
        """An unknown country or subdivision names its code when the name is known, else
        the choices or an example."""
        with pytest.raises(ValueError, match=r".") as caught:
            check_holidays(written)
        assert str(caught.value) == message

    def test_a_bad_code_is_a_validation_error_at_the_field(self) -> None:
        """In a model, the problem is pydantic's, at the `holidays` field."""
        with pytest.raises(ValidationError) as caught:
            Availability.model_validate({"holidays": "XX"})
        (error,) = caught.value.errors(include_url=False)
        assert error["loc"] == ("holidays",)


class TestHolidayDates:
    """The public holidays of a country, or of one of its subdivisions, in some years."""

    def test_a_countrys_holidays_in_the_years_asked(self) -> None:
        """Portugal's holidays of 2026 include 1 and 8 December and Christmas, not Christmas
        Eve; no date outside the years asked is given."""
        found = holiday_dates("PT", [2026])
        assert {date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 25)} <= found
        assert date(2026, 12, 24) not in found
        assert {day.year for day in found} == {2026}

    def test_a_subdivision_adds_its_own_holidays(self) -> None:
        """New York keeps Lincoln's Birthday (12 February) and Madrid its own 7 December
        2026; neither country does as a whole."""
        assert date(2027, 2, 12) in holiday_dates("US-NY", [2027])
        assert date(2027, 2, 12) not in holiday_dates("US", [2027])
        assert date(2026, 12, 7) in holiday_dates("ES-MD", [2026])
        assert date(2026, 12, 7) not in holiday_dates("ES", [2026])

    def test_observed_days_are_days_off(self) -> None:
        """A holiday on a weekend observed on a weekday makes that weekday a day off too:
        England's Boxing Day 2026 (a Saturday) is observed on Monday 28 December."""
        assert date(2026, 12, 28) in holiday_dates("GB-ENG", [2026])


class TestDatesOff:
    """`days_off` entries and `holidays` together."""

    def test_runs_include_both_ends_and_join_the_holidays(self) -> None:
        """A run's first and last day are off, the days around it are not; holidays join."""
        available = Availability.model_validate(
            {"days_off": ["2026-12-02..2026-12-03", date(2026, 12, 10)], "holidays": "DE"}
        )
        found = available.dates_off(range(2026, 2027))
        assert {date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 10)} <= found
        assert date(2026, 12, 1) not in found
        assert date(2026, 12, 4) not in found
        assert {date(2026, 12, 25), date(2026, 12, 26)} <= found

    def test_without_holidays_only_the_listed_days(self) -> None:
        """Without `holidays`, the days off are the listed dates alone, whatever the years."""
        found = dates_off(
            Availability.model_validate({"days_off": ["2026-12-24"]}).days_off, None, ()
        )
        assert found == {date(2026, 12, 24)}

    def test_no_years_no_holidays(self) -> None:
        """Holidays are resolved for the years given, and none for none."""
        assert dates_off((), "DE", ()) == frozenset()


class TestPlanYears:
    """The years a plan can reach: from weeks before the first dose to the long arc's end."""

    def test_a_december_course_reaches_two_years_on(self) -> None:
        """Doses in December 2026 plan into early 2028 at most (14 months after the last)."""
        starts = [
            datetime(2026, 12, 1, 10, tzinfo=BERLIN),
            datetime(2026, 12, 18, 10, tzinfo=BERLIN),
        ]
        assert plan_years(starts) == range(2026, 2029)

    def test_a_january_dose_reaches_back_into_december(self) -> None:
        """A preparation session can fall in the year before a dose of early January."""
        assert plan_years([datetime(2027, 1, 15, 10, tzinfo=BERLIN)])[0] == 2026

    def test_the_last_plannable_year_stops_at_the_last_date(self) -> None:
        """A dose late in year 9998 reaches the end of year 9999, not past it."""
        assert plan_years([datetime(9998, 12, 31, 10, tzinfo=BERLIN)]) == range(9998, 10000)
