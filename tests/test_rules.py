"""The rulebook as data: the offset language, validation, and the default rules."""

from __future__ import annotations

import pytest

from kapplan.edge.load import default_rulebook, rulebook_from_text
from kapplan.errors import RulebookError
from kapplan.model.plan import EventKind, Phase
from kapplan.model.rulebook import Anchor, Offset, Placement, parse_offset

METHODS = """version = 1
sources = { "001" = { title = "Integration Therapy After Ketamine Treatment" } }

[methods.iv]
label = "IV infusion"
[methods.im]
label = "IM injection"
[methods.esketamine]
label = "Esketamine dose"
[methods.oral]
label = "Oral dose"
"""

RULE = """
[[rule]]
id = "integration-session"
kind = "integration-session"
phase = "integration"
anchor = "infusion"
placement = "session"
opens = "+24h"
closes = "+72h"
minutes = "{session_minutes}"
title = "Integration session after {dose}"
source = ["001"]
"""


def _load(text: str) -> str:
    """Return the one-line error a rulebook text raises."""
    with pytest.raises(RulebookError) as caught:
        rulebook_from_text(text, "book.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def _rule_line(text: str, key: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(f"{key} ="))


class TestParseOffset:
    """The offset language: ``[start:|end:][day]<terms>``."""

    @pytest.mark.parametrize(
        ("text", "offset"),
        [
            ("+24h", Offset("start", False, 0, 0, 24 * 60)),
            ("end:+48h", Offset("end", False, 0, 0, 48 * 60)),
            ("start:+0m", Offset("start", False, 0, 0, 0)),
            ("-7d", Offset("start", False, 0, -7, 0)),
            ("+90m", Offset("start", False, 0, 0, 90)),
            ("+2w", Offset("start", False, 0, 14, 0)),
            ("+1d-2h", Offset("start", False, 0, 1, -120)),
            ("day+1d", Offset("start", True, 0, 1, 0)),
            ("day+3mo+7d", Offset("start", True, 3, 7, 0)),
            ("end:day-7d", Offset("end", True, 0, -7, 0)),
            ("+1mo", Offset("start", False, 1, 0, 0)),
            ("+3m", Offset("start", False, 0, 0, 3)),
            ("14d", Offset("start", False, 0, 14, 0)),
            ("1mo", Offset("start", False, 1, 0, 0)),
            (" end: + 48h ", Offset("end", False, 0, 0, 48 * 60)),
        ],
    )
    def test_reads_offsets(self, text: str, offset: Offset) -> None:
        """Each offset reads as reference, day flag, months, days and minutes.

        ``m`` is minutes and ``mo`` months; a bare ``14d`` (a repeat step) reads as ``+14d``.
        """
        assert parse_offset(text) == offset

    @pytest.mark.parametrize(
        "text",
        ["", "+24", "24", "+24x", "+1.5h", "++1h", "day", "end:", "middle:+1h", "+1H", "h+1"],
    )
    def test_refuses_what_is_not_an_offset(self, text: str) -> None:
        """Text without a signed number and unit, or with an unknown reference, is refused."""
        with pytest.raises(ValueError, match=r"^cannot read offset .*; expected e\.g\. \+24h"):
            parse_offset(text)

    @pytest.mark.parametrize("text", ["day+2h", "day+1d+30m", "end:day-90m"])
    def test_refuses_day_with_hours_or_minutes(self, text: str) -> None:
        """``day`` moves calendar dates, so it cannot carry hours or minutes."""
        with pytest.raises(ValueError, match="mixes 'day' with hours or minutes"):
            parse_offset(text)

    def test_shifted_adds_a_step_times(self) -> None:
        """A repeat's k-th window is the offset plus k steps, term by term."""
        base = parse_offset("day+3mo+7d")
        assert base.shifted(parse_offset("1mo"), 2) == Offset("start", True, 5, 7, 0)
        assert parse_offset("day+21d").shifted(parse_offset("14d"), 3) == Offset(
            "start", True, 0, 63, 0
        )


class TestRulebookValidation:
    """A rulebook with a mistake is refused with one line naming the field."""

    def test_minimal_rulebook_is_valid(self) -> None:
        """The fixture text itself loads, so each error below comes from its one change."""
        book = rulebook_from_text(METHODS + RULE, "book.toml")
        assert [r.id for r in book.active] == ["integration-session"]

    def test_unknown_key(self) -> None:
        """An unknown key in a rule names the key, its line and the keys allowed."""
        text = METHODS + RULE + 'colour = "red"\n'
        message = _load(text)
        line = _rule_line(text, "colour")
        assert message.startswith(
            f"book.toml:{line}: rule[1].colour: unknown key 'colour'; expected one of id, kind, "
        )

    def test_window_closing_before_it_opens(self) -> None:
        """closes before opens (same reference) is refused, naming both offsets."""
        text = METHODS + RULE.replace('closes = "+72h"', 'closes = "+23h"')
        assert _load(text) == (
            f"book.toml:{_rule_line(text, 'closes')}: rule[1].closes: the window closes (+23h) "
            "before it opens (+24h); expected closes after opens"
        )

    def test_window_closing_as_it_opens(self) -> None:
        """An empty window (closes equal to opens) is refused too."""
        message = _load(METHODS + RULE.replace('closes = "+72h"', 'closes = "+1d"'))
        assert "the window closes (+1d) before it opens (+24h)" in message

    def test_window_in_months_and_days_compares_by_length(self) -> None:
        """+1mo to +40d is a real window (a month is at most 31 days); +40d to +1mo is not."""
        good = RULE.replace('opens = "+24h"', 'opens = "+1mo"').replace("+72h", "+40d")
        assert rulebook_from_text(METHODS + good, "book.toml").rule[0].closes == "+40d"
        bad = RULE.replace('opens = "+24h"', 'opens = "+40d"').replace("+72h", "+1mo")
        assert "the window closes (+1mo) before it opens (+40d)" in _load(METHODS + bad)
        short = RULE.replace('opens = "+24h"', 'opens = "+1mo"').replace("+72h", "+27d")
        assert "the window closes (+27d) before it opens (+1mo)" in _load(METHODS + short)

    def test_negative_minutes(self) -> None:
        """A negative length is refused, saying minutes."""
        text = METHODS + RULE.replace('minutes = "{session_minutes}"', "minutes = -5")
        assert _load(text) == (
            f"book.toml:{_rule_line(text, 'minutes')}: rule[1].minutes: minutes is -5; "
            "expected a positive number"
        )

    def test_zero_minutes(self) -> None:
        """A timed rule of zero minutes is refused."""
        message = _load(METHODS + RULE.replace('minutes = "{session_minutes}"', "minutes = 0"))
        assert message.endswith("rule[1].minutes: needs 'minutes' greater than 0")

    def test_unknown_placeholder(self) -> None:
        """A title placeholder outside the text fields names the field and the placeholder."""
        text = METHODS + RULE.replace("after {dose}", "for {patient}")
        message = _load(text)
        line = _rule_line(text, "title")
        assert message.startswith(
            f"book.toml:{line}: rule[1].title: unknown placeholder {{patient}}; "
            "expected one of {count}, "
        )

    def test_unknown_setting_in_an_offset(self) -> None:
        """An offset may only refer to [plan] settings."""
        message = _load(METHODS + RULE.replace('closes = "+72h"', 'closes = "+{days}d"'))
        assert (
            "rule[1].closes: unknown setting {days}; expected one of {course_gap_days}, " in message
        )

    def test_unreadable_offset(self) -> None:
        """An offset that does not parse names the field."""
        message = _load(METHODS + RULE.replace('closes = "+72h"', 'closes = "+72x"'))
        assert "rule[1].closes: cannot read offset '+72x'" in message

    def test_duplicate_id(self) -> None:
        """Two rules with one id are refused, naming the id."""
        text = METHODS + RULE + RULE
        second = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("id =")][1]
        assert _load(text) == (
            f"book.toml:{second}: rule[2].id: rule id 'integration-session' is also rule[1]'s; "
            "expected each id once in a file"
        )

    def test_newer_version(self) -> None:
        """A rulebook written for a newer format says exactly why it cannot be read."""
        message = _load(METHODS.replace("version = 1", "version = 2") + RULE)
        assert message == (
            "book.toml:1: version: written for rulebook version 2; this kapplan reads versions "
            "up to 1; upgrade kapplan"
        )

    def test_missing_source(self) -> None:
        """Every rule must name where it comes from."""
        message = _load(METHODS + RULE.replace('source = ["001"]\n', ""))
        assert message.endswith("rule[1].source: missing; this key is required")
        empty = _load(METHODS + RULE.replace('source = ["001"]', "source = []"))
        assert "rule[1].source: " in empty

    def test_session_without_closes(self) -> None:
        """A session needs a window that closes."""
        text = METHODS + RULE.replace('closes = "+72h"\n', "")
        header = text.splitlines().index("[[rule]]") + 1
        assert _load(text) == f"book.toml:{header}: rule[1].closes: a session rule needs 'closes'"

    def test_every_must_step_forward(self) -> None:
        """A repeat step must be positive and relative (no ``end:`` or ``day``)."""
        for step in ("-1d", "end:+1d", "day+1d", "+0m"):
            message = _load(METHODS + RULE + f'every = "{step}"\n')
            assert f"rule[1].every: every is '{step}'; expected a positive step" in message

    def test_every_is_positive_by_its_whole_length(self) -> None:
        """-1d+30h is a 6-hour step forward; +1mo-40d can step backward and is refused."""
        book = rulebook_from_text(METHODS + RULE + 'every = "-1d+30h"\n', "book.toml")
        assert book.rule[0].every == "-1d+30h"
        message = _load(METHODS + RULE + 'every = "+1mo-40d"\n')
        assert "rule[1].every: every is '+1mo-40d'; expected a positive step" in message

    def test_until_needs_every(self) -> None:
        """`until` without `every` is refused."""
        text = METHODS + RULE + 'until = "+30d"\n'
        assert (
            _load(text)
            == f"book.toml:{_rule_line(text, 'until')}: rule[1].until: 'until' needs 'every'"
        )

    def test_missing_method_text(self) -> None:
        """Every method needs a label, so every dose can be named."""
        message = _load(METHODS.replace('[methods.oral]\nlabel = "Oral dose"\n', "") + RULE)
        assert "methods: no text for method 'oral'; expected [methods.oral]" in message

    def test_bad_practice_hours(self) -> None:
        """A practice's own hours must be HH:MM-HH:MM."""
        message = _load(METHODS + RULE + 'hours = "evenings"\n')
        assert "rule[1].hours: cannot read 'evenings'" in message

    def test_unknown_amount_setting(self) -> None:
        """`minutes` as text must be one {setting}."""
        message = _load(
            METHODS + RULE.replace('minutes = "{session_minutes}"', 'minutes = "{hour}"')
        )
        assert "rule[1].minutes: cannot read '{hour}'; expected a whole number or one of" in message


