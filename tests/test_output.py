"""Tests for kapplan.edge.atomic: atomic writes that never clobber what kapplan did not write."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from kapplan.edge import atomic as output
from kapplan.edge.atomic import write_output
from kapplan.edge.files import read_own_output
from kapplan.errors import KapplanError, OutputError
from kapplan.formats.ics import OWNED_MARKER, IcsOptions, render_ics
from kapplan.model.limits import MAX_EXPORT_BYTES, MAX_FILE_BYTES
from tests.ics_fixtures import dst_plan

OURS = OWNED_MARKER + b"-//kapplan//kapplan 0.1.0//EN\r\nEND:VCALENDAR\r\n"
NEW = "BEGIN:VCALENDAR\r\nnew ж\r\n"


def leftovers(folder: Path) -> list[str]:
    """Return the temporary files left in a folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def one_line(error: KapplanError) -> str:
    """Return the error's message, checking it is one line."""
    message = str(error)
    assert "\n" not in message
    return message


class TestWrite:
    """New files are written exactly; existing ones only when allowed."""

    def test_writes_a_new_file_byte_exact(self, tmp_path: Path) -> None:
        """Text is written as UTF-8 with its CRLFs, and no temporary file remains."""
        target = tmp_path / "plan.ics"
        write_output(target, NEW, force=False)
        assert target.read_bytes() == NEW.encode()
        assert leftovers(tmp_path) == []

    def test_writes_bytes(self, tmp_path: Path) -> None:
        """Bytes are written as given."""
        target = tmp_path / "plan.bin"
        write_output(target, b"\x00\xff", force=False)
        assert target.read_bytes() == b"\x00\xff"

    def test_refuses_a_file_kapplan_did_not_write(self, tmp_path: Path) -> None:
        """An existing foreign file is left alone and the error says to use --force."""
        target = tmp_path / "notes.ics"
        target.write_bytes(b"my own notes")
        with pytest.raises(OutputError) as caught:
            write_output(target, NEW, force=False, owned_marker=OWNED_MARKER)
        assert one_line(caught.value) == (
            f"{target}: exists and was not written by kapplan; use --force to overwrite it"
        )
        assert target.read_bytes() == b"my own notes"
        assert leftovers(tmp_path) == []

    def test_refuses_another_programs_calendar(self, tmp_path: Path) -> None:
        """A calendar with another PRODID is not kapplan's."""
        target = tmp_path / "google.ics"
        target.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//EN\r\n")
        with pytest.raises(OutputError, match="use --force"):
            write_output(target, NEW, force=False, owned_marker=OWNED_MARKER)

    def test_force_overwrites(self, tmp_path: Path) -> None:
        """--force replaces a foreign file."""
        target = tmp_path / "notes.ics"
        target.write_bytes(b"my own notes")
        write_output(target, NEW, force=True, owned_marker=OWNED_MARKER)
        assert target.read_bytes() == NEW.encode()

    def test_replaces_its_own_earlier_output(self, tmp_path: Path) -> None:
        """A file starting with the owned marker is kapplan's and is replaced without --force."""
        target = tmp_path / "plan.ics"
        first = render_ics(dst_plan(), IcsOptions())
        write_output(target, first, force=False, owned_marker=OWNED_MARKER)
        second = render_ics(dst_plan(), IcsOptions(discreet=True))
        write_output(target, second, force=False, owned_marker=OWNED_MARKER)
        assert target.read_bytes() == second.encode()

    def test_without_a_marker_every_existing_file_needs_force(self, tmp_path: Path) -> None:
        """A renderer that cannot recognise its output never overwrites silently."""
        target = tmp_path / "plan.txt"
        target.write_bytes(OURS)
        with pytest.raises(OutputError, match="use --force"):
            write_output(target, NEW, force=False)

    def test_keeps_permissions_of_a_replaced_file(self, tmp_path: Path) -> None:
        """A replaced file keeps its mode (e.g. 0600 for health data)."""
        target = tmp_path / "plan.ics"
        target.write_bytes(OURS)
        target.chmod(0o600)
        write_output(target, NEW, force=False, owned_marker=OWNED_MARKER)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600

    def test_new_file_honours_umask(self, tmp_path: Path) -> None:
        """A new file gets 0666 less the umask, like a shell redirect."""
        old = os.umask(0o027)
        try:
            write_output(tmp_path / "plan.ics", NEW, force=False)
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / "plan.ics").stat().st_mode) == 0o640

    def test_follows_a_symlink(self, tmp_path: Path) -> None:
        """Writing through a symlink replaces its target and keeps the link."""
        real = tmp_path / "real.ics"
        real.write_bytes(OURS)
        link = tmp_path / "link.ics"
        link.symlink_to(real)
        write_output(link, NEW, force=False, owned_marker=OWNED_MARKER)
        assert link.is_symlink()
        assert real.read_bytes() == NEW.encode()


