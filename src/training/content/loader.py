"""Read training modules (Markdown with YAML front matter) from content files and check them as a whole.

Pure: values in, values out; the only I/O is ``load_modules`` reading the files of one directory.
Every problem in a file is collected and reported at once as ``ContentInvalid``, with file and line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from training.content.frontmatter import FrontMatter
from training.content.markdown import parse_body
from training.content.models import Module
from training.errors import ContentInvalid
from training.sourcefiles import ContentProblem, display_path

FILE_NAME_RE = re.compile(r"\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.md")


def parse_module(text: str, *, path: str) -> Module:
    """Parse one module file's text. ``content_hash`` is the sha256 of the text encoded as UTF-8."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return _raise_or_module(_parse(text, path=path, content_hash=digest))


def parse_module_bytes(data: bytes, *, path: str) -> Module:
    """Parse one module file's bytes (must be UTF-8). ``content_hash`` is the sha256 of exactly these bytes."""
    return _raise_or_module(_parse_bytes(data, path=path))


def load_modules(directory: Path, *, root: Path | None = None) -> list[Module]:
    """Parse every ``*.md`` in ``directory`` (not those starting with ``_`` or ``.``), sorted by ``order``.

    Raises one ContentInvalid with the problems of every file plus those between files (duplicate id or order, file
    names not like ``NN-slug.md``). Paths in problems are relative to ``root`` when given.
    """
    if not directory.is_dir():
        raise ContentInvalid([ContentProblem(display_path(directory, root), None, "module directory does not exist")])
    parsed: list[_Parsed] = []
    problems: list[ContentProblem] = []
    for file in sorted(directory.iterdir()):
        if file.name.startswith(("_", ".")) or file.suffix != ".md" or not file.is_file():
            continue
        path = display_path(file, root)
        if not FILE_NAME_RE.fullmatch(file.name):
            problems.append(
                ContentProblem(
                    path, None, "file name must be two digits, a hyphen and a slug, like '03-bankslapers.md'"
                )
            )
        try:
            data = file.read_bytes()
        except OSError as exc:
            problems.append(ContentProblem(path, None, f"cannot read the file: {exc.strerror or exc}"))
            continue
        parsed.append(_parse_bytes(data, path=path))
    problems += _cross_file_problems(parsed)
    problems += [problem for result in parsed for problem in result.problems]
    if problems:
        raise ContentInvalid(problems)
    modules = [result.module for result in parsed if result.module is not None]
    return sorted(modules, key=lambda module: (module.order, module.id))


@dataclass
class _Parsed:
    """One file's outcome; ``id`` and ``order`` (value, line) are kept even when the file has problems."""

    path: str
    module: Module | None = None
    problems: list[ContentProblem] = field(default_factory=list)
    id: tuple[str, int] | None = None
    order: tuple[int, int] | None = None


def _raise_or_module(result: _Parsed) -> Module:
    if result.problems or result.module is None:
        raise ContentInvalid(result.problems or [ContentProblem(result.path, None, "the module could not be read")])
    return result.module


def _parse_bytes(data: bytes, *, path: str) -> _Parsed:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}): save it with UTF-8 encoding"
        return _Parsed(path, problems=[ContentProblem(path, line, message)])
    return _parse(text, path=path, content_hash=hashlib.sha256(data).hexdigest())


def _parse(text: str, *, path: str, content_hash: str) -> _Parsed:
    try:
        return _parse_text(text, path=path, content_hash=content_hash)
    except Exception as exc:  # a checker reports, never crashes; tests assert this never fires
        return _Parsed(path, problems=[ContentProblem(path, None, f"internal error while checking this file: {exc!r}")])


def _parse_text(text: str, *, path: str, content_hash: str) -> _Parsed:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    result = _Parsed(path)
    if not text.strip():
        result.problems.append(ContentProblem(path, 1, "the file is empty"))
        return result
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        result.problems.append(
            ContentProblem(
                path, 1, "no front matter: the file must start with a line '---', then the YAML keys, then '---'"
            )
        )
        return result
    close = next((number for number in range(1, len(lines)) if lines[number].rstrip() == "---"), None)
    if close is None:
        result.problems.append(
            ContentProblem(path, 1, "the front matter is not closed: add a line '---' after the last YAML key")
        )
        return result

    front = FrontMatter("\n".join(lines[1:close]), path=path, line_offset=1)
    body = parse_body("\n".join(lines[close + 1 :]), path=path, first_line=close + 2)
    _check_prompt_sections(front, [section.id for section in body.sections])
    result.problems += front.problems + body.problems
    result.id, result.order = _identity(front)

    if result.problems or front.meta is None:
        return result
    meta = front.meta
    last = body.sections[-1].id
    result.module = Module(
        id=meta.id,
        title=meta.title,
        summary=meta.summary,
        order=meta.order,
        estimated_minutes=meta.estimated_minutes,
        learning_objectives=meta.learning_objectives,
        sections=tuple(body.sections),
        reflection_prompts=tuple(
            prompt if prompt.section else prompt.model_copy(update={"section": last})
            for prompt in meta.reflection_prompts
        ),
        knowledge_check=meta.knowledge_check,
        source_path=path,
        content_hash=content_hash,
    )
    return result


def _check_prompt_sections(front: FrontMatter, section_ids: list[str]) -> None:
    prompts = front.data.get("reflection_prompts") if isinstance(front.data, dict) else None
    if not section_ids or not isinstance(prompts, list):
        return  # no sections is reported by the body; no list by the model
    for index, prompt in enumerate(prompts):
        target = prompt.get("section") if isinstance(prompt, dict) else None
        if isinstance(target, str) and target not in section_ids:
            listing = ", ".join(dict.fromkeys(section_ids))
            front.problem(
                ("reflection_prompts", index),
                f"section '{target}' does not exist (sections: {listing})",
                line_at=("reflection_prompts", index, "section"),
            )


def _identity(front: FrontMatter) -> tuple[tuple[str, int] | None, tuple[int, int] | None]:
    data = front.data if isinstance(front.data, dict) else {}
    module_id, order = data.get("id"), data.get("order")
    return (
        (module_id, front.line_of(("id",))) if isinstance(module_id, str) else None,
        (order, front.line_of(("order",))) if isinstance(order, int) and not isinstance(order, bool) else None,
    )


def _cross_file_problems(parsed: list[_Parsed]) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    for attribute, noun in (("id", "module id"), ("order", "order")):
        first: dict[object, tuple[str, int]] = {}
        for result in parsed:
            found = getattr(result, attribute)
            if found is None:
                continue
            value, line = found
            if value in first:
                where = f"{first[value][0]}:{first[value][1]}"
                problems.append(ContentProblem(result.path, line, f"{noun} {value!r} is also used in {where}"))
            else:
                first[value] = (result.path, line)
    return problems
