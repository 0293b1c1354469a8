"""The free-text guard warns about BSNs (11-proof), e-mail, phone, address, a name with a date of birth."""

from __future__ import annotations

import pytest

from privacy.freetext import is_bsn, warnings


def test_the_eleven_proof():
    assert is_bsn("111222333")
    assert not is_bsn("111222334")
    assert not is_bsn("000000000")


@pytest.mark.parametrize(
    "text,word",
    [
        ("Haar BSN is 111 22 2333, dat moet ik nog checken.", "BSN"),
        ("Mail hem op jan.jansen@example.nl als het kan.", "e-mailadres"),
        ("Bel 06-12345678 na vijven.", "telefoonnummer"),
        ("Hij slaapt bij zijn zus op de Kruisstraat 12 in 3012 AB.", "adres"),
        ("Meneer Jansen, geboren 12-03-1978, zei dat het goed ging.", "geboortedatum"),
    ],
)
def test_identifying_details_are_flagged_with_a_reason(text, word):
    assert any(word in w for w in warnings(text))


def test_ordinary_reflection_is_not_flagged():
    text = "In het gesprek merkte ik dat ik te snel zelf oplossingen gaf. Volgende keer vraag ik eerst door (3 tips)."
    assert warnings(text) == []
    assert warnings("Het kostte me 123456789 seconden") == []  # nine digits that fail the 11-proof
