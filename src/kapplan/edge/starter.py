"""Starter schedules: the commented TOML file `kapplan init` writes.

Answers in, text out; nothing here reads a file, the clock or the machine's
zone (the shell passes "today" and the zone in). The questions, their
defaults and their checks live here so that flags and interactive prompts
share them. A starter writes dated ``[[infusion]]`` tables rather than a
``[[series]]``, because people edit single dates when the clinic moves one.

How often doses come (``--every``) is written in a small language:

- ``3d``: every 3 days (1–60); ``daily`` is ``1d``;
- ``2w``: every 2 weeks (1–8); ``weekly`` is ``1w``;
- ``2/week``: that many doses in each week (1–7), spread as evenly as whole
  days allow from the first dose's weekday: ``2/week`` from a Monday gives
  Monday and Thursday, ``3/week`` Monday, Wednesday and Friday.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import tomli_w
from msgspec import Struct
from pydantic import BaseModel

from kapplan.errors import BadAnswer
from kapplan.i18n import Catalogue
from kapplan.model.doses import DEFAULT_DOSE_MINUTES
from kapplan.model.fields import LANGUAGES, METHOD_ALIASES, numeric_date_problem
from kapplan.model.plan import Method
from kapplan.model.schedule import Availability, PlanSettings, Schedule
from kapplan.model.zones import close_zones, known_zone, zones_of_city


class Preset(StrEnum):
    """The starting points `kapplan init` offers."""

    CUSTOM = "custom"
    """Your own method, first date, number of doses and interval."""
    IV_SIX = "iv-six"
    """A six-infusion IV course, two or three a week (sources 000, 001)."""
    ESKETAMINE = "esketamine"
    """Esketamine (Spravato) on the product label's schedule."""
    ORAL = "oral"
    """An at-home oral or sublingual course."""


