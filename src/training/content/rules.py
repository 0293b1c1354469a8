"""Rules that span several fields of a module's front matter (unique ids, correct answers), checked on raw data.

The rules take plain data (what YAML gives, or a model's ``model_dump()``) and never assume its shape is right, so the
parser can report them next to type errors; the models run the same rules when they are built in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class Rule:
    """A broken rule: ``where`` names the item, ``line_at`` the node whose line to report, ``first`` an earlier twin."""

    where: Loc
    message: str
    line_at: Loc | None = None
    first: Loc | None = None

    def under(self, prefix: Loc) -> Rule:
        return Rule(
            prefix + self.where,
            self.message,
            None if self.line_at is None else prefix + self.line_at,
            None if self.first is None else prefix + self.first,
        )


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _duplicate_ids(items: Any, key: str, noun: str) -> list[Rule]:
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(_items(items)):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        if item_id in seen:
            rules.append(
                Rule(
                    (key, index), f"{noun} id '{item_id}' is used twice", (key, index, "id"), (key, seen[item_id], "id")
                )
            )
        else:
            seen[item_id] = index
    return rules


def question_rules(question: Any) -> list[Rule]:
    if not isinstance(question, dict):
        return []
    options = _items(question.get("options"))
    rules = _duplicate_ids(options, "options", "option")
    if not options:
        return rules
    flags = [option.get("correct", False) if isinstance(option, dict) else False for option in options]
    if not all(isinstance(flag, bool) for flag in flags):
        return rules  # a flag that is not true/false is reported as a type error; counting would only add noise
    correct = [index for index, flag in enumerate(flags) if flag]
    if not correct:
        rules.append(Rule((), "no option is marked correct: true"))
    elif question.get("type") == "single" and len(correct) > 1:
        ids = ", ".join(str(options[i].get("id")) for i in correct)
        rules.append(
            Rule(
                (),
                f"type is 'single' but {len(correct)} options are marked correct: true ({ids}); "
                "mark exactly one, or use type: multiple",
                ("options", correct[1], "correct"),
            )
        )
    return rules


def check_rules(check: Any) -> list[Rule]:
    if not isinstance(check, dict):
        return []
    return _duplicate_ids(check.get("questions"), "questions", "question")


def meta_rules(meta: Any) -> list[Rule]:
    if not isinstance(meta, dict):
        return []
    return _duplicate_ids(meta.get("reflection_prompts"), "reflection_prompts", "reflection prompt")


def all_rules(meta: Any) -> list[Rule]:
    """Every rule of a whole front matter, with locations from its root."""
    if not isinstance(meta, dict):
        return []
    rules = meta_rules(meta)
    check = meta.get("knowledge_check")
    rules += [rule.under(("knowledge_check",)) for rule in check_rules(check)]
    if isinstance(check, dict):
        for index, question in enumerate(_items(check.get("questions"))):
            rules += [rule.under(("knowledge_check", "questions", index)) for rule in question_rules(question)]
    return rules
