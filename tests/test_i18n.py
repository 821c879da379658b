"""Translations: every language has every text, Russian grammar and dates, no mixed scripts."""

from __future__ import annotations

import json
import re
import string
from datetime import date, datetime, timedelta

import pytest

from kapplan.api import warning_text
from kapplan.cli.app import app
from kapplan.edge.load import (
    default_rulebook,
    load_schedule,
    rulebook_from_text,
    schedule_from_text,
)
from kapplan.engine import build_plan
from kapplan.errors import KapplanError
from kapplan.i18n import (
    DATE_FIELDS,
    LANGUAGES,
    Catalogue,
    catalogue,
    catalogue_from_text,
    placeholders,
    plural_specs,
)
from kapplan.views.agenda import summary
from tests.cli_runner import CliRunner
from tests.conftest import ROOT
from tests.plans import TEXTS, doses

LATIN = re.compile(r"[A-Za-z]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
#: The only Latin Russian texts may hold. UTC is the international designator
#: of coordinated time and Russian writes it so (``UTC+01:00``); a DST note
#: gives a wall time's offset with it. The others are what a reader types, in
#: any language: the program's name, a command line and an option that the
#: text tells them to use, and the rulebook's offset syntax that `kapplan
#: rules` explains. Placeholder names and format specs (``{wall:%H:%M}``) are
#: code, not text, and are not checked.
RU_LATIN_ALLOWED = (
    "UTC",
    "`kapplan rules --dump`",
    "(+24h, end:+48h, day+1d)",
    "(--strict)",
    "--no-discreet",
    # Commands, options, programs and a README heading are written as they are.
    "kapplan plan",
    "--to",
    'README: "Importing into your calendar"',
    "khal",
    "vdirsyncer",
    "kapplan",
    # kapplan init's answers, as they are typed: method and interval codes, a city's
    # name as the zone database spells it, a language code, and the Enter key.
    "(iv, im, esketamine, oral)",
    "London",
    "2/week",
    "3d",
    "2w",
    "иначе en",
    "Enter",
)
#: Lists that may differ in length between languages.
FREE_LENGTH_LISTS = frozenset({"ics.discreet_words"})
#: Values a rule text's placeholders take in the engine.
RULE_VALUES = {
    "n": 3,
    "dose": "dose 3",
    "k": 1,
    "count": 2,
    "course": 1,
    "method": "IV infusion",
    "method_note": "note",
    "minutes": 60,
    "week": 4,
    "month": 3,
}


@pytest.fixture(name="en")
def fixture_en() -> Catalogue:
    """Return the English catalogue."""
    return catalogue("en")


@pytest.fixture(name="ru")
def fixture_ru() -> Catalogue:
    """Return the Russian catalogue."""
    return catalogue("ru")


def _text_parts(template: str) -> list[str]:
    """Return what a template shows of its own: literal text and plural word forms."""
    parts: list[str] = []
    for literal, _, _, _ in string.Formatter().parse(template):
        parts.append(literal)
    for forms in plural_specs(template):
        parts.extend(forms)
    return parts


def _values(lang: str) -> list[tuple[str, str]]:
    """Return every (key, text) a catalogue shows: message parts and list items."""
    book = catalogue(lang)
    out = [(key, part) for key, value in book.messages.items() for part in _text_parts(value)]
    out += [(key, item) for key, items in book.lists.items() for item in items]
    return out


class TestLoading:
    """Finding and validating a language."""

    def test_unknown_language(self) -> None:
        """An unknown code is a user error naming the languages there are."""
        with pytest.raises(KapplanError) as caught:
            catalogue("xx")
        assert str(caught.value) == "unknown language 'xx'; expected en or ru"

    def test_cached(self) -> None:
        """A language file is read once; later calls return the same catalogue."""
        assert catalogue("ru") is catalogue("ru")

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_declares_itself(self, lang: str) -> None:
        """Each shipped file declares its own code and a name."""
        book = catalogue(lang)
        assert book.language == lang
        assert book.name

    def test_plural_with_wrong_form_count(self) -> None:
        """A plural with the wrong number of forms for the language is refused at load."""
        text = '[meta]\nlanguage = "ru"\nname = "Русский"\nplural = "one-few-many"\n'
        text += '[summary]\ncourses = "{n} {n:plural:курс|курса}"\n'
        with pytest.raises(KapplanError) as caught:
            catalogue_from_text(text, "ru", "ru.toml")
        assert str(caught.value) == (
            "ru.toml: summary.courses: a plural here takes 3 forms, not 2: 'курс|курса'"
        )

    def test_wrong_language_in_meta(self) -> None:
        """A file whose [meta] names another language is refused."""
        text = '[meta]\nlanguage = "en"\nname = "English"\nplural = "one-other"\n'
        with pytest.raises(KapplanError, match="expected \\[meta\\] with language = 'ru'"):
            catalogue_from_text(text, "ru", "ru.toml")

    def test_unknown_plural_rule(self) -> None:
        """A plural rule kapplan does not know is refused, naming the ones it does."""
        text = '[meta]\nlanguage = "ru"\nname = "Русский"\nplural = "slavic"\n'
        with pytest.raises(KapplanError, match=r"meta\.plural: plural = 'slavic'"):
            catalogue_from_text(text, "ru", "ru.toml")


class TestParity:
    """Every language has the same keys and the same placeholders."""

    def test_same_message_keys(self, en: Catalogue, ru: Catalogue) -> None:
        """English and Russian have exactly the same messages."""
        assert sorted(en.messages) == sorted(ru.messages)

    def test_same_list_keys(self, en: Catalogue, ru: Catalogue) -> None:
        """English and Russian have exactly the same lists."""
        assert sorted(en.lists) == sorted(ru.lists)

    def test_same_list_lengths(self, en: Catalogue, ru: Catalogue) -> None:
        """Lists match in length (prompts, calendar names), except the discreet words."""
        for key, items in en.lists.items():
            if key not in FREE_LENGTH_LISTS:
                assert len(ru.lists[key]) == len(items), key

    def test_same_placeholders(self, en: Catalogue, ru: Catalogue) -> None:
        """Every message other than a date pattern uses the same placeholders in both."""
        for key, template in en.messages.items():
            if not key.startswith("date."):
                assert placeholders(ru.messages[key]) == placeholders(template), key

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_date_placeholders(self, lang: str) -> None:
        """Date patterns use only the date fields (the month may be declined)."""
        for key, template in catalogue(lang).messages.items():
            if key.startswith("date."):
                assert placeholders(template) <= DATE_FIELDS, key

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_rule_texts_format(self, lang: str) -> None:
        """Every rule and method text formats with the values the engine passes."""
        book = catalogue(lang)
        for key, template in book.messages.items():
            if key.startswith(("rule.", "method.")):
                assert book.format(template, **RULE_VALUES), key


class TestRules:
    """Every rule of the default rulebook is translated, and English is unchanged."""

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_rule(self, lang: str) -> None:
        """Each default rule has a name, title, description and why, and prompts where
        it has them; the catalogue names no rule the rulebook lacks."""
        book = catalogue(lang)
        rules = default_rulebook().rule
        for rule in rules:
            for field in ("name", "title", "description", "why"):
                assert book.messages.get(f"rule.{rule.id}.{field}"), (rule.id, field)
            if rule.prompts:
                assert len(book.lists[f"rule.{rule.id}.prompts"]) == len(rule.prompts)
        ids = {rule.id for rule in rules}
        named = {key.split(".")[1] for key in [*book.messages, *book.lists] if key[:5] == "rule."}
        assert named == ids

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_method(self, lang: str) -> None:
        """Each dose method has a label and a note."""
        book = catalogue(lang)
        for method in default_rulebook().methods:
            assert book.messages.get(f"method.{method}.label"), method
            assert book.messages.get(f"method.{method}.note"), method

    def test_english_equals_rulebook(self, en: Catalogue) -> None:
        """English rule texts are the rulebook's own, so English output does not change."""
        for rule in default_rulebook().rule:
            assert en.messages[f"rule.{rule.id}.title"] == rule.title
            assert en.messages[f"rule.{rule.id}.description"] == rule.description
            assert en.messages[f"rule.{rule.id}.why"] == rule.why
            if rule.prompts:
                assert en.lists[f"rule.{rule.id}.prompts"] == tuple(rule.prompts)

    def test_english_methods_equal_rulebook(self, en: Catalogue) -> None:
        """English method labels and notes are the rulebook's own."""
        for method, text in default_rulebook().methods.items():
            assert en.method_label(method, text.label) == text.label
            assert en.method_note(method, text.note) == text.note

    def test_russian_replaces_default_texts(self, ru: Catalogue) -> None:
        """An unchanged default rule's texts come out in Russian."""
        for rule in default_rulebook().rule:
            assert ru.rule_text(rule.id, "title", rule.title) != rule.title
            assert ru.rule_text(rule.id, "why", rule.why) != rule.why
            if rule.prompts:
                assert ru.rule_prompts(rule.id, tuple(rule.prompts)) != tuple(rule.prompts)

    def test_rewritten_text_is_kept(self, ru: Catalogue) -> None:
        """A rule whose text a user rewrote, or a custom rule, keeps its own words."""
        assert ru.rule_text("rest", "title", "Nap after {dose}") == "Nap after {dose}"
        assert ru.rule_text("my-rule", "title", "Sauna") == "Sauna"
        assert ru.rule_prompts("journaling", ("Mine?",)) == ("Mine?",)
        assert ru.method_label("iv", "Drip") == "Drip"

    def test_spravato_in_cyrillic(self, ru: Catalogue) -> None:
        """The brand is spelled in Cyrillic letters only: С-п-р-а-в-а-т-о."""
        label = ru.method_label("esketamine", "Esketamine (Spravato) dose")
        assert "\u0421\u043f\u0440\u0430\u0432\u0430\u0442\u043e" in label
        assert label == "Приём эскетамина (Справато)"


class TestScripts:
    """No English in Russian texts, no Russian in English texts."""

    def test_no_latin_in_russian(self) -> None:
        """Russian texts hold no Latin letters beyond the allowed tokens."""
        for key, text in _values("ru"):
            for token in RU_LATIN_ALLOWED:
                text = text.replace(token, "")
            assert not LATIN.search(text), (key, text)

    def test_no_cyrillic_in_english(self) -> None:
        """English texts hold no Cyrillic letters."""
        for key, text in _values("en"):
            assert not CYRILLIC.search(text), (key, text)

    def test_russian_dates_have_no_latin(self, ru: Catalogue) -> None:
        """Russian dates of a whole year, in every style, hold no Latin letters."""
        day = date(2026, 1, 1)
        while day.year == 2026:
            for style in ("short", "long", "week"):
                assert not LATIN.search(ru.format_date(day, style))
            day += timedelta(days=1)


class TestPlurals:
    """Word forms for counts."""

    @pytest.mark.parametrize(
        ("n", "word"),
        [
            (0, "дней"),
            (1, "день"),
            (2, "дня"),
            (4, "дня"),
            (5, "дней"),
            (11, "дней"),
            (12, "дней"),
            (14, "дней"),
            (21, "день"),
            (22, "дня"),
            (25, "дней"),
            (101, "день"),
            (111, "дней"),
        ],
    )
    def test_russian(self, ru: Catalogue, n: int, word: str) -> None:
        """Russian takes one/few/many: 1, 21, 101 день; 2-4, 22 дня; 0, 5-20, 25, 111 дней."""
        assert ru.plural(n, ("день", "дня", "дней")) == word

    @pytest.mark.parametrize(
        ("n", "text"),
        [
            (1, "1 терапевтическая сессия"),
            (3, "3 терапевтические сессии"),
            (5, "5 терапевтических сессий"),
            (11, "11 терапевтических сессий"),
            (21, "21 терапевтическая сессия"),
            (23, "23 терапевтические сессии"),
        ],
    )
    def test_russian_message(self, ru: Catalogue, n: int, text: str) -> None:
        """A plural inside a message declines the adjective with the noun."""
        assert ru.text("summary.sessions", n=n) == text

    @pytest.mark.parametrize(("n", "word"), [(0, "days"), (1, "day"), (2, "days"), (21, "days")])
    def test_english(self, en: Catalogue, n: int, word: str) -> None:
        """English takes one/other: only 1 is singular."""
        assert en.plural(n, ("day", "days")) == word

    def test_wrong_number_of_forms(self, ru: Catalogue) -> None:
        """Giving Russian two forms is a bug, caught loudly."""
        with pytest.raises(ValueError, match="take 3 forms; got 2"):
            ru.plural(2, ("день", "дни"))

    def test_count_must_be_int(self, en: Catalogue) -> None:
        """A plural needs a whole count."""
        with pytest.raises(TypeError):
            en.plural(1.5, ("day", "days"))  # type: ignore[arg-type]


class TestDoses:
    """The {dose} phrase and lists in running text."""

    @pytest.mark.parametrize(
        ("indices", "en_text", "ru_text"),
        [
            ((3,), "dose 3", "приёма 3"),
            ((1, 2), "doses 1 and 2", "приёмов 1 и 2"),
            ((1, 2, 3), "doses 1, 2 and 3", "приёмов 1, 2 и 3"),
        ],
    )
    def test_doses(
        self, en: Catalogue, ru: Catalogue, indices: tuple[int, ...], en_text: str, ru_text: str
    ) -> None:
        """One dose or several, in English and in the Russian genitive."""
        assert en.doses(indices) == en_text
        assert ru.doses(indices) == ru_text

    def test_russian_title(self, ru: Catalogue) -> None:
        """A Russian rule title reads grammatically for one dose and for several."""
        title = ru.rule_text("integration-session", "title", "Integration session after {dose}")
        assert ru.format(title, dose=ru.doses((3,))) == "Интеграционная сессия после приёма 3"
        assert ru.format(title, dose=ru.doses((1, 2))) == (
            "Интеграционная сессия после приёмов 1 и 2"
        )

    def test_join_one(self, ru: Catalogue) -> None:
        """A list of one is the item itself."""
        assert ru.join([7]) == "7"


class TestDates:
    """Dates, times and durations without the locale module."""

    def test_english_matches_strftime(self, en: Catalogue) -> None:
        """English dates equal the C-locale strftime kapplan printed before, every day of
        a year (all months and weekdays)."""
        day = datetime(2026, 1, 1, 7, 5)
        while day.year == 2026:
            assert en.format_date(day, "short") == day.strftime("%a %d %b")
            assert en.format_date(day, "long") == day.strftime("%a %d %b %Y")
            assert en.format_date(day, "week") == day.strftime("Week of %a %d %b %Y")
            assert en.format_datetime(day) == day.strftime("%a %d %b %Y %H:%M")
            day += timedelta(days=1, hours=5)

    @pytest.mark.parametrize(
        ("month", "short", "long"),
        [
            (1, "чт 1 янв.", "чт, 1 января 2026 г."),
            (2, "вс 1 февр.", "вс, 1 февраля 2026 г."),
            (3, "вс 1 мар.", "вс, 1 марта 2026 г."),
            (4, "ср 1 апр.", "ср, 1 апреля 2026 г."),
            (5, "пт 1 мая", "пт, 1 мая 2026 г."),
            (6, "пн 1 июня", "пн, 1 июня 2026 г."),
            (7, "ср 1 июля", "ср, 1 июля 2026 г."),
            (8, "сб 1 авг.", "сб, 1 августа 2026 г."),
            (9, "вт 1 сент.", "вт, 1 сентября 2026 г."),
            (10, "чт 1 окт.", "чт, 1 октября 2026 г."),
            (11, "вс 1 нояб.", "вс, 1 ноября 2026 г."),
            (12, "вт 1 дек.", "вт, 1 декабря 2026 г."),
        ],
    )
    def test_russian_months(self, ru: Catalogue, month: int, short: str, long: str) -> None:
        """Russian dates decline the month (genitive) and abbreviate it the Russian way."""
        day = date(2026, month, 1)
        assert ru.format_date(day, "short") == short
        assert ru.format_date(day, "long") == long

    @pytest.mark.parametrize(
        ("day", "weekday"),
        [(30, "пн"), (1, "вт"), (2, "ср"), (3, "чт"), (4, "пт"), (5, "сб"), (6, "вс")],
    )
    def test_russian_weekdays(self, ru: Catalogue, day: int, weekday: str) -> None:
        """Each weekday has its Russian abbreviation, in lower case."""
        when = date(2026, 11 if day == 30 else 12, day)
        assert ru.format_date(when, "short").split()[0] == weekday

    def test_russian_week_and_datetime(self, ru: Catalogue) -> None:
        """A week heading and a warning's date and time read naturally in Russian."""
        assert ru.format_date(date(2026, 11, 30), "week") == "Неделя с 30 ноября 2026 г."
        assert ru.format_datetime(datetime(2026, 12, 1, 9, 5)) == "вт, 1 декабря 2026 г., 09:05"

    def test_unknown_style(self, en: Catalogue) -> None:
        """A date style that does not exist is a bug, caught loudly."""
        with pytest.raises(ValueError, match="unknown date style"):
            en.format_date(date(2026, 1, 1), "full")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("minutes", "en_text", "ru_text"),
        [
            (0, "0 min", "0 мин"),
            (5, "5 min", "5 мин"),
            (60, "1 h", "1 ч"),
            (1350, "22 h 30 min", "22 ч 30 мин"),
            (1440, "1 d", "1 д"),
            (1441, "1 d 1 min", "1 д 1 мин"),
            (1590, "1 d 2 h 30 min", "1 д 2 ч 30 мин"),
        ],
    )
    def test_duration(
        self, en: Catalogue, ru: Catalogue, minutes: int, en_text: str, ru_text: str
    ) -> None:
        """Durations leave out zero parts, as the engine's warnings did."""
        assert en.format_duration(minutes) == en_text
        assert ru.format_duration(minutes) == ru_text


