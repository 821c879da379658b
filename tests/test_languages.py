"""Plans in English or Russian: every text in the chosen language, none of the other."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kapplan.cli.app import app
from tests.conftest import EXAMPLES

# A schedule that makes every kind of event and warning: a DST gap, doses 20 h
# apart (a covered session), a Thursday dose whose window a Mon-Wed therapist
# cannot meet, two courses (consolidation) and the long arc.
EVERYTHING = """timezone = "Europe/Berlin"
language = "ru"
[[infusion]]
at = 2027-03-28T02:30:00
method = "iv"
[[infusion]]
at = 2027-03-29T00:00:00
method = "spravato"
[[infusion]]
at = 2027-04-01T10:00:00
method = "im"
[[infusion]]
at = 2027-07-01T10:00:00
method = "oral"
[plan]
prep_sessions = 2
[availability]
days = ["mon", "tue", "wed"]
hours = "09:00-17:00"
"""

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
#: Latin that Russian output legitimately holds: IANA zone names, the field
#: paths of the schedule file, and UTC.
ALLOWED_LATIN = re.compile(
    r"(?:Europe|America|Asia)/[A-Za-z_]+|infusion\[\d+\]\.at|series\[\d+\]|UTC"
)


def _latin_words(text: str) -> list[str]:
    return LATIN_WORD.findall(ALLOWED_LATIN.sub("", text))


@pytest.fixture(name="russian")
def fixture_russian(tmp_path: Path) -> Path:
    path = tmp_path / "ru.toml"
    path.write_text(EVERYTHING, encoding="utf-8")
    return path


def test_russian_json_has_no_english(runner: CliRunner, russian: Path) -> None:
    """Every title, description, prompt and warning of a Russian plan is Russian."""
    data = json.loads(runner.invoke(app, ["plan", str(russian), "-f", "json"]).stdout)
    kinds = {e["kind"] for e in data["events"]}
    assert len(kinds) == 13, kinds  # every kind of event is in this plan
    rules_warned = {w["rule"] for w in data["warnings"]}
    assert {None, "integration-session"} <= rules_warned
    for event in data["events"]:
        for field in ("title", "description"):
            assert _latin_words(event[field]) == [], (event["rule"], event[field])
            assert CYRILLIC.search(event[field]), event[field]
    for warning in data["warnings"]:
        assert _latin_words(warning["message"]) == [], warning["message"]
        assert CYRILLIC.search(warning["message"])


def test_russian_terminal_has_no_english(russian: Path) -> None:
    """The terminal view's labels, dates, plurals and warnings are Russian too."""
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"}).invoke(app, ["plan", str(russian)])
    assert result.exit_code == 0
    assert _latin_words(result.stdout) == []
    assert "Неделя с " in result.stdout
    assert "Предупреждения (" in result.stdout


def test_russian_month_view_has_no_english(russian: Path) -> None:
    """The month view's headings, weekdays, letters, key and weeks' lines are Russian."""
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"}).invoke(
        app, ["plan", str(russian), "--view", "month"]
    )
    assert result.exit_code == 0
    assert _latin_words(result.stdout) == []
    assert "Обозначения:" in result.stdout
    assert "Март 2027" in result.stdout


def test_russian_handout_has_no_english(runner: CliRunner, russian: Path) -> None:
    """The HTML handout's text (not its tags or CSS) is Russian, and says so in `lang`."""
    from html.parser import HTMLParser

    html = runner.invoke(app, ["plan", str(russian), "-f", "html"]).stdout
    assert '<html lang="ru">' in html
    texts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = texts.append  # type: ignore[method-assign]
    parser.feed(html.split("</style>", 1)[1])
    text = "".join(texts)
    assert _latin_words(text) == []
    for heading in ("Вопросы для дневника", "Памятки", "Предупреждения ("):
        assert heading in text


@pytest.mark.parametrize("discreet", [False, True], ids=["full", "discreet"])
def test_russian_calendar_has_no_english(runner: CliRunner, russian: Path, discreet: bool) -> None:
    """The .ics texts (name, titles, descriptions, categories, alarms) are Russian."""
    args = ["plan", str(russian), "-f", "ics", *(["--discreet"] if discreet else [])]
    ics = runner.invoke(app, args).stdout
    texts = re.findall(
        r"^(?:X-WR-CALNAME|NAME|SUMMARY|DESCRIPTION|CATEGORIES):(.*(?:\r\n .*)*)", ics, re.M
    )
    assert texts
    for text in texts:
        unfolded = text.replace("\r\n ", "")
        assert _latin_words(unfolded) == [], unfolded
    if discreet:
        lowered = ics.lower()
        for stem in ("кетамин", "эскетамин", "справато", "инфузи", "доз"):
            assert stem not in lowered


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_english_output_has_no_russian(runner: CliRunner, example: Path) -> None:
    """English plans, in every format, hold no Cyrillic."""
    for fmt in ("terminal", "json", "ics", "html"):
        out = runner.invoke(app, ["plan", str(example), "-f", fmt]).stdout
        assert not CYRILLIC.search(out), fmt
    month = runner.invoke(app, ["plan", str(example), "--view", "month"]).stdout
    assert not CYRILLIC.search(month)


def test_lang_flag_overrides_the_schedule(runner: CliRunner, russian: Path) -> None:
    """--lang en writes the Russian-language schedule's plan in English."""
    out = runner.invoke(app, ["plan", str(russian), "--lang", "en"]).stdout
    assert not CYRILLIC.search(out)
    assert "Integration plan" in out


def test_unknown_language_in_the_schedule(runner: CliRunner, tmp_path: Path) -> None:
    """An unknown `language` is a located one-line error."""
    path = tmp_path / "s.toml"
    path.write_text(EVERYTHING.replace('"ru"', '"de"'), encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"kapplan: error: {path}:2: language: unknown language 'de'; expected one of en, ru\n"
    )


def test_caseload_agenda_in_russian(runner: CliRunner) -> None:
    """--lang ru gives the therapist's agenda in Russian."""
    caseload = EXAMPLES[0].parent / "caseload"
    out = runner.invoke(app, ["plan", str(caseload), "--lang", "ru"]).stdout
    assert out.startswith("Расписание клиентов")
    assert "Нагрузка" in out
