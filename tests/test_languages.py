"""Plans in English or Russian: every text in the chosen language, none of the other."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kapplan.cli.app import app
from kapplan.edge.load import default_rulebook, load_rulebook
from kapplan.model.rulebook import PlacementSettings
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES, ROOT, default_first

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

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _latin_words(text: str) -> list[str]:
    """Return the English words of a Russian text of the schedule above (in Berlin):
    Latin beyond its zone and the codes every output may hold (see `CODES`)."""
    return Allowed(frozenset({"Europe/Berlin"}), frozenset({"CET", "CEST"})).english(text)


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

    for reader, shown in (
        ("patient", "Время этих сессий подтвердит ваш терапевт."),
        ("therapist", "Предупреждения ("),
    ):
        html = runner.invoke(app, ["plan", str(russian), "-f", "html", "--for", reader]).stdout
        assert '<html lang="ru">' in html
        texts: list[str] = []
        parser = HTMLParser()
        parser.handle_data = texts.append  # type: ignore[method-assign]
        parser.feed(html.split("</style>", 1)[1])
        text = "".join(texts)
        assert _latin_words(text) == []
        for heading in ("Вопросы для дневника", "Памятки", "Откуда взяты эти рекомендации", shown):
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


# -- Every Russian output ------------------------------------------------------------
#
# Each output kapplan writes for people, rendered in Russian from the examples, a
# Russian caseload and the schedule above, is scanned for Latin letters. What may stay
# Latin is names and codes (README, "Languages"), and only these:

#: Codes, each matched by its own form.
CODES = {
    # An event's uid, the key a calendar matches events on (diff prints it).
    "uid": re.compile(r"\b[0-9a-f]{24}@kapplan\b"),
    # Where a dose is in the schedule file, as a note on its local time says.
    "field path": re.compile(r"\binfusion\[\d+\]\.at\b|\bseries\[\d+\]"),
    # The designator of coordinated time before an offset: UTC+01:00.
    "UTC": re.compile(r"\bUTC(?=[+-]\d\d:\d\d)"),
}
#: What a reader types, quoted as it is typed.
TYPED = ("`kapplan rules --dump`", "(--strict)")
#: The tag after a problem's place in `validate`'s lines: the word editors look for.
VALIDATE_TAG = ": warning: "
#: The program's name.
PROGRAM = "kapplan"
RUSSIAN_CASELOAD = ROOT / "examples" / "caseload"
LISBON = ROOT / "examples" / "therapist" / "lisbon.toml"
CLINIC_RULES = ROOT / "examples" / "rulebooks" / "clinic.toml"
MOVED = ROOT / "tests" / "data" / "iv-six-infusions-moved.toml"


@dataclass(frozen=True)
class Allowed:
    """The names an output may hold in Latin: labels, zones, files, and (for `kapplan
    rules`) the rulebook's own values."""

    exact: frozenset[str]
    """Removed wherever they stand: IANA zones, file paths, rulebook values, TYPED."""
    words: frozenset[str]
    """Whole Latin words that are names: client labels, zone abbreviations, PROGRAM."""

    def english(self, text: str) -> list[str]:
        """Return the Latin words of a text that are none of these names or codes."""
        for pattern in CODES.values():
            text = pattern.sub(" ", text)
        for exact in sorted(self.exact, key=len, reverse=True):
            text = text.replace(exact, " ")
        return [w for w in re.findall(r"[A-Za-z]+", text) if w not in self.words]