#: DOMAIN.md's table of default rules: row name -> (rule ids, phase, sources).
DOMAIN_TABLE = {
    "preparation session": (("preparation-session",), Phase.PREPARATION, {"000", "001"}),
    "intention setting": (("intention-setting",), Phase.PREPARATION, {"003", "004"}),
    "the dose": (("dose",), Phase.EXPERIENCE, {"schedule", "label"}),
    "rest": (("rest",), Phase.EXPERIENCE, {"004"}),
    "journaling": (("journaling",), Phase.INTEGRATION, {"001", "003", "004"}),
    "integration session": (
        ("integration-session",),
        Phase.INTEGRATION,
        {"000", "001", "003", "004"},
    ),
    "mindfulness": (("mindfulness",), Phase.INTEGRATION, {"001", "003", "004"}),
    "movement": (("movement",), Phase.INTEGRATION, {"003"}),
    "small action": (("small-action",), Phase.INTEGRATION, {"001", "004"}),
    "protect the 48 h": (("protect-48h",), Phase.INTEGRATION, {"003"}),
    "active-course advisory": (("active-course",), Phase.INTEGRATION, {"003"}),
    "week-2 anchoring": (("week-2-anchoring",), Phase.INTEGRATION, {"000"}),
    "relapse-prevention session": (("relapse-prevention",), Phase.INTEGRATION, {"001"}),
    "consolidation session": (("consolidation",), Phase.INTEGRATION, {"000"}),
    "long-arc sessions": (
        ("long-arc-biweekly", "long-arc-monthly"),
        Phase.INTEGRATION,
        {"000", "003"},
    ),
}


