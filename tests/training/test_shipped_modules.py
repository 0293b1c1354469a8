"""The eight shipped modules have the shape issue 3 asks for: topics in order, 3-6 sections, 1-2 reflection prompts,
4-6 questions and roughly 1,200-2,500 words of reading each, and they say where use with bankslapers lacks evidence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from training.content import load_modules

REPO = Path(__file__).resolve().parents[2]
MODULES = load_modules(REPO / "content" / "modules", root=REPO)

# docs/domain.md §2.2: one word from each module's topic that its title must carry.
TOPICS = [
    "herstel",
    "regie-ondersteuner",
    "herstelplan",
    "netwerk",
    "verdiepingsgesprek",
    "bijeenkomst",
    "crisisplan",
    "afschalen",
]
WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


def reading_words(module) -> int:
    """Words a trainee reads in the sections (Markdown syntax and link targets left out)."""
    text = " ".join(section.markdown for section in module.sections)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # [label](#target) -> label
    return len(WORD.findall(text))


def test_there_are_eight_modules_on_the_topics_of_domain_section_2_2_in_order() -> None:
    assert [m.order for m in MODULES] == list(range(1, 9))
    for module, topic in zip(MODULES, TOPICS, strict=True):
        assert topic in module.title.lower() or topic in module.id, (module.id, topic)


@pytest.mark.parametrize("module", MODULES, ids=[m.id for m in MODULES])
def test_each_module_has_the_promised_size(module) -> None:
    assert 3 <= len(module.sections) <= 6
    assert 1 <= len(module.reflection_prompts) <= 2
    assert 4 <= len(module.knowledge_check.questions) <= 6
    assert 1200 <= reading_words(module) <= 2500, reading_words(module)
    assert module.learning_objectives and module.summary


@pytest.mark.parametrize("module", MODULES, ids=[m.id for m in MODULES])
def test_every_option_has_feedback_and_every_question_an_explanation(module) -> None:
    for question in module.knowledge_check.questions:
        assert question.explanation, question.id
        assert all(option.feedback for option in question.options), question.id


def test_the_modules_say_that_use_with_bankslapers_has_no_effect_study_yet() -> None:
    text = " ".join(s.markdown for m in MODULES for s in m.sections).lower()
    assert "geen effectonderzoek" in text or "nog geen effect" in text
    assert "aanpassing" in text