def _names(
    paths: list[Path], *, machine: str | None = None, rulebooks: tuple[Path, ...] = ()
) -> Allowed:
    """Return the names the inputs bring: their files, client labels and zones (with
    every abbreviation those zones use in 2026-2028), this machine's zone where the
    output is on its clock, and a rulebook's values."""
    exact = {*TYPED, VALIDATE_TAG, *(str(p) for p in paths)}
    words = {PROGRAM}
    zones = {machine} if machine else set()
    for path in paths:
        for file in sorted(path.glob("*.toml")) if path.is_dir() else [path]:
            exact.add(str(file))
            data = tomllib.loads(file.read_text(encoding="utf-8"))
            section = data.get("therapist", data)
            words.add(data.get("client") or file.stem)
            zones.add(section.get("timezone", "UTC"))
    exact.update(zones)
    for zone in zones:
        day = datetime(2026, 1, 1, 12, tzinfo=ZoneInfo(zone))
        words.update((day + timedelta(days=n)).strftime("%Z") for n in range(3 * 366))
    for book in rulebooks:
        exact.add(str(book))
        exact.update(_rulebook_values(book))
    return Allowed(frozenset(exact), frozenset(words))


def _rulebook_values(path: Path) -> set[str]:
    """Return the values a rulebook file is written in: ids, kinds, phases, anchors,
    sources, offsets and {settings}, as `kapplan rules` shows them."""
    book = load_rulebook(str(path), defaults=default_rulebook())
    values: set[str] = set()
    for rule in book.rule:
        values.update((rule.id, rule.kind.value, rule.phase.value, rule.anchor.value))
        values.update(rule.source)
        offsets = (rule.opens, rule.closes, rule.every, rule.until, rule.minutes, rule.count)
        values.update(str(v) for v in offsets if isinstance(v, str))
    # The [placement] table and the settings the engine's own rules name, as files write them.
    values.update(("placement", *PlacementSettings.model_fields))
    values.update(("course_gap_days", "every-infusion", "weekly"))
    return values


def _ics_texts(ics: str) -> list[str]:
    found = re.findall(
        r"^(?:X-WR-CALNAME|NAME|SUMMARY|DESCRIPTION|CATEGORIES):(.*(?:\r\n .*)*)", ics, re.M
    )
    return [text.replace("\r\n ", "") for text in found]


def _html_texts(html: str) -> list[str]:
    from html.parser import HTMLParser

    texts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = texts.append  # type: ignore[method-assign]
    parser.feed(html.replace(html[html.index("<style>") : html.index("</style>")], ""))
    return texts


def _json_texts(document: str) -> list[str]:
    data = json.loads(document)
    texts = [w["message"] for w in data["warnings"]]
    return texts + [e[f] for e in data["events"] for f in ("title", "description")]


