"""The README's reference tables are generated from the code and must not drift."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kapplan.edge.load import default_rulebook
from kapplan.views.reference import rules_document, rules_markdown, schedule_markdown
from tests.conftest import ROOT

README = ROOT / "README.md"
RULES = ROOT / "docs" / "RULES.md"


def _section(name: str, body: str) -> str:
    return f"<!-- {name}:start -->\n{body}\n<!-- {name}:end -->"


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("rules-table", lambda: rules_markdown(default_rulebook())),
        ("schedule-table", schedule_markdown),
    ],
    ids=["rules", "schedule"],
)
def test_readme_table_is_current(name: str, build: object, request: pytest.FixtureRequest) -> None:
    """The README table between its markers equals the generated one.

    `pytest --update-golden` rewrites it.
    """
    assert callable(build)
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.DOTALL)
    assert pattern.search(text), f"README has no {name} markers"
    expected = _section(name, build())
    if request.config.getoption("--update-golden"):
        README.write_text(pattern.sub(lambda _: expected, text), encoding="utf-8")
        return
    assert pattern.search(text).group(0) == expected  # type: ignore[union-attr]


def test_rules_document_is_current(request: pytest.FixtureRequest) -> None:
    """docs/RULES.md is generated from the default rulebook: the rules, their reasons and
    every source's title and author. `pytest --update-golden` rewrites it."""
    expected = rules_document(default_rulebook())
    if request.config.getoption("--update-golden"):
        RULES.write_text(expected, encoding="utf-8")
        return
    assert RULES.read_text(encoding="utf-8") == expected


def test_rules_document_names_every_source() -> None:
    """Each source a default rule cites has an anchor in docs/RULES.md, with its title, and
    the README's table links there."""
    book = default_rulebook()
    text = RULES.read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    for rule in book.rule:
        for cited in rule.source:
            assert f'<a id="source-{cited}"></a>`{cited}`: **{book.sources[cited].title}**' in text
            assert f"[{cited}](docs/RULES.md#source-{cited})" in readme
    assert "How to Make Ketamine Therapy Results Last: An Integration Guide**. Dr. Ben Soffer." in (
        text
    )


def test_readme_links_stay_in_the_project() -> None:
    """Every relative link of the README names a file of the project (none outside a
    clone, such as ../shared/DOMAIN.md), and each #source- anchor exists."""
    text = README.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', RULES.read_text(encoding="utf-8")))
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert "docs/RULES.md" in links
    for link in links:
        if re.match(r"^[a-z]+:", link) or link.startswith("#"):
            continue
        path, _, anchor = link.partition("#")
        assert not path.startswith(".."), link
        assert (ROOT / path).exists(), link
        if path == "docs/RULES.md" and anchor.startswith("source-"):
            assert anchor in anchors, link


def test_every_rule_names_a_source_and_says_why() -> None:
    """Each default rule has a source and a reason, so the plan can explain every event."""
    for rule in default_rulebook().rule:
        assert rule.source, rule.id
        assert rule.why, rule.id


def test_readme_setup_commands_are_the_first_two_lines_of_code() -> None:
    """The README opens with exactly the two set-up commands .ci/run relies on."""
    text = README.read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2
    assert "kapplan plan examples/" in block[0]
    assert "pytest" in block[1]
    assert block[1].split("&& ")[-1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_use_from_python_runs_as_written(tmp_path: Path) -> None:
    """The README's "Use from Python" example runs as written, in a folder holding the
    files it names, and prints what the README says it prints."""
    section = README.read_text(encoding="utf-8").split("## Use from Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    printed = section.split("```text\n", 1)[1].split("```", 1)[0]
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "tests" / "data").mkdir(parents=True)
    moved = ROOT / "tests" / "data" / "iv-six-infusions-moved.toml"
    shutil.copy(moved, tmp_path / "tests" / "data")
    (tmp_path / "example.py").write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "example.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TZ": "UTC"},
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == printed
    assert (tmp_path / "plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
