"""`kapplan plan ... -f vdir -o DIR`: a folder of one-event .ics files for khal and vdirsyncer.

Items are read back with two independent parsers (icalendar and vobject) and
with khal itself; re-runs are checked file by file, by content and by
modification time, since that is how vdirsyncer and khal see a change.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapplan import api
from kapplan.cli.app import app
from kapplan.errors import InvalidOption
from kapplan.formats.vdir import DEFAULT_COLOR, item_name
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES, ROOT, default_first
from tests.ics_fixtures import read_icalendar, read_vobject

CASELOAD = ROOT / "examples" / "caseload"
LISBON = ROOT / "examples" / "therapist" / "lisbon.toml"
IV = ROOT / "examples" / "iv-six-infusions.toml"
#: What a file name may hold: the vdir spec's safe characters.
SAFE = re.compile(r"[A-Za-z0-9_.+-]+\.ics")
#: A person's own event, in the folder beside kapplan's.
FOREIGN = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//PIMUTILS.ORG//NONSGML khal / icalendar //EN\r\n"
    "BEGIN:VEVENT\r\nUID:dentist-20261203@example.org\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART:20261203T080000Z\r\nDTEND:20261203T090000Z\r\nSUMMARY:Dentist\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Return every file in a folder (hidden ones too): name -> (mtime in ns, content)."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


def items(folder: Path) -> dict[str, str]:
    """Return kapplan's items of a vdir: file name -> text."""
    return {
        p.name: p.read_bytes().decode("utf-8")
        for p in sorted(folder.glob("*.ics"))
        if "@kapplan" in p.read_text(encoding="utf-8")
    }


def field(text: str, name: str) -> str:
    found = re.search(rf"^{name}:(.*?)\r$", text, re.MULTILINE)
    assert found is not None, f"no {name}"
    return found.group(1)


def vevents(text: str) -> list[str]:
    return re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.DOTALL)


def move_vera_dose_3(
    folder: Path, days: tuple[str, ...] = ("01", "04", "09", "11", "15", "18")
) -> None:
    """Write Vera's schedule with her doses on these December days (dose 3 was on the 8th)."""
    (folder / "vera.toml").write_text(
        'client = "Vera"\ntimezone = "Europe/Moscow"\n'
        + "".join(f'[[infusion]]\nat = 2026-12-{d}T12:00:00\nmethod = "iv"\n' for d in days),
        encoding="utf-8",
    )


