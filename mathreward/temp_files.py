"""Temporary files named after the process that writes them, and the leftovers of runs that died.

An atomic write goes to ``<name>.tmp-<pid>`` (a file) or ``<name>.parts-<pid>`` (a folder of parts) beside its
output, and is renamed into place when done. A run killed outright (SIGKILL, a lost machine) cannot remove them, so
the next run on the same output does (``remove_dead_leftovers``, called by ``temp_sibling``): those whose process is
gone, or whose PID now belongs to a process started after the leftover was last written; a live run's stay.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["folder_written_beside", "remove_dead_leftovers", "run_alive", "temp_sibling"]

KINDS = ("tmp", "parts")
_LEFTOVER = re.compile(r"\.(?:tmp|parts)-([0-9]{1,10})")
START_SLACK_SECONDS = 2.0  # the boot time the kernel reports is whole seconds


def temp_sibling(path: str | os.PathLike, kind: str = "tmp") -> Path:
    """``<path>.<kind>-<pid>``: where this process writes ``path`` before the rename (``kind``: "tmp" for a file,
    "parts" for a folder of parts). Dead runs' leftovers for ``path`` are removed first."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    path = Path(path)
    remove_dead_leftovers(path)
    return path.with_name(f"{path.name}.{kind}-{os.getpid()}")


@contextmanager
def folder_written_beside(folder: str | os.PathLike) -> Iterator[Path]:
    """The folder to write ``folder``'s files into: for a new folder, ``<folder>.tmp-<pid>``, renamed into place when
    the block ends without an error and removed when it does not (a stopped run never leaves half a checkpoint);
    an existing folder is written in place."""
    folder = Path(folder)
    if folder.exists():
        yield folder
        return
    target = temp_sibling(folder)
    target.mkdir(parents=True)
    try:
        yield target
        os.replace(target, folder)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def remove_dead_leftovers(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders of ``path`` left by runs that are no longer alive; the removed ones."""
    path = Path(path)
    folder = path.parent
    try:
        names = os.listdir(folder if str(folder) else ".")
    except OSError:
        return []
    removed = []
    for name in names:
        if not name.startswith(path.name) or len(name) == len(path.name):
            continue
        match = _LEFTOVER.fullmatch(name, len(path.name))
        if match is None or int(match.group(1)) == os.getpid():
            continue
        leftover = folder / name
        try:
            written = leftover.lstat().st_mtime
        except OSError:
            continue
        if run_alive(int(match.group(1)), written):
            continue
        try:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
            removed.append(leftover)
        except OSError:
            pass  # another run is removing it too, or it is not ours to remove
    return removed


def run_alive(pid: int, written: float | None = None) -> bool:
    """Whether process ``pid`` may still be the run that wrote a file last modified at ``written`` (epoch s): it
    exists, is not a zombie, and (where its start time can be read) started before that write."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    except OSError:
        return True
    state, started = _proc_stat(pid)
    if state == "Z":
        return False
    return written is None or started is None or started <= written + START_SLACK_SECONDS


def _proc_stat(pid: int) -> tuple[str | None, float | None]:
    """(state letter, start time in epoch seconds) from Linux's /proc, or (None, None) elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        state = fields[0].decode()
        ticks = int(fields[19])  # field 22 of stat(5), counted after the command name
        return state, _boot_time() + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None, None


def _boot_time() -> float:
    with open("/proc/stat", "rb") as handle:
        for line in handle:
            if line.startswith(b"btime "):
                return float(line.split()[1])
    raise ValueError("no btime in /proc/stat")
