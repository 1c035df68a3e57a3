"""Where in a body each extractor's stems are, found in one pass.

Extractors look only at the lines that hold one of their *stems*, short
literals every form they parse contains ("first bad", ": error: ", "Call
Trace").  Finding stems is most of what extraction costs on long logs: a
``str.find`` per stem is a pass over the body each, some fifty passes in
all.  With Hyperscan installed (the optional extra ``regtrack[fast]``) every
registered stem is found in a single pass; without it, the default, each
stem is searched for with ``str.find``.  Both give the same answer, and the
tests compare them on every corpus message.

Stems are registered when the extractor modules are imported, with
:func:`register`; a body is scanned once, on the first question asked.
"""

from __future__ import annotations

import heapq
import importlib
import threading
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any, NamedTuple


def _load_hyperscan() -> ModuleType | None:
    """The optional ``hyperscan`` package (``pip install 'regtrack[fast]'``), if installed.

    No other module of regtrack imports it: a platform without a wheel
    (Linux aarch64 with Python 3.14, for one) runs everything on ``str.find``.
    """
    try:
        return importlib.import_module("hyperscan")
    except ImportError:
        return None


hyperscan = _load_hyperscan()

# A body with more hits than this (a log of a million "Error: " lines) is
# answered by str.find instead, which looks at one hit per line.
MAX_HITS = 100_000


class Stem(NamedTuple):
    """A literal to find; a caseless one matches in any case of ASCII letters."""

    text: str
    caseless: bool = False


_registered: dict[Stem, int] = {}  # stem -> its id in the database
# (database, stems by id, their lengths in bytes): compiled on first use,
# again when stems were added.
_database: tuple[Any, list[Stem], list[int]] | None = None
_compiling = threading.Lock()
_per_thread = threading.local()


def register(texts: Iterable[str], caseless: bool = False) -> tuple[Stem, ...]:
    """Add stems to the one-pass scan; returns them, for the module to keep."""
    global _database
    stems = tuple(Stem(text.lower() if caseless else text, caseless) for text in texts)
    for stem in stems:
        if not stem.text:
            raise ValueError("a stem must not be empty")
        if caseless and (not stem.text.isascii() or "?" in stem.text):
            raise ValueError(f"a caseless stem must be ASCII, without '?': {stem.text!r}")
        if stem not in _registered:
            _registered[stem] = len(_registered)
            _database = None
    return stems


def accelerated() -> bool:
    """True when stems are found with Hyperscan in one pass."""
    return hyperscan is not None


class StemHits:
    """The lines of one text that hold each registered stem."""

    def __init__(self, text: str, use_hyperscan: bool | None = None) -> None:
        self.text = text
        self._lines: dict[Stem, list[int]] | None = None
        # Hyperscan while it answers; None once str.find does (not installed,
        # not wanted, or too many hits).
        self._engine = None if use_hyperscan is False else hyperscan
        self._lowered: str | None = None

    @property
    def one_pass(self) -> bool:
        """True when this text's stems were found in the one Hyperscan pass."""
        return self._engine is not None and self._lines is not None

    def lines_with(self, stem: Stem) -> list[int]:
        """Start offsets of the lines holding ``stem``, in order, once each."""
        if stem in _registered and (table := self._scanned()) is not None:
            return table.get(stem, _NONE)
        if stem.caseless:
            return _lines_with(self.text, self._ascii_lowered(), stem.text)
        return _lines_with(self.text, self.text, stem.text)

    def lines_with_any(self, stems: tuple[Stem, ...]) -> Iterator[int]:
        """Start offsets of the lines holding any of ``stems``, in order, once each."""
        table = self._scanned()
        if table is not None:  # dictionary lookups: no call per stem (extractors ask for 60)
            found = [
                lines
                for stem in stems
                if (lines := table.get(stem) if stem in _registered else self.lines_with(stem))
            ]
        else:
            found = [lines for stem in stems if (lines := self.lines_with(stem))]
        if len(found) == 1:
            yield from found[0]
            return
        previous = -1
        for start in heapq.merge(*found):
            if start != previous:
                yield start
                previous = start

    def _scanned(self) -> dict[Stem, list[int]] | None:
        """Every registered stem's lines from the one Hyperscan pass (made on first use),
        or None where str.find answers (no Hyperscan, or too many hits)."""
        if self._engine is None:
            return None
        if self._lines is None:
            self._lines = _scan(self._engine, self.text)
            if self._lines is None:
                self._engine = None  # too many hits: str.find from here on
        return self._lines

    def contains(self, stem: Stem) -> bool:
        """Whether ``stem`` occurs anywhere in the text."""
        if stem in _registered and (table := self._scanned()) is not None:
            return stem in table
        if stem.caseless:
            return stem.text in self._ascii_lowered()
        return stem.text in self.text

    def _ascii_lowered(self) -> str:
        """The text with ASCII letters lowered, offsets unchanged, for caseless stems.

        Other characters become "?" first, one for one: ``str.lower`` would
        also lower letters such as the Kelvin sign to ASCII, which Hyperscan's
        caseless match does not.
        """
        if self._lowered is None:
            text = self.text
            if not text.isascii():
                text = text.encode("ascii", "replace").decode("ascii")
            self._lowered = text.lower()
        return self._lowered


