"""The one rule for characters the platform refuses in text people enter: control characters (NUL and friends)."""

from __future__ import annotations

import re

# C0 and C1 control characters except tab, line feed and carriage return (multi-line text keeps its line breaks),
# and lone surrogates (they cannot be encoded as UTF-8). PostgreSQL refuses NUL in text; the others are never typed
# on purpose and can hide text in exports and logs.
INVALID_CHARACTER_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Callers complete the sentence: "De invoer bevat een ongeldig teken (een stuurteken)."
INVALID_CHARACTER = "bevat een ongeldig teken (een stuurteken)"


def has_invalid_character(text: str) -> bool:
    return INVALID_CHARACTER_RE.search(text) is not None


def first_invalid_line(text: str) -> int | None:
    """The 1-based line number of the first invalid character, or None."""
    match = INVALID_CHARACTER_RE.search(text)
    return None if match is None else text.count("\n", 0, match.start()) + 1
