"""Read and write a vdir (`kapplan.formats.vdir`): a folder of one-event .ics files.

kapplan touches only its own part of the folder. It reads every ``*.ics``
file that is not hidden, to find its items (an event whose UID ends in
``@kapplan``), and it writes, replaces and deletes only those, plus the
metadata files ``displayname`` and ``color`` when they are absent. Other
events (a person's, or ones vdirsyncer fetched), vdirsyncer's status files,
hidden files, anything else, are never written over or removed, ``--force``
or not.

Writing, as the spec asks
    Every file is written atomically, a temporary file in the folder
    (``.NAME.<8 random characters>.tmp``: hidden, and ``.tmp``, which vdir readers skip) moved
    over the target with `os.replace` (`kapplan.edge.atomic.write_output`).
    An item whose content would not change (but for the kapplan version in its
    PRODID: `kapplan.formats.vdir.same_item`) is not written at all, so its
    modification time stays: vdirsyncer and khal find changes by it. An item
    that is already there keeps its file name. The folder as a whole cannot
    change at once (a vdir has no such operation): a run that fails part-way
    leaves each file old or new, never half-written, and the next run
    finishes the job, raising no SEQUENCE twice.

The folder
    Created when missing, as ``mkdir`` (not ``mkdir -p``): its parent folder
    must exist, so a mistyped path is an error rather than a new tree.

Metadata
    ``displayname`` (the calendar's name, as the .ics export's X-WR-CALNAME)
    and ``color`` are a person's to change: each is written only when absent,
    UTF-8 with no newline at the end, as vdirsyncer writes them. The one
    exception: a ``displayname`` that still holds the name kapplan gave the
    calendar (the one its items carry) follows a new name, so ``--discreet``
    or ``--calendar-name`` renames the calendar too; a name a person wrote is
    kept.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from kapplan.edge.atomic import remove_stale, sync_folder, write_output
from kapplan.edge.files import read_most
from kapplan.errors import OutputError
from kapplan.formats.vdir import COLOR, DISPLAYNAME, SUFFIX, EarlierVdir, ItemFile, Vdir
from kapplan.model.limits import MAX_FILE_BYTES


def read_folder(path: Path) -> EarlierVdir | None:
    """Read what a vdir holds of kapplan's events, before writing it.

    Parameters:
        path: The folder (a symlink to one is followed).

    Returns:
        kapplan's items, read as one earlier export; None when the folder does
        not exist yet.

    Raises:
        OutputError: When the path is a file, or the folder or an item cannot be read.
        UnreadableCalendar: When one of kapplan's items is not one event of its own,
            or two hold the same event.
    """
    from kapplan.formats.vdir import read_vdir

    if not _is_folder(path):
        return None
    return read_vdir(_item_files(path), str(path))


def _is_folder(path: Path) -> bool:
    """Tell whether the vdir exists; refuse a path that is something else."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as problem:
        raise OutputError(
            f"cannot read: {problem.strerror or problem}; expected a folder", source=str(path)
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(
            "is a file, and --format vdir writes a folder of .ics files (one per event); "
            "expected a folder, new or a vdir",
            source=str(path),
        )
    return True


def _item_files(path: Path) -> list[ItemFile]:
    """Return the files of a folder that can be items: ``*.ics``, not hidden, regular."""
    try:
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError as problem:
        raise OutputError(
            f"cannot read the folder: {problem.strerror or problem}", source=str(path)
        ) from None
    files = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.name.endswith(SUFFIX):
            continue  # hidden (vdirsyncer's, a temporary file) or not an item
        data = _read_item(Path(entry.path))
        if data is not None:
            files.append(ItemFile(entry.name, entry.path, data))
    return files


def _read_item(path: Path) -> bytes | None:
    """Return a regular file's bytes; None for what cannot be kapplan's (a folder, a
    device, a file larger than any calendar), or a file that is gone."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # checked before opening: a FIFO would block the open
        with open(path, "rb") as stream:
            data = read_most(stream, MAX_FILE_BYTES)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as problem:
        raise OutputError(
            f"cannot read: {problem.strerror or problem}; expected a readable vdir item",
            source=str(path),
        ) from None
    return data if len(data) <= MAX_FILE_BYTES else None


def write_folder(path: Path, vdir: Vdir, *, inputs: Sequence[Path] = ()) -> None:
    """Write kapplan's part of a vdir: new and changed items, removals, metadata.

    Parameters:
        path: The folder; created when missing (its parent must exist).
        vdir: What `kapplan.formats.vdir.render_vdir` made: the items (each under
            its file name), the names of kapplan's items to remove, the metadata.
        inputs: Files this run reads: none of them is written or removed.

    Raises:
        OutputError: When the path is a file, the parent folder is missing, a file
            an item would be written to holds something else, or a file cannot be
            written or removed; what was done before stays done (see the module
            docstring).
    """
    if not _is_folder(path):
        try:
            os.mkdir(path)
        except FileNotFoundError:
            raise OutputError(
                f"folder {str(path.parent)!r} does not exist; create it or choose another path",
                source=str(path),
            ) from None
        except OSError as problem:
            raise OutputError(
                f"cannot create the folder: {problem.strerror or problem}", source=str(path)
            ) from None
    # Each item is written as every output is (`write_output`), but the folder is looked
    # at once for what killed runs left, and synced once: a caseload's calendar has
    # thousands of items, and a look at the whole folder per item is quadratic.
    remove_stale(path, [item.name for item in vdir.items] + [DISPLAYNAME, COLOR])
    changed = bool(vdir.removed)
    try:
        for item in vdir.items:
            changed |= _write_item(path / item.name, item.uid, item.data, inputs)
        for name in vdir.removed:
            _remove(path / name, inputs)
        changed |= _write_metadata(
            path / DISPLAYNAME, vdir.displayname, vdir.earlier_displayname, inputs
        )
        changed |= _write_metadata(path / COLOR, vdir.color, None, inputs)
    finally:
        if changed:
            sync_folder(path)  # what was written stays written, also when a write failed


def _write_item(target: Path, uid: str, data: bytes, inputs: Sequence[Path]) -> bool:
    """Write an item unless it already says exactly this; never over another file.
    Tell whether it was written."""
    from kapplan.formats.vdir import item_uids, same_item

    existing = _read_item(target)
    if existing is not None and same_item(existing, data):
        return False  # unchanged: its modification time is how vdirsyncer knows
    if target.exists() and (existing is None or item_uids(existing) != (uid,)):
        raise OutputError(
            f"exists and does not hold kapplan's event {uid}; move it out of the folder "
            "and run again",
            source=str(target),
        )
    write_output(target, data, force=True, inputs=inputs, batch=True)
    return True


def _remove(target: Path, inputs: Sequence[Path]) -> None:
    """Delete an item of kapplan's whose event the plan no longer has."""
    if any(_same(source, target) for source in inputs):
        raise OutputError("is also an input of this run; not removed", source=str(target))
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass
    except OSError as problem:
        raise OutputError(
            f"cannot remove: {problem.strerror or problem}", source=str(target)
        ) from None


def _same(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _write_metadata(target: Path, text: str, replaces: str | None, inputs: Sequence[Path]) -> bool:
    """Write a metadata file when absent, or when it still holds what kapplan wrote there.
    Tell whether it was written."""
    data = text.encode("utf-8")
    if os.path.lexists(target):
        existing = _read_item(target)
        if existing == data or existing is None or replaces is None:
            return False
        if existing.decode("utf-8", "replace") != replaces:
            return False  # a person's choice
    write_output(target, data, force=True, inputs=inputs, batch=True)
    return True


__all__ = ["read_folder", "write_folder"]