#: Bounds of the answers, checked for flags and prompts alike.
MAX_DOSES = 60
MAX_MAINTENANCE = 52
FIRST_YEAR, LAST_YEAR = 2000, 2099

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Every(Struct, frozen=True):
    """How often doses come: every `days` days, or `per_week` doses in each week."""

    days: int = 0
    """Days between doses; 0 when `per_week` is used."""
    per_week: int = 0
    """Doses in each week, spread from the first dose's weekday; 0 when `days` is used."""

    def offsets(self, count: int) -> list[int]:
        """Return the day of each of `count` doses, counted from the first (day 0)."""
        if self.per_week:
            n = self.per_week
            return [7 * (i // n) + (i % n) * 7 // n for i in range(count)]
        return [i * self.days for i in range(count)]

    def describe(self) -> str:
        """Say it in words, e.g. ``twice a week`` or ``every 2 weeks``."""
        if self.per_week:
            times = {1: "once", 2: "twice"}.get(self.per_week, f"{self.per_week} times")
            return f"{times} a week"
        if self.days == 1:
            return "every day"
        if self.days % 7 == 0:
            weeks = self.days // 7
            return "every week" if weeks == 1 else f"every {weeks} weeks"
        return f"every {self.days} days"

    def __str__(self) -> str:
        """Return it in the ``--every`` language: ``2/week``, ``2w`` or ``3d``."""
        if self.per_week:
            return f"{self.per_week}/week"
        return f"{self.days // 7}w" if self.days % 7 == 0 else f"{self.days}d"


class PresetInfo(Struct, frozen=True):
    """What a preset fixes and suggests."""

    method: Method | None
    """The method it is for; None when the person chooses (custom)."""
    count: int
    """Default number of doses (for esketamine: of maintenance doses after week 8)."""
    every: str
    """Default interval, in the ``--every`` language."""
    at: time
    """Default time of day of a dose."""
    about: tuple[str, ...]
    """Comment lines for the file's header: what it is and its source."""


PRESETS: dict[Preset, PresetInfo] = {
    Preset.CUSTOM: PresetInfo(
        method=None,
        count=6,
        every="2/week",
        at=time(10, 0),
        about=("Custom: the method, dates and interval are your answers to `kapplan init`.",),
    ),
    Preset.IV_SIX: PresetInfo(
        method=Method.IV,
        count=6,
        every="2/week",
        at=time(10, 0),
        about=(
            "Preset iv-six: a clinic course of IV infusions.",
            "Source: 000 (Ketamine Integration · Post-KAP Support), which plans",
            'integration "around a 6-infusion KAP course", and 001 (Integration',
            'Therapy After Ketamine Treatment): "serial ketamine infusion protocols',
            '(two to three treatments per week)".',
        ),
    ),
    Preset.ESKETAMINE: PresetInfo(
        method=Method.ESKETAMINE,
        count=4,
        every="2w",
        at=time(10, 0),
        about=(
            "Preset esketamine: Spravato (esketamine nasal spray) on its label's schedule.",
            "Source: the product label (SPRAVATO US prescribing information, dosage",
            "for treatment-resistant depression): induction twice a week in weeks 1-4,",
            "once a week in weeks 5-8, from week 9 every 2 weeks or once a week, at the",
            "least frequent dosing that keeps the response. Source 000 names Spravato among",
            "the treatments its integration schedule serves. Each dose block includes",
            "the label's 2 hours of observation on site; no driving until the next day.",
            "Maintenance goes on as long as the clinic decides: add doses as needed.",
        ),
    ),
    Preset.ORAL: PresetInfo(
        method=Method.ORAL,
        count=8,
        every="2/week",
        at=time(19, 0),
        about=(
            "Preset oral: an at-home oral or sublingual course, evening doses.",
            "Source: none of kapplan's sources gives an at-home dosing schedule (003,",
            "How to Make Ketamine Therapy Results Last, describes at-home ketamine",
            "therapy without one); this follows kapplan's examples/oral-at-home.toml,",
            "two doses a week for four weeks, as a starting point. Use your",
            "prescriber's dates. Have a sitter or support person nearby for each dose.",
        ),
    ),
}

#: The esketamine label's fixed phases before maintenance: (first day, doses, interval, title).
ESKETAMINE_PHASES = (
    (0, 8, Every(per_week=2), "Induction, weeks 1-4: twice a week (label)."),
    (28, 4, Every(days=7), "Weeks 5-8: once a week (label)."),
)
#: Maintenance starts in week 9 (label).
ESKETAMINE_MAINTENANCE_DAY = 56


class Answers(Struct, frozen=True):
    """Everything a starter schedule is made from."""

    preset: Preset
    timezone: str
    """IANA zone of every date in the file."""
    method: str
    """The method as the person spelled it (a key of `METHOD_ALIASES`)."""
    start: datetime
    """The first dose, local (naive) time in `timezone`."""
    count: int
    """Number of doses; for esketamine, of maintenance doses after week 8."""
    every: Every
    """Interval; for esketamine, of the maintenance doses."""
    client: str = ""
    dates: tuple[datetime, ...] = ()
    """Every dose's local start, as a letter from the clinic lists them (``--dose``); when
    given, they are the doses, and `start`, `count` and `every` are not used."""
    language: str = ""
    """The plan's language (``--lang``); empty leaves it to the config file, else ``en``."""
    discreet: bool | None = None
    """Whether the calendar is shared (``--discreet``): neutral titles; None leaves it unset."""

    def phases(self) -> list[tuple[int, int, Every, str]]:
        """Return the runs of doses: (first day, doses, interval, comment title)."""
        if self.preset is Preset.ESKETAMINE:
            runs = list(ESKETAMINE_PHASES)
            if self.count:
                runs.append(
                    (
                        ESKETAMINE_MAINTENANCE_DAY,
                        self.count,
                        self.every,
                        f"Maintenance from week 9: {self.every.describe()} (label: weekly or "
                        "every 2 weeks).",
                    )
                )
            return runs
        what = f"{self.count} {self.method} dose{'s' if self.count != 1 else ''}"
        return [(0, self.count, self.every, f"The course: {what}, {self.every.describe()}.")]

    def runs(self) -> list[tuple[str, list[datetime]]]:
        """Return the runs of doses as the file lists them: (comment title, local starts)."""
        if self.dates:
            n = len(self.dates)
            what = f"{n} {self.method} dose{'s' if n != 1 else ''}"
            return [(f"The course: {what}, on the dates given.", sorted(self.dates))]
        return [
            (title, [self.start + timedelta(days=first + o) for o in every.offsets(count)])
            for first, count, every, title in self.phases()
        ]

    def doses(self) -> list[datetime]:
        """Return every dose's local start, in order."""
        return [moment for _, moments in self.runs() for moment in moments]


class Question(Struct, frozen=True):
    """One answer `kapplan init` needs: its flag, its prompt, its default and its check."""

    key: str
    """The `Answers` field it fills."""
    flag: str
    prompt: str
    default: str
    parse: Callable[[str], Any]
    """Turn the text of a flag or a reply into the value; raises `BadAnswer`."""
    explain: str = ""
    """Shown once before the prompt."""
    ask: bool = True
    """Whether interactive mode asks it (otherwise only the flag sets it)."""
    many: bool = False
    """A list: the flag is repeated, the prompt asked until an empty line; `parse`
    reads the answers joined by newlines."""


def parse_preset(text: str) -> Preset:
    """Read a preset name.

    Parameters:
        text: E.g. ``iv-six``.

    Returns:
        The preset.

    Raises:
        BadAnswer: For an unknown name.
    """
    try:
        return Preset(text.strip().lower())
    except ValueError:
        raise BadAnswer(
            f"unknown preset {text.strip()!r}; expected one of {', '.join(Preset)}",
            field="--preset",
        ) from None


def parse_timezone(text: str) -> str:
    """Read an IANA zone name, or a city that is the last part of one (``London``).

    Parameters:
        text: E.g. ``Europe/Berlin``, ``new york`` or ``lisbon``.

    Returns:
        The zone's IANA name (a city's zone when a city was given; the shell says which).

    Raises:
        BadAnswer: When no such zone or city is known (naming the closest names).
    """
    name = text.strip()
    if known_zone(name) is not None:
        return name
    cities = zones_of_city(name)
    if cities:
        return cities[0]
    close = close_zones(name)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise BadAnswer(
        f"unknown time zone {name!r}{hint}; expected an IANA name such as Europe/Berlin, "
        "or a city such as London",
        field="--timezone",
    )


def parse_method(text: str, preset: Preset = Preset.CUSTOM) -> str:
    """Read a method, which must be the preset's own when a preset fixes one.

    Parameters:
        text: E.g. ``iv`` or ``sublingual``.
        preset: The chosen preset.

    Returns:
        The name as given, lower-case (an alias such as ``spravato`` is kept).

    Raises:
        BadAnswer: For an unknown method or one another preset is for.
    """
    name = text.strip().lower()
    method = METHOD_ALIASES.get(name)
    if method is None:
        raise BadAnswer(
            f"unknown method {text.strip()!r}; expected one of iv, im, esketamine, oral "
            "(or spravato, sublingual, troche, lozenge)",
            field="--method",
        )
    fixed = PRESETS[preset].method
    if fixed is not None and method is not fixed:
        raise BadAnswer(
            f"{name} does not fit --preset {preset}; expected {fixed} "
            "(or --preset custom for another method)",
            field="--method",
        )
    return name


def parse_start(text: str, at: time = time(10, 0), flag: str = "--start") -> datetime:
    """Read the first dose's date (or any dose's), with or without a time.

    Parameters:
        text: ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM`` or ``YYYY-MM-DDTHH:MM[:SS]``.
        at: The time of day when only a date is given.
        flag: The flag it came from, for messages.

    Returns:
        The local date and time (naive; seconds kept, fractions dropped).

    Raises:
        BadAnswer: When it is not a date, has a UTC offset, or is outside 2000–2099.
    """
    given = text.strip()
    try:
        moment = datetime.combine(date.fromisoformat(given), at)
    except ValueError:
        try:
            moment = datetime.fromisoformat(given)
        except ValueError:
            raise BadAnswer(
                numeric_date_problem(given)
                or f"cannot read {given!r} as a date; expected YYYY-MM-DD or "
                "YYYY-MM-DD HH:MM, e.g. 2026-12-07 10:00",
                field=flag,
            ) from None
    if moment.tzinfo is not None:
        raise BadAnswer(
            f"{given!r} has a UTC offset; expected a local time in the schedule's zone "
            "(choose the zone with --timezone)",
            field=flag,
        )
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise BadAnswer(
            f"{given!r} is in {moment.year}; expected a year from {FIRST_YEAR} to {LAST_YEAR}",
            field=flag,
        )
    return moment.replace(microsecond=0)


def parse_count(text: str, *, low: int = 1, high: int = MAX_DOSES, flag: str = "--count") -> int:
    """Read a number of doses.

    Parameters:
        text: A whole number.
        low: The smallest allowed.
        high: The largest allowed.
        flag: The flag it came from, for messages.

    Returns:
        The number.

    Raises:
        BadAnswer: When it is not a whole number from `low` to `high`.
    """
    given = text.strip()
    if not re.fullmatch(r"[+]?\d{1,6}", given) or not low <= int(given) <= high:
        raise BadAnswer(
            f"{given!r} is not a number of doses; expected a whole number from {low} to {high}",
            field=flag,
        )
    return int(given)


_EVERY = re.compile(r"^(\d{1,3})\s*(d|days?|w|weeks?|/\s*w(?:ee)?k)$")
_EVERY_WORDS = {
    "daily": "1d",
    "every day": "1d",
    "weekly": "1w",
    "every week": "1w",
    "ежедневно": "1d",
    "каждый день": "1d",
    "еженедельно": "1w",
    "каждую неделю": "1w",
    "раз в неделю": "1/week",
    "дважды в неделю": "2/week",
    "трижды в неделю": "3/week",
}
#: How often, in words: "every 3 days", "every 2 weeks", "twice a week", "2x/week",
#: "3 times a week", "2 per week"; in Russian "каждые 3 дня", "каждые 2 недели",
#: "2 раза в неделю".
_EVERY_PHRASES = (
    (re.compile(r"every (\d{1,3}) ?(days?|weeks?)"), r"\1 \2"),
    (re.compile(r"каждые (\d{1,3}) ?(?:дня|дней|день)"), r"\1d"),
    (re.compile(r"каждые (\d{1,3}) ?(?:недели|недель|неделю)"), r"\1w"),
    (re.compile(r"(\d{1,3}) ?раза? в неделю"), r"\1/week"),
    (re.compile(r"(\d{1,3}) ?(?:x|times|per) ?(?:a |per |/ ?)?w(?:ee)?k"), r"\1/week"),
    (re.compile(r"(\d{1,3}) ?x ?(?:a |per |/ ?)w(?:ee)?k"), r"\1/week"),
)
_TIMES = {"once": "1", "twice": "2", "thrice": "3"}
_EVERY_EXPECTED = (
    "expected e.g. 3d or every 3 days, 2w or every 2 weeks, 2/week, 2x/week or twice a "
    "week, daily or weekly"
)


def _every_words(text: str) -> str:
    """Return how often doses come, said in words, in the ``--every`` language."""
    words = " ".join(text.split())
    for word, number in _TIMES.items():
        words = re.sub(rf"^{word} (a|per) week$", f"{number}/week", words)
    words = _EVERY_WORDS.get(words, words)
    for phrase, form in _EVERY_PHRASES:
        if phrase.fullmatch(words):
            return phrase.sub(form, words)
    return words


def parse_every(text: str) -> Every:
    """Read how often doses come (the language is in this module's docstring), or the
    same said in words (as the ``init.about_every`` message lists them, in English or
    Russian).

    Parameters:
        text: E.g. ``3d``, ``2w``, ``2/week``, ``daily``, ``weekly``, ``every 3 days``,
            ``twice a week``, ``2x/week``.

    Returns:
        The interval.

    Raises:
        BadAnswer: When it cannot be read or is out of range.
    """
    given = text.strip().lower()
    match = _EVERY.match(_every_words(given))
    if match is None:
        raise BadAnswer(f"cannot read {text.strip()!r}; {_EVERY_EXPECTED}", field="--every")
    number, unit = int(match.group(1)), match.group(2)
    if unit.startswith("/"):
        if not 1 <= number <= 7:
            raise BadAnswer(
                f"{text.strip()!r} is not a number of doses a week; expected 1/week to 7/week",
                field="--every",
            )
        return Every(per_week=number)
    if unit.startswith("w"):
        if not 1 <= number <= 8:
            raise BadAnswer(
                f"{text.strip()!r} is too far apart; expected 1w to 8w", field="--every"
            )
        return Every(days=7 * number)
    if not 1 <= number <= 60:
        raise BadAnswer(f"{text.strip()!r} is out of range; expected 1d to 60d", field="--every")
    return Every(days=number)


def parse_maintenance_every(text: str) -> Every:
    """Read the esketamine maintenance interval: every week or every two weeks (label).

    Parameters:
        text: In the ``--every`` language, e.g. ``2w`` or ``weekly``.

    Returns:
        The interval.

    Raises:
        BadAnswer: When it is not one or two weeks.
    """
    every = parse_every(text)
    if every.per_week or every.days not in (7, 14):
        raise BadAnswer(
            f"{text.strip()!r} is not on the label's maintenance schedule; "
            "expected weekly or 2w (every week or every two weeks)",
            field="--every",
        )
    return every


def parse_client(text: str) -> str:
    """Read who the plan is for (optional).

    Parameters:
        text: A name or label; may be empty.

    Returns:
        The text, stripped.

    Raises:
        BadAnswer: When it is longer than the schedule allows.
    """
    limit = 200
    name = text.strip()
    if len(name) > limit:
        raise BadAnswer(
            f"is {len(name)} characters long; expected at most {limit}", field="--client"
        )
    return name


def parse_doses(text: str, at: time = time(10, 0)) -> tuple[datetime, ...]:
    """Read every dose's date, one a line (a repeated ``--dose``, or the prompt's lines).

    Parameters:
        text: Dates as `parse_start` reads them, one a line; blank lines are skipped.
        at: The time of day of a date given without one.

    Returns:
        The local starts, in the order given; empty for no date (a start and a repeat).

    Raises:
        BadAnswer: At ``--dose``, for a date that cannot be read, one given twice, or
            more than `MAX_DOSES`.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    dates = tuple(parse_start(line, at, flag="--dose") for line in lines)
    if len(dates) > MAX_DOSES:
        raise BadAnswer(f"{len(dates)} doses given; expected at most {MAX_DOSES}", field="--dose")
    twice = [d for n, d in enumerate(dates) if d in dates[:n]]
    if twice:
        raise BadAnswer(
            f"{twice[0]:%Y-%m-%d %H:%M} is given twice; expected each dose once",
            field="--dose",
        )
    return dates


def parse_language(text: str) -> str:
    """Read the plan's language (optional).

    Parameters:
        text: A language code, e.g. ``ru``; empty leaves it to the config file.

    Returns:
        The code, lower-case, or empty.

    Raises:
        BadAnswer: For a language kapplan has no texts in.
    """
    code = text.strip().lower()
    if code and code not in LANGUAGES:
        raise BadAnswer(
            f"unknown language {text.strip()!r}; expected one of {', '.join(LANGUAGES)}",
            field="--lang",
        )
    return code


_YES, _NO = ("y", "yes", "true", "да", "д"), ("n", "no", "false", "нет", "н")


def parse_discreet(text: str) -> bool | None:
    """Read whether the calendar is shared, so that its titles stay neutral (optional).

    Parameters:
        text: ``yes`` or ``no`` (``y``, ``n``, ``да``, ``нет``); empty leaves it unset.

    Returns:
        True, False, or None for unset.

    Raises:
        BadAnswer: For another answer.
    """
    answer = text.strip().lower()
    if not answer:
        return None
    if answer in _YES or answer in _NO:
        return answer in _YES
    raise BadAnswer(f"cannot read {text.strip()!r}; expected yes or no", field="--discreet")


def default_start(today: date, at: time) -> datetime:
    """Return the first Monday at least a week after today, at `at`.

    A week leaves room for the preparation session the plan puts in the
    seven days before a course (DOMAIN.md, 000 and 001).

    Parameters:
        today: Today's date (the shell reads the clock).
        at: Time of day.

    Returns:
        The default first dose.
    """
    day = today + timedelta(days=7)
    return datetime.combine(day + timedelta(days=-day.weekday() % 7), at)


def preset_question(texts: Catalogue) -> Question:
    """Return `kapplan init`'s first question: which preset, each said in `texts`' language.

    Parameters:
        texts: The catalogue of the language it asks in.

    Returns:
        The question.
    """
    return Question(
        key="preset",
        flag="--preset",
        prompt=texts.text("init.ask_preset"),
        default=Preset.CUSTOM.value,
        parse=parse_preset,
        explain=texts.text("init.presets")
        + "\n"
        + "".join(f"  {p.value:<11} {texts.text(f'init.preset.{p.value}')}\n" for p in PRESETS),
    )


def questions(preset: Preset, *, zone: str, today: date, texts: Catalogue) -> tuple[Question, ...]:
    """Return what `kapplan init` needs to know for a preset, in the order it asks.

    Parameters:
        preset: The chosen preset.
        zone: The default zone (the machine's).
        today: Today's date, for the default first dose.
        texts: The catalogue of the language it asks in.

    Returns:
        The questions after the preset's.
    """
    info = PRESETS[preset]
    start = default_start(today, info.at)
    esketamine = preset is Preset.ESKETAMINE
    return (
        Question("timezone", "--timezone", texts.text("init.ask_timezone"), zone, parse_timezone),
        Question(
            "method",
            "--method",
            texts.text("init.ask_method"),
            str(info.method or Method.IV),
            lambda text: parse_method(text, preset),
            ask=info.method is None,
        ),
        # Esketamine follows the label's schedule: no dates of one's own.
        *(
            []
            if esketamine
            else [
                Question(
                    "dates",
                    "--dose",
                    texts.text("init.ask_dates"),
                    "",
                    lambda text: parse_doses(text, info.at),
                    explain=texts.text("init.about_dates") + "\n",
                    many=True,
                )
            ]
        ),
        Question(
            "start",
            "--start",
            texts.text("init.ask_start"),
            f"{start:%Y-%m-%d %H:%M}",
            lambda text: parse_start(text, info.at),
        ),
        Question(
            "count",
            "--maintenance" if esketamine else "--count",
            texts.text("init.ask_maintenance" if esketamine else "init.ask_count"),
            str(info.count),
            lambda text: parse_count(
                text,
                low=0 if esketamine else 1,
                high=MAX_MAINTENANCE if esketamine else MAX_DOSES,
                flag="--maintenance" if esketamine else "--count",
            ),
        ),
        Question(
            "every",
            "--every",
            texts.text("init.ask_maintenance_every" if esketamine else "init.ask_every"),
            info.every,
            parse_maintenance_every if esketamine else parse_every,
            explain="" if esketamine else texts.text("init.about_every") + "\n",
        ),
        Question("client", "--client", texts.text("init.ask_client"), "", parse_client),
        Question(
            "language",
            "--lang",
            texts.text("init.ask_language", choices=" / ".join(LANGUAGES)),
            "",
            parse_language,
        ),
        Question(
            "discreet",
            "--discreet",
            texts.text("init.ask_discreet"),
            "",
            parse_discreet,
        ),
    )


def not_applicable(flag: str, preset: Preset) -> BadAnswer:
    """Return the error for a flag that the chosen preset does not use.

    Parameters:
        flag: E.g. ``--count``.
        preset: The chosen preset.

    Returns:
        The error, to raise.
    """
    if flag == "--count":
        hint = "expected --maintenance for the doses after week 8"
    elif flag == "--dose":
        hint = "it follows the label's schedule; expected --preset custom --method esketamine"
    else:
        hint = "it applies only to --preset esketamine"
    return BadAnswer(f"does not apply to --preset {preset}; {hint}", field=flag)


#: The answers that dose dates (``--dose``) replace.
REPEAT_FLAGS = ("--start", "--count", "--every")


def not_with_doses(flag: str) -> BadAnswer:
    """Return the error for a flag of a start and a repeat given with the dose dates.

    Parameters:
        flag: E.g. ``--start``.

    Returns:
        The error, to raise.
    """
    return BadAnswer(
        "does not apply with --dose (the dates are the doses); expected either --dose "
        "for each date, or --start, --count and --every",
        field=flag,
    )


def starter_toml(answers: Answers) -> str:
    """Write the commented starter schedule.

    Parameters:
        answers: The preset and answers.

    Returns:
        TOML text that `kapplan.edge.load.schedule_from_text` accepts.
    """
    info = PRESETS[answers.preset]
    lines = [
        "# kapplan schedule: the doses of a ketamine treatment course. `kapplan plan`",
        "# builds the integration calendar around them. Lines starting with # are",
        "# comments. Change the dates and times to the ones your clinic or prescriber",
        "# gives you.",
        "#",
        *(f"# {line}" for line in info.about),
        "",
        "# The time zone of every date and time below (an IANA name).",
        f"timezone = {_toml(answers.timezone)}",
        "",
        "# Who the plan is for (optional): shown in the plan and the calendar.",
        f"client = {_toml(answers.client)}" if answers.client else '# client = "A. Patient"',
        "",
        '# Language of the plan\'s texts: "en" or "ru".',
        f"language = {_toml(answers.language)}"
        if answers.language
        else f"# language = {_toml(Schedule.model_fields['language'].default)}",
        *(
            [
                "",
                "# A calendar others see: neutral titles that do not reveal the treatment.",
                f"discreet = {str(answers.discreet).lower()}",
            ]
            if answers.discreet is not None
            else []
        ),
        "",
        "# One [[infusion]] table per dose, in any order:",
        "#   at       the local date and time the dose starts: YYYY-MM-DDTHH:MM:SS",
        "#   method   iv, im, esketamine or oral (spravato, sublingual, troche, lozenge too)",
        "#   minutes  optional: how long the dose block lasts in minutes; default",
        "#            " + ", ".join(f"{m} {n}" for m, n in DEFAULT_DOSE_MINUTES.items()),
        "# To add a dose, copy a table; to drop one, delete its lines.",
    ]
    number = 0
    for title, moments in answers.runs():
        lines += ["", f"# {title}"]
        for n, moment in enumerate(moments):
            number += 1
            lines += [
                *([""] if n else []),
                f"[[infusion]]  # dose {number}, {WEEKDAY_NAMES[moment.weekday()]}",
                f"at = {moment.isoformat(timespec='seconds')}",
                f"method = {_toml(answers.method)}",
            ]
    lines += [
        "",
        "# How much integration to plan (the defaults). To change one, remove the # of",
        "# its line and of the [plan] line.",
        "# [plan]",
        *_commented_defaults(PlanSettings),
        "",
        "# When therapy sessions may be booked (the defaults), changed the same way.",
        "# [availability]",
        *_commented_defaults(Availability),
    ]
    return "\n".join(lines) + "\n"


def next_steps(path: str, answers: Answers, texts: Catalogue) -> str:
    """Return the lines printed on stderr after writing a starter file.

    Parameters:
        path: Where it was written, as the person typed it.
        answers: What it was made from.
        texts: The catalogue of the language `kapplan init` asked in.

    Returns:
        Text ending in a newline.
    """
    doses = answers.doses()
    name = shlex.quote(path)
    wrote = texts.text(
        "init.wrote",
        path=path,
        n=len(doses),
        first=texts.format_date(doses[0], "long"),
        last=texts.format_date(doses[-1], "long"),
        zone=answers.timezone,
    )
    return (
        f"kapplan: {wrote}\n{texts.text('init.next')}\n"
        f"  kapplan validate {name}\n"
        f"  kapplan plan {name}\n"
        f"  kapplan plan {name} -o plan.ics\n"
    )


def _commented_defaults(model: type[BaseModel]) -> list[str]:
    """Return ``# key = default  # description`` for each field, from the model itself.

    A key with no default (``holidays``) is named without a value: uncommenting
    the lines must give the defaults.
    """
    pairs = [
        (
            f"# {name}: not set" if field.default is None else f"# {name} = {_toml(field.default)}",
            field.description or "",
        )
        for name, field in model.model_fields.items()
    ]
    width = max(len(left) for left, _ in pairs)
    return [f"{left:<{width}}  # {about}" for left, about in pairs]


def _toml(value: object) -> str:
    """Return a TOML value: a basic string (escaped by tomli-w), an integer or an array."""
    if isinstance(value, str):
        return tomli_w.dumps({"v": str(value)})[len("v = ") :].rstrip("\n")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


__all__ = [
    "PRESETS",
    "REPEAT_FLAGS",
    "Answers",
    "BadAnswer",
    "Every",
    "Preset",
    "PresetInfo",
    "Question",
    "default_start",
    "next_steps",
    "not_applicable",
    "not_with_doses",
    "parse_client",
    "parse_count",
    "parse_discreet",
    "parse_doses",
    "parse_every",
    "parse_language",
    "parse_maintenance_every",
    "parse_method",
    "parse_preset",
    "parse_start",
    "parse_timezone",
    "preset_question",
    "questions",
    "starter_toml",
]
