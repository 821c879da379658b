"""Terminal width: where it comes from, and text laid out for it without breaking words.

The width is ``COLUMNS`` when set, else the terminal's that the first of
stdout, stderr and stdin is, else 80 (`kapplan.cli.shell.terminal_width`).
Titles wrap between words; at a narrow width other columns give way, in the
order `kapplan.views.agenda` states, rather than a word breaking.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace
from rich.cells import cell_len

from kapplan.cli.app import app
from kapplan.cli.shell import terminal_width
from kapplan.model.caseload import agenda
from kapplan.model.plan import Plan
from kapplan.views.agenda import MIN_TITLE, render_caseload, render_terminal
from tests.cli_runner import CliRunner
from tests.conftest import ROOT, default_first, examples
from tests.plans import ALWAYS, doses, plan

EXAMPLES = ROOT / "examples"
TWO_COURSES = EXAMPLES / "two-courses.toml"
CASELOAD = EXAMPLES / "caseload"
THERAPIST = EXAMPLES / "therapist" / "lisbon.toml"

#: The views the goldens hold, each as the command line that prints it.
VIEWS = {
    "agenda": ["plan", str(TWO_COURSES)],
    "caseload": ["plan", str(CASELOAD), "--therapist", str(THERAPIST)],
    "month": ["plan", str(TWO_COURSES), "--view", "month"],
    "rules": ["rules"],
}


def _invoke(args: list[str], width: int) -> str:
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": str(width), "TZ": "UTC"}).invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_view_golden(view: str, width: int, golden: Callable[[str, bytes], None]) -> None:
    """Each view at 60, 80 and 120 columns matches tests/golden/width/<view>-<width>.txt,
    and no line of it is wider than the width."""
    text = _invoke(VIEWS[view], width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    golden(f"width/{view}-{width}.txt", text.encode())


def test_agenda_at_60_keeps_words_whole() -> None:
    """At 60 columns the length column gives way and every title word is whole
    ("Mindfulness", once cut to "Mindfulne" / "ss")."""
    text = _invoke(VIEWS["agenda"], 60)
    assert "Mindfulness" in text.split()
    assert "Mindfulne" not in text.split()
    assert " min " not in text  # the length column is the first to go
    assert "Preparation  Preparation" in text  # the phase keeps its word
    wide = _invoke(VIEWS["agenda"], 80)
    assert " 75 min  Preparation" in wide  # every column at 80


def test_caseload_at_60_keeps_its_titles() -> None:
    """At 60 columns the caseload agenda keeps every title: phases become letters (with a
    key) and a client's own clock follows the title."""
    text = _invoke(VIEWS["caseload"], 60)
    assert "Phase: E experience · P preparation · I integration" in text
    assert re.search(r"Anna +P +Preparation session 1/1", text)
    assert "(course 1) (10:00 CET)" in text


def test_rules_show_every_source() -> None:
    """At every width the rules table shows each rule's whole list of sources (at 100
    columns it used to cut "000, 001, 003, 004" to "000, 001,")."""
    document = json.loads(_invoke(["rules", "--format", "json"], 100))
    wanted = Counter(s for rule in document["rules"] if rule["enabled"] for s in rule["source"])
    for width in (60, 80, 100, 140):
        text = _invoke(["rules"], width)
        table = text[: text.index("Placement")]
        printed = Counter(token.rstrip(",") for token in table.split())
        assert all(printed[source] >= n for source, n in wanted.items()), width


class TestWidthComesFrom:
    """COLUMNS, else the terminal stdout, stderr or stdin is, else 80; within 60 to 140."""

    def test_columns_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A positive COLUMNS is the width, within 60 to 140."""
        for columns, width in (("90", 90), ("30", 60), ("400", 140), (" 72 ", 72)):
            monkeypatch.setenv("COLUMNS", columns)
            assert terminal_width() == width

    def test_no_terminal_no_columns_is_80(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With no COLUMNS (or one that is not a positive number) and no terminal: 80."""
        for columns in (None, "", "0", "-5", "wide"):
            if columns is None:
                monkeypatch.delenv("COLUMNS", raising=False)
            else:
                monkeypatch.setenv("COLUMNS", columns)
            assert terminal_width() == 80

    @pytest.mark.parametrize("stream", default_first(["stderr", "stdin"]))
    def test_terminal_of_another_stream(self, stream: str) -> None:
        """`kapplan plan | less` in a 72-column terminal lays out for 72: stdout is a pipe,
        but stderr (or stdin) is the terminal; COLUMNS, when set, still wins."""
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 72, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(NO_COLOR="1", TZ="UTC")
        try:
            for extra, width in (({}, 72), ({"COLUMNS": "100"}, 100)):
                result = subprocess.run(
                    [sys.executable, "-B", "-m", "kapplan", "plan", str(TWO_COURSES)],
                    stdout=subprocess.PIPE,
                    stderr=follower if stream == "stderr" else subprocess.DEVNULL,
                    stdin=follower if stream == "stdin" else subprocess.DEVNULL,
                    env={**env, **extra},
                    timeout=60,
                    check=True,
                )
                assert result.stdout.decode() == _invoke(VIEWS["agenda"], width)
        finally:
            os.close(leader)
            os.close(follower)


#: Words of titles: short ones (which always fit a title's column) and long ones.
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=30)
TITLES = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


def _base() -> Plan:
    return plan(doses("2026-12-01T10:00:00", "2026-12-04T10:00:00") + ALWAYS)


BASE = _base()


def _whole(text: str, titles: list[str], width: int) -> None:
    """No line is wider than `width`, and every word of `MIN_TITLE` letters or fewer is
    printed whole as often as the titles hold it."""
    assert max(cell_len(line) for line in text.splitlines()) <= width
    printed = Counter(re.findall(r"[a-z]+", text))
    wanted = Counter(word for title in titles for word in title.split() if len(word) <= MIN_TITLE)
    for word, n in wanted.items():
        assert printed[word] >= n, word


@examples(quick=20, full=60)
def test_titles_wrap_between_words(runs: int) -> None:
    """At any width from 60 to 140, an agenda's lines fit and no title word that fits its
    column is split (longer words are folded, and the lines still fit)."""

    @settings(max_examples=runs, deadline=None)
    @given(titles=st.lists(TITLES, min_size=1, max_size=40), width=st.integers(60, 140))
    def check(titles: list[str], width: int) -> None:
        titles_wrap(titles, width)

    check()


def titles_wrap(titles: list[str], width: int) -> None:
    """Lay the plan out with these titles at this width; check every line and word."""
    events = tuple(
        replace(event, title=titles[n % len(titles)]) for n, event in enumerate(BASE.events)
    )
    shown = [event.title for event in events]
    changed = replace(BASE, events=events)
    _whole(render_terminal(changed, width=width), shown, width)
    caseload = render_caseload([changed], timezone="America/New_York", width=width)
    _whole(caseload, [item.event.title for item in agenda([changed])], width)


def test_the_check_sees_a_split_word() -> None:
    """The property's check fails on a word cut in two (so it can fail)."""
    with pytest.raises(AssertionError):
        _whole("mindfulne\nss practice\n", ["mindfulness practice"], 60)
