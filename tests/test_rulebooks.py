"""Your own protocol: rulebook files over the defaults, dump, versions, `rules`, `schema`."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from kapplan.cli.app import app
from kapplan.edge.load import default_rulebook, load_rulebook, load_schedule, rulebook_from_text
from kapplan.edge.rulebook_file import dump_rulebook, migrate, overlay
from kapplan.engine import build_caseload, build_plan
from kapplan.errors import RulebookError
from kapplan.formats.schema import rulebook_schema, schedule_schema
from kapplan.i18n import catalogues
from kapplan.model.rulebook import RULEBOOK_VERSION, Rulebook, rule_origins, shipped_rulebook
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES, ROOT, examples

IV = ROOT / "examples" / "iv-six-infusions.toml"
CLINIC = ROOT / "examples" / "rulebooks" / "clinic.toml"
SCHEDULE = 'timezone = "Europe/Berlin"\n[[infusion]]\nat = 2026-12-01T10:00:00\nmethod = "iv"\n'


def _over_defaults(text: str, name: str = "mine.toml") -> Rulebook:
    return rulebook_from_text(text, name, defaults=default_rulebook())


def _rule(book: Rulebook, rule_id: str) -> Any:
    return next(r for r in book.rule if r.id == rule_id)


def _events(plan_json: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(plan_json)["events"]
    return events


def _minutes(event: dict[str, Any]) -> int:
    start, end = datetime.fromisoformat(event["start"]), datetime.fromisoformat(event["end"])
    return int((end - start).total_seconds() // 60)


class TestCopies:
    """The default rulebook is one object per process; a copy with changed fields is a
    rulebook of its own, whatever was read of the original before."""

    def test_the_default_rulebook_is_read_once(self) -> None:
        assert default_rulebook() is default_rulebook()

    def test_a_copy_with_other_rules_has_them_active(self) -> None:
        book = default_rulebook()
        assert len(book.active) > 1  # read (and cached) on the original first
        first = book.rule[0]
        copied = book.model_copy(update={"rule": (first,)})
        assert copied.active == (first,)
        assert len(book.active) > 1

    def test_a_copy_with_other_client_hours_has_them_parsed(self) -> None:
        placement = default_rulebook().placement
        before = placement.client_ranges
        copied = placement.model_copy(update={"client_hours": "10:00-11:00"})
        assert copied.client_ranges != before
        assert (
            copied.client_ranges
            == placement.model_validate(
                {**placement.model_dump(), "client_hours": "10:00-11:00"}
            ).client_ranges
        )

    def test_a_schedule_copy_in_another_zone_is_in_that_zone(self) -> None:
        schedule = load_schedule(str(EXAMPLES[0]))
        assert schedule.zone.key != "Asia/Tokyo"  # read (and cached) on the original first
        assert schedule.model_copy(update={"timezone": "Asia/Tokyo"}).zone.key == "Asia/Tokyo"


def _same_values(built: Any, validated: Any, where: str = "rulebook") -> None:
    """Assert two rulebooks (or parts) hold the same values of the same types, and say
    they were given the same fields, all the way down."""
    assert type(built) is type(validated), where
    if isinstance(validated, BaseModel):
        assert built.model_fields_set == validated.model_fields_set, where
        for name in type(validated).model_fields:
            _same_values(getattr(built, name), getattr(validated, name), f"{where}.{name}")
    elif isinstance(validated, dict):
        assert list(built) == list(validated), where
        for (key, value), (other_key, other) in zip(built.items(), validated.items(), strict=True):
            _same_values(key, other_key, f"{where} key {key!r}")
            _same_values(value, other, f"{where}[{key!r}]")
    elif isinstance(validated, tuple):
        assert len(built) == len(validated), where
        for n, (value, other) in enumerate(zip(built, validated, strict=True)):
            _same_values(value, other, f"{where}[{n}]")
    else:
        assert built == validated, where


class TestShipped:
    """kapplan's own rulebook is built without validation (`shipped_rulebook`): the same
    rulebook, value for value and type for type, as validating its file gives."""

    TEXT = (ROOT / "src" / "kapplan" / "data" / "rulebook.toml").read_text(encoding="utf-8")

    def test_the_default_rulebook_is_its_file_validated(self) -> None:
        validated = rulebook_from_text(self.TEXT, "rulebook.toml")
        assert default_rulebook() == validated
        _same_values(default_rulebook(), validated)

    @pytest.mark.parametrize("path", sorted((ROOT / "examples" / "rulebooks").glob("*.toml")))
    def test_a_whole_rulebook_is_built_as_validated(self, path: Path) -> None:
        """An example rulebook laid over the defaults and written out whole, with
        other rules, sources and settings, is built as validation builds it."""
        whole = tomllib.loads(dump_rulebook(load_rulebook(str(path))))
        del whole["extends"]  # the dump is whole: it reads the same on its own
        _same_values(shipped_rulebook(whole), Rulebook.model_validate(whole))

    def test_a_rulebook_without_optional_tables_takes_the_defaults(self) -> None:
        whole = tomllib.loads(self.TEXT)
        del whole["placement"], whole["sources"]
        for rule in whole["rule"]:
            rule["source"] = ["label"]
        whole["sources"] = {"label": {"title": "The label"}}
        _same_values(shipped_rulebook(whole), Rulebook.model_validate(whole))

    def test_a_wrong_rulebook_is_still_refused_by_validation(self) -> None:
        """Only the shipped file skips validation: a user's rulebook with a mistake is
        refused although the rule models are built only when first used."""
        with pytest.raises(RulebookError, match="minutes"):
            _over_defaults('version = 1\n[[rule]]\nid = "journaling"\nminutes = -5\n')


class TestOverlay:
    """A rulebook file is laid over the defaults rule by rule."""

    def test_a_rule_gives_only_what_it_changes(self) -> None:
        """An entry with an id and one key changes that key; the rest stays the default."""
        book = _over_defaults('version = 1\n[[rule]]\nid = "journaling"\nminutes = 20\n')
        defaults = default_rulebook()
        assert _rule(book, "journaling") == _rule(defaults, "journaling").model_copy(
            update={"minutes": 20}
        )
        assert [r for r in book.rule if r.id != "journaling"] == [
            r for r in defaults.rule if r.id != "journaling"
        ]

    def test_a_file_with_only_a_version_is_the_default_rulebook(self) -> None:
        """Nothing changed, nothing differs."""
        assert _over_defaults("version = 1\n") == default_rulebook()

    def test_enabled_false_switches_a_rule_off(self) -> None:
        """A disabled rule stays in the rulebook but places no event."""
        book = _over_defaults('version = 1\n[[rule]]\nid = "movement"\nenabled = false\n')
        assert "movement" in [r.id for r in book.rule]
        assert "movement" not in [r.id for r in book.active]
        schedule = load_schedule(str(IV))
        plan = build_plan(schedule, book, texts=catalogues())
        assert not [e for e in plan.events if e.rule == "movement"]
        default_plan = build_plan(schedule, default_rulebook(), texts=catalogues())
        assert [e for e in default_plan.events if e.rule == "movement"]

    def test_a_new_id_is_a_new_rule_after_the_defaults(self) -> None:
        """A rule of your own is appended, and plans like any other."""
        text = """version = 1
