"""How outputs are written (`bridge._io.update_file`) and how inputs are decoded."""

from __future__ import annotations

import fcntl
import os
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from bridge import _io
from bridge._io import check_writable, read_input_text, update_file
from bridge.errors import UnreadableInput, UnwritableOutput


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- regular files ------------------------------------------------------------------------

def test_a_new_file_is_written_and_no_lock_or_temp_file_stays(tmp_path: Path):
    target = tmp_path / "refs.bib"
    seen: list[str | None] = []
    assert update_file(target, lambda text: seen.append(text) or "new\n") is True
    assert (seen, target.read_text(), _names(tmp_path)) == ([None], "new\n", ["refs.bib"])


def test_compute_gets_the_current_text_and_none_means_leave_it(tmp_path: Path):
    target = tmp_path / "refs.bib"
    target.write_bytes(b"\xef\xbb\xbfold\r\n")
    seen: list[str | None] = []
    assert update_file(target, lambda text: seen.append(text)) is False
    assert seen == ["\ufeffold\r\n"] and target.read_bytes() == b"\xef\xbb\xbfold\r\n"


def test_a_change_made_while_computing_is_merged_not_overwritten(tmp_path: Path):
    target = tmp_path / "refs.bib"
    target.write_text("A\n")
    seen: list[str | None] = []

    def append_c(text: str | None) -> str:
        seen.append(text)
        if len(seen) == 1:  # the user saves the file while we compute
            target.write_text("A\nB\n")
        return (text or "") + "C\n"

    assert update_file(target, append_c)
    assert seen == ["A\n", "A\nB\n"] and target.read_text() == "A\nB\nC\n"


def test_a_file_that_never_stops_changing_is_left_as_it_is(tmp_path: Path):
    target = tmp_path / "refs.bib"
    target.write_text("0\n")
    calls = []

    def racing(text: str | None) -> str:
        calls.append(text)
        target.write_text(f"{len(calls)}\n")
        return "mine\n"

    with pytest.raises(UnwritableOutput, match=r"changed 5 times while being written; it was "
                                               r"left as it is"):
        update_file(target, racing)
    assert target.read_text() == "5\n" and len(calls) == _io.MAX_ATTEMPTS
    assert _names(tmp_path) == ["refs.bib"]


