"""Tests for the instrument format: the real questionnaire, every validation problem with its line, versions."""

from __future__ import annotations

import hashlib
import json
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import UnknownItem, UnknownScale
from monitor.questionnaire.instrument import (
    Instrument,
    canonical_json,
    load_instrument,
    load_instruments,
    parse_instrument,
)
from training.errors import ContentInvalid

REPO = Path(__file__).resolve().parents[2]
REAL_FILE = REPO / "content" / "questionnaires" / "netwerkactivering.yaml"

MINIMAL = """\
id: mini
title: Mini
status: concept
instruction: Beantwoord de vragen.
then_test_labels:
  now: Nu
  retrospective: Vooraf
answer_formats:
  - id: agree
    min: 1
    max: 5
    labels: {1: a, 2: b, 3: c, 4: d, 5: e}
    missing:
      - code: weet_niet
        label: weet ik niet
scales:
  - id: S
    title: Schaal
    format: agree
    then_test: true
  - id: P
    title: Plain
    format: agree
items:
  - id: S1
    scale: S
    text: Eerste vraag
    moments: [T0, T1]
    then_test: true
  - id: P1
    scale: P
    text: Tweede vraag
    reverse: true
    moments: [T0, T1]
open_questions:
  - id: O1
    text: Open vraag
    moments: [T1]
"""


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line that contains ``fragment``."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return hits[occurrence - 1]


