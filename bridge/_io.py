"""File input and output at the edge: reading inputs with clear errors, writing atomically."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from .errors import UnreadableInput, UnwritableOutput

__all__ = ["atomic_write_text", "check_writable", "read_input_text"]

STDIN = "-"


def read_input_text(name: str, *, allow_empty: bool = False, keep_bom: bool = False) -> str:
    """The text of an input file (or of standard input for `-`), decoded as UTF-8.

    A UTF-8 byte-order mark is dropped, unless `keep_bom` asks for the text as it is, for a
    file that will be written back. Binary input, an encoding error (with its line) and
    an empty input raise `UnreadableInput`, which names the file.
    """
    source = "<stdin>" if name == STDIN else name
    try:
        data = sys.stdin.buffer.read() if name == STDIN else Path(name).read_bytes()
    except FileNotFoundError:
        raise UnreadableInput(source, "no such file") from None
    except IsADirectoryError:
        raise UnreadableInput(source, "is a directory, not a file") from None
    except OSError as exc:
        raise UnreadableInput(source, f"cannot read: {exc.strerror or exc}") from None
    if b"\0" in data[:8192]:
        raise UnreadableInput(source, "looks like a binary file, not text")
    try:
        text = data.decode("utf-8" if keep_bom else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableInput(
            source, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save it as UTF-8",
            line,
        ) from None
    if not allow_empty and not text.strip("\ufeff \t\r\n"):
        raise UnreadableInput(source, "is empty")
    return text


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise `UnwritableOutput` now if `atomic_write_text(path)` would fail for its place.

    Called before any slow work, so a typo in `-o` costs no request.
    """
    target = Path(path)
    directory = target.parent
    if target.is_dir():
        raise UnwritableOutput(str(path), "it is a directory")
    if not directory.is_dir():
        raise UnwritableOutput(str(path), f"no directory {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UnwritableOutput(str(path), f"no permission to create files in {directory}")


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write text to path so that a reader sees the old file or the new one, never half.

    The text goes to a temp file in the same directory, is fsynced, and renamed into place;
    an existing file's permission bits are kept. Failing, it raises `UnwritableOutput` and
    leaves the old file as it was.
    """
    try:
        _replace_atomically(Path(path), text)
    except OSError as exc:
        raise UnwritableOutput(str(path), exc.strerror or str(exc)) from exc


def _replace_atomically(target: Path, text: str) -> None:
    directory = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp_name, target.stat().st_mode & 0o7777)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
