"""The shapes of line every command shares: errors, warnings, counts, senders."""

from __future__ import annotations

PROG = "regtrack"


def error_line(error: BaseException | str) -> str:
    """The one line an error is shown as (README, "Exit codes and errors")."""
    return f"{PROG}: error: {error}"


def warning_line(warning: str) -> str:
    return f"{PROG}: warning: {warning}"


def count(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` with the noun in the form it needs: "1 message", "2 messages"."""
    noun = singular if number == 1 else (plural or f"{singular}s")
    return f"{number} {noun}"


def sender(name: str | None, address: str | None) -> str:
    """Who sent a message: the display name, else the address, else a placeholder.

    Mail with a bare address (``From: x@y``) or no usable From: at all
    exists in real archives; an empty sender would print as ": subject".
    """
    return name or address or "(unknown sender)"