class TestRefusals:
    """Paths that cannot or must not be written give one-line OutputErrors."""

    def test_missing_folder(self, tmp_path: Path) -> None:
        """A missing folder is named, and nothing is created."""
        target = tmp_path / "nowhere" / "plan.ics"
        with pytest.raises(OutputError) as caught:
            write_output(target, NEW, force=True)
        assert one_line(caught.value) == (
            f"{target}: folder '{tmp_path / 'nowhere'}' does not exist; "
            "create it or choose another path"
        )
        assert not (tmp_path / "nowhere").exists()

    def test_folder_as_output(self, tmp_path: Path) -> None:
        """A folder is not a file name, even with --force."""
        with pytest.raises(OutputError, match="is a folder"):
            write_output(tmp_path, NEW, force=True)

    @pytest.mark.parametrize("how", ["same", "relative", "symlink", "hardlink"])
    def test_output_is_an_input(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
    ) -> None:
        """The schedule is never overwritten, however the output path names it."""
        schedule = tmp_path / "infusions.toml"
        schedule.write_bytes(b"[schedule]\n")
        monkeypatch.chdir(tmp_path)
        target = {
            "same": schedule,
            "relative": Path("infusions.toml"),
            "symlink": tmp_path / "alias.toml",
            "hardlink": tmp_path / "hard.toml",
        }[how]
        if how == "symlink":
            target.symlink_to(schedule)
        if how == "hardlink":
            os.link(schedule, target)
        with pytest.raises(OutputError, match="is also an input"):
            write_output(target, NEW, force=True, inputs=[schedule])
        assert schedule.read_bytes() == b"[schedule]\n"

    @pytest.mark.skipif(
        getattr(os, "geteuid", lambda: -1)() == 0, reason="root can write to read-only folders"
    )
    def test_folder_not_writable(self, tmp_path: Path) -> None:
        """A folder without write permission is a one-line error."""
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            with pytest.raises(OutputError, match="permission denied"):
                write_output(folder / "plan.ics", NEW, force=False)
        finally:
            folder.chmod(0o700)

    def test_temp_file_not_creatable(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the temporary file cannot be created, the error says why, in one line."""

        def denied(*args: object, **kwargs: object) -> None:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(output.tempfile, "mkstemp", denied)
        target = tmp_path / "plan.ics"
        with pytest.raises(OutputError) as caught:
            write_output(target, NEW, force=False)
        assert one_line(caught.value) == (
            f"{target}: cannot write: permission denied; choose a folder you can write to "
            "(any earlier file is unchanged)"
        )


class TestFailures:
    """A failure part-way leaves any earlier file intact and no temporary file."""

    @pytest.mark.parametrize("step", ["fsync", "replace"])
    def test_disk_full_leaves_the_earlier_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
    ) -> None:
        """ENOSPC while writing or renaming keeps the old file and removes the temp file."""
        target = tmp_path / "plan.ics"
        target.write_bytes(OURS)

        def full(*args: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(output.os, step, full)
        with pytest.raises(OutputError) as caught:
            write_output(target, NEW, force=False, owned_marker=OWNED_MARKER)
        assert one_line(caught.value) == (
            f"{target}: cannot write: the disk is full; free some space and run again "
            "(any earlier file is unchanged)"
        )
        assert target.read_bytes() == OURS
        assert leftovers(tmp_path) == []

    def test_interrupt_leaves_the_earlier_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Ctrl-C part-way propagates, with the old file intact and no temp file."""
        target = tmp_path / "plan.ics"
        target.write_bytes(OURS)

        def interrupted(*args: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(output.os, "fsync", interrupted)
        with pytest.raises(KeyboardInterrupt):
            write_output(target, NEW, force=False, owned_marker=OWNED_MARKER)
        assert target.read_bytes() == OURS
        assert leftovers(tmp_path) == []

    def test_temp_file_is_in_the_target_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The temporary file sits next to the target, so os.replace is an atomic rename."""
        renames: list[tuple[str, str]] = []
        real_replace = os.replace

        def spy(source: str, destination: str) -> None:
            renames.append((str(source), str(destination)))
            real_replace(source, destination)

        monkeypatch.setattr(output.os, "replace", spy)
        target = tmp_path / "plan.ics"
        write_output(target, NEW, force=False)
        ((source, destination),) = renames
        assert Path(source).parent == tmp_path
        assert Path(source).name.startswith(".plan.ics.")
        assert Path(destination) == target

    def test_other_os_errors_are_one_line(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Any other OSError becomes an OutputError naming the path and the reason."""

        def broken(*args: object) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(output.os, "replace", broken)
        with pytest.raises(OutputError, match=r"plan\.ics: cannot write: Input/output error"):
            write_output(tmp_path / "plan.ics", NEW, force=False)
        assert leftovers(tmp_path) == []


class TestReadOwnOutput:
    """read_own_output finds the earlier export that -o is about to replace."""

    def test_returns_own_output(self, tmp_path: Path) -> None:
        """A file starting with the marker is returned whole."""
        target = tmp_path / "plan.ics"
        target.write_bytes(OURS)
        assert read_own_output(target, OWNED_MARKER) == OURS

    def test_reads_an_export_larger_than_an_input(self, tmp_path: Path) -> None:
        """An export up to `MAX_EXPORT_BYTES` is read whole, past the 10 MiB of an input (a
        big caseload's calendar); one byte more is refused."""
        target = tmp_path / "plan.ics"
        for size in (MAX_FILE_BYTES + 1, MAX_EXPORT_BYTES):
            target.write_bytes(OURS + b"x" * (size - len(OURS)))
            assert read_own_output(target, OWNED_MARKER) == target.read_bytes()
        with target.open("ab") as stream:
            stream.write(b"x")
        with pytest.raises(OutputError, match="larger than 64 MiB"):
            read_own_output(target, OWNED_MARKER)

    def test_ignores_missing_and_foreign_files(self, tmp_path: Path) -> None:
        """A missing file, a folder or someone else's file is no earlier export."""
        foreign = tmp_path / "notes.ics"
        foreign.write_bytes(b"BEGIN:VCALENDAR\r\n")
        assert read_own_output(tmp_path / "missing.ics", OWNED_MARKER) is None
        assert read_own_output(tmp_path, OWNED_MARKER) is None
        assert read_own_output(foreign, OWNED_MARKER) is None


class TestReadBytes:
    """`read_bytes` reads a file whole up to its limit, however its size is told."""

    @pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 5000])
    def test_sizes_at_the_limit(self, tmp_path: Path, size: int) -> None:
        """Up to the limit a file is read whole; past it, limit + 1 bytes say so."""
        from kapplan.edge.files import read_bytes

        path = tmp_path / "a.toml"
        path.write_bytes(b"x" * size)
        if size <= 100:
            assert read_bytes(str(path), limit=100) == b"x" * size
        else:
            with pytest.raises(KapplanError, match="larger than"):
                read_bytes(str(path), limit=100)

    def test_a_file_whose_size_says_nothing(self) -> None:
        """A file that reports no size (/proc) is still read whole: its size is not trusted."""
        from kapplan.edge.files import read_bytes

        proc = Path("/proc/self/status")
        if not proc.exists() or proc.stat().st_size:
            pytest.skip("no /proc file that reports a size of 0 here")
        data = read_bytes(str(proc), limit=1 << 20)
        assert len(data) > 100
        assert data.startswith(b"Name:")
        assert data.endswith(b"\n")
