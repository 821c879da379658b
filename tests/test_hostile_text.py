"""Hostile text in every field a person sees: shown, never obeyed; look-alikes refused.

Text from a schedule, a therapist file, a rulebook or a file's name reaches
the terminal, stderr and the HTML handout only through
`kapplan.characters.visible`: an ESC, a C1 control or a bidirectional override
is written out (``\\x1b``, ``\\x9b``, ``\\u202e``), never sent. JSON keeps the
data exact (as escapes), an .ics escapes through its codec. Hypothesis writes
hostile strings into every text field and runs the real command line; the
oracle is that no output stream holds a raw control character other than a
newline, nor a bidirectional control.

The discreet guard and the caseload's client labels read text as it looks:
``Kеtаminе`` (Cyrillic е and а), ``Ket\\u00adamine`` and ``Аnna`` (Cyrillic А)
are what they look like.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapplan.characters import bare, json_text, skeleton, visible
from kapplan.cli import stops
from kapplan.cli.app import app
from kapplan.errors import ScheduleError
from tests.cli_runner import CliRunner
from tests.conftest import ROOT, examples

EXAMPLE = (ROOT / "examples" / "iv-six-infusions.toml").read_text(encoding="utf-8")
CASELOAD = ROOT / "examples" / "caseload"
THERAPIST = (ROOT / "examples" / "therapist" / "lisbon.toml").read_text(encoding="utf-8")
RULEBOOK = (ROOT / "src" / "kapplan" / "data" / "rulebook.toml").read_text(encoding="utf-8")

#: What no output stream may carry raw: C0 controls but newline, DEL, C1 controls,
#: the line separators and the bidirectional controls (an oracle of its own, not
#: `kapplan.characters.HIDDEN`).
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

#: A client label that clears the screen, retitles the window, and sends C1 CSI and OSC.
EVIL = "Eve\x1b[2J\x1b]0;pwned\x07 \u009b31m\u009d0;t\u009c \u202eevil\u2066"
#: A rule title that plants a hyperlink (OSC 8).
LINK = "Journal \x1b]8;;http://x\x1b\\text\x1b]8;;\x1b\\ {dose}"


def toml_string(text: str) -> str:
    """Write text as a TOML basic string: quotes, backslashes and controls escaped."""
    return (
        '"'
        + "".join(
            f"\\u{ord(c):04x}" if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text
        )
        + '"'
    )


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    """Run kapplan in process; return exit status, stdout and stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def assert_clean(*streams: str) -> None:
    """Assert no stream holds a raw control (newline aside) or bidirectional character."""
    for stream in streams:
        found = RAW.findall(stream)
        assert not found, found[:5]


def with_client(label: str, body: str = EXAMPLE) -> str:
    """Return a schedule's text with its client label set."""
    lines = [line for line in body.splitlines() if not line.startswith("client")]
    return f"client = {toml_string(label)}\n" + "\n".join(lines) + "\n"


