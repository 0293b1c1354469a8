"""Warnings about knowledge checks that can be passed by guessing: pure, over modules that already parsed.

These are warnings, not problems: a module with them still loads (the app starts), but ``ract content check`` fails on
them unless told ``--warnings-ok``. Each rule names a pattern a test-wise trainee learns to exploit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from training.content.models import Module, Question
from training.sourcefiles import ContentProblem

MIN_OPTIONS = 3  # with two options, half the guesses are right
# One key position in more than half of a module's single-choice questions is a pattern even with few questions; over
# the whole set, a position should hold at most 40 % (25-33 % is what chance gives with three or four options).
MODULE_KEY_SHARE = 0.5
SET_KEY_SHARE = 0.4
# "Pick the longest" is the best-known test-taking trick: the right option may be the longest now and then, as often as
# chance would have it, not as a rule.
MODULE_LONGEST_SHARE = 0.5
SET_LONGEST_SHARE = 0.4
MIN_QUESTIONS_FOR_SHARES = 4  # below this a share says nothing
UNUSED_POSITION_CHANCE = 3  # a position chance would make the key this often (or more) should hold it at least once
ALL_OF_THE_ABOVE = re.compile(
    r"\b(alle(s)? (van )?(het |de )?(boven|hier)(staande|genoemde)|al(le)? deze antwoorden|alle antwoorden|"
    r"geen van (de |deze |het )?(boven|hier)?(staande|genoemde|antwoorden|deze)|all of the above|none of the above)\b",
    re.IGNORECASE,
)


def quality_warnings(modules: Sequence[Module]) -> list[ContentProblem]:
    """Every guessability warning for the modules, per question, per module, then for the whole set."""
    warnings: list[ContentProblem] = []
    for module in modules:
        for question in module.knowledge_check.questions:
            warnings += [
                ContentProblem(module.source_path, None, f"question '{question.id}': {m}") for m in _question(question)
            ]
        singles = [q for q in module.knowledge_check.questions if q.type == "single"]
        warnings += [
            ContentProblem(module.source_path, None, f"knowledge_check: {m}")
            for m in _shares(singles, MODULE_KEY_SHARE, MODULE_LONGEST_SHARE)
        ]
    singles = [q for module in modules for q in module.knowledge_check.questions if q.type == "single"]
    if len(modules) > 1:
        where = "all modules"
        warnings += [ContentProblem(where, None, m) for m in _shares(singles, SET_KEY_SHARE, SET_LONGEST_SHARE)]
        warnings += [ContentProblem(where, None, m) for m in _unused_positions(singles)]
    return warnings


def _question(question: Question) -> list[str]:
    messages: list[str] = []
    n = len(question.options)
    if n < MIN_OPTIONS:
        messages.append(f"only {n} options: give at least {MIN_OPTIONS}, so that guessing is right less often")
    for option in question.options:
        if ALL_OF_THE_ABOVE.search(option.text):
            messages.append(
                f"option '{option.id}' is an 'all/none of the above' option: it gives the answer away and makes no "
                "sense when options are shuffled"
            )
    correct = len(question.correct_option_ids)
    if question.type == "multiple" and n >= MIN_OPTIONS and correct >= n - 1:
        which = "every option" if correct == n else "every option but one"
        messages.append(f"{which} is correct: 'tick everything' passes; mix right and wrong options")
    return messages


def key_position(question: Question) -> int:
    """The 0-based position in the file of the single correct option."""
    return next(index for index, option in enumerate(question.options) if option.correct)


def correct_is_longest(question: Question) -> bool:
    """Whether the correct option is strictly longer than every other option."""
    lengths = [len(option.text) for option in question.options]
    key = key_position(question)
    return all(length < lengths[key] for index, length in enumerate(lengths) if index != key)


def _letter(position: int) -> str:
    return chr(ord("a") + position) if position < 26 else str(position + 1)


def _shares(singles: Sequence[Question], key_share: float, longest_share: float) -> list[str]:
    if len(singles) < MIN_QUESTIONS_FOR_SHARES:
        return []
    messages: list[str] = []
    position, count = Counter(key_position(q) for q in singles).most_common(1)[0]
    if count > key_share * len(singles):
        messages.append(
            f"the right answer is option {position + 1} ({_letter(position)}) in {count} of {len(singles)} "
            f"single-choice questions (at most {key_share:.0%}): spread the right answers over the positions"
        )
    longest = sum(correct_is_longest(q) for q in singles)
    if longest > longest_share * len(singles):
        messages.append(
            f"the right answer is the longest option in {longest} of {len(singles)} single-choice questions "
            f"(at most {longest_share:.0%}): make a wrong option the longest now and then, or shorten the right ones"
        )
    return messages


def _unused_positions(singles: Sequence[Question]) -> list[str]:
    """A position that chance would have made the key at least three times but never is: 'never d' is a pattern."""
    keys = Counter(key_position(q) for q in singles)
    expected: dict[int, float] = {}
    for question in singles:
        for position in range(len(question.options)):
            expected[position] = expected.get(position, 0.0) + 1 / len(question.options)
    return [
        f"option {position + 1} ({_letter(position)}) is never the right answer, although chance would make it so "
        f"about {round(chance)} times in these {len(singles)} single-choice questions"
        for position, chance in sorted(expected.items())
        if chance >= UNUSED_POSITION_CHANCE and keys[position] == 0
    ]