class TestEnglishUnchanged:
    """English messages rebuild what kapplan printed before, byte for byte (but for the
    names of rules, which were their ids)."""

    def test_late_warning(self, en: Catalogue) -> None:
        """The late-placement warning of the Spravato example."""
        window = en.text(
            "text.span",
            first=en.format_datetime(datetime(2027, 1, 8, 9, 30)),
            last=en.format_datetime(datetime(2027, 1, 10, 9, 30)),
        )
        what = en.text(
            "what.after_dose",
            name=en.rule_name("integration-session"),
            ordinal="",
            dose=en.doses((2,)),
        )
        message = en.text(
            "warning.late",
            what=what,
            window=window,
            miss=en.format_duration(1350),
            when=en.format_datetime(datetime(2027, 1, 11, 8, 0)),
        )
        assert message == (
            "Integration session after dose 2: no free time in its window (Fri 08 Jan 2027 "
            "09:30 – Sun 10 Jan 2027 09:30); placed 22 h 30 min late, Mon 11 Jan 2027 08:00"
        )

    def test_cadence_warning(self, en: Catalogue) -> None:
        """The warning for doses too close for a session between them."""
        what = en.text("what.after_dose", name="Integration session", ordinal="", dose="dose 1")
        assert en.text("warning.covered", what=what, next=2, gap="23 h") == (
            "Integration session after dose 1: dose 2 follows 23 h later, too soon for a "
            "session between them; the session after dose 2 covers both"
        )

    def test_dst_notes(self, en: Catalogue) -> None:
        """The DST notes of `kapplan.model.schedule.localize`."""
        wall = datetime(2026, 3, 8, 2, 30)
        gap = en.text(
            "note.dst_gap", wall=wall, zone="America/New_York", moved=wall.replace(hour=3)
        )
        assert gap == (
            "2026-03-08 02:30 does not exist in America/New_York (clocks go forward); using 03:30"
        )
        fold = en.text("note.dst_fold", wall=wall, zone="Europe/Berlin", offset="+02:00")
        assert fold == (
            "2026-03-08 02:30 happens twice in Europe/Berlin (clocks go back); "
            "using the first, UTC+02:00"
        )

    def test_summary(self, en: Catalogue) -> None:
        """The terminal summary of a real plan, rebuilt from the catalogue."""
        schedule = load_schedule(str(ROOT / "examples" / "spravato.toml"))
        plan = build_plan(schedule, default_rulebook(), texts=TEXTS)
        counts = {
            "courses": len(plan.courses),
            "doses": len(plan.infusions),
            "sessions": len(plan.sessions),
            "events": len(plan.events),
            "warnings": len(plan.warnings),
        }
        rebuilt = " · ".join(en.text(f"summary.{key}", n=n) for key, n in counts.items())
        assert rebuilt == summary(plan)


