"""Tests for scoring: hand-computed item, scale and response scores, including reverse keys and the 80% rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import AnswerOutOfRange, UnknownItem
from monitor.questionnaire.instrument import Instrument, load_instrument
from monitor.questionnaire.scoring import scale_score, score_item, score_response

REAL_FILE = Path(__file__).resolve().parents[2] / "content" / "questionnaires" / "netwerkactivering.yaml"


@pytest.fixture(scope="module")
def real() -> Instrument:
    return load_instrument(REAL_FILE)


def answers_for(instrument: Instrument, scale_id: str, *values: int | str | None) -> dict[str, int | str | None]:
    items = instrument.scale_items(scale_id)
    assert len(values) == len(items)
    return {item.id: value for item, value in zip(items, values, strict=True)}


# --- score_item --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(1, 5.0), (2, 4.0), (3, 3.0), (4, 2.0), (5, 1.0)])
def test_reverse_keyed_item_scores_six_minus_the_answer(value: int, expected: float) -> None:
    assert score_item(value, reverse=True) == expected


def test_plain_item_scores_the_answer() -> None:
    assert score_item(2, reverse=False) == 2.0


def test_reverse_keying_generalises_to_low_plus_high_minus_the_answer() -> None:
    assert score_item(0, reverse=True, low=0, high=10) == 10.0
    assert score_item(7, reverse=True, low=1, high=7) == 1.0


@pytest.mark.parametrize("value", ["weet_niet", "nvt", None])
def test_missing_codes_and_none_score_as_missing_not_as_a_midpoint(value: str | None) -> None:
    assert score_item(value, reverse=False) is None
    assert score_item(value, reverse=True) is None


@pytest.mark.parametrize("value", [0, 6, -1, True, 3.0, 2.5])
def test_values_off_the_scale_raise(value: object) -> None:
    with pytest.raises(AnswerOutOfRange):
        score_item(value, reverse=False)  # type: ignore[arg-type]


# --- scale_score: the 80% rule -----------------------------------------------------------------------------------


def test_scale_score_is_the_mean_of_recoded_items() -> None:
    # 4, (6 - 2) = 4, 5 -> 13 / 3
    assert scale_score([4, 2, 5], [False, True, False], 0.5) == pytest.approx(13 / 3)


def test_seven_item_scale_with_one_missing_is_scored() -> None:
    # 6/7 = .857 answered: mean of 3, 4, 5, 3, 4, 5 = 24 / 6 = 4
    assert scale_score([3, 4, 5, None, 3, 4, 5], [False] * 7) == pytest.approx(4.0)


def test_seven_item_scale_with_two_missing_is_not_scored() -> None:
    assert scale_score([3, 4, 5, None, "nvt", 4, 5], [False] * 7) is None


def test_six_item_scale_with_one_missing_is_scored() -> None:
    # 5/6 = .833 answered: 1, 2, 3, 4, 5 -> 3
    assert scale_score([1, 2, 3, 4, 5, "weet_niet"], [False] * 6) == pytest.approx(3.0)


def test_six_item_scale_with_two_missing_is_not_scored() -> None:
    assert scale_score([1, 2, 3, 4, None, None], [False] * 6) is None


def test_five_item_scale_with_one_missing_is_scored_at_exactly_eighty_percent() -> None:
    assert scale_score([2, 2, 4, 4, None], [False] * 5) == pytest.approx(3.0)
    assert scale_score([2] * 8 + [None, None], [False] * 10) == pytest.approx(2.0)


def test_all_missing_is_not_scored() -> None:
    assert scale_score([None, "nvt", None], [False] * 3) is None
    assert scale_score([None] * 3, [False] * 3, 0.1) is None
    assert scale_score([], []) is None


def test_scale_score_rejects_mismatched_flags_and_fractions() -> None:
    with pytest.raises(ValueError):
        scale_score([1, 2], [False])
    with pytest.raises(ValueError):
        scale_score([1, 2], [False, False], 0)
    with pytest.raises(ValueError):
        scale_score([1, 2], [False, False], 1.5)


# --- score_response on the real instrument -----------------------------------------------------------------------


def test_att3_answered_two_counts_as_four(real: Instrument) -> None:
    # ATT1..ATT6 = 4, 4, 2 (R -> 4), 4, 4 (R -> 2), 4: (4 + 4 + 4 + 4 + 2 + 4) / 6 = 22 / 6
    answers = answers_for(real, "ATT", 4, 4, 2, 4, 4, 4)
    assert score_response(real, answers)["ATT"] == pytest.approx(22 / 6)


def test_weet_ik_niet_on_fac_counts_as_missing_not_three(real: Instrument) -> None:
    # FAC1..FAC6 = 5, 5, weet ik niet, 5, 1 (R -> 5), 5: all five answered items score 5, so the mean is 5.
    # Had "weet ik niet" counted as 3 the mean would be 28 / 6.
    answers = answers_for(real, "FAC", 5, 5, "weet_niet", 5, 1, 5)
    assert score_response(real, answers)["FAC"] == pytest.approx(5.0)


def test_nvt_on_vaa_counts_as_missing_and_two_of_them_drop_the_scale(real: Instrument) -> None:
    assert score_response(real, answers_for(real, "VAA", 2, 2, 4, 4, "nvt", 3, 3))["VAA"] == pytest.approx(3.0)
    assert score_response(real, answers_for(real, "VAA", 2, 2, 4, 4, "nvt", "nvt", 3))["VAA"] is None


def test_full_response_scores_every_scale(real: Instrument) -> None:
    answers: dict[str, int | str | None] = {}
    answers |= answers_for(real, "KEN", 1, 2, 3, 4, 5, 3)  # 18 / 6 = 3
    answers |= answers_for(real, "VAA", 5, 5, 5, 5, 5, 5, None)  # 6/7 answered -> 5
    answers |= answers_for(real, "ATT", 5, 5, 1, 5, 1, 5)  # R: 1 -> 5, 1 -> 5 -> 5
    answers |= answers_for(real, "ZEL", 2, 2, 2, 2, 2, 2, 3)  # 15 / 7
    answers |= answers_for(real, "FAC", 4, 4, 4, 4, 5, None)  # 5 answered of 6, R: 5 -> 1 -> 17 / 5
    answers |= {"O1": "Een boze broer benaderen.", "functie": "anders"}  # not scored, ignored
    assert score_response(real, answers) == pytest.approx(
        {"KEN": 3.0, "VAA": 5.0, "ATT": 5.0, "ZEL": 15 / 7, "FAC": 17 / 5}
    )


def test_empty_response_scores_every_scale_as_missing(real: Instrument) -> None:
    assert score_response(real, {}) == {"KEN": None, "VAA": None, "ATT": None, "ZEL": None, "FAC": None}


def test_then_test_scores_only_the_then_test_scale(real: Instrument) -> None:
    retrospective = answers_for(real, "ZEL", 1, 2, 2, 2, 2, 2, None)  # 11 / 6
    assert score_response(real, retrospective, then_test=True) == pytest.approx({"ZEL": 11 / 6})


def test_then_test_rejects_answers_to_items_without_then_test(real: Instrument) -> None:
    with pytest.raises(UnknownItem) as caught:
        score_response(real, {"KEN1": 3}, then_test=True)
    assert caught.value.field == "KEN1"


def test_score_response_rejects_values_outside_the_items_format(real: Instrument) -> None:
    with pytest.raises(AnswerOutOfRange) as caught:
        score_response(real, {"KEN1": 6})
    assert caught.value.field == "KEN1"
    with pytest.raises(AnswerOutOfRange):
        score_response(real, {"KEN1": "weet_niet"})  # KEN offers no "weet ik niet"
    with pytest.raises(AnswerOutOfRange):
        score_response(real, {"FAC1": "nvt"})  # FAC's missing option is weet_niet


def test_score_response_rejects_unknown_items(real: Instrument) -> None:
    with pytest.raises(UnknownItem):
        score_response(real, {"KEN7": 3})


def test_score_response_at_a_moment_uses_the_items_asked_then(tmp_path: Path) -> None:
    text = REAL_FILE.read_text(encoding="utf-8").replace(
        "    text: Ik weet wat er in een signalerings- of crisisplan hoort te staan.\n    moments: [T0, T1, T2]",
        "    text: Ik weet wat er in een signalerings- of crisisplan hoort te staan.\n    moments: [T0, T1]",
    )
    path = tmp_path / "netwerkactivering.yaml"
    path.write_text(text, encoding="utf-8")
    instrument = load_instrument(path)
    answers = answers_for(instrument, "KEN", 4, 4, 4, None, 4, None)
    # At T2 KEN4 is not asked: 4 of 5 items answered (80%) -> scored; over all six items 4/6 -> not scored.
    assert score_response(instrument, answers, moment="T2")["KEN"] == pytest.approx(4.0)
    assert score_response(instrument, answers)["KEN"] is None
