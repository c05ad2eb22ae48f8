"""Files the user names, read and written defensively.

Inputs (reply text, attachments, answers, batch files) must be regular files and are read
with a size bound: a FIFO with no writer, `/dev/zero` or a directory is bad input at once,
never a hang or an out-of-memory. Outputs (`--html`, `--save-answers`, case files) are
written to a temporary file in the same directory and renamed over the target: a crash never
leaves half a file, and a symbolic link is never written through. Files that hold answers or
case text and exist with a looser mode are tightened to 0600 (said once per file).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from pinpoint_sandbox.core.errors import UsageError

MAX_TEXT_BYTES = 1024 * 1024  # reply text: AWS takes 8,000 characters; a bound well above

# Names that are the terminal, not a file: `--html -` would interleave with the output.
STREAM_NAMES = frozenset({"-", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/1",
                          "/dev/fd/2", "/proc/self/fd/1", "/proc/self/fd/2"})

_tightened: set[str] = set()


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(limit: int) -> str:
    return f"{limit // 1048576} MiB" if limit % 1048576 == 0 else f"{limit:,} bytes"


def read_bounded(path: Path, what: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; UsageError (one line) otherwise.

    Opened non-blocking: opening a FIFO that has no writer returns at once (and is refused)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file.") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a directory; give a file.") from None
    except PermissionError:
        raise UsageError(f"{what} {path}: permission denied; give a file you can read.") from None
    except OSError as exc:
        raise UsageError(
            f"{what} {path}: cannot open it ({exc.strerror or type(exc).__name__})."
        ) from None
    try:
        _regular_within(os.fstat(fd), path, what, limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # the file may grow while it is read: the bound still holds
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UsageError(f"{what} {path} is larger than {_size(limit)}; give a smaller file.")
        return b"".join(chunks)
    except OSError as exc:
        raise UsageError(
            f"{what} {path}: cannot read it ({exc.strerror or type(exc).__name__})."
        ) from None
    finally:
        os.close(fd)


def _regular_within(info: os.stat_result, path: Path, what: str, limit: int) -> None:
    """A regular file of at most `limit` bytes, or the one line that says which it is not."""
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{what} {path} is {_kind(info.st_mode)}; give a regular file.")
    if info.st_size > limit:
        raise UsageError(f"{what} {path} is larger than {_size(limit)}; give a smaller file.")


def check_regular_input(path: Path, what: str, limit: int) -> int:
    """`path` is a regular file of at most `limit` bytes (checked without reading): its size."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file.") from None
    except OSError as exc:
        raise UsageError(
            f"{what} {path}: cannot read it ({exc.strerror or type(exc).__name__})."
        ) from None
    _regular_within(info, path, what, limit)
    return info.st_size


def check_output_file(path: Path | None, flag: str) -> Path | None:
    """A file the tool will write, checked before any AWS call (exit 2, one line): not the
    terminal, not a directory, not a symbolic link (never written through), not a device or
    FIFO, in an existing directory the tool can create files in."""
    if path is None:
        return None
    if str(path) in STREAM_NAMES:
        raise UsageError(f"{flag} {path} is the terminal, not a file: its text would mix with "
                         "the command's output; give a file path.")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot use it ({exc.strerror}); give a file path.") \
            from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise UsageError(f"{flag} {path} is a symbolic link, which is never written through; "
                         "give the path of a regular file.")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{flag} {path} is {_kind(info.st_mode)}; give a file path.")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{flag} {path}: the directory {parent} does not exist.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: cannot create files in {parent} (read-only or not "
                         "yours); give a writable place.")
    return path


def write_atomic(path: Path, data: str | bytes, *, flag: str | None = None) -> Path:
    """Write `data` owner-only (0600): a temporary file beside `path`, fsynced, renamed over
    it. The rename replaces a symbolic link itself, never the file it points to. With `flag`
    (a user-named output), a place that cannot hold the file is bad input (exit 2)."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if flag is None:
            raise
        raise UsageError(f"{flag} {path}: cannot write it here ({exc.strerror or exc}); give "
                         "a place that can hold the file.") from None
    return path


def tighten(path: Path, what: str) -> None:
    """A file holding answers or case text that is readable by others becomes 0600; said once
    per file (on stderr). A file that is not ours to change is left alone, silently."""
    try:
        info = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode) or not info.st_mode & 0o077:
        return
    try:
        os.chmod(path, 0o600)
    except OSError:
        return
    key = str(path)
    if key not in _tightened:
        _tightened.add(key)
        from pinpoint_sandbox.core.text import clean  # a path may hold control characters

        sys.stderr.write(clean(f"Note: {what} {path} was readable by others "
                               f"({stat.S_IMODE(info.st_mode):04o}); it is now 0600 "
                               "(owner only).") + "\n")
