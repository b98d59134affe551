"""File input and output at the edge: reading inputs with clear errors, writing safely.

Every output goes through `update_file`, which decides how a target is written:

* `-` is standard output.
* A FIFO, a character device (`/dev/null`, a terminal) or a path under `/dev/` or `/proc/`
  (`/dev/stdout`, `/dev/fd/1`) is written directly: renaming a file over it would replace
  the device, and it has nothing to merge with.
* A symbolic link is followed: the real file is written, atomically, with its temp file
  beside it, and the link stays a link.
* A regular file is replaced atomically (temp file in its directory, fsync, rename), while
  holding an exclusive `fcntl` lock on `.NAME.lock` beside it (removed when done), so
  refbridge processes writing one file take turns. Just before the rename the file is
  read again: if someone else changed it since `compute` saw it, `compute` runs again on
  the new text (the merge is re-applied), and after `MAX_ATTEMPTS` changes it gives up
  with the file untouched.
* A read-only file (no write bit, even for root) is refused, and so is a file with other
  hard links: a rename would detach this name from the others, and writing in place could
  tear a file every other name shares. Copy it, or write elsewhere with `-o`.
* Temp files `.NAME.XXXXXXXX.tmp` left by a killed run are removed by the next write of
  NAME, once they are `STALE_AFTER` seconds old (while the lock is held, no live refbridge
  can own one).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import UnreadableInput, UnwritableOutput

__all__ = ["atomic_write_text", "check_writable", "how_written", "read_file_bytes",
           "read_input_text", "update_file"]

STDIN = "-"
STDOUT = "-"
MAX_ATTEMPTS = 5
"""How many times `update_file` re-applies its change to a file others keep changing."""
LOCK_TIMEOUT = 60.0
"""Seconds to wait for another refbridge process writing the same file."""
STALE_AFTER = 60.0
"""Age in seconds after which a leftover temp file of ours is removed."""

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_file_bytes(name: str) -> bytes:
    """The bytes of a file; a missing file, a folder or any other OS error is the one-line
    `UnreadableInput` naming it."""
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise UnreadableInput(name, "no such file") from None
    except IsADirectoryError:
        raise UnreadableInput(name, "is a directory, not a file") from None
    except OSError as exc:
        raise UnreadableInput(name, f"cannot read: {exc.strerror or exc}") from None


def read_input_text(name: str, *, allow_empty: bool = False, keep_bom: bool = False) -> str:
    """The text of an input file (or of standard input for `-`), decoded as UTF-8.

    A UTF-8 byte-order mark is dropped, unless `keep_bom` asks for the text as it is, for a
    file that will be written back. UTF-16 with a byte-order mark is read (and named, for a
    file that would be written back as UTF-8). Binary input, an encoding error (with its
    line), a closed standard input and an empty input raise `UnreadableInput`, which names
    the file.
    """
    source = "<stdin>" if name == STDIN else name
    data = _read_stdin() if name == STDIN else read_file_bytes(name)
    text = _decode(data, source, keep_bom=keep_bom)
    if not allow_empty and _BLANK.fullmatch(text):
        raise UnreadableInput(source, "is empty")
    return text


# Nothing but white space and byte-order marks; matched, not stripped: stripping would copy
# a large text once more.
_BLANK = re.compile("[\ufeff \t\r\n]*")


def _read_stdin() -> bytes:
    # With file descriptor 0 closed, Python sets sys.stdin to None.
    stream = sys.stdin
    if stream is None or getattr(stream, "buffer", None) is None:
        raise UnreadableInput("<stdin>", "standard input is closed")
    try:
        return stream.buffer.read()
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UnreadableInput("<stdin>", f"cannot read standard input: {reason}") from None


def _decode(data: bytes, source: str, *, keep_bom: bool) -> str:
    """Bytes of a text file as str; UTF-16 is recognised by its byte-order mark."""
    if data.startswith(_UTF16_BOMS):
        if keep_bom:
            raise UnreadableInput(source, "is UTF-16; refbridge writes UTF-8, so re-save it "
                                          "as UTF-8 before editing it in place")
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableInput(source, f"is not valid UTF-16 ({exc.reason})") from None
    if b"\0" in data[:8192]:
        raise UnreadableInput(source, "looks like a binary file, not text")
    try:
        return data.decode("utf-8" if keep_bom else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableInput(
            source, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save it as UTF-8",
            line,
        ) from None


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise `UnwritableOutput` now if `update_file(path)` would fail for its place.

    Called before any slow work, so a typo in `-o` costs no request.
    """
    name = os.fspath(path)
    if name == STDOUT or _is_direct(Path(name)):
        return
    target = Path(os.path.realpath(name))
    # Named as the user wrote it, unless a symlink leads elsewhere.
    directory = Path(name).parent if target == Path(name).absolute() else target.parent
    if target.is_dir():
        raise UnwritableOutput(name, "it is a directory")
    if not directory.is_dir():
        raise UnwritableOutput(name, f"no directory {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UnwritableOutput(name, f"no permission to create files in {directory}")
    _refuse_unsafe(name, target)


def _refuse_unsafe(name: str, target: Path) -> None:
    """Refuse a read-only or hard-linked regular file (see the module docstring)."""
    try:
        info = target.stat()
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        return
    if not info.st_mode & 0o222:
        raise UnwritableOutput(name, "the file is read-only; make it writable (chmod u+w) "
                                     "to let refbridge change it")
    if info.st_nlink > 1:
        raise UnwritableOutput(name, f"the file has {info.st_nlink} hard links, and "
                                     "replacing it would break them; write a copy with -o")


def _is_direct(target: Path) -> bool:
    """Whether a target is written directly: a device, a FIFO, or under /dev or /proc."""
    absolute = os.path.abspath(target)
    if absolute.startswith(("/dev/", "/proc/")):
        return True
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def how_written(path: str | os.PathLike[str]) -> str | None:
    """What the user should be told about how `path` is written, when it is not a regular
    file replaced in place: a link (its target is written) or a device or FIFO (written
    directly). None for `-` and for a plain file.

    >>> how_written("/dev/null")
    '/dev/null is not a regular file: written directly, not replaced'
    """
    name = os.fspath(path)
    if name == STDOUT:
        return None
    if _is_direct(Path(name)):
        return f"{name} is not a regular file: written directly, not replaced"
    if os.path.islink(name):
        return f"{name} is a link: wrote its target, {os.path.realpath(name)}"
    return None


def update_file(path: str | os.PathLike[str],
                compute: Callable[[str | None], str | None]) -> bool:
    """Write `compute(current text)` to `path`; return whether anything was written.

    `compute` gets the target's text (None when there is no regular file to merge with:
    a new file, `-`, a device) and returns the new text, or None to leave the target as
    it is. It must be pure and quick: it may run again if the file changes meanwhile (see
    the module docstring for how each kind of target is written). Failing, it raises
    `UnwritableOutput` (or `UnreadableInput` for a current file it cannot decode) and
    leaves the file as it was.
    """
    name = os.fspath(path)
    try:
        if name == STDOUT:
            return _write_stream(compute, sys.stdout)
        if _is_direct(Path(name)):
            # Appending: a shell redirection (`> f` truncated already, `>> f` wants the
            # end) and devices both take it; truncating would undo a `>>`.
            with open(name, "a", encoding="utf-8", newline="") as stream:
                return _write_stream(compute, stream)
        return _replace(name, Path(os.path.realpath(name)), compute)
    except OSError as exc:
        raise UnwritableOutput(name, exc.strerror or str(exc)) from exc


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write text to path so that a reader sees the old file or the new one, never half."""
    update_file(path, lambda _current: text)


def _write_stream(compute: Callable[[str | None], str | None], stream) -> bool:
    text = compute(None)
    if text is None:
        return False
    stream.write(text)
    stream.flush()
    return True


def _replace(name: str, target: Path, compute: Callable[[str | None], str | None]) -> bool:
    with _locked(name, target):
        _remove_stale_temps(target)
        for _ in range(MAX_ATTEMPTS):
            before = _current_bytes(target)
            current = None if before is None else _decode(before, name, keep_bom=True)
            text = compute(current)
            if text is None:
                return False
            _refuse_unsafe(name, target)
            tmp_name: str | None = _write_temp(target, text)
            try:
                if _current_bytes(target) != before:
                    continue  # changed by someone else since we read it: merge again
                assert tmp_name is not None
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(tmp_name, target.stat().st_mode & 0o7777)
                os.replace(tmp_name, target)
                tmp_name = None
            finally:
                if tmp_name is not None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp_name)
            _fsync_directory(target.parent)
            return True
    raise UnwritableOutput(name, f"it changed {MAX_ATTEMPTS} times while being written; "
                                 "it was left as it is")


def _current_bytes(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None


def _write_temp(target: Path, text: str) -> str:
    import tempfile  # here: it costs every command's start-up, and few commands write

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return tmp_name


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def _locked(name: str, target: Path) -> Iterator[None]:
    """Hold the exclusive lock of `target`: an `flock` on `.NAME.lock` beside it.

    The holder removes the lock file before releasing it, so none is left behind; a
    waiter that then gets the lock of a removed file sees that the path now names another
    file (or none) and tries again with the new one.
    """
    lock_path = target.parent / f".{target.name}.lock"
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if _try_lock(fd) and _same_file(fd, lock_path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() > deadline:
            raise UnwritableOutput(name, f"another process has held {lock_path} for over "
                                         f"{LOCK_TIMEOUT:.0f} s; try again when it is done")
        time.sleep(0.02)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _remove_stale_temps(target: Path) -> None:
    """Remove our temp files for `target` left by a killed run (caller holds the lock)."""
    ours = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not ours.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_AFTER:
                    os.unlink(entry.path)