@pytest.fixture(name="caseload_ru")
def fixture_caseload_ru(tmp_path: Path) -> Path:
    """The example caseload with every client's schedule in Russian."""
    folder = tmp_path / "caseload"
    folder.mkdir()
    for path in sorted(RUSSIAN_CASELOAD.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        (folder / path.name).write_text(f'language = "ru"\n{text}', encoding="utf-8")
    return folder


def _outputs(runner: CliRunner, args: list[str]) -> dict[str, list[str]]:
    """Render a schedule (or caseload) in Russian in every format and view for people."""

    def run(*extra: str) -> str:
        result = runner.invoke(app, [*args, *extra])
        assert result.exit_code == 0, (args, extra, result.stderr)
        return result.stdout

    caseload = "--therapist" in args or Path(args[1]).is_dir()
    outputs = {
        "agenda": [run()],
        "json": _json_texts(run("-f", "json")),
        "ics": _ics_texts(run("-f", "ics")),
        "ics --discreet": _ics_texts(run("-f", "ics", "--discreet")),
    }
    if not caseload:
        outputs["month"] = [run("--view", "month")]
        outputs["html"] = _html_texts(run("-f", "html"))
    return outputs


class TestEveryRussianOutput:
    """No English word in any Russian output: only names and codes stay Latin."""

    @pytest.mark.parametrize(
        "example",
        ["everything", *default_first(EXAMPLES)],
        ids=lambda p: getattr(p, "stem", p),
    )
    def test_a_schedule(self, runner: CliRunner, example: Path | str, russian: Path) -> None:
        """The agenda, month view, JSON texts, handout and calendar texts of a plan."""
        path = russian if example == "everything" else example
        assert isinstance(path, Path)
        allowed = _names([path])
        for name, texts in _outputs(runner, ["plan", str(path), "--lang", "ru"]).items():
            for text in texts:
                assert allowed.english(text) == [], (name, text)

    @pytest.mark.parametrize("therapist", [False, True], ids=["own-clock", "lisbon"])
    def test_a_caseload(self, runner: CliRunner, caseload_ru: Path, therapist: bool) -> None:
        """The caseload agenda (warnings with the clients' clocks), its JSON texts and
        the therapist's calendar, for Russian clients and a Russian agenda."""
        args = ["plan", str(caseload_ru), "--lang", "ru"]
        args += ["--therapist", str(LISBON)] if therapist else []
        # Without a therapist file the agenda is on this machine's clock (the runner's TZ).
        allowed = _names([caseload_ru, LISBON] if therapist else [caseload_ru], machine="UTC")
        outputs = _outputs(runner, args)
        assert "Предупреждения (" in outputs["agenda"][0] or not therapist
        for name, texts in outputs.items():
            for text in texts:
                assert allowed.english(text) == [], (name, text)

    @pytest.mark.parametrize("rulebook", [None, CLINIC_RULES], ids=["default", "clinic"])
    def test_rules(self, runner: CliRunner, rulebook: Path | None) -> None:
        """`kapplan rules --lang ru`: the labels are Russian; the rulebook's values stay."""
        args = ["rules", "--lang", "ru", *(["--rules", str(rulebook)] if rulebook else [])]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        books = (CLINIC_RULES,) if rulebook else ()
        allowed = _names([], rulebooks=(ROOT / "src/kapplan/data/rulebook.toml", *books))
        assert allowed.english(result.stdout) == []
        assert "Действующие правила" in result.stdout

    @pytest.mark.parametrize("fmt", ["terminal", "json"])
    def test_validate(self, runner: CliRunner, russian: Path, fmt: str) -> None:
        """`kapplan validate --lang ru`: its warnings and summary are Russian."""
        paths = [ROOT / "examples", russian, LISBON]
        result = runner.invoke(app, ["validate", *map(str, paths), "--lang", "ru", "-f", fmt])
        assert result.exit_code == 0, result.stdout
        allowed = _names(paths)
        if fmt == "json":
            data = json.loads(result.stdout)
            texts = [w["message"] for f in data["files"] for w in f["warnings"]]
            texts += [w["field"] for f in data["files"] for w in f["warnings"] if w["field"]]
        else:
            texts = [result.stdout]
        assert texts
        for text in texts:
            assert allowed.english(text) == [], text

    @pytest.mark.parametrize("fmt", ["terminal", "json"])
    def test_diff(self, runner: CliRunner, fmt: str) -> None:
        """`kapplan diff --lang ru`: labels, dates and titles are Russian."""
        old = ROOT / "examples" / "iv-six-infusions.toml"
        result = runner.invoke(app, ["diff", str(old), str(MOVED), "--lang", "ru", "-f", fmt])
        assert result.exit_code == 0, result.stderr
        allowed = _names([old, MOVED])
        if fmt == "json":
            data = json.loads(result.stdout)
            groups = ("moved", "added", "removed", "changed")
            texts = [
                e[k] for g in groups for e in data[g] for k in ("title", "old_title") if k in e
            ]
        else:
            texts = [result.stdout]
        assert texts
        for text in texts:
            assert allowed.english(text) == [], text

    def test_the_allow_list_finds_english(self) -> None:
        """The scan catches an English word beside the names it lets through."""
        allowed = _names([RUSSIAN_CASELOAD / "vera.toml"])
        text = "Vera: сессия 12:00 MSK (Europe/Moscow), 0123456789abcdef01234567@kapplan"
        assert allowed.english(text) == []
        assert allowed.english(text + " next options: Wed 09 Dec") == [
            "next",
            "options",
            "Wed",
            "Dec",
        ]
        assert allowed.english("Moscow") == ["Moscow"]  # a zone only whole
