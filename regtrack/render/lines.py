"""The shapes of line every command shares: errors, warnings, counts, senders."""

from __future__ import annotations

import re

PROG = "regtrack"
# C0 controls but tab and newline, DEL, and C1 controls: ESC opens terminal
# escape sequences (clear the screen, set the window title, hyperlinks), and
# C1 0x9b and 0x9d open them on their own.  Unicode's bidirectional
# overrides and isolates reorder what follows them on screen (a subject can
# show text other than it holds), so they are shown as escapes too.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b`` and the like.

    Subjects, senders, message-ids and bodies come from mail, and anyone can
    send mail: printed raw, an escape sequence in a subject would drive the
    reader's terminal.  JSON output needs no such care (``json.dumps``
    escapes control characters itself).
    """
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
