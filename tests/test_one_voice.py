"""One voice: what people read says "je/jij/jouw", never the formal "u/uw" (docs/style.md and the house rules).

Scans every template's text (text between tags, the attributes people read, string literals inside Jinja tags) and
every string literal in src/ except docstrings. A hit names the file, the line and the sentence."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
TEMPLATES = SRC / "api" / "templates"
# The formal pronouns as words of Dutch text; "{u}" placeholders, "u.name" attributes and "%u" are not words here.
FORMAL = re.compile(r"(?<![\w{.%/\\-])(u|U|uw|Uw|UW|uzelf|Uzelf|uwe|Uwe)(?![\w}.(/\\-])")
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
JINJA_STRING = re.compile(r"'([^']*)'|\"([^\"]*)\"")
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)
READ_ATTRIBUTES = re.compile(r"\b(?:aria-label|title|placeholder|alt)=\"([^\"]*)\"", re.I)


def formal_words(text: str) -> list[str]:
    return [m.group(0) for m in FORMAL.finditer(text)]


def template_texts(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) for everything a reader of the rendered page sees."""
    for match in JINJA.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        for string in JINJA_STRING.finditer(match.group(0)):
            yield line, string.group(1) or string.group(2) or ""
    without_jinja = JINJA.sub(lambda m: " " * len(m.group(0)), source)
    for match in TAG.finditer(without_jinja):
        line = without_jinja.count("\n", 0, match.start()) + 1
        for attribute in READ_ATTRIBUTES.finditer(match.group(0)):
            yield line, attribute.group(1)
    text = TAG.sub(lambda m: "\n" * m.group(0).count("\n") + " ", without_jinja)
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line


def python_strings(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def hits(files: list[Path], texts) -> list[str]:
    found = []
    for path in files:
        for line, text in texts(path.read_text(encoding="utf-8")):
            if " " not in text.strip():
                continue  # a single word is code ("u" replacing "ü" in an e-mail address), not a sentence
            if words := formal_words(text):
                found.append(f"{path.relative_to(SRC)}:{line}: {', '.join(words)} in {text.strip()[:100]!r}")
    return found


def test_the_scanner_finds_formal_forms_and_leaves_code_alone():
    assert formal_words("Heeft u uw wachtwoord? U kunt inloggen. Over uzelf") == ["u", "uw", "U", "uzelf"]
    assert formal_words("{u} u.name %u Je kunt inloggen met je e-mailadres, jouw groep") == []
    page = '{% with caption="Groepen in uw organisatie" %}<p title="Weet u het?">Hallo {{ u.name }}, je</p>'
    assert [formal_words(t) for _, t in template_texts(page) if formal_words(t)] == [["uw"], ["u"]]
    assert [t for _, t in python_strings('"""Over u."""\nx = "Uw sessie"\n')] == ["Uw sessie"]


@pytest.mark.parametrize("kind", ["templates", "python"])
def test_no_formal_dutch_in_what_people_read(kind):
    if kind == "templates":
        found = hits(sorted(TEMPLATES.rglob("*.html")), template_texts)
    else:
        found = hits(sorted(SRC.rglob("*.py")), python_strings)
    assert not found, "formal Dutch ('u/uw'); write 'je/jij/jouw':\n" + "\n".join(found)
