"""Questionnaire instruments: the models for content/questionnaires/*.yaml, their validation and their version."""

from __future__ import annotations

import difflib
import hashlib
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from monitor.errors import UnknownItem, UnknownScale
from training.errors import ContentInvalid
from training.sourcefiles import ContentProblem, YamlSource, yaml_error_problem

Moment = Literal["T0", "T1", "T2"]
MOMENTS: tuple[Moment, ...] = ("T0", "T1", "T2")
THEN_TEST_MOMENT: Moment = "T1"  # the retrospective "before the training" rating is asked after the training

AnswerValue = int | str
"""A stored answer to a closed item: an int on the format's range, or one of the format's missing codes."""

SNAPSHOT_SOURCE = "<snapshot>"
# Lifecycle, display data and the analysis plan: changing them does not change what an answer means, so not the
# version either (a new analysis plan must not split the responses already given into two versions).
_OUTSIDE_VERSION = ("title", "status", "status_note", "analysis")
_MAX_LISTED_LABELS = 50


def _normalize_text(value: str) -> str:
    """One canonical form per wording: NFC, whitespace runs collapsed, so re-wrapping a line is no new version."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise ValueError("must not be empty")
    return text


def _sorted_unique_moments(moments: tuple[Moment, ...]) -> tuple[Moment, ...]:
    if len(set(moments)) != len(moments):
        raise ValueError("lists a moment twice")
    return tuple(sorted(moments))


def _unique_codes(choices: tuple[Choice, ...]) -> tuple[Choice, ...]:
    codes = [choice.code for choice in choices]
    doubles = sorted({code for code in codes if codes.count(code) > 1})
    if doubles:
        raise ValueError(f"duplicate code(s): {', '.join(doubles)}")
    return choices


Text = Annotated[str, AfterValidator(_normalize_text)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
Moments = Annotated[tuple[Moment, ...], Field(min_length=1), AfterValidator(_sorted_unique_moments)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    """One coded option that is not a point on a scale: a missing option or a background answer."""

    code: Code
    label: Text


Choices = Annotated[tuple[Choice, ...], AfterValidator(_unique_codes)]


class AnswerFormat(_Model):
    """A closed answer scale: every whole number min..max labelled, plus options that are stored as missing."""

    id: Ident
    stem: Text | None = None
    min: StrictInt
    max: StrictInt
    labels: dict[int, Text]
    missing: Choices = ()

    @field_validator("max")
    @classmethod
    def _max_above_min(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("min")
        if low is not None and value <= low:
            raise ValueError(f"max ({value}) must be greater than min ({low})")
        return value

    @field_validator("labels", mode="before")
    @classmethod
    def _no_boolean_labels(cls, labels: Any) -> Any:
        if isinstance(labels, dict) and any(isinstance(value, bool) for value in labels):
            raise ValueError("label keys must be whole numbers, not true/false")
        return labels

    @field_validator("labels")
    @classmethod
    def _labels_cover_range(cls, labels: dict[int, str], info: ValidationInfo) -> dict[int, str]:
        low, high = info.data.get("min"), info.data.get("max")
        if low is None or high is None:  # already reported on min or max
            return labels
        outside = sorted(value for value in labels if not low <= value <= high)
        if outside:
            raise ValueError(f"labels outside {low}..{high}: {', '.join(map(str, outside))}")
        if len(labels) != high - low + 1:
            if high - low < _MAX_LISTED_LABELS:
                unlabelled = ", ".join(str(v) for v in range(low, high + 1) if v not in labels)
                raise ValueError(f"every value {low}..{high} needs a label; missing: {unlabelled}")
            raise ValueError(f"every value {low}..{high} needs a label")
        return dict(sorted(labels.items()))

    @property
    def missing_codes(self) -> frozenset[str]:
        return frozenset(choice.code for choice in self.missing)


class Scale(_Model):
    id: Ident
    title: Text
    format: Ident
    then_test: StrictBool = False  # may its items be asked again at T1 as "before the training"?


class Item(_Model):
    """A closed, scored question; its answer format is its scale's."""

    id: Ident
    scale: Ident
    text: Text
    reverse: StrictBool = False
    moments: Moments
    then_test: StrictBool = False  # also asked at T1 as a retrospective "before the training" rating


class OpenQuestion(_Model):
    id: Ident
    text: Text
    moments: Moments


class BackgroundQuestion(_Model):
    id: Ident
    text: Text
    choices: Annotated[Choices, Field(min_length=2)]
    moments: Moments


class ThenTestLabels(_Model):
    now: Text
    retrospective: Text


ScaleRole = Literal["outcome", "context"]
PrimaryTest = Literal["paired_t", "wilcoxon"]