[[rule]]
id = "check-in-call"
kind = "integration-session"
phase = "integration"
anchor = "course-end"
placement = "session"
opens = "day+3d"
closes = "day+5d"
minutes = 20
title = "Check-in call (course {course})"
source = ["clinic"]

[sources.clinic]
title = "Our clinic's integration protocol"
"""
        book = _over_defaults(text)
        assert book.rule[-1].id == "check-in-call"
        assert rule_origins(book, default_rulebook())["check-in-call"] == "new"
        plan = build_plan(load_schedule(str(IV)), book, texts=catalogues())
        calls = [e for e in plan.events if e.rule == "check-in-call"]
        assert [e.title for e in calls] == ["Check-in call (course 1)"]

    def test_a_list_replaces_the_whole_list(self) -> None:
        """prompts (or source) given in a file replace the default list, not extend it."""
        book = _over_defaults('version = 1\n[[rule]]\nid = "journaling"\nprompts = ["One?"]\n')
        assert _rule(book, "journaling").prompts == ("One?",)

    def test_a_method_gives_only_what_it_changes(self) -> None:
        """[methods.iv] note alone keeps the default label."""
        book = _over_defaults('version = 1\n[methods.iv]\nnote = "Bring a book."\n')
        assert book.methods[next(iter(book.methods))].label == "IV infusion"
        assert [t.note for m, t in book.methods.items() if m.value == "iv"] == ["Bring a book."]

    def test_extends_none_needs_a_whole_rulebook(self) -> None:
        """extends = "none" takes no default: every method and rule must be in the file."""
        with pytest.raises(RulebookError) as caught:
            _over_defaults('version = 1\nextends = "none"\n[[rule]]\nid = "journaling"\n')
        # The first problem in file order: the rule lacks what a new rule needs;
        # the missing method texts (no line) come after.
        assert str(caught.value) == "mine.toml:3: rule[1].kind: missing; this key is required"

    def test_overlay_names_the_files_rule_for_each_merged_rule(self) -> None:
        """Each merged rule knows which [[rule]] of the file shaped it, for located errors."""
        new = tomllib.loads(dump_rulebook(default_rulebook()))["rule"][3] | {"id": "x"}
        data = {"version": 1, "rule": [{"id": "movement", "enabled": False}, new]}
        merged, origins = overlay(default_rulebook(), data)
        ids = [r["id"] for r in merged["rule"]]
        assert origins[ids.index("movement")] == 0
        assert origins[-1] == 1
        assert ids[-1] == "x"
        assert origins.count(None) == len(default_rulebook().rule) - 1

    def test_origins_tell_default_changed_and_new(self) -> None:
        """rule_origins compares each rule with kapplan's own."""
        book = _over_defaults(CLINIC.read_text(encoding="utf-8"))
        origins = rule_origins(book, default_rulebook())
        assert {k for k, v in origins.items() if v == "changed"} == {
            "preparation-session",
            "integration-session",
            "long-arc-monthly",
        }
        assert set(origins.values()) == {"default", "changed"}


class TestDump:
    """`kapplan rules --dump` writes a file that loads back to the same rulebook."""

    def test_default_round_trips(self) -> None:
        """dump -> load over the defaults -> the identical Rulebook."""
        defaults = default_rulebook()
        assert _over_defaults(dump_rulebook(defaults)) == defaults

    def test_dump_is_a_whole_rulebook(self) -> None:
        """With extends = "none" the dump loads on its own to the identical Rulebook."""
        text = dump_rulebook(default_rulebook()).replace('extends = "default"', 'extends = "none"')
        assert rulebook_from_text(text, "whole.toml") == default_rulebook()

    def test_changed_rulebook_round_trips(self) -> None:
        """A rulebook with changes, a rule switched off and a new rule dumps and loads back."""
        book = _over_defaults(
            CLINIC.read_text(encoding="utf-8")
            + '[[rule]]\nid = "movement"\nenabled = false\n'
            + '[[rule]]\nid = "walk"\nkind = "movement"\nphase = "integration"\n'
            + 'anchor = "infusion"\nplacement = "practice"\nopens = "+2d"\ncloses = "+3d"\n'
            + 'minutes = 45\ntitle = "Long walk"\nsource = ["clinic"]\n'
            + '[sources.clinic]\ntitle = "Our clinic\'s integration protocol"\n'
        )
        assert _over_defaults(dump_rulebook(book)) == book

    @examples(quick=10, full=40)
    def test_any_edit_round_trips(self, runs: int) -> None:
        """Whatever a rule's length, switch and title, dump -> load gives it back."""

        @settings(max_examples=runs)
        @given(
            index=st.integers(0, 15),
            minutes=st.integers(1, 600),
            enabled=st.booleans(),
            title=st.text(
                st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1
            ).filter(lambda t: "{" not in t and "}" not in t and t.strip()),
        )
        def check(index: int, minutes: int, enabled: bool, title: str) -> None:
            defaults = default_rulebook()
            rule = defaults.rule[index]
            update: dict[str, Any] = {"enabled": enabled, "title": title}
            if rule.placement.value != "advisory":
                update["minutes"] = minutes
            rules = tuple(
                r.model_copy(update=update) if r.id == rule.id else r for r in defaults.rule
            )
            book = Rulebook.model_validate(
                {**defaults.model_dump(), "rule": [r.model_dump() for r in rules]}
            )
            assert _over_defaults(dump_rulebook(book)) == book

        check()

    def test_dump_explains_itself(self) -> None:
        """The dump's header says how to use it and lists every key of a rule."""
        text = dump_rulebook(default_rulebook(), name="clinic.toml")
        assert "kapplan plan schedule.toml --rules clinic.toml" in text
        assert "enabled = false" in text
        for key in ("opens", "closes", "minutes", "count", "every", "until", "per_day"):
            assert f"#   {key} [" in text

    def test_dump_golden(self, golden: Callable[[str, bytes], None]) -> None:
        """The dump of the default rulebook is stable, byte for byte."""
        golden("rulebook-dump.toml", dump_rulebook(default_rulebook()).encode())


