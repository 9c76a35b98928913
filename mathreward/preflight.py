"""Checks a command makes before any work: outputs writable and never one of the inputs, run folders not silently
replaced, the device present. Each failure is a ``UserError`` (one line, exit 2)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from mathreward.errors import UserError


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when ``a`` and ``b`` name the same file or folder (after resolving links; existing or not)."""
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def check_not_an_input(output: str | os.PathLike, inputs: Iterable[str | os.PathLike | None]) -> None:
    """Refuse an output that is one of the inputs (or a folder holding one, for folder outputs)."""
    for path in inputs:
        if path is None:
            continue
        if same_file(output, path):
            raise UserError(f"{output}: is also an input ({path}); write the output to another path")


def _writable_folder(folder: Path, output: str | os.PathLike) -> None:
    if not folder.exists():
        raise UserError(f"{output}: output folder does not exist ({folder})")
    if not folder.is_dir():
        raise UserError(f"{output}: '{folder}' is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{output}: cannot write into folder '{folder}' (permission denied)")
    _probe_write(folder, output)


def _probe_write(folder: Path, output: str | os.PathLike) -> None:
    """Create and remove an empty file in ``folder``: the permission bits do not tell a read-only file system, or a
    folder such as ``/proc`` that even root cannot write into."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".mathreward-probe-")
    except OSError as exc:
        raise UserError(f"{output}: cannot write into folder '{folder}' ({exc.strerror or exc})") from None
    os.close(handle)
    os.unlink(probe)


def check_output_file(
    output: str | os.PathLike,
    inputs: Iterable[str | os.PathLike | None] = (),
    *,
    suffixes: Iterable[str] | None = None,
    create_folder: bool = False,
) -> Path:
    """An output file, checked before any work: a known suffix, not an existing folder, not one of ``inputs``, its
    folder present (created when ``create_folder``) and writable."""
    path = Path(output)
    if suffixes is not None:
        allowed = tuple(suffixes)
        if path.suffix.lower() not in allowed:
            raise UserError(f"{path}: unsupported output type {path.suffix or '(none)'!r}; use {' or '.join(allowed)}")
    if path.is_dir():
        raise UserError(f"{path}: is an existing folder; give a file path")
    check_not_an_input(path, inputs)
    folder = path.parent if str(path.parent) else Path(".")
    if create_folder and not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{path}: cannot create folder '{folder}' ({exc.strerror or exc})") from None
    _writable_folder(folder, path)
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{path}: exists and cannot be replaced (permission denied)")
    return path


def check_output_folder(
    output: str | os.PathLike,
    inputs: Iterable[str | os.PathLike | None] = (),
    *,
    overwrite: bool = False,
    resuming: bool = False,
    flag: str = "--overwrite",
) -> Path:
    """A run's output folder, checked before any work: not a file, not one of ``inputs``, its nearest existing parent writable, and, when it exists and is not empty, refused unless ``overwrite`` (or
    ``resuming``, for commands that continue a run in place)."""
    path = Path(output)
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: is an existing file; give a folder path")
    check_not_an_input(path, inputs)
    if path.exists() and any(path.iterdir()) and not (overwrite or resuming):
        raise UserError(f"{path}: run folder exists and is not empty; pass {flag} to replace it, or another -o")
    parent = path.absolute()
    while not parent.exists():  # the folder is created with its parents: the nearest existing one must be writable
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{path}: cannot write into '{parent}' (permission denied)")
    _probe_write(parent, path)
    return path


def check_device(device: str | None, flag: str = "--device") -> None:
    """Refuse a device this machine does not have (``cuda:7`` on a CPU build), before any model loads."""
    if device is None or device in ("", "auto", "cpu"):
        return
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError):
        raise UserError(f"{flag} {device}: not a device name (use auto, cpu, cuda, cuda:N or mps)") from None
    if parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UserError(f"{flag} {device}: no CUDA device is available here; use {flag} cpu or auto")
        if parsed.index is not None and parsed.index >= count:
            raise UserError(f"{flag} {device}: only {count} CUDA device(s) here (cuda:0 to cuda:{count - 1})")
    elif parsed.type == "mps":
        if not torch.backends.mps.is_available():
            raise UserError(f"{flag} {device}: MPS is not available here; use {flag} cpu or auto")
    elif parsed.type != "cpu":
        raise UserError(f"{flag} {device}: unsupported device type {parsed.type!r} (use auto, cpu, cuda:N or mps)")


def check_input_file(path: str | os.PathLike, flag: str | None = None) -> Path:
    """An input file that must exist (``flag`` names the option that gave it, when not positional)."""
    name = f"{flag} {path}" if flag else str(path)
    candidate = Path(path)
    if not candidate.exists():
        raise UserError(f"{name}: no such file")
    if candidate.is_dir():
        raise UserError(f"{name}: is a folder, not a file")
    return candidate


def check_listen_address(host: str, port: int) -> None:
    """Refuse a host that does not resolve, or a port something already listens on, before a server starts."""
    import socket

    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise UserError(f"--host {host}: cannot be resolved ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as the server binds: a closed port's TIME_WAIT is fine
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None
