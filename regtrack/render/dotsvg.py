"""Graphviz DOT drawn as SVG by ``dot``, many graphs per process.

Starting ``dot`` costs about 10 ms, drawing a small graph well under one:
one process per regression would spend most of a 10,000-regression report
starting processes, so :func:`draw` hands ``dot`` a whole batch of graphs
in one input (``dot`` draws every graph of its input, one SVG document
after another) and splits its output at each document's end.  Should a
batch fail, each of its graphs is drawn alone, so one bad graph costs only
its own picture.

The SVG is put inside an HTML page, so only the ``<svg>`` element is kept
(no XML prolog, DOCTYPE or comments; comments hold node names), and a
drawing that holds a script, an event handler or foreign content is
refused: ``dot`` escapes every label, so that would be a ``dot`` bug, and
the page says the graph could not be drawn rather than trusting it.
``dot`` is run without a shell, with a timeout.

A terminal's Ctrl-C must not reach ``dot``: its SIGINT handler renders from
inside the signal handler and can deadlock there (seen: a ``dot`` left asleep
on a futex for good after ``regtrack report`` was interrupted).  So ``dot``
runs in a session of its own, and whoever stops the run ends the ``dot``
processes it started with :func:`stop_all`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass

TIMEOUT = 60.0  # seconds for one batch; a few hundred small graphs take a fraction of one
_END = "</svg>"
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# dot names the graph element of its second and later graphs "page0,N_graph0": the same
# graph drawn alone or in another batch gets the same SVG once that is taken off.
_PAGE_ID = re.compile(r'id="page\d+,\d+_')
_TAG = re.compile(r"<[^>]*>")  # text holds no raw "<": dot writes it as &lt;
_UNSAFE = re.compile(
    r"^<\s*/?\s*(script|foreignobject|iframe|object|embed|use)\b|\son\w+\s*=|javascript:", re.I
)


@dataclass(frozen=True, slots=True)
class Drawing:
    """One graph's SVG (an ``<svg>`` element), or why there is none."""

    svg: str | None
    problem: str | None = None


def dot_program() -> str | None:
    """The path of Graphviz's ``dot``, None when it is not on PATH."""
    return shutil.which("dot")


def draw(
    dots: Sequence[str],
    program: str,
    timeout: float = TIMEOUT,
    stop: threading.Event | None = None,
) -> list[Drawing]:
    """Each DOT text of ``dots`` as SVG, in order, from one ``dot`` run when it can.
    ``stop``, once set, ends the drawing of a failed batch graph by graph (the run that
    wanted the drawings is over)."""
    if not dots:
        return []
    documents = _run(program, "".join(dots), timeout)
    if isinstance(documents, list) and len(documents) == len(dots):
        return [_drawing(document) for document in documents]
    if isinstance(documents, list):
        documents = _Failed(f"dot drew {len(documents)} of {len(dots)} graphs", each=True)
    if len(dots) == 1 or not documents.each:
        return [Drawing(None, documents.problem) for _ in dots]
    drawings: list[Drawing] = []
    for dot in dots:
        if stop is not None and stop.is_set():
            return drawings + [Drawing(None, "not drawn: the run was stopped")] * (
                len(dots) - len(drawings)
            )
        drawings += draw([dot], program, timeout)
    return drawings


@dataclass(frozen=True, slots=True)
class _Failed:
    """Why a ``dot`` run drew nothing; ``each``: whether drawing each graph alone may
    help (dot refused one graph), which it does not after a timeout, a signal (a
    Ctrl-C reaches dot too) or a dot that cannot be run."""

    problem: str
    each: bool = False


# The dot processes running now (a report draws from threads), for stop_all.
_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()


def stop_all() -> None:
    """End every ``dot`` this process is running (the run that wanted them is over)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """End ``dot`` and anything it started: it leads a process group of its own."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.killpg(proc.pid, signal.SIGKILL)


def _run(program: str, text: str, timeout: float) -> list[str] | _Failed:
    """The SVG documents ``dot`` writes for ``text``, or what went wrong."""
    try:
        proc = subprocess.Popen(
            [program, "-Tsvg"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        return _Failed(f"dot could not be run ({exc.strerror})")
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        stdout, stderr = proc.communicate(text.encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        return _Failed(f"dot took longer than {timeout:g} s")
    except BaseException:
        _kill(proc)
        proc.wait()
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    if proc.returncode < 0:
        return _Failed(f"dot was ended by signal {-proc.returncode}")
    if proc.returncode != 0:
        last = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return _Failed(f"dot failed (exit {proc.returncode}: {last[0]})", each=True)
    output = stdout.decode(errors="replace")
    return [part + _END for part in output.split(_END)[:-1]]


def end_with_the_process() -> None:
    """In a worker process that is ended by SIGTERM (a pool's terminate): end its ``dot``
    processes first, which are in sessions of their own and would outlive it."""

    def ended(signum: int, _frame: object) -> None:
        stop_all()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, ended)


def _drawing(document: str) -> Drawing:
    start = document.find("<svg")
    if start < 0:
        return Drawing(None, "dot wrote no SVG element")
    svg = _PAGE_ID.sub('id="', _COMMENT.sub("", document[start:]))
    if any(_UNSAFE.search(tag) for tag in _TAG.findall(svg)):
        return Drawing(None, "dot's SVG held active content; not shown")
    return Drawing(svg)
