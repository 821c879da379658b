"""The HTML handout: self-contained, well-formed, escaped, printable in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kapplan.cli.app import app
from kapplan.edge.load import default_rulebook, rulebook_from_text, schedule_from_text
from kapplan.engine import build_plan
from kapplan.model.choices import Reader
from kapplan.model.plan import EventKind, Plan
from kapplan.views.html import OWNED_MARKER, SESSION_MARK, render_html
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES, ROOT, default_first
from tests.plans import ALWAYS, TEXTS, doses
from tests.test_hardening import run_kapplan

IV = ROOT / "examples" / "iv-six-infusions.toml"
SPRAVATO = ROOT / "examples" / "spravato.toml"
CONFIRM = "Your therapist will confirm the times of these sessions."
SCRIPT = "<script>alert(1)</script>"
MARKUP = "[bold red]x[/]"
#: Elements HTML5 writes without an end tag.
VOID = frozenset({"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source", "area"})


class Document(HTMLParser):
    """A strict reader: every element closed in order, and what the document holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        """Remember the doctype."""
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element (void elements close themselves)."""
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost element, which must be this one."""
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        """Keep the text outside <style>."""
        if "style" not in self.open:
            self.text.append(data)


def parse(html: str) -> Document:
    """Parse a document and check it is well formed."""
    document = Document()
    document.feed(html)
    document.close()
    assert document.errors == []
    assert document.open == []
    assert document.doctype == "DOCTYPE html"
    return document


def example_plan(body: str = "", *, rulebook_text: str | None = None) -> Plan:
    """Plan two IV doses (plus `body`), optionally with a rewritten default rulebook."""
    text = (
        'timezone = "Europe/Berlin"\n' + body + doses("2026-12-01T10:00:00", "2026-12-04T10:00:00")
    )
    schedule = schedule_from_text(text + ALWAYS, "test.toml")
    source = (ROOT / "src" / "kapplan" / "data" / "rulebook.toml").read_text(encoding="utf-8")
    book = rulebook_from_text(rulebook_text(source) if rulebook_text else source, "rules.toml")
    return build_plan(schedule, book, texts=TEXTS)


def test_example_golden(runner: CliRunner, golden: Callable[[str, bytes], None]) -> None:
    """The six-infusion example's handout is reviewed byte for byte."""
    result = runner.invoke(app, ["plan", str(IV), "--format", "html"])
    assert result.exit_code == 0, result.stderr
    golden("iv-six-infusions.html", result.stdout.encode())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
class TestSelfContained:
    """Every example's handout stands alone: no scripts and nothing loaded from anywhere."""

    def test_no_scripts_or_network(self, runner: CliRunner, example: Path) -> None:
        """No <script>, no http(s) address, no src or href but #fragments, no event handlers."""
        html = runner.invoke(app, ["plan", str(example), "-f", "html"]).stdout
        document = parse(html)
        assert "<script" not in html.lower()
        assert "http://" not in html
        assert "https://" not in html
        assert "@import" not in html
        assert "url(" not in html
        for tag, attrs in document.tags:
            assert tag not in {"script", "link", "img", "iframe", "object", "embed"}
            for name, value in attrs.items():
                assert not name.startswith("on"), (tag, name)
                if name in {"src", "href", "action", "srcset", "poster"}:
                    assert (value or "").startswith("#"), (tag, name, value)

    def test_structure(self, runner: CliRunner, example: Path) -> None:
        """A lang, a charset, one inline style sheet with print rules, and the summary."""
        html = runner.invoke(app, ["plan", str(example), "-f", "html"]).stdout
        document = parse(html)
        assert html.startswith(OWNED_MARKER.decode())
        assert ("html", {"lang": "en"}) in document.tags
        assert ("meta", {"charset": "utf-8"}) in document.tags
        assert [t for t, _ in document.tags].count("style") == 1
        assert "@media print" in html
        assert "@page" in html
        assert "break-inside: avoid" in html
        text = "".join(document.text)
        assert "courses" in text or "course ·" in text


