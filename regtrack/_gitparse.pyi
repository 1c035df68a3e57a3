from collections.abc import Callable
from typing import Any

def parse(
    data: bytes | memoryview,
    start: int,
    count: int,
    index: int,
    commits: list[Any],
    refs: list[Any],
    fallback: Callable[[str], tuple[str, list[tuple[str, str, str | None]]]],
    named_msgid: Callable[[str], str | None],
    /,
) -> int: ...
