"""The guessability warnings of `ract content check`, and the option order of a shuffled check."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from training.content import (
    KnowledgeCheck,
    Option,
    Question,
    answers_from_positions,
    grade_attempt,
    load_modules,
    ordered_options,
    parse_module,
    positions_of,
    quality_warnings,
    shuffled_order,
)
from training.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"
CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
BASE = parse_module((FIXTURES / "valid-module.md").read_text(encoding="utf-8"), path="m.md")


def single(qid: str, key: int, texts: tuple[str, ...] = ("een", "twee", "drie", "vier")) -> Question:
    options = tuple(Option(id=chr(97 + i), text=text, correct=i == key) for i, text in enumerate(texts))
    return Question(id=qid, type="single", text=f"Vraag {qid}?", options=options)


def multiple(qid: str, keys: set[int], n: int = 4) -> Question:
    options = tuple(Option(id=chr(97 + i), text=f"optie {i}", correct=i in keys) for i in range(n))
    return Question(id=qid, type="multiple", text=f"Vraag {qid}?", options=options)


def module_with(*questions: Question, module_id: str = "m"):
    check = KnowledgeCheck(questions=questions)
    return dataclasses.replace(BASE, id=module_id, knowledge_check=check, source_path=f"{module_id}.md")


def messages(*modules) -> list[str]:
    return [problem.message for problem in quality_warnings(list(modules))]


def test_a_balanced_check_gives_no_warnings():
    balanced = module_with(*(single(f"q{i}", i % 4) for i in range(8)))
    assert messages(balanced) == []


def test_the_same_key_position_too_often_is_a_warning():
    found = messages(module_with(*(single(f"q{i}", 1 if i < 3 else 0) for i in range(5))))
    assert found == [
        "knowledge_check: the right answer is option 2 (b) in 3 of 5 single-choice questions (at most 50%): "
        "spread the right answers over the positions"
    ]


def test_the_right_answer_being_the_longest_too_often_is_a_warning():
    long_key = ("kort", "een veel langer en dus verdacht antwoord", "ook kort", "kort ook")
    questions = [single(f"q{i}", 1, long_key) if i < 3 else single(f"q{i}", i % 4) for i in range(5)]
    questions[1] = single("q1", 2, ("kort", "kort2", "een veel langer en dus verdacht antwoord", "kort3"))
    found = messages(module_with(*questions))
    assert any("the right answer is the longest option in 3 of 5" in m for m in found), found


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (single("twee", 0, ("ja", "nee")), "only 2 options: give at least 3"),
        (multiple("bijna-alles", {0, 1, 2}), "every option but one is correct"),
        (multiple("alles", {0, 1, 2, 3}), "every option is correct"),
        (single("alle", 3, ("een", "twee", "drie", "Alle bovenstaande antwoorden")), "'all/none of the above'"),
        (single("geen", 0, ("een", "twee", "drie", "Geen van deze")), "'all/none of the above'"),
    ],
)
def test_a_guessable_question_is_a_warning(question, expected):
    found = messages(module_with(question))
    assert len(found) == 1 and found[0].startswith(f"question '{question.id}': ") and expected in found[0]


def test_a_mixed_multiple_response_item_is_fine():
    assert messages(module_with(multiple("gemengd", {0, 2}))) == []


def test_a_position_that_is_never_the_key_over_all_modules_is_a_warning():
    modules = [module_with(*(single(f"q{i}", i % 3) for i in range(6)), module_id=f"m{n}") for n in range(3)]
    found = messages(*modules)
    assert any(m.startswith("option 4 (d) is never the right answer") for m in found), found


def test_the_shipped_checks_pass_the_warnings():
    assert [str(w) for w in quality_warnings(load_modules(CONTENT_DIR / "modules"))] == []


def test_content_check_exits_1_on_warnings_unless_told_warnings_ok(tmp_path):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    first = sorted((content / "modules").glob("*.md"))[0]
    text = first.read_text(encoding="utf-8")
    # add a multiple-response question where every option is right
    addition = '    - id: alles-goed\n      type: multiple\n      text: "Wat klopt?"\n      options:\n' + "".join(
        f'        - id: {c}\n          text: "Optie {c}"\n          correct: true\n' for c in "abc"
    )
    front_end = text.index("\n---", 4)
    first.write_text(text[:front_end] + "\n" + addition.rstrip("\n") + text[front_end:], encoding="utf-8")
    runner = CliRunner()
    strict = runner.invoke(cli, ["content", "check", str(content)])
    assert strict.exit_code == 1, strict.output
    assert "question 'alles-goed': every option is correct" in strict.output
    assert runner.invoke(cli, ["content", "check", "--warnings-ok", str(content)]).exit_code == 0


def test_a_new_order_holds_every_option_once_and_differs_from_the_last():
    check = module_with(*(single(f"q{i}", i % 4) for i in range(3))).knowledge_check
    rng = random.Random(7)
    last = shuffled_order(check, rng)
    for _ in range(50):
        order = shuffled_order(check, rng, unlike=last)
        assert order != last
        assert all(sorted(order[q.id]) == ["a", "b", "c", "d"] for q in check.questions)
        last = order


def test_scoring_is_right_under_any_order():
    check = module_with(single("s", 2), multiple("m", {0, 3})).knowledge_check
    rng = random.Random(1)
    for _ in range(30):
        order = shuffled_order(check, rng)
        right = {q.id: positions_of(q, order, q.correct_option_ids) for q in check.questions}
        assert grade_attempt(check, answers_from_positions(check, order, right)).score == 100
        # the same positions under another order are (almost always) wrong: positions mean nothing on their own
        shown = {q.id: [o.id for o in ordered_options(q, order)] for q in check.questions}
        assert [shown["s"][int(p) - 1] for p in right["s"]] == ["c"]
    with pytest.raises(InvalidInput):
        answers_from_positions(check, order, {"s": ["5"]})
    with pytest.raises(InvalidInput):
        answers_from_positions(check, order, {"s": ["c"]})


def test_options_the_stored_order_does_not_know_are_shown_last():
    question = single("s", 0)
    assert [o.id for o in ordered_options(question, {"s": ("c", "a", "x")})] == ["c", "a", "b", "d"]
