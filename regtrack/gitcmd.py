"""Running git: one place that knows how to call it and how it fails.

public-inbox epochs are read through git, and the tracking layer's scanner
of kernel trees will be too.  Every failure becomes a :class:`GitError`
that names the repository and carries git's own last line of complaint.
Objects are read through one ``git cat-file --batch`` process per
repository (:class:`ObjectReader`), never one process per object.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from regtrack.errors import GitError

# git maps pack files in windows of 1 GiB and, on 64-bit machines, keeps
# them mapped without a practical limit: read from start to end, an epoch's
# whole pack ended up mapped (and resident) in git's processes, so their
# memory grew with the archive (340 MB for `cat-file` at 50k messages).
# Small windows, few kept, and a small delta cache bound it.
_GIT_BOUNDED = (
    "-c",
    "core.packedGitWindowSize=8m",
    "-c",
    "core.packedGitLimit=32m",
    "-c",
    "core.deltaBaseCacheLimit=8m",
)


_NO_GIT = "git is not installed; regtrack needs it to read git repositories"


def _command(git_dir: Path, *args: str) -> list[str]:
    return ["git", *_GIT_BOUNDED, f"--git-dir={git_dir}", *args]


def _failed(git_dir: Path, args: tuple[str, ...], stderr: str, code: int) -> GitError:
    """git's own last line of complaint, naming the repository and the command."""
    lines = stderr.strip().splitlines()
    detail = lines[-1] if lines else f"exit status {code}"
    return GitError(f"{git_dir}: git {args[0]} failed: {detail}")


def run_git(git_dir: Path, *args: str) -> str:
    """git's standard output for ``args`` run against ``git_dir``, as text.

    Raises :class:`GitError` when git is not installed or exits non-zero.
    """
    try:
        done = subprocess.run(
            _command(git_dir, *args),
            capture_output=True,
            check=True,
            text=True,
        )
    except FileNotFoundError as exc:
        raise GitError(_NO_GIT) from exc
    except subprocess.CalledProcessError as exc:
        raise _failed(git_dir, args, exc.stderr, exc.returncode) from exc
    return done.stdout


def try_git(git_dir: Path, *args: str) -> str | None:
    """git's output, or None when git says no (exits non-zero).

    For questions git answers by its exit status: ``rev-parse --verify`` of
    a ref that may not exist, ``merge-base --is-ancestor``.
    """
    try:
        done = subprocess.run(_command(git_dir, *args), capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise GitError(_NO_GIT) from exc
    return done.stdout if done.returncode == 0 else None


STREAM_CHUNK = 1 << 20


def stream_git(git_dir: Path, *args: str) -> Iterator[bytes]:
    """git's standard output for ``args``, in chunks as git writes it.

    For output that grows with the repository (``git log`` over a million
    commits): nothing is held but the chunk being read.  git's stderr goes
    to a temporary file, so a chatty git can never block on a full pipe.
    A non-zero exit is a :class:`GitError` raised after the last chunk;
    closing the iterator early stops git.
    """
    with tempfile.TemporaryFile() as stderr:
        try:
            proc = subprocess.Popen(
                _command(git_dir, *args),
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        except FileNotFoundError as exc:
            raise GitError(_NO_GIT) from exc
        stdout = proc.stdout
        assert isinstance(stdout, io.BufferedReader)
        _widen(stdout)
        try:
            while chunk := stdout.read1(STREAM_CHUNK):
                yield chunk
        finally:
            if proc.poll() is None:
                proc.kill()  # the reader stopped early (an error, or enough read)
            stdout.close()
            code = proc.wait()
        if code != 0:
            stderr.seek(0)
            raise _failed(git_dir, args, stderr.read().decode(errors="replace"), code)


def _widen(pipe: io.BufferedReader) -> None:
    """Let git write up to a chunk ahead of its reader, so that a reader that stops to
    store what it read finds git's next output waiting, not git stopped (Linux allows
    1 MiB; elsewhere, or when the system allows less, the pipe keeps its size)."""
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, STREAM_CHUNK)


class ObjectReader:
    """Objects of one repository by name (``<commit>:<path>``), through ``git cat-file --batch``.

    Use it as a context manager, so the git process ends with the reading.
    """

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        try:
            self.proc = subprocess.Popen(
                _command(git_dir, "cat-file", "--batch"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            raise GitError(_NO_GIT) from exc

    def read(self, name: str) -> bytes | None:
        """The object's bytes, or None when the repository has no such object."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(name.encode() + b"\n")
            stdin.flush()
        except BrokenPipeError as exc:
            raise GitError(f"{self.git_dir}: git cat-file stopped answering at {name}") from exc
        header = stdout.readline()
        if not header:
            raise GitError(f"{self.git_dir}: git cat-file stopped answering at {name}")
        fields = header.split()
        if len(fields) < 3 or fields[-1] == b"missing":
            return None
        size = int(fields[2])
        data = stdout.read(size)
        stdout.read(1)  # the newline after each object
        if len(data) != size:
            raise GitError(f"{self.git_dir}: short read of {name} from git cat-file")
        return data

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc.wait()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