class TestVersion:
    """A rulebook says its format version; older ones migrate, newer ones say why not."""

    def test_newer_version_says_exactly_why(self) -> None:
        """A file written for a newer kapplan is refused at its version line."""
        with pytest.raises(RulebookError) as caught:
            _over_defaults("# my protocol\nversion = 7\n")
        assert str(caught.value) == (
            f"mine.toml:2: version: written for rulebook version 7; this kapplan reads "
            f"versions up to {RULEBOOK_VERSION}; upgrade kapplan"
        )

    def test_missing_version(self) -> None:
        """A file without a version is refused: a later kapplan could not read it."""
        with pytest.raises(RulebookError) as caught:
            _over_defaults('[[rule]]\nid = "journaling"\nminutes = 20\n')
        assert str(caught.value) == (
            f"mine.toml: version: missing; expected version = {RULEBOOK_VERSION} "
            "(the rulebook format it is written for)"
        )

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("0", "rulebook version 0 does not exist; expected 1"),
            ('"1"', "got '1'; expected a whole number, e.g. version = 1"),
            ("1.5", "got 1.5; expected a whole number, e.g. version = 1"),
        ],
    )
    def test_version_that_is_no_version(self, value: str, message: str) -> None:
        """A version below 1 or not a whole number is refused at its line."""
        with pytest.raises(RulebookError) as caught:
            _over_defaults(f"version = {value}\n")
        assert str(caught.value) == f"mine.toml:1: version: {message}"

    def test_older_version_is_migrated_step_by_step(self) -> None:
        """Each step takes version n to n+1; the data reaches the current version.

        There is only version 1 today, so the steps here are synthetic: a v1 -> v2
        rename of `minutes` to `length`, and a v2 -> v3 default for `extends`.
        """

        def rename(data: dict[str, Any]) -> dict[str, Any]:
            rules = [
                {("length" if k == "minutes" else k): v for k, v in r.items()}
                for r in data.get("rule", [])
            ]
            return {**data, "rule": rules}

        def extends(data: dict[str, Any]) -> dict[str, Any]:
            return {"extends": "default", **data}

        data = {"version": 1, "rule": [{"id": "journaling", "minutes": 20}]}
        result = migrate(data, current=3, steps={1: rename, 2: extends})
        assert result == {
            "extends": "default",
            "version": 3,
            "rule": [{"id": "journaling", "length": 20}],
        }
        assert migrate(result, current=3, steps={}) == result
        assert data == {"version": 1, "rule": [{"id": "journaling", "minutes": 20}]}

    def test_missing_migration_step_is_refused(self) -> None:
        """An older version with no way forward says so, at `version`."""
        with pytest.raises(RulebookError) as caught:
            migrate({"version": 1}, current=2, steps={})
        assert str(caught.value) == (
            "version: rulebook version 1 cannot be read by this kapplan; expected version 2"
        )

    def test_current_version_needs_no_step(self) -> None:
        """The shipped table has a step for every version below the current one."""
        from kapplan.edge.rulebook_file import MIGRATIONS

        assert set(MIGRATIONS) == set(range(1, RULEBOOK_VERSION))