def test_a_file_locked_by_another_writer_is_waited_for_then_refused(tmp_path: Path,
                                                                     monkeypatch):
    target = tmp_path / "refs.bib"
    target.write_text("old\n")
    lock = os.open(tmp_path / ".refs.bib.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    monkeypatch.setattr(_io, "LOCK_TIMEOUT", 0.2)
    try:
        with pytest.raises(UnwritableOutput, match=r"another process has held .*\.refs\.bib"
                                                   r"\.lock for over 0 s"):
            update_file(target, lambda text: "new\n")
    finally:
        os.close(lock)
    assert target.read_text() == "old\n"


def test_writers_take_turns(tmp_path: Path):
    target = tmp_path / "refs.bib"
    target.write_text("")

    def add(line: str) -> None:
        update_file(target, lambda text: (text or "") + line)

    threads = [threading.Thread(target=add, args=(f"{i}\n",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(target.read_text().split()) == [str(i) for i in range(8)]
    assert _names(tmp_path) == ["refs.bib"]


def test_stale_temp_files_of_ours_are_removed_and_nothing_else(tmp_path: Path):
    target = tmp_path / "refs.bib"
    target.write_text("old\n")
    old = time.time() - 3600
    for name in (".refs.bib.abc_1234.tmp", ".refs.bib.fresh123.tmp", ".refs.bib.toolong12.tmp",
                 ".other.bib.abcd1234.tmp", ".refs.bib.abcd1234.tmp.keep"):
        (tmp_path / name).write_text("x")
        if name != ".refs.bib.fresh123.tmp":
            os.utime(tmp_path / name, (old, old))
    update_file(target, lambda text: "new\n")
    assert _names(tmp_path) == [".other.bib.abcd1234.tmp", ".refs.bib.abcd1234.tmp.keep",
                                ".refs.bib.fresh123.tmp", ".refs.bib.toolong12.tmp",
                                "refs.bib"]


# --- links, read-only, special files ---------------------------------------------------------

def test_a_symlink_is_written_through_to_the_real_file(tmp_path: Path):
    real_dir = tmp_path / "library"
    real_dir.mkdir()
    real = real_dir / "master.bib"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    update_file(link, lambda text: (text or "") + "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "old\nnew\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert _names(real_dir) == ["master.bib"] and _names(tmp_path) == ["library", "link.bib"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path):
    link = tmp_path / "link.bib"
    link.symlink_to(tmp_path / "real.bib")
    update_file(link, lambda text: "new\n")
    assert link.is_symlink() and (tmp_path / "real.bib").read_text() == "new\n"


def test_a_read_only_file_is_refused(tmp_path: Path):
    target = tmp_path / "refs.bib"
    target.write_text("old\n")
    target.chmod(0o444)
    message = r"refs\.bib: cannot write here: the file is read-only; make it writable"
    with pytest.raises(UnwritableOutput, match=message):
        check_writable(target)
    with pytest.raises(UnwritableOutput, match=message):
        update_file(target, lambda text: "new\n")
    assert target.read_text() == "old\n" and _names(tmp_path) == ["refs.bib"]


def test_a_hard_linked_file_is_refused_and_both_names_keep_sharing_it(tmp_path: Path):
    target = tmp_path / "refs.bib"
    target.write_text("old\n")
    os.link(target, tmp_path / "twin.bib")
    message = r"the file has 2 hard links, and replacing it would break them"
    with pytest.raises(UnwritableOutput, match=message):
        check_writable(target)
    with pytest.raises(UnwritableOutput, match=message):
        update_file(target, lambda text: "new\n")
    assert target.stat().st_ino == (tmp_path / "twin.bib").stat().st_ino
    assert target.stat().st_nlink == 2


def test_a_fifo_is_written_directly(tmp_path: Path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    check_writable(fifo)
    seen: list[str | None] = []
    update_file(fifo, lambda text: seen.append(text) or "entry\n")
    reader.join(timeout=30)
    assert (received, seen) == ([b"entry\n"], [None])
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _names(tmp_path) == ["out.fifo"]


def test_a_character_device_is_written_directly(tmp_path: Path):
    # A null device of the test's own (never /dev/null itself: a regression here, run as
    # root, would rename a file over the machine's /dev/null).
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    before = device.stat()
    check_writable(device)
    assert update_file(device, lambda text: "entry\n") is True
    after = device.stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert _names(tmp_path) == ["null"]


def test_paths_under_dev_and_proc_are_never_renamed_over():
    # Decided without writing: /dev/stdout may lead to a regular file (stdout redirected),
    # and is still written directly.
    assert _io._is_direct(Path("/dev/stdout")) and _io._is_direct(Path("/proc/self/fd/1"))


def test_dev_stdout_is_written_directly(capfd):
    before = os.lstat("/dev/stdout")
    update_file("/dev/stdout", lambda text: "to stdout\n")
    assert capfd.readouterr().out == "to stdout\n"
    after = os.lstat("/dev/stdout")  # still the same link, not a file renamed over it
    assert stat.S_ISLNK(after.st_mode) and after.st_ino == before.st_ino


def test_dash_is_standard_output(capsys, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seen: list[str | None] = []
    check_writable("-")
    update_file("-", lambda text: seen.append(text) or "entry\n")
    assert (capsys.readouterr().out, seen, _names(tmp_path)) == ("entry\n", [None], [])


# --- reading --------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str):
    path = tmp_path / "refs.txt"
    text = "arXiv:2310.13798 — Künstliche Intelligenz\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    assert read_input_text(str(path)) == text
    with pytest.raises(UnreadableInput, match=r"refs\.txt: is UTF-16; refbridge writes UTF-8"):
        read_input_text(str(path), keep_bom=True)


def test_nul_bytes_without_a_utf16_mark_are_binary(tmp_path: Path):
    path = tmp_path / "refs.bin"
    path.write_bytes("arXiv".encode("utf-16-le"))
    with pytest.raises(UnreadableInput, match=r"refs\.bin: looks like a binary file"):
        read_input_text(str(path))


def test_closed_standard_input_is_one_error(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(UnreadableInput, match=r"^<stdin>: standard input is closed$"):
        read_input_text("-")