class ScaleAnalysis(_Model):
    """How the monitor treats one scale: an outcome is compared between moments, context is only described."""

    role: ScaleRole = "outcome"
    # The moments between which the scale's change is compared (default: every moment its items are asked at).
    moments: Annotated[tuple[Moment, ...], Field(min_length=2), AfterValidator(_sorted_unique_moments)] | None = None


class AnalysisPlan(_Model):
    """The pre-registered analysis: one primary test per outcome scale, the other one a sensitivity check."""

    primary_test: PrimaryTest = "paired_t"
    scales: dict[Ident, ScaleAnalysis] = Field(default_factory=dict)


class Instrument(_Model):
    """One questionnaire. Build it with parse_instrument/load_instrument/from_snapshot, which check references."""

    id: Slug
    title: Text
    status: Literal["concept", "gevalideerd"]
    status_note: Text | None = None
    instruction: Text
    then_test_labels: ThenTestLabels | None = None
    answer_formats: tuple[AnswerFormat, ...] = Field(min_length=1)
    scales: tuple[Scale, ...] = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)
    open_questions: tuple[OpenQuestion, ...] = ()
    background: tuple[BackgroundQuestion, ...] = ()
    analysis: AnalysisPlan = Field(default_factory=AnalysisPlan)  # outside the version hash

    # --- look-ups -------------------------------------------------------------------------------------------

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise UnknownItem(f"Vraag {item_id} komt niet voor in de vragenlijst.", field=item_id)

    def scale(self, scale_id: str) -> Scale:
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise UnknownScale(f"Schaal {scale_id} komt niet voor in de vragenlijst.", field=scale_id)

    def format_of(self, item_or_scale: Item | Scale) -> AnswerFormat:
        scale = self.scale(item_or_scale.scale) if isinstance(item_or_scale, Item) else item_or_scale
        return next(fmt for fmt in self.answer_formats if fmt.id == scale.format)

    def scale_items(self, scale_id: str) -> list[Item]:
        self.scale(scale_id)
        return [item for item in self.items if item.scale == scale_id]

    # The *_for lookups take any str: the moment of a stored row or a request (a str column or field); a moment
    # that is not T0, T1 or T2 asks nothing and gets an empty list.
    def items_for(self, moment: str) -> list[Item]:
        return [item for item in self.items if moment in item.moments]

    def open_questions_for(self, moment: str) -> list[OpenQuestion]:
        return [question for question in self.open_questions if moment in question.moments]

    def background_for(self, moment: str) -> list[BackgroundQuestion]:
        return [question for question in self.background if moment in question.moments]

    def scale_analysis(self, scale_id: str) -> ScaleAnalysis:
        self.scale(scale_id)
        return self.analysis.scales.get(scale_id, ScaleAnalysis())

    def is_outcome(self, scale_id: str) -> bool:
        return self.scale_analysis(scale_id).role == "outcome"

    def outcome_scales(self) -> list[str]:
        return [scale.id for scale in self.scales if self.is_outcome(scale.id)]

    def compared(self, scale_id: str, moment_from: str, moment_to: str) -> bool:
        """Is the scale's change between these moments an outcome? Only for outcome scales, between moments at
        which its items are asked and that the analysis plan names (when it names any)."""
        plan = self.scale_analysis(scale_id)
        if plan.role != "outcome":
            return False
        asked = {m for item in self.scale_items(scale_id) for m in item.moments}
        allowed = set(plan.moments) if plan.moments is not None else asked
        return {moment_from, moment_to} <= (asked & allowed)

    def then_test_items(self) -> list[Item]:
        return [item for item in self.items if item.then_test]

    def is_valid_value(self, item: Item | str, value: object) -> bool:
        """An int on the item's format range, or one of that format's missing codes (never a bool or float)."""
        fmt = self.format_of(self.item(item) if isinstance(item, str) else item)
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return fmt.min <= value <= fmt.max
        return isinstance(value, str) and value in fmt.missing_codes

    # --- versions -------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The canonical, JSON-ready form: what the database stores, frozen, for each version."""
        return self.model_dump(mode="json", exclude_defaults=True)

    @property
    def version_hash(self) -> str:
        """sha256 of the canonical JSON of everything that gives answers their meaning (see the format doc)."""
        meaning = {key: value for key, value in self.snapshot().items() if key not in _OUTSIDE_VERSION}
        return hashlib.sha256(canonical_json(meaning).encode("utf-8")).hexdigest()

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> Instrument:
        """Rebuild an instrument stored by snapshot(); raises ContentInvalid when the snapshot is not valid."""
        return _build(snapshot, path=SNAPSHOT_SOURCE, line_of=lambda loc: None)