class TestWarningNames:
    """Warnings name what they are about as the plan titles it, never by a rule's id."""

    SAUNA = """version = 1
[[rule]]
id = "sauna-visit"
kind = "integration-session"
phase = "integration"
anchor = "infusion"
placement = "session"
opens = "+24h"
closes = "+26h"
minutes = 60
title = "Sauna after {dose}"
source = ["mine"]

[sources.mine]
title = "My own notes"
"""

    @staticmethod
    def _caseload(lang: str) -> list[tuple[str | None, str]]:
        runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"})
        caseload, lisbon = ROOT / "examples" / "caseload", ROOT / "examples" / "therapist"
        args = ["plan", str(caseload), "--therapist", str(lisbon / "lisbon.toml")]
        data = json.loads(runner.invoke(app, [*args, "-f", "json", "--lang", lang]).stdout)
        titles = {e["uid"]: e["title"] for e in data["events"]}
        return [(titles.get(w["event"]), w["message"]) for w in data["warnings"]]

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_a_late_session_is_named_by_its_title(self, lang: str) -> None:
        """A session placed outside its window is named by the title the plan gives its
        event, in the plan's language; no message holds a rule id."""
        ids = {rule.id for rule in default_rulebook().rule}
        warned = self._caseload(lang)
        assert warned
        for title, text in warned:
            assert title is not None
            assert text.startswith(f"{title}: "), text
            # Ids such as "dose" or "rest" are words too; a hyphenated id is only an id.
            assert not [i for i in ids if "-" in i and i in text], text
        week_2 = {"en": "Week-2 integration session", "ru": "Интеграционная сессия второй недели"}
        assert any(text.startswith(f"{week_2[lang]} 1/2 (") for _, text in warned)

    def test_a_rule_of_your_own_is_named_by_its_title(self) -> None:
        """A rule a user added is named by its own title, not its id."""
        body = 'timezone = "Europe/Berlin"\n' + doses("2026-12-01T10:00:00")
        body += '[availability]\ndays = ["mon"]\nhours = "09:00-09:30"\n'
        book = rulebook_from_text(self.SAUNA, "mine.toml", defaults=default_rulebook())
        built = build_plan(schedule_from_text(body, "s.toml"), book, texts=TEXTS)
        said = [catalogue("en").warning_text(w, built.zone) for w in built.warnings]
        sauna = [text for text in said if "Sauna" in text]
        assert sauna == [
            "Sauna after dose 1: no free time in its window (Wed 02 Dec 2026 10:00 – Wed 02 Dec "
            "2026 12:00) or within 28 days later; not planned"
        ]
        assert not any("sauna-visit" in text for text in said)

    def test_what_the_title_leaves_out_is_added(self, ru: Catalogue) -> None:
        """A title that does not say its dose or ordinal is followed by them."""
        # An oral dose busy until 20:50 the next day leaves no 15 minutes for it.
        body = 'timezone = "Europe/Berlin"\nlanguage = "ru"\n' + doses("2026-12-01T10:00:00")
        body += doses("2026-12-02T08:00:00", method="oral", minutes=770)
        built = build_plan(schedule_from_text(body, "s.toml"), default_rulebook(), texts=TEXTS)
        mindfulness = next(w for w in built.warnings if w.rule == "mindfulness")
        assert ru.warning_text(mindfulness, built.zone).startswith(
            "Практика осознанности (1/3, после приёма 1): "
        )

    def test_said_in_another_language_by_the_rules_name(self) -> None:
        """A warning said in another language than its plan's names its rule in that
        language (the event's title is in the plan's)."""
        schedule = load_schedule(str(ROOT / "examples" / "spravato.toml"))
        built = build_plan(schedule, default_rulebook(), texts=TEXTS)
        warning = built.warnings[0]
        assert warning_text(built, warning).startswith("Integration session after dose 2: ")
        assert warning_text(built, warning, language="ru").startswith(
            "Интеграционная сессия после приёма 2: "
        )
