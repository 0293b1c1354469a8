"""Read YAML from content files while keeping line numbers, and describe problems with file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, order=True)
class ContentProblem:
    """One problem in a content file: where it is and what is wrong (English, for the CLI and logs)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


class YamlSource:
    """A parsed YAML document plus its node tree, so a pydantic error location can be mapped to a line.

    ``line_offset`` is added to every line (used when the YAML is front matter that starts after a ``---`` line).
    """

    def __init__(self, text: str, *, path: str, line_offset: int = 0) -> None:
        self.path = path
        self.line_offset = line_offset
        self.node = yaml.compose(text, Loader=yaml.SafeLoader)  # raises yaml.YAMLError
        self.data: Any = yaml.safe_load(text) if self.node is not None else None

    def line_of(self, loc: tuple[int | str, ...]) -> int | None:
        """The 1-based line of the deepest node reachable along ``loc`` (a pydantic error location)."""
        node = self.node
        best = node
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                nxt = node.value[key]
            else:
                nxt = None
            if nxt is None:
                break
            node = best = nxt
        if best is None:
            return self.line_offset + 1
        return best.start_mark.line + 1 + self.line_offset


def yaml_error_problem(exc: yaml.YAMLError, *, path: str, line_offset: int = 0) -> ContentProblem:
    """Turn a YAML syntax error into a ContentProblem with its line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 + line_offset if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    return ContentProblem(path, line, f"invalid YAML: {problem}")


def display_path(path: Path, root: Path | None = None) -> str:
    """A short path for messages: relative to ``root`` when possible."""
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)