_FIELD_NAMES = sorted(
    {
        name
        for model in (
            Instrument,
            AnswerFormat,
            Scale,
            Item,
            OpenQuestion,
            BackgroundQuestion,
            Choice,
            ThenTestLabels,
            AnalysisPlan,
            ScaleAnalysis,
        )
        for name in model.model_fields
    }
)


def canonical_json(data: Any) -> str:
    """Sorted keys, no whitespace, unicode kept: equal data gives equal text."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --- loading ----------------------------------------------------------------------------------------------------


def parse_instrument(text: str, *, path: str) -> Instrument:
    """Parse and check one instrument; raises ContentInvalid listing every problem with its line."""
    try:
        source = YamlSource(text, path=path)
    except yaml.YAMLError as exc:
        raise ContentInvalid([yaml_error_problem(exc, path=path)]) from None
    except (ValueError, RecursionError) as exc:  # e.g. a date like 2024-02-30, or absurd nesting
        raise ContentInvalid([ContentProblem(path, None, f"invalid YAML: {exc}")]) from None
    if source.data is None:
        raise ContentInvalid([ContentProblem(path, 1, "the file is empty")])
    problems = _duplicate_key_problems(source.node, path=path)
    return _build(source.data, path=path, line_of=source.line_of, problems=problems)


def load_instrument(path: str | Path) -> Instrument:
    """Read and parse one file."""
    path = Path(path)
    return parse_instrument(_read(path), path=str(path))


def load_instruments(directory: str | Path) -> list[Instrument]:
    """Every ``*.yaml`` instrument in ``directory`` by file name, skipping names that start with ``_`` or ``.``.

    Problems of all files come in one ContentInvalid; an id used by two files is reported in the later file.
    """
    instruments: list[Instrument] = []
    problems: list[ContentProblem] = []
    first_file: dict[str, Path] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        if path.name.startswith(("_", ".")):
            continue
        try:
            instrument = load_instrument(path)
        except ContentInvalid as exc:
            problems.extend(exc.problems)
            continue
        if instrument.id in first_file:
            line = YamlSource(_read(path), path=str(path)).line_of(("id",))
            message = f"id '{instrument.id}' is also used by {first_file[instrument.id].name}"
            problems.append(ContentProblem(str(path), line, message))
            continue
        first_file[instrument.id] = path
        instruments.append(instrument)
    if problems:
        raise ContentInvalid(problems)
    return instruments


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise ContentInvalid([ContentProblem(str(path), None, f"cannot read the file: {exc}")]) from None


Loc = tuple[int | str, ...]
LineOf = Callable[[Loc], int | None]


def _build(data: Any, *, path: str, line_of: LineOf, problems: list[ContentProblem] | None = None) -> Instrument:
    problems = list(problems or [])
    instrument: Instrument | None = None
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems.extend(
            ContentProblem(path, line_of(err["loc"]), _describe(err, data)) for err in errors if not _echo(err, errors)
        )
    except RecursionError:
        problems.append(ContentProblem(path, None, "the document nests too deeply"))
    problems.extend(_reference_problems(data, path=path, line_of=line_of))
    if problems or instrument is None:
        raise ContentInvalid(problems)
    return instrument


def _echo(err: Any, errors: list[Any]) -> bool:
    """A list that is 'too short after validation' only because its own elements failed: already reported."""
    loc = tuple(err["loc"])
    inside = (tuple(other["loc"])[: len(loc)] == loc for other in errors if other is not err)
    return err["type"] == "too_short" and any(inside)


def _describe(err: Any, data: Any) -> str:
    loc = tuple(err["loc"])
    if err["type"] == "missing" and loc:
        return _where(loc[:-1], f"missing field '{loc[-1]}'", data)
    if err["type"] == "extra_forbidden" and loc:
        guess = difflib.get_close_matches(str(loc[-1]), _FIELD_NAMES, n=1, cutoff=0.75)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        return _where(loc[:-1], f"unknown field '{loc[-1]}'{hint}", data)
    return _where(loc, str(err["msg"]).removeprefix("Value error, "), data)


def _where(loc: Loc, message: str, data: Any) -> str:
    """``items[3] ("KEN4").moments[1]: message``: list positions count from 0, the id says which element it is."""
    dotted = ""
    for part in loc:
        dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else str(part))
        data = _step(data, part)
        if isinstance(part, int) and isinstance(data, dict) and isinstance(data.get("id"), str):
            dotted += f' ("{data["id"]}")'
    return f"{dotted}: {message}" if dotted else message


def _step(data: Any, part: int | str) -> Any:
    if isinstance(data, dict):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _duplicate_key_problems(root: yaml.Node | None, *, path: str) -> list[ContentProblem]:
    """PyYAML keeps the last of two equal keys without a word; report the second one instead."""
    problems: list[ContentProblem] = []
    seen_nodes: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:  # aliases can make the node graph cyclic
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        line = key.start_mark.line + 1
                        problems.append(ContentProblem(path, line, f"duplicate key '{key.value}'"))
                    keys.add(key.value)
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


# --- cross-reference checks: run on every element that is well-formed on its own, so that one broken item
# --- does not hide the problems of the others

_QUESTION_SECTIONS = ("items", "open_questions", "background")


def _reference_problems(data: Any, *, path: str, line_of: LineOf) -> list[ContentProblem]:
    if not isinstance(data, dict):
        return []

    def problem(loc: Loc, message: str) -> ContentProblem:
        return ContentProblem(path, line_of(loc), _where(loc, message, data))

    # Answers are keyed by question id, so items, open and background questions share one namespace.
    problems = [
        problem(loc, f"duplicate id '{ident}'")
        for sections in (("answer_formats",), ("scales",), _QUESTION_SECTIONS)
        for loc, ident in _duplicates(data, sections, line_of)
    ]

    # Ids of elements that are present but broken still count as defined, so they cause no second problem.
    format_ids = {ident for _, ident in _raw_field(data, "answer_formats", "id")}
    scale_ids = {ident for _, ident in _raw_field(data, "scales", "id")}
    scales_in_use = {ident for _, ident in _raw_field(data, "items", "scale")}
    scales = {scale.id: scale for _, scale in _valid_elements(data, "scales", Scale)}

    for index, scale in _valid_elements(data, "scales", Scale):
        if scale.format not in format_ids:
            problems.append(problem(("scales", index, "format"), f"unknown answer format '{scale.format}'"))
        if scale.id not in scales_in_use:
            problems.append(problem(("scales", index, "id"), f"scale '{scale.id}' has no items"))

    plan = data.get("analysis")
    if isinstance(plan, dict) and isinstance(plan.get("scales"), dict):
        for scale_id in plan["scales"]:
            if isinstance(scale_id, str) and scale_id not in scale_ids:
                problems.append(problem(("analysis", "scales", scale_id), f"unknown scale '{scale_id}'"))

    first_then_test: int | None = None
    for index, item in _valid_elements(data, "items", Item):
        if item.scale not in scale_ids:
            problems.append(problem(("items", index, "scale"), f"unknown scale '{item.scale}'"))
        if not item.then_test:
            continue
        first_then_test = index if first_then_test is None else first_then_test
        if item.scale in scales and not scales[item.scale].then_test:
            message = f"scale '{item.scale}' is not then-test capable (it needs then_test: true)"
            problems.append(problem(("items", index, "then_test"), message))
        if THEN_TEST_MOMENT not in item.moments:
            message = f"a then-test item must be asked at {THEN_TEST_MOMENT}, where the then-test is asked"
            problems.append(problem(("items", index, "moments"), message))
    if first_then_test is not None and data.get("then_test_labels") is None:
        message = "then-test items need then_test_labels (now, retrospective) at the top level"
        problems.append(problem(("items", first_then_test, "then_test"), message))
    return problems


def _raw_field(data: dict[str, Any], section: str, field: str) -> list[tuple[int, str]]:
    elements = data.get(section)
    if not isinstance(elements, list):
        return []
    return [
        (index, element[field])
        for index, element in enumerate(elements)
        if isinstance(element, dict) and isinstance(element.get(field), str)
    ]


def _valid_elements(data: dict[str, Any], section: str, model: type[_Model]) -> list[tuple[int, Any]]:
    elements = data.get(section)
    if not isinstance(elements, list):
        return []
    valid = []
    for index, element in enumerate(elements):
        try:
            valid.append((index, model.model_validate(element)))
        except (ValidationError, RecursionError):
            continue
    return valid


def _duplicates(data: dict[str, Any], sections: tuple[str, ...], line_of: LineOf) -> list[tuple[Loc, str]]:
    """Every occurrence of an id after its first (first by line when lines are known, else by section order)."""
    occurrences = [
        ((section, index, "id"), ident) for section in sections for index, ident in _raw_field(data, section, "id")
    ]
    occurrences.sort(key=lambda occurrence: line_of(occurrence[0]) or 0)
    seen: set[str] = set()
    doubles: list[tuple[Loc, str]] = []
    for loc, ident in occurrences:
        if ident in seen:
            doubles.append((loc, ident))
        seen.add(ident)
    return doubles
