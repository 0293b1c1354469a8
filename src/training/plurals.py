"""Dutch singular or plural after a count: "1 regel", "2 regels", "0 regels"."""

from __future__ import annotations


def plural(n: int, one: str, many: str, *, with_number: bool = True) -> str:
    """``plural(1, "regel", "regels")`` is "1 regel"; any other count takes the plural ("0 regels", "3 regels").

    ``one`` and ``many`` may be several words, so the verb agrees too: ``plural(2, "deelnemer heeft",
    "deelnemers hebben")``."""
    word = one if n == 1 else many
    return f"{n} {word}" if with_number else word