def kapplan(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    """Run kapplan plan; stderr without its last line, ``wrote FILE: ...`` (checked: a vdir's
    says how to read it)."""
    result = runner.invoke(app, ["plan", *map(str, args)])
    stderr = result.stderr
    if result.exit_code == 0:
        *said, wrote = stderr.splitlines(keepends=True)
        assert wrote.startswith(("wrote ", "записано в ")), stderr
        if "vdir" in map(str, args) and "--lang" not in map(str, args):
            assert wrote.endswith("; read it with khal, or sync it with vdirsyncer\n"), wrote
        stderr = "".join(said)
    return result.exit_code, result.stdout, stderr


@pytest.fixture(name="clients")
def fixture_clients(tmp_path: Path) -> Path:
    """Return a copy of the example caseload, to edit."""
    folder = tmp_path / "clients"
    shutil.copytree(CASELOAD, folder)
    return folder


class TestWrite:
    """A first run writes one parseable item per event, and the metadata."""

    @pytest.mark.parametrize("example", default_first(EXAMPLES), ids=lambda p: p.stem)
    def test_every_item_is_one_event_both_parsers_read(
        self, runner: CliRunner, tmp_path: Path, example: Path
    ) -> None:
        """Each file is a calendar of one VEVENT, read alike by icalendar and vobject, named
        after its UID in the safe set; together they are the .ics export's events."""
        vdir, ics = tmp_path / "cal", tmp_path / "plan.ics"
        assert kapplan(runner, example, "-f", "vdir", "-o", vdir) == (0, "", "")
        assert kapplan(runner, example, "-o", ics)[0] == 0
        export = ics.read_bytes().decode("utf-8")
        found = items(vdir)
        assert len(found) == len(vevents(export)) > 0
        seen = []
        for name, text in found.items():
            assert SAFE.fullmatch(name), name
            assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kapplan//")
            [one] = read_icalendar(text)
            assert read_vobject(text) == [one]
            assert item_name(one.uid) == name
            seen.append(one)
        assert sorted(seen, key=repr) == sorted(read_icalendar(export), key=repr)
        assert {p.name for p in vdir.iterdir()} == {*found, "displayname", "color"}

    def test_items_hold_the_ics_exports_lines(self, runner: CliRunner, tmp_path: Path) -> None:
        """Each item's VEVENT is the .ics export's, byte for byte, and its header is the
        export's without METHOD (RFC 4791: no METHOD in a collection's resources)."""
        vdir, ics = tmp_path / "cal", tmp_path / "plan.ics"
        kapplan(runner, IV, "-o", vdir, "-f", "vdir", "--discreet", "--remind", "2h")
        kapplan(runner, IV, "-o", ics, "--discreet", "--remind", "2h")
        export = ics.read_bytes().decode("utf-8")
        head = export[: export.index("BEGIN:VEVENT")].replace("METHOD:PUBLISH\r\n", "")
        blocks = set()
        for text in items(vdir).values():
            assert text.startswith(head)
            assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
            blocks |= set(vevents(text))
        assert blocks == set(vevents(export))
        assert "X-KAPPLAN-DISCREET:TRUE" in head
        assert "TRIGGER:-PT2H" in export

    def test_metadata(self, runner: CliRunner, tmp_path: Path) -> None:
        """displayname is the calendar's name (discreet: the discreet one, in the plan's
        language), color the documented colour; both without a trailing newline."""
        cases = [([], "Integration plan"), (["--discreet"], "Personal"), (["--lang", "ru"], "")]
        for number, (extra, name) in enumerate(cases):
            vdir = tmp_path / f"cal{number}"
            assert kapplan(runner, IV, "-f", "vdir", "-o", vdir, *extra)[0] == 0
            written = (vdir / "displayname").read_bytes().decode("utf-8")
            assert written == (name or field(next(iter(items(vdir).values())), "X-WR-CALNAME"))
            assert (vdir / "color").read_bytes() == DEFAULT_COLOR.encode() == b"#6a5acd"
        assert re.search("[А-Яа-я]", (tmp_path / "cal2" / "displayname").read_text("utf-8"))

    def test_an_existing_folder_or_a_trailing_slash_means_vdir(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """Without -f, -o naming an existing folder, or a path ending in /, writes a vdir."""
        made = tmp_path / "made"
        assert kapplan(runner, IV, "-o", f"{made}/") == (0, "", "")
        assert (made / "displayname").exists()
        existing = tmp_path / "existing"
        existing.mkdir()
        assert kapplan(runner, IV, "-o", existing) == (0, "", "")
        assert items(existing).keys() == items(made).keys()

    def test_a_caseload_and_one_client(self, runner: CliRunner, tmp_path: Path) -> None:
        """The therapist's calendar as a vdir holds each client's sessions and doses, and
        remembers the clients; --client writes that client's own plan, the same session
        items as the therapist's (same UID, start, end)."""
        whole, vera = tmp_path / "sessions", tmp_path / "vera"
        args = (CASELOAD, "--therapist", LISBON, "-f", "vdir")
        assert kapplan(runner, *args, "-o", whole) == (0, "", "")
        assert kapplan(runner, *args, "--client", "vera", "-o", vera) == (0, "", "")
        texts = items(whole).values()
        assert all("X-KAPPLAN-CLIENTS:Anna,Boris,Vera" in t for t in texts)
        mine = {n: t for n, t in items(whole).items() if "SUMMARY:Vera: " in t}
        own = items(vera)
        for name, text in mine.items():
            [theirs] = read_icalendar(text)
            [hers] = read_icalendar(own[name])
            assert (theirs.uid, theirs.start, theirs.end) == (hers.uid, hers.start, hers.end)
        assert len(own) > len(mine)  # her practices too

    def test_sessions_only(self, runner: CliRunner, tmp_path: Path) -> None:
        """--sessions-only over a full vdir removes the practices' and advisories' items,
        keeps the sessions' and doses' events as they were (SEQUENCE 0), and is remembered."""
        vdir = tmp_path / "cal"
        kapplan(runner, IV, "-f", "vdir", "-o", vdir)
        before = items(vdir)
        assert kapplan(runner, IV, "-o", vdir, "--sessions-only")[0] == 0
        after = items(vdir)
        assert 0 < len(after) < len(before)
        assert set(after) < set(before)
        for name, text in after.items():
            assert "X-KAPPLAN-SESSIONS-ONLY:TRUE" in text
            assert "X-KAPPLAN-PLACED" in text or field(text, "SUMMARY").startswith("IV infusion")
            assert vevents(text) == vevents(before[name])
        gone = [field(before[n], "SUMMARY") for n in set(before) - set(after)]
        assert "Mindfulness practice" in gone
        assert kapplan(runner, IV, "-o", vdir)[0] == 0  # remembered without the flag
        assert items(vdir) == after


class TestRerun:
    """Re-running over a vdir: it is the ledger, and only what changed is touched."""

    def test_unchanged_touches_nothing(
        self, runner: CliRunner, clients: Path, tmp_path: Path
    ) -> None:
        """With nothing changed, no file is rewritten (same content, same mtime), no SEQUENCE
        is raised and nothing is said."""
        vdir = tmp_path / "sessions"
        args = (clients, "--therapist", LISBON, "-f", "vdir", "-o", vdir)
        assert kapplan(runner, *args)[0] == 0
        before = snapshot(vdir)
        os.utime(vdir / "color", ns=(1, 1))  # any rewrite would show
        before["color"] = (1, before["color"][1])
        assert kapplan(runner, *args) == (0, "", "")
        assert snapshot(vdir) == before
        assert {field(t, "SEQUENCE") for t in items(vdir).values()} == {"0"}

    def test_another_kapplan_version_rewrites_nothing(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """Items an older kapplan wrote (another version in PRODID) that say the same are
        left as they are: upgrading does not make vdirsyncer upload every event again."""
        vdir = tmp_path / "cal"
        kapplan(runner, IV, "-f", "vdir", "-o", vdir)
        for name, text in items(vdir).items():
            older = re.sub(r"kapplan \S+//EN", "kapplan 0.0.1//EN", text, count=1)
            assert older != text
            (vdir / name).write_bytes(older.encode())
        before = snapshot(vdir)
        assert kapplan(runner, IV, "-o", vdir) == (0, "", "")
        assert snapshot(vdir) == before

    def test_a_moved_dose_touches_only_its_items(
        self, runner: CliRunner, clients: Path, tmp_path: Path
    ) -> None:
        """Vera's dose 3 moves a day: her dose's and her session's items change with
        SEQUENCE 1; Anna's and Boris's files, a person's own event and hidden files are
        untouched; the change list names her session."""
        vdir = tmp_path / "sessions"
        args = (clients, "--therapist", LISBON, "-f", "vdir", "-o", vdir)
        kapplan(runner, *args)
        (vdir / "dentist.ics").write_bytes(FOREIGN.encode())
        (vdir / ".hidden").write_bytes(b"vdirsyncer status")
        (vdir / ".hidden.ics").write_bytes(FOREIGN.replace("Dentist", "Other").encode())
        before = snapshot(vdir)
        move_vera_dose_3(clients)
        code, _, stderr = kapplan(runner, *args)
        assert code == 0, stderr
        assert stderr.splitlines()[:2] == [
            f"Changes against {vdir} (1 session):",
            "  Vera (Europe/Moscow)",
        ]
        after = snapshot(vdir)
        assert after.keys() == before.keys()
        changed = {name for name in after if after[name] != before[name]}
        summaries = sorted(field(after[n][1].decode(), "SUMMARY") for n in changed)
        assert summaries == ["Vera: IV infusion 3", "Vera: Integration session after dose 3"]
        for name in changed:
            assert field(after[name][1].decode(), "SEQUENCE") == "1"
        for name in set(after) - changed:
            assert after[name] == before[name], name

    def test_a_removed_dose_deletes_its_items(
        self, runner: CliRunner, clients: Path, tmp_path: Path
    ) -> None:
        """Vera's last dose is gone: its items are deleted; only Vera's items change or go;
        Anna's, Boris's, a person's own event and hidden files are untouched."""
        vdir = tmp_path / "sessions"
        args = (clients, "--therapist", LISBON, "-f", "vdir", "-o", vdir)
        kapplan(runner, *args)
        (vdir / "dentist.ics").write_bytes(FOREIGN.encode())
        (vdir / ".hidden").write_bytes(b"keep")
        before = snapshot(vdir)
        gone = {n for n, (_, data) in before.items() if b"SUMMARY:Vera: IV infusion 6" in data}
        assert len(gone) == 1
        move_vera_dose_3(clients, ("01", "04", "08", "11", "15"))
        code, _, stderr = kapplan(runner, *args)
        assert code == 0, stderr
        after = snapshot(vdir)
        removed = set(before) - set(after)
        assert gone <= removed
        assert all(b"SUMMARY:Vera: " in before[n][1] for n in removed)
        others = [n for n in before if b"SUMMARY:Vera: " not in before[n][1]]
        assert len(others) > 20
        assert all(after[n] == before[n] for n in others), "only Vera's items change"
        assert after["dentist.ics"] == before["dentist.ics"]
        assert after[".hidden"] == before[".hidden"]

    def test_a_single_schedules_moved_dose(self, runner: CliRunner, tmp_path: Path) -> None:
        """One schedule: moving dose 3 a day raises SEQUENCE on exactly the items that
        changed; an edit back restores their text with SEQUENCE 2."""
        schedule, vdir = tmp_path / "iv.toml", tmp_path / "cal"
        text = IV.read_text(encoding="utf-8")
        schedule.write_text(text, encoding="utf-8")
        kapplan(runner, schedule, "-o", vdir, "-f", "vdir")
        before = items(vdir)
        moved = text.replace("2026-12-08T10:00:00", "2026-12-09T10:00:00")
        assert moved != text
        schedule.write_text(moved, encoding="utf-8")
        code, _, stderr = kapplan(runner, schedule, "-o", vdir)
        assert code == 0, stderr
        assert "moved: Integration session after dose 3" in stderr
        after = items(vdir)
        changed = {n for n in after if after[n] != before.get(n)}
        assert changed
        assert changed < set(after)
        assert {field(after[n], "SEQUENCE") for n in changed} == {"1"}
        assert all(field(after[n], "SEQUENCE") == "0" for n in set(after) - changed)

    def test_a_session_a_person_moved_in_khal_stays(
        self, runner: CliRunner, clients: Path, tmp_path: Path
    ) -> None:
        """An item khal rewrote (its own PRODID, local time with TZID) is still kapplan's:
        the session is kept where the person moved it, and says so."""
        vdir = tmp_path / "sessions"
        args = (clients, "--therapist", LISBON, "-f", "vdir", "-o", vdir)
        kapplan(runner, *args)
        name, text = next(
            (n, t)
            for n, t in items(vdir).items()
            if "SUMMARY:Boris: Integration session after dose 1" in t
        )
        start = datetime.strptime(field(text, "DTSTART"), "%Y%m%dT%H%M%SZ")
        end = datetime.strptime(field(text, "DTEND"), "%Y%m%dT%H%M%SZ")
        later = (start + timedelta(hours=2), end + timedelta(hours=2))
        edited = re.sub(
            r"PRODID:.*?\r\n", "PRODID:-//PIMUTILS.ORG//NONSGML khal / icalendar //EN\r\n", text
        )
        edited = edited.replace(
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTSTART;TZID=Europe/Lisbon:{later[0]:%Y%m%dT%H%M%S}",
        )
        edited = edited.replace(
            f"DTEND:{end:%Y%m%dT%H%M%SZ}", f"DTEND;TZID=Europe/Lisbon:{later[1]:%Y%m%dT%H%M%S}"
        )
        (vdir / name).write_bytes(edited.encode())
        code, _, stderr = kapplan(runner, *args)
        assert code == 0, stderr
        assert "kept where it was moved by hand: Integration session after dose 1" in stderr
        now = (vdir / name).read_bytes().decode()
        assert field(now, "DTSTART") == f"{later[0]:%Y%m%dT%H%M%SZ}"  # Lisbon is UTC in Dec
        assert f"X-KAPPLAN-PLACED:{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}" in now

    def test_items_vdirsyncer_named_keep_their_names(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """An item under another name (vdirsyncer names fetched items after their UID as it
        is) keeps that name when it changes: no second file for the event."""
        schedule, vdir = tmp_path / "iv.toml", tmp_path / "cal"
        text = IV.read_text(encoding="utf-8")
        schedule.write_text(text, encoding="utf-8")
        kapplan(runner, schedule, "-f", "vdir", "-o", vdir)
        renamed = {}
        for name in items(vdir):
            uid = field((vdir / name).read_bytes().decode(), "UID")
            (vdir / name).rename(vdir / f"{uid}.ics")
            renamed[f"{uid}.ics"] = name
        schedule.write_text(text.replace("2026-12-08T10:00:00", "2026-12-09T10:00:00"), "utf-8")
        assert kapplan(runner, schedule, "-o", vdir)[0] == 0
        after = items(vdir)
        uids = [field(t, "UID") for t in after.values()]
        assert len(uids) == len(set(uids)), "one file per event"
        for name in after:
            assert name in renamed or field(after[name], "UID") + ".ics" not in renamed
        changed = [n for n in renamed if n in after and "SEQUENCE:1" in after[n]]
        assert changed, "changed events are rewritten under their vdirsyncer names"

    def test_discreet_is_sticky_and_a_persons_displayname_is_kept(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        """--discreet renames the calendar kapplan named; a later run without the flag stays
        discreet; a displayname or color a person wrote is never replaced."""
        vdir = tmp_path / "cal"
        kapplan(runner, IV, "-f", "vdir", "-o", vdir)
        assert (vdir / "displayname").read_text(encoding="utf-8") == "Integration plan"
        assert kapplan(runner, IV, "-o", vdir, "--discreet")[0] == 0
        assert (vdir / "displayname").read_text(encoding="utf-8") == "Personal"
        discreet = snapshot(vdir)
        assert kapplan(runner, IV, "-o", vdir) == (0, "", "")
        assert snapshot(vdir) == discreet
        (vdir / "displayname").write_text("Mine", encoding="utf-8")
        (vdir / "color").write_text("#FF0000", encoding="utf-8")
        code, _, stderr = kapplan(runner, IV, "-o", vdir, "--no-discreet")
        assert code == 0
        assert stderr == (
            f"kapplan: {vdir} was discreet; --no-discreet writes the real titles into it, "
            "visible to everyone who can see that calendar\n"
        )
        assert (vdir / "displayname").read_text(encoding="utf-8") == "Mine"
        assert (vdir / "color").read_text(encoding="utf-8") == "#FF0000"
        assert all("SUMMARY:Personal" not in t for t in items(vdir).values())


class TestManyItems:
    """A caseload's vdir has thousands of items: each costs its own work, not the folder's."""

    def test_the_folder_is_looked_at_once_and_leftovers_go(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A run looks through the folder twice, to read kapplan's items and for what
        killed runs left, not once more for each item it writes (quadratic in a big
        caseload's thousands of items), and still removes each item's leftover temporary
        file, and only kapplan's own."""
        from kapplan.edge import atomic

        vdir = tmp_path / "sessions"
        args = (CASELOAD, "--therapist", LISBON, "-f", "vdir", "-o", vdir)
        assert kapplan(runner, *args)[0] == 0
        names = sorted(items(vdir))
        leftovers = [vdir / f".{name}.abcd1234.tmp" for name in (*names[:3], "displayname")]
        for leftover in leftovers:
            leftover.write_bytes(b"half")
            leftover.chmod(0o600)
        kept = [vdir / f".{names[0]}.abcd1234.tmp.bak", vdir / ".notes.abcd1234.tmp"]
        for other in kept:
            other.write_bytes(b"mine")
            other.chmod(0o600)
        looks: list[object] = []
        scandir = os.scandir

        def counted(path: object) -> object:
            looks.append(Path(str(path)))
            return scandir(path)  # type: ignore[arg-type]

        monkeypatch.setattr(atomic.os, "scandir", counted)
        for name in names[:5]:
            (vdir / name).unlink()  # five items to write again
        assert kapplan(runner, *args)[0] == 0
        assert looks.count(vdir) == 2
        assert not [p for p in leftovers if p.exists()]
        assert all(p.read_bytes() == b"mine" for p in kept)
        assert sorted(items(vdir)) == names

    def test_an_item_is_read_at_its_size(self, tmp_path: Path) -> None:
        """Each item is read into a buffer of its own size, not of the 10 MiB an item may
        have: reading a folder of small items takes little memory."""
        import tracemalloc

        from kapplan.edge.vdir import read_folder

        vdir = tmp_path / "cal"
        assert kapplan(CliRunner(), IV, "-f", "vdir", "-o", vdir)[0] == 0
        size = sum(p.stat().st_size for p in vdir.iterdir())
        tracemalloc.start()
        try:
            earlier = read_folder(vdir)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert earlier is not None
        assert len(earlier.names) == len(items(vdir))
        assert peak < max(1024 * 1024, 10 * size), (peak, size)

    def test_items_share_the_caseloads_client_list(self, tmp_path: Path) -> None:
        """Every item of a caseload's vdir names every client; read back, the items share
        one list (a 1,000-client calendar's 14,000 items would hold 14 million names)."""
        from kapplan.formats.ics import parse_previous

        vdir = tmp_path / "sessions"
        assert (
            kapplan(CliRunner(), CASELOAD, "--therapist", LISBON, "-f", "vdir", "-o", vdir)[0] == 0
        )
        first, second = (
            parse_previous(t.encode(), "x", own_prodid=False)
            for t in list(items(vdir).values())[:2]
        )
        assert first.clients == ("Anna", "Boris", "Vera")
        assert second.clients is first.clients


class TestRefused:
    """Mistakes are one line on stderr, exit status 2, and change nothing."""

    def test_vdir_without_a_folder(self, runner: CliRunner) -> None:
        """-f vdir needs -o FOLDER."""
        assert kapplan(runner, IV, "-f", "vdir") == (
            2,
            "",
            "kapplan: error: --format vdir writes a folder of .ics files, one per event; "
            "expected -o FOLDER\n",
        )

    def test_vdir_over_a_file(self, runner: CliRunner, tmp_path: Path) -> None:
        """-o naming an existing file with -f vdir is refused, the file untouched."""
        target = tmp_path / "plan.ics"
        target.write_bytes(b"my notes\n")
        stamp = target.stat().st_mtime_ns
        code, out, err = kapplan(runner, IV, "-f", "vdir", "-o", target)
        assert (code, out) == (2, "")
        assert err == (
            f"kapplan: error: {target}: is a file, and --format vdir writes a folder of .ics "
            "files (one per event); expected a folder, new or a vdir\n"
        )
        assert (target.read_bytes(), target.stat().st_mtime_ns) == (b"my notes\n", stamp)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["-f", "json", "-o", "{tmp}/out/"], "-o {tmp}/out/ is a folder, and --format json"),
            (["-f", "vdir", "-o", "{tmp}/no/such/cal"], "{tmp}/no/such/cal: folder "),
            (["-f", "vdir", "-o", "{tmp}/cal", "--view", "month"], "--view applies"),
        ],
        ids=["file-format-into-a-folder", "missing-parent", "view"],
    )
    def test_bad_uses(
        self, runner: CliRunner, tmp_path: Path, args: list[str], message: str
    ) -> None:
        """A file format aimed at a folder, a vdir whose parent is missing (the folder is
        made as mkdir, not mkdir -p), a terminal option: one line, nothing created."""
        code, out, err = kapplan(runner, IV, *(a.format(tmp=tmp_path) for a in args))
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert message.format(tmp=tmp_path) in err
        assert list(tmp_path.iterdir()) == []

    def test_one_client_over_a_caseloads_vdir(self, runner: CliRunner, tmp_path: Path) -> None:
        """One client's plan written over the caseload's vdir would delete the others'
        items: refused, nothing touched."""
        vdir = tmp_path / "sessions"
        kapplan(runner, CASELOAD, "--therapist", LISBON, "-f", "vdir", "-o", vdir)
        before = snapshot(vdir)
        code, _, err = kapplan(runner, CASELOAD / "vera.toml", "-o", vdir)
        assert code == 2
        assert err.startswith(f"kapplan: error: {vdir}: holds the calendar of Anna, Boris, Vera")
        assert len(err.splitlines()) == 1
        assert snapshot(vdir) == before

    def test_an_item_kapplan_did_not_write_alone(self, runner: CliRunner, tmp_path: Path) -> None:
        """A file holding one of kapplan's events and another event is neither rewritten
        nor deleted: the run stops naming it."""
        vdir = tmp_path / "cal"
        kapplan(runner, IV, "-f", "vdir", "-o", vdir)
        name, text = next(iter(items(vdir).items()))
        both = text.replace("END:VCALENDAR\r\n", "") + FOREIGN[FOREIGN.index("BEGIN:VEVENT") :]
        (vdir / name).write_bytes(both.encode())
        before = snapshot(vdir)
        code, _, err = kapplan(runner, IV, "-o", vdir)
        assert code == 2
        assert err == (
            f"kapplan: error: {vdir / name}: holds 2 events; expected one event of kapplan's "
            "per file (a vdir item); move the file out of the folder\n"
        )
        assert snapshot(vdir) == before

    def test_render_refuses_a_vdir(self) -> None:
        """`api.render` makes one document; a vdir is written through `Export.write`."""
        planned = api.plan_files([str(IV)])
        with pytest.raises(InvalidOption, match="vdir is a folder of files"):
            api.render(planned, api.Target(format=api.Format.VDIR))


class TestFileNames:
    """A UID's file name is stable, in the spec's safe set and one to one."""

    def test_kapplans_uids(self) -> None:
        """@ becomes _40; lower-case hex stays as it is."""
        assert (
            item_name("0654f4546377132be3cbcd62@kapplan")
            == "0654f4546377132be3cbcd62_40kapplan.ics"
        )

    @given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
    def test_one_to_one_even_ignoring_case(self, one: str, other: str) -> None:
        """Different UIDs get different names, also to a file system that ignores case;
        every name is in the safe set, not hidden, and decodes back to its UID."""
        assert SAFE.fullmatch(item_name(one))
        assert not item_name(one).startswith(".")
        assert _decode(item_name(one)) == one
        if one != other:
            assert item_name(one).lower() != item_name(other).lower()


def _decode(name: str) -> str:
    """Undo `item_name`: each _XX is a byte."""
    raw = name.removesuffix(".ics").encode()
    out = bytearray()
    index = 0
    while index < len(raw):
        if raw[index : index + 1] == b"_":
            out.append(int(raw[index + 1 : index + 3], 16))
            index += 3
        else:
            out += raw[index : index + 1]
            index += 1
    return out.decode("utf-8")


def _khal() -> str:
    """Return the khal command beside this interpreter, or skip."""
    pytest.importorskip("khal", reason="khal is in the test extra: pip install -e '.[test]'")
    command = Path(sys.executable).with_name("khal")
    if not command.exists():
        pytest.skip("khal's command is not installed beside this Python")
    return str(command)


def test_khal_lists_the_events(runner: CliRunner, tmp_path: Path) -> None:
    """khal, pointed at the vdir, lists the plan's events at their times on the plan's
    clock: the first infusion of the IV example and the session after it."""
    khal = _khal()
    vdir = tmp_path / "calendars" / "integration"
    vdir.parent.mkdir()
    assert kapplan(runner, IV, "-o", f"{vdir}/")[0] == 0
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[integration]]\npath = {vdir}\ntype = calendar\n\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "local_timezone = Europe/Berlin\ndefault_timezone = Europe/Berlin\n\n"
        f"[sqlite]\npath = {tmp_path / 'khal.db'}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            khal,
            "-c",
            str(config),
            "list",
            "--format",
            "{start-time}-{end-time} {title}",
            "--day-format",
            "{date}",
            "2026-12-01",
            "3d",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "TZ": "UTC"},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "2026-12-01" in lines
    assert "10:00-11:00 IV infusion 1" in lines
    session = re.compile(r"\d\d:\d\d-\d\d:\d\d Integration session after dose 1")
    assert any(session.fullmatch(line) for line in lines), lines
