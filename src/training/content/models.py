"""The shapes of a training module: pydantic models for the front matter and the parsed Module with its sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationInfo, model_validator

from training.content.rules import Rule, check_rules, meta_rules, question_rules

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)

# Passed as validation context while parsing a file: the parser checks these rules itself on the raw data, so that
# every problem gets its own line and none hides another. Built in code, the models enforce the rules themselves.
SKIP_RULES = "skip_rules"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _enforce(rules: list[Rule], info: ValidationInfo) -> None:
    if rules and not (info.context or {}).get(SKIP_RULES):
        raise ValueError("; ".join(rule.message for rule in rules))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    id: Slug
    text: Text
    correct: StrictBool = False
    feedback: Text | None = None


class Question(_Model):
    id: Slug
    type: Literal["single", "multiple"]
    text: Text
    options: Annotated[tuple[Option, ...], Field(min_length=2)]
    explanation: Text | None = None

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Question:
        _enforce(question_rules(self.model_dump()), info)
        return self

    @property
    def correct_option_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)


class KnowledgeCheck(_Model):
    pass_mark: Annotated[int, Field(strict=True, ge=1, le=100)] = 80
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> KnowledgeCheck:
        _enforce(check_rules(self.model_dump()), info)
        return self

    def question(self, question_id: str) -> Question | None:
        return next((question for question in self.questions if question.id == question_id), None)


class ReflectionPrompt(_Model):
    id: Slug
    section: Slug | None = None
    text: Text


class ModuleMeta(_Model):
    """The front matter of a module file."""

    id: Slug
    title: Text
    summary: Text
    order: Annotated[int, Field(strict=True, ge=1, le=999)]
    estimated_minutes: Annotated[int, Field(strict=True, ge=1, le=600)]
    learning_objectives: Annotated[tuple[Text, ...], Field(min_length=1)]
    reflection_prompts: tuple[ReflectionPrompt, ...] = ()
    knowledge_check: KnowledgeCheck

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> ModuleMeta:
        _enforce(meta_rules(self.model_dump()), info)
        return self


# Which model describes the mapping at a location (list indexes left out): used to suggest keys for a typo.
MODEL_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): ModuleMeta,
    ("knowledge_check",): KnowledgeCheck,
    ("knowledge_check", "questions"): Question,
    ("knowledge_check", "questions", "options"): Option,
    ("reflection_prompts",): ReflectionPrompt,
}


@dataclass(frozen=True, slots=True)
class Section:
    """One ``## Title {#id}`` part of a module body; ``html`` is the rendered body without the heading itself."""

    id: str
    title: str
    markdown: str
    html: str
    line: int


@dataclass(frozen=True, slots=True)
class Module:
    """A checked training module. ``content_hash`` (sha256 of the file) is the version progress is recorded against."""

    id: str
    title: str
    summary: str
    order: int
    estimated_minutes: int
    learning_objectives: tuple[str, ...]
    sections: tuple[Section, ...]
    reflection_prompts: tuple[ReflectionPrompt, ...]  # each with ``section`` filled in
    knowledge_check: KnowledgeCheck
    source_path: str
    content_hash: str

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(section.id for section in self.sections)

    @property
    def pass_mark(self) -> int:
        return self.knowledge_check.pass_mark

    def section(self, section_id: str) -> Section | None:
        return next((section for section in self.sections if section.id == section_id), None)

    def question(self, question_id: str) -> Question | None:
        return self.knowledge_check.question(question_id)

    def prompts_after(self, section_id: str) -> tuple[ReflectionPrompt, ...]:
        """The reflection prompts shown after the given section, in file order."""
        return tuple(prompt for prompt in self.reflection_prompts if prompt.section == section_id)
