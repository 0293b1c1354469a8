"""Split a module's Markdown body into ``## Title {#id}`` sections, check headings and links, and render HTML."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from training.content.models import SLUG_RE, Section
from training.sourcefiles import ContentProblem

# html=False: raw HTML in a content file is shown as text, never passed through.
_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_HEADING_ID = re.compile(r"(?P<title>.*?)\s*\{#(?P<id>[^{}]*)\}", re.DOTALL)


def render_markdown(text: str) -> str:
    """Render trusted Markdown from a content file to HTML (raw HTML escaped)."""
    return str(_MD.render(text))


@dataclass
class Body:
    sections: list[Section] = field(default_factory=list)
    problems: list[ContentProblem] = field(default_factory=list)


@dataclass
class _Heading:
    index: int  # of its heading_open token
    line: int
    section_id: str | None
    title: str


def parse_body(text: str, *, path: str, first_line: int) -> Body:
    """Parse a body that starts at 1-based file line ``first_line``, collecting every problem in ``Body.problems``."""
    parser = _BodyParser(text, path=path, first_line=first_line)
    return parser.parse()


class _BodyParser:
    def __init__(self, text: str, *, path: str, first_line: int) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.path = path
        self.first_line = first_line
        self.env: dict[str, Any] = {}
        self.tokens = _MD.parse(text, self.env)
        self.body = Body()

    def problem(self, line: int, message: str) -> None:
        self.body.problems.append(ContentProblem(self.path, line, message))

    def line_of(self, token: Token) -> int:
        return (token.map[0] if token.map else 0) + self.first_line

    def parse(self) -> Body:
        self._check_other_headings()
        headings = self._section_headings()
        self._check_start(headings)
        self._check_links([h.section_id for h in headings if h.section_id is not None])
        for number, heading in enumerate(headings):
            end = headings[number + 1].index if number + 1 < len(headings) else len(self.tokens)
            content = self.tokens[heading.index + 3 : end]  # skip heading_open, inline, heading_close
            if not content:
                self.problem(heading.line, f"section '{heading.section_id or heading.title}' has no content")
            if heading.section_id is None:
                continue
            opening = self.tokens[heading.index].map
            markdown_start = opening[1] if opening else 0
            closing = self.tokens[end].map if end < len(self.tokens) else None
            markdown_end = closing[0] if closing else len(self.lines)
            self.body.sections.append(
                Section(
                    id=heading.section_id,
                    title=heading.title,
                    markdown="\n".join(self.lines[markdown_start:markdown_end]).strip("\n"),
                    html=_MD.renderer.render(content, _MD.options, self.env),
                    line=heading.line,
                )
            )
        return self.body

    def _section_headings(self) -> list[_Heading]:
        headings: list[_Heading] = []
        first_line_of: dict[str, int] = {}
        for index, token in enumerate(self.tokens):
            if not (token.type == "heading_open" and token.tag == "h2" and token.markup == "##" and token.level == 0):
                continue
            line = self.line_of(token)
            content = self.tokens[index + 1].content.strip()
            match = _HEADING_ID.fullmatch(content)
            if match is None:
                suggestion = _slugify(content) or "some-id"
                self.problem(
                    line, f"section heading '## {content}' has no id: write it as '## {content} {{#{suggestion}}}'"
                )
                headings.append(_Heading(index, line, None, content))
                continue
            title, section_id = match["title"].strip(), match["id"]
            if not title:
                self.problem(line, f"section heading '{{#{section_id}}}' has no title before its id")
            if not SLUG_RE.match(section_id):
                self.problem(
                    line,
                    f"section id '{section_id}' must be lowercase letters a-z, digits and single hyphens "
                    "(like 'bankslapers')",
                )
            if section_id in first_line_of:
                self.problem(
                    line, f"section id '{section_id}' is used twice (first at line {first_line_of[section_id]})"
                )
            else:
                first_line_of[section_id] = line
            headings.append(_Heading(index, line, section_id, title))
        return headings

    def _check_other_headings(self) -> None:
        for index, token in enumerate(self.tokens):
            if token.type != "heading_open":
                continue
            line, content = self.line_of(token), self.tokens[index + 1].content.strip()
            if token.markup in ("=", "-"):
                self.problem(
                    line,
                    f"the text '{_short(content)}' is followed by a line of '{token.markup}' and so becomes a heading: "
                    "put a blank line between them, or start a section with '## Title {#id}'",
                )
            elif token.tag == "h1":
                self.problem(
                    line,
                    f"'# {_short(content)}' is a level-1 heading: the module title comes from the front matter; "
                    "start sections with '## Title {#id}' and use '###' inside a section",
                )
            elif token.tag == "h2" and token.level > 0:
                self.problem(
                    line, f"the heading '## {_short(content)}' is inside a list or quote and cannot start a section"
                )
            elif token.tag != "h2" and _HEADING_ID.fullmatch(content):
                self.problem(
                    line,
                    f"'{token.markup} {_short(content)}': only '## ' section headings can have an {{#id}}; "
                    "remove it here",
                )

    def _check_start(self, headings: list[_Heading]) -> None:
        if not headings:
            content = next((t for t in self.tokens if t.map is not None), None)
            line = self.line_of(content) if content is not None else self.first_line - 1
            self.problem(line, "the module has no sections: start the body with a heading '## Title {#id}'")
            return
        problem_lines = {p.line for p in self.body.problems}
        before = next((t for t in self.tokens[: headings[0].index] if t.map is not None), None)
        if before is not None and self.line_of(before) not in problem_lines:
            self.problem(
                self.line_of(before), "text before the first section: start the body with a heading '## Title {#id}'"
            )

    def _check_links(self, section_ids: list[str]) -> None:
        known = set(section_ids)
        listing = ", ".join(dict.fromkeys(section_ids)) or "none"
        for token in self.tokens:
            if token.type != "inline" or not token.children:
                continue
            seen: dict[str, int] = {}
            for child in token.children:
                href = child.attrGet("href") if child.type == "link_open" else None
                if not isinstance(href, str) or not href.startswith("#"):
                    continue
                target = unquote(href[1:])
                seen[target] = seen.get(target, 0) + 1
                if target in known:
                    child.attrSet("data-section", target)
                    continue
                line = self._link_line(token, href, target, seen[target])
                if not target:
                    self.problem(line, "link to '#' names no section: write '#' followed by a section id")
                else:
                    self.problem(line, f"link to '#{target}' points to no section of this module (sections: {listing})")

    def _link_line(self, token: Token, href: str, target: str, occurrence: int) -> int:
        """The line of the ``occurrence``-th ``#target`` in the block, or of the reference definition it came from."""
        start, end = token.map if token.map else (0, 0)
        needle, count = "#" + target, 0
        for offset, text in enumerate(self.lines[start:end]):
            count += text.count(needle)
            if count >= occurrence:
                return start + offset + self.first_line
        for reference in (self.env.get("references") or {}).values():
            if reference.get("href") == href and reference.get("map"):
                return int(reference["map"][0]) + self.first_line
        return start + self.first_line


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _short(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "..."