class TestDefaultRulebook:
    """The shipped rulebook holds DOMAIN.md's rules, each with its source."""

    def test_every_rule_has_a_source(self) -> None:
        """No default rule lacks a source; every source is a seed number or schedule/label."""
        for rule in default_rulebook().rule:
            assert rule.source, rule.id
            for source in rule.source:
                assert source in {"schedule", "label"} or (len(source) == 3 and source.isdigit()), (
                    rule.id,
                    source,
                )

    @pytest.mark.parametrize("row", sorted(DOMAIN_TABLE))
    def test_every_domain_rule_is_present(self, row: str) -> None:
        """Each row of DOMAIN.md's table is enabled, in its phase, citing the row's sources."""
        ids, phase, sources = DOMAIN_TABLE[row]
        rules = {r.id: r for r in default_rulebook().active}
        for rule_id in ids:
            assert rule_id in rules, f"{row}: no rule {rule_id}"
            assert rules[rule_id].phase is phase
            assert set(rules[rule_id].source) <= sources
        assert set().union(*(rules[i].source for i in ids)) == sources

    def test_no_rule_beyond_the_table(self) -> None:
        """The default rulebook has exactly the 16 rules of the table, in placement order."""
        expected = [i for ids, _, _ in DOMAIN_TABLE.values() for i in ids]
        assert [r.id for r in default_rulebook().rule] == expected

    @pytest.mark.parametrize(
        ("rule_id", "anchor", "placement", "opens", "closes"),
        [
            ("preparation-session", Anchor.COURSE_START, Placement.SESSION, "-7d", "+0m"),
            ("intention-setting", Anchor.INFUSION, Placement.PRACTICE, "-24h", "+0m"),
            ("dose", Anchor.INFUSION, Placement.FIXED, "+0m", None),
            ("rest", Anchor.INFUSION, Placement.FIXED, "end:+0m", None),
            ("journaling", Anchor.INFUSION, Placement.PRACTICE, "end:+0m", "+24h"),
            ("integration-session", Anchor.INFUSION, Placement.SESSION, "+24h", "+72h"),
            ("mindfulness", Anchor.INFUSION, Placement.PRACTICE, "day+1d", "day+2d"),
            ("movement", Anchor.INFUSION, Placement.PRACTICE, "day+1d", "day+2d"),
            ("small-action", Anchor.INFUSION, Placement.PRACTICE, "+48h", "+72h"),
            ("protect-48h", Anchor.INFUSION, Placement.ADVISORY, "+0m", "end:+48h"),
            ("active-course", Anchor.COURSE, Placement.ADVISORY, "+0m", "end:+0m"),
            ("week-2-anchoring", Anchor.COURSE_END, Placement.SESSION, "day+7d", "day+15d"),
            ("relapse-prevention", Anchor.COURSE_END, Placement.SESSION, "day+14d", "day+29d"),
            ("consolidation", Anchor.BETWEEN_COURSES, Placement.SESSION, "day+21d", "day+28d"),
            (
                "long-arc-biweekly",
                Anchor.AFTER_LAST_COURSE,
                Placement.SESSION,
                "day+28d",
                "day+35d",
            ),
            (
                "long-arc-monthly",
                Anchor.AFTER_LAST_COURSE,
                Placement.SESSION,
                "day+3mo",
                "day+3mo+7d",
            ),
        ],
    )
    def test_windows_are_domain_windows(
        self, rule_id: str, anchor: Anchor, placement: Placement, opens: str, closes: str | None
    ) -> None:
        """Each default rule counts from DOMAIN.md's anchor over DOMAIN.md's window."""
        rule = next(r for r in default_rulebook().rule if r.id == rule_id)
        assert (rule.anchor, rule.placement, rule.opens, rule.closes) == (
            anchor,
            placement,
            opens,
            closes,
        )

    def test_sessions_are_the_therapy_kinds(self) -> None:
        """Placement `session` is used exactly for appointments with a therapist."""
        sessions = {r.kind for r in default_rulebook().rule if r.placement is Placement.SESSION}
        assert sessions == {
            EventKind.PREPARATION_SESSION,
            EventKind.INTEGRATION_SESSION,
            EventKind.RELAPSE_PREVENTION,
            EventKind.CONSOLIDATION_SESSION,
            EventKind.LONG_ARC_SESSION,
        }