#: Rulebook mistakes and the exact stderr line each gives (file `bad.toml`).
BAD_RULEBOOKS = {
    "unknown anchor": (
        'version = 1\n\n[[rule]]\nid = "journaling"\nanchor = "dose"\n',
        "bad.toml:5: rule[1].anchor: got 'dose'; expected 'course-start', 'infusion', "
        "'course-end', 'course', 'between-courses' or 'after-last-course'",
    ),
    "window ends before it starts": (
        'version = 1\n\n[[rule]]\nid = "integration-session"\nopens = "+24h"\ncloses = "+12h"\n',
        "bad.toml:6: rule[1].closes: the window closes (+12h) before it opens (+24h); "
        "expected closes after opens",
    ),
    "window opened past its default close": (
        'version = 1\n\n[[rule]]\nid = "small-action"\nopens = "+80h"\n',
        "bad.toml:3: rule[1].closes: the window closes (+72h) before it opens (+80h); "
        "expected closes after opens",
    ),
    "negative duration": (
        'version = 1\n\n[[rule]]\nid = "journaling"\nminutes = -5\n',
        "bad.toml:5: rule[1].minutes: minutes is -5; expected a positive number",
    ),
    "unknown key in a rule": (
        'version = 1\n\n[[rule]]\nid = "journaling"\nminuts = 20\n',
        "bad.toml:5: rule[1].minuts: unknown key 'minuts'; expected one of id, kind, phase, "
        "anchor, placement, opens, closes, fit, prefer, overflow, hours, minutes, count, "
        "every, until, per_day, spread, apart_days, avoid_dose_days, follows_cadence, clip, "
        "merge, enabled, title, description, why, prompts, source",
    ),
    "unknown top-level key": (
        "version = 1\nrule_set = 2\n",
        "bad.toml:2: rule_set: unknown key 'rule_set'; expected one of version, extends, "
        "methods, placement, sources, rule",
    ),
    "unknown key in a method": (
        'version = 1\n\n[methods.iv]\nlable = "IV"\n',
        "bad.toml:4: methods.iv.lable: unknown key 'lable'; expected one of label, note",
    ),
    "unknown method": (
        'version = 1\n\n[methods.ivv]\nlabel = "IV"\n',
        "bad.toml:3: methods.ivv: got 'ivv'; expected 'iv', 'im', 'esketamine' or 'oral'",
    ),
    "id given twice": (
        'version = 1\n[[rule]]\nid = "rest"\n[[rule]]\nid = "rest"\nminutes = 60\n',
        "bad.toml:5: rule[2].id: rule id 'rest' is also rule[1]'s; expected each id once in a file",
    ),
    "misspelt id": (
        'version = 1\n[[rule]]\nid = "integration-sesion"\nminutes = 90\n',
        "bad.toml:3: rule[1].id: no default rule has id 'integration-sesion' (did you mean "
        "'integration-session'?); a new rule needs kind, phase, anchor, placement, title, "
        "source",
    ),
    "unknown extends": (
        'version = 1\nextends = "clinic"\n',
        'bad.toml:2: extends: got \'clinic\'; expected "default" or "none"',
    ),
    "newer version": (
        "version = 2\n",
        "bad.toml:1: version: written for rulebook version 2; this kapplan reads versions "
        "up to 1; upgrade kapplan",
    ),
    "unknown setting": (
        'version = 1\n[[rule]]\nid = "rest"\nminutes = "{rest_minutes}"\n',
        "bad.toml:4: rule[1].minutes: cannot read '{rest_minutes}'; expected a whole number "
        "or one of {course_gap_days}, {dose_minutes}, {long_arc_months}, {prep_sessions}, "
        "{session_minutes}",
    ),
    "count beyond its range": (
        'version = 1\n[[rule]]\nid = "integration-session"\ncount = 1000000000\n',
        "bad.toml:4: rule[1].count: count is 1000000000; expected at most 20 occurrences "
        "per anchor",
    ),
    "count beyond memory": (
        'version = 1\n[[rule]]\nid = "integration-session"\ncount = 9223372036854775807\n',
        "bad.toml:4: rule[1].count: count is 9223372036854775807; expected at most 20 "
        "occurrences per anchor",
    ),
    "minutes beyond a day": (
        'version = 1\n[[rule]]\nid = "integration-session"\nminutes = 1000000000\n',
        "bad.toml:4: rule[1].minutes: minutes is 1000000000; expected at most 1440 (a day)",
    ),
    "offset beyond two years": (
        'version = 1\n[[rule]]\nid = "integration-session"\ncloses = "+99999999d"\n',
        "bad.toml:4: rule[1].closes: offset '+99999999d' reaches more than 24 months; "
        "expected a nearer offset",
    ),
    "per_day beyond a day's hours": (
        'version = 1\n[[rule]]\nid = "journaling"\nper_day = 100000\n',
        "bad.toml:4: rule[1].per_day: got 100000; expected less than or equal to 24",
    ),
    "template width": (
        'version = 1\n[[rule]]\nid = "journaling"\ntitle = "{k:>999999999}"\n',
        "bad.toml:4: rule[1].title: placeholder {k:>999999999} has a conversion or format; "
        "expected a bare {name}, or {name:plural:form|forms}",
    ),
    "template attribute": (
        'version = 1\n[[rule]]\nid = "journaling"\ntitle = "{dose.__class__}"\n',
        "bad.toml:4: rule[1].title: unknown placeholder {dose.__class__}; expected one of "
        "{count}, {course}, {dose}, {k}, {method}, {method_note}, {minutes}, {month}, {n}, "
        "{week}",
    ),
    "template index": (
        'version = 1\n[[rule]]\nid = "journaling"\ndescription = "{dose[0]}"\n',
        "bad.toml:4: rule[1].description: unknown placeholder {dose[0]}; expected one of "
        "{count}, {course}, {dose}, {k}, {method}, {method_note}, {minutes}, {month}, {n}, "
        "{week}",
    ),
    "template conversion": (
        'version = 1\n[[rule]]\nid = "journaling"\nwhy = "{n!r}"\n',
        "bad.toml:4: rule[1].why: placeholder {n!r} has a conversion or format; expected a "
        "bare {name}, or {name:plural:form|forms}",
    ),
    "not TOML": (
        'version = 1\n[[rule]\nid = "rest"\n',
        "bad.toml:2: not valid TOML: Expected ']]' at the end of an array declaration",
    ),
}