def problems_of(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(ContentInvalid) as caught:
        parse_instrument(text, path="mini.yaml")
    assert all(problem.path == "mini.yaml" for problem in caught.value.problems)
    return [(problem.line, problem.message) for problem in caught.value.problems]


def assert_problem(text: str, line: int, *fragments: str) -> None:
    problems = problems_of(text)
    matching = [(ln, msg) for ln, msg in problems if ln == line and all(f in msg for f in fragments)]
    assert matching, f"no problem on line {line} containing {fragments}; got {problems}"


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


@pytest.fixture(scope="module")
def real() -> Instrument:
    return load_instrument(REAL_FILE)


# --- the real questionnaire --------------------------------------------------------------------------------------


def test_real_instrument_has_32_items_in_5_scales(real: Instrument) -> None:
    assert real.id == "netwerkactivering"
    assert real.status == "concept" and real.status_note
    assert len(real.items) == 32
    assert [scale.id for scale in real.scales] == ["KEN", "VAA", "ATT", "ZEL", "FAC"]
    assert {scale.id: len(real.scale_items(scale.id)) for scale in real.scales} == {
        "KEN": 6,
        "VAA": 7,
        "ATT": 6,
        "ZEL": 7,
        "FAC": 6,
    }


def test_real_instrument_keys_exactly_att3_att5_fac5_in_reverse(real: Instrument) -> None:
    assert [item.id for item in real.items if item.reverse] == ["ATT3", "ATT5", "FAC5"]


def test_real_instrument_asks_the_seven_zel_items_as_then_test(real: Instrument) -> None:
    assert [item.id for item in real.then_test_items()] == [f"ZEL{n}" for n in range(1, 8)]
    assert [scale.id for scale in real.scales if scale.then_test] == ["ZEL"]
    assert real.then_test_labels is not None
    assert real.then_test_labels.retrospective == "Terugkijkend: vóór de training"


def test_real_instrument_answer_formats_follow_the_draft(real: Instrument) -> None:
    formats = {scale.id: real.format_of(scale) for scale in real.scales}
    assert {scale_id: fmt.id for scale_id, fmt in formats.items()} == {
        "KEN": "agreement",
        "VAA": "frequency",
        "ATT": "agreement",
        "ZEL": "confidence",
        "FAC": "agreement_dk",
    }
    assert formats["KEN"].labels[1] == "helemaal mee oneens" and formats["KEN"].labels[5] == "helemaal mee eens"
    assert formats["KEN"].missing == ()
    assert [c.label for c in formats["FAC"].missing] == ["weet ik niet"]
    assert [c.label for c in formats["VAA"].missing] == ["n.v.t. – geen inwoners voor wie dit relevant was"]
    assert formats["VAA"].stem == "In de afgelopen 3 maanden, bij inwoners voor wie dit relevant was, heb ik…"
    assert formats["ZEL"].stem == "Hoe zeker bent u ervan dat u…"
    assert formats["ZEL"].labels == {
        1: "helemaal niet zeker",
        2: "niet zo zeker",
        3: "enigszins zeker",
        4: "behoorlijk zeker",
        5: "helemaal zeker",
    }


def test_real_instrument_keeps_the_draft_wording(real: Instrument) -> None:
    assert real.item("ATT5").text == (
        "Als een inwoner zegt dat hij niemand heeft, heeft doorvragen naar zijn netwerk weinig zin."
    )
    assert real.item("VAA7").text == "doelen vastgelegd in de woorden van de inwoner zelf."
    assert real.instruction.startswith("Deze vragenlijst gaat over uw kennis, werkwijze en ervaringen")
    assert real.instruction.endswith("Vermeld nooit namen of herleidbare gegevens van inwoners.")


def test_real_instrument_moments_of_items_open_and_background_questions(real: Instrument) -> None:
    assert all(item.moments == ("T0", "T1", "T2") for item in real.items)
    assert [q.id for q in real.open_questions_for("T0")] == ["O1", "O2"]
    assert [q.id for q in real.open_questions_for("T2")] == ["O3"]
    assert [q.id for q in real.background_for("T0")] == ["functie", "ervaring", "eerdere_training"]
    assert real.background_for("T1") == []
    assert len(real.items_for("T1")) == 32
    functie = real.background[0]
    assert functie.choices[-1].code == "anders"
    assert [c.label for c in real.background[1].choices] == [
        "minder dan 2 jaar",
        "2–5 jaar",
        "5–10 jaar",
        "meer dan 10 jaar",
    ]


def test_is_valid_value_accepts_the_range_and_the_formats_own_missing_codes(real: Instrument) -> None:
    assert real.is_valid_value("KEN1", 1) and real.is_valid_value("KEN1", 5)
    assert not real.is_valid_value("KEN1", 0) and not real.is_valid_value("KEN1", 6)
    assert not real.is_valid_value("KEN1", "weet_niet")  # KEN has no "weet ik niet"
    assert real.is_valid_value(real.item("FAC2"), "weet_niet")
    assert real.is_valid_value("VAA1", "nvt") and not real.is_valid_value("VAA1", "weet_niet")
    assert not real.is_valid_value("KEN1", True)
    assert not real.is_valid_value("KEN1", 3.0)
    assert not real.is_valid_value("KEN1", None)


def test_lookups_of_unknown_ids_raise_domain_errors(real: Instrument) -> None:
    with pytest.raises(UnknownItem):
        real.item("KEN99")
    with pytest.raises(UnknownScale):
        real.scale_items("XYZ")


def test_load_instruments_reads_the_content_directory() -> None:
    assert [instrument.id for instrument in load_instruments(REAL_FILE.parent)] == ["netwerkactivering"]


# --- validation problems, each with its line ---------------------------------------------------------------------


def test_minimal_instrument_is_valid() -> None:
    instrument = parse_instrument(MINIMAL, path="mini.yaml")
    assert [item.id for item in instrument.items] == ["S1", "P1"]


def test_bad_yaml_is_reported_with_its_line() -> None:
    text = edit(MINIMAL, "    title: Plain\n", "    title: [Plain\n")
    problems = problems_of(text)
    assert len(problems) == 1 and problems[0][1].startswith("invalid YAML")
    assert problems[0][0] is not None and problems[0][0] >= line_of(text, "title: [Plain")


def test_empty_file_is_a_problem() -> None:
    assert problems_of("# only a comment\n") == [(1, "the file is empty")]


def test_a_document_that_is_not_a_mapping_is_a_problem() -> None:
    assert problems_of("- a\n- b\n")[0][0] == 1


def test_missing_field_is_reported_on_its_element() -> None:
    text = edit(MINIMAL, "    text: Tweede vraag\n", "")
    assert_problem(text, line_of(text, "- id: P1"), 'items[1] ("P1")', "missing field 'text'")


def test_unknown_field_is_reported_on_its_line() -> None:
    text = edit(MINIMAL, "    reverse: true\n", "    reverse: true\n    revers: true\n")
    assert_problem(
        text, line_of(text, "revers:"), 'items[1] ("P1")', "unknown field 'revers' (did you mean 'reverse'?)"
    )


def test_unknown_top_level_field_is_reported() -> None:
    text = MINIMAL + "versie: 2\n"
    assert_problem(text, line_of(text, "versie:"), "unknown field 'versie'")


def test_item_pointing_to_an_unknown_scale() -> None:
    text = edit(MINIMAL, "    scale: P\n", "    scale: Q\n")
    assert_problem(text, line_of(text, "scale: Q"), "unknown scale 'Q'")


def test_scale_pointing_to_an_unknown_answer_format() -> None:
    text = edit(MINIMAL, "    title: Plain\n    format: agree\n", "    title: Plain\n    format: agre\n")
    assert_problem(text, line_of(text, "format: agre", 2), "unknown answer format 'agre'")


def test_duplicate_item_id_is_reported_on_the_second() -> None:
    text = edit(MINIMAL, "  - id: P1\n", "  - id: S1\n")
    problems = problems_of(text)
    assert problems == [(line_of(text, "- id: S1", 2), "items[1] (\"S1\").id: duplicate id 'S1'")]


def test_question_ids_are_unique_across_items_and_open_questions() -> None:
    text = edit(MINIMAL, "  - id: O1\n", "  - id: P1\n")
    assert_problem(text, line_of(text, "- id: P1", 2), 'open_questions[0] ("P1").id', "duplicate id 'P1'")


def test_duplicate_scale_id() -> None:
    text = edit(MINIMAL, "  - id: P\n", "  - id: S\n")
    assert_problem(text, line_of(text, "- id: S", 2), 'scales[1] ("S").id', "duplicate id 'S'")


def test_unknown_moment_is_reported_on_its_line() -> None:
    text = edit(MINIMAL, "    moments: [T0, T1]\n    then_test", "    moments:\n      - T0\n      - T3\n    then_test")
    assert_problem(text, line_of(text, "- T3"), 'items[0] ("S1").moments[1]', "'T0', 'T1' or 'T2'")


def test_a_moment_listed_twice_is_a_problem() -> None:
    text = edit(MINIMAL, "    moments: [T1]\n", "    moments: [T1, T1]\n")
    assert_problem(text, line_of(text, "[T1, T1]"), 'open_questions[0] ("O1").moments', "twice")


def test_then_test_item_on_a_scale_that_is_not_then_test_capable() -> None:
    text = edit(MINIMAL, "    reverse: true\n", "    reverse: true\n    then_test: true\n")
    line = line_of(text, "then_test: true", 3)
    assert_problem(text, line, 'items[1] ("P1").then_test', "scale 'P' is not then-test capable")


def test_then_test_item_must_be_asked_at_t1() -> None:
    text = edit(MINIMAL, "    moments: [T0, T1]\n    then_test", "    moments: [T0]\n    then_test")
    assert_problem(text, line_of(text, "moments: [T0]"), 'items[0] ("S1").moments', "must be asked at T1")


def test_then_test_items_need_the_column_labels() -> None:
    text = edit(MINIMAL, "then_test_labels:\n  now: Nu\n  retrospective: Vooraf\n", "")
    assert_problem(text, line_of(text, "then_test: true", 2), "then_test_labels")


def test_scale_without_items() -> None:
    text = MINIMAL.replace("  - id: P\n", "  - id: Z\n    title: Leeg\n    format: agree\n  - id: P\n")
    assert_problem(text, line_of(text, "- id: Z"), 'scales[1] ("Z").id', "scale 'Z' has no items")


def test_answer_format_with_min_not_below_max() -> None:
    text = edit(MINIMAL, "    max: 5\n", "    max: 1\n")
    assert_problem(text, line_of(text, "max: 1"), 'answer_formats[0] ("agree").max', "greater than min")


def test_answer_format_labels_must_cover_min_to_max() -> None:
    text = edit(MINIMAL, "{1: a, 2: b, 3: c, 4: d, 5: e}", "{1: a, 2: b, 4: d, 5: e}")
    assert_problem(text, line_of(text, "    labels:"), 'answer_formats[0] ("agree").labels', "missing: 3")
    text = edit(MINIMAL, "{1: a, 2: b, 3: c, 4: d, 5: e}", "{1: a, 2: b, 3: c, 4: d, 5: e, 6: f}")
    assert_problem(text, line_of(text, "    labels:"), 'answer_formats[0] ("agree").labels', "outside 1..5: 6")


def test_duplicate_missing_codes_in_a_format() -> None:
    again = "      - code: weet_niet\n        label: x\n"
    text = edit(MINIMAL, "        label: weet ik niet\n", "        label: weet ik niet\n" + again)
    # A problem with a whole list is reported where the list starts.
    assert_problem(text, line_of(text, "- code: weet_niet"), 'answer_formats[0] ("agree").missing', "duplicate code")


def test_duplicate_yaml_key_is_reported_on_the_second() -> None:
    text = edit(MINIMAL, "    text: Tweede vraag\n", "    text: Tweede vraag\n    text: Andere vraag\n")
    assert_problem(text, line_of(text, "text: Andere vraag"), "duplicate key 'text'")


def test_a_broken_item_does_not_hide_the_problems_of_the_others() -> None:
    text = edit(MINIMAL, "    text: Eerste vraag\n", "")
    text = edit(text, "    scale: P\n", "    scale: Q\n")
    text = edit(text, "    max: 5\n", "    max: 0\n")
    problems = problems_of(text)
    assert (line_of(text, "- id: S1"), "items[0] (\"S1\"): missing field 'text'") in problems
    assert (line_of(text, "scale: Q"), "items[1] (\"P1\").scale: unknown scale 'Q'") in problems
    assert any(line == line_of(text, "max: 0") for line, _ in problems)
    # The broken item S1 still counts as a user of scale S: no false "scale has no items".
    assert not any("scale 'S' has no items" in message for _, message in problems)


def test_two_files_with_the_same_instrument_id_are_reported_in_the_later_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# kopie\n" + MINIMAL, encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        load_instruments(tmp_path)
    assert [(Path(p.path).name, p.line, p.message) for p in caught.value.problems] == [
        ("b.yaml", 2, "id 'mini' is also used by a.yaml"),
    ]


def test_load_instruments_skips_drafts_starting_with_an_underscore(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "_concept.yaml").write_text("id: [\n", encoding="utf-8")
    assert [instrument.id for instrument in load_instruments(tmp_path)] == ["mini"]


def test_load_instruments_reports_the_problems_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(edit(MINIMAL, "    scale: P\n", "    scale: Q\n"), encoding="utf-8")
    (tmp_path / "kapot.yaml").write_text("id: [\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an instrument", encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        load_instruments(tmp_path)
    assert sorted({Path(p.path).name for p in caught.value.problems}) == ["kapot.yaml", "mini.yaml"]


def test_unreadable_file_is_a_content_problem(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_bytes(b"id: \xff\xfe\n")
    with pytest.raises(ContentInvalid):
        load_instrument(path)
    with pytest.raises(ContentInvalid):
        load_instrument(tmp_path / "missing.yaml")


# --- versions and snapshots --------------------------------------------------------------------------------------


def test_version_hash_is_sha256_of_the_canonical_snapshot_without_title_and_status() -> None:
    instrument = parse_instrument(MINIMAL, path="mini.yaml")
    meaning = {k: v for k, v in instrument.snapshot().items() if k not in {"title", "status", "status_note"}}
    expected = hashlib.sha256(canonical_json(meaning).encode("utf-8")).hexdigest()
    assert instrument.version_hash == expected
    # Pinned: if this changes, the canonical form changed and every stored version would look new. Decide
    # deliberately (and migrate stored hashes) before updating it.
    assert instrument.version_hash == "9727a4dbd989dd274b8856c688b5d0f8adec8ed9394592e1bad0876418cad9e9"


def test_version_hash_ignores_key_order_comments_and_line_wrapping() -> None:
    base = parse_instrument(MINIMAL, path="mini.yaml")
    reordered = edit(MINIMAL, "id: mini\ntitle: Mini\n", "# a comment\ntitle: Mini   # trailing comment\nid: mini\n")
    wrapped = "    reverse: true\n    text: >-\n      Tweede\n      vraag\n"
    reordered = edit(reordered, "    text: Tweede vraag\n    reverse: true\n", wrapped)
    reordered = edit(reordered, "{1: a, 2: b, 3: c, 4: d, 5: e}", "{5: e, 4: d, 3: c, 2: b, 1: a}")
    reordered = edit(reordered, "    moments: [T1]\n", "    moments: [T1]\n    # why only T1\n")
    assert parse_instrument(reordered, path="mini.yaml").version_hash == base.version_hash


def test_version_hash_ignores_defaults_written_out_and_moment_order() -> None:
    base = parse_instrument(MINIMAL, path="mini.yaml")
    explicit = edit(MINIMAL, "    text: Eerste vraag\n", "    text: Eerste vraag\n    reverse: false\n")
    explicit = edit(explicit, "    moments: [T0, T1]\n    then_test", "    moments: [T1, T0]\n    then_test")
    assert parse_instrument(explicit, path="mini.yaml").version_hash == base.version_hash


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("text: Tweede vraag", "text: Tweede vraag, anders gezegd"),
        ("    reverse: true\n", ""),
        ("labels: {1: a,", "labels: {1: aa,"),
        ("    moments: [T1]\n", "    moments: [T1, T2]\n"),
        ("instruction: Beantwoord de vragen.", "instruction: Beantwoord alle vragen."),
        ("    title: Plain\n", "    title: Gewoon\n"),
    ],
)
def test_version_hash_changes_with_meaning(old: str, new: str) -> None:
    base = parse_instrument(MINIMAL, path="mini.yaml")
    assert parse_instrument(edit(MINIMAL, old, new), path="mini.yaml").version_hash != base.version_hash


def test_version_hash_ignores_title_and_status() -> None:
    base = parse_instrument(MINIMAL, path="mini.yaml")
    new_status = "title: Mini-lijst\nstatus: gevalideerd\nstatus_note: Klaar.\n"
    changed = edit(MINIMAL, "title: Mini\nstatus: concept\n", new_status)
    assert parse_instrument(changed, path="mini.yaml").version_hash == base.version_hash


def test_real_instrument_version_changes_when_an_item_is_reworded(real: Instrument) -> None:
    text = REAL_FILE.read_text(encoding="utf-8")
    reworded = edit(text, "weinig zin.", "geen zin.")
    assert parse_instrument(reworded, path=str(REAL_FILE)).version_hash != real.version_hash
    assert len(real.version_hash) == 64 and set(real.version_hash) <= set(string.hexdigits.lower())


def test_snapshot_round_trips_through_json(real: Instrument) -> None:
    stored = json.loads(json.dumps(real.snapshot()))
    rebuilt = Instrument.from_snapshot(stored)
    assert rebuilt == real
    assert rebuilt.version_hash == real.version_hash
    assert rebuilt.snapshot() == stored


def test_a_broken_snapshot_raises_content_invalid(real: Instrument) -> None:
    stored = real.snapshot()
    stored["items"][0]["scale"] = "NOPE"
    with pytest.raises(ContentInvalid) as caught:
        Instrument.from_snapshot(stored)
    assert [p.message for p in caught.value.problems] == ["items[0] (\"KEN1\").scale: unknown scale 'NOPE'"]
    assert caught.value.problems[0].line is None


# --- robustness --------------------------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-10, 10)
    | st.text(max_size=8)
    | st.sampled_from(["T0", "T1", "T3", "KEN", "agree", "S", "S1", "weet_niet", "concept"])
)
keys = (
    st.sampled_from(
        [
            "id",
            "title",
            "status",
            "instruction",
            "answer_formats",
            "scales",
            "items",
            "text",
            "scale",
            "format",
            "min",
            "max",
            "labels",
            "missing",
            "moments",
            "then_test",
            "reverse",
            "choices",
            "code",
            "label",
            "then_test_labels",
            "now",
            "retrospective",
            "open_questions",
            "background",
        ]
    )
    | st.text(max_size=5)
    | st.integers(0, 6)
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6), max_leaves=40
)