class TestContent:
    """The handout holds the plan by week, each prompt once, the advisories, doses and sessions."""

    def test_doses_sessions_and_prompts(self) -> None:
        """Every dose is boxed, every session marked, each journaling prompt printed once."""
        built = example_plan()
        html = render_html(built)
        parse(html)
        assert html.count('class="dose"') == len(built.infusions) == 2
        assert html.count(f'<span class="session">{SESSION_MARK}\u00a0') == len(built.sessions)
        journaling = [e for e in built.events if e.kind is EventKind.JOURNALING]
        assert len(journaling) == 2
        prompts = journaling[0].prompts
        assert len(prompts) == 6
        for prompt in prompts:
            assert html.count(prompt) == 1
        assert "Journaling prompts" in html

    def test_every_timed_event_by_week(self) -> None:
        """Each timed event's title is in the plan, under its week's heading."""
        built = example_plan()
        html = render_html(built)
        assert "Week of Mon 30 Nov 2026" in html
        for event in built.events:
            if not event.all_day:
                assert f"{event.start:%H:%M}–{event.end:%H:%M}" in html
                assert event.title in html

    def test_advisories_with_dates(self) -> None:
        """Each advisory's text appears once, with the dates of each time it applies."""
        html = render_html(example_plan())
        advisories = html.split("<h2>Advisories</h2>")[1]
        assert advisories.count("Avoid stressful, confrontational situations") == 1
        assert "Protect the 48 hours after dose 1</strong>: Tue 01 Dec – Thu 03 Dec" in advisories
        assert "Protect the 48 hours after dose 2</strong>: Fri 04 Dec – Sun 06 Dec" in advisories
        assert "Active course 1: look after the basics</strong>: Tue 01 Dec – Fri 04 Dec" in (
            advisories
        )

    def test_header(self) -> None:
        """The header names the client, the plan's first and last days and its time zone."""
        html = render_html(example_plan('client = "A. Patient"\n'))
        assert "<title>Integration plan for A. Patient</title>" in html
        assert "<h1>Integration plan for A. Patient</h1>" in html
        assert re.search(r"Tue 24 Nov 2026 – \w{3} \d\d \w{3} 2027 · times in Europe/Berlin", html)

    def test_warnings(self) -> None:
        """The therapist's handout lists a plan's warnings under their heading."""
        built = example_plan()
        assert not built.warnings
        assert "Warnings" not in render_html(built, reader=Reader.THERAPIST)
        spravato = ROOT / "examples" / "spravato.toml"
        result = CliRunner().invoke(
            app, ["plan", str(spravato), "-f", "html", "--for", "therapist"]
        )
        assert result.exit_code == 0, result.stderr
        assert '<section class="warnings">\n<h2>Warnings (4)</h2>' in result.stdout
        assert result.stdout.count("placed 22 h 30 min late") == 4
        assert CONFIRM not in result.stdout
        assert "· 136 events · 4 warnings</p>" in result.stdout


