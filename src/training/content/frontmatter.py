"""Read a module's YAML front matter into a ModuleMeta, describing every problem in plain English with its line."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

import yaml
from pydantic import ValidationError

from training.content.models import MODEL_AT, SKIP_RULES, ModuleMeta
from training.content.rules import Loc, Rule, all_rules
from training.sourcefiles import ContentProblem, YamlSource, yaml_error_problem


class FrontMatter:
    """Front matter text plus what could be read from it: data, node tree (for lines), model and problems."""

    def __init__(self, text: str, *, path: str, line_offset: int) -> None:
        self.path = path
        self.line_offset = line_offset
        self.problems: list[ContentProblem] = []
        self.source: YamlSource | None = None
        self.meta: ModuleMeta | None = None
        self._read(text)

    @property
    def data(self) -> Any:
        return self.source.data if self.source is not None else None

    def problem(self, loc: Loc, message: str, *, line_at: Loc | None = None, line: int | None = None) -> None:
        if line is None:
            line = self.line_of(loc if line_at is None else line_at)
        self.problems.append(ContentProblem(self.path, line, f"{self.label(loc)}: {message}"))

    def line_of(self, loc: Loc) -> int:
        if self.source is None:
            return self.line_offset + 1
        return self.source.line_of(loc) or self.line_offset + 1

    def key_line(self, loc: Loc) -> int:
        """The line of the key ``loc[-1]`` in the mapping at ``loc[:-1]`` (where a typo in a key is)."""
        node = self.source.node if self.source is not None else None
        for key in loc[:-1]:
            node = _child(node, key)
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
            if getattr(key_node, "value", None) == str(loc[-1]):
                return int(key_node.start_mark.line) + 1 + self.line_offset
        return self.line_of(loc)

    def label(self, loc: Loc) -> str:
        """``knowledge_check.questions[2] ("welke-rol")``: the path to an item, with the id of each list item."""
        parts: list[str] = []
        value = self.data
        for key in loc:
            if isinstance(key, int):
                parts.append(f"[{key}]")
                value = value[key] if isinstance(value, list) and 0 <= key < len(value) else None
                if isinstance(value, dict) and isinstance(value.get("id"), str):
                    parts.append(f' ("{value["id"]}")')
            else:
                parts.append(f".{key}" if parts else str(key))
                value = value.get(key) if isinstance(value, dict) else None
        return "".join(parts) or "front matter"

    def _read(self, text: str) -> None:
        try:
            self.source = YamlSource(text, path=self.path, line_offset=self.line_offset)
        except yaml.YAMLError as exc:
            self.problems.append(yaml_error_problem(exc, path=self.path, line_offset=self.line_offset))
            return
        except RecursionError:
            self.problems.append(ContentProblem(self.path, self.line_offset + 1, "invalid YAML: nested too deeply"))
            return
        except (ValueError, OverflowError, TypeError) as exc:  # e.g. a date like 2024-13-45
            line, value = self._bad_scalar(text)
            self.problems.append(ContentProblem(self.path, line, f"invalid YAML value {value!r}: {exc}"))
            return
        self._check_duplicate_keys()
        data = self.data
        if data is None:
            self.problems.append(ContentProblem(self.path, self.line_offset + 1, "the front matter is empty"))
            return
        if not isinstance(data, dict):
            self.problem((), f"must be a mapping of keys to values (like 'title: ...'), got {describe(data)}")
            return
        try:
            self.meta = ModuleMeta.model_validate(data, context={SKIP_RULES: True})
        except ValidationError as exc:
            errors = exc.errors()
            error_locs = [tuple(error["loc"]) for error in errors]
            for error in errors:
                loc = tuple(error["loc"])
                # pydantic counts only the items that validated: "needs 2, got 1" is noise next to an item's own error
                if error["type"] == "too_short" and any(
                    len(other) > len(loc) and other[: len(loc)] == loc for other in error_locs
                ):
                    continue
                self._report_error(error)
        except RecursionError:
            self.problem((), "nested too deeply")
        for rule in all_rules(data):
            self._report_rule(rule)
        if self.problems:
            self.meta = None

    def _report_rule(self, rule: Rule) -> None:
        message = rule.message
        if rule.first is not None:
            message += f" (first at line {self.line_of(rule.first)})"
        self.problem(rule.where, message, line_at=rule.line_at)

    def _report_error(self, error: Any) -> None:
        loc: Loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "missing" and loc:
            self.problem(loc[:-1], f"missing required key '{loc[-1]}'", line=self.line_of(loc))
        elif kind == "extra_forbidden" and loc:
            self.problem(loc[:-1], _unknown_key(loc), line=self.key_line(loc))
        elif kind == "invalid_key" and loc:
            self.problem(loc[:-1], f"key {loc[-1]!r} must be text", line=self.key_line(loc))
        else:
            self.problem(loc, _type_message(error))

    def _check_duplicate_keys(self) -> None:
        stack: list[tuple[Any, Loc]] = [(self.source.node if self.source else None, ())]
        seen_nodes: set[int] = set()
        while stack:
            node, loc = stack.pop()
            if id(node) in seen_nodes:  # aliases may share or even nest nodes
                continue
            seen_nodes.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend((child, (*loc, index)) for index, child in enumerate(node.value))
            elif isinstance(node, yaml.MappingNode):
                first_line: dict[str, int] = {}
                for key_node, value_node in node.value:
                    key = getattr(key_node, "value", None)
                    if isinstance(key, str) and key != "<<":
                        line = key_node.start_mark.line + 1 + self.line_offset
                        if key in first_line:
                            self.problem(loc, f"key '{key}' appears twice (first at line {first_line[key]})", line=line)
                        else:
                            first_line[key] = line
                        stack.append((value_node, (*loc, key)))

    def _bad_scalar(self, text: str) -> tuple[int, str]:
        """Find the scalar YAML could read but not convert (only called after such a failure)."""
        try:
            stack = [yaml.compose(text, Loader=yaml.SafeLoader)]
        except Exception:  # only a search for a better line
            stack = []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                try:
                    yaml.SafeLoader("").construct_object(node, deep=True)
                except Exception:  # any failure marks the culprit
                    return node.start_mark.line + 1 + self.line_offset, node.value
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                stack.extend(child for pair in reversed(node.value) for child in reversed(pair))
        return self.line_offset + 1, ""


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def _unknown_key(loc: Loc) -> str:
    key = str(loc[-1])
    model = MODEL_AT.get(tuple(part for part in loc[:-1] if not isinstance(part, int)))
    allowed = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}' (did you mean '{close[0]}'?)"
    return f"unknown key '{key}' (allowed: {', '.join(allowed)})" if allowed else f"unknown key '{key}'"


def _type_message(error: Any) -> str:
    kind, ctx, got = error["type"], error.get("ctx") or {}, describe(error.get("input"))
    if kind == "string_type":
        hint = " (put text in quotes)" if isinstance(error.get("input"), (int, float, bool, dt.date)) else ""
        return f"must be text, got {got}{hint}"
    if kind == "string_pattern_mismatch":
        return f"must be an id of lowercase letters a-z, digits and single hyphens (like 'wie-draagt-bij'), got {got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"must be a whole number, got {got}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}, got {got}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}, got {got}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"must be true or false, got {got}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {got}"
    if kind in {"tuple_type", "list_type"}:
        return f"must be a list (one '- ' line per item), got {got}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"must be a mapping of keys to values, got {got}"
    return str(error.get("msg", "is not valid"))


def describe(value: Any) -> str:
    """A short, author-friendly description of a YAML value for messages."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    return f"a value of type {type(value).__name__}"
