"""Tests for reading, checking and grading training modules (training.content)."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from training.content import (
    KnowledgeCheck,
    Module,
    grade_attempt,
    load_modules,
    parse_module,
    parse_module_bytes,
)
from training.errors import ContentInvalid, InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"
VALID = (FIXTURES / "valid-module.md").read_text(encoding="utf-8")
REPO = Path(__file__).resolve().parents[2]


def with_line(number: int, new: str, text: str = VALID) -> str:
    """The valid module with line ``number`` (1-based) replaced by ``new`` (which may hold several lines)."""
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


def problems(text: str) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        parse_module(text, path="m.md")
    return [str(problem) for problem in info.value.problems]


def module_file(module_id: str, order: int) -> str:
    return VALID.replace("id: herstel\n", f"id: {module_id}\n", 1).replace("order: 1\n", f"order: {order}\n", 1)


# --- a valid module ---------------------------------------------------------------------------------------------------


def test_valid_module_has_its_front_matter_sections_prompts_and_questions() -> None:
    module = parse_module(VALID, path="content/modules/01-herstel.md")

    assert (module.id, module.title, module.summary, module.order, module.estimated_minutes) == (
        "herstel",
        "Herstel",
        "Korte samenvatting",
        1,
        30,
    )
    assert module.learning_objectives == ("Je kunt herstel uitleggen",)
    assert module.section_ids == ("herstel", "bankslapers")
    assert [(s.title, s.line) for s in module.sections] == [("Herstel", 44), ("Bankslapers", 50)]
    assert module.section("bankslapers").markdown.startswith("Zie ook [herstel](#herstel).")
    assert module.section("nergens") is None
    assert [p.id for p in module.prompts_after("bankslapers")] == ["wie-draagt-bij", "afsluiting"]
    assert module.prompts_after("herstel") == ()
    assert module.pass_mark == 80
    assert [q.id for q in module.knowledge_check.questions] == ["drie-dimensies", "welke-rol"]
    assert module.question("welke-rol").correct_option_ids == {"a", "c"}
    assert module.question("drie-dimensies").option("b").feedback == "Niet juist."
    assert module.question("nergens") is None
    assert module.source_path == "content/modules/01-herstel.md"


def test_pass_mark_defaults_to_80_percent() -> None:
    text = VALID.replace("  pass_mark: 80\n", "", 1)
    assert "pass_mark" not in text

    assert parse_module(text, path="m.md").pass_mark == 80


def test_reflection_prompt_without_section_is_shown_after_the_last_section() -> None:
    module = parse_module(VALID, path="m.md")

    assert {p.id: p.section for p in module.reflection_prompts} == {
        "wie-draagt-bij": "bankslapers",
        "afsluiting": "bankslapers",
    }


def test_section_html_renders_subheadings_and_marks_links_to_sections() -> None:
    module = parse_module(VALID, path="m.md")

    first = module.section("herstel").html
    assert "<h3>Drie dimensies</h3>" in first
    assert '<a href="#bankslapers" data-section="bankslapers">bankslapers</a>' in first
    assert "<h2" not in first  # the section heading itself is rendered by the page
    assert "<pre><code>## geen kop" in module.section("bankslapers").html  # a ## line in a code block is no section


def test_raw_html_and_script_links_are_escaped() -> None:
    text = with_line(48, '<script>alert(1)</script> <b onclick="x">vet</b> [klik](javascript:alert(1))')

    html = parse_module(text, path="m.md").section("herstel").html

    assert "<script>" not in html and "<b " not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_tables_and_strikethrough_render() -> None:
    html = parse_module(with_line(48, "| a | b |\n|---|---|\n| 1 | ~~2~~ |"), path="m.md").section("herstel").html

    assert "<table>" in html and "<s>2</s>" in html


def test_content_hash_is_sha256_of_the_file_and_changes_with_it() -> None:
    data = VALID.encode("utf-8")
    changed = with_line(48, "Persoonlijk, maatschappelijk en gezondheid!")

    assert parse_module(VALID, path="m.md").content_hash == hashlib.sha256(data).hexdigest()
    assert parse_module_bytes(data, path="m.md").content_hash == hashlib.sha256(data).hexdigest()
    assert parse_module(changed, path="m.md").content_hash != parse_module(VALID, path="m.md").content_hash


def test_windows_line_endings_and_byte_order_mark_give_the_same_lines() -> None:
    module = parse_module_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode("utf-8"), path="m.md")

    assert [s.line for s in module.sections] == [44, 50]
    assert problems(with_line(5, "order: een").replace("\n", "\r\n")) == [
        "m.md:5: order: must be a whole number, got 'een'"
    ]


# --- front matter problems --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "new", "expected"),
    [
        (4, "summary: Korte: samenvatting", "m.md:4: invalid YAML: mapping values are not allowed here"),
        (4, "summary: 2024-13-45", "m.md:4: invalid YAML value '2024-13-45': month must be in 1..12"),
        (4, "# geen samenvatting", "m.md:2: front matter: missing required key 'summary'"),
        (
            27,
            "          # geen tekst",
            'm.md:26: knowledge_check.questions[0] ("drie-dimensies").options[1] ("b"): missing required key \'text\'',
        ),
        (
            29,
            '      explenation: "Herstel is breed."',
            "m.md:29: knowledge_check.questions[0] (\"drie-dimensies\"): unknown key 'explenation' "
            "(did you mean 'explanation'?)",
        ),
        (
            6,
            "estimated_minutes: 30\nauteur: Piet",
            "m.md:7: front matter: unknown key 'auteur' (allowed: id, title, summary, order, estimated_minutes, "
            "learning_objectives, reflection_prompts, knowledge_check)",
        ),
        (4, 'summary: "x"\ntitle: "Ander"', "m.md:5: front matter: key 'title' appears twice (first at line 3)"),
        (5, "order: een", "m.md:5: order: must be a whole number, got 'een'"),
        (5, "order: 1.5", "m.md:5: order: must be a whole number, got 1.5"),
        (5, "order: 1000", "m.md:5: order: must be at most 999, got 1000"),
        (6, "estimated_minutes: 0", "m.md:6: estimated_minutes: must be at least 1, got 0"),
        (3, "title: 2024", "m.md:3: title: must be text, got 2024 (put text in quotes)"),
        (3, "title:", "m.md:3: title: must be text, got nothing (an empty value)"),
        (3, 'title: "  "', "m.md:3: title: must not be empty"),
        (
            2,
            "id: Herstel Regie",
            "m.md:2: id: must be an id of lowercase letters a-z, digits and single hyphens "
            "(like 'wie-draagt-bij'), got 'Herstel Regie'",
        ),
        (8, "  - 12", "m.md:8: learning_objectives[0]: must be text, got 12 (put text in quotes)"),
        (
            19,
            "      type: singel",
            "m.md:19: knowledge_check.questions[0] (\"drie-dimensies\").type: must be one of 'single' or 'multiple', "
            "got 'singel'",
        ),
        (
            24,
            "          correct: ja",
            'm.md:24: knowledge_check.questions[0] ("drie-dimensies").options[0] ("a").correct: '
            "must be true or false, got 'ja'",
        ),
        (16, "  pass_mark: 0", "m.md:16: knowledge_check.pass_mark: must be at least 1, got 0"),
        (16, "  pass_mark: 101", "m.md:16: knowledge_check.pass_mark: must be at most 100, got 101"),
        (
            11,
            "    section: slapers",
            "m.md:11: reflection_prompts[0] (\"wie-draagt-bij\"): section 'slapers' does not exist "
            "(sections: herstel, bankslapers)",
        ),
        (
            24,
            "          correct: false",
            'm.md:18: knowledge_check.questions[0] ("drie-dimensies"): no option is marked correct: true',
        ),
        (
            28,
            "          correct: true",
            "m.md:28: knowledge_check.questions[0] (\"drie-dimensies\"): type is 'single' but 2 options are marked "
            "correct: true (a, b); mark exactly one, or use type: multiple",
        ),
        (
            30,
            "    - id: drie-dimensies",
            "m.md:30: knowledge_check.questions[1] (\"drie-dimensies\"): question id 'drie-dimensies' is used twice "
            "(first at line 18)",
        ),
        (
            37,
            "        - id: a",
            'm.md:37: knowledge_check.questions[1] ("welke-rol").options[1] ("a"): option id \'a\' is used twice '
            "(first at line 34)",
        ),
        (
            13,
            "  - id: wie-draagt-bij",
            "m.md:13: reflection_prompts[1] (\"wie-draagt-bij\"): reflection prompt id 'wie-draagt-bij' is used twice "
            "(first at line 10)",
        ),
    ],
)
def test_front_matter_problem_is_reported_with_its_line(line: int, new: str, expected: str) -> None:
    assert expected in problems(with_line(line, new))


def test_a_list_given_as_text_is_reported() -> None:
    text = VALID.replace('learning_objectives:\n  - "Je kunt herstel uitleggen"', 'learning_objectives: "Herstel"')

    assert problems(text) == ["m.md:7: learning_objectives: must be a list (one '- ' line per item), got 'Herstel'"]


def test_a_mapping_given_as_text_is_reported() -> None:
    front, body = VALID.split("\nknowledge_check:\n")[0], VALID.split("\n---\n", 1)[1]

    assert problems(f"{front}\nknowledge_check: ja\n---\n{body}") == [
        "m.md:15: knowledge_check: must be a mapping of keys to values, got 'ja'"
    ]


def test_missing_options_text_does_not_also_complain_about_the_number_of_options() -> None:
    assert problems(with_line(27, "          # geen tekst")) == [
        'm.md:26: knowledge_check.questions[0] ("drie-dimensies").options[1] ("b"): missing required key \'text\''
    ]


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    text = with_line(5, "order: een")
    text = with_line(16, "  pass_mark: 120", text)
    text = with_line(51, "Zie ook [herstel](#hersteld).", text)

    assert problems(text) == [
        "m.md:5: order: must be a whole number, got 'een'",
        "m.md:16: knowledge_check.pass_mark: must be at most 100, got 120",
        "m.md:51: link to '#hersteld' points to no section of this module (sections: herstel, bankslapers)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "m.md:1: the file is empty"),
        ("  \n\n", "m.md:1: the file is empty"),
        (
            "# Herstel\n\nTekst\n",
            "m.md:1: no front matter: the file must start with a line '---', then the YAML keys, then '---'",
        ),
        (
            "---\nid: x\n\n## A {#a}\n",
            "m.md:1: the front matter is not closed: add a line '---' after the last YAML key",
        ),
        ("---\n---\n## A {#a}\nTekst\n", "m.md:2: the front matter is empty"),
        (
            "---\n- id\n---\n## A {#a}\nTekst\n",
            "m.md:2: front matter: must be a mapping of keys to values (like 'title: ...'), got a list",
        ),
        (
            "---\nid: [\n---\n## A {#a}\nTekst\n",
            "m.md:2: invalid YAML: expected the node content, but found '<stream end>'",
        ),
    ],
)
def test_file_level_problem_is_reported(text: str, expected: str) -> None:
    assert expected in problems(text)


def test_models_built_in_code_enforce_the_same_rules() -> None:
    with pytest.raises(ValidationError, match="no option is marked correct: true"):
        KnowledgeCheck.model_validate(
            {
                "questions": [
                    {
                        "id": "q",
                        "type": "single",
                        "text": "?",
                        "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
                    }
                ]
            }
        )


# --- body problems ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "new", "expected"),
    [
        (
            51,
            "Zie ook [herstel](#herstell).",
            "m.md:51: link to '#herstell' points to no section of this module (sections: herstel, bankslapers)",
        ),
        (
            51,
            "Zie [a](#herstel), [b](#herstel) en\n[c](#weg).",
            "m.md:52: link to '#weg' points to no section of this module (sections: herstel, bankslapers)",
        ),
        (
            51,
            "Zie [ook][r].\n\n[r]: #weg",
            "m.md:53: link to '#weg' points to no section of this module (sections: herstel, bankslapers)",
        ),
        (51, "Zie [leeg](#).", "m.md:51: link to '#' names no section: write '#' followed by a section id"),
        (
            51,
            "| a |\n|---|\n| [x](#weg) |",
            "m.md:53: link to '#weg' points to no section of this module (sections: herstel, bankslapers)",
        ),
        (
            50,
            "## Bankslapers",
            "m.md:50: section heading '## Bankslapers' has no id: write it as '## Bankslapers {#bankslapers}'",
        ),
        (50, "## Bankslapers {#herstel}", "m.md:50: section id 'herstel' is used twice (first at line 44)"),
        (
            44,
            "## Herstel {#Herstel_1}",
            "m.md:44: section id 'Herstel_1' must be lowercase letters a-z, digits and "
            "single hyphens (like 'bankslapers')",
        ),
        (44, "## {#herstel}", "m.md:44: section heading '{#herstel}' has no title before its id"),
        (
            43,
            "Inleiding zonder kop.",
            "m.md:43: text before the first section: start the body with a heading '## Title {#id}'",
        ),
        (45, "## Leeg {#leeg}", "m.md:44: section 'herstel' has no content"),
        (
            47,
            "# Drie dimensies",
            "m.md:47: '# Drie dimensies' is a level-1 heading: the module title comes from the "
            "front matter; start sections with '## Title {#id}' and use '###' inside a section",
        ),
        (
            47,
            "### Drie dimensies {#drie}",
            "m.md:47: '### Drie dimensies {#drie}': only '## ' section headings can have an {#id}; remove it here",
        ),
        (
            48,
            "Persoonlijk\n---",
            "m.md:48: the text 'Persoonlijk' is followed by a line of '-' and so becomes a "
            "heading: put a blank line between them, or start a section with '## Title {#id}'",
        ),
        (48, "> ## Citaat", "m.md:48: the heading '## Citaat' is inside a list or quote and cannot start a section"),
    ],
)
def test_body_problem_is_reported_with_its_line(line: int, new: str, expected: str) -> None:
    assert expected in problems(with_line(line, new))


def test_module_without_sections_is_reported() -> None:
    text = VALID.split("\n## Herstel")[0] + "\nAlleen tekst.\n"

    assert problems(text) == ["m.md:44: the module has no sections: start the body with a heading '## Title {#id}'"]


# --- loading a directory ----------------------------------------------------------------------------------------------


def test_load_modules_sorts_by_order_and_skips_drafts_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "02-herstel.md").write_text(module_file("herstel", 1), encoding="utf-8")
    (tmp_path / "01-netwerk.md").write_text(module_file("netwerk", 2), encoding="utf-8")
    (tmp_path / "_concept.md").write_text("kapot", encoding="utf-8")
    (tmp_path / ".swp.md").write_text("kapot", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("kapot", encoding="utf-8")

    modules = load_modules(tmp_path)

    assert [m.id for m in modules] == ["herstel", "netwerk"]
    assert all(isinstance(m, Module) for m in modules)
    assert modules[0].source_path == str(tmp_path / "02-herstel.md")


def test_load_modules_reports_problems_of_every_file_and_between_files(tmp_path: Path) -> None:
    (tmp_path / "01-herstel.md").write_text(module_file("herstel", 1), encoding="utf-8")
    (tmp_path / "02-herstel.md").write_text(module_file("herstel", 1), encoding="utf-8")
    (tmp_path / "3-Netwerk.md").write_text(module_file("netwerk", 3), encoding="utf-8")
    (tmp_path / "04-leeg.md").write_text("", encoding="utf-8")
    (tmp_path / "05-latin1.md").write_bytes(module_file("latin", 5).replace("Korte", "Kort\xe9").encode("latin-1"))

    with pytest.raises(ContentInvalid) as info:
        load_modules(tmp_path, root=tmp_path)

    assert [str(p) for p in info.value.problems] == [
        "02-herstel.md:2: module id 'herstel' is also used in 01-herstel.md:2",
        "02-herstel.md:5: order 1 is also used in 01-herstel.md:5",
        "04-leeg.md:1: the file is empty",
        "05-latin1.md:4: the file is not valid UTF-8 (byte 0xe9): save it with UTF-8 encoding",
        "3-Netwerk.md: file name must be two digits, a hyphen and a slug, like '03-bankslapers.md'",
    ]


def test_file_name_slug_may_differ_from_the_module_id(tmp_path: Path) -> None:
    (tmp_path / "07-oude-naam.md").write_text(module_file("nieuwe-naam", 7), encoding="utf-8")

    assert [m.id for m in load_modules(tmp_path)] == ["nieuwe-naam"]


def test_missing_directory_is_a_content_problem(tmp_path: Path) -> None:
    with pytest.raises(ContentInvalid) as info:
        load_modules(tmp_path / "weg")

    assert [p.message for p in info.value.problems] == ["module directory does not exist"]


def test_shipped_modules_are_valid() -> None:
    directory = REPO / "content" / "modules"
    if not any(directory.glob("*.md")):
        pytest.skip("no module files yet")

    modules = load_modules(directory, root=REPO)

    assert [m.order for m in modules] == sorted({m.order for m in modules})


# --- grading ----------------------------------------------------------------------------------------------------------


def check_with(count: int, pass_mark: int = 80) -> KnowledgeCheck:
    question = {
        "type": "single",
        "text": "?",
        "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
    }
    questions = [{"id": f"q{n}", **question} for n in range(1, count + 1)]
    return KnowledgeCheck.model_validate({"pass_mark": pass_mark, "questions": questions})


def test_grading_gives_score_feedback_and_explanation_per_question() -> None:
    module = parse_module(VALID, path="m.md")

    result = grade_attempt(module, {"drie-dimensies": ["b"], "welke-rol": ["c", "a"]})

    assert (result.score, result.passed, result.correct_count, result.question_count) == (50.0, False, 1, 2)
    first, second = result.questions
    assert (first.chosen, first.correct, first.correct_option_ids) == (("b",), False, ("a",))
    assert first.feedback == (("b", "Niet juist."),)
    assert first.explanation == "Herstel is breed."
    assert (second.chosen, second.correct, second.feedback) == (("a", "c"), True, ())
    assert result.question("welke-rol") is second


def test_multiple_choice_with_one_correct_option_missing_or_one_wrong_extra_is_wrong() -> None:
    module = parse_module(VALID, path="m.md")

    partial = grade_attempt(module, {"drie-dimensies": ["a"], "welke-rol": ["a"]})
    extra = grade_attempt(module, {"drie-dimensies": ["a"], "welke-rol": ["a", "b", "c"]})

    assert partial.question("welke-rol").correct is False and extra.question("welke-rol").correct is False
    assert partial.score == extra.score == 50.0


def test_a_single_string_answer_counts_as_one_chosen_option() -> None:
    result = grade_attempt(parse_module(VALID, path="m.md"), {"drie-dimensies": "a", "welke-rol": ["a", "c"]})

    assert (result.score, result.passed) == (100.0, True)


@pytest.mark.parametrize(
    ("count", "correct", "pass_mark", "score", "passed"),
    [
        (5, 4, 80, 80.0, True),
        (5, 3, 80, 60.0, False),
        (4, 3, 80, 75.0, False),
        (3, 2, 67, 200 / 3, False),
        (3, 2, 66, 200 / 3, True),
    ],
)
def test_pass_mark_is_reached_at_exactly_the_mark(
    count: int, correct: int, pass_mark: int, score: float, passed: bool
) -> None:
    answers = {f"q{n}": ["a" if n <= correct else "b"] for n in range(1, count + 1)}

    result = grade_attempt(check_with(count, pass_mark), answers)

    assert (result.score, result.passed) == (pytest.approx(score), passed)


@pytest.mark.parametrize(
    ("answers", "message", "field"),
    [
        ({"drie-dimensies": ["a"], "welke-rol": ["a"], "extra": ["a"]}, "Onbekende vraag: 'extra'.", "extra"),
        ({"drie-dimensies": ["z"], "welke-rol": ["a"]}, "Vraag 1 heeft geen antwoord 'z'.", "drie-dimensies"),
        ({"drie-dimensies": ["a", "b"], "welke-rol": ["a"]}, "Kies bij vraag 1 één antwoord.", "drie-dimensies"),
        ({"drie-dimensies": ["a"]}, "Beantwoord alle vragen: vraag 2 is nog niet beantwoord.", "welke-rol"),
        (
            {"drie-dimensies": [], "welke-rol": []},
            "Beantwoord alle vragen: vragen 1 en 2 zijn nog niet beantwoord.",
            "drie-dimensies",
        ),
    ],
)
def test_invalid_answers_are_refused_in_dutch(answers: dict, message: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        grade_attempt(parse_module(VALID, path="m.md"), answers)

    assert info.value.message.startswith(message)
    assert info.value.field == field


# --- robustness -------------------------------------------------------------------------------------------------------

yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False), st.text(max_size=20)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=12)
            | st.sampled_from(["id", "text", "options", "correct", "type", "questions", "section"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)
front_matter_dicts = st.fixed_dictionaries(
    {},
    optional={
        "id": yaml_values | st.sampled_from(["herstel", "x"]),
        "title": yaml_values,
        "summary": yaml_values,
        "order": yaml_values,
        "estimated_minutes": yaml_values,
        "learning_objectives": yaml_values,
        "reflection_prompts": yaml_values,
        "knowledge_check": yaml_values,
    },
).map(lambda data: yaml.safe_dump(data, allow_unicode=True))
yamlish_text = st.text(alphabet=st.sampled_from(list("ab:-[]{}#&*!|>'\"\n %@`,?01.\t")), max_size=120)
bodies = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from(["## A {#a}", "## B", "text [x](#a)", "[y](#z)", "```", "# H", "---", "> ## q", "", "<b>"]),
        max_size=12,
    ).map("\n".join),
)


def assert_parses_or_reports(text: str) -> None:
    try:
        parse_module(text, path="m.md")
    except ContentInvalid as exc:
        assert exc.problems
        assert not any("internal error" in problem.message for problem in exc.problems), exc.report()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=st.one_of(front_matter_dicts, yamlish_text), body=bodies)
def test_any_front_matter_and_body_is_parsed_or_reported(front: str, body: str) -> None:
    assert_parses_or_reports(f"---\n{front}\n---\n{body}")


@settings(max_examples=200, deadline=None)
@given(line=st.integers(1, VALID.count("\n") + 1), new=st.one_of(yamlish_text, st.text(max_size=40)))
def test_any_single_line_change_to_a_valid_module_is_parsed_or_reported(line: int, new: str) -> None:
    assert_parses_or_reports(with_line(line, new))


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_any_bytes_are_parsed_or_reported(data: bytes) -> None:
    try:
        parse_module_bytes(b"---\nid: x\n---\n" + data, path="m.md")
    except ContentInvalid as exc:
        assert not any("internal error" in problem.message for problem in exc.problems), exc.report()


# --- layering ---------------------------------------------------------------------------------------------------------


def test_content_parsing_imports_no_web_or_database_code() -> None:
    source_dir = REPO / "src" / "training"
    forbidden = {"fastapi", "starlette", "jinja2", "api", "monitor", "sqlmodel", "sqlalchemy"}
    for file in sorted(source_dir.glob("content*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {name.split(".")[0] for name in imported} & forbidden, file.name


def test_the_example_in_the_authors_guide_is_a_valid_module() -> None:
    guide = (REPO / "docs" / "content-format.md").read_text(encoding="utf-8")
    example = guide.split("```markdown\n", 1)[1].split("\n```\n", 1)[0] + "\n"

    module = parse_module(example, path="example.md")

    assert module.section_ids == ("herstel", "bankslapers")
    assert [p.section for p in module.reflection_prompts] == ["bankslapers", "bankslapers"]