_NONE: list[int] = []  # shared, never changed


def _lines_with(text: str, searched: str, needle: str) -> list[int]:
    """With str.find in ``searched`` (``text`` or a same-length copy): one hit per line."""
    starts = []
    position = searched.find(needle)
    while position >= 0:
        starts.append(text.rfind("\n", 0, position) + 1)
        end = text.find("\n", position)
        position = -1 if end < 0 else searched.find(needle, end)
    return starts


def _compiled(engine: ModuleType) -> tuple[Any, list[Stem], list[int]]:
    """The database of every registered stem, compiled once (again after a register)."""
    global _database
    if (compiled := _database) is not None:
        return compiled
    with _compiling:
        if _database is not None:
            return _database
        database = engine.Database(mode=engine.HS_MODE_BLOCK)
        stems = list(_registered)
        encoded = [stem.text.encode("utf-8", "surrogatepass") for stem in stems]
        database.compile(
            expressions=encoded,
            ids=list(range(len(stems))),
            elements=len(stems),
            flags=[engine.HS_FLAG_CASELESS if stem.caseless else 0 for stem in stems],
            literal=True,
        )
        lengths = [len(stem) for stem in encoded]
        _database = (database, stems, lengths)
        return _database


def _scratch(engine: ModuleType, database: Any) -> Any:
    """Hyperscan's scratch space for this thread: one may not serve two scans at once."""
    if getattr(_per_thread, "database", None) is not database:
        _per_thread.scratch = engine.Scratch(database)
        _per_thread.database = database
    return _per_thread.scratch


def _scan(engine: ModuleType, text: str) -> dict[Stem, list[int]] | None:
    """Line starts of every registered stem's hits, or None past MAX_HITS."""
    database, stems, lengths = _compiled(engine)
    data = text.encode("utf-8", "surrogatepass")
    hits: list[tuple[int, int]] = []  # (start byte, stem id)

    def on_match(stem_id: int, start: int, end: int, flags: int, context: object) -> bool:
        hits.append((end - lengths[stem_id], stem_id))
        return len(hits) > MAX_HITS  # True stops the scan

    try:
        database.scan(data, match_event_handler=on_match, scratch=_scratch(engine, database))
    except engine.error:  # stopped past MAX_HITS, or any failure: str.find answers
        return None
    if len(hits) > MAX_HITS:
        return None
    hits.sort()
    ascii_only = len(data) == len(text)
    lines: dict[Stem, list[int]] = {}
    chars = previous_byte = 0
    line_start, line_end = 0, -1  # the line of the previous hit
    for start_byte, stem_id in hits:
        if ascii_only:
            start = start_byte
        else:  # bytes to characters, one stretch at a time: linear over the body
            chars += len(data[previous_byte:start_byte].decode("utf-8", "surrogatepass"))
            previous_byte, start = start_byte, chars
        if start > line_end:  # a new line; hits on one line share a single lookup
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
        starts = lines.setdefault(stems[stem_id], [])
        if not starts or starts[-1] != line_start:
            starts.append(line_start)
    return lines