class TestInjection:
    """Nothing from a schedule or rulebook adds markup: it is printed as text."""

    def test_client_name(self) -> None:
        """A client label with a script and Rich markup is escaped, never a tag."""
        built = example_plan(f'client = "{SCRIPT} {MARKUP} & \\"q\\""\n')
        html = render_html(built)
        document = parse(html)
        assert "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; [bold red]x[/] &amp; &quot;q&quot;" in html
        assert f'{SCRIPT} {MARKUP} & "q"' in "".join(document.text)
        assert all(tag != "script" for tag, _ in document.tags)

    def test_rule_texts(self) -> None:
        """A rulebook's title, description and prompts with markup stay text."""
        evil = "<img src=https://example.org/x.png onerror=alert(1)></style><script>"

        def rewrite(source: str) -> str:
            return (
                source.replace('"Journal about {dose}"', f'"{evil} {MARKUP} {{dose}}"')
                .replace(
                    '"Avoid stressful, confrontational situations where you can. Go gently."',
                    f'"{SCRIPT} {MARKUP}"',
                )
                .replace(
                    '"What images, memories, sensations or feelings came up?"',
                    f'"{SCRIPT} <a href=https://example.org>here</a>"',
                )
            )

        built = example_plan(rulebook_text=rewrite)
        assert any(SCRIPT in e.description for e in built.events if e.all_day)
        html = render_html(built)
        document = parse(html)
        assert "<script" not in html
        assert "<img" not in html
        assert "<a " not in html
        assert [t for t, _ in document.tags].count("style") == 1
        for _, attrs in document.tags:
            assert "src" not in attrs
            assert "onerror" not in attrs
            assert "href" not in attrs
        text = "".join(document.text)
        assert f"{evil} {MARKUP} dose 1" in text
        assert f"{SCRIPT} {MARKUP}" in text
        assert f"{SCRIPT} <a href=https://example.org>here</a>" in text


