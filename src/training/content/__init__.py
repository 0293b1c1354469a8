"""Training modules as content: read and check the files, render their Markdown, grade knowledge checks.

The door of the sub-package: the rest of the code imports from ``training.content``, not from its modules. Pure:
values in, values out; the only I/O is ``load_modules`` reading one directory. From the rest of ``training`` it
uses only ``training.errors`` and ``training.sourcefiles`` (tests/test_architecture.py keeps it so).
"""

from training.content.grading import AttemptResult, QuestionResult, grade_attempt
from training.content.loader import load_modules, parse_module, parse_module_bytes
from training.content.markdown import render_markdown
from training.content.models import (
    KnowledgeCheck,
    Module,
    ModuleMeta,
    Option,
    Question,
    ReflectionPrompt,
    Section,
)
from training.content.option_order import (
    OptionOrder,
    answers_from_positions,
    covers,
    ordered_options,
    positions_of,
    shuffled_order,
)
from training.content.quality import quality_warnings

__all__ = [
    "AttemptResult",
    "KnowledgeCheck",
    "Module",
    "ModuleMeta",
    "Option",
    "OptionOrder",
    "Question",
    "QuestionResult",
    "ReflectionPrompt",
    "Section",
    "answers_from_positions",
    "covers",
    "grade_attempt",
    "load_modules",
    "ordered_options",
    "parse_module",
    "parse_module_bytes",
    "positions_of",
    "quality_warnings",
    "render_markdown",
    "shuffled_order",
]