class TestRulebookErrors:
    """Every rulebook mistake is one located line on stderr, exit 2, no output."""

    @pytest.mark.parametrize("case", sorted(BAD_RULEBOOKS))
    def test_plan_refuses_with_one_located_line(
        self, case: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`kapplan plan --rules bad.toml` prints `kapplan: error: bad.toml:LINE: ...`."""
        text, expected = BAD_RULEBOOKS[case]
        monkeypatch.chdir(tmp_path)
        Path("bad.toml").write_text(text, encoding="utf-8")
        Path("s.toml").write_text(SCHEDULE, encoding="utf-8")
        result = runner.invoke(app, ["plan", "s.toml", "--rules", "bad.toml", "-o", "out.json"])
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == f"kapplan: error: {expected}\n"
        assert not Path("out.json").exists()

    @pytest.mark.parametrize(
        "case", ["count beyond memory", "minutes beyond a day", "template width"]
    )
    def test_validate_refuses_the_same_way(
        self, case: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`kapplan validate bad.toml` finds the rulebook's out-of-range number or template
        (it once said "1 file OK" to a count a plan died on)."""
        text, expected = BAD_RULEBOOKS[case]
        monkeypatch.chdir(tmp_path)
        Path("bad.toml").write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["validate", "bad.toml"])
        assert (result.exit_code, result.stdout) == (2, f"{expected}\n1 problem in 1 file\n")

    def test_rules_command_refuses_the_same_way(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`kapplan rules --rules bad.toml` gives the same line."""
        text, expected = BAD_RULEBOOKS["negative duration"]
        monkeypatch.chdir(tmp_path)
        Path("bad.toml").write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["rules", "--rules", "bad.toml"])
        assert (result.exit_code, result.stderr) == (2, f"kapplan: error: {expected}\n")

    def test_missing_rulebook_file(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--rules naming no file says so."""
        monkeypatch.chdir(tmp_path)
        Path("s.toml").write_text(SCHEDULE, encoding="utf-8")
        result = runner.invoke(app, ["plan", "s.toml", "--rules", "nowhere.toml"])
        assert (result.exit_code, result.stderr) == (
            2,
            "kapplan: error: nowhere.toml: no such file; expected a path to a rulebook "
            "(TOML), or - for stdin\n",
        )


class TestScheduleRules:
    """`rules = "..."` in a schedule, relative to it; --rules wins."""

    def _clinic(self, folder: Path, rules: str = "protocol.toml") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "protocol.toml").write_text(CLINIC.read_text(encoding="utf-8"))
        schedule = folder / "patient.toml"
        schedule.write_text(f'rules = "{rules}"\n' + IV.read_text(encoding="utf-8"))
        return schedule

    def _prep_sessions(self, runner: CliRunner, args: list[str], stdin: str | None = None) -> int:
        result = runner.invoke(app, ["plan", *args, "-f", "json"], input=stdin)
        assert result.exit_code == 0, result.stderr
        return sum(e["rule"] == "preparation-session" for e in _events(result.stdout))

    def test_relative_to_the_schedule(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The schedule's rulebook is found beside it, whatever the current folder."""
        schedule = self._clinic(tmp_path / "clinic")
        monkeypatch.chdir(tmp_path)
        assert self._prep_sessions(runner, [str(schedule)]) == 2
        assert self._prep_sessions(runner, [str(IV)]) == 1

    def test_stdin_schedule_resolves_in_the_current_folder(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A schedule on stdin has no folder: its `rules` is relative to the current one."""
        schedule = self._clinic(tmp_path / "clinic")
        monkeypatch.chdir(tmp_path / "clinic")
        assert self._prep_sessions(runner, ["-"], stdin=schedule.read_text()) == 2

    def test_rules_flag_wins(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--rules is used instead of the schedule's own rulebook."""
        schedule = self._clinic(tmp_path / "clinic")
        (tmp_path / "three.toml").write_text(
            'version = 1\n[[rule]]\nid = "preparation-session"\ncount = 3\n'
        )
        monkeypatch.chdir(tmp_path)
        assert self._prep_sessions(runner, [str(schedule), "--rules", "three.toml"]) == 3

    def test_missing_rulebook_named_by_the_schedule(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A schedule naming no file is refused at its `rules` line."""
        self._clinic(tmp_path / "clinic", rules="protocl.toml")
        monkeypatch.chdir(tmp_path)
        result = runner.invoke(app, ["plan", "clinic/patient.toml"])
        assert (result.exit_code, result.stderr) == (
            2,
            "kapplan: error: clinic/patient.toml:1: rules: no rulebook file "
            "'clinic/protocl.toml'; expected a path relative to this schedule\n",
        )

    def test_error_in_the_schedules_rulebook_names_that_file(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A mistake in the rulebook a schedule names is located in the rulebook."""
        self._clinic(tmp_path / "clinic")
        (tmp_path / "clinic" / "protocol.toml").write_text(
            'version = 1\n[[rule]]\nid = "rest"\nminutes = -1\n'
        )
        monkeypatch.chdir(tmp_path)
        result = runner.invoke(app, ["plan", "clinic/patient.toml"])
        assert result.stderr == (
            "kapplan: error: clinic/protocol.toml:4: rule[1].minutes: minutes is -1; "
            "expected a positive number\n"
        )

    def test_output_never_overwrites_the_rulebook(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The rulebook is an input: -o onto it is refused, even with --force."""
        self._clinic(tmp_path / "clinic")
        monkeypatch.chdir(tmp_path)
        before = (tmp_path / "clinic" / "protocol.toml").read_bytes()
        result = runner.invoke(
            app,
            ["plan", "clinic/patient.toml", "-f", "json", "-o", "clinic/protocol.toml", "--force"],
        )
        assert result.exit_code == 2
        assert "is also an input" in result.stderr
        assert (tmp_path / "clinic" / "protocol.toml").read_bytes() == before

    def test_caseload_plans_each_client_with_its_own_protocol(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """In a caseload, each schedule's `rules` applies to that client only."""
        self._clinic(tmp_path / "clinic")
        (tmp_path / "clinic" / "other.toml").write_text(
            'client = "other"\n' + IV.read_text().replace("2026-12", "2027-01")
        )
        monkeypatch.chdir(tmp_path)
        result = runner.invoke(
            app, ["plan", "clinic/patient.toml", "clinic/other.toml", "-f", "json"]
        )
        assert result.exit_code == 0, result.stderr
        counts = Counter(
            e["client"] for e in _events(result.stdout) if e["rule"] == "preparation-session"
        )
        assert counts == {"patient": 2, "other": 1}

    def test_engine_takes_one_rulebook_per_schedule(self) -> None:
        """build_caseload accepts a rulebook per client, and refuses a count that differs."""
        one = load_schedule(str(IV)).model_copy(update={"client": "a"})
        two = one.model_copy(update={"client": "b"})
        clinic = load_rulebook(str(CLINIC))
        plans = build_caseload([one, two], [clinic, default_rulebook()], texts=catalogues())
        assert [sum(e.rule == "preparation-session" for e in p.events) for p in plans] == [2, 1]
        with pytest.raises(ValueError, match="1 rulebooks for 2 schedules"):
            build_caseload([one, two], [clinic], texts=catalogues())

    def test_each_client_keeps_its_own_rule_texts(self) -> None:
        """Texts written once per distinct event are still each client's own protocol's."""
        one = load_schedule(str(IV)).model_copy(update={"client": "a"})
        two = one.model_copy(update={"client": "b"})
        renamed = rulebook_from_text(
            'version = 1\n[[rule]]\nid = "journaling"\ntitle = "Write it down"\n'
            'description = "The clinic way"\n',
            "ours.toml",
            defaults=default_rulebook(),
        )
        plans = build_caseload([one, two], [renamed, default_rulebook()], texts=catalogues())
        titles = [{e.title for e in p.events if e.rule == "journaling"} for p in plans]
        assert titles[0] == {"Write it down"}
        assert titles[1]
        assert all(title.startswith("Journal about dose") for title in titles[1])


class TestEndToEnd:
    """A clinic dumps the default rules, edits three numbers, and plans with its protocol."""

    def test_three_edits_change_the_plan_exactly(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two preparation sessions, 90-minute integration sessions, long arc to month 4.

        Every other rule places as many events as with the defaults.
        """
        monkeypatch.chdir(tmp_path)
        dumped = runner.invoke(app, ["rules", "--dump"])
        assert dumped.exit_code == 0
        text = dumped.stdout
        text = text.replace('count = "{prep_sessions}"', "count = 2", 1)
        at = text.index('id = "integration-session"')
        end = text.index("[[rule]]", at)
        text = text[:at] + text[at:end].replace('"{session_minutes}"', "90", 1) + text[end:]
        text = text.replace('"day+{long_arc_months}mo+7d"', '"day+4mo+7d"', 1)
        Path("my-protocol.toml").write_text(text, encoding="utf-8")

        base = runner.invoke(app, ["plan", str(IV), "-f", "json"])
        mine = runner.invoke(app, ["plan", str(IV), "--rules", "my-protocol.toml", "-f", "json"])
        assert (base.exit_code, mine.exit_code) == (0, 0), mine.stderr
        before, after = _events(base.stdout), _events(mine.stdout)
        count_before = Counter(e["rule"] for e in before)
        count_after = Counter(e["rule"] for e in after)
        assert count_after["preparation-session"] == 2 == count_before["preparation-session"] + 1
        assert count_before["long-arc-monthly"] == 4
        assert count_after["long-arc-monthly"] == 2
        others = set(count_before) - {"preparation-session", "long-arc-monthly"}
        assert {r: count_after[r] for r in others} == {r: count_before[r] for r in others}
        sessions = [e for e in after if e["rule"] == "integration-session"]
        assert sessions
        assert {_minutes(e) for e in sessions} == {90}
        assert {_minutes(e) for e in before if e["rule"] == "integration-session"} == {60}
        months = [e["title"] for e in after if e["rule"] == "long-arc-monthly"]
        assert months == ["Long-arc session (month 3)", "Long-arc session (month 4)"]


class TestRulesCommand:
    """`kapplan rules`: the rules in force, as a table or JSON, or dumped."""

    def test_table_golden(self, runner: CliRunner, golden: Callable[[str, bytes], None]) -> None:
        """The default table at 100 columns, without colour."""
        result = runner.invoke(app, ["rules"])
        assert result.exit_code == 0
        golden("rules.txt", result.stdout.encode())

    def test_json_golden(self, runner: CliRunner, golden: Callable[[str, bytes], None]) -> None:
        """The default rules as JSON: every field of every rule, and its origin."""
        result = runner.invoke(app, ["rules", "--format", "json"])
        assert result.exit_code == 0
        document = json.loads(result.stdout)
        assert list(document) == [
            "version",
            "rulebook",
            "methods",
            "placement",
            "sources",
            "rules",
        ]
        assert [r["id"] for r in document["rules"]] == [r.id for r in default_rulebook().rule]
        golden("rules.json", result.stdout.encode())

    def test_table_marks_changes_and_lists_rules_switched_off(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """* marks a changed rule, + a new one; switched-off rules are listed, not shown."""
        book = tmp_path / "mine.toml"
        book.write_text(
            CLINIC.read_text()
            + '[[rule]]\nid = "movement"\nenabled = false\n'
            + '[[rule]]\nid = "walk"\nkind = "movement"\nphase = "integration"\n'
            + 'anchor = "infusion"\nplacement = "practice"\nopens = "+2d"\ncloses = "+3d"\n'
            + 'minutes = 45\ntitle = "Long walk"\nsource = ["clinic"]\n'
            + '[sources.clinic]\ntitle = "Our clinic\'s integration protocol"\n'
        )
        result = runner.invoke(app, ["rules", "--rules", str(book)])
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == (f"Rules in force: {book}, over kapplan's defaults (rulebook version 1)")
        assert any(line.startswith(" integration-session *") for line in lines)
        assert any(line.startswith(" walk +") for line in lines)
        # An id line has the phase beside it; the kind line of `walk` says movement too.
        assert not [line for line in lines if re.match(r"^ movement\s+integration", line)]
        assert "Switched off: movement." in lines
        assert " 2×" in result.stdout
        assert "90 min" in result.stdout

    def test_table_in_russian(self, runner: CliRunner, tmp_path: Path) -> None:
        """--lang ru: the heading, columns, repeats, lengths and notes are Russian; the
        rulebook's values are the same as in English, row for row."""
        book = tmp_path / "mine.toml"
        book.write_text(CLINIC.read_text() + '[[rule]]\nid = "movement"\nenabled = false\n')
        english = runner.invoke(app, ["rules", "--rules", str(book)]).stdout
        result = runner.invoke(app, ["rules", "--rules", str(book), "--lang", "ru"])
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == (
            f"Действующие правила: {book} поверх стандартных правил kapplan (версия формата 1)"
        )
        assert lines[2].split() == ["правило", "фаза", "окно"]
        assert lines[3].split() == ["вид", "якорь", "повтор", "длительность", "источник"]
        for text in ("один раз", "3×, каждые 1d", "90 мин", "весь день", "Отключены: movement."):
            assert text in result.stdout
        assert "каждые 1mo до day+4mo+7d" in result.stdout

        def rule_rows(text: list[str]) -> list[str]:
            # The rules table's rows (a rule id, then its kind), in order.
            end = next(n for n, line in enumerate(text) if line.startswith(("Placement", "Разм")))
            words = [line.split()[0] for line in text[5:end] if line.startswith(" ")]
            rules = load_rulebook(str(book), defaults=default_rulebook()).rule
            names = {r.id for r in rules} | {r.kind.value for r in rules}
            return [w for w in words if w in names]

        assert rule_rows(lines) == rule_rows(english.splitlines())
        assert "sessions_per_day = 1" in result.stdout

    def test_json_shows_origin_and_switched_off_rules(self, runner: CliRunner) -> None:
        """JSON lists every rule with `enabled` and `origin`, and names the file."""
        result = runner.invoke(app, ["rules", "--rules", str(CLINIC), "-f", "json"])
        document = json.loads(result.stdout)
        assert document["rulebook"] == str(CLINIC)
        rules = {r["id"]: r for r in document["rules"]}
        assert rules["integration-session"]["origin"] == "changed"
        assert rules["integration-session"]["minutes"] == 90
        assert rules["journaling"]["origin"] == "default"
        assert list(rules["journaling"])[:3] == ["id", "origin", "kind"]

    def test_schedule_argument_shows_its_rules(self, runner: CliRunner, tmp_path: Path) -> None:
        """`kapplan rules SCHEDULE` shows the rules that schedule is planned with."""
        (tmp_path / "protocol.toml").write_text(CLINIC.read_text())
        schedule = tmp_path / "s.toml"
        schedule.write_text('rules = "protocol.toml"\n' + SCHEDULE)
        result = runner.invoke(app, ["rules", str(schedule), "-f", "json"])
        document = json.loads(result.stdout)
        assert document["rulebook"] == str(tmp_path / "protocol.toml")
        assert {r["id"]: r["count"] for r in document["rules"]}["preparation-session"] == 2
        plain = runner.invoke(app, ["rules", str(IV), "-f", "json"])
        assert json.loads(plain.stdout)["rulebook"] is None

    def test_dump_of_rules_in_force(self, runner: CliRunner, tmp_path: Path) -> None:
        """--dump --rules FILE writes the merged rulebook, which loads back the same."""
        out = tmp_path / "merged.toml"
        result = runner.invoke(app, ["rules", "--rules", str(CLINIC), "--dump", "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        assert load_rulebook(str(out)) == load_rulebook(str(CLINIC))
        again = runner.invoke(app, ["rules", "--dump", "-o", str(out)])
        assert again.exit_code == 2
        assert "exists" in again.stderr

    def test_dump_refuses_a_format(self, runner: CliRunner) -> None:
        """--dump writes TOML only."""
        result = runner.invoke(app, ["rules", "--dump", "-f", "json"])
        assert (result.exit_code, result.stderr) == (
            2,
            "kapplan: error: --dump writes TOML; expected no --format with it\n",
        )

    @pytest.mark.parametrize(
        ("command", "example"),
        [(["rules"], "kapplan rules --dump"), (["schema"], "kapplan schema")],
    )
    def test_help_has_examples(self, runner: CliRunner, command: list[str], example: str) -> None:
        """Each new command's --help has an Examples: section."""
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.stdout
        assert example in result.stdout


def _as_editor_sees(value: Any) -> Any:
    """Turn TOML dates and times into strings, as a TOML language server does."""
    if isinstance(value, dict):
        return {k: _as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_editor_sees(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


class TestSchema:
    """`kapplan schema`: JSON Schemas that accept what kapplan reads and refuse mistakes."""

    def test_schemas_are_valid_draft_7(self) -> None:
        """Both schemas are valid JSON Schema draft-07 documents."""
        for schema in (schedule_schema(), rulebook_schema()):
            jsonschema.Draft7Validator.check_schema(schema)
            assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"

    @pytest.mark.parametrize(
        "path",
        EXAMPLES + sorted((ROOT / "examples" / "caseload").glob("*.toml")),
        ids=lambda p: p.name,
    )
    def test_every_example_schedule_validates(self, path: Path) -> None:
        """Each example schedule passes the schedule schema."""
        data = _as_editor_sees(tomllib.loads(path.read_text(encoding="utf-8")))
        jsonschema.Draft7Validator(schedule_schema()).validate(data)

    @pytest.mark.parametrize(
        ("change", "valid"),
        [
            ({"infusion": [{"at": "2026-12-01 10:00", "method": "Spravato"}]}, True),
            ({"infusion": [{"at": "2026-12-01T10:00:00", "method": " IV "}]}, True),
            ({"infusion": [{"at": "2026-12-01T10:00:00", "method": "ivv"}]}, False),
            ({"infusion": [{"at": "2026-12-01T10:00:00", "method": "iv", "minuts": 5}]}, False),
            ({"rules": "my-protocol.toml"}, True),
            ({"rules": ""}, False),
            ({"language": "de"}, False),
            ({"plan": {"session_minutes": 120}}, False),
            ({"colour": "red"}, False),
            (
                {
                    "availability": {
                        "days_off": [
                            "2026-12-24",
                            "2026-12-28..2027-01-01",
                            {"from": "2026-08-03", "to": "2026-08-05"},
                        ],
                        "holidays": "US-NY",
                    }
                },
                True,
            ),
            ({"availability": {"holidays": "pt"}}, True),
            ({"availability": {"holidays": "Portugal"}}, False),
            ({"availability": {"holidays": 351}}, False),
            ({"availability": {"days_off": [{"from": "2026-12-24", "till": "x"}]}}, False),
            ({"availability": {"days_off": "2026-12-24"}}, False),
        ],
    )
    def test_schedule_schema_agrees_with_kapplan(self, change: dict[str, Any], valid: bool) -> None:
        """What kapplan reads passes; a typo, a bad value or an unknown key fails."""
        validator = jsonschema.Draft7Validator(schedule_schema())
        data = {"timezone": "Europe/Berlin", **change}
        assert validator.is_valid(data) is valid

    def test_rulebook_schema_takes_partial_and_whole_rulebooks(self) -> None:
        """The dump, the example protocol and a one-key rule pass; mistakes fail."""
        validator = jsonschema.Draft7Validator(rulebook_schema())
        dump = tomllib.loads(dump_rulebook(default_rulebook()))
        validator.validate(dump)
        validator.validate(tomllib.loads(CLINIC.read_text(encoding="utf-8")))
        validator.validate({"version": 1, "rule": [{"id": "movement", "enabled": False}]})
        for bad in (
            {"rule": [{"id": "movement"}]},
            {"version": 2},
            {"version": 1, "extends": "clinic"},
            {"version": 1, "rule": [{"id": "rest", "anchor": "dose"}]},
            {"version": 1, "rule": [{"id": "rest", "minuts": 5}]},
            {"version": 1, "methods": {"ivv": {"label": "x"}}},
        ):
            assert not validator.is_valid(bad), bad

    def test_cli_writes_the_schemas(self, runner: CliRunner, tmp_path: Path) -> None:
        """`kapplan schema` prints the schedule schema; --rulebook the rulebook's; -o writes."""
        result = runner.invoke(app, ["schema"])
        assert json.loads(result.stdout) == schedule_schema()
        out = tmp_path / "kapplan-rulebook.schema.json"
        written = runner.invoke(app, ["schema", "--rulebook", "-o", str(out)])
        assert written.exit_code == 0
        assert json.loads(out.read_text()) == rulebook_schema()


class TestLanguages:
    """A custom rule's texts are its own in every language; unchanged ones are translated."""

    def test_custom_title_wins_in_every_language(self, tmp_path: Path) -> None:
        """A rewritten title is used in Russian too; an untouched rule stays translated."""
        book = _over_defaults(
            'version = 1\n[[rule]]\nid = "integration-session"\ntitle = "Clinic call"\n'
        )
        schedule = load_schedule(str(IV)).model_copy(update={"language": "ru"})
        plan = build_plan(schedule, book, texts=catalogues())
        titles = {e.rule: e.title for e in plan.events}
        assert titles["integration-session"] == "Clinic call"
        default_ru = build_plan(schedule, default_rulebook(), texts=catalogues())
        assert titles["journaling"] == {e.rule: e.title for e in default_ru.events}["journaling"]
        assert titles["journaling"] != "Journal about dose 1"


class TestReadme:
    """The README's protocol example is a working rulebook, and its error line is real."""

    def _section(self) -> str:
        text = (ROOT / "README.md").read_text(encoding="utf-8")
        return text.split("## Your own protocol", 1)[1].split("\n## ", 1)[0]

    def test_protocol_example_loads_and_plans(self) -> None:
        """The ```toml block under "Your own protocol" is the clinic file plus one switch-off."""
        block = self._section().split("```toml\n", 1)[1].split("```", 1)[0]
        book = _over_defaults(block)
        clinic = load_rulebook(str(CLINIC))
        assert [r for r in book.rule if r.id != "movement"] == [
            r for r in clinic.rule if r.id != "movement"
        ]
        assert "movement" not in [r.id for r in book.active]

    def test_error_example_is_what_kapplan_says(self) -> None:
        """The README's example error line is produced by such a file, verbatim."""
        section = " ".join(self._section().split())
        lines = (
            ["version = 1"]
            + ["# note"] * 8
            + ["[[rule]]", 'id = "rest"']
            + [
                "[[rule]]",
                'id = "integration-session"',
                'closes = "+12h"',
            ]
        )
        with pytest.raises(RulebookError) as caught:
            _over_defaults("\n".join(lines) + "\n", "my-protocol.toml")
        assert f"`kapplan: error: {caught.value}`" in section


class TestSources:
    """Issue 17: a rulebook names the documents its rules come from, by id, in the project."""

    def test_every_cited_source_is_a_document_of_the_rulebook(self) -> None:
        """Each default rule cites sources of the rulebook, which have titles; the seeds'
        titles are the documents' own, and only 003 names an author (none a year or URL)."""
        book = default_rulebook()
        assert list(book.sources) == ["000", "001", "002", "003", "004", "schedule", "label"]
        for rule in book.rule:
            assert [s.title for s in book.cited(rule)] == [
                book.sources[c].title for c in rule.source
            ]
        assert book.sources["001"].title == "Integration Therapy After Ketamine Treatment"
        assert book.sources["003"].name == (
            "Dr. Ben Soffer, How to Make Ketamine Therapy Results Last: An Integration Guide"
        )
        assert [k for k, s in book.sources.items() if s.author] == ["003"]
        assert all(s.year is None and s.url == "" for s in book.sources.values())

    def test_a_source_of_your_own_by_name(self, runner: CliRunner, tmp_path: Path) -> None:
        """A rule citing the file's own [sources.<id>] is shown by name, year and address in
        the table and in JSON; the dump writes the source back."""
        book = tmp_path / "mine.toml"
        book.write_text(
            'version = 1\n\n[sources.smith-2023]\ntitle = "Ketamine-assisted psychotherapy"\n'
            'author = "Smith et al."\nyear = 2023\nurl = "doi:10.1000/182"\n\n'
            '[[rule]]\nid = "movement"\nsource = ["smith-2023", "003"]\n',
            encoding="utf-8",
        )
        table = runner.invoke(app, ["rules", "--rules", str(book)])
        assert table.exit_code == 0, table.stderr
        sources = table.stdout.split("Sources: the documents the rules cite\n")[1]
        assert (
            "smith-2023  Smith et al. 2023, Ketamine-assisted psychotherapy · doi:10.1000/182"
            in (sources)
        )
        assert "003         Dr. Ben Soffer, How to Make Ketamine Therapy Results Last" in sources
        assert "002" not in sources  # cited by no rule
        data = json.loads(runner.invoke(app, ["rules", "--rules", str(book), "-f", "json"]).stdout)
        assert data["sources"]["smith-2023"] == {
            "title": "Ketamine-assisted psychotherapy",
            "author": "Smith et al.",
            "year": 2023,
            "url": "doi:10.1000/182",
            "note": "",
            "name": "Smith et al. 2023, Ketamine-assisted psychotherapy",
        }
        movement = next(r for r in data["rules"] if r["id"] == "movement")
        assert movement["source_names"] == [
            "Smith et al. 2023, Ketamine-assisted psychotherapy",
            "Dr. Ben Soffer, How to Make Ketamine Therapy Results Last: An Integration Guide",
        ]
        loaded = load_rulebook(str(book))
        assert _over_defaults(dump_rulebook(loaded)) == loaded
        assert '[sources.smith-2023]\ntitle = "Ketamine-assisted psychotherapy"' in dump_rulebook(
            loaded
        )

    def test_russian_table_translates_kapplans_titles(self, runner: CliRunner) -> None:
        """In Russian, the sources' titles are kapplan's translations."""
        result = runner.invoke(app, ["rules", "--lang", "ru"])
        sources = result.stdout.split("Источники: документы, на которые ссылаются правила\n")[1]
        assert "д-р Бен Соффер, Как сделать результаты кетаминовой терапии долгими" in sources
        assert "label     Инструкция к препарату эскетамин (Справато)" in sources

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                'version = 1\n\n[[rule]]\nid = "movement"\nsource = ["003", "clinic"]\n',
                "mine.toml:5: rule[1].source: cites source 'clinic', which the rulebook does "
                "not have; expected one of 000, 001, 002, 003, 004, label, schedule, or a "
                "[sources.clinic] table with its title",
            ),
            (
                'version = 1\n\n[sources.clinic]\ntitle = "Ours"\nurl = "www.example.org"\n',
                "mine.toml:5: sources.clinic.url: cannot read 'www.example.org' as an address; "
                "expected https://…, doi:10.… or 10.…/…",
            ),
            (
                'version = 1\n\n[sources.clinic]\nauthor = "Us"\n',
                "mine.toml:3: sources.clinic.title: missing; this key is required",
            ),
            (
                'version = 1\n\n[sources.clinic]\ntitle = "Ours"\nyear = 23\n',
                "mine.toml:5: sources.clinic.year: got 23; expected greater than or equal to 1000",
            ),
            (
                'version = 1\n\n[sources.clinic]\ntitle = "Ours"\nedition = 2\n',
                "mine.toml:5: sources.clinic.edition: unknown key 'edition'; expected one of "
                "title, author, year, url, note",
            ),
        ],
        ids=["unknown id", "bad url", "no title", "two-digit year", "unknown key"],
    )
    def test_mistakes_are_located(
        self,
        runner: CliRunner,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        text: str,
        expected: str,
    ) -> None:
        """A source's mistakes, and a rule citing a source the rulebook does not have, are
        one located line on stderr and exit status 2 (in process: the whole line is the
        point, as for every other rulebook mistake)."""
        book = tmp_path / "mine.toml"
        book.write_text(text, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        result = runner.invoke(app, ["plan", str(IV), "--rules", "mine.toml"])
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == f"kapplan: error: {expected}\n"

    def test_extends_none_needs_its_sources(self) -> None:
        """A whole rulebook cites only its own sources: the dump without them is refused at
        the first rule that cites one."""
        text = dump_rulebook(default_rulebook()).replace('extends = "default"', 'extends = "none"')
        whole = re.sub(r"\n\[sources\.[a-z0-9-]+\]\n(?:[a-z]+ = .*\n)+", "\n", text)
        assert "\n[sources." not in whole
        with pytest.raises(RulebookError, match=r"rule\[1\]\.source: cites source '000'"):
            rulebook_from_text(whole, "whole.toml")
