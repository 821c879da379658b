"""Write output files safely: atomically, and never over a file kapplan did not write.

The rule for overwriting: an existing file is replaced only when the caller
says ``force``, or when the file is recognisably kapplan's own earlier output,
that is, when it starts with the renderer's ``owned_marker`` (for .ics,
`kapplan.formats.ics.OWNED_MARKER`: ``BEGIN:VCALENDAR``, ``VERSION:2.0`` and
kapplan's PRODID). A renderer without a marker gets no such exception: any
existing file needs ``force``. The output is never one of the inputs, even
with ``force``: the same file by device and inode, whatever its name or link.

Writing is atomic: the data goes to a temporary file in the target's folder,
which is flushed, fsynced and then moved over the target with `os.replace`,
so a reader sees the old file or the new one, never half of one, and a
failure part-way (disk full, interrupt) leaves any earlier file as it was
and no temporary file behind. A run stopped where no code runs (SIGKILL, a
power cut) can leave one: the next write to the same file removes it (see
`remove_stale`). A symlink is followed and its target
replaced, so the link survives. A replaced file keeps its permission bits; a
new one gets the usual ``0o666`` less the umask.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from kapplan.errors import OutputError

_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})

#: How many leading bytes of an existing file are read to recognise it.
_SNIFF_BYTES = 4096

#: A temporary file of a write to ``NAME`` in the same folder: ``.NAME.`` and
#: `tempfile.mkstemp`'s eight characters, ``.tmp`` (the name is group 1).
_TEMPORARY = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")


def write_output(
    path: Path,
    data: str | bytes | Iterable[bytes],
    *,
    force: bool,
    owned_marker: bytes | None = None,
    inputs: Sequence[Path] = (),
    batch: bool = False,
) -> None:
    """Write data to a file atomically, refusing to clobber what kapplan did not write.

    Parameters:
        path: The file to write (a symlink is followed).
        data: The content; text is encoded as UTF-8 without newline translation;
            pieces of bytes (a streamed document) are written as they come.
        force: Replace an existing file even when kapplan did not write it.
        owned_marker: Bytes every output of this kind starts with; an existing
            file that starts with them is kapplan's and may be replaced.
        inputs: Files this run reads; the output may not be any of them.
        batch: One of many files written into one folder (a vdir's items): the
            caller has removed the temporary files earlier runs left for them
            (`remove_stale`, one look at the folder for all of them), and syncs the
            folder once they are written (`sync_folder`), instead of each write
            doing both (a look at the whole folder per file: quadratic).

    Raises:
        OutputError: When the folder is missing or not writable, the path is a
            folder or an input, the file exists and is not kapplan's (without
            ``force``), or writing fails (e.g. the disk is full); any earlier
            file is then left intact.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    pieces = (payload,) if isinstance(payload, bytes) else payload
    target = Path(os.path.realpath(path))
    folder = target.parent
    _refuse_inputs(path, target, inputs)
    if not folder.is_dir():
        raise OutputError(
            f"folder {str(folder)!r} does not exist; create it or choose another path",
            source=str(path),
        )
    mode = _existing_mode(path, target, force=force, owned_marker=owned_marker)
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    if not batch:
        remove_stale(folder, (target.name,))
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as problem:
        raise _write_error(path, problem) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as problem:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(problem, OSError):
            raise _write_error(path, problem) from None
        raise
    if not batch:
        sync_folder(folder)


def remove_stale(folder: Path, names: Iterable[str]) -> None:
    """Remove temporary files an earlier, killed run left for these targets (file names
    in `folder`), in one look at the folder.

    Only kapplan's own naming (``.NAME.`` and `tempfile.mkstemp`'s eight characters,
    ``.tmp``), only regular files of this user still at mkstemp's mode 0600: a
    finished write has renamed its file away, so what is left is a leftover.
    """
    targets = set(names)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            found = _TEMPORARY.fullmatch(entry.name)
            if found is None or found.group(1) not in targets:
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                ours = info.st_uid == os.geteuid() if hasattr(os, "geteuid") else True
                if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600 and ours:
                    os.unlink(entry.path)


def _refuse_inputs(path: Path, target: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output that is one of the inputs: the same file (device and inode), by
    whatever name or link either is given."""
    try:
        output = os.stat(target)
    except OSError:
        return  # no file there yet: it cannot be one that was read
    for source in dict.fromkeys(inputs):
        try:
            info = os.stat(source)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (output.st_dev, output.st_ino):
            raise OutputError(
                f"is also an input ({str(source)!r}); choose another output file",
                source=str(path),
            )


def _existing_mode(
    path: Path, target: Path, *, force: bool, owned_marker: bytes | None
) -> int | None:
    """Return the permission bits of the file to replace, None when there is none.

    Raises:
        OutputError: When the target is a folder, or a file kapplan did not write
            and ``force`` is not set.
    """
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as problem:
        raise _write_error(path, problem) from None
    if stat.S_ISDIR(info.st_mode):
        raise OutputError("is a folder; give a file name", source=str(path))
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            "is not a regular file; give a file name, or omit -o to write to stdout",
            source=str(path),
        )
    if not force and not _is_owned(target, owned_marker):
        raise OutputError(
            "exists and was not written by kapplan; use --force to overwrite it",
            source=str(path),
        )
    return stat.S_IMODE(info.st_mode)


def _is_owned(target: Path, owned_marker: bytes | None) -> bool:
    if not owned_marker:
        return False
    try:
        with open(target, "rb") as stream:
            return stream.read(max(len(owned_marker), _SNIFF_BYTES)).startswith(owned_marker)
    except OSError:
        return False


def _write_error(path: Path, problem: OSError) -> OutputError:
    if problem.errno in _DISK_FULL:
        reason = "the disk is full; free some space and run again"
    elif problem.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "permission denied; choose a folder you can write to"
    else:
        reason = f"{problem.strerror or problem}; check the path and run again"
    return OutputError(f"cannot write: {reason} (any earlier file is unchanged)", source=str(path))


def sync_folder(folder: Path) -> None:
    """Persist the rename itself (POSIX); a platform that cannot is left as is."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)