def _only_content_invalid(text: str) -> None:
    try:
        parse_instrument(text, path="fuzz.yaml")
    except ContentInvalid as exc:
        assert exc.problems and all(p.path == "fuzz.yaml" for p in exc.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_arbitrary_yaml_documents_raise_only_content_invalid(document: object) -> None:
    _only_content_invalid(yaml.safe_dump(document, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`?, \n\t0123456789")), max_size=60))
def test_arbitrary_text_raises_only_content_invalid(text: str) -> None:
    _only_content_invalid(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_real_file_raises_only_content_invalid(data: st.DataObject) -> None:
    lines = REAL_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "duplicate", "replace"]))
        if action == "drop":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        else:
            lines[index] = data.draw(
                st.sampled_from(
                    [
                        "  - id: KEN1\n",
                        "    scale: XYZ\n",
                        "    then_test: true\n",
                        "    moments: [T4]\n",
                        "max: 1\n",
                        "    min: 9\n",
                        "  x: [\n",
                    ]
                )
            )
    _only_content_invalid("".join(lines))


# --- the analysis plan (scale roles, compared moments, primary test) ----------------------------------------------


def test_the_analysis_plan_is_outside_the_version_hash() -> None:
    base = parse_instrument(MINIMAL, path="mini.yaml")
    plan = (
        "analysis:\n  primary_test: wilcoxon\n  scales:\n    P: {role: context}\n    S: {moments: [T0, T1]}\nitems:\n"
    )
    planned = parse_instrument(edit(MINIMAL, "items:\n", plan), path="mini.yaml")
    assert planned.version_hash == base.version_hash
    assert planned.analysis.primary_test == "wilcoxon"
    assert planned.outcome_scales() == ["S"] and not planned.is_outcome("P")


def test_real_instrument_hash_is_unchanged_by_its_analysis_plan(real: Instrument) -> None:
    # The hash every response of the draft was stored under (before the analysis plan was added).
    assert real.version_hash == "8ca345b5742017a4c9434004dc8c83d51b2d796ce423c48f3ba699701a5aafc7"


def test_real_instrument_fac_is_context_and_vaa_is_compared_t0_to_t2_only(real: Instrument) -> None:
    assert real.outcome_scales() == ["KEN", "VAA", "ATT", "ZEL"]
    assert real.analysis.primary_test == "paired_t"
    assert not real.compared("FAC", "T0", "T1") and not real.compared("FAC", "T0", "T2")
    assert not real.compared("VAA", "T0", "T1") and not real.compared("VAA", "T1", "T2")
    assert real.compared("VAA", "T0", "T2") and real.compared("KEN", "T0", "T1")


def test_analysis_plan_naming_an_unknown_scale_is_a_problem() -> None:
    text = edit(MINIMAL, "items:\n", "analysis:\n  scales:\n    XYZ: {role: context}\nitems:\n")
    assert any("unknown scale 'XYZ'" in message for _, message in problems_of(text))


def test_analysis_plan_with_an_unknown_role_is_a_problem() -> None:
    text = edit(MINIMAL, "items:\n", "analysis:\n  scales:\n    S: {role: uitkomst}\nitems:\n")
    assert any("role" in message for _, message in problems_of(text))
