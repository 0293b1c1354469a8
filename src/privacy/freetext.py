"""The free-text guard: warn (never block) when a reflection note or open answer looks as if it holds a client's
identifying details. Pure: text in, warnings out (Dutch, saying why)."""

from __future__ import annotations

import re

WHY = "Schrijf geen namen of andere herkenbare gegevens van cliënten op: ook hier gelden privacy en beroepsgeheim."

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?<!\d)(?:\+31[\s-]?|0031[\s-]?|0)(?:6[\s-]?\d{8}|\d{2}[\s-]?\d{7}|\d{3}[\s-]?\d{6})(?!\d)")
NINE_DIGITS = re.compile(r"(?<![\d.])(\d{3})[\s.]?(\d{2})[\s.]?(\d{2})[\s.]?(\d{2})(?![\d.])")
POSTCODE = re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b")
STREET = re.compile(
    r"\b[A-Z][a-z]+(?:straat|laan|weg|plein|kade|singel|dijk|gracht|hof|dreef|pad)\s+\d{1,4}[a-zA-Z]?\b"
)
BIRTH_DATE = re.compile(
    r"\b(?:geb(?:oren)?\.?|geboortedatum|°)\s*:?\s*\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)?\d{2}\b", re.IGNORECASE
)
NAME_WITH_DATE = re.compile(
    r"\b(?:meneer|mevrouw|dhr\.?|mevr\.?|cliënt|client)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?.{0,40}?"
    r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}\b",
    re.IGNORECASE | re.DOTALL,
)


def is_bsn(digits: str) -> bool:
    """The 11-proof of the burgerservicenummer: 9a + 8b + … + 2h - 1i is divisible by 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit() or int(digits) == 0:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def warnings(text: str) -> list[str]:
    """What in the text looks like a client's details, each with a short reason; empty when nothing does."""
    found = []
    if any(is_bsn("".join(m.groups())) for m in NINE_DIGITS.finditer(text)):
        found.append("Er staat een nummer in dat een BSN kan zijn.")
    if EMAIL.search(text):
        found.append("Er staat een e-mailadres in.")
    if PHONE.search(text):
        found.append("Er staat een telefoonnummer in.")
    if POSTCODE.search(text) or STREET.search(text):
        found.append("Er staat een adres of postcode in.")
    if BIRTH_DATE.search(text) or NAME_WITH_DATE.search(text):
        found.append("Er staat een naam of geboortedatum in.")
    return found