class TestCommandLine:
    """--format html, the .html/.htm suffixes, rewriting and the errors."""

    @pytest.mark.parametrize("suffix", [".html", ".htm", ".HTML"])
    def test_suffix_picks_html(self, runner: CliRunner, tmp_path: Path, suffix: str) -> None:
        """-o plan.html writes the handout; writing again replaces kapplan's own file."""
        target = tmp_path / f"plan{suffix}"
        for _ in range(2):
            result = runner.invoke(app, ["plan", str(IV), "-o", str(target)])
            assert result.exit_code == 0, result.stderr
            assert result.stdout == ""
        assert target.read_bytes().startswith(OWNED_MARKER)

    def test_foreign_file_is_kept(self, runner: CliRunner, tmp_path: Path) -> None:
        """An .html file kapplan did not write is not replaced without --force."""
        target = tmp_path / "page.html"
        target.write_text("<!DOCTYPE html><p>mine</p>", encoding="utf-8")
        result = runner.invoke(app, ["plan", str(IV), "-o", str(target)])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"kapplan: error: {target}: ")
        assert target.read_text(encoding="utf-8") == "<!DOCTYPE html><p>mine</p>"
        forced = runner.invoke(app, ["plan", str(IV), "-o", str(target), "--force"])
        assert forced.exit_code == 0
        assert target.read_bytes().startswith(OWNED_MARKER)

    def test_no_handout_for_a_caseload(self, runner: CliRunner) -> None:
        """A caseload is one line on stderr: a handout is for one client."""
        result = runner.invoke(app, ["plan", str(ROOT / "examples" / "caseload"), "-f", "html"])
        assert result.exit_code == 2
        assert result.stderr == (
            "kapplan: error: --format html shows one client's plan, not a caseload; "
            "expected a single schedule, or one client of the caseload with --client NAME\n"
        )

    def test_calendar_options_refused(self, runner: CliRunner) -> None:
        """--discreet belongs to calendars, not the handout."""
        result = runner.invoke(app, ["plan", str(IV), "-f", "html", "--discreet"])
        assert result.exit_code == 2
        assert result.stderr == (
            "kapplan: error: --discreet applies to calendars; "
            "expected --format ics or -o FILE.ics\n"
        )

    def test_html_does_not_import_rich(self) -> None:
        """The handout renders without loading Rich."""
        code = (
            "import sys\nfrom kapplan.cli.app import main\n"
            f"sys.argv = ['kapplan', 'plan', {str(IV)!r}, '-f', 'html']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert not any(m == 'rich' or m.startswith('rich.') for m in sys.modules), 'rich'\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("<!DOCTYPE html>")


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.skipif(
    _browser() is None,
    reason="no chromium, chromium-browser or google-chrome on PATH (apt-get install chromium)",
)
@pytest.mark.parametrize("lang", default_first(["en", "ru"]))
def test_prints_in_a_real_browser(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """Headless Chromium prints the handout to a PDF of a few pages and screenshots it."""
    browser = _browser()
    assert browser is not None
    page = tmp_path / "plan.html"
    result = runner.invoke(app, ["plan", str(IV), "-o", str(page), "--lang", lang])
    assert result.exit_code == 0, result.stderr
    pdf, png = tmp_path / "plan.pdf", tmp_path / "plan.png"
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    for extra in (
        ["--no-pdf-header-footer", f"--print-to-pdf={pdf}"],
        ["--window-size=1000,1400", "--hide-scrollbars", f"--screenshot={png}"],
    ):
        run = subprocess.run(
            [*common, *extra, page.as_uri()],
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert 5_000 < len(data) < 2_000_000
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert 1 <= pages <= 4, pages
    assert _png_size(png.read_bytes()) == (1000, 1400)
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one


def test_a_dose_across_a_clock_change_names_both_clocks() -> None:
    """A 120-minute dose from 00:30 on the night clocks go back ends at 01:30 GMT: the
    handout's range says both clocks, so it does not read as one hour."""
    body = 'timezone = "Europe/London"\n' + doses("2026-10-25T00:30:00", method="oral")
    built = build_plan(schedule_from_text(body, "s.toml"), default_rulebook(), texts=TEXTS)
    html = render_html(built)
    assert (
        '<li><span class="time">00:30 BST–01:30 GMT</span> '
        '<span class="dose">Oral/sublingual dose 1</span></li>'
    ) in html


class TestAdvisoriesOnce:
    """Issue 17: each advisory once, its dated titles before what it says."""

    def test_merged_advisory_is_printed_once(self, runner: CliRunner) -> None:
        """Spravato's merged 48-hour advisories (doses 1 and 2, ...) and single ones are one
        block: the text once, every dated title in it, the title before the text."""
        html = runner.invoke(app, ["plan", str(SPRAVATO), "-f", "html"]).stdout
        parse(html)
        advisories = html.split("<h2>Advisories</h2>")[1].split("</section>")[0]
        assert advisories.count("Avoid stressful, confrontational situations") == 1
        assert advisories.count('<div class="advisory">') == 2
        block = advisories.split('<div class="advisory">')[1]
        for title in ("doses 1 and 2", "doses 7 and 8", "dose 9", "dose 12"):
            assert f"Protect the 48 hours after {title}</strong>" in block
        assert block.index("<strong>Protect the 48 hours") < block.index("Avoid stressful")
        assert block.index("Avoid stressful") < block.index("Why: The 48 hours")
        # The doses a merged advisory covers are in its title: not said again.
        assert "Covers doses" not in advisories

    def test_a_text_that_differs_per_event_stays_with_its_dates(self) -> None:
        """A rewritten advisory whose text names its dose keeps each text by its dates."""

        def rewrite(source: str) -> str:
            return source.replace(
                '"Avoid stressful, confrontational situations where you can. Go gently."',
                '"Go gently after {dose}."',
            )

        html = render_html(example_plan(rulebook_text=rewrite))
        parse(html)
        block = html.split("<h2>Advisories</h2>")[1].split('<div class="advisory">')[1]
        assert "Protect the 48 hours after dose 1</strong>: Tue 01 Dec – Thu 03 Dec" in block
        assert "Thu 03 Dec<br>Go gently after dose 1.</li>" in block
        assert "Sun 06 Dec<br>Go gently after dose 2.</li>" in block
        assert block.count("Why: The 48 hours") == 1


class TestReaders:
    """Issue 17: the patient's handout shows what to do; the therapist's the warnings too."""

    def test_patient_handout_has_no_warnings(self, runner: CliRunner) -> None:
        """By default the placement warnings are left out, one line says the therapist will
        confirm the sessions' times, and the summary counts no warnings."""
        html = runner.invoke(app, ["plan", str(SPRAVATO), "-f", "html"]).stdout
        same = runner.invoke(app, ["plan", str(SPRAVATO), "-f", "html", "--for", "patient"])
        assert same.stdout == html
        parse(html)
        assert "warnings" not in html.lower().split("</style>")[1]
        assert "no free time in its window" not in html
        assert html.count(CONFIRM) == 1
        assert "<header>" in html.split(CONFIRM)[0]
        assert "</header>" in html.split(CONFIRM)[1]
        assert "· 136 events</p>" in html

    def test_no_confirm_line_without_placement_warnings(self, runner: CliRunner) -> None:
        """A plan without warnings says nothing about confirming times."""
        html = runner.invoke(app, ["plan", str(IV), "-f", "html"]).stdout
        assert CONFIRM not in html
        assert "Время этих сессий" not in html

    def test_russian_confirm_line(self, runner: CliRunner) -> None:
        """The line is in the catalogue: Russian handouts say it in Russian."""
        html = runner.invoke(app, ["plan", str(SPRAVATO), "-f", "html", "--lang", "ru"]).stdout
        assert '<p class="confirm">Время этих сессий подтвердит ваш терапевт.</p>' in html

    @pytest.mark.parametrize("fmt", ["terminal", "json", "ics"])
    def test_for_needs_the_handout(self, fmt: str) -> None:
        """--for with another format is one line on stderr, exit 2."""
        code, stdout, stderr = run_kapplan("plan", str(IV), "-f", fmt, "--for", "therapist")
        assert (code, stdout) == (2, "")
        assert stderr == (
            "kapplan: error: --for applies to the HTML handout; expected --format html\n"
        )


class TestFootnotes:
    """Issue 17: the handout names the documents its rules come from."""

    def test_sources_by_name(self, runner: CliRunner) -> None:
        """The footnotes name each source; every mark links to one of them."""
        html = runner.invoke(app, ["plan", str(IV), "-f", "html"]).stdout
        document = parse(html)
        footer = html.split('<p class="sources">')[1].split("</p>")[0]
        for name in (
            "Ketamine Integration · Post-KAP Support",
            "Integration Therapy After Ketamine Treatment",
            "Dr. Ben Soffer, How to Make Ketamine Therapy Results Last: An Integration Guide",
            "What Is Ketamine Integration Therapy? A Clear Explanation",
            "The dosing schedule from your clinic or prescriber",
            "The esketamine (Spravato) product label",
        ):
            assert name in footer
        assert "000" not in footer
        assert "seed" not in footer
        ids = {attrs["id"] for _, attrs in document.tags if attrs.get("id")}
        links = [attrs["href"] for tag, attrs in document.tags if tag == "a"]
        assert links
        assert {link.removeprefix("#") for link in links} == ids
        # The journaling prompts cite the journaling rule's sources: 001, 003 and 004.
        prompts = html.split("<h2>Journaling prompts")[1].split("</h2>")[0]
        numbers = re.findall(r'href="#source-(\d+)"', prompts)
        names = {n: re.search(rf'id="source-{n}">\[{n}\] ([^<]+)<', html) for n in numbers}
        assert sorted(m.group(1) for m in names.values() if m) == sorted(
            [
                "Integration Therapy After Ketamine Treatment",
                "Dr. Ben Soffer, How to Make Ketamine Therapy Results Last: An Integration Guide",
                "What Is Ketamine Integration Therapy? A Clear Explanation",
            ]
        )

    def test_a_rulebook_of_your_own_cites_its_documents(self, tmp_path: Path) -> None:
        """A rule citing the user's own source shows that source's name, year and address."""
        book = tmp_path / "mine.toml"
        book.write_text(
            'version = 1\n[sources.smith]\ntitle = "Ketamine-assisted psychotherapy"\n'
            'author = "Smith et al."\nyear = 2023\nurl = "https://doi.org/10.1000/xyz"\n'
            '[[rule]]\nid = "movement"\nsource = ["smith"]\n',
            encoding="utf-8",
        )
        code, html, stderr = run_kapplan("plan", str(IV), "-f", "html", "--rules", str(book))
        assert (code, stderr) == (0, "")
        assert (
            "Smith et al. 2023, Ketamine-assisted psychotherapy · https://doi.org/10.1000/xyz</span>"
        ) in html

    def test_without_a_rulebook_no_footnotes(self) -> None:
        """render_html without the rulebook (a plan read back from JSON) has no footnotes."""
        html = render_html(example_plan())
        assert 'class="sources"' not in html
        assert "<sup" not in html


#: Injected into a copy of a handout (the handout itself has no scripts): after layout, it
#: lists each dose box that spans two lines and each session whose ◆ ends a line apart from
#: its title's first word, and whether the page scrolls sideways.
MEASURE = """<script>
window.addEventListener('load', () => {
  const lines = (rects) => new Set([...rects].map((r) => Math.round(r.top))).size;
  const found = [];
  for (const box of document.querySelectorAll('.dose')) {
    if (lines(box.getClientRects()) > 1) found.push('dose: ' + box.textContent);
  }
  for (const label of document.querySelectorAll('.session')) {
    const text = label.firstChild;
    const head = text.textContent.match(/^\\S+[ \\u00a0]\\S+/)[0];
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(text, head.length);
    if (lines(range.getClientRects()) > 1) found.push('mark: ' + label.textContent);
  }
  if (document.documentElement.scrollWidth > window.innerWidth) found.push('overflow');
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
});
</script>"""


def _chromium(tmp_path: Path, *extra: str, page: Path) -> bytes:
    browser = _browser()
    assert browser is not None
    run = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    return run.stdout


@pytest.mark.skipif(_browser() is None, reason="no chromium on PATH (apt-get install chromium)")
@pytest.mark.slow  # a browser run a language; the printed page above is the default's
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_labels_do_not_split_on_screen(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """Issue 17: at 1000 px a boxed dose never spans two lines and a ◆ never ends a line
    apart from its session; on a 420 px phone the ◆ still stays with its session and
    nothing scrolls sideways. The at-home example's long Russian labels split before."""
    html = runner.invoke(
        app, ["plan", str(ROOT / "examples" / "oral-at-home.toml"), "-f", "html", "--lang", lang]
    ).stdout
    page = tmp_path / "measure.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    for width, allowed in ((1000, set()), (420, {"dose"})):
        dom = _chromium(
            tmp_path,
            f"--window-size={width},1400",
            "--virtual-time-budget=3000",
            "--dump-dom",
            page=page,
        ).decode()
        measured = re.search(r'<pre id="measured">(.*?)</pre>', dom)
        assert measured is not None, dom[-500:]
        found = [
            f for f in json.loads(unescape(measured.group(1))) if f.split(":")[0] not in allowed
        ]
        assert found == [], (width, found)


@pytest.mark.slow  # prints every example: the browser test above prints one by default
@pytest.mark.skipif(_browser() is None, reason="no chromium on PATH (apt-get install chromium)")
def test_printed_page_counts(runner: CliRunner, tmp_path: Path) -> None:
    """Issue 17: the six-infusion handout still prints on two A4 pages in English and
    Russian with its footnotes; the Spravato patient's handout, without the therapist's
    warnings, takes no more pages than the therapist's."""

    def pages(*args: str) -> int:
        page = tmp_path / "plan.html"
        page.unlink(missing_ok=True)
        result = runner.invoke(app, ["plan", *args, "-o", str(page)])
        assert result.exit_code == 0, result.stderr
        pdf = tmp_path / "plan.pdf"
        _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page=page)
        return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))

    assert pages(str(IV)) == 2
    assert pages(str(IV), "--lang", "ru") == 2
    patient, therapist = pages(str(SPRAVATO)), pages(str(SPRAVATO), "--for", "therapist")
    assert patient <= therapist <= 4
