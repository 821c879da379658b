"""The iCalendar content-line codec: reading lines and blocks, and writing text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapplan.formats import ical
from kapplan.formats.ical import ContentLineError, parse_calendars, parse_line, unfold
from tests.conftest import examples

# Text the writer must survive: every control character, CR and LF alone and
# together, line-breaking Unicode, the TEXT specials, Cyrillic (2 octets), CJK
# (3 octets) and emoji (4 octets), so folds fall inside every character width.
AWKWARD = st.one_of(
    st.sampled_from(
        ["\r\n", "\r", "\n", "\\", ";", ",", ":", '"', "\u0085", "\u2028", "\u2029", "\x7f"]
    ),
    st.characters(max_codepoint=0x1F),
    st.sampled_from(["ж", "ё", "Ж", "Я", "щ", "日本", "語", "😀", "🦄", "👩\u200d⚕️", "🇩🇪"]),
    st.characters(codec="utf-8"),
)
TEXTS = st.lists(AWKWARD, max_size=80).map("".join)
#: Lines around the 75-octet fold: ASCII padding then a multi-octet tail.
NEAR_FOLD = st.builds(
    lambda pad, tail: "X" * pad + tail,
    st.integers(60, 160),
    st.lists(st.sampled_from(["ж", "日", "😀", "a", " "]), max_size=12).map("".join),
)


#: What a parser may take for a line break: written as an escaped newline.
BREAKS = "\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"
#: Control characters dropped from TEXT: C0 (US too) and DEL, which TEXT does not allow,
#: and C1 (NEL aside, a break), which a terminal showing the file would obey.
DROPPED = {
    chr(c)
    for c in (
        *range(0x00, 0x09),
        *range(0x0E, 0x1C),
        0x1F,
        0x7F,
        *range(0x80, 0x85),
        *range(0x86, 0xA0),
    )
}


def codec_property(
    *strategies: st.SearchStrategy[Any], quick: int, full: int
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Make a property check (a method) over `strategies` a test run twice over
    (`examples`): `quick` examples in the default run, `full` (what it always ran) under
    the `slow` mark.

    Parameters:
        strategies: What `@given` draws for the check's arguments after `self`.
        quick: Examples in the default run.
        full: Examples in the slow run.

    Returns:
        A decorator turning the check into the test method, with its name and docstring.
    """

    def decorate(check: Callable[..., None]) -> Callable[..., None]:
        @examples(quick=quick, full=full)
        def test(self: object, runs: int) -> None:
            settings(max_examples=runs)(given(*strategies)(check))(self)

        # Not functools.wraps: pytest would read the check's arguments as fixtures.
        test.__name__, test.__qualname__ = check.__name__, check.__qualname__
        test.__doc__ = check.__doc__
        return test

    return decorate


class TestWriting:
    """Escaping and folding: what every parser reads back, within 75 octets a line.

    (`tests/test_fast_paths.py` checks that the fast paths equal the plain ones.)
    """

    @codec_property(TEXTS, quick=100, full=400)
    def test_escape_then_unescape(self, text: str) -> None:
        """Escaped text reads back as the text, its line breaks as newlines and the control
        characters TEXT does not allow dropped; no raw line break is left."""
        escaped = ical.escape_text(text)
        assert not any(c in BREAKS for c in escaped)
        expected = "".join(
            "\n" if c in BREAKS else c for c in text.replace("\r\n", "\n") if c not in DROPPED
        )
        assert ical.unescape_text(escaped) == expected

    @codec_property(st.one_of(TEXTS, NEAR_FOLD), quick=100, full=400)
    def test_fold_keeps_characters_whole(self, text: str) -> None:
        """Each physical line is at most 75 octets and whole UTF-8, and they join back."""
        line = "SUMMARY:" + ical.escape_text(text)
        folded = ical.fold(line)
        physical = folded.removesuffix("\r\n").split("\r\n")
        data = [p.encode() for p in physical]
        assert all(len(piece) <= ical.MAX_OCTETS for piece in data)
        assert physical[0] + "".join(p[1:] for p in physical[1:]) == line

    @codec_property(st.lists(st.one_of(TEXTS, NEAR_FOLD), max_size=8), quick=50, full=200)
    def test_fold_lines(self, lines: list[str]) -> None:
        """`fold_lines` is `fold` of each line, joined."""
        assert ical.fold_lines(lines) == "".join(ical.fold(line) for line in lines)

    @pytest.mark.parametrize("octets", [74, 75, 76, 149, 150, 151])
    def test_fold_boundaries(self, octets: int) -> None:
        """Lines of exactly 75 octets stay whole; every physical line is at most 75."""
        for tail in ("", "ж", "😀"):
            line = "A" * (octets - len(tail.encode())) + tail
            folded = ical.fold(line)
            physical = folded.removesuffix("\r\n").split("\r\n")
            assert all(len(p.encode()) <= ical.MAX_OCTETS for p in physical)
            assert (len(physical) == 1) == (octets <= 75)

    @codec_property(st.one_of(TEXTS, NEAR_FOLD), quick=75, full=300)
    def test_fold_then_unfold_is_the_line(self, line: str) -> None:
        """Reading a folded escaped line gives back the escaped value."""
        value = ical.escape_text(line)
        folded = ical.fold("SUMMARY:" + value)
        assert [text for _, text in unfold(folded)] == ["SUMMARY:" + value]


