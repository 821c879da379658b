"""A JSON export is made and written piece by piece, and the pieces are the document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kapplan import api
from kapplan.characters import json_text
from kapplan.edge.atomic import write_output
from kapplan.formats import json as json_format
from kapplan.formats.json import iter_json, plan_to_data, render_json
from kapplan.model.plan import Plan
from tests.conftest import ROOT

CASELOAD = ROOT / "examples" / "caseload"
THERAPIST = ROOT / "examples" / "therapist" / "lisbon.toml"


def dumped(plans: Plan | list[Plan], **options: object) -> str:
    """The document as one `json.dumps` of the whole data writes it."""
    changes = options.pop("changes", None)
    data = plan_to_data(plans, **options)  # type: ignore[arg-type]
    if changes is not None:
        data["changes"] = list(changes)  # type: ignore[call-overload]
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def caseload() -> api.Planned:
    return api.plan_files([str(CASELOAD)], therapist=str(THERAPIST))


def test_pieces_join_to_the_whole_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records encoded in batches, a list indented one level deeper, empty lists and a
    changes list with the controls `json_text` escapes: the same text as one dump."""
    planned = caseload()
    plans = list(planned.plans)
    monkeypatch.setattr(json_format, "_BATCH", 3)  # many batches, and a last short one
    changes: list[dict[str, object]] = [
        {"client": "a\u2028b", "title": "x\x85y\u202e", "before": None, "after": []}
    ]
    pieces = list(iter_json(plans, timezone=planned.timezone, changes=changes))
    assert "".join(pieces) == dumped(plans, timezone=planned.timezone, changes=changes)
    assert pieces[-1] == "\n}\n"
    assert pieces[-2] == "\n  ]"
    assert all(f"\\u{c:04x}" in pieces[-3] for c in (0x2028, 0x85, 0x202E))
    events = sum(len(p.events) for p in plans)
    assert len(pieces) > events // 3
    empty = Plan(timezone="UTC", infusions=(), courses=(), events=())
    for plan in (plans[0], empty):
        assert render_json(plan) == dumped(plan)
        assert render_json(plan, changes=[]) == dumped(plan, changes=[])
    assert render_json([]) == dumped([])


def test_a_json_export_streams_what_render_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Export.chunks` makes the JSON as it is asked for; joined, written to a file or read
    as `Export.data`, it is what `api.render` returns."""
    monkeypatch.setattr(json_format, "_BATCH", 8)
    target = api.Target(format=api.Format.JSON)
    export = api.export_files([str(CASELOAD)], target, therapist=str(THERAPIST))
    whole = api.render(export.planned, target)
    assert not isinstance(export.rendered, bytes)
    pieces = list(export.chunks())
    assert len(pieces) > 3
    assert max(map(len, pieces)) < len(whole) // 2
    assert b"".join(pieces) == export.data == whole
    export.write(tmp_path / "plan.json")
    assert (tmp_path / "plan.json").read_bytes() == whole
    calendar = api.export_files(
        [str(CASELOAD)], api.Target(format=api.Format.ICS), therapist=str(THERAPIST)
    )
    assert [calendar.data] == list(calendar.chunks())


def test_a_stream_that_fails_leaves_the_earlier_file(tmp_path: Path) -> None:
    """Pieces are written as they come; a failure part-way keeps the earlier file, and
    leaves no temporary file."""
    target = tmp_path / "plan.json"
    target.write_bytes(b"earlier")

    def pieces(fail: bool) -> Iterator[bytes]:
        yield b"{\n"
        if fail:
            raise ValueError("broken")
        yield b"}\n"

    with pytest.raises(ValueError, match="broken"):
        write_output(target, pieces(True), force=True)
    assert target.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    write_output(target, pieces(False), force=True)
    assert target.read_bytes() == b"{\n}\n"
