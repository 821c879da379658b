"""Days off: dates, runs of dates and a country's public holidays. Pure.

A schedule's ``[availability]`` and a therapist's ``[therapist]`` table name
days off the same way: ``days_off`` lists dates, ``{from = …, to = …}`` runs
(both ends included), ``"2026-12-24"`` or ``"2026-12-24..2027-01-02"``; and
``holidays = "PT"`` names a country (ISO 3166-1 alpha-2), optionally with a
subdivision (ISO 3166-2: ``"US-NY"``, ``"ES-MD"``), whose public holidays are
days off too.

Public holidays are computed by the `holidays` library: rules and tables in
the package, no network and no data files of ours. It is imported only when a
file names ``holidays``. Holidays are resolved for the years a plan can reach
(`plan_years`, from the doses), never for every year: the caller passes the
years as data. The library names each holiday in the locale's language, which
it reads from the environment; kapplan uses only the dates.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from kapplan.model.limits import plan_reach

#: The longest range of days off one entry may span, in days (about three years):
#: every date is kept in memory.
MAX_DAYS_OFF_SPAN = 3 * 366

#: All days off together may count at most this many days (ten years), ranges
#: counted in full even where they overlap.
MAX_DAYS_OFF_TOTAL = 10 * 366

#: What `holidays` looks like, for messages and the JSON Schema.
HOLIDAYS_EXAMPLE = "e.g. 'PT', 'DE', 'US-NY' or 'ES-MD'"


def _date(value: object) -> object:
    """Accept TOML dates and ISO strings; refuse date-times, which would hide a time."""
    if isinstance(value, datetime):
        raise ValueError(f"{value.isoformat()} is a date and time; expected a date")
    if isinstance(value, time):
        raise ValueError(f"{value.isoformat()} is a time; expected a date")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"cannot read {value!r} as a date; expected e.g. 2026-12-24") from None
    return value


DateField = Annotated[date, BeforeValidator(_date)]


class DaysOff(BaseModel):
    """A run of days off, both ends included: ``{from = 2026-12-24, to = 2027-01-02}``."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    first: DateField = Field(alias="from", description="First day off (a date).")
    last: DateField = Field(alias="to", description="Last day off, included (a date).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last < self.first:
            raise ValueError(
                f"ends on {self.last.isoformat()}, before it starts on {self.first.isoformat()}; "
                "expected 'to' on or after 'from'"
            )
        span = (self.last - self.first).days + 1
        if span > MAX_DAYS_OFF_SPAN:
            raise ValueError(
                f"spans {span} days; expected at most {MAX_DAYS_OFF_SPAN} (about three years)"
            )
        return self

    def __str__(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def dates(self) -> list[date]:
        """Return every day of the run, in order.

        Returns:
            The dates from `first` to `last`, both included.
        """
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _days_off(value: object) -> object:
    """Turn a date, ``"2026-12-24"`` or ``"2026-12-24..2027-01-02"`` into a `DaysOff` table."""
    if isinstance(value, str) and ".." in value:
        first, _, last = value.partition("..")
        return {"from": _date(first), "to": _date(last)}
    if isinstance(value, str | date | datetime | time):
        day = _date(value)
        return {"from": day, "to": day}
    if isinstance(value, dict):
        # Checked here so the message names the TOML keys, not the fields behind them.
        unknown = [key for key in value if key not in ("from", "to")]
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r}; expected from, to")
    return value


def _total(value: tuple[DaysOff, ...]) -> tuple[DaysOff, ...]:
    total = sum((entry.last - entry.first).days + 1 for entry in value)
    if total > MAX_DAYS_OFF_TOTAL:
        raise ValueError(
            f"the days off add up to {total} days; expected at most {MAX_DAYS_OFF_TOTAL}"
        )
    return value


#: A ``days_off`` list: each entry a date, a string or a ``{from, to}`` table.
DaysOffList = Annotated[
    tuple[Annotated[DaysOff, BeforeValidator(_days_off)], ...], AfterValidator(_total)
]


def check_holidays(value: str) -> str:
    """Check a ``holidays`` code and return it as the library spells it.

    Parameters:
        value: A country's ISO 3166-1 alpha-2 code (``PT``), optionally a hyphen
            and one of its subdivisions (``US-NY``, ``ES-MD``), in any case.

    Returns:
        The code, e.g. ``US-NY``.

    Raises:
        ValueError: For a country or subdivision the `holidays` library does not
            know; the message names the close matches, or an example.
    """
    import holidays

    written = value.strip()
    country, dash, part = (p.strip() for p in written.partition("-"))
    code = country.upper()
    if code not in _country_codes():
        raise ValueError(f"unknown country {country!r}; expected {_country_hint(country)}")
    if not dash:
        return code
    found = holidays.country_holidays(code, years=())
    codes = tuple(found.subdivisions)
    match = next((c for c in codes if c.casefold() == part.casefold()), None)
    if match is not None:
        return f"{code}-{match}"
    if not codes:
        raise ValueError(f"{code} has no subdivisions; expected {code!r} alone")
    aliases = {name.casefold(): c for name, c in found.subdivisions_aliases.items()}
    if part.casefold() in aliases:
        hint = f"its code: '{code}-{aliases[part.casefold()]}'"
    else:
        hint = f"one of {', '.join(codes)}, written as '{code}-{codes[0]}'"
    if not part:
        raise ValueError(f"nothing after '{code}-'; expected {code!r} alone, or {hint}")
    raise ValueError(f"unknown subdivision {part!r} of {code}; expected {hint}")


def _country_codes() -> frozenset[str]:
    """Return the alpha-2 codes of the countries the library knows (no country is loaded)."""
    from holidays.registry import COUNTRIES

    return frozenset(entry[1] for entry in COUNTRIES.values())


def _country_hint(written: str) -> str:
    """Say what to write instead of an unknown country: its code, if the name is known."""
    from holidays.registry import COUNTRIES

    names: dict[str, str] = {}
    for key, (name, code, *aliases) in COUNTRIES.items():
        for spelling in (key.replace("_", " "), name, *aliases):
            names.setdefault(spelling.casefold(), code)
    wanted = written.replace("_", " ").casefold()
    close = [wanted] if wanted in names else difflib.get_close_matches(wanted, names, n=3)
    codes = list(dict.fromkeys(names[c] for c in close))
    if codes:
        return "its ISO 3166-1 alpha-2 code: " + " or ".join(repr(c) for c in codes)
    return f"an ISO 3166-1 alpha-2 country code, optionally with a subdivision: {HOLIDAYS_EXAMPLE}"


#: A ``holidays`` code, checked and spelled as the library spells it.
HolidaysCode = Annotated[str, AfterValidator(check_holidays)]


def holiday_dates(code: str, years: Iterable[int]) -> frozenset[date]:
    """Return the public holidays of a country or subdivision in some years.

    Parameters:
        code: A code `check_holidays` returned, e.g. ``PT`` or ``US-NY``.
        years: The years to resolve (see `plan_years`).

    Returns:
        The holidays' dates, observed days included (a holiday moved off a
        weekend is a day off too).
    """
    import holidays

    country, _, part = code.partition("-")
    return frozenset(holidays.country_holidays(country, subdiv=part or None, years=years))


def dates_off(
    entries: Iterable[DaysOff], holidays: str | None, years: Iterable[int]
) -> frozenset[date]:
    """Return every day off: the runs expanded, and the holidays of `years`.

    Parameters:
        entries: The ``days_off`` entries.
        holidays: A ``holidays`` code, or None.
        years: The years to resolve holidays for (see `plan_years`).

    Returns:
        The dates, on the clock of whoever takes them off.
    """
    days = frozenset(day for entry in entries for day in entry.dates())
    if holidays is None:
        return days
    return days | holiday_dates(holidays, years)


def plan_years(starts: Iterable[datetime]) -> range:
    """Return the years a plan of these doses can place events in (see `plan_reach`).

    Parameters:
        starts: When the doses start (at least one).

    Returns:
        From the year of the first dose's reach to that of the last dose's:
        usually two or three years.
    """
    moments = list(starts)
    first, last = plan_reach(min(moments), max(moments))
    return range(first.year, last.year + 1)


__all__ = [
    "HOLIDAYS_EXAMPLE",
    "MAX_DAYS_OFF_SPAN",
    "MAX_DAYS_OFF_TOTAL",
    "DateField",
    "DaysOff",
    "DaysOffList",
    "HolidaysCode",
    "check_holidays",
    "dates_off",
    "holiday_dates",
    "plan_years",
]