class TestReading:
    """Unfolding, content lines and the component tree, with their lines."""

    def test_unfold_keeps_the_first_physical_line(self) -> None:
        """Each logical line carries the line it begins on, whatever the line ends."""
        for end in ("\r\n", "\n", "\r"):
            text = end.join(["A:1", "B:2", " 3", "\t4", "", "C:5", ""])
            assert list(unfold(text)) == [(1, "A:1"), (2, "B:234"), (6, "C:5")]

    def test_folded_line_continuing_nothing(self) -> None:
        """A continuation at the start, or after a blank line, is an error on its line."""
        for text, line in ((" A:1\n", 1), ("A:1\n\n B\n", 3)):
            with pytest.raises(ContentLineError) as caught:
                list(unfold(text))
            assert caught.value.line == line
            assert caught.value.message == (
                "a folded line continues nothing; expected a property before it"
            )

    def test_parse_line(self) -> None:
        """Names upper-case, quoted and listed parameter values, the value after the colon."""
        prop = parse_line('dtStart;tzid="W. Europe Standard Time";X-A=b,"c;d:e":20260323T100000', 7)
        assert prop.name == "DTSTART"
        assert prop.params == {"TZID": ("W. Europe Standard Time",), "X-A": ("b", "c;d:e")}
        assert prop.param("TZID") == "W. Europe Standard Time"
        assert prop.param("VALUE") is None
        assert prop.value == "20260323T100000"
        assert prop.line == 7

    def test_value_may_hold_colons(self) -> None:
        """Only the first colon outside quotes ends the name and parameters."""
        assert parse_line("URL:https://example.org/a:b", 1).value == "https://example.org/a:b"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("hello world", "cannot read 'hello world'; expected NAME:VALUE"),
            (
                "DTSTART;TZID:x",
                "cannot read the parameters of DTSTART; expected NAME;PARAM=VALUE:value",
            ),
            (":x", "cannot read ':x'; expected NAME:VALUE"),
        ],
    )
    def test_bad_lines(self, text: str, message: str) -> None:
        """Lines that are not content lines name the line."""
        with pytest.raises(ContentLineError) as caught:
            parse_line(text, 4)
        assert (caught.value.message, caught.value.line) == (message, 4)

    def test_tree(self) -> None:
        """Blocks nest, with the line of each BEGIN and of each property."""
        text = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:a\r\n  b\r\n"
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        (calendar,) = parse_calendars(text)
        assert (calendar.name, calendar.line) == ("VCALENDAR", 1)
        (event,) = calendar.children
        assert (event.name, event.line) == ("VEVENT", 3)
        summary = event.first("SUMMARY")
        assert summary is not None
        assert (summary.value, summary.line, summary.text) == ("a b", 4, "SUMMARY:a b")
        assert [(c.name, c.line) for c in event.children] == [("VALARM", 6)]
        assert event.every("X-NONE") == []

    @pytest.mark.parametrize(
        ("text", "line", "message"),
        [
            ("", None, "holds no calendar; expected an iCalendar (.ics) file with BEGIN:VCALENDAR"),
            ("SUMMARY:x\n", 1, "SUMMARY outside a calendar; expected BEGIN:VCALENDAR first"),
            (
                "BEGIN:VEVENT\n",
                1,
                "BEGIN:VEVENT outside a calendar; expected BEGIN:VCALENDAR first",
            ),
            (
                "END:VCALENDAR\n",
                1,
                "END:VCALENDAR without its BEGIN; expected BEGIN:VCALENDAR first",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n",
                3,
                "END:VCALENDAR closes BEGIN:VEVENT of line 2; expected END:VEVENT",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nX:1\n",
                3,
                "the file ends inside BEGIN:VEVENT of line 2; expected END:VEVENT "
                "(is the file cut short?)",
            ),
        ],
    )
    def test_structure_errors(self, text: str, line: int | None, message: str) -> None:
        """Every structural problem is one message and its line."""
        with pytest.raises(ContentLineError) as caught:
            parse_calendars(text)
        assert (caught.value.line, caught.value.message) == (line, message)
        assert str(caught.value) == message


#: Content lines, mostly of the shapes an export has: names, parameters, quotes, colons.
_LINES = st.one_of(
    st.text(alphabet='AZaz09-;:=",xé ', max_size=30),
    st.builds(
        "{}{}:{}".format,
        st.sampled_from(["DTSTART", "x-kapplan-placed", "SUMMARY", "", "A B", "ДАТА"]),
        st.sampled_from(["", ";VALUE=DATE", ';TZID="Europe/Berlin"', ";X=a:b", ";"]),
        st.text(max_size=20),
    ),
)


@settings(max_examples=300)
@given(text=_LINES)
def test_split_plain_reads_as_parse_line(text: str) -> None:
    """`split_plain` reads a line without parameters as `parse_line` does, and leaves
    every other line to it: the same name and value, or None."""
    plain = ical.split_plain(text)
    try:
        found = parse_line(text, 1)
    except ContentLineError:
        assert plain is None
        return
    if found.params:
        assert plain is None
    else:
        assert plain == (found.name, found.value)
    assert ical.split_plain("DTSTART:20261027T090000Z") == ("DTSTART", "20261027T090000Z")