class TestVisible:
    """`visible` writes out what a terminal would obey; `json_text` keeps data exact."""

    def test_controls_are_written_out(self) -> None:
        """ESC, C1 CSI, DEL, RLO and LRM become their escapes; other text stays."""
        said = visible("a\x1b[2Jb\u009b\x7f\u202e\u200fé\u200b")
        assert said == "a\\x1b[2Jb\\x9b\\x7f\\u202e\\u200fé\u200b"
        assert visible(said) == said

    def test_a_layout_keeps_newlines_it_asks_for(self) -> None:
        """Newline and tab stay only where kept."""
        assert visible("a\nb\tc", keep="\n") == "a\nb\\x09c"

    def test_json_keeps_the_data_exact(self) -> None:
        """JSON escapes C1 and bidi controls; loading it gives the very string back."""
        document = json_text(json.dumps({"client": EVIL}, ensure_ascii=False))
        assert_clean(document)
        assert json.loads(document)["client"] == EVIL

    def test_an_error_line_is_shown_not_obeyed(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The one line `stops.ended` prints for an error writes its controls out."""
        error = ScheduleError("bad \u009b2J", source="s\x1b]0;x\x07.toml", field="k\u202ey")
        assert stops.ended(error) == 2
        err = capsys.readouterr().err
        assert err == "kapplan: error: s\\x1b]0;x\\x07.toml: k\\u202ey: bad \\x9b2J\n"

    def test_skeletons_fold_look_alikes(self) -> None:
        """Cyrillic letters, zero-width and soft hyphens, full-width forms fold away."""
        assert skeleton("Аnna") == skeleton("Anna\u200b") == "Anna"
        assert skeleton("anna") != "Anna"
        assert bare("Kеtаminе") == bare("Ket\u00adamine") == bare("ｋｅｔａｍｉｎｅ") == "ketamine"
        assert bare("кетами́н") == bare("кетамин")


class TestTerminal:
    """Escape sequences from input never reach the terminal raw."""

    @pytest.mark.parametrize("view", ["agenda", "month"])
    def test_a_client_label_is_shown(self, runner: CliRunner, tmp_path: Path, view: str) -> None:
        """ESC, OSC, C1 and bidi controls in a client label print as escapes."""
        schedule = tmp_path / "s.toml"
        schedule.write_text(with_client(EVIL), encoding="utf-8")
        code, out, err = invoke(runner, "plan", str(schedule), "--view", view)
        assert (code, err) == (0, "")
        assert_clean(out)
        assert "Eve\\x1b[2J\\x1b]0;pwned" in out
        assert "\\x9b31m\\x9d0;t\\x9c \\u202eevil\\u2066" in out

    def test_a_caseload_shows_labels_and_file_names(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """Labels taken from file names with ESC, and a label with C1, print as escapes."""
        for name in ("anna", "boris"):
            body = (CASELOAD / f"{name}.toml").read_text(encoding="utf-8")
            label = "\u009b" + name if name == "boris" else ""
            text = with_client(label, body) if label else with_client("", body)
            (tmp_path / f"{name}\x1b]0;x\x07.toml").write_text(
                text.replace('client = ""\n', ""), encoding="utf-8"
            )
        code, out, err = invoke(runner, "plan", str(tmp_path))
        assert (code, err) == (0, "")
        assert_clean(out)
        # Rich drops BEL (with BS, VT, FF and CR) from any text it lays out.
        assert "anna\\x1b]0;x " in out
        assert "\\x9bboris" in out

    def test_a_rule_title_cannot_plant_a_link(self, runner: CliRunner, tmp_path: Path) -> None:
        """An OSC 8 hyperlink in a rule's title is text in the agenda and the handout."""
        rules = tmp_path / "r.toml"
        rules.write_text(
            RULEBOOK.replace('"Journal about {dose}"', toml_string(LINK)), encoding="utf-8"
        )
        schedule = tmp_path / "s.toml"
        schedule.write_text(EXAMPLE, encoding="utf-8")
        for extra in ([], ["--view", "month"], ["-f", "html"]):
            code, out, err = invoke(runner, "plan", str(schedule), "--rules", str(rules), *extra)
            assert (code, err) == (0, "")
            assert_clean(out)
            # The month view names only the long arc's events; the rest show it all.
            assert extra[-1:] == ["month"] or "Journal \\x1b]8;;http://x\\x1b\\text" in out

    def test_file_names_and_fields_in_errors_are_shown(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """A schedule's name and an unknown key with ESC: one visible line from plan,
        one from validate; exit status 2 as for any error."""
        schedule = tmp_path / "bad\x1b[2J.toml"
        schedule.write_text(EXAMPLE + '"bogus\\u001b[31m" = 1\n', encoding="utf-8")
        code, out, err = invoke(runner, "plan", str(schedule))
        assert (code, out) == (2, "")
        assert err.count("\n") == 1
        assert err.startswith("kapplan: error: ")
        assert "bad\\x1b[2J.toml:" in err
        assert "bogus\\x1b[31m" in err
        assert_clean(err)
        code, out, err = invoke(runner, "validate", str(schedule))
        assert (code, err) == (2, "")
        assert "bad\\x1b[2J.toml:" in out
        assert "bogus\\x1b[31m" in out
        assert_clean(out)

    def test_the_handout_holds_no_raw_control(self, runner: CliRunner, tmp_path: Path) -> None:
        """The HTML handout writes a label's ESC, C1 and bidi controls out."""
        schedule = tmp_path / "s.toml"
        schedule.write_text(with_client(EVIL), encoding="utf-8")
        code, out, err = invoke(runner, "plan", str(schedule), "-f", "html")
        assert (code, err) == (0, "")
        assert_clean(out)
        assert "Eve\\x1b[2J" in out

    def test_json_escapes_and_keeps_the_label(self, runner: CliRunner, tmp_path: Path) -> None:
        """JSON holds the label exactly, every control and bidi character as an escape."""
        schedule = tmp_path / "s.toml"
        schedule.write_text(with_client(EVIL), encoding="utf-8")
        code, out, err = invoke(runner, "plan", str(schedule), "-f", "json")
        assert (code, err) == (0, "")
        assert_clean(out)
        assert json.loads(out)["clients"][0]["client"] == EVIL

    def test_an_ics_holds_no_raw_control(self, runner: CliRunner, tmp_path: Path) -> None:
        """Its codec drops what TEXT does not allow; only the CRLF line ends are controls."""
        schedule = tmp_path / "s.toml"
        schedule.write_text(with_client(EVIL), encoding="utf-8")
        result = runner.invoke(app, ["plan", str(schedule), "-f", "ics"])
        assert (result.exit_code, result.stderr) == (0, "")
        out = result.stdout_bytes.decode()
        assert "\r\n" in out
        assert not re.search("[\x00-\x1f\x7f-\x9f]", out.replace("\r\n", "")), "raw control"
        assert icalendar.Calendar.from_ical(out).walk("VEVENT")

    def test_real_processes_show_what_they_print(self, tmp_path: Path) -> None:
        """As a real process too, the agenda and an error line write controls out."""
        schedule = tmp_path / "s\x1b[2J.toml"
        schedule.write_text(with_client(EVIL), encoding="utf-8")
        env = {**os.environ, "TZ": "UTC", "NO_COLOR": "1"}
        for args, status in (
            (["plan", str(schedule)], 0),
            (["plan", str(tmp_path / "x\u009b")], 2),
        ):
            done = subprocess.run(
                [sys.executable, "-B", "-m", "kapplan", *args],
                capture_output=True,
                env=env,
                timeout=60,
                check=False,
            )
            assert done.returncode == status
            out, err = done.stdout.decode(), done.stderr.decode()
            assert_clean(out, err)
            assert ("Eve\\x1b[2J" in out) if status == 0 else ("x\\x9b" in err)


class TestLookalikes:
    """The discreet guard and client labels read text as it looks."""

    @pytest.mark.parametrize(
        "name",
        [
            "Kеtаminе",  # Cyrillic е and а
            "Ket\u200bamine",
            "Ket\u00adamine",
            "ｋｅｔａｍｉｎｅ",
            "Keta\u0301mine",
            "Psychedelic therapy clinic",
            "Psychiatry",
            "Depression care",
            "Кетамин",
            "кетами\u0301н",
            "Психоделическая терапия",
        ],
    )
    def test_a_disguised_word_is_refused(
        self, runner: CliRunner, tmp_path: Path, name: str
    ) -> None:
        """A calendar name that reads as a revealing word is refused under --discreet."""
        schedule = tmp_path / "s.toml"
        schedule.write_text(EXAMPLE, encoding="utf-8")
        args = ["plan", str(schedule), "-f", "ics", "--discreet", "--calendar-name", name]
        code, out, err = invoke(runner, *args)
        assert (code, out) == (2, "")
        assert err.startswith("kapplan: error: --calendar-name: the calendar name contains ")

    @pytest.mark.parametrize("name", ["Therapy", "Терапия", "Personal", "Dossier"])
    def test_a_neutral_name_is_kept(self, runner: CliRunner, tmp_path: Path, name: str) -> None:
        """'Therapy' names no treatment: a therapist's calendar may say it."""
        schedule = tmp_path / "s.toml"
        schedule.write_text(EXAMPLE, encoding="utf-8")
        args = ["plan", str(schedule), "-f", "ics", "--discreet", "--calendar-name", name]
        code, out, err = invoke(runner, *args)
        assert (code, err) == (0, "")
        assert f"X-WR-CALNAME:{name}\n" in out

    def test_look_alike_labels_are_refused(self, runner: CliRunner, tmp_path: Path) -> None:
        """Anna, Аnna (Cyrillic А) and Anna with a zero-width space are one label."""
        body = (CASELOAD / "anna.toml").read_text(encoding="utf-8")
        for file, label in (("a", "Anna"), ("b", "\u0410nna"), ("c", "Anna\u200b")):
            (tmp_path / f"{file}.toml").write_text(with_client(label, body), encoding="utf-8")
        code, out, err = invoke(runner, "plan", str(tmp_path))
        assert (code, out) == (2, "")
        assert err == (
            f"kapplan: error: {tmp_path / 'b.toml'}: client: client 'Аnna' ('\\u0410nna') "
            f"looks the same as 'Anna', the label of {tmp_path / 'a.toml'}; expected a "
            "distinct client label per schedule\n"
        )
        code, out, err = invoke(runner, "validate", str(tmp_path))
        assert code == 2
        assert "b.toml:1: client: client 'Аnna' ('\\u0410nna') looks the same" in out
        assert "c.toml:1: client: client 'Anna\\u200b' ('Anna\\u200b') looks the same" in out


#: Pieces of hostile text: escape sequences, C0 and C1 controls, bidi controls,
#: combining marks, zero-width and soft hyphens, markup, a very long word.
PIECES = st.sampled_from(
    [
        "\x1b[2J", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "\x1bP+q\x1b\\",
        "\u009b31m", "\u009d0;t\u009c", "\u0085", "\x7f", "\x00", "\x08", "\r", "\t", "\x0b",
        "\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\u2028",
        "\u200b", "\u200d", "\u00ad", "\ufeff", "a\u0301\u0302\u0303", "[bold]", "[/]", "\\",
        "W" * 150,
    ]
)  # fmt: skip
HOSTILE = (
    st.lists(st.one_of(PIECES, st.text(max_size=4)), min_size=1, max_size=5)
    .map(lambda parts: "".join(parts).replace("{", "(").replace("}", ")")[:180])
    .filter(lambda text: text.strip() != "")
)
#: A fragment of a file name: no separator, no NUL, short enough for any file system.
FILE_PART = HOSTILE.map(lambda text: text.replace("/", "_").replace("\x00", "")[:40])

#: The count is the test's (`examples`: a quick run by default, the full one slow).
HOSTILE_RUNS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def hostile_rulebook(texts: list[str]) -> str:
    """Return kapplan's rulebook with a rule's title, description, why and prompt, and a
    method's label, replaced."""
    title, description, why, prompt, label = (toml_string(t) for t in texts)
    return (
        RULEBOOK.replace('"Journal about {dose}"', title[:-1] + ' {dose}"')
        .replace('"Write freely for 15 to 30 minutes about the experience."', description)
        .replace('"Writing within 24 hours', why[:-1] + " Writing within 24 hours")
        .replace('"What images, memories, sensations or feelings came up?"', prompt)
        .replace('label = "IV infusion"', f"label = {label}")
    )


@examples(quick=5, full=30)
def test_hostile_text_is_never_obeyed(runs: int) -> None:
    """Hostile strings in a client label, a therapist's name, a rulebook's texts and the
    files' names: agenda, month, caseload, handout, validate and rules print none raw."""

    @settings(HOSTILE_RUNS, max_examples=runs)
    @given(texts=st.lists(HOSTILE, min_size=8, max_size=8), part=FILE_PART)
    def check(texts: list[str], part: str) -> None:
        never_obeyed(texts, part)

    check()


def never_obeyed(texts: list[str], part: str) -> None:
    """Write the hostile texts into every file and name; run each view: nothing raw out."""
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC"})
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / f"c{part}"
        folder.mkdir()
        rules = Path(scratch) / f"r{part}.toml"
        rules.write_text(hostile_rulebook(texts[:5]), encoding="utf-8")
        therapist = Path(scratch) / f"t{part}.toml"
        therapist.write_text(
            THERAPIST.replace('"M. Integration"', toml_string(texts[5])), encoding="utf-8"
        )
        for n, name in enumerate(("anna", "boris")):
            body = (CASELOAD / f"{name}.toml").read_text(encoding="utf-8")
            (folder / f"{name}{part}.toml").write_text(
                with_client(texts[6 + n], body), encoding="utf-8"
            )
        schedule = folder / f"anna{part}.toml"
        runs = [
            ["plan", str(schedule), "--rules", str(rules)],
            ["plan", str(schedule), "--rules", str(rules), "--view", "month"],
            ["plan", str(schedule), "--rules", str(rules), "-f", "html"],
            ["plan", str(folder), "--therapist", str(therapist), "--rules", str(rules)],
            ["validate", str(folder), str(therapist), str(rules)],
            ["rules", "--rules", str(rules)],
            ["rules", str(schedule)],
        ]
        for args in runs:
            code, out, err = invoke(runner, *args)
            assert code in (0, 1, 2), (args, err)
            assert_clean(out, err)


def test_the_hostile_pieces_exercise_the_views() -> None:
    """One hostile example plans: the fuzz reaches the views, not only the error line."""
    buffer = io.StringIO()
    buffer.write(hostile_rulebook([EVIL, EVIL, EVIL, EVIL, EVIL]))
    with tempfile.TemporaryDirectory() as scratch:
        rules = Path(scratch) / "r.toml"
        rules.write_text(buffer.getvalue(), encoding="utf-8")
        schedule = Path(scratch) / "s.toml"
        schedule.write_text(with_client(EVIL), encoding="utf-8")
        runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC"})
        for extra in ([], ["-f", "html"]):
            code, out, err = invoke(runner, "plan", str(schedule), "--rules", str(rules), *extra)
            assert (code, err) == (0, "")
            assert_clean(out)
            assert "\\x1b]0;pwned" in out
